"""OPL101-OPL104: ops the target does not register."""

from __future__ import annotations

from tests.helpers import codes, lint, where


def test_opl101_fires_on_builtin_missing_from_tflm() -> None:
    findings = lint("tflite/rfft2d_float.tflite", "tflm")
    assert where(findings, "OPL101") == [(0, 0)]
    assert "RFFT2D" in findings[0].message


def test_opl101_silent_when_target_has_the_op() -> None:
    assert "OPL101" not in codes(lint("tflite/rfft2d_float.tflite", "tflite"))
    assert lint("tflite/conv_int8.tflite", "tflm") == []


def test_opl101_unknown_builtin_code() -> None:
    findings = lint("tflite/extended_opcode.tflite", "tflite")
    assert codes(findings) == ["OPL101"]
    assert "builtin code 250" in findings[0].message


def test_opl101_stablehlo_without_runtime_kernel() -> None:
    from fixtures.tflite_builder import one_op
    from oplint.readers.tflite import parse
    from oplint.run.config import Config, TargetSpec
    from oplint.run.lint import lint_model, prepare

    model = parse(one_op("STABLEHLO_ABS", ["float32"], ["float32"]), "stablehlo.tflite")
    report = lint_model(model, prepare(Config(targets=(TargetSpec("tflite"),))))
    assert [f.code for f in report.findings] == ["OPL101"]
    assert "StableHLO" in (report.findings[0].hint or "")


def test_opl102_flex_op_on_targets_without_flex() -> None:
    for target in ("tflite", "tflm"):
        findings = lint("tflite/flex_erf.tflite", target)
        assert where(findings, "OPL102") == [(0, 0)], target
        assert "Erf" in findings[0].message


def test_opl102_silent_on_tflite_flex() -> None:
    assert lint("tflite/flex_erf.tflite", "tflite-flex") == []


def test_opl103_flex_op_outside_allowlist() -> None:
    findings = lint("tflite/flex_svd.tflite", "tflite-flex")
    assert codes(findings) == ["OPL103"]
    assert findings[0].severity.label == "warning"


def test_opl104_unregistered_custom_op() -> None:
    for target in ("tflite", "tflite-flex", "tflm"):
        assert codes(lint("tflite/custom_op.tflite", target)) == ["OPL104"], target


def test_opl104_registered_custom_ops_are_fine() -> None:
    assert lint("tflite/detection_postprocess.tflite", "tflite") == []
    assert lint("tflite/detection_postprocess.tflite", "tflm") == []


def test_opl104_ethos_u_needs_a_special_tflm_build() -> None:
    findings = lint("tflite/ethos_u.tflite", "tflm")
    # OPL320 (info) says the model was compiled for an Ethos-U NPU
    assert codes(findings) == ["OPL320", "OPL104"]
    assert "special builds" in findings[1].message
