"""An op the delegate does not take: it runs on the CPU, and splits the delegated graph.

## What it does
Asks the target's delegate checker, op by op, whether the delegate (GPU, XNNPACK, NNAPI, Core
ML, Hexagon, Edge TPU, Arm Ethos-U) takes the op, and reports every op left on the CPU with the
delegate's reason: a tensor type, a rank, a non-constant weight, an attribute value, an op
version, or an op the delegate does not know.  Ops of one kind left behind for the same reason
are reported once, with their op indices.  Ops the delegate could take but drops because it
only delegates its largest partitions (the GPU delegate's `max_delegated_partitions` is 1) are
reported too.

## Why is this bad?
The model still runs, which is why nobody notices: the interpreter logs one line and runs the
op on the CPU.  Each CPU op cuts the delegated graph in two, and every cut costs a copy of the
tensors between accelerator and CPU memory and a synchronisation, so a single unsupported op in
the middle of a network can cost more than it saves.  On an NPU with a small CPU (Ethos-U with
a Cortex-M) the fallback op may dominate the inference time.

## Example
```
$ oplint check fixtures/ethosu/conv_strides.tflite --target ethos-u55
fixtures/ethosu/conv_strides.tflite:sg0:op1: OPL301 [ethos-u55] ethos-u55 does not take CONV_2D (op 1): Unsupported kernel stride: 4, 4 (constraint: Stride>3 is only supported IF (dilation = 1 AND padding = VALID)); it runs on the CPU and splits the delegated graph into 2 partitions
```

## How to fix
Change the op into one the delegate takes (the reason says what: a type, a constant weight, a
smaller stride, a supported activation), move it to the start or end of the graph where a
fallback costs one copy instead of two, or accept it with an ignore that gives the reason
(`[[tool.oplint.ignore-findings]]`).  `--output-format full` shows the partitions.

## References
- LiteRT `tflite/delegates/utils.cc` (GraphPartitionHelper) and `tflite/core/subgraph.cc`
  (ReplaceNodeSubsetsWithDelegateKernels)
- Each delegate's source, cited in the finding's reason (`oplint targets` lists them)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from ..core.findings import Hit, Severity
from ..core.model import Op
from ..delegates.contract import OpVerdict
from ..delegates.delegation import Delegation, analyse
from .rule import Context, Rule

MAX_LISTED = 8


RULE = Rule(
    __doc__,
    "OPL301",
    "delegate-cpu-fallback",
    Severity.WARNING,  # the model runs: slower, not broken (a whole-model refusal is OPL304, an error)
    fires_on=(("ethosu/conv_strides.tflite", "ethos-u55"), ("ethosu/reductions.tflite", "ethos-u55")),
    silent_on=(
        ("ethosu/dilated_conv.tflite", "ethos-u55"),
        ("ethosu/compiled_u55.tflite", "ethos-u55"),
        ("ethosu/bool_input.tflite", "ethos-u55"),
        ("ethosu/conv_strides.tflite", "tflm"),
    ),
)


@RULE.check
def check(ctx: Context) -> Iterator[Hit]:
    delegation = analyse(ctx.model, ctx.target)
    if delegation is None or delegation.compiled or delegation.whole_model_error:
        return
    cpu = list(delegation.cpu_ops(ctx.model))
    if delegation.plan.delegated_ops == 0 and len(cpu) > 1:
        yield _nothing_delegated(ctx, cpu)
        return
    # one finding per op kind and reason; the reason's tensor names do not split a group
    groups: dict[tuple[int, str, tuple[str, ...], bool], list[tuple[Op, OpVerdict]]] = {}
    for op, verdict, dropped in cpu:
        key = (op.graph, op.display, _generic(ctx, op, verdict.reasons), dropped)
        groups.setdefault(key, []).append((op, verdict))
    partitions = delegation.plan.delegated_partitions
    for (_graph, kind, _key, dropped), members in groups.items():
        ops = [op for op, _ in members]
        first = members[0][1]
        hint = (first.hint if not dropped else None) or _hint(delegation, dropped)
        yield Hit(ops[0], _message(ctx, delegation, kind, ops, first.reasons, dropped, partitions), hint)


def _generic(ctx: Context, op: Op, reasons: tuple[str, ...]) -> tuple[str, ...]:
    """The reasons without the op's own tensor names, so that one cause groups its ops."""
    graph = ctx.model.graphs[op.graph]
    names = {t.name for i in (*op.inputs, *op.outputs) if (t := graph.tensor(i) if i >= 0 else None) and t.name}
    if op.name:
        names.add(op.name)
    out = []
    for reason in reasons:
        for name in sorted(names, key=len, reverse=True):
            reason = reason.replace(name, "<tensor>")
        out.append(reason)
    return tuple(out)


