"""Static memory planning: TensorFlow Lite Micro's tensor arena, byte for byte, without running it.

TFLM puts everything it needs at run time in one arena (``SingleArenaBufferAllocator``,
``arena_allocator/single_arena_buffer_allocator.cc``): the *head* grows up from the start and
holds the planned non-persistent buffers (activations and kernels' scratch buffers), the *tail*
grows down from the end and holds everything that lives as long as the interpreter (the
allocator objects, per-tensor and per-node structures, parsed op parameters, each kernel's
``OpData`` and persistent buffers, variable tensors, the input/output ``TfLiteTensor`` s).

This module replays both halves from the model alone:

* **head**: every non-constant, non-variable tensor and every scratch buffer a kernel requests
  in ``Prepare`` is planned by ``GreedyMemoryPlanner`` with the lifetimes
  ``micro_allocation_info.cc`` gives it (subgraph inputs are created at the subgraph's start,
  outputs live to its end, a control-flow op's subgraphs are planned inside its scope, a
  kernel's scratch buffer lives during its op); buffers are placed largest first at the lowest
  offset that does not overlap a buffer alive at the same time, sizes rounded up to 16 bytes.
* **tail**: the sequence of persistent allocations ``MicroInterpreter::AllocateTensors`` makes
  (``micro_interpreter.cc``, ``micro_allocator.cc``), each aligned down from the tail as
  ``SingleArenaBufferAllocator::AllocatePersistentBuffer`` does, with the sizes of the structs
  on the x86-64 host build and each reference kernel's ``Init``/``Prepare`` allocations.

Every figure cites the file and line of tensorflow/tflite-micro@90b983c2 it comes from;
``evidence/tflm_arena.SOURCES.md`` derives each struct size.  The truth it is measured against is
TFLM's own ``RecordingMicroAllocator`` as the ``tflite-micro`` wheel (0.dev20261023, commit
8f6596d, built with ``USE_TFLM_COMPRESSION``) reports it; where that build differs from the pinned
source (``TfLiteFullyConnectedParams`` is 32 bytes there, 16 at the pin) the wheel's figure is
used and marked.  Ops whose allocations this module does not know make the result an estimate
(``ArenaPlan.exact`` is False, ``ArenaPlan.estimated`` names them).
"""

from __future__ import annotations

from typing import NamedTuple

from ..core.model import Graph, Model, Op, Tensor

ALIGNMENT = 16  #: MicroArenaBufferAlignment() (micro_arena_constants.h)
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
    "resource": 4,  # memory_helpers.cc: kTfLiteResource -> sizeof(int32_t)
}

# --- fixed structures (x86-64, TF_LITE_STATIC_MEMORY, USE_TFLM_COMPRESSION; see SOURCES.md) -----
SIZEOF_RECORDING_SINGLE_ARENA_ALLOCATOR = 104  # recording_single_arena_buffer_allocator.h:53-56 + base
SIZEOF_GREEDY_MEMORY_PLANNER = 72  # memory_planner/greedy_memory_planner.h:131-163
SIZEOF_RECORDING_MICRO_ALLOCATOR = 272  # recording_micro_allocator.h:120-133 + micro_allocator.h:339-361
SIZEOF_BUILTIN_DATA_ALLOCATOR = 16  # micro_allocator.cc:62-81 (vtable + one pointer)
SIZEOF_SUBGRAPH_ALLOCATIONS = 24  # micro_allocator.h:97-103 (with CompressedTensorList)
SIZEOF_EVAL_TENSOR = 24  # tensorflow/lite/core/c/common.h TfLiteEvalTensor
SIZEOF_NODE_AND_REGISTRATION = 64  # micro_allocator.h:82-85 (TfLiteNode 56 + pointer)
SIZEOF_TFLITE_TENSOR = 64  # common.h, the TF_LITE_STATIC_MEMORY TfLiteTensor
SIZEOF_AFFINE_QUANTIZATION = 24  # common.h TfLiteAffineQuantization
SIZEOF_SCRATCH_BUFFER_HANDLE = 8  # micro_allocator.h:90-93
SIZEOF_RESOURCE_VARIABLES = 16  # micro_resource_variable.h:83-85
SIZEOF_RESOURCE_VARIABLE = 40  # micro_resource_variable.h:66-74


