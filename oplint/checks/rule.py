"""The rule contract: one module per rule declares everything about it in one place.

    RULE = Rule(
        __doc__,                       # What it does / Why is this bad? / Example / How to fix / References
        "OPL302",
        "too-many-partitions",
        Severity.WARNING,
        options=(Option("max-partitions", "count", 3, "delegated partitions allowed per graph"),),
        fires_on=(...), silent_on=(...),
    )

    @RULE.check
    def check(ctx: Context) -> Iterator[Hit]:
        limit = ctx.option("max-partitions")
        ...

A check yields :class:`~oplint.core.findings.Hit` s; the engine stamps code, severity, target and
place.  A rule that reports reader problems declares their kinds (``reports=``) and needs no check
function: each problem of those kinds becomes a hit with the rule's ``hint``.  Options are
validated centrally (``[tool.oplint]`` keys and command-line flags) from their declarations.
"""

from __future__ import annotations

import inspect
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Callable, NamedTuple, Optional

from ..core.findings import Hit, Severity
from ..core.model import EMPTY, Model, Op, ProblemKind
from ..knowledge.targets import Target, Version

CODE_RE = re.compile(r"^OPL\d{3}$")
NAME_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
DOC_HEADINGS = ("## What it does", "## Why is this bad?", "## Example", "## How to fix", "## References")
SCOPES = ("target", "model")
VOCABULARIES = ("tflite", "tf")
OPTION_KINDS = ("count", "size")

_SIZE_UNITS = {
    "": 1,
    "b": 1,
    "k": 1024,
    "kb": 1024,
    "kib": 1024,
    "m": 1 << 20,
    "mb": 1 << 20,
    "mib": 1 << 20,
    "g": 1 << 30,
    "gb": 1 << 30,
    "gib": 1 << 30,
}


def parse_size(text: object) -> int:
    """``"256K"``, ``"1.5MiB"``, ``"16777216"`` -> bytes (K = 1024); ValueError for anything else."""
    raw = str(text).strip().lower().replace(" ", "")
    number = raw.rstrip("abgikm")
    unit = raw[len(number) :]
    try:
        value = float(number)
    except ValueError:
        value = -1.0
    if unit not in _SIZE_UNITS or not value > 0 or not math.isfinite(value * _SIZE_UNITS[unit]):
        raise ValueError(f"not a size: {text!r} (expected e.g. 256K, 1.5MiB or 65536)")
    return int(value * _SIZE_UNITS[unit])


class Option(NamedTuple):
    """A setting a rule reads: a ``[tool.oplint]`` key and an ``oplint check --KEY`` flag."""

    key: str  #: kebab-case, as written in the configuration
    kind: str  #: "count" (a whole number >= 1) or "size" (bytes: 256K, 1.5MiB, 65536)
    default: object  #: the value when neither the configuration nor the command line sets one
    help: str

    def parse(self, value: object) -> object:
        """The value, validated; ValueError saying what is expected (to follow the option's name)."""
        if self.kind == "count":
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError("must be a whole number >= 1")
            return value
        if self.kind == "size":
            try:
                if isinstance(value, bool) or not isinstance(value, (int, str)):
                    raise ValueError(value)
                return parse_size(value)
            except ValueError:
                raise ValueError(f"must be a size such as 256K, 1.5MiB or 65536, not {value!r}") from None
        raise ValueError(f"has unknown kind {self.kind!r}")  # pragma: no cover


class Context(NamedTuple):
    """What a check sees: the model, the target (resolved: runtime, variant) and the options."""

    model: Model
    target: Target
    options: Mapping[str, object] = EMPTY  #: option key -> parsed value, for options that were set

    @property
    def runtime(self) -> Optional[Version]:
        """The runtime release op versions are checked against (targets with op versions)."""
        return self.target.runtime

    def on_cpu(self, op: Op) -> bool:
        """Whether the op meets the target's runtime kernels: every op, except on targets whose
        delegate compiles the model (Ethos-U: Vela), where the ops placed on the accelerator are
        replaced by its op and are judged by the accelerator's constraints only."""
        return op.key not in _compiled_away(self.model, self.target)

    def option(self, key: str) -> object:
        """An option's value: as configured, else its declared default."""
        if key in self.options:
            return self.options[key]
        from . import option

        return option(key).default


