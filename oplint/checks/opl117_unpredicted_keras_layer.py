"""A Keras layer oplint has no prediction for.

## What it does
Reports a built-in Keras layer whose class, or whose configuration, the layer table
(`rules/keras/layers.toml`) has no row for: oplint cannot say what the converter makes of it.
The table holds what the converter was seen to do (the recorded conversions of
`fixtures/keras/`), so a layer outside it is unknown rather than guessed.

## Why is this bad?
Without a prediction the model's verdict would be a guess.  It is reported as an error on every
target so that a model is never called clean for a layer nobody checked.

## Example
```
$ oplint check fixtures/keras/crafted/unknown_layer.keras --target tflite
fixtures/keras/crafted/unknown_layer.keras:sg0:op0: OPL117 [tflite] HashedCrossing layer 'crossing': no prediction for HashedCrossing layers
```

## How to fix
Convert the model and check the `.tflite` with oplint; accept this finding with an
`ignore-findings` entry whose `reason` says so.  Please report the layer (with its configuration)
so that a row with recorded evidence can be added.

## References
- oplint `rules/keras/layers.toml`, `fixtures/keras/VERDICTS.json`
"""

from __future__ import annotations

from collections.abc import Iterator

from ..analysis.tf_fate import UNKNOWN
from ..core.findings import Hit, Severity
from ..core.model import Op
from ._tf import by_fate
from .rule import Context, Rule

RULE = Rule(
    __doc__,
    "OPL117",
    "unpredicted-keras-layer",
    Severity.ERROR,
    vocabulary="tf",
    fires_on=(("keras/crafted/unknown_layer.keras", "tflite"),),
    silent_on=(("keras/models/k3/dense_mlp.keras", "tflite"), ("keras/models/tfk2/multihead_attention.h5", "tflite")),
)


@RULE.check
def check(ctx: Context) -> Iterator[Hit]:
    hint = "convert the model and check the .tflite; please report the layer so a row can be added"
    for op, text in items(ctx):
        yield Hit(op, text, hint)


def items(ctx: Context) -> list[tuple[Op, str]]:
    """Each layer this rule flags, with why; ``oplint predict`` reads the same list."""
    return [
        (op, f"{op.kind} layer '{op.name}': {pred.reason or 'no prediction'}")
        for op, pred in by_fate(ctx.model, UNKNOWN)
    ]
