"""Vela cannot compile the model for the Ethos-U NPU.

## What it does
Reports a model Vela refuses (or crashes on) as a whole, for the Ethos-U target checked.  With
`ethos-u-vela` installed (`oplint[ethos-u]`) this is Vela's own error; otherwise oplint predicts
it from the causes it knows in the pinned Vela release: models that break the TFLite semantics
Vela checks first (`TFLiteModelSemantics`), bool graph inputs or outputs on the Ethos-U55/U65
(Vela converts them with ops those NPUs cannot run), constant string or int4 tensors and a few
op configurations that crash Vela 5.2.0.

## Why is this bad?
There is no `_vela.tflite` to deploy: no op of the model reaches the NPU, even those Vela
supports.  Vela's exit is easy to miss in a build script, and a crash leaves no message at all.

## Example
```
$ oplint check fixtures/ethosu/bool_input.tflite --target ethos-u55
fixtures/ethosu/bool_input.tflite: OPL321 [ethos-u55] Vela 5.2.0 cannot compile this model for ethos-u55-128: Non-passthrough operation (NotEqual) could not run on NPU
```

## How to fix
Follow the hint: feed the model int8 instead of bool tensors (cast on the host), remove string
constants and lookup tables from the NPU model, quantize weights to int8 rather than int4, or
fix the op the semantic check names.  Then compile again.

## References
- Vela `ethosu/regor/tflite/tflite_model_semantics.cpp`, `ethosu/regor/tflite/tflite_reader.cpp`
- Vela `ethosu/regor/compiler/graphir_optimiser.cpp` (`ConvertBool8Tensors`), `scheduler_packing.cpp`
"""

from __future__ import annotations

from collections.abc import Iterator

from ..core.findings import Hit, Severity
from ..delegates.delegation import analyse
from .rule import Context, Rule

RULE = Rule(
    __doc__,
    "OPL321",
    "ethos-u-compile-failure",
    Severity.ERROR,
    fires_on=(
        ("ethosu/bool_input.tflite", "ethos-u55"),
        ("ethosu/string_constant.tflite", "ethos-u55"),
        ("ethosu/quantize_int32.tflite", "ethos-u85"),
    ),
    silent_on=(
        ("ethosu/conv_strides.tflite", "ethos-u55"),
        ("ethosu/quantize_int32.tflite", "ethos-u55"),
        ("ethosu/bool_input.tflite", "ethos-u85"),
        ("ethosu/bool_input.tflite", "tflm"),
    ),
)


@RULE.check
def check(ctx: Context) -> Iterator[Hit]:
    if ctx.target.delegate != "ethos-u":
        return
    delegation = analyse(ctx.model, ctx.target)
    if delegation is None or delegation.rejection is None or delegation.rejection.stage != "compiler":
        return
    rejected = delegation.rejection
    yield Hit(None, f"{rejected.outcome}: {rejected.message}", rejected.detail)
