"""oplint's XNNPACK verdicts against the ops LiteRT's XNNPACK delegate really took (../shared).

truth.py ran ``ai_edge_litert.interpreter.Interpreter`` (LiteRT 2.3.0, default XNNPACK delegate)
on every .tflite and derived, from each DELEGATE node, the original subgraph-0 nodes it replaced
(``tools.litert.xnnpack.delegated_node_idx``), walking back from the DELEGATE node's outputs.
That walk cannot see an op whose results never reach a graph output (an ASSIGN_VARIABLE, and
the ops that only feed one): those are recorded as not delegated whatever happened.  On
stateful_variable_update.dynamic.tflite the real interpreter shows the difference: the DELEGATE
node's inputs include the graph input ``x``, which only the ADD feeding ASSIGN_VARIABLE reads,
so that ADD (and the READ_VARIABLE and ASSIGN_VARIABLE around it) were delegated although the
record lists them as not.  Such ops are counted apart, never as agreement.

    python -m tests.fidelity_xnnpack
"""

from __future__ import annotations

from collections import Counter
from typing import NamedTuple

from oplint.core.model import Graph
from oplint.delegates.xnnpack import assess
from oplint.knowledge.targets import load as load_target
from tests.fidelity import readable

INVISIBLE = (
    "its results reach no graph output (only an ASSIGN_VARIABLE), so truth.py's walk back from the "
    "DELEGATE node's outputs cannot see it (checked with the real interpreter on "
    "stateful_variable_update.dynamic.tflite: the DELEGATE node reads the input only such an op reads)"
)


class Difference(NamedTuple):
    path: str
    op_index: int
    op: str
    oplint_says: bool  #: True: oplint says XNNPACK takes it
    reason: str  #: oplint's reason when it says no
    explained: str | None


class Fidelity(NamedTuple):
    ops: int
    agree: int
    differences: tuple[Difference, ...]
    models: int

    @property
    def false_clean(self) -> list[Difference]:
        return [d for d in self.differences if d.oplint_says]

    @property
    def unexplained(self) -> list[Difference]:
        return [d for d in self.differences if d.explained is None]

    @property
    def agreement(self) -> float:
        compared = self.ops - sum(1 for d in self.differences if d.explained)
        return self.agree / compared if compared else 1.0


def reaches_output(graph: Graph) -> set[int]:
    """Ops with a data path from their outputs to a graph output."""
    consumers: dict[int, list[int]] = {}
    for op in graph.ops:
        for t in op.inputs:
            if t >= 0:
                consumers.setdefault(t, []).append(op.index)
    outputs = set(graph.outputs)
    seen: set[int] = set()
    for op in reversed(graph.ops):
        if any(t in outputs or any(c in seen for c in consumers.get(t, ())) for t in op.outputs if t >= 0):
            seen.add(op.index)
    return seen


def compare() -> Fidelity:
    target = load_target("xnnpack")
    ops = agree = models = 0
    differences: list[Difference] = []
    for rec, model in readable():
        xnn = (rec.tools.get("litert") or {}).get("xnnpack") or {}
        if "delegated_node_idx" not in xnn:
            continue
        models += 1
        real = set(xnn["delegated_node_idx"])
        mine = assess(model, target).verdicts
        visible = reaches_output(model.graphs[0])
        for op in model.graphs[0].ops:
            ops += 1
            said = mine[op.key].supported
            if said == (op.index in real):
                agree += 1
                continue
            explained = INVISIBLE if said and op.index not in visible else None
            reason = "; ".join(mine[op.key].reasons)
            differences.append(Difference(rec.name, op.index, op.display, said, reason, explained))
    return Fidelity(ops, agree, tuple(differences), models)


def report(result: Fidelity) -> str:
    lines = [
        f"{result.models} models, {result.ops} subgraph-0 ops: {result.agree} agree "
        f"({result.agreement:.2%} of the ops the record can show); "
        f"{len(result.false_clean)} said delegated but recorded not, {len(result.unexplained)} unexplained",
    ]
    kinds = Counter((d.op, d.oplint_says, d.explained is not None) for d in result.differences)
    for (op, says, explained), n in kinds.most_common():
        lines.append(
            f"  {n:4d} {op}: oplint says {'delegated' if says else 'CPU'}{' (explained)' if explained else ''}"
        )
    for d in result.unexplained[:20]:
        lines.append(f"  unexplained: {d.path} op {d.op_index} {d.op}: {d.reason or 'oplint: delegated'}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(report(compare()))
