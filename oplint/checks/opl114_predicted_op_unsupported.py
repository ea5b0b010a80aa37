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

from ..analysis.tf_fate import BUILTIN, builtin_problems
from ..core.findings import Hit, Severity
from ..core.model import Op
from ._tf import by_fate, hits
from .rule import Context, Rule

RULE = Rule(
    __doc__,
    "OPL114",
    "predicted-op-unsupported",
    Severity.ERROR,
    vocabulary="tf",
    fires_on=(("savedmodel/rfft", "tflm"),),
    silent_on=(("savedmodel/rfft", "tflite"), ("savedmodel/conv_ok", "tflm")),
)


@RULE.check
def check(ctx: Context) -> Iterator[Hit]:
    yield from hits(items(ctx), "rewrite the layer with ops the target supports, or add the kernel to your op resolver")


def items(ctx: Context) -> list[tuple[Op, str]]:
    """Each op this rule flags, with why (before the rule groups them by layer); ``oplint
    predict`` reads the same list, so its verdicts are the check's."""
    found: list[tuple[Op, str]] = []
    for op, pred in by_fate(ctx.model, BUILTIN):
        found.extend((op, problem) for problem in builtin_problems(ctx.model, op, pred, ctx.target))
    return found
