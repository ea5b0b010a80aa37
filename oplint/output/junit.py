"""JUnit XML: one test suite per model, one test case per target.

A case fails when the target has a finding at or above the failure threshold (the same rule
as the exit status); the findings are listed in the failure, lower ones in ``system-out``.
An unreadable model fails every target.
"""

from __future__ import annotations

from xml.sax.saxutils import escape as _escape
from xml.sax.saxutils import quoteattr as _quoteattr

from ..core.findings import Finding
from ..core.report import Report
from .escape import xml


def escape(text: str) -> str:
    return _escape(xml(text))


def quoteattr(text: str) -> str:
    return _quoteattr(xml(text))


def _describe(findings: list[Finding]) -> str:
    return "\n".join(f"{f.location}: {f.code} {f.severity.label}: {f.message}" for f in findings)


def render(report: Report) -> str:
    out = ['<?xml version="1.0" encoding="UTF-8"?>']
    total = sum(len(r.targets) for r in report.results)
    failed_total = 0
    suites = []
    for result in report.results:
        cases = []
        failures = 0
        for label in result.targets:
            mine = [f for f in result.findings if f.target in (None, label)]
            failing = [f for f in mine if f.severity >= report.failure_threshold]
            lower = [f for f in mine if f.severity < report.failure_threshold]
            case = f"    <testcase classname={quoteattr(result.path)} name={quoteattr(label)}"
            if not failing and not lower:
                cases.append(case + "/>")
                continue
            body = [case + ">"]
            if failing:
                failures += 1
                first = failing[0]
                body.append(
                    f"      <failure message={quoteattr(f'{first.code} {first.message}')} "
                    f"type={quoteattr(first.code)}>{escape(_describe(failing))}</failure>"
                )
            if lower:
                body.append(f"      <system-out>{escape(_describe(lower))}</system-out>")
            body.append("    </testcase>")
            cases.append("\n".join(body))
        failed_total += failures
        suites.append(
            f'  <testsuite name={quoteattr(result.path)} tests="{len(result.targets)}" '
            f'failures="{failures}" errors="0">\n' + "\n".join(cases) + "\n  </testsuite>"
        )
    out.append(f'<testsuites name="oplint" tests="{total}" failures="{failed_total}" errors="0">')
    out.extend(suites)
    out.append("</testsuites>")
    return "\n".join(out) + "\n"
