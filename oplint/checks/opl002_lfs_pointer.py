"""A Git LFS pointer was committed or checked out instead of the model.

## What it does
Recognises the small text file Git LFS leaves in place of a large file
(`version https://git-lfs.github.com/spec/v1` ...), and reports it instead of a parse error.

## Why is this bad?
The build or app ships a 130-byte text file where the model should be.  The interpreter fails
with an identifier or verification error that does not say why, typically in a CI job or a
container that cloned the repository without `git lfs pull`.

## Example
```
$ oplint check fixtures/tflite/lfs_pointer.tflite
fixtures/tflite/lfs_pointer.tflite: OPL002 this is a Git LFS pointer (sha256:4d7a214614ab2..., 1,234,567 bytes), not the model; run `git lfs pull`
```

## How to fix
Run `git lfs pull` (or `git lfs checkout`) in the checkout, or enable LFS in the CI checkout
step (`actions/checkout` with `lfs: true`).

## References
- Git LFS pointer format: https://github.com/git-lfs/git-lfs/blob/main/docs/spec.md
"""

from __future__ import annotations

from ..core.findings import Severity
from ..core.model import ProblemKind
from .rule import Rule

RULE = Rule(
    __doc__,
    "OPL002",
    "lfs-pointer",
    Severity.ERROR,
    scope="model",
    reports=(ProblemKind.LFS_POINTER,),
    hint="fetch the real file with `git lfs pull`",
    fires_on=(("tflite/lfs_pointer.tflite", "tflite"),),
    silent_on=(("tflite/conv_float.tflite", "tflite"),),
)
