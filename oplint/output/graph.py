"""``oplint graph``: one checked model's annotated op graph as a file for graph viewers.

* ``graphml`` (yEd, Cytoscape, Gephi) and ``gexf`` (Gephi) are written by networkx from
  :func:`oplint.core.opgraph.to_networkx`, with every attribute flattened to a scalar: per target
  ``<target>.status``, ``<target>.partition`` (-1: none), ``<target>.reason``,
  ``<target>.findings`` (``OPL101 message | ...``); GEXF nodes also carry a colour (``viz``),
  the status on the first target.
* ``dot`` (Graphviz) is written here, without pygraphviz: one cluster per subgraph, ops filled
  with their status colour on the first target, tooltips with every target's status.
* ``json`` is networkx's node-link shape (``directed``, ``multigraph``, ``graph``, ``nodes``,
  ``edges``) with the attributes unflattened, as the Python API returns them.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ..core.opgraph import to_networkx

if TYPE_CHECKING:  # pragma: no cover
    import networkx

    from ..core.report import ModelReport

FORMATS = ("graphml", "gexf", "dot", "json")
#: fill colour of each status (the HTML report's legend)
COLOURS = {
    "delegated": "#2f9e5a",
    "cpu": "#f0a23a",
    "runs": "#7ea6d8",
    "removed": "#d9d9d9",
    "unsupported": "#d94848",
}


def render(result: ModelReport, fmt: str) -> str:
    graph = to_networkx(result)
    if fmt == "json":
        return _json(graph)
    if fmt == "dot":
        return _dot(graph)
    import networkx as nx

    flat = _flat(graph, gexf=fmt == "gexf")
    lines = nx.generate_gexf(flat) if fmt == "gexf" else nx.generate_graphml(flat)
    return "\n".join(lines) + "\n"


def _json(graph: networkx.MultiDiGraph[str]) -> str:
    doc = {
        "directed": True,
        "multigraph": True,
        "graph": dict(graph.graph),
        "nodes": [{"id": n, **attrs} for n, attrs in graph.nodes(data=True)],
        "edges": [
            {"source": u, "target": v, "key": k, **attrs} for u, v, k, attrs in graph.edges(keys=True, data=True)
        ],
    }
    return json.dumps(doc, indent=1) + "\n"


def _tensors(items: list[dict[str, Any]]) -> str:
    return "; ".join(f"{t['dtype']}{_shape(t['shape'])} {t['name']}" for t in items)


def _shape(shape: list[int] | None) -> str:
    return "[?]" if shape is None else "[" + "x".join(str(d) for d in shape) + "]"


def _flat(graph: networkx.MultiDiGraph[str], gexf: bool) -> networkx.MultiDiGraph[str]:
    """A copy with scalar attributes only (GraphML and GEXF have no lists or maps)."""
    import networkx as nx

    flat: networkx.MultiDiGraph[str] = nx.MultiDiGraph()
    flat.graph.update(
        path=graph.graph["path"],
        targets=",".join(graph.graph["targets"]),
        verdicts="; ".join(
            f"{t}: {'ok' if v['ok'] else 'fails'} ({v['errors']} errors, {v['warnings']} warnings)"
            for t, v in graph.graph["verdicts"].items()
        ),
    )
    first = graph.graph["targets"][0] if graph.graph["targets"] else None
    for node, attrs in graph.nodes(data=True):
        out: dict[str, Any] = {
            "label": f"{attrs['index']} {attrs['op']}",
            "op": attrs["op"],
            "name": attrs["name"],
            "graph": attrs["graph"],
            "graph_name": attrs["graph_name"],
            "index": attrs["index"],
            "version": attrs["version"],
            "macs": attrs["macs"],
            "numeric": attrs["numeric"],
            "dominates": attrs["dominates"],
            "inputs": _tensors(attrs["inputs"]),
            "outputs": _tensors(attrs["outputs"]),
        }
        if attrs["layer"]:
            out["layer"] = attrs["layer"]
        for target, t in attrs["targets"].items():
            out[f"{target}.status"] = t["status"]
            out[f"{target}.partition"] = t["partition"] if t["partition"] is not None else -1
            out[f"{target}.reason"] = t["reason"] or ""
            out[f"{target}.findings"] = " | ".join(f"{f['code']} {f['message']}" for f in t["findings"])
        if gexf and first is not None:
            colour = COLOURS[attrs["targets"][first]["status"]]
            r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
            out["viz"] = {"color": {"r": r, "g": g, "b": b, "a": 1.0}}
        flat.add_node(node, **out)
    for u, v, k, attrs in graph.edges(keys=True, data=True):
        flat.add_edge(
            u,
            v,
            key=k,
            tensor=attrs["tensor"],
            name=attrs["name"] or "",
            dtype=attrs["dtype"] or "",
            shape=_shape(attrs["shape"]),
        )
    return flat


def _quote(text: object) -> str:
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _dot(graph: networkx.MultiDiGraph[str]) -> str:
    first = graph.graph["targets"][0] if graph.graph["targets"] else None
    lines = [
        f"// oplint graph {graph.graph['path']}: ops coloured by where they run on {first or 'no target'}",
        "digraph oplint {",
        "  rankdir=TB;",
        '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10, fillcolor="#ffffff"];',
        '  edge [fontname="Helvetica", fontsize=8, color="#8a94a3"];',
        f"  label={_quote(graph.graph['path'])}; labelloc=t;",
    ]
    by_graph: dict[int, list[tuple[str, dict[str, Any]]]] = {}
    for node, attrs in graph.nodes(data=True):
        by_graph.setdefault(attrs["graph"], []).append((node, attrs))
    for index, nodes in sorted(by_graph.items()):
        lines.append(f"  subgraph cluster_sg{index} {{")
        lines.append(f"    label={_quote(f'sg{index} ' + nodes[0][1]['graph_name'])};")
        for node, attrs in nodes:
            targets = attrs["targets"]
            tooltip = "\n".join(
                [attrs["name"]]
                + [f"{t}: {v['status']}" + (f" ({v['reason']})" if v["reason"] else "") for t, v in targets.items()]
            )
            colour = COLOURS[targets[first]["status"]] if first is not None else "#ffffff"
            label = f"{attrs['index']} {attrs['op']}"
            lines.append(
                f"    {_quote(node)} [label={_quote(label)}, fillcolor={_quote(colour)}, tooltip={_quote(tooltip)}];"
            )
        lines.append("  }")
    for u, v, attrs in graph.edges(data=True):
        label = f"{attrs['dtype'] or ''}{_shape(attrs['shape'])}"
        lines.append(f"  {_quote(u)} -> {_quote(v)} [label={_quote(label)}, tooltip={_quote(attrs['name'] or '')}];")
    lines.append("}")
    return "\n".join(lines) + "\n"
