"""A quantization scale that is not a usable positive number for the kernel.

## What it does
Checks the scales of quantized tensors:

- every scale must be a positive, finite number (zero, negative, NaN and infinite scales come
  from broken calibration or tools that edited the file);
- an output with a fused `RELU6` or `RELU_N1_TO_1` activation must have a scale large enough
  that the activation bounds quantize into int32: the kernels of LiteRT and TensorFlow Lite
  Micro (the same `kernel_util.cc`) compute `round(6.0 / scale)` and refuse the op when it
  overflows (`no_integer_overflow_from_quantization`).

Limits that only one runtime's kernels have are OPL205.

## Why is this bad?
These models convert and even pass the converter's checks, then fail to prepare on every
runtime (`kernel_util.cc:349 no_integer_overflow_from_quantization was not true. Node number 14
(DEPTHWISE_CONV_2D) failed to prepare`).  The cause is almost always a calibration set that
does not exercise the layer (all-zero activations give a scale near 0).

## Example
```
$ oplint check fixtures/tflite/relu6_tiny_scale.tflite
fixtures/tflite/relu6_tiny_scale.tflite:sg0:op0: OPL203 ADD 'sum' output sum (int8[1x4]) has scale 1e-10: its RELU6 bound 6.0 quantizes to 6e+10, beyond int32
```

## How to fix
Calibrate with representative data (real inputs, enough of them, covering every branch), or
set the quantization range of the layer explicitly; never hand-edit scales to zero.

## References
- LiteRT `tflite/kernels/kernel_util.cc` (`CalculateActivationRangeQuantized`, `Quantize`)
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from ..findings import Hit, Severity
from ..model import Graph, Op, Tensor
from ._api import Context, rule

INT32_MAX_AS_FLOAT = 2147483648.0  # float(std::numeric_limits<int32_t>::max()), as the C++ compares
ACTIVATION_BOUNDS = {"RELU6": (0.0, 6.0), "RELU_N1_TO_1": (-1.0, 1.0)}


@rule(
    "OPL203",
    "invalid-quantization-scale",
    Severity.ERROR,
    scope="model",
    fires_on=(("tflite/relu6_tiny_scale.tflite", "tflite"), ("tflite/relu6_tiny_scale.tflite", "tflm")),
    silent_on=(("tflite/conv_int8.tflite", "tflm"), ("tflite/softmax_tiny_scale.tflite", "tflm")),
)
def check(ctx: Context) -> Iterator[Hit]:
    for graph in ctx.model.graphs:
        for tensor in graph.tensors:
            if tensor.quant is not None and tensor.quant.bad_scales():
                bad = tensor.quant.bad_scales()[0]
                yield Hit(
                    _user(graph, tensor),
                    f"tensor {tensor.describe()} has quantization scale {bad}; scales must be positive and finite",
                    "re-run quantization with representative calibration data",
                )
        for op in graph.ops:
            yield from _activation_overflow(graph, op)


def _user(graph: Graph, tensor: Tensor) -> Op | None:
    for op in graph.ops:
        if tensor.index in op.outputs or tensor.index in op.inputs:
            return op
    return None


def scale_of(tensor: Tensor | None) -> float | None:
    """The per-tensor scale, when it is one usable number."""
    if tensor is None or tensor.quant is None or tensor.quant.scale_count != 1 or not tensor.quant.scales:
        return None
    scale = float(tensor.quant.scales[0])
    return scale if scale > 0 and math.isfinite(scale) else None


def _activation_overflow(graph: Graph, op: Op) -> Iterator[Hit]:
    bounds = ACTIVATION_BOUNDS.get(str(op.options.get("fused_activation_function", "NONE")))
    if bounds is None or not op.outputs:
        return
    out = graph.tensor(op.outputs[0])
    scale = scale_of(out)
    if out is None or scale is None or out.dtype not in ("int8", "uint8", "int16"):
        return
    for bound in bounds:
        q = round(bound / scale)
        if abs(q) > INT32_MAX_AS_FLOAT:
            act = op.options["fused_activation_function"]
            yield Hit(
                op,
                f"{op.display} '{op.name}' output {out.describe()} has scale {scale:.3g}: its {act} bound "
                f"{bound} quantizes to {q:.3g}, beyond int32",
                "calibrate with representative data so this layer's output range is not degenerate",
            )
            return
