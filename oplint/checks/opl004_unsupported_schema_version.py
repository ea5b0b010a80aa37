"""A flatbuffer schema version the runtime refuses.

## What it does
Checks the model's `version` field (the TFLite schema version) against the version the
target's interpreter accepts.  The LiteRT/TFLite `InterpreterBuilder` only builds models of
schema version 3; TensorFlow Lite Micro's interpreter does not check the field (only its
example applications do), so the rule is silent for `tflm`.

## Why is this bad?
`Model provided is schema version 2 not equal to supported version 3.` at load time.  Version
2 and older files come from pre-2018 toco converters; other values mean a damaged header.

## Example
```
$ oplint check fixtures/tflite/schema_v2.tflite --target tflite
fixtures/tflite/schema_v2.tflite: OPL004 [tflite] schema version 2; TensorFlow Lite builtins loads only schema version 3
```

## How to fix
Re-convert the model from its source with a current converter.

## References
- LiteRT `tflite/core/interpreter_builder.cc` (`model_->version() != TFLITE_SCHEMA_VERSION`)
- LiteRT `tflite/version.h`
"""

from __future__ import annotations

from collections.abc import Iterator

from ..core.findings import Hit, Severity
from .rule import Context, Rule

RULE = Rule(
    __doc__,
    "OPL004",
    "unsupported-schema-version",
    Severity.ERROR,
    fires_on=(("tflite/schema_v2.tflite", "tflite"),),
    silent_on=(("tflite/schema_v2.tflite", "tflm"), ("tflite/conv_float.tflite", "tflite")),
)


@RULE.check
def check(ctx: Context) -> Iterator[Hit]:
    expected = ctx.target.schema_version
    model = ctx.model
    if expected is None or model.format != "tflite" or model.schema_version == expected:
        return
    yield Hit(
        None,
        f"schema version {model.schema_version}; {ctx.target.runtime_title} loads only schema version {expected}",
        "re-convert the model with a current converter",
    )
