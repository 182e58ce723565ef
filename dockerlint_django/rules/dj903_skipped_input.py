"""
## What it does
Reports input that was not checked, so that a clean report never claims more than was looked at:
- a file of the build context that a check needed and did not read: it is larger than
  `limits.context-file-size` (4 MiB unless configured), or it is no regular file (a FIFO, a
  socket, a device, or a link to one). What the checks would have learnt from it (a
  `gunicorn.conf.py`'s bind, a requirements file's packages, an entrypoint script's start
  command) is unknown, so they say nothing about it rather than guess;
- the variants of a cookiecutter template past the first 64 (the defaults, then each y/n choice
  flipped), which are not rendered.

## Why is this bad?
A settings module, requirements file or script that large is almost always generated or a
mistake, and a FIFO or device in a build context makes `docker build` hang or fail. Either way
some checks could not look at the file. A template with hundreds of choices has more variants
than can be rendered; the ones left out may hold findings of their own.

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
No fix: shrink the file, or raise `limits.context-file-size` in the configuration; for a
template, check the variants that matter with `--template` on a rendered copy.
"""

from __future__ import annotations

from collections.abc import Iterator

from dockerlint_django.rules._base import Context, RuleMeta, Severity, Violation

META = RuleMeta(
    code="DJ903",
    name="skipped-input",
    severity=Severity.INFO,
    summary="Input that was not checked: a context file too large or no regular file, or template variants past the cap.",
    origin="meta",
)


def check(ctx: Context) -> Iterator[Violation]:
    # Produced by the engine once the other rules have asked for the context's files.
    return iter(())
