"""What QNN's closed HTP validator and compiler decide, as the recorded runs show them.

QNN validates every QNN op a builder made (``backendValidateOpConfig``, called at
``litert/vendors/qualcomm/qnn_manager.cc`` 461) and later prepares each partition for the SoC's HTP
when it compiles; neither is in the LiteRT tree.  :data:`VALIDATOR` lists what ai-edge-litert 2.3.0's
Qualcomm plugin, with QAIRT 2.51, refused on the 466 recorded models (``fixtures/npu/VERDICTS.json``,
why: ``fixtures/npu/QNN_REASONS.json``), :data:`COMPILE_RULES` why whole compiles failed
(``fixtures/npu/QNN_COMPILE_OPS.json``: each op of a failed SM8350 compile compiled alone).  Every rule
names the model and op it was measured on; ``tests/test_npu.py`` checks them against the records, and
27 probe models predicted from them came out as predicted when the real plugin ran them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

from ...knowledge.sources import litert
from ..contract import OpVerdict, Reject, Rejection
from ..litert_npu import carried, composite_name
from .plugin import FIXED_SHAPES, FULL_INT8, PLUGIN, View, elements, qnn_dims, qnn_type
from .socs import Settings

if TYPE_CHECKING:  # pragma: no cover
    from ...core.model import Model, Tensor

MANAGER = litert("litert/vendors/qualcomm/qnn_manager.cc")
#: where QNN's HTP validator is called: what it refuses is decided in QNN's closed library
VALIDATE = MANAGER(461)
RECORD = "fixtures/npu/VERDICTS.json"


class Measured(NamedTuple):
    """A decision of QNN's closed HTP validator, seen in the recorded runs."""

    name: str
    test: Callable[[View, Settings], str | None]  #: what the op has that QNN refuses, or None
    qnn_op: str | None  #: the QNN op the validator refused for the evidence (QNN_REASONS.json)
    says: str  #: what QNN printed about it
    evidence: str  #: a model key of fixtures/npu/VERDICTS.json and the op it was measured on
    hint: str | None = None


def _float(t: Tensor | None) -> bool:
    return t is not None and t.dtype in ("float32", "float16")


def _hybrid_conv(v: View, s: Settings) -> str | None:
    if v.op.kind not in ("CONV_2D", "DEPTHWISE_CONV_2D", "TRANSPOSE_CONV"):
        return None
    x, w = v.activation(), v.t(1)
    if _float(x) and w is not None and w.dtype in ("int8", "int4") and w.quantized:
        return (
            f"float activations ({x.dtype if x else '?'}) with {w.dtype} quantized weights (dynamic-range quantization)"
        )
    return None


def _fc_int4_float(v: View, s: Settings) -> str | None:
    if v.op.kind == "FULLY_CONNECTED" and _float(v.t(0)) and (w := v.t(1)) is not None and w.dtype == "int4":
        return "float activations with int4 weights"
    return None


def _relu_min_max_int16(v: View, s: Settings) -> str | None:
    out = v.out()
    if out is None or out.dtype != "int16":
        return None
    if v.op.kind in ("RELU6", "RELU_N1_TO_1", "RELU_0_TO_1"):
        return f"{v.op.kind} on int16 (QNN ReluMinMax, SFIXED_POINT_16)"
    if v.fused in ("RELU6", "RELU_N1_TO_1"):
        return f"a fused {v.fused} on an int16 output (QNN ReluMinMax, SFIXED_POINT_16)"
    return None


def _depthwise_int64_bias(v: View, s: Settings) -> str | None:
    bias = v.t(2)
    if v.op.kind == "DEPTHWISE_CONV_2D" and bias is not None and bias.dtype == "int64":
        return (
            "an int64 bias (16x8 quantization), which the plugin converts to int32 for CONV_2D and FULLY_CONNECTED only"
        )
    return None


def _signature(
    kind: str, dtype: str, what: str, quantized: bool | None = True
) -> Callable[[View, Settings], str | None]:
    def test(v: View, s: Settings) -> str | None:
        x = v.activation()
        if v.op.kind == kind and x is not None and x.dtype == dtype and (quantized is None or x.quantized == quantized):
            return what
        return None

    return test


def _argmax_int64(v: View, s: Settings) -> str | None:
    out = v.out()
    if v.op.kind in ("ARG_MAX", "ARG_MIN") and out is not None and out.dtype == "int64":
        return "an int64 output"
    return None


_CAST_REFUSED = {("int8", "float32"), ("float32", "int8"), ("int32", "int8"), ("int16", "float32")}


def _cast(v: View, s: Settings) -> str | None:
    x, out = v.t(0), v.out()
    if v.op.kind != "CAST" or x is None or out is None or x.quantized or out.quantized:
        return None
    if (x.dtype, out.dtype) in _CAST_REFUSED:
        return f"a cast from {x.dtype} to {out.dtype}"
    return None


def _plain_small_int(v: View, s: Settings) -> str | None:
    if v.op.kind == "CAST":
        return None
    for t, _output in v.tensors():
        if t.dtype in ("int8", "int16", "uint8", "uint16") and not t.quantized:
            return f"{t.describe()} is an unquantized {t.dtype} tensor (QNN {qnn_type(t)})"
    return None


