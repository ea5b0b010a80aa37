"""XNNPACK: which ops LiteRT's default CPU delegate takes, and why it leaves the others.

A translation of the node checks of ``tflite/delegates/xnnpack/xnnpack_delegate.cc`` at the
pinned LiteRT commit (``rules/targets/xnnpack.toml`` records it): ``Delegate::PrepareOpsToDelegate``
(which DEQUANTIZE/DENSIFY nodes only unpack static weights, and when they are delegated with
their consumers) and ``Subgraph::VisitNode`` with its ``Visit*Node`` functions, of which only
the checks that run before ``subgraph != nullptr`` decide delegation (the rest build the XNNPACK
graph).  Every rejection cites the line of the check that rejects, at that commit.

The delegate's build flags come from the target's ``[delegate-options]``: ``qs8`` (signed 8-bit
quantized ops), ``qu8`` (unsigned), ``dynamic-fully-connected`` (FULLY_CONNECTED with
non-constant float weights).  Their values for the pip ``ai-edge-litert`` build were measured on
../shared's models (see the target file).

Nothing here reads weights: the few parameter values the checks need (paddings, strides,
reshape shapes) are read through :mod:`oplint.readers.constants`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, NamedTuple

from ..knowledge.sources import Cite, litert
from .contract import Assessment, Delegate, OpVerdict, OpView, Reject

if TYPE_CHECKING:  # pragma: no cover
    from ..core.model import Graph, Model, Op, Tensor
    from ..knowledge.targets import Target

XNNPACK = litert("tflite/delegates/xnnpack/xnnpack_delegate.cc")
MAX_DIMS = 6  #: XNN_MAX_TENSOR_DIMS (XNNPACK include/xnnpack.h)
FLOAT = ("float32", "float16")


class Settings(NamedTuple):
    qs8: bool = True
    qu8: bool = False
    dynamic_fully_connected: bool = False

    @classmethod
    def of(cls, target: Target) -> Settings:
        opts = target.delegate_options
        return cls(
            qs8=bool(opts.get("qs8", True)),
            qu8=bool(opts.get("qu8", False)),
            dynamic_fully_connected=bool(opts.get("dynamic-fully-connected", False)),
        )


class _Node(OpView):
    """What one Visit*Node sees: the op, its tensors, the delegate settings."""

    __slots__ = ("f16", "quasi_static", "resources", "settings")

    def __init__(
        self,
        model: Model,
        graph: Graph,
        op: Op,
        settings: Settings,
        quasi_static: set[int],
        f16: set[int],
        resources: dict[int, list[object]],
    ) -> None:
        super().__init__(model, graph, op)
        self.settings = settings
        self.quasi_static = quasi_static  #: tensors XNNPACK unpacks from constants itself
        self.f16 = f16  #: float16 weights it keeps in float16 (GetTensorType, 2806)
        #: resource tensor -> [VAR_HANDLE op index or None, (dtype, shape) of its proxy value or None]
        self.resources = resources

    def t(self, i: int) -> Tensor:
        """Input ``i``; a missing one rejects (the node has fewer inputs than the kernel reads)."""
        if i >= len(self.op.inputs) or self.op.inputs[i] < 0:
            raise Reject(f"input {i} is missing", XNNPACK(2179))
        tensor = self.graph.tensor(self.op.inputs[i])
        if tensor is None:
            raise Reject(f"input {i} is not a valid tensor", XNNPACK(2179))
        return tensor

    def out(self, i: int = 0) -> Tensor:
        if i >= len(self.op.outputs) or self.op.outputs[i] < 0:
            raise Reject(f"output {i} is missing", XNNPACK(2204))
        tensor = self.graph.tensor(self.op.outputs[i])
        if tensor is None:
            raise Reject(f"output {i} is not a valid tensor", XNNPACK(2204))
        return tensor

    # -- CheckNumInputs / CheckNumOutputs (2175-2246) ---------------------------------------
    def n_inputs(self, low: int, high: int | None = None) -> None:
        n = len(self.op.inputs)
        if n < low or n > (low if high is None else high):
            want = str(low) if high is None or high == low else f"{low} to {high}"
            raise Reject(f"has {n} inputs, XNNPACK expects {want}", XNNPACK(2179) if high is None else XNNPACK(2193))

    def n_outputs(self, low: int, high: int | None = None) -> None:
        n = len(self.op.outputs)
        if n < low or n > (low if high is None else high):
            want = str(low) if high is None or high == low else f"{low} to {high}"
            raise Reject(f"has {n} outputs, XNNPACK expects {want}", XNNPACK(2205) if high is None else XNNPACK(2218))

    def is_static(self, index: int) -> bool:
        t = self.graph.tensor(self.op.inputs[index]) if 0 <= index < len(self.op.inputs) else None
        return t is not None and t.is_const and not t.is_variable

    def static(self, i: int, what: str) -> None:
        """CheckTensorStaticAllocation (3012): constant, or unpacked from a constant (quasi-static)."""
        if self.op.inputs[i] in self.quasi_static:
            return
        if not self.is_static(i):
            raise Reject(f"the {what} ({_name(self.t(i))}) is not a constant", XNNPACK(3019))


def _name(t: Tensor) -> str:
    return t.describe()


# -- tensor type checks (xnnpack_delegate.cc 2248-2802) ----------------------------------------
def _per_tensor(t: Tensor) -> bool:
    q = t.quant
    return q is not None and q.scale_count == 1 and q.quantized_dimension == 0


def _affine(t: Tensor) -> bool:
    q = t.quant
    return q is not None and q.scale_count >= 1 and q.details is None


def _type_error(t: Tensor, cite: Cite) -> Reject:
    return Reject(f"unsupported type {t.dtype} of {_name(t)}", cite)


def float_type(t: Tensor, cite: Cite | None = None) -> None:
    """CheckTensorFloatType: float32 or float16."""
    if t.dtype not in FLOAT:
        raise _type_error(t, cite or XNNPACK(2277))


def float32_type(t: Tensor) -> None:
    if t.dtype != "float32":
        raise _type_error(t, XNNPACK(2253))


def _qint8(s: Settings, t: Tensor, cite: Cite) -> bool:
    if t.dtype == "int8" and s.qs8:
        if not _per_tensor(t):
            raise Reject(f"{_name(t)} is not quantized per tensor (XNNPACK's int8 ops need one scale)", cite)
        return True
    return False


def _quint8(s: Settings, t: Tensor, cite: Cite) -> bool:
    if t.dtype == "uint8" and s.qu8:
        q = t.quant
        if not _per_tensor(t) or q is None or q.zero_point_count != 1:
            raise Reject(f"{_name(t)} is not quantized per tensor (XNNPACK's uint8 ops need one scale)", cite)
        return True
    return False


def float_or_qint8(s: Settings, t: Tensor) -> None:
    """CheckTensorFloatOrQInt8Type (2285)."""
    if t.dtype in FLOAT or _qint8(s, t, XNNPACK(2303)):
        return
    raise _type_error(t, XNNPACK(2316))


def qint8_or_quint8(s: Settings, t: Tensor) -> None:
    """CheckTensorQInt8OrQUInt8Type (2322)."""
    if _qint8(s, t, XNNPACK(2337)) or _quint8(s, t, XNNPACK(2357)):
        return
    raise _type_error(t, XNNPACK(2370))


def float32_or_quint8(s: Settings, t: Tensor) -> None:
    """CheckTensorFloat32OrQUInt8Type (2376): float32, or 8-bit quantized per tensor."""
    if t.dtype == "float32" or _qint8(s, t, XNNPACK(2393)) or _quint8(s, t, XNNPACK(2413)):
        return
    raise _type_error(t, XNNPACK(2426))


def float_or_quint8(s: Settings, t: Tensor) -> None:
    """CheckTensorFloatOrQUInt8Type (2432): float32, float16, or 8-bit quantized per tensor."""
    if t.dtype == "float16":
        return
    float32_or_quint8(s, t)


def _valid_scales(t: Tensor) -> bool:
    q = t.quant
    return q is not None and all(x > 0 and math.isfinite(x) for x in q.scales)


def float32_or_qcint8(s: Settings, t: Tensor, channel_dim: int) -> None:
    """CheckTensorFloat32OrQCInt8Type (2447): float, or int8 per tensor / per channel on ``channel_dim``."""
    if t.dtype in FLOAT:
        return
    if t.dtype == "int8" and s.qs8:
        q = t.quant
        if q is None or not _affine(t):
            raise Reject(f"{_name(t)} has no affine quantization", XNNPACK(2460))
        if q.scale_count > 1 and q.quantized_dimension != channel_dim:
            raise Reject(
                f"{_name(t)} is quantized along dimension {q.quantized_dimension}; XNNPACK needs {channel_dim}",
                XNNPACK(2479),
            )
        if q.scale_count > 1 and ((q.zero_points and q.zero_points[0] != 0) or not _valid_scales(t)):
            raise Reject(
                f"{_name(t)} has invalid per-channel quantization (non-zero zero point or bad scale)", XNNPACK(2493)
            )
        if q.scale_count == 1 and not _valid_scales(t):
            raise Reject(f"{_name(t)} has an invalid quantization scale", XNNPACK(2506))
        return
    if _quint8(s, t, XNNPACK(2528)):
        return
    raise _type_error(t, XNNPACK(2551))


def filter_type(s: Settings, t: Tensor, channel_dim: int) -> None:
    """CheckTensorFilterType (2557): float, int8/int4/int2 (per tensor, per channel or blockwise), uint8."""
    if t.dtype in FLOAT:
        return
    if t.dtype in ("int8", "int4", "int2") and s.qs8:
        q = t.quant
        if q is None or (q.scale_count == 0 and q.details is None):
            raise Reject(f"{_name(t)} has no quantization", XNNPACK(2635))
        if q.details == "blockwise":
            return  # the block size check (2624) needs the blockwise details oplint does not keep
        if q.details is not None:
            raise Reject(f"{_name(t)} has unsupported quantization ({q.details})", XNNPACK(2635))
        if q.scale_count > 1 and q.quantized_dimension != channel_dim:
            raise Reject(
                f"{_name(t)} is quantized along dimension {q.quantized_dimension}; XNNPACK needs {channel_dim}",
                XNNPACK(2588),
            )
        return
    if _quint8(s, t, XNNPACK(2654)):
        return
    raise _type_error(t, XNNPACK(2667))


def float_or_qcint32(s: Settings, t: Tensor) -> None:
    """CheckTensorFloat32OrFloat16OrQCInt32Type (2712): a bias."""
    if t.dtype in FLOAT:
        return
    if t.dtype == "int32" and s.qs8:
        q = t.quant
        if q is None or not _affine(t) or q.quantized_dimension != 0:
            raise Reject(f"{_name(t)} (bias) is not quantized along dimension 0", XNNPACK(2728))
        if not _valid_scales(t):
            raise Reject(f"{_name(t)} (bias) has an invalid quantization scale", XNNPACK(2740))
        return
    raise _type_error(t, XNNPACK(2766))


def int32_type(t: Tensor, cite: Cite | None = None) -> None:
    if t.dtype != "int32":
        raise _type_error(t, cite or XNNPACK(2779))


def shape(t: Tensor, low: int, high: int | None = None, cite: Cite | None = None) -> None:
    """CheckTensorShape (2834): rank in range and every dimension > 0."""
    high = low if high is None else high
    dims = t.shape
    if dims is None:
        raise Reject(f"{_name(t)} has an unknown rank", cite or XNNPACK(2842))
    if not low <= len(dims) <= high:
        want = f"{low}" if low == high else f"{low} to {high}"
        raise Reject(
            f"{_name(t)} has rank {len(dims)}; XNNPACK takes {want}", XNNPACK(2842) if low == high else XNNPACK(2853)
        )
    if any(d <= 0 for d in dims):
        raise Reject(f"{_name(t)} has an empty or unknown dimension", XNNPACK(2875))


def _xdtype(t: Tensor) -> str:
    """GetXNNPackDatatype (234), coarsely: what XNNPACK calls the tensor's type."""
    if t.dtype == "int8":
        return "qcint8" if t.quant is not None and t.quant.scale_count > 1 else "qint8"
    return {"float32": "fp32", "float16": "fp16", "uint8": "quint8"}.get(t.dtype, t.dtype)


