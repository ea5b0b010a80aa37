"""LiteRT's GPU accelerator (ML Drift): which ops it takes, and why not the others.

LiteRT's ``CompiledModel`` with ``HardwareAccelerator.GPU`` does not use the classic TFLite GPU
delegate (the ``gpu`` target) but ML Drift, a newer GPU backend (WebGPU, OpenCL, Metal, Vulkan)
with its own op parsers.  This module translates how it picks ops at the pinned LiteRT commit
(``rules/targets/gpu-litert.toml``):

* ``NewOperationParser`` (``ml_drift_delegate/tflite/model_builder.cc``): which parser an op gets
  (no parser: "Operation is not supported.");
* each parser's ``IsSupported``: its op-version limit and input/output counts
  (``TFLiteOperationParser::ValidateSupport``, ``ml_drift_delegate/tflite/operation_parser.cc``),
  the shared ``CheckGpuDelegateCompatibility`` where the parser calls it (the same checker as the
  ``gpu`` target, :func:`oplint.delegates.gpu.check_op`), and its own checks (constant operands,
  axes, permutations, masks, ranks, fused activations);
* ``GetOpsToReplaceWithOptions``: the tensor type filter the WebGPU delegate applies with
  ``allow_quant_ops = true`` and boolean tensors allowed (``IsAllAllowedTensors``: no tensor of
  rank 5 or more, and runtime tensors of float32/float16, int8/uint8, bool, plus integers for
  the ops that take them), and ``FP16GraphPartitionHelper`` with one delegated partition.

Each rejection quotes the source's own message and cites its line.  Unlike the classic
delegate, the accelerator takes integer and boolean tensors for many ops and newer op versions,
and refuses int16 activations, 5-D tensors and a few parser-specific cases the classic checker
never looks at.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from ..knowledge.sources import Cite, litert
from .contract import Assessment, Delegate, OpVerdict, OpView, Reject, Rejection
from .gpu import GPU_COMPAT, check_op
from .litert import dynamic_rejection, fp16_partition

if TYPE_CHECKING:  # pragma: no cover
    from ..core.model import Graph, Model, Op, Tensor
    from ..knowledge.targets import Target

BUILDER = litert("ml_drift_delegate/tflite/model_builder.cc")
PARSER = litert("ml_drift_delegate/tflite/operation_parser.cc")
COMPOSITES = litert("ml_drift_delegate/delegate/composite/custom_parsers.cc")
#: LiteRT's model loader (litert/core/model/model_load.cc 288-291), which CompiledModel reads with
LOADER = litert("litert/core/model/model_load.cc")

FLOATS = ("float32", "float16")
INTS = ("int8", "int16", "int32")
UINTS = ("uint8", "uint16", "uint32")
ACTIVATIONS = ("NONE", "RELU", "RELU_N1_TO_1", "RELU6", "TANH", "SIGMOID")  # PreCheckMaybeFuseActivation


class Node(OpView):
    """One op as a parser's IsSupported sees it (TfLiteContext + TfLiteNode)."""

    __slots__ = ()

    def need(self, i: int) -> Tensor:
        """PreGetInputTensor (operation_parser.cc 97)."""
        t = self.input(i)
        if t is None:
            raise Reject(f"input #{i} tensor is not available", PARSER(100))
        return t

    def out(self, i: int = 0) -> Tensor:
        t = self.output(i)
        if t is None:
            raise Reject(f"output #{i} tensor is not available", PARSER(110))
        return t

    def values(self, i: int) -> tuple[float, ...] | None:
        """The values of a small constant input (None: not constant, or not readable)."""
        return super().values(i) if self.is_const(i) else None


def _rank(t: Tensor) -> int:
    return len(t.shape or ())


def _elements(t: Tensor) -> int:
    n = 1
    for d in t.shape or ():
        n *= d
    return n


# -- operation_parser.cc helpers ----------------------------------------------------------------
def read_value(t: Tensor) -> None:
    """PreCheckReadValueByTensorIdx (310): at most 5 dimensions; 8-bit tensors per-tensor quantized."""
    if t.dtype in ("int8", "uint8") and t.quant is not None and t.quant.is_set and t.quant.details is None:
        if _rank(t) > 5:
            raise Reject(f'Tensor "{t.name}" has bad input dims size: {_rank(t)}.', PARSER(131))
        if t.quant.scale_count > 1:
            raise Reject("Unsupported quantization scale size", PARSER(337))
    elif _rank(t) > 5:
        raise Reject(f'Tensor "{t.name}" has bad input dims size: {_rank(t)}.', PARSER(131))


def read_input(n: Node, i: int) -> None:
    """PreCheckReadValue (303)."""
    read_value(n.need(i))


def check_outputs(n: Node) -> None:
    """PreCheckOutputs (418)."""
    for i in range(len(n.op.outputs)):
        read_value(n.out(i))


def tensor_shape(t: Tensor) -> None:
    """PreCheckTensorShape / CheckTensorShape (116): ranks 0 to 5."""
    if _rank(t) > 5:
        raise Reject(f'Tensor "{t.name}" has bad input dims size: {_rank(t)}.', PARSER(131))


def tflite_shape(t: Tensor) -> None:
    """PreCheckTfLiteShape (256): ranks 1 to 4."""
    if not 1 <= _rank(t) <= 4:
        raise Reject(f'Tensor "{t.name}" has bad input dims size: {_rank(t)}.', PARSER(271))


def axis_from_index(t: Tensor, index: int) -> None:
    """PreCheckAxisFromIndex (231): the axis is in range, and the tensor has 1 to 4 dimensions."""
    rank = _rank(t)
    if index < 0:
        index += rank
    if index < 0 or index >= rank:
        raise Reject("Index for axis out of range", PARSER(237))
    if not 1 <= rank <= 4:
        raise Reject("Unknown layout.", PARSER(247))


