"""
## What it does
Checks that the nginx configuration an image copies from the build context turns off
`server_tokens`: every `server` block of a copied file that nginx loads (in `/etc/nginx/conf.d/`,
a template in `/etc/nginx/templates/`, or a copied `/etc/nginx/nginx.conf`) has
`server_tokens off;`, unless the `http` block sets it for all of them.

## Why is this bad?
The handbook: "Set `server_tokens off;` to prevent false positives from penetration tests
(Ubuntu backports security patches, without changing version numbers)." With the default
(`on`), nginx names its version in the `Server` response header and on its error pages; a scanner
compares it to the list of fixed vulnerabilities and reports the image as vulnerable, although
the distribution's package carries the fixes. The handbook's template `default.conf` sets it in
its `server` block; the stock `default.conf` of the nginx images does not.

The setting is inherited: `server_tokens off;` in the `http` block (the main `nginx.conf`, or at
the top of a `conf.d` file, which the stock main file includes inside `http`) covers every server.
Nothing is reported when something nginx loads is not known (a file copied from another stage, a
`RUN` that edits `/etc/nginx`, an `include` of a file that is not read here, a file that cannot be
parsed, a script in `/docker-entrypoint.d/` or another start command than `nginx`), because it may
set it. The image's own stock `default.conf`, when left in place, is not
reported: no file of the project holds it.

## Example
```dockerfile filename=Dockerfile
FROM nginxinc/nginx-unprivileged:latest
COPY default.conf /etc/nginx/conf.d/default.conf
```

```nginx filename=default.conf
server {
    listen       8080;
    server_name  localhost;

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
checked. Add `    server_tokens off;` after the `server_name` line (or the opening brace) of each
`server` block, or once in the `http` block.

## References
- [OCP handbook: Dockerfile](https://ocp-software-handbook.readthedocs.io/en/latest/docker/dockerfile.html)
- [nginx: server_tokens](https://nginx.org/en/docs/http/ngx_http_core_module.html#server_tokens)
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from dockerlint_django.analysis import NGINX_MAIN, NginxFile
from dockerlint_django.readers.nginx import Directive
from dockerlint_django.rules._base import Context, Related, RuleMeta, Severity, Violation

META = RuleMeta(
    code="DJ063",
    name="nginx-server-tokens",
    severity=Severity.INFO,
    summary="A copied nginx configuration does not set `server_tokens off;`.",
    profile="ocp",
    kind=("dockerfile", "cross"),
)

# Files of the nginx images an include may read: none of them sets server_tokens.
_STOCK = frozenset(
    {"mime.types", "fastcgi_params", "fastcgi.conf", "scgi_params", "uwsgi_params"}
    | {"koi-utf", "koi-win", "win-utf"}
)


def _unknown_include(directives: tuple[Directive, ...]) -> bool:
    """An ``include`` among the directives of a file that is not one of the images' own."""
    for d in directives:
        if d.name != "include":
            continue
        if len(d.args) != 1 or d.args[0].has_variable:
            return True
        target = posixpath.normpath(posixpath.join("/etc/nginx", d.args[0].value))
        if posixpath.dirname(target) != "/etc/nginx" or posixpath.basename(target) not in _STOCK:
            return True
    return False


def _tokens(directives: tuple[Directive, ...]) -> Directive | None:
    """The block's own ``server_tokens`` (the last, where nginx would stop at a duplicate)."""
    found = [d for d in directives if d.name == "server_tokens"]
    return found[-1] if found else None


def _http_level(files: tuple[NginxFile, ...]) -> tuple[bool, bool]:
    """``(known, off)`` for the ``http`` block: what it sets for every server."""
    off = False
    for entry in files:
        if entry.loaded_as == NGINX_MAIN:
            blocks = [d.children for d in entry.conf.find("http")]
        elif entry.context == "http":
            blocks = [entry.conf.directives]
        else:
            continue
        for block in blocks:
            if entry.loaded_as != NGINX_MAIN and _unknown_include(block):
                return False, False  # the main file's includes are checked by the analysis
            directive = _tokens(block)
            if directive is None:
                continue
            if len(directive.args) != 1 or directive.args[0].has_variable:
                return False, False
            off = off or directive.args[0].value == "off"
    return True, off


def _servers(entry: NginxFile) -> Iterator[Directive]:
    if entry.loaded_as == NGINX_MAIN:
        for http in entry.conf.find("http"):
            yield from http.find("server")
    elif entry.context == "http":
        yield from entry.conf.find("server")


def check(ctx: Context) -> Iterator[Violation]:
    a = ctx.analysis
    final = a.dockerfile.final
    if final is None:
        return
    setup = a.nginx_files(final)
    if setup is None or not setup.files or not setup.complete:
        return
    known, off = _http_level(setup.files)
    if not known or off:
        return
    for entry in setup.files:
        related = (Related(entry.copy.span, f"{entry.image_path} is copied here"),)
        for server in _servers(entry):
            if server.block is None or _unknown_include(server.children):
                continue
            directive = _tokens(server.children)
            if directive is None:
                span = server.name_span
                message = (
                    "this server block does not set `server_tokens off;`, nor does the http "
                    "block: nginx names its version in the Server header and on error pages, and "
                    "scanners report it as vulnerable although the distribution backports the "
                    "fixes; add `server_tokens off;`"
                )
            else:
                if len(directive.args) != 1 or directive.args[0].has_variable:
                    continue
                value = directive.args[0]
                if value.value == "off":
                    continue
                span = value.span
                message = (
                    f"`server_tokens {value.value};` names nginx's version in the Server header "
                    "and on error pages, and scanners report it as vulnerable although the "
                    "distribution backports the fixes; write `server_tokens off;`"
                )
            yield META.violation(
                a.workspace.to_workspace(entry.source, span), message, related=related
            )
