"""A quantization scale that is not a usable positive number for the kernel.

## What it does
Checks the scales of quantized tensors:

- every scale must be a positive, finite number (zero, negative, NaN and infinite scales come
  from broken calibration or tools that edited the file);
- an output with a fused `RELU6` or `RELU_N1_TO_1` activation must have a scale large enough
  that the activation bounds quantize into int32: the kernels of LiteRT and TensorFlow Lite
  Micro (the same `kernel_util.cc`) compute `round(6.0 / scale)` and refuse the op when it
  overflows (`no_integer_overflow_from_quantization`);
- per-channel weights of `CONV_2D`, `DEPTHWISE_CONV_2D`, `TRANSPOSE_CONV` and
  `FULLY_CONNECTED` need one scale per output channel, counted along the quantized dimension
  (`PopulateConvolutionQuantizationParams`, shared by both runtimes);
- legacy uint8 convolutions need a bias scale within 2% (of the output scale) of input scale x
  weight scale, which the uint8 kernels check.

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

from ..core.findings import Hit, Severity
from ..core.model import Graph, Op, Tensor
from .rule import Context, Rule

QUANTIZED = frozenset({"int8", "uint8", "int16", "int4", "int32", "int64"})  #: types whose scales kernels read
INT32_MAX_AS_FLOAT = 2147483648.0  # float(std::numeric_limits<int32_t>::max()), as the C++ compares
ACTIVATION_BOUNDS = {"RELU6": (0.0, 6.0), "RELU_N1_TO_1": (-1.0, 1.0)}


RULE = Rule(
    __doc__,
    "OPL203",
    "invalid-quantization-scale",
    Severity.ERROR,
    scope="model",
    fires_on=(("tflite/relu6_tiny_scale.tflite", "tflite"), ("tflite/relu6_tiny_scale.tflite", "tflm")),
    silent_on=(("tflite/conv_int8.tflite", "tflm"), ("tflite/softmax_tiny_scale.tflite", "tflm")),
)


@RULE.check
def check(ctx: Context) -> Iterator[Hit]:
    for graph in ctx.model.graphs:
        for tensor in graph.tensors:
            if tensor.dtype in QUANTIZED and tensor.quant is not None and tensor.quant.bad_scales():
                bad = tensor.quant.bad_scales()[0]
                yield Hit(
                    _user(graph, tensor),
                    f"tensor {tensor.describe()} has quantization scale {bad}; scales must be positive and finite",
                    "re-run quantization with representative calibration data",
                )
        for op in graph.ops:
            yield from _activation_overflow(graph, op)
            yield from _per_channel(graph, op)
            yield from _uint8_bias(graph, op)


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


#: where each convolution keeps its output channels in the filter (conv.cc kConvQuantizedDimension, ...)
CHANNEL_AXIS = {"CONV_2D": 0, "DEPTHWISE_CONV_2D": 3, "TRANSPOSE_CONV": 0, "FULLY_CONNECTED": 0}


def _per_channel(graph: Graph, op: Op) -> Iterator[Hit]:
    axis = CHANNEL_AXIS.get(op.kind)
    filt = graph.tensor(op.inputs[1]) if axis is not None and len(op.inputs) > 1 and op.inputs[1] >= 0 else None
    if filt is None or filt.quant is None or not filt.quant.per_channel or not filt.shape or axis is None:
        return
    q = filt.quant
    if axis >= len(filt.shape) or not 0 <= q.quantized_dimension < len(filt.shape):
        yield Hit(
            op,
            f"{op.display} '{op.name}' weights {filt.describe()} are quantized along dim "
            f"{q.quantized_dimension}, which they do not have",
            "re-run quantization",
        )
        return
    channels = filt.shape[axis]
    if q.scale_count != channels or filt.shape[q.quantized_dimension] != channels:
        yield Hit(
            op,
            f"{op.display} '{op.name}' weights {filt.describe()} have {q.scale_count} per-channel scales "
            f"along dim {q.quantized_dimension}; the kernel needs one per output channel ({channels}, dim "
            f"{axis})",
            "re-run quantization; per-channel scales must follow the output channels",
        )


def _uint8_bias(graph: Graph, op: Op) -> Iterator[Hit]:
    if op.kind not in CHANNEL_AXIS or len(op.inputs) < 3 or op.inputs[2] < 0 or not op.outputs:
        return
    x, w, b, out = (graph.tensor(i) for i in (op.inputs[0], op.inputs[1], op.inputs[2], op.outputs[0]))
    if x is None or x.dtype != "uint8" or b is None:
        return
    xs, ws, bs, os_ = scale_of(x), scale_of(w), scale_of(b), scale_of(out)
    if None in (xs, ws, bs, os_):
        return
    assert xs is not None and ws is not None and bs is not None and os_ is not None
    if abs(xs * ws - bs) / os_ > 0.02:
        yield Hit(
            op,
            f"{op.display} '{op.name}' bias {b.describe()} has scale {bs:.6g}, but input x weight scale is "
            f"{xs * ws:.6g}: more than 2% of the output scale apart, which uint8 kernels refuse",
            "re-run quantization; the bias scale must be input scale x weight scale",
        )
