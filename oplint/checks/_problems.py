"""Reader problems of TF models (``Model.problems`` entries that start with an OPL code)."""

from __future__ import annotations

from collections.abc import Iterator

from ..core.findings import Hit
from ..core.model import Model


def problems(model: Model, code: str, hint: str) -> Iterator[Hit]:
    prefix = code + " "
    for problem in model.problems:
        if problem.startswith(prefix):
            yield Hit(None, problem[len(prefix) :], hint)
