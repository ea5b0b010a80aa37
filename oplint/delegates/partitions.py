"""How a delegate splits a graph: partitions, CPU fallback, delegated share of ops and MACs.

TFLite hands a delegate the ops it supports and cuts them into partitions with
``PartitionGraphIntoIndependentNodeSubsets`` (``tflite/graph_info.cc``): epoch by epoch, it
takes every op whose inputs are ready, as long as it is of the epoch's kind (delegated or not),
greedily; each delegated epoch becomes one delegate kernel.  The interpreter applies a delegate
to every subgraph (``Interpreter::ModifyGraphWithDelegateImpl``, ``tflite/core/interpreter.cc``),
so this module runs the same algorithm on each graph of the model: the partition count, the ops
that break a partition and the delegated share are what the interpreter would see.  Some delegates then keep only the
largest partitions (``max_delegated_partitions``); :func:`partition` applies that too.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping
from functools import partial
from typing import NamedTuple

from ..core.findings import ranges
from ..core.model import Graph, Model, Op
from .contract import OpVerdict


class Partition(NamedTuple):
    delegated: bool
    ops: tuple[int, ...]  #: op indices of the graph, ascending
    graph: int = 0


class Plan(NamedTuple):
    partitions: tuple[Partition, ...]  #: in execution order (alternating kinds)
    delegated_ops: int
    total_ops: int
    delegated_macs: int
    total_macs: int
    #: (graph, op) of supported ops left on the CPU because of the delegate's partition limit
    dropped: tuple[tuple[int, int], ...] = ()
    limit: int | None = None  #: the delegate's max delegated partitions per graph (None: all)

    @property
    def delegated_partitions(self) -> int:
        return sum(1 for p in self.partitions if p.delegated)

    @property
    def op_share(self) -> float:
        return self.delegated_ops / self.total_ops if self.total_ops else 0.0

    @property
    def mac_share(self) -> float:
        return self.delegated_macs / self.total_macs if self.total_macs else 0.0


#: ops TFLite treats as having side effects besides those touching resource tensors
#: (``Subgraph::OpMightHaveSideEffect``, tflite/core/subgraph.cc)
SIDE_EFFECT_KINDS = frozenset({"IF", "WHILE", "CALL_ONCE"})


def subsets(graph: Graph, supported: set[int], index: int = 0, side_effects: bool = True) -> list[Partition]:
    """TFLite's greedy epoch partitioning of one graph (``tflite/graph_info.cc``).

    Each epoch takes its kind (delegated or not) from the first ready op in execution order,
    then every op of that kind that becomes ready, greedily.  Ops with side effects (resource
    tensors, control flow) keep their relative order through control edges, as
    ``PartitionGraphIntoIndependentNodeSubsets`` adds them (``side_effects=False`` leaves them
    out: Vela compiles offline and lowers variables).  Same partitions as TFLite's repeated
    scans, in O(ops + edges log ops).
    """
    n = len(graph.ops)
    consumers, waits, follower = graph.derived(("partition-wiring", side_effects), lambda: _wiring(graph, side_effects))
    pending = list(waits)
    heaps: dict[bool, list[int]] = {True: [], False: []}
    for i in range(n):
        if pending[i] == 0:
            heaps[i in supported].append(i)  # ascending already
    produced: set[int] = set()
    done = [False] * n
    out: list[Partition] = []
    remaining = n
    while remaining:
        firsts = [h[0] for h in heaps.values() if h]
        if not firsts:  # a cycle (a hostile file): schedule the rest in order, alone
            for i in range(n):
                if not done[i]:
                    out.append(Partition(i in supported, (i,), index))
            break
        kind = min(firsts) in supported
        heap = heaps[kind]
        members: list[int] = []
        while heap:
            i = heapq.heappop(heap)
            done[i] = True
            remaining -= 1
            members.append(i)
            woken = [follower[i]] if follower[i] >= 0 else []
            for t in graph.ops[i].outputs:
                if t >= 0 and t not in produced:
                    produced.add(t)
                    woken.extend(consumers.get(t, ()))
            for j in woken:
                pending[j] -= 1
                if pending[j] == 0 and not done[j]:
                    heapq.heappush(heaps[j in supported], j)
        out.append(Partition(kind, tuple(sorted(members)), index))
    return out


def runs(graph: Graph, supported: set[int], index: int = 0) -> list[Partition]:
    """LiteRT's ``GroupPartitionsV2`` (``GetPartitionsFromFlatListV2``, ``litert/compiler/plugin/algo.cc``),
    which the NPU compiler plugins are partitioned with: every maximal run of selected ops in execution
    order is one partition (a CPU op between two selected ops ends the run, even when the two do not
    depend on it)."""
    out: list[Partition] = []
    current: list[int] = []
    kind = False
    for op in graph.ops:
        taken = op.index in supported
        if current and taken != kind:
            out.append(Partition(kind, tuple(current), index))
            current = []
        kind = taken
        current.append(op.index)
    if current:
        out.append(Partition(kind, tuple(current), index))
    return out


def _wiring(graph: Graph, side_effects: bool) -> tuple[dict[int, list[int]], list[int], list[int]]:
    """What the epochs walk, the same for every delegate: tensor -> the ops that read it (each op
    once), how many inputs each op waits for, and each side-effect op's control-edge follower."""
    n = len(graph.ops)
    producers: dict[int, list[int]] = {}
    for op in graph.ops:
        for t in op.outputs:
            if t >= 0:
                producers.setdefault(t, []).append(op.index)
    consumers: dict[int, list[int]] = {}
    pending = [0] * n
    for op in graph.ops:
        for t in set(op.inputs):
            if t >= 0 and t in producers:
                consumers.setdefault(t, []).append(op.index)
                pending[op.index] += 1
    follower = [-1] * n  # control edge: the next op with a side effect
    last = -1
    for op in graph.ops:
        if side_effects and _side_effect(graph, op):
            if last >= 0:
                follower[last] = op.index
                pending[op.index] += 1
            last = op.index
    return consumers, pending, follower


