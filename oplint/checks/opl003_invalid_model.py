"""The model parses but is structurally invalid for every runtime.

## What it does
Reports structural defects the reader found while walking a model that otherwise parses:
no subgraphs, an op whose opcode index or tensor index is out of range, a tensor or
metadata entry that refers to a missing buffer.

## Why is this bad?
The TFLite interpreter refuses such a model when it builds the graph (`Invalid tensor index 7
in node inputs`, `No subgraph in the model`), and TensorFlow Lite Micro, which does not verify
models on the device, reads out of bounds (its Python interpreter crashes on such files).
These files usually come from hand-edited or tool-rewritten flatbuffers.

## Example
```
$ oplint check fixtures/tflite/bad_tensor_index.tflite
fixtures/tflite/bad_tensor_index.tflite: OPL003 subgraph 0 op 0 (ADD) refers to tensor 7, but the subgraph has 3 tensors
```

## How to fix
Re-convert the model with the TFLite converter, or fix the tool that rewrote it.  Run the
file through `flatc --json` with `schema.fbs` to inspect the offending entries.

## References
- LiteRT `tflite/core/model_builder.cc`, `tflite/core/interpreter_builder.cc`
"""

from __future__ import annotations

from ..core.findings import Severity
from ..core.model import ProblemKind
from .rule import Rule

RULE = Rule(
    __doc__,
    "OPL003",
    "invalid-model",
    Severity.ERROR,
    scope="model",
    reports=(ProblemKind.INVALID,),
    hint="re-convert the model; the file was written or edited by a tool that broke it",
    fires_on=(("tflite/bad_tensor_index.tflite", "tflite"), ("tflite/bad_tensor_index.tflite", "tflm")),
    silent_on=(("tflite/conv_float.tflite", "tflite"),),
)
