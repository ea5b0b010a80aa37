"""oplint's `gpu-litert` target against LiteRT's GPU accelerator as it really ran (../shared).

truth.py compiled every model with ``ai_edge_litert`` 2.3.0's ``CompiledModel`` and
``HardwareAccelerator.GPU`` (ML Drift on WebGPU, over Mesa's software Vulkan) and recorded the
delegate's own verdict: "Following operations are not supported by GPU delegate: OP: reason".
The comparison is per model and op kind: oplint refuses an op kind in a model exactly when the
accelerator named it.

The recorded op list (``gpu_webgpu_messages``) holds the first such block only, while the
delegate prints one per subgraph it partitions (a WHILE body, say), and it drops the lines with
an empty reason (the delegate lists a float16-weights DEQUANTIZE it keeps on the CPU as
"DEQUANTIZE: ").  The worker's log (``tools.gpu_webgpu.log``, trimmed to its head and tail)
keeps both, so an op kind the log names in any block counts as refused.  The differences that remain, each explained:

* ``zero-size-constant``: a RESHAPE whose shape input is a constant of zero elements.  Its buffer
  is empty, so the interpreter builder makes it a read-write (runtime) tensor and the shared
  checker counts 2 runtime inputs -- TF 2.15's checker says so on the same model -- yet the
  accelerator took the op.  oplint follows the checker: a false alarm, never a false clean.

Whether the model compiles at all (OPL304: dynamic or variable tensors) is compared on the
models the CPU interpreter ran (a model that fails there fails for another reason).  The
differences, each explained:

* ``kernel-prepare-at-stored-shape``: the model's inputs have dynamic dimensions and the stored
  placeholder shape is too small for a kernel (a 3x3 VALID convolution on a 1x1 image), so
  preparing the graph at that shape fails in the CPU kernel (``tflite/kernels/conv.cc``);
  truth.py's interpreter run resized the inputs first, CompiledModel prepares as stored.  Not a
  GPU question;
* ``zero-size-constant``: as above; oplint also predicts the RESHAPE's output dynamic.

    python -m tests.fidelity_gpu_litert
"""

from __future__ import annotations

import re
from collections import Counter
from typing import NamedTuple

from oplint.core.model import Model
from oplint.delegates.gpu_litert import assess
from oplint.knowledge.targets import load as load_target
from tests.fidelity import Record, readable
from tests.fidelity_gpu import Difference  # recorded: the accelerator's reason here

BLOCK = re.compile(
    r"Following operations are not supported by GPU delegate:\n(.*?)(?:\n\d+ operations will run|\nNo operations|\Z)",
    re.S,
)
#: one refused op; the float16-weights DEQUANTIZE is listed with an empty reason ("DEQUANTIZE: ")
LINE = re.compile(r"^([A-Za-z0-9_.-]+):(?: (.*))?$")


class Fidelity(NamedTuple):
    models: int
    pairs: int  #: (model, op kind) pairs compared
    agree: int
    differences: tuple[Difference, ...]
    partitions: tuple[int, int]  #: (models whose delegated op count was recorded, of those, agreeing)

    @property
    def unexplained(self) -> list[Difference]:
        return [d for d in self.differences if d.explained is None]

    @property
    def false_clean(self) -> list[Difference]:
        return [d for d in self.differences if d.oplint_says is None]


def refused(rec: Record) -> dict[str, str]:
    """Op kind -> the accelerator's reason, from the recorded list and every block of the log."""
    out: dict[str, str] = {}
    for line in rec.verdict.get("gpu_webgpu_messages") or []:
        op, _, text = line.partition(": ")
        out.setdefault(op, text.strip())
    log = (rec.tools.get("gpu_webgpu") or {}).get("log") or ""
    for block in BLOCK.finditer(log):
        for line in block.group(1).splitlines():
            m = LINE.match(line.strip())
            if m:
                out.setdefault(m.group(1), (m.group(2) or "").strip())
    return out


def explain(model: Model, kind: str, mine: str | None, recorded: str | None) -> str | None:
    if mine is not None and recorded is None and kind == "RESHAPE" and "runtime input" in mine:
        for op in model.ops():
            graph = model.graphs[op.graph]
            shape = graph.tensor(op.inputs[1]) if op.kind == "RESHAPE" and len(op.inputs) > 1 else None
            if shape is not None and shape.shape == (0,):
                return "zero-size-constant"
    return None