def _scale(t: Tensor) -> float | None:
    if t.dtype in ("int8", "uint8") and _per_tensor(t) and t.quant is not None and t.quant.scales:
        return t.quant.scales[0]
    return None


def activation(n: _Node, key: str = "fused_activation_function") -> None:
    """ConvertActivationToOutputRange (1887): TANH, SIGN_BIT and sigmoid cannot be fused."""
    act = str(n.opt(key, "NONE") or "NONE")
    if act not in ("NONE", "RELU", "RELU_N1_TO_1", "RELU6"):
        raise Reject(f"fused activation {act} is not supported", XNNPACK(1903))


def padding(n: _Node) -> None:
    """CalculatePadding (1786): SAME or VALID."""
    if str(n.opt("padding", "SAME")) not in ("SAME", "VALID"):
        raise Reject(f"padding {n.opt('padding')} is not supported", XNNPACK(1798))


# -- the visitors ------------------------------------------------------------------------------
UNARY_FLOAT = frozenset(
    {
        *("ABS", "CEIL", "COS", "EXP", "FLOOR", "GELU", "HARD_SWISH", "LOG", "NEG"),
        *("RELU_N1_TO_1", "RELU", "RELU6", "ROUND", "RSQRT", "SIN", "SQRT", "SQUARE"),
    }
)


