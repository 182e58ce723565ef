"""Shell words and structure: exact spans, unknown detection, compound flags, splitting."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from dockerlint_django.shell.syntax import (
    Script,
    SimpleCommand,
    Word,
    last_top_level_command,
    parse_script,
    shell_split,
    split_words,
)
from dockerlint_django.source import Mapped

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def parse(text: str, dialect: str = "posix", start: int = 0) -> Script:
    return parse_script(Mapped.from_source(text, start), dialect=dialect)  # type: ignore[arg-type]


def values(cmd: SimpleCommand) -> list[str | None]:
    return [w.value for w in cmd.words]


def only(text: str, dialect: str = "posix") -> SimpleCommand:
    sc = parse(text, dialect)
    assert not sc.errors, sc.errors
    assert len(sc.commands) == 1
    return sc.commands[0]


def check_spans(text: str, sc: Script, start: int = 0) -> None:
    """Every word's raw text is the source; every value character maps into the source."""
    for cmd in sc.commands:
        assert start <= cmd.span.start <= cmd.span.end <= start + len(text)
        for w in cmd.words:
            assert text[w.span.start - start : w.span.end - start] == w.raw.text
            if w.mapped is not None:
                assert w.mapped.text == w.value
                for ch, a, b in zip(w.mapped.text, w.mapped.starts, w.mapped.ends, strict=True):
                    src = text[a - start : b - start]
                    assert w.span.start <= a <= b <= w.span.end
                    assert ch == src or src.startswith("\\") or len(src) > 1


# ---------------------------------------------------------------------------------------------
# words


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("plain", "plain"),
        ("'single quoted $x'", "single quoted $x"),
        ('"double $"', "double $"),
        ('"a\\"b\\\\c\\$d\\x"', 'a"b\\c$d\\x'),
        ("a\\ b", "a b"),
        ("a'b'\"c\"d", "abcd"),
        ("''", ""),
        ('""', ""),
        ("a\\\nb", "ab"),
        ('"a\\\nb"', "ab"),
        ("0.0.0.0:8000", "0.0.0.0:8000"),
        ("--bind=:8000", "--bind=:8000"),
        ("core.wsgi:application", "core.wsgi:application"),
        ("[", "["),  # a lone bracket is no glob
        ("a]", "a]"),
        ("x{a,b}", "x{a,b}"),  # no brace expansion in dash
        ("$", "$"),
        ('"$"', "$"),
        ("a$", "a$"),
        ("$'a\\tb'", "$a\\tb"),  # dash: "$" then a single-quoted string
        ("caf\u00e9", "caf\u00e9"),
    ],
)
def test_word_values_posix(source: str, expected: str) -> None:
    text = "echo " + source
    cmd = only(text)
    word = cmd.words[1]
    assert word.value == expected
    check_spans(text, parse(text))
    assert word.raw.text == source.replace("\\\n", "\\\n")


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("$'a\\tb'", "a\tb"),
        ("$'\\x41\\101\\u00e9\\cA\\''", "AA\u00e9\x01'"),
        ('$"locale"', "locale"),
        ("x{a,b}", None),
        ("{a..c}", None),
        ("{}", "{}"),
    ],
)
def test_word_values_bash(source: str, expected: str | None) -> None:
    text = "echo " + source
    assert only(text, "bash").words[1].value == expected
    check_spans(text, parse(text, "bash"))


def test_ansi_c_escape_maps_to_its_sequence() -> None:
    text = "echo $'a\\tb'"
    word = only(text, "bash").words[1]
    assert word.mapped is not None
    tab = word.mapped.span(1, 2)
    assert text[tab.start : tab.end] == "\\t"


