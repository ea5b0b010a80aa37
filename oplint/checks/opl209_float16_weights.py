"""float16 weights on a target that cannot dequantize them.

## What it does
Flags `DEQUANTIZE` ops that turn float16 constants into float32 (what float16 quantization,
`converter.target_spec.supported_types = [tf.float16]`, produces for every weight) on targets
whose `DEQUANTIZE` kernel does not take float16 input.  One finding per graph names the first
such op and counts the others.

## Why is this bad?
On TensorFlow Lite Micro the very first op fails: `dequantize_common.cc:42 input->type ==
kTfLiteInt8 || input->type == kTfLiteInt16 || input->type == kTfLiteUInt8 was not true.`
float16 quantization halves the file size for GPUs; it does nothing for microcontrollers, which
then need both the float16 weights and float32 copies in RAM even where it works.

## Example
```
$ oplint check fixtures/tflite/float16_weights.tflite --target tflm
fixtures/tflite/float16_weights.tflite:sg0:op0: OPL209 [tflm] DEQUANTIZE 'dense/kernel' turns float16 weights dense/kernel_fp16 into float32; TensorFlow Lite Micro's DEQUANTIZE takes int16, int8, uint8
```

## How to fix
Convert without float16 quantization for this target: keep float32 weights, or quantize fully
to int8 with a representative dataset.

## References
- tflite-micro `tensorflow/lite/micro/kernels/dequantize_common.cc`
- https://ai.google.dev/edge/litert/models/post_training_float16_quant
"""

from __future__ import annotations

from collections.abc import Iterator

from ..analysis.types import FLOAT16, Mismatch, mismatches
from ..core.findings import Hit, Severity
from .rule import Context, Rule

RULE = Rule(
    __doc__,
    "OPL209",
    "float16-weights",
    Severity.ERROR,
    fires_on=(("tflite/float16_weights.tflite", "tflm"),),
    silent_on=(("tflite/float16_weights.tflite", "tflite"), ("tflite/conv_float.tflite", "tflm")),
)


@RULE.check
def check(ctx: Context) -> Iterator[Hit]:
    # one finding per graph: a float16 model has a DEQUANTIZE per weight tensor, all with one cause
    by_graph: dict[int, list[Mismatch]] = {}
    for m in mismatches(ctx.model, ctx.target):
        if m.category == FLOAT16 and ctx.on_cpu(m.op):
            by_graph.setdefault(m.graph.index, []).append(m)
    for found in by_graph.values():
        m = found[0]
        src = m.graph.tensor(m.op.inputs[0])
        takes = sorted({t for sig in (m.support.types or ()) for t in sig.get("in0", ())})
        where = f"{m.op.display} '{m.op.name}'" if m.op.name else m.op.display
        more = f" (and {len(found) - 1} more DEQUANTIZE ops of float16 weights)" if len(found) > 1 else ""
        yield Hit(
            m.op,
            f"{where} turns float16 weights {src.name if src else '?'} into float32{more}; "
            f"{ctx.target.runtime_title}'s DEQUANTIZE takes {', '.join(takes) or 'no float16'}",
            "convert without float16 quantization for this target (float32 weights or full int8)",
        )
