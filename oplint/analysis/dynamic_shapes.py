"""Which tensors the TFLite interpreter leaves dynamic when it prepares a graph.

A delegate without ``kTfLiteDelegateFlagsAllowDynamicTensors`` cannot be applied to a graph
whose ``Prepare`` pass leaves a tensor ``kTfLiteDynamic`` (``Subgraph::ModifyGraphWithDelegate``,
``tflite/core/subgraph.cc``: "Attempting to use a delegate that only supports static-sized
tensors with a graph that has dynamic-sized tensors").  Which outputs become dynamic is decided
by each kernel's ``Prepare`` (``tflite/kernels/*.cc`` at the pinned LiteRT commit): mostly an
output whose size depends on the *values* of an input that is neither constant nor
*persistent*.  Persistent tensors are the outputs some kernels compute during ``Prepare``
(``SetTensorToPersistentRo``: SHAPE, RANK, and a few ops when all their inputs are constant or
persistent), which is how a ``SHAPE -> STRIDED_SLICE -> RESHAPE`` chain stays static.

:func:`first_dynamic` walks each graph in execution order, as ``Subgraph::PrepareOpsStartingAt``
does (it stops at the first op with a dynamic output), and returns that op with the kernel line
that makes it dynamic.  Control flow (WHILE, IF) whose body makes its outputs dynamic is not
followed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:  # pragma: no cover
    from ..core.model import Graph, Model, Op, Tensor

KERNELS = "tflite/kernels/"


class Dynamic(NamedTuple):
    op: Op | None  #: None: a graph output that is dynamic before any op runs
    graph: int
    tensor: Tensor | None  #: the dynamic output
    why: str  #: what makes it dynamic, in the user's terms
    source: str  #: the kernel line that calls SetTensorToDynamic


#: the ops of tflite/kernels/reduce.cc (its Prepare sizes the output from the axes)
REDUCE = frozenset({"MEAN", "SUM", "REDUCE_PROD", "REDUCE_MAX", "REDUCE_MIN", "REDUCE_ANY", "REDUCE_ALL"})
#: op -> (input positions whose values size the output, the kernel file:line).  The output is
#: dynamic when any of them is neither constant nor persistent.
VALUE_SIZED: dict[str, tuple[tuple[int, ...], str]] = {
    "ARG_MAX": ((1,), "arg_min_max.cc:139"),
    "ARG_MIN": ((1,), "arg_min_max.cc:139"),
    "BATCH_TO_SPACE_ND": ((1, 2), "batch_to_space_nd.cc:122"),
    "SPACE_TO_BATCH_ND": ((1, 2), "space_to_batch_nd.cc:123"),
    "BROADCAST_TO": ((1,), "broadcast_to.cc:101"),
    "CONV_3D_TRANSPOSE": ((0,), "conv3d_transpose.cc:220"),
    "EXPAND_DIMS": ((1,), "expand_dims.cc:98"),
    "FILL": ((0,), "fill.cc:107"),
    "MIRROR_PAD": ((1,), "mirror_pad.cc:394"),
    "ONE_HOT": ((1,), "one_hot.cc:162"),
    "PAD": ((1,), "pad.cc:426"),
    "PADV2": ((1,), "pad.cc:426"),
    "RANGE": ((0, 1, 2), "range.cc:177"),
    "RESIZE_BILINEAR": ((1,), "resize_bilinear.cc:85"),
    "RESIZE_NEAREST_NEIGHBOR": ((1,), "resize_nearest_neighbor.cc:81"),
    "SCATTER_ND": ((2,), "scatter_nd.cc:124"),
    "SEGMENT_SUM": ((0, 1), "segment_sum.cc:128"),
    "SPARSE_TO_DENSE": ((1,), "sparse_to_dense.cc:194"),
    "SPLIT": ((0,), "split.cc:46"),
    "SPLIT_V": ((1, 2), "split_v.cc:50"),
    "TILE": ((1,), "tile.cc:334"),
    "TRANSPOSE": ((1,), "transpose.cc:85"),
    "WHERE": ((0,), "where.cc:68"),
    "NON_MAX_SUPPRESSION_V4": ((2,), "non_max_suppression.cc:183"),
    "NON_MAX_SUPPRESSION_V5": ((2,), "non_max_suppression.cc:160"),
    **{k: ((1, 2), "unsorted_segment.cc:140") for k in ("UNSORTED_SEGMENT_SUM", "UNSORTED_SEGMENT_PROD")},
    **{k: ((1, 2), "unsorted_segment.cc:140") for k in ("UNSORTED_SEGMENT_MAX", "UNSORTED_SEGMENT_MIN")},
    **{k: ((1,), "reduce.cc:441") for k in REDUCE},
    "RANDOM_UNIFORM": ((0,), "random_ops.cc:189"),
    "RANDOM_STANDARD_NORMAL": ((0,), "random_ops.cc:189"),
    "MULTINOMIAL": ((0, 1), "random_ops.cc:219"),
}
#: tensors of these types are allocated dynamic from the start (Subgraph::SetTensorParametersReadWrite)
UNSIZED_TYPES = frozenset({"string", "resource", "variant"})
SUBGRAPH = "tflite/core/subgraph.cc"
#: ops whose output is always dynamic (its size depends on the data itself)
ALWAYS = {"UNIQUE": "unique.cc:78"}


class _Walk:
    def __init__(self, model: Model, graph: Graph, depth: int = 0) -> None:
        self.model, self.graph, self.depth = model, graph, depth
        self.persistent: set[int] = set()  #: outputs computed during Prepare (SetTensorToPersistentRo)

    def known(self, op: Op, i: int) -> bool:
        """IsConstantOrPersistentTensor for input ``i`` (an absent input is not known)."""
        if i >= len(op.inputs) or op.inputs[i] < 0:
            return False
        t = self.graph.tensor(op.inputs[i])
        return t is not None and (t.is_const or op.inputs[i] in self.persistent)

    def all_known(self, op: Op, positions: tuple[int, ...] | None = None) -> bool:
        indices = range(len(op.inputs)) if positions is None else positions
        return all(self.known(op, i) for i in indices)

    def unspecified(self, op: Op, i: int) -> bool:
        """HasUnspecifiedDimension: a -1 in the tensor's shape signature."""
        t = self.graph.tensor(op.inputs[i]) if i < len(op.inputs) and op.inputs[i] >= 0 else None
        return t is not None and t.shape_signature is not None and -1 in t.shape_signature

    def output(self, op: Op, i: int = 0) -> Tensor | None:
        return self.graph.tensor(op.outputs[i]) if i < len(op.outputs) and op.outputs[i] >= 0 else None

    def dynamic(self, op: Op) -> tuple[str, str] | None:
        """(why, kernel line) when preparing ``op`` leaves an output dynamic."""
        kind = op.kind
        out = self.output(op)
        if kind == "VAR_HANDLE":
            return None  # its resource output is made persistent (var_handle.cc:61)
        for t in op.outputs:
            tensor = self.graph.tensor(t) if t >= 0 else None
            if tensor is not None and tensor.dtype in UNSIZED_TYPES and not tensor.is_const:
                return f"it writes a {tensor.dtype} tensor, which the interpreter sizes at run time", f"{SUBGRAPH}:2038"
        if kind in ("WHILE", "IF"):
            return self.control_flow(op)
        if out is not None and out.dtype == "string" and kind == "RESHAPE":
            return "RESHAPE of a string tensor", "reshape.cc:199"
        if kind in ALWAYS:
            return f"the size of {kind}'s output depends on the data", ALWAYS[kind]
        if kind == "RESHAPE":
            if len(op.inputs) >= 2 and op.inputs[1] >= 0 and not self.known(op, 1):
                return "the new shape is computed at run time", "reshape.cc:154"
            return None
        if kind == "STRIDED_SLICE":
            offset = bool(op.options.get("offset", False))
            if not self.known(op, 3) or not (offset or (self.known(op, 1) and self.known(op, 2))):
                return "the slice bounds are computed at run time", "strided_slice.cc:332"
            return None
        if kind == "SLICE":
            specified = out is not None and out.shape_signature is not None and -1 not in out.shape_signature
            specified = specified or (out is not None and out.shape_signature is None and out.shape is not None)
            if specified:
                return None
            if not self.all_known(op, (1, 2)) or self.unspecified(op, 0):
                return "the slice begin or size is computed at run time", "slice.cc:156"
            return None
        if kind == "TOPK_V2":
            if not self.known(op, 1) or self.unspecified(op, 0):
                return "k is computed at run time", "topk_v2.cc:284"
            return None
        if kind == "TRANSPOSE_CONV":
            shape = self.graph.tensor(op.inputs[0]) if op.inputs and op.inputs[0] >= 0 else None
            if shape is None or not shape.is_const:  # IsConstantTensor: persistent does not count here
                return "the output shape is computed at run time", "transpose_conv.cc:403"
            return None
        if kind in ("PAD", "PADV2"):
            src = self.graph.tensor(op.inputs[0]) if op.inputs and op.inputs[0] >= 0 else None
            if src is not None and src.shape is not None and len(src.shape) == 0:
                return "the padded input has no rank", "pad.cc:426"
        if kind == "READ_VARIABLE" and out is not None and out.shape is not None and len(out.shape) == 0:
            return "the variable's shape is not stored (a scalar or unranked read)", "read_variable.cc:52"
        rule = VALUE_SIZED.get(kind)
        if rule is not None:
            positions, line = rule
            present = tuple(i for i in positions if i < len(op.inputs))
            if present and not self.all_known(op, present):
                names = ", ".join(self._name(op, i) for i in present if not self.known(op, i))
                return f"its output size depends on the values of {names}, computed at run time", line
        return None

    def control_flow(self, op: Op) -> tuple[str, str] | None:
        """WHILE (while.cc 161-189) and IF (if.cc 113-127): outputs are dynamic when a body or
        branch leaves a tensor dynamic, or its output shapes differ from the loop's inputs (WHILE)
        or from the other branch (IF)."""
        if self.depth > 8:
            return None
        keys = ("body_subgraph_index",) if op.kind == "WHILE" else ("then_subgraph_index", "else_subgraph_index")
        graphs = []
        for key in keys:
            index = op.options.get(key)
            if not isinstance(index, int) or not 0 <= index < len(self.model.graphs):
                return None
            graphs.append(self.model.graphs[index])
        line = "while.cc:198" if op.kind == "WHILE" else "if.cc:138"
        for g in graphs:
            if _first_in_graph(self.model, g, self.depth + 1) is not None:
                return f"its {g.name or 'subgraph'} subgraph has a tensor sized at run time", KERNELS + line
        if op.kind == "WHILE":
            body = graphs[0]
            for i, o in zip(body.inputs, body.outputs):
                a, b = body.tensor(i), body.tensor(o)
                shape = _inferred_shape(body, o) or (b.shape if b is not None else None)
                if a is None or b is None or a.shape is None or shape is None or a.shape == shape:
                    continue
                if (a.shape[0] if a.shape else 0) + (shape[0] if shape else 0) == 1:
                    continue
                return f"its loop body changes the shape of {b.name or 'a loop variable'}", KERNELS + line
        else:
            then, other = graphs
            for x, y in zip(then.outputs, other.outputs):
                a, b = then.tensor(x), other.tensor(y)
                if a is not None and b is not None and a.shape != b.shape:
                    return "its branches return tensors of different shapes", KERNELS + line
        return None

    def _name(self, op: Op, i: int) -> str:
        t = self.graph.tensor(op.inputs[i]) if op.inputs[i] >= 0 else None
        return f"input {i} ({t.name})" if t is not None and t.name else f"input {i}"

    def prepared(self, op: Op) -> None:
        """The outputs ``op``'s Prepare computes right away (SetTensorToPersistentRo)."""
        kind = op.kind
        persistent = False
        if kind in ("SHAPE", "RANK"):
            persistent = True  # shape.cc:66, rank.cc:44
        elif kind in ("BROADCAST_ARGS", "CONCATENATION", "GATHER", "MUL", "RANGE"):
            persistent = self.all_known(op)  # broadcast_args.cc:67, concatenation.cc:250, gather.cc:142, ...
        elif kind in REDUCE:
            persistent = self.all_known(op, (0, 1))  # reduce.cc:402 (noop) -> 561
        elif kind == "RESHAPE":
            persistent = self.known(op, 0) and (len(op.inputs) < 2 or op.inputs[1] < 0 or self.known(op, 1))
        elif kind == "STRIDED_SLICE":
            persistent = self.all_known(op, (0, 1, 2))  # strided_slice.cc:338
        elif kind == "TILE":
            persistent = self.all_known(op, (0, 1))  # tile.cc:327
        if persistent:
            self.persistent.update(t for t in op.outputs if t >= 0)


