"""Regressions found in review: Compose behaviours the loader got wrong, each observed with
Docker Compose v2.40.3 (the oracle cases at the end run it when it is installed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockerlint_django.compose.config_json import config_json
from tests.compose_oracle import Case, compare, run_oracle, run_ours, unavailable_reason
from tests.test_compose_loader import WEB, fails, load, write

# --- tmpfs entries: one per key, and no target mounted twice -----------------------------------


def test_tmpfs_entries_are_unique_by_the_text_before_the_first_equals(tmp_path: Path) -> None:
    p = load(tmp_path, {"compose.yaml": WEB + "    tmpfs: ['/a:size=1', /b, '/a:size=2', /b]\n"})
    assert [v.value for v in p.services["web"].tmpfs] == ["/a:size=2", "/b"]


def test_tmpfs_merged_over_tmpfs_keeps_the_last_options(tmp_path: Path) -> None:
    p = load(
        tmp_path,
        {
            "compose.yaml": WEB + "    tmpfs: ['/run:size=1']\n",
            "compose.override.yaml": "services:\n  web:\n    tmpfs: ['/run:size=2']\n",
        },
    )
    assert [v.value for v in p.services["web"].tmpfs] == ["/run:size=2"]


@pytest.mark.parametrize(
    ("extra", "message", "where"),
    [
        (
            "    tmpfs: [/a, '/run:size=64m', /b, /run]\n",
            "services.web.tmpfs[3]: target /run already mounted as services.web.tmpfs[1]",
            (4, 38),
        ),
        (
            "    tmpfs: [/run]\n    volumes: ['./y:/run/']\n",
            "services.web.volumes[0]: target /run already mounted as services.web.tmpfs[0]",
            (5, 15),
        ),
        (
            "    tmpfs: [/a]\n    volumes: ['./x:/b', {type: tmpfs, target: /a}]\n",
            "services.web.volumes[1]: target /a already mounted as services.web.tmpfs[0]",
            (5, 25),
        ),
        (
            "    volumes: ['./x:/run', {type: bind, source: ./y, target: /run/}]\n",
            "services.web.volumes[1]: target /run already mounted as services.web.volumes[0]",
            (4, 27),
        ),
    ],
)
def test_a_target_mounted_twice_is_an_error(
    tmp_path: Path, extra: str, message: str, where: tuple[int, int]
) -> None:
    err = fails(tmp_path, {"compose.yaml": WEB + extra})
    assert err.kind == "consistency"
    assert err.message == message
    assert (err.line, err.column) == where


def test_a_target_mounted_twice_after_merging_is_an_error(tmp_path: Path) -> None:
    err = fails(
        tmp_path,
        {
            "compose.yaml": WEB + "    tmpfs: [/tmp, '/run:size=64m']\n",
            "compose.override.yaml": "services:\n  web:\n    tmpfs: /run\n",
        },
    )
    assert err.kind == "consistency"
    assert err.message.startswith("services.web.tmpfs[2]: target /run already mounted as")


def test_an_inactive_service_mounting_twice_is_no_error(tmp_path: Path) -> None:
    load(
        tmp_path,
        {
            "compose.yaml": WEB + "  off:\n    image: b\n    profiles: [x]\n"
            "    tmpfs: [/run, '/run:size=1']\n"
        },
    )


def test_long_syntax_volume_targets_are_printed_cleaned(tmp_path: Path) -> None:
    p = load(
        tmp_path,
        {"compose.yaml": WEB + "    volumes: [{type: bind, source: ./y, target: '//a/./b//'}]\n"},
    )
    (mount,) = config_json(p)["services"]["web"]["volumes"]
    assert mount["target"] == "/a/b"


# --- the same projects through Docker Compose ------------------------------------------------

ORACLE_CASES: dict[str, dict[str, str]] = {
    "tmpfs-unique": {"compose.yaml": WEB + "    tmpfs: ['/a:size=1', /b, '/a:size=2']\n"},
    "tmpfs-twice": {
        "compose.yaml": WEB + "    tmpfs: [/tmp, '/run:size=64m']\n",
        "compose.override.yaml": "services:\n  web:\n    tmpfs: /run\n",
    },
    "tmpfs-and-volume": {"compose.yaml": WEB + "    tmpfs: [/run]\n    volumes: ['./y:/run/']\n"},
    "volume-target-clean": {
        "compose.yaml": WEB + "    volumes: [{type: bind, source: ./y, target: '/a/./b/'}]\n"
    },
}


@pytest.mark.parametrize("name", sorted(ORACLE_CASES))
def test_same_as_compose(tmp_path: Path, name: str) -> None:
    reason = unavailable_reason()
    if reason is not None:
        pytest.skip(reason)
    write(tmp_path, ORACLE_CASES[name])
    root = tmp_path.resolve()
    for interpolate in (True, False):
        case = Case(id=name, root=root, interpolate=interpolate)
        assert compare(run_oracle(case), run_ours(case)) == []
