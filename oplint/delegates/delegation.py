"""One delegate target applied to one model: op verdicts, partitions, the delegated share.

The target's delegate (:mod:`oplint.delegates`) assesses the model op by op;
:mod:`.partitions` turns those verdicts into the partitions the interpreter would build, applying
the delegate's own partition limit.  Rules (OPL301-OPL304, OPL321) and the report's per-target
summary read the same analysis, computed once per model and target.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

from . import of
from .contract import OpVerdict, Rejection, Verdicts
from .partitions import Plan, partition, picture

if TYPE_CHECKING:  # pragma: no cover
    from ..core.model import Model, Op
    from ..knowledge.targets import Target

LIMIT_OPTION = "max-delegated-partitions"  #: a target's [delegate-options] key for the delegate's own limit
MIN_NODES_OPTION = "min-nodes-per-partition"  #: ... and for the smallest partition it delegates


class Delegation(NamedTuple):
    target: str
    delegate: str
    verdicts: Verdicts
    plan: Plan
    backend: str | None = None  #: how the verdicts were reached, when the checker says (e.g. "vela 5.2.0")
    #: the delegate rejects the whole model (OPL304 at run time, OPL321 Vela's compile), not op by op
    whole_model_error: str | None = None
    compiled: bool = False  #: the model was already compiled for this accelerator (OPL320)
    rejection: Rejection | None = None  #: why the delegate cannot take the model at all

    def verdict(self, op: Op) -> OpVerdict:
        return self.verdicts.get(op.key, _UNKNOWN)

    def cpu_ops(self, model: Model) -> Iterator[tuple[Op, OpVerdict, bool]]:
        """Every op that runs on the CPU: (op, verdict, dropped by the partition limit)."""
        dropped = set(self.plan.dropped)
        for op in model.ops():
            v = self.verdict(op)
            if not v.supported:
                yield op, v, False
            elif op.key in dropped:
                yield op, v, True

    def summary(self, model: Model) -> dict[str, Any]:
        plan = self.plan
        doc: dict[str, Any] = {
            "delegate": self.delegate,
            "delegated_ops": plan.delegated_ops,
            "total_ops": plan.total_ops,
            "op_share": round(plan.op_share, 4),
            "delegated_macs": plan.delegated_macs,
            "total_macs": plan.total_macs,
            "mac_share": round(plan.mac_share, 4) if plan.total_macs else None,
            "partitions": plan.delegated_partitions,
            "partition_limit": plan.limit,
            "layout": [{"graph": p.graph, "delegated": p.delegated, "ops": sorted(p.ops)} for p in plan.partitions],
            "backend": self.backend,
            "compiled": self.compiled,
            "whole_model_error": self.whole_model_error,
        }
        doc["picture"] = pictures(self, model)
        return doc


_UNKNOWN = OpVerdict(False, ("the delegate's checker gave no verdict for this op",))
_REJECTED = OpVerdict(False, ("the delegate cannot be applied to this model (OPL304)",))


def analyse(model: Model, target: Target) -> Delegation | None:
    """The delegation of ``model`` to ``target`` (None: not a delegate target, or not a .tflite)."""
    if target.delegate is None or model.format != "tflite":
        return None
    options = repr(sorted(target.delegate_options.items()))  # nnapi@29 and nnapi@30 differ
    return model.derived(("delegation", target.id, options), lambda: _analyse(model, target))


def _analyse(model: Model, target: Target) -> Delegation:
    delegate = of(target)
    assert delegate is not None
    found = delegate.assess(model, target)
    raw = target.delegate_options.get(LIMIT_OPTION)
    limit = raw if isinstance(raw, int) and not isinstance(raw, bool) and raw > 0 else None
    rejected = found.rejection
    error = rejected.summary if rejected is not None else None
    if rejected is not None and rejected.stage == "runtime":
        # nothing is delegated; the per-op verdicts stay for when the cause is fixed
        plan = partition(
            model, {k: _REJECTED for k in found.verdicts}, limit, grouping=found.grouping, carried=found.carried
        )
        return Delegation(target.id, delegate.name, found.verdicts, plan, None, error, False, rejected)
    raw_min = target.delegate_options.get(MIN_NODES_OPTION, 1)
    min_nodes = raw_min if isinstance(raw_min, int) and not isinstance(raw_min, bool) and raw_min > 1 else 1
    plan = partition(
        model,
        found.verdicts,
        limit,
        side_effects=found.side_effects,
        min_nodes=min_nodes,
        grouping=found.grouping,
        carried=found.carried,
    )
    return Delegation(target.id, delegate.name, found.verdicts, plan, found.backend, error, found.compiled, rejected)


def pictures(delegation: Delegation, model: Model) -> list[str]:
    """One compact line per graph with ops: ``sg0: [0-12 delegated] [13 CPU RESHAPE] [14-40 delegated]``."""
    lines = []
    for g, graph in enumerate(model.graphs):
        parts = [p for p in delegation.plan.partitions if p.graph == g]
        if not parts:
            continue
        sub = delegation.plan._replace(partitions=tuple(parts))
        text = picture(sub, graph)
        lines.append(text if len(model.graphs) == 1 else f"sg{g}: {text}")
    return lines
