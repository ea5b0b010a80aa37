"""OPL005, OPL105, OPL106, OPL201, OPL202: op configurations, shapes and types the target rejects."""

from __future__ import annotations

from tests.helpers import codes, lint, where


def test_opl201_dtype_not_accepted_by_the_tflm_kernel() -> None:
    findings = lint("tflite/exp_int8.tflite", "tflm")
    assert where(findings, "OPL201") == [(0, 0)]
    assert "(int8 -> int8)" in findings[0].message and "float32" in findings[0].message


def test_opl201_leaves_quantization_schemes_to_their_own_rules() -> None:
    assert codes(lint("tflite/hybrid_fc.tflite", "tflm")) == ["OPL208"]
    assert codes(lint("tflite/float16_weights.tflite", "tflm")) == ["OPL209"]
    assert codes(lint("tflite/int16_resize.tflite", "tflm")) == ["OPL210"]
    assert codes(lint("tflite/int4_fc_float.tflite", "tflm")) == ["OPL211"]
    assert codes(lint("tflite/uint8_legacy.tflite", "tflm")) == ["OPL201"]


def test_opl201_silent_for_accepted_types_and_untyped_targets() -> None:
    assert lint("tflite/conv_int8.tflite", "tflm") == []
    assert lint("tflite/exp_int8.tflite", "tflite") == []


def test_opl105_lstm_projection_inputs() -> None:
    findings = lint("tflite/lstm_projection.tflite", "tflm")
    assert codes(findings) == ["OPL105"]
    assert "optional input 16," in findings[0].message
    assert lint("tflite/lstm_projection.tflite", "tflite") == []


def test_opl105_rank_limit() -> None:
    findings = [f for f in lint("tflite/broadcast_to_6d.tflite", "tflm") if f.code == "OPL105"]
    assert findings and "rank 6" in findings[0].message


def test_opl106_output_shape_only_known_at_run_time() -> None:
    assert codes(lint("tflite/add_unknown_shape.tflite", "tflm")) == ["OPL106"]
    assert lint("tflite/add_unknown_shape.tflite", "tflite") == []
    assert lint("tflite/dynamic_batch.tflite", "tflm") == []  # shape_signature -1 alone is fine


def test_opl202_string_tensors_on_tflm() -> None:
    assert "OPL202" in codes(lint("tflite/string_input.tflite", "tflm"))
    assert lint("tflite/string_input.tflite", "tflite") == []


def test_opl005_squeeze_dims() -> None:
    for target in ("tflite", "tflm"):
        findings = lint("tflite/squeeze_bad_dims.tflite", target)
        assert codes(findings) == ["OPL005"]
        assert findings[0].target is None