@pytest.mark.parametrize(
    ("source", "prefix", "kinds"),
    [
        ("$PORT", "", ["parameter"]),
        ("0.0.0.0:$PORT", "0.0.0.0:", ["parameter"]),
        ("0.0.0.0:${PORT:-8000}", "0.0.0.0:", ["parameter"]),
        ('"0.0.0.0:${PORT}"', "0.0.0.0:", ["parameter"]),
        ("$(nproc)", "", ["command"]),
        ("`nproc`", "", ["backtick"]),
        ("$((2 * $(nproc) + 1))", "", ["arithmetic"]),
        ("*.py", "", ["glob"]),
        ("file?.txt", "file", ["glob"]),
        ("a[bc]", "a[bc", ["glob"]),
        ("~/bin", "", ["tilde"]),
        ("$1", "", ["parameter"]),
        ('"$@"', "", ["parameter"]),
        ("--workers=${WEB_CONCURRENCY}", "--workers=", ["parameter"]),
    ],
)
def test_unknown_words(source: str, prefix: str, kinds: list[str]) -> None:
    text = "echo " + source
    word = only(text).words[1]
    assert word.value is None
    assert word.mapped is None
    assert word.prefix.text == prefix
    assert [e.kind for e in word.expansions] == kinds
    for e in word.expansions:
        assert text[e.span.start : e.span.end] == e.raw.text


def test_quoted_glob_and_tilde_are_literal() -> None:
    assert only("echo '*' \"?\" \\* '~' a~").words[1].value == "*"
    cmd = only("echo '*' \"?\" \\* '~' a~")
    assert values(cmd)[1:] == ["*", "?", "*", "~", "a~"]


def test_parameter_names() -> None:
    cmd = only('echo $PORT ${WEB_CONCURRENCY:-2} "$@" ${#x} $1 $$')
    names = [w.expansions[0].name for w in cmd.words[1:]]
    assert names == ["PORT", "WEB_CONCURRENCY", "@", "x", "1", "$"]
    assert cmd.words[3].expansions[0].quoted
    assert cmd.words[3].is_all_args
    assert not cmd.words[1].is_all_args


def test_command_substitution_with_parens_and_quotes_inside() -> None:
    text = 'echo "$(echo \')\' "(")" after'
    cmd = only(text)
    assert values(cmd) == ["echo", None, "after"]
    assert cmd.words[1].raw.text == '"$(echo \')\' "(")"'


def test_case_inside_command_substitution() -> None:
    sc = parse("x=$(case a in a) echo y;; esac) && echo ok")
    assert not sc.errors
    assert sc.commands[0].assignments[0].name == "x"
    assert sc.commands[0].assignments[0].value.raw.text == "$(case a in a) echo y;; esac)"
    assert [values(c) for c in sc.commands] == [[], ["echo", "ok"]]


def test_word_spans_with_offset() -> None:
    text = "exec gunicorn 'core.wsgi' --bind \"0.0.0.0:${PORT}\""
    sc = parse(text, start=1000)
    check_spans(text, sc, start=1000)
    core = sc.commands[0].words[1]
    assert core.span.start == 1000 + text.index("'core")
    assert core.mapped is not None and core.mapped.span().start == 1000 + text.index("core.")


# ---------------------------------------------------------------------------------------------
# structure


def test_and_list_with_exec() -> None:
    text = "python manage.py migrate && exec gunicorn core.wsgi --bind 0.0.0.0:8000"
    sc = parse(text)
    first, second = sc.commands
    assert values(first) == ["python", "manage.py", "migrate"]
    assert values(second) == ["gunicorn", "core.wsgi", "--bind", "0.0.0.0:8000"]
    assert second.exec_prefixed and not first.exec_prefixed
    assert second.exec_word is not None and second.exec_word.value == "exec"
    assert (first.connector_after, second.connector_before) == ("&&", "&&")
    assert second.top_level and not second.background and not second.in_pipeline
    assert text[second.span.start : second.span.end] == text[text.index("exec") :]
    assert last_top_level_command(sc) is second


