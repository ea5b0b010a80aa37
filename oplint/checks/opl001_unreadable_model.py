"""The file cannot be read as a model.

## What it does
Reports a path that oplint was asked to check but cannot parse: an empty file, a
truncated or corrupt flatbuffer (an offset or vector that runs past the end of the file),
a file whose flatbuffer identifier is not `TFL3`, a directory that is not a SavedModel, or
a file that cannot be opened.

## Why is this bad?
Every runtime rejects such a file at load time (`Could not open`, `Model provided has model
identifier ...`, a crash in an unverified reader on a microcontroller).  A broken artifact in a
release is usually an interrupted copy or upload, or the wrong file under the right name.

## Example
```
$ oplint check fixtures/tflite/truncated.tflite
fixtures/tflite/truncated.tflite: OPL001 corrupt or truncated TFLite flatbuffer: table at byte 684 runs past the end of the file (656 bytes)
```

## How to fix
Re-export or re-download the model and compare its size and checksum with the source.
If the path is not meant to be a model, exclude it (`exclude` in `[tool.oplint]`).

## References
- LiteRT `tflite/converter/schema/schema.fbs` (`file_identifier "TFL3"`)
- FlatBuffers verifier: https://flatbuffers.dev/flatbuffers_guide_use_cpp.html
"""

from __future__ import annotations

from ..core.findings import Severity
from ..core.model import ProblemKind
from .rule import Rule

RULE = Rule(
    __doc__,
    "OPL001",
    "unreadable-model",
    Severity.ERROR,
    scope="model",
    reports=(ProblemKind.UNREADABLE,),
    hint="check that the file is a complete .tflite flatbuffer (re-export or re-download it)",
    fires_on=(("tflite/truncated.tflite", "tflite"), ("tflite/empty.tflite", "tflite")),
    silent_on=(("tflite/conv_float.tflite", "tflite"),),
)
