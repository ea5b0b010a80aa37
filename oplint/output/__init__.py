"""Output formats: pure functions from a :class:`~oplint.core.report.Report` to text.

Each format lives in its own module, imported only when it is used.  The human formats take a
colour switch; ``quiet`` and ``statistics`` are the views ``--quiet`` and ``--statistics`` pick.
"""

from __future__ import annotations

import importlib
import os

from ..core.report import Report

#: format name -> "module:function" rendering a Report
FORMATS: dict[str, str] = {
    "full": "text:render_full",
    "concise": "text:render_concise",
    "json": "json_format:render",
    "sarif": "sarif:render",
    "github": "github:render",
    "junit": "junit:render",
    "html": "html:render",
}
#: formats that draw each model's op graph: the run must build it (``lint_paths(..., graph=True)``)
NEEDS_GRAPH = frozenset({"html"})
HUMAN = frozenset({"full", "concise"})
CHOICES = (*FORMATS, "auto")
#: views of the human formats that options select (not --output-format values)
VIEWS: dict[str, str] = {"quiet": "text:render_quiet", "statistics": "text:statistics"}


def resolve(fmt: str) -> str:
    """``auto``: GitHub annotations inside GitHub Actions, else the full text report."""
    if fmt == "auto":
        return "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "full"
    return fmt


def render(report: Report, fmt: str, color: bool = False) -> str:
    name = resolve(fmt)
    module, _, func = (FORMATS.get(name) or VIEWS[name]).partition(":")
    renderer = getattr(importlib.import_module(f"{__name__}.{module}"), func)
    if name in ("full", "concise", "quiet"):
        from .text import Style

        return str(renderer(report, Style(color)))
    return str(renderer(report))