def activation(n: Node, skip_size: bool = False) -> None:
    """PreCheckMaybeFuseActivation (426) / ...SkipSize (434)."""
    if not skip_size and len(n.op.outputs) != 1:
        raise Reject("Number of outputs != 1", PARSER(429))
    act = str(n.opt("fused_activation_function", "NONE") or "NONE")
    if act not in ACTIVATIONS:
        raise Reject(f"Unsupported fused activation: {act}", PARSER(446))


def validate(
    n: Node,
    cite: Cite,
    *,
    max_version: int = -1,
    min_inputs: int = -1,
    max_inputs: int = -1,
    outputs: int = -1,
    runtime: int = -1,
    consts: int = -1,
    compat: bool = True,
    enhanced: bool = False,
) -> None:
    """TFLiteOperationParser::ValidateSupport (34), called at ``cite`` (a line of model_builder.cc)
    with ``.gpu_flags = kEnhancedBroadcast`` when ``enhanced``."""
    max_supported(n, max_version, cite)
    if compat:
        compatibility(n, cite, enhanced)
    inputs = len(n.op.inputs)
    if min_inputs != -1 and inputs < min_inputs:
        raise Reject(f"Invalid number of inputs: {inputs}, while expected at least {min_inputs}.", PARSER(48))
    if max_inputs != -1 and inputs > max_inputs:
        raise Reject(f"Invalid number of inputs: {inputs}, while expected at most {max_inputs}.", PARSER(53))
    if outputs != -1 and len(n.op.outputs) != outputs:
        raise Reject(f"Expected {outputs} output tensor(s), but node has {len(n.op.outputs)} output(s).", PARSER(60))
    if runtime != -1 and n.runtime_inputs != runtime:
        raise Reject(
            f"Expected {runtime} runtime input tensor(s), but node has {n.runtime_inputs} runtime input(s).",
            PARSER(68),
        )
    if consts != -1 and n.const_inputs != consts:
        raise Reject(
            f"Expected {consts} const input tensor(s), but node has {n.const_inputs} const input(s).", PARSER(77)
        )
    check_outputs(n)


def max_supported(n: Node, max_version: int, cite: Cite) -> None:
    """CheckMaxSupportedOpVersion (87)."""
    if max_version != -1 and n.op.version > max_version:
        raise Reject(f"Max version supported: {max_version}. Requested version {n.op.version}.", cite)


def compatibility(n: Node, cite: Cite, enhanced: bool = False) -> None:
    """tflite::CheckGpuDelegateCompatibility, the checker the classic delegate shares, as the parser
    calls it at ``cite`` (``enhanced``: with kEnhancedBroadcast); a refusal cites the checker's
    own line."""
    verdict = check_op(n.graph, n.op, n.constants, enhanced)
    if not verdict.supported:
        raise Reject(verdict.reasons[0] if verdict.reasons else "not GPU compatible", verdict.cite or GPU_COMPAT())


def const_int_tensor(n: Node, i: int, cite: Cite) -> tuple[float, ...] | None:
    """PreReadTensor of an int32 parameter: the input must be a constant tensor."""
    t = n.need(i)
    if not n.is_const(i):
        raise Reject(f"input #{i} ({t.name}) must be a constant tensor", cite)
    return n.values(i)


# -- the parsers' IsSupported (model_builder.cc) ----------------------------------------------
def _argmax(n: Node) -> None:
    validate(n, BUILDER(577), outputs=1, runtime=1, consts=1, compat=False)
    axis = const_int_tensor(n, 1, BUILDER(585))
    src, dst = n.need(0), n.out()
    if axis:
        axis_from_index(src, int(axis[0]))
    read_input(n, 0)
    tensor_shape(src)
    tensor_shape(dst)


def _batch_matmul(n: Node) -> None:
    validate(n, BUILDER(663), outputs=1)
    runtime = n.runtime_inputs
    if runtime == 1:
        read_input(n, 0)
        second = n.need(1)
        if not n.is_const(1):
            raise Reject("Not supported batched mat mul case: non-constant tensor", BUILDER(675))
        if _rank(second) not in (2, 3, 4):
            raise Reject("Not supported batched mat mul case: second input has unsupported rank", BUILDER(690))
    elif runtime == 2:
        read_input(n, 0)
        read_input(n, 1)
    else:
        raise Reject("Not supported batched mat mul case: too many inputs", BUILDER(698))
    check_outputs(n)


def _plain(cite: Cite, max_version: int = -1, reads: tuple[int, ...] = (0,)) -> Callable[[Node], None]:
    """Parsers that validate (with the shared checker) and read their runtime inputs."""

    def check(n: Node) -> None:
        validate(n, cite, max_version=max_version)
        for i in reads:
            read_input(n, i)

    return check


def _broadcast_in_dim(n: Node) -> None:
    validate(n, BUILDER(946))
    src, dst = n.need(0), n.out()
    if not 1 <= _rank(src) <= 4:
        raise Reject("Only supports 1D-4D input tensor.", BUILDER(955))
    if not 1 <= _rank(dst) <= 4:
        raise Reject("Only supports 1D-4D output tensor.", BUILDER(958))
    const_int_tensor(n, 1, BUILDER(962))
    read_input(n, 0)
    tensor_shape(dst)


def _cast(n: Node) -> None:
    validate(n, BUILDER(1066), min_inputs=1, max_inputs=1, outputs=1, runtime=1, consts=0, compat=False)
    read_input(n, 0)


def _concatenation(n: Node) -> None:
    validate(n, BUILDER(1159), max_version=6)
    for i in range(len(n.op.inputs)):
        read_input(n, i)
    activation(n)


def _conv(n: Node) -> None:
    validate(n, BUILDER(1306), max_version=6)
    read_input(n, 0)
    if n.is_const(0):
        raise Reject("input must be a runtime tensor", BUILDER(1316))
    n.need(1)
    if n.runtime_inputs == 2:
        read_input(n, 1)
    activation(n)


