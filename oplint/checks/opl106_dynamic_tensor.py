"""An op output without a static shape, on a runtime that cannot resize tensors.

## What it does
On targets that plan memory once (TensorFlow Lite Micro), checks that every op output has a
static shape: no dimension of 0 or less in the stored `shape` (the runtime ignores
`shape_signature`), and for elementwise ops an output shape equal to the broadcast of the input
shapes.  A converter writes a placeholder shape (often `[]`) when it could not infer the
output's shape and leaves the interpreter to resize the tensor at run time.

## Why is this bad?
TFLite resizes such tensors while running; TensorFlow Lite Micro cannot.  It stops with
`Op#3 (RESHAPE) of subgraph 0 has dynamic tensor #7 Dynamic tensors are not supported`, or a
kernel reads past a tensor that was planned as a scalar.

## Example
```
$ oplint check fixtures/tflite/add_unknown_shape.tflite --target tflm
fixtures/tflite/add_unknown_shape.tflite:sg0:op0: OPL106 [tflm] ADD 'add' writes add (float32[scalar]), but its inputs broadcast to [1, 2, 2]: the shape is only known at run time
```

## How to fix
Export with fully static input shapes (a fixed batch size and resolution:
`tf.TensorSpec([1, 96, 96, 1])` in the concrete function), so the converter can infer every
shape, and avoid ops whose output size depends on data (`tf.where`, `tf.unique`, ...).

## References
- tflite-micro `tensorflow/lite/micro/micro_interpreter_graph.cc` (`CheckDynamicTensors`)
"""

from __future__ import annotations

from collections.abc import Iterator

from ..core.findings import Hit, Severity
from ..core.model import Graph, Model, Op
from .rule import Context, Rule

#: ops whose output shape is the broadcast of their inputs' shapes (TFLite elementwise kernels)
ELEMENTWISE = frozenset(
    {
        "ADD",
        "SUB",
        "MUL",
        "DIV",
        "MAXIMUM",
        "MINIMUM",
        "SQUARED_DIFFERENCE",
        "POW",
        "FLOOR_DIV",
        "FLOOR_MOD",
        "LESS",
        "LESS_EQUAL",
        "GREATER",
        "GREATER_EQUAL",
        "EQUAL",
        "NOT_EQUAL",
        "LOGICAL_AND",
        "LOGICAL_OR",
        "ABS",
        "NEG",
        "EXP",
        "LOG",
        "SQRT",
        "RSQRT",
        "SQUARE",
        "SIN",
        "COS",
        "TANH",
        "LOGISTIC",
        "RELU",
        "RELU6",
        "RELU_N1_TO_1",
        "RELU_0_TO_1",
        "LEAKY_RELU",
        "HARD_SWISH",
        "ELU",
        "FLOOR",
        "CEIL",
        "ROUND",
        "LOGICAL_NOT",
    }
)


RULE = Rule(
    __doc__,
    "OPL106",
    "dynamic-tensor",
    Severity.ERROR,
    fires_on=(("tflite/add_unknown_shape.tflite", "tflm"),),
    silent_on=(("tflite/add_unknown_shape.tflite", "tflite"), ("tflite/dynamic_batch.tflite", "tflm")),
)


@RULE.check
def check(ctx: Context) -> Iterator[Hit]:
    if ctx.target.limits.dynamic_tensors or ctx.model.format != "tflite":
        return
    for op, text in ctx.model.derived("dynamic-outputs", lambda: _dynamic_outputs(ctx.model)):
        yield Hit(op, text, "export with static input shapes so the converter can infer every shape")


def _dynamic_outputs(model: Model) -> list[tuple[Op, str]]:
    """Every op whose output is sized at run time (the same for every target that refuses them)."""
    found = []
    for graph in model.graphs:
        for op in graph.ops:
            text = _dynamic_output(graph, op)
            if text:
                found.append((op, text))
    return found


def _dynamic_output(graph: Graph, op: Op) -> str | None:
    where = f"{op.display} '{op.name}'" if op.name else op.display
    for t in op.outputs:
        tensor = graph.tensor(t)
        if tensor is None or tensor.shape is None:
            continue
        if tensor.shape == (0,):
            continue  # the legacy scalar shape, accepted by CheckDynamicTensors
        if any(d <= 0 for d in tensor.shape):
            return f"{where} writes {tensor.describe()} with a dimension <= 0: its size is only known at run time"
    if op.kind in ELEMENTWISE and len(op.outputs) == 1:
        out = graph.tensor(op.outputs[0])
        shapes = [graph.tensor(t) for t in op.inputs if t >= 0]
        if out is None or any(s is None for s in shapes) or not shapes:
            return None
        expected = _broadcast([s.shape for s in shapes if s is not None and s.shape is not None])
        if expected is not None and out.shape is not None and tuple(out.shape) != expected:
            dims = ", ".join(str(d) for d in expected)
            return (
                f"{where} writes {out.describe()}, but its inputs broadcast to [{dims}]: "
                "the shape is only known at run time"
            )
    return None


def _broadcast(shapes: list[tuple[int, ...]]) -> tuple[int, ...] | None:
    rank = max(len(s) for s in shapes)
    out = []
    for i in range(rank):
        dims = {s[len(s) - rank + i] for s in shapes if len(s) - rank + i >= 0}
        dims.discard(1)
        if len(dims) > 1:
            return None  # not broadcastable: another rule's business
        out.append(dims.pop() if dims else 1)
    return tuple(out)
