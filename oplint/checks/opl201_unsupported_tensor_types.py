"""The target has the op, but no kernel for these tensor types.

## What it does
For targets whose kernels accept only some tensor types per op (TensorFlow Lite Micro's
kernels switch on the input, weight and output types in `Prepare`/`Eval`), checks each op's
input and output dtypes against the signatures the target's kernel accepts, e.g. TFLM's `EXP`
takes only `float32`, its `FULLY_CONNECTED` takes float with float weights, int8 with int8 or
int4 weights, or int16 with int8 weights, and its `DEQUANTIZE` takes int8/int16/uint8 input.

## Why is this bad?
The op resolves, so the model loads, and then the node fails to prepare on the device:
`input->type != kTfLiteFloat32 (INT8 != FLOAT32) Node EXP (number 7) failed to prepare`, or
`Type 'INT32' is not supported by FLOOR_MOD`.

## Example
```
$ oplint check fixtures/tflite/exp_int8.tflite --target tflm
fixtures/tflite/exp_int8.tflite:sg0:op0: OPL201 [tflm] EXP 'exp' has no TensorFlow Lite Micro kernel for (int8 -> int8); its kernel takes (float32 -> float32)
```

Custom ops with typed kernels (TFLM's `TFLite_Detection_PostProcess`, the signal ops) are
checked the same way.  Mismatches that are a quantization scheme the kernel lacks have rules of
their own: hybrid ops (OPL208), float16 weights (OPL209), 16x8 ops (OPL210), int4 or block-wise
weights (OPL211).  A `-` in a signature means that optional input must be left out, `*` any type.

## How to fix
Keep the op in the types the kernel supports: cast int64 to int32 before the op, keep an op the
kernel only has in float out of the quantized part of the model (or quantize fully with
`TFLITE_BUILTINS_INT8` so the converter tells you), or replace it.  The accepted signatures
come from the kernel sources (`oplint targets`).

## References
- tflite-micro `tensorflow/lite/micro/kernels/*.cc` (Prepare/Eval type checks)
- tflite-micro `tensorflow/lite/micro/kernels/conv_common.cc` ("Hybrid models are not supported")
"""

from __future__ import annotations

from collections.abc import Iterator

from ..analysis.types import mismatches
from ..core.findings import Hit, Severity
from .rule import Context, Rule

RULE = Rule(
    __doc__,
    "OPL201",
    "unsupported-tensor-types",
    Severity.ERROR,
    fires_on=(("tflite/exp_int8.tflite", "tflm"), ("tflite/string_input.tflite", "tflm")),
    silent_on=(
        ("tflite/conv_int8.tflite", "tflm"),
        ("tflite/exp_int8.tflite", "tflite"),
        ("tflite/hybrid_fc.tflite", "tflm"),
    ),
)


@RULE.check
def check(ctx: Context) -> Iterator[Hit]:
    for mismatch in mismatches(ctx.model, ctx.target):
        if mismatch.category is None and ctx.on_cpu(mismatch.op):
            yield Hit(
                mismatch.op,
                mismatch.describe(ctx.target),
                "convert so that this op runs in a type the kernel supports, or replace the op",
            )
