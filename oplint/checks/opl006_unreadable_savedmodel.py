"""The SavedModel or GraphDef protobuf cannot be parsed.

## What it does
Reports a `saved_model.pb`, `saved_model.pbtxt` or frozen GraphDef `.pb` that the protobuf
parser rejects (truncated, corrupt bytes, invalid UTF-8 in a string field, wrong message type),
one with no MetaGraph or no nodes, or a file of 2 GB or more (the protobuf limit, which
TensorFlow's own loader shares).

## Why is this bad?
`tf.lite.TFLiteConverter.from_saved_model` fails with `Error parsing message` or `SavedModel
file does not exist` before converting anything; `tf.saved_model.load` fails the same way.
A broken model file is usually an interrupted copy, a Git LFS pointer or a text file saved
under the binary name.

## Example
```
$ oplint check fixtures/savedmodel/corrupt
fixtures/savedmodel/corrupt: OPL006 corrupt or truncated SavedModel protobuf (4,021 bytes): Error parsing message with type 'oplint.tf.SavedModel': Wire format was corrupt
```

## How to fix
Re-export the model (`tf.saved_model.save` or Keras `model.export`), or copy it again and
compare sizes.  Keep weights in `variables/` rather than as graph constants to stay far below
2 GB.

## References
- TensorFlow `tensorflow/core/protobuf/saved_model.proto`, `tensorflow/cc/saved_model/reader.cc`
- https://protobuf.dev/programming-guides/encoding/
"""

from __future__ import annotations

from ..core.findings import Severity
from ..core.model import ProblemKind
from .rule import Rule

RULE = Rule(
    __doc__,
    "OPL006",
    "unreadable-savedmodel",
    Severity.ERROR,
    scope="model",
    reports=(ProblemKind.UNREADABLE_TF,),
    hint="re-export the SavedModel, or copy it again and compare sizes",
    vocabulary="tf",
    fires_on=(("savedmodel/corrupt", "tflite"),),
    silent_on=(("savedmodel/conv_ok", "tflite"),),
)
