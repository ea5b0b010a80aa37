"""Functions that call themselves, or nest deeper than oplint follows.

## What it does
While following the signature into the function library, reports a function that calls
itself (directly or through others), function calls nested more than 64 deep, or a walk
that reaches more than two million nodes.  The walk stops there; the rest is not checked.

## Why is this bad?
The converter inlines every `PartitionedCall`/`StatefulPartitionedCall`; a call cycle cannot
be inlined and makes conversion fail (or never end).  Such graphs come from hand-edited or
tool-rewritten protobufs, not from `tf.function`.

## Example
```
$ oplint check fixtures/savedmodel/call_cycle
fixtures/savedmodel/call_cycle: OPL008 function call cycle: __call__ -> __call__; the converter cannot inline it
```

## How to fix
Re-export the model from its Python source; fix the tool that rewrote the graph.

## References
- TensorFlow `tensorflow/core/common_runtime/function_utils.cc`, `inline_function_utils.cc`
- LiteRT `tflite/converter/transforms/` (the converter inlines every call before legalization)
"""

from __future__ import annotations

from ..core.findings import Severity
from ..core.model import ProblemKind
from .rule import Rule

RULE = Rule(
    __doc__,
    "OPL008",
    "function-call-cycle",
    Severity.ERROR,
    scope="model",
    reports=(ProblemKind.CALL_GRAPH,),
    hint="re-export the model; a graph with call cycles cannot be converted",
    vocabulary="tf",
    fires_on=(("savedmodel/call_cycle", "tflite"),),
    silent_on=(("savedmodel/control_flow", "tflite"),),
)
