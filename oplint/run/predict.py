"""``oplint predict``: what the converter will make of each TF op (or Keras layer), and where the result runs.

One line per (TF op type, input type, predicted fate), with the number of nodes, e.g.::

    Conv2D (float32) x2 -> CONV_2D: ok on tflite, tflite-flex, tflm
    Cumprod (float32) x1 -> Select TF op FlexCumprod: ok on tflite-flex; fails tflite, tflm

The verdicts are the checks' own: an op fails a target exactly when ``oplint check`` flags it
there (OPL111 needs Flex, OPL112 not convertible, OPL113 custom op, OPL114 no kernel for the
predicted builtin, OPL303 no delegate kernel; for Keras layers also OPL115 opaque, OPL116 dynamic-batch
recurrent layer, OPL117 no prediction), so the two commands never disagree.  A Keras layer whose
prediction has several parts (builtins and a Select TF op) has a line per part.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import NamedTuple

from ..analysis.tf_fate import (
    BUILTIN,
    CUSTOM,
    FLEX,
    OPAQUE,
    PLUMBING,
    TENSORLIST,
    UNKNOWN,
    UNSUPPORTED,
    Prediction,
    predictions,
)
from ..checks import (
    opl111_tf_op_needs_flex,
    opl112_tf_op_not_convertible,
    opl113_custom_tf_op,
    opl114_predicted_op_unsupported,
    opl115_opaque_keras_layer,
    opl116_dynamic_batch_recurrent_layer,
    opl117_unpredicted_keras_layer,
    opl303_predicted_op_not_delegated,
)
from ..checks.rule import Context
from ..core.model import EMPTY, Model, Op
from ..knowledge.targets import Target

#: The rules whose flagged ops are the failures predict shows, and whether their reason is worth
#: repeating (the fate already says "needs Flex", "not convertible", "unknown op").
#: Each rule also names the fate it flags, so that a Keras layer whose prediction has several parts
#: (builtins and a Select TF op) fails a target on the line of the part that fails there.
_RULES: tuple[tuple[Callable[[Context], list[tuple[Op, str]]], bool, str], ...] = (
    (opl111_tf_op_needs_flex.items, False, FLEX),
    (opl112_tf_op_not_convertible.items, False, UNSUPPORTED),
    (opl113_custom_tf_op.items, False, CUSTOM),
    (opl114_predicted_op_unsupported.items, True, BUILTIN),
    (opl115_opaque_keras_layer.items, False, OPAQUE),
    (opl116_dynamic_batch_recurrent_layer.items, False, TENSORLIST),
    (opl117_unpredicted_keras_layer.items, False, UNKNOWN),
    (opl303_predicted_op_not_delegated.items, True, BUILTIN),
)
#: (op kind, input dtype, fate, builtins, reason, TF ops): one line of the plan
_Key = tuple[str, str, str, tuple[str, ...], "str | None", tuple[str, ...]]


class Line(NamedTuple):
    op: str
    dtype: str
    nodes: int
    fate: str
    outcome: str  #: what the converter makes of it
    ok: tuple[str, ...]  #: targets it runs on
    failing: tuple[tuple[str, str], ...]  #: (target, why; "" when the outcome says it)
    example: str  #: one node

    def render(self) -> str:
        verdict = []
        if self.ok:
            verdict.append("ok on " + ", ".join(self.ok))
        if self.failing:
            reasons = sorted({why for _, why in self.failing if why})
            verdict.append(
                "fails " + ", ".join(t for t, _ in self.failing) + (f" ({'; '.join(reasons)})" if reasons else "")
            )
        return f"{self.op} ({self.dtype}) x{self.nodes} -> {self.outcome}: {'; '.join(verdict)}"


def plan(
    model: Model, targets: Sequence[Target], show_all: bool = False, options: Mapping[str, object] = EMPTY
) -> list[Line]:
    groups: dict[_Key, list[Op]] = {}
    preds: dict[_Key, Prediction] = {}  # a Keras layer has a prediction per part: each group keeps its own
    for graph, op, pred in predictions(model):
        if pred.fate == PLUMBING and not show_all:
            continue
        ins = graph.op_inputs(op)[pred.row.data_input if pred.row is not None else 0 :]
        dtype = ins[0].dtype if ins and ins[0] is not None else "-"
        key = (op.kind, dtype, pred.fate, pred.builtins, pred.reason, pred.tf_ops)
        groups.setdefault(key, []).append(op)
        preds.setdefault(key, pred)
    flagged = [_flagged(Context(model, target, options)) for target in targets]
    lines = []
    for key, ops in groups.items():
        kind, dtype = key[0], key[1]
        ok: list[str] = []
        failing: list[tuple[str, str]] = []
        fate = key[2]
        for target, why_by_op in zip(targets, flagged):
            why = next((why_by_op[fate, op.key] for op in ops if (fate, op.key) in why_by_op), None)
            if why is None:
                ok.append(target.id)
            else:
                failing.append((target.id, why))
        pred = preds[key]
        lines.append(
            Line(kind, dtype, len(ops), pred.fate, _outcome(kind, pred), tuple(ok), tuple(failing), ops[0].name)
        )
    return lines


def _flagged(ctx: Context) -> dict[tuple[str, tuple[int, int]], str]:
    """(fate, op key) -> the first reason a check gives for that part of the op on this target."""
    found: dict[tuple[str, tuple[int, int]], str] = {}
    for items, say, fate in _RULES:
        for op, why in items(ctx):
            found.setdefault((fate, op.key), why.removeprefix("-> ") if say else "")
    return found


def _outcome(kind: str, pred: Prediction) -> str:
    flex = ", ".join(f"Flex{t}" for t in pred.tf_ops or (kind,))
    if pred.fate == BUILTIN:
        text = ", ".join(pred.builtins) or "nothing"
    elif pred.fate == FLEX:
        text = f"Select TF op{'s' if len(pred.tf_ops) > 1 else ''} {flex}"
    elif pred.fate == PLUMBING:
        text = "removed"
    elif pred.fate == "custom":
        text = "unknown op (custom)"
    elif pred.fate == TENSORLIST:
        return f"Select TF ops {flex} (fails with builtins only) [{pred.reason}]"
    elif pred.fate in (OPAQUE, UNKNOWN):
        return f"not predicted [{pred.reason}]"
    elif pred.tf_ops:
        text = f"not convertible ({', '.join(pred.tf_ops)})"
    else:
        text = "not convertible"
    return f"{text} [{pred.reason}]" if pred.reason else text