def _depthwise(n: Node) -> None:
    validate(n, BUILDER(1786), max_version=6)
    read_input(n, 0)
    runtime = n.runtime_inputs
    if runtime == 2:
        read_input(n, 1)
    elif runtime == 1:
        if _rank(n.need(1)) != 4:
            raise Reject(f"Expected a 4D tensor of shape OxHxWxI but got {list(n.need(1).shape or ())}", PARSER(192))
    else:
        raise Reject("Unsupported Depthwise Convolution case.", BUILDER(1799))
    activation(n)


def _dequantize(n: Node) -> None:
    validate(n, BUILDER(1990), max_version=3)
    src = n.need(0)
    if n.runtime_inputs == 0:
        if not 2 <= _rank(src) <= 4:
            raise Reject(f"Unsupported dims for tensor: {src.name} Got dims:{_rank(src)}", BUILDER(1998))
        return
    if src.quant is None or not src.quant.is_set:
        if n.runtime_inputs == 1:
            raise Reject("Dequantize for Densify is not supported", BUILDER(2045))
        raise Reject("Encountered Dequantize input with no quant params", BUILDER(2048))
    if src.quant.scale_count > 1:
        raise Reject("Unsupported quantization scale size", BUILDER(2052))
    read_input(n, 0)


def _dynamic_update_slice(n: Node) -> None:
    validate(n, BUILDER(2132))
    operand, update, start = n.need(0), n.need(1), n.need(2)
    n.out()
    if n.is_const(2):
        raise Reject("start_indices must be a runtime tensor", BUILDER(2145))
    read_input(n, 0)
    if not 1 <= _rank(operand) <= 4:
        raise Reject("operand dims must be 1D-4D.", BUILDER(2150))
    read_input(n, 1)
    if not 1 <= _rank(update) <= 4:
        raise Reject("update dims must be 1D-4D.", BUILDER(2155))
    read_input(n, 2)
    if not 1 <= _rank(start) <= 4:
        raise Reject("start_indices dims must be 1D-4D.", BUILDER(2171))


#: ElementwiseOperationParser (2244): the op version it takes (2 when not listed)
ELEMENTWISE_VERSION = {"ABS": 5, "FLOOR_DIV": 3, "MAXIMUM": 4, "MINIMUM": 4, "MUL": 8, "ADD": 6, "ADD_N": 6, "GELU": 3}
ONE_ARGUMENT = frozenset(
    {
        *("ABS", "CEIL", "COS", "ELU", "EXP", "FLOOR", "GELU", "LOG", "LOGICAL_NOT", "NEG", "ROUND", "RSQRT"),
        *("LOGISTIC", "SIGN", "SIN", "SQRT", "SQUARE", "TANH"),
    }
)  # IsOneArgumentOperation (2826), by TFLite op
FUSED_ACTIVATION = frozenset({"MUL", "ADD", "ADD_N", "SUB", "DIV"})  # PreCheckMaybeFuseActivationForElementwiseNode


def _elementwise(n: Node) -> None:
    kind = n.op.kind
    validate(n, BUILDER(2253), max_version=ELEMENTWISE_VERSION.get(kind, 2), enhanced=True)
    if kind in ONE_ARGUMENT:
        _inputs_consts_outputs(n, 1, 0, BUILDER(2261))
        read_input(n, 0)
    elif n.runtime_inputs == 2 and n.const_inputs == 0 and len(n.op.outputs) == 1:
        if len(n.op.inputs) != 2:
            raise Reject("Applies only two input tensors", BUILDER(2273))
        a, b = n.need(0), n.need(1)
        if n.op.inputs[0] == n.op.inputs[1]:
            if kind not in ("MUL", "ADD", "ADD_N"):
                raise Reject("No support of few identical inputs in the same operation.", BUILDER(2283))
            read_input(n, 0)
        else:
            if kind in ("MUL", "ADD", "ADD_N"):
                tensor_shape(a)
                tensor_shape(b)
            read_input(n, 0)
            read_input(n, 1)
            if _rank(a) != _rank(b):
                if not _broadcastable(a.shape or (), b.shape or ()):
                    raise Reject("Inputs dimensions sizes don't match, broadcasting isn't applicable.", BUILDER(2302))
                tflite_shape(a)
                tflite_shape(b)
                tflite_shape(n.out())
    else:
        _inputs_consts_outputs(n, 1, 1, BUILDER(2314))
        if not _parse_with_const(n):
            raise Reject("Can't parse inputs with const tensors.", BUILDER(2320))
    if kind in FUSED_ACTIVATION:
        activation(n, skip_size=True)


def _inputs_consts_outputs(n: Node, runtime: int, consts: int, cite: Cite) -> None:
    """CheckInputsConstsOutputs: exactly this many runtime and constant inputs, one output."""
    if n.const_inputs != consts:
        raise Reject(
            f"Expected {consts} const input tensor(s), but node has {n.const_inputs} const input(s).",
            cite,
        )
    if n.runtime_inputs != runtime:
        raise Reject(
            f"Expected {runtime} runtime input tensor(s), but node has {n.runtime_inputs} runtime input(s).",
            cite,
        )
    if len(n.op.outputs) != 1:
        raise Reject(f"Expected 1 output tensor(s), but node has {len(n.op.outputs)} output(s).", cite)


def _broadcastable(a: tuple[int, ...], b: tuple[int, ...]) -> bool:
    """IsBroadcastable (model_builder_helper.cc 396)."""
    return all(x == y or x == 1 or y == 1 for x, y in zip(reversed(a), reversed(b)))


_F32_CONVERTIBLE = ("float32", "float16", "int4", "int8", "uint8", "int32")  # IsFloat32Convertible (2535)


