"""Fix application: one pass in source order, repeated until stable, written atomically."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from dockerlint_django.fix import (
    Applicability,
    Edit,
    Fix,
    apply_fixes,
    fix_until_stable,
    write_atomic,
)
from dockerlint_django.source import Span


def rep(start: int, end: int, content: str, title: str = "t") -> Fix:
    return Fix(title, (Edit(start, end, content),))


class TestEditAndFix:
    def test_constructors(self) -> None:
        assert Edit.replace(Span(1, 3), "x") == Edit(1, 3, "x")
        assert Edit.insert(4, "y") == Edit(4, 4, "y")
        assert Edit.delete(Span(2, 5)) == Edit(2, 5, "")

    def test_edits_are_sorted_and_deduplicated(self) -> None:
        f = Fix("t", (Edit(5, 6, "b"), Edit(0, 1, "a"), Edit(5, 6, "b")))
        assert f.edits == (Edit(0, 1, "a"), Edit(5, 6, "b"))
        assert (f.start, f.end) == (0, 6)

    @pytest.mark.parametrize(
        "edits",
        [
            (Edit(0, 5, "a"), Edit(3, 6, "b")),
            (Edit(0, 5, "a"), Edit(0, 5, "b")),
            (Edit(2, 8, ""), Edit(4, 4, "x")),
            (Edit(0, 10, ""), Edit(2, 3, "")),
        ],
    )
    def test_overlapping_edits_are_rejected(self, edits: tuple[Edit, ...]) -> None:
        with pytest.raises(ValueError, match="overlapping"):
            Fix("bad", edits)

    def test_adjacent_edits_are_allowed(self) -> None:
        f = Fix("ok", (Edit(3, 5, "x"), Edit(0, 3, "y")))
        assert apply_fixes("abcdefg", [f]) == ("yxfg", 1)

    def test_empty_fix_has_zero_bounds_and_applies_nothing(self) -> None:
        f = Fix("empty", ())
        assert (f.start, f.end) == (0, 0)
        assert apply_fixes("abc", [f]) == ("abc", 0)

    def test_applicability_labels_and_order(self) -> None:
        assert [a.label for a in Applicability] == ["display-only", "unsafe", "safe"]
        assert Applicability.SAFE > Applicability.UNSAFE > Applicability.DISPLAY_ONLY
        assert Fix("t", ()).applicability is Applicability.SAFE


class TestApplyFixes:
    def test_applies_in_source_order_whatever_the_input_order(self) -> None:
        text = "0123456789"
        fixes = [rep(8, 9, "E"), rep(0, 1, "A"), rep(4, 6, "C")]
        assert apply_fixes(text, fixes) == ("A123C67E9", 3)

    def test_multi_edit_fix_is_all_or_nothing(self) -> None:
        text = "RUN apt-get install x"
        both = Fix("two", (Edit(4, 11, "apt"), Edit(21, 21, " -y")))
        assert apply_fixes(text, [both]) == ("RUN apt install x -y", 1)

    def test_overlapping_fix_waits_for_next_pass(self) -> None:
        text = "abcdef"
        first = rep(1, 4, "X", "first")
        second = rep(2, 5, "Y", "second")
        assert apply_fixes(text, [second, first]) == ("aXef", 1)

    def test_touching_fix_waits(self) -> None:
        # Two fixes meeting at an offset have no defined order between them, so one waits.
        text = "abcdef"
        assert apply_fixes(text, [rep(0, 3, "X"), rep(3, 4, "Y")]) == ("Xdef", 1)

    def test_two_insertions_at_one_offset_apply_one(self) -> None:
        x, y = rep(1, 1, "X", "x"), rep(1, 1, "Y", "y")
        # Which one goes first is arbitrary but must not depend on the order rules ran in.
        assert apply_fixes("ab", [x, y]) == apply_fixes("ab", [y, x]) == ("aXb", 1)

    def test_fix_nested_between_edits_of_another_waits(self) -> None:
        outer = Fix("outer", (Edit(0, 1, "["), Edit(8, 9, "]")))
        inner = rep(4, 5, "_", "inner")
        assert apply_fixes("(2345678)", [inner, outer]) == ("[2345678]", 1)

    def test_identical_fixes_are_applied_once(self) -> None:
        # Two findings (say two unused codes of one pragma) can offer the very same edit.
        a = rep(0, 4, "", "remove DJ001")
        b = rep(0, 4, "", "remove DJ002")
        assert apply_fixes("abcdefg", [a, b]) == ("efg", 1)

    def test_insertion_at_offset_zero(self) -> None:
        head = rep(0, 0, "# syntax=docker/dockerfile:1\n")
        assert apply_fixes("FROM x\n", [head]) == ("# syntax=docker/dockerfile:1\nFROM x\n", 1)

    def test_insertion_at_end(self) -> None:
        assert apply_fixes("FROM x\n", [rep(7, 7, "USER app\n")]) == ("FROM x\nUSER app\n", 1)

    def test_insertion_before_a_replacement_at_the_same_offset(self) -> None:
        new, n = apply_fixes("abc", [rep(0, 2, "Z"), rep(0, 0, ">")])
        assert (new, n) == (">abc", 1)

    def test_no_fixes(self) -> None:
        assert apply_fixes("same", []) == ("same", 0)

    def test_non_ascii_offsets_are_code_points(self) -> None:
        assert apply_fixes("é😀x", [rep(2, 3, "y")]) == ("é😀y", 1)


def _fixes_from_rules(
    rules: Sequence[tuple[str, str]], broken: str | None = None
) -> Callable[[str], Sequence[Fix] | None]:
    """Fixes that replace the first occurrence of each ``old`` with ``new``, like a rule would."""

    def fixes_for(text: str) -> Sequence[Fix] | None:
        if broken is not None and broken in text:
            return None
        out = []
        for old, new in rules:
            i = text.find(old)
            if i >= 0:
                out.append(rep(i, i + len(old), new, f"{old}->{new}"))
        return out

    return fixes_for


class TestFixUntilStable:
    def test_converges_over_several_passes(self) -> None:
        # Each "ab" becomes "b"; overlapping matches need a pass each.
        outcome = fix_until_stable("aaab", _fixes_from_rules([("ab", "b")]))
        assert outcome.text == "b"
        assert outcome.applied == 3
        assert outcome.converged is True
        assert outcome.passes == 3

    def test_nothing_to_fix(self) -> None:
        outcome = fix_until_stable("clean", _fixes_from_rules([("x", "y")]))
        assert (outcome.text, outcome.applied, outcome.converged, outcome.passes) == (
            "clean",
            0,
            True,
            0,
        )

    def test_oscillation_stops(self) -> None:
        outcome = fix_until_stable("A", _fixes_from_rules([("A", "B"), ("B", "A")]))
        assert outcome.converged is False
        assert (outcome.text, outcome.applied, outcome.passes) == ("B", 1, 2)

    def test_a_pass_that_breaks_parsing_is_discarded(self) -> None:
        outcome = fix_until_stable(
            "keep x", _fixes_from_rules([("keep", "good"), ("x", "BROKEN")], broken="BROKEN")
        )
        assert outcome.text == "keep x"
        assert outcome.applied == 0
        assert outcome.converged is False

    def test_earlier_good_passes_survive_a_breaking_one(self) -> None:
        outcome = fix_until_stable(
            "ab", _fixes_from_rules([("a", "c"), ("cb", "BROKEN")], broken="BROKEN")
        )
        assert outcome.text == "cb"
        assert outcome.applied == 1
        assert outcome.converged is False

    def test_unparsable_input_is_left_alone(self) -> None:
        outcome = fix_until_stable("BROKEN", _fixes_from_rules([("B", "b")], broken="BROKEN"))
        assert (outcome.text, outcome.applied, outcome.converged, outcome.passes) == (
            "BROKEN",
            0,
            True,
            0,
        )

    def test_max_passes_bounds_a_runaway_fix(self) -> None:
        def grow(text: str) -> Sequence[Fix]:
            return [rep(len(text), len(text), "x")]

        outcome = fix_until_stable("", grow, max_passes=4)
        assert outcome.text == "xxxx"
        assert outcome.applied == 4
        assert outcome.converged is False
        assert outcome.passes == 4


class TestWriteAtomic:
    def test_replaces_content_and_keeps_mode(self, tmp_path: Path) -> None:
        p = tmp_path / "Dockerfile"
        p.write_bytes(b"old\n")
        p.chmod(0o751)
        write_atomic(p, b"new\r\n")
        assert p.read_bytes() == b"new\r\n"
        assert stat.S_IMODE(p.stat().st_mode) == 0o751
        assert sorted(x.name for x in tmp_path.iterdir()) == ["Dockerfile"]

    @pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a file away")
    def test_owner_kept(self, tmp_path: Path) -> None:
        p = tmp_path / "Dockerfile"
        p.write_bytes(b"old\n")
        os.chown(p, 1234, 5678)
        write_atomic(p, b"new\n")
        assert (p.stat().st_uid, p.stat().st_gid) == (1234, 5678)

    def test_new_file_gets_the_umask_mode_not_the_temp_files(self, tmp_path: Path) -> None:
        old = os.umask(0o022)
        try:
            p = tmp_path / "report.json"
            write_atomic(p, b"[]\n")
        finally:
            os.umask(old)
        assert p.read_bytes() == b"[]\n"
        assert stat.S_IMODE(p.stat().st_mode) == 0o644

    def test_symlink_target_is_replaced_and_link_kept(self, tmp_path: Path) -> None:
        real = tmp_path / "real" / "Dockerfile"
        real.parent.mkdir()
        real.write_bytes(b"old\n")
        link = tmp_path / "Dockerfile"
        link.symlink_to(real)
        write_atomic(link, b"new\n")
        assert link.is_symlink()
        assert os.readlink(link) == str(real)
        assert real.read_bytes() == b"new\n"
        assert sorted(x.name for x in real.parent.iterdir()) == ["Dockerfile"]

    def test_temp_file_removed_when_replace_fails(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        p = tmp_path / "Dockerfile"
        p.write_bytes(b"old\n")

        def boom(src: str, dst: str) -> None:
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(os, "replace", boom)
        with pytest.raises(OSError):
            write_atomic(p, b"new\n")
        assert p.read_bytes() == b"old\n"
        assert sorted(x.name for x in tmp_path.iterdir()) == ["Dockerfile"]

    def test_temp_file_removed_when_writing_fails(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        p = tmp_path / "Dockerfile"
        p.write_bytes(b"old\n")

        def boom(fd: int) -> None:
            raise OSError(5, "I/O error")

        monkeypatch.setattr(os, "fsync", boom)
        with pytest.raises(OSError):
            write_atomic(p, b"new\n")
        assert p.read_bytes() == b"old\n"
        assert sorted(x.name for x in tmp_path.iterdir()) == ["Dockerfile"]
