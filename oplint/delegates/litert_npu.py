"""LiteRT's NPU compiler-plugin framework, which every phone NPU target goes through.

A phone NPU (Qualcomm, MediaTek, Google Tensor, Intel) runs a .tflite through LiteRT's compiler
plugins: ``apply_plugin`` (``ai_edge_litert.aot.aot_compile``) loads the model with LiteRT's model
loader, asks the vendor plugin which ops of each subgraph it takes
(``PartitionModel``, ``litert/compiler/plugin/compiler_plugin.cc``), outlines each connected group
of taken ops into a subgraph that the vendor compiles, and puts a ``DISPATCH_OP`` custom op in its
place.  What this module translates, for the vendor modules (:mod:`.qualcomm`,
:mod:`.intel_openvino`, :mod:`.mediatek`, :mod:`.google_tensor`):

* the model loader's refusals, which fail every plugin (variable tensors, intermediate tensors,
  out-of-range tensor indices): :func:`loader_rejection`;
* composite ops (``STABLEHLO_COMPOSITE``): their decomposition subgraphs are never offered to the
  plugin; a composite the plugin takes carries its decomposition with it, one it does not take is
  inlined and its decomposition's ops are offered instead; ``odml.cpu_call`` stays on the CPU and
  ``odml.npu_call`` is always compiled: :func:`plugin_verdicts`;
* models already compiled for an NPU (``DISPATCH_OP`` with ``LiteRtStamp`` metadata, the older
  ``NPU_BYTE_CODE`` layout): :func:`compiled` and :func:`compiled_assessment` (OPL323).

The partitions are the partitioner's (:mod:`.partitions`) with LiteRT's grouping: every run of taken
ops in execution order is one partition (``GroupPartitionsV2``, ``grouping="runs"``), with no limit by
default; the decomposition of a composite the plugin takes is not partitioned on its own (``carried``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

from ..analysis.npu_compiled import Compiled, compiled
from ..knowledge.sources import litert
from .contract import Assessment, OpVerdict, Rejection

__all__ = ["Compiled", "compiled", "compiled_assessment", "composites", "loader_rejection", "plugin_verdicts"]

if TYPE_CHECKING:  # pragma: no cover
    from ..core.model import Graph, Model, Op

LOADER = litert("litert/core/model/model_load.cc")
PLUGIN = litert("litert/compiler/plugin/compiler_plugin.cc")
DISPATCH = litert("litert/runtime/dispatch/dispatch_delegate.cc")

CPU_CALL = "odml.cpu_call"  #: CompositeOptions::kCpuCall
NPU_CALL = "odml.npu_call"  #: CompositeOptions::kNpuCall

VARIABLES_HINT = (
    "LiteRT's NPU path loads no model with variable tensors: convert the stateful part without variables "
    "(pass the state in and out as model inputs and outputs, or unroll the RNN with a fixed sequence length)"
)


def loader_rejection(model: Model, outcome: str) -> Rejection | None:
    """What LiteRT's model loader refuses, before any plugin sees the model (every NPU target)."""
    for graph in model.graphs:
        for t in graph.tensors:
            if t.is_variable:
                text = (
                    f"variable tensor {t.describe()}: LiteRT's model loader says 'Variable tensors not yet supported.'"
                )
                return Rejection(text, outcome, None, LOADER(290), hint=VARIABLES_HINT)
        for op in graph.ops:
            if op.intermediates:
                text = (
                    f"{op.display} (op {op.index}) has intermediate tensors: LiteRT's model loader says "
                    "'Intermediate tensors not yet supported.'"
                )
                hint = (
                    "keep the LSTM in float or unroll it (Keras: unroll=True), so that no op carries the intermediate "
                    "tensors of a quantized LSTM"
                )
                return Rejection(text, outcome, op, LOADER(107), hint=hint)
    for problem in model.problems:
        if "refers to tensor" in problem.message:
            said = "'flatbuffer model has invalid op input index'"
            text = f"LiteRT's model loader refuses the file: {problem.message} ({said})"
            return Rejection(text, outcome, None, LOADER(127))
    return None


# -- composite ops ---------------------------------------------------------------------------
class Composite(NamedTuple):
    op: Op
    name: str
    decomposition: int  #: the subgraph holding its decomposition


def composites(model: Model) -> dict[int, Composite]:
    """Decomposition subgraph -> the composite op that names it (the first, when several do)."""

    def find() -> dict[int, Composite]:
        found: dict[int, Composite] = {}
        for op in model.ops():
            if op.kind != "STABLEHLO_COMPOSITE":
                continue
            sub = op.options.get("decomposition_subgraph_index")
            if isinstance(sub, int) and 0 <= sub < len(model.graphs) and sub not in found:
                found[sub] = Composite(op, str(op.options.get("name", "") or ""), sub)
        return found

    result: dict[int, Composite] = model.derived("npu-composites", find)
    return result


