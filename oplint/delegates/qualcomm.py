"""Qualcomm NPUs (QNN / Hexagon HTP) through LiteRT's Qualcomm compiler plugin.

What ``LiteRtCompilerPluginPartition`` (``litert/vendors/qualcomm/compiler/qnn_compiler_plugin.cc``)
does with each op, at the pinned LiteRT commit, and what QNN's closed validator and compiler did with
the corpus when ai-edge-litert 2.3.0 ran them here (``fixtures/npu/VERDICTS.json``,
``fixtures/npu/QNN_REASONS.json``):

1. every input and output tensor of every op goes through ``ConvertTensor``: a tensor it cannot
   convert (unranked, a type outside ``ConvertDataType``, block-wise quantization) fails the whole
   partition call, so nothing of the model reaches the NPU (a runtime-stage
   :class:`~oplint.delegates.contract.Rejection`, OPL304); so does a builder that cannot read its
   op's options;
2. the op's builder (``GetOpBuilders()``) turns it into QNN ops, or leaves it on the CPU: no builder,
   a custom op without a QNN op package, or one of the builder's own conditions (constant operands,
   masks, axes);
3. QNN's validator (``backendValidateOpConfig`` of the SoC's HTP backend, closed source) must accept
   every QNN op the builder made.  Its decisions are not in the LiteRT tree; :data:`VALIDATOR` lists
   those the recorded runs show (data type combinations, the shapes it checks), each with the model
   and op it was measured on and, where QNN said it, its words.  Some depend on the HTP generation
   (the SoC's ``supported_soc.csv`` row): ``qualcomm@SM8350`` (v68) refuses what ``qualcomm@SM8650``
   (v75) takes;
4. the compile (``--cmd=apply``) prepares each partition for the SoC's HTP and can fail as a whole:
   :data:`COMPILE` lists the causes the recorded compiles show; a predicted failure is a
   compiler-stage rejection (OPL324).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, NamedTuple

from ..knowledge.sources import Cite, litert
from .contract import Assessment, Delegate, OpVerdict, OpView, Reject, Rejection
from .litert_npu import compiled, compiled_assessment, composite_name, loader_rejection, plugin_verdicts

if TYPE_CHECKING:  # pragma: no cover
    from ..core.model import Graph, Model, Op, Tensor
    from ..knowledge.targets import Target

PLUGIN = litert("litert/vendors/qualcomm/compiler/qnn_compiler_plugin.cc")
COMPOSE = litert("litert/vendors/qualcomm/compiler/qnn_compose_graph.cc")
MANAGER = litert("litert/vendors/qualcomm/qnn_manager.cc")
SOCS = litert("litert/vendors/qualcomm/supported_soc.csv")
OP_BUILDER = litert("litert/vendors/qualcomm/core/builders/op_builder.cc")
CONV2D = litert("litert/vendors/qualcomm/core/builders/conv2d_op_builder.cc")
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

#: where QNN's HTP validator is called: what it refuses is decided in QNN's closed library
VALIDATE = MANAGER(461)
RECORD = "fixtures/npu/VERDICTS.json"
REASONS = "fixtures/npu/QNN_REASONS.json"
DEFAULT_SOC = "SM8650"
SOC_OPTION = "soc"

#: SoC -> its HTP architecture (``supported_soc.csv``: manufacturer, model, runtime library version, ...)
SOC_ARCH: dict[str, tuple[str, Cite]] = {
    "SW6100": ("v81", SOCS(2)),
    "SM8850": ("v81", SOCS(3)),
    "SM8750": ("v79", SOCS(4)),
    "QCS8625": ("v75", SOCS(5)),
    "SM8650": ("v75", SOCS(6)),
    "QCS8300": ("v75", SOCS(7)),
    "QCS8275": ("v75", SOCS(8)),
    "QCM6690": ("v73", SOCS(9)),
    "QCS6690": ("v73", SOCS(10)),
    "QCS9100": ("v73", SOCS(11)),
    "QCS9075": ("v73", SOCS(12)),
    "SSG2125P": ("v73", SOCS(13)),
    "SSG2115P": ("v73", SOCS(14)),
    "SAR2130P": ("v73", SOCS(15)),
    "SM8635": ("v73", SOCS(16)),
    "SM8550": ("v73", SOCS(17)),
    "SM7675": ("v73", SOCS(18)),
    "SM7550": ("v73", SOCS(19)),
    "SM7435": ("v73", SOCS(20)),
    "SM6450": ("v73", SOCS(21)),
    "QCM8550LA": ("v73", SOCS(22)),
    "QCM8550LE": ("v73", SOCS(23)),
    "SC8380XP": ("v73", SOCS(24)),
    "SC8480XP": ("v81", SOCS(25)),
    "SM8475": ("v69", SOCS(26)),
    "SM8450": ("v69", SOCS(27)),
    "SM7475": ("v69", SOCS(28)),
    "SM7450": ("v69", SOCS(29)),
    "SM7425": ("v69", SOCS(30)),
    "SXR2230P": ("v69", SOCS(31)),
    "SXR2250P": ("v69", SOCS(32)),
    "SM8350": ("v68", SOCS(33)),
    "SM8350P": ("v68", SOCS(34)),
    "SM7350": ("v68", SOCS(35)),
    "SM7325": ("v68", SOCS(36)),
    "SM7315": ("v68", SOCS(37)),
    "QCM6490": ("v68", SOCS(38)),
    "SDM865": ("v66", SOCS(39)),
    "SM8250": ("v66", SOCS(40)),
    "SM8150": ("v66", SOCS(41)),
    "SM7250": ("v66", SOCS(42)),
    "SM7225": ("v66", SOCS(43)),
    "SM7125": ("v66", SOCS(44)),
    "SM6350": ("v66", SOCS(45)),
    "SM6225": ("v66", SOCS(46)),
    "SM6150": ("v66", SOCS(47)),
    "SM6125": ("v66", SOCS(48)),
    "SM4350": ("v66", SOCS(49)),
    "QRB5165U": ("v66", SOCS(50)),
    "QRB5165LE": ("v66", SOCS(51)),
    "QCS7230LA": ("v66", SOCS(52)),
    "QCS7230LE": ("v66", SOCS(53)),
    "SM6375": ("v66", SOCS(54)),
    "SM7150": ("v65", SOCS(55)),
    "SDM845": ("v65", SOCS(56)),
    "SA8295": ("v68", SOCS(57)),
    "SXR1230P": ("v73", SOCS(58)),
    "SA8255": ("v73", SOCS(59)),
    "SAR2230P": ("v81", SOCS(60)),
    "SXR2330P": ("v79", SOCS(61)),
    "SM8845": ("v81", SOCS(64)),
    "SM8845P": ("v81", SOCS(65)),
}

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


class Settings(NamedTuple):
    soc: str
    arch: str  #: "v75"

    @property
    def generation(self) -> int:
        """75 for v75."""
        return int(self.arch[1:]) if self.arch[1:].isdigit() else 0

    @classmethod
    def of(cls, target: Target) -> Settings:
        soc = str(target.delegate_options.get(SOC_OPTION, DEFAULT_SOC))
        arch = SOC_ARCH.get(soc, SOC_ARCH[DEFAULT_SOC])[0]
        return cls(soc, arch)


# -- the op as the plugin sees it -------------------------------------------------------------
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


class _Op(OpView):
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
    from .litert_npu import composites

    comps = composites(model)
    for graph in model.graphs:
        comp = comps.get(graph.index)
        if comp is not None and (owner := verdicts.get(comp.op.key)) is not None and owner.supported:
            continue  # a decomposition the plugin never sees
        for op in graph.ops:
            view = _Op(model, graph, op)
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


def builder_check(v: _Op) -> None:
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
        if not v.is_const(1) or k is None or _elements(k.shape) != 1:
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
        if not all(v.is_const(i) and _elements((v.t(i) or _NONE).shape) == 1 for i in (1, 2, 3)):
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


class _Nothing(NamedTuple):
    shape: tuple[int, ...] | None = None


_NONE = _Nothing()


def _elements(shape: tuple[int, ...] | None) -> int:
    n = 1
    for d in shape or ():
        n *= d
    return n


# -- 3. QNN's validator, as measured -----------------------------------------------------------
class Measured(NamedTuple):
    """A decision of QNN's closed HTP validator, seen in the recorded runs."""

    name: str
    test: Callable[[_Op, Settings], str | None]  #: what the op has that QNN refuses, or None
    qnn_op: str | None  #: the QNN op the validator refused for the evidence (QNN_REASONS.json)
    says: str  #: what QNN printed about it
    evidence: str  #: a model key of fixtures/npu/VERDICTS.json and the op it was measured on
    hint: str | None = None


