"""The model was already compiled for the Coral Edge TPU.

## What it does
Recognises a model that holds `edgetpu-custom-op` custom ops: the Edge TPU compiler has compiled
it.  Each `edgetpu-custom-op` is a block of the original graph that runs on the Edge TPU (the ops
the compiler mapped are gone from the graph); every other op runs on the CPU, on the TFLite
kernels.  The finding says how many Edge TPU blocks there are and which ops run outside them.

## Why is this bad?
It is not, on a Coral device: this is the file to deploy there, with the Edge TPU runtime
(`libedgetpu`) registering the custom op.  Anywhere else it cannot run (OPL104), and the ops the
compiler left outside the Edge TPU blocks run on the host CPU: each one is a round trip between
the TPU and the CPU, and the compiler stops mapping ops after the first one it cannot map, so an
unsupported op early in the graph leaves everything after it on the CPU.

## Example
```
$ oplint check fixtures/tflite/edgetpu_compiled.tflite
fixtures/tflite/edgetpu_compiled.tflite: OPL322 compiled for the Edge TPU: 1 Edge TPU block (op 0); 1 op runs on the CPU: DEQUANTIZE (op 1)
```

## How to fix
Nothing to fix on a Coral device.  To move the CPU ops onto the Edge TPU, change them in the
source model (the Edge TPU compiler's log, `edgetpu_compiler -s`, names why each was left out) and
compile again; lint the model you gave the compiler with `--target edgetpu` to see which ops
Coral's published table and model requirements leave on the CPU, and against other targets.

## References
- Coral, "TensorFlow models on the Edge TPU" (coral.ai/docs/edgetpu/models-intro): compilation
  and the `edgetpu-custom-op`
- Coral, "Edge TPU Compiler" (coral.ai/docs/edgetpu/compiler)
"""

from __future__ import annotations

from collections.abc import Iterator

from ..core.findings import Hit, Severity
from ._compiled import split
from .opl104_unregistered_custom_op import EDGETPU_CUSTOM_CODE
from .rule import Context, Rule

RULE = Rule(
    __doc__,
    "OPL322",
    "compiled-for-edge-tpu",
    Severity.INFO,
    scope="model",
    fires_on=(("tflite/edgetpu_compiled.tflite", "tflite"),),
    silent_on=(("tflite/custom_op.tflite", "tflite"), ("tflite/conv_int8.tflite", "tflite")),
)


@RULE.check
def check(ctx: Context) -> Iterator[Hit]:
    found = split(ctx.model, EDGETPU_CUSTOM_CODE)
    tpu = found.accelerated
    if not tpu:
        return
    where = ", ".join(tpu[:8]) + (", ..." if len(tpu) > 8 else "")
    blocks = f"{len(tpu)} Edge TPU block{'s' if len(tpu) != 1 else ''} (op{'s' if len(tpu) != 1 else ''} {where})"
    yield Hit(
        None,
        f"compiled for the Edge TPU: {blocks}; {found.cpu_text()}",
        "deploy it with the Edge TPU runtime (libedgetpu); lint the model you gave edgetpu_compiler for other targets",
    )
