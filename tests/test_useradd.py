"""``useradd``/``adduser`` read as the base image's distribution runs them."""

from __future__ import annotations

import pytest

from dockerlint_django.shell import useradd
from dockerlint_django.shell.syntax import parse_script
from dockerlint_django.source import Mapped


def _parse(text: str, family: str = "") -> useradd.UserAdd:
    (cmd,) = parse_script(Mapped.from_source(text, 0)).commands
    found = useradd.parse(cmd, family)
    assert found is not None
    return found


def test_adduser_is_useradd_on_rhel() -> None:
    add = _parse("adduser --uid 1000 -G 0 --home-dir /app --no-create-home galaxy", "rhel")
    assert add.tool == "useradd"
    assert add.user == "galaxy"
    assert add.primary_group == "galaxy"
    assert add.extra_groups == frozenset({"0"})


def test_debian_adduser_takes_single_dash_long_options() -> None:
    add = _parse("adduser -system django --uid 1001", "debian")
    assert add.has("--system")
    assert add.user == "django"
    assert add.primary_group is None  # nogroup


def test_busybox_adduser_clusters_short_options() -> None:
    add = _parse("adduser -SD -G app -u 1001 app", "alpine")
    assert add.has("--system") and add.has("--disabled-password")
    assert add.primary_group == "app"
    assert add.extra_groups == frozenset()


@pytest.mark.parametrize(
    "text",
    [
        "adduser -system django",  # Debian's --system, BusyBox's `-s ystem`
        "adduser --home-dir /app galaxy",  # neither wrapper has --home-dir
    ],
)
def test_adduser_that_the_wrappers_read_differently_is_unknown(text: str) -> None:
    assert _parse(text).unknown


def test_useradd_supplementary_groups() -> None:
    assert _parse("useradd -m -G root,tty weblate").extra_groups == frozenset({"root", "tty"})
    assert _parse("useradd -m weblate").extra_groups == frozenset()


def test_useradd_defaults_creates_nobody() -> None:
    add = _parse("useradd -D -s /bin/bash")
    assert not add.creates_user
    assert add.user is None