def test_exec_options_and_redirect_only_exec() -> None:
    cmd = only("exec -a name -l gunicorn app")
    assert cmd.exec_prefixed and values(cmd) == ["gunicorn", "app"]
    bare = only("exec >/tmp/log 2>&1")
    assert bare.exec_prefixed and bare.words == ()
    assert [(r.op, r.fd) for r in bare.redirects] == [(">", None), (">&", 2)]
    env = only("FOO=1 exec gunicorn")
    assert env.exec_prefixed and env.assignments[0].name == "FOO"
    quoted = only("'exec' gunicorn")
    assert quoted.exec_prefixed


def test_background_and_wait() -> None:
    sc = parse("gunicorn app & nginx -g 'daemon off;' & wait")
    g, n, w = sc.commands
    assert g.background and n.background and not w.background
    assert (g.connector_after, n.connector_before) == ("&", "&")
    and_list = parse("a && b &").commands
    assert all(c.background for c in and_list)


def test_pipeline_and_negation() -> None:
    sc = parse("! gunicorn app 2>&1 | tee log")
    g, t = sc.commands
    assert g.in_pipeline and t.in_pipeline and g.negated
    assert g.connector_after == "|" and t.connector_before == "|"
    assert last_top_level_command(sc) is t


@pytest.mark.parametrize(
    ("text", "context"),
    [
        ("if true; then exec x; fi", ("if",)),
        ("if a; then b; elif c; then d; else exec x; fi", ("if",)),
        ("while true; do exec x; done", ("while",)),
        ("until false; do exec x; done", ("until",)),
        ("for i in 1 2; do exec x; done", ("for",)),
        ("for i\ndo exec x\ndone", ("for",)),
        ("case $1 in web) exec x;; *) exec y;; esac", ("case",)),
        ("{ exec x; }", ("brace",)),
        ("( exec x )", ("subshell",)),
        ("f() { exec x; }", ("function", "brace")),
        ("f ( ) ( exec x )", ("function", "subshell")),
        ("if a; then while b; do ( exec x ); done; fi", ("if", "while", "subshell")),
    ],
)
def test_compound_commands_are_not_top_level(text: str, context: tuple[str, ...]) -> None:
    sc = parse(text)
    assert not sc.errors, sc.errors
    target = next(c for c in sc.commands if c.exec_prefixed)
    assert target.context == context
    assert not target.top_level
    assert last_top_level_command(sc) is None


def test_function_keyword_and_bash_compounds() -> None:
    sc = parse("function f { exec x; }\n[[ -f a && -f b ]] && (( i++ )) || exec y", "bash")
    assert not sc.errors
    names = [c.name for c in sc.commands]
    assert names == ["x", "[[", "y"]
    assert sc.commands[0].context == ("function", "brace")
    assert values(sc.commands[1]) == ["[[", "-f", "a", "&&", "-f", "b", "]]"]
    assert last_top_level_command(sc) is sc.commands[2]


def test_last_top_level_skips_function_definitions() -> None:
    sc = parse("start() { gunicorn app; }\nexec gunicorn app\nhelper() { :; }")
    last = last_top_level_command(sc)
    assert last is not None and last.exec_prefixed
    assert last_top_level_command(parse("")) is None


def test_connectors_across_newlines() -> None:
    sc = parse("a &&\n  b\nc;d")
    a, b, c, d = sc.commands
    assert (a.connector_after, b.connector_before) == ("&&", "&&")
    assert (b.connector_after, c.connector_before, c.connector_after) == ("\n", "\n", ";")
    assert d.connector_before == ";" and d.connector_after is None


def test_reserved_words_only_in_command_position() -> None:
    cmd = only("echo if then fi done")
    assert values(cmd) == ["echo", "if", "then", "fi", "done"]
    assert only("'if' x").name == "if"


