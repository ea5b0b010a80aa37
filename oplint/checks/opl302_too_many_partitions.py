"""The delegated graph splits into more partitions than allowed.

## What it does
Simulates how the interpreter partitions the graph for the delegate (the greedy epoch
partitioning of `tflite/graph_info.cc`) and reports a graph whose delegated ops form more
partitions than `max-partitions` (default 3, the NNAPI delegate's own default limit; set it
with `--max-partitions` or `max-partitions` in `[tool.oplint]`).  The finding shows the
partitions and the ops that separate them.

## Why is this bad?
Every partition is a separate delegate kernel: between two of them the tensors are copied
between accelerator and CPU memory, the accelerator synchronises with the CPU, and on GPUs
each partition has its own shader program set-up.  Past a few partitions delegation can be
slower than the CPU alone, and some delegates simply drop the smaller partitions (the GPU
delegate keeps one, NNAPI three), so the ops in them run on the CPU after all.

## Example
```
$ oplint check fixtures/ethosu/conv_strides.tflite --target ethos-u55 --max-partitions 1
fixtures/ethosu/conv_strides.tflite: OPL302 [ethos-u55] ethos-u55 splits the graph into 2 delegated partitions (more than 1): [0 delegated] [1 CPU CONV_2D] [2 delegated]; delegated 2 of 3 ops, 93% of the estimated MACs
```

## How to fix
Fix the CPU-fallback ops between the partitions first (OPL301 names them and the reason), or
move them to the beginning or end of the graph.  If the split is acceptable, raise
`max-partitions`.

## References
- LiteRT `tflite/graph_info.cc` (PartitionGraphIntoIndependentNodeSubsets)
- LiteRT `tflite/delegates/nnapi/nnapi_delegate.h` (`max_number_delegated_partitions = 3`),
  `tflite/delegates/gpu/delegate_options.cc` (`max_delegated_partitions = 1`)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from ..core.findings import Hit, Severity
from ..delegates.delegation import analyse, pictures
from .rule import Context, Option, Rule

RULE = Rule(
    __doc__,
    "OPL302",
    "too-many-partitions",
    Severity.WARNING,
    options=(
        # the default is NNAPI's own ``max_number_delegated_partitions`` (tflite/delegates/nnapi/nnapi_delegate.h)
        Option("max-partitions", "count", 3, "delegated partitions a graph may split into before OPL302 warns"),
    ),
    fires_on=(("ethosu/float_islands.tflite", "ethos-u55+partitions=1"),),
    silent_on=(
        ("ethosu/float_islands.tflite", "ethos-u55"),
        ("ethosu/float_islands.tflite", "ethos-u55+partitions=2"),
        ("ethosu/dilated_conv.tflite", "ethos-u55+partitions=1"),
    ),
)


@RULE.check
def check(ctx: Context) -> Iterator[Hit]:
    delegation = analyse(ctx.model, ctx.target)
    if delegation is None or delegation.compiled or delegation.whole_model_error:
        return
    limit = ctx.option("max-partitions")
    assert isinstance(limit, int)
    plan = delegation.plan
    # partitions a delegate's own limit dropped are CPU partitions in the plan (OPL301 reports them)
    counts = Counter(p.graph for p in plan.partitions if p.delegated)
    worst = max(counts.values(), default=0)
    if worst <= limit:
        return
    shares = f"delegated {plan.delegated_ops} of {plan.total_ops} ops"
    if plan.total_macs:
        shares += f", {plan.mac_share:.0%} of the estimated MACs"
    picture = " | ".join(pictures(delegation, ctx.model))
    yield Hit(
        None,
        f"{ctx.target.id} splits the graph into {worst} delegated partitions (more than {limit}): {picture}; {shares}",
        "fix the CPU-fallback ops between the partitions (OPL301), or raise max-partitions",
    )