def _float(t: Tensor | None) -> bool:
    return t is not None and t.dtype in ("float32", "float16")


def _hybrid_conv(v: _Op, s: Settings) -> str | None:
    if v.op.kind not in ("CONV_2D", "DEPTHWISE_CONV_2D", "TRANSPOSE_CONV"):
        return None
    x, w = v.activation(), v.t(1)
    if _float(x) and w is not None and w.dtype in ("int8", "int4") and w.quantized:
        return (
            f"float activations ({x.dtype if x else '?'}) with {w.dtype} quantized weights (dynamic-range quantization)"
        )
    return None


def _fc_int4_float(v: _Op, s: Settings) -> str | None:
    if v.op.kind == "FULLY_CONNECTED" and _float(v.t(0)) and (w := v.t(1)) is not None and w.dtype == "int4":
        return "float activations with int4 weights"
    return None


def _relu_min_max_int16(v: _Op, s: Settings) -> str | None:
    out = v.out()
    if out is None or out.dtype != "int16":
        return None
    if v.op.kind in ("RELU6", "RELU_N1_TO_1", "RELU_0_TO_1"):
        return f"{v.op.kind} on int16 (QNN ReluMinMax, SFIXED_POINT_16)"
    if v.fused in ("RELU6", "RELU_N1_TO_1"):
        return f"a fused {v.fused} on an int16 output (QNN ReluMinMax, SFIXED_POINT_16)"
    return None


