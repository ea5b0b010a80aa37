"""int4 or block-wise quantized weights on a target without kernels for them.

## What it does
Flags ops whose constant weights are int4, or carry block-wise quantization (a scale per block
of a row, the `BlockwiseQuantization` details in the schema), where the target's kernel for the
op has no signature that takes them.

## Why is this bad?
int4 and block-wise weights come from LLM-oriented quantization recipes (AI Edge Quantizer,
ai-edge-torch).  Runtimes without the kernels reject the op: TFLite Micro's
`FULLY_CONNECTED` with float input says `Input type: FLOAT32 with filter type: INT4 not
supported.`; block-wise tensors lack the per-tensor scale its int8 kernels read.

## Example
```
$ oplint check fixtures/tflite/int4_fc_float.tflite --target tflm
fixtures/tflite/int4_fc_float.tflite:sg0:op0: OPL211 [tflm] FULLY_CONNECTED 'y' uses int4 weights w_int4; TensorFlow Lite Micro's kernel takes (float32, float32 -> float32) or (int16, int8 -> int16) or (int8, int4|int8 -> int8)
```

## How to fix
Use int8 weights for this target (the default of `TFLITE_BUILTINS_INT8` full-integer
quantization), or, for TFLM, int8 activations with int4 weights, the one int4 combination its
`FULLY_CONNECTED` and `CONV_2D` kernels have.

## References
- tflite-micro `tensorflow/lite/micro/kernels/fully_connected.cc`, `conv.cc`
- LiteRT `tflite/converter/schema/schema.fbs` (`BlockwiseQuantization`)
"""

from __future__ import annotations

from collections.abc import Iterator

from ..analysis.quantization import weights
from ..analysis.types import INT4, accepted, mismatches
from ..core.findings import Hit, Severity
from .rule import Context, Rule

RULE = Rule(
    __doc__,
    "OPL211",
    "int4-weights",
    Severity.ERROR,
    fires_on=(("tflite/int4_fc_float.tflite", "tflm"),),
    silent_on=(("tflite/int4_fc_float.tflite", "tflite"), ("tflite/conv_int8.tflite", "tflm")),
)


@RULE.check
def check(ctx: Context) -> Iterator[Hit]:
    for m in mismatches(ctx.model, ctx.target):
        if m.category != INT4 or not ctx.on_cpu(m.op):
            continue
        w = next(
            (
                t
                for t in weights(m.graph, m.op)
                if t.dtype == "int4" or (t.quant is not None and t.quant.details == "blockwise")
            ),
            None,
        )
        kind = "int4" if w is not None and w.dtype == "int4" else "block-wise quantized"
        where = f"{m.op.display} '{m.op.name}'" if m.op.name else m.op.display
        yield Hit(
            m.op,
            f"{where} uses {kind} weights {w.name if w else ''}; {ctx.target.runtime_title}'s kernel takes "
            f"{accepted(m.support.types or (), m.op)}",
            "use int8 weights for this target",
        )
