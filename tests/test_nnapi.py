"""The NNAPI delegate checker: API-level gating, operand types, the variant per Android version."""

from __future__ import annotations

from fixtures.tflite_builder import Graph, Op, Q, T, build
from oplint.delegates.nnapi import assess
from oplint.knowledge.targets import load as load_target
from oplint.readers.tflite import parse
from tests.helpers import lint

NNAPI = load_target("nnapi")


def _one(graph: Graph, api: str | None = None) -> tuple[bool, str]:
    target = NNAPI if api is None else NNAPI.variant(api)
    v = assess(parse(build([graph]), "m.tflite"), target).verdicts[(0, 0)]
    return v.supported, " | ".join(v.reasons) + f" @{v.cite}"


def test_api_level_gates_ops() -> None:
    graph = Graph([T("x", shape=(1, 8)), T("y", shape=(1, 8))], [Op("EXP", [0], [1])], [0], [1])
    assert _one(graph)[0]  # API 30 (the default)
    ok, why = _one(graph, "28")
    assert not ok and "Android sdk version less than 29" in why and "nnapi_delegate.cc:2976" in why


def test_int8_needs_nnapi_1_2() -> None:
    findings = [f for f in lint("tflite/conv_int8.tflite", "nnapi@28") if f.code == "OPL301"]
    assert findings and any("Input should be Float or UINT8" in f.message for f in findings)
    assert not [f for f in lint("tflite/conv_int8.tflite", "nnapi") if f.code == "OPL301"]


def test_every_failed_expectation_is_reported() -> None:
    q = Q([0.1], [0])
    tensors = [T("x", "int16", (1, 2, 2, 2, 2), quant=q), T("y", "int16", (1, 2, 2, 2, 2), quant=q)]
    ok, why = _one(Graph(tensors, [Op("SOFTMAX", [0], [1])], [0], [1]))
    assert not ok and "Input should be Float or Quant8" in why and "Input rank should be <= 4" in why


def test_unknown_ops() -> None:
    graph = Graph([T("x", shape=(1, 8)), T("y", shape=(1, 8))], [Op("CUMSUM", [0], [1])], [0], [1])
    ok, why = _one(graph)
    assert not ok and "Unsupported operation type." in why
