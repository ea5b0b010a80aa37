"""Findings as LSP diagnostics (pure functions of core types)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from lsprotocol import types

from ..api import Finding, ModelReport, Severity

SEVERITIES = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
}
#: binary models have no lines: their diagnostics sit at the start of the file
ZERO = types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=0))
#: the code of a model on which oplint itself failed (the rule the CLI reports it with)
INTERNAL_ERROR = "OPL013"


def uri_of(path: str) -> str:
    return Path(os.path.abspath(path)).as_uri()


def to_diagnostic(f: Finding, model_uri: str, on_source: bool = False) -> types.Diagnostic:
    loc = f.location
    where = []
    if loc.pointer is not None:  # a Keras layer: where its configuration is in the file
        config = "config.json" if loc.path.endswith(".keras") else "model_config"
        where.append(f"layer {loc.layer or loc.node}, {config} {loc.pointer}")
    else:
        if loc.op_index is not None:
            where.append(f"subgraph {loc.graph} op {loc.op_index}" + (f" '{loc.node}'" if loc.node else ""))
        if loc.layer:
            where.append(f"layer {loc.layer}")
    target = f" [{f.target}]" if f.target else ""
    message = f"{f.message}{target}" + (f" ({', '.join(where)})" if where else "")
    if f.hint:
        message += f"\nhelp: {f.hint}"
    rng = ZERO
    if on_source and loc.source is not None:
        line = max(0, loc.source.line - 1)
        rng = types.Range(start=types.Position(line=line, character=0), end=types.Position(line=line + 1, character=0))
    data: dict[str, Any] = {
        "code": f.code,
        "target": f.target,
        "path": loc.path,
        "graph": loc.graph,
        "op_index": loc.op_index,
        "node": loc.node,
        "fingerprint": f.fingerprint,
    }
    if loc.pointer is not None:
        data["pointer"] = loc.pointer
    related = None
    if on_source:
        related = [
            types.DiagnosticRelatedInformation(
                location=types.Location(uri=model_uri, range=ZERO), message="in this model"
            )
        ]
    return types.Diagnostic(
        range=rng,
        message=message,
        severity=SEVERITIES[f.severity],
        code=f.code,
        source="oplint",
        data=data,
        related_information=related,
    )


def model_diagnostics(
    report: ModelReport, model_uri: str, root: Path | None
) -> tuple[list[types.Diagnostic], dict[str, list[types.Diagnostic]]]:
    """The diagnostics of a model's file, and those on Python source lines (by source URI)."""
    own = [to_diagnostic(f, model_uri) for f in report.findings]
    sources: dict[str, list[types.Diagnostic]] = {}
    for f in report.findings:
        if f.location.source is None:
            continue
        src = f.location.source.file
        if not os.path.isabs(src):
            src = str((root or Path.cwd()) / src)
        sources.setdefault(uri_of(src), []).append(to_diagnostic(f, model_uri, on_source=True))
    return own, sources


def internal_error(path: str, exc: BaseException) -> types.Diagnostic:
    """A model on which linting raised past ``lint_file`` (which reports its own failures as
    OPL013 findings): the same finding, and the other models carry on."""
    text = " ".join(str(exc).split())[:300]
    return types.Diagnostic(
        range=ZERO,
        message=f"oplint failed while checking this model: {type(exc).__name__}: {text} "
        "(please report it with the model)\n"
        "help: this is a bug in oplint: please report it with the model if you can",
        severity=types.DiagnosticSeverity.Error,
        code=INTERNAL_ERROR,
        source="oplint",
        data={"code": INTERNAL_ERROR, "path": path, "target": None, "node": None},
    )


def config_error(message: str) -> types.Diagnostic:
    return types.Diagnostic(
        range=ZERO, message=message, severity=types.DiagnosticSeverity.Error, source="oplint", code="config"
    )
