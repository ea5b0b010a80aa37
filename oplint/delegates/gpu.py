"""The classic TFLite GPU delegate (OpenCL / OpenGL): which ops it takes, and why not the others.

A translation of ``CheckGpuDelegateCompatibility`` (``tflite/tools/versioning/gpu_compatibility.cc``
at the pinned LiteRT commit, see ``rules/targets/gpu.toml``), the checker the delegate and
TFLite's model analyzer share; each rejection quotes the checker's own message and cites the line
that returns it.  The op signature it checks is built as
``tflite/converter/tools/versioning/op_signature.cc`` builds it from the flatbuffer: a tensor is
constant when its buffer holds data, a left-out optional input has no type and is not counted as a
runtime input, shapes are the stored ``shape``.

The delegate's parsers call the checker with its default flags (``kStandard``: ADD and MUL
broadcast only 3-D to 4-D with batch 1, 2-D ``[1, 1]`` or ``[b, c]`` to 4-D), not the
``kEnhancedBroadcast`` of the flatbuffer entry point (``CheckGpuDelegateCompatibility(op_code,
op, subgraph, model)``, what TFLite's model analyzer reports); LiteRT's ML Drift parsers pass
``kEnhancedBroadcast`` (``gpu_litert``).  Comparison ops are taken only when their one consumer
is a CAST, SELECT or SELECT_V2 with a float output, without the checker.  The custom ops read
their parameters from the op's custom options as a C struct (``TfLitePoolParams``,
``TfLiteTransposeConvParams``).  The delegate itself delegates only its largest partition by
default (``max_delegated_partitions = 1``, ``tflite/delegates/gpu/delegate_options.cc``); the
target file carries that limit.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from ..knowledge.sources import Cite, litert
from .contract import Assessment, Delegate, OpVerdict, OpView, Reject, Rejection
from .litert import dynamic_rejection, fp16_partition

if TYPE_CHECKING:  # pragma: no cover
    from ..core.model import Graph, Model, Op, Tensor
    from ..knowledge.targets import Target

GPU_COMPAT = litert("tflite/tools/versioning/gpu_compatibility.cc")
MODEL_BUILDER = litert("tflite/delegates/gpu/common/model_builder.cc")
FLOAT = ("float16", "float32")


class Spec:
    """OpSignatureTensorSpec: type, dims, constness of one input or output (None: left out)."""

    __slots__ = ("dims", "is_const", "type")

    def __init__(self, tensor: Tensor | None, constant: bool = False) -> None:
        self.type = tensor.dtype if tensor is not None else "notype"
        self.dims: tuple[int, ...] = tuple(tensor.shape or ()) if tensor is not None else ()
        self.is_const = bool(tensor is not None and (tensor.is_const or constant))


class Sig(OpView):
    """The op signature the checker reads (op_signature.cc): a :class:`Spec` per input and output,
    and the flags the caller passes (``enhanced``: kEnhancedBroadcast)."""

    __slots__ = ("enhanced", "inputs", "outputs")

    def __init__(self, graph: Graph, op: Op, constants: frozenset[int] = frozenset(), enhanced: bool = False) -> None:
        super().__init__(None, graph, op, constants)
        self.enhanced = enhanced
        self.inputs = [Spec(graph.tensor(t) if t >= 0 else None, t in constants) for t in op.inputs]
        self.outputs = [Spec(graph.tensor(t) if t >= 0 else None) for t in op.outputs]

    @property
    def runtime_inputs(self) -> int:
        """GetNumberOfRuntimeInputs (op_signature.cc): inputs that are present and not constant."""
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
        raise Reject("TfLiteFusedActivation.kTfLiteActSignBit", GPU_COMPAT(95))


def inputs_outputs(sig: Sig, runtime: int, outputs: int) -> None:
    """CheckInputsOutputs (116)."""
    if sig.runtime_inputs != runtime:
        raise Reject(
            f"Expected {runtime} runtime input tensor(s), but node has {sig.runtime_inputs} runtime input(s).",
            GPU_COMPAT(121),
        )
    if len(sig.outputs) != outputs:
        raise Reject(
            f"Expected {outputs} output tensor(s), but node has {len(sig.outputs)} output(s).", GPU_COMPAT(128)
        )


def inputs_consts_outputs(sig: Sig, runtime: int, consts: int, outputs: int) -> None:
    """CheckInputsConstsOutputs (139)."""
    n_const = sum(1 for s in sig.inputs if s.is_const)
    if n_const != consts:
        raise Reject(
            f"Expected {consts} const input tensor(s), but node has {n_const} const input(s).", GPU_COMPAT(149)
        )
    inputs_outputs(sig, runtime, outputs)


def one_or_two_operands(sig: Sig, cite: Cite | None = None) -> None:
    """Two runtime inputs, or one runtime and one constant input (GATHER 843, elementwise ops 1196)."""
    try:
        inputs_consts_outputs(sig, 2, 0, 1)
    except Reject:
        try:
            inputs_consts_outputs(sig, 1, 1, 1)
        except Reject:
            raise Reject("Op can only handle 1 or 2 operand(s).", cite or GPU_COMPAT(1196)) from None


def tensor_available(sig: Sig, idx: int) -> None:
    """CheckTensorIsAvailable (158)."""
    if idx >= len(sig.inputs):
        raise Reject(f"Requested index goes beyond array size: {idx} vs {len(sig.inputs)}", GPU_COMPAT(160))


def convolution_io(sig: Sig) -> None:
    """CheckConvolutionInputOutput (171)."""
    n = sig.runtime_inputs
    if n < 1 or n > 2:
        raise Reject(f"Expected 1 or 2 input tensor(s), but node has {n} runtime inputs.", GPU_COMPAT(174))
    if len(sig.outputs) != 1:
        raise Reject(f"Expected 1 output tensor(s), but node has {len(sig.outputs)} runtime outputs.", GPU_COMPAT(180))
    if n == 1:
        tensor_available(sig, 1)


def strides(h: Any, w: Any) -> None:
    if int(h or 0) <= 0 or int(w or 0) <= 0:
        raise Reject(f"Incorrect stride values: stride_height = {h}, stride_width = {w}", GPU_COMPAT(192))


def dilation(h: Any, w: Any) -> None:
    if int(h or 0) <= 0 or int(w or 0) <= 0:
        raise Reject(f"Incorrect dilation values: dilation_height = {h}, dilation_width = {w}", GPU_COMPAT(201))


def kernels(h: Any, w: Any) -> None:
    if int(h or 0) <= 0 or int(w or 0) <= 0:
        raise Reject(f"Incorrect kernel values: kernel_height = {h}, kernel_width = {w}", GPU_COMPAT(217))


def axes_int32_const(sig: Sig, idx: int) -> None:
    """CheckAxesAreInt32Const (232)."""
    axes = sig.inputs[idx]
    if not axes.is_const:
        raise Reject(f"{sig.op.kind} is only supported with constant axes.", GPU_COMPAT(235))
    if axes.type != "int32":
        raise Reject(f"{sig.op.kind} supports int32 tensor for axes. But node has {axes.type.upper()}", GPU_COMPAT(239))


#: TfLiteFusedActivation values (tflite/converter/core/c/builtin_op_data.h), as the options name them
ACTIVATIONS = ("NONE", "RELU", "RELU_N1_TO_1", "RELU6", "TANH", "SIGN_BIT", "SIGMOID")
#: the int fields of the C structs custom ops' custom options hold (builtin_op_data.h): byte offsets
POOL_PARAMS = {"padding": 0, "stride_w": 4, "stride_h": 8, "filter_w": 12, "filter_h": 16, "activation": 20}
TRANSPOSE_CONV_PARAMS = {"padding": 0, "stride_w": 4, "stride_h": 8}


def custom_params(sig: Sig, fields: dict[str, int]) -> dict[str, int] | None:
    """RetrieveCustomInitialData (73): the struct the delegate casts the custom options to, as
    ints; None when the op has no custom options (the checker's pointer is null).  Options too
    short for the fields the checker reads are refused: the delegate would read past them."""
    if "custom_options_size" not in sig.op.options:
        return None
    head: bytes = sig.opt("custom_options_head", b"")
    need = max(fields.values()) + 4
    if len(head) < need:
        size = sig.opt("custom_options_size", 0)
        raise Reject(
            f"custom options of {size} bytes are shorter than the {need} bytes of parameters the delegate reads",
            GPU_COMPAT(76),
        )
    return {k: int.from_bytes(head[o : o + 4], "little", signed=True) for k, o in fields.items()}


def pooling(sig: Sig, custom: bool = False) -> None:
    """CheckPooling2DGpuDelegateCompatibility (246): a custom op (MaxPoolingWithArgmax2D) reads
    TfLitePoolParams from its custom options and has a second output (the indices)."""
    if custom:
        params = custom_params(sig, POOL_PARAMS)
        if params is None:  # no custom options: the builtin path, where a custom op has no data
            raise Reject("Unable to retrieve builtin_data.", GPU_COMPAT(68))
        inputs_outputs(sig, 1, 2)
        kernels(params["filter_h"], params["filter_w"])
        strides(params["stride_h"], params["stride_w"])
        act = params["activation"]
        activation(ACTIVATIONS[act] if 0 <= act < len(ACTIVATIONS) else act)
        return
    inputs_outputs(sig, 1, 1)
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
    for spec, what, cite in (
        (x, "input", GPU_COMPAT(282)),
        (w, "filter", GPU_COMPAT(285)),
        (y, "output", GPU_COMPAT(288)),
    ):
        if len(spec.dims) != 4:
            raise Reject(f"{what}.dims.size != 4", cite)
    if x.dims[0] != y.dims[0]:
        raise Reject("input.b != output.b", GPU_COMPAT(291))
    if w.dims[3] != y.dims[3]:
        raise Reject("filter.i != output.c", GPU_COMPAT(296))
    if y.dims[3] != x.dims[3] * mult:
        raise Reject("output.c != input.c * depth_multiplier", GPU_COMPAT(299))
    if bias is not None and bias.type != "notype" and _elements(bias.dims) != y.dims[3]:
        raise Reject("bias.size != output.c", GPU_COMPAT(302))


def broadcast(a: Spec, b: Spec, enhanced: bool = False) -> None:
    """CheckAddMulBroadcastCompatibility (484): with kEnhancedBroadcast any numpy-style broadcast
    (CheckIsBroadcastable, 465); with kStandard, the delegate's default, only 3-D to 4-D with
    batch 1 (504), 2-D [1, 1] to 4-D [1, x, y, z] (509) and 2-D [b, c] to 4-D [b, x, y, c] (514)."""
    if len(a.dims) > 1 and len(b.dims) > 1 and len(a.dims) != len(b.dims):
        longer, shorter = (a.dims, b.dims) if len(a.dims) >= len(b.dims) else (b.dims, a.dims)
        if enhanced:
            ok = all(x == y or x == 1 or y == 1 for x, y in zip(reversed(longer), reversed(shorter)))
        else:
            ok = len(longer) == 4 and (
                (len(shorter) == 3 and longer[0] == 1)
                or (len(shorter) == 2 and longer[0] == 1 and shorter[0] == 1 and shorter[1] == 1)
                or (len(shorter) == 2 and longer[0] == shorter[0] and longer[3] == shorter[1])
            )
        if not ok:
            raise Reject(
                f"Doesn't support broadcasting - input0: [{','.join(map(str, a.dims))}], "
                f"input1: [{','.join(map(str, b.dims))}]",
                GPU_COMPAT(521),
            )


# -- CheckGpuDelegateCompatibility (534) -----------------------------------------------------
def _add(sig: Sig) -> None:
    if len(sig.inputs) != 2:
        raise Reject("ADD requires two input tensors.", GPU_COMPAT(540))
    broadcast(sig.inputs[0], sig.inputs[1], sig.enhanced)


def _add_n(sig: Sig) -> None:
    if len(sig.inputs) != 2:
        raise Reject("ADD_N only supports 2 inputs.", GPU_COMPAT(555))


def _batch_matmul(sig: Sig) -> None:
    if not (len(sig.inputs) == 2 and len(sig.outputs) == 1):
        raise Reject(
            f"Expected 2 inputs and 1 output, got: {len(sig.inputs)} inputs and {len(sig.outputs)} outputs",
            GPU_COMPAT(565),
        )


def _cast(sig: Sig) -> None:
    inputs_outputs(sig, 1, 1)
    i, o = sig.inputs[0].type, sig.outputs[0].type
    if (i == "bool" and o in FLOAT) or (i in FLOAT and o == "bool"):
        return
    if i in ("float32", "int32") and o in ("float32", "int32"):
        return
    raise Reject(f"Not supported Cast case. Input type: {i.upper()} and output type: {o.upper()}", GPU_COMPAT(652))


def _conv(sig: Sig) -> None:
    convolution_io(sig)
    strides(sig.opt("stride_h"), sig.opt("stride_w"))
    dilation(sig.opt("dilation_h_factor"), sig.opt("dilation_w_factor"))
    activation(sig.opt("fused_activation_function"))


def _cumsum(sig: Sig) -> None:
    if len(sig.inputs) != 2 or len(sig.outputs) != 1:
        raise Reject("Expects 2 inputs and 1 output", GPU_COMPAT(309))
    x, axis, y = sig.inputs[0], sig.inputs[1], sig.outputs[0]
    if x.type not in FLOAT or y.type != x.type or axis.type != "int32" or not axis.is_const:
        raise Reject("Input/output must be float type and indices must be constant int32 type", GPU_COMPAT(311))


def _block(kind: str, no_op: Cite, too_small: Cite) -> Callable[[Sig], None]:
    def check(sig: Sig) -> None:
        inputs_outputs(sig, 1, 1)
        block = int(sig.opt("block_size", 0) or 0)
        if block == 1:
            raise Reject(f"{kind} block_size = 1 is a no-op.", no_op)
        if block < 1:
            raise Reject(f"{kind} block_size must be > 1.", too_small)

    return check


def _dequantize(sig: Sig) -> None:
    if len(sig.inputs) != 1 or len(sig.outputs) != 1:
        raise Reject(
            f"Expected 1 input & output each from Dequantize, got: {len(sig.inputs)}, {len(sig.outputs)}",
            GPU_COMPAT(705),
        )
    if sig.inputs[0].type == "int16":
        raise Reject("Unsupported dequantization type.", GPU_COMPAT(710))


def _embedding_lookup(sig: Sig) -> None:
    if len(sig.inputs) != 2:
        raise Reject(f"Expected 2, but got {len(sig.inputs)} inputs.", GPU_COMPAT(718))
    if len(sig.outputs) != 1:
        raise Reject(f"Expected 1, but got {len(sig.outputs)} outputs.", GPU_COMPAT(722))
    ids, values, out = sig.inputs[0], sig.inputs[1], sig.outputs[0]
    if len(ids.dims) != 1:
        raise Reject(f"Expected 1D, but got {len(ids.dims)}D input #0.", GPU_COMPAT(729))
    if len(values.dims) < 2:
        raise Reject(f"Expected > 1D, but got {len(values.dims)}D input #1.", GPU_COMPAT(733))
    if len(values.dims) != len(out.dims):
        raise Reject(f"Expected {len(values.dims)}, but got {len(out.dims)} for output.", GPU_COMPAT(737))
    for i in range(1, len(out.dims)):
        if values.dims[i] != out.dims[i]:
            raise Reject(f"Expected {values.dims[i]}, but got {out.dims[i]} for output.dim[{i}].", GPU_COMPAT(743))
    if values.type not in ("int8", "int4", "int2", "float32"):
        raise Reject(
            f"Expected int8, int4, int2, or float32, but got {values.type.upper()} for input #1.", GPU_COMPAT(756)
        )


def _dynamic_update_slice(sig: Sig) -> None:
    if len(sig.inputs) != 3:
        raise Reject("DynamicUpdateSlice requires 3 inputs.", GPU_COMPAT(764))
    operand, update, start = sig.inputs
    if operand.type != update.type:
        raise Reject("Array to update and updated slice must have the same data type", GPU_COMPAT(770))
    if len(start.dims) != 1:
        raise Reject(f"Start indices must be 1D, but got: {len(start.dims)}", GPU_COMPAT(776))
    if start.type != "int32":
        raise Reject("start_indices must be of type int32.", GPU_COMPAT(781))
    if len(update.dims) != len(operand.dims):
        raise Reject("Operand and update must have the same number of dimensions", GPU_COMPAT(785))


def _fully_connected(sig: Sig) -> None:
    if not sig.inputs:
        raise Reject("Expected at least 1 input", GPU_COMPAT(799))
    fmt = str(sig.opt("weights_format", "DEFAULT"))
    if fmt != "DEFAULT":
        raise Reject(f"Unsupported FullyConnected weights format: {fmt}", GPU_COMPAT(806))
    if sig.runtime_inputs > 2:
        raise Reject("FullyConnected doesn't support more than 2 runtime inputs.", GPU_COMPAT(811))
    if sig.inputs[0].is_const:
        raise Reject("FullyConnected doesn't support constant input.", GPU_COMPAT(815))
    if sig.opt("keep_num_dims") and sig.outputs and len(sig.inputs[0].dims) != len(sig.outputs[0].dims):
        raise Reject(
            "Input and output dimensions different and FullyConnected doesn't support keep_num_dims.", GPU_COMPAT(825)
        )


def _gather(sig: Sig) -> None:
    one_or_two_operands(sig, GPU_COMPAT(843))
    if len(sig.inputs[1].dims) != 1:
        raise Reject("Only support 1D indices", GPU_COMPAT(846))
    if sig.inputs[1].type != "int32":
        raise Reject("Only accept INT32 indices", GPU_COMPAT(850))


def _hard_swish(sig: Sig) -> None:
    inputs_outputs(sig, 1, 1)


def _lstm(sig: Sig) -> None:
    kind = str(sig.opt("kernel_type", "FULL"))
    act = str(sig.opt("fused_activation_function", "NONE"))
    if kind == "FULL":
        if len(sig.inputs) not in (20, 24):
            raise Reject(f"Expected 20 or 24 input tensors, but node has {len(sig.inputs)} input(s).", GPU_COMPAT(863))
        if len(sig.outputs) != 1:
            raise Reject(f"Expected 1 output tensor, but node has {len(sig.outputs)} output(s).", GPU_COMPAT(869))
        if act not in ("TANH", "SIGMOID"):
            raise Reject(f"Only sigmoid or tanh activation is supported, but node has {act}", GPU_COMPAT(875))
        return
    inputs_consts_outputs(sig, 3, 2, 4)
    if sig.outputs[3].dims and sig.outputs[3].dims[-1] % 4:
        raise Reject("BasicLSTM activation depth must be a multiple of 4.", GPU_COMPAT(886))
    if act != "TANH":
        raise Reject(f"Only TANH activation is supported. but node has {act}", GPU_COMPAT(890))
    if float(sig.opt("cell_clip", 0.0) or 0.0) != 0.0:
        raise Reject("cell_clip is not supported.", GPU_COMPAT(895))
    if float(sig.opt("proj_clip", 0.0) or 0.0) != 0.0:
        raise Reject("proj_clip is not supported.", GPU_COMPAT(898))


def _reduce(sig: Sig) -> None:
    inputs_consts_outputs(sig, 1, 1, 1)
    axes_int32_const(sig, 1)


def _mul(sig: Sig) -> None:
    if len(sig.inputs) != 2:
        raise Reject("MUL requires two input tensors.", GPU_COMPAT(919))
    a, b = sig.inputs
    if len(a.dims) != len(b.dims):
        broadcast(a, b, sig.enhanced)
    activation(sig.opt("fused_activation_function"))


def _one_hot(sig: Sig) -> None:
    """CheckOneHotGpuDelegateCompatibility (324)."""
    if len(sig.inputs) != 4 or len(sig.outputs) != 1:
        raise Reject("Expects 4 inputs and 1 output", GPU_COMPAT(326))
    error = Reject(
        "Indices must be int32 type, on/off tensors must be constant, scalar, float type, axis must be -1 or last dim",
        GPU_COMPAT(328),
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
            raise Reject(f"Unsupported non-singleton dim at {i}", GPU_COMPAT(351))
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
        raise Reject("Expected 3 inputs and 1 output", GPU_COMPAT(373))
    error = Reject(
        "Cond must be float or bool type, if, else tensors must either be the same shape as output or constant, "
        "scalar.",
        GPU_COMPAT(376),
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
    for spec, what, cite in ((a, "if", GPU_COMPAT(403)), (b, "else", GPU_COMPAT(413))):
        if spec.dims and spec.dims != out and (len(spec.dims) > 1 or spec.dims[0] > 1):
            raise error
        if not spec.is_const and len(spec.dims) == 2:
            raise Reject(f"2-D {what} tensor only supported if constant.", cite)


def _slice(sig: Sig) -> None:
    if len(sig.inputs) < 3:
        raise Reject(f"SLICE requires 3 inputs, but node has {len(sig.inputs)} inputs.", GPU_COMPAT(964))
    rank = len(sig.inputs[0].dims)
    if rank not in (3, 4):
        raise Reject(
            f"SLICE supports for 3 or 4 dimensional tensors only, but node has {rank} dimensional tensors.",
            GPU_COMPAT(970),
        )


def _softmax(sig: Sig) -> None:
    if float(sig.opt("beta", 1.0)) != 1.0:
        raise Reject("Softmax.beta != 1 is not supported.", GPU_COMPAT(981))


def _strided_slice(sig: Sig) -> None:
    masks = (
        ("ellipsis_mask", GPU_COMPAT(1013)),
        ("new_axis_mask", GPU_COMPAT(1017)),
        ("shrink_axis_mask", GPU_COMPAT(1021)),
    )
    for mask, cite in masks:
        if int(sig.opt(mask, 0) or 0):
            text = "shrink_axis_mask parameter" if mask == "shrink_axis_mask" else mask
            raise Reject(f"StridedSlice does not support {text}.", cite)
    if len(sig.inputs) < 4:
        raise Reject("STRIDED_SLICE requires 4 inputs.", GPU_COMPAT(1025))
    if len(sig.inputs[0].dims) not in (3, 4):
        raise Reject("STRIDED_SLICE supports for 3 or 4 dimensional tensors only.", GPU_COMPAT(1030))


def _topk(sig: Sig) -> None:
    inputs_outputs(sig, 1, 2)


def _transpose_conv(sig: Sig) -> None:
    convolution_io(sig)
    strides(sig.opt("stride_h"), sig.opt("stride_w"))


def _resize_bilinear(sig: Sig) -> None:
    inputs_outputs(sig, 1, 1)
    if sig.opt("align_corners") and sig.opt("half_pixel_centers"):
        raise Reject("If half_pixel_centers is True, align_corners must be False.", GPU_COMPAT(1070))


def _pad(sig: Sig) -> None:
    if sig.op.kind == "MIRROR_PAD" and str(sig.opt("mode", "REFLECT")) != "REFLECT":
        raise Reject(
            f"Only Reflective padding is supported for Mirror Pad operation. But node has {sig.opt('mode')}",
            GPU_COMPAT(1110),
        )
    inputs_outputs(sig, 1, 1)
    tensor_available(sig, 1)
    pad = sig.inputs[1].dims
    if len(pad) != 2:
        raise Reject(f"Invalid paddings tensor dimension: expected 2 dim, got {len(pad)} dim", GPU_COMPAT(1123))
    if pad[0] not in (3, 4) or pad[1] != 2:
        raise Reject(f"Invalid paddings tensor shape: expected 4x2 or 3x2, got {pad[0]}x{pad[1]}", GPU_COMPAT(1129))


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
    except Reject:
        raise Reject("requires one runtime input, one const input, and one output", GPU_COMPAT(1217)) from None
    if len(sig.inputs[1].dims) != 1:
        raise Reject("Only support 1D indices", GPU_COMPAT(1221))
    if sig.inputs[1].type != "int32":
        raise Reject("Only support int32 indices", GPU_COMPAT(1224))
    if len(sig.inputs[0].dims) != sig.inputs[1].dims[0]:
        raise Reject("Require size(indices) = rank(operand)", GPU_COMPAT(1227))


def _cbrt(sig: Sig) -> None:
    inputs_consts_outputs(sig, 1, 0, 1)
    if sig.inputs[0].type not in (*FLOAT, "bfloat16"):
        raise Reject("Only support float inputs", GPU_COMPAT(1239))
    if sig.inputs[0].type != sig.outputs[0].type:
        raise Reject("Input and output types must match", GPU_COMPAT(1242))


def _clamp(sig: Sig) -> None:
    inputs_consts_outputs(sig, 3, 0, 1)
    a, b, c = sig.inputs
    if a.type != b.type or b.type != c.type:
        raise Reject("Clamp tensors must all be the same type", GPU_COMPAT(1252))
    if a.dims != b.dims and _elements(a.dims) != 1:
        raise Reject("Min tensor must be the same shape as the input, or a scalar", GPU_COMPAT(1257))
    if c.dims != b.dims and _elements(c.dims) != 1:
        raise Reject("Max tensor must be the same shape as the input, or a scalar", GPU_COMPAT(1262))


def _custom(sig: Sig) -> None:
    """CheckCustomOpsGpuDelegateCompatibility (421)."""
    name = sig.op.custom_code or ""
    if name == "Convolution2DTransposeBias":
        tensor_available(sig, 1)
        conv = custom_params(sig, TRANSPOSE_CONV_PARAMS)
        if conv is None:
            raise Reject("Unable to retrieve custom_initial_data.", GPU_COMPAT(78))
        strides(conv["stride_h"], conv["stride_w"])
        return
    if name == "MaxPoolingWithArgmax2D":
        pooling(sig, custom=True)
        return
    if name == "MaxUnpooling2D":
        inputs_outputs(sig, 2, 1)
        pool = custom_params(sig, POOL_PARAMS)
        if pool is None:
            raise Reject("Unable to retrieve custom_initial_data.", GPU_COMPAT(78))
        kernels(pool["filter_h"], pool["filter_w"])
        strides(pool["stride_h"], pool["stride_w"])
        return
    if name == "Resampler":
        inputs_outputs(sig, 2, 1)
        src, warp = sig.inputs[0], sig.inputs[1]
        if len(src.dims) != 4 or len(warp.dims) != 4:
            raise Reject("src or warp dims size != 4", GPU_COMPAT(452))
        if src.dims[0] != warp.dims[0]:
            raise Reject("src.b != warp.b", GPU_COMPAT(455))
        if warp.dims[3] < 2:
            raise Reject("warp.c < 2", GPU_COMPAT(458))
        return
    raise Reject(f"Not supported custom op {name}", GPU_COMPAT(462))


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
    "DEPTH_TO_SPACE": _block("DEPTH_TO_SPACE", GPU_COMPAT(691), GPU_COMPAT(695)),
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
    "SPACE_TO_DEPTH": _block("SPACE_TO_DEPTH", GPU_COMPAT(993), GPU_COMPAT(997)),
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


def check_op(graph: Graph, op: Op, constants: frozenset[int] = frozenset(), enhanced: bool = False) -> OpVerdict:
    """CheckGpuDelegateCompatibility for one op (``constants``: tensors the delegate treats as
    constant; ``enhanced``: the caller passes kEnhancedBroadcast)."""
    check = CHECKS.get(op.kind)
    if check is None:
        return OpVerdict(False, (f"Not supported op {op.kind}",), GPU_COMPAT(1274))
    try:
        check(Sig(graph, op, constants, enhanced))
    except Reject as exc:
        return exc.verdict
    except (IndexError, ValueError, TypeError):  # a malformed op: the checker's own bounds checks fail
        return OpVerdict(False, ("the op's inputs or outputs are not what the GPU delegate expects",), GPU_COMPAT())
    return OpVerdict(True, (), GPU_COMPAT(534))


#: The delegate's op parsers (NewOperationParser, tflite/delegates/gpu/common/model_builder.cc):
#: op -> (highest op version its IsSupported accepts or None, that line, whether it then runs
#: CheckGpuDelegateCompatibility).  An op without a parser is "Operation is not supported." (3037).
_E = (2, MODEL_BUILDER(1071), True)  # ElementwiseOperationParser: version 2 (MUL 3), then the checker
PARSERS: dict[str, tuple[int | None, Cite, bool]] = {
    **{
        k: _E
        for k in (
            *("ABS", "ADD", "ADD_N", "COS", "DIV", "EQUAL", "ELU", "EXP", "FLOOR", "FLOOR_DIV", "FLOOR_MOD"),
            *("GELU", "GREATER", "GREATER_EQUAL", "LESS", "LESS_EQUAL", "LOGISTIC", "LOG", "LOGICAL_AND"),
            *("MAXIMUM", "MINIMUM", "NEG", "NOT_EQUAL", "POW", "RSQRT", "SIGN", "SIN", "SQRT", "SQUARE"),
            *("SQUARED_DIFFERENCE", "SUB", "TANH"),
        )
    },
    "MUL": (3, MODEL_BUILDER(1071), True),
    "AVERAGE_POOL_2D": (2, MODEL_BUILDER(1803), True),
    "MAX_POOL_2D": (2, MODEL_BUILDER(1803), True),
    "BATCH_MATMUL": (None, MODEL_BUILDER(322), True),
    "CAST": (None, MODEL_BUILDER(380), True),
    "CONCATENATION": (2, MODEL_BUILDER(490), True),
    "CONV_2D": (6, MODEL_BUILDER(621), True),
    "CUMSUM": (1, MODEL_BUILDER(855), True),
    "DENSIFY": (1, MODEL_BUILDER(885), True),
    "DEPTHWISE_CONV_2D": (6, MODEL_BUILDER(912), True),
    "DEPTH_TO_SPACE": (None, MODEL_BUILDER(987), True),
    "DEQUANTIZE": (3, MODEL_BUILDER(1014), True),  # only with quantized models allowed
    "FULLY_CONNECTED": (9, MODEL_BUILDER(1289), True),
    "GATHER": (1, MODEL_BUILDER(1392), True),
    "HARD_SWISH": (None, MODEL_BUILDER(1421), True),
    "LSTM": (4, MODEL_BUILDER(1469), True),
    "MEAN": (None, MODEL_BUILDER(3005), True),
    "ONE_HOT": (1, MODEL_BUILDER(1592), True),
    "PACK": (None, MODEL_BUILDER(1615), True),
    **{k: (2, MODEL_BUILDER(1745), True) for k in ("PAD", "PADV2", "MIRROR_PAD")},
    **{k: (None, MODEL_BUILDER(1859), True) for k in ("REDUCE_MAX", "REDUCE_MIN", "REDUCE_PROD", "SUM")},
    "QUANTIZE": (2, MODEL_BUILDER(1921), True),  # only with quantized models allowed
    **{k: (2, MODEL_BUILDER(1959), False) for k in ("RELU", "RELU6", "RELU_0_TO_1", "RELU_N1_TO_1", "LEAKY_RELU")},
    "PRELU": (1, MODEL_BUILDER(1701), False),
    "RESHAPE": (1, MODEL_BUILDER(2025), True),
    "RESIZE_BILINEAR": (3, MODEL_BUILDER(2057), True),
    "RESIZE_NEAREST_NEIGHBOR": (3, MODEL_BUILDER(2057), True),
    "SELECT": (1, MODEL_BUILDER(2133), True),
    "SELECT_V2": (1, MODEL_BUILDER(2133), True),
    "SLICE": (2, MODEL_BUILDER(2209), True),
    "SOFTMAX": (2, MODEL_BUILDER(2336), True),
    "SPACE_TO_DEPTH": (2, MODEL_BUILDER(2369), True),
    "SPLIT": (None, MODEL_BUILDER(2392), True),
    "SPLIT_V": (None, MODEL_BUILDER(2434), True),
    "STRIDED_SLICE": (4, MODEL_BUILDER(2480), True),
    "TILE": (None, MODEL_BUILDER(2668), True),
    "TRANSPOSE": (4, MODEL_BUILDER(2773), True),
    "TRANSPOSE_CONV": (3, MODEL_BUILDER(2691), True),
    "UNPACK": (None, MODEL_BUILDER(2819), False),
    "CUSTOM": (None, MODEL_BUILDER(2736), True),
}
QUANT_ONLY = frozenset({"DEQUANTIZE", "QUANTIZE"})
LOGICAL = frozenset({"GREATER", "GREATER_EQUAL", "LESS", "LESS_EQUAL", "EQUAL", "NOT_EQUAL"})  # IsLogicalCode


def _delegate_op(graph: Graph, allow_quant: bool, op: Op, fp16: frozenset[int]) -> OpVerdict:
    return delegate_op(graph, op, allow_quant, fp16)


def is_supported(graph: Graph, op: Op, allow_quant: bool, fp16: frozenset[int] = frozenset()) -> OpVerdict:
    """The parser's IsSupported (NewOperationParser, model_builder.cc): a parser for the op, its
    version limit, then the compatibility checker (comparison ops: their consumer instead)."""
    parser = PARSERS.get(op.kind)
    if parser is None or (op.kind in QUANT_ONLY and not allow_quant):
        return OpVerdict(False, ("Operation is not supported.",), MODEL_BUILDER(3037))
    max_version, cite, checks = parser
    if max_version is not None and op.version > max_version:
        text = f"Max version supported: {max_version}. Requested version {op.version}."
        return OpVerdict(False, (text,), cite)
    if op.kind in LOGICAL:
        # ElementwiseOperationParser::IsSupported: a comparison is taken only as the input of
        # one CAST / SELECT / SELECT_V2 with a float output, and the checker is not run
        users = graph.consumers.get(op.outputs[0], ()) if op.outputs else ()
        if len(users) != 1:  # (one producer: the op itself)
            return OpVerdict(False, ("Not supported logical op case",), MODEL_BUILDER(1079))
        user = users[0]
        out = graph.tensor(user.outputs[0]) if user.outputs else None
        if user.kind not in ("CAST", "SELECT", "SELECT_V2") or out is None or out.dtype not in FLOAT:
            return OpVerdict(False, ("Not supported logical op case.",), MODEL_BUILDER(1091))
        return OpVerdict(True, (), MODEL_BUILDER(1089))
    if checks:
        verdict = check_op(graph, op, fp16)
        if not verdict.supported:
            return verdict
    return OpVerdict(True, (), cite)


def delegate_op(graph: Graph, op: Op, allow_quant: bool, fp16: frozenset[int] = frozenset()) -> OpVerdict:
    """The delegate's own decision (GetOpsToReplace, model_builder.cc 3291): the parser's
    IsSupported (:func:`is_supported`), then the types and ranks of the op's tensors."""
    verdict = is_supported(graph, op, allow_quant, fp16)
    if not verdict.supported:
        return verdict
    parser = PARSERS[op.kind]
    if parser is _E and op.kind not in ("ADD", "MUL", "ADD_N") and len(op.inputs) == 2 and op.inputs[0] == op.inputs[1]:
        # ElementwiseOperationParser::Parse rewrites MUL(a, a) and ADD(a, a), and refuses the others
        text = "No support of few identical inputs in the same operation."
        return OpVerdict(False, (text,), MODEL_BUILDER(1141))
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
                    MODEL_BUILDER(3347),
                )
    return OpVerdict(True, (), MODEL_BUILDER(3291))


def assess(model: Model, target: Target) -> Assessment:
    """What the classic GPU delegate takes of ``model`` (``Delegate.assess``)."""
    allow_quant = bool(target.delegate_options.get("allow-quantized-models", True))
    out: dict[tuple[int, int], OpVerdict] = {}
    for graph in model.graphs:
        out.update(fp16_partition(graph, partial(_delegate_op, graph, allow_quant)))
    return Assessment(out, rejection(model))


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


def rejection(model: Model) -> Rejection | None:
    """The classic delegate sets only ``kTfLiteDelegateFlagsPerOperatorProfiling``
    (``tflite/delegates/gpu/delegate.cc`` 236), not ``kTfLiteDelegateFlagsAllowDynamicTensors``:
    a graph whose Prepare leaves a tensor dynamic cannot take it at all."""
    return dynamic_rejection(model, NOT_APPLIED)


DELEGATE = Delegate("gpu", assess, kinds)
