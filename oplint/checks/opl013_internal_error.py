"""oplint failed while checking the model.

## What it does
Reports a model on which oplint itself raised an unexpected error while reading or checking it.
The other models of the run are still checked and reported; the run exits with status 1, not 2.

## Why is this bad?
The model was not checked, so nothing is known about whether it runs on the targets.  It is a
bug in oplint (or a file shaped in a way nobody foresaw), not a verdict about the model.

## Example
```
$ oplint check fixtures/tflite/conv_float.tflite
fixtures/tflite/conv_float.tflite: OPL013 oplint failed while checking this model: ZeroDivisionError: division by zero (please report it with the model)
```
(The test suite makes a check raise to show it; a real occurrence names the real error.)

## How to fix
Report it (with the model if you can) at the project's issue tracker.  Meanwhile the finding can
be accepted with an ignore entry that names the model, so the other models still gate the
release.

## References
- ruff and flake8 report a checker's crash on one file the same way and carry on
"""

from __future__ import annotations

from ..core.findings import Severity
from ..core.model import ProblemKind
from .rule import Rule

RULE = Rule(
    __doc__,
    "OPL013",
    "internal-error",
    Severity.ERROR,
    scope="model",
    reports=(ProblemKind.INTERNAL,),
    hint="this is a bug in oplint: please report it with the model if you can",
    fires_on=(("tflite/conv_float.tflite", "tflite+crash"),),
    silent_on=(("tflite/conv_float.tflite", "tflite"),),
)