def test_assignments() -> None:
    cmd = only("A=1 B='x y' C=$HOME/bin D= E+=z gunicorn app")
    assert values(cmd) == ["gunicorn", "app"]
    got = [(a.name, a.value.value, a.append) for a in cmd.assignments]
    assert got == [
        ("A", "1", False),
        ("B", "x y", False),
        ("C", None, False),
        ("D", "", False),
        ("E", "z", True),
    ]
    assert cmd.assignments[2].value.prefix.text == ""
    only_assign = only("PORT=8000")
    assert only_assign.words == () and only_assign.assignments[0].value.value == "8000"
    # not in prefix position: an argument
    assert values(only("env A=1 x")) == ["env", "A=1", "x"]
    tilde = only("P=~/x:~/y cmd").assignments[0]
    assert tilde.value.value is None


def test_redirects_and_heredoc() -> None:
    text = "cat <<-'EOF' >out 2>>err\n\thello $x\n\tEOF\nexec gunicorn app"
    sc = parse(text)
    cat, g = sc.commands
    ops = [(r.op, r.fd, r.target.value if r.target else None) for r in cat.redirects]
    assert ops == [("<<-", None, "EOF"), (">", None, "out"), (">>", 2, "err")]
    body = cat.redirects[0].heredoc
    assert body is not None and body.text == "\thello $x\n"
    assert text[body.span().start : body.span().end] == "\thello $x\n"
    assert g.exec_prefixed and values(g) == ["gunicorn", "app"]
    assert g.top_level


def test_heredoc_inside_script_does_not_hide_following_commands() -> None:
    sc = parse("cat > /etc/x <<EOF\nexec not-a-command\nEOF\nexec real")
    assert [values(c) for c in sc.commands] == [["cat"], ["real"]]


def test_dialect_differences() -> None:
    posix = parse("gunicorn app &>/dev/null")
    assert [c.background for c in posix.commands] == [True, False]
    bash = parse("gunicorn app &>/dev/null", "bash")
    (cmd,) = bash.commands
    assert not cmd.background and cmd.redirects[0].op == "&>"
    arr = parse("a=(1 2) cmd", "bash").commands[0]
    assert arr.assignments[0].value.value is None and values(arr) == ["cmd"]


def test_comments() -> None:
    sc = parse("# comment\nexec gunicorn app # trailing\n#last")
    assert [values(c) for c in sc.commands] == [["gunicorn", "app"]]
    assert values(only("echo a#b")) == ["echo", "a#b"]


# ---------------------------------------------------------------------------------------------
# robustness


@pytest.mark.parametrize(
    "text",
    [
        "echo 'unterminated",
        'echo "unterminated',
        "echo $(unterminated",
        "echo ${unterminated",
        "echo `unterminated",
        "if true; then echo",
        "( a",
        "a )",
        "}",
        "fi",
        "a && || b",
        "| a",
        "case x in",
        "cat <<EOF\nno end",
        "echo >",
        "f() ",
        "for",
        "$'unterminated",
    ],
)
def test_malformed_input_reports_errors(text: str) -> None:
    for dialect in ("posix", "bash"):
        sc = parse(text, dialect)
        assert sc.errors, (text, dialect)
        for err in sc.errors:
            assert 0 <= err.span.start <= err.span.end <= len(text)


def test_unterminated_double_bracket_is_an_error_in_bash_only() -> None:
    assert parse("[[ a", "bash").errors
    assert not parse("[[ a").errors  # dash: "[[" is a command name like any other


def test_unterminated_quote_word_is_unknown() -> None:
    sc = parse("exec gunicorn 'app")
    assert values(sc.commands[0]) == ["gunicorn", None]


@pytest.mark.parametrize(
    "text",
    [
        "(" * 5000 + ")" * 5000,
        "$(" * 3000 + ")" * 3000,
        "{ " * 3000 + "}" * 3000,
        "if " * 3000,
        "f() " * 3000,
        "[" * 20000,
        '"$(echo "' * 2000,
        "${" * 5000,
        "a | " * 5000 + "b",
        "echo " + "'x' " * 20000,
    ],
)
def test_pathological_input_is_fast_and_safe(text: str) -> None:
    started = time.process_time()
    for dialect in ("posix", "bash"):
        parse(text, dialect)
    assert time.process_time() - started < 5