def visit_unary(n: _Node) -> None:
    """VisitUnaryNode (4588)."""
    n.n_inputs(1)
    n.n_outputs(1)
    x, y = n.t(0), n.out()
    shape(x, 0, MAX_DIMS)
    k = n.op.kind
    if k in UNARY_FLOAT:
        float_type(x)
        float_type(y)
    elif k == "DEQUANTIZE":
        qint8_or_quint8(n.settings, x)
        float_type(y)
    elif k == "ELU":
        float_or_qint8(n.settings, x)
        float_or_qint8(n.settings, y)
    elif k in ("LOGISTIC", "TANH"):
        float_or_quint8(n.settings, x)
        float_or_quint8(n.settings, y)
    elif k == "LEAKY_RELU":
        float_or_quint8(n.settings, x)
        float_or_quint8(n.settings, y)
        alpha = float(n.opt("alpha", 0.0) or 0.0)
        if alpha == 0.0 or not math.isfinite(alpha) or abs(alpha) < 1.1754943508222875e-38:
            raise Reject(f"alpha {alpha:g} is not supported", XNNPACK(4658))
        si, so = _scale(x), _scale(y)
        if si and so:
            pos = si / so
            if pos < 1 / 256 or pos > 128:
                raise Reject(f"input-to-output scale {pos:g} is out of XNNPACK's range", XNNPACK(4670))
            neg = pos * alpha
            if neg < -127.99609375 or neg > 128 or abs(neg) < 1 / 256:
                raise Reject(f"negative input-to-output scale {neg:g} is out of XNNPACK's range", XNNPACK(4681))
    elif k == "QUANTIZE":
        float_or_quint8(n.settings, x)
        float_or_quint8(n.settings, y)
        dx, dy = _xdtype(x), _xdtype(y)
        if dx in ("fp32", "fp16"):
            return
        if dx in ("qint8", "quint8") and dx == dy:
            si, so = _scale(x), _scale(y)
            if si is not None and so:
                ratio = si / so
                if ratio < 1 / 256 or ratio > 128:
                    raise Reject("requantization scale is out of XNNPACK's range", XNNPACK(4716))
            return
        raise Reject(f"QUANTIZE from {x.dtype} to {y.dtype} is not supported", XNNPACK(4729))


def visit_binary(n: _Node) -> None:
    """VisitBinaryNode (4389)."""
    n.n_inputs(2)
    n.n_outputs(1)
    a, b, y = n.t(0), n.t(1), n.out()
    shape(a, 0, MAX_DIMS)
    shape(b, 0, MAX_DIMS)
    k = n.op.kind
    if k in ("ADD", "MUL", "SUB"):
        for t in (a, b, y):
            float_or_quint8(n.settings, t)
        if not a.dtype == b.dtype == y.dtype:
            raise Reject(f"mixed types {a.dtype}, {b.dtype} -> {y.dtype}", XNNPACK(4426))
    else:  # DIV MAXIMUM MINIMUM PRELU SQUARED_DIFFERENCE
        for t in (a, b, y):
            float_type(t)
    if k in ("ADD", "SUB"):
        for t in (a, b):
            _io_scale(t, y, 1 / 1024, 256, XNNPACK(4459) if k == "ADD" else XNNPACK(4508))
    if k == "MUL" and a.dtype == b.dtype == y.dtype:
        sa, sb, so = _scale(a), _scale(b), _scale(y)
        if sa and sb and so:
            ratio = sa * sb / so
            if ratio < 1 / 65536 or ratio >= 256:
                raise Reject("input-product-to-output scale is out of XNNPACK's range", XNNPACK(3144))
    if k in ("ADD", "SUB", "MUL", "DIV"):
        activation(n)
    if k == "PRELU":
        n.static(1, "slope")


def _io_scale(x: Tensor, y: Tensor, low: float, high: float, cite: Cite) -> None:
    """CheckTensorsInputOutputScale (3089)."""
    if x.dtype != y.dtype:
        return
    sx, sy = _scale(x), _scale(y)
    if sx and sy and not low <= sx / sy < high:
        raise Reject(f"input-to-output scale {sx / sy:g} is out of XNNPACK's range", cite)


def _pooling(n: _Node) -> None:
    """CheckPoolingParams (2114)."""
    sw, sh = int(n.opt("stride_w", 0) or 0), int(n.opt("stride_h", 0) or 0)
    fw, fh = int(n.opt("filter_width", 0) or 0), int(n.opt("filter_height", 0) or 0)
    if min(sw, sh, fw, fh) <= 0:
        raise Reject("invalid stride or filter size", XNNPACK(2119))
    if sw > fw or sh > fh:
        raise Reject(f"stride {sh}x{sw} exceeds the filter {fh}x{fw}", XNNPACK(2148) if sw > fw else XNNPACK(2156))
    if fw == 1 and fh == 1 and max(sw, sh) > 1:
        raise Reject(f"1x1 pooling with stride {sh}x{sw} is not supported", XNNPACK(2165))


