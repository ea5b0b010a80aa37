"""The Keras model file cannot be read.

## What it does
Reports a `.keras` or `.h5` file whose Keras model oplint cannot read as data: not a zip (or a
truncated one), a zip without `config.json`, a `config.json` or `model_config` that is not JSON
or does not describe a model (layers that read layers which do not exist, a cycle), an HDF5 file
that is truncated, corrupt (a checksum mismatch) or stored in a layout Keras does not write
(dense attribute storage), and files that are refused on purpose: zip members whose names escape
the archive (`../`), encrypted members.  Files beyond the reader's size limits are OPL012.

## Why is this bad?
`keras.models.load_model` and `tf.lite.TFLiteConverter.from_keras_model` fail on the same file,
usually because it was copied incompletely, saved under the wrong name, or is not what it claims
to be.  A `.keras` file with path-traversal member names was not written by Keras: extracting it
with a careless tool writes outside the folder.  oplint never extracts anything; it refuses it.

## Example
```
$ oplint check fixtures/keras/crafted/traversal.keras
fixtures/keras/crafted/traversal.keras: OPL010 a zip member name that escapes the archive: '../../escape.txt' (refused)
```

## How to fix
Save the model again with Keras (`model.save("model.keras")`), or copy it again and compare
sizes.  Do not load a `.keras` file from an unknown source with Keras: a Lambda layer's code runs
when it is loaded (CVE-2025-1550 even with `safe_mode`).

## References
- https://keras.io/api/models/model_saving_apis/model_saving_and_loading/
- HDF5 File Format Specification 3.0, https://docs.hdfgroup.org/hdf5/latest/_f_m_t3.html
- oplint `fixtures/keras/HDF5.md` (what the reader reads and why)
"""

from __future__ import annotations

from ..core.findings import Severity
from ..core.model import ProblemKind
from .rule import Rule

RULE = Rule(
    __doc__,
    "OPL010",
    "unreadable-keras-model",
    Severity.ERROR,
    scope="model",
    reports=(ProblemKind.UNREADABLE_KERAS,),
    hint="save the model again with Keras (model.save('model.keras')), or copy it again and compare sizes",
    vocabulary="tf",
    fires_on=(("keras/crafted/traversal.keras", "tflite"), ("keras/crafted/truncated.keras", "tflite")),
    silent_on=(("keras/models/k3/dense_mlp.keras", "tflite"), ("keras/models/tfk2/dense_mlp.h5", "tflite")),
)
