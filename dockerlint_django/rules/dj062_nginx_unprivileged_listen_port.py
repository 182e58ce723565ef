"""
## What it does
Checks that an nginx image that runs as a non-root user (nginx-unprivileged, or the official
image given a non-root `USER`) does not listen on a privileged port: a `listen` directive with a
port below 1024 (`listen 80;`, `listen [::]:80;`, `listen 443 ssl;`) in a configuration file the
final stage copies from the build context into `/etc/nginx/conf.d/` (or as
`/etc/nginx/nginx.conf`, or as a template in `/etc/nginx/templates/`).

## Why is this bad?
The handbook: "For a web server, use the nginxinc/nginx-unprivileged:latest image. Note that the
default port is changed to 8080 (instead of 80)." Its template's `default.conf` has
`listen 8080;`. nginx-unprivileged runs as uid 101, and a process that is not root may bind a
port below 1024 only where the runtime lowers the privileged-port limit: Docker does since 20.10,
but "it's still required in other container runtimes" (the image's README), such as OpenShift,
Kubernetes without that sysctl, or rootless Podman. There nginx stops at startup with
`bind() to 0.0.0.0:80 failed (13: Permission denied)`. The image also `EXPOSE`s 8080, which is
the port OpenShift routes and Compose files map (`…:8080`).

The finding is on the port in the configuration file, with the `COPY` that brings it. A file that
nginx does not load (a main `nginx.conf` that does not include it, a file in `conf.d` that does
not end in `.conf`), a port that comes from a variable (`listen ${PORT};` in a template), and a
user that is root or not known are not reported. A file that cannot be parsed is not read, and
nothing is reported when something may rewrite the configuration before nginx starts: a script
copied into `/docker-entrypoint.d/`, a start command other than the images' own (`nginx`, through
`/docker-entrypoint.sh` or not), or `nginx -c` naming another main file.

## Example
```dockerfile filename=Dockerfile
FROM nginxinc/nginx-unprivileged:latest
COPY default.conf /etc/nginx/conf.d/default.conf
```

```nginx filename=default.conf
server {
    listen       80;
    server_name  localhost;
    server_tokens off;

    location / {
        root   /usr/share/nginx/html;
    }
}
```

## Use instead
```dockerfile filename=Dockerfile
FROM nginxinc/nginx-unprivileged:latest
COPY default.conf /etc/nginx/conf.d/default.conf
```

```nginx filename=default.conf
server {
    listen       8080;
    server_name  localhost;
    server_tokens off;

    location / {
        root   /usr/share/nginx/html;
    }
}
```

## Fix safety
There is no fix: the edit belongs in the configuration file, and fixes only edit the file being
checked. Change `listen 80` to `listen 8080` (and `[::]:80` to `[::]:8080`) by hand, together with
the port mappings and probes that name 80.

## References
- [OCP handbook: Dockerfile](https://ocp-software-handbook.readthedocs.io/en/latest/docker/dockerfile.html)
- [nginx-unprivileged](https://github.com/nginx/docker-nginx-unprivileged#readme)
- [nginx: listen](https://nginx.org/en/docs/http/ngx_http_core_module.html#listen)
"""

from __future__ import annotations

from collections.abc import Iterator

from dockerlint_django.readers.nginx import listen_port
from dockerlint_django.rules._base import Context, Related, RuleMeta, Severity, Violation

META = RuleMeta(
    code="DJ062",
    name="nginx-unprivileged-listen-port",
    severity=Severity.WARNING,
    summary="A non-root nginx image's configuration listens on a port below 1024.",
    kind=("dockerfile", "cross"),
)


def check(ctx: Context) -> Iterator[Violation]:
    a = ctx.analysis
    final = a.dockerfile.final
    if final is None:
        return
    setup = a.nginx_files(final)
    if setup is None or not setup.files:
        return
    user = a.user(final)
    if not user.name or user.is_root is not False:
        return
    who = user.name
    if who.isdigit():
        who = f"uid {who}"
    for entry in setup.files:
        for directive, parents in entry.conf.walk():
            if directive.name != "listen" or not any(p.name == "server" for p in parents):
                continue
            found = listen_port(directive)
            if found is None or found[0] >= 1024:
                continue
            port, word = found
            span = a.workspace.to_workspace(entry.source, word.span)
            yield META.violation(
                span,
                f"nginx runs as {who} here, and listens on port {port}: a non-root process may "
                "bind a port below 1024 only where the runtime allows it (Docker since 20.10; "
                "not OpenShift, Kubernetes or rootless Podman by default), elsewhere nginx stops "
                f"with `bind() … failed (13: Permission denied)`; listen on 8080 (`listen "
                f"{_with_port(word.value, 8080)};`), the port nginx-unprivileged exposes",
                related=(Related(entry.copy.span, f"{entry.image_path} is copied here"),),
            )


def _with_port(value: str, port: int) -> str:
    """``value`` (a listen address) with its port replaced."""
    if value.startswith("["):
        return value[: value.find("]") + 1] + f":{port}"
    if ":" in value:
        return value.rpartition(":")[0] + f":{port}"
    if value.isdigit():
        return str(port)
    return f"{value}:{port}"
