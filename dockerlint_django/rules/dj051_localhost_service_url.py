"""
## What it does
Checks that a Compose service does not tell its app to connect to a database, cache, broker,
search engine, mail or directory server at `localhost`, `127.0.0.1` or `::1`, or
through a local Unix socket (`postgresql:///app`, `DB_HOST: /var/run/postgresql`) that nothing
mounts into the container. The values read are those the service sets (`environment:` and
readable `env_file:`s, after interpolation):

- any URL whose scheme is a connection (`postgres://`, `mysql://`, `redis://`, `amqp://`,
  `mongodb://`, `smtp://`, `ldap://`, …), whatever its variable is called
  (`CELERY_RESULT_BACKEND: redis://localhost:6379/0`);
- `*_URL`, `*_URI`, `*_DSN`, `*_HOST`, `*_HOSTNAME`, `*_SERVER` and `*_ADDR` variables whose name
  names such a service (`DATABASE_URL`, `DB_HOST`, `POSTGRES_HOST`, `REDIS_URL`,
  `CELERY_BROKER_URL`, `EMAIL_HOST`, `ELASTICSEARCH_URL`, `PGHOST`, …), also for `http://` URLs.

## Why is this bad?
Inside a container, `localhost` is the container itself, not the machine it runs on nor another
service of the project: the connection is refused, or worse, reaches something else listening in
the same container. The OCP deployment docs say to "use `host.docker.internal` instead of
`localhost`" for a service on the host (with an `extra_hosts` entry, see DJ052); a service of the
same Compose project is reached by its name (`@db:5432`). A Unix socket path only works when the
socket's folder is mounted into the container.

Not reported: a service with `network_mode: host` (localhost is then the host's) or `service:…`/
`container:…` (another container's), a socket folder the service mounts, a value whose variable
has no value here, `0.0.0.0` (as a value, usually an address to listen on), and the addresses
other parties use rather than the container:
`ALLOWED_HOSTS`, `CSRF_TRUSTED_ORIGINS`, `SITE_URL`, `BASE_URL`, `FRONTEND_URL`, `STATIC_URL`,
OAuth callback URLs and the like (a browser opens those, where localhost is the developer's
machine). `sqlite:///…` is a file, not a socket.

## Example
```yaml filename=compose.yaml
services:
  web:
    image: ghcr.io/example/app-django:latest
    environment:
      DATABASE_URL: postgresql://app:${DB_PASSWORD}@localhost:5432/app
```

## Use instead
```yaml filename=compose.yaml
services:
  web:
    image: ghcr.io/example/app-django:latest
    environment:
      DATABASE_URL: postgresql://app:${DB_PASSWORD}@db:5432/app
  db:
    image: postgres:16
```

## Fix safety
None: the right host is a Compose service's name, or `host.docker.internal` for a service on the
host, and only the author knows which.

## Options
- `suffixes` (default `["_URL", "_URI", "_DSN", "_HOST", "_HOSTNAME", "_SERVER", "_ADDR"]`):
  name endings of connection settings.
- `services` (default: database, cache, broker, search, mail and LDAP words such as `DATABASE`,
  `DB`, `POSTGRES`, `REDIS`, `CELERY`, `BROKER`, `EMAIL`, `ELASTICSEARCH`): words of the name
  (split at `_`) that say what it connects to.
- `keys` (default `["PGHOST", "MYSQL_HOST", "CELERY_RESULT_BACKEND"]`): more names to read.

## References
- [OCP deploy docs: Docker](https://ocp-deploy.readthedocs.io/en/latest/develop/update/docker.html)
- [Compose file reference: network_mode](https://docs.docker.com/reference/compose-file/services/#network_mode)
- [Docker networking: container networking](https://docs.docker.com/engine/network/)
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from dockerlint_django.rules._base import RuleMeta, ServiceContext, Severity, Violation
from dockerlint_django.rules._env_values import (
    HOLE,
    host_part,
    is_loopback,
    is_mounted,
    parse_url,
    query_param,
    shape,
    shares_a_network_namespace,
    value_span,
    where,
)

if TYPE_CHECKING:
    from dockerlint_django.rules._env_values import Url
    from dockerlint_django.service import ServiceView

META = RuleMeta(
    code="DJ051",
    name="localhost-service-url",
    severity=Severity.WARNING,
    summary="A connection setting points at localhost, which inside a container is the container.",
    origin="extension",
    kind=("compose",),
    options={
        "suffixes": ["_URL", "_URI", "_DSN", "_HOST", "_HOSTNAME", "_SERVER", "_ADDR"],
        "services": [
            "DATABASE",
            "DB",
            "POSTGRES",
            "POSTGRESQL",
            "PG",
            "PGSQL",
            "PSQL",
            "POSTGIS",
            "MYSQL",
            "MARIADB",
            "SQL",
            "MSSQL",
            "ORACLE",
            "REDIS",
            "VALKEY",
            "CACHE",
            "MEMCACHE",
            "MEMCACHED",
            "CELERY",
            "BROKER",
            "RABBIT",
            "RABBITMQ",
            "AMQP",
            "KAFKA",
            "ELASTIC",
            "ELASTICSEARCH",
            "OPENSEARCH",
            "SOLR",
            "HAYSTACK",
            "MEILI",
            "MEILISEARCH",
            "TYPESENSE",
            "MONGO",
            "MONGODB",
            "EMAIL",
            "SMTP",
            "MAIL",
            "LDAP",
        ],
        "keys": ["PGHOST", "MYSQL_HOST", "CELERY_RESULT_BACKEND"],
    },
)

# Schemes that name a connection the container opens (dj-database-url, django-environ's cache
# and email URLs, Celery/kombu transports, django-redis).
_CONNECTIONS = frozenset(
    {
        "postgres",
        "postgresql",
        "pgsql",
        "psql",
        "postgis",
        "mysql",
        "mysql2",
        "mysqlgis",
        "mariadb",
        "oracle",
        "mssql",
        "redshift",
        "cockroach",
        "timescale",
        "redis",
        "rediss",
        "valkey",
        "valkeys",
        "memcache",
        "pymemcache",
        "pylibmc",
        "amqp",
        "amqps",
        "pyamqp",
        "librabbitmq",
        "mongodb",
        "smtp",
        "smtps",
        "smtp+ssl",
        "smtp+tls",
        "submission",
        "ldap",
        "ldaps",
        "elasticsearch",
        "kafka",
        "nats",
    }
)
# Database schemes whose empty host means the client's default Unix socket folder.
_SOCKET_DEFAULTS = {
    "postgres": "/var/run/postgresql",
    "postgresql": "/var/run/postgresql",
    "pgsql": "/var/run/postgresql",
    "psql": "/var/run/postgresql",
    "postgis": "/var/run/postgresql",
    "timescale": "/var/run/postgresql",
    "mysql": "/var/run/mysqld",
    "mysql2": "/var/run/mysqld",
    "mysqlgis": "/var/run/mysqld",
    "mariadb": "/var/run/mysqld",
}
_SOCKET_SCHEMES = frozenset({"unix", "redis+socket", "socket"})


def _option(options: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = options.get(key, META.options[key])
    if isinstance(value, str) or not isinstance(value, Sequence):
        value = META.options[key]
    return tuple(str(v).upper() for v in value)


def _named_connection(
    name: str, suffixes: tuple[str, ...], services: frozenset[str], keys: tuple[str, ...]
) -> bool:
    up = name.upper()
    if up in keys:
        return True
    suffix = next((s for s in suffixes if up.endswith(s)), None)
    if suffix is None:
        return False
    words = set(up[: -len(suffix)].split("_"))
    if words & {"BIND", "LISTEN"}:
        return False  # an address to listen on (`REDIS_BIND_HOST`)
    return bool(words & services)


def check_service(ctx: ServiceContext) -> Iterator[Violation]:
    view = ctx.service
    if shares_a_network_namespace(view):
        return
    suffixes = _option(ctx.options, "suffixes")
    services = frozenset(_option(ctx.options, "services"))
    keys = _option(ctx.options, "keys")
    for name in view.layer.environment:
        value = shape(view, name)
        if value is None or not value.strip():
            continue
        named = _named_connection(name, suffixes, services, keys)
        problem = _problem(view, value, named)
        if problem is None:
            continue
        span = value_span(view, name)
        if span is None:
            continue
        yield META.violation(
            span,
            f"{where(view, name)} sets {name} for {view.name} to {problem}; use the name of "
            "the Compose service that runs it, or `host.docker.internal` with an `extra_hosts` "
            "entry for a service on the host",
        )


def _problem(view: ServiceView, value: str, named: bool) -> str | None:
    url = parse_url(value)
    if url is not None:
        if url.scheme in _CONNECTIONS or url.scheme in _SOCKET_SCHEMES:
            return _url_problem(view, url)
        if named and url.scheme in ("http", "https", "tcp"):
            return _url_problem(view, url)
        return None
    if not named or "://" in value or "," in value or " " in value.strip() or HOLE in value:
        return None
    host = value.strip()
    if host.startswith("/"):
        if is_mounted(view, host):
            return None
        return f"the Unix socket folder {host}, which the service does not mount"
    if is_loopback(host_part(host)):
        return f"{host}, which inside the container is the container itself"
    return None


def _url_problem(view: ServiceView, url: Url) -> str | None:
    for host in url.hosts:
        if host and is_loopback(host):
            return (
                f"a {url.scheme}:// URL at {host}, which inside the container is the container "
                "itself"
            )
    if url.scheme in _SOCKET_SCHEMES:
        path = url.path or ""
        if not path.startswith("/"):
            return None
        if is_mounted(view, path):
            return None
        return f"the Unix socket {path}, which the service does not mount"
    if url.hosts == ("",) and url.scheme in _SOCKET_DEFAULTS:
        given = query_param(url.query, "host") or query_param(url.query, "unix_socket")
        if given is not None and not given.startswith("/"):
            if not is_loopback(given):
                return None  # `?host=db`: a host given another way
            return f"a {url.scheme}:// URL at {given}, which inside the container is the container"
        path = given if given is not None else _SOCKET_DEFAULTS[url.scheme]
        if given is not None and given.endswith(".sock"):
            path = posixpath.dirname(given)
        if is_mounted(view, path):
            return None
        return (
            f"a {url.scheme}:// URL with no host, which connects to the Unix socket in {path}; "
            "the service does not mount it"
        )
    return None