def _runtime_int64(v: View, s: Settings) -> str | None:
    if v.op.kind == "CAST":
        return None
    for t, _output in v.tensors():
        if t.dtype == "int64" and not t.is_const:
            return f"{t.describe()} is an int64 tensor computed at run time (QNN INT_64)"
    return None


_ARITHMETIC = frozenset({"ADD", "SUB", "MUL", "DIV", "MAXIMUM", "MINIMUM", "POW", "SQUARED_DIFFERENCE"})


def _mixed_types(v: View, s: Settings) -> str | None:
    if v.op.kind not in _ARITHMETIC:
        return None
    a, b, out = v.t(0), v.t(1), v.out()
    if a is None or b is None or out is None:
        return None
    types = {qnn_type(a), qnn_type(b), qnn_type(out)}
    if len(types) > 1:
        return f"inputs and output of different QNN types ({qnn_type(a)}, {qnn_type(b)} -> {qnn_type(out)})"
    return None


def _matmul_int16(v: View, s: Settings) -> str | None:
    a, b = v.t(0), v.t(1)
    if v.op.kind == "BATCH_MATMUL" and s.generation < 73 and a is not None and b is not None:  # noqa: SIM102
        if a.dtype == "int16" and b.dtype == "int16" and not b.is_const:
            return f"a 16x16-bit MatMul of two int16 activations on the {s.arch} HTP"
    return None


def _rank(v: View, s: Settings) -> str | None:
    for t, _output in v.tensors():
        dims = qnn_dims(t)
        if dims is not None and len(dims) > 5:
            return f"{t.describe()} has rank {len(dims)}; the HTP takes at most 5 dimensions"
    return None


def _transpose_perm(v: View, s: Settings) -> str | None:
    perm = v.t(1)
    if v.op.kind == "TRANSPOSE" and perm is not None and perm.dtype not in ("int32", "int64"):
        return f"a {perm.dtype} permutation"
    return None


def _scalar_slice(v: View, s: Settings) -> str | None:
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


def _shapes(v: View, s: Settings) -> str | None:
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
        if elements(tuple(dx)) != elements(tuple(do)):
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
        if dw is not None and len(dw) == 2 and dw[1] > 0 and elements(tuple(dx)) % dw[1]:
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
        "the HTP clamps int16 only with ReLU: use ReLU instead of ReLU6 in the model, or quantize to int8 instead of "
        "int16x8 (target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8], not "
        "EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8)",
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


def validator_check(v: View, s: Settings) -> None:
    for rule in VALIDATOR:
        found = rule.test(v, s)
        if found is not None:
            raise Reject(
                f"QNN's HTP validator ({s.arch}, {s.soc}) refuses {found} (measured: {rule.says})", VALIDATE, rule.hint
            )


# -- the compile -----------------------------------------------------------------------------------
class CompileFailure(NamedTuple):
    """A cause of a failed ``--cmd=apply`` the recorded compiles show."""

    name: str
    says: str  #: what QNN printed
    evidence: str  #: a model key of fixtures/npu/VERDICTS.json (and QNN_COMPILE_OPS.json: the op alone)
    hint: str | None = None
    test: Callable[[View, Settings], str | None] | None = None  #: for an op the SoC cannot prepare


def compile_rejection(model: Model, verdicts: dict[tuple[int, int], OpVerdict], s: Settings) -> Rejection | None:
    """Whether QNN's compile of the partitions fails as a whole (``--cmd=apply``)."""
    from ..partitions import partition

    plan = partition(model, verdicts, grouping="runs", carried=carried(model, verdicts))
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
        found = _prepare_failure(View(model, graph, op), s)
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


def _float_op(kinds: frozenset[str], what: str) -> Callable[[View, Settings], str | None]:
    """A float op of ``kinds`` on an HTP of v68 or older (measured on SM8350; v73 and later compile it)."""

    def test(v: View, s: Settings) -> str | None:
        x = v.t(1) if v.op.kind in ("SELECT", "SELECT_V2") else v.t(0)
        if s.generation <= 68 and v.op.kind in kinds and x is not None and x.dtype in ("float32", "float16"):
            return f"float32 {what}"
        return None

    return test


def _composite_on_v68(v: View, s: Settings) -> str | None:
    if s.generation > 68 or v.op.kind != "STABLEHLO_COMPOSITE":
        return None
    x = v.t(0)
    if x is None or x.dtype not in ("float32", "float16"):
        return None
    name = composite_name(v.op)
    if name == "odml.l2_norm":
        return "a float32 odml.l2_norm composite (QNN L2Norm)"
    if name == "odml.group_norm":
        from ...readers.payloads import composite_attributes, flexbuffer_map

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


def _prepare_failure(v: View, s: Settings) -> tuple[CompileFailure, str] | None:
    """An op the SoC's HTP cannot prepare when it compiles (measured: the op alone fails to compile)."""
    for rule in PREPARE:
        assert rule.test is not None
        found = rule.test(v, s)
        if found is not None:
            return rule, found
    return None