#: ops whose output has their first input's shape (what the body of a growing loop passes through)
SAME_SHAPE = frozenset(
    {
        *("DEQUANTIZE", "QUANTIZE", "CAST", "RELU", "RELU6", "RELU_N1_TO_1", "RELU_0_TO_1", "LEAKY_RELU"),
        *("TANH", "LOGISTIC", "HARD_SWISH", "ELU", "ABS", "NEG", "EXP", "LOG", "SQRT", "RSQRT", "SQUARE"),
        *("SIN", "COS", "FLOOR", "CEIL", "ROUND", "SIGN", "IDENTITY"),
    }
)


def _inferred_shape(graph: Graph, tensor: int, depth: int = 0) -> tuple[int, ...] | None:
    """The shape Prepare gives ``tensor``, where it differs from the stored one in the way loop
    bodies do: a CONCATENATION sizes its output as the inputs' sizes summed on the axis
    (concatenation.cc 168-190), and shape-preserving ops pass that on.  A converter often stores
    a loop variable's first-iteration shape instead.  None: the stored shape."""
    op = graph.producer.get(tensor)
    if op is None or depth > 32:
        return None
    if op.kind in SAME_SHAPE and op.inputs and op.inputs[0] >= 0:
        return _inferred_shape(graph, op.inputs[0], depth + 1)
    if op.kind != "CONCATENATION":
        return None
    shapes = []
    for t in op.inputs:
        stored = graph.tensor(t) if t >= 0 else None
        shapes.append(_inferred_shape(graph, t, depth + 1) or (stored.shape if stored else None))
    if not shapes or any(not sh for sh in shapes):
        return None
    rank = len(shapes[0] or ())
    axis = op.options.get("axis", 0)
    if not isinstance(axis, int) or any(len(sh or ()) != rank for sh in shapes):
        return None
    axis = axis + rank if axis < 0 else axis
    if not 0 <= axis < rank:
        return None
    out = list(shapes[0] or ())
    out[axis] = sum((sh or ())[axis] for sh in shapes)
    return tuple(out)


def first_dynamic(model: Model) -> Dynamic | None:
    """The first op whose Prepare leaves an output dynamic, graph by graph (None: all static);
    computed once per model (the GPU targets both ask)."""
    return model.derived("first-dynamic", lambda: _first(model))


def _first(model: Model) -> Dynamic | None:
    for graph in model.graphs:
        found = _first_in_graph(model, graph)
        if found is not None:
            return found
    return None


def _first_in_graph(model: Model, graph: Graph, depth: int = 0) -> Dynamic | None:
    for t in graph.outputs:  # Subgraph::PrepareOpsStartingAt (1535): the graph's outputs first
        tensor = graph.tensor(t)
        if tensor is not None and tensor.dtype in UNSIZED_TYPES and not tensor.is_const:
            why = f"the graph returns a {tensor.dtype} tensor, which the interpreter sizes at run time"
            return Dynamic(None, graph.index, tensor, why, f"{SUBGRAPH}:2038")
    walk = _Walk(model, graph, depth)
    for op in graph.ops:
        found = walk.dynamic(op)
        if found is not None:
            why, line = found
            source = line if line.startswith("tflite/") else KERNELS + line
            return Dynamic(op, graph.index, walk.output(op), why, source)
        walk.prepared(op)
    return None
