"""An op registered with a specialized kernel (`Register_CONV_2D_INT8()`) whose tensor types it does not take.

## What it does
Firmware often registers an op with a type-specialized kernel to save flash:
`resolver.AddConv2D(tflite::Register_CONV_2D_INT8())`, `AddSoftmax(Register_SOFTMAX_INT8_INT16())`,
`AddFullyConnected(Register_FULLY_CONNECTED_INT4())`.  For each op of the model registered that
way, checks its tensor types against the variant's: `INT8` int8 activations (and int8 weights
for convolutions and fully connected), `INT16` int16 activations with int8 weights, `INT4` int8
activations with int4 weights, `INT8_INT16` int8 input and int16 output.  The variants and the
builds that give them a kernel of their own come from `rules/tflm/resolver.json` (generated from
the kernel headers of the pinned tflite-micro).

## Why is this bad?
In the CMSIS-NN (Arm Cortex-M), Xtensa and Hexagon builds the specialized registration is a
separate, smaller kernel that handles only its types: a float32 convolution registered as
`Register_CONV_2D_INT8()` is computed as if its data were int8 (garbage) or rejected when the
kernel checks.  The reference build aliases the variants to the generic kernel, so the same
firmware passes its tests on a host and fails on the board.

## Example
```
$ oplint check fixtures/tflite/conv_float.tflite --target tflm --resolver fixtures/resolvers/tflm_person_detection.cc --output-format concise
fixtures/tflite/conv_float.tflite:sg0:op0: OPL109 [tflm] CONV_2D 'conv/Relu' is registered with Register_CONV_2D_INT8() (fixtures/resolvers/tflm_person_detection.cc:12), the int8 kernel of the CMSIS-NN and Xtensa builds, but has input float32 (the kernel takes int8), weights float32 (the kernel takes int8)
```

## How to fix
Register the generic kernel (`resolver.AddConv2D()`), or the variant that matches the op's types,
or quantize the model to the types the firmware's kernels take.  `oplint resolver` picks a
specialized registration only where every use of the op fits it.

## References
- tflite-micro `tensorflow/lite/micro/kernels/conv.h`, `fully_connected.h`, `softmax.h`, ... (the `Register_<OP>_<TYPE>` declarations)
- tflite-micro `tensorflow/lite/micro/kernels/cmsis_nn/*.cc` (the separate kernels)
"""

from __future__ import annotations

from collections.abc import Iterator

from ..analysis.firmware import needed, resolver_for, variant_misfit
from ..core.findings import Hit, Severity
from ..knowledge.tflm_resolver import builds, table
from .rule import Context, Rule

RULE = Rule(
    __doc__,
    "OPL109",
    "specialized-kernel-mismatch",
    Severity.ERROR,
    fires_on=(("tflite/conv_float.tflite", "tflm+resolver=resolvers/tflm_person_detection.cc"),),
    silent_on=(
        ("tflite/conv_int8.tflite", "tflm+resolver=resolvers/tflm_person_detection.cc"),
        ("tflite/conv_float.tflite", "tflm+resolver=resolvers/zephyr_magic_wand.cpp"),
    ),
)

_KIND = {
    "INT8": "int8",
    "INT16": "int16",
    "INT4": "int4-weight",
    "INT8_INT16": "int8-to-int16",
    "INT8REF": "int8 reference",
}


@RULE.check
def check(ctx: Context) -> Iterator[Hit]:
    resolver = resolver_for(ctx.model, ctx.target)
    if resolver is None or resolver.all_ops:
        return
    have = resolver.effective()
    for key, ops in needed(ctx.model).items():
        reg = have.get(key)
        if reg is None or reg.variant is None or reg.kernel is None:
            continue
        misfits = [(op, why) for op in ops if (why := variant_misfit(ctx.model, op, reg.variant)) is not None]
        if not misfits:
            continue
        op, why = misfits[0]
        spec = table().specialized[reg.kernel]
        label = f"{op.display} '{op.name}'" if op.name else op.display
        more = f" (and {len(misfits) - 1} more {op.display} ops)" if len(misfits) > 1 else ""
        yield Hit(
            op,
            f"{label}{more} is registered with {reg.kernel}() ({reg.where}), the {_KIND.get(reg.variant, reg.variant)} "
            f"kernel of the {builds(spec)} builds, but has {why}",
            f"register the generic kernel (resolver.{reg.method}()) or the variant that matches these types",
        )