def _side_effect(graph: Graph, op: Op) -> bool:
    if op.kind in SIDE_EFFECT_KINDS:
        return True
    for t in (*op.inputs, *op.outputs):
        tensor = graph.tensor(t) if t >= 0 else None
        if tensor is not None and tensor.dtype == "resource":
            return True
    return False


def partition(
    model: Model,
    verdicts: Mapping[tuple[int, int], OpVerdict],
    max_partitions: int | None = None,
    side_effects: bool = True,
    min_nodes: int = 1,
    grouping: str = "epochs",
    carried: frozenset[int] = frozenset(),
) -> Plan:
    """Every graph's partitions for the ops ``verdicts`` marks supported.

    ``max_partitions`` is the delegate's own limit per graph (the GPU delegate's
    ``max_delegated_partitions``, NNAPI's ``max_number_delegated_partitions``): only that many of
    the largest partitions are delegated (``GraphPartitionHelper::GetFirstNLargestPartitions``,
    ``tflite/delegates/utils.cc``), the others run on the CPU; so do partitions of fewer than
    ``min_nodes`` ops (the same function's ``min_nodes_per_partition``).  ``grouping`` is "epochs"
    (TFLite's, :func:`subsets`) or "runs" (LiteRT's NPU compiler plugins, :func:`runs`).  Graphs in
    ``carried`` are left out: their ops go with an op of another graph (a composite's decomposition).
    """
    parts: list[Partition] = []
    dropped: list[tuple[int, int]] = []
    total_macs = delegated_macs = total_ops = 0
    for g, graph in enumerate(model.graphs):
        if g in carried:
            continue
        supported = {op.index for op in graph.ops if verdicts.get(op.key, _NO).supported}
        mine = runs(graph, supported, g) if grouping == "runs" else subsets(graph, supported, g, side_effects)
        if min_nodes > 1:
            small = [p for p in mine if p.delegated and len(p.ops) < min_nodes]
            dropped.extend((g, i) for p in small for i in p.ops)
            mine = [p._replace(delegated=False) if p.delegated and len(p.ops) < min_nodes else p for p in mine]
        if max_partitions is not None and max_partitions > 0:
            delegated = [p for p in mine if p.delegated]
            if len(delegated) > max_partitions:
                # largest first; std::sort leaves the order of equal sizes unspecified, oplint keeps the earlier
                keep = {id(p) for p in sorted(delegated, key=lambda p: -len(p.ops))[:max_partitions]}
                dropped.extend((g, i) for p in delegated if id(p) not in keep for i in p.ops)
                mine = [p if (not p.delegated or id(p) in keep) else p._replace(delegated=False) for p in mine]
        parts.extend(mine)
        on = {i for p in mine if p.delegated for i in p.ops}
        macs = op_macs(graph)
        total_macs += sum(macs)
        delegated_macs += sum(macs[i] for i in on)
        total_ops += len(graph.ops)
    return Plan(
        partitions=tuple(parts),
        delegated_ops=sum(len(p.ops) for p in parts if p.delegated),
        total_ops=total_ops,
        delegated_macs=delegated_macs,
        total_macs=total_macs,
        dropped=tuple(dropped),
        limit=max_partitions,
    )


