"""A TF op that is not in TensorFlow's op registry (a custom op from another library).

## What it does
Flags nodes whose op type is unknown to the TensorFlow release oplint's table was built from:
ops of TF add-on libraries (TF Text, TF Addons, SentencePiece, your own `REGISTER_OP`).

## Why is this bad?
The converter cannot legalize an op it has never heard of; with builtins or Select TF ops it
fails (`'tf.MyOp' op is neither a custom op nor a flex op`), and with `allow_custom_ops` the model
needs your own TFLite kernel for it, on every device.

## Example
```
$ oplint check fixtures/savedmodel/custom_op --target tflite
fixtures/savedmodel/custom_op:sg2:op0: OPL113 [tflite] MyCompanyFancyActivation 'model/erfc/Erfc' in layer "model/erfc" (function __call__) -> not a TensorFlow op: needs a TFLite custom op kernel
```

## How to fix
Replace the op with core TF ops before export, or write and register a TFLite custom kernel
and convert with `allow_custom_ops=True`.  TF Text / SentencePiece ops may run as Select TF ops
when those libraries are linked with the Flex delegate.

## References
- https://ai.google.dev/edge/litert/models/ops_custom
- LiteRT `tflite/converter/delegates/flex/allowlisted_flex_ops.cc` (TF Text, SentencePiece lists)
"""

from __future__ import annotations

from collections.abc import Iterator

from ..analysis.tf_fate import CUSTOM
from ..core.findings import Hit, Severity
from ..core.model import Op
from ._tf import by_fate, hits
from .rule import Context, Rule

RULE = Rule(
    __doc__,
    "OPL113",
    "custom-tf-op",
    Severity.ERROR,
    vocabulary="tf",
    fires_on=(("savedmodel/custom_op", "tflite"), ("savedmodel/custom_op", "tflite-flex")),
    silent_on=(("savedmodel/erfc", "tflite"), ("savedmodel/conv_ok", "tflm")),
)


@RULE.check
def check(ctx: Context) -> Iterator[Hit]:
    yield from hits(items(ctx), "replace the op with core TF ops, or implement a TFLite custom op kernel")


def items(ctx: Context) -> list[tuple[Op, str]]:
    """Each op this rule flags, with why (before the rule groups them by layer); ``oplint
    predict`` reads the same list, so its verdicts are the check's."""
    found = []
    for op, _ in by_fate(ctx.model, CUSTOM):
        library = ctx.target.flex_conditional.get(op.kind)
        if library and ctx.target.flex:
            continue  # TF Text / SentencePiece op: a Select TF op when that library is linked
        found.append((op, "-> not a TensorFlow op: needs a TFLite custom op kernel"))
    return found
