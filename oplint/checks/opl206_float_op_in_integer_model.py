"""Ops left computing in float inside an integer-quantized model.

## What it does
In a model whose activations are integers (int8, uint8 or int16), finds the ops that still
compute in float32 and groups them into *float islands*: connected runs of float ops, with the
`DEQUANTIZE` ops that enter each island and the `QUANTIZE` ops that leave it.  One finding per
island, on its first op, names the ops it holds.

## Why is this bad?
An "int8 model" with a float island runs float kernels in the middle of the network: slower,
more memory, and on integer-only hardware (microcontrollers without an FPU, Edge TPU, Ethos-U,
DSPs) those ops fall back to the CPU or do not run at all.  The converter leaves ops in float
silently when it has no integer kernel for them and float fallback is allowed (the default
`optimizations=[tf.lite.Optimize.DEFAULT]` with a representative dataset).

## Example
```
$ oplint check fixtures/tflite/int8_float_island.tflite
fixtures/tflite/int8_float_island.tflite:sg0:op1: OPL206 float island of 1 op (ELU) in an integer model, entered from DEQUANTIZE 'x_float' (op 0), left through QUANTIZE 'y' (op 2)
```

## How to fix
Convert with `converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]` to
make the converter fail on ops it cannot quantize instead of keeping them in float, then
replace those ops with quantizable ones (e.g. ELU with ReLU, `tf.math.pow` with
multiplications), or accept the island for targets with float kernels.

## References
- https://ai.google.dev/edge/litert/models/post_training_integer_quant
- LiteRT `tflite/g3doc/performance/quantization_spec.md`
"""

from __future__ import annotations

from collections.abc import Iterator

from ..analysis.quantization import float_islands, has_integer_activations
from ..core.findings import Hit, Severity
from ..core.model import Op
from .rule import Context, Rule

RULE = Rule(
    __doc__,
    "OPL206",
    "float-op-in-integer-model",
    Severity.WARNING,
    scope="model",
    fires_on=(("tflite/int8_float_island.tflite", "tflite"),),
    silent_on=(("tflite/conv_int8.tflite", "tflite"), ("tflite/conv_float.tflite", "tflite")),
)


@RULE.check
def check(ctx: Context) -> Iterator[Hit]:
    if ctx.model.format != "tflite" or not has_integer_activations(ctx.model):
        return
    for island in float_islands(ctx.model):
        kinds = sorted({op.display for op in island.ops})
        shown = ", ".join(kinds[:6]) + (f", +{len(kinds) - 6} more" if len(kinds) > 6 else "")
        n = len(island.ops)
        text = f"float island of {n} op{'s' if n != 1 else ''} ({shown}) in an integer model"
        if island.entries:
            text += ", entered from " + ", ".join(_op(op) for op in island.entries[:3])
        if island.exits:
            text += ", left through " + ", ".join(_op(op) for op in island.exits[:3])
        yield Hit(
            island.ops[0],
            text,
            "convert with TFLITE_BUILTINS_INT8 to see which ops cannot be quantized, then replace them",
        )


def _op(op: Op) -> str:
    return f"{op.display} '{op.name}' (op {op.index})" if op.name else f"{op.display} (op {op.index})"