def _depthwise_int64_bias(v: _Op, s: Settings) -> str | None:
    bias = v.t(2)
    if v.op.kind == "DEPTHWISE_CONV_2D" and bias is not None and bias.dtype == "int64":
        return (
            "an int64 bias (16x8 quantization), which the plugin converts to int32 for CONV_2D and FULLY_CONNECTED only"
        )
    return None


def _signature(
    kind: str, dtype: str, what: str, quantized: bool | None = True
) -> Callable[[_Op, Settings], str | None]:
    def test(v: _Op, s: Settings) -> str | None:
        x = v.activation()
        if v.op.kind == kind and x is not None and x.dtype == dtype and (quantized is None or x.quantized == quantized):
            return what
        return None

    return test


def _argmax_int64(v: _Op, s: Settings) -> str | None:
    out = v.out()
    if v.op.kind in ("ARG_MAX", "ARG_MIN") and out is not None and out.dtype == "int64":
        return "an int64 output"
    return None


_CAST_REFUSED = {("int8", "float32"), ("float32", "int8"), ("int32", "int8"), ("int16", "float32")}


def _cast(v: _Op, s: Settings) -> str | None:
    x, out = v.t(0), v.out()
    if v.op.kind != "CAST" or x is None or out is None or x.quantized or out.quantized:
        return None
    if (x.dtype, out.dtype) in _CAST_REFUSED:
        return f"a cast from {x.dtype} to {out.dtype}"
    return None


def _plain_small_int(v: _Op, s: Settings) -> str | None:
    if v.op.kind == "CAST":
        return None
    for t, _output in v.tensors():
        if t.dtype in ("int8", "int16", "uint8", "uint16") and not t.quantized:
            return f"{t.describe()} is an unquantized {t.dtype} tensor (QNN {qnn_type(t)})"
    return None


def _runtime_int64(v: _Op, s: Settings) -> str | None:
    if v.op.kind == "CAST":
        return None
    for t, _output in v.tensors():
        if t.dtype == "int64" and not t.is_const:
            return f"{t.describe()} is an int64 tensor computed at run time (QNN INT_64)"
    return None


_ARITHMETIC = frozenset({"ADD", "SUB", "MUL", "DIV", "MAXIMUM", "MINIMUM", "POW", "SQUARED_DIFFERENCE"})


def _mixed_types(v: _Op, s: Settings) -> str | None:
    if v.op.kind not in _ARITHMETIC:
        return None
    a, b, out = v.t(0), v.t(1), v.out()
    if a is None or b is None or out is None:
        return None
    types = {qnn_type(a), qnn_type(b), qnn_type(out)}
    if len(types) > 1:
        return f"inputs and output of different QNN types ({qnn_type(a)}, {qnn_type(b)} -> {qnn_type(out)})"
    return None


def _matmul_int16(v: _Op, s: Settings) -> str | None:
    a, b = v.t(0), v.t(1)
    if v.op.kind == "BATCH_MATMUL" and s.generation < 73 and a is not None and b is not None:  # noqa: SIM102
        if a.dtype == "int16" and b.dtype == "int16" and not b.is_const:
            return f"a 16x16-bit MatMul of two int16 activations on the {s.arch} HTP"
    return None


def _rank(v: _Op, s: Settings) -> str | None:
    for t, _output in v.tensors():
        dims = qnn_dims(t)
        if dims is not None and len(dims) > 5:
            return f"{t.describe()} has rank {len(dims)}; the HTP takes at most 5 dimensions"
    return None


def _transpose_perm(v: _Op, s: Settings) -> str | None:
    perm = v.t(1)
    if v.op.kind == "TRANSPOSE" and perm is not None and perm.dtype not in ("int32", "int64"):
        return f"a {perm.dtype} permutation"
    return None


def _scalar_slice(v: _Op, s: Settings) -> str | None:
    out = v.out()
    if v.op.kind == "STRIDED_SLICE" and out is not None and out.shape == () and int(v.opt("shrink_axis_mask", 0) or 0):
        return "shrink_axis_mask removes every dimension (a rank-0 output, which QNN reads as [1])"
    return None


_ELEMENTWISE = frozenset(
    {
        *_ARITHMETIC,
        "FLOOR_DIV",
        "FLOOR_MOD",
        "LESS",
        "LESS_EQUAL",
        "GREATER",
        "GREATER_EQUAL",
        "EQUAL",
        "NOT_EQUAL",
        "LOGICAL_AND",
        "LOGICAL_OR",
    }
)
_SAME_SHAPE = frozenset(
    {
        "ABS", "CEIL", "COS", "ELU", "EXP", "FLOOR", "GELU", "HARD_SWISH", "LEAKY_RELU", "LOG", "LOGISTIC", "NEG",
        "RELU", "RELU6", "RELU_N1_TO_1", "RELU_0_TO_1", "ROUND", "RSQRT", "SIGN", "SIN", "SQRT", "SQUARE", "TANH",
        "QUANTIZE", "DEQUANTIZE", "CAST", "LOGICAL_NOT", "SOFTMAX", "LOG_SOFTMAX", "L2_NORMALIZATION",
    }
)  # fmt: skip
_RANK4 = frozenset(
    {
        "CONV_2D", "DEPTHWISE_CONV_2D", "AVERAGE_POOL_2D", "MAX_POOL_2D", "L2_POOL_2D", "RESIZE_BILINEAR",
        "RESIZE_NEAREST_NEIGHBOR", "SPACE_TO_DEPTH", "DEPTH_TO_SPACE",
    }
)  # fmt: skip
_REDUCE = frozenset({"MEAN", "SUM", "REDUCE_MAX", "REDUCE_MIN", "REDUCE_ANY", "REDUCE_ALL"})