def test_parsing_time_is_linear() -> None:
    unit = 'python manage.py migrate --noinput && exec gunicorn core.wsgi -b "0.0.0.0:$PORT"\n'

    def cost(n: int) -> float:
        text = unit * n
        best = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            parse(text)
            best = min(best, time.perf_counter() - started)
        return best

    small, large = cost(200), cost(1600)
    assert large < small * 8 * 3  # 8x the input, allowing noise but not quadratic growth


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=80), st.sampled_from(["posix", "bash"]))
def test_parse_script_never_raises(text: str, dialect: str) -> None:
    sc = parse(text, dialect)
    check_spans(text, sc)


_SHELLISH = st.text(alphabet="ab $'\"\\\n;&|()<>{}[]*?~#`=-!", max_size=40)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_SHELLISH, st.sampled_from(["posix", "bash"]))
def test_shell_like_text_never_raises(text: str, dialect: str) -> None:
    started = time.process_time()
    sc = parse(text, dialect)
    assert time.process_time() - started < 1
    check_spans(text, sc)
    for cmd in sc.commands:
        for word in cmd.words:
            assert text.count(word.raw.text) >= 1


# ---------------------------------------------------------------------------------------------
# agreement with real shells


def _shell_argv(shell: str, text: str) -> list[str] | None:
    proc = subprocess.run(
        [shell, "-c", "printf '%s\\0' X " + text],
        capture_output=True,
        timeout=10,
        check=False,
    )
    if proc.returncode != 0 or proc.stderr:
        return None
    return proc.stdout.decode("utf-8", "surrogateescape").split("\0")[1:-1]


@pytest.mark.skipif(shutil.which("dash") is None, reason="dash not installed")
@settings(max_examples=120, deadline=None)
@given(st.text(alphabet="ab '\"\\\t", max_size=16))
def test_word_values_agree_with_dash(text: str) -> None:
    sc = parse("printf '%s\\0' " + text)
    assume(not sc.errors and len(sc.commands) == 1)
    words = sc.commands[0].words[2:]
    assume(all(w.value is not None for w in words))
    assert [w.value for w in words] == _shell_argv("dash", text)


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash not installed")
@settings(max_examples=120, deadline=None)
@given(st.text(alphabet="ab '\"\\\t$n", max_size=16))
def test_word_values_agree_with_bash(text: str) -> None:
    sc = parse("printf '%s\\0' " + text, "bash")
    assume(not sc.errors and len(sc.commands) == 1)
    words = sc.commands[0].words[2:]
    assume(all(w.value is not None for w in words))
    assert [w.value for w in words] == _shell_argv("bash", text)


def _corpus_scripts() -> list[Path]:
    manifest = CORPUS / "MANIFEST.tsv"
    if not manifest.is_file():
        return []
    out = []
    for line in manifest.read_text(encoding="utf-8").splitlines()[1:]:
        cols = line.split("\t")
        if len(cols) > 5 and cols[5] == "entrypoint":
            path = CORPUS / "files" / cols[0]
            head = path.read_text(encoding="utf-8", errors="replace")[:200]
            if "python" not in head.splitlines()[0] if head else True:
                out.append(path)
    return out


@pytest.mark.skipif(not _corpus_scripts(), reason="corpus not present")
def test_corpus_entrypoint_scripts_parse_cleanly() -> None:
    checked = 0
    for path in _corpus_scripts():
        text = path.read_text(encoding="utf-8", errors="replace")
        if subprocess.run(["bash", "-n", str(path)], capture_output=True, check=False).returncode:
            continue
        first = text.splitlines()[0] if text else ""
        dialect = "bash" if "bash" in first else "posix"
        sc = parse(text, dialect)
        assert not sc.errors, (path.name, sc.errors[:3])
        check_spans(text, sc)
        checked += 1
    assert checked > 50


