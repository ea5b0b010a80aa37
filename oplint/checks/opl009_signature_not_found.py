"""The requested signature is not in the SavedModel.

## What it does
Reports a `--signature` (or `signature` in `[tool.oplint]`) that names no signature of the
SavedModel, and lists the ones it has; nothing else of the model is checked.  A frozen
GraphDef has no signatures at all.

## Why is this bad?
`TFLiteConverter.from_saved_model(path, signature_keys=[...])` fails with `Invalid signature
key` for the same name; a check of the wrong signature would report nothing.

## Example
```
$ oplint check fixtures/savedmodel/erf_debug --signature predict
fixtures/savedmodel/erf_debug: OPL009 no signature 'predict' in the SavedModel (signatures: other, serving_default)
```

## How to fix
Pass one of the listed signatures (`saved_model_cli show --dir DIR` lists them too), or
export the function under that name (`tf.saved_model.save(m, path, signatures={...})`).

## References
- TensorFlow `tensorflow/python/saved_model/signature_serialization.py`
- https://www.tensorflow.org/guide/saved_model#specifying_signatures_during_export
"""

from __future__ import annotations

from ..core.findings import Severity
from ..core.model import ProblemKind
from .rule import Rule

RULE = Rule(
    __doc__,
    "OPL009",
    "signature-not-found",
    Severity.ERROR,
    scope="model",
    reports=(ProblemKind.SIGNATURE,),
    hint="pass one of the listed signatures with --signature",
    vocabulary="tf",
    fires_on=(("savedmodel/erf_debug", "tflite+signature=predict"),),
    silent_on=(("savedmodel/erf_debug", "tflite"),),
)
