"""The oldest TFLite runtime that can run a model's ops at their versions."""

from __future__ import annotations

from ..core.model import Model
from ..knowledge.targets import Version, format_version
from ..knowledge.targets import load as load_target


def required_runtime(model: Model) -> str | None:
    """The oldest TFLite runtime whose kernels cover every (builtin, version) in the model."""
    if model.format != "tflite":
        return None
    table = load_target("tflite")
    needed: Version | None = None
    for op in model.ops():
        rel = table.runtime_of(op.kind, op.version)
        if rel is not None and (needed is None or rel > needed):
            needed = rel
    return format_version(needed) if needed else None