def _parse_with_const(n: Node) -> bool:
    """CanParseInputsWithConstTensor (2576)."""
    if n.input(0) is None or n.input(1) is None:
        return False
    c0, c1 = n.is_const(0), n.is_const(1)
    if c0 and c1:
        return False
    if not c0 and not c1:
        return True
    const = n.need(0 if c0 else 1)
    if const.sparse:
        return False
    quantized = const.quant is not None and const.quant.is_set
    convertible = const.dtype in FLOATS or (quantized and const.dtype in ("int8", "uint8", "int4"))
    if _elements(const) == 1:  # a scalar: float-convertible, or an int32 (IsScalarInt32Convertible)
        return const.dtype in _F32_CONVERTIBLE if convertible else const.dtype == "int32"
    if not convertible:
        return True
    dims = const.shape or ()
    if dims and all(d == 1 for d in dims[:-1]):  # IsLinearConvertible
        return const.dtype in _F32_CONVERTIBLE
    return const.dtype in _F32_CONVERTIBLE and len(dims) < 5


def _embedding_lookup(n: Node) -> None:
    value = n.need(1)
    quantized = value.quant is not None and value.quant.is_set
    if not quantized and value.dtype != "float32":
        raise Reject("EMBEDDING_LOOKUP: Empty quantization params.", BUILDER(2984))
    if value.dtype in ("int8", "int4", "int2"):
        _quantized_weights(n, 1, BUILDER(3002))
    elif value.dtype != "float32":
        raise Reject("EMBEDDING_LOOKUP: Unsupported weights type.", BUILDER(3005))
    read_input(n, 0)
    validate(n, BUILDER(3010))
    read_value(n.out())


def _quantized_weights(n: Node, i: int, cite: Cite) -> None:
    """PreCheckReadQuantizedValueByTensorIdx (operation_parser.cc 343)."""
    t = n.need(i)
    if t.quant is None or not t.quant.is_set:
        raise Reject(f"PreCheckReadQuantizedValueByTensorIdx: Empty quantization params: {t.index}", PARSER(347))
    if t.dtype not in ("int8", "int4", "int2"):
        raise Reject(f"Expected Int8, Int4, or Int2 quantized tensor: {t.index}", PARSER(361))
    dims = t.shape or ()
    if len(dims) not in (2, 4):
        raise Reject(
            f"PreCheckReadQuantizedValueByTensorIdx: Expected 2D or 4D quantized tensor: {t.index}", PARSER(366)
        )
    if len(dims) == 4 and (dims[1] != 1 or dims[2] != 1):
        raise Reject(
            "PreCheckReadQuantizedValueByTensorIdx: Expected 4D quantized tensor with height of 1 and width "
            f"of 1: {t.index}",
            PARSER(373),
        )


def _fully_connected(n: Node) -> None:
    validate(n, BUILDER(3260), max_version=14)
    read_input(n, 0)
    weights = n.need(1)
    if weights.quant is not None and weights.quant.is_set and weights.quant.details is None:
        _quantized_weights(n, 1, BUILDER(3279))
    elif weights.quant is None or weights.quant.details != "blockwise":
        read_input(n, 1)
    check_outputs(n)
    if str(n.opt("weights_format", "DEFAULT") or "DEFAULT") != "DEFAULT":
        raise Reject("Unsupported fully connected weights format.", BUILDER(3318))
    activation(n)


def _gather(n: Node) -> None:
    compatibility(n, BUILDER(3479))
    read_input(n, 0)
    read_input(n, 1)
    check_outputs(n)
    if n.need(0).dtype != n.out().dtype:
        raise Reject("Input / output dtype mismatch.", BUILDER(3498))


def _lstm(n: Node) -> None:
    validate(n, BUILDER(3615), max_version=4)


def _one_hot(n: Node) -> None:
    validate(n, BUILDER(3919), max_version=1, min_inputs=4, outputs=1, compat=False)
    indices = n.need(0)
    axis = int(n.opt("axis", -1) or -1)
    dims = indices.shape or ()
    if axis != -1 and (not dims or axis != dims[-1]):
        raise Reject("OneHot axis must be -1 or the last dimension.", BUILDER(3936))
    if len(dims) >= 4 and dims[3] != 1:
        raise Reject("OneHot indices channel dimension must be 1.", BUILDER(3942))
    read_input(n, 0)


def _pack(n: Node) -> None:
    compatibility(n, BUILDER(3969))
    if len(n.op.inputs) == 1:
        read_input(n, 0)
        check_outputs(n)
        return
    validate(n, BUILDER(3982))
    for i in range(len(n.op.inputs)):
        _runtime_or_constant(n, i)
    out = n.out()
    axis_from_index(out, int(n.opt("axis", 0) or 0))
    tensor_shape(out)


def _runtime_or_constant(n: Node, i: int) -> None:
    """PreCheckRuntimeOrConstantInput (382): a constant operand must be float32, bool or int32."""
    t = n.need(i)
    try:
        read_value(t)
    except Reject:
        if t.dtype not in ("float32", "bool", "int32"):
            raise Reject(f"Unsupported tensor type in NewConstNode: {t.dtype.upper()}", PARSER(400)) from None


def _prelu(n: Node) -> None:
    max_supported(n, 1, BUILDER(4073))
    src = n.need(0)
    read_input(n, 0)
    alpha = n.need(1)
    if not n.is_const(1):
        raise Reject("the alpha tensor must be constant", BUILDER(4082))
    channels = (src.shape or (1,))[-1]
    dims = alpha.shape or ()
    if dims and all(d == 1 for d in dims[:-1]):
        if dims[-1] != channels:
            raise Reject("Linear alpha shape does not match the number of input channels.", BUILDER(4087))
    else:
        hwc = tuple(dims[-3:]) if len(dims) >= 3 else ()
        if hwc != tuple((src.shape or ())[-3:]):
            raise Reject("Alpha shape does not match input shape.", BUILDER(4098))
    check_outputs(n)


