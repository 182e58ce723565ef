"""
## What it does
Reports a file of the build context that a check needed and did not read: it is larger than
`limits.context-file-size` (4 MiB unless configured), or it is no regular file (a FIFO, a
socket, a device, or a link to one). What the checks would have learnt from it (a
`gunicorn.conf.py`'s bind, a requirements file's packages, an entrypoint script's start
command) is unknown, so they say nothing about it rather than guess.

## Why is this bad?
A settings module, requirements file or script that large is almost always generated or a
mistake, and a FIFO or device in a build context makes `docker build` hang or fail. Either way
some checks could not look at the file, and a clean report would claim more than was checked.

## Example
```yaml filename=.dockerlint-django.yaml
limits:
  context-file-size: 16
```

```python filename=gunicorn.conf.py
bind = "127.0.0.1:8000"
workers = 4
```

```dockerfile filename=Dockerfile
FROM python:3.12-slim
WORKDIR /app
COPY . .
CMD ["gunicorn", "app.wsgi"]
```

## Use instead
```yaml filename=.dockerlint-django.yaml
limits:
  context-file-size: 4MiB
```

```python filename=gunicorn.conf.py
bind = "0.0.0.0:8000"
workers = 4
```

```dockerfile filename=Dockerfile
FROM python:3.12-slim
WORKDIR /app
COPY . .
CMD ["gunicorn", "app.wsgi"]
```

## Fix safety
No fix: shrink the file, or raise `limits.context-file-size` in the configuration.
"""

from __future__ import annotations

from collections.abc import Iterator

from dockerlint_django.rules._base import Context, RuleMeta, Severity, Violation

META = RuleMeta(
    code="DJ903",
    name="context-file-skipped",
    severity=Severity.INFO,
    summary="A file of the build context was not read (too large, or no regular file).",
    origin="meta",
)


def check(ctx: Context) -> Iterator[Violation]:
    # Produced by the engine once the other rules have asked for the context's files.
    return iter(())
