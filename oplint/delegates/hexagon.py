"""The Hexagon delegate (Qualcomm DSPs, legacy): which ops it takes.

A translation of ``IsNodeSupportedByHexagon`` and ``CheckOpVersion`` (``tflite/delegates/hexagon/utils.cc``
at the pinned LiteRT commit); each rejection cites the ``case`` of the op it comes from.  The
delegate runs 8-bit quantized models only (uint8 or int8 tensors), ranks up to 4, op versions up
to a per-op limit.  It is deprecated: Qualcomm's QNN delegate replaces it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ..knowledge.sources import Cite, litert
from .contract import Assessment, Delegate, OpVerdict, Reject

if TYPE_CHECKING:  # pragma: no cover
    from ..core.model import Graph, Model, Op
    from ..knowledge.targets import Target

HEXAGON = litert("tflite/delegates/hexagon/utils.cc")
Q8 = ("uint8", "int8")
RELU_OR_NONE = ("NONE", "RELU", "RELU6", "RELU_N1_TO_1")  # IsActivationReluOrNone

#: CheckOpVersion (75): the highest op version the delegate takes (RELU, RSQRT and
#: SQUARED_DIFFERENCE exactly 2; every op not listed exactly 1)
_V2 = (
    *("ADD", "ARG_MAX", "ARG_MIN", "AVERAGE_POOL_2D", "CONCATENATION", "L2_NORMALIZATION", "LOGISTIC"),
    *("MAXIMUM", "MAX_POOL_2D", "MEAN", "MINIMUM", "MIRROR_PAD", "MUL", "PACK", "PAD", "QUANTIZE", "RELU6"),
    *("SLICE", "SOFTMAX", "SPACE_TO_DEPTH", "DEPTH_TO_SPACE", "SPLIT", "STRIDED_SLICE", "SUB", "TANH"),
    "TRANSPOSE",
)
MAX_VERSION: dict[str, int] = {
    **dict.fromkeys(_V2, 2),
    **dict.fromkeys(("CONV_2D", "DEPTHWISE_CONV_2D", "RESIZE_BILINEAR", "RESIZE_NEAREST_NEIGHBOR"), 3),
    "TRANSPOSE_CONV": 3,
    "FULLY_CONNECTED": 4,
}
EXACTLY_2 = frozenset({"SQUARED_DIFFERENCE", "RELU", "RSQRT"})

#: the ``case`` of each op in IsNodeSupportedByHexagon, which the checks inside it cite
CASE_LINE: dict[str, Cite] = {
    "ADD": HEXAGON(142), "MUL": HEXAGON(151), "SUB": HEXAGON(161), "SUM": HEXAGON(170), "MEAN": HEXAGON(175),
    "MIRROR_PAD": HEXAGON(181), "PAD": HEXAGON(192), "FULLY_CONNECTED": HEXAGON(201), "CONCATENATION": HEXAGON(240),
    "MAX_POOL_2D": HEXAGON(253), "AVERAGE_POOL_2D": HEXAGON(267), "TRANSPOSE_CONV": HEXAGON(275),
    "CONV_2D": HEXAGON(299), "DEPTHWISE_CONV_2D": HEXAGON(313), "RESHAPE": HEXAGON(351), "SOFTMAX": HEXAGON(358),
    "HARD_SWISH": HEXAGON(362), "RELU": HEXAGON(363), "RELU6": HEXAGON(364), "TANH": HEXAGON(365),
    "LOGISTIC": HEXAGON(366), "RESIZE_NEAREST_NEIGHBOR": HEXAGON(370), "L2_NORMALIZATION": HEXAGON(376),
    "ARG_MAX": HEXAGON(383), "ARG_MIN": HEXAGON(384), "SPLIT": HEXAGON(387), "RESIZE_BILINEAR": HEXAGON(398),
    "NEG": HEXAGON(407), "TRANSPOSE": HEXAGON(411), "SPACE_TO_DEPTH": HEXAGON(415), "DEPTH_TO_SPACE": HEXAGON(416),
    "QUANTIZE": HEXAGON(420), "MINIMUM": HEXAGON(424), "MAXIMUM": HEXAGON(429), "SLICE": HEXAGON(434),
    "PACK": HEXAGON(444), "STRIDED_SLICE": HEXAGON(457), "SQUARED_DIFFERENCE": HEXAGON(475), "RSQRT": HEXAGON(479),
}  # fmt: skip


def _inputs(graph: Graph, op: Op, allowed: list[tuple[str, ...]]) -> None:
    """InputsWithCorrectTypes (40): as many inputs as type lists, each (present one) of its types."""
    if len(op.inputs) != len(allowed):
        raise Reject(f"has {len(op.inputs)} inputs, the delegate expects {len(allowed)}", None)
    for i, (t, types) in enumerate(zip(op.inputs, allowed)):
        if t < 0:
            continue
        tensor = graph.tensor(t)
        if tensor is None or tensor.dtype not in types:
            got = tensor.dtype if tensor is not None else "nothing"
            raise Reject(f"input {i} is {got}; the delegate takes {'/'.join(types)}", None)


def _const(graph: Graph, op: Op, i: int, what: str) -> None:
    t = graph.tensor(op.inputs[i]) if i < len(op.inputs) and op.inputs[i] >= 0 else None
    if t is None or not t.is_const:
        raise Reject(f"the {what} must be constant", None)


def _act(op: Op, allowed: tuple[str, ...] = RELU_OR_NONE) -> None:
    act = str(op.options.get("fused_activation_function", "NONE") or "NONE")
    if act not in allowed:
        raise Reject(f"fused activation {act} is not supported", None)


def _all_q8(graph: Graph, op: Op) -> None:
    for i, t in enumerate(op.inputs):
        tensor = graph.tensor(t) if t >= 0 else None
        if tensor is None or tensor.dtype not in Q8:
            raise Reject(f"input {i} is not uint8/int8", None)


def _elementwise(graph: Graph, op: Op) -> None:
    _inputs(graph, op, [Q8, Q8])
    _act(op)


def _fully_connected(graph: Graph, op: Op) -> None:
    _inputs(graph, op, [Q8, Q8, ("int32",)])
    w = graph.tensor(op.inputs[1])
    if w is not None and w.quant is not None and (w.quant.details == "blockwise" or w.quant.scale_count > 1):
        raise Reject("per-channel or block-wise quantized weights", None)
    if len(op.inputs) > 2 and op.inputs[2] >= 0:
        _const(graph, op, 2, "bias")
    _act(op)
    if op.options.get("keep_num_dims"):
        raise Reject("keep_num_dims is not supported", None)
    if str(op.options.get("weights_format", "DEFAULT")) != "DEFAULT":
        raise Reject("non-default weights format", None)


def _max_pool(graph: Graph, op: Op) -> None:
    _inputs(graph, op, [Q8])
    fh, fw = int(op.options.get("filter_height", 0) or 0), int(op.options.get("filter_width", 0) or 0)
    if str(op.options.get("padding", "SAME")) == "SAME" and (fh >= 13 or fw >= 13):
        raise Reject(f"SAME padding with a {fh}x{fw} window (13 or more)", None)
    _act(op, ("NONE",))


def _avg_pool(graph: Graph, op: Op) -> None:
    _inputs(graph, op, [Q8])
    _act(op, ("NONE",))


def _transpose_conv(graph: Graph, op: Op) -> None:
    if len(op.inputs) == 3:
        _inputs(graph, op, [("int32",), Q8, Q8])
    else:
        _inputs(graph, op, [("int32",), Q8, Q8, ("int32",)])
    if int(op.options.get("stride_h", 1) or 0) > 3 or int(op.options.get("stride_w", 1) or 0) > 3:
        raise Reject("stride above 3", None)
    if str(op.options.get("padding", "SAME")) not in ("SAME", "VALID"):
        raise Reject("padding must be SAME or VALID", None)


def _conv(graph: Graph, op: Op) -> None:
    _inputs(graph, op, [Q8, Q8, ("int32",)])
    _act(op)
    if int(op.options.get("stride_h", 1) or 0) > 3 or int(op.options.get("stride_w", 1) or 0) > 3:
        raise Reject("stride above 3", None)
    if int(op.options.get("dilation_h_factor", 1) or 1) != 1 or int(op.options.get("dilation_w_factor", 1) or 1) != 1:
        raise Reject("dilated convolution", None)


def _depthwise(graph: Graph, op: Op) -> None:
    _inputs(graph, op, [Q8, Q8, ("int32",)])
    o = op.options
    dilation = int(o.get("dilation_h_factor", 1) or 1) != 1 or int(o.get("dilation_w_factor", 1) or 1) != 1
    if dilation and (int(o.get("stride_h", 1) or 0) != 1 or int(o.get("stride_w", 1) or 0) != 1):
        raise Reject("dilation with a stride other than 1", None)
    x, w = graph.tensor(op.inputs[0]), graph.tensor(op.inputs[1])
    xdims = (x.shape or ()) if x is not None else ()
    mult_ok = int(o.get("depth_multiplier", 1) or 0) == 1 or (not dilation and len(xdims) == 4 and xdims[3] == 1)
    _act(op)
    if int(o.get("stride_h", 1) or 0) > 3 or int(o.get("stride_w", 1) or 0) > 3:
        raise Reject("stride above 3", None)
    if not mult_ok:
        raise Reject("depth multiplier other than 1", None)
    wdims = (w.shape or ()) if w is not None else ()
    if len(wdims) >= 2 and wdims[1] < 2:
        raise Reject("filter height below 2", None)


def _reshape(graph: Graph, op: Op) -> None:
    x = graph.tensor(op.inputs[0]) if op.inputs and op.inputs[0] >= 0 else None
    if len(op.inputs) > 2 or x is None or x.dtype not in Q8:
        raise Reject("the input is not uint8/int8", None)


def _with_const(types: list[tuple[str, ...]], what: str) -> Callable[[Graph, Op], None]:
    def check(graph: Graph, op: Op) -> None:
        _inputs(graph, op, types)
        _const(graph, op, 1, what)

    return check


def _mirror_pad(graph: Graph, op: Op) -> None:
    _inputs(graph, op, [Q8, ("int32",)])
    _const(graph, op, 1, "paddings")
    if str(op.options.get("mode", "REFLECT")) not in ("REFLECT", "SYMMETRIC"):
        raise Reject("unknown mirror padding mode", None)


def _split(graph: Graph, op: Op) -> None:
    _inputs(graph, op, [("int32",), Q8])
    _const(graph, op, 0, "split dimension")


def _resize_bilinear(graph: Graph, op: Op) -> None:
    _inputs(graph, op, [Q8, ("int32",)])
    _const(graph, op, 1, "size")
    size = graph.tensor(op.inputs[1])
    n = 1
    for d in (size.shape or ()) if size is not None else ():
        n *= d
    if n != 2:
        raise Reject("the size must hold 2 values", None)


def _slice(graph: Graph, op: Op) -> None:
    _const(graph, op, 1, "begin")
    _const(graph, op, 2, "size")
    _inputs(graph, op, [Q8, ("int32", "int64"), ("int32", "int64")])


def _strided_slice(graph: Graph, op: Op) -> None:
    _inputs(graph, op, [Q8, ("int32",), ("int32",), ("int32",)])
    for i, what in ((1, "begin"), (2, "end"), (3, "strides")):
        _const(graph, op, i, what)
    if int(op.options.get("ellipsis_mask", 0) or 0) or int(op.options.get("new_axis_mask", 0) or 0):
        raise Reject("ellipsis_mask and new_axis_mask are not supported", None)


def _l2(graph: Graph, op: Op) -> None:
    _inputs(graph, op, [Q8])
    _act(op, ("NONE",))


def _sum(graph: Graph, op: Op) -> None:
    raise Reject("SUM is not delegated", None)


def _one(types: list[tuple[str, ...]]) -> Callable[[Graph, Op], None]:
    return lambda graph, op: _inputs(graph, op, types)


CHECKS: dict[str, Callable[[Graph, Op], None]] = {
    "ADD": _elementwise,
    "MUL": _elementwise,
    "SUB": _elementwise,
    "SUM": _sum,
    "MEAN": _with_const([Q8, ("int32",)], "axes"),
    "MIRROR_PAD": _mirror_pad,
    "PAD": _with_const([Q8, ("int32",)], "paddings"),
    "FULLY_CONNECTED": _fully_connected,
    "CONCATENATION": _all_q8,
    "PACK": _all_q8,
    "MAX_POOL_2D": _max_pool,
    "AVERAGE_POOL_2D": _avg_pool,
    "TRANSPOSE_CONV": _transpose_conv,
    "CONV_2D": _conv,
    "DEPTHWISE_CONV_2D": _depthwise,
    "RESHAPE": _reshape,
    **{k: _one([Q8]) for k in ("SOFTMAX", "HARD_SWISH", "RELU", "RELU6", "TANH", "LOGISTIC", "NEG")},
    **{k: _one([Q8]) for k in ("SPACE_TO_DEPTH", "DEPTH_TO_SPACE", "QUANTIZE")},
    "RESIZE_NEAREST_NEIGHBOR": _with_const([Q8, ("int32",)], "size"),
    "L2_NORMALIZATION": _l2,
    "ARG_MAX": _one([Q8, ("int32",)]),
    "ARG_MIN": _one([Q8, ("int32",)]),
    "SPLIT": _split,
    "RESIZE_BILINEAR": _resize_bilinear,
    "TRANSPOSE": _one([Q8, ("int32",)]),
    "MINIMUM": _one([Q8, Q8]),
    "MAXIMUM": _one([Q8, Q8]),
    "SLICE": _slice,
    "STRIDED_SLICE": _strided_slice,
    "SQUARED_DIFFERENCE": _one([("int8",), ("int8",)]),
    "RSQRT": _one([("int8",)]),
}


def check_op(graph: Graph, op: Op) -> OpVerdict:
    """IsNodeSupportedByHexagon for one op."""
    for t in (*op.inputs, *op.outputs):
        tensor = graph.tensor(t) if t >= 0 else None
        if tensor is not None and tensor.shape is not None and len(tensor.shape) > 4:
            return OpVerdict(False, (f"{tensor.describe()} has more than 4 dimensions",), HEXAGON(131))
    if op.kind in EXACTLY_2:
        ok = op.version == 2
    else:
        ok = op.version <= MAX_VERSION.get(op.kind, 1)
    if not ok:
        return OpVerdict(False, (f"{op.kind} version {op.version} is not one the delegate takes",), HEXAGON(75))
    check = CHECKS.get(op.kind)
    if check is None:
        return OpVerdict(False, (f"the Hexagon delegate has no kernel for {op.display}",), HEXAGON(482))
    case = CASE_LINE[op.kind]
    try:
        check(graph, op)
    except Reject as exc:  # a check inside the op's case cites the case
        return OpVerdict(False, (exc.message,), exc.cite or case)
    except (IndexError, TypeError):
        return OpVerdict(False, ("the op's inputs are not what the delegate expects",), case)
    return OpVerdict(True, (), case)


def assess(model: Model, target: Target) -> Assessment:
    """What the Hexagon delegate takes of ``model`` (``Delegate.assess``)."""
    return Assessment({op.key: check_op(graph, op) for graph in model.graphs for op in graph.ops})


def kinds(target: Target) -> frozenset[str]:
    """The builtins the Hexagon delegate has a case for (SUM's case always refuses)."""
    return frozenset(CHECKS) - {"SUM"}


DELEGATE = Delegate("hexagon", assess, kinds)
