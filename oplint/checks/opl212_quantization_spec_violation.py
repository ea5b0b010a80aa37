"""Quantization parameters that break the TFLite quantization spec.

## What it does
Checks every quantized op in the TFLite 8-bit quantization spec
(`rules/quantization/int8_spec.toml`) against what the spec requires of its tensors:

- int8 weights must be symmetric: zero point 0;
- per-axis weights must be quantized along the spec's axis (dim 0 for `CONV_2D` and
  `FULLY_CONNECTED`, dim 3 for `DEPTHWISE_CONV_2D`);
- a bias must be int32 with zero point 0 in int8 models;
- ops with a fixed output range must use the spec's scale and zero point (`LOGISTIC` and
  `SOFTMAX` 1/256 and -128, `TANH` and `L2_NORMALIZATION` 1/128 and 0, ...);
- ops that move values without rescaling (`MAX_POOL_2D`, `RESHAPE`, `CONCATENATION`, ...) must
  have the same scale and zero point on inputs and outputs;
- int16 activations (16x8 quantization) must have zero point 0: 16-bit activations are
  symmetric (`operator_property.cc`: `symmetric = number_of_bits != 8`).

## Why is this bad?
Kernels are written for the spec and trust it.  Most of these do not fail loudly: a max pool
whose output scale differs from its input's returns values in the wrong scale, an asymmetric
weight is read as if its zero point were 0, and results are silently wrong; some kernels
refuse the op (TFLite Micro's int8 `SOFTMAX` requires the fixed output parameters, LiteRT's
int16 `ADD` a zero point of 0).  Such parameters come from hand-written quantization, tools
other than the TFLite converter, or models edited after conversion.

## Example
```
$ oplint check fixtures/tflite/asymmetric_weights.tflite
fixtures/tflite/asymmetric_weights.tflite:sg0:op0: OPL212 FULLY_CONNECTED 'y': in1 w (int8[4x8]) is a weight with zero point 3; the spec requires 0 (symmetric int8 weights)
```

## How to fix
Quantize with the TFLite converter (post-training integer quantization or quantization-aware
training with the TFLite-compatible `tfmot` defaults), which follows the spec, instead of
setting parameters by hand; if a tool produced the model, report it to that tool.

## References
- LiteRT `tflite/g3doc/performance/quantization_spec.md`
- LiteRT `tflite/converter/tools/optimize/operator_property.cc`
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from ..core.findings import Hit, Severity
from ..core.model import Graph, Op, Tensor
from ..knowledge.quantspec import OpSpec, int8_spec
from .rule import Context, Rule

REL_TOLERANCE = 1e-3  # parameters the converter writes are float32 copies of exact values


RULE = Rule(
    __doc__,
    "OPL212",
    "quantization-spec-violation",
    Severity.WARNING,
    scope="model",
    fires_on=(("tflite/asymmetric_weights.tflite", "tflite"), ("tflite/pool_scale_change.tflite", "tflite")),
    silent_on=(("tflite/conv_int8.tflite", "tflite"), ("tflite/conv_float.tflite", "tflite")),
)


@RULE.check
def check(ctx: Context) -> Iterator[Hit]:
    spec = int8_spec()
    for graph in ctx.model.graphs:
        for op in graph.ops:
            op_spec = spec.get(op.kind)
            if op_spec is not None:
                for problem in _against_spec(graph, op, op_spec):
                    yield Hit(
                        op, f"{_name(op)}: {problem}", "quantize with the TFLite converter, which follows the spec"
                    )
            zero_point = _int16_zero_point(graph, op)
            if zero_point:
                yield Hit(op, f"{_name(op)}: {zero_point}", "quantize 16x8 models with the TFLite converter")


def _name(op: Op) -> str:
    return f"{op.display} '{op.name}'" if op.name else op.display


def _slots(op: Op) -> list[tuple[str, int]]:
    return [(f"in{i}", t) for i, t in enumerate(op.inputs)] + [(f"out{i}", t) for i, t in enumerate(op.outputs)]


def _against_spec(graph: Graph, op: Op, op_spec: OpSpec) -> Iterator[str]:
    activation = graph.tensor(op.inputs[0]) if op.inputs and op.inputs[0] >= 0 else None
    if activation is None or activation.dtype not in ("int8", "uint8") or not activation.quantized:
        return  # the int8 spec speaks about int8 models
    for pos, index in _slots(op):
        tensor = graph.tensor(index) if index >= 0 else None
        want = op_spec.at(pos)
        if tensor is None or want is None or tensor.quant is None or not tensor.quant.is_set:
            continue
        q = tensor.quant
        if want.role == "weight" and tensor.dtype == "int8":
            nonzero = [z for z in q.zero_points if z != 0] if any(q.zero_points) else []
            if nonzero:
                yield (
                    f"{pos} {tensor.describe()} is a weight with zero point {nonzero[0]}; the spec requires 0 "
                    "(symmetric int8 weights)"
                )
            if want.axis is not None and q.per_channel and q.quantized_dimension != want.axis:
                yield (
                    f"{pos} {tensor.describe()} is quantized per channel along dim {q.quantized_dimension}; "
                    f"the spec's axis for {op.kind} weights is dim {want.axis}"
                )
        elif want.role == "bias":
            if tensor.dtype != want.data_type and activation.dtype == "int8":
                yield f"{pos} {tensor.describe()} is a {tensor.dtype} bias; int8 models use {want.data_type} biases"
            if any(z != 0 for z in q.zero_points):
                yield f"{pos} {tensor.describe()} is a bias with a non-zero zero point"
        elif want.scale is not None and tensor.dtype == "int8" and q.scale_count == 1 and q.scales:
            scale, zp = q.scales[0], q.zero_points[0] if q.zero_points else 0
            if not math.isclose(scale, want.scale, rel_tol=REL_TOLERANCE) or zp != want.zero_point:
                yield (
                    f"{pos} {tensor.describe()} has scale {scale:.6g} and zero point {zp}; the spec fixes "
                    f"{want.scale:.6g} and {want.zero_point} for {op.kind}"
                )
    if op_spec.restriction and "same scale/zero_point" in op_spec.restriction:
        yield from _same_scale(graph, op)


def _params(tensor: Tensor | None) -> tuple[float, int] | None:
    if tensor is None or tensor.quant is None or tensor.quant.scale_count != 1 or not tensor.quant.scales:
        return None
    return tensor.quant.scales[0], tensor.quant.zero_points[0] if tensor.quant.zero_points else 0


def _same_scale(graph: Graph, op: Op) -> Iterator[str]:
    inputs = [graph.tensor(t) for t in op.inputs[:1] if t >= 0]
    if op.kind == "CONCATENATION":
        inputs = [graph.tensor(t) for t in op.inputs if t >= 0]
    outs = [graph.tensor(t) for t in op.outputs[:1]]
    ref = _params(outs[0]) if outs else None
    if ref is None:
        return
    for tensor in inputs:
        got = _params(tensor)
        if (
            tensor is not None
            and got is not None
            and (not math.isclose(got[0], ref[0], rel_tol=REL_TOLERANCE) or got[1] != ref[1])
        ):
            yield (
                f"{tensor.describe()} has scale {got[0]:.6g} / zero point {got[1]}, the output {ref[0]:.6g} / "
                f"{ref[1]}; {op.kind} must keep one scale and zero point (its kernel does not rescale)"
            )
            return


def _int16_zero_point(graph: Graph, op: Op) -> str | None:
    first = graph.tensor(op.inputs[0]) if op.inputs and op.inputs[0] >= 0 else None
    if first is None or first.dtype != "int16":
        return None  # not a 16x8 op (e.g. TFLM's int8 SOFTMAX with an int16 output at zero point -32768)
    for pos, index in _slots(op):
        tensor = graph.tensor(index) if index >= 0 else None
        if tensor is None or tensor.is_const or tensor.dtype != "int16" or tensor.quant is None:
            continue
        nonzero = [z for z in tensor.quant.zero_points if z != 0] if any(tensor.quant.zero_points) else []
        if nonzero:
            return (
                f"{pos} {tensor.describe()} is an int16 activation with zero point {nonzero[0]}; 16-bit "
                "activations are symmetric (zero point 0)"
            )
    return None
