"""LiteRT delegate utilities both GPU paths share (``tflite/delegates/utils.cc``, dynamic tensors)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ..knowledge.sources import litert
from .contract import OpVerdict, Rejection

if TYPE_CHECKING:  # pragma: no cover
    from ..core.model import Graph, Model, Op


UTILS = litert("tflite/delegates/utils.cc")
SUBGRAPH = litert("tflite/core/subgraph.cc")
_FP16_ON_CPU = "a DEQUANTIZE of float16 weights stays on the CPU when the delegate takes only part of the graph"


def fp16_partition(graph: Graph, decide: Callable[[Op, frozenset[int]], OpVerdict]) -> dict[tuple[int, int], OpVerdict]:
    """FP16GraphPartitionHelper (tflite/delegates/utils.cc), which both GPU paths partition with.

    A DEQUANTIZE of constant float16 weights is not a node the delegate takes (250): its consumers
    are checked as if they read the float16 constant itself (``decide`` gets those tensors).  When
    every other op of the graph is supported the whole graph is delegated, DEQUANTIZE included
    (208); otherwise those DEQUANTIZE ops stay on the CPU (216)."""
    fp16 = frozenset(op.outputs[0] for op in graph.ops if _fp16_weights(graph, op))
    out: dict[tuple[int, int], OpVerdict] = {}
    dequantize = []
    for op in graph.ops:
        if op.kind == "DEQUANTIZE" and op.outputs and op.outputs[0] in fp16:
            dequantize.append(op)
        else:
            out[op.key] = decide(op, fp16)
    full = all(v.supported for v in out.values())
    for op in dequantize:
        out[op.key] = OpVerdict(True, (), UTILS(208)) if full else OpVerdict(False, (_FP16_ON_CPU,), UTILS(250))
    return out


def _fp16_weights(graph: Graph, op: Op) -> bool:
    if op.kind != "DEQUANTIZE" or not op.inputs or not op.outputs or op.inputs[0] < 0 or op.outputs[0] < 0:
        return False
    src = graph.tensor(op.inputs[0])
    return src is not None and src.dtype == "float16" and src.is_const


def dynamic_rejection(model: Model, outcome: str) -> Rejection | None:
    """A delegate without ``kTfLiteDelegateFlagsAllowDynamicTensors`` and a graph with a tensor
    that Prepare leaves dynamic (:mod:`oplint.dynamic_shapes`)."""
    from ..analysis.dynamic_shapes import first_dynamic

    found = first_dynamic(model)
    if found is None:
        return None
    what = found.tensor.describe() if found.tensor is not None else "a tensor"
    where = f"{found.op.display} (op {found.op.index})" if found.op is not None else f"graph {found.graph}"
    text = (
        f"{where} leaves {what} dynamic ({found.why}; {found.source}), and the delegate only supports "
        "static-sized tensors"
    )
    return Rejection(text, outcome, found.op, SUBGRAPH(2552))