def visit_average_pool(n: _Node) -> None:
    """VisitAveragePool2DNode (3506)."""
    n.n_inputs(1)
    n.n_outputs(1)
    float_type(n.t(0), XNNPACK(2277))
    float_type(n.out(), XNNPACK(2277))
    _pooling(n)
    padding(n)
    activation(n)


def visit_max_pool(n: _Node) -> None:
    """VisitMaxPool2DNode (5234)."""
    n.n_inputs(1)
    n.n_outputs(1)
    float32_or_quint8(n.settings, n.t(0))
    float_or_quint8(n.settings, n.out())
    _pooling(n)
    padding(n)
    activation(n)


def visit_batch_matmul(n: _Node) -> None:
    """VisitBatchMatMulNode (3576)."""
    a, b, y = n.t(0), n.t(1), n.out()
    float_or_quint8(n.settings, a)
    rank_b = len(b.shape or ())
    float32_or_qcint8(n.settings, b, rank_b - 2 if n.opt("adj_y") else rank_b - 1)
    dynamic = a.dtype == "float32" and b.dtype == "int8"
    if b.dtype == "int8" and not dynamic and b.quant is not None and b.quant.zero_points and b.quant.zero_points[0]:
        raise Reject(f"{_name(b)} has a non-zero zero point", XNNPACK(3613))
    float_or_quint8(n.settings, y)
    if _xdtype(a) != _xdtype(b) and not dynamic:
        raise Reject(f"mixed types {a.dtype} and {b.dtype}", XNNPACK(3631))
    if len(a.shape or ()) < 2 or rank_b < 2:
        raise Reject("inputs need at least 2 dimensions", XNNPACK(3640))


def visit_concatenation(n: _Node) -> None:
    """VisitConcatenationNode (3897)."""
    n.n_inputs(2, 5)
    n.n_outputs(1)
    y = n.out()
    float_or_quint8(n.settings, y)
    axis = int(n.opt("axis", 0) or 0)
    ins = [n.t(i) for i in range(len(n.op.inputs))]
    for t in ins:
        if axis >= len(t.shape or ()):
            raise Reject(f"concatenation along new dimension {axis}", XNNPACK(3918))
    if y.dtype == "uint8":
        for t in ins:
            if (t.quant and y.quant) and (
                t.quant.scales[:1] != y.quant.scales[:1] or t.quant.zero_points[:1] != y.quant.zero_points[:1]
            ):
                raise Reject("inputs and output have different quantization", XNNPACK(3935))
    for t in ins:
        float_or_quint8(n.settings, t)


def _conv_like(n: _Node, kind: str, cites: tuple[Cite, Cite], dynamic_ok: bool) -> tuple[Tensor, Tensor, Tensor]:
    n.n_inputs(3)
    n.n_outputs(1)
    x = n.t(0)
    float_or_quint8(n.settings, x)
    shape(x, 4)
    w = n.t(1)
    float32_or_qcint8(n.settings, w, 0 if kind == "CONV_2D" else 3)
    shape(w, 4)
    n.static(1, "filter")
    if n.op.inputs[2] < 0:
        raise Reject(f"{kind} without bias is not supported", cites[0])
    bias = n.t(2)
    float_or_qcint32(n.settings, bias)
    shape(bias, 1)
    n.static(2, "bias")
    wt = "float16" if n.op.inputs[1] in n.f16 else w.dtype
    if wt in FLOAT and bias.dtype != wt and not (wt == "float16" and bias.dtype == "float32"):
        raise Reject(f"filter and bias types {wt} and {bias.dtype} differ", XNNPACK(2823))
    y = n.out()
    float_or_quint8(n.settings, y)
    shape(y, 4)
    # CONV_2D runs float activations with int8 weights (dynamically quantized); DEPTHWISE_CONV_2D does not
    dynamic = dynamic_ok and x.dtype == "float32" and w.dtype == "int8"
    if x.dtype != y.dtype or (x.dtype != w.dtype and not dynamic):
        raise Reject(f"mixed types {x.dtype}, {w.dtype} -> {y.dtype}", cites[1])
    return x, w, y


def visit_conv(n: _Node) -> None:
    """VisitConv2DNode (3983)."""
    for key in ("stride_w", "stride_h", "dilation_w_factor", "dilation_h_factor"):
        if int(n.opt(key, 1) or 0) <= 0:
            raise Reject(f"invalid {key}", XNNPACK(1933))
    x, w, _y = _conv_like(n, "CONV_2D", (XNNPACK(4020), XNNPACK(4056)), dynamic_ok=True)
    in_c = (w.shape or (0, 0, 0, 0))[3]
    if in_c <= 0 or (x.shape or (0, 0, 0, 0))[3] // in_c == 0:
        raise Reject("zero convolution groups", XNNPACK(4069))
    padding(n)
    activation(n)


def visit_depthwise(n: _Node) -> None:
    """VisitDepthwiseConv2DNode (4206)."""
    _x, w, _y = _conv_like(n, "DEPTHWISE_CONV_2D", (XNNPACK(4242), XNNPACK(4273)), dynamic_ok=False)
    out_c = (w.shape or (0, 0, 0, 0))[3]
    mult = int(n.opt("depth_multiplier", 1) or 0)
    for key in ("stride_w", "stride_h"):
        if int(n.opt(key, 1) or 0) <= 0:
            raise Reject(f"invalid {key}", XNNPACK(1964))
    if mult <= 0 or out_c % mult:
        raise Reject(f"depth multiplier {mult} does not divide {out_c} output channels", XNNPACK(1980))
    for key in ("dilation_w_factor", "dilation_h_factor"):
        if int(n.opt(key, 1) or 0) <= 0:
            raise Reject(f"invalid {key}", XNNPACK(1990))
    padding(n)
    activation(n)


def visit_depth_to_space(n: _Node) -> None:
    """VisitDepthToSpaceNode (4342)."""
    n.n_inputs(1)
    n.n_outputs(1)
    float_or_quint8(n.settings, n.t(0))
    float_or_quint8(n.settings, n.out())
    if int(n.opt("block_size", 0) or 0) <= 1:
        raise Reject("block size must be > 1", XNNPACK(4363))


