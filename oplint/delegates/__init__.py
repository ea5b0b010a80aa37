"""Delegates: which ops an accelerator takes, and why it leaves the others on the CPU.

A delegate target (``rules/targets/gpu.toml``, ``ethos-u55.toml``, ...) names its delegate family
(``delegate = "gpu"``); each family is one module of this package that declares a
:class:`~oplint.delegates.contract.Delegate` (see :mod:`.contract`).  The module is imported the
first time a target of its family is checked, so a run without delegate targets loads none.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from .contract import Delegate

if TYPE_CHECKING:  # pragma: no cover
    from ..knowledge.targets import Target

#: delegate family (a target file's ``delegate`` key) -> the module of this package that implements it
MODULES: dict[str, str] = {
    "coreml": "coreml",
    "edgetpu": "edgetpu",
    "ethos-u": "ethosu",
    "gpu": "gpu",
    "google-tensor": "google_tensor",
    "gpu-litert": "gpu_litert",
    "hexagon": "hexagon",
    "intel-openvino": "intel_openvino",
    "mediatek": "mediatek",
    "nnapi": "nnapi",
    "qualcomm": "qualcomm",
    "xnnpack": "xnnpack",
}


#: the delegate families that are phone NPUs compiled through LiteRT's compiler plugins (OPL323, OPL324)
NPU_FAMILIES = frozenset({"qualcomm", "intel-openvino", "mediatek", "google-tensor"})


def get(family: str) -> Delegate:
    """The delegate of a family; KeyError for a family no module implements."""
    delegate: Delegate = importlib.import_module(f"{__name__}.{MODULES[family]}").DELEGATE
    return delegate


def of(target: Target) -> Delegate | None:
    """The delegate a target checks with (None: the target is a runtime, not a delegate)."""
    return get(target.delegate) if target.delegate is not None else None


def kinds(target: Target) -> frozenset[str] | None:
    """The builtin ops the target's delegate can take at all (None: not a delegate target).

    Used where only op kinds are known (the ops a SavedModel is predicted to become): an op of a
    kind outside this set certainly stays on the CPU."""
    delegate = of(target)
    return delegate.kinds(target) if delegate is not None else None
