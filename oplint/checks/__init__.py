"""The rule registry: every built-in rule, listed explicitly (a test keeps this in sync)."""

from __future__ import annotations

from . import (
    opl001_unreadable_model,
    opl002_lfs_pointer,
    opl003_invalid_model,
    opl004_unsupported_schema_version,
    opl101_unsupported_builtin_op,
    opl102_flex_op,
    opl103_flex_op_not_allowlisted,
    opl104_unregistered_custom_op,
    opl201_unsupported_tensor_types,
    opl401_op_version_too_new,
    opl402_op_unknown_to_runtime,
)
from ._api import Context, Rule, rule

RULES: tuple[Rule, ...] = (
    opl001_unreadable_model.check,
    opl002_lfs_pointer.check,
    opl003_invalid_model.check,
    opl004_unsupported_schema_version.check,
    opl101_unsupported_builtin_op.check,
    opl102_flex_op.check,
    opl103_flex_op_not_allowlisted.check,
    opl104_unregistered_custom_op.check,
    opl201_unsupported_tensor_types.check,
    opl401_op_version_too_new.check,
    opl402_op_unknown_to_runtime.check,
)

BY_CODE: dict[str, Rule] = {r.code: r for r in RULES}
BY_NAME: dict[str, Rule] = {r.name: r for r in RULES}


def get(code_or_name: str) -> Rule | None:
    key = code_or_name.strip()
    return BY_CODE.get(key.upper()) or BY_NAME.get(key.lower())


__all__ = ["BY_CODE", "BY_NAME", "RULES", "Context", "Rule", "get", "rule"]
