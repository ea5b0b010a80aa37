"""Quantization parameters that one runtime's kernels cannot work with.

## What it does
Checks limits on scales and zero points that a particular runtime's kernels impose beyond the
quantization spec:

- TensorFlow Lite Micro's int8/uint8 `SOFTMAX` derives a fixed-point input multiplier
  `beta * input_scale * 2^26` and requires it to be greater than 1 (LiteRT's int8 softmax uses
  a lookup table and has no such limit);
- TensorFlow Lite Micro's int8/int16 `AVERAGE_POOL_2D` and `MAX_POOL_2D` require the output to
  keep the input's scale and zero point (`pooling_common.cc`);
- LiteRT's default XNNPACK delegate refuses an int8 `MAX_POOL_2D` whose output scale differs
  from its input's, and the stock interpreter then fails to prepare ("failed to delegate
  MAX_POOL_2D node"), although the reference kernel would run it (measured with
  ai-edge-litert 2.3.0: `fixtures/tflite/VERDICTS.json`, `pool_scale_change.tflite`).

## Why is this bad?
The model converts and may run elsewhere, then fails on this runtime: TFLM checks the softmax
multiplier with `TFLITE_CHECK_GT(double_multiplier, 1.)`, which aborts the whole program on the
device rather than returning an error; the pooling checks fail `AllocateTensors()`.  A tiny
logits scale (below 1.5e-8) comes from calibration data that never exercised the layer; a
pooling op with its own output scale from a tool other than the TFLite converter.

## Example
```
$ oplint check fixtures/tflite/softmax_tiny_scale.tflite --target tflm
fixtures/tflite/softmax_tiny_scale.tflite:sg0:op0: OPL205 [tflm] SOFTMAX 'probs' input logits (int8[1x4]) has scale 1e-09: beta x scale x 2^26 = 0.0671, but the TensorFlow Lite Micro kernel needs more than 1 (it aborts)
```

## How to fix
Calibrate with representative data so the logits have a realistic range, or keep the softmax
in float and quantize its output separately.

## References
- tflite-micro `tensorflow/lite/micro/kernels/pooling_common.cc`
- tflite-micro `tensorflow/lite/micro/kernels/softmax_common.cc` (`kScaledDiffIntegerBits = 5`)
- tflite-micro `tensorflow/lite/kernels/internal/quantization_util.cc`
  (`PreprocessSoftmaxScaling`, `QuantizeMultiplierGreaterThanOne`)
"""

from __future__ import annotations

from collections.abc import Iterator

from ..core.findings import Hit, Severity
from ..core.model import Graph, Op
from .opl203_invalid_quantization_scale import scale_of
from .rule import Context, Rule

SOFTMAX_SCALED_DIFF_INTEGER_BITS = 5  # softmax_common.cc kScaledDiffIntegerBits


RULE = Rule(
    __doc__,
    "OPL205",
    "unsupported-quantization-params",
    Severity.ERROR,
    fires_on=(("tflite/softmax_tiny_scale.tflite", "tflm"),),
    silent_on=(("tflite/softmax_tiny_scale.tflite", "tflite"), ("tflite/conv_int8.tflite", "tflm")),
)


@RULE.check
def check(ctx: Context) -> Iterator[Hit]:
    kernels = ctx.target.kernels
    for graph in ctx.model.graphs:
        for op in graph.ops:
            if kernels == "tflm" and op.kind == "SOFTMAX":
                yield from _tflm_softmax(graph, op)
            elif (kernels == "tflm" and op.kind in ("AVERAGE_POOL_2D", "MAX_POOL_2D")) or (
                kernels == "litert" and op.kind == "MAX_POOL_2D"
            ):
                yield from _pooling_same_params(graph, op, ctx.target.runtime_title, check_zero_point=kernels == "tflm")


def _pooling_same_params(graph: Graph, op: Op, title: str, check_zero_point: bool) -> Iterator[Hit]:
    if not op.inputs or op.inputs[0] < 0 or not op.outputs:
        return
    x, y = graph.tensor(op.inputs[0]), graph.tensor(op.outputs[0])
    if x is None or y is None or x.dtype not in ("int8", "int16") or not x.quantized or not y.quantized:
        return
    xs, ys = scale_of(x), scale_of(y)
    if xs is None or ys is None:
        return
    xz = x.quant.zero_points[0] if x.quant and x.quant.zero_points else 0
    yz = y.quant.zero_points[0] if y.quant and y.quant.zero_points else 0
    if abs(xs - ys) > 1.0e-6 or (check_zero_point and xz != yz):
        yield Hit(
            op,
            f"{op.display} '{op.name}' changes scale/zero point from {xs:.6g}/{xz} to {ys:.6g}/{yz}; "
            f"{title} requires the input's on the output",
            "give the pooling output its input's scale and zero point (the TFLite converter does)",
        )


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