_NO = OpVerdict(False)


def _elements(shape: tuple[int, ...] | None) -> int:
    n = 1
    for d in shape or ():
        n *= max(d, 1)
    return n


def op_macs(graph: Graph) -> list[int]:
    """Each op's estimated MACs, computed once per graph (the partitions and the op graph share them)."""
    return graph.derived("macs", partial(_all_macs, graph))


def _all_macs(graph: Graph) -> list[int]:
    return [estimate_macs(graph, op) for op in graph.ops]


def estimate_macs(graph: Graph, op: Op) -> int:
    """Multiply-accumulates of one op, from its shapes (0 for ops without a matrix product)."""
    tensors = [graph.tensor(t) if t >= 0 else None for t in op.inputs]
    out = graph.tensor(op.outputs[0]) if op.outputs else None
    if out is None or out.shape is None:
        return 0
    filt = tensors[1] if len(tensors) > 1 else None
    n_out = _elements(out.shape)
    if op.kind in ("CONV_2D", "CONV_3D") and filt is not None and filt.shape:
        return n_out * _elements(filt.shape[1:])  # filter [out_c, kh, kw, in_c]: per output kh*kw*in_c
    if op.kind == "DEPTHWISE_CONV_2D" and filt is not None and filt.shape and len(filt.shape) == 4:
        return n_out * filt.shape[1] * filt.shape[2]
    if op.kind == "TRANSPOSE_CONV" and len(tensors) > 2 and tensors[1] is not None and tensors[2] is not None:
        w, x = tensors[1], tensors[2]
        return _elements(x.shape) * (_elements(w.shape) // max(1, (w.shape or (1,))[-1]))
    if op.kind == "FULLY_CONNECTED" and filt is not None and filt.shape:
        return n_out * filt.shape[-1]
    if op.kind == "BATCH_MATMUL" and tensors and tensors[0] is not None and tensors[0].shape:
        k = tensors[0].shape[-1] if not op.options.get("adj_x") else tensors[0].shape[-2]
        return n_out * max(k, 1)
    return 0


def picture(plan: Plan, graph: Graph, width: int = 110) -> str:
    """One line: ``[0-12 delegated] [13 CPU RESHAPE] [14-40 delegated]``; long ones end in ``(+N more)``."""
    parts = []
    for p in plan.partitions:
        span = ranges(p.ops)
        if p.delegated:
            parts.append(f"[{span} delegated]")
        else:
            kinds = sorted({graph.ops[i].display for i in p.ops})
            shown = ",".join(kinds[:3]) + ("..." if len(kinds) > 3 else "")
            parts.append(f"[{span} CPU {shown}]")
    text = ""
    for n, part in enumerate(parts):
        rest = len(parts) - n
        candidate = f"{text} {part}".strip()
        if rest > 1 and len(candidate) + len(f" (+{rest - 1} more)") > width:
            return f"{text} (+{rest} more)".strip()
        text = candidate
    return text