class Buffer(NamedTuple):
    graph: int
    tensor: int  #: tensor index, or -1 for a kernel's scratch buffer
    size: int
    first: int
    last: int


class ArenaPlan(NamedTuple):
    head: int  #: bytes of the planned (non-persistent) section
    buffers: int  #: number of planned buffers
    largest: tuple[str, int] | None  #: (tensor name, bytes) of the largest buffer
    unknown: tuple[str, ...]  #: tensors whose size cannot be known statically (dynamic or unknown shape)
    tail: int = 0  #: bytes of the persistent section
    exact: bool = False  #: every allocation is known (else head/tail are lower bounds)
    estimated: tuple[str, ...] = ()  #: op kinds whose kernel allocations are not modelled

    @property
    def total(self) -> int:
        return self.head + self.tail


def tensor_bytes(shape: tuple[int, ...] | None, dtype: str) -> int | None:
    if shape is None or dtype not in DTYPE_BYTES:
        return None
    n = 1
    for d in shape:
        if d < 0:
            return None
        n *= d
    return n * DTYPE_BYTES[dtype]


def _align(n: int, to: int = ALIGNMENT) -> int:
    return (n + to - 1) // to * to


def _int_array(n: int) -> int:
    """TfLiteIntArrayGetSizeInBytes(n) (common.cc:200): an int size followed by n ints."""
    return 4 + 4 * n


# --- op parameters: the Parse function the resolver registers (micro_mutable_op_resolver.h) and
# the struct it allocates with SafeBuiltinDataAllocator::Allocate<T>() (flatbuffer_conversions.cc),
# as (sizeof, alignof) on x86-64 (tensorflow/compiler/mlir/lite/core/c/builtin_op_data.h).
PARSED_PARAMS: dict[str, tuple[int, int]] = {
    "ADD": (8, 4),  # TfLiteAddParams
    "SUB": (8, 4),  # TfLiteSubParams
    "MUL": (4, 4),  # TfLiteMulParams
    "DIV": (4, 4),  # TfLiteDivParams
    "ARG_MAX": (4, 4),
    "ARG_MIN": (4, 4),
    "AVERAGE_POOL_2D": (40, 4),  # TfLitePoolParams
    "MAX_POOL_2D": (40, 4),
    "L2_POOL_2D": (40, 4),
    "BATCH_MATMUL": (3, 1),
    "CALL_ONCE": (4, 4),
    "CAST": (8, 4),
    "CONCATENATION": (8, 4),
    "CONV_2D": (28, 4),
    "DEPTHWISE_CONV_2D": (28, 4),
    "CUMSUM": (2, 1),
    "DEPTH_TO_SPACE": (4, 4),
    "SPACE_TO_DEPTH": (4, 4),
    # TfLiteFullyConnectedParams: 16/4 at the pin; the recording wheel's ParseFullyConnected
    # allocates 32 bytes aligned to 8 (its call `Allocate(0x20, 8)`): a newer struct
    "FULLY_CONNECTED": (32, 8),
    "GATHER": (8, 4),
    "IF": (8, 4),
    "WHILE": (8, 4),
    "L2_NORMALIZATION": (4, 4),
    "LEAKY_RELU": (4, 4),
    "MIRROR_PAD": (4, 4),
    "PACK": (8, 4),
    "UNPACK": (8, 4),
    "MEAN": (1, 1),  # TfLiteReducerParams (ParseReducer)
    "SUM": (1, 1),
    "REDUCE_MAX": (1, 1),
    "REDUCE_MIN": (1, 1),
    "REDUCE_PROD": (1, 1),
    "REDUCE_ALL": (1, 1),
    "REDUCE_ANY": (1, 1),
    "RESHAPE": (36, 4),
    "SQUEEZE": (36, 4),
    "RESIZE_BILINEAR": (2, 1),
    "RESIZE_NEAREST_NEIGHBOR": (2, 1),
    "SHAPE": (4, 4),
    "SOFTMAX": (4, 4),
    "SPLIT": (4, 4),
    "SPLIT_V": (4, 4),
    "STRIDED_SLICE": (24, 4),
    "SVDF": (12, 4),
    "TRANSPOSE_CONV": (20, 4),
    "UNIDIRECTIONAL_SEQUENCE_LSTM": (16, 4),
    "LSTM": (20, 4),
    "VAR_HANDLE": (16, 8),
}

