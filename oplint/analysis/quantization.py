"""What a model's quantization is, op by op: the scheme, the float islands, hybrid ops.

Everything here is read from tensor types and quantization parameters (never from weights):

* an **activation** is a tensor no op reads as a constant (graph inputs, op outputs);
* an op **computes in float** when one of its non-constant inputs or its outputs is float32
  (QUANTIZE and DEQUANTIZE are conversions, not compute; control flow and variable ops that
  carry float tensors count, since they keep float data and float subgraphs alive);
* a **hybrid** op has float activations and integer constant weights (dynamic-range
  quantization): the runtime dequantizes or quantizes on the fly;
* a **float island** is a connected run of float-compute ops inside a model whose other
  activations are integers, with the QUANTIZE / DEQUANTIZE ops that enter and leave it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from ..core.model import Graph, Model, Op, Tensor
from ..core.report import Summary

INTEGER_ACTIVATIONS = frozenset({"int8", "uint8", "int16"})
FLOATS = frozenset({"float32", "float16", "bfloat16", "float64"})
CONVERSIONS = frozenset({"QUANTIZE", "DEQUANTIZE"})
_HYBRID_WEIGHTS = frozenset({"int8", "uint8", "int4"})


def _tensors(graph: Graph, indices: tuple[int, ...]) -> list[Tensor]:
    return [t for t in (graph.tensor(i) for i in indices if i >= 0) if t is not None]


def activations(graph: Graph, op: Op) -> list[Tensor]:
    """Non-constant inputs and all outputs of an op."""
    return [t for t in _tensors(graph, op.inputs) if not t.is_const] + _tensors(graph, op.outputs)


def weights(graph: Graph, op: Op) -> list[Tensor]:
    return [t for t in _tensors(graph, op.inputs) if t.is_const]


def computes_in_float(graph: Graph, op: Op) -> bool:
    if op.kind in CONVERSIONS:
        return False
    return any(t.dtype == "float32" for t in activations(graph, op))


def is_hybrid(graph: Graph, op: Op) -> bool:
    """Float activations with integer constant weights (dynamic-range quantization)."""
    if op.kind in CONVERSIONS:
        return False
    acts = activations(graph, op)
    return (
        bool(acts)
        and all(t.dtype == "float32" for t in acts)
        and any(t.dtype in _HYBRID_WEIGHTS for t in weights(graph, op))
    )


def is_float16_weight_dequantize(graph: Graph, op: Op) -> bool:
    if op.kind != "DEQUANTIZE":
        return False
    ins = _tensors(graph, op.inputs)
    return bool(ins) and ins[0].dtype == "float16" and ins[0].is_const


def has_integer_activations(model: Model) -> bool:
    """Whether any activation holds int8/uint8/int16 values (the truth's ``int_act`` test)."""
    for graph in model.graphs:
        for op in graph.ops:
            if any(t.dtype in INTEGER_ACTIVATIONS for t in activations(graph, op)):
                return True
        for i in graph.inputs:
            t = graph.tensor(i)
            if t is not None and t.dtype in INTEGER_ACTIVATIONS:
                return True
    return False


class Island(NamedTuple):
    """A connected run of float-compute ops in an integer model."""

    graph: int
    ops: tuple[Op, ...]  #: the float-compute ops, in execution order
    entries: tuple[Op, ...]  #: DEQUANTIZE ops feeding the island
    exits: tuple[Op, ...]  #: QUANTIZE ops the island feeds


def float_islands(model: Model) -> Iterator[Island]:
    for graph in model.graphs:
        floats = [op for op in graph.ops if computes_in_float(graph, op)]
        if not floats:
            continue
        producer, consumers = graph.producer, graph.consumers
        in_island = {op.index for op in floats}
        seen: set[int] = set()
        for start in floats:
            if start.index in seen:
                continue
            members, entries, exits = [], {}, {}
            stack = [start]
            seen.add(start.index)
            while stack:
                op = stack.pop()
                members.append(op)
                neighbours = [producer[t] for t in op.inputs if t in producer]
                neighbours += [c for t in op.outputs for c in consumers.get(t, ())]
                for other in neighbours:
                    if other.index in in_island and other.index not in seen:
                        seen.add(other.index)
                        stack.append(other)
                    elif other.kind == "DEQUANTIZE" and any(t in other.outputs for t in op.inputs):
                        entries[other.index] = other
                    elif other.kind == "QUANTIZE" and any(t in other.inputs for t in op.outputs):
                        exits[other.index] = other
            yield Island(
                graph.index,
                tuple(sorted(members, key=lambda o: o.index)),
                tuple(entries[i] for i in sorted(entries)),
                tuple(exits[i] for i in sorted(exits)),
            )


def summarize(model: Model) -> Summary:
    return model.derived("quantization-summary", lambda: _summarize(model))


def _summarize(model: Model) -> Summary:
    compute = integer = 0
    hybrid = float16 = int4 = blockwise = False
    act_types: set[str] = set()
    float_ops: list[str] = []
    for graph in model.graphs:
        tensors = graph.tensors
        n = len(tensors)
        for op in graph.ops:
            # each op's tensors looked up once (this runs over every op of every model)
            ins = [tensors[i] for i in op.inputs if 0 <= i < n]
            acts = [t for t in ins if not t.is_const] + [tensors[i] for i in op.outputs if 0 <= i < n]
            kind = op.kind
            if kind == "DEQUANTIZE" and ins and ins[0].dtype == "float16" and ins[0].is_const:
                float16 = True  # is_float16_weight_dequantize
            act_types.update(t.dtype for t in acts)
            if kind in CONVERSIONS:
                continue
            if not any(t.dtype in FLOATS or t.dtype in INTEGER_ACTIVATIONS for t in acts):
                continue  # index, shape and boolean arithmetic: neither float nor quantized compute
            compute += 1
            ws = [t for t in ins if t.is_const]
            if any(t.dtype == "int4" for t in ws):
                int4 = True
            if any(t.quant is not None and t.quant.details == "blockwise" for t in ws):
                blockwise = True
            if acts and all(t.dtype == "float32" for t in acts) and any(t.dtype in _HYBRID_WEIGHTS for t in ws):
                hybrid = True  # is_hybrid
            if any(t.dtype in FLOATS for t in acts):
                float_ops.append(f"{op.display}#{op.index}" + (f"@sg{graph.index}" if graph.index else ""))
            else:
                integer += 1
    int_acts = act_types & INTEGER_ACTIVATIONS
    if int_acts and float_ops:
        scheme = "mixed"
    elif "int8" in int_acts:
        scheme = "int8"  # int16 tensors beside int8 ones are internals (e.g. of int8 LSTMs)
    elif "int16" in int_acts:
        scheme = "int16x8"
    elif "uint8" in int_acts:
        scheme = "uint8"
    elif int4 or blockwise:
        scheme = "int4-weights"
    elif hybrid:
        scheme = "dynamic-range"
    elif float16:
        scheme = "float16-weights"
    else:
        scheme = "float32"
    misfits = tuple(f"{name} computes in float" for name in float_ops) if int_acts else ()
    main = model.graphs[0] if model.graphs else None
    io_in = tuple(t.dtype for t in (_tensors(main, main.inputs) if main else []))
    io_out = tuple(t.dtype for t in (_tensors(main, main.outputs) if main else []))
    return Summary(scheme, compute, integer, io_in, io_out, misfits)