def visit_space_to_depth(n: _Node) -> None:
    """VisitSpaceToDepthNode (6064)."""
    n.n_inputs(1)
    n.n_outputs(1)
    x = n.t(0)
    float32_or_quint8(n.settings, x)
    float_or_quint8(n.settings, n.out())
    block = int(n.opt("block_size", 0) or 0)
    if block <= 1:
        raise Reject("block size must be > 1", XNNPACK(6086))
    dims = x.shape or ()
    if len(dims) >= 3 and (dims[1] % block or dims[2] % block):
        raise Reject(f"input height and width must be multiples of the block size {block}", XNNPACK(6096))


def visit_fully_connected(n: _Node) -> None:
    """VisitFullyConnectedNode (4933)."""
    if n.op.version == 8:
        raise Reject("FULLY_CONNECTED version 8 is not supported", XNNPACK(3273))
    if str(n.opt("weights_format", "DEFAULT")) != "DEFAULT":
        raise Reject("non-default weights format", XNNPACK(2104))
    n.n_inputs(2, 3)
    n.n_outputs(1)
    x = n.t(0)
    float_or_quint8(n.settings, x)
    w = n.t(1)
    shape(w, 2)
    if not (n.settings.dynamic_fully_connected and w.dtype == "float32"):
        filter_type(n.settings, w, 0)
        n.static(1, "weights")
    out_c = (w.shape or (0,))[0]
    if len(n.op.inputs) >= 3 and n.op.inputs[2] >= 0:
        bias = n.t(2)
        if not (n.settings.dynamic_fully_connected and bias.dtype == "float32"):
            count = 1
            for d in bias.shape or ():
                count *= d
            if count != out_c:
                raise Reject(f"bias has {count} elements for {out_c} output channels", XNNPACK(4984))
            float_or_qcint32(n.settings, bias)
            n.static(2, "bias")
            if w.dtype in FLOAT and bias.dtype != w.dtype and not (w.dtype == "float16" and bias.dtype == "float32"):
                raise Reject(f"filter and bias types {w.dtype} and {bias.dtype} differ", XNNPACK(2823))
    y = n.out()
    float_or_quint8(n.settings, y)
    low_bits = ("int2", "int4", "int8")
    dynamic = x.dtype in FLOAT and w.dtype in low_bits
    srq = x.dtype == "int8" and w.dtype in low_bits
    if x.dtype != y.dtype or (x.dtype != w.dtype and not (dynamic or srq)):
        raise Reject(f"mixed types {x.dtype}, {w.dtype} -> {y.dtype}", XNNPACK(5026))
    if not dynamic and w.dtype == "int8" and w.quant is not None and w.quant.zero_points[:1] not in ((), (0,)):
        raise Reject(f"weights {_name(w)} have a non-zero zero point", XNNPACK(5035))
    in_c = (w.shape or (0, 0))[1]
    if w.dtype == "int4" and in_c % 2:
        raise Reject("int4 weights need an even number of input channels", XNNPACK(5043))
    if w.dtype == "int2" and in_c % 4:
        raise Reject("int2 weights need a multiple of 4 input channels", XNNPACK(5052))
    activation(n)


def visit_reduce(n: _Node) -> None:
    """VisitReduceNode (5303): MEAN, SUM, REDUCE_MAX, REDUCE_MIN."""
    n.n_inputs(2)
    n.n_outputs(1)
    x = n.t(0)
    float_or_quint8(n.settings, x)
    axes = n.t(1)
    int32_type(axes, XNNPACK(2253))
    if len(axes.shape or ()) > 1:
        raise Reject("axes must be a 1-D tensor", XNNPACK(2966))
    n.static(1, "axes")
    count = 1
    for d in axes.shape or ():
        count *= d
    values = n.values(1)
    if count <= 0 or (count == 1 and values is not None and values[0] == 0 and len(x.shape or ()) == 0):
        raise Reject("empty reduction", XNNPACK(5334))
    if count > MAX_DIMS:
        raise Reject(f"{count} reduction axes; XNNPACK takes at most {MAX_DIMS}", XNNPACK(5340))
    float_or_quint8(n.settings, n.out())


def visit_pad(n: _Node) -> None:
    """VisitPadNode (5614)."""
    n.n_inputs(2)
    n.n_outputs(1)
    x = n.t(0)
    float_or_quint8(n.settings, x)
    shape(x, 1, MAX_DIMS)
    p = n.t(1)
    int32_type(p, XNNPACK(2253))
    rank = len(x.shape or ())
    if p.shape is None or len(p.shape) != 2 or p.shape[0] != rank or p.shape[1] != 2:
        raise Reject(f"paddings {_name(p)} must be {rank}x2", XNNPACK(2932))
    n.static(1, "paddings")
    y = n.out()
    float_or_quint8(n.settings, y)
    shape(y, 1, MAX_DIMS)
    values = n.values(1)
    if values is not None and any(v < 0 for v in values):
        raise Reject("negative padding", XNNPACK(5656))


def visit_reshape(n: _Node) -> None:
    """VisitReshapeNode (5743)."""
    n.n_inputs(1, 2)
    n.n_outputs(1)
    x, y = n.t(0), n.out()
    float_or_quint8(n.settings, x)
    shape(x, 0, MAX_DIMS)
    float_or_quint8(n.settings, y)
    shape(y, 0, MAX_DIMS)
    if y.dtype in ("int8", "uint8") and x.quant and y.quant:
        if x.quant.zero_points[:1] != y.quant.zero_points[:1]:
            raise Reject("input and output zero points differ", XNNPACK(5772))
        if x.quant.scales[:1] != y.quant.scales[:1]:
            raise Reject("input and output scales differ", XNNPACK(5782))
    if len(n.op.inputs) == 2:
        s = n.t(1)
        int32_type(s, XNNPACK(2253))
        dims = s.shape or ()
        if len(dims) != 1 and any(d != 1 for d in dims[:-1]):
            raise Reject("the new shape must be a 1-D tensor", XNNPACK(2986))
        n.static(1, "new shape")
        values = n.values(1)
        if values is not None and len(values) == 1 and values[0] == -1:
            raise Reject("legacy scalar RESHAPE is not handled", XNNPACK(5826))
    else:
        new_shape = n.opt("new_shape") or ()
        if isinstance(new_shape, (list, tuple)) and len(new_shape) == 1 and new_shape[0] == -1:
            raise Reject("legacy scalar RESHAPE is not handled", XNNPACK(5826))


