"""The nginx configuration reader: words, blocks, spans, and hostile input."""

from __future__ import annotations

import time

import pytest

from dockerlint_django.readers import nginx
from dockerlint_django.readers.nginx import listen_port, parse_nginx
from dockerlint_django.source import SourceFile


def _conf(text: str) -> nginx.NginxConf:
    return parse_nginx(SourceFile.from_text("default.conf", text))


def _flat(conf: nginx.NginxConf) -> list[tuple[str, str, list[str]]]:
    return [
        ("/".join(p.name for p in parents), d.name, [a.value for a in d.args])
        for d, parents in conf.walk()
    ]


def test_blocks_and_directives() -> None:
    conf = _conf(
        "user nginx;\nhttp {\n    server {\n        listen 8080;\n"
        "        location / { root /srv; }\n    }\n}\n"
    )
    assert conf.error is None
    assert _flat(conf) == [
        ("", "user", ["nginx"]),
        ("", "http", []),
        ("http", "server", []),
        ("http/server", "listen", ["8080"]),
        ("http/server", "location", ["/"]),
        ("http/server/location", "root", ["/srv"]),
    ]


def test_spans_are_exact() -> None:
    text = 'server {\n    listen  [::]:80 default_server;\n    return 200 "a b";\n}\n'
    src = SourceFile.from_text("x.conf", text)
    conf = parse_nginx(src)
    (server,) = conf.directives
    assert src.slice(server.span) == text.rstrip("\n")
    assert server.open_span is not None and src.slice(server.open_span) == "{"
    listen, ret = server.children
    assert src.slice(listen.name_span) == "listen"
    assert src.slice(listen.args[0].span) == "[::]:80"
    assert src.position(listen.args[0].span.start).line == 2
    assert src.position(listen.args[0].span.start).column == 13
    assert src.slice(listen.span) == "listen  [::]:80 default_server;"
    assert src.slice(ret.args[1].span) == '"a b"'
    assert ret.args[1].value == "a b" and ret.args[1].quoted


def test_comments() -> None:
    conf = _conf("# top\nlisten 80; # after\nroot /a#b; #listen 81;\n")
    assert _flat(conf) == [("", "listen", ["80"]), ("", "root", ["/a#b"])]


def test_quotes_and_escapes() -> None:
    conf = _conf('a "x\\"y" \'p\\\'q\' "t\\tn\\n" \\;b "\\d" ${v}w;\n')
    (d,) = conf.directives
    assert [a.value for a in d.args] == ['x"y', "p'q", "t\tn\n", "\\;b", "\\d", "${v}w"]


def test_brace_inside_a_word_and_variable_braces() -> None:
    conf = _conf("set $a ${b}c;\nx y}z;\n")
    assert _flat(conf) == [("", "set", ["$a", "${b}c"]), ("", "x", ["y}z"])]


def test_if_block() -> None:
    conf = _conf(
        "location / {\n  if (!-e $request_filename){\n    rewrite ^(.*)$ /i?s=$1 last;\n  }\n}\n"
    )
    assert conf.error is None
    assert _flat(conf)[1] == ("location", "if", ["(!-e", "$request_filename)"])


def test_crlf_and_tabs() -> None:
    conf = _conf("server\t{\r\n\tlisten\t80;\r\n}\r\n")
    assert _flat(conf) == [("", "server", []), ("server", "listen", ["80"])]


def test_empty_file() -> None:
    conf = _conf("")
    assert conf.error is None and conf.directives == ()


@pytest.mark.parametrize(
    "text",
    [
        "server {\n listen 80;\n",  # unterminated block
        "server {\n listen 80;\n}\n}\n",  # one close too many
        'return 200 "abc;\n',  # unterminated double quote
        "return 200 'abc;\n",  # unterminated single quote
        "listen 80\n",  # no terminator
        "listen 80 \\",  # backslash at the end
        ";\n",
        "{ }\n",
        "server { listen 80 }\n",  # a directive ended by }
        'return "a"b;\n',  # no space after a quote
        "content_by_lua_block { ngx.say('}') }\n",
        "a\0b;\n",
    ],
)
def test_rejected_input_is_unknown(text: str) -> None:
    conf = _conf(text)
    assert conf.error is not None
    assert conf.directives == ()
    assert conf.error_line >= 0


def test_error_line() -> None:
    conf = _conf('a;\nb;\nc "d;\n')
    assert conf.error_line == 3


def test_huge_file_is_unknown_quickly() -> None:
    text = "a b;\n" * (nginx.MAX_SOURCE_CHARS // 5 + 10)
    start = time.process_time()
    conf = _conf(text)
    assert conf.error is not None and "too large" in conf.error
    assert time.process_time() - start < 1


def test_too_many_words() -> None:
    text = "a" + " b" * (nginx.MAX_WORDS + 1) + ";"
    assert len(text) <= nginx.MAX_SOURCE_CHARS
    conf = _conf(text)
    assert conf.error is not None and "words" in conf.error


def test_deep_nesting() -> None:
    depth = nginx.MAX_DEPTH + 5
    conf = _conf("a {" * depth + "}" * depth)
    assert conf.error is not None and "deeply" in conf.error
    ok = _conf("a {" * 10 + "b;" + "}" * 10)
    assert ok.error is None
    assert len(list(ok.walk())) == 11


def test_many_blocks_walk_is_iterative() -> None:
    conf = _conf("a { b; }\n" * 20_000)
    assert conf.error is None
    assert sum(1 for _ in conf.walk()) == 40_000


def test_include_is_recorded_not_followed() -> None:
    conf = _conf("server {\n  include snippets/x.conf;\n}\n")
    (server,) = conf.directives
    assert server.includes
    assert server.find("include")[0].args[0].value == "snippets/x.conf"


@pytest.mark.parametrize(
    ("text", "port"),
    [
        ("listen 80;", 80),
        ("listen 8080 default_server;", 8080),
        ("listen [::]:80;", 80),
        ("listen [::]:8080 ipv6only=on;", 8080),
        ("listen 127.0.0.1:443 ssl;", 443),
        ("listen *:80;", 80),
        ("listen localhost;", 80),
        ("listen 127.0.0.1;", 80),
        ("listen [::1];", 80),
        ("listen unix:/tmp/n.sock;", None),
        ("listen ${PORT};", None),
        ("listen $port;", None),
        ("listen 0;", None),
        ("listen 99999;", None),
        ('listen "";', None),
        ("listen [::;", None),
    ],
)
def test_listen_port(text: str, port: int | None) -> None:
    (d,) = _conf(text).directives
    found = listen_port(d)
    assert (found[0] if found else None) == port
