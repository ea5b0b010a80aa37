"""Findings: what rules report, stamped by the engine with code, severity, target and place."""

from __future__ import annotations

import enum
from typing import Any, NamedTuple

from .model import Op


class Severity(enum.IntEnum):
    """Ordered, so a failure threshold is a comparison."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r} (expected error, warning or info)") from None


class Source(NamedTuple):
    """A Python source line that created the op (SavedModel debug info)."""

    file: str
    line: int
    column: int = 0
    function: str = ""


class Location(NamedTuple):
    path: str
    graph: int | None = None
    op_index: int | None = None
    op: str | None = None  #: the op as users know it: CONV_2D, FlexErf, Conv2D
    node: str | None = None  #: node / output tensor name
    graph_name: str | None = None
    layer: str | None = None  #: Keras layer (name scope) when known
    source: Source | None = None
    #: a Keras layer's JSON pointer in the model configuration (config.json / model_config)
    pointer: str | None = None

    def __str__(self) -> str:
        parts = [self.path]
        if self.graph is not None:
            parts.append(f"sg{self.graph}")
        if self.op_index is not None:
            parts.append(f"op{self.op_index}")
        return ":".join(parts)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "path": self.path,
            "graph": self.graph,
            "op_index": self.op_index,
            "op": self.op,
            "node": self.node,
        }
        if self.graph_name is not None:
            out["graph_name"] = self.graph_name
        if self.layer is not None:
            out["layer"] = self.layer
        if self.source is not None:
            out["source"] = {"file": self.source.file, "line": self.source.line}
        if self.pointer is not None:
            out["pointer"] = self.pointer
        return out


class Finding(NamedTuple):
    location: Location
    code: str
    name: str
    severity: Severity
    message: str
    hint: str | None = None
    target: str | None = None
    #: which of several findings of one rule, target and place this is (0, 1, 2 ... in report
    #: order): a rule can flag one op more than once (OPL204: each unquantized input)
    ordinal: int = 0

    @property
    def identity(self) -> tuple[str, str, str, int | None, str]:
        """Rule, target, model, graph and op (by name when it has one): no line, no op index
        when the op is named, so re-exports that keep names keep their identity."""
        loc = self.location
        anchor = loc.node if loc.node else f"{loc.op}#{loc.op_index}"
        return (self.code, self.target or "", loc.path, loc.graph, anchor)

    @property
    def fingerprint(self) -> str:
        """Stable identity: independent of op order when the op has a name, free of line numbers."""
        return self.fingerprint_at(self.location.path)

    def fingerprint_at(self, path: str) -> str:
        """The fingerprint with the model named ``path`` (SARIF: the path below the repository
        root, so the same finding has one fingerprint whichever folder oplint ran from)."""
        import hashlib

        key = "\0".join(str(x) for x in (*self.identity[:2], path, *self.identity[3:]))
        if self.ordinal:
            key += f"\0{self.ordinal}"
        return hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()[:16]

    @property
    def sort_key(self) -> tuple[Any, ...]:
        loc = self.location
        return (
            loc.path,
            -1 if loc.graph is None else loc.graph,
            -1 if loc.op_index is None else loc.op_index,
            self.code,
            self.target or "",
            self.message,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "severity": self.severity.label,
            "target": self.target,
            "message": self.message,
            "hint": self.hint,
            "location": self.location.to_json(),
            "fingerprint": self.fingerprint,
        }


class Hit(NamedTuple):
    """What a rule yields: the op (or None for the whole model), a message and a fix hint."""

    op: Op | None
    message: str
    hint: str | None = None


def ranges(indices: tuple[int, ...] | list[int], most: int | None = 3) -> str:
    """``0-4,7,9-12``: sorted op indices as ranges, the first ``most`` of them then ``,...``
    (``most=None``: all of them; no indices: "")."""
    out: list[str] = []
    ops = sorted(indices)
    if not ops:
        return ""
    start = prev = ops[0]
    for i in [*ops[1:], None]:
        if i is not None and i == prev + 1:
            prev = i
            continue
        out.append(f"{start}" if start == prev else f"{start}-{prev}")
        if i is not None:
            start = prev = i
    if most is None or len(out) <= most:
        return ",".join(out)
    return ",".join(out[:most]) + ",..."
