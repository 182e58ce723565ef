"""
## What it does
Checks that an image serving a Django project's collected static files with nginx is built on
`nginxinc/nginx-unprivileged`, not on the official `nginx` image: a final stage built on `nginx`
(`nginx:1.27`, `docker.io/library/nginx:stable-alpine`) that copies files out of a stage that ran
`collectstatic`.

## Why is this bad?
The handbook: "For a web server, use the nginxinc/nginx-unprivileged:latest image." The official
image starts its master process as root (it then switches its workers to `nginx`), so the
container runs as root, which OpenShift and many Kubernetes clusters refuse, and which gives a
compromised server the whole container. nginx-unprivileged "runs NGINX as a non root,
unprivileged user" (uid 101) with its pid file and temporary folders moved where that user can
write, and listens on 8080 instead of 80. The official image cannot simply be given a `USER`:
nginx then fails to write its pid file and caches.

Only a final stage whose own chain starts `FROM nginx` is reported, and only when it copies from a
stage that runs `manage.py collectstatic` (the handbook's `Dockerfile_static`): an nginx image
that serves something else is not this rule's business. Neither is a stage that sets a
non-root `USER` (the official image, its folders made writable, can be run that way), nor one
whose user is not known.

## Example
```dockerfile
FROM python:3.12 AS build-stage
WORKDIR /workdir
COPY . .
RUN python manage.py collectstatic --noinput

FROM nginx:1.27
COPY --from=build-stage /workdir/static /usr/share/nginx/html/static
```

## Use instead
```dockerfile
FROM python:3.12 AS build-stage
WORKDIR /workdir
COPY . .
RUN python manage.py collectstatic --noinput

FROM nginxinc/nginx-unprivileged:1.27
COPY --from=build-stage /workdir/static /usr/share/nginx/html/static
```

## Fix safety
Unsafe: the fix rewrites the image's name to `nginxinc/nginx-unprivileged`, keeping the tag as
written (`latest` when there is none; the unprivileged image publishes the official one's tags).
The container then runs as uid 101 and the stock server listens on 8080, not 80: port mappings,
probes and a copied configuration's `listen 80;` (DJ062) must change with it, and files the stage
copies must be readable by that user. It is offered only when the nginx stages run no `RUN`
(which would now run as uid 101, without the rights to install packages) and the reference has no
digest (a digest names one image, which the other repository does not have).

## References
- [OCP handbook: Dockerfile](https://ocp-software-handbook.readthedocs.io/en/latest/docker/dockerfile.html)
- [nginx-unprivileged](https://github.com/nginx/docker-nginx-unprivileged#readme)
- [Official nginx image](https://hub.docker.com/_/nginx)
"""

from __future__ import annotations

from collections.abc import Iterator

from dockerlint_django._record import LazyPattern, replace
from dockerlint_django.analysis import basename
from dockerlint_django.dockerfile.model import Dockerfile, Stage, expand_in
from dockerlint_django.fix import Applicability, Edit, Fix
from dockerlint_django.rules._base import (
    Context,
    FixAvailability,
    Related,
    RuleMeta,
    Severity,
    Violation,
)
from dockerlint_django.shell.commands import django_command
from dockerlint_django.shell.syntax import SimpleCommand

META = RuleMeta(
    code="DJ061",
    name="static-image-not-unprivileged",
    severity=Severity.INFO,
    summary="The static-files image is built on the official nginx image, which runs as root.",
    fix=FixAvailability.SOMETIMES,
    safest_fix=Applicability.UNSAFE,
    profile="ocp",
    kind=("dockerfile",),
)

_UNPRIVILEGED = "nginxinc/nginx-unprivileged"
# The official image as written: `nginx`, `nginx:1.27`, `docker.io/library/nginx:stable`.
_OFFICIAL = LazyPattern(
    r"^(?:(?:docker\.io|index\.docker\.io|registry-1\.docker\.io)/)?(?:library/)?nginx"
    r"(?P<tag>:[^@/]+)?$"
)


def _collectstatic(cmd: SimpleCommand) -> bool:
    """``manage.py collectstatic``, also behind ``env VAR=value``."""
    words = cmd.words
    if words and basename(words[0].value) == "env":
        i = 1
        while i < len(words) and (
            (words[i].value or "").startswith("-") or "=" in (words[i].value or "")
        ):
            i += 1
        cmd = replace(cmd, words=words[i:])
    found = django_command(cmd)
    return found is not None and found.name == "collectstatic"


def _collecting(ctx: Context, df: Dockerfile, final: Stage) -> tuple[Stage, Related] | None:
    """The stage that ran collectstatic whose files the final stage copies, and the copy."""
    analysis = ctx.analysis
    own = {s.index for s in final.chain}
    for s in final.chain:
        for ins, state in s.steps():
            if ins.keyword not in ("COPY", "ADD"):
                continue
            ref = next((f.value for f in ins.flags if f.name == "from"), None)
            if ref is None:
                continue
            value = expand_in(state, ref, df.escape)
            source = df.stage_ref(value) if value is not None else None
            if source is None or source.index in own:
                continue
            if any(
                _collectstatic(cmd)
                for run in analysis.runs_in(source, chain=True)
                for cmd in run.commands
            ):
                note = f"the collected static files are copied from stage {source.label()} here"
                return source, Related(ins.span, note)
    return None


def check(ctx: Context) -> Iterator[Violation]:
    df = ctx.analysis.dockerfile
    final = df.final
    if final is None:
        return
    root = final.chain[0]
    image = root.image
    if image is None or image.name != "nginx" or not root.from_.value_mapped:
        return
    if ctx.analysis.user(final).is_root is not True:
        return  # made to run as another user: the image's reason is gone, the way is theirs
    found = _collecting(ctx, df, final)
    if found is None:
        return
    _, related = found
    word = root.from_.value_mapped[0]
    span = word.span()
    written = word.text
    fix = None
    m = _OFFICIAL.match(written)
    if m is not None and not any(
        ins.keyword == "RUN" for s in final.chain for ins in s.instructions
    ):
        tag = m.group("tag") or ":latest"
        fix = Fix(
            f"Build on {_UNPRIVILEGED}{tag}",
            (Edit.replace(span, f"{_UNPRIVILEGED}{tag}"),),
            Applicability.UNSAFE,
        )
    tag = image.tag or "latest"
    yield META.violation(
        span,
        f"the static-files image is built on the official nginx image ({written.split('@')[0]}), "
        "whose master "
        "process runs as root; the handbook uses nginxinc/nginx-unprivileged, which runs as uid "
        f"101 and listens on 8080: `FROM {_UNPRIVILEGED}:{tag}`",
        fix=fix,
        related=(related,),
    )
