"""The model was already compiled for a phone NPU by a LiteRT compiler plugin.

## What it does
Recognises a model that LiteRT's NPU compile (`ai_edge_litert.aot.aot_compile`, `apply_plugin_main
--cmd=apply`) has already produced, for the phone NPU targets (`qualcomm`, `intel-openvino`,
`mediatek`, `google-tensor`): it holds `DISPATCH_OP` custom ops, each standing for one partition the
vendor compiled, whose byte code follows the flatbuffer (the op's options give its name, offset and
size), and a `LiteRtStamp` metadata entry naming the SoC manufacturer and model it was compiled for
(`Qualcomm`/`SM8650`).  The older layout (an `NPU_BYTE_CODE` metadata entry, `DISPATCH_OP` or the
example plugin's `NPU_OP` without options) is recognised too.  The finding says which vendor and
SoC, how many NPU partitions there are and which ops run outside them, on the CPU.

## Why is this bad?
It is not, on the device it was compiled for: this is the file to deploy there, with LiteRT's
dispatch library for that vendor.  On another vendor's or another SoC's NPU the byte code cannot run
(the target says so when the stamp names another vendor), and checking the compiled file says nothing
about the network itself: the ops the compile put on the NPU are gone from the graph.

## Example
```
$ oplint check fixtures/npu/compiled_qualcomm_sm8650.tflite --target qualcomm
fixtures/npu/compiled_qualcomm_sm8650.tflite: OPL323 [qualcomm] compiled for Qualcomm SM8650 by a LiteRT NPU compiler plugin: 1 NPU partition (op 0: 'qnn_partition_0', 64 bytes of byte code); 1 op runs on the CPU: MyCustomOp (op 1)
```

## How to fix
Nothing to fix on the SoC it was compiled for.  For another SoC or vendor, compile the original
.tflite again for it (`aot_compile(model, target=...)`); to check the network itself, lint the
.tflite you gave the compiler, not its compiled output.

## References
- LiteRT `litert/core/build_stamp.h` (`DISPATCH_OP`, `LiteRtStamp`), `litert/core/dispatch_op_schema.cc`
  (the options' `bytecode_size`, `bytecode_offset`, `name`), `litert/core/model/model_load.cc` (byte
  code after the flatbuffer)
- LiteRT `litert/runtime/dispatch/dispatch_delegate.cc` (the op at run time)
"""

from __future__ import annotations

from collections.abc import Iterator

from ..analysis.npu_compiled import compiled
from ..core.findings import Hit, Severity
from ..delegates import NPU_FAMILIES
from ..delegates.delegation import analyse
from ._compiled import Split
from .rule import Context, Rule

RULE = Rule(
    __doc__,
    "OPL323",
    "compiled-for-npu",
    Severity.INFO,
    fires_on=(
        ("npu/compiled_qualcomm_sm8650.tflite", "qualcomm"),
        ("npu/compiled_qualcomm_sm8650.tflite", "mediatek"),
    ),
    silent_on=(
        ("npu/compiled_qualcomm_sm8650.tflite", "tflite"),
        ("tflite/conv_int8.tflite", "qualcomm"),
        ("tflite/edgetpu_compiled.tflite", "qualcomm"),
    ),
)


@RULE.check
def check(ctx: Context) -> Iterator[Hit]:
    if ctx.target.delegate not in NPU_FAMILIES or ctx.model.format != "tflite":
        return
    found = compiled(ctx.model)
    if found is None:
        return
    npu = {p.op.key for p in found.partitions}
    cpu = []
    for op in ctx.model.ops():
        if op.key not in npu:
            where = f"op {op.index}" if len(ctx.model.graphs) == 1 else f"sg{op.graph} op {op.index}"
            cpu.append(f"{op.display} ({where})")
    parts = []
    for p in found.partitions[:8]:
        where = f"op {p.op.index}" if len(ctx.model.graphs) == 1 else f"sg{p.op.graph} op {p.op.index}"
        detail = []
        if p.name is not None:
            detail.append(repr(p.name))
        if p.size is not None:
            detail.append(f"{p.size:,} bytes of byte code")
        parts.append(f"{where}: {', '.join(detail)}" if detail else where)
    if len(found.partitions) > 8:
        parts.append("...")
    n = len(found.partitions)
    layout = "" if found.layout == "dispatch" else " (older layout: NPU_BYTE_CODE metadata)"
    text = (
        f"compiled for {found.describe()} by a LiteRT NPU compiler plugin{layout}: {n} NPU partition"
        f"{'s' if n != 1 else ''} ({'; '.join(parts)}); {Split([], cpu).cpu_text()}"
    )
    delegation = analyse(ctx.model, ctx.target)
    hint = "deploy it with LiteRT's dispatch library for that NPU; lint the model you compiled for other targets"
    if delegation is not None and any(
        not delegation.verdict(p.op).supported for p in found.partitions if p.op.key in delegation.verdicts
    ):
        text += f"; {ctx.target.id} cannot run its byte code"
        hint = f"compile the original model for {ctx.target.id} (ai_edge_litert.aot.aot_compile)"
    if found.missing_byte_code:
        text += "; a partition's byte code lies outside the file (truncated?)"
    yield Hit(None, text, hint)
