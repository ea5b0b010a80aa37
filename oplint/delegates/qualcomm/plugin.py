"""What LiteRT's Qualcomm compiler plugin does with an op, before QNN sees it (the pinned source).

``LiteRtCompilerPluginPartition`` (``litert/vendors/qualcomm/compiler/qnn_compiler_plugin.cc`` 449)
converts every input and output tensor of every op (``ConvertTensor``: a tensor it cannot convert
fails the whole partition call, and with it the model), then calls the op's builder
(``GetOpBuilders()``), which makes QNN ops or none: no builder, a custom op without a QNN op package,
or one of the builder's own conditions; a builder that cannot read its op's builtin options fails the
whole call too.  :class:`View` is the op with the dimensions and data types QNN is given.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from ...knowledge.sources import Cite, litert
from ..contract import OpVerdict, OpView, Reject, Rejection
from ..litert_npu import composite_name, composites

if TYPE_CHECKING:  # pragma: no cover
    from ...core.model import Model, Op, Tensor

PLUGIN = litert("litert/vendors/qualcomm/compiler/qnn_compiler_plugin.cc")
COMPOSE = litert("litert/vendors/qualcomm/compiler/qnn_compose_graph.cc")
PAD = litert("litert/vendors/qualcomm/core/builders/pad_op_builder.cc")
GATHER = litert("litert/vendors/qualcomm/core/builders/gather_op_builder.cc")
SPATIAL = litert("litert/vendors/qualcomm/core/builders/spatial_transform_nd_op_builder.cc")
TRANSPOSE = litert("litert/vendors/qualcomm/core/builders/transpose_op_builder.cc")
REDUCE = litert("litert/vendors/qualcomm/core/builders/reduce_op_builder.cc")
STRIDED = litert("litert/vendors/qualcomm/core/builders/strided_slice_op_builder.cc")
SPLIT = litert("litert/vendors/qualcomm/core/builders/split_op_builder.cc")
SPLITV = litert("litert/vendors/qualcomm/core/builders/splitv_op_builder.cc")
PRELU = litert("litert/vendors/qualcomm/core/builders/prelu_op_builder.cc")
ARGMINMAX = litert("litert/vendors/qualcomm/core/builders/arg_min_max_op_builder.cc")
SLICE = litert("litert/vendors/qualcomm/core/builders/slice_op_builder.cc")
TILE = litert("litert/vendors/qualcomm/core/builders/tile_op_builder.cc")
ONEHOT = litert("litert/vendors/qualcomm/core/builders/onehot_op_builder.cc")
REVERSE = litert("litert/vendors/qualcomm/core/builders/reverse_op_builder.cc")
SCATTER = litert("litert/vendors/qualcomm/core/builders/scatter_nd_op_builder.cc")
CUMSUM = litert("litert/vendors/qualcomm/core/builders/cumsum_op_builder.cc")
DUS = litert("litert/vendors/qualcomm/core/builders/dynamic_update_slice_op_builder.cc")

#: ``GetOpBuilders()``: the builtins the plugin has a builder for (every other op stays on the CPU)
BUILDERS = {
    "ADD": COMPOSE(1490),
    "AVERAGE_POOL_2D": COMPOSE(1491),
    "CONCATENATION": COMPOSE(1492),
    "CONV_2D": COMPOSE(1493),
    "DEPTHWISE_CONV_2D": COMPOSE(1494),
    "DEPTH_TO_SPACE": COMPOSE(1495),
    "DEQUANTIZE": COMPOSE(1496),
    "EMBEDDING_LOOKUP": COMPOSE(1497),
    "FLOOR": COMPOSE(1498),
    "FULLY_CONNECTED": COMPOSE(1499),
    "L2_NORMALIZATION": COMPOSE(1500),
    "L2_POOL_2D": COMPOSE(1501),
    "LOGISTIC": COMPOSE(1502),
    "MAX_POOL_2D": COMPOSE(1503),
    "MUL": COMPOSE(1504),
    "RELU": COMPOSE(1505),
    "RELU_N1_TO_1": COMPOSE(1506),
    "RELU6": COMPOSE(1507),
    "RESHAPE": COMPOSE(1508),
    "RESIZE_BILINEAR": COMPOSE(1509),
    "SOFTMAX": COMPOSE(1510),
    "SPACE_TO_DEPTH": COMPOSE(1511),
    "BATCH_TO_SPACE_ND": COMPOSE(1512),
    "SPACE_TO_BATCH_ND": COMPOSE(1513),
    "TANH": COMPOSE(1514),
    "PAD": COMPOSE(1515),
    "GATHER": COMPOSE(1516),
    "TRANSPOSE": COMPOSE(1517),
    "MEAN": COMPOSE(1518),
    "SUB": COMPOSE(1519),
    "DIV": COMPOSE(1520),
    "STRIDED_SLICE": COMPOSE(1521),
    "EXP": COMPOSE(1522),
    "TOPK_V2": COMPOSE(1523),
    "SPLIT": COMPOSE(1524),
    "SPLIT_V": COMPOSE(1525),
    "LOG_SOFTMAX": COMPOSE(1526),
    "CAST": COMPOSE(1527),
    "PRELU": COMPOSE(1528),
    "MAXIMUM": COMPOSE(1529),
    "ARG_MAX": COMPOSE(1530),
    "MINIMUM": COMPOSE(1531),
    "LESS": COMPOSE(1532),
    "NEG": COMPOSE(1533),
    "PADV2": COMPOSE(1534),
    "GREATER": COMPOSE(1535),
    "GREATER_EQUAL": COMPOSE(1536),
    "LESS_EQUAL": COMPOSE(1537),
    "SELECT": COMPOSE(1538),
    "SLICE": COMPOSE(1539),
    "SIN": COMPOSE(1540),
    "TRANSPOSE_CONV": COMPOSE(1541),
    "TILE": COMPOSE(1542),
    "EQUAL": COMPOSE(1543),
    "NOT_EQUAL": COMPOSE(1544),
    "LOG": COMPOSE(1545),
    "SUM": COMPOSE(1546),
    "SQRT": COMPOSE(1547),
    "RSQRT": COMPOSE(1548),
    "POW": COMPOSE(1549),
    "ARG_MIN": COMPOSE(1550),
    "REDUCE_MAX": COMPOSE(1551),
    "PACK": COMPOSE(1552),
    "LOGICAL_OR": COMPOSE(1553),
    "ONE_HOT": COMPOSE(1554),
    "LOGICAL_AND": COMPOSE(1555),
    "LOGICAL_NOT": COMPOSE(1556),
    "UNPACK": COMPOSE(1557),
    "REDUCE_MIN": COMPOSE(1558),
    "FLOOR_DIV": COMPOSE(1559),
    "FLOOR_MOD": COMPOSE(1560),
    "REDUCE_ANY": COMPOSE(1561),
    "SQUARE": COMPOSE(1562),
    "RESIZE_NEAREST_NEIGHBOR": COMPOSE(1563),
    "LEAKY_RELU": COMPOSE(1565),
    "SQUARED_DIFFERENCE": COMPOSE(1566),
    "MIRROR_PAD": COMPOSE(1567),
    "ABS": COMPOSE(1568),
    "CEIL": COMPOSE(1569),
    "REVERSE_V2": COMPOSE(1570),
    "GATHER_ND": COMPOSE(1571),
    "COS": COMPOSE(1572),
    "ELU": COMPOSE(1573),
    "QUANTIZE": COMPOSE(1574),
    "ROUND": COMPOSE(1575),
    "HARD_SWISH": COMPOSE(1576),
    "SCATTER_ND": COMPOSE(1577),
    "SELECT_V2": COMPOSE(1578),
    "BATCH_MATMUL": COMPOSE(1579),
    "CUMSUM": COMPOSE(1580),
    "BROADCAST_TO": COMPOSE(1581),
    "CONV_3D": COMPOSE(1582),
    "REDUCE_ALL": COMPOSE(1583),
    "GELU": COMPOSE(1584),
    "DYNAMIC_UPDATE_SLICE": COMPOSE(1585),
    "RELU_0_TO_1": COMPOSE(1587),
    "SIGN": COMPOSE(1588),
    "STABLEHLO_COMPOSITE": COMPOSE(1589),
}

#: builders that read their op's builtin options and fail the whole partition without them
#: (``GetOptionsAs`` fails when the options table is absent; ``return kLiteRtStatusErrorInvalidArgument``)
OPTIONS_READ = dict(
    (
        ("CONCATENATION", COMPOSE(639)),
        ("ADD", COMPOSE(667)),
        ("DIV", COMPOSE(690)),
        ("MUL", COMPOSE(712)),
        ("SUB", COMPOSE(735)),
        ("FULLY_CONNECTED", COMPOSE(759)),
        ("GATHER", COMPOSE(784)),
        ("BATCH_MATMUL", COMPOSE(802)),
        ("SUM", COMPOSE(820)),
        ("MEAN", COMPOSE(836)),
        ("REDUCE_MAX", COMPOSE(853)),
        ("REDUCE_MIN", COMPOSE(870)),
        ("REDUCE_ALL", COMPOSE(887)),
        ("REDUCE_ANY", COMPOSE(904)),
        ("SOFTMAX", COMPOSE(921)),
        ("SPLIT", COMPOSE(938)),
        ("SPLIT_V", COMPOSE(952)),
        ("PACK", COMPOSE(1002)),
        ("UNPACK", COMPOSE(1019)),
        ("STABLEHLO_COMPOSITE", COMPOSE(1044)),
        ("CONV_2D", COMPOSE(1094)),
        ("CONV_3D", COMPOSE(1127)),
        ("TRANSPOSE_CONV", COMPOSE(1162)),
        ("DEPTHWISE_CONV_2D", COMPOSE(1192)),
        ("AVERAGE_POOL_2D", COMPOSE(1224)),
        ("MAX_POOL_2D", COMPOSE(1256)),
        ("L2_POOL_2D", COMPOSE(1288)),
        ("DEPTH_TO_SPACE", COMPOSE(1320)),
        ("SPACE_TO_DEPTH", COMPOSE(1337)),
        ("LEAKY_RELU", COMPOSE(1354)),
        ("RESIZE_BILINEAR", COMPOSE(1371)),
        ("RESIZE_NEAREST_NEIGHBOR", COMPOSE(1390)),
        ("MIRROR_PAD", COMPOSE(1409)),
        ("CUMSUM", COMPOSE(1426)),
        ("STRIDED_SLICE", COMPOSE(1444)),
        ("ONE_HOT", COMPOSE(1479)),
    )
)

#: ``ConvertDataType`` (qnn_compose_graph.cc 163-222): TFLite type -> QNN type (quantized, plain)
QNN_TYPES: dict[str, tuple[str, str]] = {
    "bool": ("BOOL_8", "BOOL_8"),
    "int4": ("SFIXED_POINT_8", "SFIXED_POINT_8"),
    "int2": ("SFIXED_POINT_8", "SFIXED_POINT_8"),
    "int8": ("SFIXED_POINT_8", "INT_8"),
    "int16": ("SFIXED_POINT_16", "INT_16"),
    "int32": ("SFIXED_POINT_32", "INT_32"),
    "int64": ("INT_64", "INT_64"),
    "uint8": ("UFIXED_POINT_8", "UINT_8"),
    "uint16": ("UFIXED_POINT_16", "UINT_16"),
    "uint32": ("UFIXED_POINT_32", "UINT_32"),
    "uint64": ("UINT_64", "UINT_64"),
    "float16": ("FLOAT_16", "FLOAT_16"),
    "float32": ("FLOAT_32", "FLOAT_32"),
    "float64": ("FLOAT_64", "FLOAT_64"),
}
#: LiteRT's element type numbers, which QNN's message prints ("litert type: 5")
LITERT_TYPE = {"string": 5, "complex64": 8, "complex128": 12, "resource": 14, "variant": 15, "bfloat16": 13}

ROLLOUT = (
    "the whole model stays on the CPU: the Qualcomm plugin's partition call fails, so nothing is compiled for the NPU"
)
FIXED_SHAPES = (
    "convert with fixed input shapes (a concrete function or Keras Input with a fixed batch and sequence "
    "length), so the converter folds the shape computations into constants"
)
FULL_INT8 = (
    "quantize the whole model to int8 (converter.optimizations = [tf.lite.Optimize.DEFAULT] with a "
    "representative_dataset and target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8])"
)


def qnn_dims(t: Tensor) -> list[int] | None:
    """The dimensions ``ConvertTensor`` gives QNN: a dynamic (-1) dimension reads as 1, rank 0 as
    ``[1]`` (qnn_compose_graph.cc 244-258); None for an unranked tensor."""
    sig = (
        t.shape_signature if t.shape_signature is not None and len(t.shape_signature) == len(t.shape or ()) else t.shape
    )
    if sig is None:
        return None
    return [1 if d < 0 else d for d in sig] or [1]


def qnn_type(t: Tensor) -> str | None:
    pair = QNN_TYPES.get(t.dtype)
    return None if pair is None else pair[0 if t.quantized else 1]


class View(OpView):
    """One op, with the tensor views QNN's builders and validator see."""

    def t(self, i: int) -> Tensor | None:
        return self.input(i)

    def out(self, i: int = 0) -> Tensor | None:
        return self.output(i)

    def tensors(self) -> Iterable[tuple[Tensor, bool]]:
        """(tensor, is it an output) of every present input and output."""
        for i in range(len(self.op.inputs)):
            t = self.input(i)
            if t is not None:
                yield t, False
        for i in range(len(self.op.outputs)):
            t = self.output(i)
            if t is not None:
                yield t, True

    def activation(self) -> Tensor | None:
        """The data input: the first non-constant input (TRANSPOSE_CONV's is input 2)."""
        if self.op.kind == "TRANSPOSE_CONV":
            return self.t(2)
        for i in range(len(self.op.inputs)):
            t = self.input(i)
            if t is not None and not self.is_const(i):
                return t
        return self.t(0)

    @property
    def fused(self) -> str:
        return str(self.opt("fused_activation_function", "NONE") or "NONE")