def _pad(n: Node) -> None:
    validate(n, BUILDER(4137), max_version=5)
    read_input(n, 0)
    const_int_tensor(n, 1, BUILDER(4143))
    if n.op.kind == "PADV2" and len(n.op.inputs) == 3 and not n.is_const(2):
        raise Reject("the padding value must be a constant scalar", BUILDER(4151))
    paddings = n.need(1).shape or ()
    if tuple(paddings) not in ((4, 2), (3, 2)):
        raise Reject("Paddings tensor has unexpected shape.", BUILDER(4157))


def _pooling(n: Node) -> None:
    validate(n, BUILDER(4233), max_version=2)
    read_input(n, 0)
    activation(n, skip_size=True)


def _axes(n: Node) -> None:
    """The constant axes of a reduce or reverse op, each checked with PreCheckAxisFromIndex."""
    src = n.need(0)
    axes = n.values(1) if len(n.op.inputs) > 1 else None
    for a in axes or ():
        axis_from_index(src, int(a))


def _reduce(n: Node) -> None:
    compatibility(n, BUILDER(4302))
    read_input(n, 0)
    n.need(1)
    _axes(n)  # 4316-4318
    if not n.opt("keep_dims", False):
        tensor_shape(n.out())
    check_outputs(n)


def _quantize(n: Node) -> None:
    max_supported(n, 2, BUILDER(4384))
    compatibility(n, BUILDER(4385))
    read_input(n, 0)
    out = n.out()
    if out.quant is None or not out.quant.is_set:
        raise Reject("Encountered Quantize output with no quant params", BUILDER(4393))
    check_outputs(n)


def _relu(n: Node) -> None:
    validate(n, BUILDER(4430), max_version=2, outputs=1, runtime=1, consts=0)
    read_input(n, 0)


def _resize(n: Node) -> None:
    max_supported(n, 3, BUILDER(4596))
    compatibility(n, BUILDER(4597))
    read_input(n, 0)
    check_outputs(n)
    if n.op.kind == "RESIZE_BILINEAR" and n.opt("align_corners") and n.opt("half_pixel_centers"):
        raise Reject("If half_pixel_centers is True, align_corners must be False.", BUILDER(4611))


def _reverse(n: Node) -> None:
    compatibility(n, BUILDER(4663))
    read_input(n, 0)
    check_outputs(n)
    n.need(1)
    _axes(n)  # 4673-4675


def _select(n: Node) -> None:
    max_supported(n, 1, BUILDER(4703))
    # SelectV2OperationParser::CheckGpuDelegateCompatibility (4717), not the shared checker
    error = Reject(
        "Cond must be float or bool type, if, else tensors must be either be same the shape as output or "
        "constant, scalar.",
        BUILDER(4723),
    )
    if len(n.op.inputs) != 3 or len(n.op.outputs) != 1:
        raise Reject("Expected 3 inputs and 1 output", BUILDER(4720))
    if n.need(0).dtype not in ("bool", "float16", "float32"):
        raise error
    out = tuple(n.out().shape or ())
    for i in (1, 2):
        dims = tuple(n.need(i).shape or ())
        if dims and dims != out and (len(dims) > 1 or dims[0] > 1):
            raise error
    for i in range(3):
        _runtime_or_constant(n, i)
    check_outputs(n)


def _slice(n: Node) -> None:
    validate(n, BUILDER(4799), max_version=8, min_inputs=3, compat=False)
    read_input(n, 0)
    src = n.need(0)
    if n.is_const(0):
        raise Reject("Constant input is not supported.", BUILDER(4809))
    starts, sizes = const_int_tensor(n, 1, BUILDER(4817)), const_int_tensor(n, 2, BUILDER(4819))
    rank = _rank(src)
    count = _elements(n.need(1))
    if starts is not None and sizes is not None and len(starts) != len(sizes):
        raise Reject(
            f"The dimensionality of `starts` ({len(starts)}D) must match `sizes` ({len(sizes)}D).", BUILDER(4823)
        )
    if rank > 4:
        raise Reject("Slicing is unsupported for input with rank > 4", BUILDER(4885))
    allowed = {4: (3, 4), 3: (3,), 2: (2,), 1: (1,)}.get(rank, ())
    if count not in allowed:
        cite = {4: BUILDER(4850), 3: BUILDER(4863), 2: BUILDER(4873), 1: BUILDER(4881)}.get(rank, BUILDER(4885))
        want = " or ".join(map(str, allowed)) if allowed else "1 to 4"
        raise Reject(f"Slicing starts count must be {want} for {rank}d input", cite)


def _softmax(n: Node) -> None:
    validate(n, BUILDER(5021), max_version=4, outputs=1, runtime=1, consts=0)
    read_input(n, 0)
    if float(n.opt("beta", 1.0) or 0.0) != 1.0:
        raise Reject("Softmax.beta != 1 is not supported.", BUILDER(5036))


def _space_to_depth(n: Node) -> None:
    validate(n, BUILDER(5100), max_version=2, outputs=1, runtime=1, consts=0)
    read_input(n, 0)


def _split(n: Node) -> None:
    compatibility(n, BUILDER(5135))
    if int(n.opt("num_splits", 0) or 0) == 1:
        validate(n, BUILDER(5144))
        read_input(n, 0)
        return
    src = n.need(1)
    axis = n.values(0)
    if axis:
        axis_from_index(src, int(axis[0]))
    read_input(n, 1)
    check_outputs(n)


def _split_v(n: Node) -> None:
    validate(n, BUILDER(5198), runtime=1, consts=2)
    read_input(n, 0)
    if int(n.opt("num_splits", 0) or 0) == 1:
        return
    axis = n.values(2)
    if axis:
        axis_from_index(n.need(0), int(axis[0]))


