"""A hybrid (dynamic-range quantized) op on a target without hybrid kernels.

## What it does
Flags ops with float activations and integer constant weights (what dynamic-range quantization,
`optimizations=[tf.lite.Optimize.DEFAULT]` without a representative dataset, produces) on
targets whose kernel for the op has no such signature.  TensorFlow Lite Micro has no hybrid
kernels at all.

## Why is this bad?
The op resolves and then fails to prepare: `Hybrid models are not supported on TFLite Micro.`
(`conv_common.cc`, `transpose_conv.cc`) or `Input type: FLOAT32 with filter type: INT8 not
supported.` (`fully_connected.cc`).  Dynamic-range quantization is the default path of the
converter, so this is the most common way a "quantized" model fails on a microcontroller.

## Example
```
$ oplint check fixtures/tflite/hybrid_fc.tflite --target tflm
fixtures/tflite/hybrid_fc.tflite:sg0:op0: OPL208 [tflm] FULLY_CONNECTED 'dense/MatMul' is a hybrid op (float32 activations, int8 weights dense/kernel); TensorFlow Lite Micro has no hybrid kernel for it
```

## How to fix
Quantize fully: give the converter a `representative_dataset` and set
`converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]` (plus
`inference_input_type`/`inference_output_type = tf.int8` for integer I/O), or keep the model
entirely float for targets with float kernels.

## References
- tflite-micro `tensorflow/lite/micro/kernels/conv_common.cc`, `fully_connected.cc`
- https://ai.google.dev/edge/litert/models/post_training_quantization
"""

from __future__ import annotations

from collections.abc import Iterator

from ..analysis.quantization import weights
from ..analysis.types import HYBRID, mismatches
from ..core.findings import Hit, Severity
from .rule import Context, Rule

RULE = Rule(
    __doc__,
    "OPL208",
    "hybrid-op",
    Severity.ERROR,
    fires_on=(("tflite/hybrid_fc.tflite", "tflm"),),
    silent_on=(("tflite/hybrid_fc.tflite", "tflite"), ("tflite/conv_int8.tflite", "tflm")),
)


@RULE.check
def check(ctx: Context) -> Iterator[Hit]:
    for m in mismatches(ctx.model, ctx.target):
        if m.category != HYBRID or not ctx.on_cpu(m.op):
            continue
        w = next((t for t in weights(m.graph, m.op) if t.dtype in ("int8", "uint8", "int4")), None)
        where = f"{m.op.display} '{m.op.name}'" if m.op.name else m.op.display
        detail = f"{w.dtype} weights {w.name}" if w is not None else "integer weights"
        yield Hit(
            m.op,
            f"{where} is a hybrid op (float32 activations, {detail}); {ctx.target.runtime_title} has no hybrid kernel for it",
            "quantize fully with a representative dataset and TFLITE_BUILTINS_INT8, or keep the model float",
        )
