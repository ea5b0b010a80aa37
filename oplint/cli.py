"""Command line: ``oplint check``, ``graph``, ``diff``, ``predict``, ``explain``, ``targets``, ``server``.

Exit status (as ruff): 0 no finding at or above the failure threshold, 1 findings,
2 usage, configuration or internal error.  Heavy modules are imported inside the commands,
so start-up costs only what the command needs.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import click

from . import __version__

FORMAT_CHOICES = ("full", "concise", "json", "sarif", "github", "junit", "html", "auto")
SEVERITY_CHOICES = ("error", "warning", "info")


def _version_message() -> str:
    from .knowledge.sources import LITERT, TFLM, VELA

    return (
        f"%(prog)s %(version)s (knowledge from LiteRT {LITERT.commit[:10]} of {LITERT.date}, "
        f"tflite-micro {TFLM.commit[:10]} of {TFLM.date}, Vela {VELA.commit})"
    )


_VERSION_MESSAGE = _version_message()


def _fail(message: str) -> NoReturn:
    click.echo(f"oplint: error: {message}", err=True)
    sys.exit(2)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="oplint", message=_VERSION_MESSAGE)
def cli() -> None:
    """Will this TensorFlow model run on the device you ship to?

    oplint reads .tflite models, SavedModels and frozen GraphDefs without TensorFlow and reports
    every op that will not run on the chosen targets (TFLite builtins, TFLite + Select TF ops,
    TensorFlow Lite Micro), why, where, and what to do about it.
    """


@cli.command(short_help="Check models against the targets (the release gate).")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option(
    "-t",
    "--target",
    "targets",
    multiple=True,
    metavar="T",
    help="Target to check (repeatable, or comma-separated); 'tflite@2.15' pins a runtime. "
    "Default: tflite, tflite-flex, tflm.",
)
@click.option(
    "--runtime",
    metavar="V",
    help="TFLite runtime release to check op versions against (e.g. 2.15). Default: the newest in the tables.",
)
@click.option(
    "--arena-size",
    metavar="SIZE",
    help="TFLite Micro tensor arena budget (e.g. 256K, 2MiB); models whose planned arena exceeds it fail.",
)
@click.option(
    "--flash-size",
    metavar="SIZE",
    help="Flash budget for the model (e.g. 1M); models whose flatbuffer exceeds it fail (OPL502).",
)
@click.option(
    "--resolver",
    "resolver",
    multiple=True,
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="The firmware's C/C++ source declaring its MicroMutableOpResolver (repeatable); TFLM targets are "
    "checked against the ops it registers.",
)
@click.option(
    "-D",
    "--resolver-define",
    "resolver_defines",
    multiple=True,
    metavar="MACRO",
    help="A macro to assume defined when reading --resolver sources (ETHOS_U, N=8).",
)
@click.option(
    "--signature",
    metavar="KEY",
    help="SavedModel signature to check (default: serving_default, or every signature when it is absent; "
    "'*': every signature, as the converter does when none is named).",
)
@click.option(
    "--max-partitions",
    type=click.IntRange(min=1),
    metavar="N",
    help="Most delegated partitions a graph may split into before OPL302 warns (default 3).",
)
@click.option("--select", multiple=True, metavar="CODE", help="Enable only these rules (code, prefix or name).")
@click.option("--ignore", multiple=True, metavar="CODE", help="Disable these rules (code, prefix or name).")
@click.option("--output-format", type=click.Choice(FORMAT_CHOICES), default="full", show_default=True)
@click.option(
    "--with-graph",
    is_flag=True,
    help="JSON: add each model's annotated op graph (ops, tensors, per-target placement, partitions, "
    "quantization islands, memory); the html format always has it.",
)
@click.option(
    "--failure-threshold",
    type=click.Choice(SEVERITY_CHOICES),
    default=None,
    help="Lowest severity that makes the exit status 1 (default: error).",
)
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option(
    "--config",
    "config_file",
    type=click.Path(path_type=Path),
    default=None,
    help="Read options from this file instead of the nearest pyproject.toml.",
)
@click.option("--isolated", is_flag=True, help="Ignore all configuration files.")
@click.option(
    "--baseline",
    "baseline",
    type=click.Path(path_type=Path),
    default=None,
    help="Accept the findings recorded in this file (default: 'baseline' in [tool.oplint]).",
)
@click.option(
    "--write-baseline",
    is_flag=True,
    help="Record every current finding in the baseline file (default .oplint-baseline.json) and exit 0.",
)
@click.option("--no-progress", is_flag=True, help="Never show progress on stderr.")
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Lint models in this many processes (helps for hundreds of models).",
)
@click.option(
    "--force-exclude",
    is_flag=True,
    help="Apply 'exclude' from the configuration to paths given on the command line too (for pre-commit).",
)
@click.option("--extend-select", multiple=True, metavar="CODE", help="Enable these rules on top of the selection.")
@click.option("--exclude", "exclude", multiple=True, metavar="PATTERN", help="Skip these paths (gitignore patterns).")
@click.option("--extend-exclude", multiple=True, metavar="PATTERN", help="Skip these paths too (on top of 'exclude').")
@click.option(
    "-o",
    "--output-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the report to this file instead of standard output.",
)
@click.option("-q", "--quiet", is_flag=True, help="Print only the summary: each model's targets and the totals.")
@click.option("--statistics", is_flag=True, help="Print how many findings each rule has, instead of the findings.")
@click.option("--show-settings", is_flag=True, help="Print the settings a run would use, and exit.")
@click.option("--show-files", is_flag=True, help="Print the models a run would check, and exit.")
def check(
    paths: Sequence[str],
    targets: Sequence[str],
    runtime: str | None,
    arena_size: str | None,
    flash_size: str | None,
    resolver: Sequence[Path],
    resolver_defines: Sequence[str],
    signature: str | None,
    max_partitions: int | None,
    select: Sequence[str],
    ignore: Sequence[str],
    output_format: str,
    with_graph: bool,
    failure_threshold: str | None,
    exit_zero: bool,
    config_file: Path | None,
    isolated: bool,
    baseline: Path | None,
    write_baseline: bool,
    no_progress: bool,
    jobs: int,
    force_exclude: bool,
    extend_select: Sequence[str],
    exclude: Sequence[str],
    extend_exclude: Sequence[str],
    output_file: Path | None,
    quiet: bool,
    statistics: bool,
    show_settings: bool,
    show_files: bool,
) -> None:
    """Check models (files, directories, or - for standard input) against the targets.

    Each model is checked with the configuration of its own project (the closest pyproject.toml
    with [tool.oplint] above it); --config FILE or --isolated use one configuration for all."""
    from .api import Config, ConfigError, Severity, lint_paths, load_config
    from .output import HUMAN, NEEDS_GRAPH, render, resolve
    from .run.config import parse_targets, project_configs
    from .run.lint import lint_projects

    def apply(config: Config) -> Config:
        """The command line's options on top of a project's configuration."""
        options = {"arena-size": arena_size, "flash-size": flash_size, "max-partitions": max_partitions}
        return config.with_options(
            targets=parse_targets(targets) or None,
            runtime=runtime,
            options={**config.options, **{k: v for k, v in options.items() if v is not None}},
            signature=signature,
            select=(tuple(select) or config.select) + tuple(extend_select) if select or extend_select else None,
            ignore=tuple(config.ignore) + tuple(ignore) if ignore else None,
            failure_threshold=Severity.parse(failure_threshold) if failure_threshold else None,
            baseline=baseline,
            force_exclude=force_exclude or None,
            exclude=(tuple(exclude) or config.exclude) + tuple(extend_exclude) if exclude or extend_exclude else None,
            resolver=tuple(p.resolve() for p in resolver) or None,
            resolver_defines=tuple(resolver_defines) or None,
        )

    stdin = None
    try:
        if "-" in paths:
            stdin = _stdin_model()
            paths = [stdin if p == "-" else p for p in paths]
        config = apply(load_config(config_file, isolated))
        per_project = config_file is None and not isolated
        if show_settings:
            click.echo(_settings(config, paths, per_project), nl=False)
            return
        if show_files:
            click.echo(_files(paths, config, per_project), nl=False)
            return
        if write_baseline:
            _write_baseline(paths, config)
            return
        fmt = resolve(output_format)
        show = not no_progress and fmt in HUMAN and sys.stderr.isatty() and output_file is None
        progress = _progress if show else None
        graph = fmt in NEEDS_GRAPH or (with_graph and fmt == "json")
        if per_project:
            report = lint_projects(paths, project_configs(apply), progress=progress, jobs=jobs, graph=graph)
        else:
            report = lint_paths(paths, config.validate(), progress=progress, jobs=jobs, graph=graph)
    except ConfigError as exc:
        _fail(str(exc))
    finally:
        if stdin is not None:
            os.unlink(stdin)
    if stdin is not None:
        report = _rename(report, stdin, "-")
    for note in report.notes:
        click.echo(f"oplint: warning: {note}", err=True)
    view = "statistics" if statistics else "quiet" if quiet and fmt in HUMAN else output_format
    if output_file is not None:
        try:
            output_file.write_text(render(report, view), encoding="utf-8")
        except OSError as exc:
            _fail(f"cannot write {output_file}: {exc.strerror or exc}")
    else:
        colour = _color(sys.stdout)
        click.echo(render(report, view, color=colour), nl=False, color=colour)
    sys.exit(0 if exit_zero or not report.failed() else 1)


def _color(stream: Any) -> bool:
    """Colour on a terminal, unless NO_COLOR is set; always with FORCE_COLOR (no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return bool(getattr(stream, "isatty", lambda: False)())


def _stdin_model() -> str:
    """Standard input, kept in a temporary file the readers can map (the report calls it ``-``)."""
    import tempfile

    data = sys.stdin.buffer.read(1 << 31)
    suffix = ".tflite" if data[4:8] == b"TFL3" else ".pb"
    fd, path = tempfile.mkstemp(prefix="oplint-stdin-", suffix=suffix)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    return path


def _rename(report: Any, old: str, new: str) -> Any:
    """The report with the temporary file of standard input shown as ``-``."""
    results = []
    for result in report.results:
        if result.path == old:
            findings = tuple(f._replace(location=f.location._replace(path=new)) for f in result.findings)
            result = result._replace(path=new, findings=findings)
        results.append(result)
    return report._replace(results=tuple(results))


def _settings(config: Any, paths: Sequence[str], per_project: bool) -> str:
    """``--show-settings``: what the run would use, resolved (of the first path's project)."""
    from . import checks
    from .knowledge.targets import format_version
    from .run.config import project_configs

    if per_project and paths:
        from .run.lint import _folder

        config = project_configs(lambda c: c)(_folder(paths[0]))._replace(
            targets=config.targets, select=config.select, ignore=config.ignore, options=config.options
        )
    config.validate()
    lines = [f"config: {config.source or '(none: defaults)'}", f"root: {config.root or Path.cwd()}"]
    for t in config.resolve_targets():
        runtime = f" (runtime {format_version(t.runtime)})" if t.runtime else ""
        lines.append(f"target: {t.label}{runtime}: {t.title}")
    enabled = [r for r in checks.RULES if config.enabled(r.code)]
    lines.append(f"rules: {len(enabled)} of {len(checks.RULES)} enabled")
    for r in enabled:
        severity = config.severity_of(r.code, r.severity)
        lines.append(f"  {r.code} {r.name} ({severity.label})")
    for key, value in sorted(config.rule_options().items()):
        lines.append(f"option: {key} = {value}")
    lines.append(f"failure-threshold: {config.failure_threshold.label}")
    lines.append(f"exclude: {list(config.exclude)}")
    lines.append(f"include: {list(config.include)}")
    lines.append(f"baseline: {config.baseline_file() or '(none)'}")
    lines.append(f"signature: {config.signature or '(serving_default, or every signature)'}")
    return "\n".join(lines) + "\n"


def _files(paths: Sequence[str], config: Any, per_project: bool) -> str:
    """``--show-files``: the models a run would check, one per line."""
    from .output.escape import terminal
    from .run.discover import discover

    files, notes = discover(list(paths), config)
    for note in notes:
        click.echo(f"oplint: warning: {note}", err=True)
    return "".join(terminal(f) + "\n" for f in files)


def _progress(done: int, total: int, path: str) -> None:
    """One rewritten line on a terminal's stderr; only for runs of several models."""
    if total < 5:
        return
    if done == total:
        click.echo("\r\033[K", err=True, nl=False)
        return
    from .output.escape import terminal

    shown = terminal(path if len(path) <= 60 else "..." + path[-57:])
    click.echo(f"\r\033[K[{done + 1}/{total}] {shown}", err=True, nl=False)


def _write_baseline(paths: Sequence[str], config: Any) -> None:
    from .api import ConfigError, lint_paths
    from .run.config import DEFAULT_BASELINE
    from .run.suppress import write_baseline

    target = config.baseline or (config.root or Path.cwd()) / DEFAULT_BASELINE
    report = lint_paths(paths, config._replace(baseline=None), use_suppressions=False)
    # the models' findings only: meta findings (OPL9xx) are about the configuration, not accepted debt
    findings = [f for result in report.results for f in result.findings]
    try:
        count = write_baseline(Path(target), findings, config.root or Path.cwd())
    except OSError as exc:
        raise ConfigError(f"cannot write the baseline {target}: {exc.strerror or exc}") from None
    click.echo(f"oplint: wrote {count} finding{'s' if count != 1 else ''} to {target}", err=True)


@cli.command(short_help="Predict what the TF->TFLite converter makes of a SavedModel.")
@click.argument("path", type=click.Path(path_type=str))
@click.option(
    "-t", "--target", "targets", multiple=True, metavar="T", help="Targets (default: tflite, tflite-flex, tflm)."
)
@click.option("--signature", metavar="KEY", help="SavedModel signature (default: serving_default; '*': all).")
@click.option("--all", "show_all", is_flag=True, help="Also list the ops the converter removes or folds.")
def predict(path: str, targets: Sequence[str], signature: str | None, show_all: bool) -> None:
    """Predict what the TF->TFLite converter makes of each TF op of a SavedModel or GraphDef,
    or of each layer of a Keras model (.keras, .h5), and on which targets the result runs (one
    line per op type or layer class)."""
    from . import checks
    from .readers import ModelError, load
    from .run.config import Config, ConfigError, load_config, parse_targets
    from .run.predict import plan

    try:
        found = load_config()  # custom targets ([tool.oplint.targets.NAME]) are known to -t as well
        config = Config(custom_targets=found.custom_targets, root=found.root, source=found.source)
        config = config.with_options(targets=parse_targets(targets) or None)
        resolved = config.resolve_targets()
    except ConfigError as exc:
        _fail(str(exc))
    try:
        model = load(path, path, signature)
    except ModelError as exc:
        _fail(f"{path}: {checks.for_problem(exc.kind).code} {exc.message}")
    if model.vocabulary != "tf":
        _fail(f"{path} is a .tflite model: `oplint check` checks its ops directly")
    for problem in model.problems:
        click.echo(f"{path}: {checks.for_problem(problem.kind).code} {problem.message}", err=True)
    for line in plan(model, resolved, show_all):
        click.echo(line.render())


def _emit(text: str, output_file: Path | None) -> None:
    """Rendered output on standard output, or in ``output_file`` (a one-line error when it cannot be written)."""
    if output_file is None:
        click.echo(text, nl=False)
        return
    try:
        # surrogateescape: names read from a model that are not UTF-8 are written back as their bytes
        output_file.write_text(text, encoding="utf-8", errors="surrogateescape")
    except OSError as exc:
        _fail(f"cannot write {output_file}: {exc.strerror or exc}")


def _config(config_file: Path | None, isolated: bool, targets: Sequence[str], signature: str | None, model: str) -> Any:
    """The configuration `oplint check` would check ``model`` with (its project's, unless --config
    or --isolated), with -t and --signature applied."""
    from .api import Config, load_config
    from .run.config import parse_targets, project_configs
    from .run.lint import _folder

    def apply(config: Config) -> Config:
        return config.with_options(targets=parse_targets(targets) or None, signature=signature)

    if config_file is None and not isolated:
        return project_configs(apply)(_folder(model))
    return apply(load_config(config_file, isolated))


@cli.command(short_help="Write a model's op graph, annotated per target, for graph viewers.")
@click.argument("path", type=click.Path(path_type=str))
@click.option("-t", "--target", "targets", multiple=True, metavar="T", help="Targets (default: the configuration's).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(("graphml", "gexf", "dot", "json")),
    default="graphml",
    show_default=True,
    help="graphml (yEd, Cytoscape), gexf (Gephi), dot (Graphviz) or json (networkx node-link).",
)
@click.option("-o", "--output-file", type=click.Path(dir_okay=False, path_type=Path), help="Write here, not to stdout.")
@click.option("--signature", metavar="KEY", help="SavedModel signature (as for `oplint check`).")
@click.option("--config", "config_file", type=click.Path(path_type=Path), help="Read options from this file.")
@click.option("--isolated", is_flag=True, help="Ignore all configuration files.")
def graph(
    path: str,
    targets: Sequence[str],
    fmt: str,
    output_file: Path | None,
    signature: str | None,
    config_file: Path | None,
    isolated: bool,
) -> None:
    """Write one model's op graph, annotated per target (status, partition, findings), for graph
    viewers: yEd, Gephi, Graphviz, or your scripts."""
    from .api import ConfigError, ModelError, check_graph
    from .output.graph import render

    try:
        result = check_graph(path, _config(config_file, isolated, targets, signature, path))
    except ConfigError as exc:
        _fail(str(exc))
    except ModelError as exc:
        _fail(f"{path}: {exc.message}")
    _emit(render(result, fmt), output_file)


@cli.command(short_help="Compare two versions of a model: exit 1 when the new one is worse.")
@click.argument("old", type=click.Path(path_type=str))
@click.argument("new", type=click.Path(path_type=str))
@click.option("-t", "--target", "targets", multiple=True, metavar="T", help="Targets (default: the configuration's).")
@click.option(
    "--output-format",
    "fmt",
    type=click.Choice(("text", "markdown", "json")),
    default="text",
    show_default=True,
    help="markdown: for a pull-request comment.",
)
@click.option("-o", "--output-file", type=click.Path(dir_okay=False, path_type=Path), help="Write here, not to stdout.")
@click.option(
    "--baseline",
    type=click.Path(path_type=Path),
    default=None,
    help="Accepted findings (as for `oplint check`): they count neither in OLD nor in NEW.",
)
@click.option(
    "--failure-threshold",
    type=click.Choice(SEVERITY_CHOICES),
    default=None,
    help="Lowest severity of a new finding that makes NEW worse (default: error).",
)
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when NEW is worse.")
@click.option("--signature", metavar="KEY", help="SavedModel signature (as for `oplint check`).")
@click.option("--config", "config_file", type=click.Path(path_type=Path), help="Read options from this file.")
@click.option("--isolated", is_flag=True, help="Ignore all configuration files.")
def diff(
    old: str,
    new: str,
    targets: Sequence[str],
    fmt: str,
    output_file: Path | None,
    baseline: Path | None,
    failure_threshold: str | None,
    exit_zero: bool,
    signature: str | None,
    config_file: Path | None,
    isolated: bool,
) -> None:
    """Compare two versions of a model (two .tflite files, or a SavedModel and its conversion):
    ops added, removed and changed, targets newly failed or passed, new findings, delegated share
    and memory.  Exit status 1 when NEW is worse on any checked target."""
    from .api import ConfigError, Severity
    from .output.diff import render
    from .run.diff import diff_paths

    try:
        for path in (old, new):
            if not Path(path).exists():
                raise ConfigError(f"no such file or directory: {path}")
        # NEW's project decides (OLD is often a copy of the base branch's model in a temporary folder)
        config = _config(config_file, isolated, targets, signature, new).with_options(
            baseline=baseline,
            failure_threshold=Severity.parse(failure_threshold) if failure_threshold else None,
        )
        result = diff_paths(old, new, config)
    except ConfigError as exc:
        _fail(str(exc))
    _emit(render(result, fmt), output_file)
    sys.exit(1 if result.worse and not exit_zero else 0)


@cli.command(short_help="Show a rule's documentation.")
@click.argument("code", required=False)
@click.option("--all", "show_all", is_flag=True, help="List every rule.")
def explain(code: str | None, show_all: bool) -> None:
    """Show a rule's documentation, by code (OPL101) or name (unsupported-builtin-op)."""
    from . import checks

    if show_all or not code:
        for r in checks.RULES:
            click.echo(f"{r.code}  {r.name:<32} {r.severity.label:<8} {r.summary}")
        return
    found = checks.get(code)
    if found is None:
        _fail(f"unknown rule {code!r} (see `oplint explain --all`)")
    click.echo(f"# {found.name} ({found.code})\n")
    scope = "per target" if found.scope == "target" else "once per model"
    click.echo(f"Default severity: {found.severity.label}; checked {scope}.\n")
    click.echo(found.doc.split("\n", 1)[1].strip() if "\n" in found.doc else found.doc)


@cli.command(short_help="List the targets and their sources.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option(
    "--config",
    "config_file",
    type=click.Path(path_type=Path),
    default=None,
    help="Read custom targets from this file instead of the nearest pyproject.toml.",
)
@click.option("--isolated", is_flag=True, help="Ignore configuration files (built-in targets only).")
def targets(as_json: bool, config_file: Path | None, isolated: bool) -> None:
    """List the targets (built-in, and custom ones of [tool.oplint.targets]) with their sources."""
    from . import delegates
    from .knowledge.targets import available, load
    from .output.targets import render_json, render_text
    from .run.config import ConfigError, TargetSpec, load_config

    rows = [load(t) for t in available()]
    try:
        config = load_config(config_file, isolated)
        rows += [config.resolve_target(TargetSpec(c.name)) for c in config.custom_targets]
    except ConfigError as exc:
        _fail(str(exc))
    except ValueError as exc:  # TargetError
        _fail(str(exc))
    if as_json:
        click.echo(render_json(rows), nl=False)
        return
    decided_by = {}
    for t in rows:
        backend = delegates.get(t.delegate).backend if t.delegate is not None else None
        if backend is not None:
            decided_by[t.id] = backend()
    click.echo(render_text(rows, decided_by), nl=False)


@cli.command(short_help="Write the TFLM op resolver the models need.")
@click.argument("models", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option("--header", type=click.Path(path_type=Path), default=None, help="Write the resolver to this file.")
@click.option(
    "-t",
    "--target",
    "target",
    default="tflm",
    show_default=True,
    metavar="T",
    help="The TensorFlow Lite Micro target (tflm, tflm-arduino, tflm-esp, or a custom one extending them).",
)
@click.option("--config", "config_file", type=click.Path(path_type=Path), default=None, help="Configuration file.")
@click.option("--isolated", is_flag=True, help="Ignore configuration files.")
def resolver(models: Sequence[str], header: Path | None, target: str, config_file: Path | None, isolated: bool) -> None:
    """Write the MicroMutableOpResolver the models need (the union of their ops, the right N,
    specialized kernels where every use allows them) to stdout or --header."""
    from . import checks
    from .analysis.firmware import generate
    from .core.files import write_atomic
    from .readers import ModelError, load
    from .run.config import ConfigError, TargetSpec, load_config

    try:
        config = load_config(config_file, isolated)._replace(resolver=())
        resolved = config.resolve_target(TargetSpec.parse(target))
    except ConfigError as exc:
        _fail(str(exc))
    except ValueError as exc:  # TargetError
        _fail(str(exc))
    if not resolved.tflm_family:
        _fail(
            f"target {target!r} is not a TensorFlow Lite Micro target "
            "(tflm, tflm-arduino, tflm-esp, or a custom target extending one)"
        )
    loaded = []
    for path in models:
        try:
            model = load(path, path)
        except ModelError as exc:
            _fail(f"{path}: {checks.for_problem(exc.kind).code} {exc.message}")
        except OSError as exc:
            _fail(f"{path}: cannot read: {exc.strerror}")
        if model.format != "tflite":
            _fail(
                f"{path}: a {model.format}, not a .tflite model; convert it first "
                "(oplint predict shows what it becomes)"
            )
        loaded.append(model)
    result = generate(loaded, resolved, __version__)
    for problem in result.problems:
        click.echo(f"oplint: warning: {problem}", err=True)
    if header is None:
        click.echo(result.text, nl=False)
    else:
        try:
            write_atomic(header, result.text)
        except OSError as exc:
            _fail(f"{header}: cannot write: {exc.strerror}")
        click.echo(f"oplint: wrote {header}: {len(result.ops)} ops for {len(loaded)} model(s)", err=True)
    sys.exit(1 if result.problems else 0)


@cli.command(short_help="Run the Language Server for editors (LSP, stdio).")
def server() -> None:
    """Run the Language Server (LSP over stdio) for editors; needs `pip install 'oplint[lsp]'`."""
    try:
        from .lsp import main as serve
    except ImportError as exc:
        _fail(f"the LSP server needs pygls: pip install 'oplint[lsp]' ({exc})")
    serve()


def main() -> None:
    try:
        cli.main(prog_name="oplint", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("oplint: aborted", err=True)
        sys.exit(2)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(1)
    except Exception as exc:  # an internal error must not become a traceback on the user's screen
        click.echo(
            f"oplint: internal error: {type(exc).__name__}: {exc} (please report this with the model if you can)",
            err=True,
        )
        sys.exit(2)
    sys.exit(0)
