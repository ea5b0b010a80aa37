"""A TF op the converter can only keep as a Select TF (Flex) op.

## What it does
For SavedModels, GraphDefs and Keras models, predicts each TF op's fate in the TF->TFLite converter (the
table `rules/tf/tf_ops.toml`, generated from LiteRT's legalization patterns and the Select TF
allowlist) and flags the ops with no TFLite builtin path that are in the Select TF allowlist,
on every target that cannot run Select TF ops (`tflite`, `tflm`, delegates).  For a Keras model
the TF ops are those its layers keep (`rules/keras/layers.toml`: `MaxPooling3D` keeps
`MaxPool3D`, a float16 `Dense` keeps `MatMul`), reported at the layer.

## Why is this bad?
With builtins only, conversion fails (`Some ops are not supported by the native TFLite
runtime, you can enable TF kernels fallback using TF Select ... TF Select ops: Cumprod`).
With `SELECT_TF_OPS` it succeeds, but the model then needs the Flex delegate, which
TensorFlow Lite Micro and the hardware delegates do not have.

## Example
```
$ oplint check fixtures/savedmodel/cumprod --target tflm
fixtures/savedmodel/cumprod:sg2:op1: OPL111 [tflm] Cumprod 'model/cumprod/Cumprod' in layer "model/cumprod" (function __call__) -> needs Select TF ops (FlexCumprod), which TensorFlow Lite Micro cannot run
```
The same model passes `--target tflite-flex`.  Five `Erf` nodes of one layer are one finding.

## How to fix
Rewrite the layer with ops that have builtins (e.g. `cumprod` as `exp(cumsum(log(x)))` for
positive inputs), or convert with `SELECT_TF_OPS` and check against `--target tflite-flex`.

## References
- LiteRT `tflite/converter/transforms/legalize_patterns.td`, `legalize_tf.cc`, `prepare_tf.cc`
- LiteRT `tflite/converter/delegates/flex/allowlisted_flex_ops.cc`
- https://ai.google.dev/edge/litert/models/ops_select
"""

from __future__ import annotations

from collections.abc import Iterator

from ..analysis.tf_fate import FLEX
from ..core.findings import Hit, Severity
from ..core.model import Op
from ._tf import by_fate, hits
from .rule import Context, Rule

RULE = Rule(
    __doc__,
    "OPL111",
    "tf-op-needs-flex",
    Severity.ERROR,
    vocabulary="tf",
    fires_on=(
        ("savedmodel/cumprod", "tflite"),
        ("savedmodel/cumprod", "tflm"),
        ("savedmodel/frozen_cumprod.pb", "tflm"),
        ("keras/models/k3/conv3d.keras", "tflite"),
        ("keras/models/tfk2/mixed_float16.h5", "tflm"),
    ),
    silent_on=(
        ("savedmodel/cumprod", "tflite-flex"),
        ("savedmodel/conv_ok", "tflm"),
        ("keras/models/k3/conv3d.keras", "tflite-flex"),
        ("keras/models/k3/conv2d_valid_relu.keras", "tflite"),
    ),
)


@RULE.check
def check(ctx: Context) -> Iterator[Hit]:
    hint = (
        "rewrite the layer with ops that have TFLite builtins"
        if ctx.target.id.startswith("tflm")
        else "rewrite the layer with ops that have TFLite builtins, or convert with SELECT_TF_OPS for tflite-flex"
    )
    yield from hits(items(ctx), hint)


def items(ctx: Context) -> list[tuple[Op, str]]:
    """Each op this rule flags, with why (before the rule groups them by layer); ``oplint
    predict`` reads the same list, so its verdicts are the check's."""
    if ctx.target.flex:
        return []
    found = []
    for op, pred in by_fate(ctx.model, FLEX):
        why = f" ({pred.reason})" if pred.reason else ""
        flex = ", ".join(f"Flex{t}" for t in pred.tf_ops or (op.kind,))
        found.append((op, f"-> needs Select TF ops ({flex}){why}, which {ctx.target.runtime_title} cannot run"))
    return found
