"""Shared by the type rules (OPL201, OPL208-OPL211): which ops a target's kernels reject for their
tensor types, and what kind of quantization the rejected combination is."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from functools import partial
from typing import NamedTuple

from ..core.model import Graph, Model, Op
from ..knowledge.targets import OpSupport, Target, matches
from .quantization import activations, is_float16_weight_dequantize, is_hybrid, weights

HYBRID, FLOAT16, INT16X8, INT4 = "hybrid", "float16-weights", "int16x8", "int4-weights"


class Mismatch(NamedTuple):
    graph: Graph
    op: Op
    support: OpSupport
    dtypes: Mapping[str, str | None]
    category: str | None  #: one of the quantization kinds above, or None for any other type mismatch

    def describe(self, target: Target) -> str:
        where = f"{self.op.display} '{self.op.name}'" if self.op.name else self.op.display
        assert self.support.types is not None
        return (
            f"{where} has no {target.runtime_title} kernel for {signature(self.op, self.dtypes)}; "
            f"its kernel takes {accepted(self.support.types, self.op)}"
        )


def mismatches(model: Model, target: Target) -> tuple[Mismatch, ...]:
    """Ops whose tensor types no signature of the target's kernel accepts (computed once per target)."""
    return model.derived(("type-mismatches", target.id), lambda: tuple(_mismatches(model, target)))


def _mismatches(model: Model, target: Target) -> Iterator[Mismatch]:
    for graph in model.graphs:
        every: list[dict[str, str | None]] = graph.derived("dtype-positions", partial(_all_positions, graph))
        for op in graph.ops:
            support = target.support(op.kind, op.custom_code)
            if support is None or support.types is None:
                continue
            dtypes = every[op.index]
            if not any(matches(sig, dtypes, support.uniform_inputs) for sig in support.types):
                yield Mismatch(graph, op, support, dtypes, category(graph, op))


def _all_positions(graph: Graph) -> list[dict[str, str | None]]:
    return [positions(graph, op) for op in graph.ops]


def category(graph: Graph, op: Op) -> str | None:
    if is_float16_weight_dequantize(graph, op):
        return FLOAT16
    ws = weights(graph, op)
    if any(t.dtype == "int4" or (t.quant is not None and t.quant.details == "blockwise") for t in ws):
        return INT4
    if is_hybrid(graph, op):
        return HYBRID
    acts = activations(graph, op)
    if acts and any(t.dtype == "int16" for t in acts) and not any(t.dtype == "float32" for t in acts):
        return INT16X8
    return None


def positions(graph: Graph, op: Op) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for i, t in enumerate(op.inputs):
        tensor = graph.tensor(t) if t >= 0 else None
        out[f"in{i}"] = tensor.dtype if tensor is not None else None
    for i, t in enumerate(op.outputs):
        tensor = graph.tensor(t)
        out[f"out{i}"] = tensor.dtype if tensor is not None else None
    return out


def signature(op: Op, dtypes: Mapping[str, str | None]) -> str:
    ins = [dtypes.get(f"in{i}") or "-" for i in range(len(op.inputs))]
    outs = [dtypes.get(f"out{i}") or "?" for i in range(len(op.outputs))]
    return f"({', '.join(ins)} -> {', '.join(outs)})"


def accepted(sigs: Sequence[Mapping[str, frozenset[str]]], op: Op) -> str:
    """The accepted signatures, compacted when they only say "one type in, the same type out"."""
    uniform = [next(iter(s.values())) for s in sigs if s and len({frozenset(v) for v in s.values()}) == 1]
    if len(sigs) > 3 and len(uniform) == len(sigs) and all(len(t) == 1 for t in uniform):
        names = sorted(next(iter(t)) for t in uniform)
        order = sorted(sigs[0], key=lambda p: (p.startswith("out"), int(p.lstrip("inout"))))
        return f"one type for {' and '.join(order)}: {', '.join(names)}"
    return " or ".join(_describe(sig, op) for sig in sigs)


def _describe(sig: Mapping[str, frozenset[str]], op: Op) -> str:
    def slot(pos: str) -> str:
        allowed = sig.get(pos)
        if allowed is None:
            return "*"
        return "|".join(sorted(allowed)) if allowed else "-"

    n_in = max([len(op.inputs)] + [int(p[2:]) + 1 for p in sig if p.startswith("in")])
    n_out = max([len(op.outputs)] + [int(p[3:]) + 1 for p in sig if p.startswith("out")])
    ins: Sequence[str] = [slot(f"in{i}") for i in range(n_in)]
    outs: Sequence[str] = [slot(f"out{i}") for i in range(n_out)]
    while ins and ins[-1] == "*":
        ins = ins[:-1]
    return f"({', '.join(ins)} -> {', '.join(outs)})"