# --- each kernel's Init: context->AllocatePersistentBuffer(sizeof(OpData)) (file:line; sizes derived
# in evidence/tflm_arena.SOURCES.md, with USE_TFLM_COMPRESSION as the wheel is built)
INIT_BYTES: dict[str, int] = {
    "ADD": 60,  # add.cc:165 OpDataAdd
    "SUB": 52,  # sub.cc:36 OpDataSub
    "MUL": 36,  # mul_common.cc:35 OpDataMul
    "DIV": 28,  # div.cc:70 OpDataDiv
    "FULLY_CONNECTED": 72,  # fully_connected.cc:32 OpDataFullyConnected
    "CONV_2D": 80,  # conv_common.cc:77 OpDataConv
    "DEPTHWISE_CONV_2D": 80,  # depthwise_conv.cc:33 OpDataConv
    "TRANSPOSE_CONV": 88,  # transpose_conv.cc:149 OpData
    "SOFTMAX": 80,  # softmax_common.cc:142 SoftmaxParams
    "LOGISTIC": 16,  # logistic.cc:35 OpDataLogistic
    "TANH": 16,  # tanh.cc:46 OpData
    "CONCATENATION": 80,  # concatenation.cc:125 OpData
    "STRIDED_SLICE": 84,  # strided_slice_common.cc:132 StridedSliceParams
    "QUANTIZE": 32,  # quantize.cc:31 OpDataQuantizeReference
    "DEQUANTIZE": 32,  # dequantize.cc:34 DequantizeOpData
    "AVERAGE_POOL_2D": 32,  # pooling.cc:96 OpDataPooling
    "MAX_POOL_2D": 32,
    "UNIDIRECTIONAL_SEQUENCE_LSTM": 688,  # unidirectional_sequence_lstm.cc:40 OpDataLSTM
    "SVDF": 36,  # svdf.cc:37 OpDataSvdf
    "MEAN": 44,  # reduce.cc:35 OpDataReduce
    "SUM": 44,
    "REDUCE_MAX": 44,
    "REDUCE_MIN": 44,
    "REDUCE_ALL": 44,
    "EQUAL": 32,  # comparisons.cc:546 OpData (ComparisonParams)
    "NOT_EQUAL": 32,
    "GREATER": 32,
    "GREATER_EQUAL": 32,
    "LESS": 32,
    "LESS_EQUAL": 32,
    "WHILE": 8,  # while.cc:41
    "IF": 8,  # if.cc:43
    "CALL_ONCE": 8,  # call_once.cc:41
    "VAR_HANDLE": 4,  # var_handle.cc:41
    "ASSIGN_VARIABLE": 4,  # assign_variable.cc:48
    "PAD": 56,  # pad_common.cc:27 OpData
    "PADV2": 56,
    "LEAKY_RELU": 24,  # leaky_relu.cc:50 LeakyReluOpData
    "RELU": 28,  # activations.cc:35 ReluOpData
    "RELU6": 8,  # activations.cc:82 Relu6OpData
    "PRELU": 28,  # prelu.cc:32 PreluParams
    "ELU": 256,  # elu.cc:113 OpData (int8 lookup table)
    "HARD_SWISH": 20,  # hard_swish.cc:35 HardSwishParams
    "MIRROR_PAD": 20,  # mirror_pad.cc:166 OpDataMirrorPad
    "L2_NORMALIZATION": 4,  # l2norm.cc:77 L2NormalizationParams
    "ABS": 28,  # elementwise.cc:230 OpDataAbsRsqrt
    "RSQRT": 28,
    "SELECT_V2": 1,  # select.cc:41 OpData
    "SQUARED_DIFFERENCE": 112,  # squared_difference.cc:44 OpData
    "SPACE_TO_BATCH_ND": 4,  # space_to_batch_nd.cc:45 SpaceToBatchParams
    "BATCH_MATMUL": 32,  # batch_matmul.cc:176 OpDataBatchMatmul
}

