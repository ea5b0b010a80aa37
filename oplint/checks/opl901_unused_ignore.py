"""An ignore or baseline entry that no longer matches anything.

## What it does
After a run, reports each `[tool.oplint.per-file-ignores]` pattern and
`[[tool.oplint.ignore-findings]]` entry whose path matched at least one linted model but that
suppressed no finding, and baseline entries for linted models that no finding matched.  It is
reported on the configuration file, not on a model.

## Why is this bad?
A stale ignore is a hole waiting for the next regression: the finding it was written for is
gone (the model was fixed or re-exported), but a new finding with the same code at the same
place would be silenced without anyone looking at it.  Stale baseline entries make the baseline
a worse record of what was accepted.

## Example
```
$ oplint check fixtures/tflite/conv_int8.tflite --config fixtures/config/stale_ignore.toml
fixtures/config/stale_ignore.toml: OPL901 ignore-findings entry 1 (OPL101 in '../tflite/conv_int8.tflite') matched no finding
```

## How to fix
Delete the entry, or regenerate the baseline with `oplint check --write-baseline`.

## References
- ruff's `RUF100` (unused `noqa`) is the same idea for source files
"""

from __future__ import annotations

from ..core.findings import Severity
from .rule import Rule

RULE = Rule(
    __doc__,
    "OPL901",
    "unused-ignore",
    Severity.WARNING,
    hint="remove the entry, or rewrite the baseline with --write-baseline",
    scope="model",  # reported by the API after a run, from the suppressions that matched nothing
    fires_on=(("tflite/conv_int8.tflite", "tflite+config=stale_ignore.toml"),),
    silent_on=(("tflite/conv_int8.tflite", "tflite"),),
)