def composite_name(op: Op) -> str:
    return str(op.options.get("name", "") or "")


Decide = Callable[["Graph", "Op"], OpVerdict]


def plugin_verdicts(model: Model, decide: Decide) -> dict[tuple[int, int], OpVerdict]:
    """Every op's verdict under LiteRT's ``PartitionModel``, with ``decide`` the plugin's own choice.

    Decomposition subgraphs are not offered to the plugin (``compiler_plugin.cc`` 636); their ops
    follow their composite: taken with it, or offered in its place when LiteRT inlines it (684)."""
    comps = composites(model)
    out: dict[tuple[int, int], OpVerdict] = {}
    for graph in model.graphs:
        if graph.index in comps:
            continue
        for op in graph.ops:
            out[op.key] = _framework(model, graph, op, decide)
    for sub, comp in comps.items():
        owner = out.get(comp.op.key)
        for op in model.graphs[sub].ops:
            if comp.name == CPU_CALL:
                out[op.key] = OpVerdict(
                    False, (f"inside odml.cpu_call (op {comp.op.index}): kept on the CPU",), PLUGIN(656)
                )
            elif owner is not None and owner.supported:
                name = comp.name or "a composite"
                why = f"part of the decomposition of {name} (op {comp.op.index}), which the NPU runs as one op"
                out[op.key] = OpVerdict(True, (why,), PLUGIN(719))
            else:
                out[op.key] = decide(model.graphs[sub], op)
    return out


def carried(model: Model, verdicts: dict[tuple[int, int], OpVerdict]) -> frozenset[int]:
    """The decomposition subgraphs of the composites the plugin takes: LiteRT drops them from the model
    (``compiler_plugin.cc`` 719), their ops go with the composite's partition."""
    return frozenset(
        sub for sub, comp in composites(model).items() if (v := verdicts.get(comp.op.key)) is not None and v.supported
    )


def _framework(model: Model, graph: Graph, op: Op, decide: Decide) -> OpVerdict:
    if op.kind == "STABLEHLO_COMPOSITE":
        name = composite_name(op)
        if name == CPU_CALL:
            return OpVerdict(False, ("odml.cpu_call: the model asks for this part to stay on the CPU",), PLUGIN(656))
        if name == NPU_CALL:
            return OpVerdict(
                True, ("odml.npu_call: the model asks for this part to be compiled for the NPU",), PLUGIN(769)
            )
        verdict = decide(graph, op)
        sub = op.options.get("decomposition_subgraph_index")
        if not verdict.supported and isinstance(sub, int) and 0 <= sub < len(model.graphs):
            n = len(model.graphs[sub].ops)
            inlined = (
                f"LiteRT inlines its decomposition (subgraph {sub}, {n} op{'s' if n != 1 else ''}) and offers those "
                "ops to the plugin instead"
            )
            return verdict._replace(reasons=(*verdict.reasons, inlined))
        return verdict
    return decide(graph, op)


# -- models already compiled for an NPU ------------------------------------------------------
def compiled_assessment(model: Model, found: Compiled, vendor: str, outcome: str) -> Assessment:
    """A model already compiled: its DISPATCH_OPs run on the NPU they were compiled for (here, when that is
    this target's vendor or unknown), every other op on the CPU, where the compile left it."""
    npu = {p.op.key: p for p in found.partitions}
    verdicts: dict[tuple[int, int], OpVerdict] = {}
    other = found.vendor is not None and found.vendor != vendor
    for op in model.ops():
        part = npu.get(op.key)
        if part is None:
            verdicts[op.key] = OpVerdict(False, ("left on the CPU when the model was compiled for the NPU",))
        elif other:
            why = f"compiled for {found.describe()}: {vendor}'s dispatch library cannot run its byte code"
            verdicts[op.key] = OpVerdict(False, (why,), DISPATCH(123))
        else:
            label = f"NPU partition {part.name!r}" if part.name else "NPU partition"
            verdicts[op.key] = OpVerdict(True, (label,), DISPATCH(123))
    rejection = None
    if found.missing_byte_code:
        text = (
            "a DISPATCH_OP's byte code lies outside the file: 'dispatch op bytecode range is outside the model "
            "allocation'"
        )
        rejection = Rejection(text, outcome, None, LOADER(574))
    backend = f"already compiled for {found.describe()}"
    return Assessment(verdicts, rejection, compiled=True, backend=backend, grouping="runs")