def _broadcast(a: list[int], b: list[int]) -> list[int] | None:
    out = []
    for i in range(1, max(len(a), len(b)) + 1):
        x = a[-i] if i <= len(a) else 1
        y = b[-i] if i <= len(b) else 1
        if x != y and 1 not in (x, y):
            return None
        out.append(max(x, y) if 1 in (x, y) else x)
    return out[::-1]


def _shapes(v: _Op, s: Settings) -> str | None:
    """The shapes QNN's validator checks, with dynamic dimensions read as 1 and rank 0 as [1]."""
    kind = v.op.kind
    x, out = v.t(0), v.out()
    if x is None or out is None:
        return None
    dx, do = qnn_dims(x), qnn_dims(out)
    if dx is None or do is None:
        return None
    if kind in _ELEMENTWISE:
        y = v.t(1)
        dy = qnn_dims(y) if y is not None else None
        if dy is None:
            return None
        if any(d == 0 for d in (*dx, *dy)):
            return f"an empty input ({dx} {kind.lower()} {dy})"
        want = _broadcast(dx, dy)
        if want is None or want != do:
            return f"inputs {dx} and {dy} do not broadcast to the output {do}"
    elif kind in _SAME_SHAPE:
        if dx != do:
            return f"input {dx} and output {do} differ"
    elif kind == "RESHAPE":
        if _elements(tuple(dx)) != _elements(tuple(do)):
            return f"input {dx} and output {do} hold different numbers of elements"
    elif kind in _RANK4:
        if len(dx) != 4 or len(do) != 4:
            return f"input {dx} and output {do} are not 4-D"
    elif kind == "CONCATENATION":
        ins = [qnn_dims(t) for i in range(len(v.op.inputs)) if (t := v.t(i)) is not None]
        axis = int(v.opt("axis", 0) or 0)
        axis = axis + len(do) if axis < 0 else axis
        if any(d is None or len(d) != len(do) for d in ins) or not 0 <= axis < len(do):
            return "inputs and output of different ranks"
        total = sum(d[axis] for d in ins if d is not None)
        if total != do[axis]:
            return f"inputs {ins} do not concatenate to the output {do} along axis {axis}"
    elif kind == "GATHER":
        idx = v.t(1)
        di = qnn_dims(idx) if idx is not None else None
        axis = int(v.opt("axis", 0) or 0)
        axis = axis + len(dx) if axis < 0 else axis
        if di is not None and 0 <= axis < len(dx):
            want = dx[:axis] + di + dx[axis + 1 :]
            if want != do:
                return f"gathering {di} from {dx} along axis {axis} gives {want}, not the output {do}"
    elif kind == "BATCH_MATMUL":
        y = v.t(1)
        dy = qnn_dims(y) if y is not None else None
        if dy is not None and len(dx) >= 2 and len(dy) >= 2:
            k1 = dx[-2] if v.opt("adj_x") else dx[-1]
            k2 = dy[-1] if v.opt("adj_y") else dy[-2]
            if k1 != k2:
                return f"inner dimensions {k1} and {k2} of {dx} x {dy} differ"
    elif kind == "FULLY_CONNECTED":
        w = v.t(1)
        dw = qnn_dims(w) if w is not None else None
        if dw is not None and len(dw) == 2 and dw[1] > 0 and _elements(tuple(dx)) % dw[1]:
            return f"input {dx} does not split into rows of {dw[1]} (the weights' input size)"
    elif kind in _REDUCE:
        axes = v.values(1)
        if axes is not None and any(not -len(dx) <= int(a) < len(dx) for a in axes):
            return f"axes {[int(a) for a in axes]} are outside the input {dx}"
    elif kind == "TILE":
        mult = v.values(1)
        if mult is not None and len(mult) == len(dx):
            want = [d * int(m) for d, m in zip(dx, mult)]
            if want != do:
                return f"tiling {dx} by {[int(m) for m in mult]} gives {want}, not the output {do}"
    return None


def _unsupported(qnn_op: str) -> str:
    return f"'Unsupported input/output datatypes requested for the HTP Op '{qnn_op}''"


_GENERIC = "'QnnBackend_validateOpConfig failed 3110', no reason given"
_MOBILENET16 = "oracle/mobilenetv2_035_96/mobilenetv2_035_96.int16x8.tflite"
_LITERT_TESTDATA = "corpus/google-ai-edge__LiteRT/tflite"