@pytest.mark.skipif(not _corpus_scripts(), reason="corpus not present")
def test_corpus_gunicorn_entrypoint_ends_in_exec() -> None:
    path = CORPUS / "files" / "benoitc__gunicorn" / "docker__docker-entrypoint.sh"
    sc = parse(path.read_text(encoding="utf-8"), "bash")
    assert not sc.errors
    last = last_top_level_command(sc)
    assert last is not None and last.exec_prefixed
    assert [w.raw.text for w in last.words] == ['"$@"']
    assert last.words[0].is_all_args
    inner = [c for c in sc.commands if c.name == "gunicorn"]
    assert inner and all(c.exec_prefixed and c.context == ("if", "if") for c in inner[:1])


# ---------------------------------------------------------------------------------------------
# splitting without a shell


def split(text: str, dialect: str = "shellwords") -> list[str | None]:
    return [w.value for w in split_words(Mapped.from_source(text, 0), dialect=dialect)]  # type: ignore[arg-type]


def test_shellwords_compose_semantics() -> None:
    assert split("gunicorn core.wsgi --bind 0.0.0.0:8000") == [
        "gunicorn",
        "core.wsgi",
        "--bind",
        "0.0.0.0:8000",
    ]
    assert split("sh -c 'exec gunicorn \"$APP\"'") == ["sh", "-c", 'exec gunicorn "$APP"']
    assert split('a "" b') == ["a", "", "b"]
    assert split('a\\nb "c\\d"') == ["a\nb", "cd"]
    assert split("echo $(date) `x y`") == ["echo", "$(date)", "`x y`"]


def test_shellwords_stops_at_operators() -> None:
    text = "python manage.py migrate && gunicorn core.wsgi"
    res = shell_split(Mapped.from_source(text, 0))
    assert [w.value for w in res.words] == ["python", "manage.py", "migrate"]
    assert res.rest is not None and text[res.rest.start : res.rest.end] == "&& gunicorn core.wsgi"
    assert res.error is None
    digits = shell_split(Mapped.from_source("cmd 2>&1", 0))
    assert [w.value for w in digits.words] == ["cmd"]
    assert digits.rest is not None and digits.rest.start == 4


@pytest.mark.parametrize("text", ["a (b)", "a)", "'open", '"open', "a\\", "$(x"])
def test_shellwords_errors(text: str) -> None:
    res = shell_split(Mapped.from_source(text, 0))
    assert res.error == "invalid command line string"


def test_split_spans() -> None:
    text = "gunicorn 'core.wsgi' --bind \"0.0.0.0:8000\""
    ws = split_words(Mapped.from_source(text, 10))
    for w in ws:
        assert text[w.span.start - 10 : w.span.end - 10] == w.raw.text
    assert ws[1].raw.text == "'core.wsgi'"
    assert ws[1].mapped is not None and ws[1].mapped.span().start == 10 + text.index("core")


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="ab '\"\\\n\t#", max_size=20))
def test_shlex_dialect_matches_shlex_split(text: str) -> None:
    res = shell_split(Mapped.from_source(text, 0), dialect="shlex")
    try:
        expected = shlex.split(text)
    except ValueError as exc:
        assert res.error == str(exc)
        return
    assert res.error is None
    assert [w.value for w in res.words] == expected
    for w in res.words:
        assert text[w.span.start : w.span.end] == w.raw.text


def test_word_literal_and_synthetic() -> None:
    m = Mapped.from_source("gunicorn", 5)
    lit = Word.literal(m)
    assert (lit.value, lit.span.start, lit.span.end) == ("gunicorn", 5, 13)
    syn = Word.synthetic("/bin/sh", 7)
    assert syn.value == "/bin/sh" and syn.span.start == syn.span.end == 7
