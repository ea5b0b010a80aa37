"""``oplint graph``: one checked model's annotated op graph as a file for graph viewers.

Every format is written from :func:`oplint.core.opgraph.to_networkx` (the graph the Python API
returns), so they carry the same facts:

* ``graphml`` (yEd, Cytoscape, Gephi) and ``gexf`` (Gephi, GEXF 1.2 as networkx writes it), with
  every attribute flattened to a scalar: per target ``<target>.status``, ``<target>.partition``
  (-1: none), ``<target>.reason``, ``<target>.findings`` (``OPL101 message | ...``); GEXF nodes
  also carry a colour (``viz:color``), their status on the first target.  Both are written here
  as text, one element per line: networkx's writers build an XML tree and take 14 s and 700 MB on
  the 18,200-op model (the readers in networkx read these files back; the tests do).
* ``dot`` (Graphviz), without pygraphviz: one cluster per subgraph, ops filled with their status
  colour on the first target, tooltips with every target's status.
* ``json``: networkx's node-link shape (``directed``, ``multigraph``, ``graph``, ``nodes``,
  ``edges``), attributes as the Python API has them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..core.opgraph import gc_paused, to_networkx

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
#: scalar node attributes and their GraphML / GEXF types, before the per-target ones
NODE_FIELDS = (
    ("label", "string"),
    ("op", "string"),
    ("name", "string"),
    ("graph", "long"),
    ("graph_name", "string"),
    ("index", "long"),
    ("version", "long"),
    ("macs", "long"),
    ("numeric", "string"),
    ("dominates", "long"),
    ("layer", "string"),
    ("inputs", "string"),
    ("outputs", "string"),
)
TARGET_FIELDS = (("status", "string"), ("partition", "long"), ("reason", "string"), ("findings", "string"))
EDGE_FIELDS = (("tensor", "long"), ("name", "string"), ("dtype", "string"), ("shape", "string"))


def render(result: ModelReport, fmt: str) -> str:
    with gc_paused():
        graph = to_networkx(result)
        if fmt == "json":
            return _json(graph)
        writer = {"dot": _dot, "graphml": _graphml, "gexf": _gexf}[fmt]
        return "".join(line + "\n" for line in writer(graph))


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
    return json.dumps(doc, separators=(",", ":")) + "\n"


def _shape(shape: list[int] | None) -> str:
    return "[?]" if shape is None else "[" + "x".join(str(d) for d in shape) + "]"


def _tensors(items: list[dict[str, Any]]) -> str:
    return "; ".join(f"{t['dtype']}{_shape(t['shape'])} {t['name']}" for t in items)


def _scalars(attrs: dict[str, Any]) -> dict[str, Any]:
    """A node's attributes flattened to scalars (GraphML and GEXF have no lists or maps)."""
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
        "layer": attrs["layer"] or "",
        "inputs": _tensors(attrs["inputs"]),
        "outputs": _tensors(attrs["outputs"]),
    }
    for target, t in attrs["targets"].items():
        out[f"{target}.status"] = t["status"]
        out[f"{target}.partition"] = t["partition"] if t["partition"] is not None else -1
        out[f"{target}.reason"] = t["reason"] or ""
        out[f"{target}.findings"] = " | ".join(f"{f['code']} {f['message']}" for f in t["findings"])
    return out


def _node_fields(graph: networkx.MultiDiGraph[str]) -> list[tuple[str, str]]:
    return [*NODE_FIELDS, *((f"{t}.{name}", kind) for t in graph.graph["targets"] for name, kind in TARGET_FIELDS)]


def _edge_scalars(attrs: dict[str, Any]) -> dict[str, Any]:
    return {
        "tensor": attrs["tensor"],
        "name": attrs["name"] or "",
        "dtype": attrs["dtype"] or "",
        "shape": _shape(attrs["shape"]),
    }


# XML 1.0 allows neither most control characters nor lone surrogates; names come from model files
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _x(value: object) -> str:
    """Text safe in an XML attribute value."""
    text = _NOT_XML.sub("\ufffd", str(value))
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _graphml(graph: networkx.MultiDiGraph[str]) -> Iterator[str]:
    node_fields, keys = _node_fields(graph), {}
    yield '<?xml version="1.0" encoding="UTF-8"?>'
    yield (
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
        'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">'
    )
    yield '  <key id="g0" for="graph" attr.name="path" attr.type="string"/>'
    yield '  <key id="g1" for="graph" attr.name="targets" attr.type="string"/>'
    for k, (name, kind) in enumerate(node_fields):
        keys[name] = f"n{k}"
        yield f'  <key id="n{k}" for="node" attr.name="{_x(name)}" attr.type="{kind}"/>'
    for k, (name, kind) in enumerate(EDGE_FIELDS):
        yield f'  <key id="e{k}" for="edge" attr.name="{name}" attr.type="{kind}"/>'
    yield '  <graph id="G" edgedefault="directed">'
    yield f'    <data key="g0">{_x(graph.graph["path"])}</data>'
    yield f'    <data key="g1">{_x(",".join(graph.graph["targets"]))}</data>'
    for node, attrs in graph.nodes(data=True):
        values = _scalars(attrs)
        data = "".join(f'<data key="{keys[name]}">{_x(values[name])}</data>' for name, _ in node_fields)
        yield f'    <node id="{_x(node)}">{data}</node>'
    for u, v, k, attrs in graph.edges(keys=True, data=True):
        values = _edge_scalars(attrs)
        data = "".join(f'<data key="e{i}">{_x(values[name])}</data>' for i, (name, _) in enumerate(EDGE_FIELDS))
        yield f'    <edge id="{_x(u)}-{_x(v)}-{k}" source="{_x(u)}" target="{_x(v)}">{data}</edge>'
    yield "  </graph>"
    yield "</graphml>"


