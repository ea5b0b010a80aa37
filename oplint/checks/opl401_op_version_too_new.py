"""An op version newer than the chosen runtime supports.

## What it does
Every builtin in a .tflite carries an op version, bumped when the converter uses a new
feature of the op (a new tensor type, option or quantization mode).  Using LiteRT's
`runtime_version.cc` (the table the converter uses to write the `min_runtime_version`
metadata) this rule checks each (op, version) against the runtime you deploy
(`--runtime 2.15`; default: the newest runtime in the table) and flags versions that runtime
does not register.

## Why is this bad?
An older interpreter refuses the model at load time: `Didn't find op for builtin opcode
'FULLY_CONNECTED' version '12'. An older version of this builtin might be supported. Are you
using an old TFLite binary with a newer model?`  This is the common failure when a model is
converted with a new TensorFlow and shipped in an app pinned to an older TFLite.

## Example
```
$ oplint check fixtures/tflite/fc_v12.tflite --target tflite --runtime 2.15
fixtures/tflite/fc_v12.tflite:sg0:op0: OPL401 [tflite] FULLY_CONNECTED version 12 needs TFLite 2.17.0 or newer; runtime 2.15.0 has versions up to 11
```

## How to fix
Upgrade the runtime in the app, or convert with the TensorFlow release that matches it
(op versions depend on the features used: e.g. avoid the new quantization mode that
required the bump).

## References
- LiteRT `tflite/converter/tools/versioning/runtime_version.cc`, `op_version.cc`
- https://ai.google.dev/edge/litert/models/ops_version
"""

from __future__ import annotations

from collections.abc import Iterator

from ..core.findings import Hit, Severity
from ..knowledge.targets import format_version
from .rule import Context, Rule

RULE = Rule(
    __doc__,
    "OPL401",
    "op-version-too-new",
    Severity.ERROR,
    fires_on=(("tflite/fc_v12.tflite", "tflite@2.15"),),
    silent_on=(("tflite/fc_v12.tflite", "tflite"), ("tflite/fc_v12.tflite", "tflm")),
)


@RULE.check
def check(ctx: Context) -> Iterator[Hit]:
    target, runtime = ctx.target, ctx.runtime
    if not target.op_versions:
        return
    for op in ctx.model.ops():
        support = target.builtins.get(op.kind)
        if support is None:
            continue
        first = support.first_runtime()
        if runtime is not None and first is not None and first > runtime:
            continue  # the whole op is missing from this runtime: OPL402
        needed = support.runtime.get(op.version)
        if needed is not None:
            if runtime is not None and needed > runtime:
                known = [v for v, rel in support.runtime.items() if rel <= runtime]
                yield Hit(
                    op,
                    f"{op.kind} version {op.version} needs TFLite {format_version(needed)} or newer; "
                    f"runtime {format_version(runtime)} has versions up to {max(known)}",
                    "upgrade the runtime, or convert with the TensorFlow release that matches it",
                )
            continue
        if support.kernel_versions is not None:
            lo, hi = support.kernel_versions
            if op.version > hi:
                yield Hit(
                    op,
                    f"{op.kind} version {op.version} is newer than any runtime oplint knows "
                    f"(the newest registers versions {lo}-{hi})",
                    "convert with a TensorFlow release whose runtime you ship",
                )
            elif op.version < lo:
                yield Hit(
                    op,
                    f"{op.kind} version {op.version} is not registered by any runtime "
                    f"(kernels register versions {lo}-{hi})",
                    "re-convert the model with a current converter",
                )
