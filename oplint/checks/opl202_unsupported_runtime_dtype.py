"""A tensor type the runtime cannot hold at all.

## What it does
Checks every tensor of every subgraph (graph inputs with no op included) against the tensor
types the target's runtime can allocate.  TensorFlow Lite Micro sizes every tensor with
`TfLiteTypeSizeOf`, which has no size for `string` or `variant` tensors.

## Why is this bad?
`AllocateTensors()` fails before any op runs: `Failed to populate a temp TfLiteTensor struct
from flatbuffer data!`.  String tensors come from text preprocessing or lookup tables kept in
the model (`tf.strings`, `StaticHashTable`).

## Example
```
$ oplint check fixtures/tflite/string_input.tflite --target tflm
fixtures/tflite/string_input.tflite:sg0:op0: OPL202 [tflm] tensor text (string[1x3]) has type string, which TensorFlow Lite Micro cannot allocate
```

## How to fix
Move string handling out of the model: tokenize or hash on the host or in firmware and feed
integer ids to the model.

## References
- tflite-micro `tensorflow/lite/micro/memory_helpers.cc` (`TfLiteTypeSizeOf`)
- tflite-micro `tensorflow/lite/micro/micro_allocation_info.cc`, `micro_allocator.cc`
"""

from __future__ import annotations

from collections.abc import Iterator

from ..core.findings import Hit, Severity
from ..core.model import Op
from .rule import Context, Rule

RULE = Rule(
    __doc__,
    "OPL202",
    "unsupported-runtime-dtype",
    Severity.ERROR,
    fires_on=(("tflite/string_input.tflite", "tflm"),),
    silent_on=(("tflite/string_input.tflite", "tflite"), ("tflite/conv_float.tflite", "tflm")),
)


@RULE.check
def check(ctx: Context) -> Iterator[Hit]:
    allowed = ctx.target.limits.tensor_dtypes
    if allowed is None:
        return
    for graph in ctx.model.graphs:
        consumers: dict[int, Op] = {}
        for op in graph.ops:
            for t in (*op.inputs, *op.outputs):
                consumers.setdefault(t, op)
        for tensor in graph.tensors:
            if tensor.dtype in allowed:
                continue
            yield Hit(
                consumers.get(tensor.index),
                f"tensor {tensor.describe()} has type {tensor.dtype}, which {ctx.target.runtime_title} cannot allocate",
                "keep this type out of the model (preprocess on the host and feed numeric tensors)",
            )
            break  # one finding per graph and type is enough to fail the target
