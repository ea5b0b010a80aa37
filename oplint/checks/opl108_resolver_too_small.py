"""The firmware's `MicroMutableOpResolver<N>` has fewer slots than the ops it adds or the model needs.

## What it does
Reads `N` of the firmware's resolver (a literal, a `constexpr`, a `#define`, an `enum`, or an
expression of those; `#ifdef` branches are evaluated as the files define their macros, and the
finding says which branch it assumed and what the other one gives) and compares it with the
distinct ops the resolver registers (each `Add...()` call fills one slot; a repeated op fills
none) and with the distinct ops the model needs.  Registrations are counted in the order they
appear in the files.

## Why is this bad?
Every `Add...()` call after the `N`th fails: the runtime prints `Couldn't register builtin op
#25, resolver size is too small (4).` (for a custom op: `Couldn't register custom op 'name',
resolver size is toosmall (4)`) and returns `kTfLiteError`.  Firmware that checks the status
(`TF_LITE_ENSURE_STATUS`, `if (... != kTfLiteOk) return;`) stops there; firmware that does not
goes on without the op and fails in `AllocateTensors()` with `Didn't find op for builtin opcode`
when the model uses it.  A resolver whose `N` is below the model's distinct op count can never
serve the model, whatever it registers.

## Example
```
$ oplint check fixtures/tflite/conv_int8.tflite --target tflm --resolver fixtures/resolvers/oplint_too_small.cc --output-format concise
fixtures/tflite/conv_int8.tflite: OPL108 [tflm] the firmware's MicroMutableOpResolver<MODEL_OP_COUNT = 1> (fixtures/resolvers/oplint_too_small.cc:10) adds 2 distinct ops to 1 slot: AddSoftmax() (fixtures/resolvers/oplint_too_small.cc:12) fails with "Couldn't register builtin op #25, resolver size is too small (1)." (micro_mutable_op_resolver.h:750); the model needs SOFTMAX
```

## How to fix
Set `N` to the number of distinct ops you register (the resolver costs a few words of RAM per
slot, so a tight `N` is right, a short one is not), or write the resolver with
`oplint resolver model.tflite --header model_ops.h`, which counts them for you.

## References
- tflite-micro `tensorflow/lite/micro/micro_mutable_op_resolver.h` (`AddBuiltin`, `AddCustom`)
"""

from __future__ import annotations

from collections.abc import Iterator

from ..analysis.firmware import has_kernel, needed, resolver_for
from ..core.findings import Hit, Severity
from ..knowledge.tflm_resolver import message
from ..readers.tflite_schema import ENUMS
from .rule import Context, Rule

RULE = Rule(
    __doc__,
    "OPL108",
    "resolver-too-small",
    Severity.ERROR,
    fires_on=(("tflite/conv_int8.tflite", "tflm+resolver=resolvers/oplint_too_small.cc"),),
    silent_on=(
        ("tflite/conv_int8.tflite", "tflm+resolver=resolvers/tflm_person_detection.cc"),
        ("tflite/conv_float.tflite", "tflm+resolver=resolvers/esp_hello_world.cc"),
    ),
)

_CODES = {name: code for code, name in ENUMS["BuiltinOperator"][1].items()}


@RULE.check
def check(ctx: Context) -> Iterator[Hit]:
    target = ctx.target
    resolver = resolver_for(ctx.model, target)
    if resolver is None or resolver.all_ops or resolver.capacity is None:
        return
    n = resolver.capacity
    distinct = resolver.distinct()
    wanted = {k for k in needed(ctx.model) if has_kernel(target, k)}
    assumed = _assumptions(ctx)
    fix = "raise N to the number of distinct ops, or generate the resolver: oplint resolver MODEL --header model_ops.h"
    late = resolver.overflow()
    if late:
        first = late[0]
        if first.kind == "builtin":
            text = message("builtin_resolver_full").text
            text = text.replace("<opcode number>", str(_CODES.get(first.op, "?"))).replace("<N>", str(n))
        else:
            text = message("custom_resolver_full").text.replace("<name>", first.op).replace("<N>", str(n))
        text = text.replace("\\r\\n", "")
        where = message("builtin_resolver_full" if first.kind == "builtin" else "custom_resolver_full").where
        lost = [r.op for r in late if (r.kind, r.op) in wanted]
        need = f"; the model needs {', '.join(lost)}" if lost else "; the model needs none of those ops"
        others = f" (and {len(late) - 1} more after it)" if len(late) > 1 else ""
        yield Hit(
            None,
            f"the firmware's {resolver.label} adds {len(distinct)} distinct ops to {n} slot{'s' if n != 1 else ''}: "
            f'{first.method}() ({first.where}){others} fails with "{text}" ({where.rsplit("/", 1)[-1]}){need}'
            f"{assumed}",
            fix,
        )
        return
    if len(wanted) > n:
        yield Hit(
            None,
            f"the model needs {len(wanted)} distinct ops but the firmware's {resolver.label} has {n} "
            f"slot{'s' if n != 1 else ''}: it cannot register them all{assumed}",
            fix,
        )


def _assumptions(ctx: Context) -> str:
    fw = ctx.target.firmware
    if fw is None or not fw.assumed:
        return ""
    resolver = resolver_for(ctx.model, ctx.target)
    other = ""
    if resolver is not None and resolver.alternatives:
        other = "; otherwise " + ", ".join(
            f"N = {v if v is not None else t} when {c}" for c, t, v in resolver.alternatives
        )
    return f" (assuming {', '.join(fw.assumed)}{other})"
