"""A custom op the target does not register.

## What it does
Flags `CUSTOM` ops (other than Select TF `Flex*` ops, see OPL102) whose custom code the
target's resolver does not register.  For TFLite that is everything except the handful of
custom kernels `BuiltinOpResolver` adds (`TFLite_Detection_PostProcess`, `Mfcc`,
`AudioSpectrogram`, ...); for TensorFlow Lite Micro the custom ops of `MicroMutableOpResolver`
(signal ops, `TFLite_Detection_PostProcess`, ...).  Ops that only special builds register
(TFLM's `ethos-u`) are reported with the build they need.

## Why is this bad?
The interpreter stops with `Encountered unresolved custom op: MyOp` (TFLite) or fails to
prepare the node (TFLM) unless the application registers the kernel itself.  Custom ops
typically come from `allow_custom_ops=True`, which turns TF ops the converter could not
handle into custom ops nobody implements.

## Example
```
$ oplint check fixtures/tflite/custom_op.tflite --target tflite
fixtures/tflite/custom_op.tflite:sg0:op0: OPL104 [tflite] custom op 'MyCustomOp' is not registered by TensorFlow Lite builtins
```

## How to fix
Register the kernel in your interpreter (`resolver.AddCustom("MyCustomOp", ...)`) and accept
the finding with a reason (`[[tool.oplint.ignore-findings]]`), or re-convert without
`allow_custom_ops` and replace the op.  A model with `edgetpu-custom-op` was compiled for the Edge
TPU (OPL322): it runs with the Edge TPU runtime's delegate (libedgetpu), nowhere else.

## References
- LiteRT `tflite/core/kernels/register.cc`
- tflite-micro `tensorflow/lite/micro/micro_mutable_op_resolver.h`
"""

from __future__ import annotations

from collections.abc import Iterator

from ..core.findings import Hit, Severity
from .rule import Context, Rule

EDGETPU_CUSTOM_CODE = "edgetpu-custom-op"  #: the op edgetpu_compiler writes (see OPL322)


RULE = Rule(
    __doc__,
    "OPL104",
    "unregistered-custom-op",
    Severity.ERROR,
    fires_on=(("tflite/custom_op.tflite", "tflite"), ("tflite/ethos_u.tflite", "tflm")),
    silent_on=(("tflite/detection_postprocess.tflite", "tflite"), ("tflite/detection_postprocess.tflite", "tflm")),
)


@RULE.check
def check(ctx: Context) -> Iterator[Hit]:
    target = ctx.target
    for op in ctx.model.ops():
        if op.kind != "CUSTOM" or op.is_flex:
            continue
        code = op.custom_code
        if not code:
            yield Hit(
                op,
                "CUSTOM op without a custom code; no runtime can resolve it",
                "re-convert the model; the operator code is damaged",
            )
            continue
        if code == "ethos-u" and target.delegate == "ethos-u":
            continue  # the NPU's own op, on the NPU it was compiled for (see OPL320)
        support = target.custom.get(code)
        if support is None:
            hint = (
                "the model was compiled for the Edge TPU (OPL322): run it with the Edge TPU runtime (libedgetpu)"
                if code == EDGETPU_CUSTOM_CODE
                else "register the kernel in your interpreter and accept this with an ignore-findings entry, "
                "or replace the op"
            )
            yield Hit(op, f"custom op '{code}' is not registered by {target.runtime_title}", hint)
        elif not support.reference_build:
            note = f" ({support.note})" if support.note else ""
            yield Hit(
                op,
                f"custom op '{code}' is registered only by special builds of {target.runtime_title}{note}",
                "build the runtime with the kernel that provides it, or check against the matching target",
            )
