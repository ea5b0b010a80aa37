"""Prepare a run once, then run its rules on each model: rules yield hits, the engine stamps code,
severity, target and place."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, NamedTuple

from .. import checks
from ..checks import Context, Rule
from ..core.findings import Finding, Hit, Location, Severity, Source
from ..core.model import Model, ProblemKind
from ..knowledge.targets import Target
from .config import Config

if TYPE_CHECKING:  # pragma: no cover
    from .suppress import Suppressions


#: The most findings one rule lists for one model and target; beyond it one more finding says how
#: the list was cut (a hostile or degenerate model with 100,000 identical ops costs seconds and
#: pages, not minutes: nobody reads the 1,001st line of one rule).
LISTED = 1000


class Run(NamedTuple):
    """A prepared run: the configuration, resolved once into what every model is checked with."""

    config: Config
    targets: tuple[Target, ...]  #: resolved: variants and runtime releases applied
    rules: tuple[Rule, ...]  #: the enabled rules, in registry order
    severities: Mapping[str, Severity]  #: rule code -> the severity it reports at in this run
    options: Mapping[str, object]  #: rule options that were set, parsed
    suppressions: Suppressions | None = None  #: ignores and baseline (None: nothing configured)
    graph: bool = False  #: also build each model's annotated op graph (ModelReport.graph)

    def stamp(self, rule: Rule, hit: Hit, model: Model | None, target: str | None, path: str = "") -> Finding:
        location = locate(model, hit) if model is not None else Location(path)
        return Finding(location, rule.code, rule.name, self.severities[rule.code], hit.message, hit.hint, target)


def prepare(config: Config, use_suppressions: bool = True, graph: bool = False) -> Run:
    """Validate ``config`` and resolve it: targets, enabled rules, severities, options, suppressions.

    ``graph``: also build each model's annotated op graph (for the HTML report, ``oplint graph``
    and ``oplint diff``; the default outputs do not need it)."""
    config.validate()
    rules = tuple(r for r in checks.RULES if config.enabled(r.code))
    severities = {r.code: config.severity_of(r.code, r.severity) for r in rules}
    suppressions = None
    baseline = config.baseline_file() if use_suppressions else None
    if use_suppressions and (config.per_file_ignores or config.ignore_findings or baseline):
        from .suppress import Suppressions

        suppressions = Suppressions(config._replace(baseline=baseline))
    return Run(config, config.resolve_targets(), rules, severities, config.rule_options(), suppressions, graph)


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
        pointer=origin.pointer if origin is not None else None,
    )


def run(model: Model, run: Run) -> list[Finding]:
    """Every finding of the run's enabled rules on ``model`` for each target, sorted."""
    rules = [r for r in run.rules if r.vocabulary == model.vocabulary and r.checks_models]
    findings: list[Finding] = []
    if run.targets:
        ctx = Context(model, run.targets[0], run.options)
        for rule in rules:
            if rule.scope == "model":
                findings.extend(_stamped(run, rule, rule.run(ctx), model, None))
    for target in run.targets:
        ctx = Context(model, target, run.options)
        for rule in rules:
            if rule.scope == "target":
                findings.extend(_stamped(run, rule, rule.run(ctx), model, target.label))
    findings.sort(key=lambda f: f.sort_key)
    return number(findings)


def _stamped(run: Run, rule: Rule, hits: Iterable[Hit], model: Model, target: str | None) -> list[Finding]:
    """The rule's findings, at most :data:`LISTED` of them, then one that says the list was cut."""
    found: list[Finding] = []
    for hit in hits:
        if len(found) == LISTED:
            more = Hit(
                None,
                f"{rule.name} flags more than {LISTED:,} places in this model; the first {LISTED:,} are listed",
                rule.hint,
            )
            found.append(run.stamp(rule, more, model, target))
            break
        found.append(run.stamp(rule, hit, model, target))
    return found


def number(findings: list[Finding]) -> list[Finding]:
    """Give each of several findings with one identity its ordinal, so their fingerprints differ."""
    seen: dict[tuple[object, ...], int] = {}
    for i, f in enumerate(findings):
        n = seen.get(f.identity, 0)
        seen[f.identity] = n + 1
        if n:
            findings[i] = f._replace(ordinal=n)
    return findings


def unreadable(path: str, kind: ProblemKind, message: str, run: Run, hint: str | None = None) -> tuple[Finding, ...]:
    """The finding for a path that could not be read as a model (none when its rule is disabled)."""
    rule = checks.for_problem(kind)
    if rule.code not in run.severities:
        return ()
    return (run.stamp(rule, Hit(None, message, hint or rule.hint), None, None, path),)
