"""The target has the op, but no kernel for these tensor types.

## What it does
For targets whose kernels accept only some tensor types per op (TensorFlow Lite Micro's
kernels switch on the input, weight and output types in `Prepare`/`Eval`), checks each op's
input and output dtypes against the signatures the target's kernel accepts, e.g. TFLM's `EXP`
takes only `float32`, its `FULLY_CONNECTED` takes float with float weights, int8 with int8 or
int4 weights, or int16 with int8 weights, and its `DEQUANTIZE` takes int8/int16/uint8 input.

## Why is this bad?
The op resolves, so the model loads, and then the node fails to prepare on the device:
`input->type != kTfLiteFloat32 (INT8 != FLOAT32) Node EXP (number 7) failed to prepare`,
`Hybrid models are not supported on TFLite Micro`, or a float16-weights model whose
`DEQUANTIZE` of float16 constants TFLM cannot run.

## Example
```
$ oplint check fixtures/tflite/exp_int8.tflite --target tflm
fixtures/tflite/exp_int8.tflite:sg0:op0: OPL201 [tflm] EXP 'exp' has no TensorFlow Lite Micro kernel for (int8 -> int8); its kernel takes (float32 -> float32)
```

Custom ops with typed kernels (TFLM's `TFLite_Detection_PostProcess`, the signal ops) are
checked the same way.  A `-` in a signature means that optional input must be left out, `*` any type.

## How to fix
Keep the op in the types the kernel supports: quantize fully to int8 (`representative_dataset`
plus `target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]`) instead of
dynamic-range or float16 quantization, or move the unsupported op out of the quantized part
of the model.  The accepted signatures come from the kernel sources (`oplint targets`).

## References
- tflite-micro `tensorflow/lite/micro/kernels/*.cc` (Prepare/Eval type checks)
- tflite-micro `tensorflow/lite/micro/kernels/conv_common.cc` ("Hybrid models are not supported")
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from ..findings import Hit, Severity
from ..model import Graph, Op
from ._api import Context, rule


@rule(
    "OPL201",
    "unsupported-tensor-types",
    Severity.ERROR,
    fires_on=(("tflite/exp_int8.tflite", "tflm"), ("tflite/hybrid_fc.tflite", "tflm")),
    silent_on=(("tflite/conv_int8.tflite", "tflm"), ("tflite/exp_int8.tflite", "tflite")),
)
def check(ctx: Context) -> Iterator[Hit]:
    target = ctx.target
    for graph in ctx.model.graphs:
        for op in graph.ops:
            support = target.support(op.kind, op.custom_code)
            if support is None or support.types is None:
                continue
            dtypes = _positions(graph, op)
            if any(_matches(sig, dtypes, support.uniform_inputs) for sig in support.types):
                continue
            shown = _signature(op, dtypes)
            accepted = _accepted(support.types, op)
            where = f"{op.kind} '{op.name}'" if op.name else op.kind
            yield Hit(
                op,
                f"{where} has no {target.title} kernel for {shown}; its kernel takes {accepted}",
                _hint(graph, op, dtypes),
            )


def _positions(graph: Graph, op: Op) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for i, t in enumerate(op.inputs):
        tensor = graph.tensor(t) if t >= 0 else None
        out[f"in{i}"] = tensor.dtype if tensor is not None else None
    for i, t in enumerate(op.outputs):
        tensor = graph.tensor(t)
        out[f"out{i}"] = tensor.dtype if tensor is not None else None
    return out


def _matches(sig: Mapping[str, frozenset[str]], dtypes: Mapping[str, str | None], uniform: bool = False) -> bool:
    """Every position the signature names holds an allowed dtype (an empty set: must be absent);
    with ``uniform``, every input also has one of the dtypes allowed for in0."""
    for pos, allowed in sig.items():
        dtype = dtypes.get(pos)
        if dtype is not None and dtype not in allowed:
            return False
    if uniform and "in0" in sig:
        first = dtypes.get("in0")
        for pos, dtype in dtypes.items():
            if pos.startswith("in") and dtype is not None and dtype != first:
                return False
    return True


def _signature(op: Op, dtypes: Mapping[str, str | None]) -> str:
    ins = [dtypes.get(f"in{i}") or "-" for i in range(len(op.inputs))]
    outs = [dtypes.get(f"out{i}") or "?" for i in range(len(op.outputs))]
    return f"({', '.join(ins)} -> {', '.join(outs)})"


def _accepted(sigs: Sequence[Mapping[str, frozenset[str]]], op: Op) -> str:
    """The accepted signatures, compacted when they only say "one type in, the same type out"."""
    uniform = [next(iter(s.values())) for s in sigs if s and len({frozenset(v) for v in s.values()}) == 1]
    if len(sigs) > 3 and len(uniform) == len(sigs) and all(len(t) == 1 for t in uniform):
        names = sorted(next(iter(t)) for t in uniform)
        positions = " and ".join(sorted(sigs[0], key=lambda p: (p.startswith("out"), int(p.lstrip("inout")))))
        return f"one type for {positions}: {', '.join(names)}"
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


def _hint(graph: Graph, op: Op, dtypes: Mapping[str, str | None]) -> str:
    inputs = [graph.tensor(t) if t >= 0 else None for t in op.inputs]
    activation = dtypes.get("in0")
    const_types = {t.dtype for t in inputs[1:] if t is not None and t.is_const}
    if activation == "float32" and const_types & {"int8", "int4", "uint8"}:
        return (
            "this is a hybrid (dynamic-range quantized) op, float activations with integer weights; "
            "quantize fully to int8 with a representative dataset, or keep the model float"
        )
    if op.kind == "DEQUANTIZE" and activation == "float16":
        return (
            "float16 weights are dequantized at run time; convert without float16 quantization "
            "(or quantize fully to int8)"
        )
    return "convert so that this op runs in a type the kernel supports, or replace the op"
