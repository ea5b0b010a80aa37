"""A Keras layer whose code oplint cannot see: a Lambda, a custom class, a subclassed model.

## What it does
Reports every layer of a Keras model whose computation is Python code rather than configuration:
`Lambda` layers (their function is marshalled bytecode in the file), layers of classes registered
by your own code (`register_keras_serializable`, a `package>Class` name), and a subclassed
`keras.Model`, whose layers live in its `call` method.  oplint never loads or runs that code,
so it cannot say what the converter will make of it; the finding names the layer.

## Why is this bad?
The converter traces the code and converts whatever TF ops it calls: a Lambda computing
`x * 2 + 1` converts to builtins, one calling `tf.linalg.det` needs Select TF ops
(`FlexMatrixDeterminant`), and oplint cannot tell them apart without running the code.  Loading
such a model with Keras runs that code too (a Lambda from an untrusted file is arbitrary code,
CVE-2025-1550 even with `safe_mode`).  Reported as an error on every target so that a model is
never called clean for a part nobody checked.

## Example
```
$ oplint check fixtures/keras/models/k3/lambda_tf_flex.keras --target tflite
fixtures/keras/models/k3/lambda_tf_flex.keras:sg0:op0: OPL115 [tflite] Lambda layer 'det': oplint does not run its code and cannot see inside it
```

## How to fix
Replace Lambda layers with built-in layers where one exists (Rescaling, Activation, Reshape,
Permute, the merge layers).  For the rest, convert the model and check the `.tflite`
(`oplint check model.tflite`), then accept this finding with an `ignore-findings` entry whose
`reason` says so.

## References
- https://keras.io/api/layers/core_layers/lambda/ ("Lambda layers are saved by serializing the Python bytecode")
- https://keras.io/api/models/model_saving_apis/serialization_utils/ (`register_keras_serializable`)
"""

from __future__ import annotations

from collections.abc import Iterator

from ..analysis.tf_fate import OPAQUE
from ..core.findings import Hit, Severity
from ..core.model import Op
from ._tf import by_fate
from .rule import Context, Rule

RULE = Rule(
    __doc__,
    "OPL115",
    "opaque-keras-layer",
    Severity.ERROR,
    vocabulary="tf",
    fires_on=(
        ("keras/models/k3/lambda_tf_flex.keras", "tflite"),
        ("keras/models/tfk2/custom_layer.h5", "tflite-flex"),
        ("keras/models/k3/subclassed_model.keras", "tflm"),
    ),
    silent_on=(("keras/models/k3/dense_mlp.keras", "tflite"), ("keras/models/tfk2/conv3d.h5", "tflite")),
)


@RULE.check
def check(ctx: Context) -> Iterator[Hit]:
    hint = "convert the model and check the .tflite, then accept this finding with an ignore that says so"
    for op, text in items(ctx):
        yield Hit(op, text, hint)


def items(ctx: Context) -> list[tuple[Op, str]]:
    """Each layer this rule flags, with why; ``oplint predict`` reads the same list."""
    return [
        (op, pred.reason or f"{op.kind} layer '{op.name}': oplint cannot see inside it")
        for op, pred in by_fate(ctx.model, OPAQUE)
    ]
