"""The planned TensorFlow Lite Micro tensor arena does not fit the budget.

## What it does
Plans the tensor arena the way TensorFlow Lite Micro does (every non-constant tensor, alive
from the op that writes it to the last op that reads it, placed largest-first by the
`GreedyMemoryPlanner`, 16-byte aligned) and compares the result with the arena you give the
interpreter (`--arena-size 256K`, or `arena-size` in `[tool.oplint]`).  The rule is silent when
no budget is set.

## Why is this bad?
`AllocateTensors()` fails on the device: `Failed to resize buffer. Requested: 23887872,
available 16776352, missing: 7111520`.  The arena is usually a static array sized for the
board's RAM, so the model cannot run at all.

## Example
```
$ oplint check fixtures/tflite/conv_float.tflite --target tflm --arena-size 1K
fixtures/tflite/conv_float.tflite: OPL501 [tflm] the planned tensor arena needs at least 1,792 bytes; the budget is 1,024 bytes (largest buffer: conv/Relu, 1,024 bytes)
```

## How to fix
Shrink the activations: a smaller input resolution, fewer channels in the widest layers, int8
instead of float32 activations (4x smaller), or split the model.  The estimate is a lower
bound: kernels may also request scratch buffers, and the persistent section holds a few
hundred bytes per op, so leave headroom.

## References
- tflite-micro `tensorflow/lite/micro/memory_planner/greedy_memory_planner.cc`
- tflite-micro `tensorflow/lite/micro/micro_allocation_info.cc`, `micro_allocator.cc`
"""

from __future__ import annotations

from collections.abc import Iterator

from ..analysis.memory import plan_tflm_arena
from ..core.findings import Hit, Severity
from .rule import Context, Option, Rule

RULE = Rule(
    __doc__,
    "OPL501",
    "arena-exceeds-budget",
    Severity.ERROR,
    options=(Option("arena-size", "size", None, "TensorFlow Lite Micro tensor arena budget (256K, 2MiB)"),),
    fires_on=(("tflite/conv_float.tflite", "tflm+arena=1K"),),
    silent_on=(("tflite/conv_float.tflite", "tflm+arena=64K"), ("tflite/conv_float.tflite", "tflm")),
)


@RULE.check
def check(ctx: Context) -> Iterator[Hit]:
    budget = ctx.option("arena-size")
    if not isinstance(budget, int) or not ctx.target.static_arena or ctx.model.format != "tflite":
        return
    plan = plan_tflm_arena(ctx.model)
    if plan.head <= budget:
        return
    largest = f" (largest buffer: {plan.largest[0]}, {plan.largest[1]:,} bytes)" if plan.largest else ""
    yield Hit(
        None,
        f"the planned tensor arena needs at least {plan.head:,} bytes; the budget is {budget:,} bytes{largest}",
        "reduce activation sizes (input resolution, channel counts, int8 instead of float) or raise the arena",
    )
