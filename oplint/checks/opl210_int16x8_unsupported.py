"""A 16x8-quantized op (int16 activations, int8 weights) without an int16 kernel on the target.

## What it does
For models quantized with 16-bit activations and 8-bit weights
(`EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8`), flags ops with int16
activations whose kernel on the target has no int16 signature.

## Why is this bad?
16x8 quantization keeps more precision for audio and super-resolution models, but far fewer
kernels support it: the node fails to prepare (e.g. TFLite Micro's `RESIZE_BILINEAR`: `Output
type is 7, requires float or int8`), or a delegate leaves the op on the CPU.

## Example
```
$ oplint check fixtures/tflite/int16_resize.tflite --target tflm
fixtures/tflite/int16_resize.tflite:sg0:op0: OPL210 [tflm] RESIZE_BILINEAR 'resized' has int16 activations but TensorFlow Lite Micro's kernel takes (*, int32 -> float32|int8)
```

## How to fix
Quantize this model to int8 instead, or keep the unsupported ops out of the 16x8 part (the
converter's `_experimental_full_integer_quantization_bias_type` / selective quantization), or
replace the op (e.g. `RESIZE_NEAREST_NEIGHBOR` has int16 kernels in more runtimes).

## References
- https://ai.google.dev/edge/litert/models/post_training_integer_quant_16x8
- LiteRT `tflite/converter/tools/optimize/operator_property.cc` (`quantizable_int16`)
"""

from __future__ import annotations

from collections.abc import Iterator

from ..analysis.types import INT16X8, accepted, mismatches
from ..core.findings import Hit, Severity
from .rule import Context, Rule

RULE = Rule(
    __doc__,
    "OPL210",
    "int16x8-unsupported",
    Severity.ERROR,
    fires_on=(("tflite/int16_resize.tflite", "tflm"),),
    silent_on=(("tflite/int16_resize.tflite", "tflite"), ("tflite/conv_int8.tflite", "tflm")),
)


@RULE.check
def check(ctx: Context) -> Iterator[Hit]:
    for m in mismatches(ctx.model, ctx.target):
        if m.category != INT16X8 or not ctx.on_cpu(m.op):
            continue
        where = f"{m.op.display} '{m.op.name}'" if m.op.name else m.op.display
        yield Hit(
            m.op,
            f"{where} has int16 activations but {ctx.target.runtime_title}'s kernel takes "
            f"{accepted(m.support.types or (), m.op)}",
            "quantize to int8 for this target, or keep this op out of the 16x8 part of the model",
        )