# -- 1. whole-model refusals of the partition call --------------------------------------------
def partition_rejection(model: Model, verdicts: dict[tuple[int, int], OpVerdict]) -> Rejection | None:
    """What makes ``LiteRtCompilerPluginPartition`` fail, and with it the whole model.  The plugin sees
    every subgraph but the decompositions of composites it takes (``verdicts`` says which)."""
    comps = composites(model)
    for graph in model.graphs:
        comp = comps.get(graph.index)
        if comp is not None and (owner := verdicts.get(comp.op.key)) is not None and owner.supported:
            continue  # a decomposition the plugin never sees
        for op in graph.ops:
            view = View(model, graph, op)
            for t, _output in view.tensors():
                found = _convert_tensor(t)
                if found is not None:
                    message, cite, hint = found
                    return Rejection(f"{op.display} (op {op.index}): {message}", ROLLOUT, op, cite, hint=hint)
            if op.kind in OPTIONS_READ and not _has_options(op):
                message = (
                    f"{op.display} (op {op.index}) has no builtin options, and the plugin's {op.kind} builder "
                    "cannot be built without them"
                )
                hint = "re-convert the model with a current TFLite converter, which writes every op's options"
                return Rejection(message, ROLLOUT, op, OPTIONS_READ[op.kind], hint=hint)
    return None


