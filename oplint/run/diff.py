"""``oplint diff OLD NEW``: what a new version of a model changes, for a release gate.

Both models are checked with the same configuration, with their op graphs
(:mod:`oplint.run.opgraph`).  Ops are matched one graph (subgraph, TF function) at a time:

1. by **op name** (a TFLite op's name is its first output tensor's; a TF op's is its node
   name), where the name is unique on both sides;
2. by **output tensor names**, for ops left;
3. by **structure**: from matched ops (and the graph inputs and outputs, in order), an
   unmatched op that reads the same input slot of a matched tensor, or produces a matched op's
   input, and is of the same kind on both sides, is the same op;
4. by **order**: what is left is aligned by kind in execution order (``difflib``).

A SavedModel or GraphDef against a .tflite (its conversion, say) is compared in TFLite terms:
each TF op stands for the builtins the converter makes of it (``oplint predict``), and ops are
matched by the TF node names the converter writes into the TFLite tensor names
(``a/b/Relu6;a/b/add``, ``a/b/Softplus1``), then by structure (a TF op reading a matched op's
output that becomes the TFLite op's kind), then by order (the first TF op left that becomes it).

A finding of NEW is *new* when OLD has no finding of the same rule and target on the matched op
(across formats: any finding of that target on it), nor one with the same rule, target, op kind
and message up to numbers (op indices move when ops are added).  NEW is **worse** on a target
when the target newly fails, when it has a new finding at or above the failure threshold, or
(delegate targets) when the delegated share of ops or MACs drops.  Accepted findings (ignores
and the baseline, keyed by NEW's path) count on neither side, so a CI job fails only on what the
change made worse.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from typing import Any

from ..analysis.tf_fate import PLUMBING
from ..core.diff import Figure, ModelDiff, OpChange, OpRef, Share, TargetDiff
from ..core.findings import Finding, Severity
from ..core.opgraph import GraphInfo, OpGraph, OpInfo, gc_paused
from ..core.report import ModelReport
from .config import Config, ConfigError
from .lint import lint_paths, prepare, suppress

Key = tuple[int, int]  #: (graph, op index)
#: remaining ops aligned by order only up to this many per graph and side (difflib is quadratic)
ORDER_LIMIT = 4000


def diff_paths(old: str, new: str, config: Config) -> ModelDiff:
    """Check ``old`` and ``new`` (one model each) with ``config`` and compare them."""
    run = prepare(config, use_suppressions=True, graph=True)
    a, b = _one(old, config), _one(new, config)
    b = suppress(b, run)
    # OLD's findings are accepted as NEW's would be: an ignore or baseline entry names NEW's path
    moved = a._replace(path=b.path, findings=tuple(_at(f, b.path) for f in a.findings))
    kept = suppress(moved, run)
    a = kept._replace(path=a.path, findings=tuple(_at(f, a.path) for f in kept.findings))
    return compare(a, b, config.failure_threshold)


def _one(path: str, config: Config) -> ModelReport:
    report = lint_paths([path], config, use_suppressions=False, graph=True)
    if len(report.results) != 1:
        raise ConfigError(f"{path} holds {len(report.results)} models; oplint diff compares one model with another")
    return report.results[0]


def _at(f: Finding, path: str) -> Finding:
    return f._replace(location=f.location._replace(path=path))


def compare(a: ModelReport, b: ModelReport, threshold: Severity = Severity.ERROR) -> ModelDiff:
    """The diff of two checked models (each with its op graph, when readable)."""
    with gc_paused():
        return _compare(a, b, threshold)


def _compare(a: ModelReport, b: ModelReport, threshold: Severity) -> ModelDiff:
    ga, gb = a.graph, b.graph
    matches: list[tuple[tuple[Key, ...], tuple[Key, ...], str]] = []
    if ga is not None and gb is not None:
        matches = match(ga, gb)
    old_of: dict[Key, set[Key]] = {}
    for olds, news, _ in matches:
        for n in news:
            old_of.setdefault(n, set()).update(olds)
    counts: dict[str, int] = {}
    for _, news, how in matches:
        counts[how] = counts.get(how, 0) + len(news)
    added, removed, changed = _op_changes(ga, gb, matches)
    cross = ga is not None and gb is not None and ga.vocabulary != gb.vocabulary
    new_f, fixed_f = _new_findings(a.findings, b.findings, old_of, ga, gb, cross)
    targets = []
    labels = [t for t in b.targets if t in a.targets]
    for label in labels:
        ra, rb = a.targets[label], b.targets[label]
        mine_new = tuple(f for f in new_f if f.target == label)
        mine_fixed = tuple(f for f in fixed_f if f.target == label)
        sa, sb = _share(a.delegation.get(label)), _share(b.delegation.get(label))
        worse = []
        if ra.ok and not rb.ok:
            worse.append("newly fails")
        bad = [f for f in new_f if f.target in (None, label) and f.severity >= threshold]
        if bad:
            worse.append(f"{len(bad)} new finding{'s' if len(bad) != 1 else ''} at or above {threshold.label}")
        if sa is not None and sb is not None:
            if sb.op_share < sa.op_share - 1e-9:
                worse.append(f"delegated ops {sa.op_share:.1%} -> {sb.op_share:.1%}")
            if sa.mac_share is not None and sb.mac_share is not None and sb.mac_share < sa.mac_share - 1e-9:
                worse.append(f"delegated MACs {sa.mac_share:.1%} -> {sb.mac_share:.1%}")
        targets.append(
            TargetDiff(label, ra.ok, rb.ok, ra.errors, rb.errors, mine_new, mine_fixed, sa, sb, tuple(worse))
        )
    return ModelDiff(
        old=a.path,
        new=b.path,
        old_format=a.format,
        new_format=b.format,
        old_ops=a.op_count,
        new_ops=b.op_count,
        matched=counts,
        added=added,
        removed=removed,
        changed=changed,
        targets=tuple(targets),
        memory=_memory(ga, gb),
        new_model_findings=tuple(f for f in new_f if f.target is None),
        fixed_model_findings=tuple(f for f in fixed_f if f.target is None),
    )


def _share(summary: Mapping[str, Any] | None) -> Share | None:
    if summary is None:
        return None
    return Share(
        summary["delegated_ops"], summary["total_ops"], summary["op_share"], summary["mac_share"], summary["partitions"]
    )


def _memory(a: OpGraph | None, b: OpGraph | None) -> tuple[Figure, ...]:
    def arena(g: OpGraph | None) -> int | None:
        return g.memory.arena.head + g.memory.arena.tail if g is not None and g.memory.arena is not None else None

    return (
        Figure("file_bytes", a.memory.file_bytes if a else None, b.memory.file_bytes if b else None),
        Figure("weight_bytes", a.memory.weight_bytes if a else None, b.memory.weight_bytes if b else None),
        Figure("tflm_arena_bytes", arena(a), arena(b)),
    )


# --- findings ------------------------------------------------------------------------------------

_NUMBERS = re.compile(r"\d+")


def _loose(f: Finding) -> tuple[str, str | None, str | None, str]:
    return (f.code, f.target, f.location.op, _NUMBERS.sub("#", f.message))


def _new_findings(
    old: Iterable[Finding],
    new: Iterable[Finding],
    old_of: Mapping[Key, set[Key]],
    ga: OpGraph | None,
    gb: OpGraph | None,
    cross: bool,
) -> tuple[list[Finding], list[Finding]]:
    """(findings of NEW that are new, findings of OLD that NEW no longer has)."""
    old, new = list(old), list(new)
    by_op: dict[tuple[Key, str | None], list[Finding]] = {}
    model_level: set[tuple[str, str | None]] = set()
    for f in old:
        loc = f.location
        if loc.graph is not None and loc.op_index is not None:
            by_op.setdefault(((loc.graph, loc.op_index), f.target), []).append(f)
        else:
            model_level.add((f.code, f.target))
    loose_old = {_loose(f) for f in old}
    seen_old: set[int] = set()
    fresh = []
    for f in new:
        loc = f.location
        known = False
        if loc.graph is not None and loc.op_index is not None:
            for o in old_of.get((loc.graph, loc.op_index), ()):
                for g in by_op.get((o, f.target), ()):
                    if cross or g.code == f.code:
                        known = True
                        seen_old.add(id(g))
        else:
            known = (f.code, f.target) in model_level
        if not known and _loose(f) in loose_old:
            known = True
        if not known:
            fresh.append(f)
    # OLD findings NEW no longer has: the same test the other way round
    new_of: dict[Key, set[Key]] = {}
    for n, olds in old_of.items():
        for o in olds:
            new_of.setdefault(o, set()).add(n)
    by_op_new: dict[tuple[Key, str | None], list[Finding]] = {}
    model_new: set[tuple[str, str | None]] = set()
    for f in new:
        loc = f.location
        if loc.graph is not None and loc.op_index is not None:
            by_op_new.setdefault(((loc.graph, loc.op_index), f.target), []).append(f)
        else:
            model_new.add((f.code, f.target))
    loose_new = {_loose(f) for f in new}
    fixed = []
    for f in old:
        loc = f.location
        if loc.graph is not None and loc.op_index is not None:
            still = any(
                cross or g.code == f.code
                for n in new_of.get((loc.graph, loc.op_index), ())
                for g in by_op_new.get((n, f.target), ())
            )
        else:
            still = (f.code, f.target) in model_new
        if not still and _loose(f) not in loose_new:
            fixed.append(f)
    return fresh, fixed


# --- matching ops --------------------------------------------------------------------------------


def match(a: OpGraph, b: OpGraph) -> list[tuple[tuple[Key, ...], tuple[Key, ...], str]]:
    """Corresponding ops of two op graphs: (OLD ops, NEW ops, how they were matched)."""
    if a.vocabulary != b.vocabulary:
        return _match_across(a, b)
    out: list[tuple[tuple[Key, ...], tuple[Key, ...], str]] = []
    for ga, gb in _graph_pairs(a, b):
        for j, (i, how) in sorted(_match_graph(ga, gb).items()):
            out.append((((ga.index, i),), ((gb.index, j),), how))
    return out


def _graph_pairs(a: OpGraph, b: OpGraph) -> list[tuple[GraphInfo, GraphInfo]]:
    """Graphs by name when every name is unique on both sides, else by index."""
    names_a = [g.name for g in a.graphs]
    names_b = [g.name for g in b.graphs]
    if len(set(names_a)) == len(names_a) and len(set(names_b)) == len(names_b) and all(names_a):
        by_name = {g.name: g for g in a.graphs}
        pairs = [(by_name[g.name], g) for g in b.graphs if g.name in by_name]
        if pairs:
            return pairs
    return list(zip(a.graphs, b.graphs))


class _Side:
    """One graph's wiring for matching."""

    def __init__(self, g: GraphInfo) -> None:
        self.g = g
        self.producer: dict[int, int] = {}
        self.consumers: dict[int, list[tuple[int, int]]] = {}  # tensor -> (op, input slot)
        for op in g.ops:
            for t in op.outputs:
                self.producer[t] = op.index
            for slot, t in enumerate(op.inputs):
                if t >= 0:
                    self.consumers.setdefault(t, []).append((op.index, slot))

    def kind(self, i: int) -> str:
        return self.g.ops[i].op


