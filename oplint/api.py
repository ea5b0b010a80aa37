"""The public API: what the CLI, the editor server, the benchmarks and your scripts use.

    from oplint.api import lint_paths, load_config
    report = lint_paths(["models/"], load_config())
    for result in report.results:
        print(result.path, {t: r.ok for t, r in result.targets.items()})

Everything here is stable within a major version; the modules behind it are not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .core.findings import Finding, Location, Severity, Source
from .core.model import Graph, Model, Op, ProblemKind, Tensor
from .core.report import ModelReport, Report, TargetResult
from .readers import ModelError
from .readers import load as load_model
from .run.config import Config, ConfigError, TargetSpec, load_config
from .run.lint import Run, lint_file, lint_model, lint_paths, prepare

if TYPE_CHECKING:  # pragma: no cover
    import networkx

    from .core.opgraph import OpGraph


def __getattr__(name: str) -> Any:
    """``OpGraph`` on first use: the default check does not pay for importing the picture types."""
    if name == "OpGraph":
        from .core.opgraph import OpGraph

        return OpGraph
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def to_networkx(result: ModelReport) -> networkx.MultiDiGraph[str]:
    """A checked model's op graph (``check_graph``'s result) as a ``networkx.MultiDiGraph``
    (:func:`oplint.core.opgraph.to_networkx`)."""
    from .core.opgraph import to_networkx as convert

    return convert(result)


def check_graph(path: str, config: Config | None = None) -> ModelReport:
    """Check one model and keep its annotated op graph (``result.graph``, an :class:`OpGraph`).

    ``config`` defaults to oplint's defaults (``Config()``: targets tflite, tflite-flex, tflm);
    pass ``load_config()`` for the project's.  Raises ConfigError when ``path`` is not exactly one
    model, ModelError when the model cannot be read."""
    report = lint_paths([path], config if config is not None else Config(), graph=True)
    if len(report.results) != 1:
        raise ConfigError(f"{path} holds {len(report.results)} models; name one of them")
    (result,) = report.results
    if result.graph is None:
        from . import checks

        why = next((f for f in result.findings if f.target is None), None)
        kinds = {checks.for_problem(kind).code: kind for kind in ProblemKind}
        kind = kinds.get(why.code, ProblemKind.UNREADABLE) if why is not None else ProblemKind.UNREADABLE
        raise ModelError(kind, f"{why.code} {why.message}" if why is not None else f"{path} cannot be read")
    return result


def op_graph(path: str, config: Config | None = None) -> networkx.MultiDiGraph[str]:
    """The model at ``path`` as a ``networkx.MultiDiGraph`` annotated with what oplint found:
    nodes are ops (``sg0:op12``) with the op, its tensors' types and shapes, and per checked
    target its status (delegated, cpu, runs, removed, unsupported), partition, the delegate's
    reason and its findings; one edge per tensor between two ops (see
    :func:`oplint.core.opgraph.to_networkx`).  Same arguments and errors as :func:`check_graph`."""
    return to_networkx(check_graph(path, config))


__all__ = [
    "Config",
    "ConfigError",
    "Finding",
    "Graph",
    "Location",
    "Model",
    "ModelError",
    "ModelReport",
    "Op",
    "OpGraph",
    "Report",
    "Run",
    "Severity",
    "Source",
    "TargetResult",
    "TargetSpec",
    "Tensor",
    "check_graph",
    "lint_file",
    "lint_model",
    "lint_paths",
    "load_config",
    "load_model",
    "op_graph",
    "prepare",
    "to_networkx",
]