def visit_resize_bilinear(n: _Node) -> None:
    """VisitResizeBilinearNode (5850)."""
    n.n_inputs(2)
    n.n_outputs(1)
    x = n.t(0)
    float32_or_quint8(n.settings, x)
    shape(x, 4)
    s = n.t(1)
    int32_type(s, XNNPACK(2253))
    if s.shape is None or len(s.shape) != 1:
        raise Reject("the size must be a 1-D tensor", XNNPACK(2999))
    if s.shape[0] != 2:
        raise Reject("the size must have 2 elements", XNNPACK(5876))
    n.static(1, "size")
    y = n.out()
    float_or_quint8(n.settings, y)
    shape(y, 4)
    values = n.values(1)
    if values is not None and any(v <= 0 for v in values):
        raise Reject("output size must be positive", XNNPACK(5898))


def _param_vector(n: _Node, i: int, what: str, types: tuple[str, ...], cite: Cite) -> Tensor:
    t = n.t(i)
    if t.shape is None or len(t.shape) != 1:
        raise Reject(f"the {what} must be a 1-D tensor", XNNPACK(2999))
    n.static(i, what)
    if t.dtype not in types:
        raise _type_error(t, cite)
    return t


def visit_slice(n: _Node) -> None:
    """VisitSliceNode (5929)."""
    begin = _param_vector(n, 1, "begin", ("int32", "int64"), XNNPACK(2796))
    size = _param_vector(n, 2, "size", ("int32", "int64"), XNNPACK(2796))
    if (begin.shape or (0,))[0] != (size.shape or (0,))[0]:
        raise Reject("begin and size differ in length", XNNPACK(3051))
    if (begin.shape or (0,))[0] > MAX_DIMS:
        raise Reject(f"more than {MAX_DIMS} dimensions", XNNPACK(5965))
    float_or_quint8(n.settings, n.t(0))
    float_or_quint8(n.settings, n.out())
    b, s = n.values(1), n.values(2)
    if b is not None and any(v < 0 for v in b):
        raise Reject("negative begin", XNNPACK(5986))
    if s is not None and any(v <= 0 for v in s):
        raise Reject("size must be positive (-1 is not supported)", XNNPACK(5993))


def visit_strided_slice(n: _Node) -> None:
    """VisitStridedSliceNode (6245)."""
    for mask in ("ellipsis_mask", "new_axis_mask", "shrink_axis_mask"):
        if int(n.opt(mask, 0) or 0):
            raise Reject(f"{mask} is not supported", XNNPACK(6254))
    stride = _param_vector(n, 3, "strides", ("int32",), XNNPACK(2779))
    if (stride.shape or (0,))[0] > MAX_DIMS:
        raise Reject(f"more than {MAX_DIMS} dimensions", XNNPACK(6271))
    values = n.values(3)
    if values is not None and any(v != 1 for v in values):
        raise Reject("strides other than 1 are not supported", XNNPACK(6281))
    x = n.t(0)
    begin = _param_vector(n, 1, "begin", ("int32",), XNNPACK(2779))
    end = _param_vector(n, 2, "end", ("int32",), XNNPACK(2779))
    rank = len(x.shape or ())
    for t, what in ((begin, "begin"), (end, "end"), (stride, "strides")):
        if (t.shape or (0,))[0] != rank:
            raise Reject(f"{what} length differs from the input rank {rank}", XNNPACK(6322))
    float_or_quint8(n.settings, x)
    float_or_quint8(n.settings, n.out())


def visit_softmax(n: _Node) -> None:
    """VisitSoftmaxNode (6022)."""
    beta = float(n.opt("beta", 1.0) or 0.0)
    if beta != 1.0:
        raise Reject(f"beta {beta:g} is not supported (only 1)", XNNPACK(6029))
    n.n_inputs(1)
    n.n_outputs(1)
    float_type(n.t(0))
    float_type(n.out())


def visit_split(n: _Node) -> None:
    """VisitSplitNode (6129)."""
    if int(n.opt("num_splits", 0) or 0) != len(n.op.outputs):
        raise Reject("num_splits differs from the number of outputs", XNNPACK(6135))
    n.n_inputs(2)
    n.n_outputs(2, 4)
    axis = n.t(0)
    int32_type(axis, XNNPACK(2253))
    n.static(0, "split dimension")
    float_or_quint8(n.settings, n.t(1))
    for i in range(len(n.op.outputs)):
        float_or_quint8(n.settings, n.out(i))


def visit_transpose(n: _Node) -> None:
    """VisitTransposeNode (6189)."""
    n.n_inputs(2)
    n.n_outputs(1)
    x = n.t(0)
    float_or_quint8(n.settings, x)
    shape(x, 1, MAX_DIMS)
    n.static(1, "permutation")
    perm = n.t(1)
    count = 1
    for d in perm.shape or ():
        count *= d
    if count > MAX_DIMS:
        raise Reject(f"more than {MAX_DIMS} dimensions", XNNPACK(6214))


def visit_transpose_conv(n: _Node) -> None:
    """VisitTransposeConvNode (6838)."""
    n.n_inputs(3, 4)
    n.n_outputs(1)
    out_shape = n.t(0)
    int32_type(out_shape, XNNPACK(2253))
    if out_shape.shape is None or len(out_shape.shape) != 1:
        raise Reject("the output shape must be a 1-D tensor", XNNPACK(2999))
    n.static(0, "output shape")
    if out_shape.shape[0] != 4:
        raise Reject("the output shape must have 4 dimensions", XNNPACK(6867))
    w = n.t(1)
    shape(w, 4)
    n.static(1, "filter")
    x = n.t(2)
    float32_or_quint8(n.settings, x)
    shape(x, 4)
    float32_or_qcint8(n.settings, w, 0)
    if len(n.op.inputs) >= 4 and n.op.inputs[3] >= 0:
        bias = n.t(3)
        float_or_qcint32(n.settings, bias)
        shape(bias, 1)
        n.static(3, "bias")
    y = n.out()
    _transpose_conv_rest(n, x, w, y)