def _unique(items: Iterable[tuple[str, int]]) -> dict[str, int]:
    seen: dict[str, int] = {}
    twice: set[str] = set()
    for name, i in items:
        if not name:
            continue
        if name in seen and seen[name] != i:
            twice.add(name)
        seen[name] = i
    return {n: i for n, i in seen.items() if n not in twice}


def _match_graph(ga: GraphInfo, gb: GraphInfo) -> dict[int, tuple[int, str]]:
    """NEW op index -> (OLD op index, how)."""
    a, b = _Side(ga), _Side(gb)
    pairs: dict[int, tuple[int, str]] = {}
    taken: set[int] = set()

    def pair(i: int, j: int, how: str) -> bool:
        if j in pairs or i in taken:
            return False
        pairs[j] = (i, how)
        taken.add(i)
        return True

    names_a = _unique((op.name, op.index) for op in ga.ops)
    for name, j in _unique((op.name, op.index) for op in gb.ops).items():
        if name in names_a:
            pair(names_a[name], j, "name")

    def tensor_names(g: GraphInfo, skip: Iterable[int]) -> dict[str, int]:
        left = set(range(len(g.ops))) - set(skip)
        return _unique(
            (g.tensors[t].name, op.index)
            for op in g.ops
            if op.index in left
            for t in op.outputs
            if 0 <= t < len(g.tensors)
        )

    outs_a = tensor_names(ga, taken)
    for name, j in tensor_names(gb, pairs).items():
        if name in outs_a:
            pair(outs_a[name], j, "tensor")

    # structure: walk out from matched ops, the graph inputs and the ops writing the graph outputs
    tensors: list[tuple[int, int]] = list(zip(ga.inputs, gb.inputs))
    for ta, tb in zip(ga.outputs, gb.outputs):
        pa, pb = a.producer.get(ta), b.producer.get(tb)
        if pa is not None and pb is not None and a.kind(pa) == b.kind(pb):
            pair(pa, pb, "structure")
    ops = [(i, j) for j, (i, _) in pairs.items()]
    walked: set[tuple[int, int]] = set()
    while tensors or ops:
        while ops:
            i, j = ops.pop()
            oa, ob = ga.ops[i], gb.ops[j]
            tensors.extend(zip(oa.outputs, ob.outputs))
            for ta, tb in zip(oa.inputs, ob.inputs):
                if ta < 0 or tb < 0:
                    continue
                tensors.append((ta, tb))
                pa, pb = a.producer.get(ta), b.producer.get(tb)
                if pa is not None and pb is not None and a.kind(pa) == b.kind(pb) and pair(pa, pb, "structure"):
                    ops.append((pa, pb))
        while tensors:
            ta, tb = tensors.pop()
            if (ta, tb) in walked:
                continue  # a tensor many ops read (a graph input) is grouped once
            walked.add((ta, tb))
            groups_a: dict[tuple[str, int], list[int]] = {}
            groups_b: dict[tuple[str, int], list[int]] = {}
            for i, slot in a.consumers.get(ta, ()):
                if i not in taken:
                    groups_a.setdefault((a.kind(i), slot), []).append(i)
            for j, slot in b.consumers.get(tb, ()):
                if j not in pairs:
                    groups_b.setdefault((b.kind(j), slot), []).append(j)
            for key, js in groups_b.items():
                is_ = groups_a.get(key, [])
                if len(js) == 1 and len(is_) == 1 and pair(is_[0], js[0], "structure"):
                    ops.append((is_[0], js[0]))

    # order: what is left, aligned by kind
    left_a = [op.index for op in ga.ops if op.index not in taken]
    left_b = [op.index for op in gb.ops if op.index not in pairs]
    if left_a and left_b and len(left_a) <= ORDER_LIMIT and len(left_b) <= ORDER_LIMIT:
        kinds_a = [a.kind(i) for i in left_a]
        kinds_b = [b.kind(j) for j in left_b]
        for block in difflib.SequenceMatcher(None, kinds_a, kinds_b, autojunk=False).get_matching_blocks():
            for k in range(block.size):
                pair(left_a[block.a + k], left_b[block.b + k], "order")
    return pairs


