"""The versioned JSON document (the stable contract for other tools; see README "JSON output").

Version 1 keeps these fields; later versions only add fields:
``{"version": 1, "results": [{"path", "targets": {id: {"ok", "errors", "warnings"}},
"findings": [{"code", "name", "severity", "target", "message", "hint",
"location": {"path", "graph", "op_index", "op", "node"}}]}]}``.
A finding whose ``target`` is null (e.g. an unreadable model) applies to every target.
``graph`` (versioned by its own ``version``; see :mod:`oplint.core.opgraph`) is present only
when the run built the op graph (``--with-graph``).
"""

from __future__ import annotations

import json
from typing import Any

from .. import __version__
from ..core.report import ModelReport, Report

SCHEMA_VERSION = 1


def result_json(result: ModelReport) -> dict[str, Any]:
    return {
        "path": result.path,
        "format": result.format,
        "readable": result.readable,
        "ops": result.op_count,
        "graphs": result.graph_count,
        "min_runtime": {"required": result.min_runtime_required, "metadata": result.min_runtime_metadata},
        "quantization": result.quantization.to_json() if result.quantization else None,
        "targets": {label: _target(result, label, r.to_json()) for label, r in result.targets.items()},
        "findings": [f.to_json() for f in result.findings],
        "suppressed": result.suppressed,
        **({"graph": _graph(result)} if result.graph is not None else {}),
    }


def _graph(result: ModelReport) -> dict[str, Any] | None:
    from ..core.opgraph import graph_json  # only when the run built op graphs (--with-graph)

    return graph_json(result)


def _target(result: ModelReport, label: str, doc: dict[str, Any]) -> dict[str, Any]:
    delegation = result.delegation.get(label)
    if delegation is not None:
        doc["delegation"] = dict(delegation)
    memory = result.memory.get(label)
    if memory is not None:
        doc["memory"] = {k: dict(v) for k, v in memory.items()}
    return doc


def render(report: Report) -> str:
    doc = {
        "version": SCHEMA_VERSION,
        "tool": {"name": "oplint", "version": __version__},
        "targets": list(report.targets),
        "failure_threshold": report.failure_threshold.label,
        "results": [result_json(r) for r in report.results],
        "meta": [f.to_json() for f in report.meta],
    }
    return json.dumps(doc, indent=2, sort_keys=False) + "\n"
