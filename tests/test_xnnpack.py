"""The XNNPACK checker: unit checks on small models, and fidelity against LiteRT's real delegate."""

from __future__ import annotations

import pytest

from fixtures.tflite_builder import Graph, Op, Q, T, build
from oplint.delegates.xnnpack import assess
from oplint.knowledge.targets import load as load_target
from oplint.readers.tflite import parse
from tests import fidelity_xnnpack as fid
from tests.fidelity import TRUTH_FILES
from tests.helpers import lint

needs_truth = pytest.mark.skipif(not all(p.is_file() for p in TRUTH_FILES), reason="../shared is not present")
XNNPACK = load_target("xnnpack")


def _verdict(graph: Graph, op: int = 0) -> tuple[bool, str]:
    model = parse(build([graph]), "m.tflite")
    v = assess(model, XNNPACK).verdicts[(0, op)]
    return v.supported, " ".join(v.reasons) + f" @{v.cite}"


def _unary(kind: str, dtype: str, quant: Q | None = None) -> Graph:
    return Graph(
        [T("x", dtype, (1, 8), quant=quant), T("y", dtype, (1, 8), quant=quant)], [Op(kind, [0], [1])], [0], [1]
    )


def test_float_unary_ops_are_taken_and_integer_ones_are_not() -> None:
    assert _verdict(_unary("RELU", "float32"))[0]
    ok, why = _verdict(_unary("RELU", "int32"))
    assert not ok and "unsupported type int32" in why and "xnnpack_delegate.cc:2277" in why


def test_unknown_ops_and_disabled_ones() -> None:
    ok, why = _verdict(_unary("CUMSUM", "float32"))
    assert not ok and "no kernel for CUMSUM" in why
    graph = Graph(
        [T("x", shape=(1, 8)), T("axis", "int32", (1,), const=True), T("y", shape=(1, 1, 8))],
        [Op("EXPAND_DIMS", [0, 1], [2])],
        [0],
        [2],
    )
    ok, why = _verdict(graph)
    assert not ok and ":4865" in why


def _conv(x_dtype: str, w_dtype: str, w_quant: Q | None, kind: str = "CONV_2D", const_w: bool = True) -> Graph:
    xq = Q([0.1], [0]) if x_dtype == "int8" else None
    bias_dtype = "int32" if x_dtype == "int8" else "float32"
    bq = Q([0.01] * 4, [0] * 4) if x_dtype == "int8" else None
    wshape = (4, 3, 3, 2) if kind == "CONV_2D" else (1, 3, 3, 4)
    opts = (
        ("Conv2DOptions", {"stride_w": 1, "stride_h": 1})
        if kind == "CONV_2D"
        else (
            "DepthwiseConv2DOptions",
            {"stride_w": 1, "stride_h": 1, "depth_multiplier": 2 if kind != "CONV_2D" else 1},
        )
    )
    return Graph(
        [
            T("x", x_dtype, (1, 8, 8, 2), quant=xq),
            T("w", w_dtype, wshape, const=const_w, quant=w_quant),
            T("b", bias_dtype, (4,), const=True, quant=bq),
            T("y", x_dtype, (1, 8, 8, 4), quant=xq),
        ],
        [Op(kind, [0, 1, 2], [3], options=opts)],
        [0] if const_w else [0, 1],
        [3],
    )


def test_convolutions_need_constant_weights_and_matching_types() -> None:
    assert _verdict(_conv("float32", "float32", None))[0]
    assert _verdict(_conv("int8", "int8", Q([0.1] * 4, [0] * 4)))[0]
    ok, why = _verdict(_conv("float32", "float32", None, const_w=False))
    assert not ok and "is not a constant" in why and ":3019" in why
    # float activations with int8 weights: CONV_2D quantizes them dynamically, DEPTHWISE does not
    assert _verdict(_conv("float32", "int8", Q([0.1] * 4, [0] * 4)))[0]
    ok, why = _verdict(_conv("float32", "int8", Q([0.1] * 4, [0] * 4, 3), kind="DEPTHWISE_CONV_2D"))
    assert not ok and "mixed types" in why


def test_softmax_beta_and_fused_activations() -> None:
    graph = _unary("SOFTMAX", "float32")
    graph.ops[0].options = ("SoftmaxOptions", {"beta": 2.0})
    ok, why = _verdict(graph)
    assert not ok and "beta 2" in why
    add = Graph(
        [T("a", shape=(1, 4)), T("b", shape=(1, 4)), T("y", shape=(1, 4))],
        [Op("ADD", [0, 1], [2], options=("AddOptions", {"fused_activation_function": 4}))],  # TANH
        [0, 1],
        [2],
    )
    ok, why = _verdict(add)
    assert not ok and "fused activation TANH" in why


def test_float16_weights_are_unpacked_with_their_consumer() -> None:
    graph = Graph(
        [
            T("x", shape=(1, 4)),
            T("w16", "float16", (3, 4), const=True),
            T("w", "float32", (3, 4)),
            T("y", shape=(1, 3)),
        ],
        [Op("DEQUANTIZE", [1], [2]), Op("FULLY_CONNECTED", [0, 2, -1], [3])],
        [0],
        [3],
    )
    model = parse(build([graph]), "f16.tflite")
    v = assess(model, XNNPACK).verdicts
    assert v[(0, 0)].supported and v[(0, 1)].supported


def test_the_delegate_target_reports_cpu_ops() -> None:
    # XNNPACK's SOFTMAX is float only (VisitSoftmaxNode): the int8 keyword model keeps it on the CPU
    findings = [f for f in lint("../examples/micro_speech_quantized.tflite", "xnnpack") if f.code == "OPL301"]
    assert [f.location.op for f in findings] == ["SOFTMAX"]
    assert "unsupported type int8" in findings[0].message
    assert not [f for f in lint("tflite/conv_float.tflite", "xnnpack") if f.code == "OPL301"]


@needs_truth
def test_agrees_with_the_real_delegate_op_by_op() -> None:
    result = fid.compare()
    assert result.models > 300 and result.ops > 3500
    assert not result.unexplained, fid.report(result)
    assert result.agreement >= 0.99, fid.report(result)
    # every op said delegated but recorded as not is one the record cannot show
    assert all(d.explained == fid.INVISIBLE for d in result.false_clean)
