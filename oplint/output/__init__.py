"""Output formats: pure functions from a :class:`~oplint.api.Report` to text."""

from __future__ import annotations

from typing import Callable

from ..api import Report

Formatter = Callable[[Report], str]


def _full(report: Report) -> str:
    from .text import render_full

    return render_full(report)


def _concise(report: Report) -> str:
    from .text import render_concise

    return render_concise(report)


def _json(report: Report) -> str:
    from .json_format import render

    return render(report)


FORMATS: dict[str, Formatter] = {"full": _full, "concise": _concise, "json": _json}
HUMAN = frozenset({"full", "concise"})


def render(report: Report, fmt: str) -> str:
    return FORMATS[fmt](report)
