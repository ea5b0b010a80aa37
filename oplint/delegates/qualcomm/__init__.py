"""Qualcomm NPUs (QNN / Hexagon HTP) through LiteRT's Qualcomm compiler plugin.

What ``LiteRtCompilerPluginPartition`` (``litert/vendors/qualcomm/compiler/qnn_compiler_plugin.cc``)
does with each op, at the pinned LiteRT commit, and what QNN's closed validator and compiler did with
the corpus when ai-edge-litert 2.3.0 ran them here (``fixtures/npu/VERDICTS.json``,
``fixtures/npu/QNN_REASONS.json``):

1. every input and output tensor of every op goes through ``ConvertTensor``: a tensor it cannot
   convert (unranked, a type outside ``ConvertDataType``, block-wise quantization) fails the whole
   partition call, so nothing of the model reaches the NPU (a runtime-stage
   :class:`~oplint.delegates.contract.Rejection`, OPL304); so does a builder that cannot read its
   op's options;
2. the op's builder (``GetOpBuilders()``) turns it into QNN ops, or leaves it on the CPU: no builder,
   a custom op without a QNN op package, or one of the builder's own conditions (constant operands,
   masks, axes);
3. QNN's validator (``backendValidateOpConfig`` of the SoC's HTP backend, closed source) must accept
   every QNN op the builder made.  Its decisions are not in the LiteRT tree; :data:`.qnn.VALIDATOR` lists
   those the recorded runs show (data type combinations, the shapes it checks), each with the model
   and op it was measured on and, where QNN said it, its words.  Some depend on the HTP generation
   (the SoC's ``supported_soc.csv`` row): ``qualcomm@SM8350`` (v68) refuses what ``qualcomm@SM8650``
   (v75) takes;
4. the compile (``--cmd=apply``) prepares each partition for the SoC's HTP and can fail as a whole:
   :data:`.qnn.COMPILE_RULES` lists the causes the recorded compiles show; a predicted failure is a
   compiler-stage rejection (OPL324).

The package: :mod:`.socs` (the SoC table and the HTP generation it picks), :mod:`.plugin` (the
LiteRT side, translated line by line), :mod:`.qnn` (QNN's decisions, as measured).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..contract import Assessment, Delegate, OpVerdict, Reject
from ..litert_npu import carried, compiled, compiled_assessment, loader_rejection, plugin_verdicts
from .plugin import BUILDERS, COMPOSE, NOT_BUILT_HINTS, ROLLOUT, View, builder_check, partition_rejection
from .qnn import compile_rejection, validator_check
from .socs import SOC_ARCH, Settings

if TYPE_CHECKING:  # pragma: no cover
    from ...core.model import Graph, Model, Op
    from ...knowledge.targets import Target

__all__ = ["DELEGATE", "SOC_ARCH", "Settings", "assess", "kinds"]


def _decide(model: Model, graph: Graph, op: Op, s: Settings) -> OpVerdict:
    if op.kind == "CUSTOM":
        return OpVerdict(
            False,
            (f"custom op {op.custom_code!r}: no QNN custom op package is configured, so the plugin builds no QNN op",),
            COMPOSE(1603),
        )
    if op.kind not in BUILDERS:
        why = f"{op.display} is not supported in Qualcomm Compiler: the plugin has no builder for it"
        return OpVerdict(False, (why,), COMPOSE(1679), NOT_BUILT_HINTS.get(op.kind))
    view = View(model, graph, op)
    try:
        builder_check(view)
        validator_check(view, s)
    except Reject as exc:
        return exc.verdict
    return OpVerdict(True, (), BUILDERS[op.kind])


def assess(model: Model, target: Target) -> Assessment:
    """What LiteRT's Qualcomm plugin puts on the HTP (``Delegate.assess``)."""
    s = Settings.of(target)
    outcome = ROLLOUT
    found = compiled(model)
    if found is not None:
        return compiled_assessment(model, found, "Qualcomm", outcome)
    verdicts = plugin_verdicts(model, lambda graph, op: _decide(model, graph, op, s))
    rejection = loader_rejection(model, outcome) or partition_rejection(model, verdicts)
    if rejection is None and any(v.supported for v in verdicts.values()):
        rejection = compile_rejection(model, verdicts, s)
    backend = (
        f"LiteRT Qualcomm plugin at the pin, QNN validator for {s.soc} ({s.arch}) as measured with ai-edge-litert 2.3.0"
    )
    return Assessment(verdicts, rejection, backend=backend, grouping="runs", carried=carried(model, verdicts))


def kinds(target: Target) -> frozenset[str]:
    """The builtins the plugin has a builder for."""
    return frozenset(BUILDERS)


def backend() -> str:
    return (
        "the pinned plugin's tensor conversion, builders and their conditions; then QNN's closed HTP validator and "
        "compiler as measured with ai-edge-litert 2.3.0 and QAIRT 2.51 (fixtures/npu/VERDICTS.json: 466 models on "
        "10 SoCs, compiles on SM8350, SM8650, SM8850); other SoCs follow the rules of their HTP generation"
    )


DELEGATE = Delegate("qualcomm", assess, kinds, backend)