def compare() -> Fidelity:
    target = load_target("gpu-litert")
    models = pairs = agree = counted = counts_agree = 0
    differences: list[Difference] = []
    for rec, model in readable():
        verdict = rec.verdict
        if not verdict.get("gpu_webgpu_compiles"):
            continue
        models += 1
        found = assess(model, target).verdicts
        mine: dict[str, str] = {}
        for op in model.ops():
            v = found[op.key]
            if not v.supported:
                mine.setdefault(op.display, v.reasons[0] if v.reasons else "")
        theirs = refused(rec)
        for kind in sorted({op.display for op in model.ops()}):
            pairs += 1
            a, b = mine.get(kind), theirs.get(kind)
            if (a is None) == (b is None):
                agree += 1
            else:
                differences.append(Difference(rec.name, kind, a, b, explain(model, kind, a, b)))
        gpu_cpu = verdict.get("gpu_webgpu_gpu_cpu_ops") or [None, None]
        if len(model.graphs) == 1 and gpu_cpu[0] is not None and gpu_cpu[1] is not None:
            from oplint.delegates.delegation import analyse

            counted += 1
            plan = analyse(model, target)
            counts_agree += plan is not None and plan.plan.delegated_ops == gpu_cpu[0]
    return Fidelity(models, pairs, agree, tuple(differences), (counted, counts_agree))


class Compiles(NamedTuple):
    models: int  #: models the CPU interpreter ran and the accelerator was tried on
    agree: int  #: oplint predicts a GPU compile failure (OPL304) exactly when it failed
    failed: int  #: of those models, how many did not compile for the GPU
    differences: tuple[tuple[str, bool, str | None, str | None], ...]  #: (model, compiled, OPL304, why)

    @property
    def unexplained(self) -> list[tuple[str, bool, str | None, str | None]]:
        return [d for d in self.differences if d[3] is None]


def compare_compiles() -> Compiles:
    from oplint.delegates.delegation import analyse

    target = load_target("gpu-litert")
    models = agree = failed = 0
    differences = []
    for rec, model in readable():
        g = rec.tools.get("gpu_webgpu") or {}
        if g.get("status") != "ok" or not rec.verdict.get("litert_runs"):
            continue
        models += 1
        compiled = bool(rec.verdict.get("gpu_webgpu_compiles"))
        failed += not compiled
        delegation = analyse(model, target)
        rejected = delegation.rejection.message if delegation and delegation.rejection else None
        if (rejected is None) == compiled:
            agree += 1
            continue
        log = g.get("log") or ""
        why = None
        if not compiled and re.search(r"tflite/kernels/\w+\.cc:\d+ .* was not true", log):
            why = "kernel-prepare-at-stored-shape"
        elif rejected and "RESHAPE" in rejected and explain(model, "RESHAPE", "runtime input", None):
            why = "zero-size-constant"
        differences.append((rec.name, compiled, rejected, why))
    return Compiles(models, agree, failed, tuple(differences))


def report(result: Fidelity) -> str:
    lines = [
        f"{result.models} models, {result.pairs} (model, op kind) pairs: {result.agree} agree "
        f"({result.agree / max(result.pairs, 1):.2%}); {len(result.differences)} differ, "
        f"{len(result.false_clean)} false clean, {len(result.unexplained)} unexplained",
        f"delegated op count (single-graph models with a recorded count): {result.partitions[1]} of "
        f"{result.partitions[0]} agree",
    ]
    for (why, op), n in Counter((d.explained, d.op) for d in result.differences).most_common():
        lines.append(f"  {n:3d} {op}: {why or 'UNEXPLAINED'}")
    for d in result.unexplained[:20]:
        lines.append(f"  unexplained: {d.path} {d.op}: oplint {d.oplint_says!r}, accelerator {d.recorded!r}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(report(compare()))
    c = compare_compiles()
    print(
        f"\ncompiles for the GPU: {c.agree}/{c.models} models agree ({c.failed} did not compile); "
        f"{len(c.unexplained)} unexplained"
    )
    for name, compiled, rejected, why in c.differences:
        print(f"  {why or 'UNEXPLAINED'}: {name} (compiled: {compiled}; oplint: {rejected})")
