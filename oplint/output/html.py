"""The HTML report: one self-contained page (inline CSS and JavaScript, no network requests).

``oplint check models/ --output-format html -o report.html`` renders:

* the model x target matrix (the ladder) at the top;
* per model, its op graph drawn with each op coloured by where it runs on each target
  (delegated, CPU fallback, runs, unsupported), the delegate partitions with their MAC shares,
  the quantization islands and the memory figures;
* every finding with its rule's explanation, linked to its op in the picture;
* filters by target and rule.

Large graphs stay responsive: the layout is computed here once (layers by longest path from
the inputs, at most :data:`ROW_WIDTH` ops per row), the page draws only the rows in view
(virtual scrolling) and summarizes the whole graph in a ribbon of one pixel column per few
ops, and long finding lists are shown in pages.  The page says so next to each graph.

The data is embedded as JSON (``<script type="application/json">``); the page's script
(``html_assets/report.js``) draws it.  The report needs the op graph (``lint_paths(...,
graph=True)``); without it the matrix and the findings are still shown.
"""

from __future__ import annotations

import html
import json
from importlib import resources
from typing import Any

from .. import __version__
from ..core.findings import ranges
from ..core.opgraph import (
    CPU,
    DELEGATED,
    REMOVED,
    RUNS,
    UNSUPPORTED,
    GraphInfo,
    OpGraph,
    PartitionInfo,
    gc_paused,
    statuses,
)
from ..core.report import ModelReport, Report

ROW_WIDTH = 8  #: most ops drawn side by side in one row of the picture; wider layers wrap
#: one character per op and target in the embedded data
STATUS_CHARS = {DELEGATED: "D", CPU: "C", RUNS: "R", REMOVED: "X", UNSUPPORTED: "U"}

_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'none'"
)


def render(report: Report) -> str:
    with gc_paused():
        return _render(report)


def _render(report: Report) -> str:
    data = {
        "version": 1,
        "tool": {"name": "oplint", "version": __version__},
        "targets": list(report.targets),
        "threshold": report.failure_threshold.label,
        "rules": {
            r.code: {"name": r.name, "severity": r.severity.label, "summary": r.summary, "doc": r.doc}
            for r in report.fired_rules()
        },
        "models": [_model(r) for r in report.results],
        "meta": [f.to_json() for f in report.meta],
        "notes": list(report.notes),
    }
    title = "oplint report" + (f": {report.results[0].path}" if len(report.results) == 1 else "")
    return _PAGE.format(
        title=html.escape(title),
        csp=_CSP,
        css=_asset("report.css"),
        js=_asset("report.js"),
        data=_script_json(data),
        version=html.escape(__version__),
    )


def _asset(name: str) -> str:
    return resources.files(__package__).joinpath("html_assets", name).read_text(encoding="utf-8")


