"""Inline suppressions: our pragmas, hadolint's, BuildKit's check directive, and DJ901."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from dockerlint_django import rules as registry
from dockerlint_django.cli import cli
from dockerlint_django.dockerfile.parser import parse
from dockerlint_django.engine import _buildkit_map, _hadolint_map
from dockerlint_django.fix import Applicability
from dockerlint_django.results import FileResult
from dockerlint_django.source import SourceFile
from dockerlint_django.suppress import collect
from dockerlint_django.testing import fix_text, lint_text

# DJ101 (no --no-install-recommends) and DJ104 (no -y) both fire on this RUN's install.
APT = ["DJ101", "DJ104", "DJ901"]


def codes_at(result: FileResult) -> list[tuple[str, int]]:
    return [(f.code, f.start.line) for f in result.findings]


def suppressed_at(result: FileResult) -> list[tuple[str, int]]:
    return [(f.code, f.start.line) for f in result.suppressed]


class TestNextInstruction:
    def test_covers_the_whole_instruction_with_its_continuation_lines(self) -> None:
        text = (
            "FROM python:3.11\n"
            "# dockerlint-django: ignore=DJ101,DJ104\n"
            "RUN apt-get update \\\n"
            "    && apt-get install curl\n"
        )
        r = lint_text(text, APT)
        assert codes_at(r) == []
        assert suppressed_at(r) == [("DJ101", 4), ("DJ104", 4)]

    def test_covers_only_the_next_instruction(self) -> None:
        text = (
            "FROM python:3.11\n"
            "# dockerlint-django: ignore=DJ101\n"
            "RUN apt-get install -y a\n"
            "RUN apt-get install -y b\n"
        )
        r = lint_text(text, APT)
        assert codes_at(r) == [("DJ101", 4)]
        assert suppressed_at(r) == [("DJ101", 3)]

    def test_only_the_named_codes(self) -> None:
        text = "FROM python:3.11\n# dockerlint-django: ignore=DJ104\nRUN apt-get install curl\n"
        r = lint_text(text, APT)
        assert codes_at(r) == [("DJ101", 3)]
        assert suppressed_at(r) == [("DJ104", 3)]

    def test_blank_lines_and_other_comments_in_between(self) -> None:
        text = (
            "FROM python:3.11\n"
            "# dockerlint-django: ignore=DJ101\n"
            "\n"
            "# install curl for the health check\n"
            "RUN apt-get install -y curl\n"
        )
        r = lint_text(text, APT)
        assert codes_at(r) == []
        assert suppressed_at(r) == [("DJ101", 5)]

    def test_pragma_inside_a_continuation_covers_that_instruction(self) -> None:
        text = (
            "FROM python:3.11\n"
            "RUN apt-get update \\\n"
            "# dockerlint-django: ignore=DJ101\n"
            "    && apt-get install -y curl\n"
            "RUN apt-get install -y wget\n"
        )
        r = lint_text(text, APT)
        assert codes_at(r) == [("DJ101", 5)]
        assert suppressed_at(r) == [("DJ101", 4)]

    @pytest.mark.parametrize(
        "pragma",
        [
            "# dockerlint-django: ignore=DJ101,DJ104",
            "# dockerlint-django: ignore=DJ101, DJ104",
            "# dockerlint-django: ignore = DJ101 DJ104",
            "#dockerlint-django:ignore=dj101,dj104",
            "# DOCKERLINT-DJANGO: IGNORE=DJ101,DJ104",
        ],
    )
    def test_spellings(self, pragma: str) -> None:
        r = lint_text(f"FROM python:3.11\n{pragma}\nRUN apt-get install curl\n", APT)
        assert codes_at(r) == []
        assert sorted(suppressed_at(r)) == [("DJ101", 3), ("DJ104", 3)]

    def test_bare_ignore_covers_every_rule(self) -> None:
        r = lint_text("FROM python:3.11\n# dockerlint-django: ignore\nRUN apt-get install x\n", APT)
        assert codes_at(r) == []
        assert suppressed_at(r) == [("DJ101", 3), ("DJ104", 3)]

    def test_a_finding_on_the_pragmas_own_line_is_not_covered_by_it(self) -> None:
        # DJ108 reports on the FROM above the pragma: the pragma looks forward only.
        text = "FROM python:3.11 as b\n# dockerlint-django: ignore=DJ108\nRUN true\n"
        r = lint_text(text, ["DJ108", "DJ901"])
        assert ("DJ108", 1) in codes_at(r)


class TestFileWide:
    def test_ignore_file_with_codes(self) -> None:
        text = (
            "# dockerlint-django: ignore-file=DJ101\n"
            "FROM python:3.11\n"
            "RUN apt-get install curl\n"
            "RUN apt-get install -y wget\n"
        )
        r = lint_text(text, APT)
        assert codes_at(r) == [("DJ104", 3)]
        assert suppressed_at(r) == [("DJ101", 3), ("DJ101", 4)]

    def test_bare_ignore_file(self) -> None:
        text = "# dockerlint-django: ignore-file\nFROM python:3.11 as b\nRUN apt-get install x\n"
        r = lint_text(text, ["DJ101", "DJ104", "DJ108", "DJ901"])
        assert codes_at(r) == []
        assert sorted(suppressed_at(r)) == [("DJ101", 3), ("DJ104", 3), ("DJ108", 2)]

    def test_ignore_file_anywhere_in_the_file(self) -> None:
        text = (
            "FROM python:3.11\nRUN apt-get install -y x\n# dockerlint-django: ignore-file=DJ101\n"
        )
        r = lint_text(text, APT)
        assert codes_at(r) == []
        assert suppressed_at(r) == [("DJ101", 2)]

    def test_parse_errors_are_never_suppressed(self) -> None:
        text = "# dockerlint-django: ignore-file\nFROM python:3.11\nFOO bar\n"
        r = lint_text(text, ["DJ101"])
        assert [f.code for f in r.findings] == ["DJ900"]


HADOLINT_PAIRS = sorted(
    (dl, rule.code) for rule in registry.all_rules() for dl in rule.meta.hadolint
)


class TestHadolint:
    def test_every_rule_mapping_is_used(self) -> None:
        assert HADOLINT_PAIRS, "no rule declares a hadolint code"
        mapping = _hadolint_map()
        for dl, code in HADOLINT_PAIRS:
            assert code in mapping[dl]

    @pytest.mark.parametrize(("dl", "code"), HADOLINT_PAIRS)
    def test_pragma_maps_to_dj_code(self, dl: str, code: str) -> None:
        text = f"FROM python:3.11\n# hadolint ignore={dl}\nRUN true\nRUN true\n"
        source = SourceFile.from_text("Dockerfile", text)
        parsed = parse(source)
        sup = collect(parsed.comments, parsed.instructions, _hadolint_map(), _buildkit_map(), None)
        assert len(sup.pragmas) == 1
        p = sup.pragmas[0]
        assert code in p.codes
        assert p.foreign and not p.file_wide
        first_run = parsed.instructions[1].span
        second_run = parsed.instructions[2].span
        assert sup.suppress(code, first_run)
        assert not sup.suppress(code, second_run)

    def test_next_instruction(self) -> None:
        text = "FROM python:3.11\n# hadolint ignore=DL3015\nRUN apt-get install -y curl\n"
        r = lint_text(text, APT)
        assert codes_at(r) == []
        assert suppressed_at(r) == [("DJ101", 3)]

    def test_several_codes_and_global(self) -> None:
        text = (
            "# hadolint global ignore=DL3015,DL3014\n"
            "FROM python:3.11\n"
            "RUN apt-get install a\n"
            "RUN apt-get install b\n"
        )
        r = lint_text(text, APT)
        assert codes_at(r) == []
        assert len(r.suppressed) == 4

    def test_unmapped_codes_suppress_nothing_and_are_not_reported(self) -> None:
        text = "FROM python:3.11\n# hadolint ignore=DL3008\nRUN apt-get install -y curl\n"
        r = lint_text(text, APT)
        assert codes_at(r) == [("DJ101", 3)]

    def test_unused_hadolint_pragma_is_not_dj901(self) -> None:
        text = (
            "FROM python:3.11\n"
            "# hadolint ignore=DL3015\n"
            "RUN apt-get install -y --no-install-recommends x\n"
        )
        r = lint_text(text, APT)
        assert codes_at(r) == []

    def test_our_codes_are_not_hadolint_codes(self) -> None:
        text = "FROM python:3.11\n# hadolint ignore=DJ101\nRUN apt-get install -y curl\n"
        r = lint_text(text, APT)
        assert codes_at(r) == [("DJ101", 3)]


class TestBuildKitCheckDirective:
    def test_skip_one_check(self) -> None:
        text = "# check=skip=FromAsCasing\nFROM python:3.11 as build\nFROM python:3.11 as b2\n"
        r = lint_text(text, ["DJ108", "DJ901"])
        assert codes_at(r) == []
        assert suppressed_at(r) == [("DJ108", 2), ("DJ108", 3)]

    def test_skip_all(self) -> None:
        text = "# check=skip=all\nFROM python:3.11 as build\nCMD gunicorn core.wsgi\n"
        r = lint_text(text, ["DJ001", "DJ108", "DJ901"])
        assert codes_at(r) == []
        assert sorted(suppressed_at(r)) == [("DJ001", 3), ("DJ108", 2)]

    def test_skip_with_other_options_and_syntax_line(self) -> None:
        text = (
            "# syntax=docker/dockerfile:1\n"
            "# check=error=true;skip=JSONArgsRecommended,FromAsCasing\n"
            "FROM python:3.11 as build\n"
            "CMD gunicorn core.wsgi\n"
        )
        r = lint_text(text, ["DJ001", "DJ108", "DJ901"])
        assert codes_at(r) == []

    def test_other_checks_do_not_skip_ours(self) -> None:
        text = "# check=skip=StageNameCasing\nFROM python:3.11 as build\n"
        r = lint_text(text, ["DJ108", "DJ901"])
        assert codes_at(r) == [("DJ108", 2)]

    def test_directive_after_an_instruction_is_just_a_comment(self) -> None:
        text = "FROM python:3.11 as build\n# check=skip=FromAsCasing\n"
        r = lint_text(text, ["DJ108", "DJ901"])
        assert codes_at(r) == [("DJ108", 1)]

    @pytest.mark.parametrize(
        "header",
        [
            "# my image\n# check=skip=FromAsCasing\n",
            "\n# check=skip=FromAsCasing\n",
            "# foo=bar\n# check=skip=FromAsCasing\n",
            "# syntax=docker/dockerfile:1\n\n# check=skip=FromAsCasing\n",
        ],
        ids=["after-a-comment", "after-a-blank-line", "after-an-unknown-directive", "after-a-gap"],
    )
    def test_directive_after_what_ends_the_directives_is_just_a_comment(self, header: str) -> None:
        r = lint_text(header + "FROM python:3.11 as build\n", ["DJ108", "DJ901"])
        assert codes_at(r) == [("DJ108", header.count("\n") + 1)]

    def test_after_syntax_and_escape(self) -> None:
        text = (
            "# syntax=docker/dockerfile:1\n"
            "# escape=`\n"
            "# check=skip=FromAsCasing\n"
            "FROM python:3.11 as build\n"
        )
        r = lint_text(text, ["DJ108", "DJ901"])
        assert codes_at(r) == []
        assert suppressed_at(r) == [("DJ108", 4)]

    def test_only_the_first_word_of_the_value_counts(self) -> None:
        # BuildKit's ParseDirective keeps the value up to its first space.
        text = (
            "# check=skip=JSONArgsRecommended, FromAsCasing\n"
            "FROM python:3.11 as build\n"
            "CMD gunicorn core.wsgi\n"
        )
        r = lint_text(text, ["DJ001", "DJ108", "DJ901"])
        assert codes_at(r) == [("DJ108", 2)]
        assert suppressed_at(r) == [("DJ001", 3)]

    @pytest.mark.parametrize(
        "value",
        ["Skip=FromAsCasing", "skip=ALL", "skip=fromascasing", "skip", "skip=all;error=maybe"],
    )
    def test_what_buildkit_does_not_read_as_a_skip(self, value: str) -> None:
        # Keys, `all` and check names are case-sensitive; an option BuildKit rejects fails the
        # build's check setup, and skips nothing.
        r = lint_text(f"# check={value}\nFROM python:3.11 as build\n", ["DJ108", "DJ901"])
        assert codes_at(r) == [("DJ108", 2)]

    def test_skip_with_error_and_experimental(self) -> None:
        text = "# check=error=true;skip=FromAsCasing;experimental=all\nFROM python:3.11 as b\n"
        r = lint_text(text, ["DJ108", "DJ901"])
        assert codes_at(r) == []


def _skipped(text: str) -> list[str]:
    """The codes the file's check directive skips, read with the file's text."""
    source = SourceFile.from_text("Dockerfile", text)
    parsed = parse(source)
    sup = collect(
        parsed.comments,
        parsed.instructions,
        _hadolint_map(),
        _buildkit_map(),
        parsed.directives.check,
        source_text=source.text,
    )
    return sorted({c for p in sup.pragmas if p.foreign for c in p.codes})


class TestBuildKitCheckReader:
    """What BuildKit's ``ParseDirective("check", …)`` reads beyond our parser port's directives."""

    def test_at_the_top(self) -> None:
        assert _skipped("# check=skip=FromAsCasing\nFROM python:3.11 as b\n") == ["DJ108"]

    def test_indented_directive_is_not_read(self) -> None:
        # The reader cuts `#` off the raw line: leading white space ends the directives.
        assert _skipped("  # check=skip=FromAsCasing\nFROM python:3.11 as b\n") == []

    def test_indented_directive_before_it_ends_the_directives(self) -> None:
        text = "  # syntax=docker/dockerfile:1\n# check=skip=FromAsCasing\nFROM python:3.11 as b\n"
        assert _skipped(text) == []

    def test_after_a_shebang(self) -> None:
        text = (
            "#!/usr/bin/env -S docker build -f\n# check=skip=FromAsCasing\nFROM python:3.11 as b\n"
        )
        assert _skipped(text) == ["DJ108"]

    def test_shebang_then_blank_line(self) -> None:
        text = "#!/bin/sh\n\n# check=skip=FromAsCasing\nFROM python:3.11 as b\n"
        assert _skipped(text) == []

    def test_byte_order_mark(self) -> None:
        assert _skipped("\ufeff# check=skip=FromAsCasing\nFROM python:3.11 as b\n") == ["DJ108"]

    def test_crlf(self) -> None:
        assert _skipped("# check=skip=FromAsCasing\r\nFROM python:3.11 as b\r\n") == ["DJ108"]

    def test_without_the_text_the_parser_reading_stands(self) -> None:
        source = SourceFile.from_text("Dockerfile", "  # check=skip=FromAsCasing\nFROM a as b\n")
        parsed = parse(source)
        sup = collect(
            parsed.comments, parsed.instructions, {}, _buildkit_map(), parsed.directives.check
        )
        assert [c for p in sup.pragmas for c in p.codes] == ["DJ108"]


class TestNoSuppress:
    TEXT = (
        "# dockerlint-django: ignore-file=DJ104\n"
        "FROM python:3.11\n"
        "# dockerlint-django: ignore=DJ101,DJ999\n"
        "RUN apt-get install curl\n"
    )

    def test_findings_come_back_and_no_dj901(self) -> None:
        r = lint_text(self.TEXT, APT, no_suppress=True)
        assert codes_at(r) == [("DJ101", 4), ("DJ104", 4)]
        assert r.suppressed == []

    def test_command_line_flag(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.chdir(tmp_path)
        Path("Dockerfile").write_text(self.TEXT, encoding="utf-8")
        args = ["check", "--select", ",".join(APT), "--format", "json", "Dockerfile"]
        with_pragmas = CliRunner().invoke(cli, args)
        without = CliRunner().invoke(cli, [*args, "--no-suppress"])
        assert with_pragmas.exit_code == 1
        assert [d["code"] for d in json.loads(with_pragmas.stdout)] == ["DJ901"]
        assert without.exit_code == 1
        assert [d["code"] for d in json.loads(without.stdout)] == ["DJ101", "DJ104"]


class TestUnused:
    def test_unused_code(self) -> None:
        text = (
            "FROM python:3.11\n"
            "# dockerlint-django: ignore=DJ101,DJ104\n"
            "RUN apt-get install -y curl\n"
        )
        r = lint_text(text, APT)
        assert [(f.code, f.start.line, f.message) for f in r.findings] == [
            ("DJ901", 2, "unused suppression: DJ104 reported nothing here")
        ]
        assert suppressed_at(r) == [("DJ101", 3)]
        f = r.findings[0]
        assert (f.start.column, f.end.line, f.end.column) == (1, 2, 40)

    def test_unknown_code(self) -> None:
        text = (
            "FROM python:3.11\n"
            "# dockerlint-django: ignore=DJ101,DJ999,E501\n"
            "RUN apt-get install -y x\n"
        )
        r = lint_text(text, APT)
        assert sorted(f.message for f in r.findings) == [
            "unused suppression: names unknown rule DJ999",
            "unused suppression: names unknown rule E501",
        ]

    def test_bare_pragma_that_suppresses_nothing(self) -> None:
        text = "FROM python:3.11\n# dockerlint-django: ignore\nRUN true\n"
        r = lint_text(text, APT)
        assert [(f.code, f.message) for f in r.findings] == [
            ("DJ901", "unused suppression: suppresses nothing")
        ]

    def test_unused_ignore_file(self) -> None:
        text = "# dockerlint-django: ignore-file=DJ101\nFROM python:3.11\nRUN true\n"
        r = lint_text(text, APT)
        assert codes_at(r) == [("DJ901", 1)]

    def test_pragma_with_no_instruction_after_it(self) -> None:
        text = "FROM python:3.11\nRUN apt-get install -y curl\n# dockerlint-django: ignore=DJ101\n"
        r = lint_text(text, APT)
        assert codes_at(r) == [("DJ101", 2), ("DJ901", 3)]

    def test_disabled_rules_are_not_reported(self) -> None:
        # Whether DJ030 is needed cannot be known while it is switched off.
        text = "FROM python:3.11\n# dockerlint-django: ignore=DJ030\nRUN true\n"
        assert codes_at(lint_text(text, APT)) == []

    def test_not_reported_when_dj901_is_off(self) -> None:
        text = "FROM python:3.11\n# dockerlint-django: ignore=DJ999\nRUN true\n"
        assert codes_at(lint_text(text, ["DJ101"])) == []

    def test_dj901_fix_drops_the_unused_code(self) -> None:
        text = (
            "FROM python:3.11\n"
            "# dockerlint-django: ignore=DJ101, DJ104\n"
            "RUN apt-get install -y curl\n"
        )
        r = lint_text(text, APT)
        fix = r.findings[0].fix
        assert fix is not None and fix.applicability is Applicability.SAFE
        new, converged = fix_text(text, APT)
        assert converged
        assert new == (
            "FROM python:3.11\n# dockerlint-django: ignore=DJ101\nRUN apt-get install -y curl\n"
        )
        assert lint_text(new, APT).findings == []

    def test_dj901_fix_drops_every_unused_code_at_once(self) -> None:
        text = (
            "FROM python:3.11\n"
            "# dockerlint-django: ignore=DJ105,DJ101,DJ999\n"
            "RUN apt-get install -y curl\n"
        )
        new, converged = fix_text(text, ["DJ101", "DJ105", "DJ901"])
        assert converged
        assert "# dockerlint-django: ignore=DJ101\n" in new

    @pytest.mark.parametrize("nl", ["\n", "\r\n"])
    def test_dj901_fix_removes_the_whole_line(self, nl: str) -> None:
        text = nl.join(
            [
                "FROM python:3.11",
                "# dockerlint-django: ignore=DJ101",
                "RUN apt-get install -y --no-install-recommends curl",
                "",
            ]
        )
        new, converged = fix_text(text, APT)
        assert converged
        assert new == nl.join(
            ["FROM python:3.11", "RUN apt-get install -y --no-install-recommends curl", ""]
        )

    def test_dj901_fix_of_last_line_without_newline(self) -> None:
        text = "FROM python:3.11\nRUN true\n# dockerlint-django: ignore=DJ101"
        new, _ = fix_text(text, APT)
        assert new == "FROM python:3.11\nRUN true\n"

    def test_foreign_pragmas_are_never_reported(self) -> None:
        text = "# check=skip=FromAsCasing\nFROM python:3.11\n# hadolint ignore=DL3015\nRUN true\n"
        assert codes_at(lint_text(text, [*APT, "DJ108"])) == []


class TestSuppressedAreKept:
    def test_suppressed_findings_keep_their_details(self) -> None:
        text = "FROM python:3.11\n# dockerlint-django: ignore=DJ104\nRUN apt-get install curl\n"
        plain = lint_text(text, ["DJ104"], no_suppress=True)
        r = lint_text(text, ["DJ104"])
        assert r.findings == []
        assert len(r.suppressed) == 1
        kept = r.suppressed[0]
        assert kept.suppressed is True
        original = plain.findings[0]
        assert (kept.code, kept.span, kept.message, kept.fix) == (
            original.code,
            original.span,
            original.message,
            original.fix,
        )
        assert original.suppressed is False

    def test_suppressed_sorted(self) -> None:
        text = (
            "# dockerlint-django: ignore-file=DJ101,DJ104\n"
            "FROM python:3.11\n"
            "RUN apt-get install b\n"
            "RUN apt-get install a\n"
        )
        r = lint_text(text, APT)
        assert suppressed_at(r) == [("DJ101", 3), ("DJ104", 3), ("DJ101", 4), ("DJ104", 4)]


class TestYamlPragmas:
    TEXT = (
        "services:\n"
        "  web:  # dockerlint-django: ignore=DJ038\n"
        "    user: root\n"
        "    environment:\n"
        "      # dockerlint-django: ignore=DJ046\n"
        "\n"
        "      SECRET_KEY: 'x # dockerlint-django: ignore=DJ044'\n"
        "      OTHER: 1\n"
        "  db:\n"
        "    image: postgres\n"
    )

    def covered(self, code: str) -> list[str]:
        from dockerlint_django.suppress import collect_yaml

        pragmas = [p for p in collect_yaml(self.TEXT).pragmas if code in p.codes]
        assert len(pragmas) == 1
        covers = pragmas[0].covers
        assert covers is not None
        return self.TEXT[covers.start : covers.end].splitlines()

    def test_trailing_pragma_covers_the_key_and_what_it_holds(self) -> None:
        lines = self.covered("DJ038")
        assert lines[0].startswith("  web:") and lines[-1] == "      OTHER: 1"

    def test_own_line_pragma_covers_the_next_key_across_blank_lines(self) -> None:
        assert self.covered("DJ046") == ["      SECRET_KEY: 'x # dockerlint-django: ignore=DJ044'"]

    def test_a_hash_inside_quotes_is_no_comment(self) -> None:
        from dockerlint_django.suppress import collect_yaml

        assert not [p for p in collect_yaml(self.TEXT).pragmas if "DJ044" in p.codes]

    def test_file_wide(self) -> None:
        from dockerlint_django.suppress import collect_yaml

        [p] = collect_yaml("# dockerlint-django: ignore-file\nservices: {}\n").pragmas
        assert p.file_wide and p.codes == ()

    def test_names_become_codes(self) -> None:
        from dockerlint_django import rules as registry
        from dockerlint_django.suppress import collect_yaml

        text = "services:\n  web:  # dockerlint-django: ignore=compose-command-shell-syntax\n"
        [p] = collect_yaml(text, registry.by_name()).pragmas
        assert p.codes == ("DJ005",)

    def test_block_scalar_text_is_no_pragma(self) -> None:
        from dockerlint_django.suppress import collect_yaml

        text = (
            "services:\n  web:\n    build:\n      dockerfile_inline: |\n        FROM python:3.12\n"
            '        # dockerlint-django: ignore=DJ030\n        CMD ["gunicorn"]\n'
            "    # dockerlint-django: ignore=DJ111\n    ports: ['80:80']\n"
        )
        assert [p.codes for p in collect_yaml(text).pragmas] == [("DJ111",)]

    def test_a_list_at_its_keys_indentation_is_nested(self) -> None:
        from dockerlint_django.suppress import collect_yaml

        text = (
            "services:\n  web:\n    # dockerlint-django: ignore=DJ111\n    ports:\n"
            "    - 2222:22\n    - 80:80\n    user: root\n"
        )
        [p] = collect_yaml(text).pragmas
        assert p.covers is not None
        assert text[p.covers.start : p.covers.end] == "    ports:\n    - 2222:22\n    - 80:80"

    @pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
    def test_line_breaks_are_yamls(self, newline: str) -> None:
        from dockerlint_django.suppress import collect_yaml

        lines = [
            "services:",
            "  web:",
            "    # dockerlint-django: ignore=DJ046",
            "    environment:",
            '      NOTE: "x\u2028y"',
            "      SECRET_KEY: abc",
            "    user: root",
        ]
        text = newline.join(lines) + newline
        [p] = collect_yaml(text).pragmas
        assert p.covers is not None
        covered = text[p.covers.start : p.covers.end]
        assert covered.endswith("SECRET_KEY: abc") and "user" not in covered
