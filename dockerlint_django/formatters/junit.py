"""JUnit XML: one ``testsuite`` per file and one ``testcase`` per rule that ran on it.

A rule with findings in a file is a failing test case (``failure`` with the severity as ``type``,
the first message, and every location in the body); a rule that ran and found nothing passes, so
a clean run still shows what was checked. A file that could not be read has one test case with an
``error``; in a file BuildKit rejects, the rules did not run and are ``skipped``. No times or
timestamps: the report is deterministic.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from dockerlint_django import rules as registry
from dockerlint_django._record import LazyPattern
from dockerlint_django.formatters import report_path

if TYPE_CHECKING:
    from dockerlint_django.formatters import FormatOptions
    from dockerlint_django.results import FileResult, Finding

# XML 1.0 cannot carry these even as character references; ElementTree would write them raw and
# the report would not parse. A Dockerfile line quoted in a message may hold any of them.
_NOT_XML = LazyPattern("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(s: str) -> str:
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group(0)):02x}", s)


def _name(code: str) -> str:
    try:
        return f"{code} {registry.get(code).name}"
    except KeyError:
        return code


def _counts(element: ET.Element, tests: int, failures: int, errors: int, skipped: int) -> None:
    element.set("tests", str(tests))
    element.set("failures", str(failures))
    element.set("errors", str(errors))
    element.set("skipped", str(skipped))


def _suite(path: str, r: FileResult, enabled: frozenset[str]) -> tuple[ET.Element, list[int]]:
    suite = ET.Element("testsuite", name=_text(path))
    tally = [0, 0, 0, 0]  # tests, failures, errors, skipped

    def case(name: str) -> ET.Element:
        tally[0] += 1
        return ET.SubElement(
            suite, "testcase", name=_text(name), classname=_text(path), file=_text(path)
        )

    if r.error is not None:
        tally[2] += 1
        ET.SubElement(case("read"), "error", message=_text(r.error), type="unreadable")
    by_code: dict[str, list[Finding]] = {}
    for f in r.findings:
        by_code.setdefault(f.code, []).append(f)
    # An unreadable file ran no rules; one that did not parse ran none but reports DJ900. DJ902
    # reports a crashed rule: it is not a check that a file can pass.
    codes = by_code.keys() if r.error is not None else (enabled - {"DJ902"}) | by_code.keys()
    for code in sorted(codes):
        tc = case(_name(code))
        found = by_code.get(code)
        if found:
            tally[1] += 1
            first = found[0]
            more = len(found) - 1
            message = f"{first.message} (and {more} more)" if more else first.message
            failure = ET.SubElement(
                tc, "failure", message=_text(message), type=max(f.severity for f in found).label
            )
            failure.text = _text(
                "".join(
                    f"{path}:{f.start.line}:{f.start.column}: {f.code} [{f.severity.label}] "
                    f"{f.message}\n"
                    for f in found
                )
            )
        elif r.parse_failed:
            tally[3] += 1
            ET.SubElement(tc, "skipped", message="the file could not be parsed")
    _counts(suite, *tally)
    return suite, tally


def write(results: Sequence[FileResult], out: TextIO, opts: FormatOptions) -> None:
    root = ET.Element("testsuites", name="dockerlint-django")
    totals = [0, 0, 0, 0]
    for path, r in sorted(((report_path(r, opts.root), r) for r in results), key=lambda p: p[0]):
        suite, tally = _suite(path, r, opts.enabled)
        root.append(suite)
        totals = [a + b for a, b in zip(totals, tally, strict=True)]
    _counts(root, *totals)
    ET.indent(root)
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(ET.tostring(root, encoding="unicode"))
    out.write("\n")