#: kernels known to allocate nothing in Init and Prepare (RegisterOp(nullptr, ...) and no
#: AllocatePersistentBuffer / RequestScratchBufferInArena in their Prepare)
NO_ALLOCATIONS = frozenset(
    {
        "ARG_MAX", "ARG_MIN", "BATCH_TO_SPACE_ND", "BROADCAST_ARGS", "BROADCAST_TO", "CAST", "CEIL",
        "COS", "DYNAMIC_UPDATE_SLICE", "EXP", "EXPAND_DIMS", "FILL", "FLOOR", "FLOOR_DIV",
        "FLOOR_MOD", "LOG", "LOGICAL_AND", "LOGICAL_NOT", "LOGICAL_OR", "MAXIMUM", "MINIMUM",
        "NEG", "PACK", "READ_VARIABLE", "RESIZE_BILINEAR", "RESIZE_NEAREST_NEIGHBOR", "REVERSE_V2",
        "ROUND", "SHAPE", "SIN", "SLICE", "SPLIT", "SPLIT_V", "SQRT", "SQUARE", "SQUEEZE",
        "TRANSPOSE", "UNPACK", "ZEROS_LIKE", "ADD_N_FLOAT",
    }
)  # fmt: skip

INT16_LUT_BYTES = (
    2 * 513
)  # softmax_common.cc:29,37-42: sizeof(int16_t) * LUTSize<int16_t>() (kernels/internal/common.h:670)


class _Step(NamedTuple):
    persistent: list[int]  #: 16-aligned AllocatePersistentBuffer sizes, in order
    scratch: list[int]  #: RequestScratchBufferInArena sizes, in order


class _Ctx:
    def __init__(self, graph: Graph) -> None:
        self.graph = graph

    def t(self, op: Op, i: int, output: bool = False) -> Tensor | None:
        idx = (op.outputs if output else op.inputs)[i] if i < len(op.outputs if output else op.inputs) else -1
        return self.graph.tensor(idx) if idx >= 0 else None


def _shape(t: Tensor | None) -> tuple[int, ...]:
    return () if t is None or t.shape is None else t.shape


def _numel(t: Tensor | None) -> int:
    n = 1
    for d in _shape(t):
        n *= d
    return n


