"""Build the annotated op graph of a model (:class:`oplint.core.opgraph.OpGraph`) for a run.

Only outputs that draw or compare graphs ask for it (``lint_paths(..., graph=True)``); the
default ``oplint check`` never imports this module, nor networkx.  Everything here reads
analyses the rules already computed for the model (the delegations are memoised on the model),
plus two graph algorithms where networkx is the natural tool: quantization islands are the
connected components of the ops computing in one numeric type, and ``dominates`` counts
the ops an op dominates (every path from the graph's inputs to them passes through it: what
cannot run without it), from ``networkx.immediate_dominators``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..analysis.memory import plan_tflm_arena, tensor_bytes
from ..analysis.quantization import CONVERSIONS, FLOATS, activations, is_hybrid
from ..core.model import Graph, Model, Op
from ..core.opgraph import (
    CPU,
    DELEGATED,
    REMOVED,
    RUNS,
    Arena,
    GraphInfo,
    Island,
    Memory,
    OpGraph,
    OpInfo,
    PartitionInfo,
    Placement,
    TensorInfo,
    gc_paused,
)
from ..delegates import kinds
from ..delegates.partitions import op_macs

if TYPE_CHECKING:  # pragma: no cover
    from ..knowledge.targets import Target

#: numeric types an island is made of (conversions and index arithmetic separate islands)
ISLAND_TYPES = ("float", "hybrid", "int8", "int16", "uint8")


def build(model: Model, targets: tuple[Target, ...]) -> OpGraph:
    """The annotated op graph of ``model`` for ``targets``."""
    with gc_paused():
        graphs = tuple(_graph(model, graph) for graph in model.graphs)
        placements = {t.label: _placement(model, t) for t in targets}
        return OpGraph(graphs, placements, _islands(graphs), _memory(model), model.vocabulary)


def numeric(graph: Graph, op: Op) -> str:
    """What the op computes in: ``float``, ``hybrid`` (float activations, integer weights),
    ``int8`` / ``int16`` / ``uint8``, ``convert`` (QUANTIZE, DEQUANTIZE) or ``other``."""
    if op.kind in CONVERSIONS:
        return "convert"
    acts = activations(graph, op)
    if any(t.dtype in FLOATS for t in acts):
        return "hybrid" if is_hybrid(graph, op) else "float"
    for dtype in ("int8", "int16", "uint8"):
        if any(t.dtype == dtype for t in acts):
            return dtype
    return "other"


def _graph(model: Model, graph: Graph) -> GraphInfo:
    dominated = _dominated(model, graph)
    macs = op_macs(graph)
    fates = _fates(model)
    ops = tuple(
        OpInfo(
            graph=graph.index,
            index=op.index,
            op=op.display,
            name=op.name,
            version=op.version,
            inputs=op.inputs,
            outputs=op.outputs,
            macs=macs[op.index] if op.index < len(macs) else 0,
            numeric=numeric(graph, op),
            dominates=dominated.get(op.index, 0),
            layer=op.origin.layer if op.origin is not None else None,
            fate=fates[op.key][0] if op.key in fates else None,
            becomes=fates[op.key][1] if op.key in fates else (),
        )
        for op in graph.ops
    )
    tensors = tuple(
        TensorInfo(
            t.index,
            t.name,
            t.dtype,
            t.shape_signature if t.shape_signature is not None else t.shape,
            t.is_const,
            tensor_bytes(t.shape, t.dtype) if not t.dynamic else None,
        )
        for t in graph.tensors
    )
    return GraphInfo(graph.index, graph.name, ops, tensors, graph.inputs, graph.outputs)


def _fates(model: Model) -> dict[tuple[int, int], tuple[str, tuple[str, ...]]]:
    """TF ops: (fate, the TFLite ops each becomes), as ``oplint predict`` says."""
    if model.vocabulary != "tf":
        return {}
    from ..analysis.tf_fate import BUILTIN, FLEX, predictions

    def becomes(op: Op, fate: str, builtins: tuple[str, ...]) -> tuple[str, ...]:
        return builtins if fate == BUILTIN else (f"Flex{op.kind}",) if fate == FLEX else ()

    return model.derived(
        "opgraph-fates", lambda: {op.key: (p.fate, becomes(op, p.fate, p.builtins)) for _, op, p in predictions(model)}
    )


def _dominated(model: Model, graph: Graph) -> dict[int, int]:
    """op index -> how many other ops it dominates (from a virtual source before the graph's ops)."""
    import networkx as nx

    if not graph.ops:
        return {}
    source = -1
    edges: list[tuple[int, int]] = []
    producer = graph.producer
    for op in graph.ops:
        preds = {producer[t].index for t in op.inputs if t in producer and producer[t].index != op.index}
        edges.extend((p, op.index) for p in preds or (source,))
    g: nx.DiGraph[int] = nx.DiGraph(edges)
    idom = nx.immediate_dominators(g, source)
    children: dict[int, list[int]] = {}
    for node, dom in idom.items():
        if node != dom:
            children.setdefault(dom, []).append(node)
    size: dict[int, int] = {}
    order = [source]  # a pre-order of the dominator tree, then sizes bottom-up (no recursion)
    for node in order:
        order.extend(children.get(node, ()))
    for node in reversed(order):
        size[node] = 1 + sum(size[c] for c in children.get(node, ()))
    return {node: n - 1 for node, n in size.items() if node != source}


def _placement(model: Model, target: Target) -> Placement:
    n_ops = [len(g.ops) for g in model.graphs]
    if model.vocabulary == "tf":
        return _predicted_placement(model, target)
    if target.delegate is None:
        return Placement(target.label, None, tuple((RUNS,) * n for n in n_ops), tuple((-1,) * n for n in n_ops))
    from ..delegates.delegation import analyse

    delegation = analyse(model, target)
    if delegation is None:  # pragma: no cover - a delegate target always gets a delegation for .tflite
        rows = tuple((CPU,) * n for n in n_ops)
        return Placement(target.label, target.delegate, rows, tuple((-1,) * n for n in n_ops))
    place = [[CPU] * n for n in n_ops]
    part = [[-1] * n for n in n_ops]
    partitions = []
    for number, p in enumerate(delegation.plan.partitions):
        macs = op_macs(model.graphs[p.graph])
        partitions.append(PartitionInfo(p.graph, p.delegated, p.ops, sum(macs[i] for i in p.ops if i < len(macs))))
        for i in p.ops:
            if 0 <= i < n_ops[p.graph]:
                part[p.graph][i] = number
                place[p.graph][i] = DELEGATED if p.delegated else CPU
    reasons: dict[tuple[int, int], str] = {}
    dropped = set(delegation.plan.dropped)
    limit = delegation.plan.limit
    for graph in model.graphs:
        for op in graph.ops:
            if place[graph.index][op.index] != CPU:
                continue
            verdict = delegation.verdict(op)
            if not verdict.supported:
                reasons[op.key] = "; ".join(verdict.reasons) or "not taken by the delegate"
            elif op.key in dropped:
                keeps = f"its {limit} largest" if limit else "its larger"
                reasons[op.key] = f"supported, but the delegate only takes {keeps} partitions"
            elif delegation.rejection is not None:
                reasons[op.key] = delegation.rejection.summary
    return Placement(
        target.label,
        target.delegate,
        tuple(tuple(row) for row in place),
        tuple(tuple(row) for row in part),
        tuple(partitions),
        reasons,
    )


def _predicted_placement(model: Model, target: Target) -> Placement:
    """A SavedModel or GraphDef: TF ops the converter removes, and for delegate targets whether the
    builtins each op becomes are ones the delegate takes at all (as OPL303 decides)."""
    from ..analysis.tf_fate import BUILTIN, PLUMBING, predictions

    takes = kinds(target)
    place = {op.key: RUNS for op in model.ops()}
    reasons: dict[tuple[int, int], str] = {}
    for _, op, pred in predictions(model):
        if pred.fate == PLUMBING:
            place[op.key] = REMOVED
        elif takes is not None:
            missing = [b for b in pred.builtins if b not in takes] if pred.fate == BUILTIN else []
            if pred.fate == BUILTIN and not missing:
                place[op.key] = DELEGATED
            else:
                place[op.key] = CPU
                why = f"-> {', '.join(missing)}: not a kind the delegate takes" if missing else f"{pred.fate} op"
                reasons[op.key] = why
    rows = tuple(tuple(place[op.key] for op in g.ops) for g in model.graphs)
    return Placement(target.label, target.delegate, rows, tuple((-1,) * len(g.ops) for g in model.graphs), (), reasons)


def _islands(graphs: tuple[GraphInfo, ...]) -> tuple[Island, ...]:
    """The connected components of the ops computing in each numeric type (edges: a tensor one
    op writes and the other reads)."""
    import networkx as nx

    out: list[Island] = []
    for info in graphs:
        kind = [op.numeric for op in info.ops]
        g: nx.Graph[int] = nx.Graph()
        g.add_nodes_from(op.index for op in info.ops if op.numeric in ISLAND_TYPES)
        g.add_edges_from((a, b) for a, b, _ in info.edges() if kind[a] == kind[b] and kind[a] in ISLAND_TYPES)
        for component in nx.connected_components(g):
            ops = tuple(sorted(component))
            out.append(Island(info.index, kind[ops[0]], ops))
    out.sort(key=lambda i: (i.graph, i.ops[0]))
    return tuple(out)


def _memory(model: Model) -> Memory:
    weights = activations_ = 0
    for graph in model.graphs:
        for t in graph.tensors:
            size = tensor_bytes(t.shape, t.dtype) if not t.dynamic or t.is_const else None
            if size is None:
                continue
            if t.is_const:
                weights += size
            else:
                activations_ += size
    arena = None
    if model.format == "tflite" and model.graphs:
        plan = plan_tflm_arena(model)
        arena = Arena(plan.head, plan.tail, plan.exact, plan.largest, plan.estimated)
    return Memory(model.size, weights, activations_, arena)
