"""LiteRT's GPU accelerator (ML Drift): parsers, type filter, float16 weights, fidelity, cited lines."""

from __future__ import annotations

import json
import sys
from typing import Any

import pytest

from fixtures.tflite_builder import Graph, Op, Q, T, build
from oplint.delegates import gpu, gpu_litert
from oplint.knowledge.targets import Target
from oplint.knowledge.targets import load as load_target
from oplint.readers.tflite import parse
from tests import fidelity_gpu_litert as fid
from tests.fidelity import TRUTH_FILES
from tests.helpers import ROOT, lint

sys.path.insert(0, str(ROOT / "scripts"))
import probe_gpu_litert

LITERT = load_target("gpu-litert")
CLASSIC = load_target("gpu")
needs_truth = pytest.mark.skipif(not all(p.is_file() for p in TRUTH_FILES), reason="../shared is not present")
#: what a cited line must be near: a rejection, a parser choice, or the op selection itself


def _verdicts(graph: Graph, target: Target = LITERT) -> list[tuple[bool, str]]:
    model = parse(build([graph]), "m.tflite")
    module = gpu_litert if target is LITERT else gpu
    found = module.assess(model, target).verdicts
    return [(v.supported, " ".join(v.reasons)) for _, v in sorted(found.items())]


def test_integer_and_boolean_tensors_differ_from_the_classic_delegate() -> None:
    # ADD of int32 tensors: the accelerator has integer kernels for it, the classic delegate does not
    tensors = [T("a", "int32", (1, 4)), T("b", "int32", (1, 4)), T("y", "int32", (1, 4))]
    graph = Graph(tensors, [Op("ADD", [0, 1], [2])], [0, 1], [2])
    assert _verdicts(graph) == [(True, "")]
    ((ok, why),) = _verdicts(graph, CLASSIC)
    assert not ok and "tensor type/shape isn't compatible" in why
    # ... but not for every op: an int32 EXP input is refused by the type filter, with its words
    tensors = [T("a", "int32", (1, 4)), T("y", "int32", (1, 4))]
    ((ok, why),) = _verdicts(Graph(tensors, [Op("EXP", [0], [1])], [0], [1]))
    assert not ok and why == "Tensor type(INT32) is not supported. a"


def test_int16_activations_and_5d_tensors_are_refused() -> None:
    q = Q([0.5], [0])
    tensors = [T("x", "int16", (1, 4), quant=q), T("y", "int16", (1, 4), quant=q)]
    ((ok, why),) = _verdicts(Graph(tensors, [Op("TANH", [0], [1])], [0], [1]))
    assert not ok and why == "Tensor type(INT16) is not supported. x"
    tensors = [T("x", shape=(1, 2, 2, 2, 2)), T("y", shape=(1, 2, 2, 2, 2))]
    ((ok, why),) = _verdicts(Graph(tensors, [Op("RELU", [0], [1])], [0], [1]))
    assert not ok and why == "Tensor dimensions must be less than 5. x"


def test_parser_checks() -> None:
    x, y = T("x", shape=(1, 4)), T("y", shape=(1, 4))
    # SUB(x, x) is refused, MUL(x, x) becomes SQUARE
    assert _verdicts(Graph([x, y], [Op("SUB", [0, 0], [1])], [0], [1]))[0] == (
        False,
        "No support of few identical inputs in the same operation.",
    )
    assert _verdicts(Graph([x, y], [Op("MUL", [0, 0], [1])], [0], [1]))[0][0]
    # a version newer than the parser takes
    ((ok, why),) = _verdicts(Graph([x, y], [Op("TANH", [0], [1], version=3)], [0], [1]))
    assert not ok and why == "Max version supported: 2. Requested version 3."
    # an op without a parser
    ((ok, why),) = _verdicts(Graph([x, y], [Op("L2_NORMALIZATION", [0], [1])], [0], [1]))
    assert not ok and why == "Operation is not supported."
    # MUL by a constant int16 scalar: not float-convertible, not int32
    q = Q([0.5], [0])
    tensors = [T("a", "int16", (1, 4), quant=q), T("s", "int16", (), const=True, quant=q), T("y", "int16", (1, 4))]
    ((ok, why),) = _verdicts(Graph(tensors, [Op("MUL", [0, 1], [2])], [0], [2]))
    assert not ok and why == "Can't parse inputs with const tensors."
    # TRANSPOSE with a 5-element permutation
    tensors = [T("x", shape=(1, 2, 2, 2, 2)), T("p", "int32", (5,), const=True), T("y", shape=(1, 2, 2, 2, 2))]
    ((ok, why),) = _verdicts(Graph(tensors, [Op("TRANSPOSE", [0, 1], [2])], [0], [2]))
    assert not ok and why == "Permutation for transpose is invalid."


