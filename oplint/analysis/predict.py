"""``oplint predict``: what the converter will make of each TF op, and where the result runs.

One line per (TF op type, input type, predicted fate), with the number of nodes, e.g.::

    Conv2D (float32) x2 -> CONV_2D: ok on tflite, tflite-flex, tflm
    Cumprod (float32) x1 -> Select TF op FlexCumprod: ok on tflite-flex; fails tflite, tflm
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from ..core.model import Model, Op
from ..knowledge.targets import Target
from .tf_fate import BUILTIN, FLEX, PLUMBING, Prediction, builtin_problems, predictions


class Line(NamedTuple):
    op: str
    dtype: str
    nodes: int
    fate: str
    outcome: str  #: what the converter makes of it
    ok: tuple[str, ...]  #: targets it runs on
    failing: tuple[tuple[str, str], ...]  #: (target, why)
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


def plan(model: Model, targets: Sequence[Target], show_all: bool = False) -> list[Line]:
    groups: dict[tuple[str, str, str, tuple[str, ...], str | None], list[Op]] = {}
    preds: dict[tuple[int, int], Prediction] = {}
    for graph, op, pred in predictions(model):
        if pred.fate == PLUMBING and not show_all:
            continue
        ins = graph.op_inputs(op)
        dtype = ins[0].dtype if ins and ins[0] is not None else "-"
        groups.setdefault((op.kind, dtype, pred.fate, pred.builtins, pred.reason), []).append(op)
        preds[op.key] = pred
    lines = []
    for (kind, dtype, fate, _, _), ops in groups.items():
        pred = preds[ops[0].key]
        ok: list[str] = []
        failing: list[tuple[str, str]] = []
        for target in targets:
            why = _verdict(model, ops, pred, target)
            if why is None:
                ok.append(target.id)
            else:
                failing.append((target.id, why))
        lines.append(Line(kind, dtype, len(ops), fate, _outcome(kind, pred), tuple(ok), tuple(failing), ops[0].name))
    return lines


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


def _verdict(model: Model, ops: list[Op], pred: Prediction, target: Target) -> str | None:
    """None when the op runs on the target, else a short reason ("" when the fate says it)."""
    if pred.fate == PLUMBING:
        return None
    if pred.fate == FLEX:
        return None if target.flex else ""
    if pred.fate != BUILTIN:
        return ""
    for op in ops:
        problems = builtin_problems(model, op, pred, target)
        if problems:
            return problems[0][3:] if problems[0].startswith("-> ") else problems[0]
    return None
