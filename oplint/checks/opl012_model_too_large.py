"""The model is larger than oplint reads.

## What it does
Reports a model that goes beyond the reader's documented limits instead of reading it:

* a .tflite with more than 100,000 ops, 250,000 tensors or 10,000 subgraphs (the largest real
  models have about 20,000 ops and tensors);
* a SavedModel graph or frozen GraphDef larger than 1 GiB, or a node declaring more than 4,096
  outputs (real ops have a handful; Split and Unpack up to a few hundred);
* a Keras model whose `config.json` / `model_config` is larger than 32 MiB (it is read through a
  bounded stream: a zip bomb stops there), a `.keras` zip with more than 10,000 entries or 16 MiB
  of central directory, more than 100,000 layer calls, or models nested more than 32 deep.

## Why is this bad?
A model beyond these limits is either not one a converter writes (a few megabytes can describe
millions of tensors that share one table, and a hostile file does exactly that to make a checker
run for minutes or take gigabytes), or one so large that checking it would cost more memory and
time than a pre-commit hook or an editor can spend.  The limits keep every input bounded: any
input under 64 MB is judged in seconds.

## Example
```
$ oplint check fixtures/tflite/too_many_subgraphs.tflite
fixtures/tflite/too_many_subgraphs.tflite: OPL012 the model describes more than 10,000 subgraphs (oplint reads models of up to 10,000 subgraphs)
```

## How to fix
If the file is what a converter wrote, split the model (one signature per file) or keep weights
out of a frozen graph (a SavedModel keeps them in `variables/`).  If it is not, it is corrupt or
made to be hostile: do not ship it.

## References
- oplint `oplint/readers/tflite.py` (`MAX_OPS`, `MAX_TENSORS`, `MAX_SUBGRAPHS`),
  `oplint/readers/savedmodel.py` (`MAX_READ_BYTES`, `MAX_OUTPUTS`), `oplint/readers/keras.py`
  (`MAX_CONFIG_BYTES`, `MAX_ZIP_ENTRIES`, `MAX_CALLS`, `MAX_DEPTH`)
"""

from __future__ import annotations

from ..core.findings import Severity
from ..core.model import ProblemKind
from .rule import Rule

RULE = Rule(
    __doc__,
    "OPL012",
    "model-too-large",
    Severity.ERROR,
    scope="model",
    reports=(ProblemKind.TOO_LARGE,),
    hint="split the model, or keep weights out of the graph; a file a converter did not write is not a model",
    fires_on=(("tflite/too_many_subgraphs.tflite", "tflite"), ("keras/crafted/zip_bomb.keras", "tflite")),
    silent_on=(("tflite/conv_float.tflite", "tflite"),),
)
