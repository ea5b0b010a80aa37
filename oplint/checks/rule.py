"""The rule contract: a documented check that yields hits; the engine stamps the rest."""

from __future__ import annotations

import inspect
import re
import sys
from collections.abc import Iterable
from typing import Callable, NamedTuple, Optional

from ..core.findings import Hit, Severity
from ..core.model import Model
from ..knowledge.targets import Target, Version

CODE_RE = re.compile(r"^OPL\d{3}$")
NAME_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
DOC_HEADINGS = ("## What it does", "## Why is this bad?", "## Example", "## How to fix", "## References")


class Context(NamedTuple):
    """What a check sees: the model, and for target-scoped rules the target and runtime."""

    model: Model
    target: Target
    runtime: Optional[Version] = None  #: chosen runtime release (targets with op versions)
    arena_size: Optional[int] = None  #: tensor-arena budget in bytes (targets with a static arena)
    max_partitions: Optional[int] = None  #: most delegated partitions allowed per graph (OPL302)


CheckFn = Callable[[Context], Iterable[Hit]]


class Rule(NamedTuple):
    code: str
    name: str
    severity: Severity
    summary: str  #: first line of the docstring
    doc: str  #: the whole docstring (What it does / Why is this bad? / Example / How to fix / References)
    check: Optional[CheckFn]  #: None for rules the engine reports itself (reading failures)
    scope: str = "target"  #: "target": once per target; "model": once per model
    vocabulary: str = "tflite"  #: the op names it reads: "tflite" builtins, or "tf" ops (SavedModel, GraphDef)
    fires_on: tuple[tuple[str, str], ...] = ()  #: (fixture, target) pairs the rule must flag
    silent_on: tuple[tuple[str, str], ...] = ()  #: (fixture, target) pairs it must not flag


def rule(
    code: str,
    name: str,
    severity: Severity,
    *,
    scope: str = "target",
    vocabulary: str = "tflite",
    fires_on: tuple[tuple[str, str], ...] = (),
    silent_on: tuple[tuple[str, str], ...] = (),
) -> Callable[[CheckFn], Rule]:
    """Declare a rule.  The decorated function's module docstring is its documentation."""

    def wrap(fn: CheckFn) -> Rule:
        return declare(
            fn.__module__,
            code,
            name,
            severity,
            check=fn,
            scope=scope,
            vocabulary=vocabulary,
            fires_on=fires_on,
            silent_on=silent_on,
        )

    return wrap


def declare(
    module_name: str,
    code: str,
    name: str,
    severity: Severity,
    *,
    check: Optional[CheckFn] = None,
    scope: str = "target",
    vocabulary: str = "tflite",
    fires_on: tuple[tuple[str, str], ...] = (),
    silent_on: tuple[tuple[str, str], ...] = (),
) -> Rule:
    """Declare a rule without a check function (one the engine reports, e.g. a reading failure)."""
    if not CODE_RE.match(code):
        raise ValueError(f"bad rule code {code!r}")
    if not NAME_RE.match(name):
        raise ValueError(f"rule name must be kebab-case: {name!r}")
    if scope not in ("target", "model"):
        raise ValueError(f"bad rule scope {scope!r}")
    if vocabulary not in ("tflite", "tf"):
        raise ValueError(f"bad rule vocabulary {vocabulary!r}")
    doc = inspect.cleandoc(sys.modules[module_name].__doc__ or "")
    return Rule(
        code=code,
        name=name,
        severity=severity,
        summary=doc.splitlines()[0].rstrip(".") if doc else name,
        doc=doc,
        check=check,
        scope=scope,
        vocabulary=vocabulary,
        fires_on=fires_on,
        silent_on=silent_on,
    )