def _gexf(graph: networkx.MultiDiGraph[str]) -> Iterator[str]:
    node_fields = [(name, kind) for name, kind in _node_fields(graph) if name != "label"]  # label is built in
    first = graph.graph["targets"][0] if graph.graph["targets"] else None
    yield '<?xml version="1.0" encoding="UTF-8"?>'
    yield (
        '<gexf xmlns="http://www.gexf.net/1.2draft" xmlns:viz="http://www.gexf.net/1.2draft/viz" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="http://www.gexf.net/1.2draft http://www.gexf.net/1.2draft/gexf.xsd" version="1.2">'
    )
    about = f"<creator>oplint {_x(__version__)}</creator><description>{_x(graph.graph['path'])}</description>"
    yield f"  <meta>{about}</meta>"
    yield '  <graph defaultedgetype="directed" mode="static">'
    yield '    <attributes class="node" mode="static">'
    for k, (name, kind) in enumerate(node_fields):
        yield f'      <attribute id="{k}" title="{_x(name)}" type="{kind}"/>'
    yield "    </attributes>"
    yield '    <attributes class="edge" mode="static">'
    for k, (name, kind) in enumerate(EDGE_FIELDS):
        yield f'      <attribute id="{k}" title="{name}" type="{kind}"/>'
    yield "    </attributes>"
    yield "    <nodes>"
    for node, attrs in graph.nodes(data=True):
        values = _scalars(attrs)
        data = "".join(f'<attvalue for="{k}" value="{_x(values[name])}"/>' for k, (name, _) in enumerate(node_fields))
        colour = ""
        if first is not None:
            hexa = COLOURS[attrs["targets"][first]["status"]]
            r, g, b = (int(hexa[i : i + 2], 16) for i in (1, 3, 5))
            colour = f'<viz:color r="{r}" g="{g}" b="{b}" a="1.0"/>'
        yield f'      <node id="{_x(node)}" label="{_x(values["label"])}">{colour}<attvalues>{data}</attvalues></node>'
    yield "    </nodes>"
    yield "    <edges>"
    for n, (u, v, _k, attrs) in enumerate(graph.edges(keys=True, data=True)):
        values = _edge_scalars(attrs)
        data = "".join(f'<attvalue for="{k}" value="{_x(values[name])}"/>' for k, (name, _) in enumerate(EDGE_FIELDS))
        yield f'      <edge id="{n}" source="{_x(u)}" target="{_x(v)}"><attvalues>{data}</attvalues></edge>'
    yield "    </edges>"
    yield "  </graph>"
    yield "</gexf>"


def _quote(text: object) -> str:
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _dot(graph: networkx.MultiDiGraph[str]) -> Iterator[str]:
    first = graph.graph["targets"][0] if graph.graph["targets"] else None
    yield f"// oplint graph {graph.graph['path']}: ops coloured by where they run on {first or 'no target'}"
    yield "digraph oplint {"
    yield "  rankdir=TB;"
    yield '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10, fillcolor="#ffffff"];'
    yield '  edge [fontname="Helvetica", fontsize=8, color="#8a94a3"];'
    yield f"  label={_quote(graph.graph['path'])}; labelloc=t;"
    by_graph: dict[int, list[tuple[str, dict[str, Any]]]] = {}
    for node, attrs in graph.nodes(data=True):
        by_graph.setdefault(attrs["graph"], []).append((node, attrs))
    for index, nodes in sorted(by_graph.items()):
        yield f"  subgraph cluster_sg{index} {{"
        yield f"    label={_quote(f'sg{index} ' + nodes[0][1]['graph_name'])};"
        for node, attrs in nodes:
            targets = attrs["targets"]
            where = [f"{t}: {v['status']}" + (f" ({v['reason']})" if v["reason"] else "") for t, v in targets.items()]
            tooltip = "\n".join([attrs["name"], *where])
            colour = COLOURS[targets[first]["status"]] if first is not None else "#ffffff"
            label = f"{attrs['index']} {attrs['op']}"
            style = f"label={_quote(label)}, fillcolor={_quote(colour)}, tooltip={_quote(tooltip)}"
            yield f"    {_quote(node)} [{style}];"
        yield "  }"
    for u, v, attrs in graph.edges(data=True):
        label = f"{attrs['dtype'] or ''}{_shape(attrs['shape'])}"
        yield f"  {_quote(u)} -> {_quote(v)} [label={_quote(label)}, tooltip={_quote(attrs['name'] or '')}];"
    yield "}"
