"""Rule documentation lives in each rule module's docstring; this reads and renders it.

Sections, in order: What it does, Why is this bad?, Example, Use instead, Fix safety, Options,
References. Example and Use instead hold fenced blocks (```dockerfile), which the tests run.
"""

from __future__ import annotations

import re

from dockerlint_django._record import LazyPattern, record

REQUIRED = ("What it does", "Why is this bad?", "Example", "Use instead", "Fix safety")
ORDER = (*REQUIRED, "Options", "References")

_HEADING = LazyPattern(r"^## (.+?)\s*$", re.MULTILINE)
_FENCE = LazyPattern(r"^```(\w+)([^\n]*)\n(.*?)^```\s*$", re.MULTILINE | re.DOTALL)


class DocError(ValueError):
    pass


@record
class CodeBlock:
    language: str  # "dockerfile", "yaml", …
    info: str  # the rest of the info string, e.g. "filename=Dockerfile_django"
    text: str

    @property
    def filename(self) -> str | None:
        m = re.search(r"filename=(\S+)", self.info)
        return m.group(1) if m else None


@record
class RuleDoc:
    sections: dict[str, str]

    @property
    def summary(self) -> str:
        first = self.sections.get("What it does", "").strip().split("\n\n")[0]
        return " ".join(first.split())

    def blocks(self, section: str) -> list[CodeBlock]:
        return [
            CodeBlock(m.group(1), m.group(2).strip(), m.group(3))
            for m in _FENCE.finditer(self.sections.get(section, ""))
        ]


def parse_doc(doc: str) -> RuleDoc:
    text = _dedent(doc)
    matches = list(_HEADING.finditer(text))
    sections: dict[str, str] = {}
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        sections[m.group(1)] = text[m.end() : end].strip("\n")
    return RuleDoc(sections)


def check_doc(code: str, doc: RuleDoc) -> list[str]:
    """Problems with a rule's docstring, as sentences; empty when it is well formed."""
    problems = []
    names = list(doc.sections)
    for req in REQUIRED:
        if req not in doc.sections:
            problems.append(f"{code}: missing section '## {req}'")
    unknown = [n for n in names if n not in ORDER]
    if unknown:
        problems.append(f"{code}: unknown sections {unknown}")
    known = [n for n in names if n in ORDER]
    if known != sorted(known, key=ORDER.index):
        problems.append(f"{code}: sections out of order {known}")
    for section in ("Example", "Use instead"):
        if section in doc.sections and not doc.blocks(section):
            problems.append(f"{code}: '## {section}' has no fenced code block")
    return problems


def _dedent(doc: str) -> str:
    lines = doc.expandtabs().splitlines()
    indents = [len(ln) - len(ln.lstrip()) for ln in lines[1:] if ln.strip()]
    margin = min(indents) if indents else 0
    out = [lines[0].strip()] if lines else []
    out += [ln[margin:].rstrip() for ln in lines[1:]]
    return "\n".join(out).strip() + "\n"


def render_markdown(code: str, name: str, severity: str, fix: str, profile: str, doc: str) -> str:
    """The page under ``rules/`` for one rule. Deterministic: tests compare it byte for byte."""
    body = _dedent(doc).rstrip() + "\n"
    header = (
        f"# {code} `{name}`\n\n"
        f"| Severity | Fix | Profile |\n| --- | --- | --- |\n| {severity} | {fix} | {profile} |\n\n"
    )
    return header + body
