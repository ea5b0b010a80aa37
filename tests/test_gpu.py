"""The classic GPU delegate checker: unit checks, fidelity to TF 2.15's checker, cited lines."""

from __future__ import annotations

import pytest

from fixtures.tflite_builder import Graph, Op, T, build
from oplint.delegates.gpu import assess, check_op
from oplint.knowledge.targets import load as load_target
from oplint.readers.tflite import parse
from tests import fidelity_gpu as fid
from tests.fidelity import TRUTH_FILES
from tests.helpers import lint

GPU = load_target("gpu")
needs_truth = pytest.mark.skipif(not all(p.is_file() for p in TRUTH_FILES), reason="../shared is not present")


def _verdict(graph: Graph, op: int = 0) -> tuple[bool, str]:
    model = parse(build([graph]), "m.tflite")
    v = assess(model, GPU).verdicts[(0, op)]
    return v.supported, " ".join(v.reasons)


def test_unknown_ops_and_runtime_weights() -> None:
    graph = Graph([T("x", shape=(1, 4)), T("y", shape=(1, 4))], [Op("SEGMENT_SUM", [0], [1])], [0], [1])
    model = parse(build([graph]), "m.tflite")
    # the checker's words, and the delegate's (it has no parser for the op)
    assert check_op(model.graphs[0], model.graphs[0].ops[0]).reasons == ("Not supported op SEGMENT_SUM",)
    ok, why = _verdict(graph)
    assert not ok and why == "Operation is not supported."
    # a convolution whose weights arrive at run time (e.g. through a DEQUANTIZE) has 3 runtime inputs
    tensors = [T("x", shape=(1, 4, 4, 2)), T("w", shape=(3, 1, 1, 2)), T("b", shape=(3,)), T("y", shape=(1, 4, 4, 3))]
    conv = Op("CONV_2D", [0, 1, 2], [3], options=("Conv2DOptions", {"stride_w": 1, "stride_h": 1}))
    ok, why = _verdict(Graph(tensors, [conv], [0, 1, 2], [3]))
    assert not ok and why == "Expected 1 or 2 input tensor(s), but node has 3 runtime inputs."
    tensors[1] = T("w", shape=(3, 1, 1, 2), const=True)
    tensors[2] = T("b", shape=(3,), const=True)
    conv = Op(
        "CONV_2D",
        [0, 1, 2],
        [3],
        options=("Conv2DOptions", {"stride_w": 1, "stride_h": 1, "dilation_w_factor": 1, "dilation_h_factor": 1}),
    )
    assert _verdict(Graph(tensors, [conv], [0], [3]))[0]


def test_parsers_types_and_float16_weights() -> None:
    # int32 activations: the checker accepts ADD, the delegate's tensor filter does not
    tensors = [T("a", "int32", (1, 4)), T("b", "int32", (1, 4)), T("y", "int32", (1, 4))]
    ok, why = _verdict(Graph(tensors, [Op("ADD", [0, 1], [2])], [0, 1], [2]))
    assert not ok and why.startswith("OP is supported, but tensor type/shape isn't compatible")
    # SUB(x, x) is refused when the delegate parses it
    tensors = [T("a", shape=(1, 4)), T("y", shape=(1, 4))]
    ok, why = _verdict(Graph(tensors, [Op("SUB", [0, 0], [1])], [0], [1]))
    assert not ok and why == "No support of few identical inputs in the same operation."
    # float16 weights behind a DEQUANTIZE: the delegate reads the constant, the convolution is taken
    tensors = [
        T("x", shape=(1, 4, 4, 2)),
        T("w16", "float16", (3, 1, 1, 2), const=True),
        T("w", shape=(3, 1, 1, 2)),
        T("b16", "float16", (3,), const=True),
        T("b", shape=(3,)),
        T("y", shape=(1, 4, 4, 3)),
    ]
    conv = Op(
        "CONV_2D",
        [0, 2, 4],
        [5],
        options=("Conv2DOptions", {"stride_w": 1, "stride_h": 1, "dilation_w_factor": 1, "dilation_h_factor": 1}),
    )
    ops = [Op("DEQUANTIZE", [1], [2]), Op("DEQUANTIZE", [3], [4]), conv]
    model = parse(build([Graph(tensors, ops, [0], [5])]), "f16.tflite")
    found = assess(model, GPU).verdicts
    assert all(found[(0, i)].supported for i in range(3))
    # TF's analyzer (the checker alone) counts the dequantized weights as runtime inputs
    assert check_op(model.graphs[0], model.graphs[0].ops[2]).reasons == (
        "Expected 1 or 2 input tensor(s), but node has 3 runtime inputs.",
    )


def test_broadcasting_rules() -> None:
    """The delegate's parsers call the checker with kStandard: 2-D broadcasts to 4-D only as
    [1, 1] or [b, c]; TFLite's analyzer (the flatbuffer entry) passes kEnhancedBroadcast."""
    tensors = [T("a", shape=(1, 8, 8, 3)), T("b", shape=(4, 3)), T("y", shape=(1, 8, 8, 3))]
    ok, why = _verdict(Graph(tensors, [Op("ADD", [0, 1], [2])], [0, 1], [2]))
    assert not ok and why.startswith("Doesn't support broadcasting - input0: [1,8,8,3], input1: [4,3]")
    tensors[1] = T("b", shape=(8, 3))
    ok, why = _verdict(Graph(tensors, [Op("ADD", [0, 1], [2])], [0, 1], [2]))
    assert not ok and why == "Doesn't support broadcasting - input0: [1,8,8,3], input1: [8,3]"
    model = parse(build([Graph(tensors, [Op("ADD", [0, 1], [2])], [0, 1], [2])]), "m.tflite")
    assert check_op(model.graphs[0], model.graphs[0].ops[0], enhanced=True).supported
    tensors[1] = T("b", shape=(1, 3))
    assert _verdict(Graph(tensors, [Op("ADD", [0, 1], [2])], [0, 1], [2]))[0]


def test_the_delegate_keeps_only_its_largest_partition() -> None:
    # RELU | L2_NORMALIZATION (no parser) | RELU, RELU: two supported partitions, one delegated
    from oplint.delegates.delegation import analyse

    tensors = [T(n, shape=(1, 4)) for n in "abcde"]
    ops = [Op("RELU", [0], [1]), Op("L2_NORMALIZATION", [1], [2]), Op("RELU", [2], [3]), Op("RELU", [3], [4])]
    model = parse(build([Graph(tensors, ops, [0], [4])]), "m.tflite")
    delegation = analyse(model, GPU)
    assert delegation is not None and delegation.rejection is None
    assert delegation.plan.delegated_ops == 2 and delegation.plan.dropped == ((0, 0),)


def test_a_model_with_dynamic_tensors_keeps_the_delegate_off() -> None:
    # planestrike: RESHAPE to a computed shape; the delegate lacks kTfLiteDelegateFlagsAllowDynamicTensors
    findings = lint("../examples/planestrike_tf_agents.tflite", "gpu")
    (rejected,) = [f for f in findings if f.code == "OPL304"]
    assert "runs every op on the CPU" in rejected.message and "reshape.cc:154" in rejected.message
    assert not [f for f in findings if f.code == "OPL301"]


@needs_truth
def test_agrees_with_tf215s_checker_up_to_version_gaps() -> None:
    result = fid.compare()
    assert result.models > 400 and result.pairs > 1500
    assert not result.unexplained, fid.report(result)
    assert result.agree / result.pairs >= 0.96, fid.report(result)
