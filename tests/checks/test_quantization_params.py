"""OPL203, OPL204: quantization parameters kernels cannot use."""

from __future__ import annotations

from tests.helpers import codes, lint


def test_opl203_fused_relu6_overflows_int32_on_every_runtime() -> None:
    for target in ("tflite", "tflm"):
        findings = lint("tflite/relu6_tiny_scale.tflite", target)
        assert codes(findings) == ["OPL203"], target
        assert "RELU6" in findings[0].message and findings[0].target is None


def test_opl205_tflm_softmax_multiplier() -> None:
    findings = lint("tflite/softmax_tiny_scale.tflite", "tflm")
    assert codes(findings) == ["OPL205"]
    assert "2^26" in findings[0].message
    assert lint("tflite/softmax_tiny_scale.tflite", "tflite") == []  # LiteRT's int8 softmax uses a table


def test_opl203_silent_on_sane_scales() -> None:
    assert lint("tflite/conv_int8.tflite", "tflm") == []


def test_opl204_integer_tensor_without_parameters() -> None:
    findings = lint("tflite/add_int8_unquantized.tflite", "tflite")
    assert codes(findings) == ["OPL204"]
    assert "in1" in findings[0].message


def test_opl204_raw_integer_data_through_data_movement_ops_is_fine() -> None:
    from fixtures.tflite_builder import Graph, Op, T, build
    from oplint.readers.tflite import parse
    from oplint.run.config import Config, TargetSpec
    from oplint.run.lint import lint_model, prepare

    graph = Graph(
        [
            T("audio", "int16", (1, 480)),
            T("shape", "int32", (1,), const=True, data=(480).to_bytes(4, "little")),
            T("flat", "int16", (480,)),
        ],
        [Op("RESHAPE", [0, 1], [2])],
        [0],
        [2],
    )
    report = lint_model(parse(build([graph]), "reshape_int16.tflite"), prepare(Config(targets=(TargetSpec("tflm"),))))
    assert report.findings == ()
