"""A TF op the converter cannot convert at all, not even as a Select TF op.

## What it does
Flags TF ops (of the TensorFlow op registry) that have no TFLite builtin path and are not in
the Select TF allowlist.  Reported on every target, `tflite-flex` included.  For a Keras model:
layers that keep such a TF op, and layer configurations the converter rejects in every mode
(a Keras 3 `model.quantize("int8")` Dense).

## Why is this bad?
Conversion fails with builtins and with `SELECT_TF_OPS` alike (`Some ops in the model are
custom ops ... Custom ops: Erfc`); only `allow_custom_ops=True` produces a model, whose custom
op then has no kernel anywhere until you write one.

## Example
```
$ oplint check fixtures/savedmodel/erfc --target tflite-flex
fixtures/savedmodel/erfc:sg2:op0: OPL112 [tflite-flex] Erfc 'model/erfc/Erfc' in layer "model/erfc" (function __call__) -> no TFLite builtin and not a Select TF op: the converter rejects it
```

## How to fix
Express the computation with supported ops (`erfc(x)` as `1 - erf(x)`, and `erf` through the
GELU fusion or an approximation), or implement a TFLite custom op and convert with
`allow_custom_ops=True`.

## References
- LiteRT `tflite/converter/delegates/flex/allowlisted_flex_ops.cc`
- https://ai.google.dev/edge/litert/models/op_select_allowlist
"""

from __future__ import annotations

from collections.abc import Iterator

from ..analysis.tf_fate import UNSUPPORTED, is_layer
from ..core.findings import Hit, Severity
from ..core.model import Op
from ._tf import by_fate, hits
from .rule import Context, Rule

RULE = Rule(
    __doc__,
    "OPL112",
    "tf-op-not-convertible",
    Severity.ERROR,
    vocabulary="tf",
    fires_on=(
        ("savedmodel/erfc", "tflite"),
        ("savedmodel/erfc", "tflite-flex"),
        ("keras/models/k3/int8_quantized_dense.keras", "tflite-flex"),
    ),
    silent_on=(("savedmodel/cumprod", "tflite-flex"), ("savedmodel/conv_ok", "tflite")),
)


@RULE.check
def check(ctx: Context) -> Iterator[Hit]:
    yield from hits(items(ctx), "rewrite the layer with supported ops, or implement a TFLite custom op")


def items(ctx: Context) -> list[tuple[Op, str]]:
    """Each op this rule flags, with why (before the rule groups them by layer); ``oplint
    predict`` reads the same list, so its verdicts are the check's."""
    found = []
    for op, pred in by_fate(ctx.model, UNSUPPORTED):
        if pred.tf_ops:
            text = f"-> {', '.join(pred.tf_ops)}: no TFLite builtin and not a Select TF op: the converter rejects it"
        elif is_layer(op) and pred.reason:
            text = f"-> {pred.reason}"
        else:
            why = f" ({pred.reason})" if pred.reason else ""
            text = f"-> no TFLite builtin and not a Select TF op{why}: the converter rejects it"
        found.append((op, text))
    return found
