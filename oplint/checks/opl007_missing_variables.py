"""The signature reads variables, but the SavedModel has no `variables/` checkpoint.

## What it does
Reports a SavedModel whose converted signature reads variables (`VarHandleOp` /
`ReadVariableOp`) while `variables/variables.index` is missing next to `saved_model.pb`.

## Why is this bad?
The converter freezes every variable into a constant by restoring the checkpoint; without it
`TFLiteConverter.from_saved_model` fails (`Failed to restore variables` / `variables.index
not found`).  It usually happens when only `saved_model.pb` was copied or committed.

## Example
```
$ oplint check fixtures/savedmodel/no_variables
fixtures/savedmodel/no_variables: OPL007 the signature reads variables, but variables/variables.index is missing: the converter cannot freeze the weights
```

## How to fix
Copy the whole SavedModel directory (`saved_model.pb`, `variables/`, `assets/`), or track
`variables/*` with Git LFS.

## References
- TensorFlow `tensorflow/cc/saved_model/loader.cc` (`RestoreSession`)
- https://www.tensorflow.org/guide/saved_model#the_savedmodel_format_on_disk
"""

from __future__ import annotations

from ..core.findings import Severity
from ..core.model import ProblemKind
from .rule import Rule

RULE = Rule(
    __doc__,
    "OPL007",
    "missing-variables",
    Severity.ERROR,
    scope="model",
    reports=(ProblemKind.MISSING_VARIABLES,),
    hint="copy the SavedModel's variables/ folder along with saved_model.pb",
    vocabulary="tf",
    fires_on=(("savedmodel/no_variables", "tflite"),),
    silent_on=(("savedmodel/conv_ok", "tflite"),),
)
