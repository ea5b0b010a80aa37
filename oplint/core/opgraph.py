"""The op graph of a checked model, annotated per target: what the HTML report draws, what
``oplint graph`` writes and what ``oplint diff`` matches ops with.

Computed only when an output asks for it (``lint_paths(..., graph=True)``: ``--output-format
html``, ``--with-graph``, ``oplint graph``, ``oplint diff``), by :mod:`oplint.run.opgraph`.  An
:class:`OpGraph` holds no findings: where an op runs on a target (:attr:`Placement.placement`)
comes from the delegate analysis, and whether a finding makes it fail there is read from the
report's findings (:func:`statuses`), so ignores and the baseline apply to the picture too.

The JSON form (:func:`graph_json`) is versioned by :data:`VERSION`; later versions only add fields.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NamedTuple

from .findings import Finding, Severity

if TYPE_CHECKING:  # pragma: no cover
    import networkx

    from .report import ModelReport

VERSION = 1

#: where an op runs on one target
DELEGATED = "delegated"  #: in a partition the target's delegate (GPU, NPU, ...) runs
CPU = "cpu"  #: left to the CPU by a delegate target (the fallback)
RUNS = "runs"  #: a runtime target (tflite, tflm, ...): the op has a kernel there
REMOVED = "removed"  #: a TF op the converter removes or folds (SavedModels, GraphDefs)
UNSUPPORTED = "unsupported"  #: an error-level finding on the op for this target: the target fails
STATUSES = (DELEGATED, CPU, RUNS, REMOVED, UNSUPPORTED)

#: rule-code prefix of the findings that say where an op runs (OPL3xx), not that it cannot run
PLACEMENT_CODES = "OPL3"


class TensorInfo(NamedTuple):
    index: int  # type: ignore[assignment]  # shadows tuple.index, as Tensor does
    name: str
    dtype: str
    shape: tuple[int, ...] | None  #: None = rank unknown; -1 = a dynamic dimension (the signature)
    const: bool
    bytes: int | None  #: size from the shape and type (None: unknown or dynamic)

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "name": self.name,
            "dtype": self.dtype,
            "shape": list(self.shape) if self.shape is not None else None,
            "const": self.const,
            "bytes": self.bytes,
        }


class OpInfo(NamedTuple):
    graph: int
    index: int  # type: ignore[assignment]
    op: str  #: as users know it: CONV_2D, FlexErf, Conv2D
    name: str
    version: int
    inputs: tuple[int, ...]  #: tensor indices (-1: an optional input left out)
    outputs: tuple[int, ...]
    macs: int  #: multiply-accumulates (0 for ops without a matrix product)
    numeric: str  #: what it computes in: float | hybrid | int8 | int16 | uint8 | convert | other
    dominates: int  #: ops every path from the graph's inputs to which passes through this op
    layer: str | None = None  #: the Keras layer (name scope), when known
    #: TF ops (SavedModels, GraphDefs): what the converter makes of it (builtin | flex | plumbing |
    #: unsupported | custom) and the TFLite ops it becomes (``("CONV_2D",)``, ``("FlexCumprod",)``)
    fate: str | None = None
    becomes: tuple[str, ...] = ()

    @property
    def key(self) -> tuple[int, int]:
        return (self.graph, self.index)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "index": self.index,
            "op": self.op,
            "name": self.name,
            "version": self.version,
            "inputs": list(self.inputs),
            "outputs": list(self.outputs),
            "macs": self.macs,
            "numeric": self.numeric,
            "dominates": self.dominates,
        }
        if self.layer is not None:
            out["layer"] = self.layer
        if self.fate is not None:
            out["fate"] = self.fate
            out["becomes"] = list(self.becomes)
        return out


class GraphInfo(NamedTuple):
    index: int  # type: ignore[assignment]
    name: str
    ops: tuple[OpInfo, ...]  #: in execution order
    tensors: tuple[TensorInfo, ...]
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]

    def edges(self) -> Iterator[tuple[int, int, int]]:
        """(producer op, consumer op, tensor) for every tensor an op writes and another reads."""
        producer: dict[int, int] = {}
        for op in self.ops:
            for t in op.outputs:
                producer[t] = op.index
        for op in self.ops:
            for t in op.inputs:
                src = producer.get(t)
                if src is not None:
                    yield src, op.index, t

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "name": self.name,
            "inputs": list(self.inputs),
            "outputs": list(self.outputs),
            "ops": [op.to_json() for op in self.ops],
            "tensors": [t.to_json() for t in self.tensors],
        }


class PartitionInfo(NamedTuple):
    graph: int
    delegated: bool
    ops: tuple[int, ...]  #: op indices of the graph, ascending
    macs: int

    def to_json(self) -> dict[str, Any]:
        return {"graph": self.graph, "delegated": self.delegated, "ops": list(self.ops), "macs": self.macs}


class Placement(NamedTuple):
    """Where each op runs on one target, before findings are taken into account."""

    target: str
    delegate: str | None  #: the delegate family (None: a runtime target)
    placement: tuple[tuple[str, ...], ...]  #: per graph, per op: delegated | cpu | runs | removed
    partition: tuple[tuple[int, ...], ...]  #: per graph, per op: index into ``partitions`` (-1: none)
    partitions: tuple[PartitionInfo, ...] = ()  #: in execution order (delegate targets of .tflite models)
    #: (graph, op) -> why the delegate leaves it on the CPU, in its own words
    reasons: Mapping[tuple[int, int], str] = {}


class Island(NamedTuple):
    """A connected region of ops that compute in one numeric type (float, int8, ...)."""

    graph: int
    numeric: str
    ops: tuple[int, ...]

    def to_json(self) -> dict[str, Any]:
        return {"graph": self.graph, "numeric": self.numeric, "ops": list(self.ops)}


class Arena(NamedTuple):
    """TensorFlow Lite Micro's tensor arena as ``oplint.analysis.memory`` plans it."""

    head: int  #: planned activations and scratch buffers
    tail: int  #: persistent allocations
    exact: bool  #: every allocation is known (else head and tail are lower bounds)
    largest: tuple[str, int] | None  #: the largest planned buffer (tensor name, bytes)
    estimated: tuple[str, ...] = ()  #: op kinds whose kernel allocations are not modelled

    def to_json(self) -> dict[str, Any]:
        return {
            "head": self.head,
            "tail": self.tail,
            "total": self.head + self.tail,
            "exact": self.exact,
            "largest": {"tensor": self.largest[0], "bytes": self.largest[1]} if self.largest else None,
            "estimated": list(self.estimated),
        }