#: QNN's validator decisions the recorded runs show (every SoC unless the test reads ``s``), in the
#: order QNN meets them: an op's main QNN op before the activation the builder adds after it
VALIDATOR: tuple[Measured, ...] = (
    Measured(
        "hybrid convolution",
        _hybrid_conv,
        "Conv2d",
        _unsupported("Conv2d"),
        "oracle/ds_cnn_kws/ds_cnn_kws.dynamic.tflite op 0",
        "the HTP runs a convolution either in float (float weights) or fully quantized: convert without "
        "dynamic-range quantization (no tf.lite.Optimize.DEFAULT without a representative_dataset), or " + FULL_INT8,
    ),
    Measured(
        "float fully connected with int4 weights",
        _fc_int4_float,
        None,
        "no QNN op: ai-edge-litert 2.3.0's FULLY_CONNECTED builder (newer than the pin) builds none",
        "fixtures/tflite/int4_fc_float.tflite op 0",
        "quantize the weights to int8 (per-channel) or the whole model to int8",
    ),
    Measured(
        "depthwise convolution with an int64 bias",
        _depthwise_int64_bias,
        "DepthWiseConv2d",
        _unsupported("DepthWiseConv2d"),
        "oracle/ds_cnn_kws/ds_cnn_kws.int16x8.tflite op 1",
        "16x8 quantization gives DEPTHWISE_CONV_2D an int64 bias, which the HTP does not take: " + FULL_INT8,
    ),
    Measured(
        "int16 ReluMinMax",
        _relu_min_max_int16,
        "ElementWiseNeuron",
        _GENERIC,
        f"{_MOBILENET16} op 0",
        "the HTP clamps int16 only with ReLU: use ReLU instead of ReLU6 in the model, or quantize to int8 "
        "(int16x8 quantization, TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8, gives int16 activations)",
    ),
    Measured(
        "int16 average pooling",
        _signature("AVERAGE_POOL_2D", "int16", "int16 activations (QNN PoolAvg2d, SFIXED_POINT_16)"),
        "PoolAvg2d",
        _unsupported("PoolAvg2d"),
        "oracle/big_kernel_pool_stride/big_kernel_pool_stride.int16x8.tflite op 1",
        "int8 average pooling is taken (measured): " + FULL_INT8,
    ),
    Measured(
        "int64 arg max",
        _argmax_int64,
        "Argmax",
        _unsupported("Argmax"),
        f"{_LITERT_TESTDATA}/converter/quantization/lite/testdata/argmax.bin op 0",
        "ask for int32 indices: tf.math.argmax(..., output_type=tf.int32)",
    ),
    Measured(
        "cast to or from an unquantized 8- or 16-bit integer",
        _cast,
        "Cast",
        _unsupported("Cast"),
        "oracle/casts_compare_logic/casts_compare_logic.dynamic_flex.tflite op 0",
        "quantize the tensor (give it a scale and zero point) instead of casting an unquantized 8- or 16-bit "
        "integer; casts between int32, float32, bool and int64 are taken (measured)",
    ),
    Measured(
        "unquantized 8- or 16-bit integers",
        _plain_small_int,
        "Reshape",
        _unsupported("Reshape"),
        "corpus/tensorflow__tflite-micro/tensorflow/lite/micro/examples/micro_speech/models/"
        "audio_preprocessor_int8.tflite op 1",
        "the HTP computes 8- and 16-bit integers only as quantized values: give the tensor quantization "
        "parameters (full-integer quantization) or use int32",
    ),
    Measured(
        "int64 tensors",
        _runtime_int64,
        "SpaceToDepth",
        _unsupported("SpaceToDepth"),
        f"{_LITERT_TESTDATA}/java/src/testdata/int64.bin op 0",
        "use int32 for indices and shapes (the TFLite converter keeps int64 where the model computes it)",
    ),
    Measured(
        "int32 space to depth",
        _signature("SPACE_TO_DEPTH", "int32", "int32 data", quantized=False),
        "SpaceToDepth",
        _unsupported("SpaceToDepth"),
        f"{_LITERT_TESTDATA}/java/src/testdata/int32.bin op 0",
    ),
    Measured(
        "int8 exp",
        _signature("EXP", "int8", "int8 quantized data (QNN ElementWiseUnary Exp, SFIXED_POINT_8)"),
        "ElementWiseUnary",
        _GENERIC,
        "fixtures/tflite/exp_int8.tflite op 0",
        "keep EXP in float: float32 EXP is taken (measured)",
    ),
    Measured(
        "int8 log softmax",
        _signature("LOG_SOFTMAX", "int8", "int8 quantized data"),
        "LogSoftmax",
        _unsupported("LogSoftmax"),
        "oracle/reductions/reductions.int8.tflite op 4",
        "use SOFTMAX (the HTP takes int8 SOFTMAX) or keep LOG_SOFTMAX in float",
    ),
    Measured(
        "int16 gather_nd",
        _signature("GATHER_ND", "int16", "int16 quantized data"),
        "GatherNd",
        _unsupported("GatherNd"),
        "oracle/scatter_gather_nd/scatter_gather_nd.int16x8.tflite op 0",
        FULL_INT8,
    ),
    Measured(
        "quantize between int16 and int32",
        lambda v, s: (
            "a requantization between int16 and int32"
            if v.op.kind == "QUANTIZE"
            and {getattr(v.t(0), "dtype", None), getattr(v.out(), "dtype", None)} == {"int16", "int32"}
            else None
        ),
        "Quantize",
        _unsupported("Quantize"),
        "fixtures/ethosu/quantize_int32.tflite op 0",
    ),
    Measured(
        "int32 floor division",
        _signature("FLOOR_DIV", "int32", "int32 data (QNN ElementWiseBinary FloorDiv, INT_32)", quantized=False),
        "ElementWiseBinary",
        _GENERIC,
        "oracle/casts_compare_logic/casts_compare_logic.float32_flex.tflite op 24",
        "divide in float and FLOOR the result, or keep the index arithmetic outside the NPU model",
    ),
    Measured(
        "float floor modulo",
        _signature("FLOOR_MOD", "float32", "float32 data (QNN ElementWiseBinary Mod, FLOAT_32)", quantized=None),
        "ElementWiseBinary",
        _GENERIC,
        "oracle/broadcast_elementwise/broadcast_elementwise.float32.tflite op 6",
        "compute x - floor(x / y) * y with FLOOR_DIV (the HTP takes float FLOOR_DIV), or use int32",
    ),
    Measured(
        "inputs and output of different types",
        _mixed_types,
        "ElementWiseBinary",
        _GENERIC,
        f"{_LITERT_TESTDATA}/testdata/add_quantized.bin op 0",
        "give both inputs and the output the same type and quantization (quantize the whole graph)",
    ),
    Measured(
        "16x16-bit matmul on v68/v69",
        _matmul_int16,
        "MatMul",
        _GENERIC + " (v68 and v69 HTPs only; v73 and later take it)",
        "oracle/batch_matmul_adj/batch_matmul_adj.int16x8.tflite op 0",
        "on v68/v69 HTPs (SM8350, SM8450, SA8295) quantize to int8, or make one operand a constant (weights)",
    ),
    Measured(
        "more than 5 dimensions",
        _rank,
        "ElementWiseBinary",
        _GENERIC,
        "fixtures/tflite/broadcast_to_6d.tflite op 0",
        "reshape to at most 5 dimensions before the op (fold the leading dimensions together)",
    ),
    Measured(
        "a float permutation",
        _transpose_perm,
        "Transpose",
        _GENERIC,
        f"{_LITERT_TESTDATA}/converter/quantization/lite/testdata/transpose.bin op 0",
    ),
    Measured(
        "a rank-0 strided slice",
        _scalar_slice,
        "StridedSlice",
        _GENERIC,
        f"{_LITERT_TESTDATA}/testdata/dynamic_shapes.bin op 3",
        FIXED_SHAPES,
    ),
    Measured(
        "shapes QNN computes otherwise",
        _shapes,
        "ElementWiseBinary",
        _GENERIC + " (the op's shapes, dynamic dimensions read as 1, do not follow from its inputs)",
        "fixtures/tflite/add_unknown_shape.tflite op 0",
        FIXED_SHAPES,
    ),
)