def _script_json(data: Any) -> str:
    """JSON safe inside a <script> element: no '<', '>' or '&' outside escapes (and ASCII: names
    read from a model may hold bytes that are not UTF-8)."""
    text = json.dumps(data, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _model(result: ModelReport) -> dict[str, Any]:
    q = result.quantization
    out: dict[str, Any] = {
        "path": result.path,
        "format": result.format,
        "readable": result.readable,
        "ops": result.op_count,
        "graphs": result.graph_count,
        "suppressed": result.suppressed,
        "min_runtime": result.min_runtime_required or result.min_runtime_metadata,
        "quantization": q.to_json() if q is not None else None,
        "verdicts": {label: r.to_json() for label, r in result.targets.items()},
        "delegation": {
            label: {k: v for k, v in d.items() if k not in ("layout", "picture")}
            for label, d in result.delegation.items()
        },
        "findings": [
            {
                "code": f.code,
                "severity": f.severity.label,
                "target": f.target,
                "graph": f.location.graph,
                "op": f.location.op_index,
                "opname": f.location.op,
                "node": f.location.node,
                "layer": f.location.layer,
                "source": f"{f.location.source.file}:{f.location.source.line}" if f.location.source else None,
                "message": f.message,
                "hint": f.hint,
            }
            for f in result.findings
        ],
        "graph": _graph(result.graph, result) if result.graph is not None else None,
    }
    return out


def _graph(graph: OpGraph, result: ModelReport) -> dict[str, Any]:
    status = statuses(graph, result.findings)
    return {
        "vocabulary": graph.vocabulary,
        "graphs": [_subgraph(g) for g in graph.graphs],
        "targets": {
            label: {
                "delegate": p.delegate,
                "status": ["".join(STATUS_CHARS[s] for s in row) for row in status[label]],
                "partition": [list(row) for row in p.partition],
                "partitions": [
                    [part.graph, int(part.delegated), len(part.ops), part.macs, ranges(part.ops, None)]
                    for part in p.partitions
                ],
                "reasons": {f"{g}:{i}": text for (g, i), text in p.reasons.items()},
            }
            for label, p in graph.targets.items()
        },
        "islands": [[i.graph, i.numeric, len(i.ops), ranges(i.ops, None)] for i in graph.islands],
        "memory": graph.memory.to_json(),
    }


def _partition(p: PartitionInfo) -> list[Any]:
    """``[graph, delegated (0/1), op count, MACs, "0-12,15"]``."""
    return [p.graph, int(p.delegated), len(p.ops), p.macs, ranges(p.ops, None)]


def _subgraph(g: GraphInfo) -> dict[str, Any]:
    kinds: dict[str, int] = {}
    dtypes: dict[str, int] = {}
    rows, slots, n_rows = layout(g)
    return {
        "index": g.index,
        "name": g.name,
        "inputs": list(g.inputs),
        "outputs": list(g.outputs),
        "rows": n_rows,
        "ops": {
            "kind": [kinds.setdefault(op.op, len(kinds)) for op in g.ops],
            "name": [op.name for op in g.ops],
            "version": [op.version for op in g.ops],
            "ins": [list(op.inputs) for op in g.ops],
            "outs": [list(op.outputs) for op in g.ops],
            "macs": [op.macs for op in g.ops],
            "numeric": [op.numeric for op in g.ops],
            "dominates": [op.dominates for op in g.ops],
            "layer": [op.layer for op in g.ops] if any(op.layer for op in g.ops) else None,
            # TF ops: what the converter makes of each ("CONV_2D", "FlexCumprod"; "" when removed)
            "becomes": [", ".join(op.becomes) for op in g.ops] if any(op.fate for op in g.ops) else None,
            "row": rows,
            "slot": slots,
        },
        "kinds": list(kinds),
        "tensors": {
            "name": [t.name for t in g.tensors],
            "dtype": [dtypes.setdefault(t.dtype, len(dtypes)) for t in g.tensors],
            "shape": [list(t.shape) if t.shape is not None else None for t in g.tensors],
            "const": [int(t.const) for t in g.tensors],
            "bytes": [t.bytes for t in g.tensors],
        },
        "dtypes": list(dtypes),
    }


def layout(g: GraphInfo) -> tuple[list[int], list[int], int]:
    """Each op's row and slot in the picture: layers by longest path from the graph's inputs
    (an op below everything it reads), ops of a layer ordered by where their producers sit, at
    most :data:`ROW_WIDTH` per row.  Linear in ops and edges; ops on a cycle (a malformed file)
    go last, in execution order."""
    n = len(g.ops)
    preds: list[list[int]] = [[] for _ in range(n)]
    succs: list[list[int]] = [[] for _ in range(n)]
    for src, dst, _ in g.edges():
        if src != dst and 0 <= src < n and 0 <= dst < n:
            preds[dst].append(src)
            succs[src].append(dst)
    pending = [len(set(p)) for p in preds]
    for i in range(n):
        preds[i] = sorted(set(preds[i]))
    depth = [0] * n
    ready = [i for i in range(n) if pending[i] == 0]
    done = [False] * n
    order: list[int] = []
    while ready:
        nxt: list[int] = []
        for i in ready:
            done[i] = True
            order.append(i)
            for j in set(succs[i]):
                depth[j] = max(depth[j], depth[i] + 1)
                pending[j] -= 1
                if pending[j] == 0:
                    nxt.append(j)
        ready = nxt
    last = max((depth[i] for i in order), default=-1)
    for i in range(n):
        if not done[i]:
            last += 1
            depth[i] = last
    layers: dict[int, list[int]] = {}
    for i in range(n):
        layers.setdefault(depth[i], []).append(i)
    rows = [0] * n
    slots = [0] * n
    place = [0.0] * n  # horizontal position, for ordering the next layers
    row = 0
    for d in sorted(layers):
        members = layers[d]
        members.sort(key=lambda i: (sum(place[p] for p in preds[i]) / len(preds[i]) if preds[i] else 0.0, i))
        width = min(len(members), ROW_WIDTH)
        for k, i in enumerate(members):
            rows[i] = row + k // ROW_WIDTH
            slots[i] = k % ROW_WIDTH
            place[i] = (k % ROW_WIDTH) - (width - 1) / 2
        row += (len(members) + ROW_WIDTH - 1) // ROW_WIDTH
    return rows, slots, row


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="oplint {version}">
<link rel="icon" href="data:,">
<title>{title}</title>
<style>
{css}
</style>
</head>
<body>
<header><h1>{title}</h1><div id="controls"></div></header>
<main id="app"><p class="loading">Loading the report&hellip; (it needs JavaScript)</p></main>
<script type="application/json" id="oplint-data">{data}</script>
<script>
{js}
</script>
</body>
</html>
"""
