"""The model was already compiled for an Arm Ethos-U NPU by Vela.

## What it does
Recognises a model that holds `ethos-u` custom ops: Vela has compiled it.  Each `ethos-u` op
is a command stream the NPU runs (the ops Vela placed on the NPU are gone from the graph);
every other op stays on the CPU, run by TensorFlow Lite Micro.  The finding says how many NPU
command streams there are and which ops run outside them.

## Why is this bad?
It is not, on an Ethos-U device: this is the file to deploy there.  Anywhere else the model
cannot run (only TensorFlow Lite Micro built with the Ethos-U driver registers `ethos-u`, see
OPL104), and it cannot be compiled again: Vela leaves `ethos-u` ops as they are, so checking a
compiled model against another NPU configuration says nothing about the original network.

## Example
```
$ oplint check fixtures/ethosu/compiled_u55.tflite --target ethos-u55
fixtures/ethosu/compiled_u55.tflite: OPL320 compiled for Arm Ethos-U by Vela: 2 NPU command streams (ops 0, 2); 1 op runs on the CPU: CONV_2D (op 1)
```

## How to fix
Nothing to fix on an Ethos-U system.  To check the network itself (against another target or
NPU configuration), lint the .tflite you gave Vela, not its `_vela.tflite` output.

## References
- Vela `ethosu/regor/tflite/custom_operator_ethosu.hpp` (the `ethos-u` custom op)
- tflite-micro `tensorflow/lite/micro/kernels/ethos_u/ethosu.cc`
"""

from __future__ import annotations

from collections.abc import Iterator

from ..core.findings import Hit, Severity
from ._compiled import split
from .rule import Context, Rule

ETHOSU_CUSTOM_CODE = "ethos-u"  # oplint.delegates.ethosu.ETHOSU_CUSTOM_CODE, without importing it


RULE = Rule(
    __doc__,
    "OPL320",
    "compiled-for-ethos-u",
    Severity.INFO,
    scope="model",
    fires_on=(("ethosu/compiled_u55.tflite", "ethos-u55"), ("tflite/ethos_u.tflite", "tflm")),
    silent_on=(("ethosu/conv_strides.tflite", "ethos-u55"), ("tflite/conv_int8.tflite", "tflm")),
)


@RULE.check
def check(ctx: Context) -> Iterator[Hit]:
    found = split(ctx.model, ETHOSU_CUSTOM_CODE)
    npu = found.accelerated
    if not npu:
        return
    streams = f"{len(npu)} NPU command stream{'s' if len(npu) != 1 else ''} (op{'s' if len(npu) != 1 else ''} {', '.join(npu)})"
    yield Hit(
        None,
        f"compiled for Arm Ethos-U by Vela: {streams}; {found.cpu_text()}",
        "deploy it on an Ethos-U system; lint the model you gave Vela to check it against other targets",
    )