def _strided_slice(n: Node) -> None:
    max_supported(n, 2, BUILDER(5258))
    # StridedSliceOperationParser::CheckGpuDelegateCompatibility (5334)
    for mask, text, cite in (
        ("ellipsis_mask", "Slice does not support ellipsis_mask.", BUILDER(5342)),
        ("new_axis_mask", "Slice does not support new_axis_mask.", BUILDER(5345)),
        ("shrink_axis_mask", "Slice does not support shrink_axis_mask parameter. ", BUILDER(5349)),
    ):
        if n.opt(mask):
            raise Reject(text.strip(), cite)
    if len(n.op.inputs) < 4:
        raise Reject("STRIDED_SLICE requires 4 inputs.", BUILDER(5352))
    src = n.need(0)
    begin = n.need(1)
    count = (begin.shape or (0,))[0] if begin.shape else 0
    if _rank(src) not in (count, count + 1):
        raise Reject("STRIDED_SLICE input/params dimensions mismatch.", BUILDER(5358))
    const_int_tensor(n, 1, BUILDER(5268))
    strides = n.values(3)
    if strides is not None:
        if any(s == 0 for s in strides):
            raise Reject("stride values must be non-zero", BUILDER(5306))
        if any(s < 0 for s in strides):
            raise Reject("Reverse slices are not supported.", BUILDER(5310))
    check_outputs(n)


def _topk(n: Node) -> None:
    max_supported(n, 1, BUILDER(5591))
    compatibility(n, BUILDER(5592))
    read_input(n, 0)
    if not n.is_const(1):
        raise Reject("TopK k must be constant tensor.", BUILDER(5599))
    if _elements(n.need(1)) != 1:
        raise Reject("TopK k must be scalar.", BUILDER(5602))
    if len(n.op.outputs) != 2:
        raise Reject("TopK requires 2 output tensors", BUILDER(5606))
    check_outputs(n)


def _transpose_conv(n: Node) -> None:
    max_supported(n, 3, BUILDER(5682))
    compatibility(n, BUILDER(5683))
    read_input(n, 2)
    check_outputs(n)
    if n.runtime_inputs == 2:
        read_input(n, 1)
    elif _rank(n.need(1)) != 4:
        raise Reject(f"Expected a 4D tensor of shape OxHxWxI but got {list(n.need(1).shape or ())}", PARSER(192))


def _transpose(n: Node) -> None:
    max_supported(n, 9, BUILDER(5793))
    compatibility(n, BUILDER(5794))
    read_input(n, 0)
    check_outputs(n)
    const_int_tensor(n, 1, BUILDER(5800))
    size = _elements(n.need(1))
    if size > 4 or size < 2:
        raise Reject("Permutation for transpose is invalid.", BUILDER(5804))


def _unpack(n: Node) -> None:
    if int(n.opt("num", 0) or 0) == 1:
        read_input(n, 0)
        check_outputs(n)
        return
    src = n.need(0)
    tensor_shape(src)
    axis_from_index(src, int(n.opt("axis", 0) or 0))
    read_input(n, 0)
    for i in range(len(n.op.outputs)):
        tensor_shape(n.out(i))
        read_value(n.out(i))


def _reads(*indices: int) -> Callable[[Node], None]:
    """Custom-op parsers that read their runtime inputs and outputs (GroupNorm, LayerNorm, ...)."""

    def check(n: Node) -> None:
        for i in indices:
            read_input(n, i)
        check_outputs(n)

    return check


def _compat_reads(cite: Cite, *indices: int) -> Callable[[Node], None]:
    """Parsers that call the shared checker, then read their runtime inputs and outputs."""
    reads = _reads(*indices)

    def check(n: Node) -> None:
        compatibility(n, cite)
        reads(n)

    return check


def _reshape(n: Node) -> None:
    max_supported(n, 1, BUILDER(4560))
    _compat_reads(BUILDER(4562), 0)(n)


def _transpose_conv_custom(n: Node) -> None:
    _compat_reads(BUILDER(5750), 0)(n)
    if _rank(n.need(1)) != 4:
        raise Reject(f"Expected a 4D tensor of shape OxHxWxI but got {list(n.need(1).shape or ())}", PARSER(192))


