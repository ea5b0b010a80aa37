"""MediaTek NPUs (NeuroPilot APU) through LiteRT's MediaTek compiler plugin.

What the pinned source decides (``litert/vendors/mediatek/compiler/compiler_plugin.cc`` 434): an op
is offered to the NPU only when its code is in ``kSupportedOps`` and ``VerifyCommonOp`` maps every
one of its tensors to a Neuron type (``legalizations/neuron_utils.cc`` 53-168: int16 and uint16 only
per-tensor quantized, int8 only quantized, int64 only as a constant, no string, complex or resource
tensors) and, for a composite, its name is ``odml.rms_norm`` or ``odml.l2_norm``.  With a NeuroPilot
SDK that lacks ``NEURON_FEATURE_UNKNOWN_OP`` that list is the partition; with current SDKs (the
default) the offered ops are built into a Neuron model and the Neuron compiler's
``GetSupportedOperations`` (closed, per SoC) picks among them, so an op this target offers may
still stay on the CPU, while an op it does not offer never reaches the NPU.  Building that model
fails for the whole subgraph when a legalization cannot read a constant it needs (a
RESIZE_NEAREST_NEIGHBOR size, a TRANSPOSE_CONV output shape).

No reference ran: the NeuroPilot SDK that ``ai-edge-litert-sdk-mediatek`` downloads could not be
fetched here (``fixtures/npu/README.md``); probe models and citation tests pin this translation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..knowledge.sources import Cite, litert
from .contract import Assessment, Delegate, OpVerdict, Rejection
from .litert_npu import carried, compiled, compiled_assessment, composite_name, loader_rejection, plugin_verdicts

if TYPE_CHECKING:  # pragma: no cover
    from ..core.model import Graph, Model, Op, Tensor
    from ..knowledge.targets import Target

MTK = litert("litert/vendors/mediatek/compiler/compiler_plugin.cc")
UTILS = litert("litert/vendors/mediatek/compiler/legalizations/neuron_utils.cc")
COMMON = litert("litert/vendors/mediatek/compiler/legalizations/common_op_legalization.cc")
RESIZE_NN = litert("litert/vendors/mediatek/compiler/legalizations/resize_nearest_neighbor_op_legalization.cc")
TRANSPOSE_CONV = litert("litert/vendors/mediatek/compiler/legalizations/transpose_conv_op_legalization.cc")

#: ``kSupportedOps``: the op codes the plugin legalizes for the Neuron compiler
SUPPORTED = {
    "ADD": MTK(92),
    "MUL": MTK(93),
    "BATCH_MATMUL": MTK(94),
    "FULLY_CONNECTED": MTK(95),
    "RESHAPE": MTK(96),
    "TRANSPOSE": MTK(97),
    "RSQRT": MTK(98),
    "CONCATENATION": MTK(99),
    "QUANTIZE": MTK(100),
    "SLICE": MTK(101),
    "STRIDED_SLICE": MTK(102),
    "SPLIT": MTK(103),
    "SUB": MTK(104),
    "TANH": MTK(105),
    "SOFTMAX": MTK(106),
    "MEAN": MTK(107),
    "GELU": MTK(108),
    "PAD": MTK(109),
    "LOGISTIC": MTK(110),
    "SUM": MTK(111),
    "CONV_2D": MTK(112),
    "DEPTHWISE_CONV_2D": MTK(113),
    "SQUARED_DIFFERENCE": MTK(114),
    "RESIZE_BILINEAR": MTK(115),
    "RESIZE_NEAREST_NEIGHBOR": MTK(116),
    "TRANSPOSE_CONV": MTK(117),
    "MAX_POOL_2D": MTK(118),
    "DEQUANTIZE": MTK(119),
    "PADV2": MTK(120),
    "HARD_SWISH": MTK(121),
    "AVERAGE_POOL_2D": MTK(122),
    "REDUCE_MAX": MTK(123),
    "SQRT": MTK(124),
    "DIV": MTK(125),
    "CAST": MTK(126),
    "PRELU": MTK(127),
    "LEAKY_RELU": MTK(128),
    "MAXIMUM": MTK(129),
    "RELU": MTK(130),
    "ABS": MTK(131),
    "GREATER": MTK(132),
    "MINIMUM": MTK(133),
    "LESS": MTK(134),
    "STABLEHLO_COMPOSITE": MTK(135),
    "L2_NORMALIZATION": MTK(136),
}

ROLLOUT = (
    "the whole model stays on the CPU: the MediaTek plugin cannot build the Neuron model, so nothing is compiled "
    "for the NPU"
)
PER_TENSOR_16 = (
    "quantize with per-tensor scales for 16-bit activations (int16x8 quantization gives per-tensor activation "
    "scales; keep per-channel scales for the int8 weights only)"
)
INT8 = "give the tensor quantization parameters (full-integer quantization) or use int32"


def neuron_type(t: Tensor) -> tuple[str, Cite, str | None] | None:
    """``GetNeuronTensorType`` (neuron_utils.cc 53): why a tensor has no Neuron type, if it has none."""
    q = t.quant
    per_channel = q is not None and q.per_channel and q.details is None
    per_tensor = q is not None and q.is_set and not q.per_channel and q.details is None
    if t.dtype in ("float32", "float16", "bool"):
        return None
    if t.dtype == "int32":
        if per_channel and any(z != 0 for z in (q.zero_points if q is not None else ())):
            return "'Int32 per-channel quantization only supports symmetric zero points.'", UTILS(73), None
        return None
    if t.dtype == "int16":
        return (
            None if per_tensor else ("'Int16 is not supported.' (only per-tensor quantized)", UTILS(88), PER_TENSOR_16)
        )
    if t.dtype == "uint8":
        return None
    if t.dtype == "uint16":
        return (
            None
            if per_tensor
            else ("'UInt16 is not supported.' (only per-tensor quantized)", UTILS(103), PER_TENSOR_16)
        )
    if t.dtype == "int8":
        return None if (per_tensor or per_channel) else ("'Int8 is not supported.' (only quantized)", UTILS(119), INT8)
    if t.dtype == "int4":
        return None if (per_tensor or per_channel) else ("'Int4 is not supported.' (only quantized)", UTILS(133), None)
    if t.dtype == "int64":
        if not t.is_const:
            hint = "use int32 for tensors computed at run time (int64 is taken only as a constant, cast to int32)"
            return "'Unsupported element type' (int64 is taken only as a constant)", UTILS(163), hint
        return (
            None
            if q is None or per_tensor or per_channel or not q.is_set
            else ("'Int64 is not supported.'", UTILS(148), None)
        )
    return f"'Unsupported element type' ({t.dtype})", UTILS(163), None


def decide(graph: Graph, op: Op) -> OpVerdict:
    """``IsOpSupported`` (420-430): ``kSupportedOps`` and ``VerifyCommonOp``."""
    if op.kind not in SUPPORTED:
        return OpVerdict(False, (f"{op.display} is not in the plugin's kSupportedOps",), MTK(424))
    for i in (*op.inputs, *op.outputs):
        t = graph.tensor(i) if i >= 0 else None
        if t is None:
            continue
        found = neuron_type(t)
        if found is not None:
            message, cite, hint = found
            return OpVerdict(False, (f"{t.describe()} has no Neuron type: {message}",), cite, hint)
    if op.kind == "STABLEHLO_COMPOSITE" and composite_name(op) not in ("odml.rms_norm", "odml.l2_norm"):
        name = composite_name(op) or "(unnamed)"
        return OpVerdict(
            False, (f"composite {name!r}: the plugin takes only odml.rms_norm and odml.l2_norm",), COMMON(55)
        )
    return OpVerdict(
        True,
        ("offered to the Neuron compiler, whose GetSupportedOperations (closed, per SoC) decides",),
        SUPPORTED[op.kind],
    )


def legalization_rejection(model: Model, verdicts: dict[tuple[int, int], OpVerdict]) -> Rejection | None:
    """A legalization that cannot read a constant it needs fails the Neuron model of the subgraph."""
    for op in model.ops():
        v = verdicts.get(op.key)
        if v is None or not v.supported:
            continue
        graph = model.graphs[op.graph]
        const = [(t := graph.tensor(i)) is not None and t.is_const for i in op.inputs if i >= 0]
        if op.kind == "RESIZE_NEAREST_NEIGHBOR" and not (len(const) > 1 and const[1]):
            text = f"{op.display} (op {op.index}): 'The second input of ResizeNearestNeighbor is not const.'"
            return Rejection(text, ROLLOUT, op, RESIZE_NN(51), hint="give the resize a constant output size")
        if op.kind == "TRANSPOSE_CONV" and len(op.inputs) < 4 and not (const and const[0]):
            text = f"{op.display} (op {op.index}): 'The output_shape input of TransposeConv is not const.'"
            return Rejection(
                text,
                ROLLOUT,
                op,
                TRANSPOSE_CONV(59),
                hint="convert with fixed input shapes, so the output shape is a constant",
            )
    return None


def assess(model: Model, target: Target) -> Assessment:
    """What LiteRT's MediaTek plugin offers to the Neuron compiler (``Delegate.assess``)."""
    found = compiled(model)
    if found is not None:
        return compiled_assessment(model, found, "MediaTek", ROLLOUT)
    verdicts = plugin_verdicts(model, decide)
    rejection = loader_rejection(model, ROLLOUT) or legalization_rejection(model, verdicts)
    backend = "LiteRT MediaTek plugin at the pin: its static op list (no reference compiler ran)"
    return Assessment(verdicts, rejection, backend=backend, grouping="runs", carried=carried(model, verdicts))


def kinds(target: Target) -> frozenset[str]:
    return frozenset(SUPPORTED)


def backend() -> str:
    return (
        "the pinned plugin's static legalization (kSupportedOps, VerifyCommonOp); no reference compiler ran here "
        "(the NeuroPilot SDK is not downloadable), and the Neuron compiler's GetSupportedOperations, closed and "
        "per SoC, can still leave an offered op on the CPU"
    )


DELEGATE = Delegate("mediatek", assess, kinds, backend)
