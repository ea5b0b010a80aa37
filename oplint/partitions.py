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

from collections.abc import Mapping
from typing import NamedTuple

from .delegates import OpVerdict
from .model import Graph, Model, Op


class Partition(NamedTuple):
    delegated: bool
    ops: tuple[int, ...]  #: op indices of the graph, in the order they were scheduled
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


def subsets(graph: Graph, supported: set[int], index: int = 0) -> list[Partition]:
    """TFLite's greedy epoch partitioning of one graph (graph_info.cc)."""
    produced = {t for op in graph.ops for t in op.outputs if t >= 0}
    ready = {t for t in range(len(graph.tensors)) if t not in produced}  # inputs and constants
    done = [False] * len(graph.ops)
    out: list[Partition] = []
    remaining = len(graph.ops)
    while remaining:
        kind: bool | None = None
        members: list[int] = []
        progress = True
        while progress:
            progress = False
            for op in graph.ops:
                if done[op.index] or any(t >= 0 and t not in ready for t in op.inputs):
                    continue
                delegated = op.index in supported
                if kind is None:
                    kind = delegated
                if delegated != kind:
                    continue
                done[op.index] = True
                remaining -= 1
                members.append(op.index)
                ready.update(t for t in op.outputs if t >= 0)
                progress = True
        if not members:  # a cycle or a dangling input: schedule the rest in order, alone
            for op in graph.ops:
                if not done[op.index]:
                    done[op.index] = True
                    remaining -= 1
                    out.append(Partition(op.index in supported, (op.index,), index))
            break
        out.append(Partition(bool(kind), tuple(members), index))
    return out


def partition(model: Model, verdicts: Mapping[tuple[int, int], OpVerdict], max_partitions: int | None = None) -> Plan:
    """Every graph's partitions for the ops ``verdicts`` marks supported.

    ``max_partitions`` is the delegate's own limit per graph (the GPU delegate's
    ``max_delegated_partitions``, NNAPI's ``max_number_delegated_partitions``): only that many of
    the largest partitions are delegated (``GraphPartitionHelper::GetFirstNLargestPartitions``,
    ``tflite/delegates/utils.cc``), the others run on the CPU.
    """
    parts: list[Partition] = []
    dropped: list[tuple[int, int]] = []
    total_macs = delegated_macs = total_ops = 0
    for g, graph in enumerate(model.graphs):
        supported = {op.index for op in graph.ops if verdicts.get(op.key, _NO).supported}
        mine = subsets(graph, supported, g)
        if max_partitions is not None and max_partitions > 0:
            delegated = [p for p in mine if p.delegated]
            if len(delegated) > max_partitions:
                # largest first; std::sort leaves the order of equal sizes unspecified, oplint keeps the earlier
                keep = {id(p) for p in sorted(delegated, key=lambda p: -len(p.ops))[:max_partitions]}
                dropped.extend((g, i) for p in delegated if id(p) not in keep for i in p.ops)
                mine = [p if (not p.delegated or id(p) in keep) else p._replace(delegated=False) for p in mine]
        parts.extend(mine)
        on = {i for p in mine if p.delegated for i in p.ops}
        for op in graph.ops:
            macs = estimate_macs(graph, op)
            total_macs += macs
            if op.index in on:
                delegated_macs += macs
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


def ranges(indices: tuple[int, ...] | list[int], most: int = 3) -> str:
    """``0-4,7,9-12``: sorted op indices as ranges, the first ``most`` of them then ``,...``."""
    out: list[str] = []
    ops = sorted(indices)
    start = prev = ops[0]
    for i in [*ops[1:], None]:
        if i is not None and i == prev + 1:
            prev = i
            continue
        out.append(f"{start}" if start == prev else f"{start}-{prev}")
        if i is not None:
            start = prev = i
    return ",".join(out[:most]) + (",..." if len(out) > most else "")
