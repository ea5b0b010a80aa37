"""The NPU compile of the model fails as a whole.

## What it does
Reports a model whose NPU compile (`ai_edge_litert.aot.aot_compile`, `apply_plugin_main
--cmd=apply`) fails for the target's SoC although the compiler plugin selected ops for the NPU.  For
`qualcomm` the compile is QNN's closed HTP compiler, which depends on the SoC's HTP generation: oplint
predicts its failure from the causes the recorded compiles of ai-edge-litert 2.3.0 show on SM8350
(v68), SM8650 (v75) and SM8850 (v81) (`fixtures/npu/VERDICTS.json`): ops the SoC's HTP cannot
prepare (on v68, float ELU, ROUND, GELU, L2 normalization, gathers and more), a partition that
computes only from constants ("No graph inputs present"), and two partition tensors with the same
name.  The finding names the op and the measured message.

## Why is this bad?
There is no NPU model to ship: the compile stops without byte code, and nothing of the model runs
on the NPU, even the ops the plugin selected (OPL301 lists the ones it did not).  On-device (JIT)
compilation fails the same way when the app starts, typically leaving the model on the CPU.

## Example
```
$ oplint check fixtures/tflite/gelu_float.tflite --target qualcomm@SM8350
fixtures/tflite/gelu_float.tflite:sg0:op0: OPL324 [qualcomm@SM8350] the Qualcomm compile for SM8350 (v68) fails, so no NPU byte code is produced: QNN's v68 HTP cannot prepare GELU (op 0): float32 GELU on the v68 HTP (SM8350, SA8295, SM7325, QCM6490, ...); v73 and later prepare it (measured: graph_prepare.cc:211::ERROR:could not create op: q::QNN_Gelu)
```

## How to fix
Follow the hint: on older HTPs (v68/v69) quantize the model (int8, or int16x8 activations) so that
the failing float op is computed in fixed point, replace the op (GELU by its tanh approximation, ELU
by RELU), or compile for a newer SoC; fold constant-only computations in the converter; keep tensor
names when converting.

## References
- LiteRT `litert/vendors/qualcomm/compiler/qnn_compiler_plugin.cc` (`LiteRtCompilerPluginCompile`)
- LiteRT `litert/compiler/plugin/compiler_plugin.cc` (`CompilerPlugin::Compile`)
- `fixtures/npu/VERDICTS.json`, `fixtures/npu/QNN_COMPILE_OPS.json` (the recorded compiles)
"""

from __future__ import annotations

from collections.abc import Iterator

from ..core.findings import Hit, Severity
from ..delegates import NPU_FAMILIES
from ..delegates.delegation import analyse
from .rule import Context, Rule

RULE = Rule(
    __doc__,
    "OPL324",
    "npu-compile-failure",
    Severity.ERROR,
    fires_on=(("tflite/gelu_float.tflite", "qualcomm@SM8350"), ("tflite/int8_float_island.tflite", "qualcomm@SM8350")),
    silent_on=(
        ("tflite/gelu_float.tflite", "qualcomm"),
        ("tflite/gelu_float.tflite", "qualcomm@SM8850"),
        ("tflite/conv_int8.tflite", "qualcomm@SM8350"),
        ("tflite/gelu_float.tflite", "intel-openvino"),
    ),
)


@RULE.check
def check(ctx: Context) -> Iterator[Hit]:
    if ctx.target.delegate not in NPU_FAMILIES:
        return
    delegation = analyse(ctx.model, ctx.target)
    if delegation is None or delegation.rejection is None or delegation.rejection.stage != "compiler":
        return
    rejected = delegation.rejection
    hint = rejected.hint or "see `oplint explain OPL324`"
    if rejected.detail:
        hint = f"{hint}; {rejected.detail}"
    yield Hit(rejected.op, f"{rejected.outcome}: {rejected.message}", hint)
