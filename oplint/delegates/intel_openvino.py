"""Intel NPUs (Lunar Lake, Panther Lake) through LiteRT's Intel OpenVINO compiler plugin.

``LiteRtCompilerPluginPartition``
(``litert/vendors/intel_openvino/compiler/openvino_compiler_plugin.cc`` 472) refuses a subgraph
with an input of rank 6 or more (the whole model then stays on the CPU), and otherwise selects
every op whose code is in ``kSupportedOps``, a TOPK_V2 only with a constant K, and a composite only
when it is ``odml.rms_norm``.  Nothing else is checked when partitioning: types, quantization,
shapes and options are left to OpenVINO's NPU compiler at compile time, which is not on PyPI and
did not run here, and the SoC (``LNL``, ``PTL``) is not consulted.  ai-edge-litert 2.3.0's plugin
partitioned all 466 recorded models exactly so (``fixtures/npu/VERDICTS.json``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..knowledge.sources import litert
from .contract import Assessment, Delegate, OpVerdict, Rejection
from .litert_npu import (
    carried,
    compiled,
    compiled_assessment,
    composite_name,
    composites,
    loader_rejection,
    plugin_verdicts,
)

if TYPE_CHECKING:  # pragma: no cover
    from ..core.model import Graph, Model, Op
    from ..knowledge.targets import Target

OV = litert("litert/vendors/intel_openvino/compiler/openvino_compiler_plugin.cc")

#: ``kSupportedOps``: the op codes the plugin selects
SUPPORTED = {
    "CONV_2D": OV(67),
    "DEPTHWISE_CONV_2D": OV(68),
    "SPLIT": OV(69),
    "FULLY_CONNECTED": OV(70),
    "ADD": OV(71),
    "RESHAPE": OV(72),
    "MEAN": OV(73),
    "RESIZE_BILINEAR": OV(74),
    "RESIZE_NEAREST_NEIGHBOR": OV(75),
    "CONCATENATION": OV(76),
    "MAX_POOL_2D": OV(77),
    "AVERAGE_POOL_2D": OV(78),
    "MUL": OV(79),
    "TRANSPOSE_CONV": OV(80),
    "SOFTMAX": OV(81),
    "MIRROR_PAD": OV(82),
    "STRIDED_SLICE": OV(83),
    "DEPTH_TO_SPACE": OV(84),
    "GATHER": OV(85),
    "BATCH_MATMUL": OV(86),
    "LEAKY_RELU": OV(87),
    "PACK": OV(88),
    "CAST": OV(89),
    "DIV": OV(90),
    "CUMSUM": OV(91),
    "SUB": OV(92),
    "GELU": OV(93),
    "GATHER_ND": OV(94),
    "SUM": OV(95),
    "REDUCE_MAX": OV(96),
    "EMBEDDING_LOOKUP": OV(97),
    "CONV_3D": OV(98),
    "ARG_MAX": OV(99),
    "ONE_HOT": OV(100),
    "UNPACK": OV(101),
    "REDUCE_ALL": OV(102),
    "STABLEHLO_COMPOSITE": OV(103),
    "DEQUANTIZE": OV(105),
    "LOGISTIC": OV(106),
    "RELU": OV(107),
    "TANH": OV(108),
    "PAD": OV(109),
    "TRANSPOSE": OV(110),
    "SLICE": OV(111),
    "QUANTIZE": OV(112),
    "RANGE": OV(113),
    "BROADCAST_TO": OV(114),
    "PADV2": OV(115),
    "EQUAL": OV(116),
    "NOT_EQUAL": OV(117),
    "EXP": OV(118),
    "REVERSE_V2": OV(119),
    "MAXIMUM": OV(120),
    "LOGICAL_OR": OV(121),
    "EXPAND_DIMS": OV(122),
    "LOG": OV(123),
    "SIN": OV(124),
    "POW": OV(125),
    "FLOOR_DIV": OV(126),
    "COS": OV(127),
    "MINIMUM": OV(128),
    "SQUARED_DIFFERENCE": OV(129),
    "RSQRT": OV(130),
    "ABS": OV(131),
    "LESS": OV(132),
    "SELECT": OV(133),
    "SELECT_V2": OV(134),
    "HARD_SWISH": OV(135),
    "PRELU": OV(136),
    "SQRT": OV(137),
    "GREATER_EQUAL": OV(138),
    "LESS_EQUAL": OV(139),
    "LOGICAL_AND": OV(140),
    "LOGICAL_NOT": OV(141),
    "L2_NORMALIZATION": OV(142),
    "GREATER": OV(143),
    "RELU_0_TO_1": OV(144),
    "SQUARE": OV(145),
    "FLOOR_MOD": OV(146),
    "SIGN": OV(147),
    "TILE": OV(148),
    "TOPK_V2": OV(151),
}

ROLLOUT = (
    "the whole model stays on the CPU: the Intel OpenVINO plugin's partition call fails, so nothing is compiled "
    "for the NPU"
)
FIXED = (
    "convert with fixed input shapes (a concrete function or Keras Input with fixed sizes), so the converter "
    "makes K a constant"
)


def partition_rejection(model: Model) -> Rejection | None:
    """A subgraph the plugin is asked to partition has an input of rank 6 or more (478-492)."""
    comps = composites(model)
    for graph in model.graphs:
        if graph.index in comps:
            continue
        for i, t in enumerate(graph.inputs):
            tensor = graph.tensor(t)
            if tensor is not None and len(tensor.shape or ()) >= 6:
                where = (
                    f"subgraph {graph.index} input {i}, {tensor.describe()},"
                    if len(model.graphs) > 1
                    else f"input {i}, {tensor.describe()},"
                )
                text = (
                    f"{where} has {len(tensor.shape or ())} dimensions: 'Model not supported: subgraph input has "
                    "dimensions (>= 6), skipping partitioning.'"
                )
                hint = "reshape the input to at most 5 dimensions (fold leading dimensions) in the model you convert"
                return Rejection(text, ROLLOUT, None, OV(484), hint=hint)
    return None


def decide(graph: Graph, op: Op) -> OpVerdict:
    """``IsOpSupported`` and ``IsCompositeOpSupported`` (429-467)."""
    if op.kind == "TOPK_V2":
        k = graph.tensor(op.inputs[1]) if len(op.inputs) > 1 and op.inputs[1] >= 0 else None
        if k is None or not k.is_const:
            why = "TOPK_V2 with non-constant K is not supported on NPU; leaving op on CPU."
            return OpVerdict(False, (why,), OV(436), FIXED)
        return OpVerdict(True, (), SUPPORTED["TOPK_V2"])
    if op.kind not in SUPPORTED:
        return OpVerdict(False, (f"{op.display} is not in the plugin's kSupportedOps",), OV(445))
    if op.kind == "STABLEHLO_COMPOSITE" and composite_name(op) != "odml.rms_norm":
        name = composite_name(op) or "(unnamed)"
        return OpVerdict(False, (f"composite {name!r}: the plugin takes only odml.rms_norm",), OV(464))
    return OpVerdict(True, (), SUPPORTED[op.kind])


def assess(model: Model, target: Target) -> Assessment:
    """What LiteRT's Intel OpenVINO plugin selects for the NPU (``Delegate.assess``)."""
    found = compiled(model)
    if found is not None:
        return compiled_assessment(model, found, "Intel OpenVINO", ROLLOUT)
    verdicts = plugin_verdicts(model, decide)
    rejection = loader_rejection(model, ROLLOUT) or partition_rejection(model)
    soc = target.delegate_options.get("soc", "LNL")
    backend = f"LiteRT Intel OpenVINO plugin at the pin (partition only; {soc}'s NPU compiler is not modelled)"
    return Assessment(verdicts, rejection, backend=backend, grouping="runs", carried=carried(model, verdicts))


def kinds(target: Target) -> frozenset[str]:
    return frozenset(SUPPORTED)


def backend() -> str:
    return (
        "the pinned plugin's partition rule (ai-edge-litert 2.3.0 partitioned the 466 recorded models the same "
        "way); OpenVINO's NPU compiler, which decides types and shapes, is not modelled (its library is not on PyPI)"
    )


DELEGATE = Delegate("intel-openvino", assess, kinds, backend)
