"""oplint's `gpu` target against the classic GPU delegate's checker as TF 2.15 built it (../shared).

truth.py ran TF 2.15.1's model analyzer with ``gpu_compatibility=True`` (its pip build still
contains CheckGpuDelegateCompatibility; the TF 2.21 and LiteRT builds have it compiled out) and
recorded, per model, the op kinds it called incompatible and its message.  oplint implements the
checker at the pinned LiteRT commit, two years newer, so the comparison is per model and op kind,
and every difference must be one of the version gaps below, each visible in the recorded message:

* ``new-case``: TF 2.15 said "Not supported op K", and the pinned checker has a case for K (ops
  the delegate gained since: REVERSE_V2, CEIL, ROUND, ATAN2, REDUCE_ALL/ANY, TOPK_V2, ...);
* ``unknown-to-2.15``: TF 2.15's schema did not know the op at all (its record names it None), e.g.
  STABLEHLO_COMPOSITE, which the pinned checker rejects by name;
* ``rule-changed``: the recorded message comes from a rule the pinned checker no longer has, or
  has changed (MUL's "not less than second in all dimensions" test, SELECT's float-only if/else,
  SELECT's 2-D constant test, whose condition was inverted in 2.15);
* ``offset-buffers``: constants stored after the flatbuffer (buffer offset/size, as LiteRT's test
  files are written) have no inline data, so the analyzer's flatbuffer op signature counts them
  as runtime inputs; the interpreter maps them read-only, and oplint, like the delegate at run
  time, counts them as constants.

    python -m tests.fidelity_gpu
"""

from __future__ import annotations

from collections import Counter
from typing import NamedTuple

from oplint.core.model import Model
from oplint.delegates.gpu import CHECKS, assess, check_op
from oplint.knowledge.targets import load as load_target
from oplint.knowledge.targets import parse_version
from tests.fidelity import readable

#: recorded TF 2.15 messages of rules the pinned checker changed or dropped
CHANGED_RULES = (
    "MUL requires one tensor that not less than second in all dimensions.",
    "Cond must be float or bool type, if, else tensors must be float",
)
TF215 = parse_version("2.15.0")


class Difference(NamedTuple):
    path: str
    op: str
    oplint_says: str | None  #: oplint's reason, None when oplint says compatible
    recorded: str | None  #: TF 2.15's message, None when it said compatible
    explained: str | None


class Fidelity(NamedTuple):
    models: int
    pairs: int  #: (model, op kind) pairs compared
    agree: int
    differences: tuple[Difference, ...]

    @property
    def unexplained(self) -> list[Difference]:
        return [d for d in self.differences if d.explained is None]


def _new_in_runtime(kind: str) -> bool:
    """Whether TF 2.15's runtime (and schema) did not know ``kind`` yet."""
    support = load_target("tflite").builtins.get(kind)
    return support is not None and bool(support.runtime) and min(support.runtime.values()) > TF215


def _offset_buffers(model: Model, kind: str) -> bool:
    """Whether an op of ``kind`` reads a constant stored outside the flatbuffer (no inline data)."""
    from oplint.readers.constants import constant_values

    for op in model.ops():
        if op.kind != kind:
            continue
        for t in op.inputs:
            tensor = model.graphs[op.graph].tensor(t) if t >= 0 else None
            if tensor is not None and tensor.is_const and constant_values(model, op.graph, t) is None:
                return True
    return False


def explain(model: Model, kind: str, mine: str | None, recorded: str | None) -> str | None:
    if mine is None and recorded is not None:
        if recorded == f"Not supported op {kind}" and kind in CHECKS:
            return "new-case"
        if any(recorded.startswith(text) for text in CHANGED_RULES):
            return "rule-changed"
        if recorded.startswith("Expected 1 runtime input") and _offset_buffers(model, kind):
            return "offset-buffers"
    if mine is not None and recorded is None:
        if _new_in_runtime(kind):
            return "unknown-to-2.15"
        if mine.startswith("2-D ") and "only supported if constant" in mine:
            return "rule-changed"
    return None


def compare() -> Fidelity:
    models = pairs = agree = 0
    differences: list[Difference] = []
    for rec, model in readable():
        verdict = rec.verdict
        if verdict.get("gpu_tf215_compatible") is None:
            continue
        models += 1
        # the analyzer's path: CheckGpuDelegateCompatibility alone, not the delegate's parsers,
        # through the flatbuffer entry point, which passes kEnhancedBroadcast
        found = {op.key: check_op(model.graphs[op.graph], op, enhanced=True) for op in model.ops()}
        mine: dict[str, str] = {}
        for op in model.ops():
            v = found[op.key]
            if not v.supported:
                mine.setdefault(op.display, v.reasons[0] if v.reasons else "")
        recorded = {}
        for line in verdict.get("gpu_tf215_messages") or []:
            op, _, text = line.partition(": ")
            recorded.setdefault(op, text.strip())
        for kind in sorted({op.display for op in model.ops()}):
            pairs += 1
            a, b = mine.get(kind), recorded.get(kind)
            if (a is None) == (b is None):
                agree += 1
                continue
            differences.append(Difference(rec.name, kind, a, b, explain(model, kind, a, b)))
    return Fidelity(models, pairs, agree, tuple(differences))


def report(result: Fidelity) -> str:
    lines = [
        f"{result.models} models, {result.pairs} (model, op kind) pairs: {result.agree} agree "
        f"({result.agree / max(result.pairs, 1):.2%}); {len(result.differences)} differ, "
        f"{len(result.unexplained)} unexplained",
    ]
    for (why, op), n in Counter((d.explained, d.op) for d in result.differences).most_common():
        lines.append(f"  {n:3d} {op}: {why or 'UNEXPLAINED'}")
    for d in result.unexplained[:20]:
        lines.append(f"  unexplained: {d.path} {d.op}: oplint {d.oplint_says!r}, TF 2.15 {d.recorded!r}")
    return "\n".join(lines)


def compare_litert_accelerator() -> tuple[int, int, Counter[tuple[str, str]]]:
    """The classic delegate (the `gpu` target) against LiteRT's newer GPU accelerator (ML Drift on
    WebGPU, run by truth.py on software Vulkan): a different implementation, measured against its
    own target in tests.fidelity_gpu_litert; this shows how far the two GPU paths differ, which is
    why they are two targets, not a fidelity bar."""
    target = load_target("gpu")
    pairs = agree = 0
    differ: Counter[tuple[str, str]] = Counter()
    for rec, model in readable():
        verdict = rec.verdict
        if not verdict.get("gpu_webgpu_compiles"):
            continue
        found = assess(model, target).verdicts
        mine = {op.display for op in model.ops() if not found[op.key].supported}
        theirs = {line.partition(": ")[0] for line in verdict.get("gpu_webgpu_messages") or []}
        for kind in {op.display for op in model.ops()}:
            pairs += 1
            if (kind in mine) == (kind in theirs):
                agree += 1
            else:
                differ[
                    (kind, "only the classic delegate refuses" if kind in mine else "only the accelerator refuses")
                ] += 1
    return pairs, agree, differ


if __name__ == "__main__":
    print(report(compare()))
    pairs, agree, differ = compare_litert_accelerator()
    print(f"\nLiteRT GPU accelerator vs the gpu target: {agree}/{pairs} (model, op kind) pairs agree")
    for (kind, side), n in differ.most_common(15):
        print(f"  {n:3d} {kind}: {side}")
