"""OPL206-OPL213 and the quantization summary: what keeps a "quantized" model from running
integer-only on its target."""

from __future__ import annotations

import pytest

from oplint.analysis.quantization import summarize
from oplint.readers import load
from tests.fidelity import records, run_for
from tests.helpers import codes, fixture, lint, needs_shared


@pytest.mark.parametrize(
    ("name", "scheme", "share"),
    [
        ("conv_float", "float32", 0.0),
        ("float16_weights", "float16-weights", 0.0),
        ("hybrid_fc", "dynamic-range", 0.0),
        ("conv_int8", "int8", 1.0),
        ("int16_resize", "int16x8", 1.0),
        ("uint8_legacy", "uint8", 1.0),
        ("int4_fc_float", "int4-weights", 0.0),
        ("int8_float_island", "mixed", 0.0),
    ],
)
def test_summary_scheme(name: str, scheme: str, share: float) -> None:
    summary = summarize(load(fixture(f"tflite/{name}.tflite")))
    assert summary.scheme == scheme
    assert summary.integer_share == share


def test_summary_io_and_misfits() -> None:
    summary = summarize(load(fixture("tflite/int8_float_island.tflite")))
    assert summary.inputs == ("int8",) and summary.outputs == ("int8",)
    assert summary.misfits == ("ELU#1 computes in float",)
    io = summarize(load(fixture("tflite/int8_float_io.tflite")))
    assert io.scheme == "int8" and io.inputs == ("float32",) and io.outputs == ("float32",)


def test_opl206_float_island_with_its_boundaries() -> None:
    (finding,) = lint("tflite/int8_float_island.tflite", "tflite")
    assert finding.code == "OPL206" and finding.target is None
    assert "DEQUANTIZE 'x_float' (op 0)" in finding.message and "QUANTIZE 'y' (op 2)" in finding.message


def test_opl206_silent_on_all_integer_and_all_float_models() -> None:
    assert lint("tflite/conv_int8.tflite", "tflite") == []
    assert lint("tflite/conv_float.tflite", "tflite") == []


def test_opl207_float_io_only_where_integer_io_is_expected() -> None:
    findings = lint("tflite/int8_float_io.tflite", "tflm")
    assert codes(findings) == ["OPL207"]
    assert "inference_input_type" in (findings[0].hint or "")
    assert lint("tflite/int8_float_io.tflite", "tflite") == []


def test_opl208_to_211_are_target_specific() -> None:
    for name, code in (
        ("hybrid_fc", "OPL208"),
        ("float16_weights", "OPL209"),
        ("int16_resize", "OPL210"),
        ("int4_fc_float", "OPL211"),
    ):
        assert codes(lint(f"tflite/{name}.tflite", "tflm")) == [code], name
        assert lint(f"tflite/{name}.tflite", "tflite") == [], name  # LiteRT has these kernels


def test_opl209_groups_one_finding_per_graph() -> None:
    from fixtures.tflite_builder import Graph, Op, T, build
    from oplint.readers.tflite import parse
    from oplint.run.config import Config, TargetSpec
    from oplint.run.lint import lint_model, prepare

    tensors = [T("x", "float32", (1, 4))]
    ops = []
    for i in range(5):
        tensors += [T(f"w{i}_fp16", "float16", (4, 4), const=True), T(f"w{i}", "float32", (4, 4))]
        ops.append(Op("DEQUANTIZE", [len(tensors) - 2], [len(tensors) - 1], version=3))
    model = parse(build([Graph(tensors, ops, [0], [len(tensors) - 1])]), "fp16_many.tflite")
    report = lint_model(model, prepare(Config(targets=(TargetSpec("tflm"),))))
    assert [f.code for f in report.findings] == ["OPL209"]
    assert "4 more DEQUANTIZE" in report.findings[0].message


def test_opl212_spec_violations() -> None:
    (weights,) = lint("tflite/asymmetric_weights.tflite", "tflite")
    assert weights.code == "OPL212" and "zero point 3" in weights.message
    assert "OPL212" in codes(lint("tflite/pool_scale_change.tflite", "tflite"))


def test_opl205_pooling_scale_change_is_refused() -> None:
    for target in ("tflite", "tflm"):
        assert "OPL205" in codes(lint("tflite/pool_scale_change.tflite", target)), target


def test_opl213_bounce() -> None:
    (finding,) = lint("tflite/quant_bounce.tflite", "tflite")
    assert finding.code == "OPL213" and "int8 -> float32 -> int8" in finding.message


@needs_shared
def test_every_model_the_reference_reader_saw_computing_in_float_is_flagged() -> None:
    """truth.json's float_compute_ops: ops computing in float inside models with integer activations."""
    from oplint.run.lint import lint_file

    run = run_for("tflite")
    expected = [rec for rec in records() if rec.verdict.get("float_compute_ops")]
    assert expected
    for rec in expected:
        report = lint_file(str(rec.path), run)
        assert any(f.code == "OPL206" for f in report.findings), rec.name
    for rec in records():
        if not rec.verdict.get("float_compute_ops") and rec.verdict.get("quant_kind"):
            report = lint_file(str(rec.path), run)
            assert not any(f.code == "OPL206" for f in report.findings), rec.name
