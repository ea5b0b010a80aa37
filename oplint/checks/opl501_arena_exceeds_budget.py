"""The planned TensorFlow Lite Micro tensor arena does not fit the budget.

## What it does
Replays what `MicroInterpreter::AllocateTensors()` puts in the tensor arena and compares the
total with the arena you give the interpreter (`--arena-size 256K`, `arena-size` in
`[tool.oplint]`, or a custom target's `arena-size`, which wins for that target).  The total is
the *head* (every non-constant tensor, alive from the op that writes it to the last op that
reads it, and the scratch buffers kernels request in `Prepare`, placed largest-first by the
`GreedyMemoryPlanner`, 16-byte aligned) plus the *tail* (the allocator's own objects, a
`TfLiteEvalTensor` per tensor and a node per op, parsed op parameters, each kernel's persistent
`OpData` and buffers, variables, the input/output tensors).  The rule is silent when no budget
is set.

What is exact and what is estimated: on the models of `../shared` the replay equals TFLM's own
`RecordingMicroAllocator` byte for byte (head, tail and total) on 211 of 213, for the
reference kernels of the x86-64 host build the recordings come from.  It is an estimate (and
said so, "at least") when the model has ops whose allocations are not modelled (custom ops such
as the signal library's, whose state depends on options oplint does not decode) or tensors of
unknown size.  On a 32-bit microcontroller the tail's structures are smaller (4-byte pointers),
and optimized kernels (CMSIS-NN, ESP-NN, used by the `tflm-arduino` and `tflm-esp` targets)
request scratch buffers of their own; the head, the planned activations, does not depend on
the build.  `--output-format json` reports the figures under `targets.<id>.memory`.

## Why is this bad?
`AllocateTensors()` fails on the device: `Failed to resize buffer. Requested: 23887872,
available 16776352, missing: 7111520`.  The arena is usually a static array sized for the
board's RAM, so the model cannot run at all.

## Example
```
$ oplint check fixtures/tflite/conv_float.tflite --target tflm --arena-size 1K --output-format concise
fixtures/tflite/conv_float.tflite: OPL501 [tflm] the tensor arena needs 2,752 bytes (1,792 planned for tensors and scratch buffers, 960 persistent); the budget is 1,024 bytes (largest buffer: conv/Relu, 1,024 bytes)
```

## How to fix
Shrink the activations: a smaller input resolution, fewer channels in the widest layers, int8
instead of float32 activations (4x smaller), or split the model.  Give the arena a few hundred
bytes of headroom where the figure is an estimate.

## References
- tflite-micro `tensorflow/lite/micro/memory_planner/greedy_memory_planner.cc`
- tflite-micro `tensorflow/lite/micro/micro_allocation_info.cc`, `micro_allocator.cc`
"""

from __future__ import annotations

from collections.abc import Iterator

from ..analysis.memory import arena_plan
from ..core.findings import Hit, Severity
from .rule import Context, Option, Rule

RULE = Rule(
    __doc__,
    "OPL501",
    "arena-exceeds-budget",
    Severity.ERROR,
    options=(Option("arena-size", "size", None, "TensorFlow Lite Micro tensor arena budget (256K, 2MiB)"),),
    fires_on=(("tflite/conv_float.tflite", "tflm+arena=1K"), ("tflite/conv_float.tflite", "tflm+arena=2K")),
    silent_on=(("tflite/conv_float.tflite", "tflm+arena=64K"), ("tflite/conv_float.tflite", "tflm")),
)


@RULE.check
def check(ctx: Context) -> Iterator[Hit]:
    target = ctx.target
    budget = target.budget("arena", ctx.option("arena-size"))
    if budget is None or not target.static_arena or ctx.model.format != "tflite":
        return
    plan = arena_plan(ctx.model)
    if plan.total <= budget:
        return
    largest = f" (largest buffer: {plan.largest[0]}, {plan.largest[1]:,} bytes)" if plan.largest else ""
    bound = "" if plan.exact else "at least "
    why = f"; estimated: {', '.join(plan.estimated)} not modelled" if plan.estimated else ""
    yield Hit(
        None,
        f"the tensor arena needs {bound}{plan.total:,} bytes ({plan.head:,} planned for tensors and scratch "
        f"buffers, {plan.tail:,} persistent{why}); the budget is {budget:,} bytes{largest}",
        "reduce activation sizes (input resolution, channel counts, int8 instead of float) or raise the arena",
    )
