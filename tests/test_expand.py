"""Tests for dockerlint_django.dockerfile.expand.

The first part ports BuildKit's own tests for ``frontend/dockerfile/shell``:

* ``envVarTest``: the data file read by ``TestShellParser4EnvVars``. BuildKit's copy is not in
  the reference store, so it is taken byte for byte from the copy moby/moby vendors at
  ``vendor/github.com/moby/buildkit/frontend/dockerfile/shell/envVarTest``
  (commit e5d28115ee7df0fb1b96021bc70d8954865ff25a).
* ``lex_test.go`` (moby/buildkit, EnvGetter revision): ``TestProcessWithMatches``,
  ``TestShellParserMandatoryEnvVars``, ``TestConvertShellPatternToRegex``,
  ``TestReversePattern``, ``TestProcessWithMatchesPlatform``.

``wordsTest`` (the data file for ``TestShellParser4Words``) is not in the reference store; the
word-splitting tests below are derived from ``lex.go`` itself. The rest covers what the port
adds: unknown values, the strict mode, and the limits (deep nesting, hostile patterns).
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Iterator, Mapping

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dockerlint_django.dockerfile import expand as expand_module
from dockerlint_django.dockerfile.expand import (
    EXPANDED_INSTRUCTIONS,
    NOT_EXPANDED_INSTRUCTIONS,
    Expansion,
    ExpansionError,
    expand_word,
    expand_words,
)

# fmt: off
# BuildKit's envVarTest, verbatim. Columns: platform (A=all, U=unix, W=windows) | input | expected
# ("error" when BuildKit fails).
ENV_VAR_TEST = r"""A|hello                    |     hello
A|he'll'o                  |     hello
A|he'llo                   |     error
A|he\'llo                  |     he'llo
A|he\\'llo                 |     error
A|abc\tdef                 |     abctdef
A|"abc\tdef"               |     abc\tdef
A|"abc\\tdef"              |     abc\tdef
A|'abc\tdef'               |     abc\tdef
A|hello\                   |     hello
A|hello\\                  |     hello\
A|"hello                   |     error
A|"hello\"                 |     error
A|"hel'lo"                 |     hel'lo
A|'hello                   |     error
A|'hello\'                 |     hello\
A|'hello\there'            |     hello\there
A|'hello\\there'           |     hello\\there
A|"''"                     |     ''
A|$.                       |     $.
A|he$1x                    |     hex
A|he$.x                    |     he$.x
# Next one is different on Windows as $pwd==$PWD
U|he$pwd.                  |     he.
W|he$pwd.                  |     he/home.
A|he$PWD                   |     he/home
A|he\$PWD                  |     he$PWD
A|he\\$PWD                 |     he\/home
A|"he\$PWD"                |     he$PWD
A|"he\\$PWD"               |     he\/home
A|\${}                     |     ${}
A|\${}aaa                  |     ${}aaa
A|he\${}                   |     he${}
A|he\${}xx                 |     he${}xx
A|${}                      |     error
A|${}aaa                   |     error
A|he${}                    |     error
A|he${}xx                  |     error
A|he${hi}                  |     he
A|he${hi}xx                |     hexx
A|he${PWD}                 |     he/home
A|he${.}                   |     error
A|he${XXX:-000}xx          |     he000xx
A|he${PWD:-000}xx          |     he/homexx
A|he${XXX:-$PWD}xx         |     he/homexx
A|he${XXX:-${PWD:-yyy}}xx  |     he/homexx
A|he${XXX:-${YYY:-yyy}}xx  |     heyyyxx
A|he${XXX:YYY}             |     error
A|he${XXX?}                |     error
A|he${XXX:?}               |     error
A|he${PWD?}                |     he/home
A|he${PWD:?}               |     he/home
A|he${NULL?}               |     he
A|he${NULL:?}              |     error
A|he${XXX:+${PWD}}xx       |     hexx
A|he${PWD:+${XXX}}xx       |     hexx
A|he${PWD:+${SHELL}}xx     |     hebashxx
A|he${XXX:+000}xx          |     hexx
A|he${PWD:+000}xx          |     he000xx
A|'he${XX}'                |     he${XX}
A|"he${PWD}"               |     he/home
A|"he'$PWD'"               |     he'/home'
A|"$PWD"                   |     /home
A|'$PWD'                   |     $PWD
A|'\$PWD'                  |     \$PWD
A|'"hello"'                |     "hello"
A|he\$PWD                  |     he$PWD
A|"he\$PWD"                |     he$PWD
A|'he\$PWD'                |     he\$PWD
A|he${PWD                  |     error
A|he${PWD:=000}xx          |     error
A|he${PWD:+${PWD}:}xx      |     he/home:xx
A|he${XXX:-\$PWD:}xx       |     he$PWD:xx
A|he${XXX:-\${PWD}z}xx     |     he${PWDz}xx
A|안녕하세요                 |     안녕하세요
A|안'녕'하세요               |     안녕하세요
A|안'녕하세요                |     error
A|안녕\'하세요               |     안녕'하세요
A|안\\'녕하세요              |     error
A|안녕\t하세요               |     안녕t하세요
A|"안녕\t하세요"             |     안녕\t하세요
A|'안녕\t하세요              |     error
A|안녕하세요\                |     안녕하세요
A|안녕하세요\\               |     안녕하세요\
A|"안녕하세요                |     error
A|"안녕하세요\"              |     error
A|"안녕'하세요"              |     안녕'하세요
A|'안녕하세요                |     error
A|'안녕하세요\'              |     안녕하세요\
A|안녕$1x                    |     안녕x
A|안녕$.x                    |     안녕$.x
# Next one is different on Windows as $pwd==$PWD
U|안녕$pwd.                  |     안녕.
W|안녕$pwd.                  |     안녕/home.
A|안녕$PWD                   |     안녕/home
A|안녕\$PWD                  |     안녕$PWD
A|안녕\\$PWD                 |     안녕\/home
A|안녕\${}                   |     안녕${}
A|안녕\${}xx                 |     안녕${}xx
A|안녕${}                    |     error
A|안녕${}xx                  |     error
A|안녕${hi}                  |     안녕
A|안녕${hi}xx                |     안녕xx
A|안녕${PWD}                 |     안녕/home
A|안녕${.}                   |     error
A|안녕${XXX:-000}xx          |     안녕000xx
A|안녕${PWD:-000}xx          |     안녕/homexx
A|안녕${XXX:-$PWD}xx         |     안녕/homexx
A|안녕${XXX:-${PWD:-yyy}}xx  |     안녕/homexx
A|안녕${XXX:-${YYY:-yyy}}xx  |     안녕yyyxx
A|안녕${XXX:YYY}             |     error
A|안녕${XXX:+${PWD}}xx       |     안녕xx
A|안녕${PWD:+${XXX}}xx       |     안녕xx
A|안녕${PWD:+${SHELL}}xx     |     안녕bashxx
A|안녕${XXX:+000}xx          |     안녕xx
A|안녕${PWD:+000}xx          |     안녕000xx
A|'안녕${XX}'                |     안녕${XX}
A|"안녕${PWD}"               |     안녕/home
A|"안녕'$PWD'"               |     안녕'/home'
A|'"안녕"'                   |     "안녕"
A|안녕\$PWD                  |     안녕$PWD
A|"안녕\$PWD"                |     안녕$PWD
A|'안녕\$PWD'                |     안녕\$PWD
A|안녕${PWD                  |     error
A|안녕${PWD:=000}xx          |     error
A|안녕${PWD:+${PWD}:}xx      |     안녕/home:xx
A|안녕${XXX:-\$PWD:}xx       |     안녕$PWD:xx
A|안녕${XXX:-\${PWD}z}xx     |     안녕${PWDz}xx
A|$KOREAN                    |     한국어
A|안녕$KOREAN                |     안녕한국어
A|${{aaa}                   |     error
A|${aaa}}                   |     }
A|${aaa                     |     error
A|${{aaa:-bbb}              |     error
A|${aaa:-bbb}}              |     bbb}
A|${aaa:-bbb                |     error
A|${aaa:-bbb}               |     bbb
A|${aaa:-${bbb:-ccc}}       |     ccc
A|${aaa:-bbb ${foo}         |     error
A|${aaa:-bbb {foo}          |     bbb {foo
A|${:}                      |     error
A|${:-bbb}                  |     error
A|${:+bbb}                  |     error

# Positional parameters won't be set:
# http://pubs.opengroup.org/onlinepubs/009695399/utilities/xcu_chap02.html#tag_02_05_01
A|$1                        |
A|${1}                      |
A|${1:+bbb}                 |
A|${1:-bbb}                 |     bbb
A|$2                        |
A|${2}                      |
A|${2:+bbb}                 |
A|${2:-bbb}                 |     bbb
A|$3                        |
A|${3}                      |
A|${3:+bbb}                 |
A|${3:-bbb}                 |     bbb
A|$4                        |
A|${4}                      |
A|${4:+bbb}                 |
A|${4:-bbb}                 |     bbb
A|$5                        |
A|${5}                      |
A|${5:+bbb}                 |
A|${5:-bbb}                 |     bbb
A|$6                        |
A|${6}                      |
A|${6:+bbb}                 |
A|${6:-bbb}                 |     bbb
A|$7                        |
A|${7}                      |
A|${7:+bbb}                 |
A|${7:-bbb}                 |     bbb
A|$8                        |
A|${8}                      |
A|${8:+bbb}                 |
A|${8:-bbb}                 |     bbb
A|$9                        |
A|${9}                      |
A|${9:+bbb}                 |
A|${9:-bbb}                 |     bbb
A|$999                      |
A|${999}                    |
A|${999:+bbb}               |
A|${999:-bbb}               |     bbb
A|$999aaa                   |     aaa
A|${999}aaa                 |     aaa
A|${999:+bbb}aaa            |     aaa
A|${999:-bbb}aaa            |     bbbaaa
A|$001                      |
A|${001}                    |
A|${001:+bbb}               |
A|${001:-bbb}               |     bbb
A|$001aaa                   |     aaa
A|${001}aaa                 |     aaa
A|${001:+bbb}aaa            |     aaa
A|${001:-bbb}aaa            |     bbbaaa

# Special parameters won't be set in the Dockerfile:
# http://pubs.opengroup.org/onlinepubs/009695399/utilities/xcu_chap02.html#tag_02_05_02
A|$@                        |
A|${@}                      |
A|${@:+bbb}                 |
A|${@:-bbb}                 |     bbb
A|$@@@                      |     @@
A|$@aaa                     |     aaa
A|${@}aaa                   |     aaa
A|${@:+bbb}aaa              |     aaa
A|${@:-bbb}aaa              |     bbbaaa
A|$*                        |
A|${*}                      |
A|${*:+bbb}                 |
A|${*:-bbb}                 |     bbb
A|$#                        |
A|${#}                      |
A|${#:+bbb}                 |
A|${#:-bbb}                 |     bbb
A|$?                        |
A|${?}                      |
A|${?:+bbb}                 |
A|${?:-bbb}                 |     bbb
A|$-                        |
A|${-}                      |
A|${-:+bbb}                 |
A|${-:-bbb}                 |     bbb
A|$$                        |
A|${$}                      |
A|${$:+bbb}                 |
A|${$:-bbb}                 |     bbb
A|$!                        |
A|${!}                      |
A|${!:+bbb}                 |
A|${!:-bbb}                 |     bbb
A|$0                        |
A|${0}                      |
A|${0:+bbb}                 |
A|${0:-bbb}                 |     bbb
"""
# fmt: on

ENV_VAR_ENV: Mapping[str, str | None] = {
    "PWD": "/home",
    "SHELL": "bash",
    "KOREAN": "한국어",
    "NULL": "",
}


def _env_var_cases() -> Iterator[tuple[int, str, str]]:
    # parsed as TestShellParser4EnvVars does
    for number, line in enumerate(ENV_VAR_TEST.splitlines(), 1):
        if line.startswith("#"):
            continue
        line = line.strip()
        if not line:
            continue
        platform, source, expected = (part.strip() for part in line.split("|"))
        assert platform in ("A", "U", "W")
        if platform != "W":  # a Linux build
            yield number, source, expected


ENV_VAR_CASES = list(_env_var_cases())


def test_env_var_table_is_complete() -> None:
    assert len(ENV_VAR_CASES) == 228


def _swap_escape(text: str) -> str:
    assert "`" not in text
    return text.replace("\\", "`")


@pytest.mark.parametrize("escape", ["\\", "`"])
@pytest.mark.parametrize(
    ("number", "source", "expected"), ENV_VAR_CASES, ids=[f"line{c[0]}" for c in ENV_VAR_CASES]
)
def test_buildkit_env_var_table(number: int, source: str, expected: str, escape: str) -> None:
    # With "# escape=`" the same table holds once every backslash is a backtick: the escape
    # token is the only character the lexer treats specially there.
    if escape == "`":
        source = _swap_escape(source)
        expected = _swap_escape(expected)
    if expected == "error":
        with pytest.raises(ExpansionError):
            expand_word(source, ENV_VAR_ENV, escape)
    else:
        result = expand_word(source, ENV_VAR_ENV, escape)
        assert result.value == expected
        assert result.unknown_vars == frozenset()


# lex_test.go TestProcessWithMatches: input, env, expected (None: error), matched, unmatched.
# The four ${FOO:#}-style cases come from the EnvGetter revision of the test.
ProcessCase = tuple[str, dict[str, str], str | None, set[str], set[str]]
FOO_BAR = {"FOO": "xxx", "BAR": ""}
PROCESS_WITH_MATCHES: list[ProcessCase] = [
    ("x", {"DUMMY": "dummy"}, "x", set(), set()),
    ("x ${UNUSED}", {"DUMMY": "dummy"}, "x ", set(), {"UNUSED"}),
    ("x ${FOO}", {"FOO": "y"}, "x y", {"FOO"}, set()),
    ("${FOO-aaa} ${BAR-bbb} ${BAZ-ccc}", FOO_BAR, "xxx  ccc", {"FOO", "BAR"}, {"BAZ"}),
    ("${FOO:-aaa} ${BAR:-bbb} ${BAZ:-ccc}", FOO_BAR, "xxx bbb ccc", {"FOO", "BAR"}, {"BAZ"}),
    ("${FOO:-}", FOO_BAR, "xxx", {"FOO"}, set()),
    ("${FOO:-}", {}, "", set(), {"FOO"}),
    ("${FOO+aaa} ${BAR+bbb} ${BAZ+ccc}", FOO_BAR, "aaa bbb ", {"FOO", "BAR"}, {"BAZ"}),
    ("${FOO:+aaa} ${BAR:+bbb} ${BAZ:+ccc}", FOO_BAR, "aaa  ", {"FOO", "BAR"}, {"BAZ"}),
    ("${FOO?aaa}", FOO_BAR, "xxx", {"FOO"}, set()),
    ("${BAR?bbb}", FOO_BAR, "", {"BAR"}, set()),
    ("${BAZ?ccc}", FOO_BAR, None, set(), {"BAZ"}),
    ("${FOO:?aaa}", FOO_BAR, "xxx", {"FOO"}, set()),
    ("${BAR:?bbb}", FOO_BAR, None, set(), set()),
    ("${BAZ:?ccc}", FOO_BAR, None, set(), {"BAZ"}),
    ("${BAZ:?}", FOO_BAR, None, set(), {"BAZ"}),
    ("${FOO=aaa}", FOO_BAR, None, set(), set()),
    ("${FOO=:aaa}", FOO_BAR, None, set(), set()),
    ("${FOO=}", {}, None, set(), set()),
    ("${FOO#()[]{\\}^$.\\*\\?|\\\\}", {"FOO": "()[]{}^$.*?|\\x"}, "x", {"FOO"}, set()),
    ("${FOO%%\\**}", {"FOO": "xx**"}, "xx", {"FOO"}, set()),
    ("${FOO#*x*y}", {"FOO": "xxyy"}, "y", {"FOO"}, set()),
    ("${FOO#*}", {"FOO": "xxyy"}, "xxyy", {"FOO"}, set()),
    ("${FOO#$BAR}", {"FOO": "xxyy", "BAR": "x"}, "xyy", {"FOO", "BAR"}, set()),
    ("${FOO#$BAR}", {"FOO": "xxyy", "BAR": ""}, "xxyy", {"FOO", "BAR"}, set()),
    ("${FOO#}", {"FOO": "xxyy"}, "xxyy", {"FOO"}, set()),
    ("${FOO##*x}", {"FOO": "xxyy"}, "yy", {"FOO"}, set()),
    ("${FOO##}", {"FOO": "xxyy"}, "xxyy", {"FOO"}, set()),
    ("${FOO#?\\?}", {"FOO": "???y"}, "?y", {"FOO"}, set()),
    ("${ABC:-.}${FOO%x}${ABC:-.}", {"FOO": "xxyy"}, ".xxyy.", {"FOO"}, {"ABC"}),
    ("${FOO%%\\**\\*}", {"FOO": "a***yy*"}, "a", {"FOO"}, set()),
    ("${FOO%}", {"FOO": "xxyy"}, "xxyy", {"FOO"}, set()),
    ("${FOO%%$BAR}", {"FOO": "xxyy", "BAR": ""}, "xxyy", {"FOO", "BAR"}, set()),
    ("${FOO:#}", {}, None, set(), set()),
    ("${FOO:##}", {}, None, set(), set()),
    ("${FOO:%}", {}, None, set(), set()),
    ("${FOO:%%}", {}, None, set(), set()),
    (
        "${FOO/$NEEDLE/.} - ${FOO//$NEEDLE/.}",
        {"FOO": "/foo*/*/*.txt", "NEEDLE": "\\*/"},
        "/foo.*/*.txt - /foo..*.txt",
        {"FOO", "NEEDLE"},
        set(),
    ),
    (
        "${FOO/$NEEDLE/} - ${FOO//$NEEDLE/}",
        {"FOO": "/tmp/tmp/bar.txt", "NEEDLE": "/tmp"},
        "/tmp/bar.txt - /bar.txt",
        {"FOO", "NEEDLE"},
        set(),
    ),
    (
        "${FOO/$NEEDLE/$REPLACEMENT} - ${FOO//$NEEDLE/$REPLACEMENT}",
        {"FOO": "/a/foo/b/c.txt", "NEEDLE": "/?/", "REPLACEMENT": "/"},
        "/foo/b/c.txt - /foo/c.txt",
        {"FOO", "NEEDLE", "REPLACEMENT"},
        set(),
    ),
    (
        "${FOO/$NEEDLE/$REPLACEMENT}",
        {"FOO": "http://google.de", "NEEDLE": "http://", "REPLACEMENT": "https://"},
        "https://google.de",
        {"FOO", "NEEDLE", "REPLACEMENT"},
        set(),
    ),
    ("${FOO//\\//\\/}", {"FOO": "/tmp/foo.txt"}, "\\/tmp\\/foo.txt", {"FOO"}, set()),
    ("${FOO/$BAR/ww}", {"FOO": "xxyy", "BAR": ""}, "wwxxyy", {"FOO", "BAR"}, set()),
    ("${FOO//ww}", {"FOO": "xxyy"}, None, set(), set()),
    ("${FOO//}", {"FOO": "xxyy"}, None, set(), set()),
    ("${FOO///}", {"FOO": "xxyy"}, "xxyy", {"FOO"}, set()),
    ("${FOO///}", {}, "", set(), {"FOO"}),
]


@pytest.mark.parametrize(
    ("source", "env", "expected", "matched", "unmatched"),
    PROCESS_WITH_MATCHES,
    ids=[f"{i}:{c[0]}" for i, c in enumerate(PROCESS_WITH_MATCHES)],
)
def test_buildkit_process_with_matches(
    source: str, env: dict[str, str], expected: str | None, matched: set[str], unmatched: set[str]
) -> None:
    if expected is None:
        with pytest.raises(ExpansionError):
            expand_word(source, env)
        return
    result = expand_word(source, env)
    assert result == Expansion(expected, frozenset(), frozenset(matched), frozenset(unmatched))


def test_buildkit_mandatory_env_vars() -> None:
    # lex_test.go TestShellParserMandatoryEnvVars
    set_envs = {"VAR": "plain", "ARG": "x"}
    empty_envs = {"VAR": "", "ARG": "x"}
    unset_envs = {"ARG": "x"}
    no_empty = "${VAR:?message here$ARG}"
    no_unset = "${VAR?message here$ARG}"

    assert expand_word(no_empty, set_envs).value == "plain"
    with pytest.raises(ExpansionError, match="message herex"):
        expand_word(no_empty, empty_envs)
    with pytest.raises(ExpansionError, match="message herex"):
        expand_word(no_empty, unset_envs)

    assert expand_word(no_unset, set_envs).value == "plain"
    assert expand_word(no_unset, empty_envs).value == ""
    with pytest.raises(ExpansionError, match="message herex"):
        expand_word(no_unset, unset_envs)


@pytest.mark.parametrize(
    ("pattern", "regex"),
    [
        # lex_test.go TestConvertShellPatternToRegex (greedy, anchored)
        ("*", "^.*"),
        ("?", "^."),
        ("\\*", "^\\*"),
        ("(()[]{\\}^$.\\*\\?|\\\\", "^\\(\\(\\)\\[\\]\\{\\}\\^\\$\\.\\*\\?\\|\\\\"),
    ],
)
def test_buildkit_convert_shell_pattern(pattern: str, regex: str) -> None:
    assert expand_module._shell_pattern_to_regex(pattern, True, True) == regex


@pytest.mark.parametrize("pattern", ["\\", "\\x", "\\\\\\"])
def test_buildkit_convert_shell_pattern_invalid(pattern: str) -> None:
    with pytest.raises(expand_module._PatternError):
        expand_module._shell_pattern_to_regex(pattern, True, True)


def test_convert_shell_pattern_lazy_and_unanchored() -> None:
    assert expand_module._shell_pattern_to_regex("a*b?", False, False) == "a.*?b."


@pytest.mark.parametrize(
    ("pattern", "reversed_pattern"),
    [
        # lex_test.go TestReversePattern
        ("a\\*c", "c\\*a"),
        ("\\\\\\ab", "b\\a\\\\"),
        ("ab\\", "\\ba"),
        ("👽\\🚀🖖", "🖖\\🚀👽"),
        ("\\\\b", "b\\\\"),
    ],
)
def test_buildkit_reverse_pattern(pattern: str, reversed_pattern: str) -> None:
    assert expand_module._reverse_pattern(pattern) == reversed_pattern


RELEASE = "something-${VERSION}.${TARGETOS}-${TARGETARCH}${TARGETVARIANT:+-${TARGETVARIANT}}.tar.gz"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        # lex_test.go TestProcessWithMatchesPlatform
        (
            {"VERSION": "v1.2.3", "TARGETOS": "linux", "TARGETARCH": "arm", "TARGETVARIANT": "v7"},
            "something-v1.2.3.linux-arm-v7.tar.gz",
        ),
        (
            {"VERSION": "v1.2.3", "TARGETOS": "linux", "TARGETARCH": "arm64", "TARGETVARIANT": ""},
            "something-v1.2.3.linux-arm64.tar.gz",
        ),
        (
            {"VERSION": "v1.2.3", "TARGETOS": "linux", "TARGETARCH": "arm64"},
            "something-v1.2.3.linux-arm64.tar.gz",
        ),
    ],
)
def test_buildkit_process_with_matches_platform(env: dict[str, str], expected: str) -> None:
    assert expand_word(RELEASE, env).value == expected


# --- Every operator against set, empty, unset and unknown variables ------------------------------

OPERATOR_ENV: Mapping[str, str | None] = {"SET": "v", "EMPTY": "", "UNK": None}
ERROR = "error"
# template (N is the variable), then the result for SET, EMPTY, UNSET, UNK (None: unknown)
OPERATORS: list[tuple[str, str | None, str | None, str | None, str | None]] = [
    ("$N", "v", "", "", None),
    ("${N}", "v", "", "", None),
    ("${N-w}", "v", "", "w", None),
    ("${N:-w}", "v", "w", "w", None),
    ("${N+w}", "w", "w", "", "w"),
    ("${N:+w}", "w", "", "", None),
    ("${N?m}", "v", "", ERROR, None),
    ("${N:?m}", "v", ERROR, ERROR, None),
    ("${N#v}", "", "", "", None),
    ("${N##*}", "", "", "", None),
    ("${N%v}", "", "", "", None),
    ("${N%%*}", "", "", "", None),
    ("${N/v/x}", "x", "", "", None),
    ("${N//v/x}", "x", "", "", None),
    ("${N/z/x}", "v", "", "", None),
]


def _operator_cases() -> Iterator[tuple[str, str, str | None]]:
    for template, *results in OPERATORS:
        for name, result in zip(("SET", "EMPTY", "UNSET", "UNK"), results, strict=True):
            yield template.replace("N", name), name, result


@pytest.mark.parametrize(("source", "name", "expected"), list(_operator_cases()))
def test_operator(source: str, name: str, expected: str | None) -> None:
    if expected == ERROR:
        with pytest.raises(ExpansionError):
            expand_word(source, OPERATOR_ENV)
        return
    result = expand_word(source, OPERATOR_ENV)
    assert result.value == expected
    assert result.unknown_vars == (frozenset({name}) if expected is None else frozenset())
    if name == "UNSET":
        assert result.unmatched == {"UNSET"} and result.matched == frozenset()
    else:
        assert result.matched == {name} and result.unmatched == frozenset()


# Strict mode: an undefined name may be set to anything, or unset.
STRICT_UNSET: list[tuple[str, str | None]] = [
    ("$UNSET", None),
    ("${UNSET}", None),
    ("${UNSET-w}", None),
    ("${UNSET:-w}", None),
    ("${UNSET+w}", None),
    ("${UNSET:+w}", None),
    ("${UNSET+}", ""),  # empty either way
    ("${UNSET:+}", ""),
    ("${UNSET?m}", None),  # might fail, might not: not raised
    ("${UNSET:?m}", None),
    ("${UNSET#v}", None),
    ("${UNSET/v/x}", None),
    ("'$UNSET'", "$UNSET"),
    ("\\$UNSET", "$UNSET"),
    ("$$", None),  # "$" is a variable name like any other
]


@pytest.mark.parametrize(("source", "expected"), STRICT_UNSET)
def test_undefined_is_unknown(source: str, expected: str | None) -> None:
    result = expand_word(source, OPERATOR_ENV, undefined_is_unknown=True)
    assert result.value == expected
    assert bool(result.unknown_vars) == (expected is None)


def test_undefined_is_unknown_leaves_defined_names_alone() -> None:
    result = expand_word("${SET}-${EMPTY:-d}-${UNK+w}", OPERATOR_ENV, undefined_is_unknown=True)
    assert result.value == "v-d-w"


@pytest.mark.parametrize(
    ("source", "expected", "unknown"),
    [
        # an unknown value in the word of an operator matters only when the word is used
        ("${SET:-$UNK}", "v", set()),
        ("${EMPTY:-$UNK}", None, {"UNK"}),
        ("${UNSET-$UNK}", None, {"UNK"}),
        ("${EMPTY-$UNK}", "", set()),
        ("${SET+$UNK}", None, {"UNK"}),
        ("${UNSET+$UNK}", "", set()),
        ("${UNK:-$SET}", None, {"UNK"}),
        ("${UNK:-$UNK2}", None, {"UNK", "UNK2"}),
        ("${UNK:+$UNK2}", None, {"UNK", "UNK2"}),
        ("${UNK-$UNK2}", None, {"UNK"}),
        ("${SET#$UNK}", None, {"UNK"}),
        ("${SET/x/$UNK}", "v", set()),  # nothing to replace
        ("${SET/v/$UNK}", None, {"UNK"}),
        ("${SET//$UNK/x}", None, {"UNK"}),
        ("${UNK/v/$UNK2}", None, {"UNK", "UNK2"}),
        ("a${UNK}b", None, {"UNK"}),
        ("'${UNK}'", "${UNK}", set()),
        ('"${UNK}"', None, {"UNK"}),
        ("\\${UNK}", "${UNK}", set()),
        ("${A:-${B:-${UNK}}}", None, {"UNK"}),
        ("${A:-${B:-${SET}}}", "v", set()),
    ],
)
def test_unknown_values(source: str, expected: str | None, unknown: set[str]) -> None:
    env = {**OPERATOR_ENV, "UNK2": None}
    result = expand_word(source, env)
    assert result.value == expected
    assert result.unknown_vars == unknown


def test_errors_that_do_not_depend_on_unknown_values_are_still_raised() -> None:
    with pytest.raises(ExpansionError, match="invalid escape"):
        expand_word("${UNK#\\x}", OPERATOR_ENV)
    with pytest.raises(ExpansionError, match="bad substitution"):
        expand_word("$UNK ${}", OPERATOR_ENV)
    # the message is unknown, so it is shown as written
    with pytest.raises(ExpansionError) as info:
        expand_word("${EMPTY:?no $UNK here}", OPERATOR_ENV)
    assert info.value.reason == "EMPTY: no $UNK here"
    # BuildKit expands the word of every operator, used or not
    with pytest.raises(ExpansionError, match="B: is not allowed to be unset"):
        expand_word("${SET:-${B?}}", OPERATOR_ENV)


# --- Quotes, escapes and the escape directive -----------------------------------------------------


@pytest.mark.parametrize(
    ("source", "escape", "expected"),
    [
        ("'$SET' \"$SET\" $SET", "\\", "$SET v v"),
        ("\\$SET", "\\", "$SET"),
        ("`$SET", "\\", "`v"),
        ("`$SET", "`", "$SET"),
        ("\\$SET", "`", "\\v"),
        ("C:\\Windows\\$SET", "`", "C:\\Windows\\v"),
        ('"a`"b"', "`", 'a"b'),
        ('"a\\"b"', "\\", 'a"b'),
        ('"a\\b"', "\\", "a\\b"),  # only " $ and the escape can be escaped inside "..."
        ('"a``b"', "`", "a`b"),
        ("a\\\\b", "\\", "a\\b"),
        ("a\\", "\\", "a"),  # a trailing escape is dropped
        ("${X:-'}'}", "\\", "}"),  # quotes protect the closing brace
        ("${X:-\\}}", "\\", "}"),
        ("${X:-`}}", "`", "}"),
        ("${X:-a\\ b}", "\\", "a b"),
        ("\ufeff$SET", "\\", "v"),  # text/scanner skips a leading byte order mark
    ],
)
def test_quotes_and_escapes(source: str, escape: str, expected: str) -> None:
    assert expand_word(source, OPERATOR_ENV, escape).value == expected


def test_dollar_dollar_is_a_variable() -> None:
    # BuildKit reads $$ as the special parameter "$", which a Dockerfile never sets
    assert expand_word("a$$b", {}) == Expansion("ab", frozenset(), frozenset(), frozenset({"$"}))
    assert expand_word("a$$b", {"$": "-"}).value == "a-b"
    assert expand_word("a\\$\\$b", {}).value == "a$$b"


def test_positional_and_special_parameters_are_plain_lookups() -> None:
    assert expand_word("$1$@", {"1": "one", "@": "at"}).value == "oneat"
    assert expand_word("$12x", {"12": "twelve"}).value == "twelvex"
    assert expand_word("$_x-$x_", {"_x": "a", "x_": "b"}).value == "a-b"


def test_skip_process_quotes_for_heredoc_bodies() -> None:
    body = "echo '$SET' \"$SET\" \\$SET\n"
    assert expand_word(body, OPERATOR_ENV, skip_process_quotes=True).value == (
        "echo 'v' \"v\" $SET\n"
    )


def test_escape_token_is_validated() -> None:
    with pytest.raises(ValueError):
        expand_word("x", {}, "!")


# --- Patterns -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("${P##*/}", "bin"),
        ("${P#*/}", "usr/local/bin"),
        ("${P%/*}", "/usr/local"),
        ("${P%%/*}", ""),
        ("${P%%l*}", "/usr/"),
        ("${P%l*}", "/usr/loca"),  # * matches "/" too
        ("${P/local/share}", "/usr/share/bin"),
        ("${P//\\//:}", ":usr:local:bin"),
        ("${E%🖖}", "👽🚀"),
        ("${E#?}", "🚀🖖"),
        ("${M#*b}", "a\nbc"),  # * and ? do not match a newline, as in RE2
        ("${M#a?b}", "a\nbc"),
        ("${M//*/-}", "-\n-"),  # Go's ReplaceAll skips the empty match after a match
        ("${M//?/.}", ".\n.."),
        ("${D///-}", "-a-b-"),
        # the pattern compiler's text/scanner drops a leading byte order mark; % reverses the
        # pattern first, so there the mark is trailing and stays
        ("${D#\ufeffa}", "b"),
        ("${D%\ufeffb}", "ab"),
        ("${D//b/[$0]}", "a[]"),  # the lexer expands $0 first: the variable "0" is unset
        ("${D//b/'[$0]'}", "a[b]"),  # ReplaceAllString expands $0 to the match
        ("${D/b/'[$0]'}", "a[$0]"),  # the single replacement does not
        ("${D//b/'$$'}", "a$"),
        # Go's template rules: no group 00, 1 or 0x; an unclosed ${ stays text
        ("${D//b/'$00|${0}|$1|$0x|${0'}", "a|b|||${0"),
    ],
)
def test_patterns(source: str, expected: str) -> None:
    env = {"P": "/usr/local/bin", "E": "👽🚀🖖", "M": "a\nbc", "D": "ab"}
    assert expand_word(source, env).value == expected


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("${X#\\x}", "invalid pattern (\\x) in substitution: invalid escape '\\x'"),
        # % reverses the pattern before compiling it, and the message shows that
        ("${X%ab\\x}", "invalid pattern (\\xba) in substitution: invalid escape '\\x'"),
        ("${X/\\$/y}", "invalid pattern (\\$) in substitution: invalid escape '\\$'"),
        ("${X#a\\}", "syntax error: missing '}'"),
        ("${X/a", "syntax error: missing '/' in ${}"),
        ("${X/a/b", "syntax error: missing '}'"),
        ("${X:/a/b}", "unsupported modifier (:/) in substitution"),
        ("${X:#a}", "unsupported modifier (:#) in substitution"),
    ],
)
def test_pattern_errors(source: str, reason: str) -> None:
    with pytest.raises(ExpansionError) as info:
        expand_word(source, {"X": "abc"})
    assert info.value.reason == reason


_GLOB = st.text(alphabet="ab*?\\", max_size=6)
_TEXT = st.text(alphabet="ab\n", max_size=8)


@settings(max_examples=400, deadline=None)
@given(_GLOB, _TEXT, st.booleans(), st.booleans(), st.integers(min_value=0, max_value=8))
def test_matcher_agrees_with_a_leftmost_first_engine(
    glob: str, text: str, greedy: bool, anchored: bool, pos: int
) -> None:
    # Python's re is leftmost-first like RE2, so on these small inputs (where its backtracking
    # is harmless) it must find exactly the spans our NFA finds.
    try:
        regex = expand_module._shell_pattern_to_regex(glob, greedy, anchored)
    except expand_module._PatternError:
        return
    pos = min(pos, len(text)) if not anchored else 0
    is_anchored, prog = expand_module._compile(regex)
    assert is_anchored == anchored
    ours = expand_module._search(prog, anchored, text, pos)
    m = re.compile(regex).search(text, pos)
    assert ours == (None if m is None else m.span())


# --- Word splitting (ProcessWords) ----------------------------------------------------------------


def _words(source: str, env: Mapping[str, str | None] | None = None) -> list[str | None] | None:
    words = expand_words(source, {} if env is None else env)
    return None if words is None else [w.value for w in words]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("a b  c", ["a", "b", "c"]),
        ("  a \t b  ", ["a", "b"]),
        ('"a b" c', ["a b", "c"]),
        ("'a  b'c d", ["a  bc", "d"]),
        ("a\\ b", ["a b"]),
        ("$V", ["x", "y"]),  # split after expansion
        ('"$V"', ["x  y"]),
        ("p$V", ["px", "y"]),
        ("'' x \"\"", ["x"]),  # an empty quoted word disappears
        ("", []),
        ("${PORTS}", ["80", "443"]),
        ("\u3000a\u00a0b\x1cc", ["a", "b\x1cc"]),  # Go's unicode.IsSpace, not str.isspace
    ],
)
def test_words(source: str, expected: list[str]) -> None:
    assert _words(source, {"V": "x  y", "PORTS": "80 443"}) == expected


def test_words_drop_text_before_a_nested_operator() -> None:
    # BuildKit's processStopOn calls share one words buffer; a nested ${X:-...} resets it, so
    # the part of the word before it is lost from ProcessWords (ProcessWord is unaffected).
    assert _words("a${X:-b}c") == ["bc"]
    assert expand_word("a${X:-b}c", {}).value == "abc"
    assert _words('p"a${X:-b}"') == ["ab"]
    assert _words("x a${X:-b} y") == ["x", "b", "y"]
    assert _words("a${X}c") == ["ac"]  # plain ${X} reads no nested word


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("$UNK", None),  # its spaces would split
        ("a$UNK", None),
        ("${UNK:+x y}", None),
        ('"$UNK"', None),  # kept only when not empty
        ('"$UNK" x', None),
        ('a"$UNK"', [None]),
        ('x "a$UNK"', ["x", None]),
        ("x '$UNK'", ["x", "$UNK"]),
        ("${UNK:+} x", ["x"]),
        ('"$UNK"${X:-y}', ["y"]),  # the nested operator wiped the unknown part
    ],
)
def test_words_with_unknown_values(source: str, expected: list[str | None] | None) -> None:
    assert _words(source, OPERATOR_ENV) == expected


def test_words_carry_the_unknown_names_and_lookups() -> None:
    words = expand_words('"a$UNK" $SET', OPERATOR_ENV)
    assert words == [
        Expansion(None, frozenset({"UNK"}), frozenset({"UNK", "SET"}), frozenset()),
        Expansion("v", frozenset(), frozenset({"UNK", "SET"}), frozenset()),
    ]


def test_words_raise_the_same_errors() -> None:
    with pytest.raises(ExpansionError):
        expand_words("a ${X:?}", {})


# --- Errors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("he${PWD", 'failed to process "he${PWD": unsupported modifier (\ufffd) in substitution'),
        ("${", "failed to process \"${\": syntax error: missing '}'"),
        ("${}", 'failed to process "${}": syntax error: bad substitution'),
        ("${:-x}", 'failed to process "${:-x}": syntax error: bad substitution'),
        ("${a:-b", "failed to process \"${a:-b\": syntax error: missing '}'"),
        # an error at the end of the input is reported as the outermost missing brace
        ("${a:-${b:?oops}", "failed to process \"${a:-${b:?oops}\": syntax error: missing '}'"),
        ("${a:-${b:?oops}}", 'failed to process "${a:-${b:?oops}}": b: oops'),
        ("${a:-'x}", "failed to process \"${a:-'x}\": syntax error: missing '}'"),
        (
            "'x",
            'failed to process "\'x": '
            "unexpected end of statement while looking for matching single-quote",
        ),
        (
            '"x',
            'failed to process "\\"x": '
            "unexpected end of statement while looking for matching double-quote",
        ),
        ("${X:?}", 'failed to process "${X:?}": X: is not allowed to be unset'),
        ("${E:?}", 'failed to process "${E:?}": E: is not allowed to be empty'),
        ("\t${E:?}", 'failed to process "\\t${E:?}": E: is not allowed to be empty'),
        ("${X=1}", 'failed to process "${X=1}": unsupported modifier (=) in substitution'),
        ("${X:Y}", 'failed to process "${X:Y}": unsupported modifier (:Y) in substitution'),
    ],
)
def test_error_messages(source: str, message: str) -> None:
    with pytest.raises(ExpansionError) as info:
        expand_word(source, {"E": ""})
    assert str(info.value) == message
    assert info.value.word == source


# --- Limits ---------------------------------------------------------------------------------------


def test_deep_nesting_does_not_recurse() -> None:
    depth = sys.getrecursionlimit() * 5
    source = "${A:-" * depth + "x" + "}" * depth
    assert expand_word(source, {}).value == "x"
    with pytest.raises(ExpansionError, match="missing '}'"):
        expand_word(source[:-1], {})


def test_long_input() -> None:
    source = "$A'b'\"$A\"\\c " * 20000
    result = expand_word(source, {"A": "a"})
    assert result.value == "ab" + "a" + "c " + ("aba" + "c ") * 19999
    words = expand_words(source, {"A": "a"})
    assert words is not None and len(words) == 20000


def test_hostile_pattern_stays_polynomial() -> None:
    # a backtracking engine takes exponential time here; the NFA is O(len(value) * len(pattern))
    env = {"X": "a" * 3000}
    started = time.monotonic()
    assert expand_word("${X#*a*a*a*a*a*a*a*a*a*a*b}", env).value == "a" * 3000
    assert expand_word("${X//*a*a*a*a*a*a*b/-}", env).value == "a" * 3000
    assert time.monotonic() - started < 20


# --- The instruction table ------------------------------------------------------------------------


def test_expanded_instructions_table() -> None:
    assert set(EXPANDED_INSTRUCTIONS) == {
        "FROM", "ARG", "ENV", "LABEL", "ADD", "COPY", "EXPOSE", "STOPSIGNAL", "USER", "VOLUME",
        "WORKDIR", "RUN", "ONBUILD",
    }  # fmt: skip
    assert not set(EXPANDED_INSTRUCTIONS) & NOT_EXPANDED_INSTRUCTIONS
    assert {site.function for site in EXPANDED_INSTRUCTIONS["EXPOSE"]} == {"ProcessWords"}
    assert {site.scope for site in EXPANDED_INSTRUCTIONS["FROM"]} == {"global"}
    assert EXPANDED_INSTRUCTIONS["ONBUILD"] == ()
    with pytest.raises(TypeError):
        EXPANDED_INSTRUCTIONS["CMD"] = ()  # type: ignore[index]
