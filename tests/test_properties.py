"""Properties of the whole linter on generated Dockerfiles, beyond what other tests generate.

The parser's agreement with BuildKit and its spans are generated in test_parser_oracle.py, the
Compose reader's agreement with Docker Compose in test_compose_oracle.py; the shell and Gunicorn
parsers have their own generated tests. Here every rule meets generated Django images: every
finding (its span, line and column, its fix's edits, its related places) lies inside its file,
no rule crashes (DJ902), and the fixer's output parses and is a fixed point. The checks are the
fuzz targets' own (``fuzz.targets``), so a fuzzer's find and a generated example fail alike.

Examples are drawn from the lines of the rule fixtures (``fixtures/rules/*.yaml``), recombined and
broken (a quote, an escape, a line end cut in), so that rules fire on text they were not written
for.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from dockerlint_django.engine import lint_source
from dockerlint_django.source import SourceFile
from fuzz.targets import OPTIONS, check_fix, check_results

ROOT = Path(__file__).resolve().parents[1]


def _rule_texts() -> list[str]:
    out = []
    for path in sorted((ROOT / "fixtures" / "rules").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in data["cases"].values():
            text = case.get("pass", case.get("fail"))
            if isinstance(text, str) and "files" not in case:
                out.append(text)
    return out


TEXTS = _rule_texts()
LINES = sorted({line for text in TEXTS for line in text.splitlines() if line.strip()})
FROMS = sorted(line for line in LINES if line.upper().startswith("FROM "))
# What breaks a line in the middle: quotes and escapes left open, a substitution, a line end.
BREAKS = ['"', "'", "\\", "`", "$(", "${", "&&", ";", "\n", "\r", "\t", "<<EOF", "#", "é", " "]


@st.composite
def dockerfiles(draw: st.DrawFn) -> str:
    if draw(st.booleans()):
        lines = draw(st.sampled_from(TEXTS)).splitlines()
    else:
        lines = [draw(st.sampled_from(FROMS))]
        lines += draw(st.lists(st.sampled_from(LINES), max_size=10))
    for _ in range(draw(st.integers(0, 3))):
        if not lines:
            break
        k = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["break", "drop", "repeat"]))
        if action == "break":
            at = draw(st.integers(0, len(lines[k])))
            lines[k] = lines[k][:at] + draw(st.sampled_from(BREAKS)) + lines[k][at:]
        elif action == "drop":
            del lines[k]
        else:
            lines.insert(k, lines[k])
    newline = draw(st.sampled_from(["\n", "\n", "\r\n"]))
    return newline.join(lines) + draw(st.sampled_from([newline, ""]))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dockerfiles())
@example('FROM python:3.12\nCMD ["gunicorn", "-b", "0.0.0.0:8000", "app.wsgi"]\n')
def test_every_finding_lies_inside_its_file(text: str) -> None:
    check_results([lint_source(SourceFile.from_text("Dockerfile", text), OPTIONS)])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dockerfiles(), st.booleans())
@example("FROM python:3.12\r\nRUN useradd app\r\nUSER app\r\nCMD gunicorn app.wsgi\r\n", True)
def test_fix_output_parses_and_is_a_fixed_point(text: str, unsafe: bool) -> None:
    check_fix(text.encode("utf-8"), unsafe)
