"""The classic TFLite GPU delegate (OpenCL / OpenGL): which ops it takes, and why not the others.

A translation of ``CheckGpuDelegateCompatibility`` (``tflite/tools/versioning/gpu_compatibility.cc``
at the pinned LiteRT commit, see ``rules/targets/gpu.toml``), the checker the delegate and
TFLite's model analyzer share; each rejection quotes the checker's own message and cites the line
that returns it.  The op signature it checks is built as
``tflite/converter/tools/versioning/op_signature.cc`` builds it from the flatbuffer: a tensor is
constant when its buffer holds data, a left-out optional input has no type and is not counted as a
runtime input, shapes are the stored ``shape``.

Broadcasting uses the ``kEnhancedBroadcast`` rules the flatbuffer entry point passes.  The
delegate itself delegates only its largest partition by default (``max_delegated_partitions = 1``,
``tflite/delegates/gpu/delegate_options.cc``); the target file carries that limit.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from .contract import OpVerdict, Rejection, Verdicts
from .litert import fp16_partition

if TYPE_CHECKING:  # pragma: no cover
    from ..core.model import Graph, Model, Op, Tensor
    from ..knowledge.targets import Target

SOURCE = "tflite/tools/versioning/gpu_compatibility.cc"
FLOAT = ("float16", "float32")


class Unsupported(Exception):
    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


class Spec:
    """OpSignatureTensorSpec: type, dims, constness of one input or output (None: left out)."""

    __slots__ = ("dims", "is_const", "type")

    def __init__(self, tensor: Tensor | None, constant: bool = False) -> None:
        self.type = tensor.dtype if tensor is not None else "notype"
        self.dims: tuple[int, ...] = tuple(tensor.shape or ()) if tensor is not None else ()
        self.is_const = bool(tensor is not None and (tensor.is_const or constant))


class Sig:
    def __init__(self, graph: Graph, op: Op, constants: frozenset[int] = frozenset()) -> None:
        self.op = op
        self.inputs = [Spec(graph.tensor(t) if t >= 0 else None, t in constants) for t in op.inputs]
        self.outputs = [Spec(graph.tensor(t) if t >= 0 else None) for t in op.outputs]

    def opt(self, key: str, default: Any = None) -> Any:
        return self.op.options.get(key, default)

    @property
    def runtime_inputs(self) -> int:
        """GetNumberOfRuntimeInputs (106)."""
        return sum(1 for s in self.inputs if not s.is_const and s.type != "notype")


def _elements(dims: tuple[int, ...]) -> int:
    n = 1
    for d in dims:
        n *= d
    return n


# -- helpers (gpu_compatibility.cc 83-532) ----------------------------------------------------
def activation(act: Any) -> None:
    """IsActivationSupported (83): everything but SIGN_BIT."""
    if str(act) == "SIGN_BIT":
        raise Unsupported("TfLiteFusedActivation.kTfLiteActSignBit", 95)


def inputs_outputs(sig: Sig, runtime: int, outputs: int) -> None:
    """CheckInputsOutputs (116)."""
    if sig.runtime_inputs != runtime:
        raise Unsupported(
            f"Expected {runtime} runtime input tensor(s), but node has {sig.runtime_inputs} runtime input(s).", 121
        )
    if len(sig.outputs) != outputs:
        raise Unsupported(f"Expected {outputs} output tensor(s), but node has {len(sig.outputs)} output(s).", 128)


def inputs_consts_outputs(sig: Sig, runtime: int, consts: int, outputs: int) -> None:
    """CheckInputsConstsOutputs (139)."""
    n_const = sum(1 for s in sig.inputs if s.is_const)
    if n_const != consts:
        raise Unsupported(f"Expected {consts} const input tensor(s), but node has {n_const} const input(s).", 149)
    inputs_outputs(sig, runtime, outputs)


def one_or_two_operands(sig: Sig, line: int = 1196) -> None:
    """Two runtime inputs, or one runtime and one constant input (GATHER 843, elementwise ops 1196)."""
    try:
        inputs_consts_outputs(sig, 2, 0, 1)
    except Unsupported:
        try:
            inputs_consts_outputs(sig, 1, 1, 1)
        except Unsupported:
            raise Unsupported("Op can only handle 1 or 2 operand(s).", line) from None


def tensor_available(sig: Sig, idx: int) -> None:
    """CheckTensorIsAvailable (158)."""
    if idx >= len(sig.inputs):
        raise Unsupported(f"Requested index goes beyond array size: {idx} vs {len(sig.inputs)}", 160)


def convolution_io(sig: Sig) -> None:
    """CheckConvolutionInputOutput (171)."""
    n = sig.runtime_inputs
    if n < 1 or n > 2:
        raise Unsupported(f"Expected 1 or 2 input tensor(s), but node has {n} runtime inputs.", 174)
    if len(sig.outputs) != 1:
        raise Unsupported(f"Expected 1 output tensor(s), but node has {len(sig.outputs)} runtime outputs.", 180)
    if n == 1:
        tensor_available(sig, 1)


def strides(h: Any, w: Any) -> None:
    if int(h or 0) <= 0 or int(w or 0) <= 0:
        raise Unsupported(f"Incorrect stride values: stride_height = {h}, stride_width = {w}", 192)


def dilation(h: Any, w: Any) -> None:
    if int(h or 0) <= 0 or int(w or 0) <= 0:
        raise Unsupported(f"Incorrect dilation values: dilation_height = {h}, dilation_width = {w}", 201)


def kernels(h: Any, w: Any) -> None:
    if int(h or 0) <= 0 or int(w or 0) <= 0:
        raise Unsupported(f"Incorrect kernel values: kernel_height = {h}, kernel_width = {w}", 217)


def axes_int32_const(sig: Sig, idx: int) -> None:
    """CheckAxesAreInt32Const (232)."""
    axes = sig.inputs[idx]
    if not axes.is_const:
        raise Unsupported(f"{sig.op.kind} is only supported with constant axes.", 235)
    if axes.type != "int32":
        raise Unsupported(f"{sig.op.kind} supports int32 tensor for axes. But node has {axes.type.upper()}", 239)


def pooling(sig: Sig, custom: bool = False) -> None:
    """CheckPooling2DGpuDelegateCompatibility (246)."""
    inputs_outputs(sig, 1, 2 if custom else 1)
    if custom:
        return  # the pooling parameters are in custom options oplint does not decode
    kernels(sig.opt("filter_height"), sig.opt("filter_width"))
    strides(sig.opt("stride_h"), sig.opt("stride_w"))
    activation(sig.opt("fused_activation_function"))


def depthwise(sig: Sig) -> None:
    """CheckDepthwiseConvGpuDelegateCompatibility (266)."""
    convolution_io(sig)
    strides(sig.opt("stride_h"), sig.opt("stride_w"))
    dilation(sig.opt("dilation_h_factor"), sig.opt("dilation_w_factor"))
    activation(sig.opt("fused_activation_function"))
    mult = int(sig.opt("depth_multiplier", 0) or 0)
    x, w, y = sig.inputs[0], sig.inputs[1], sig.outputs[0]
    bias = sig.inputs[2] if len(sig.inputs) > 2 else None
    for spec, what, line in ((x, "input", 282), (w, "filter", 285), (y, "output", 288)):
        if len(spec.dims) != 4:
            raise Unsupported(f"{what}.dims.size != 4", line)
    if x.dims[0] != y.dims[0]:
        raise Unsupported("input.b != output.b", 291)
    if w.dims[3] != y.dims[3]:
        raise Unsupported("filter.i != output.c", 296)
    if y.dims[3] != x.dims[3] * mult:
        raise Unsupported("output.c != input.c * depth_multiplier", 299)
    if bias is not None and bias.type != "notype" and _elements(bias.dims) != y.dims[3]:
        raise Unsupported("bias.size != output.c", 302)


def broadcast(a: Spec, b: Spec) -> None:
    """CheckAddMulBroadcastCompatibility (484) with kEnhancedBroadcast (CheckIsBroadcastable, 465)."""
    if len(a.dims) > 1 and len(b.dims) > 1 and len(a.dims) != len(b.dims):
        longer, shorter = (a.dims, b.dims) if len(a.dims) >= len(b.dims) else (b.dims, a.dims)
        for x, y in zip(reversed(longer), reversed(shorter)):
            if x != y and x != 1 and y != 1:
                raise Unsupported(
                    f"Doesn't support broadcasting - input0: [{','.join(map(str, a.dims))}], "
                    f"input1: [{','.join(map(str, b.dims))}]",
                    521,
                )


# -- CheckGpuDelegateCompatibility (534) -----------------------------------------------------
def _add(sig: Sig) -> None:
    if len(sig.inputs) != 2:
        raise Unsupported("ADD requires two input tensors.", 540)
    broadcast(sig.inputs[0], sig.inputs[1])


def _add_n(sig: Sig) -> None:
    if len(sig.inputs) != 2:
        raise Unsupported("ADD_N only supports 2 inputs.", 555)


def _batch_matmul(sig: Sig) -> None:
    if not (len(sig.inputs) == 2 and len(sig.outputs) == 1):
        raise Unsupported(
            f"Expected 2 inputs and 1 output, got: {len(sig.inputs)} inputs and {len(sig.outputs)} outputs", 565
        )


def _cast(sig: Sig) -> None:
    inputs_outputs(sig, 1, 1)
    i, o = sig.inputs[0].type, sig.outputs[0].type
    if (i == "bool" and o in FLOAT) or (i in FLOAT and o == "bool"):
        return
    if i in ("float32", "int32") and o in ("float32", "int32"):
        return
    raise Unsupported(f"Not supported Cast case. Input type: {i.upper()} and output type: {o.upper()}", 652)


def _conv(sig: Sig) -> None:
    convolution_io(sig)
    strides(sig.opt("stride_h"), sig.opt("stride_w"))
    dilation(sig.opt("dilation_h_factor"), sig.opt("dilation_w_factor"))
    activation(sig.opt("fused_activation_function"))


def _cumsum(sig: Sig) -> None:
    if len(sig.inputs) != 2 or len(sig.outputs) != 1:
        raise Unsupported("Expects 2 inputs and 1 output", 309)
    x, axis, y = sig.inputs[0], sig.inputs[1], sig.outputs[0]
    if x.type not in FLOAT or y.type != x.type or axis.type != "int32" or not axis.is_const:
        raise Unsupported("Input/output must be float type and indices must be constant int32 type", 311)


def _block(kind: str, line: int) -> Callable[[Sig], None]:
    def check(sig: Sig) -> None:
        inputs_outputs(sig, 1, 1)
        block = int(sig.opt("block_size", 0) or 0)
        if block == 1:
            raise Unsupported(f"{kind} block_size = 1 is a no-op.", line)
        if block < 1:
            raise Unsupported(f"{kind} block_size must be > 1.", line + 4)

    return check


def _dequantize(sig: Sig) -> None:
    if len(sig.inputs) != 1 or len(sig.outputs) != 1:
        raise Unsupported(
            f"Expected 1 input & output each from Dequantize, got: {len(sig.inputs)}, {len(sig.outputs)}", 705
        )
    if sig.inputs[0].type == "int16":
        raise Unsupported("Unsupported dequantization type.", 710)


def _embedding_lookup(sig: Sig) -> None:
    if len(sig.inputs) != 2:
        raise Unsupported(f"Expected 2, but got {len(sig.inputs)} inputs.", 718)
    if len(sig.outputs) != 1:
        raise Unsupported(f"Expected 1, but got {len(sig.outputs)} outputs.", 722)
    ids, values, out = sig.inputs[0], sig.inputs[1], sig.outputs[0]
    if len(ids.dims) != 1:
        raise Unsupported(f"Expected 1D, but got {len(ids.dims)}D input #0.", 729)
    if len(values.dims) < 2:
        raise Unsupported(f"Expected > 1D, but got {len(values.dims)}D input #1.", 733)
    if len(values.dims) != len(out.dims):
        raise Unsupported(f"Expected {len(values.dims)}, but got {len(out.dims)} for output.", 737)
    for i in range(1, len(out.dims)):
        if values.dims[i] != out.dims[i]:
            raise Unsupported(f"Expected {values.dims[i]}, but got {out.dims[i]} for output.dim[{i}].", 743)
    if values.type not in ("int8", "int4", "int2", "float32"):
        raise Unsupported(f"Expected int8, int4, int2, or float32, but got {values.type.upper()} for input #1.", 756)


def _dynamic_update_slice(sig: Sig) -> None:
    if len(sig.inputs) != 3:
        raise Unsupported("DynamicUpdateSlice requires 3 inputs.", 764)
    operand, update, start = sig.inputs
    if operand.type != update.type:
        raise Unsupported("Array to update and updated slice must have the same data type", 770)
    if len(start.dims) != 1:
        raise Unsupported(f"Start indices must be 1D, but got: {len(start.dims)}", 776)
    if start.type != "int32":
        raise Unsupported("start_indices must be of type int32.", 781)
    if len(update.dims) != len(operand.dims):
        raise Unsupported("Operand and update must have the same number of dimensions", 785)


def _fully_connected(sig: Sig) -> None:
    if not sig.inputs:
        raise Unsupported("Expected at least 1 input", 799)
    fmt = str(sig.opt("weights_format", "DEFAULT"))
    if fmt != "DEFAULT":
        raise Unsupported(f"Unsupported FullyConnected weights format: {fmt}", 806)
    if sig.runtime_inputs > 2:
        raise Unsupported("FullyConnected doesn't support more than 2 runtime inputs.", 811)
    if sig.inputs[0].is_const:
        raise Unsupported("FullyConnected doesn't support constant input.", 815)
    if sig.opt("keep_num_dims") and sig.outputs and len(sig.inputs[0].dims) != len(sig.outputs[0].dims):
        raise Unsupported(
            "Input and output dimensions different and FullyConnected doesn't support keep_num_dims.", 825
        )


def _gather(sig: Sig) -> None:
    one_or_two_operands(sig, line=843)
    if len(sig.inputs[1].dims) != 1:
        raise Unsupported("Only support 1D indices", 846)
    if sig.inputs[1].type != "int32":
        raise Unsupported("Only accept INT32 indices", 850)


def _hard_swish(sig: Sig) -> None:
    inputs_outputs(sig, 1, 1)


def _lstm(sig: Sig) -> None:
    kind = str(sig.opt("kernel_type", "FULL"))
    act = str(sig.opt("fused_activation_function", "NONE"))
    if kind == "FULL":
        if len(sig.inputs) not in (20, 24):
            raise Unsupported(f"Expected 20 or 24 input tensors, but node has {len(sig.inputs)} input(s).", 863)
        if len(sig.outputs) != 1:
            raise Unsupported(f"Expected 1 output tensor, but node has {len(sig.outputs)} output(s).", 869)
        if act not in ("TANH", "SIGMOID"):
            raise Unsupported(f"Only sigmoid or tanh activation is supported, but node has {act}", 875)
        return
    inputs_consts_outputs(sig, 3, 2, 4)
    if sig.outputs[3].dims and sig.outputs[3].dims[-1] % 4:
        raise Unsupported("BasicLSTM activation depth must be a multiple of 4.", 886)
    if act != "TANH":
        raise Unsupported(f"Only TANH activation is supported. but node has {act}", 890)
    if float(sig.opt("cell_clip", 0.0) or 0.0) != 0.0:
        raise Unsupported("cell_clip is not supported.", 895)
    if float(sig.opt("proj_clip", 0.0) or 0.0) != 0.0:
        raise Unsupported("proj_clip is not supported.", 898)


def _reduce(sig: Sig) -> None:
    inputs_consts_outputs(sig, 1, 1, 1)
    axes_int32_const(sig, 1)


def _mul(sig: Sig) -> None:
    if len(sig.inputs) != 2:
        raise Unsupported("MUL requires two input tensors.", 919)
    a, b = sig.inputs
    if len(a.dims) != len(b.dims):
        broadcast(a, b)
    activation(sig.opt("fused_activation_function"))


def _one_hot(sig: Sig) -> None:
    """CheckOneHotGpuDelegateCompatibility (324)."""
    if len(sig.inputs) != 4 or len(sig.outputs) != 1:
        raise Unsupported("Expects 4 inputs and 1 output", 326)
    error = Unsupported(
        "Indices must be int32 type, on/off tensors must be constant, scalar, float type, axis must be -1 or last dim",
        328,
    )
    idx = sig.inputs[0]
    if idx.type != "int32":
        raise error
    axis = int(sig.opt("axis", -1))
    if axis != -1 and (not idx.dims or axis != idx.dims[-1]):
        raise error
    for i in range(len(idx.dims) - 1):
        if len(idx.dims) > 3 and i == 0:
            continue
        if idx.dims[i] != 1:
            raise Unsupported(f"Unsupported non-singleton dim at {i}", 351)
    on, off = sig.inputs[2], sig.inputs[3]
    if on.type != "float32" or off.type != "float32":
        raise error
    if not on.is_const or not off.is_const or len(on.dims) > 1 or len(off.dims) > 1:
        raise error
    if (on.dims and on.dims[0] > 1) or (off.dims and off.dims[0] > 1):
        raise error


def _quantize(sig: Sig) -> None:
    inputs_outputs(sig, 1, 1)


def _reshape(sig: Sig) -> None:
    inputs_outputs(sig, 1, 1)


def _select(sig: Sig) -> None:
    """CheckSelectV2GpuDelegateCompatibility (371)."""
    if len(sig.inputs) != 3 or len(sig.outputs) != 1:
        raise Unsupported("Expected 3 inputs and 1 output", 373)
    error = Unsupported(
        "Cond must be float or bool type, if, else tensors must either be the same shape as output or constant, "
        "scalar.",
        376,
    )
    cond, a, b = sig.inputs
    out = sig.outputs[0].dims
    if cond.type not in ("bool", *FLOAT):
        raise error
    if cond.dims:
        offset = len(out) - len(cond.dims)
        if offset < 0:
            raise error
        for i, d in enumerate(cond.dims):
            if d != out[offset + i] and d != 1:
                raise error
    for spec, what, line in ((a, "if", 403), (b, "else", 413)):
        if spec.dims and spec.dims != out and (len(spec.dims) > 1 or spec.dims[0] > 1):
            raise error
        if not spec.is_const and len(spec.dims) == 2:
            raise Unsupported(f"2-D {what} tensor only supported if constant.", line)


def _slice(sig: Sig) -> None:
    if len(sig.inputs) < 3:
        raise Unsupported(f"SLICE requires 3 inputs, but node has {len(sig.inputs)} inputs.", 964)
    rank = len(sig.inputs[0].dims)
    if rank not in (3, 4):
        raise Unsupported(
            f"SLICE supports for 3 or 4 dimensional tensors only, but node has {rank} dimensional tensors.", 970
        )


def _softmax(sig: Sig) -> None:
    if float(sig.opt("beta", 1.0)) != 1.0:
        raise Unsupported("Softmax.beta != 1 is not supported.", 981)


def _strided_slice(sig: Sig) -> None:
    for mask, line in (("ellipsis_mask", 1013), ("new_axis_mask", 1017), ("shrink_axis_mask", 1021)):
        if int(sig.opt(mask, 0) or 0):
            text = "shrink_axis_mask parameter" if mask == "shrink_axis_mask" else mask
            raise Unsupported(f"StridedSlice does not support {text}.", line)
    if len(sig.inputs) < 4:
        raise Unsupported("STRIDED_SLICE requires 4 inputs.", 1025)
    if len(sig.inputs[0].dims) not in (3, 4):
        raise Unsupported("STRIDED_SLICE supports for 3 or 4 dimensional tensors only.", 1030)


def _topk(sig: Sig) -> None:
    inputs_outputs(sig, 1, 2)


def _transpose_conv(sig: Sig) -> None:
    convolution_io(sig)
    strides(sig.opt("stride_h"), sig.opt("stride_w"))


def _resize_bilinear(sig: Sig) -> None:
    inputs_outputs(sig, 1, 1)
    if sig.opt("align_corners") and sig.opt("half_pixel_centers"):
        raise Unsupported("If half_pixel_centers is True, align_corners must be False.", 1070)


def _pad(sig: Sig) -> None:
    if sig.op.kind == "MIRROR_PAD" and str(sig.opt("mode", "REFLECT")) != "REFLECT":
        raise Unsupported(
            f"Only Reflective padding is supported for Mirror Pad operation. But node has {sig.opt('mode')}", 1110
        )
    inputs_outputs(sig, 1, 1)
    tensor_available(sig, 1)
    pad = sig.inputs[1].dims
    if len(pad) != 2:
        raise Unsupported(f"Invalid paddings tensor dimension: expected 2 dim, got {len(pad)} dim", 1123)
    if pad[0] not in (3, 4) or pad[1] != 2:
        raise Unsupported(f"Invalid paddings tensor shape: expected 4x2 or 3x2, got {pad[0]}x{pad[1]}", 1129)


def _reverse(sig: Sig) -> None:
    inputs_consts_outputs(sig, 1, 1, 1)
    axes_int32_const(sig, 1)


def _elementwise_unary(sig: Sig) -> None:
    inputs_consts_outputs(sig, 1, 0, 1)


def _elementwise_binary(sig: Sig) -> None:
    one_or_two_operands(sig)
    if sig.op.kind in ("DIV", "SUB"):
        activation(sig.opt("fused_activation_function", "NONE"))


def _broadcast_in_dim(sig: Sig) -> None:
    try:
        inputs_consts_outputs(sig, 1, 1, 1)
    except Unsupported:
        raise Unsupported("requires one runtime input, one const input, and one output", 1217) from None
    if len(sig.inputs[1].dims) != 1:
        raise Unsupported("Only support 1D indices", 1221)
    if sig.inputs[1].type != "int32":
        raise Unsupported("Only support int32 indices", 1224)
    if len(sig.inputs[0].dims) != sig.inputs[1].dims[0]:
        raise Unsupported("Require size(indices) = rank(operand)", 1227)


def _cbrt(sig: Sig) -> None:
    inputs_consts_outputs(sig, 1, 0, 1)
    if sig.inputs[0].type not in (*FLOAT, "bfloat16"):
        raise Unsupported("Only support float inputs", 1239)
    if sig.inputs[0].type != sig.outputs[0].type:
        raise Unsupported("Input and output types must match", 1242)


def _clamp(sig: Sig) -> None:
    inputs_consts_outputs(sig, 3, 0, 1)
    a, b, c = sig.inputs
    if a.type != b.type or b.type != c.type:
        raise Unsupported("Clamp tensors must all be the same type", 1252)
    if a.dims != b.dims and _elements(a.dims) != 1:
        raise Unsupported("Min tensor must be the same shape as the input, or a scalar", 1257)
    if c.dims != b.dims and _elements(c.dims) != 1:
        raise Unsupported("Max tensor must be the same shape as the input, or a scalar", 1262)


def _custom(sig: Sig) -> None:
    """CheckCustomOpsGpuDelegateCompatibility (421)."""
    name = sig.op.custom_code or ""
    if name == "Convolution2DTransposeBias":
        tensor_available(sig, 1)
        return
    if name == "MaxPoolingWithArgmax2D":
        pooling(sig, custom=True)
        return
    if name == "MaxUnpooling2D":
        inputs_outputs(sig, 2, 1)
        return
    if name == "Resampler":
        inputs_outputs(sig, 2, 1)
        src, warp = sig.inputs[0], sig.inputs[1]
        if len(src.dims) != 4 or len(warp.dims) != 4:
            raise Unsupported("src or warp dims size != 4", 452)
        if src.dims[0] != warp.dims[0]:
            raise Unsupported("src.b != warp.b", 455)
        if warp.dims[3] < 2:
            raise Unsupported("warp.c < 2", 458)
        return
    raise Unsupported(f"Not supported custom op {name}", 462)


def _ok(sig: Sig) -> None:
    return None


CHECKS: dict[str, Callable[[Sig], None]] = {
    "ADD": _add,
    "ADD_N": _add_n,
    "AVERAGE_POOL_2D": pooling,
    "BATCH_MATMUL": _batch_matmul,
    "CAST": _cast,
    "CONCATENATION": _ok,
    "CONV_2D": _conv,
    "CUMSUM": _cumsum,
    "DENSIFY": lambda sig: inputs_outputs(sig, 0, 1),
    "DEPTHWISE_CONV_2D": depthwise,
    "DEPTH_TO_SPACE": _block("DEPTH_TO_SPACE", 691),
    "DEQUANTIZE": _dequantize,
    "EMBEDDING_LOOKUP": _embedding_lookup,
    "DYNAMIC_UPDATE_SLICE": _dynamic_update_slice,
    "FULLY_CONNECTED": _fully_connected,
    "GATHER": _gather,
    "HARD_SWISH": _hard_swish,
    "LSTM": _lstm,
    "MAX_POOL_2D": pooling,
    "MEAN": _reduce,
    "MUL": _mul,
    "PACK": _ok,
    "ONE_HOT": _one_hot,
    "QUANTIZE": _quantize,
    "RELU_N1_TO_1": _ok,
    "PRELU": _ok,
    "RESHAPE": _reshape,
    "SELECT": _select,
    "SELECT_V2": _select,
    "SLICE": _slice,
    "SOFTMAX": _softmax,
    "SPACE_TO_DEPTH": _block("SPACE_TO_DEPTH", 993),
    "SPLIT": _ok,
    "SPLIT_V": _ok,
    "STRIDED_SLICE": _strided_slice,
    "TILE": _reshape,
    "TOPK_V2": _topk,
    "TRANSPOSE": _reshape,
    "TRANSPOSE_CONV": _transpose_conv,
    "RESIZE_BILINEAR": _resize_bilinear,
    "RESIZE_NEAREST_NEIGHBOR": _reshape,
    "RELU": _ok,
    "RELU6": _ok,
    "LEAKY_RELU": _ok,
    **{k: _reduce for k in ("REDUCE_ALL", "REDUCE_ANY", "REDUCE_MAX", "REDUCE_MIN", "REDUCE_PROD", "SUM")},
    **{k: _pad for k in ("PAD", "PADV2", "MIRROR_PAD")},
    "REVERSE_V2": _reverse,
    **{
        k: _elementwise_unary
        for k in (
            *("ABS", "CEIL", "COS", "ELU", "EXP", "FLOOR", "GELU", "LOG", "LOGICAL_NOT", "LOGISTIC"),
            *("NEG", "ROUND", "RSQRT", "SIGN", "SIN", "SQRT", "SQUARE", "TANH"),
        )
    },
    **{
        k: _elementwise_binary
        for k in (
            *("ATAN2", "DIV", "EQUAL", "FLOOR_DIV", "FLOOR_MOD", "GREATER", "GREATER_EQUAL", "LOGICAL_AND"),
            *("LOGICAL_OR", "LESS", "LESS_EQUAL", "MAXIMUM", "MINIMUM", "NOT_EQUAL", "POW", "RIGHT_SHIFT"),
            *("STABLEHLO_REMAINDER", "STABLEHLO_SHIFT_LEFT", "SQUARED_DIFFERENCE", "SUB"),
        )
    },
    "STABLEHLO_BROADCAST_IN_DIM": _broadcast_in_dim,
    "STABLEHLO_CBRT": _cbrt,
    "STABLEHLO_CLAMP": _clamp,
    "CUSTOM": _custom,
}


def check_op(graph: Graph, op: Op, constants: frozenset[int] = frozenset()) -> OpVerdict:
    """CheckGpuDelegateCompatibility for one op (``constants``: tensors the delegate treats as constant)."""
    check = CHECKS.get(op.kind)
    if check is None:
        return OpVerdict(False, (f"Not supported op {op.kind}",), f"{SOURCE}:1274")
    try:
        check(Sig(graph, op, constants))
    except Unsupported as exc:
        return OpVerdict(False, (exc.message,), f"{SOURCE}:{exc.line}")
    except (IndexError, ValueError, TypeError):  # a malformed op: the checker's own bounds checks fail
        return OpVerdict(False, ("the op's inputs or outputs are not what the GPU delegate expects",), SOURCE)
    return OpVerdict(True, (), f"{SOURCE}:534")


#: The delegate's op parsers (NewOperationParser, tflite/delegates/gpu/common/model_builder.cc):
#: op -> (highest op version its IsSupported accepts or None, that line, whether it then runs
#: CheckGpuDelegateCompatibility).  An op without a parser is "Operation is not supported." (3037).
_E = (2, 1071, True)  # ElementwiseOperationParser: version 2 (MUL 3), then the checker
PARSERS: dict[str, tuple[int | None, int, bool]] = {
    **{
        k: _E
        for k in (
            *("ABS", "ADD", "ADD_N", "COS", "DIV", "EQUAL", "ELU", "EXP", "FLOOR", "FLOOR_DIV", "FLOOR_MOD"),
            *("GELU", "GREATER", "GREATER_EQUAL", "LESS", "LESS_EQUAL", "LOGISTIC", "LOG", "LOGICAL_AND"),
            *("MAXIMUM", "MINIMUM", "NEG", "NOT_EQUAL", "POW", "RSQRT", "SIGN", "SIN", "SQRT", "SQUARE"),
            *("SQUARED_DIFFERENCE", "SUB", "TANH"),
        )
    },
    "MUL": (3, 1071, True),
    "AVERAGE_POOL_2D": (2, 1803, True),
    "MAX_POOL_2D": (2, 1803, True),
    "BATCH_MATMUL": (None, 322, True),
    "CAST": (None, 380, True),
    "CONCATENATION": (2, 490, True),
    "CONV_2D": (6, 621, True),
    "CUMSUM": (1, 855, True),
    "DENSIFY": (1, 885, True),
    "DEPTHWISE_CONV_2D": (6, 912, True),
    "DEPTH_TO_SPACE": (None, 987, True),
    "DEQUANTIZE": (3, 1014, True),  # only with quantized models allowed
    "FULLY_CONNECTED": (9, 1289, True),
    "GATHER": (1, 1392, True),
    "HARD_SWISH": (None, 1421, True),
    "LSTM": (4, 1469, True),
    "MEAN": (None, 3005, True),
    "ONE_HOT": (1, 1592, True),
    "PACK": (None, 1615, True),
    **{k: (2, 1745, True) for k in ("PAD", "PADV2", "MIRROR_PAD")},
    **{k: (None, 1859, True) for k in ("REDUCE_MAX", "REDUCE_MIN", "REDUCE_PROD", "SUM")},
    "QUANTIZE": (2, 1921, True),  # only with quantized models allowed
    **{k: (2, 1959, False) for k in ("RELU", "RELU6", "RELU_0_TO_1", "RELU_N1_TO_1", "LEAKY_RELU")},
    "PRELU": (1, 1701, False),
    "RESHAPE": (1, 2025, True),
    "RESIZE_BILINEAR": (3, 2057, True),
    "RESIZE_NEAREST_NEIGHBOR": (3, 2057, True),
    "SELECT": (1, 2133, True),
    "SELECT_V2": (1, 2133, True),
    "SLICE": (2, 2209, True),
    "SOFTMAX": (2, 2336, True),
    "SPACE_TO_DEPTH": (2, 2369, True),
    "SPLIT": (None, 2392, True),
    "SPLIT_V": (None, 2434, True),
    "STRIDED_SLICE": (4, 2480, True),
    "TILE": (None, 2668, True),
    "TRANSPOSE": (4, 2773, True),
    "TRANSPOSE_CONV": (3, 2691, True),
    "UNPACK": (None, 2819, False),
    "CUSTOM": (None, 2736, True),
}
QUANT_ONLY = frozenset({"DEQUANTIZE", "QUANTIZE"})
LOGICAL = frozenset({"GREATER", "GREATER_EQUAL", "LESS", "LESS_EQUAL", "EQUAL", "NOT_EQUAL"})  # IsLogicalCode
MODEL_BUILDER = "tflite/delegates/gpu/common/model_builder.cc"


def _delegate_op(graph: Graph, allow_quant: bool, op: Op, fp16: frozenset[int]) -> OpVerdict:
    return delegate_op(graph, op, allow_quant, fp16)


def delegate_op(graph: Graph, op: Op, allow_quant: bool, fp16: frozenset[int] = frozenset()) -> OpVerdict:
    """The delegate's own decision (GetOpsToReplace, model_builder.cc 3291): a parser for the op,
    its version limit, the compatibility checker, then the types and ranks of the op's tensors."""
    parser = PARSERS.get(op.kind)
    if parser is None or (op.kind in QUANT_ONLY and not allow_quant):
        return OpVerdict(False, ("Operation is not supported.",), f"{MODEL_BUILDER}:3037")
    max_version, line, checks = parser
    if max_version is not None and op.version > max_version:
        text = f"Max version supported: {max_version}. Requested version {op.version}."
        return OpVerdict(False, (text,), f"{MODEL_BUILDER}:{line}")
    if checks:
        verdict = check_op(graph, op, fp16)
        if not verdict.supported:
            return verdict
    if parser is _E and op.kind not in ("ADD", "MUL", "ADD_N") and len(op.inputs) == 2 and op.inputs[0] == op.inputs[1]:
        # ElementwiseOperationParser::Parse rewrites MUL(a, a) and ADD(a, a), and refuses the others
        return OpVerdict(False, ("No support of few identical inputs in the same operation.",), f"{MODEL_BUILDER}:1141")
    allowed_in = {"float32", "float16"} | ({"int8", "uint8"} if allow_quant else set())
    allowed_out = set(allowed_in)
    if op.kind in LOGICAL:
        allowed_out.add("bool")
    if op.kind == "CAST":
        allowed_in |= {"bool", "float32", "int32"}
        allowed_out |= {"float32", "int32", "bool"}
    if op.kind in ("ONE_HOT", "GATHER"):
        allowed_in.add("int32")
    if op.kind in ("SELECT", "SELECT_V2"):
        allowed_in.add("bool")
    if op.kind == "LOGICAL_AND":
        allowed_in.add("bool")
        allowed_out.add("bool")
    for indices, allowed in ((op.inputs, allowed_in), (op.outputs, allowed_out)):
        for t in indices:
            tensor = graph.tensor(t) if t >= 0 else None
            if tensor is None:
                continue
            # IsAllAllowedTensors (3055): rank 5+ anywhere; a runtime tensor of another type
            runtime = not tensor.is_const and t not in fp16
            if (tensor.shape and len(tensor.shape) >= 5) or (runtime and tensor.dtype not in allowed):
                why = (
                    f"{tensor.describe()} has rank {len(tensor.shape or ())}"
                    if tensor.shape and len(tensor.shape) >= 5
                    else f"{tensor.describe()} is {tensor.dtype}"
                )
                return OpVerdict(
                    False,
                    (f"OP is supported, but tensor type/shape isn't compatible ({why}).",),
                    f"{MODEL_BUILDER}:3347",
                )
    return OpVerdict(True, (), f"{MODEL_BUILDER}:3291")


