"""A quantized model with float inputs or outputs, on a target that wants integer I/O.

## What it does
On targets where integer models are deployed with integer inputs and outputs (TensorFlow Lite
Micro: its own examples convert with `inference_input_type = tf.int8`; integer-only
accelerators), flags a model that computes in integers inside but whose main graph takes or
returns float32 tensors, which means a float `QUANTIZE` at the input and a float `DEQUANTIZE`
at the output.

## Why is this bad?
The converter keeps float I/O by default even for full-integer models.  On a microcontroller
without an FPU the two float conversions run in software float; the application also has to
feed float32 buffers, four times the size of the int8 input; on an NPU they stay on the CPU.

## Example
```
$ oplint check fixtures/tflite/int8_float_io.tflite --target tflm
fixtures/tflite/int8_float_io.tflite:sg0:op0: OPL207 [tflm] the int8 model takes float32 input x and returns float32 output y: its QUANTIZE/DEQUANTIZE at the edges run in float on TensorFlow Lite Micro
```

## How to fix
Convert with integer I/O:
`converter.inference_input_type = tf.int8` and `converter.inference_output_type = tf.int8`
(`tf.int16` for 16x8 models), and quantize/dequantize in your application with the input and
output tensors' scale and zero point.

## References
- https://ai.google.dev/edge/litert/models/post_training_integer_quant
- tflite-micro `tensorflow/lite/micro/examples/hello_world/quantization/ptq.py`
"""

from __future__ import annotations

from collections.abc import Iterator

from ..analysis.quantization import summarize
from ..core.findings import Hit, Severity
from .rule import Context, Rule

RULE = Rule(
    __doc__,
    "OPL207",
    "float-io",
    Severity.WARNING,
    fires_on=(("tflite/int8_float_io.tflite", "tflm"),),
    silent_on=(
        ("tflite/int8_float_io.tflite", "tflite"),
        ("tflite/conv_int8.tflite", "tflm"),
        ("tflite/conv_float.tflite", "tflm"),
    ),
)


@RULE.check
def check(ctx: Context) -> Iterator[Hit]:
    if not ctx.target.integer_io or ctx.model.format != "tflite" or not ctx.model.graphs:
        return
    summary = summarize(ctx.model)
    if summary.scheme not in ("int8", "int16x8", "uint8"):
        return
    graph = ctx.model.graphs[0]
    float_in = [t for t in (graph.tensor(i) for i in graph.inputs) if t is not None and t.dtype == "float32"]
    float_out = [t for t in (graph.tensor(i) for i in graph.outputs) if t is not None and t.dtype == "float32"]
    if not float_in and not float_out:
        return
    parts = []
    if float_in:
        parts.append("takes float32 input " + ", ".join(t.name for t in float_in[:3]))
    if float_out:
        parts.append("returns float32 output " + ", ".join(t.name for t in float_out[:3]))
    edge = next((op for op in graph.ops if op.kind in ("QUANTIZE", "DEQUANTIZE")), None)
    integer = "int16" if summary.scheme == "int16x8" else summary.scheme
    yield Hit(
        edge,
        f"the {summary.scheme} model {' and '.join(parts)}: its QUANTIZE/DEQUANTIZE at the edges run in "
        f"float on {ctx.target.runtime_title}",
        f"convert with inference_input_type and inference_output_type = tf.{integer}",
    )
