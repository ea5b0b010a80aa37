"""GitHub Actions workflow commands: one annotation per finding.

Models are binary, so annotations are file-level (no ``line``), except when SavedModel debug
info points at the Python line that created the op.  Escaping follows the runner's rules:
``%``, CR and LF in the message; additionally ``:`` and ``,`` in properties.
"""

from __future__ import annotations

from ..core.findings import Finding, Severity
from ..core.report import Report
from .escape import terminal

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _data(text: str) -> str:
    # the runner's escapes first (it decodes them), then every other control character shown
    return terminal(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def line(f: Finding) -> str:
    loc = f.location
    target = f" [{f.target}]" if f.target else ""
    props = [f"title={_prop(f'oplint {f.code} {f.name}{target}')}"]
    if loc.source is not None:
        props.insert(0, f"file={_prop(loc.source.file)},line={max(1, loc.source.line)}")
    else:
        props.insert(0, f"file={_prop(loc.path)}")
    where = f"{loc}: " if loc.op_index is not None else ""
    message = f"{where}{f.message}" + (f" (help: {f.hint})" if f.hint else "")
    return f"::{COMMANDS[f.severity]} {','.join(props)}::{_data(message)}"


def render(report: Report) -> str:
    lines = [line(f) for f in sorted(report.findings, key=lambda f: f.sort_key)]
    return "\n".join(lines) + ("\n" if lines else "")
