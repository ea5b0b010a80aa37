"""Shared by the TF-op rules (OPL111-OPL114): predictions per node, grouped by layer."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ..analysis.tf_fate import Prediction, predictions, where
from ..core.findings import Hit
from ..core.model import Model, Op


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
