"""The one exception readers raise."""

from __future__ import annotations


class ModelError(Exception):
    """The path cannot be read as a model; ``code`` is the OPL0xx rule that reports it."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
