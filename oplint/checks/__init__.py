"""The rule registry: every built-in rule, listed explicitly (a test keeps this in sync)."""

from __future__ import annotations

from . import (
    opl001_unreadable_model,
    opl002_lfs_pointer,
    opl003_invalid_model,
    opl004_unsupported_schema_version,
    opl005_inconsistent_shapes,
    opl006_unreadable_savedmodel,
    opl007_missing_variables,
    opl008_function_call_cycle,
    opl009_signature_not_found,
    opl101_unsupported_builtin_op,
    opl102_flex_op,
    opl103_flex_op_not_allowlisted,
    opl104_unregistered_custom_op,
    opl105_unsupported_op_configuration,
    opl106_dynamic_tensor,
    opl111_tf_op_needs_flex,
    opl112_tf_op_not_convertible,
    opl113_custom_tf_op,
    opl114_predicted_op_unsupported,
    opl201_unsupported_tensor_types,
    opl202_unsupported_runtime_dtype,
    opl203_invalid_quantization_scale,
    opl204_missing_quantization_params,
    opl205_unsupported_quantization_params,
    opl206_float_op_in_integer_model,
    opl207_float_io,
    opl208_hybrid_op,
    opl209_float16_weights,
    opl210_int16x8_unsupported,
    opl211_int4_weights,
    opl212_quantization_spec_violation,
    opl213_quantize_dequantize_bounce,
    opl301_delegate_cpu_fallback,
    opl302_too_many_partitions,
    opl303_predicted_op_not_delegated,
    opl304_delegate_rejects_model,
    opl320_compiled_for_ethos_u,
    opl321_ethos_u_compile_failure,
    opl322_compiled_for_edge_tpu,
    opl401_op_version_too_new,
    opl402_op_unknown_to_runtime,
    opl501_arena_exceeds_budget,
    opl901_unused_ignore,
)
from .rule import Context, Rule, rule

RULES: tuple[Rule, ...] = (
    opl001_unreadable_model.check,
    opl002_lfs_pointer.check,
    opl003_invalid_model.check,
    opl004_unsupported_schema_version.check,
    opl005_inconsistent_shapes.check,
    opl006_unreadable_savedmodel.check,
    opl007_missing_variables.check,
    opl008_function_call_cycle.check,
    opl009_signature_not_found.check,
    opl101_unsupported_builtin_op.check,
    opl102_flex_op.check,
    opl103_flex_op_not_allowlisted.check,
    opl104_unregistered_custom_op.check,
    opl105_unsupported_op_configuration.check,
    opl106_dynamic_tensor.check,
    opl111_tf_op_needs_flex.check,
    opl112_tf_op_not_convertible.check,
    opl113_custom_tf_op.check,
    opl114_predicted_op_unsupported.check,
    opl201_unsupported_tensor_types.check,
    opl202_unsupported_runtime_dtype.check,
    opl203_invalid_quantization_scale.check,
    opl204_missing_quantization_params.check,
    opl205_unsupported_quantization_params.check,
    opl206_float_op_in_integer_model.check,
    opl207_float_io.check,
    opl208_hybrid_op.check,
    opl209_float16_weights.check,
    opl210_int16x8_unsupported.check,
    opl211_int4_weights.check,
    opl212_quantization_spec_violation.check,
    opl213_quantize_dequantize_bounce.check,
    opl301_delegate_cpu_fallback.check,
    opl302_too_many_partitions.check,
    opl303_predicted_op_not_delegated.check,
    opl304_delegate_rejects_model.check,
    opl320_compiled_for_ethos_u.check,
    opl321_ethos_u_compile_failure.check,
    opl322_compiled_for_edge_tpu.check,
    opl401_op_version_too_new.check,
    opl402_op_unknown_to_runtime.check,
    opl501_arena_exceeds_budget.check,
    opl901_unused_ignore.check,
)

BY_CODE: dict[str, Rule] = {r.code: r for r in RULES}
BY_NAME: dict[str, Rule] = {r.name: r for r in RULES}


def get(code_or_name: str) -> Rule | None:
    key = code_or_name.strip()
    return BY_CODE.get(key.upper()) or BY_NAME.get(key.lower())


__all__ = ["BY_CODE", "BY_NAME", "RULES", "Context", "Rule", "get", "rule"]
