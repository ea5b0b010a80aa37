"""A TF op converts to a TFLite builtin that the target has no kernel for (or not in its types).

## What it does
For SavedModels and GraphDefs, takes the TFLite builtin(s) each TF op is predicted to become
(`rules/tf/tf_ops.toml`) and checks them against the target like a converted model:
the builtin must be registered (TFLite Micro has ~100 of the ~200 builtins), and for targets
with typed kernels the op's input and output tensor types must be accepted.

## Why is this bad?
The conversion succeeds, and the model then fails on the device: `Didn't find op for builtin
opcode 'RFFT2D'`, or a kernel that rejects the tensor type at `Prepare`.  Knowing it before
converting saves an export-convert-flash cycle.

## Example
```
$ oplint check fixtures/savedmodel/rfft --target tflm
fixtures/savedmodel/rfft:sg2:op0: OPL114 [tflm] RFFT 'model/spectrum/rfft' in layer "model/spectrum" (function __call__) -> RFFT2D: no TensorFlow Lite Micro kernel
```
The same model passes `--target tflite`.

## How to fix
Rewrite the layer with ops the target supports (`oplint targets` shows the tables), or
implement and register the kernel in your firmware's op resolver.

## References
- tflite-micro `tensorflow/lite/micro/micro_mutable_op_resolver.h`, `kernels/*.cc`
- LiteRT `tflite/converter/transforms/legalize_patterns.td`
"""

from __future__ import annotations

from collections.abc import Iterator

from ..findings import Hit, Severity
from ..tf_fate import BUILTIN
from ._api import Context, rule
from ._tf import by_fate, hits
from ._types import matches

#: not a tensor type the converted op sees ("variant" = a TensorList the converter lowers away)
_UNKNOWN = frozenset({"?", "variant", "resource"})


@rule(
    "OPL114",
    "predicted-op-unsupported",
    Severity.ERROR,
    vocabulary="tf",
    fires_on=(("savedmodel/rfft", "tflm"),),
    silent_on=(("savedmodel/rfft", "tflite"), ("savedmodel/conv_ok", "tflm")),
)
def check(ctx: Context) -> Iterator[Hit]:
    target = ctx.target
    model = ctx.model
    items = []
    for op, pred in by_fate(model, BUILTIN):
        graph = model.graphs[op.graph]
        ins = graph.op_inputs(op)
        outs = graph.op_outputs(op)
        first_in = ins[0].dtype if ins and ins[0] is not None and ins[0].dtype not in _UNKNOWN else None
        first_out = outs[0].dtype if outs and outs[0] is not None and outs[0].dtype not in _UNKNOWN else None
        for builtin in pred.builtins:
            support = target.builtins.get(builtin)
            if support is None:
                items.append((op, f"-> {builtin}: no {target.title} kernel"))
                continue
            if support.types is None or len(pred.builtins) > 1:
                continue  # a lowering's intermediate types are not known
            dtypes = {"in0": first_in, "out0": first_out}
            if not any(matches({k: v for k, v in sig.items() if k in dtypes}, dtypes) for sig in support.types):
                kinds = f"({first_in or '?'} -> {first_out or '?'})"
                items.append((op, f"-> {builtin} {kinds}: no {target.title} kernel for these types"))
    yield from hits(items, "rewrite the layer with ops the target supports, or add the kernel to your op resolver")
