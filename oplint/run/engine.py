"""Run the rules on one model: rules yield hits, the engine stamps code, severity, target, place."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

from .. import checks
from ..checks import Context, Rule
from ..core.findings import Finding, Hit, Location, Source
from ..core.model import Model
from ..knowledge.targets import Target, Version


class ResolvedTarget(NamedTuple):
    label: str  #: "tflite" or "tflite@2.15"
    target: Target
    runtime: Version | None
    arena_size: int | None = None  #: TFLM tensor-arena budget in bytes, when one was given
    max_partitions: int | None = None  #: most delegated partitions allowed per graph (OPL302)


def locate(model: Model, hit: Hit) -> Location:
    op = hit.op
    if op is None:
        return Location(model.path)
    graph = model.graphs[op.graph] if 0 <= op.graph < len(model.graphs) else None
    origin = op.origin
    source = Source(origin.file, origin.line) if origin is not None and origin.file and origin.line else None
    return Location(
        path=model.path,
        graph=op.graph,
        op_index=op.index,
        op=op.display,
        node=op.name or (origin.node if origin else None),
        graph_name=graph.name if graph is not None else None,
        layer=origin.layer if origin is not None else None,
        source=source,
    )


def stamp(rule: Rule, hit: Hit, model: Model, target: str | None) -> Finding:
    return Finding(
        location=locate(model, hit),
        code=rule.code,
        name=rule.name,
        severity=rule.severity,
        message=hit.message,
        hint=hit.hint,
        target=target,
    )


def run(model: Model, targets: Sequence[ResolvedTarget], rules: Iterable[Rule] | None = None) -> list[Finding]:
    """Every finding of the enabled rules on ``model`` for each target, sorted."""
    rules = tuple(r for r in (checks.RULES if rules is None else rules) if r.vocabulary == model.vocabulary)
    findings: list[Finding] = []
    model_rules = [r for r in rules if r.check is not None and r.scope == "model"]
    target_rules = [r for r in rules if r.check is not None and r.scope == "target"]
    if targets:
        first = targets[0]
        ctx = Context(model, first.target, first.runtime, first.arena_size, first.max_partitions)
        for rule in model_rules:
            assert rule.check is not None
            findings.extend(stamp(rule, hit, model, None) for hit in rule.check(ctx))
    for resolved in targets:
        ctx = Context(model, resolved.target, resolved.runtime, resolved.arena_size, resolved.max_partitions)
        for rule in target_rules:
            assert rule.check is not None
            findings.extend(stamp(rule, hit, model, resolved.label) for hit in rule.check(ctx))
    findings.sort(key=lambda f: f.sort_key)
    return findings


def unreadable(path: str, code: str, message: str) -> Finding:
    rule = checks.BY_CODE[code]
    hint = {
        "OPL001": "check that the file is a complete .tflite flatbuffer (re-export or re-download it)",
        "OPL002": "fetch the real file with `git lfs pull`",
        "OPL006": "re-export the SavedModel, or copy it again and compare sizes",
    }.get(code)
    return Finding(Location(path), rule.code, rule.name, rule.severity, message, hint, None)