def _transpose_conv_rest(n: _Node, x: Tensor, w: Tensor, y: Tensor) -> None:
    # lines 6917-6990: output type, shape and the padding arithmetic of CalculateTransposeConvPaddings
    float_or_quint8(n.settings, y)
    shape(y, 4)
    dynamic = x.dtype == "float32" and w.dtype == "int8"
    if x.dtype != y.dtype or (x.dtype != w.dtype and not dynamic):
        raise Reject(f"mixed types {x.dtype}, {w.dtype} -> {y.dtype}", XNNPACK(6930))
    sh, sw = int(n.opt("stride_h", 0) or 0), int(n.opt("stride_w", 0) or 0)
    if sh <= 0 or sw <= 0:
        raise Reject("invalid stride", XNNPACK(2009))
    kh, kw = (w.shape or (0, 0, 0, 0))[1:3]
    oh, ow = (y.shape or (0, 0, 0, 0))[1:3]
    ih, iw = (x.shape or (0, 0, 0, 0))[1:3]
    pad = str(n.opt("padding", "SAME"))
    if pad == "VALID":
        if kh > oh or kw > ow:
            raise Reject("output smaller than the kernel with VALID padding", XNNPACK(1819))
    elif pad == "SAME":
        if (oh + sh - 1) // sh != ih or (ow + sw - 1) // sw != iw:
            raise Reject("inconsistent input, output and stride sizes", XNNPACK(1843))
        if kh < sh or kw < sw:
            raise Reject(f"strides {sh}x{sw} larger than the kernel {kh}x{kw}", XNNPACK(1858))
    else:
        raise Reject(f"padding {pad} is not supported", XNNPACK(1878))
    activation(n)


def visit_custom(n: _Node) -> None:
    """The custom ops VisitNode knows (3419): MediaPipe's transposed convolution and pooling."""
    code = n.op.custom_code or ""
    if code == "Convolution2DTransposeBias":
        n.n_inputs(3)
        n.n_outputs(1)
        for i in range(3):
            float32_type(n.t(i))
        shape(n.t(0), 4)
        shape(n.t(1), 4)
        n.static(1, "filter")
        shape(n.t(2), 1)
        n.static(2, "bias")
        float32_type(n.out())
        shape(n.out(), 4)
        return
    if code in ("MaxPoolingWithArgmax2D", "MaxUnpooling2D"):
        # their pooling parameters are in flexbuffer custom options, which oplint does not decode
        n.n_inputs(1 if code == "MaxPoolingWithArgmax2D" else 2)
        n.n_outputs(2 if code == "MaxPoolingWithArgmax2D" else 1)
        float32_type(n.t(0))
        shape(n.t(0), 4)
        float32_type(n.out())
        shape(n.out(), 4)
        return
    if code == SDPA:
        visit_dot_attention(n)
        return
    raise Reject(f"custom op {code!r} is not one XNNPACK implements", XNNPACK(3450))


SDPA = "odml.scaled_dot_product_attention"  #: kOdmlSDPA


def visit_composite(n: _Node) -> None:
    """STABLEHLO_COMPOSITE (3400): only the scaled dot-product attention composite."""
    name = str(n.opt("name", "") or "")
    if name != SDPA:
        raise Reject(f"stablehlo.composite {name or '(unnamed)'!r} is not one XNNPACK implements", XNNPACK(3411))
    visit_dot_attention(n)


def visit_dot_attention(n: _Node) -> None:
    """VisitDotAttentionNode (6404): float32 query, key, value (and mask), matching head sizes."""
    q, k, v = n.t(0), n.t(1), n.t(2)
    for t in (q, k, v):
        float32_type(t)
    mask = n.t(3) if len(n.op.inputs) > 3 and n.op.inputs[3] >= 0 else None
    if mask is not None:
        float32_type(mask)
    float32_type(n.out())
    qs, ks, vs = q.shape or (), k.shape or (), v.shape or ()
    if not (qs and ks and vs) or not qs[-1] == ks[-1] == vs[-1]:
        raise Reject("query, key and value differ in their last dimension", XNNPACK(6434))
    span = mask.shape[-1] if mask is not None and mask.shape else None
    if span is not None and len(ks) > 1 and len(vs) > 1 and (ks[1] != span or vs[1] != span):
        raise Reject("the mask does not match the key and value lengths", XNNPACK(6442))


def visit_variable(n: _Node) -> None:
    """READ_VARIABLE (5698) and ASSIGN_VARIABLE (3468): variable ops are on by default; each
    becomes a proxy value of its resource (ResourceInfo::AddProxyValue, 497)."""
    if n.op.kind == "READ_VARIABLE":
        value = n.out()
        if not value.shape:
            raise Reject("scalar variables are not delegated", XNNPACK(5716))
    else:
        value = n.t(1)
    float_or_quint8(n.settings, value)
    info = n.resources.setdefault(n.op.inputs[0] if n.op.inputs else -1, [None, None])
    if info[0] is None:
        raise Reject("no VAR_HANDLE for this resource comes before it in the graph", XNNPACK(510))
    if info[1] is not None and info[1] != (value.dtype, value.shape):
        raise Reject("the variable is read or written with different types or shapes", XNNPACK(519))
    info[1] = (value.dtype, value.shape)


def visit_var_handle(n: _Node) -> None:
    """VisitVarHandleNode (7116): delegated at the end, if its variable got a proxy value (7432)."""
    if n.op.outputs and n.op.outputs[0] >= 0:
        n.resources.setdefault(n.op.outputs[0], [None, None])[0] = n.op.index
    raise Reject("XNNPACK reads and writes none of this variable", XNNPACK(7134))


