"""The TFLM arena planner: lifetimes and greedy placement as TFLM computes them."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fixtures.tflite_builder import Graph, Op, T, build
from oplint.analysis.memory import Buffer, greedy_plan, plan_tflm_arena
from oplint.readers import load
from oplint.readers.tflite import parse
from tests.fidelity import oracle_arena, records
from tests.helpers import codes, fixture, lint


def test_greedy_plan_reuses_memory_of_dead_buffers() -> None:
    a = Buffer(0, 0, 64, 0, 1)
    b = Buffer(0, 1, 64, 1, 2)
    c = Buffer(0, 2, 64, 2, 3)  # a is dead by the time c is created: c takes a's place
    assert greedy_plan([a, b, c]) == 128
    assert greedy_plan([Buffer(0, 0, 100, 0, 5), Buffer(0, 1, 16, 0, 5)]) == 116


def _greedy_reference(buffers: list[Buffer]) -> int:
    """GreedyMemoryPlanner as a plain quadratic scan over every placed buffer (the first version)."""
    order = sorted(reversed(range(len(buffers))), key=lambda i: -buffers[i].size)
    placed: list[tuple[int, Buffer]] = []
    high = 0
    for i in order:
        want = buffers[i]
        offset = 0
        for off, other in placed:
            if other.first > want.last or want.first > other.last:
                continue
            if off - offset >= want.size:
                break
            offset = max(offset, off + other.size)
        placed.append((offset, want))
        placed.sort(key=lambda p: p[0])
        high = max(high, offset + want.size)
    return high


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(1, 64), st.integers(-1, 600), st.integers(0, 600)).map(
            lambda t: Buffer(0, 0, t[0] * 16, t[1], t[1] + t[2] if t[2] % 7 else t[1] + t[2] // 40)
        ),
        max_size=60,
    )
)
def test_greedy_plan_places_as_the_plain_scan(buffers: list[Buffer]) -> None:
    """The lifetime index finds the same buffers as scanning them all: same offsets, same arena
    (short and long lifetimes, equal sizes, buffers never created (first = -1))."""
    assert greedy_plan(buffers) == _greedy_reference(buffers)


def test_chain_of_ops() -> None:
    tensors = [T("x", "float32", (1, 256)), T("h", "float32", (1, 256)), T("y", "float32", (1, 256))]
    ops = [Op("RELU", [0], [1]), Op("RELU", [1], [2])]
    plan = plan_tflm_arena(parse(build([Graph(tensors, ops, [0], [2])]), "chain.tflite"))
    # x and h overlap at op 0, h and y at op 1; y can take x's place: 2 x 1 KiB
    assert plan.head == 2048 and plan.buffers == 3


def test_constants_and_variables_are_not_planned() -> None:
    plan = plan_tflm_arena(load(fixture("tflite/conv_float.tflite")))
    # input 1x8x8x3 float (768 B) and output 1x8x8x4 float (1024 B) are alive together
    assert plan.head == 768 + 1024


def test_matches_tflite_micro_on_real_models() -> None:
    """The oracle recorded TFLM's own RecordingMicroAllocator (head, tail, total) for every model it
    could allocate; the plan must give the same bytes, or say it is an estimate."""
    exact = {"head": 0, "tail": 0, "total": 0}
    n = 0
    misses = []
    for rec in records():
        total = rec.verdict.get("tflm_arena_total")
        if total is None:
            continue
        n += 1
        plan = plan_tflm_arena(load(str(rec.path)), oracle_arena(rec.path))
        got = {"head": plan.head, "tail": plan.tail, "total": plan.total}
        for key in exact:
            exact[key] += got[key] == rec.verdict[f"tflm_arena_{key}"]
        if plan.total != total:
            misses.append((rec.name, plan.total, total, plan.exact))
            assert not plan.exact, f"{rec.name}: planned {plan.total}, TFLM {total}, yet the plan claims to be exact"
            assert plan.head <= rec.verdict["tflm_arena_head"] and plan.tail <= rec.verdict["tflm_arena_tail"]
    if n == 0:
        pytest.skip("../shared is not present")
    assert min(exact.values()) >= 0.95 * n, (exact, n, misses)


def test_arena_tail_of_a_float_model() -> None:
    """sine_float (3 FULLY_CONNECTED): the recording allocator's 1408-byte tail, piece by piece."""
    tensors = [T("x", "float32", (1, 1)), T("w", "float32", (16, 1), const=True), T("b", "float32", (16,), const=True)]
    tensors += [T("h", "float32", (1, 16))]
    plan = plan_tflm_arena(
        parse(build([Graph(tensors, [Op("FULLY_CONNECTED", [0, 1, 2], [3])], [0], [3])]), "fc.tflite")
    )
    # allocators 448, builtin-data allocator 16, subgraph allocations 24, 4 eval tensors 96, one node 64,
    # FC params 32, FC OpData 72, input/output pointer arrays (16 each) and TfLiteTensors (64 each)
    assert plan.exact and plan.head == 16 + 64
    assert plan.tail == 912  # measured with the tflite-micro wheel (scripts/measure_tflm_arena.py)


def test_opl501_arena_budget() -> None:
    assert codes(lint("tflite/conv_float.tflite", "tflm+arena=1K")) == ["OPL501"]
    assert lint("tflite/conv_float.tflite", "tflm+arena=64K") == []
    assert "OPL501" not in codes(lint("tflite/conv_float.tflite", "tflite+arena=1K"))


def test_hostile_models_stay_bounded() -> None:
    import time

    from oplint.analysis.memory import MAX_CALL_DEPTH, Buffer, plan_greedy
    from oplint.core.model import Graph, Model, Op, Tensor

    # 100,000 buffers alive at the same time: the planner stops comparing and gives the sum
    many = [Buffer(0, i, 16, -1, -1) for i in range(100_000)]
    start = time.perf_counter()
    assert plan_greedy(many, budget=200_000) == (1_600_000, False)
    assert time.perf_counter() - start < 5
    assert plan_greedy(many[:100]) == (1_600, True)
    # 2,000 subgraphs, each calling the next twice (2^2000 scopes if walked naively, and a
    # recursion deeper than Python's): the walk stops at MAX_CALL_DEPTH and says so
    graphs = []
    for gi in range(2000):
        t = (Tensor(0, "x", "float32", (1,)), Tensor(1, "y", "float32", (1,)))
        calls = {"then_subgraph_index": gi + 1, "else_subgraph_index": gi + 1}
        ops = (Op(gi, 0, "IF", inputs=(0,), outputs=(1,), options=calls),) if gi < 1999 else ()
        graphs.append(Graph(gi, f"g{gi}", ops, t, (0,), (1,)))
    model = Model("deep.tflite", "tflite", tuple(graphs))
    start = time.perf_counter()
    plan = plan_tflm_arena(model)
    assert time.perf_counter() - start < 10
    assert not plan.exact and any(f"beyond {MAX_CALL_DEPTH} calls" in e for e in plan.estimated)
