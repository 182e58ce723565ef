"""
## What it does
Checks that a Compose service running a Django app does not write a secret as a literal in its
`environment:`: `SECRET_KEY`, `DJANGO_SECRET_KEY`, `*_SECRET_KEY`, `AWS_SECRET_ACCESS_KEY`,
`*_PASSWORD`, `*_TOKEN`, the key of a `SENTRY_DSN`, or the password of a connection URL
(`DATABASE_URL: postgres://app:<password>@db/app`, any `*_URL`, `*_URI` or `*_DSN`).

## Why is this bad?
Django's deployment checklist: "The secret key must be a large random value and it must be kept
secret", and "avoid committing it to source control". The handbook goes further: "Do not put
`docker-compose.yaml` or `.env` files in repositories"; OCP's deployments render secrets into an
untracked `.env` file. A literal in a Compose file is committed with it, copied into every clone
and fork, and shown by `docker inspect` and `docker compose config`.

A value taken from the environment is fine: `SECRET_KEY: ${SECRET_KEY:?SECRET_KEY is required}`
(Compose refuses to start without it), `${SECRET_KEY}`, or the variable in an `env_file:`, which
is where secrets belong and is not reported. Empty values and `*_PASSWORD_FILE` paths are not
secrets. Nor is a value that looks like a placeholder or a well-known default: `changeme`,
`secret`, `password`, `postgres`, `guest`, a password equal to the service's user or database
name, a value that says what it is (`local_dev_secret_key`, `suitable-for-development-only`),
or one too short or plain to have been generated (`foo`, `123456`). Nothing secret is committed
there; a weak `SECRET_KEY` that reaches production is what Django's own `manage.py check
--deploy` reports. A `django-insecure-…` key is reported: it is the random key `startproject`
generated, and it is a real key wherever it is used.

Only services that run the Django app are checked: an image built here whose final stage runs
Django, an image or service named `…-django`, a `command:` running `manage.py`, or a service
with Django's settings in its environment (`DJANGO_*`, `ALLOWED_HOSTS`). The passwords of
third-party images (`POSTGRES_PASSWORD` on a `postgres` service) are that image's own setup,
usually a local throwaway; when the Django service must connect with the same password, its
`DATABASE_URL` or `*_PASSWORD` is where the finding is. A `SENTRY_DSN` with its key is
reported at info: Sentry does not treat the key as a secret, but anyone who reads the file can
send events to the project.

This is advice for production: in a development Compose file (`docker-compose.dev.yml`, an
override file), or for a service that is plainly a development setup (it serves with
`manage.py runserver`, builds a `dev`/`test` target, reads a development env file, or mounts
the source tree over its code), it is reported at info.

## Example
```yaml filename=compose.yaml
services:
  web:
    image: ghcr.io/example/app-django:latest
    environment:
      SECRET_KEY: "k8#v2!qz0m@x7p$$w1r9t4y6u3i5o0a2s8d7f6g"
```

## Use instead
```yaml filename=compose.yaml
services:
  web:
    image: ghcr.io/example/app-django:latest
    environment:
      SECRET_KEY: ${SECRET_KEY:?SECRET_KEY is required}
```

## Fix safety
None: the value has to move to wherever the deployment keeps its secrets (an untracked `.env`
file, the CI's secret store), which a fix cannot do. Rotate a secret that was committed.

## Options
- `keys` (default `["SECRET_KEY", "DJANGO_SECRET_KEY", "AWS_SECRET_ACCESS_KEY", "SENTRY_DSN"]`):
  variable names that hold a secret.
- `suffixes` (default `["_PASSWORD", "_TOKEN", "_SECRET_KEY"]`): name endings that do.

## References
- [Django deployment checklist: SECRET_KEY](https://docs.djangoproject.com/en/stable/howto/deployment/checklist/#secret-key)
- [OCP handbook: Docker](https://ocp-software-handbook.readthedocs.io/en/latest/docker/index.html)
- [Compose: interpolation](https://docs.docker.com/reference/compose-file/interpolation/)
- [Compose: set environment variables](https://docs.docker.com/compose/how-tos/environment-variables/set-environment-variables/)
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from dockerlint_django.rules._base import RuleMeta, ServiceContext, Severity, Violation
from dockerlint_django.rules._env_values import (
    interpolates,
    parse_url,
    runs_django,
    unquote,
    where,
    written,
)

META = RuleMeta(
    code="DJ046",
    name="compose-literal-secret",
    severity=Severity.WARNING,
    summary="A secret is written as a literal in a Compose file's environment.",
    origin="extension",
    kind=("compose",),
    options={
        "keys": ["SECRET_KEY", "DJANGO_SECRET_KEY", "AWS_SECRET_ACCESS_KEY", "SENTRY_DSN"],
        "suffixes": ["_PASSWORD", "_TOKEN", "_SECRET_KEY"],
    },
    production_only=True,
    security_severity="7.5",
)

# Whole values that are defaults or placeholders, not secrets someone generated.
_DEFAULTS = frozenset(
    {
        "changeme",
        "change-me",
        "change_me",
        "changethis",
        "secret",
        "secretkey",
        "secret_key",
        "secret-key",
        "password",
        "passw0rd",
        "passwd",
        "pass",
        "pwd",
        "postgres",
        "postgresql",
        "postgis",
        "mysql",
        "mariadb",
        "root",
        "admin",
        "administrator",
        "guest",
        "test",
        "testing",
        "example",
        "dummy",
        "default",
        "redis",
        "rabbitmq",
        "minioadmin",
        "django",
        "user",
        "local",
        "dev",
        "development",
        "docker",
        "token",
        "qwerty",
        "letmein",
    }
)
# Parts that mark a value as a placeholder to replace, or a key not meant to be secret.
_MARKERS = (
    "changeme",
    "change_me",
    "change-me",
    "change-this",
    "change_this",
    "changethis",
    "replace",
    "your-",
    "your_",
    "yoursecret",
    "placeholder",
    "example",
    "dummy",
    "notsecret",
    "not-secret",
    "not_secret",
    "not-so-secret",
    "not_so_secret",
    "xxxx",
    "<",
    "...",
    "development",
    "for-dev",
    "for_dev",
    "dev-only",
    "dev_only",
    "for-local",
    "for_local",
    "localdev",
    "testing",
)
# Words of a value (split at `-`, `_`, `.`) that say it is not meant to be secret.
_WORDS = frozenset(
    {
        "dev",
        "devel",
        "development",
        "local",
        "localhost",
        "test",
        "tests",
        "testing",
        "ci",
        "unsafe",
        "dummy",
        "fake",
        "example",
        "sample",
        "demo",
        "placeholder",
        "changeme",
        "default",
        "todo",
        "fixme",
        "password",
        "passwd",
        "pass",
        "pw",
        "secret",
        "nothing",
        "none",
        "null",
        "empty",
        "unused",
    }
)
_FLAGS = frozenset({"true", "false", "yes", "no", "on", "off", "0", "1"})
_URL_SUFFIXES = ("_URL", "_URI", "_DSN")


def _names(options: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = options.get(key, META.options[key])
    if isinstance(value, str) or not isinstance(value, Sequence):
        value = META.options[key]
    return tuple(str(v).upper() for v in value)


def _placeholder(value: str, names: frozenset[str] = frozenset()) -> bool:
    """A default or a placeholder: a well-known value, one equal to a user or database name of
    the service, a value nobody generated (`xxxxxx`, `abc`, `123456`), or one that says so."""
    low = value.strip().lower()
    bare = low.rstrip("0123456789") or low  # `password1`, `test12345`
    if low in _DEFAULTS or bare in _DEFAULTS or low in names:
        return True
    if len(set(low)) <= 2 or len(low) < 6:
        return True
    if re.fullmatch(r"[0-9]+", low) and len(low) < 10:
        return True
    if any(m in low for m in _MARKERS):
        return True
    return bool(set(re.split(r"[-_.\s]+", low)) & _WORDS)


def _names_of(view_env: Mapping[str, Any]) -> frozenset[str]:
    """Values of the service's user and database names (``POSTGRES_USER: app`` makes a
    ``POSTGRES_PASSWORD: app`` a default)."""
    out: set[str] = set()
    for name, var in view_env.items():
        value = getattr(var, "value", None)
        if value and name.upper().endswith(("_USER", "_USERNAME", "_DB", "_NAME", "_DATABASE")):
            out.add(str(value).strip().lower())
    return frozenset(out)


def _secret_kind(name: str, keys: tuple[str, ...], suffixes: tuple[str, ...]) -> str | None:
    up = name.upper()
    if up == "SENTRY_DSN" and up in keys:
        return "dsn"
    if up in keys or up.endswith(suffixes):
        if "ALLOW_EMPTY" in up or "RANDOM_ROOT" in up:
            return None  # MYSQL_ALLOW_EMPTY_PASSWORD: yes, a flag
        return "secret"
    if up.endswith(_URL_SUFFIXES):
        return "url"
    return None


def check_service(ctx: ServiceContext) -> Iterator[Violation]:
    view = ctx.service
    if not runs_django(view):
        return
    keys = _names(ctx.options, "keys")
    suffixes = _names(ctx.options, "suffixes")
    names = _names_of(view.service.environment)
    dev = view.development_setup()
    for name, var in view.service.environment.items():
        if var.layer != "environment" or (var.value is None and not var.unset):
            continue
        kind = _secret_kind(name, keys, suffixes)
        if kind is None:
            continue
        w = written(view, name)
        if w is None:
            continue
        found = _judge(name, kind, unquote(w.text.strip()), var.value or "", names)
        if found is None:
            continue
        severity, subject, tail = found
        message = f"{where(view, name)} sets {subject} for {view.name}{tail}"
        if dev is not None and severity is None:
            severity = Severity.INFO
            message += f" (info here: {dev})"
        yield META.violation(w.span, message, severity=severity)


def _judge(
    name: str, kind: str, text: str, value: str, names: frozenset[str]
) -> tuple[Severity | None, str, str] | None:
    """The severity (None: the rule's), what is literal and what that means; None when nothing
    secret is written."""
    keep = (
        ": it is committed with the file and shown by docker inspect; write "
        f"`{name}: ${{{name}:?{name} is required}}` and keep the value in an untracked .env "
        "file or the deployment's environment"
    )
    if kind in ("url", "dsn"):
        url = parse_url(text)
        if url is None:
            return None
        if kind == "dsn":
            if not url.user or interpolates(url.user) or _placeholder(url.user):
                return None
            return (
                Severity.INFO,
                f"{name} with its key written in the file",
                ": anyone who reads it can send events to the Sentry project; take it from the "
                f"environment (`{name}: ${{{name}}}`)",
            )
        password = url.password
        if not password or interpolates(password):
            return None
        user = (url.user or "").lower()
        if _placeholder(password, names | {user}):
            return None
        masked = f"{url.scheme}://{url.user or ''}:***@…"
        return None, f"{name} with a literal password ({masked})", keep
    if interpolates(text):
        return None
    stripped = value.strip()
    if not stripped or stripped.lower() in _FLAGS or stripped.startswith("/run/secrets/"):
        return None
    if _placeholder(stripped, names):
        return None
    return None, f"{name} to a literal", keep
