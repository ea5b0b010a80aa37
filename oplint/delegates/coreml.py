"""The Core ML delegate (iOS, Apple Neural Engine): which ops it takes.

A translation of ``IsNodeSupportedByDelegate`` (``tflite/delegates/coreml/coreml_delegate.mm``) and
the validators it calls (``tflite/delegates/coreml/builders/*``) at the pinned LiteRT commit; each
rejection cites its file and line.  The delegate converts float models only: an op whose first
input is not float32 stays on the CPU.  ``coreml-version`` (2 or 3, default 3 as the delegate
picks on iOS 13+) is the target's option: Core ML 3 drops RESHAPE.  The delegate is legacy: LiteRT
points iOS users to its GPU (Metal) path, and the delegate is only created on devices with a Neural
Engine unless told otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ..knowledge.sources import Cite, litert
from .contract import Assessment, Delegate, OpVerdict, Reject

if TYPE_CHECKING:  # pragma: no cover
    from ..core.model import Graph, Model, Op, Tensor
    from ..knowledge.targets import Target

COREML = litert("tflite/delegates/coreml/coreml_delegate.mm")
UTIL = litert("tflite/delegates/coreml/builders/util.cc")
CONCAT = litert("tflite/delegates/coreml/builders/concatenation_op_builder.cc")
CONV = litert("tflite/delegates/coreml/builders/convolution_op_builder.cc")
FULLY_CONNECTED = litert("tflite/delegates/coreml/builders/fully_connected_op_builder.cc")
PAD = litert("tflite/delegates/coreml/builders/pad_op_builder.cc")
POOLING = litert("tflite/delegates/coreml/builders/pooling_layer_builder.cc")
RESHAPE = litert("tflite/delegates/coreml/builders/reshape_op_builder.cc")
RESIZE_BILINEAR = litert("tflite/delegates/coreml/builders/resize_bilinear_op_builder.cc")


def _t(graph: Graph, op: Op, i: int) -> Tensor | None:
    return graph.tensor(op.inputs[i]) if i < len(op.inputs) and op.inputs[i] >= 0 else None


def _const(t: Tensor | None) -> bool:
    return t is not None and t.is_const


def _activation(op: Op) -> str:
    return str(op.options.get("fused_activation_function", "NONE") or "NONE")


def _broadcastable(a: Tensor, b: Tensor) -> bool:
    """IsBroadcastable (util.cc 44): shapes seen as 4-D [B, H, W, C]."""
    if len(a.shape or ()) > 4 or len(b.shape or ()) > 4:
        return False
    sa = (1,) * (4 - len(a.shape or ())) + tuple(a.shape or ())
    sb = (1,) * (4 - len(b.shape or ())) + tuple(b.shape or ())

    def scalar_const(t: Tensor) -> bool:
        n = 1
        for d in t.shape or ():
            n *= d
        return t.is_const and n == 1

    if sa[0] != sb[0] and not (scalar_const(a) or scalar_const(b)):
        return False
    if (sa[1], sa[2]) != (sb[1], sb[2]) and not ((sa[1], sa[2]) == (1, 1) or (sb[1], sb[2]) == (1, 1)):
        return False
    return not (sa[3] != sb[3] and sa[3] != 1 and sb[3] != 1)


def _binary(model: Model, graph: Graph, op: Op) -> None:
    """IsBinaryOpSupported (util.cc 91)."""
    a, b = _t(graph, op, 0), _t(graph, op, 1)
    for t in (a, b):
        if t is None or not (t.dtype == "float32" or (t.dtype == "float16" and t.is_const)):
            raise Reject("inputs must be float32 (or constant float16)", UTIL(98))
    assert a is not None and b is not None
    if not _broadcastable(a, b):
        raise Reject(f"Core ML cannot broadcast {a.shape} with {b.shape}", UTIL(69))


def _pool(model: Model, graph: Graph, op: Op) -> None:
    if _activation(op) != "NONE":
        raise Reject("pooling with a fused activation", COREML(85))


def _concat(model: Model, graph: Graph, op: Op) -> None:
    """IsConcatenationOpSupported (concatenation_op_builder.cc 65)."""
    if _activation(op) != "NONE":
        raise Reject("concatenation with a fused activation", CONCAT(74))
    if len(op.inputs) < 2:
        raise Reject("fewer than 2 inputs", CONCAT(75))
    first = _t(graph, op, 0)
    rank = len(first.shape or ()) if first is not None else 0
    axis = int(op.options.get("axis", 0) or 0)
    if (rank == 3 and axis in (2, -1)) or (rank == 4 and axis in (3, -1)):
        return
    raise Reject(f"concatenation along axis {axis} of a rank-{rank} tensor (only the channel axis)", CONCAT(80))


def _conv(model: Model, graph: Graph, op: Op) -> None:
    """IsConvolutionOpSupported (convolution_op_builder.cc 312)."""
    if op.kind != "TRANSPOSE_CONV" and _activation(op) == "SIGN_BIT":
        raise Reject("SIGN_BIT activation", CONV(336))
    w = _t(graph, op, 1)
    if not _const(w):
        raise Reject("the weights are not constant", CONV(347))
    assert w is not None
    dims = w.shape or ()
    if len(dims) > 2 and (dims[1] > 16384 or dims[2] > 16384):
        raise Reject("kernel larger than 16384", CONV(351))
    if op.kind == "TRANSPOSE_CONV":
        if not _const(_t(graph, op, 0)):
            raise Reject("the output shape is not constant", CONV(355))
    elif len(op.inputs) > 2 and op.inputs[2] >= 0 and not _const(_t(graph, op, 2)):
        raise Reject("the bias is not constant", CONV(360))


def _fully_connected(model: Model, graph: Graph, op: Op) -> None:
    """IsFullyConnectedOpSupported (fully_connected_op_builder.cc 149)."""
    if str(op.options.get("weights_format", "DEFAULT")) != "DEFAULT":
        raise Reject("non-default weights format", FULLY_CONNECTED(160))
    x, w = _t(graph, op, 0), _t(graph, op, 1)
    if x is None or x.dtype not in ("float32", "float16"):
        raise Reject("the input is not float", FULLY_CONNECTED(168))
    if w is None or w.dtype not in ("float32", "float16") or not w.is_const:
        raise Reject("the weights are not constant float", FULLY_CONNECTED(171))
    dims = x.shape or ()
    n = 1
    for d in dims:
        n *= d
    if not dims or dims[-1] != n:
        raise Reject("the input must be a single vector (all but the last dimension 1)", FULLY_CONNECTED(176))
    if len(op.inputs) > 2 and op.inputs[2] >= 0:
        bias = _t(graph, op, 2)
        if bias is None or bias.dtype not in ("float32", "float16") or not bias.is_const:
            raise Reject("the bias is not constant float", FULLY_CONNECTED(183))
    if _activation(op) == "SIGN_BIT":
        raise Reject("SIGN_BIT activation", FULLY_CONNECTED(189))


def _pad(model: Model, graph: Graph, op: Op) -> None:
    """IsPadOpSupported / IsMirrorPadOpSupported (pad_op_builder.cc 100, 133)."""
    if op.kind == "MIRROR_PAD" and str(op.options.get("mode", "REFLECT")) != "REFLECT":
        raise Reject("only REFLECT mode", PAD(140))
    pad = _t(graph, op, 1)
    if not _const(pad):
        raise Reject("the paddings are not constant", PAD(109))
    assert pad is not None
    if tuple(pad.shape or ()) != (4, 2):
        raise Reject("only 4-D inputs", PAD(114))
    from ..readers.constants import constant_values

    values = constant_values(model, graph.index, op.inputs[1])
    if values is not None and len(values) == 8:
        if values[0] or values[1]:
            raise Reject("padding of the batch dimension", PAD(121))
        if values[6] or values[7]:
            raise Reject("padding of the channel dimension", PAD(128))


def _mean(model: Model, graph: Graph, op: Op) -> None:
    """IsMeanOpSupported (pooling_layer_builder.cc 141)."""
    if not op.options.get("keep_dims"):
        raise Reject("MEAN without keep_dims", POOLING(150))
    x = _t(graph, op, 0)
    if x is None or len(x.shape or ()) != 4:
        raise Reject("MEAN of a tensor that is not 4-D", POOLING(154))
    from ..readers.constants import constant_values

    axes = constant_values(model, graph.index, op.inputs[1])
    if axes is not None and any(int(a) % 4 not in (1, 2) for a in axes):
        raise Reject("MEAN must reduce height and width only", POOLING(162))


def _reshape(model: Model, graph: Graph, op: Op, version: int) -> None:
    """IsReshapeOpSupported (reshape_op_builder.cc 124)."""
    if version >= 3:
        raise Reject("RESHAPE is not delegated with Core ML 3 (coreml-version = 3)", RESHAPE(128))
    if len(op.inputs) == 1:
        dims = op.options.get("new_shape") or ()
        if len(dims) not in (3, 4):
            raise Reject("the new shape must have 3 or 4 dimensions", RESHAPE(133))
        return
    shape = _t(graph, op, 1)
    if not _const(shape):
        raise Reject("the new shape is not constant", RESHAPE(141))
    assert shape is not None
    if shape.dtype != "int32" or len(shape.shape or ()) != 1 or (shape.shape or (0,))[0] not in (3, 4):
        raise Reject("the new shape must have 3 or 4 dimensions", RESHAPE(145))


def _resize(model: Model, graph: Graph, op: Op) -> None:
    if not _const(_t(graph, op, 1)):
        raise Reject("the output size is not constant", RESIZE_BILINEAR(101))


def _softmax(model: Model, graph: Graph, op: Op) -> None:
    if float(op.options.get("beta", 1.0)) != 1.0:
        raise Reject("beta other than 1", COREML(142))


def _any(model: Model, graph: Graph, op: Op) -> None:
    return None


CHECKS: dict[str, Callable[[Model, Graph, Op], None]] = {
    "ADD": _binary,
    "MUL": _binary,
    "AVERAGE_POOL_2D": _pool,
    "MAX_POOL_2D": _pool,
    "CONCATENATION": _concat,
    "CONV_2D": _conv,
    "DEPTHWISE_CONV_2D": _conv,
    "TRANSPOSE_CONV": _conv,
    "FULLY_CONNECTED": _fully_connected,
    "HARD_SWISH": _any,
    "LOGISTIC": _any,
    "MIRROR_PAD": _pad,
    "PAD": _pad,
    "PADV2": _pad,
    "MEAN": _mean,
    "RELU": _any,
    "RELU_N1_TO_1": _any,
    "RELU6": _any,
    "RESIZE_BILINEAR": _resize,
    "SOFTMAX": _softmax,
    "TANH": _any,
}
MAX_VERSION: dict[str, tuple[int, Cite]] = {"DEPTHWISE_CONV_2D": (2, COREML(49)), "FULLY_CONNECTED": (6, COREML(53))}


def check_op(model: Model, graph: Graph, op: Op, coreml_version: int) -> OpVerdict:
    """IsNodeSupportedByDelegate for one op."""
    if op.kind not in CHECKS and op.kind != "RESHAPE":
        return OpVerdict(False, (f"the Core ML delegate has no builder for {op.display}",), COREML(151))
    limit, cite = MAX_VERSION.get(op.kind, (1, COREML(56)))
    if op.version > limit:
        return OpVerdict(False, (f"{op.kind} version {op.version}; the delegate takes up to {limit}",), cite)
    first = _t(graph, op, 2 if op.kind == "TRANSPOSE_CONV" else 0)
    if first is None or first.dtype != "float32":
        got = first.dtype if first is not None else "nothing"
        return OpVerdict(False, (f"the input is {got}: Core ML takes float models only",), COREML(67))
    try:
        if op.kind == "RESHAPE":
            _reshape(model, graph, op, coreml_version)
        else:
            CHECKS[op.kind](model, graph, op)
    except Reject as exc:
        return exc.verdict
    return OpVerdict(True, (), COREML(38))


def assess(model: Model, target: Target) -> Assessment:
    """What the Core ML delegate takes of ``model`` (``Delegate.assess``)."""
    version = int(target.delegate_options.get("coreml-version", 3))
    return Assessment({op.key: check_op(model, graph, op, version) for graph in model.graphs for op in graph.ops})


def kinds(target: Target) -> frozenset[str]:
    """The builtins the Core ML delegate has a builder for (RESHAPE only for Core ML 2)."""
    version = int(target.delegate_options.get("coreml-version", 3))
    return frozenset(CHECKS) | (frozenset({"RESHAPE"}) if version < 3 else frozenset())


DELEGATE = Delegate("coreml", assess, kinds)
