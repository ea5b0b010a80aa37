"""What changed between two versions of a model (``oplint diff OLD NEW``): the types.

Computed by :mod:`oplint.run.diff`, rendered by :mod:`oplint.output.diff` (text, markdown,
JSON).  The JSON form is versioned by :data:`VERSION`; later versions only add fields.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from .findings import Finding

VERSION = 1


class OpRef(NamedTuple):
    """One op of one side: where it is and what it is."""

    graph: int
    index: int  # type: ignore[assignment]  # shadows tuple.index, as Op does
    op: str
    name: str

    def __str__(self) -> str:
        return f"sg{self.graph}:op{self.index} {self.op}" + (f" '{self.name}'" if self.name else "")

    def to_json(self) -> dict[str, Any]:
        return {"graph": self.graph, "index": self.index, "op": self.op, "name": self.name}


class OpChange(NamedTuple):
    """Ops that correspond but differ: another kind or version, or TF ops the converter turned into
    other builtins than predicted (fused, decomposed)."""

    old: tuple[OpRef, ...]
    new: tuple[OpRef, ...]
    what: str  #: "CONV_2D v1 -> v2", "AddV2, Relu6, RealDiv, Mul -> HARD_SWISH (predicted ADD, RELU6, ...)"

    def to_json(self) -> dict[str, Any]:
        return {"old": [r.to_json() for r in self.old], "new": [r.to_json() for r in self.new], "what": self.what}


class Share(NamedTuple):
    """A delegate target's coverage: ops and MACs it takes, and in how many partitions."""

    delegated_ops: int
    total_ops: int
    op_share: float
    mac_share: float | None
    partitions: int

    def to_json(self) -> dict[str, Any]:
        return {
            "delegated_ops": self.delegated_ops,
            "total_ops": self.total_ops,
            "op_share": round(self.op_share, 4),
            "mac_share": round(self.mac_share, 4) if self.mac_share is not None else None,
            "partitions": self.partitions,
        }


class TargetDiff(NamedTuple):
    target: str
    old_ok: bool
    new_ok: bool
    old_errors: int
    new_errors: int
    new_findings: tuple[Finding, ...]  #: for this target in NEW, with no counterpart in OLD
    fixed_findings: tuple[Finding, ...]  #: for this target in OLD, with no counterpart in NEW
    old_share: Share | None = None  #: delegate targets of .tflite models
    new_share: Share | None = None
    worse: tuple[str, ...] = ()  #: why NEW is worse on this target (empty: it is not)

    @property
    def verdict(self) -> str:
        """``newly fails`` | ``newly passes`` | ``still fails`` | ``passes``."""
        if self.old_ok != self.new_ok:
            return "newly passes" if self.new_ok else "newly fails"
        return "passes" if self.new_ok else "still fails"

    def to_json(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "verdict": self.verdict,
            "old": {"ok": self.old_ok, "errors": self.old_errors, "delegation": _share(self.old_share)},
            "new": {"ok": self.new_ok, "errors": self.new_errors, "delegation": _share(self.new_share)},
            "new_findings": [f.to_json() for f in self.new_findings],
            "fixed_findings": [f.to_json() for f in self.fixed_findings],
            "worse": list(self.worse),
        }


def _share(share: Share | None) -> dict[str, Any] | None:
    return share.to_json() if share is not None else None


class Figure(NamedTuple):
    """A number on both sides (None: not known there)."""

    name: str
    old: int | None
    new: int | None

    @property
    def delta(self) -> int | None:
        return self.new - self.old if self.old is not None and self.new is not None else None

    def to_json(self) -> dict[str, Any]:
        return {"old": self.old, "new": self.new, "delta": self.delta}


class ModelDiff(NamedTuple):
    old: str
    new: str
    old_format: str | None  #: None: unreadable
    new_format: str | None
    old_ops: int
    new_ops: int
    #: how many ops of NEW were matched to OLD ops, by each method ("name", "tensor", "structure", "order")
    matched: dict[str, int]
    added: tuple[OpRef, ...]
    removed: tuple[OpRef, ...]
    changed: tuple[OpChange, ...]
    targets: tuple[TargetDiff, ...]
    memory: tuple[Figure, ...]  #: file, weights, TFLM arena (bytes)
    #: findings for every target (target null: an unreadable model, a broken structure)
    new_model_findings: tuple[Finding, ...] = ()
    fixed_model_findings: tuple[Finding, ...] = ()

    @property
    def worse(self) -> bool:
        return any(t.worse for t in self.targets)

    def to_json(self) -> dict[str, Any]:
        return {
            "version": VERSION,
            "old": {"path": self.old, "format": self.old_format, "ops": self.old_ops},
            "new": {"path": self.new, "format": self.new_format, "ops": self.new_ops},
            "worse": self.worse,
            "worse_on": [t.target for t in self.targets if t.worse],
            "ops": {
                "matched": dict(self.matched),
                "added": [r.to_json() for r in self.added],
                "removed": [r.to_json() for r in self.removed],
                "changed": [c.to_json() for c in self.changed],
            },
            "targets": {t.target: t.to_json() for t in self.targets},
            "new_model_findings": [f.to_json() for f in self.new_model_findings],
            "fixed_model_findings": [f.to_json() for f in self.fixed_model_findings],
            "memory": {f.name: f.to_json() for f in self.memory},
        }
