"""Tensor shapes that contradict the op's own parameters.

## What it does
Checks shape relations that every TFLite kernel enforces when it prepares the op and that no
runtime can repair, because they are fixed in the file:

- `SQUEEZE`: every entry of `squeeze_dims` must name a dimension of size 1;
- `SVDF`: `num_filters` (weights_feature rows) must be a multiple of `rank`, and the output
  must be `[batch, num_filters / rank]`.

## Why is this bad?
The interpreter refuses the op at `AllocateTensors()` on every runtime
(`squeeze.cc current >= 0 && current < input_num_dims && input_dims->data[current] == 1 was
not true`, `svdf_common.cc output->dims->data[1] != num_units (4 != 6)`).  Such files come from
tools that rewrote shapes, or from graphs edited after conversion.

## Example
```
$ oplint check fixtures/tflite/squeeze_bad_dims.tflite
fixtures/tflite/squeeze_bad_dims.tflite:sg0:op0: OPL005 SQUEEZE 'squeezed': squeeze_dims names dimension 1 of x (float32[1x3x1]), which has size 3
```

## How to fix
Re-convert the model from its source; if a tool rewrote the graph, fix the tool.

## References
- LiteRT `tflite/kernels/squeeze.cc`, `tflite/kernels/svdf.cc`
- tflite-micro `tensorflow/lite/micro/kernels/squeeze.cc`, `svdf_common.cc`
"""

from __future__ import annotations

from collections.abc import Iterator

from ..core.findings import Hit, Severity
from ..core.model import Graph, Op
from .rule import Context, Rule

RULE = Rule(
    __doc__,
    "OPL005",
    "inconsistent-shapes",
    Severity.ERROR,
    scope="model",
    fires_on=(("tflite/squeeze_bad_dims.tflite", "tflite"),),
    silent_on=(("tflite/conv_float.tflite", "tflite"),),
)


@RULE.check
def check(ctx: Context) -> Iterator[Hit]:
    for graph in ctx.model.graphs:
        for op in graph.ops:
            problem = None
            if op.kind == "SQUEEZE":
                problem = _squeeze(graph, op)
            elif op.kind == "SVDF":
                problem = _svdf(graph, op)
            if problem:
                yield Hit(op, f"{op.kind} '{op.name}': {problem}", "re-convert the model; its shapes were edited")


def _squeeze(graph: Graph, op: Op) -> str | None:
    x = graph.tensor(op.inputs[0]) if op.inputs and op.inputs[0] >= 0 else None
    dims = op.options.get("squeeze_dims") or ()
    if x is None or x.shape is None:
        return None
    rank = len(x.shape)
    for d in dims:
        current = d + rank if d < 0 else d
        if not 0 <= current < rank:
            return f"squeeze_dims names dimension {d}, but {x.describe()} has rank {rank}"
        if x.shape[current] != 1:
            return f"squeeze_dims names dimension {d} of {x.describe()}, which has size {x.shape[current]}"
    return None


def _svdf(graph: Graph, op: Op) -> str | None:
    if len(op.inputs) < 2 or not op.outputs:
        return None
    weights, out = graph.tensor(op.inputs[1]), graph.tensor(op.outputs[0])
    rank = int(op.options.get("rank", 0) or 0)
    if weights is None or out is None or not weights.shape or rank <= 0:
        return None
    num_filters = weights.shape[0]
    if num_filters % rank:
        return f"num_filters {num_filters} (weights_feature rows) is not a multiple of rank {rank}"
    if out.shape is not None and len(out.shape) == 2 and out.shape[1] != num_filters // rank:
        return (
            f"output {out.describe()} should have {num_filters // rank} units (num_filters {num_filters} / rank {rank})"
        )
    return None