def _match_across(a: OpGraph, b: OpGraph) -> list[tuple[tuple[Key, ...], tuple[Key, ...], str]]:
    """A TF model against a TFLite one: TFLite ops carry the TF node names they come from."""
    tf, lite = (a, b) if a.vocabulary == "tf" else (b, a)
    nodes: dict[str, list[Key]] = {}
    for g in tf.graphs:
        for op in g.ops:
            if op.fate != PLUMBING and op.name:
                nodes.setdefault(op.name, []).append(op.key)
    found: dict[Key, tuple[list[Key], str]] = {}  # TFLite op -> TF ops
    for g in lite.graphs:
        for op in g.ops:
            keys: list[Key] = []
            for part in op.name.split(";"):
                part = part.strip()
                hit = nodes.get(part) or nodes.get(part.rstrip("0123456789"))
                if hit:
                    keys.extend(k for k in hit if k not in keys)
            if keys:
                found[op.key] = (keys, "name")
    # structure: an unnamed TFLite op fed by matched ops, and a TF op fed by their TF ops that
    # becomes this kind of builtin
    tf_consumers: dict[Key, list[OpInfo]] = {}
    for g in tf.graphs:
        producer = {t: op for op in g.ops for t in op.outputs}
        for op in g.ops:
            for t in op.inputs:
                src = producer.get(t)
                if src is not None:
                    tf_consumers.setdefault(src.key, []).append(op)
    used = {k for keys, _ in found.values() for k in keys}
    for g in lite.graphs:
        producer = {t: op for op in g.ops for t in op.outputs}
        for op in g.ops:
            if op.key in found:
                continue
            for t in op.inputs:
                src = producer.get(t)
                if src is None or src.key not in found:
                    continue
                sources = found[src.key][0]
                # the next TF op that becomes this kind, or the same one (a decomposition: one TF
                # op converted into several builtins, e.g. TensorScatterAdd)
                candidates = [
                    c
                    for k in sources
                    for c in _through_plumbing(tf_consumers, k)
                    if c.key not in used and op.op in c.becomes
                ] + [tf.graphs[k[0]].ops[k[1]] for k in sources if op.op in tf.graphs[k[0]].ops[k[1]].becomes]
                if candidates:
                    found[op.key] = ([candidates[0].key], "structure")
                    used.add(candidates[0].key)
                    break
    # order: what is left, each TFLite op with the first TF op left that becomes its kind
    # (TF ops not matched yet first; then the ones that become several builtins, already matched
    # to some of them)
    waiting: dict[str, list[Key]] = {}
    decomposed: dict[str, list[Key]] = {}
    for g in tf.graphs:
        for op in g.ops:
            if op.fate == PLUMBING:
                continue
            for kind in dict.fromkeys(op.becomes):
                if op.key not in used:
                    waiting.setdefault(kind, []).append(op.key)
                elif len(op.becomes) > 1:
                    decomposed.setdefault(kind, []).append(op.key)
    for g in lite.graphs:
        for op in g.ops:
            queue = waiting.get(op.op)
            while op.key not in found and queue:
                candidate = queue.pop(0)
                if candidate not in used:
                    found[op.key] = ([candidate], "order")
                    used.add(candidate)
            if op.key not in found and decomposed.get(op.op):
                found[op.key] = ([decomposed[op.op][0]], "order")
    out = []
    for key, (keys, how) in sorted(found.items()):
        olds, news = (tuple(keys), (key,)) if tf is a else ((key,), tuple(keys))
        out.append((olds, news, how))
    return out