def _nothing_delegated(ctx: Context, cpu: list[tuple[Op, OpVerdict, bool]]) -> Hit:
    causes = Counter(
        "taken, but in a partition the delegate does not delegate (too small or beyond its partition limit)"
        if dropped
        else (_generic(ctx, op, v.reasons)[0] if v.reasons else "no reason given")
        for op, v, dropped in cpu
    )
    top = "; ".join(f"{n} op{'s' if n != 1 else ''}: {why}" for why, n in causes.most_common(3))
    more = f" (and {len(causes) - 3} other reasons)" if len(causes) > 3 else ""
    # the way out the most common reason's verdict names, when the delegate gives one
    hints = Counter(v.hint for _op, v, dropped in cpu if v.hint and not dropped)
    hint = hints.most_common(1)[0][0] if hints else None
    return Hit(
        cpu[0][0],
        f"{ctx.target.id} takes none of the model's {len(cpu)} ops, so the whole model runs on the CPU: {top}{more}",
        hint or "fix the most common reason first (often the tensor type: quantize the model as the delegate needs)",
    )


def _message(
    ctx: Context, delegation: Delegation, kind: str, ops: list[Op], reasons: tuple[str, ...], dropped: bool, parts: int
) -> str:
    where = _where(ctx, ops)
    if dropped:
        limit = delegation.plan.limit
        minimum = ctx.target.delegate_options.get("min-nodes-per-partition", 1)
        if limit is not None:
            why = (
                f"the delegate takes {kind} but only delegates its {limit} largest "
                f"partition{'s' if limit != 1 else ''} (max-delegated-partitions = {limit}) of at least "
                f"{minimum} op{'s' if minimum != 1 else ''} (min-nodes-per-partition), and this one is not among them"
            )
        else:
            why = f"the delegate takes {kind} but not in a partition of fewer than {minimum} ops (min-nodes-per-partition)"
        return f"{ctx.target.id} leaves {kind} ({where}) on the CPU: {why}"
    why = "; ".join(r.rstrip(".") for r in reasons) or "the delegate does not take this op"
    text = f"{ctx.target.id} does not take {kind} ({where}): {why}"
    if parts > 1:
        text += f"; it runs on the CPU and splits the delegated graph into {parts} partitions"
    elif parts == 0:
        text += "; nothing in the model is delegated"  # a single-op model
    else:
        text += "; it runs on the CPU"
    return text


def _where(ctx: Context, ops: list[Op]) -> str:
    prefix = f"sg{ops[0].graph} " if len(ctx.model.graphs) > 1 else ""
    indices = [str(op.index) for op in ops[:MAX_LISTED]]
    more = f" and {len(ops) - MAX_LISTED} more" if len(ops) > MAX_LISTED else ""
    label = "op" if len(ops) == 1 else f"{len(ops)} ops:"
    return f"{prefix}{label} {', '.join(indices)}{more}"


def _hint(delegation: Delegation, dropped: bool) -> str:
    if dropped:
        return "remove the CPU ops that split the graph, so that one partition holds the whole model"
    return "change the op as the reason says, or move it to the start or end of the graph; `oplint explain OPL301`"
