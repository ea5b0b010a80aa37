"""The delegate contract: what every delegate module provides, and the values it returns.

A delegate module (``gpu.py``, ``xnnpack.py``, ``ethosu/``, ...) defines ``DELEGATE =
Delegate(name, assess, kinds)``:

* ``assess(model, target) -> Assessment``: a verdict for every op (does the delegate take it, and
  if not, why, citing the line of the check that refuses it), and whether the delegate refuses the
  whole model (a :class:`Rejection`), was already compiled into it, or which tool decided;
* ``kinds(target)``: the builtin ops it can take at all (for models whose TFLite ops are only
  predicted, e.g. SavedModels).

Checks refuse an op by raising :class:`Reject` with the message (the delegate's own words where it
has them) and a :class:`~oplint.knowledge.sources.Cite`.  :class:`OpView` is the one view of an op
the checkers share (its tensors, constant operands and options); a checker subclasses it for the
vocabulary of the source it translates.  :mod:`oplint.delegates.delegation` turns an assessment
into partitions; rules read the result and never import a delegate module.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from ..knowledge.sources import Cite

if TYPE_CHECKING:  # pragma: no cover
    from ..core.model import Graph, Model, Op, Tensor
    from ..knowledge.targets import Target


class OpVerdict(NamedTuple):
    """Whether the delegate takes one op."""

    supported: bool
    reasons: tuple[str, ...] = ()  #: why not, in the delegate's own words where it has them
    cite: Cite | None = None  #: the check the decision comes from
    hint: str | None = None  #: the way out, when the delegate takes the op in another form (a converter setting)


#: (graph index, op index) -> verdict, for every op of every graph the delegate sees
Verdicts = Mapping[tuple[int, int], OpVerdict]


class Rejection(NamedTuple):
    """The delegate cannot take the model at all (reported once, not op by op)."""

    message: str  #: what goes wrong, in the runtime's or compiler's terms
    outcome: str  #: what the user sees then ("CompiledModel creation fails", ...)
    op: Op | None = None  #: the op that causes it, when one does
    cite: Cite | None = None  #: the check that refuses
    #: "runtime": the interpreter or accelerator refuses the delegate when the app starts (OPL304);
    #: "compiler": an ahead-of-time compiler refuses the model (Vela: OPL321)
    stage: str = "runtime"
    detail: str | None = None  #: what else is known (how the answer was reached, the cause)
    hint: str | None = None  #: the way out (a converter or quantizer setting), when there is one

    @property
    def summary(self) -> str:
        """One line for the report's per-target summary."""
        return self.message if self.stage == "compiler" else f"{self.message}: {self.outcome}"


class Assessment(NamedTuple):
    """Everything a delegate decides about one model."""

    verdicts: Verdicts
    rejection: Rejection | None = None
    compiled: bool = False  #: the model was already compiled for this accelerator (OPL320, OPL322)
    backend: str | None = None  #: which tool or table decided, when there is a choice ("vela 5.2.0 ...")
    side_effects: bool = True  #: ops with side effects keep their order between partitions (False: Vela)
    #: how taken ops become partitions: "epochs" (TFLite's delegate partitioning) or "runs" (LiteRT's
    #: NPU compiler plugins: each run of taken ops in execution order, ``partitions.runs``)
    grouping: str = "epochs"
    #: subgraphs that are not partitioned on their own (the decompositions of composite ops an NPU
    #: plugin takes whole: LiteRT removes them from the model)
    carried: frozenset[int] = frozenset()


class Delegate(NamedTuple):
    """One delegate family, as its module declares it."""

    name: str  #: the ``delegate`` key of the target files that use it
    assess: Callable[[Model, Target], Assessment]
    kinds: Callable[[Target], frozenset[str]]
    #: for delegates that can ask a tool or fall back to tables: which one they use here, in a sentence
    backend: Callable[[], str] | None = None
    #: the delegate compiles the model ahead of time (Vela): the ops it takes are replaced by the
    #: accelerator's op and never meet the CPU runtime's kernels
    compiles: bool = False


class Reject(Exception):
    """The delegate refuses the op: its message, and the line of the check that refuses."""

    def __init__(self, message: str, cite: Cite | None, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.cite = cite
        self.hint = hint

    @property
    def verdict(self) -> OpVerdict:
        return OpVerdict(False, (self.message,), self.cite, self.hint)


class OpView:
    """One op as a delegate's checks see it: its tensors, which of them are constant, its options.

    ``constants`` are tensors the delegate treats as constant although they are not (e.g. float16
    weights it reads through a DEQUANTIZE).  ``model`` may be None for checks that never read
    constant values."""

    __slots__ = ("constants", "graph", "model", "op")

    def __init__(self, model: Model | None, graph: Graph, op: Op, constants: frozenset[int] = frozenset()) -> None:
        self.model = model
        self.graph = graph
        self.op = op
        self.constants = constants

    def input(self, i: int) -> Tensor | None:
        """Input ``i``; None when it is left out or does not exist."""
        ins = self.op.inputs
        return self.graph.tensor(ins[i]) if 0 <= i < len(ins) and ins[i] >= 0 else None

    def output(self, i: int = 0) -> Tensor | None:
        outs = self.op.outputs
        return self.graph.tensor(outs[i]) if 0 <= i < len(outs) and outs[i] >= 0 else None

    def is_const(self, i: int) -> bool:
        t = self.input(i)
        return t is not None and (t.is_const or self.op.inputs[i] in self.constants)

    @property
    def runtime_inputs(self) -> int:
        """Present inputs that are not constant."""
        return sum(1 for i, t in enumerate(self.op.inputs) if t >= 0 and not self.is_const(i))

    @property
    def const_inputs(self) -> int:
        return sum(1 for i, t in enumerate(self.op.inputs) if t >= 0 and self.is_const(i))

    def values(self, i: int) -> tuple[float, ...] | None:
        """The values of a small constant input (None: not constant, or not readable)."""
        from ..readers.constants import constant_values

        if self.model is None or not 0 <= i < len(self.op.inputs) or self.op.inputs[i] < 0:
            return None
        return constant_values(self.model, self.graph.index, self.op.inputs[i])

    def opt(self, key: str, default: Any = None) -> Any:
        return self.op.options.get(key, default)


def rank(t: Tensor | None) -> int:
    """A tensor's rank (0 for a missing tensor or an unknown shape)."""
    return len(t.shape or ()) if t is not None else 0
