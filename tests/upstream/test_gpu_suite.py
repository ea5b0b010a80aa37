"""oplint's classic GPU delegate checker against the delegate's own tests (tests/upstream/gpu_suite.py),
and the three behaviours they pinned down, on real flatbuffers."""

from __future__ import annotations

import struct

import pytest

from fixtures.tflite_builder import Graph, Op, T, build
from oplint.delegates.gpu import assess
from oplint.knowledge.targets import load as load_target
from oplint.readers.tflite import parse
from tests.upstream import gpu_suite

needs_litert = pytest.mark.skipif(not gpu_suite.available(), reason="no checkout of the pinned LiteRT")
GPU = load_target("gpu")


@needs_litert
def test_every_case_of_both_test_files_agrees() -> None:
    verdicts = gpu_suite.verdicts()
    per_stage = {stage: sum(1 for v in verdicts if v.case.stage == stage) for stage in ("checker", "parser")}
    assert per_stage["parser"] >= 180 and per_stage["checker"] >= 12, per_stage
    bad = [
        (v.case.test, v.case.line, v.case.op.kind, v.reasons) for v in verdicts if not v.agree and not v.case.enhanced
    ]
    assert bad == []
    assert all(gpu_suite.model_verdicts().values())


def _verdict(graph: Graph, op: int = 1) -> tuple[bool, str]:
    model = parse(build([graph]), "m.tflite")
    v = assess(model, GPU).verdicts[(0, op)]
    return v.supported, " ".join(v.reasons)


def test_the_delegate_broadcasts_as_kstandard() -> None:
    """gpu_compatibility_test.cc Add2Dto3DBroadcastFail, Add3Dto4DBroadcastFail: refused by the
    delegate's parsers (kStandard), though TFLite's analyzer (kEnhancedBroadcast) passes them."""
    for a, b in (((1, 100, 256), (100, 256)), ((4, 1, 1, 2), (1, 1, 2))):
        tensors = [T("a", shape=a), T("b", shape=b), T("y", shape=a)]
        ok, why = _verdict(Graph(tensors, [Op("ADD", [0, 1], [2])], [0, 1], [2]), op=0)
        assert not ok and why.startswith("Doesn't support broadcasting"), (a, b, why)


def test_a_comparison_is_taken_only_before_a_cast_or_select() -> None:
    """EQUAL feeding a CAST to float: taken without the checker; feeding LOGICAL_NOT: refused."""
    tensors = [T("a", shape=(1, 4)), T("b", shape=(1, 4)), T("eq", "bool", (1, 4)), T("y", shape=(1, 4))]
    cast = Graph(tensors, [Op("EQUAL", [0, 1], [2]), Op("CAST", [2], [3])], [0, 1], [3])
    assert _verdict(cast, op=0)[0]
    tensors[3] = T("y", "bool", (1, 4))
    negated = Graph(tensors, [Op("EQUAL", [0, 1], [2]), Op("LOGICAL_NOT", [2], [3])], [0, 1], [3])
    ok, why = _verdict(negated, op=0)
    assert not ok and why == "Not supported logical op case."
    alone = Graph(tensors[:3], [Op("EQUAL", [0, 1], [2])], [0, 1], [2])
    ok, why = _verdict(alone, op=0)
    assert not ok and why == "Not supported logical op case"


def _pool(filter_hw: int, stride: int, activation: int = 0) -> bytes:
    """TfLitePoolParams (builtin_op_data.h): padding, stride_w, stride_h, filter_w, filter_h,
    activation, then the computed padding (4 ints)."""
    return struct.pack("<6i", 1, stride, stride, filter_hw, filter_hw, activation) + bytes(16)


@pytest.mark.parametrize(
    ("options", "ok", "why"),
    [
        (None, False, "Unable to retrieve builtin_data."),
        (b"\x01\x00", False, "custom options of 2 bytes are shorter than the 24 bytes"),
        (_pool(0, 1), False, "Incorrect kernel values: kernel_height = 0, kernel_width = 0"),
        (_pool(2, 2, activation=5), False, "TfLiteFusedActivation.kTfLiteActSignBit"),
        (_pool(2, 2), True, ""),
    ],
)
def test_custom_pooling_reads_its_custom_options(options: bytes | None, ok: bool, why: str) -> None:
    tensors = [
        T("x", shape=(1, 4, 4, 2)),
        T("y", shape=(1, 2, 2, 2)),
        T("idx", shape=(1, 2, 2, 2)),
        T("z", shape=(1, 2, 2, 2)),
    ]
    ops = [
        Op("CUSTOM", [0], [1, 2], custom_code="MaxPoolingWithArgmax2D", custom_options=options),
        Op("RELU", [1], [3]),
    ]
    model = parse(build([Graph(tensors, ops, [0], [3, 2])]), "m.tflite")
    v = assess(model, GPU).verdicts[(0, 0)]
    assert v.supported == ok and " ".join(v.reasons).startswith(why), v


@pytest.mark.parametrize(
    ("name", "options", "why"),
    [
        ("Convolution2DTransposeBias", None, "Unable to retrieve custom_initial_data."),
        ("Convolution2DTransposeBias", struct.pack("<5i", 1, 0, 1, 0, 0), "Incorrect stride values"),
        ("Convolution2DTransposeBias", struct.pack("<5i", 1, 2, 2, 0, 0), ""),
        ("MaxUnpooling2D", None, "Unable to retrieve custom_initial_data."),
        ("MaxUnpooling2D", _pool(2, 0), "Incorrect stride values"),
        ("MaxUnpooling2D", _pool(2, 2), ""),
    ],
)
def test_custom_ops_need_their_parameters(name: str, options: bytes | None, why: str) -> None:
    if name == "MaxUnpooling2D":
        tensors = [T("x", shape=(1, 2, 2, 2)), T("idx", shape=(1, 2, 2, 2)), T("y", shape=(1, 4, 4, 2))]
        op = Op("CUSTOM", [0, 1], [2], custom_code=name, custom_options=options)
        graph = Graph(tensors, [op], [0, 1], [2])
    else:
        tensors = [T("x", shape=(1, 4, 4, 2)), T("w", shape=(2, 3, 3, 2), const=True), T("y", shape=(1, 8, 8, 2))]
        op = Op("CUSTOM", [0, 1], [2], custom_code=name, custom_options=options)
        graph = Graph(tensors, [op], [0], [2])
    model = parse(build([graph]), "m.tflite")
    v = assess(model, GPU).verdicts[(0, 0)]
    assert v.supported == (why == "") and " ".join(v.reasons).startswith(why), v