def validator_check(v: _Op, s: Settings) -> None:
    for rule in VALIDATOR:
        found = rule.test(v, s)
        if found is not None:
            raise Reject(
                f"QNN's HTP validator ({s.arch}, {s.soc}) refuses {found} (measured: {rule.says})", VALIDATE, rule.hint
            )


def _decide(model: Model, graph: Graph, op: Op, s: Settings) -> OpVerdict:
    if op.kind == "CUSTOM":
        return OpVerdict(
            False,
            (f"custom op {op.custom_code!r}: no QNN custom op package is configured, so the plugin builds no QNN op",),
            COMPOSE(1603),
        )
    if op.kind not in BUILDERS:
        why = f"{op.display} is not supported in Qualcomm Compiler: the plugin has no builder for it"
        return OpVerdict(False, (why,), COMPOSE(1679), NOT_BUILT_HINTS.get(op.kind))
    view = _Op(model, graph, op)
    try:
        builder_check(view)
        validator_check(view, s)
    except Reject as exc:
        return exc.verdict
    return OpVerdict(True, (), BUILDERS[op.kind])


# -- 4. the compile -----------------------------------------------------------------------------
class CompileFailure(NamedTuple):
    """A cause of a failed ``--cmd=apply`` the recorded compiles show."""

    name: str
    says: str  #: what QNN printed
    evidence: str  #: a model key of fixtures/npu/VERDICTS.json (and QNN_COMPILE_OPS.json: the op alone)
    hint: str | None = None
    test: Callable[[_Op, Settings], str | None] | None = None  #: for an op the SoC cannot prepare


