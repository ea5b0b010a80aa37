"""Quantization parameters that one runtime's kernels cannot work with.

## What it does
Checks limits on scales and zero points that a particular runtime's kernels impose beyond the
quantization spec.  TensorFlow Lite Micro's int8/uint8 `SOFTMAX` derives a fixed-point input
multiplier `beta * input_scale * 2^26` and requires it to be greater than 1; LiteRT's int8
softmax uses a lookup table and has no such limit.

## Why is this bad?
TFLM checks the multiplier with `TFLITE_CHECK_GT(double_multiplier, 1.)`, which aborts the
whole program on the device rather than returning an error, after the model passed LiteRT
and the converter.  A tiny logits scale (here below 1.5e-8) comes from calibration data that
never exercised the layer.

## Example
```
$ oplint check fixtures/tflite/softmax_tiny_scale.tflite --target tflm
fixtures/tflite/softmax_tiny_scale.tflite:sg0:op0: OPL205 [tflm] SOFTMAX 'probs' input logits (int8[1x4]) has scale 1e-09: beta x scale x 2^26 = 0.0671, but the TensorFlow Lite Micro kernel needs more than 1 (it aborts)
```

## How to fix
Calibrate with representative data so the logits have a realistic range, or keep the softmax
in float and quantize its output separately.

## References
- tflite-micro `tensorflow/lite/micro/kernels/softmax_common.cc` (`kScaledDiffIntegerBits = 5`)
- tflite-micro `tensorflow/lite/kernels/internal/quantization_util.cc`
  (`PreprocessSoftmaxScaling`, `QuantizeMultiplierGreaterThanOne`)
"""

from __future__ import annotations

from collections.abc import Iterator

from ..findings import Hit, Severity
from ..model import Graph, Op
from ._api import Context, rule
from .opl203_invalid_quantization_scale import scale_of

SOFTMAX_SCALED_DIFF_INTEGER_BITS = 5  # softmax_common.cc kScaledDiffIntegerBits


@rule(
    "OPL205",
    "unsupported-quantization-params",
    Severity.ERROR,
    fires_on=(("tflite/softmax_tiny_scale.tflite", "tflm"),),
    silent_on=(("tflite/softmax_tiny_scale.tflite", "tflite"), ("tflite/conv_int8.tflite", "tflm")),
)
def check(ctx: Context) -> Iterator[Hit]:
    if ctx.target.kernels != "tflm":
        return
    for graph in ctx.model.graphs:
        for op in graph.ops:
            if op.kind == "SOFTMAX":
                yield from _tflm_softmax(graph, op)


def _tflm_softmax(graph: Graph, op: Op) -> Iterator[Hit]:
    x = graph.tensor(op.inputs[0]) if op.inputs and op.inputs[0] >= 0 else None
    scale = scale_of(x)
    if x is None or scale is None or x.dtype not in ("int8", "uint8"):
        return
    beta = float(op.options.get("beta", 1.0))
    multiplier = beta * scale * (1 << (31 - SOFTMAX_SCALED_DIFF_INTEGER_BITS))
    if multiplier <= 1.0:
        yield Hit(
            op,
            f"SOFTMAX '{op.name}' input {x.describe()} has scale {scale:.3g}: beta x scale x 2^26 = "
            f"{multiplier:.3g}, but the TensorFlow Lite Micro kernel needs more than 1 (it aborts)",
            "calibrate with representative data so the logits' range is not degenerate",
        )
