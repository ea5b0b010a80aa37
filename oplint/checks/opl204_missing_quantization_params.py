"""A quantized tensor without the quantization parameters its kernel reads.

## What it does
For ops in the TFLite 8-bit quantization spec that rescale (not those that only move values,
like `RESHAPE` or `TRANSPOSE`, which also run on raw integer data), checks that every int8,
uint8 or int16 tensor at a position the spec quantizes (activations and weights) carries affine
quantization parameters: at least one scale and zero point.  Tensors that only carry block-wise quantization details (no
per-tensor or per-axis scale) count as missing.

## Why is this bad?
An integer kernel rescales with the tensor's scale and zero point.  Without them TFLite Micro
refuses the op (`add_common.cc:41 output->quantization.type != kTfLiteNoQuantization was not
true`), and other kernels compute with a scale of 0.  Such tensors come from hand-built or
partially quantized graphs, or from `tf.cast(x, tf.int8)` mistaken for quantization.

## Example
```
$ oplint check fixtures/tflite/add_int8_unquantized.tflite
fixtures/tflite/add_int8_unquantized.tflite:sg0:op0: OPL204 ADD 'sum': in1 b (int8[1x4]) has no quantization parameters; the int8 kernel needs a scale and zero point
```

## How to fix
Quantize with the converter (`optimizations = [tf.lite.Optimize.DEFAULT]` and a
`representative_dataset`) instead of casting, so every integer tensor gets its parameters.

## References
- LiteRT `tflite/g3doc/performance/quantization_spec.md`
- tflite-micro `tensorflow/lite/micro/kernels/add_common.cc`
"""

from __future__ import annotations

from collections.abc import Iterator

from ..core.findings import Hit, Severity
from ..knowledge.quantspec import int8_spec
from .rule import Context, Rule

QUANTIZED_TYPES = frozenset({"int8", "uint8", "int16"})


def _moves_data(restriction: str | None) -> bool:
    """Ops the spec gives "same scale/zero_point" in and out (RESHAPE, TRANSPOSE, PAD, ...) copy
    values without rescaling, so they also run on raw integer data (e.g. int16 audio)."""
    return restriction is not None and "same scale/zero_point" in restriction


RULE = Rule(
    __doc__,
    "OPL204",
    "missing-quantization-params",
    Severity.ERROR,
    scope="model",
    fires_on=(("tflite/add_int8_unquantized.tflite", "tflite"),),
    silent_on=(("tflite/conv_int8.tflite", "tflite"), ("tflite/conv_float.tflite", "tflite")),
)


@RULE.check
def check(ctx: Context) -> Iterator[Hit]:
    spec = int8_spec()
    for graph in ctx.model.graphs:
        for op in graph.ops:
            op_spec = spec.get(op.kind)
            if op_spec is None or _moves_data(op_spec.restriction):
                continue
            slots = [(f"in{i}", t) for i, t in enumerate(op.inputs)] + [
                (f"out{i}", t) for i, t in enumerate(op.outputs)
            ]
            for pos, index in slots:
                tensor = graph.tensor(index) if index >= 0 else None
                want = op_spec.at(pos)
                if tensor is None or want is None or want.data_type != "int8" or tensor.dtype not in QUANTIZED_TYPES:
                    continue
                q = tensor.quant
                if q is None or q.scale_count == 0:
                    kind = f" (only {q.details} quantization details)" if q is not None and q.details else ""
                    yield Hit(
                        op,
                        f"{op.display} '{op.name}': {pos} {tensor.describe()} has no quantization "
                        f"parameters{kind}; the {tensor.dtype} kernel needs a scale and zero point",
                        "quantize with the converter instead of casting to integer types",
                    )
