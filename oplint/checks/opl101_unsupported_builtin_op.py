"""A builtin op the target has no kernel for.

## What it does
Flags every builtin operator (anything but `CUSTOM`) that the target's op resolver does not
register: for `tflite`, LiteRT's `BuiltinOpResolver`; for `tflm`, the `Add<Op>()` methods of
TensorFlow Lite Micro's `MicroMutableOpResolver`.  Builtin codes newer than the schema oplint
knows are reported too.

## Why is this bad?
The interpreter cannot resolve the op when it builds the graph.  TensorFlow Lite Micro stops
with `Didn't find op for builtin opcode 'RFFT2D'` on the device, after the model was exported,
quantized and flashed; LiteRT refuses the model (`Op builtin_code out of range`).

## Example
```
$ oplint check fixtures/tflite/rfft2d_float.tflite --target tflm
fixtures/tflite/rfft2d_float.tflite:sg0:op0: OPL101 [tflm] RFFT2D 'rfft' has no kernel in TensorFlow Lite Micro
```
The same model passes `--target tflite`.

## How to fix
Replace the op in the source model with ops the target supports (for TFLM, the list is in
`micro_mutable_op_resolver.h`; `oplint targets` shows where it comes from), or implement
the kernel and register it in your firmware's resolver.

## References
- LiteRT `tflite/core/kernels/register.cc` (`BuiltinOpResolver`)
- tflite-micro `tensorflow/lite/micro/micro_mutable_op_resolver.h`, `micro_op_resolver.cc`
"""

from __future__ import annotations

from collections.abc import Iterator

from ..core.findings import Hit, Severity
from .rule import Context, Rule

RULE = Rule(
    __doc__,
    "OPL101",
    "unsupported-builtin-op",
    Severity.ERROR,
    fires_on=(("tflite/rfft2d_float.tflite", "tflm"), ("tflite/extended_opcode.tflite", "tflite")),
    silent_on=(("tflite/rfft2d_float.tflite", "tflite"), ("tflite/conv_int8.tflite", "tflm")),
)


@RULE.check
def check(ctx: Context) -> Iterator[Hit]:
    target = ctx.target
    for op in ctx.model.ops():
        if op.kind == "CUSTOM" or op.kind in target.builtins or not ctx.on_cpu(op):
            continue
        if op.kind.startswith("UNKNOWN_BUILTIN_"):
            yield Hit(
                op,
                f"builtin code {op.builtin_code} is unknown to the TFLite schema and to {target.runtime_title}",
                "the model was written by a converter newer than every runtime oplint knows; "
                "re-convert with the converter that matches your runtime",
            )
        elif op.kind == "INVALID_OPCODE":
            continue  # reported by OPL003
        else:
            yield Hit(
                op,
                f"{op.kind} '{op.name}' has no kernel in {target.runtime_title}"
                if op.name
                else f"{op.kind} has no kernel in {target.runtime_title}",
                _hint(target.id, op.kind),
            )


def _hint(target_id: str, kind: str) -> str:
    if kind == "DELEGATE":
        return "DELEGATE nodes only exist in a graph after a delegate rewrote it; export the original model"
    if kind.startswith("STABLEHLO_"):
        return "StableHLO builtins without runtime kernels are not executable; convert without StableHLO lowering"
    if target_id.startswith("tflm"):
        return (
            "rewrite the layer with ops TFLite Micro registers, or implement the kernel and add it to "
            "your firmware's MicroMutableOpResolver"
        )
    return "rewrite the layer with supported ops, or register a kernel for it in your interpreter"
