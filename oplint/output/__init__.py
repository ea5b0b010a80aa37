"""Output formats: pure functions from a :class:`~oplint.api.Report` to text.

Each format lives in its own module, imported only when it is used.
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
}
HUMAN = frozenset({"full", "concise"})
CHOICES = (*FORMATS, "auto")


def resolve(fmt: str) -> str:
    """``auto``: GitHub annotations inside GitHub Actions, else the full text report."""
    if fmt == "auto":
        return "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "full"
    return fmt


def render(report: Report, fmt: str) -> str:
    module, _, func = FORMATS[resolve(fmt)].partition(":")
    return str(getattr(importlib.import_module(f"{__name__}.{module}"), func)(report))
