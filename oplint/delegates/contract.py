"""The delegate contract: what a delegate checker decides per op and per model."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:  # pragma: no cover
    from ..core.model import Model, Op
    from ..knowledge.targets import Target


class OpVerdict(NamedTuple):
    """Whether the delegate takes one op."""

    supported: bool
    reasons: tuple[str, ...] = ()  #: why not, in the delegate's own words where it has them
    source: str | None = None  #: "file:line" (or tool and version) the decision comes from


class Rejection(NamedTuple):
    """The delegate cannot be applied to the model at all (reported by OPL304, not op by op)."""

    message: str  #: what goes wrong, in the runtime's terms
    outcome: str  #: what the user sees then ("CompiledModel creation fails", ...)
    op: Op | None = None  #: the op that causes it, when one does
    source: str | None = None  #: "file:line" of the check


#: (graph index, op index) -> verdict, for every op of every graph the delegate sees
Verdicts = Mapping[tuple[int, int], OpVerdict]


Checker = Callable[["Model", "Target"], Verdicts]
