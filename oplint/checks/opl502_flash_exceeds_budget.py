"""The model does not fit the flash budget of the board.

## What it does
Compares what the model puts in flash with the budget you give (`--flash-size 1M`,
`flash-size` in `[tool.oplint]`, or a custom target's `flash-size`): the model's own bytes (the
flatbuffer, which TensorFlow Lite Micro reads in place, usually compiled into the firmware as a
`const` array).  The rule is silent when no budget is set.

What is counted is exact and is a lower bound of the firmware's flash: the code of the
interpreter and of the kernels the resolver registers comes on top.  No source pinned by oplint
gives a per-kernel code size (tflite-micro publishes only whole-binary sizes: the framework
without kernels is 20,411 bytes on x86-64 and 9,732 bytes on a Cortex-M3 "bluepill" board in
`examples/memory_footprint/README.md`, and CI records x86-64 totals of some benchmarks), so
oplint does not add kernel sizes; leave room for them.

## Why is this bad?
The firmware does not link (`region 'FLASH' overflowed by 123456 bytes`), or the model has to
move to external storage and be copied to RAM, which the arena budget then has to hold.

## Example
```
$ oplint check examples/micro_speech_quantized.tflite --target tflm --flash-size 16K --output-format concise
examples/micro_speech_quantized.tflite: OPL502 [tflm] the model takes 18,800 bytes of flash (the flatbuffer itself; the interpreter and kernel code come on top); the budget is 16,384 bytes
```

## How to fix
Quantize the weights (int8 weights are a quarter of float32; int4 an eighth where the kernels
take them), prune or shrink the model, or strip metadata the firmware does not need.

## References
- tflite-micro `tensorflow/lite/micro/examples/memory_footprint/README.md` (code size of the framework)
- tflite-micro `tensorflow/lite/micro/micro_interpreter.h` (the model is read in place from its buffer)
"""

from __future__ import annotations

from collections.abc import Iterator

from ..core.findings import Hit, Severity
from .rule import Context, Option, Rule

RULE = Rule(
    __doc__,
    "OPL502",
    "flash-exceeds-budget",
    Severity.ERROR,
    options=(Option("flash-size", "size", None, "flash budget for the model (1M, 512K)"),),
    fires_on=(("tflite/conv_float.tflite", "tflm+flash=1K"),),
    silent_on=(("tflite/conv_float.tflite", "tflm+flash=64K"), ("tflite/conv_float.tflite", "tflm")),
)


@RULE.check
def check(ctx: Context) -> Iterator[Hit]:
    target = ctx.target
    budget = target.budget("flash", ctx.option("flash-size"))
    if budget is None or not target.static_arena or ctx.model.format != "tflite":
        return
    size = ctx.model.size
    if size <= budget:
        return
    yield Hit(
        None,
        f"the model takes {size:,} bytes of flash (the flatbuffer itself; the interpreter and kernel code "
        f"come on top); the budget is {budget:,} bytes",
        "quantize or shrink the weights (int8 instead of float32), or strip metadata the firmware does not use",
    )