def test_strided_slice_masks() -> None:
    tensors = [
        T("x", shape=(1, 8, 4)),
        T("begin", "int32", (3,), const=True),
        T("end", "int32", (3,), const=True),
        T("strides", "int32", (3,), const=True),
        T("y", shape=(1, 8)),
    ]
    op = Op("STRIDED_SLICE", [0, 1, 2, 3], [4], options=("StridedSliceOptions", {"shrink_axis_mask": 4}))
    ((ok, why),) = _verdicts(Graph(tensors, [op], [0], [4]))
    assert not ok and why == "Slice does not support shrink_axis_mask parameter."


@pytest.mark.parametrize("module", [gpu_litert, gpu])
def test_float16_weights_follow_the_fp16_partition_helper(module: object) -> None:
    target = LITERT if module is gpu_litert else CLASSIC
    # every other op delegated: the whole graph goes, DEQUANTIZE included (utils.cc 208)
    found = module.assess(parse(probe_gpu_litert.fp16_conv(False), "f16.tflite"), target).verdicts  # type: ignore[attr-defined]
    assert all(v.supported for v in found.values())
    # partial delegation: the convolution reads the float16 constants, the DEQUANTIZE stays on the CPU
    found = module.assess(parse(probe_gpu_litert.fp16_conv(True), "f16.tflite"), target).verdicts  # type: ignore[attr-defined]
    assert found[(0, 2)].supported
    assert not found[(0, 0)].supported and "float16 weights" in found[(0, 0)].reasons[0]
    assert str(found[(0, 0)].cite) == "tflite/delegates/utils.cc:250"


def test_cli_reports_cpu_fallback_with_the_accelerators_reason() -> None:
    # the accelerator's own verdict on this fixture (recorded in fixtures/tflite/VERDICTS.json):
    # "RESHAPE: Expected 1 runtime input tensor(s), ...", "SHAPE: Operation is not supported."
    findings = lint("tflite/shape_chain_reshape.tflite", "gpu-litert")
    cpu = sorted(f.message for f in findings if f.code == "OPL301")
    assert len(cpu) == 2 and all(f.target == "gpu-litert" for f in findings)
    assert "does not take RESHAPE (op 3): Expected 1 runtime input tensor(s), but node has 2" in cpu[0]
    assert "does not take SHAPE (op 0): Operation is not supported" in cpu[1]
    assert not [f for f in findings if f.code == "OPL304"]  # SHAPE -> STRIDED_SLICE -> CONCATENATION is static


def test_a_model_with_dynamic_tensors_does_not_compile() -> None:
    # planestrike: RESHAPE to a computed shape; truth.py's run: "Failed to modify graph with delegate"
    findings = lint("../examples/planestrike_tf_agents.tflite", "gpu-litert")
    (rejected,) = [f for f in findings if f.code == "OPL304"]
    assert rejected.location.op_index == 5 and "reshape.cc:154" in rejected.message
    assert "CompiledModel cannot be created" in rejected.message
    assert not [f for f in findings if f.code in ("OPL301", "OPL302")]


@needs_truth
def test_agrees_with_the_recorded_accelerator_runs() -> None:
    result = fid.compare()
    assert result.models > 250 and result.pairs > 1200
    assert not result.unexplained, fid.report(result)
    assert not result.false_clean, fid.report(result)
    assert result.agree / result.pairs >= 0.99, fid.report(result)
    counted, agree = result.partitions
    assert counted > 30 and agree == counted, fid.report(result)


PROBES = json.loads((ROOT / "evidence" / "gpu_litert.probe.json").read_text())


@pytest.mark.parametrize("probe", PROBES, ids=lambda p: p["probe"])
def test_agrees_with_the_accelerator_on_the_synthetic_probes(probe: dict[str, Any]) -> None:
    """scripts/probe_gpu_litert.py's one-op models, against the accelerator verdicts it recorded."""
    refused, gpu_ops, rejected = probe_gpu_litert.oplint_says(probe_gpu_litert.PROBES[probe["probe"]]())
    real = probe["accelerator"]
    if not real["compiles"]:
        assert rejected is not None, real
        return
    assert rejected is None, rejected
    assert set(refused) == set(real["refused"]), (refused, real)
    for kind, reason in real["refused"].items():
        if reason:  # the delegate's own words, where it gives them
            assert refused[kind] == reason
    assert real["gpu_ops"] is None or real["gpu_ops"] == gpu_ops


@needs_truth
def test_predicts_which_models_do_not_compile_for_the_gpu() -> None:
    result = fid.compare_compiles()
    assert result.models > 300 and result.failed > 40
    assert not result.unexplained, result.unexplained
    assert result.agree / result.models >= 0.98
