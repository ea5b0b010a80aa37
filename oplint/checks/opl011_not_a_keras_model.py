"""An HDF5 file that holds no Keras model.

## What it does
Reports a `.h5` / `.hdf5` file that is a readable HDF5 file without a Keras model in it: no
`model_config` attribute on its root group.  Most often it holds only weights
(`model.save_weights("weights.h5")`, or Keras 3's `*.weights.h5`), otherwise some other data.

## Why is this bad?
There is nothing to convert: `tf.lite.TFLiteConverter` needs the architecture, which a weights
file does not have (`keras.models.load_model` fails with "No model config found in the file").
A directory walk picks up every `.h5` file, so this is a warning, not an error.

## Example
```
$ oplint check fixtures/keras/hdf5/weights_only.h5
fixtures/keras/hdf5/weights_only.h5: OPL011 an HDF5 file with Keras weights but no model (model.save_weights): nothing to check
```

## How to fix
Check the file the model is saved in (`model.save("model.keras")` keeps the architecture), and
exclude weights and data files from the check (`exclude = ["data/*.h5"]` in `[tool.oplint]`).

## References
- https://keras.io/api/models/model_saving_apis/weights_saving_and_loading/
"""

from __future__ import annotations

from ..core.findings import Severity
from ..core.model import ProblemKind
from .rule import Rule

RULE = Rule(
    __doc__,
    "OPL011",
    "not-a-keras-model",
    Severity.WARNING,
    scope="model",
    reports=(ProblemKind.NOT_KERAS,),
    hint="check the file that holds the whole model (model.save('model.keras')); exclude weights and data files",
    vocabulary="tf",
    fires_on=(("keras/hdf5/weights_only.h5", "tflite"), ("keras/hdf5/data_only.h5", "tflite")),
    silent_on=(("keras/models/k3/dense_mlp.h5", "tflite"),),
)
