"""The public API: what the CLI, the editor server, the benchmarks and your scripts use.

    from oplint.api import lint_paths, load_config
    report = lint_paths(["models/"], load_config())
    for result in report.results:
        print(result.path, {t: r.ok for t, r in result.targets.items()})

Everything here is stable within a major version; the modules behind it are not.
"""

from __future__ import annotations

from .core.findings import Finding, Location, Severity, Source
from .core.model import Graph, Model, Op, Tensor
from .core.report import ModelReport, Report, TargetResult
from .readers import ModelError
from .readers import load as load_model
from .run.config import Config, ConfigError, TargetSpec, load_config
from .run.lint import Run, lint_file, lint_model, lint_paths, prepare

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
    "Report",
    "Run",
    "Severity",
    "Source",
    "TargetResult",
    "TargetSpec",
    "Tensor",
    "lint_file",
    "lint_model",
    "lint_paths",
    "load_config",
    "load_model",
    "prepare",
]
