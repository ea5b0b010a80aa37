"""The one lint API the CLI, the pre-commit hook and the LSP server use.

    report = lint_paths(["models/"], load_config())

finds the models under the paths, reads each one, runs the enabled rules for every
configured target and returns a :class:`Report`.  It never prints and never exits.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import checks
from ..analysis.quantization import summarize
from ..analysis.runtime import required_runtime
from ..core.findings import Finding, Hit, Severity
from ..core.model import Model, ProblemKind
from ..core.report import ModelReport, Report, TargetResult
from ..readers import ModelError, load
from . import engine
from .config import Config, ConfigError
from .discover import discover
from .engine import Run as Run
from .engine import prepare as prepare

if TYPE_CHECKING:  # pragma: no cover
    from ..core.opgraph import OpGraph


def lint_paths(
    paths: Iterable[str],
    config: Config,
    progress: Callable[[int, int, str], None] | None = None,
    use_suppressions: bool = True,
    jobs: int = 1,
    graph: bool = False,
) -> Report:
    """Lint every model under ``paths``; raises ConfigError for bad config or missing paths.

    ``progress(done, total, path)`` is called before each model and once at the end.  ``graph``:
    each result also carries the model's annotated op graph (:class:`~oplint.core.opgraph.OpGraph`),
    which the HTML report, ``oplint graph`` and ``oplint diff`` draw from."""
    paths = list(paths)
    missing = [p for p in paths if not os.path.exists(p)]
    if missing:
        raise ConfigError("; ".join(_why_missing(p) for p in missing))
    run = prepare(config, use_suppressions, graph)
    files, notes = discover(paths, config)
    if not files:  # an empty folder, or everything excluded: nothing to check is not an error (as ruff)
        return Report(
            (),
            tuple(t.label for t in run.targets),
            run.rules,
            config.failure_threshold,
            tuple(notes),
            titles=_titles(run),
        )
    if jobs > 1 and len(files) > jobs:  # fewer models than workers: starting them costs more than it saves
        results = _lint_parallel(files, run, jobs, progress)
    else:
        results = []
        for i, path in enumerate(files):
            if progress is not None:
                progress(i, len(files), path)
            results.append(lint_file(path, run))
    if progress is not None:
        progress(len(files), len(files), "")
    return Report(
        tuple(results),
        tuple(t.label for t in run.targets),
        run.rules,
        config.failure_threshold,
        tuple(notes),
        unused_suppressions(run),
        titles=_titles(run),
    )


def _titles(run: Run) -> dict[str, tuple[str, str]]:
    return {t.label: (t.title, t.runtime_title) for t in run.targets}


def _why_missing(path: str) -> str:
    """``no such file or directory: x``, or what else makes an existing name unusable."""
    import errno

    if os.path.lexists(path):
        try:
            os.stat(path)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                return f"{path} is a symbolic link loop"
            if exc.errno == errno.ENOENT:
                return f"{path} is a symbolic link to nothing ({os.readlink(path)})"
            return f"{path}: {exc.strerror}"
    return f"no such file or directory: {path}"


def lint_projects(
    paths: Iterable[str],
    config_for: Callable[[Path], Config],
    progress: Callable[[int, int, str], None] | None = None,
    jobs: int = 1,
    graph: bool = False,
) -> Report:
    """Lint every model under ``paths`` with the configuration of its own project.

    ``config_for(folder)`` is the configuration that applies in ``folder`` (the closest
    ``pyproject.toml`` with ``[tool.oplint]`` at or above it, with the command line's options on
    top, as ruff finds it).  Each path is walked with its own project's ``exclude``; each model
    found is then checked with the configuration of the project it lies in, so one run over a
    monorepo checks every model against its own project's targets."""
    paths = list(paths)
    missing = [p for p in paths if not os.path.exists(p)]
    if missing:
        raise ConfigError("; ".join(_why_missing(p) for p in missing))
    groups: dict[Path | None, tuple[Config, list[str]]] = {}
    notes: list[str] = []
    seen: set[str] = set()
    for path in paths:
        here = config_for(_folder(path))
        files, found_notes = discover([path], here)
        notes.extend(found_notes)
        for file in files:
            key = os.path.realpath(file)
            if key in seen:
                continue
            seen.add(key)
            own = config_for(_folder(file))
            groups.setdefault(own.source, (own, []))[1].append(file)
    if not groups:  # nothing to check: report with the configuration of the working directory
        return lint_paths([], config_for(Path.cwd()))._replace(notes=tuple(notes))
    reports = [lint_paths(files, config, progress, jobs=jobs, graph=graph) for config, files in groups.values()]
    return _merge(reports, tuple(notes))


