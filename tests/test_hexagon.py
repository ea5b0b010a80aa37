"""The Hexagon delegate checker: 8-bit ops only, version limits, its small-partition rule."""

from __future__ import annotations

from fixtures.tflite_builder import Graph, Op, Q, T, build
from oplint.delegates.hexagon import assess
from oplint.knowledge.targets import load as load_target
from oplint.readers.tflite import parse

HEXAGON = load_target("hexagon")


def _one(graph: Graph) -> tuple[bool, str]:
    v = assess(parse(build([graph]), "m.tflite"), HEXAGON).verdicts[(0, 0)]
    return v.supported, " ".join(v.reasons) + f" @{v.cite}"


def test_quantized_ops_only() -> None:
    q = Q([0.1], [0])
    ok, _ = _one(
        Graph([T("x", "int8", (1, 8), quant=q), T("y", "int8", (1, 8), quant=q)], [Op("TANH", [0], [1])], [0], [1])
    )
    assert ok
    ok, why = _one(Graph([T("x", shape=(1, 8)), T("y", shape=(1, 8))], [Op("TANH", [0], [1])], [0], [1]))
    assert not ok and "input 0 is float32" in why and "utils.cc:365" in why


def test_rank_and_version_limits() -> None:
    q = Q([0.1], [0])
    big = [T("x", "int8", (1, 2, 2, 2, 2), quant=q), T("y", "int8", (1, 2, 2, 2, 2), quant=q)]
    ok, why = _one(Graph(big, [Op("TANH", [0], [1])], [0], [1]))
    assert not ok and "more than 4 dimensions" in why
    small = [T("x", "int8", (1, 8), quant=q), T("y", "int8", (1, 8), quant=q)]
    ok, why = _one(Graph(small, [Op("TANH", [0], [1], version=3)], [0], [1]))
    assert not ok and "version 3" in why


def test_partitions_of_one_op_stay_on_the_cpu() -> None:
    from oplint.delegates.delegation import analyse

    q = Q([0.1], [0])
    tensors = [T(f"t{i}", "int8", (1, 8), quant=q) for i in range(5)]
    # TANH | GELU (not a Hexagon op) | TANH TANH: the first partition has one op, the last two
    ops = [Op("TANH", [0], [1]), Op("GELU", [1], [2]), Op("TANH", [2], [3]), Op("TANH", [3], [4])]
    model = parse(build([Graph(tensors, ops, [0], [4])]), "m.tflite")
    plan = analyse(model, HEXAGON)
    assert plan is not None
    assert [p.ops for p in plan.plan.partitions if p.delegated] == [(2, 3)]
    assert plan.plan.dropped == ((0, 0),)
