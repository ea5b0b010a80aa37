"""The one exception readers raise: the model cannot be read, and why (a typed problem, no rule code)."""

from __future__ import annotations

from ..core.model import Problem, ProblemKind


class ModelError(Exception):
    """The path cannot be read as a model; ``kind`` says which rule reports it."""

    def __init__(self, kind: ProblemKind, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.hint = hint  #: what to do, when it differs from the reporting rule's hint

    @property
    def problem(self) -> Problem:
        return Problem(self.kind, self.message)


UNREADABLE = ProblemKind.UNREADABLE
UNREADABLE_TF = ProblemKind.UNREADABLE_TF

__all__ = ["UNREADABLE", "UNREADABLE_TF", "ModelError", "Problem", "ProblemKind"]
