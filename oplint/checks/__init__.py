"""The rule registry: every built-in rule, listed explicitly (a test keeps this in sync)."""

from __future__ import annotations

from ..core.model import ProblemKind
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
    opl010_unreadable_keras_model,
    opl011_not_a_keras_model,
    opl012_model_too_large,
    opl013_internal_error,
    opl101_unsupported_builtin_op,
    opl102_flex_op,
    opl103_flex_op_not_allowlisted,
    opl104_unregistered_custom_op,
    opl105_unsupported_op_configuration,
    opl106_dynamic_tensor,
    opl107_op_not_in_resolver,
    opl108_resolver_too_small,
    opl109_specialized_kernel_mismatch,
    opl111_tf_op_needs_flex,
    opl112_tf_op_not_convertible,
    opl113_custom_tf_op,
    opl114_predicted_op_unsupported,
    opl115_opaque_keras_layer,
    opl116_dynamic_batch_recurrent_layer,
    opl117_unpredicted_keras_layer,
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
    opl323_compiled_for_npu,
    opl324_npu_compile_failure,
    opl401_op_version_too_new,
    opl402_op_unknown_to_runtime,
    opl501_arena_exceeds_budget,
    opl502_flash_exceeds_budget,
    opl901_unused_ignore,
)
from .rule import Context, Option, Rule

RULES: tuple[Rule, ...] = (
    opl001_unreadable_model.RULE,
    opl002_lfs_pointer.RULE,
    opl003_invalid_model.RULE,
    opl004_unsupported_schema_version.RULE,
    opl005_inconsistent_shapes.RULE,
    opl006_unreadable_savedmodel.RULE,
    opl007_missing_variables.RULE,
    opl008_function_call_cycle.RULE,
    opl009_signature_not_found.RULE,
    opl010_unreadable_keras_model.RULE,
    opl011_not_a_keras_model.RULE,
    opl012_model_too_large.RULE,
    opl013_internal_error.RULE,
    opl101_unsupported_builtin_op.RULE,
    opl102_flex_op.RULE,
    opl103_flex_op_not_allowlisted.RULE,
    opl104_unregistered_custom_op.RULE,
    opl105_unsupported_op_configuration.RULE,
    opl106_dynamic_tensor.RULE,
    opl107_op_not_in_resolver.RULE,
    opl108_resolver_too_small.RULE,
    opl109_specialized_kernel_mismatch.RULE,
    opl111_tf_op_needs_flex.RULE,
    opl112_tf_op_not_convertible.RULE,
    opl113_custom_tf_op.RULE,
    opl114_predicted_op_unsupported.RULE,
    opl115_opaque_keras_layer.RULE,
    opl116_dynamic_batch_recurrent_layer.RULE,
    opl117_unpredicted_keras_layer.RULE,
    opl201_unsupported_tensor_types.RULE,
    opl202_unsupported_runtime_dtype.RULE,
    opl203_invalid_quantization_scale.RULE,
    opl204_missing_quantization_params.RULE,
    opl205_unsupported_quantization_params.RULE,
    opl206_float_op_in_integer_model.RULE,
    opl207_float_io.RULE,
    opl208_hybrid_op.RULE,
    opl209_float16_weights.RULE,
    opl210_int16x8_unsupported.RULE,
    opl211_int4_weights.RULE,
    opl212_quantization_spec_violation.RULE,
    opl213_quantize_dequantize_bounce.RULE,
    opl301_delegate_cpu_fallback.RULE,
    opl302_too_many_partitions.RULE,
    opl303_predicted_op_not_delegated.RULE,
    opl304_delegate_rejects_model.RULE,
    opl320_compiled_for_ethos_u.RULE,
    opl321_ethos_u_compile_failure.RULE,
    opl322_compiled_for_edge_tpu.RULE,
    opl323_compiled_for_npu.RULE,
    opl324_npu_compile_failure.RULE,
    opl401_op_version_too_new.RULE,
    opl402_op_unknown_to_runtime.RULE,
    opl501_arena_exceeds_budget.RULE,
    opl502_flash_exceeds_budget.RULE,
    opl901_unused_ignore.RULE,
)

BY_CODE: dict[str, Rule] = {r.code: r for r in RULES}
BY_NAME: dict[str, Rule] = {r.name: r for r in RULES}
#: option key -> (the rule that declares it, its declaration)
OPTIONS: dict[str, tuple[Rule, Option]] = {o.key: (r, o) for r in RULES for o in r.options}


def get(code_or_name: str) -> Rule | None:
    key = code_or_name.strip()
    return BY_CODE.get(key.upper()) or BY_NAME.get(key.lower())


def for_problem(kind: ProblemKind) -> Rule:
    """The rule that reports reader problems of this kind."""
    for r in RULES:
        if kind in r.reports:
            return r
    raise KeyError(kind)  # pragma: no cover - a test keeps every kind declared


def option(key: str) -> Option:
    return OPTIONS[key][1]


__all__ = ["BY_CODE", "BY_NAME", "OPTIONS", "RULES", "Context", "Option", "Rule", "for_problem", "get", "option"]
