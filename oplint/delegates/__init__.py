"""Delegates: which ops an accelerator takes, and why it leaves the others on the CPU.

A delegate target (``rules/targets/gpu.toml``, ``ethos-u55.toml``, ...) names a *checker*: a
function that decides, op by op, whether the delegate takes it.  Checkers live in this package,
one module per delegate family, and are found through the target's ``checker`` key
(``"oplint.delegates.xnnpack:verdicts"``), so rules and partition analysis never need to know
which delegate they are looking at.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .contract import Checker, Rejection

if TYPE_CHECKING:  # pragma: no cover
    from ..core.model import Model
    from ..knowledge.targets import Target


def checker(spec: str) -> Checker:
    """Resolve a ``"module:function"`` checker reference from a target file."""
    module_name, _, func = spec.partition(":")
    if not module_name.startswith("oplint.delegates.") or not func:
        raise ValueError(f"bad delegate checker reference {spec!r}")
    module = importlib.import_module(module_name)
    fn: Checker = getattr(module, func)
    return fn


def _beside_checker(target: Target, name: str) -> Any:
    """The function ``name`` of the target's checker module, or None (not a delegate target, or
    the module does not define it)."""
    if target.checker is None:
        return None
    return getattr(importlib.import_module(target.checker.partition(":")[0]), name, None)


def rejection(model: Model, target: Target) -> Rejection | None:
    """Why the target's delegate cannot be applied to ``model`` at all, when its checker module
    says (a ``rejection(model, target)`` function beside ``verdicts``)."""
    fn: Callable[[Model, Target], Rejection | None] | None = _beside_checker(target, "rejection")
    return fn(model, target) if fn is not None else None


def kinds(target: Target) -> frozenset[str] | None:
    """The builtin ops the target's delegate can take at all (None: not a delegate target).

    Used where only op kinds are known (the ops a SavedModel is predicted to become): an op of a
    kind outside this set certainly stays on the CPU."""
    fn: Callable[[Target], frozenset[str]] | None = _beside_checker(target, "kinds")
    return fn(target) if fn is not None else None