def _folder(path: str) -> Path:
    p = Path(path)
    return p if p.is_dir() else (p.parent if str(p.parent) else Path("."))


def _merge(reports: list[Report], notes: tuple[str, ...]) -> Report:
    """One report of several projects: results in order, every target and rule once."""
    first = reports[0]
    if len(reports) == 1:
        return first._replace(notes=notes + first.notes)
    labels = tuple(dict.fromkeys(label for r in reports for label in r.targets))
    codes = {rule.code for r in reports for rule in r.rules}
    rules = tuple(rule for rule in checks.RULES if rule.code in codes)
    return Report(
        tuple(result for r in reports for result in r.results),
        labels,
        rules,
        min(r.failure_threshold for r in reports),
        notes + tuple(n for r in reports for n in r.notes),
        tuple(f for r in reports for f in r.meta),
        titles={label: title for r in reports for label, title in r.titles.items()},
    )


CHUNK = 16  #: most models per task when linting in worker processes

_WORKER_RUN: Run | None = None  #: the run a worker process checks with (prepared once per worker)


def _worker_start(config: Config, graph: bool = False) -> None:
    global _WORKER_RUN
    _WORKER_RUN = prepare(config, use_suppressions=False, graph=graph)


def _lint_chunk(paths: list[str]) -> list[ModelReport]:
    assert _WORKER_RUN is not None
    return [lint_file(p, _WORKER_RUN) for p in paths]


