"""Activations bounced between integer and float inside the graph.

## What it does
Finds a `DEQUANTIZE` whose float output goes straight into a `QUANTIZE` (integer -> float ->
integer), and a `QUANTIZE` whose output goes straight into a `DEQUANTIZE` (float -> integer ->
float), in the middle of a graph.

## Why is this bad?
Each bounce costs two passes over the tensor and, for float -> int -> float, loses precision
for nothing.  Bounces appear when a graph was quantized in pieces, when float fallback islands
sit next to each other, or when fake-quant nodes were placed around ops that stayed float; on
integer-only hardware the float side of the bounce falls back to the CPU.

## Example
```
$ oplint check fixtures/tflite/quant_bounce.tflite
fixtures/tflite/quant_bounce.tflite:sg0:op0: OPL213 DEQUANTIZE 'x_float' feeds QUANTIZE 'x_requant' (op 1) directly: int8 -> float32 -> int8
```

## How to fix
Requantize directly (a single `QUANTIZE` int8 -> int8 changes scale without float), or quantize
the ops between the two so the activation stays integer; re-convert the whole model at once
rather than stitching quantized pieces.

## References
- LiteRT `tflite/g3doc/performance/quantization_spec.md`
"""

from __future__ import annotations

from collections.abc import Iterator

from ..core.findings import Hit, Severity
from .rule import Context, Rule

RULE = Rule(
    __doc__,
    "OPL213",
    "quantize-dequantize-bounce",
    Severity.WARNING,
    scope="model",
    fires_on=(("tflite/quant_bounce.tflite", "tflite"),),
    silent_on=(("tflite/conv_int8.tflite", "tflite"), ("tflite/int8_float_io.tflite", "tflite")),
)


@RULE.check
def check(ctx: Context) -> Iterator[Hit]:
    for graph in ctx.model.graphs:
        for op in graph.ops:
            if op.kind not in ("QUANTIZE", "DEQUANTIZE") or not op.outputs:
                continue
            src = graph.tensor(op.inputs[0]) if op.inputs and op.inputs[0] >= 0 else None
            if src is None or src.is_const:
                continue  # DEQUANTIZE of constant weights is float16/int8 weight storage, not a bounce
            for nxt in graph.consumers.get(op.outputs[0], ()):
                if {op.kind, nxt.kind} == {"QUANTIZE", "DEQUANTIZE"}:
                    out = graph.tensor(nxt.outputs[0]) if nxt.outputs else None
                    mid = graph.tensor(op.outputs[0])
                    chain = " -> ".join(t.dtype for t in (src, mid, out) if t is not None)
                    name = f"{op.display} '{op.name}'" if op.name else op.display
                    other = f"{nxt.display} '{nxt.name}'" if nxt.name else nxt.display
                    yield Hit(
                        op,
                        f"{name} feeds {other} (op {nxt.index}) directly: {chain}",
                        "requantize directly, or quantize the ops between so the tensor stays integer",
                    )