def _compiled_away(model: Model, target: Target) -> frozenset[tuple[int, int]]:
    def compute() -> frozenset[tuple[int, int]]:
        from ..delegates import of
        from ..delegates.delegation import analyse

        delegate = of(target)
        if delegate is None or not delegate.compiles or model.format != "tflite":
            return frozenset()
        delegation = analyse(model, target)
        if delegation is None or delegation.rejection is not None:
            return frozenset()  # the compiler refuses the model: everything stays with the runtime
        cpu = {op.key for op, _, _ in delegation.cpu_ops(model)}
        return frozenset(op.key for op in model.ops() if op.key not in cpu)

    # asked once per op: the key is cheap (a run names each resolved target, variant included, once)
    return model.derived(("compiled-away", target.id, target.label), compute)


CheckFn = Callable[[Context], Iterable[Hit]]


class Rule:
    """One rule: code, name, default severity, documentation, hint, options, problems it reports."""

    __slots__ = (
        "_check",
        "code",
        "doc",
        "fires_on",
        "hint",
        "name",
        "options",
        "reports",
        "scope",
        "severity",
        "silent_on",
        "summary",
        "vocabulary",
    )

    def __init__(
        self,
        doc: str | None,
        code: str,
        name: str,
        severity: Severity,
        *,
        scope: str = "target",
        vocabulary: str = "tflite",
        hint: str | None = None,
        options: tuple[Option, ...] = (),
        reports: tuple[ProblemKind, ...] = (),
        fires_on: tuple[tuple[str, str], ...] = (),
        silent_on: tuple[tuple[str, str], ...] = (),
    ) -> None:
        if not CODE_RE.match(code):
            raise ValueError(f"bad rule code {code!r}")
        if not NAME_RE.match(name):
            raise ValueError(f"rule name must be kebab-case: {name!r}")
        if scope not in SCOPES:
            raise ValueError(f"bad rule scope {scope!r}")
        if vocabulary not in VOCABULARIES:
            raise ValueError(f"bad rule vocabulary {vocabulary!r}")
        for opt in options:
            if not NAME_RE.match(opt.key) or opt.kind not in OPTION_KINDS:
                raise ValueError(f"bad option {opt.key!r} ({opt.kind}) of {code}")
        if reports and scope != "model":
            raise ValueError(f"{code} reports reader problems, so it is checked once per model (scope='model')")
        text = inspect.cleandoc(doc or "")
        self.doc = text  #: What it does / Why is this bad? / Example / How to fix / References
        self.summary = text.splitlines()[0].rstrip(".") if text else name  #: the docstring's first line
        self.code = code
        self.name = name
        self.severity = severity  #: the default; ``[tool.oplint.severity]`` may override it per run
        self.scope = scope  #: "target": checked once per target; "model": once per model
        self.vocabulary = vocabulary  #: the op names it reads: "tflite" builtins, or "tf" ops
        self.hint = hint  #: the fix shown with every reader problem it reports
        self.options = options
        self.reports = reports  #: the reader problem kinds this rule reports
        self.fires_on = fires_on  #: (fixture, target) pairs the rule must flag
        self.silent_on = silent_on  #: (fixture, target) pairs it must not flag
        self._check: CheckFn | None = None

    def __repr__(self) -> str:
        return f"Rule({self.code} {self.name})"

    def check(self, fn: CheckFn) -> CheckFn:
        """Decorator: ``fn`` is this rule's check (one per rule)."""
        if self._check is not None:
            raise ValueError(f"{self.code} already has a check")
        self._check = fn
        return fn

    @property
    def checks_models(self) -> bool:
        """False for rules reported outside the model check: files that cannot be read as models
        (reader errors), and ignores that matched nothing (reported after the run)."""
        return self._check is not None or any(k in _MODEL_PROBLEMS for k in self.reports)

    def run(self, ctx: Context) -> Iterable[Hit]:
        if self._check is not None:
            return self._check(ctx)
        return self._problems(ctx.model)

    def _problems(self, model: Model) -> Iterator[Hit]:
        for problem in model.problems:
            if problem.kind in self.reports:
                yield Hit(None, problem.message, self.hint)


#: problems a reader records on a model it could read (the others stop the reading: ModelError)
_MODEL_PROBLEMS = frozenset(
    {ProblemKind.INVALID, ProblemKind.MISSING_VARIABLES, ProblemKind.CALL_GRAPH, ProblemKind.SIGNATURE}
)
