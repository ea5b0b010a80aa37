"""A Select TF (Flex) op on a target without the Flex delegate.

## What it does
Flags custom ops whose code starts with `Flex` (the converter's encoding of a TensorFlow op
kept as a Select TF op, e.g. `FlexErf`) when the target cannot run Select TF ops: plain TFLite
builtins, TensorFlow Lite Micro, and every hardware delegate.

## Why is this bad?
A Flex op needs the Flex delegate, which links TensorFlow kernels into the app
(`tensorflow-lite-select-tf-ops`, several MB).  Without it the interpreter stops with
`Select TensorFlow op(s), included in the given model, is(are) not supported by this
interpreter`; TensorFlow Lite Micro has no Flex delegate at all.

## Example
```
$ oplint check fixtures/tflite/flex_erf.tflite --target tflm
fixtures/tflite/flex_erf.tflite:sg0:op0: OPL102 [tflm] FlexErf runs TF op Erf through Select TF ops, which TensorFlow Lite Micro cannot run
```
The same model passes `--target tflite-flex`.

## How to fix
Replace the TF op with one that has a TFLite builtin (e.g. an `erf` approximation from builtin
math ops), or ship the Flex delegate and check against `--target tflite-flex`.

## References
- LiteRT `tflite/util.h` (`kFlexCustomCodePrefix = "Flex"`), `tflite/delegates/flex/`
- https://ai.google.dev/edge/litert/models/ops_select
"""

from __future__ import annotations

from collections.abc import Iterator

from ..core.findings import Hit, Severity
from .rule import Context, Rule

RULE = Rule(
    __doc__,
    "OPL102",
    "flex-op",
    Severity.ERROR,
    fires_on=(("tflite/flex_erf.tflite", "tflite"), ("tflite/flex_erf.tflite", "tflm")),
    silent_on=(("tflite/flex_erf.tflite", "tflite-flex"),),
)


@RULE.check
def check(ctx: Context) -> Iterator[Hit]:
    if ctx.target.flex:
        return
    for op in ctx.model.ops():
        if op.is_flex:
            hint = (
                "replace the TF op with builtin ops"
                if ctx.target.id.startswith("tflm")
                else "replace the TF op with builtin ops, or ship the Flex delegate and target tflite-flex"
            )
            yield Hit(
                op,
                f"{op.custom_code} runs TF op {op.flex_op} through Select TF ops, which {ctx.target.runtime_title} cannot run",
                hint,
            )
