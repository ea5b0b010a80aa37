"""A Flex op whose TF op is not on the Select TF allowlist.

## What it does
On targets that run Select TF ops (`tflite-flex`), flags `Flex*` custom ops whose TensorFlow
op is not in the converter's Flex allowlist, and (as a warning) ops that are allowlisted only
when TF Text or SentencePiece kernels are linked into the runtime.

## Why is this bad?
The converter only emits allowlisted ops as Flex ops, and LiteRT tests that every allowlisted
op has a kernel in the Select TF build.  An op outside the list got into the model through
`allow_all_select_tf_ops`/`select_user_tf_ops` or a hand-edited model; stock Select TF builds
are not guaranteed to carry its kernel, and mobile builds with selective registration will not.

## Example
```
$ oplint check fixtures/tflite/flex_svd.tflite --target tflite-flex
fixtures/tflite/flex_svd.tflite:sg0:op0: OPL103 [tflite-flex] FlexSvd runs TF op Svd, which is not on the Select TF allowlist
```

## How to fix
Build the Flex delegate with the op's kernel (`tflite_flex_cc_library(models=[...])` or
`tflite_flex_shared_library`), or replace the op.

## References
- LiteRT `tflite/converter/delegates/flex/allowlisted_flex_ops.cc`
- LiteRT `tflite/delegates/flex/allowlisted_flex_ops_test.cc` (`EveryOpHasKernel`)
"""

from __future__ import annotations

from collections.abc import Iterator

from ..core.findings import Hit, Severity
from .rule import Context, Rule

RULE = Rule(
    __doc__,
    "OPL103",
    "flex-op-not-allowlisted",
    Severity.WARNING,
    fires_on=(("tflite/flex_svd.tflite", "tflite-flex"),),
    silent_on=(("tflite/flex_erf.tflite", "tflite-flex"),),
)


@RULE.check
def check(ctx: Context) -> Iterator[Hit]:
    target = ctx.target
    if not target.flex:
        return
    for op in ctx.model.ops():
        name = op.flex_op
        if name is None or name in target.flex_allowlist:
            continue
        library = target.flex_conditional.get(name)
        if library:
            yield Hit(
                op,
                f"{op.custom_code} runs TF op {name}, which needs {library} kernels linked into the Flex runtime",
                f"link the {library} ops into your Select TF build",
            )
        else:
            yield Hit(
                op,
                f"{op.custom_code} runs TF op {name}, which is not on the Select TF allowlist",
                "build the Flex delegate with this op's kernel, or replace the op",
            )
