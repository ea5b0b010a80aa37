"""``oplint predict``: what the converter will make of each TF op, and where the result runs.

One line per (TF op type, input type, predicted fate), with the number of nodes, e.g.::

    Conv2D (float32) x2 -> CONV_2D: ok on tflite, tflite-flex, tflm
    Cumprod (float32) x1 -> Select TF op FlexCumprod: ok on tflite-flex; fails tflite, tflm

The verdicts are the checks' own: an op fails a target exactly when ``oplint check`` flags it
there (OPL111 needs Flex, OPL112 not convertible, OPL113 custom op, OPL114 no kernel for the
predicted builtin, OPL303 no delegate kernel), so the two commands never disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import NamedTuple

from ..analysis.tf_fate import BUILTIN, FLEX, PLUMBING, Prediction, predictions
from ..checks import (
    opl111_tf_op_needs_flex,
    opl112_tf_op_not_convertible,
    opl113_custom_tf_op,
    opl114_predicted_op_unsupported,
    opl303_predicted_op_not_delegated,
)
from ..checks.rule import Context
from ..core.model import EMPTY, Model, Op
from ..knowledge.targets import Target

#: The rules whose flagged ops are the failures predict shows, and whether their reason is worth
#: repeating (the fate already says "needs Flex", "not convertible", "unknown op").
_RULES: tuple[tuple[Callable[[Context], list[tuple[Op, str]]], bool], ...] = (
    (opl111_tf_op_needs_flex.items, False),
    (opl112_tf_op_not_convertible.items, False),
    (opl113_custom_tf_op.items, False),
    (opl114_predicted_op_unsupported.items, True),
    (opl303_predicted_op_not_delegated.items, True),
)


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
    groups: dict[tuple[str, str, str, tuple[str, ...], str | None], list[Op]] = {}
    preds: dict[tuple[int, int], Prediction] = {}
    for graph, op, pred in predictions(model):
        if pred.fate == PLUMBING and not show_all:
            continue
        ins = graph.op_inputs(op)[pred.row.data_input if pred.row is not None else 0 :]
        dtype = ins[0].dtype if ins and ins[0] is not None else "-"
        groups.setdefault((op.kind, dtype, pred.fate, pred.builtins, pred.reason), []).append(op)
        preds[op.key] = pred
    flagged = [_flagged(Context(model, target, options)) for target in targets]
    lines = []
    for (kind, dtype, _fate, _, _), ops in groups.items():
        ok: list[str] = []
        failing: list[tuple[str, str]] = []
        for target, why_by_op in zip(targets, flagged):
            why = next((why_by_op[op.key] for op in ops if op.key in why_by_op), None)
            if why is None:
                ok.append(target.id)
            else:
                failing.append((target.id, why))
        pred = preds[ops[0].key]
        lines.append(
            Line(kind, dtype, len(ops), pred.fate, _outcome(kind, pred), tuple(ok), tuple(failing), ops[0].name)
        )
    return lines


def _flagged(ctx: Context) -> dict[tuple[int, int], str]:
    """Op key -> the first reason a check gives for it on this target."""
    found: dict[tuple[int, int], str] = {}
    for items, say in _RULES:
        for op, why in items(ctx):
            found.setdefault(op.key, why.removeprefix("-> ") if say else "")
    return found


def _outcome(kind: str, pred: Prediction) -> str:
    if pred.fate == BUILTIN:
        text = ", ".join(pred.builtins) or "nothing"
    elif pred.fate == FLEX:
        text = f"Select TF op Flex{kind}"
    elif pred.fate == PLUMBING:
        text = "removed"
    elif pred.fate == "custom":
        text = "unknown op (custom)"
    else:
        text = "not convertible"
    return f"{text} [{pred.reason}]" if pred.reason else text