#: NewOperationParser (model_builder.cc 6766): builtin op -> the parser's IsSupported
PARSERS: dict[str, Callable[[Node], None]] = {
    **dict.fromkeys(
        (
            *("ABS", "ADD", "ADD_N", "ATAN2", "BITWISE_XOR", "CEIL", "COS", "DIV", "EQUAL", "ELU", "EXP"),
            *("FLOOR", "FLOOR_DIV", "FLOOR_MOD", "GELU", "GREATER", "GREATER_EQUAL", "LESS", "LESS_EQUAL"),
            *("LOGICAL_AND", "LOGICAL_NOT", "LOGICAL_OR", "LOGISTIC", "LOG", "MAXIMUM", "MINIMUM", "MUL"),
            *("NEG", "NOT_EQUAL", "POW", "ROUND", "RSQRT", "STABLEHLO_SHIFT_LEFT", "RIGHT_SHIFT", "SIGN"),
            *("SIN", "SQRT", "SQUARE", "SQUARED_DIFFERENCE", "SUB", "TANH"),
        ),
        _elementwise,
    ),
    "ARG_MAX": _argmax,
    "AVERAGE_POOL_2D": _pooling,
    "MAX_POOL_2D": _pooling,
    "BATCH_MATMUL": _batch_matmul,
    "BITCAST": _plain(BUILDER(847)),
    "STABLEHLO_BROADCAST_IN_DIM": _broadcast_in_dim,
    "CAST": _cast,
    "STABLEHLO_CBRT": _plain(BUILDER(1093)),
    "STABLEHLO_CLAMP": _plain(BUILDER(1118), reads=(0, 1, 2)),
    "CONCATENATION": _concatenation,
    "CONV_2D": _conv,
    "CUMSUM": _plain(BUILDER(1755), max_version=1),
    "DEPTHWISE_CONV_2D": _depthwise,
    "DEPTH_TO_SPACE": _plain(BUILDER(1957)),
    "DEQUANTIZE": _dequantize,
    "DYNAMIC_UPDATE_SLICE": _dynamic_update_slice,
    "EMBEDDING_LOOKUP": _embedding_lookup,
    "FULLY_CONNECTED": _fully_connected,
    "GATHER": _gather,
    "HARD_SWISH": _compat_reads(BUILDER(3565), 0),
    "LSTM": _lstm,
    "MEAN": _reduce,
    "MIRROR_PAD": _pad,
    "ONE_HOT": _one_hot,
    "PACK": _pack,
    "PAD": _pad,
    "PADV2": _pad,
    **dict.fromkeys(("REDUCE_ALL", "REDUCE_ANY", "REDUCE_MAX", "REDUCE_MIN", "REDUCE_PROD", "SUM"), _reduce),
    "QUANTIZE": _quantize,
    **dict.fromkeys(("RELU", "RELU6", "RELU_0_TO_1", "RELU_N1_TO_1", "LEAKY_RELU"), _relu),
    "PRELU": _prelu,
    "STABLEHLO_REMAINDER": _compat_reads(BUILDER(4466), 0, 1),
    "RESHAPE": _reshape,
    "RESIZE_BILINEAR": _resize,
    "RESIZE_NEAREST_NEIGHBOR": _resize,
    "REVERSE_V2": _reverse,
    "SELECT": _select,
    "SELECT_V2": _select,
    "SLICE": _slice,
    "SOFTMAX": _softmax,
    "SPACE_TO_DEPTH": _space_to_depth,
    "SPLIT": _split,
    "SPLIT_V": _split_v,
    "STRIDED_SLICE": _strided_slice,
    "TILE": _compat_reads(BUILDER(5569), 0),
    "TOPK_V2": _topk,
    "TRANSPOSE": _transpose,
    "TRANSPOSE_CONV": _transpose_conv,
    "UNPACK": _unpack,
}

#: kTfLiteBuiltinCustom (7037): custom op name -> parser
CUSTOM_PARSERS: dict[str, Callable[[Node], None]] = {
    "custom_call.GroupNorm": _reads(0),
    "custom_call.LayerNorm": _reads(0),
    "custom_call.RmsNorm": _reads(0),
    "custom_call.PixelShuffle": _reads(0),
    "custom_call.absolute_positional_embedding": _reads(0),
    "custom_call.rotary_positional_embedding": _reads(0),
    "Convolution2DTransposeBias": _transpose_conv_custom,
    "MaxPoolingWithArgmax2D": _pooling,
    "MaxUnpooling2D": _compat_reads(BUILDER(5940), 0, 1),
    "Resampler": _compat_reads(BUILDER(4528), 0, 1),
}
#: CustomOperationParserFactory (custom_parsers.cc): composites it parses, those taking integer
#: tensors, and those taking boolean tensors
FACTORY = frozenset({"odml.cache_update", "odml.runtime_bmm", "odml.sdpa_transposed", "moe", "odml.rope"})
FACTORY_INT = FACTORY
FACTORY_BOOL = frozenset({"odml.sdpa_transposed"})
#: kTfLiteBuiltinStablehloComposite (7073): composite name -> parser
COMPOSITE_PARSERS: dict[str, Callable[[Node], None]] = {
    "odml.group_norm": _reads(0),
    "odml.rms_norm": _reads(0),
    "custom_call.rotary_positional_embedding": _reads(0),
    "odml.scaled_dot_product_attention": _reads(0, 1, 2),
    **dict.fromkeys(FACTORY, _reads(0)),
}

#: the op groups of GetOpsToReplaceWithOptions' type filter (model_builder.cc 443-560)
LOGICAL = frozenset({"LOGICAL_AND", "LOGICAL_OR", "LOGICAL_NOT", "BITWISE_XOR"})
COMPARE = frozenset({"GREATER", "GREATER_EQUAL", "LESS", "LESS_EQUAL", "EQUAL", "NOT_EQUAL"})
BF16 = frozenset(
    {
        *("ABS", "ADD", "ATAN2", "STABLEHLO_CBRT", "CEIL", "STABLEHLO_CLAMP", "CONV_2D", "COS", "DIV", "EXP"),
        *("FLOOR", "GATHER", "LOG", "LOGISTIC", "MAXIMUM", "MINIMUM", "MUL", "NEG", "POW", "ROUND", "RSQRT"),
        *("SIGN", "SIN", "SQRT", "SUB", "TANH"),
    }
)
INT_OPS = frozenset(
    {
        *("ABS", "ADD", "ATAN2", "COS", "DIV", "FLOOR_DIV", "FLOOR_MOD", "MAXIMUM", "MINIMUM", "MUL", "NEG"),
        *("REDUCE_MAX", "REDUCE_MIN", "REDUCE_PROD", "RIGHT_SHIFT", "SIGN", "SIN", "STABLEHLO_CLAMP", "SUB"),
        *("SUM", "STABLEHLO_REMAINDER", "TILE"),
    }
)
ALL_PRECISION = frozenset(
    {
        *("STABLEHLO_BROADCAST_IN_DIM", "BITCAST", "CAST", "CONCATENATION", "DYNAMIC_UPDATE_SLICE", "GATHER"),
        *("PACK", "PAD", "PADV2", "RESHAPE", "REVERSE_V2", "SELECT", "SELECT_V2", "SLICE", "STRIDED_SLICE"),
        "TRANSPOSE",
    }
)


