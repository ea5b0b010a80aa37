"""A builtin op that did not exist yet in the chosen runtime.

## What it does
Checks the first runtime release that registers each builtin (LiteRT `runtime_version.cc`,
version 1 of the op) against the runtime you deploy (`--runtime`), and flags builtins that
runtime does not have at all.

## Why is this bad?
An older interpreter does not know the builtin code: `Op builtin_code out of range: 150. Are you
using old TFLite binary with newer model?`, or `Didn't find op for builtin opcode 'GELU'`.

## Example
```
$ oplint check fixtures/tflite/gelu_float.tflite --target tflite --runtime 2.3
fixtures/tflite/gelu_float.tflite:sg0:op0: OPL402 [tflite] GELU first appeared in TFLite 2.9.0; runtime 2.3.0 does not have it
```

## How to fix
Upgrade the runtime, or express the layer with ops the runtime has (for `GELU`, convert with
`approximate=True` math written out, or an older converter that decomposes it).

## References
- LiteRT `tflite/converter/tools/versioning/runtime_version.cc`
- LiteRT `tflite/core/kernels/register.cc`
"""

from __future__ import annotations

from collections.abc import Iterator

from ..core.findings import Hit, Severity
from ..knowledge.targets import format_version
from .rule import Context, Rule

RULE = Rule(
    __doc__,
    "OPL402",
    "op-unknown-to-runtime",
    Severity.ERROR,
    fires_on=(("tflite/gelu_float.tflite", "tflite@2.3"),),
    silent_on=(("tflite/gelu_float.tflite", "tflite"),),
)


@RULE.check
def check(ctx: Context) -> Iterator[Hit]:
    target, runtime = ctx.target, ctx.runtime
    if not target.op_versions or runtime is None:
        return
    for op in ctx.model.ops():
        support = target.builtins.get(op.kind)
        first = support.first_runtime() if support is not None else None
        if first is not None and first > runtime:
            yield Hit(
                op,
                f"{op.kind} first appeared in TFLite {format_version(first)}; "
                f"runtime {format_version(runtime)} does not have it",
                "upgrade the runtime, or express the layer with ops that runtime has",
            )
