"""``oplint diff`` output: text (terminal), markdown (a pull-request comment) and JSON."""

from __future__ import annotations

import json
from collections.abc import Iterable

from ..core.diff import Figure, ModelDiff, OpRef, Share, TargetDiff
from ..core.findings import Finding

FORMATS = ("text", "markdown", "json")
MAX_LISTED = 20  #: ops and findings listed per section before "... and N more"


def render(diff: ModelDiff, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(diff.to_json(), indent=2) + "\n"
    if fmt == "markdown":
        return render_markdown(diff)
    return render_text(diff)


def _matched(diff: ModelDiff) -> str:
    total = sum(diff.matched.values())
    how = ", ".join(f"{n} by {k}" for k, n in sorted(diff.matched.items(), key=lambda kv: -kv[1]))
    return f"{total} matched" + (f" ({how})" if how else "")


def _ops_line(diff: ModelDiff) -> str:
    return (
        f"ops: {diff.old_ops:,} -> {diff.new_ops:,}: {len(diff.added)} added, {len(diff.removed)} removed, "
        f"{len(diff.changed)} changed; {_matched(diff)}"
    )


def _share(s: Share | None) -> str:
    if s is None:
        return "-"
    macs = f", {s.mac_share:.0%} of MACs" if s.mac_share is not None else ""
    return f"{s.delegated_ops:,}/{s.total_ops:,} ops ({s.op_share:.0%}{macs}) in {s.partitions} partition" + (
        "s" if s.partitions != 1 else ""
    )


def _verdict(ok: bool, errors: int) -> str:
    return "passes" if ok else f"fails ({errors} error{'s' if errors != 1 else ''})"


def _finding(f: Finding) -> str:
    loc = f.location
    where = f"sg{loc.graph}:op{loc.op_index} " if loc.op_index is not None else ""
    return f"{where}{f.code} [{f.severity.label}] {f.message}"


def _bytes(n: int | None) -> str:
    return "-" if n is None else f"{n:,} B"


def _figure(f: Figure) -> str:
    delta = f.delta
    sign = "" if delta is None else f" ({'+' if delta >= 0 else ''}{delta:,} B)"
    return f"{_bytes(f.old)} -> {_bytes(f.new)}{sign}"


FIGURE_NAMES = {"file_bytes": "file", "weight_bytes": "weights", "tflm_arena_bytes": "TFLM arena"}


def _some(items: Iterable[str], most: int = MAX_LISTED) -> list[str]:
    items = list(items)
    return items[:most] + ([f"... and {len(items) - most} more"] if len(items) > most else [])


def _target_change(t: TargetDiff) -> str:
    text = f"{_verdict(t.old_ok, t.old_errors)} -> {_verdict(t.new_ok, t.new_errors)}"
    if t.old_share is not None or t.new_share is not None:
        text += f"; delegated {_share(t.old_share)} -> {_share(t.new_share)}"
    return text


def render_text(diff: ModelDiff) -> str:
    lines = [f"oplint diff {diff.old} -> {diff.new}"]
    if diff.old_format != diff.new_format:
        lines.append(f"formats: {diff.old_format or 'unreadable'} -> {diff.new_format or 'unreadable'}")
    lines.append(_ops_line(diff))
    lines.extend("  + " + str(r) for r in _refs(diff.added))
    lines.extend("  - " + str(r) for r in _refs(diff.removed))
    lines.extend(_some(f"  ~ {c.what}: {', '.join(str(r) for r in c.new)}" for c in diff.changed))
    for f in diff.new_model_findings:
        lines.append(f"every target: new {_finding(f)}")
    for f in diff.fixed_model_findings:
        lines.append(f"every target: fixed {_finding(f)}")
    for t in diff.targets:
        mark = "  WORSE: " + "; ".join(t.worse) if t.worse else ("  better" if (t.new_ok and not t.old_ok) else "")
        lines.append(f"{t.target}: {_target_change(t)}{mark}")
        lines.extend(_some(f"  new {_finding(f)}" for f in t.new_findings))
        lines.extend(_some(f"  fixed {_finding(f)}" for f in t.fixed_findings))
    lines.append("memory: " + "; ".join(f"{FIGURE_NAMES.get(f.name, f.name)} {_figure(f)}" for f in diff.memory))
    worse = [t.target for t in diff.targets if t.worse]
    lines.append(f"NEW is worse on {', '.join(worse)}." if worse else "NEW is not worse on any checked target.")
    return "\n".join(lines) + "\n"


def _refs(refs: Iterable[OpRef]) -> list[str]:
    return _some(str(r) for r in refs)


def _md(text: str) -> str:
    """Table-cell safe text."""
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(diff: ModelDiff) -> str:
    worse = [t.target for t in diff.targets if t.worse]
    head = "worse on " + ", ".join(f"`{t}`" for t in worse) if worse else "not worse on any checked target"
    lines = [f"### oplint diff: {head}", "", f"`{diff.old}` → `{diff.new}`", ""]
    lines.append("| target | old | new | delegated (old → new) | change |")
    lines.append("|---|---|---|---|---|")
    for t in diff.targets:
        icon = "🔴 " + "; ".join(t.worse) if t.worse else ("🟢 passes now" if t.new_ok and not t.old_ok else "—")
        share = f"{_share(t.old_share)} → {_share(t.new_share)}" if t.old_share or t.new_share else ""
        old, new = _verdict(t.old_ok, t.old_errors), _verdict(t.new_ok, t.new_errors)
        lines.append(f"| `{t.target}` | {old} | {new} | {_md(share)} | {_md(icon)} |")
    lines.append("")
    new_findings = [(t.target, f) for t in diff.targets for f in t.new_findings]
    new_findings = [("every target", f) for f in diff.new_model_findings] + new_findings
    if new_findings:
        lines.append(f"**New findings ({len(new_findings)})**")
        lines.append("")
        lines.extend(_some(f"- `{target}` {_md(_finding(f))}" for target, f in new_findings))
        lines.append("")
    fixed = [(t.target, f) for t in diff.targets for f in t.fixed_findings]
    fixed = [("every target", f) for f in diff.fixed_model_findings] + fixed
    if fixed:
        lines.append(f"<details><summary>Fixed findings ({len(fixed)})</summary>")
        lines.append("")
        lines.extend(_some(f"- `{target}` {_md(_finding(f))}" for target, f in fixed))
        lines.append("")
        lines.append("</details>")
        lines.append("")
    lines.append(f"**Ops** {_ops_line(diff)[5:]}")
    if diff.added or diff.removed or diff.changed:
        lines.append("")
        lines.append("<details><summary>Op changes</summary>")
        lines.append("")
        lines.extend(f"- ➕ `{_md(str(r))}`" for r in diff.added[:MAX_LISTED])
        lines.extend(f"- ➖ `{_md(str(r))}`" for r in diff.removed[:MAX_LISTED])
        lines.extend(f"- ✏️ {_md(c.what)}" for c in diff.changed[:MAX_LISTED])
        rest = sum(max(0, len(x) - MAX_LISTED) for x in (diff.added, diff.removed, diff.changed))
        if rest:
            lines.append(f"- ... and {rest} more")
        lines.append("")
        lines.append("</details>")
    lines.append("")
    lines.append("| memory | old | new | change |")
    lines.append("|---|---|---|---|")
    for f in diff.memory:
        delta = "" if f.delta is None else f"{'+' if f.delta >= 0 else ''}{f.delta:,} B"
        lines.append(f"| {FIGURE_NAMES.get(f.name, f.name)} | {_bytes(f.old)} | {_bytes(f.new)} | {delta} |")
    return "\n".join(lines) + "\n"