def allowed_types(op: Op) -> tuple[frozenset[str], frozenset[str]]:
    """The runtime tensor types GetOpsToReplaceWithOptions (7139) lets through for ``op``, with
    ``allow_quant_ops`` and ``allow_bool_tensors`` as the WebGPU delegate sets them."""
    kind = op.kind
    ins = {*FLOATS, "bool", "int2", "int4", "int8", "uint8"}
    outs = {*FLOATS, "int8", "uint8"}
    if kind == "ARG_MAX":
        outs = {"int32"}
    if kind in ("REDUCE_ALL", "REDUCE_ANY"):
        ins, outs = {"bool"}, {"bool"}
    if kind in ("EMBEDDING_LOOKUP", "ONE_HOT", "DYNAMIC_UPDATE_SLICE"):
        ins.add("int32")
    if kind in COMPARE:
        ins |= {*INTS, *UINTS}
        outs.add("bool")
    if kind in LOGICAL:
        ins, outs = {"bool", *INTS}, {"bool", *INTS}
    if kind == "TOPK_V2":
        outs.add("int32")
    if kind in BF16:
        ins.add("bfloat16")
        outs.add("bfloat16")
    if kind in INT_OPS:
        ins |= set(INTS)
        outs |= set(INTS)
    name = _composite_name(op)
    if kind == "STABLEHLO_COMPOSITE" and name in FACTORY_BOOL:
        ins.add("bool")
        outs.add("bool")
    if (kind == "STABLEHLO_COMPOSITE" and name in FACTORY_INT) or (kind == "CUSTOM" and op.custom_code in FACTORY_INT):
        ins.add("int32")
    if kind in ALL_PRECISION:
        ins |= {*INTS, *UINTS, "bool", "bfloat16"}
        outs |= {*INTS, *UINTS, "bool", "bfloat16"}
    if kind == "STABLEHLO_SHIFT_LEFT":
        ins |= set(INTS)
        outs |= set(INTS)
    return frozenset(ins), frozenset(outs)


def _composite_name(op: Op) -> str:
    return str(op.options.get("name", "") or "")


def _parser(op: Op) -> Callable[[Node], None] | None:
    if op.kind == "CUSTOM":
        return CUSTOM_PARSERS.get(op.custom_code or "")
    if op.kind == "STABLEHLO_COMPOSITE":
        return COMPOSITE_PARSERS.get(_composite_name(op))
    return PARSERS.get(op.kind)


def delegate_op(model: Model, graph: Graph, op: Op, fp16: frozenset[int] = frozenset()) -> OpVerdict:
    """The accelerator's decision for one op: its parser's IsSupported, then the type filter."""
    parser = _parser(op)
    if parser is None:
        if op.kind == "STABLEHLO_COMPOSITE":  # the factory's UnimplementedOperationParser
            return OpVerdict(False, (_composite_name(op) or "unnamed composite",), COMPOSITES(47))
        if op.kind == "CUSTOM":
            text = f"no ML Drift parser for custom op {op.custom_code}"
            return OpVerdict(False, (text,), BUILDER(7068))
        return OpVerdict(False, ("Operation is not supported.",), BUILDER(6726))
    try:
        parser(Node(model, graph, op, fp16))
    except Reject as exc:
        return exc.verdict
    except (IndexError, ValueError, TypeError):  # a malformed op: the parser's own bounds checks fail
        return OpVerdict(False, ("the op's inputs or outputs are not what the GPU accelerator expects",), BUILDER())
    allowed_in, allowed_out = allowed_types(op)
    for indices, allowed in ((op.inputs, allowed_in), (op.outputs, allowed_out)):
        for t in indices:
            tensor = graph.tensor(t) if t >= 0 else None
            if tensor is None:
                continue
            # IsAllAllowedTensors (6734): no tensor of rank 5+, no runtime tensor of another type
            if tensor.shape is not None and len(tensor.shape) >= 5:
                text = f"Tensor dimensions must be less than 5. {tensor.name}"
                return OpVerdict(False, (text,), BUILDER(6744))
            runtime = not tensor.is_const and not tensor.is_variable and t not in fp16
            if runtime and tensor.dtype not in allowed:
                text = f"Tensor type({tensor.dtype.upper()}) is not supported. {tensor.name}"
                return OpVerdict(False, (text,), BUILDER(6755))
    return OpVerdict(True, (), BUILDER(7139))


def assess(model: Model, target: Target) -> Assessment:
    """What LiteRT's GPU accelerator takes of ``model`` (``Delegate.assess``)."""
    out: dict[tuple[int, int], OpVerdict] = {}
    for graph in model.graphs:
        out.update(fp16_partition(graph, partial(delegate_op, model, graph)))
    return Assessment(out, rejection(model))


def kinds(target: Target) -> frozenset[str]:
    """The builtins the accelerator has a parser for (an op of another kind stays on the CPU)."""
    return frozenset(PARSERS) | {"STABLEHLO_COMPOSITE"}


COMPILE_FAILS = "LiteRT's CompiledModel cannot be created for the GPU (the whole model fails to compile)"


def rejection(model: Model) -> Rejection | None:
    """Why ``CompiledModel`` with the GPU accelerator cannot take the model at all.

    * LiteRT's model loader refuses variable tensors ("Variable tensors not yet supported.");
    * the WebGPU delegate does not set ``kTfLiteDelegateFlagsAllowDynamicTensors``
      (``ml_drift_delegate/delegate/delegate_webgpu.cc`` 773-779), so a graph whose Prepare
      leaves a tensor dynamic makes ``Subgraph::ModifyGraphWithDelegate`` fail
      (``tflite/core/subgraph.cc`` 2548-2552), and CompiledModel with it."""
    for graph in model.graphs:
        for t in graph.tensors:
            if t.is_variable:
                text = (
                    f"variable tensor {t.describe()}: LiteRT's model loader says 'Variable tensors not yet supported.'"
                )
                return Rejection(text, COMPILE_FAILS, None, LOADER(290))
    return dynamic_rejection(model, COMPILE_FAILS)


DELEGATE = Delegate("gpu-litert", assess, kinds)