VISITORS: dict[str, Callable[[_Node], None]] = {
    **{k: visit_unary for k in UNARY_FLOAT | {"DEQUANTIZE", "ELU", "LEAKY_RELU", "LOGISTIC", "QUANTIZE", "TANH"}},
    **{k: visit_binary for k in ("ADD", "DIV", "MAXIMUM", "MINIMUM", "MUL", "PRELU", "SQUARED_DIFFERENCE", "SUB")},
    "AVERAGE_POOL_2D": visit_average_pool,
    "BATCH_MATMUL": visit_batch_matmul,
    "CONCATENATION": visit_concatenation,
    "CONV_2D": visit_conv,
    "DEPTHWISE_CONV_2D": visit_depthwise,
    "DEPTH_TO_SPACE": visit_depth_to_space,
    "FULLY_CONNECTED": visit_fully_connected,
    "MAX_POOL_2D": visit_max_pool,
    **{k: visit_reduce for k in ("MEAN", "SUM", "REDUCE_MAX", "REDUCE_MIN")},
    "PAD": visit_pad,
    "RESHAPE": visit_reshape,
    "RESIZE_BILINEAR": visit_resize_bilinear,
    "SLICE": visit_slice,
    "SOFTMAX": visit_softmax,
    "SPACE_TO_DEPTH": visit_space_to_depth,
    "SPLIT": visit_split,
    "STRIDED_SLICE": visit_strided_slice,
    "TRANSPOSE": visit_transpose,
    "TRANSPOSE_CONV": visit_transpose_conv,
    "CUSTOM": visit_custom,
    "STABLEHLO_COMPOSITE": visit_composite,
    "VAR_HANDLE": visit_var_handle,
    "READ_VARIABLE": visit_variable,
    "ASSIGN_VARIABLE": visit_variable,
}
#: ops VisitNode dispatches but always rejects at this commit
ALWAYS_REJECTED = {
    "EXPAND_DIMS": (
        "EXPAND_DIMS is disabled in the delegate (VisitExpandDimsNode returns an error first)",
        XNNPACK(4865),
    ),
}


# -- PrepareOpsToDelegate (7206) ---------------------------------------------------------------
def assess(model: Model, target: Target) -> Assessment:
    """What XNNPACK takes of ``model`` (``Delegate.assess``)."""
    settings = Settings.of(target)
    out: dict[tuple[int, int], OpVerdict] = {}
    for graph in model.graphs:
        out.update(_graph_verdicts(model, graph, settings))
    return Assessment(out)


def _graph_verdicts(model: Model, graph: Graph, settings: Settings) -> Iterator[tuple[tuple[int, int], OpVerdict]]:
    consumers = graph.consumers
    quasi_static: set[int] = set()  # tensors unpacked from constants at delegation time
    producer: dict[int, int] = {}  # quasi-static tensor -> the DEQUANTIZE/DENSIFY op that unpacks it
    f16_filters: set[int] = set()
    unpack_ops: set[int] = set()
    resources: dict[int, list[object]] = {}
    result: dict[int, OpVerdict] = {}
    for op in graph.ops:
        if _unpacks_static(graph, op, quasi_static):
            out_t = op.outputs[0]
            src = graph.tensor(op.inputs[0])
            if (
                op.kind == "DEQUANTIZE"
                and src is not None
                and src.dtype == "float16"
                and _feeds_only_weights(consumers.get(out_t, ()), out_t)
            ):
                f16_filters.add(out_t)
            quasi_static.add(out_t)
            producer[out_t] = op.index
            unpack_ops.add(op.index)
            continue  # decided at the end: delegated unless a CPU op reads its output
        verdict = _visit(_Node(model, graph, op, settings, quasi_static, f16_filters, resources))
        if not verdict.supported:
            for t in op.inputs:
                if t in producer:
                    unpack_ops.discard(producer[t])
        result[op.index] = verdict
    for index in producer.values():
        op = graph.ops[index]
        if index in unpack_ops:
            result[index] = OpVerdict(True, (), XNNPACK(7400))
        else:
            result[index] = OpVerdict(
                False,
                ("it unpacks constant weights for an op XNNPACK does not take",),
                XNNPACK(7412),
            )
    for handle, proxy in resources.values():
        if isinstance(handle, int) and proxy is not None:
            result[handle] = OpVerdict(True, (), XNNPACK(7435))
    for index in sorted(result):
        yield (graph.index, index), result[index]


def _unpacks_static(graph: Graph, op: Op, quasi_static: set[int]) -> bool:
    """A DEQUANTIZE of constant fp16/int8 weights to float32, or a DENSIFY of constant sparse
    weights: XNNPACK unpacks them itself (PrepareOpsToDelegate, 7300-7380)."""
    if len(op.inputs) != 1 or len(op.outputs) != 1 or op.inputs[0] < 0 or op.outputs[0] < 0:
        return False
    src, dst = graph.tensor(op.inputs[0]), graph.tensor(op.outputs[0])
    if src is None or dst is None:
        return False
    static = (src.is_const and not src.is_variable) or src.index in quasi_static
    if op.kind == "DEQUANTIZE":
        int8_ok = src.dtype == "int8" and src.quant is not None and src.quant.is_set
        return not src.sparse and static and (src.dtype == "float16" or int8_ok) and dst.dtype == "float32"
    if op.kind == "DENSIFY":
        return src.is_const and src.sparse and src.dtype in ("float16", "int8", "float32") and dst.dtype == src.dtype
    return False


def _feeds_only_weights(users: Sequence[Op], tensor: int) -> bool:
    """Whether a float16 DEQUANTIZE output only feeds GEMM weights (then XNNPACK keeps it fp16)."""
    for op in users:
        if op.kind in ("FULLY_CONNECTED", "CONV_2D", "DEPTHWISE_CONV_2D"):
            if op.inputs and op.inputs[0] == tensor:
                return False
        else:
            return False
    return True


def _visit(node: _Node) -> OpVerdict:
    op = node.op
    if op.kind in ALWAYS_REJECTED:
        reason, cite = ALWAYS_REJECTED[op.kind]
        return OpVerdict(False, (reason,), cite)
    visitor = VISITORS.get(op.kind)
    if visitor is None:
        return OpVerdict(False, (f"XNNPACK has no kernel for {op.display}",), XNNPACK(3459))
    try:
        visitor(node)
    except Reject as exc:
        return exc.verdict
    return OpVerdict(True, (), XNNPACK(3171))


def kinds(target: Target) -> frozenset[str]:
    """The builtins XNNPACK has a visitor for (an op of another kind always stays on the CPU)."""
    return frozenset(VISITORS) - {"CUSTOM"} - frozenset(ALWAYS_REJECTED)


DELEGATE = Delegate("xnnpack", assess, kinds)