class Memory(NamedTuple):
    file_bytes: int
    weight_bytes: int  #: constant tensors, from their shapes and types (weights are never read)
    activation_bytes: int  #: every non-constant tensor of known size, unshared
    arena: Arena | None = None  #: .tflite models

    def to_json(self) -> dict[str, Any]:
        return {
            "file_bytes": self.file_bytes,
            "weight_bytes": self.weight_bytes,
            "activation_bytes": self.activation_bytes,
            "tflm_arena": self.arena.to_json() if self.arena else None,
        }


class OpGraph(NamedTuple):
    graphs: tuple[GraphInfo, ...]
    targets: Mapping[str, Placement]  #: by target label, in the run's order
    islands: tuple[Island, ...]
    memory: Memory
    vocabulary: str = "tflite"  #: "tflite" builtins or "tf" ops

    def op(self, graph: int, index: int) -> OpInfo | None:
        if 0 <= graph < len(self.graphs) and 0 <= index < len(self.graphs[graph].ops):
            return self.graphs[graph].ops[index]
        return None

    @property
    def op_count(self) -> int:
        return sum(len(g.ops) for g in self.graphs)


def op_findings(findings: Iterable[Finding]) -> dict[tuple[int, int], list[Finding]]:
    """(graph, op) -> the findings located on that op."""
    out: dict[tuple[int, int], list[Finding]] = {}
    for f in findings:
        loc = f.location
        if loc.graph is not None and loc.op_index is not None:
            out.setdefault((loc.graph, loc.op_index), []).append(f)
    return out


def fails(finding: Finding, target: str) -> bool:
    """Whether ``finding`` makes its op unusable on ``target`` (an error that is not about placement)."""
    return (
        finding.severity is Severity.ERROR
        and finding.target in (None, target)
        and not finding.code.startswith(PLACEMENT_CODES)
    )


def statuses(graph: OpGraph, findings: Iterable[Finding]) -> dict[str, tuple[tuple[str, ...], ...]]:
    """Per target, per graph, per op: the placement, or ``unsupported`` when an error-level finding
    other than a placement one (OPL3xx) sits on the op for that target."""
    by_op = op_findings(findings)
    out: dict[str, tuple[tuple[str, ...], ...]] = {}
    for label, placement in graph.targets.items():
        bad = {key for key, fs in by_op.items() if any(fails(f, label) for f in fs)}
        rows = []
        for g, row in enumerate(placement.placement):
            if any(key[0] == g for key in bad):
                rows.append(tuple(UNSUPPORTED if (g, i) in bad else s for i, s in enumerate(row)))
            else:
                rows.append(row)
        out[label] = tuple(rows)
    return out


