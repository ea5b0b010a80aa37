"""Static memory planning: TensorFlow Lite Micro's tensor arena, estimated without running it.

TFLM places every non-constant, non-variable tensor in one arena, planned offline by its
``GreedyMemoryPlanner``: each buffer lives from the op that creates it to the last op that
reads it (``micro_allocation_info.cc``: subgraph inputs are created at the subgraph's start,
outputs live to its end, a control-flow op's subgraphs are planned inside its scope), buffers
are placed largest first at the lowest offset that does not overlap a buffer alive at the same
time (``greedy_memory_planner.cc``), and sizes are rounded up to the 16-byte arena alignment
(``micro_allocator.cc``).  This module reproduces that plan from the model alone.

What it cannot see: scratch buffers kernels request at ``Prepare`` (a few reference kernels do)
and the persistent "tail" (per-tensor bookkeeping, per-channel quantization data), so the
estimate is a lower bound of what the interpreter asks for.
"""

from __future__ import annotations

from typing import NamedTuple

from ..core.model import Graph, Model

ALIGNMENT = 16
#: bytes per element (tensorflow/lite/micro/memory_helpers.cc TfLiteTypeSizeOf); int4 is stored unpacked
DTYPE_BYTES = {
    "float32": 4,
    "int32": 4,
    "uint32": 4,
    "int16": 2,
    "uint16": 2,
    "float16": 2,
    "bfloat16": 2,
    "int8": 1,
    "uint8": 1,
    "bool": 1,
    "int4": 1,
    "int64": 8,
    "uint64": 8,
    "float64": 8,
    "complex64": 8,
    "complex128": 16,
}


class Buffer(NamedTuple):
    graph: int
    tensor: int
    size: int
    first: int
    last: int


class ArenaPlan(NamedTuple):
    head: int  #: bytes of the planned (non-persistent) section
    buffers: int  #: number of planned buffers
    largest: tuple[str, int] | None  #: (tensor name, bytes) of the largest buffer
    unknown: tuple[str, ...]  #: tensors whose size cannot be known statically (dynamic or unknown shape)


def tensor_bytes(shape: tuple[int, ...] | None, dtype: str) -> int | None:
    if shape is None or dtype not in DTYPE_BYTES:
        return None
    n = 1
    for d in shape:
        if d < 0:
            return None
        n *= d
    return n * DTYPE_BYTES[dtype]


def _align(n: int) -> int:
    return (n + ALIGNMENT - 1) // ALIGNMENT * ALIGNMENT


def lifetimes(model: Model) -> tuple[list[Buffer], list[str]]:
    """Buffers TFLM would plan, with TFLM's allocation-scope lifetimes."""
    first: dict[tuple[int, int], int] = {}
    last: dict[tuple[int, int], int] = {}
    scope = 0
    visiting: set[int] = set()

    def mark(gi: int) -> None:
        nonlocal scope
        if gi in visiting or not 0 <= gi < len(model.graphs):
            return  # a malformed (recursive) control-flow reference
        visiting.add(gi)
        graph = model.graphs[gi]
        for t in graph.inputs:
            first.setdefault((gi, t), scope)
            last[(gi, t)] = scope
        for op in graph.ops:
            scope += 1
            for t in op.outputs:
                first.setdefault((gi, t), scope)
            for sub in _called_subgraphs(op.kind, op.options):
                scope += 1
                mark(sub)
            for t in op.inputs:
                if t >= 0:
                    last[(gi, t)] = scope
            for t in op.outputs:
                last[(gi, t)] = scope
        for t in graph.outputs:
            first.setdefault((gi, t), scope)
            last[(gi, t)] = scope
        visiting.discard(gi)

    if model.graphs:
        mark(0)
    buffers: list[Buffer] = []
    unknown: list[str] = []
    for (gi, t), start in first.items():
        graph: Graph = model.graphs[gi]
        tensor = graph.tensor(t)
        if tensor is None or tensor.is_const or tensor.is_variable:
            continue
        size = tensor_bytes(tensor.shape, tensor.dtype)
        if size is None:
            unknown.append(tensor.name or f"#{t}")
            continue
        if size:
            buffers.append(Buffer(gi, t, _align(size), start, last.get((gi, t), start)))
    return buffers, unknown


def _called_subgraphs(kind: str, options: object) -> list[int]:
    opts = options if isinstance(options, dict) else dict(options)  # type: ignore[call-overload]
    if kind == "IF":
        return [opts.get("then_subgraph_index", -1), opts.get("else_subgraph_index", -1)]
    if kind == "WHILE":
        return [opts.get("cond_subgraph_index", -1), opts.get("body_subgraph_index", -1)]
    if kind == "CALL_ONCE":
        return [opts.get("init_subgraph_index", -1)]
    return []


def greedy_plan(buffers: list[Buffer]) -> int:
    """Arena bytes for the buffers, placed as TFLM's GreedyMemoryPlanner places them."""
    order = sorted(range(len(buffers)), key=lambda i: -buffers[i].size)  # stable, like its bubble sort
    placed: list[tuple[int, Buffer]] = []  # (offset, buffer), kept sorted by offset
    high = 0
    for i in order:
        want = buffers[i]
        offset = 0
        for off, other in placed:
            if other.first > want.last or want.first > other.last:
                continue  # not alive at the same time
            if off - offset >= want.size:
                break  # the gap before this buffer is big enough
            offset = max(offset, off + other.size)
        placed.append((offset, want))
        placed.sort(key=lambda p: p[0])
        high = max(high, offset + want.size)
    return high


def plan_tflm_arena(model: Model) -> ArenaPlan:
    buffers, unknown = lifetimes(model)
    largest = None
    if buffers:
        big = max(buffers, key=lambda b: b.size)
        tensor = model.graphs[big.graph].tensors[big.tensor]
        largest = (tensor.name or f"#{big.tensor}", big.size)
    return ArenaPlan(greedy_plan(buffers), len(buffers), largest, tuple(unknown))