def compile_rejection(model: Model, verdicts: dict[tuple[int, int], OpVerdict], s: Settings) -> Rejection | None:
    """Whether QNN's compile of the partitions fails as a whole (``--cmd=apply``)."""
    from .partitions import partition

    plan = partition(model, verdicts)
    for part in plan.partitions:
        if not part.delegated:
            continue
        graph = model.graphs[part.graph]
        members = set(part.ops)
        inside = {t for i in members for t in graph.ops[i].outputs if t >= 0}
        runtime_inputs = [
            t
            for i in members
            for t in graph.ops[i].inputs
            if t >= 0
            and (t not in inside or t in graph.inputs)
            and (x := graph.tensor(t)) is not None
            and not x.is_const
        ]
        if not runtime_inputs:
            first = graph.ops[min(members)]
            text = (
                f"the NPU partition of {first.display} (op {first.index}) computes only from constants: "
                "QNN says 'No graph inputs present for graph [0]'"
            )
            hint = "fold the constant computation in the converter (or keep it on the CPU): no partition of constants"
            return Rejection(
                text, _compile_outcome(s), first, VALIDATE_COMPILE, "compiler", _measured(COMPILE_RULES[0]), hint
            )
        names: dict[str, int] = {}
        boundary = set(runtime_inputs) | {
            t
            for i in members
            for t in graph.ops[i].outputs
            if t >= 0 and (t in graph.outputs or any(c.index not in members for c in graph.consumers.get(t, ())))
        }
        for t in sorted(boundary):
            x = graph.tensor(t)
            name = x.name if x is not None else ""
            if name in names and names[name] != t:
                said = "'Tensor name  already exists in the graph.'"
                text = f"two tensors of an NPU partition are both named {name!r}: QNN says {said}"
                hint = "convert with tensor names (the TFLite converter keeps them): one per partition input and output"
                return Rejection(
                    text, _compile_outcome(s), None, VALIDATE_COMPILE, "compiler", _measured(COMPILE_RULES[1]), hint
                )
            names[name] = t
    for op in model.ops():
        v = verdicts.get(op.key)
        if v is None or not v.supported:
            continue
        graph = model.graphs[op.graph]
        found = _prepare_failure(_Op(model, graph, op), s)
        if found is not None:
            rule, what = found
            text = f"QNN's {s.arch} HTP cannot prepare {op.display} (op {op.index}): {what} (measured: {rule.says})"
            return Rejection(text, _compile_outcome(s), op, VALIDATE_COMPILE, "compiler", _measured(rule), rule.hint)
    return None


def _compile_outcome(s: Settings) -> str:
    return f"the Qualcomm compile for {s.soc} ({s.arch}) fails, so no NPU byte code is produced"


def _measured(rule: CompileFailure) -> str:
    return f"predicted from the QNN compiles recorded in {RECORD} (measured on {rule.evidence})"


#: where the compile calls QNN (qnn_compiler_plugin.cc: compose the graph, then finalize it)
VALIDATE_COMPILE = PLUGIN(683)


def _float_op(kinds: frozenset[str], what: str) -> Callable[[_Op, Settings], str | None]:
    """A float op of ``kinds`` on an HTP of v68 or older (measured on SM8350; v73 and later compile it)."""

    def test(v: _Op, s: Settings) -> str | None:
        x = v.t(1) if v.op.kind in ("SELECT", "SELECT_V2") else v.t(0)
        if s.generation <= 68 and v.op.kind in kinds and x is not None and x.dtype in ("float32", "float16"):
            return f"float32 {what}"
        return None

    return test


def _composite_on_v68(v: _Op, s: Settings) -> str | None:
    if s.generation > 68 or v.op.kind != "STABLEHLO_COMPOSITE":
        return None
    x = v.t(0)
    if x is None or x.dtype not in ("float32", "float16"):
        return None
    name = composite_name(v.op)
    if name == "odml.l2_norm":
        return "a float32 odml.l2_norm composite (QNN L2Norm)"
    if name == "odml.group_norm":
        from ..readers.payloads import composite_attributes, flexbuffer_map

        attributes = flexbuffer_map(composite_attributes(v.model, v.op.graph, v.op.index)) if v.model else None
        groups = (attributes or {}).get("num_groups")
        if isinstance(groups, int) and groups > 1:  # one group is built as LayerNorm (qnn_compose_graph.cc 1055)
            return f"a float32 odml.group_norm composite of {groups} groups (QNN GroupNorm)"
    return None


_V68 = "on the v68 HTP (SM8350, SA8295, SM7325, QCM6490, ...); v73 and later prepare it"
_V68_HINT = (
    "compile for a v73 or newer SoC (SM8550, SM8650, SM8850: they prepare it, measured), or leave the op out of "
    "the model you compile for the NPU"
)
_V68_INT8 = "quantize the model to int8 (the v68 HTP prepares the int8 op, measured), or " + _V68_HINT
_COMPILE_OPS = "fixtures/npu/QNN_COMPILE_OPS.json"