def _has_options(op: Op) -> bool:
    return any(key != "custom_options_size" for key in op.options)


def _convert_tensor(t: Tensor) -> tuple[str, Cite, str | None] | None:
    """``ConvertTensor`` (qnn_compose_graph.cc 224): why it fails for a tensor, if it does."""
    if t.shape is None:
        return f"{t.describe()} has no rank, and QNN takes ranked tensors only", COMPOSE(231), FIXED_SHAPES
    if t.dtype not in QNN_TYPES:
        code = LITERT_TYPE.get(t.dtype)
        said = (
            f"'QNN Unsupported data type, litert type: {code}'" if code is not None else "'QNN Unsupported data type'"
        )
        hint = {
            "string": "keep string processing (tokenizers, lookups) outside the model you compile for the NPU",
            "resource": "remove resource variables (VAR_HANDLE, hash tables) from the model you compile for the NPU",
            "complex64": "compute the FFT outside the NPU model, or with real-valued ops (a DFT as matmuls)",
        }.get(t.dtype)
        return f"{t.describe()} has a type QNN cannot represent: {said}", COMPOSE(217), hint
    if t.quant is not None and t.quant.details == "blockwise":
        hint = (
            "quantize the weights per-channel (ai-edge-quantizer's channel-wise recipe) instead of block-wise; "
            "LiteRT's Qualcomm plugin converts per-tensor and per-channel scales only"
        )
        return f"{t.describe()} is block-wise quantized: 'Unsupported quantization type.'", COMPOSE(318), hint
    return None


