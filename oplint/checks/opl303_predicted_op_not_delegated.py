"""A TF op converts to a TFLite builtin the delegate has no kernel for: it will run on the CPU.

## What it does
For SavedModels and GraphDefs checked against a delegate target (`xnnpack`, `gpu`, `coreml`,
`hexagon`, `ethos-u55`, ...), takes the TFLite builtin(s) each TF op is predicted to become
(`rules/tf/tf_ops.toml`) and reports those the delegate cannot take at all: XNNPACK has no
visitor for the op, the GPU delegate no parser, Vela no NPU operator type.  Many nodes of one
layer are reported once.

## Why is this bad?
The converted model will run, but these ops fall back to the CPU and split the delegated graph
(OPL301 says so once the model is converted).  Knowing it before conversion lets you pick
layers the accelerator runs while the model is still being designed.

## Example
```
$ oplint check fixtures/savedmodel/rfft --target xnnpack
fixtures/savedmodel/rfft:sg2:op0: OPL303 [xnnpack] RFFT 'model/spectrum/rfft' in layer "model/spectrum" (function __call__) -> RFFT2D: xnnpack has no kernel for it; it will run on the CPU
```

## How to fix
Replace the layer with ops the delegate takes (convert the model and `--output-format full`
shows the partitions), or accept the CPU fallback with an ignore that says why.

## References
- Each delegate's source, as cited by its target (`oplint targets`)
- LiteRT `tflite/converter/transforms/legalize_patterns.td`
"""

from __future__ import annotations

from collections.abc import Iterator

from ..analysis.tf_fate import BUILTIN
from ..core.findings import Hit, Severity
from ..core.model import Op
from ..delegates import kinds
from ._tf import by_fate, hits
from .rule import Context, Rule

RULE = Rule(
    __doc__,
    "OPL303",
    "predicted-op-not-delegated",
    Severity.ERROR,
    vocabulary="tf",
    fires_on=(("savedmodel/rfft", "xnnpack"),),
    silent_on=(("savedmodel/conv_ok", "xnnpack"), ("savedmodel/rfft", "tflite")),
)


@RULE.check
def check(ctx: Context) -> Iterator[Hit]:
    yield from hits(items(ctx), "use ops the delegate takes in this layer, or accept the CPU fallback")


def items(ctx: Context) -> list[tuple[Op, str]]:
    """Each op this rule flags, with why (before the rule groups them by layer); ``oplint
    predict`` reads the same list, so its verdicts are the check's."""
    takes = kinds(ctx.target)
    if takes is None:
        return []
    found: list[tuple[Op, str]] = []
    for op, pred in by_fate(ctx.model, BUILTIN):
        for builtin in pred.builtins:
            if builtin not in takes:
                found.append((op, f"-> {builtin}: {ctx.target.id} has no kernel for it; it will run on the CPU"))
    return found