def _through_plumbing(consumers: Mapping[Key, list[OpInfo]], key: Key, depth: int = 0) -> list[OpInfo]:
    """The TF ops reading ``key``'s outputs, looking through ops the converter removes."""
    out = []
    for c in consumers.get(key, ()):
        if c.fate == PLUMBING and depth < 8:
            out.extend(_through_plumbing(consumers, c.key, depth + 1))
        else:
            out.append(c)
    return out


def _ref(g: OpGraph, key: Key) -> OpRef:
    op = g.graphs[key[0]].ops[key[1]]
    return OpRef(op.graph, op.index, op.op, op.name)


def _op_changes(
    a: OpGraph | None, b: OpGraph | None, matches: list[tuple[tuple[Key, ...], tuple[Key, ...], str]]
) -> tuple[tuple[OpRef, ...], tuple[OpRef, ...], tuple[OpChange, ...]]:
    if a is None or b is None:
        return (), (), ()
    matched_a = {k for olds, _, _ in matches for k in olds}
    matched_b = {k for _, news, _ in matches for k in news}
    added = tuple(_ref(b, op.key) for g in b.graphs for op in g.ops if op.key not in matched_b and op.fate != PLUMBING)
    removed = tuple(
        _ref(a, op.key) for g in a.graphs for op in g.ops if op.key not in matched_a and op.fate != PLUMBING
    )
    changed: list[OpChange] = []
    if a.vocabulary == b.vocabulary:
        for olds, news, _ in matches:
            oa, ob = a.graphs[olds[0][0]].ops[olds[0][1]], b.graphs[news[0][0]].ops[news[0][1]]
            if oa.op != ob.op:
                changed.append(OpChange((_ref(a, oa.key),), (_ref(b, ob.key),), f"{oa.op} -> {ob.op}"))
            elif oa.version != ob.version:
                what = f"{oa.op} v{oa.version} -> v{ob.version}"
                changed.append(OpChange((_ref(a, oa.key),), (_ref(b, ob.key),), what))
    else:
        tf, lite = (a, b) if a.vocabulary == "tf" else (b, a)
        groups: dict[tuple[Key, ...], list[Key]] = {}  # TF ops -> the TFLite ops they became
        for olds, news, _ in matches:
            tf_keys, lite_keys = (olds, news) if tf is a else (news, olds)
            groups.setdefault(tuple(sorted(tf_keys)), []).extend(lite_keys)
        for group, became in groups.items():
            predicted = sorted({k for key in group for k in tf.graphs[key[0]].ops[key[1]].becomes})
            actual = sorted({lite.graphs[g].ops[i].op for g, i in became})
            if set(actual) <= set(predicted):
                continue
            tf_ops = ", ".join(tf.graphs[g].ops[i].op for g, i in group)
            what = f"{tf_ops} -> {', '.join(actual)} (predicted {', '.join(predicted) or 'nothing'})"
            tf_refs = tuple(_ref(tf, k) for k in group)
            lite_refs = tuple(_ref(lite, k) for k in sorted(set(became)))
            old_refs, new_refs = (tf_refs, lite_refs) if tf is a else (lite_refs, tf_refs)
            changed.append(OpChange(old_refs, new_refs, what))
    return added, removed, tuple(changed)