# -- 2. the builders ------------------------------------------------------------------------
NOT_BUILT_HINTS = {
    "EXPAND_DIMS": "use RESHAPE (tf.reshape) instead of tf.expand_dims: the plugin has a RESHAPE builder",
    "SQUEEZE": "use RESHAPE (tf.reshape) instead of tf.squeeze: the plugin has a RESHAPE builder",
    "SHAPE": FIXED_SHAPES,
    "WHILE": "unroll the loop (Keras RNN layers: unroll=True, with a fixed sequence length), so no WHILE is left",
    "IF": "compute both branches and pick with tf.where (SELECT_V2), so no IF is left",
    "UNIDIRECTIONAL_SEQUENCE_LSTM": "unroll the LSTM (unroll=True), so it becomes ops the plugin builds",
    "CALL_ONCE": "remove the variable initialisation (CALL_ONCE) from the model you compile for the NPU",
}


def builder_check(v: View) -> None:
    """The builder's own conditions (each ``return {}`` / ``return res`` without QNN ops)."""
    kind = v.op.kind
    if kind in ("PAD", "PADV2", "MIRROR_PAD"):
        if not v.is_const(1):
            raise Reject(
                "the paddings are not constant: 'QNN only support static pad amount tensor.'", PAD(80), FIXED_SHAPES
            )
        if kind != "MIRROR_PAD":
            x = v.t(0)
            quantized = x is not None and x.quantized and x.dtype in ("int8", "uint8", "int16", "uint16")
            if x is not None and not quantized and x.dtype not in ("float16", "float32"):
                raise Reject(f"{x.describe()}: 'Unsupported input tensor type.'", PAD(139))
            if kind == "PADV2" and v.t(2) is not None and not v.is_const(2):
                cite = PAD(36) if quantized else PAD(129)
                raise Reject("the pad value is not constant: 'Failed to get pad const value data.'", cite, FIXED_SHAPES)
            if quantized and v.t(2) is None and x is not None and x.quant is not None and x.quant.per_channel:
                raise Reject(
                    "'Unsupported quantization type type for pad const value tensor.' (per-channel input)", PAD(115)
                )
    elif kind == "GATHER":
        if int(v.opt("batch_dims", 0) or 0) != 0:
            raise Reject("batch_dims is not 0: 'The batch dimension of Gather OP is not equal to 0.'", GATHER(25))
    elif kind in ("SPACE_TO_BATCH_ND", "BATCH_TO_SPACE_ND"):
        if not (v.is_const(1) and v.is_const(2)):
            raise Reject(
                "block_shape or crops/paddings are not constant: "
                "'QNN only supports static block_shape and crops/paddings.'",
                SPATIAL(38),
                FIXED_SHAPES,
            )
    elif kind == "TRANSPOSE":
        if not v.is_const(1):
            raise Reject(
                "the permutation is not constant: 'The param 'perm' of Transpose OP is not static.'", TRANSPOSE(26)
            )
    elif kind in ("MEAN", "SUM", "REDUCE_MAX", "REDUCE_MIN", "REDUCE_ANY", "REDUCE_ALL"):
        axis = v.t(1)
        if not v.is_const(1) or axis is None or len(qnn_dims(axis) or ()) != 1:
            raise Reject("the reduction axes are not a constant 1-D tensor", REDUCE(31), FIXED_SHAPES)
    elif kind == "STRIDED_SLICE":
        if int(v.opt("ellipsis_mask", 0) or 0) != 0:
            raise Reject("ellipsis_mask is set: 'Only ellipsis_mask with a value of 0 is supported.'", STRIDED(35))
        if not (v.is_const(1) and v.is_const(2) and v.is_const(3)):
            raise Reject("begin, end or strides are not constant", STRIDED(44), FIXED_SHAPES)
    elif kind == "TOPK_V2":
        k = v.t(1)
        if not v.is_const(1) or k is None or elements(k.shape) != 1:
            raise Reject(
                "k is not a constant of one element: 'The param 'k' of TopK OP is not static or not 1 element'",
                COMPOSE(968),
                FIXED_SHAPES,
            )
        if k.dtype not in ("int32", "uint32"):
            raise Reject(f"k is {k.dtype}: 'Unsupported data type ... for k in TopK OP'", COMPOSE(985))
    elif kind == "SPLIT":
        if not v.is_const(0):
            raise Reject("the split axis is not constant", SPLIT(31))
    elif kind == "SPLIT_V":
        if not (v.is_const(1) and v.is_const(2)):
            raise Reject(
                "the axis or size_splits are not constant: 'SplitV axis and size_splits tensors must be static.'",
                SPLITV(52),
            )
        sizes = v.t(1)
        if sizes is not None and sizes.dtype not in ("int32", "int64"):
            raise Reject("'SplitV size_splits tensor must be INT32 or INT64.'", SPLITV(100))
    elif kind == "PRELU":
        if len(v.op.outputs) != 1:
            raise Reject("'Prelu op must have exactly one output tensor.'", PRELU(25))
    elif kind in ("ARG_MAX", "ARG_MIN"):
        if not v.is_const(1):
            raise Reject("the axis is not constant: 'Unsupported non static axis tensor'", ARGMINMAX(49))
        axis = v.t(1)
        if axis is not None and axis.dtype not in ("int32", "int64"):
            raise Reject(f"the axis is {axis.dtype}: only int32 or int64 axes are read", ARGMINMAX(56))
    elif kind == "SLICE":
        if not (v.is_const(1) and v.is_const(2)):
            raise Reject("begin or size are not constant", SLICE(34), FIXED_SHAPES)
    elif kind == "TILE":
        if not v.is_const(1):
            raise Reject(
                "the multiples are not constant: 'The multiples param of Tile OP is not static.'",
                TILE(27),
                FIXED_SHAPES,
            )
    elif kind == "ONE_HOT":
        if not all(v.is_const(i) and (t := v.t(i)) is not None and elements(t.shape) == 1 for i in (1, 2, 3)):
            raise Reject("'Depth, on value, and off value must be static scalars.'", ONEHOT(50))
        on, off, out = v.t(2), v.t(3), v.out()
        if (
            on is not None
            and off is not None
            and out is not None
            and len({qnn_type(on), qnn_type(off), qnn_type(out)}) > 1
        ):
            raise Reject("the on/off values and the output have different types", ONEHOT(56))
    elif kind == "REVERSE_V2":
        axis = v.t(1)
        if not v.is_const(1):
            raise Reject("'ReverseV2 axis tensor must be static.'", REVERSE(34))
        if axis is not None and (len(axis.shape or ()) != 1 or (axis.shape or (0,))[0] != 1):
            raise Reject("more than one axis: 'Qnn supports ReverseV2 with a single axis for now.'", REVERSE(40))
        if axis is not None and qnn_type(axis) != "INT_32":
            raise Reject("'ReverseV2 axis tensor must be int32 datatype.'", REVERSE(45))
    elif kind == "SCATTER_ND":
        if not v.is_const(2):
            raise Reject("the output shape is not constant", SCATTER(40), FIXED_SHAPES)
    elif kind == "CUMSUM":
        if not v.is_const(1):
            raise Reject("'Axis tensor must be static in Cumsum op.'", CUMSUM(33))
    elif kind == "DYNAMIC_UPDATE_SLICE":
        x, update, start = v.t(0), v.t(1), v.t(2)
        if x is not None and update is not None and len(x.shape or ()) != len(update.shape or ()):
            raise Reject("the operand and the update have different ranks", DUS(64))
        if start is not None and qnn_type(start) != "INT_32":
            raise Reject(f"the start indices are {start.dtype}, not int32", DUS(71))
        if x is not None and len(x.shape or ()) < 2:
            raise Reject("the operand has rank < 2", DUS(95))
    elif kind == "STABLEHLO_COMPOSITE":
        name = composite_name(v.op)
        if name not in ("odml.rms_norm", "odml.group_norm", "odml.l2_norm"):
            raise Reject(
                f"composite {name or '(unnamed)'!r}: the plugin builds only odml.rms_norm, odml.group_norm and "
                "odml.l2_norm",
                COMPOSE(1046),
            )


def elements(shape: tuple[int, ...] | None) -> int:
    n = 1
    for d in shape or ():
        n *= d
    return n
