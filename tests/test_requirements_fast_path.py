"""The plain-requirement fast path reads a line exactly as packaging does."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from dockerlint_django.readers.requirements import simple_requirement as _simple

_OPS = st.sampled_from(["==", "!=", ">=", "<=", "~=", ">", "<", "===", "=", "=>"])
_VERSION = st.from_regex(
    r"[0-9]{1,3}(\.[0-9]{1,3}){0,3}(\.\*)?(rc1|\.post1|\+local)?", fullmatch=True
)
_NAME = st.from_regex(r"[A-Za-z0-9]([A-Za-z0-9._-]{0,8}[A-Za-z0-9])?", fullmatch=True)
_SPACE = st.sampled_from(["", " ", "  "])


@st.composite
def _lines(draw: st.DrawFn) -> str:
    specs = draw(st.lists(st.tuples(_SPACE, _OPS, _SPACE, _VERSION), max_size=3))
    body = ",".join(f"{a}{op}{b}{v}" for a, op, b, v in specs)
    extras = draw(st.lists(st.sampled_from(["a", "B_c", "b-c", "setproctitle", ""]), max_size=3))
    bracket = draw(st.sampled_from(["", f"[{','.join(extras)}]", f"[ {', '.join(extras)} ]"]))
    return draw(_SPACE) + draw(_NAME) + bracket + draw(_SPACE) + body + draw(_SPACE)


def _packaging(s: str) -> tuple[str, tuple[str, ...], str, str | None] | None:
    try:
        parsed = Requirement(s)
    except InvalidRequirement:
        return None
    exact = [
        spec.version
        for spec in parsed.specifier
        if spec.operator in ("==", "===") and not spec.version.endswith(".*")
    ]
    pinned = exact[0] if len(set(exact)) == 1 else None
    extras = tuple(sorted(canonicalize_name(e) for e in parsed.extras))
    return canonicalize_name(parsed.name), extras, str(parsed.specifier), pinned


@settings(max_examples=3000, deadline=None)
@given(_lines())
def test_fast_path_agrees_with_packaging(line: str) -> None:
    fast = _simple(line)
    if fast is not None:
        assert fast == _packaging(line), line


def test_fast_path_takes_the_common_lines() -> None:
    for line in (
        "Django==5.2.8",
        "gunicorn>=23,<24",
        "psycopg2-binary == 2.9.10",
        "whitenoise",
        "gunicorn[setproctitle]==23.0.0",
    ):
        assert _simple(line) is not None, line
    for line in ("foo==1.0; python_version<'3.12'", "foo==1.0rc1", "foo~=1", "foo @ https://x"):
        assert _simple(line) is None, line
