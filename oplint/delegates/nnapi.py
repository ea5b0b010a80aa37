"""The NNAPI delegate (Android): which ops it takes on a given Android API level.

A translation of ``NNAPIDelegateKernel::Validate`` (``tflite/delegates/nnapi/nnapi_delegate.cc`` at
the pinned LiteRT commit): per op, the op versions, the Android API level (NNAPI feature level)
each form needs, operand types, ranks, constant operands and attribute values.  Like Validate,
every failed expectation is collected, so a finding names all of them; each cites the ``case``
of its op.  ``android-api-level`` (the target's option, ``nnapi@29``) is the device's API level;
NNAPI runtime feature levels 5 to 8 are API 31 to 35 (``nnapi_delegate_kernel.h``).  The
delegate is deprecated: Android 15 deprecates NNAPI itself.

The delegate is applied without naming an accelerator (``is_accelerator_specified`` false), as
``StatefulNnApiDelegate::Options`` default.  The checks it makes on the whole graph before
Validate (the NNAPI library being present, the CPU-fallback policy) are device properties and
not modelled.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ..knowledge.sources import Cite, litert
from .contract import Assessment, Delegate, OpVerdict, OpView

if TYPE_CHECKING:  # pragma: no cover
    from ..core.model import Graph, Model, Op, Tensor
    from ..knowledge.targets import Target

NNAPI = litert("tflite/delegates/nnapi/nnapi_delegate.cc")

# nnapi_delegate_kernel.h: kMinSdkVersionForNNAPI* and kNNAPIRuntimeFeatureLevel*
NNAPI10, NNAPI11, NNAPI12, NNAPI13 = 27, 28, 29, 30
FL5, FL6, FL7, FL8 = 31, 1000006, 1000007, 1000008
#: Android API level -> the feature level Validate compares with
FEATURE_LEVEL = {27: 27, 28: 28, 29: 29, 30: 30, 31: FL5, 32: FL5, 33: FL6, 34: FL7, 35: FL8}

#: the ``case`` of each op in Validate
CASE_LINE: dict[str, Cite] = {
    "ADD": NNAPI(2372), "ARG_MAX": NNAPI(2393), "ARG_MIN": NNAPI(2394), "MUL": NNAPI(2434),
    "AVERAGE_POOL_2D": NNAPI(2459), "MAX_POOL_2D": NNAPI(2473), "L2_POOL_2D": NNAPI(2477), "CONV_2D": NNAPI(2490),
    "DEPTHWISE_CONV_2D": NNAPI(2534), "FULLY_CONNECTED": NNAPI(2555), "HARD_SWISH": NNAPI(2579),
    "SOFTMAX": NNAPI(2585), "RESHAPE": NNAPI(2607), "RESIZE_BILINEAR": NNAPI(2643),
    "RESIZE_NEAREST_NEIGHBOR": NNAPI(2683), "SQUEEZE": NNAPI(2708), "UNIDIRECTIONAL_SEQUENCE_LSTM": NNAPI(2720),
    "L2_NORMALIZATION": NNAPI(2733), "LOCAL_RESPONSE_NORMALIZATION": NNAPI(2749), "LSH_PROJECTION": NNAPI(2752),
    "CONCATENATION": NNAPI(2769), "DEQUANTIZE": NNAPI(2799), "DENSIFY": NNAPI(2828), "FLOOR": NNAPI(2837),
    "RELU": NNAPI(2840), "RELU_N1_TO_1": NNAPI(2841), "RELU6": NNAPI(2842), "LOGISTIC": NNAPI(2843),
    "TANH": NNAPI(2847), "SUB": NNAPI(2857), "DIV": NNAPI(2883), "PAD": NNAPI(2898), "PADV2": NNAPI(2899),
    "UNIDIRECTIONAL_SEQUENCE_RNN": NNAPI(2932), "SPACE_TO_BATCH_ND": NNAPI(2940), "BATCH_TO_SPACE_ND": NNAPI(2945),
    "STRIDED_SLICE": NNAPI(2956), "TRANSPOSE": NNAPI(2962), "ABS": NNAPI(2975), "EXP": NNAPI(2976),
    "LOG": NNAPI(2977), "POW": NNAPI(2978), "RSQRT": NNAPI(2984), "SLICE": NNAPI(2994), "COS": NNAPI(3010),
    "SIN": NNAPI(3011), "TRANSPOSE_CONV": NNAPI(3017), "SQRT": NNAPI(3029), "RNN": NNAPI(3035),
    "SPACE_TO_DEPTH": NNAPI(3048), "SVDF": NNAPI(3055), "LSTM": NNAPI(3075), "MEAN": NNAPI(3151),
    "EMBEDDING_LOOKUP": NNAPI(3173), "HASHTABLE_LOOKUP": NNAPI(3179), "MAXIMUM": NNAPI(3185),
    "MINIMUM": NNAPI(3186), "CAST": NNAPI(3206), "LEAKY_RELU": NNAPI(3237), "PRELU": NNAPI(3238),
    "TILE": NNAPI(3246), "LOGICAL_OR": NNAPI(3259), "LOGICAL_AND": NNAPI(3260), "LOGICAL_NOT": NNAPI(3261),
    "LESS": NNAPI(3270), "LESS_EQUAL": NNAPI(3271), "GREATER": NNAPI(3272), "GREATER_EQUAL": NNAPI(3273),
    "EQUAL": NNAPI(3274), "NOT_EQUAL": NNAPI(3275), "NEG": NNAPI(3283), "TOPK_V2": NNAPI(3290),
    "SELECT": NNAPI(3303), "GATHER": NNAPI(3319), "BIDIRECTIONAL_SEQUENCE_LSTM": NNAPI(3336),
    "EXPAND_DIMS": NNAPI(3344), "SPLIT": NNAPI(3356), "SPLIT_V": NNAPI(3374), "LOG_SOFTMAX": NNAPI(3407),
    "QUANTIZE": NNAPI(3416), "REDUCE_ANY": NNAPI(3447), "REDUCE_MIN": NNAPI(3455), "REDUCE_MAX": NNAPI(3456),
    "DEPTH_TO_SPACE": NNAPI(3468), "REDUCE_PROD": NNAPI(3474), "SUM": NNAPI(3475), "ELU": NNAPI(3487),
    "FILL": NNAPI(3496), "PACK": NNAPI(3540), "UNPACK": NNAPI(3559), "SQUARED_DIFFERENCE": NNAPI(3581),
    "BATCH_MATMUL": NNAPI(3602), "MIRROR_PAD": NNAPI(3621), "REVERSE_V2": NNAPI(3641),
}  # fmt: skip

FLOAT = ("float32",)
QUANT = ("uint8", "int8")


class Validation(OpView):
    """OpValidationContext: every failed expectation, in order."""

    __slots__ = ("failures", "sdk")

    def __init__(self, model: Model, graph: Graph, op: Op, sdk: int) -> None:
        super().__init__(model, graph, op)
        self.sdk = sdk
        self.failures: list[str] = []

    def dtype(self, i: int) -> str:
        t = self.input(i)
        return t.dtype if t is not None else "none"

    def rank(self, t: Tensor | None) -> int:
        return len(t.shape or ()) if t is not None else 0

    # expectations (2080-2240)
    def expect(self, ok: bool, message: str) -> bool:
        if not ok:
            self.failures.append(message)
        return ok

    def max_version(self, n: int) -> None:
        self.expect(self.op.version <= n, f"OP Version higher than {n}")

    def version(self, n: int) -> None:  # ExpectOpVersion: the same test, another message
        self.expect(self.op.version <= n, f"OP Version different from {n}")

    def min_sdk(self, level: int) -> bool:
        return self.expect(self.sdk >= level, f"Android sdk version less than {_api(level)}")

    def type_in(self, dtype: str, allowed: tuple[str, ...], message: str | None = None) -> None:
        self.expect(dtype in allowed, message or f"Input type not in expected list {', '.join(allowed)}")

    def float_op(self) -> None:
        self.expect(self.dtype(0) in FLOAT, "Input should be Float")

    def float_or_uint8(self) -> None:
        self.expect(self.dtype(0) in ("float32", "uint8"), "Input should be Float or UINT8")

    def float_or_quant8(self) -> None:
        self.expect(self.dtype(0) in ("float32", *QUANT), "Input should be Float or Quant8")

    def float_quant8_or_int32(self) -> None:
        self.expect(self.dtype(0) in ("float32", *QUANT, "int32"), "Input should be Float, Quant8, or Int32")

    def restricted_scales(self) -> None:
        """ExpectIsRestrictedScalesCompliant (2220): NNAPI 1.0/1.1 need input x filter < output scale."""
        x, w, y = self.input(0), self.input(1), self.output()
        sx, sw, sy = (_scale(t) for t in (x, w, y))
        if sx is not None and sw is not None and sy is not None:
            self.expect(
                sx * sw < sy, "When using NN API version 1.0 or 1.1, input_scale * filter_scale < output_scale."
            )

    def hybrid(self) -> bool:
        """IsHybridOperator (386): float input, quantized weights."""
        k = self.op.kind
        if k in ("CONV_2D", "FULLY_CONNECTED"):
            return self.dtype(0) in FLOAT and self.dtype(1) in QUANT
        if k == "LSTM":
            return len(self.op.inputs) in (20, 24) and self.dtype(0) in FLOAT and self.dtype(2) in QUANT
        if k in ("UNIDIRECTIONAL_SEQUENCE_LSTM", "BIDIRECTIONAL_SEQUENCE_LSTM", "UNIDIRECTIONAL_SEQUENCE_RNN"):
            return self.dtype(0) in FLOAT and self.dtype(1 if k == "UNIDIRECTIONAL_SEQUENCE_RNN" else 2) in QUANT
        return False

    def rank_at_most_4(self, *indices: int, message: str = "Input rank must be <= 4") -> None:
        self.expect(all(self.rank(self.input(i)) <= 4 for i in indices), message)


def _api(level: int) -> int:
    for api, fl in sorted(FEATURE_LEVEL.items()):
        if fl == level:
            return api
    return level


def _scale(t: Tensor | None) -> float | None:
    return t.quant.scales[0] if t is not None and t.quant is not None and t.quant.scales else None


def _zero_point(t: Tensor | None) -> int | None:
    return t.quant.zero_points[0] if t is not None and t.quant is not None and t.quant.zero_points else None


# -- the cases ---------------------------------------------------------------------------------------
def _add_mul(v: Validation) -> None:
    v.max_version(2)  # MUL takes version 3 only when an accelerator is named
    if v.sdk >= NNAPI13:
        v.float_quant8_or_int32()
        if v.dtype(0) == "int32":
            v.expect(str(v.opt("fused_activation_function", "NONE")) == "NONE", "No activation function supported")
    else:
        v.float_or_quant8()
    v.rank_at_most_4(0, 1)


def _arg_min_max(v: Validation) -> None:
    v.max_version(2)
    v.min_sdk(NNAPI12)
    v.type_in(v.dtype(0), ("float16", "float32", "int32", "uint8", "int8"))
    axis = v.input(1)
    if axis is not None and axis.dtype == "int64":
        v.expect(axis.is_const, "NNAPI only supports axis as int32 (a constant int64 axis is converted)")
    else:
        v.expect(axis is not None and axis.dtype == "int32", "Axis should be Int32")
    v.expect(str(v.opt("output_type", "INT32")).upper() == "INT32", "NNAPI only supports int32 output.")


def _avg_pool(v: Validation) -> None:
    v.max_version(2)
    v.float_or_quant8()
    if v.dtype(0) in QUANT:
        area = int(v.opt("filter_width", 0) or 0) * int(v.opt("filter_height", 0) or 0)
        v.expect(area <= 256, "Large filter window would overflow on the reference CPU path")


def _max_pool(v: Validation) -> None:
    v.max_version(2)
    v.float_or_quant8()


def _l2_pool(v: Validation) -> None:
    v.version(1)
    v.float_op()
    if v.sdk < NNAPI12:
        v.expect(
            str(v.opt("fused_activation_function", "NONE")) == "NONE",
            "Before NNAPI 1.2 fused activation for l2_pool may not be supported.",
        )


def _conv(v: Validation) -> None:
    v.max_version(5)
    x, w = v.input(0), v.input(1)
    if v.sdk < NNAPI12:
        v.expect(not v.hybrid(), "Hybrid operators not supported before NNAPI 1.2")
        v.float_or_uint8()
        if w is not None and w.quant is not None and w.quant.scale_count > 1:
            v.expect(False, "Per-channel quantized convolution not supported before NNAPI 1.2.")
        if v.dtype(0) == "uint8":
            v.restricted_scales()
    v.expect(len(v.op.inputs) == 3 and v.op.inputs[2] >= 0, "Conv2D with omitted bias not supported")
    if int(v.opt("dilation_w_factor", 1) or 1) != 1 or int(v.opt("dilation_h_factor", 1) or 1) != 1:
        v.expect(v.sdk >= NNAPI12, "NNAPI supports dilated Conv2D since NNAPI 1.2.")
    if v.sdk < NNAPI12 and x is not None and w is not None and x.shape and w.shape:
        v.expect(x.shape[-1] == w.shape[-1], "Grouped convolution not supported before NNAPI < 1.2")


def _depthwise(v: Validation) -> None:
    v.max_version(3)
    if v.sdk < NNAPI12:
        v.float_or_uint8()
        if v.dtype(0) == "uint8":
            v.restricted_scales()
        v.expect(
            int(v.opt("dilation_w_factor", 1) or 1) == 1 and int(v.opt("dilation_h_factor", 1) or 1) == 1,
            "dilation_width_factor and dilation_height_factor expected to be equal to 1",
        )


def _fully_connected(v: Validation) -> None:
    v.max_version(5)
    out = v.output()
    v.expect(out is None or out.dtype != "int16", "Unsupported output of type kTfLiteInt16")
    if v.sdk < NNAPI12:
        v.expect(not v.hybrid(), "Hybrid operators not supported before NNAPI 1.2")
        v.float_or_uint8()
        if v.dtype(0) == "uint8":
            v.restricted_scales()
    if v.opt("keep_num_dims"):
        v.min_sdk(NNAPI13)


def _softmax(v: Validation) -> None:
    v.version(2)
    v.float_or_quant8()
    out = v.output()
    v.type_in(
        out.dtype if out else "none", ("float32", "uint8", "int8"), "Output type should be float32, uint8 or int8."
    )
    rank = v.rank(v.input(0))
    v.expect(rank <= 4, "Input rank should be <= 4")
    if v.sdk < NNAPI12:
        v.expect(rank in (2, 4), "Before API level 29 only 2D and 4D input tensors were supported.")


def _reshape(v: Validation) -> None:
    v.version(1)
    if v.sdk < FL6:
        v.float_or_quant8()
    else:
        v.float_quant8_or_int32()
    v.expect(v.rank(v.input(0)) <= 4, "Input rank should be <= 4")
    v.expect(v.rank(v.output()) <= 4, "Output rank should be <= 4")
    if len(v.op.inputs) >= 2:
        v.expect(v.is_const(1), "The shape input tensor must be constant.")
    else:
        shape = v.opt("new_shape") or ()
        n = 0 if isinstance(shape, (list, tuple)) and len(shape) == 1 and shape[0] == 0 else len(shape)
        v.expect(n > 0, "New shape rank should be > 0")


def _resize(v: Validation) -> None:
    v.max_version(3)
    x, out = v.input(0), v.output()
    if v.op.kind == "RESIZE_BILINEAR":
        v.expect(v.rank(x) == 4, "Input should have rank 4")
    else:
        v.min_sdk(NNAPI12)
    v.float_or_quant8()
    v.expect(len(v.op.inputs) >= 2, "Expected at least 2 inputs")
    if len(v.op.inputs) >= 2:
        v.expect(v.is_const(1), "The size input tensor must be constant.")
    if v.op.kind == "RESIZE_BILINEAR" and v.sdk < NNAPI12 and out is not None and out.shape and len(out.shape) == 4:
        v.expect(out.shape[1] == out.shape[2], "Require width == height due to driver differences in NNAPI < 1.2")
    if v.sdk <= NNAPI12:
        v.expect(not v.opt("align_corners"), "NNAPI does not support align_corners == true.")
        v.expect(not v.opt("half_pixel_centers"), "NNAPI does not support half_pixel_centers == true.")
    if v.op.kind == "RESIZE_BILINEAR" and v.sdk < NNAPI12:
        v.expect(v.dtype(0) == "float32", "NNAPI 1.0 & 1.1 only supports float input.")


def _squeeze(v: Validation) -> None:
    v.version(1)
    v.min_sdk(NNAPI11)
    if v.sdk == NNAPI11:
        dims = v.opt("squeeze_dims") or ()
        v.expect(len(dims) != 0, "NNAPI 1.1 does not support null squeeze_dims properly.")


def _seq_lstm(v: Validation) -> None:
    v.max_version(2)
    v.min_sdk(NNAPI12)
    v.expect(not v.hybrid(), "Hybrid version of this op is not supported by NN API.")
    v.expect(len(v.op.inputs) in (20, 24), "Supporting only operation with 20 or 24 inputs")


def _l2_norm(v: Validation) -> None:
    v.max_version(2)
    if v.sdk < NNAPI12:
        v.float_op()
        v.expect(v.rank(v.input(0)) == 4, "Expected 4 inputs")
    v.expect(str(v.opt("fused_activation_function", "NONE")) == "NONE", "Expected no activation")


def _lrn(v: Validation) -> None:
    v.version(1)


def _lsh(v: Validation) -> None:
    v.version(1)
    if str(v.opt("type", "")) == "SPARSE":
        v.expect(v.sdk >= NNAPI12, "NNAPI does not support sparse projection correctly pre-Q")
        v.expect(len(v.op.inputs) == 2, "NNAPI does not support weights for sparse projects.")


def _concat(v: Validation) -> None:
    v.max_version(2)
    v.expect(str(v.opt("fused_activation_function", "NONE")) == "NONE", "No activation function supported")
    v.expect(v.rank(v.input(0)) <= 4, "Input rank should be less than 4")
    dtype = v.dtype(0)
    v.type_in(dtype, ("float16", "float32", "uint8", "int8"))
    if dtype == "uint8" and v.sdk < NNAPI12:
        first = v.input(0)
        for i in range(1, len(v.op.inputs)):
            t = v.input(i)
            same = _scale(t) == _scale(first) and _zero_point(t) == _zero_point(first)
            if not v.expect(
                same, "NNAPI 1.0-1 only supported concatenating quantized tensor of the same scale and offset."
            ):
                break


def _dequantize(v: Validation) -> None:
    x = v.input(0)
    if v.sdk >= NNAPI13 and x is not None and x.dtype == "float16" and not x.is_const:
        return
    v.expect(v.op.version in (1, 2), "Supported op versions are 1 and 2 only")
    if v.sdk < NNAPI12:
        v.type_in(v.dtype(0), ("uint8",))
    else:
        v.type_in(v.dtype(0), ("uint8", "int8"))
        if v.sdk == NNAPI12 and v.dtype(0) == "int8":
            v.expect(
                _zero_point(x) in (0, None),
                "NN API supports int8 type since version 1.2 but only for symmetric quantization.",
            )


def _densify(v: Validation) -> None:
    v.expect(v.sdk >= NNAPI13 and v.is_const(0), "DENSIFY is only delegated on a constant input from API level 30")


def _floor(v: Validation) -> None:
    v.version(1)


def _relu_like(v: Validation) -> None:
    v.max_version(2)
    v.float_or_quant8()


def _tanh(v: Validation) -> None:
    v.max_version(2)
    d = v.dtype(0)
    v.expect(d in FLOAT or (d in QUANT and v.sdk >= NNAPI12), "NNAPI only support float tanh.")


def _sub(v: Validation) -> None:
    v.max_version(3)
    d = v.dtype(0)
    v.expect(
        (v.sdk >= NNAPI11 and d in FLOAT) or (v.sdk >= NNAPI12 and d in QUANT) or (v.sdk >= NNAPI13 and d == "int32"),
        "NNAPI only support float sub.",
    )
    if d == "int32":
        v.expect(str(v.opt("fused_activation_function", "NONE")) == "NONE", "No activation function supported")
    v.rank_at_most_4(0, 1)


def _div(v: Validation) -> None:
    v.version(1)
    v.min_sdk(NNAPI11)
    v.expect(v.dtype(0) == "float32", "NNAPI only support float div.")
    v.rank_at_most_4(0, 1)


def _pad(v: Validation) -> None:
    v.max_version(2)
    v.float_or_quant8()
    v.min_sdk(NNAPI11)
    x = v.input(0)
    v.expect(x is None or 0 not in (x.shape or ()), "NN API pad ops do not support input tensors with no elements")
    v.expect(len(v.op.inputs) >= 2, "Expecting at least 2 inputs")
    if len(v.op.inputs) == 3:
        v.expect(v.sdk >= NNAPI12, "Specification of the padding value is supported from NNAPI 1.2.")
    elif v.sdk < NNAPI12:
        v.expect(v.dtype(0) == "float32", "Only Float32 inputs are supported before NNAPI 1.2")


def _seq_rnn(v: Validation) -> None:
    v.version(1)
    v.min_sdk(NNAPI12)
    v.expect(not v.hybrid(), "Hybrid version of this op is not supported by NN API.")


def _space_to_batch(v: Validation) -> None:
    v.max_version(2)
    v.min_sdk(NNAPI11)


def _batch_to_space(v: Validation) -> None:
    v.max_version(2)
    v.min_sdk(NNAPI11)
    crops = v.input(2)
    values = v.values(2) if crops is not None else None
    ok = crops is not None and crops.is_const and (values is None or (len(values) == 4 and not any(values)))
    v.expect(ok, "All crops should be 0.")


def _strided_slice(v: Validation) -> None:
    v.max_version(2)
    v.float_or_quant8()
    v.min_sdk(NNAPI11)


def _transpose(v: Validation) -> None:
    v.max_version(2)
    v.min_sdk(NNAPI11)
    v.expect(len(v.op.inputs) > 1 and v.is_const(1), "Dynamically-sized tensors not supported.")


def _unary_float_v1(v: Validation) -> None:  # ABS EXP LOG POW COS SIN SQRT
    v.version(1)
    v.min_sdk(NNAPI12)
    v.float_op()


def _rsqrt(v: Validation) -> None:
    v.version(2)
    v.min_sdk(NNAPI12)
    if v.sdk < FL7:
        v.float_op()
    else:
        v.float_or_quant8()


def _slice(v: Validation) -> None:
    v.max_version(2)
    v.min_sdk(NNAPI12)
    v.type_in(v.dtype(0), ("float32", "int32", "uint8", "int8"))
    v.expect(v.dtype(1) == "int32", "Begin type should be Int32")
    v.expect(v.dtype(2) == "int32", "Size type should be Int32")


def _transpose_conv(v: Validation) -> None:
    v.max_version(4)
    v.min_sdk(NNAPI12)
    v.expect(len(v.op.inputs) > 1 and v.is_const(0) and v.is_const(1), "Dynamically-sized tensors not supported.")


def _rnn(v: Validation) -> None:
    v.version(1)
    v.expect(len(v.op.inputs) == 5, "Expected 5 input")
    if len(v.op.inputs) >= 2:
        v.expect(v.dtype(1) == "float32", "NNAPI only support float32 weights.")


def _space_to_depth(v: Validation) -> None:
    v.max_version(2)
    v.type_in(v.dtype(0), ("float32", "uint8", "int8"))


def _svdf(v: Validation) -> None:
    v.version(1)
    v.expect(len(v.op.inputs) == 5, "Expected input of rank 5")
    if len(v.op.inputs) >= 2:
        v.expect(v.dtype(1) == "float32", "NNAPI only support float32 weights.")
    v.expect(v.sdk >= NNAPI11, "SVDF does not support rank > 1 on NNAPI 1.0.")


def _lstm(v: Validation) -> None:
    v.max_version(3)
    v.expect(v.sdk >= NNAPI11, "NNAPI 1.0 has a bug for optional tensors which would affect LSTM.")
    v.expect(v.sdk >= NNAPI12 or not v.hybrid(), "Hybrid operators not supported before NNAPI 1.2.")
    basic = str(v.opt("kernel_type", "FULL")) == "BASIC"
    weights = v.dtype(2 if basic else 4)
    if basic:
        v.expect(weights == "uint8", "Basic LSTM Kernels support only UINT8 weights")
        x, y = v.input(0), v.output()
        v.expect(_scale(x) == 1 / 128 and _zero_point(x) == 128, "Invalid input quantization")
        v.expect(_scale(y) == 1 / 128 and _zero_point(y) == 128, "Invalid output quantization")
        v.expect(v.is_const(2), "Weights tensor should be constant")
        v.expect(v.is_const(3), "Biases tensor should be constant")
        return
    if len(v.op.inputs) == 24:
        v.min_sdk(NNAPI12)
    allowed = ("float32", "uint8", "int8") if v.sdk >= NNAPI13 else ("float32", "uint8")
    v.expect(weights in allowed, f"Weight has to be {' or '.join(a.upper() for a in allowed)}")


def _mean(v: Validation) -> None:
    v.max_version(2)
    v.min_sdk(NNAPI11)
    if v.sdk >= NNAPI12:
        v.expect(v.dtype(0) in ("float32", *QUANT), "Expected Float32 or Quantized input")
    else:
        v.expect(v.dtype(0) == "float32", "Expected Float32 input")
    v.expect(v.rank(v.output()) > 0, "NNAPI does not support generating a scalar as output for MEAN.")
    v.expect(v.rank(v.input(0)) <= 4, "NNAPI does not support mean of a tensor with rank > 4")


def _embedding_lookup(v: Validation) -> None:
    v.version(1)
    v.expect(v.dtype(1) == "float32", "NNAPI only support float32 values.")


def _hashtable_lookup(v: Validation) -> None:
    v.version(1)
    out = v.output()
    v.expect(out is not None and out.dtype == "float32", "NNAPI only support float32 output.")


def _min_max(v: Validation) -> None:
    v.max_version(3)
    v.min_sdk(NNAPI12)
    v.type_in(v.dtype(0), ("float32", "uint8", "int8", "int32"))
    for i in (0, 1):
        t = v.input(i)
        if t is not None and not t.shape:
            v.expect(t.is_const, "Scalar operand should be constant")


def _cast(v: Validation) -> None:
    v.version(1)
    v.min_sdk(NNAPI12)
    out = v.output()
    allowed = ("float32", "int32", "uint8", "int8") if v.sdk >= NNAPI13 else ("float32", "int32", "uint8")
    v.type_in(v.dtype(0), allowed)
    v.type_in(out.dtype if out else "none", allowed, f"Output type should be one of {', '.join(allowed)}.")


def _prelu(v: Validation) -> None:
    v.version(1)
    v.min_sdk(NNAPI12)
    v.type_in(v.dtype(0), ("float32", "uint8", "int8"))


def _tile(v: Validation) -> None:
    v.version(1)
    v.min_sdk(NNAPI12)
    v.type_in(v.dtype(0), ("float32", "int8", "uint8", "int32"))
    v.expect(v.dtype(1) == "int32", "Multipliers should be Int32")


def _logical(v: Validation) -> None:
    v.version(1)
    v.min_sdk(NNAPI12)
    v.expect(v.dtype(0) == "bool", "Input should be bool")


def _compare(v: Validation) -> None:
    v.max_version(2)
    v.min_sdk(NNAPI12)
    v.type_in(v.dtype(0), ("float32", "uint8", "int8", "bool", "int32"))


def _neg(v: Validation) -> None:
    v.max_version(2)
    v.min_sdk(NNAPI12)
    v.type_in(v.dtype(0), ("float32", "int32"))


def _topk(v: Validation) -> None:
    v.max_version(2)
    v.min_sdk(NNAPI12)
    v.type_in(v.dtype(0), ("float32", "int32", "uint8", "int8"))
    v.expect(v.dtype(1) == "int32" and v.is_const(1), "K param should be a constant of type Int32")


def _select(v: Validation) -> None:
    v.max_version(2)
    v.min_sdk(NNAPI12)
    v.type_in(v.dtype(1), ("float32", "int32", "uint8", "int8"))
    c, x = v.input(0), v.input(1)
    v.expect(
        c is not None and x is not None and tuple(c.shape or ()) == tuple(x.shape or ()),
        "Condition and inputs tensors should have the same shape",
    )


def _gather(v: Validation) -> None:
    v.version(2)
    v.min_sdk(NNAPI12)
    v.type_in(v.dtype(0), ("float32", "float16", "int32", "uint8", "int8"))
    v.expect(v.dtype(1) == "int32", "Positions type should be one of kTfLiteInt32")
    v.expect(v.rank(v.input(1)) != 0, "0-dimension args are not supported by NNAPI.")


def _bidi_lstm(v: Validation) -> None:
    v.version(1)
    v.min_sdk(NNAPI12)
    v.expect(not v.hybrid(), "Hybrid version of this op is not supported by NN API.")


def _expand_dims(v: Validation) -> None:
    v.version(1)
    v.min_sdk(NNAPI12)
    v.type_in(v.dtype(0), ("float32", "float16", "int32", "uint8", "int8"))
    v.expect(v.dtype(1) == "int32" and v.is_const(1), "NNAPI only supports constant int32 axis tensor.")


def _split(v: Validation) -> None:
    v.version(3)
    v.min_sdk(NNAPI12)
    allowed = ("float32", "uint8", "int8", "int32") if v.sdk >= NNAPI13 else ("float32", "uint8", "int32")
    v.type_in(v.dtype(1), allowed)
    v.expect(v.dtype(0) == "int32" and v.is_const(0), "NNAPI only supports constant int32 axis tensor.")


def _split_v(v: Validation) -> None:
    v.version(2)
    v.min_sdk(NNAPI13)
    v.type_in(v.dtype(0), ("float32", "uint8", "int8", "int32"))
    sizes = v.input(1)
    v.expect(
        sizes is not None and sizes.dtype == "int32" and v.rank(sizes) == 1 and sizes.is_const,
        "NNAPI only supports constant int32 size_splits vector.",
    )
    v.expect(v.dtype(2) == "int32" and v.is_const(2), "NNAPI only supports constant int32 axis tensor.")


def _log_softmax(v: Validation) -> None:
    v.version(1)
    v.min_sdk(NNAPI12)
    v.expect(v.dtype(0) == "float32", "Input should be Float32.")


def _quantize(v: Validation) -> None:
    v.max_version(2)
    v.min_sdk(NNAPI12)
    d = v.dtype(0)
    v.expect(d == "float32" or d in QUANT, "Value should be quantized or Float32.")
    if d in QUANT:
        v.expect((_scale(v.input(0)) or 0) > 0, "Quantization scale should be > 0.")
    out = v.output()
    allowed = ("uint8", "int8") if v.sdk >= NNAPI13 else ("uint8",)
    v.expect(out is not None and out.dtype in allowed, "Output should be kTfLiteUInt8.")
    v.expect((_scale(out) or 0) > 0, "Quantization scale should be > 0.")


def _reduce_any(v: Validation) -> None:
    v.version(2)
    v.min_sdk(NNAPI12)
    v.expect(v.rank(v.output()) != 0, "NNAPI does not support generating a scalar as output.")


def _reduce_min_max(v: Validation) -> None:
    v.max_version(2)
    v.min_sdk(NNAPI12)
    v.type_in(v.dtype(0), ("float32", "uint8", "int8"))
    v.expect(v.rank(v.input(0)) != 0, "NNAPI does not support generating a scalar as output.")


def _depth_to_space(v: Validation) -> None:
    v.type_in(v.dtype(0), ("float32", "uint8", "int8"))


def _reduce_sum_prod(v: Validation) -> None:
    v.version(1)
    v.min_sdk(NNAPI12)
    v.expect(v.rank(v.output()) != 0, "NNAPI does not support generating a scalar as output")
    v.expect(v.dtype(0) == "float32", "NNAPI only supports floating point input.")


def _elu(v: Validation) -> None:
    v.version(1)
    v.min_sdk(NNAPI13)
    v.expect(v.dtype(0) == "float32", "NNAPI only supports floating point input.")


def _fill(v: Validation) -> None:
    v.version(1)
    v.min_sdk(NNAPI13)
    dims = v.input(0)
    v.expect(dims is not None and dims.is_const, "NNAPI doesn't support dynamic dimensions tensor.")
    v.type_in(v.dtype(0), ("int32", "int64"))
    if dims is not None and dims.is_const:
        shape = dims.shape or (0,)
        v.expect(shape[0] != 0, "NNAPI doesn't support generating scalars from FILL")
    v.type_in(v.dtype(1), ("float32", "int32", "int64"))


def _pack(v: Validation) -> None:
    v.version(2)
    v.min_sdk(NNAPI13)
    if v.sdk >= FL6:
        v.type_in(v.dtype(0), ("int32", "float32", "int8", "uint8"))
    else:
        v.type_in(v.dtype(0), ("float32", "int8"))
        axis = int(v.opt("axis", 0) or 0)
        v.expect(axis not in (-1, v.rank(v.input(0))), "NNAPI does not support axis being the last dimension")


def _unpack(v: Validation) -> None:
    v.version(2)
    v.min_sdk(NNAPI13)
    v.type_in(v.dtype(0), ("float32", "uint8", "int8"))
    rank = v.rank(v.input(0))
    v.expect(rank > 1, "NNAPI does not support unpacking a rank-1 tensor")
    v.expect(rank <= 4, "NNAPI does not support unpacking a tensor with rank > 4")
    axis = int(v.opt("axis", 0) or 0)
    v.expect(axis not in (-1, rank - 1), "NNAPI does not support axis being the last dimension")


def _squared_difference(v: Validation) -> None:
    v.version(2)
    v.min_sdk(NNAPI11)
    if v.sdk >= NNAPI13:
        v.type_in(v.dtype(0), ("float32", "uint8", "int8", "int32"))
    elif v.sdk >= NNAPI12:
        v.type_in(v.dtype(0), ("float32", "uint8"))
    else:
        v.type_in(v.dtype(0), ("float32",))
    v.rank_at_most_4(0, 1, message="NNAPI does not support input rank greater than 4")


def _batch_matmul(v: Validation) -> None:
    v.version(2)
    v.min_sdk(FL6)
    v.type_in(v.dtype(0), ("float32", "int32", "int8"))
    v.expect(v.dtype(0) == v.dtype(1), "NNAPI does not support hybrid batch matmul")
    rank = v.rank(v.input(0))
    v.expect(2 <= rank <= 4, "NNAPI does not support input rank greater than 4 or less than 2")
    a, b = v.input(0), v.input(1)
    if a is not None and b is not None and a.shape and b.shape:
        v.expect(tuple(a.shape[:-2]) == tuple(b.shape[:-2]), "NNAPI does not support broadcast batch matmul")


def _mirror_pad(v: Validation) -> None:
    v.max_version(2)
    v.min_sdk(FL7)
    v.float_quant8_or_int32()
    x = v.input(0)
    v.expect(x is None or 0 not in (x.shape or ()), "NN API pad ops do not support input tensors with no elements")
    v.expect(len(v.op.inputs) == 2, "Expecting 2 inputs")


def _reverse(v: Validation) -> None:
    v.max_version(3)
    v.min_sdk(FL7)
    v.float_quant8_or_int32()
    v.expect(len(v.op.inputs) == 2, "Expecting 2 inputs")


def _hard_swish(v: Validation) -> None:
    v.float_or_quant8()


CASES: dict[str, Callable[[Validation], None]] = {
    "ADD": _add_mul, "MUL": _add_mul, "ARG_MAX": _arg_min_max, "ARG_MIN": _arg_min_max,
    "AVERAGE_POOL_2D": _avg_pool, "MAX_POOL_2D": _max_pool, "L2_POOL_2D": _l2_pool, "CONV_2D": _conv,
    "DEPTHWISE_CONV_2D": _depthwise, "FULLY_CONNECTED": _fully_connected, "HARD_SWISH": _hard_swish,
    "SOFTMAX": _softmax, "RESHAPE": _reshape, "RESIZE_BILINEAR": _resize, "RESIZE_NEAREST_NEIGHBOR": _resize,
    "SQUEEZE": _squeeze, "UNIDIRECTIONAL_SEQUENCE_LSTM": _seq_lstm, "L2_NORMALIZATION": _l2_norm,
    "LOCAL_RESPONSE_NORMALIZATION": _lrn, "LSH_PROJECTION": _lsh, "CONCATENATION": _concat,
    "DEQUANTIZE": _dequantize, "DENSIFY": _densify, "FLOOR": _floor, "RELU": _relu_like,
    "RELU_N1_TO_1": _relu_like, "RELU6": _relu_like, "LOGISTIC": _relu_like, "TANH": _tanh, "SUB": _sub,
    "DIV": _div, "PAD": _pad, "PADV2": _pad, "UNIDIRECTIONAL_SEQUENCE_RNN": _seq_rnn,
    "SPACE_TO_BATCH_ND": _space_to_batch, "BATCH_TO_SPACE_ND": _batch_to_space, "STRIDED_SLICE": _strided_slice,
    "TRANSPOSE": _transpose, "ABS": _unary_float_v1, "EXP": _unary_float_v1, "LOG": _unary_float_v1,
    "POW": _unary_float_v1, "RSQRT": _rsqrt, "SLICE": _slice, "COS": _unary_float_v1, "SIN": _unary_float_v1,
    "TRANSPOSE_CONV": _transpose_conv, "SQRT": _unary_float_v1, "RNN": _rnn, "SPACE_TO_DEPTH": _space_to_depth,
    "SVDF": _svdf, "LSTM": _lstm, "MEAN": _mean, "EMBEDDING_LOOKUP": _embedding_lookup,
    "HASHTABLE_LOOKUP": _hashtable_lookup, "MAXIMUM": _min_max, "MINIMUM": _min_max, "CAST": _cast,
    "LEAKY_RELU": _prelu, "PRELU": _prelu, "TILE": _tile, "LOGICAL_OR": _logical, "LOGICAL_AND": _logical,
    "LOGICAL_NOT": _logical, "LESS": _compare, "LESS_EQUAL": _compare, "GREATER": _compare,
    "GREATER_EQUAL": _compare, "EQUAL": _compare, "NOT_EQUAL": _compare, "NEG": _neg, "TOPK_V2": _topk,
    "SELECT": _select, "GATHER": _gather, "BIDIRECTIONAL_SEQUENCE_LSTM": _bidi_lstm,
    "EXPAND_DIMS": _expand_dims, "SPLIT": _split, "SPLIT_V": _split_v, "LOG_SOFTMAX": _log_softmax,
    "QUANTIZE": _quantize, "REDUCE_ANY": _reduce_any, "REDUCE_MIN": _reduce_min_max,
    "REDUCE_MAX": _reduce_min_max, "DEPTH_TO_SPACE": _depth_to_space, "REDUCE_PROD": _reduce_sum_prod,
    "SUM": _reduce_sum_prod, "ELU": _elu, "FILL": _fill, "PACK": _pack, "UNPACK": _unpack,
    "SQUARED_DIFFERENCE": _squared_difference, "BATCH_MATMUL": _batch_matmul, "MIRROR_PAD": _mirror_pad,
    "REVERSE_V2": _reverse,
}  # fmt: skip


def feature_level(target: Target) -> int:
    api = int(target.delegate_options.get("android-api-level", 30))
    return FEATURE_LEVEL.get(api, FL8 if api > 35 else api)


def check_op(model: Model, graph: Graph, op: Op, level: int) -> OpVerdict:
    case = CASES.get(op.kind)
    if case is None:
        return OpVerdict(False, ("Unsupported operation type.",), NNAPI(3653))
    v = Validation(model, graph, op, level)
    try:
        case(v)
    except (IndexError, TypeError, ValueError):
        v.failures.append("the op's operands are not what NNAPI expects")
    return OpVerdict(not v.failures, tuple(v.failures), CASE_LINE.get(op.kind, NNAPI(2358)))


def assess(model: Model, target: Target) -> Assessment:
    """What the NNAPI delegate takes of ``model`` at the target's API level (``Delegate.assess``)."""
    level = feature_level(target)
    return Assessment({op.key: check_op(model, graph, op, level) for graph in model.graphs for op in graph.ops})


def kinds(target: Target) -> frozenset[str]:
    """The builtins Validate has a case for (DENSIFY only from API level 30)."""
    return frozenset(CASES) - (frozenset({"DENSIFY"}) if feature_level(target) < NNAPI13 else frozenset())


DELEGATE = Delegate("nnapi", assess, kinds)
