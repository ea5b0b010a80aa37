"""The Core ML delegate checker: float models only, its validators, the Core ML version variant."""

from __future__ import annotations

from fixtures.tflite_builder import Graph, Op, T, build
from oplint.delegates.coreml import assess
from oplint.knowledge.targets import load as load_target
from oplint.readers.tflite import parse
from tests.helpers import lint

COREML = load_target("coreml")


def _verdicts(graph: Graph, target: str = "coreml") -> list[tuple[bool, str]]:
    t = COREML if target == "coreml" else load_target("coreml").variant(target.split("@")[1])
    found = assess(parse(build([graph]), "m.tflite"), t).verdicts
    return [(v.supported, " ".join(v.reasons) + f" @{v.cite}") for _, v in sorted(found.items())]


def test_float_models_only() -> None:
    # a one-op float model: Core ML takes the op, but delegates no partition of fewer than 2 ops
    (single,) = [f for f in lint("tflite/conv_float.tflite", "coreml") if f.code == "OPL301"]
    assert "not in a partition of fewer than 2 ops" in single.message
    # an int8 model: its ops have newer versions than the delegate takes (checked first), and int8 inputs
    found = [f for f in lint("tflite/conv_int8.tflite", "coreml") if f.code == "OPL301"]
    assert len(found) == 1 and "takes none of the model's 2 ops" in found[0].message
    assert "CONV_2D version 3; the delegate takes up to 1" in found[0].message


def test_broadcasting_and_unknown_ops() -> None:
    tensors = [T("a", shape=(1, 8, 8, 3)), T("b", shape=(1, 1, 8, 3)), T("y", shape=(1, 8, 8, 3))]
    ((ok, why),) = _verdicts(Graph(tensors, [Op("ADD", [0, 1], [2])], [0, 1], [2]))
    assert not ok and "cannot broadcast" in why and "util.cc:69" in why
    tensors[1] = T("b", shape=(1, 1, 1, 3))
    assert _verdicts(Graph(tensors, [Op("ADD", [0, 1], [2])], [0, 1], [2]))[0][0]
    ((ok, why),) = _verdicts(Graph(tensors[:2], [Op("EXP", [0], [1])], [0], [1]))
    assert not ok and "no builder for EXP" in why


def test_reshape_depends_on_the_core_ml_version() -> None:
    tensors = [T("x", shape=(1, 12)), T("s", "int32", (4,), const=True), T("y", shape=(1, 2, 2, 3))]
    graph = Graph(tensors, [Op("RESHAPE", [0, 1], [2])], [0], [2])
    ((ok, why),) = _verdicts(graph)
    assert not ok and "Core ML 3" in why
    assert _verdicts(graph, "coreml@2")[0][0]
