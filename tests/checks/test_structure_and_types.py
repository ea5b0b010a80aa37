"""OPL005, OPL105, OPL106, OPL201, OPL202: op configurations, shapes and types the target rejects."""

from __future__ import annotations

from tests.helpers import codes, lint, where


def test_opl201_dtype_not_accepted_by_the_tflm_kernel() -> None:
    findings = lint("tflite/exp_int8.tflite", "tflm")
    assert where(findings, "OPL201") == [(0, 0)]
    assert "(int8 -> int8)" in findings[0].message and "float32" in findings[0].message


def test_opl201_hybrid_and_float16_hints() -> None:
    (hybrid,) = lint("tflite/hybrid_fc.tflite", "tflm")
    assert hybrid.code == "OPL201" and "hybrid" in (hybrid.hint or "")
    (fp16,) = lint("tflite/float16_weights.tflite", "tflm")
    assert fp16.code == "OPL201" and fp16.location.op == "DEQUANTIZE" and "float16" in (fp16.hint or "")


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