def _prepare(op: Op, g: _Ctx) -> _Step | None:
    """What the op's kernel allocates in Prepare; None when this module does not know."""
    k = op.kind
    p: list[int] = []
    s: list[int] = []
    if k in ("CONV_2D", "DEPTHWISE_CONV_2D", "TRANSPOSE_CONV"):
        inp = g.t(op, 2 if k == "TRANSPOSE_CONV" else 0)
        filt = g.t(op, 1)
        # per-channel multiplier and shift, always (conv_common.cc:176-181,
        # depthwise_conv_common.cc:167-172, transpose_conv.cc:186-191)
        channels = _shape(filt)[3 if k == "DEPTHWISE_CONV_2D" else 0] if len(_shape(filt)) == 4 else 0
        p += [4 * channels, 4 * channels]
        if filt is not None and filt.dtype == "int4":  # conv_common.cc:204-210
            s.append(_numel(filt))
        if k == "TRANSPOSE_CONV" and inp is not None:
            out = g.t(op, 0, True)
            if inp.dtype == "int8":  # transpose_conv.cc:194-199 int32 accumulator
                s.append(4 * _numel(out))
            elif inp.dtype == "int16":  # transpose_conv.cc:203-208 int64 accumulator
                s.append(8 * _numel(out))
            bias = g.t(op, 3)
            if (
                inp.dtype == "int16" and bias is not None and bias.dtype == "int16"
            ):  # transpose_conv.cc:123-133, in CalculateOpData
                s.append(8 * _numel(bias))
        return _Step(p, s)
    if k == "FULLY_CONNECTED":
        filt = g.t(op, 1)
        inp = g.t(op, 0)
        if filt is not None and filt.dtype == "int4":  # fully_connected.cc:69-75
            s.append(_numel(filt))
        q = filt.quant if filt is not None else None
        if inp is not None and inp.dtype != "float32" and q is not None and q.scale_count > 1:
            p += [4 * q.scale_count, 4 * q.scale_count]  # fully_connected_common.cc:111-116
        return _Step(p, s)
    if k == "SOFTMAX":
        inp, out = g.t(op, 0), g.t(op, 0, True)
        if inp is not None and inp.dtype == "int16":  # softmax_common.cc:35-45
            p += [INT16_LUT_BYTES, INT16_LUT_BYTES]
        return _Step(p, s)
    if k == "LOG_SOFTMAX":
        inp = g.t(op, 0)
        return _Step([40] if inp is not None and inp.dtype == "int8" else [], [])  # log_softmax.cc:61-63, in Prepare
    if k in ("MEAN", "SUM"):
        inp, axis, out = g.t(op, 0), g.t(op, 1), g.t(op, 0, True)
        if inp is not None and inp.dtype in ("int8", "int16"):  # reduce_common.cc:238-241
            s.append(4 * _numel(out))
        s += [4 * len(_shape(inp)), 4 * _numel(axis)]  # reduce_common.cc:247-250
        return _Step(p, s)
    if k in ("REDUCE_MAX", "REDUCE_MIN", "REDUCE_PROD", "REDUCE_ALL", "REDUCE_ANY"):
        inp, axis = g.t(op, 0), g.t(op, 1)
        s += [4 * len(_shape(inp)), 4 * _numel(axis)]  # reduce_common.cc:211-215, 278-282
        return _Step(p, s)
    if k == "MIRROR_PAD":
        rank = len(_shape(g.t(op, 0)))
        return _Step(p, [4 * rank, 4 * rank])  # mirror_pad.cc:196-201
    if k == "SVDF":
        inp, wf, out = g.t(op, 0), g.t(op, 1), g.t(op, 0, True)
        batch = _shape(inp)[0] if _shape(inp) else 0
        filters = _shape(wf)[0] if _shape(wf) else 0
        rank = int(dict(op.options).get("rank", 1) or 1)
        s.append(4 * batch * filters)  # svdf_common.cc:481-483 / 501-503
        if inp is not None and inp.dtype == "int8":
            s.append(4 * batch * (filters // rank))  # svdf_common.cc:486-490
        return _Step(p, s)
    if k == "UNIDIRECTIONAL_SEQUENCE_LSTM":
        inp = g.t(op, 0)
        hidden = g.t(op, 18)  # kLstmOutputStateTensor
        cell = g.t(op, 19)  # kLstmCellStateTensor
        ishape = _shape(inp)
        time_major = bool(dict(op.options).get("time_major", False))
        batch = (ishape[1] if time_major else ishape[0]) if len(ishape) == 3 else 0
        state = _shape(hidden)[-1] if _shape(hidden) else 0
        per = DTYPE_BYTES.get(cell.dtype, 4) if cell is not None else 4
        return _Step(p, [batch * state * per] * 4)  # unidirectional_sequence_lstm.cc:87-93
    if k == "BATCH_MATMUL":
        lhs, rhs, out = g.t(op, 0), g.t(op, 1), g.t(op, 0, True)
        opts = dict(op.options)
        if lhs is not None and lhs.dtype in ("int8", "int16"):
            p.append(28)  # batch_matmul.cc:141-146 QuantizationOpDataBatchMatmul
        for tensor, transposed in ((lhs, opts.get("adj_x", False)), (rhs, not opts.get("adj_y", False))):
            if transposed and tensor is not None:  # batch_matmul.cc:92-122
                p += [
                    SIZEOF_EVAL_TENSOR,
                    _int_array(len(_shape(tensor))),
                    _numel(tensor) * DTYPE_BYTES.get(tensor.dtype, 4),
                ]
        p.append(_int_array(len(_shape(out))))  # batch_matmul_common.cc:41-44 output dims copy
        return _Step(p, s)
    if k in ("GATHER", "GATHER_ND", "SPACE_TO_DEPTH", "DEPTH_TO_SPACE", "EMBEDDING_LOOKUP", "L2_POOL_2D"):
        # CreateWritableTensorDimsWithCopy of the output (kernel_util.cc:128-140)
        return _Step([_int_array(len(_shape(g.t(op, 0, True))))], s)
    if k == "RESHAPE":
        out = g.t(op, 0, True)
        if any(d == -1 for d in _shape(out)):  # reshape_common.cc:67-72
            p.append(_int_array(len(_shape(out))))
        return _Step(p, s)
    if k in INIT_BYTES or k in NO_ALLOCATIONS:
        return _Step(p, s)
    return None


class _Tail:
    """The persistent section: SingleArenaBufferAllocator::AllocatePersistentBuffer aligns each
    allocation down from the tail (single_arena_buffer_allocator.cc:108-123)."""

    def __init__(self, end: int = 0) -> None:
        self.end = end  #: address of the arena's end modulo 16 (0: the end is 16-aligned)
        self.used = 0

    def alloc(self, size: int, align: int = ALIGNMENT) -> None:
        top = self.end - self.used - size
        self.used = self.end - (top - top % align)


def lifetimes(model: Model, scratch: dict[tuple[int, int], list[int]] | None = None) -> tuple[list[Buffer], list[str]]:
    """Buffers TFLM would plan, in AllocationInfo order (every subgraph's tensors by index, then the
    scratch buffers in request order), with TFLM's allocation-scope lifetimes
    (micro_allocation_info.cc:233-330)."""
    scratch = scratch or {}
    first: dict[tuple[int, int], int] = {}
    last: dict[tuple[int, int], int] = {}
    scratch_life: dict[tuple[int, int], tuple[int, int]] = {}
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
            start = scope
            for sub in _called_subgraphs(op.kind, op.options):
                scope += 1
                mark(sub)
            for t in op.inputs:
                if t >= 0:
                    last[(gi, t)] = scope
            for t in op.outputs:
                last[(gi, t)] = scope
            if (gi, op.index) in scratch:
                scratch_life[(gi, op.index)] = (start, scope)
        for t in graph.outputs:
            first.setdefault((gi, t), scope)
            last[(gi, t)] = scope
        visiting.discard(gi)

    if model.graphs:
        mark(0)
    # VAR_HANDLE's Prepare points its output at its OpData's resource id (var_handle.cc:70), so
    # the allocation info finds data already set and does not plan it (micro_allocation_info.cc:202-205)
    preset = {
        (gi, t) for gi, g in enumerate(model.graphs) for op in g.ops if op.kind == "VAR_HANDLE" for t in op.outputs
    }
    buffers: list[Buffer] = []
    unknown: list[str] = []
    for gi, graph in enumerate(model.graphs):
        for tensor in graph.tensors:
            t = tensor.index
            if tensor.is_const or tensor.is_variable or (gi, t) in preset:
                continue
            size = tensor_bytes(() if tensor.shape is None else tensor.shape, tensor.dtype)
            if size is None:
                unknown.append(tensor.name or f"#{t}")
                continue
            if size:  # micro_allocation_info.cc:202-205: needs_allocating
                start = first.get((gi, t), -1)
                buffers.append(Buffer(gi, t, _align(size), start, last.get((gi, t), start)))
    for (gi, oi), sizes in scratch.items():  # in request order: subgraph by subgraph, op by op
        start, end = scratch_life.get((gi, oi), (-1, -1))
        for size in sizes:
            buffers.append(Buffer(gi, -1, _align(size), start, end))
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
    """Arena bytes for the buffers, placed as TFLM's GreedyMemoryPlanner places them.

    CalculateOffsetsIfNeeded (greedy_memory_planner.cc) fills its sort arrays from the back, so
    buffers of equal size are visited in reverse order of addition, then bubble-sorted (stable)
    by decreasing size.  Each buffer goes at the lowest offset below, between or above the
    buffers already placed that are alive at the same time, visited by offset.  Only those
    matter, so placed buffers are found through an index of lifetime blocks rather than by
    scanning all of them (the same offsets; linear instead of quadratic on long models)."""
    order = sorted(reversed(range(len(buffers))), key=lambda i: -buffers[i].size)
    blocks: dict[int, list[tuple[int, int, int, int]]] = {}  # block -> (offset, size, first, last)
    long_lived: list[tuple[int, int, int, int]] = []  # buffers spanning many blocks
    high = 0
    for i in order:
        want = buffers[i]
        first, last, size = want.first, want.last, want.size
        lo, hi = first // _BLOCK, last // _BLOCK
        wide = hi - lo > _SPAN
        searched = blocks.values() if wide else [blocks.get(b, ()) for b in range(lo, hi + 1)]
        candidates = {id(e): e for entries in searched for e in entries}  # once each
        alive = sorted(
            (e for e in [*candidates.values(), *long_lived] if not (e[2] > last or first > e[3])), key=lambda e: e[0]
        )
        offset = 0
        for off, other_size, _, _ in alive:
            if off - offset >= size:
                break  # the gap before this buffer is big enough
            offset = max(offset, off + other_size)
        entry = (offset, size, first, last)
        if wide:
            long_lived.append(entry)
        else:
            for b in range(lo, hi + 1):
                blocks.setdefault(b, []).append(entry)
        high = max(high, offset + size)
    return high


_BLOCK = 32  #: lifetime steps per block of greedy_plan's index
_SPAN = 8  #: buffers alive over more blocks than this are kept in one list, checked every time


def _quant_bytes(tail: _Tail, tensor: Tensor) -> None:
    """PopulateTfLiteTensorFromFlatbuffer's quantization data (micro_allocator.cc:273-320)."""
    q = tensor.quant
    if q is None or q.scale_count == 0 or q.zero_point_count == 0:
        return
    tail.alloc(SIZEOF_AFFINE_QUANTIZATION, 8)
    tail.alloc(_int_array(q.scale_count), 4)


def plan_tflm_arena(model: Model, arena_size: int | None = None) -> ArenaPlan:
    """The arena ``MicroInterpreter::AllocateTensors`` sets up for the model, as the Python
    interpreter's ``RecordingMicroAllocator`` lays it out (arena_size: the arena handed to it,
    whose end alignment shifts the tail's padding; None = an end aligned to 16)."""
    graphs = model.graphs
    tail = _Tail((arena_size or 0) % ALIGNMENT)
    estimated: list[str] = []
    # RecordingMicroAllocator::Create (recording_micro_allocator.cc:45-62)
    tail.alloc(SIZEOF_RECORDING_SINGLE_ARENA_ALLOCATOR, 8)
    tail.alloc(SIZEOF_GREEDY_MEMORY_PLANNER, 8)
    tail.alloc(SIZEOF_RECORDING_MICRO_ALLOCATOR, 8)
    # the Python wrapper's MicroResourceVariables::Create, one per VAR_HANDLE shared_name
    # (python/tflite_micro/interpreter_wrapper.cc:297-300, micro_resource_variable.cc:30-38)
    shared = {dict(op.options).get("shared_name") for g in graphs for op in g.ops if op.kind == "VAR_HANDLE"}
    if shared:
        tail.alloc(SIZEOF_RESOURCE_VARIABLES)
        tail.alloc(SIZEOF_RESOURCE_VARIABLE * len(shared))
    # MicroAllocator::StartModelAllocation (micro_allocator.cc:625-667)
    tail.alloc(SIZEOF_BUILTIN_DATA_ALLOCATOR, 8)
    tail.alloc(SIZEOF_SUBGRAPH_ALLOCATIONS * len(graphs), 8)
    for g in graphs:  # AllocateTfLiteEvalTensors (micro_allocator.cc:1037-1069)
        tail.alloc(SIZEOF_EVAL_TENSOR * len(g.tensors), 8)
    for g in graphs:  # AllocateNodeAndRegistrations (micro_allocator.cc:771-793)
        tail.alloc(SIZEOF_NODE_AND_REGISTRATION * len(g.ops), 8)
    # PrepareNodeAndRegistrationDataFromFlatbuffer: each op's parsed parameters (micro_interpreter.cc:107-195)
    for g in graphs:
        for op in g.ops:
            if op.kind in PARSED_PARAMS:
                tail.alloc(*PARSED_PARAMS[op.kind])
    # InitSubgraphs: each kernel's Init (micro_interpreter_graph.cc:98-134)
    for g in graphs:
        for op in g.ops:
            if op.kind in INIT_BYTES:
                tail.alloc(INIT_BYTES[op.kind])
    # PrepareSubgraphs: each kernel's Prepare (micro_interpreter_graph.cc:136-181)
    scratch: dict[tuple[int, int], list[int]] = {}
    resources_done: set[object] = set()
    handles: dict[int, object] = {}
    for gi, g in enumerate(graphs):
        ctx = _Ctx(g)
        for op in g.ops:
            if op.kind == "VAR_HANDLE":
                for t in op.outputs:
                    handles[t] = (gi, dict(op.options).get("shared_name"))
            step = _prepare(op, ctx)
            if step is None:
                estimated.append(op.kind if op.kind != "CUSTOM" else op.custom_code or "CUSTOM")
                continue
            for size in step.persistent:
                tail.alloc(size)
            if op.kind == "ASSIGN_VARIABLE" and len(op.inputs) > 1:
                # the resource buffer, once per variable (assign_variable.cc:84,
                # micro_resource_variable.cc:83-100)
                key = _resource_key(model, gi, op.inputs[0])
                value = g.tensor(op.inputs[1])
                if key not in resources_done and value is not None:
                    resources_done.add(key)
                    tail.alloc(tensor_bytes(_shape(value), value.dtype) or 0)
            if step.scratch:
                scratch[(gi, op.index)] = step.scratch
    # FinishModelAllocation (micro_allocator.cc:669-688, 1214-1228): the scratch buffer handles, then the plan
    n_scratch = sum(len(v) for v in scratch.values())
    if n_scratch:
        tail.alloc(SIZEOF_SCRATCH_BUFFER_HANDLE * n_scratch, 8)
    for g in graphs:  # AllocateVariables (micro_allocator.cc:1071-1097)
        for tensor in g.tensors:
            if tensor.is_variable:
                tail.alloc(tensor_bytes(_shape(tensor), tensor.dtype) or 0)
    # the interpreter's input and output TfLiteTensors (micro_interpreter.cc:233-270)
    main = graphs[0] if graphs else None
    for ends in (main.inputs, main.outputs) if main else ():
        tail.alloc(8 * len(ends))
        for t in ends:
            tail.alloc(SIZEOF_TFLITE_TENSOR, 8)
            end = main.tensor(t) if main else None
            if end is not None:
                _quant_bytes(tail, end)

    buffers, unknown = lifetimes(model, scratch)
    largest = None
    tensors_only = [b for b in buffers if b.tensor >= 0]
    if tensors_only:
        big = max(tensors_only, key=lambda b: b.size)
        tensor = model.graphs[big.graph].tensors[big.tensor]
        largest = (tensor.name or f"#{big.tensor}", big.size)
    exact = not estimated and not unknown
    return ArenaPlan(
        greedy_plan(buffers), len(buffers), largest, tuple(unknown), tail.used, exact, tuple(sorted(set(estimated)))
    )


def _resource_key(model: Model, gi: int, tensor: int) -> object:
    """The variable an ASSIGN_VARIABLE's resource input names: its VAR_HANDLE's shared_name."""
    for op in model.graphs[gi].ops:
        if op.kind == "VAR_HANDLE" and tensor in op.outputs:
            return dict(op.options).get("shared_name")
    return (gi, tensor)
