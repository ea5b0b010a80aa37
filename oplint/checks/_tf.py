"""Shared by the TF-op rules (OPL111-OPL114): predictions per node, grouped by layer."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ..findings import Hit
from ..model import Model, Op
from ..targets import Target
from ..tf_fate import Prediction, predictions, where
from ._types import matches

#: not a tensor type the converted op sees ("variant" = a TensorList the converter lowers away)
_UNKNOWN = frozenset({"?", "variant", "resource"})


def by_fate(model: Model, *fates: str) -> list[tuple[Op, Prediction]]:
    return [(op, p) for _, op, p in predictions(model) if p.fate in fates]


def grouped(items: Iterable[tuple[Op, str]]) -> Iterator[tuple[Op, str, int]]:
    """One entry per (layer, op type, message): many identical findings from one layer are one
    finding that counts the rest (a transformer block does not get 48 identical lines)."""
    groups: dict[tuple[str, str, str], list[Op]] = {}
    texts: dict[tuple[str, str, str], str] = {}
    for op, text in items:
        layer = op.origin.layer if op.origin is not None and op.origin.layer else op.name
        key = (layer or "", op.kind, text)
        groups.setdefault(key, []).append(op)
        texts[key] = text
    for key, ops in groups.items():
        yield ops[0], texts[key], len(ops) - 1


def hits(items: Iterable[tuple[Op, str]], hint: str) -> Iterator[Hit]:
    for op, text, more in grouped(items):
        suffix = f" (and {more} more {op.kind} node{'s' if more != 1 else ''} in this layer)" if more else ""
        yield Hit(op, f"{where(op)} {text}{suffix}", hint)


def builtin_problems(model: Model, op: Op, pred: Prediction, target: Target) -> list[str]:
    """Why the builtins a TF op becomes do not run on the target (empty: they do)."""
    graph = model.graphs[op.graph]
    ins = graph.op_inputs(op)
    outs = graph.op_outputs(op)
    first_in = ins[0].dtype if ins and ins[0] is not None and ins[0].dtype not in _UNKNOWN else None
    first_out = outs[0].dtype if outs and outs[0] is not None and outs[0].dtype not in _UNKNOWN else None
    key = (pred.builtins, first_in, first_out, target.id)
    memo: dict[tuple[object, ...], list[str]] = model.derived("tf-builtin-problems", dict)
    found = memo.get(key)
    if found is None:
        found = memo[key] = _problems(pred.builtins, first_in, first_out, target)
    return found


def _problems(builtins: tuple[str, ...], first_in: str | None, first_out: str | None, target: Target) -> list[str]:
    problems = []
    for builtin in builtins:
        support = target.builtins.get(builtin)
        if support is None:
            problems.append(f"-> {builtin}: no {target.runtime_title} kernel")
            continue
        if support.types is None or len(builtins) > 1:
            continue  # a lowering's intermediate types are not known
        dtypes = {"in0": first_in, "out0": first_out}
        if not any(matches({k: v for k, v in sig.items() if k in dtypes}, dtypes) for sig in support.types):
            kinds = f"({first_in or '?'} -> {first_out or '?'})"
            problems.append(f"-> {builtin} {kinds}: no {target.runtime_title} kernel for these types")
    return problems