#: the compile's whole-model failures the recorded compiles show (``test``: ops the SoC cannot prepare)
COMPILE_RULES: tuple[CompileFailure, ...] = (
    CompileFailure(
        "a partition without graph inputs",
        "<E> No graph inputs present for graph [0]",
        "oracle/conv3d_transpose/conv3d_transpose.float16.tflite",
    ),
    CompileFailure(
        "two partition tensors with one name",
        "QNN_TENSOR_ERROR_ALREADY_EXISTS: Tensor name  already exists in the graph.",
        "corpus/google-ai-edge__LiteRT/tflite/testdata/no_signatures_no_tensor_names.bin",
    ),
    CompileFailure(
        "GELU",
        "graph_prepare.cc:211::ERROR:could not create op: q::QNN_Gelu",
        "fixtures/tflite/gelu_float.tflite",
        _V68_INT8,
        _float_op(frozenset({"GELU"}), "GELU " + _V68),
    ),
    CompileFailure(
        "ELU",
        "graph_prepare.cc:211::ERROR:could not create op: q::QNN_Elu",
        "corpus/google-ai-edge__LiteRT/litert/test/testdata/simple_elu_op.tflite",
        _V68_HINT,
        _float_op(frozenset({"ELU"}), "ELU " + _V68),
    ),
    CompileFailure(
        "ROUND",
        "tcm_migration.cc:2207::ERROR:no properties registered for q::Round",
        "corpus/google-ai-edge__LiteRT/litert/test/testdata/simple_round_op.tflite",
        _V68_HINT,
        _float_op(frozenset({"ROUND"}), "ROUND " + _V68),
    ),
    CompileFailure(
        "L2 normalization",
        "graph_prepare.cc:211::ERROR:could not create op: q::QNN_L2Norm",
        "corpus/google-ai-edge__LiteRT/litert/test/testdata/simple_l2_norm.tflite",
        _V68_HINT,
        _float_op(frozenset({"L2_NORMALIZATION"}), "L2_NORMALIZATION " + _V68),
    ),
    CompileFailure(
        "normalization composites",
        "graph_prepare.cc:211::ERROR:could not create op: q::QNN_L2Norm",
        "corpus/google-ai-edge__LiteRT/litert/test/testdata/l2_norm_composite.tflite",
        _V68_HINT,
        _composite_on_v68,
    ),
    CompileFailure(
        "cumulative sum",
        "graph_prepare.cc:211::ERROR:could not create op: q::QNN_CumulativeSum",
        "oracle/cumsum_cumprod/cumsum_cumprod.float32_flex.tflite",
        _V68_HINT,
        _float_op(frozenset({"CUMSUM"}), "CUMSUM " + _V68),
    ),
    CompileFailure(
        "3-D convolution",
        "tcm_migration.cc:2207::ERROR:no properties registered for q::QNN_Conv3d",
        "oracle/conv3d/conv3d.float32_flex.tflite",
        _V68_HINT,
        _float_op(frozenset({"CONV_3D"}), "CONV_3D " + _V68),
    ),
    CompileFailure(
        "gather",
        "graph_prepare.cc:211::ERROR:could not create op: q::Gather",
        "oracle/embedding_lookup/embedding_lookup.float32.tflite",
        _V68_INT8,
        _float_op(frozenset({"GATHER"}), "GATHER " + _V68),
    ),
    CompileFailure(
        "select",
        "graph_prepare.cc:211::ERROR:could not create op: q::Select.exe",
        "oracle/broadcast_elementwise/broadcast_elementwise.float32.tflite",
        _V68_INT8,
        _float_op(frozenset({"SELECT", "SELECT_V2"}), "SELECT " + _V68),
    ),
)
PREPARE = tuple(rule for rule in COMPILE_RULES if rule.test is not None)


def _prepare_failure(v: _Op, s: Settings) -> tuple[CompileFailure, str] | None:
    """An op the SoC's HTP cannot prepare when it compiles (measured: the op alone fails to compile)."""
    for rule in PREPARE:
        assert rule.test is not None
        found = rule.test(v, s)
        if found is not None:
            return rule, found
    return None


# -- entry points -------------------------------------------------------------------------------
def assess(model: Model, target: Target) -> Assessment:
    """What LiteRT's Qualcomm plugin puts on the HTP (``Delegate.assess``)."""
    s = Settings.of(target)
    outcome = ROLLOUT
    found = compiled(model)
    if found is not None:
        return compiled_assessment(model, found, "Qualcomm", outcome)
    verdicts = plugin_verdicts(model, lambda graph, op: _decide(model, graph, op, s))
    rejection = loader_rejection(model, outcome) or partition_rejection(model, verdicts)
    if rejection is None and any(v.supported for v in verdicts.values()):
        rejection = compile_rejection(model, verdicts, s)
    backend = (
        f"LiteRT Qualcomm plugin at the pin, QNN validator for {s.soc} ({s.arch}) as measured with ai-edge-litert 2.3.0"
    )
    return Assessment(verdicts, rejection, backend=backend)


def kinds(target: Target) -> frozenset[str]:
    """The builtins the plugin has a builder for."""
    return frozenset(BUILDERS)


def backend() -> str:
    return (
        "the pinned plugin's tensor conversion, builders and their conditions; then QNN's closed HTP validator and "
        "compiler as measured with ai-edge-litert 2.3.0 and QAIRT 2.51 (fixtures/npu/VERDICTS.json: 466 models on "
        "10 SoCs, compiles on SM8350, SM8650, SM8850); other SoCs follow the rules of their HTP generation"
    )


DELEGATE = Delegate("qualcomm", assess, kinds, backend)