def graph_json(result: ModelReport) -> dict[str, Any] | None:
    """The ``graph`` field of a JSON result (None when the report carries no op graph)."""
    graph = result.graph
    if graph is None:
        return None
    status = statuses(graph, result.findings)
    targets: dict[str, Any] = {}
    for label, p in graph.targets.items():
        targets[label] = {
            "delegate": p.delegate,
            "status": [list(row) for row in status[label]],
            "partition": [[i if i >= 0 else None for i in row] for row in p.partition],
            "partitions": [part.to_json() for part in p.partitions],
            "reasons": [{"graph": g, "op": i, "reason": text} for (g, i), text in sorted(p.reasons.items())],
        }
    return {
        "version": VERSION,
        "vocabulary": graph.vocabulary,
        "graphs": [g.to_json() for g in graph.graphs],
        "targets": targets,
        "islands": [i.to_json() for i in graph.islands],
        "memory": graph.memory.to_json(),
    }


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while a large graph of small objects is built (it would
    traverse the whole model again and again: 3x the time on the 18,200-op model); restores the
    collector's previous state."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def node_id(graph: int, index: int) -> str:
    """The id of an op in the exported graph files: ``sg0:op12``."""
    return f"sg{graph}:op{index}"


def to_networkx(result: ModelReport) -> networkx.MultiDiGraph[str]:
    """The annotated op graph of one checked model as a ``networkx.MultiDiGraph``.

    Nodes are ops (ids ``sg0:op12``) with ``op``, ``name``, ``graph``, ``index``, ``version``,
    ``macs``, ``numeric``, ``dominates``, ``inputs`` and ``outputs`` (lists of
    ``{"index", "name", "dtype", "shape"}``) and ``targets``: per target label ``{"status",
    "partition", "reason", "findings"}`` (each finding as in the JSON output).  One edge per tensor
    an op writes and another reads, keyed by the tensor index, with ``tensor``, ``name``,
    ``dtype`` and ``shape``.  Graph attributes: ``path``, ``targets``, ``islands``, ``memory``,
    ``verdicts`` (per target ``{"ok", "errors", "warnings", "infos"}``) and ``model_findings``
    (findings not on one op)."""
    graph = result.graph
    if graph is None:
        raise ValueError(f"{result.path}: the report has no op graph (lint with graph=True)")
    with gc_paused():
        return _to_networkx(result, graph)


def _to_networkx(result: ModelReport, graph: OpGraph) -> networkx.MultiDiGraph[str]:
    import networkx as nx

    g: networkx.MultiDiGraph[str] = nx.MultiDiGraph()
    g.graph.update(
        path=result.path,
        targets=list(graph.targets),
        verdicts={label: r.to_json() for label, r in result.targets.items()},
        islands=[i.to_json() for i in graph.islands],
        memory=graph.memory.to_json(),
        model_findings=[f.to_json() for f in result.findings if f.location.op_index is None],
    )
    status = statuses(graph, result.findings)
    by_op = op_findings(result.findings)
    for sub in graph.graphs:

        def tensor(t: int, sub: GraphInfo = sub) -> dict[str, Any]:
            info = sub.tensors[t] if 0 <= t < len(sub.tensors) else None
            if info is None:
                return {"index": t, "name": None, "dtype": None, "shape": None}
            shape = list(info.shape) if info.shape is not None else None
            return {"index": t, "name": info.name, "dtype": info.dtype, "shape": shape}

        for op in sub.ops:
            mine = by_op.get(op.key, [])
            per_target = {}
            for label, p in graph.targets.items():
                part = p.partition[sub.index][op.index]
                per_target[label] = {
                    "status": status[label][sub.index][op.index],
                    "partition": part if part >= 0 else None,
                    "reason": p.reasons.get(op.key),
                    "findings": [f.to_json() for f in mine if f.target in (None, label)],
                }
            g.add_node(
                node_id(*op.key),
                op=op.op,
                name=op.name,
                graph=op.graph,
                graph_name=sub.name,
                index=op.index,
                version=op.version,
                macs=op.macs,
                numeric=op.numeric,
                dominates=op.dominates,
                layer=op.layer,
                inputs=[tensor(t) for t in op.inputs if t >= 0],
                outputs=[tensor(t) for t in op.outputs if t >= 0],
                targets=per_target,
            )
        for src, dst, t in sub.edges():
            info = tensor(t)
            g.add_edge(
                node_id(sub.index, src),
                node_id(sub.index, dst),
                key=t,
                tensor=t,
                name=info["name"],
                dtype=info["dtype"],
                shape=info["shape"],
            )
    return g
