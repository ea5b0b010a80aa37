"""A recurrent layer with a dynamic batch size: it does not convert with TFLite builtins only.

## What it does
Flags LSTM, GRU, SimpleRNN, ConvLSTM2D and Bidirectional layers that are not unrolled and whose
batch dimension is unknown (the default `Input(shape=...)`), on every target without Select TF
ops.  Their `WHILE` loop keeps its step outputs in a TensorList whose element shape includes the
batch size, and the converter lowers TensorList ops to builtins only when that shape is static.

## Why is this bad?
Conversion with builtins only fails: `'tf.TensorListReserve' op requires element_shape to be
static during TF Lite transformation pass` ... `Lowering tensor list ops is failed`, without
naming any Select TF op.  With `SELECT_TF_OPS` the model converts, but keeps
`FlexTensorListReserve`, `FlexTensorListSetItem` and `FlexTensorListStack`, which TensorFlow
Lite Micro and the hardware delegates cannot run.  This held for every such layer in both Keras
versions in the recorded conversions (TF 2.21).

## Example
```
$ oplint check fixtures/keras/models/k3/lstm_last.keras --target tflite
fixtures/keras/models/k3/lstm_last.keras:sg0:op0: OPL116 [tflite] LSTM layer 'lstm' has a dynamic batch size: its loop's TensorList ops (TensorListReserve, TensorListSetItem, TensorListStack) convert only as Select TF ops
```

## How to fix
Fix the batch size where the model is declared (`keras.Input(shape=(6, 3), batch_size=1)`, or
`batch_shape=(1, 6, 3)`) before converting: the loop then lowers to builtins (and a tf_keras
LSTM with the default settings fuses to `UNIDIRECTIONAL_SEQUENCE_LSTM`).  Or unroll the layer
(`unroll=True`, for short fixed sequences), or convert with `SELECT_TF_OPS` for `tflite-flex`.

## References
- LiteRT `tflite/converter/transforms/lower_static_tensor_list.cc`
- https://ai.google.dev/edge/litert/models/convert_rnn
- oplint `fixtures/keras/README.md` ("Recurrent layers: the batch dimension decides")
"""

from __future__ import annotations

from collections.abc import Iterator

from ..analysis.tf_fate import TENSORLIST
from ..core.findings import Hit, Severity
from ..core.model import Op
from ._tf import by_fate
from .rule import Context, Rule

RULE = Rule(
    __doc__,
    "OPL116",
    "dynamic-batch-recurrent-layer",
    Severity.ERROR,
    vocabulary="tf",
    fires_on=(("keras/models/k3/lstm_last.keras", "tflite"), ("keras/models/tfk2/gru_last.h5", "tflm")),
    silent_on=(
        ("keras/models/k3/lstm_last.keras", "tflite-flex"),
        ("keras/models/k3/lstm_last_batch1.keras", "tflite"),
        ("keras/models/tfk2/lstm_unroll.h5", "tflite"),
    ),
)


@RULE.check
def check(ctx: Context) -> Iterator[Hit]:
    hint = "fix the batch size (keras.Input(..., batch_size=1)) or set unroll=True; or convert with SELECT_TF_OPS"
    for op, text in items(ctx):
        yield Hit(op, text, hint)


def items(ctx: Context) -> list[tuple[Op, str]]:
    """Each layer this rule flags, with why; ``oplint predict`` reads the same list."""
    if ctx.target.flex:
        return []
    return [
        (
            op,
            f"{op.kind} layer '{op.name}' has a dynamic batch size: its loop's TensorList ops "
            f"({', '.join(pred.tf_ops)}) convert only as Select TF ops",
        )
        for op, pred in by_fate(ctx.model, TENSORLIST)
    ]