def _lint_parallel(
    files: list[str], run: Run, jobs: int, progress: Callable[[int, int, str], None] | None
) -> list[ModelReport]:
    """Lint in ``jobs`` worker processes, each prepared once; small tasks (about four per worker,
    at most :data:`CHUNK` models) keep them evenly loaded.  Suppressions are applied here, where
    their state lives."""
    from concurrent.futures import ProcessPoolExecutor

    # The first model is checked here, before the workers start: the knowledge it loads (op
    # tables, kernels, delegate checkers: loaded lazily, on first use) is then shared with every
    # worker by fork instead of being loaded again in each.
    results: list[ModelReport] = [lint_file(files[0], run)]  # suppressions applied: the run has them
    files = files[1:]
    size = max(1, min(CHUNK, len(files) // (4 * jobs)))
    chunks = [files[i : i + size] for i in range(0, len(files), size)]
    gc.freeze()  # the workers' garbage collector leaves the inherited objects alone: fewer pages copied
    try:
        workers = min(jobs, len(chunks))
        with ProcessPoolExecutor(workers, initializer=_worker_start, initargs=(run.config, run.graph)) as pool:
            for chunk, reports in zip(chunks, pool.map(_lint_chunk, chunks)):
                if progress is not None:
                    progress(len(results), len(files) + 1, chunk[0])
                results.extend(suppress(r, run) for r in reports)
    finally:
        gc.unfreeze()
    return results


def _display(path: object) -> str:
    """A path as users typed it: relative to the working directory when it lies below it."""
    text = str(path)
    rel = os.path.relpath(text) if os.path.isabs(text) else text
    return rel if not rel.startswith("..") else text


def unused_suppressions(run: Run) -> tuple[Finding, ...]:
    """OPL901 findings for ignores and baseline entries that matched nothing in this run."""
    if run.suppressions is None or not run.config.enabled("OPL901"):
        return ()
    where = _display(run.config.source or run.config.baseline or "pyproject.toml")
    rule = checks.BY_CODE["OPL901"]
    return tuple(run.stamp(rule, Hit(None, text, rule.hint), None, None, where) for text in run.suppressions.unused())


def lint_file(path: str, run: Run) -> ModelReport:
    """Read and check one model.  Whatever goes wrong costs only this model: a file that cannot
    be read is a finding (OPL001 ...), and so is a failure of oplint itself (OPL013)."""
    try:
        model = load(path, path, run.config.signature)
    except ModelError as exc:
        return _report(path, engine.unreadable(path, exc.kind, exc.message, run, exc.hint), run, None)
    except (Exception, RecursionError) as exc:  # a bug (or a file nobody foresaw): this model only
        return _report(path, engine.unreadable(path, ProblemKind.INTERNAL, _internal(exc), run), run, None)
    try:
        return lint_model(model, run)
    except (Exception, RecursionError) as exc:
        return _report(path, engine.unreadable(path, ProblemKind.INTERNAL, _internal(exc), run), run, None)


def _internal(exc: BaseException) -> str:
    text = " ".join(str(exc).split())[:300]
    return f"oplint failed while checking this model: {type(exc).__name__}: {text} (please report it with the model)"


def lint_model(model: Model, run: Run) -> ModelReport:
    findings = tuple(engine.run(model, run))
    return _report(model.path, findings, run, model)


def _targets(
    findings: tuple[Finding, ...], labels: Iterable[str], threshold: Severity = Severity.ERROR
) -> dict[str, TargetResult]:
    """Per target: passes (nothing at or above the failure threshold, as the exit status) and counts."""
    targets: dict[str, TargetResult] = {}
    for label in labels:
        mine = [f for f in findings if f.target in (None, label)]
        errors = sum(1 for f in mine if f.severity is Severity.ERROR)
        warnings = sum(1 for f in mine if f.severity is Severity.WARNING)
        infos = sum(1 for f in mine if f.severity is Severity.INFO)
        ok = not any(f.severity >= threshold for f in mine)
        targets[label] = TargetResult(ok, errors, warnings, infos)
    return targets


def _report(path: str, findings: tuple[Finding, ...], run: Run, model: Model | None) -> ModelReport:
    labels = [t.label for t in run.targets]
    if model is None:
        report = ModelReport(path, findings, _targets(findings, labels, run.config.failure_threshold))
    else:
        report = ModelReport(
            path=path,
            findings=findings,
            targets=_targets(findings, labels, run.config.failure_threshold),
            format=model.format,
            op_count=model.op_count,
            graph_count=len(model.graphs),
            min_runtime_metadata=model.min_runtime_version,
            min_runtime_required=required_runtime(model),
            quantization=summarize(model) if model.format == "tflite" else None,
            delegation=_delegation(model, run),
            memory=_memory(model, run),
            graph=_graph(model, run),
        )
    return suppress(report, run)


def _delegation(model: Model, run: Run) -> dict[str, Mapping[str, Any]]:
    if not any(t.delegate for t in run.targets):
        return {}
    from ..delegates.delegation import analyse

    out: dict[str, Mapping[str, Any]] = {}
    for target in run.targets:
        delegation = analyse(model, target)
        if delegation is not None:
            out[target.label] = delegation.summary(model)
    return out


def _memory(model: Model, run: Run) -> dict[str, Mapping[str, Any]]:
    """The tensor arena and flash the model takes on each TensorFlow Lite Micro target."""
    if model.format != "tflite" or not any(t.tflm_family for t in run.targets):
        return {}
    from ..analysis.memory import memory_summary

    arena, flash = run.options.get("arena-size"), run.options.get("flash-size")
    return {
        t.label: memory_summary(model, t, t.budget("arena", arena), t.budget("flash", flash))
        for t in run.targets
        if t.tflm_family
    }


def _graph(model: Model, run: Run) -> OpGraph | None:
    if not run.graph:
        return None
    from .opgraph import build

    return build(model, run.targets)


def suppress(report: ModelReport, run: Run) -> ModelReport:
    """Drop the findings ignores and the baseline accept, and recount the targets."""
    if run.suppressions is None:
        return report
    kept, dropped = run.suppressions.filter(report.path, report.findings)
    if not dropped:
        return report
    return report._replace(
        findings=kept, targets=_targets(kept, report.targets, run.config.failure_threshold), suppressed=dropped
    )
