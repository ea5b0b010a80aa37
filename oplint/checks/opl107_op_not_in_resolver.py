"""An op the model needs that the firmware's op resolver does not register.

## What it does
When the target is a firmware (`--resolver src/model_ops.cc`, `resolver = "..."` in
`[tool.oplint]`, or a custom target with `resolver` or `ops`), checks every op the model runs
against what that firmware registers: the `AddConv2D()`-style calls on its
`MicroMutableOpResolver<N>` (read from the C/C++ source without compiling it: helper functions,
macros, `TF_LITE_ENSURE_STATUS`, `#ifdef` branches), its `AddCustom("name", ...)` calls, or the
custom target's `ops` allow-list.  An op registered after the resolver is full (beyond its `N`)
is not registered.  Ops the build has no kernel for at all are OPL101/OPL104's.  Each missing op
kind is reported once, at its first use, with the message the interpreter prints.

## Why is this bad?
`MicroInterpreter::AllocateTensors()` fails on the device and nothing runs:
`Didn't find op for builtin opcode 'CONV_2D'` then `Failed to get registration from op code
CONV_2D`.  This is what most "Didn't find op" reports are about: not TFLM's kernel set, but the
ops the firmware's author added when the model had other ops.

## Example
```
$ oplint check examples/micro_speech_quantized.tflite --target tflm --resolver fixtures/resolvers/tflm_person_detection.cc --output-format concise
examples/micro_speech_quantized.tflite:sg0:op2: OPL107 [tflm] FULLY_CONNECTED 'add_1' is not registered by the firmware's MicroMutableOpResolver<5> (fixtures/resolvers/tflm_person_detection.cc:10): the interpreter stops with "Didn't find op for builtin opcode 'FULLY_CONNECTED'" then "Failed to get registration from op code FULLY_CONNECTED"
```

## How to fix
Add the registration (`resolver.AddFullyConnected();`) and raise `N` if the resolver is full,
or generate the whole resolver from the model: `oplint resolver model.tflite --header
model_ops.h`.  A custom op needs `resolver.AddCustom("name", YourRegistration())`.

## References
- tflite-micro `tensorflow/lite/micro/micro_op_resolver.cc` (`GetRegistrationFromOpCode`)
- tflite-micro `tensorflow/lite/micro/micro_interpreter.cc` (`PrepareNodeAndRegistrationDataFromFlatbuffer`)
- tflite-micro `tensorflow/lite/micro/micro_mutable_op_resolver.h`
"""

from __future__ import annotations

from collections.abc import Iterator

from ..analysis.firmware import has_kernel, needed, resolver_for
from ..core.findings import Hit, Severity
from ..knowledge.tflm_resolver import message
from .rule import Context, Rule

RULE = Rule(
    __doc__,
    "OPL107",
    "op-not-in-resolver",
    Severity.ERROR,
    fires_on=(
        ("tflite/conv_int8.tflite", "tflm+resolver=resolvers/esp_hello_world.cc"),
        ("tflite/detection_postprocess.tflite", "tflm+resolver=resolvers/esp_hello_world.cc"),
        ("tflite/conv_int8.tflite", "tflm+resolver=resolvers/oplint_too_small.cc"),
    ),
    silent_on=(
        ("tflite/conv_int8.tflite", "tflm+resolver=resolvers/tflm_person_detection.cc"),
        ("tflite/conv_int8.tflite", "tflm"),
        ("tflite/rfft2d_float.tflite", "tflm+resolver=resolvers/esp_hello_world.cc"),
        ("tflite/custom_op.tflite", "tflm+resolver=resolvers/oplint_custom_ops.cc"),
    ),
)


def runtime_message(kind: str, name: str, tflm: bool = True) -> str:
    """What the interpreter prints when the resolver lacks the op."""
    if not tflm:
        return "the interpreter cannot resolve it and refuses the model"
    if kind == "builtin":
        return (
            f"the interpreter stops with \"Didn't find op for builtin opcode '{name}'\" then "
            f'"Failed to get registration from op code {name}"'
        )
    return f"the interpreter stops with \"Failed to get registration from op code CUSTOM\" (custom op '{name}')"


@RULE.check
def check(ctx: Context) -> Iterator[Hit]:
    target = ctx.target
    if target.firmware is None and target.allowed_ops is None:
        return
    resolver = resolver_for(ctx.model, target)
    have = resolver.effective() if resolver is not None and not resolver.all_ops else None
    late = {(r.kind, r.op): r for r in resolver.overflow()} if resolver is not None else {}
    for key, ops in needed(ctx.model).items():
        if not has_kernel(target, key):
            continue  # no kernel in the build at all: OPL101 / OPL104
        kind, name = key
        op = ops[0]
        label = f"{op.display} '{op.name}'" if op.name else op.display
        more = f" ({len(ops)} ops of this kind)" if len(ops) > 1 else ""
        if target.allowed_ops is not None and name not in target.allowed_ops:
            yield Hit(
                op,
                f"{label}{more} is not in the ops of target '{target.id}' ({target.origin}): "
                + runtime_message(kind, name, target.tflm_family),
                f"add {name} to the target's 'ops' if the firmware registers it, or replace the op in the model",
            )
            continue
        if have is None or resolver is None or key in have:
            continue
        add = f"{resolver.label}"
        if key in late:
            reg = late[key]
            full = message("builtin_resolver_full" if kind == "builtin" else "custom_resolver_full")
            yield Hit(
                op,
                f"{label}{more} is added at {reg.where} after the firmware's {add} is full (N = {resolver.capacity}), "
                f"so its registration fails ({full.where}) and {runtime_message(kind, name)}",
                f"raise N to at least {len(resolver.distinct())} (or let `oplint resolver` write the resolver)",
            )
            continue
        fix = f'resolver.AddCustom("{name}", ...)' if kind == "custom" else _add_call(name)
        yield Hit(
            op,
            f"{label}{more} is not registered by the firmware's {add}: {runtime_message(kind, name)}",
            f"register it ({fix}) and make room for it in N, or generate the resolver: oplint resolver MODEL",
        )


def _add_call(op: str) -> str:
    from ..knowledge.tflm_resolver import table

    method = table().by_op.get(op)
    return f"resolver.{method.name}()" if method is not None else f"a registration of {op}"
