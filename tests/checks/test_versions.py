"""OPL004, OPL401, OPL402: schema and op versions against the chosen runtime."""

from __future__ import annotations

from tests.helpers import codes, lint


def test_opl401_fires_for_an_older_runtime() -> None:
    findings = lint("tflite/fc_v12.tflite", "tflite@2.15")
    assert codes(findings) == ["OPL401"]
    assert "2.17.0" in findings[0].message and "up to 11" in findings[0].message


def test_opl401_runtime_option_equals_target_pin() -> None:
    assert codes(lint("tflite/fc_v12.tflite", "tflite", runtime="2.15")) == ["OPL401"]
    assert lint("tflite/fc_v12.tflite", "tflite", runtime="2.17") == []


def test_opl401_silent_on_newest_runtime_and_on_tflm() -> None:
    assert lint("tflite/fc_v12.tflite", "tflite") == []
    assert "OPL401" not in codes(lint("tflite/fc_v12.tflite", "tflm"))


def test_opl402_op_missing_from_old_runtime() -> None:
    findings = lint("tflite/gelu_float.tflite", "tflite@2.3")
    assert codes(findings) == ["OPL402"]
    assert "GELU" in findings[0].message


def test_opl402_silent_when_runtime_has_op() -> None:
    assert lint("tflite/gelu_float.tflite", "tflite@2.9") == []


def test_opl004_schema_version() -> None:
    assert codes(lint("tflite/schema_v2.tflite", "tflite")) == ["OPL004"]
    assert lint("tflite/schema_v2.tflite", "tflm") == []


def test_opl401_version_beyond_every_known_runtime() -> None:
    from fixtures.tflite_builder import one_op
    from oplint.readers.tflite import parse
    from oplint.run.config import Config, TargetSpec
    from oplint.run.lint import lint_model, prepare

    model = parse(one_op("ADD", ["float32", "float32"], ["float32"], version=99), "add_v99.tflite")
    report = lint_model(model, prepare(Config(targets=(TargetSpec("tflite"),))))
    assert [f.code for f in report.findings] == ["OPL401"]
    assert "newer than any runtime" in report.findings[0].message
