"""The target has the op, but not in this configuration (ranks, constant or optional inputs).

## What it does
Checks what a kernel's `Prepare` requires of an op's tensors besides their types, as read from
the kernel source into the target table:

- tensor ranks (`rank-limits`, `max-rank`): e.g. TFLite Micro's `BROADCAST_TO` takes 1-5D,
  its `TRANSPOSE` needs a 1-D permutation;
- inputs that must be constant (`IsConstantTensor`): e.g. the `shape` of `RESHAPE`-like ops
  on targets that cannot resize at run time;
- optional inputs that must be left out: TFLM's `UNIDIRECTIONAL_SEQUENCE_LSTM` has no peephole,
  projection or layer-norm support;
- op intermediates that must be empty (TFLM plans no memory for them).

## Why is this bad?
The op resolves, the model loads, and the node fails to prepare on the device:
`BroadcastTo only supports 1-5D tensor`, `internal_tensors_[i] == nullptr was not true`,
`Does not support intermediate tensor with non-zero size`.

## Example
```
$ oplint check fixtures/tflite/lstm_projection.tflite --target tflm
fixtures/tflite/lstm_projection.tflite:sg0:op0: OPL105 [tflm] UNIDIRECTIONAL_SEQUENCE_LSTM 'lstm' uses optional input 16, which the TensorFlow Lite Micro kernel requires left out
```

## How to fix
Reshape to a rank the kernel accepts, fold dynamic inputs into constants before conversion,
or use the plain variant of the layer (for LSTMs: no peepholes, projection or layer norm).

## References
- tflite-micro `tensorflow/lite/micro/kernels/*.cc` (the checks each table entry cites)
- tflite-micro `tensorflow/lite/micro/kernels/lstm_eval.cc`, `micro_allocation_info.cc`
"""

from __future__ import annotations

from collections.abc import Iterator

from ..core.findings import Hit, Severity
from ..core.model import Graph, Op
from ..knowledge.targets import OpSupport, Target
from .rule import Context, Rule

RULE = Rule(
    __doc__,
    "OPL105",
    "unsupported-op-configuration",
    Severity.ERROR,
    fires_on=(("tflite/lstm_projection.tflite", "tflm"), ("tflite/broadcast_to_6d.tflite", "tflm")),
    silent_on=(("tflite/lstm_projection.tflite", "tflite"), ("tflite/conv_int8.tflite", "tflm")),
)


@RULE.check
def check(ctx: Context) -> Iterator[Hit]:
    target = ctx.target
    for graph in ctx.model.graphs:
        for op in graph.ops:
            if not ctx.on_cpu(op):
                continue
            support = target.support(op.kind, op.custom_code)
            if support is not None and _has_op_checks(support):
                yield from _op_checks(target, graph, op, support)
            if not target.limits.nonempty_intermediates:
                yield from _intermediates(target, graph, op)


def _has_op_checks(support: OpSupport) -> bool:
    return bool(support.rank_limits or support.max_rank is not None or support.constant_inputs or support.absent_inputs)


def _where(op: Op) -> str:
    return f"{op.kind if op.kind != 'CUSTOM' else op.custom_code} '{op.name}'" if op.name else op.display


def _op_checks(target: Target, graph: Graph, op: Op, support: OpSupport) -> Iterator[Hit]:
    positions = {f"in{i}": t for i, t in enumerate(op.inputs)}
    positions.update({f"out{i}": t for i, t in enumerate(op.outputs)})
    limits = dict(support.rank_limits)
    if support.max_rank is not None and "in0" not in limits:
        limits["in0"] = (0, support.max_rank)
    for pos, (lo, hi) in sorted(limits.items()):
        tensor = graph.tensor(positions.get(pos, -1)) if positions.get(pos, -1) >= 0 else None
        if tensor is None or tensor.shape is None:
            continue
        rank = len(tensor.shape)
        if not lo <= rank <= hi:
            bound = f"rank {lo}" if lo == hi else (f"rank {lo} or more" if hi >= 99 else f"rank {lo}-{hi}")
            yield Hit(
                op,
                f"{_where(op)}: {pos} {tensor.describe()} has rank {rank}; the {target.runtime_title} kernel takes {bound}",
                "reshape the tensor to a rank the kernel supports before this op",
            )
    for pos in sorted(support.constant_inputs):
        index = positions.get(pos, -1)
        tensor = graph.tensor(index) if index >= 0 else None
        if tensor is not None and not tensor.is_const:
            yield Hit(
                op,
                f"{_where(op)}: {pos} {tensor.describe()} must be a constant for the {target.runtime_title} kernel",
                "make the value a constant in the exported graph (fold it at conversion)",
            )
    present = sorted((pos for pos in support.absent_inputs if positions.get(pos, -1) >= 0), key=lambda p: int(p[2:]))
    if present:
        numbers = ", ".join(p[2:] for p in present)
        noun = "input" if len(present) == 1 else "inputs"
        yield Hit(
            op,
            f"{_where(op)} uses optional {noun} {numbers}, which the {target.runtime_title} kernel requires left out",
            "use the plain variant of the layer (no peephole, projection or layer norm for LSTMs)",
        )


def _intermediates(target: Target, graph: Graph, op: Op) -> Iterator[Hit]:
    for index in op.intermediates:
        tensor = graph.tensor(index)
        if tensor is None or tensor.shape is None:
            continue
        elements = 1
        for d in tensor.shape:
            elements *= max(d, 0)
        if elements:
            yield Hit(
                op,
                f"{_where(op)} has intermediate tensor {tensor.describe()} with {elements} elements; "
                f"{target.runtime_title} supports only empty intermediates",
                "re-convert without the calibration statistics kept as intermediates",
            )
            return