def verdicts(model: Model, target: Target) -> Verdicts:
    """The delegate checker (``checker = "oplint.delegates.gpu:verdicts"``)."""
    allow_quant = bool(target.delegate_options.get("allow-quantized-models", True))
    out: dict[tuple[int, int], OpVerdict] = {}
    for graph in model.graphs:
        out.update(fp16_partition(graph, partial(_delegate_op, graph, allow_quant)))
    return out


def kinds(target: Target) -> frozenset[str]:
    """The builtins the GPU delegate has a parser for (an op of another kind stays on the CPU)."""
    allow_quant = bool(target.delegate_options.get("allow-quantized-models", True))
    return frozenset(PARSERS) - {"CUSTOM"} - (frozenset() if allow_quant else QUANT_ONLY)


#: the documented outcome of kTfLiteApplicationError (tflite/core/interpreter.h 660-663): the
#: interpreter stays usable, without the delegate
NOT_APPLIED = (
    "the interpreter refuses the GPU delegate (ModifyGraphWithDelegate returns kTfLiteApplicationError) "
    "and runs every op on the CPU"
)


def rejection(model: Model, target: Target) -> Rejection | None:
    """The classic delegate sets only ``kTfLiteDelegateFlagsPerOperatorProfiling``
    (``tflite/delegates/gpu/delegate.cc`` 236), not ``kTfLiteDelegateFlagsAllowDynamicTensors``:
    a graph whose Prepare leaves a tensor dynamic cannot take it at all."""
    from .litert import dynamic_rejection

    return dynamic_rejection(model, NOT_APPLIED)
