"""The delegate cannot be applied to the model at all.

## What it does
Reports a model the target's delegate refuses as a whole, before it looks at any op:

* **Dynamic tensors.**  The GPU delegates (`gpu`, `gpu-litert`) do not set
  `kTfLiteDelegateFlagsAllowDynamicTensors`.  Before delegating, the interpreter prepares the
  graph, and if an op's `Prepare` leaves an output tensor dynamic (its size depends on values
  only known at run time: a RESHAPE to a computed shape, TOPK_V2 with a computed k, WHERE,
  UNIQUE, a string or resource output, a WHILE loop that grows a tensor, ...),
  `Subgraph::ModifyGraphWithDelegate` refuses the delegate.  oplint follows each kernel's
  `Prepare`, including the outputs TFLite computes during `Prepare` (SHAPE, and a few ops on
  constant inputs), which keep a `SHAPE -> STRIDED_SLICE -> RESHAPE` chain static.
* **Variable tensors** (`gpu-litert`): LiteRT's model loader, which `CompiledModel` reads the
  model with, does not support them ("Variable tensors not yet supported.").
* **Phone NPUs** (`qualcomm`, `intel-openvino`, `mediatek`, `google-tensor`): the vendor's LiteRT
  compiler plugin fails its partition call, and with it the whole model: LiteRT's model loader
  refuses variable and intermediate tensors; Qualcomm's plugin cannot convert a string, complex or
  resource tensor or a block-wise quantized one, nor build an op whose builtin options are missing;
  Intel's refuses a subgraph input of rank 6 or more; MediaTek's cannot legalize a
  RESIZE_NEAREST_NEIGHBOR whose size is computed.  Nothing is compiled for the NPU.

The finding names the op and tensor that cause it and the check's source line.

## Why is this bad?
With LiteRT's `CompiledModel` and `HardwareAccelerator.GPU` the model does not compile at all
("Failed to modify graph with delegate").  With the classic GPU delegate the interpreter runs
every op on the CPU, and the only sign is a warning in the log.

## Example
```
$ oplint check fixtures/tflite/topk_runtime_k.tflite --target gpu-litert
fixtures/tflite/topk_runtime_k.tflite:sg0:op0: OPL304 [gpu-litert] TOPK_V2 (op 0) leaves values (float32[1x2]) dynamic (k is computed at run time; tflite/kernels/topk_v2.cc:284), and the delegate only supports static-sized tensors: LiteRT's CompiledModel cannot be created for the GPU (the whole model fails to compile)
```

## How to fix
Follow the hint, which names the cause's way out.  Make the shape static: feed the value as a constant (a fixed `k`, a fixed target shape for
`tf.reshape`), export with fixed input shapes so the converter folds the shape computation, or
move the data-dependent part (`tf.where`, `tf.unique`, string processing) out of the model.  For
variable tensors, convert the stateful parts (LSTM state) without `is_variable` tensors, or run
the model with the Interpreter API instead of `CompiledModel`.

## References
- LiteRT `tflite/core/subgraph.cc` (`ModifyGraphWithDelegate`, `PrepareOpsStartingAt`)
- LiteRT `ml_drift_delegate/delegate/delegate_webgpu.cc`, `tflite/delegates/gpu/delegate.cc`
  (delegate flags), `litert/core/model/model_load.cc` (variable tensors)
- LiteRT `tflite/kernels/*.cc` (`SetTensorToDynamic`, `SetTensorToPersistentRo`)
"""

from __future__ import annotations

from collections.abc import Iterator

from ..core.findings import Hit, Severity
from ..delegates.delegation import analyse
from .rule import Context, Rule

RULE = Rule(
    __doc__,
    "OPL304",
    "delegate-rejects-model",
    Severity.ERROR,
    fires_on=(
        ("tflite/topk_runtime_k.tflite", "gpu-litert"),
        ("tflite/topk_runtime_k.tflite", "gpu"),
        ("tflite/lstm_projection.tflite", "gpu-litert"),
        ("tflite/string_input.tflite", "qualcomm"),
    ),
    silent_on=(
        ("tflite/conv_float.tflite", "gpu-litert"),
        ("tflite/lstm_projection.tflite", "gpu"),
        ("tflite/topk_runtime_k.tflite", "xnnpack"),
        ("tflite/topk_runtime_k.tflite", "tflite"),
        ("tflite/string_input.tflite", "intel-openvino"),
    ),
)


@RULE.check
def check(ctx: Context) -> Iterator[Hit]:
    delegation = analyse(ctx.model, ctx.target)
    if delegation is None or delegation.rejection is None or delegation.rejection.stage != "runtime":
        return
    rejected = delegation.rejection
    yield Hit(
        rejected.op,
        f"{rejected.message}: {rejected.outcome}",
        rejected.hint
        or "make the tensor's shape static (constant shape inputs, fixed input shapes), see `oplint explain OPL304`",
    )
