"""Human-readable output: ``concise`` (one line per finding), ``full`` (with hints, per-model
summaries, the ladder and totals), and the ``--statistics`` and ``--quiet`` views.

One finding that fires on several targets is one line naming them all (``[tflite, tflm]``): the
message's mention of each target's runtime is merged (``TensorFlow Lite builtins /
TensorFlow Lite Micro``).  Names from the model are shown with control characters escaped
(:mod:`.escape`).  Colour only when asked (a terminal, ``NO_COLOR`` unset, or ``FORCE_COLOR``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from ..core.findings import Finding, Location, Severity
from ..core.report import ModelReport, Report
from .escape import terminal

_COLOURS = {Severity.ERROR: "31", Severity.WARNING: "33", Severity.INFO: "36"}


class Style:
    """ANSI styling, or none."""

    def __init__(self, color: bool = False) -> None:
        self.color = color

    def __call__(self, text: str, code: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.color else text


class Group(NamedTuple):
    """Findings of one rule on one place, on one or more targets, with one message."""

    first: Finding
    targets: tuple[str, ...]
    message: str
    severity: Severity


def group(findings: Iterable[Finding], titles: Mapping[str, tuple[str, str]]) -> list[Group]:
    """Merge findings that differ only by their target (and the target's name in the message)."""
    order: list[tuple[Any, ...]] = []
    members: dict[tuple[Any, ...], list[Finding]] = {}
    for f in findings:
        key = (f.location, f.code, _neutral(f, titles))
        if key not in members:
            members[key] = []
            order.append(key)
        members[key].append(f)
    out = []
    for key in order:
        found = members[key]
        labels = tuple(f.target for f in found if f.target)
        out.append(Group(found[0], labels, _merged(found, titles), max(f.severity for f in found)))
    return out


_SLOT = "\0target\0"


def _names(f: Finding, titles: Mapping[str, tuple[str, str]]) -> list[str]:
    names = titles.get(f.target or "", ())
    return sorted({n for n in names if n}, key=len, reverse=True)


def _neutral(f: Finding, titles: Mapping[str, tuple[str, str]]) -> str:
    text = f.message
    for name in _names(f, titles):
        text = text.replace(name, _SLOT)
    return text


def _merged(found: list[Finding], titles: Mapping[str, tuple[str, str]]) -> str:
    if len(found) == 1:
        return found[0].message
    neutral = _neutral(found[0], titles)
    if _SLOT not in neutral:
        return found[0].message
    names: list[str] = []
    for f in found:  # each target's own name as it appeared in its message
        for name in _names(f, titles):
            if name in f.message:
                if name not in names:
                    names.append(name)
                break
    return neutral.replace(_SLOT, " / ".join(names))


def finding_line(f: Finding, style: Style | None = None) -> str:
    """One finding as a line (kept for callers that show a single finding)."""
    return _line(Group(f, (f.target,) if f.target else (), f.message, f.severity), style or Style())


def _line(g: Group, style: Style) -> str:
    target = f"[{', '.join(g.targets)}] " if g.targets else ""
    where = style(terminal(str(g.first.location)), "1")
    code = style(g.first.code, _COLOURS[g.severity])
    return f"{where}: {code} {target}{terminal(g.message)}"


def _help(g: Group, style: Style) -> str | None:
    return f"  {style('help', '32')}: {terminal(g.first.hint)}" if g.first.hint else None


def ladder(result: ModelReport, delegation: bool = True) -> str:
    """``m.tflite: passes tflite, xnnpack (92% of ops, 99% of MACs); fails tflm (3)``."""
    path = terminal(result.path)
    if not result.readable:  # the one finding is the reading rule's, and it applies to every target
        code = next((f.code for f in result.findings if f.target is None), None)
        if code is not None:
            return f"{path}: unreadable ({code}); fails every target"
    passes = [label + _share(result, label) for label, r in result.targets.items() if r.ok]
    fails = [f"{label} ({_count(r.errors, r.warnings, r.infos)})" for label, r in result.targets.items() if not r.ok]
    parts = []
    if passes:
        parts.append("passes " + ", ".join(passes))
    if fails:
        parts.append("fails " + ", ".join(fails))
    return f"{path}: " + "; ".join(parts) if parts else f"{path}: no targets checked"


def _count(errors: int, warnings: int, infos: int) -> str:
    """How many findings fail the target: errors, or the lower severities the threshold counts."""
    if errors:
        return f"{errors:,}"
    parts = [f"{n:,} {what}{'s' if n != 1 else ''}" for n, what in ((warnings, "warning"), (infos, "note")) if n]
    return ", ".join(parts) or "0"


def _share(result: ModelReport, label: str) -> str:
    d = result.delegation.get(label)
    if not d or d.get("compiled") or d.get("whole_model_error") or not d.get("total_ops"):
        return ""
    if d["delegated_ops"] == d["total_ops"]:
        return ""  # everything delegated: nothing to add
    macs = f", {d['mac_share']:.0%} of MACs" if d.get("mac_share") is not None else ""
    return f" ({d['op_share']:.0%} of ops{macs})"


def model_summary(result: ModelReport) -> list[str]:
    if not result.readable:
        return []
    if result.format == "keras":
        calls = f"{result.op_count:,} layer call{'s' if result.op_count != 1 else ''}"
        text = f"{terminal(result.path)}: {calls} (a Keras model)"
    else:
        graphs = f"{result.graph_count:,} subgraph{'s' if result.graph_count != 1 else ''}"
        text = f"{terminal(result.path)}: {result.op_count:,} op{'s' if result.op_count != 1 else ''} in {graphs}"
    required, metadata = result.min_runtime_required, result.min_runtime_metadata
    if required or metadata:
        if required and metadata and required != metadata:
            text += f"; needs TFLite runtime >= {required} (the model's metadata says {terminal(metadata)})"
        else:
            text += f"; needs TFLite runtime >= {terminal(required or metadata or '')}"
    q = result.quantization
    if q is not None and q.compute_ops:
        io = f"{'/'.join(sorted(set(q.inputs))) or '-'} -> {'/'.join(sorted(set(q.outputs))) or '-'}"
        text += f"; quantization {q.scheme} ({q.integer_share:.0%} of ops integer, I/O {io})"
    lines = [text]
    for label, d in result.delegation.items():
        lines.append(delegation_line(result.path, label, d))
    for label, m in result.memory.items():
        lines.append(memory_line(result.path, label, m))
    return lines


def memory_line(path: str, label: str, m: Mapping[str, Any]) -> str:
    """``m.tflite: tflm: tensor arena 2,752 bytes (head 1,792 + tail 960, exact); flash 1,312 bytes (the model)``."""
    arena, flash = m["arena"], m["flash"]
    how = "exact" if arena["exact"] else "estimate"
    parts = f"head {arena['head']:,} + tail {arena['tail']:,}, {how}"
    text = f"{terminal(path)}: {terminal(label)}: tensor arena {arena['bytes']:,} bytes ({parts})"
    if arena.get("budget"):
        text += f" of {arena['budget']:,}"
    text += f"; flash {flash['model_bytes']:,} bytes (the model)"
    if flash.get("budget"):
        text += f" of {flash['budget']:,}"
    return text


def delegation_line(path: str, label: str, d: Mapping[str, Any]) -> str:
    """``m.tflite: gpu: 40 of 42 ops delegated (99% of MACs) in 2 partitions: [0-20 delegated] ...``."""
    path = terminal(path)
    if d.get("compiled"):
        on = f"{d['delegated_ops']:,} of {d['total_ops']:,} ops on it"
        return f"{path}: {label}: already compiled for the accelerator ({on})"
    if d.get("whole_model_error"):
        return f"{path}: {label}: the delegate rejects the whole model"
    macs = f" ({d['mac_share']:.0%} of MACs)" if d.get("mac_share") is not None else ""
    n = d["partitions"]
    share = f"{d['delegated_ops']:,} of {d['total_ops']:,} ops delegated{macs}"
    text = f"{path}: {label}: {share} in {n:,} partition{'s' if n != 1 else ''}"
    if d["delegated_ops"] != d["total_ops"] or n > 1:
        text += ": " + terminal(" | ".join(d["picture"]))
    if d.get("backend"):
        text += f" [{terminal(d['backend'])}]"
    return text


def totals(report: Report, groups: Sequence[Group]) -> str:
    counts = Counter(g.severity for g in groups)
    n_models = len(report.results)
    models = f"{n_models:,} model{'s' if n_models != 1 else ''}"
    accepted = sum(r.suppressed for r in report.results)
    if accepted:
        models += f"; {accepted:,} accepted finding{'s' if accepted != 1 else ''} (ignores, baseline) not shown"
    total = sum(counts.values())
    failing = sum(1 for g in groups if g.severity >= report.failure_threshold)
    if not total:
        return f"All checks passed: {models}, targets {', '.join(report.targets)}."
    parts = [f"{counts[s]:,} {s.label}{'s' if counts[s] != 1 else ''}" for s in reversed(Severity) if counts[s]]
    head = f"Found {total:,} finding{'s' if total != 1 else ''} in {models} ({', '.join(parts)})"
    if not failing:
        return f"{head}; none at or above the failure threshold ({report.failure_threshold.label})."
    return head + "."


def statistics(report: Report) -> str:
    """Findings per rule (on every target counted once per place), most first, as ``ruff --statistics``."""
    groups = group(_every(report), report.titles)
    counts = Counter((g.first.code, g.first.name) for g in groups)
    width = max((len(f"{n:,}") for n in counts.values()), default=1)
    lines = [f"{n:>{width},}  {code}  {name}" for (code, name), n in counts.most_common()]
    return "\n".join(lines) + ("\n" if lines else "")


def _every(report: Report) -> list[Finding]:
    return [f for result in report.results for f in result.findings] + list(report.meta)


def render_concise(report: Report, style: Style | None = None) -> str:
    """Only the findings, one line each (nothing for a model that passes), and the totals."""
    style = style or Style()
    groups = group(_every(report), report.titles)
    lines = [_line(g, style) for g in groups]
    lines.append(totals(report, groups))
    return "\n".join(lines) + "\n"


def render_quiet(report: Report, style: Style | None = None) -> str:
    """Only the summary: the ladder of each model and the totals."""
    groups = group(_every(report), report.titles)
    lines = [ladder(r) for r in report.results]
    lines.append(totals(report, groups))
    return "\n".join(lines) + "\n"


def render_full(report: Report, style: Style | None = None) -> str:
    style = style or Style()
    lines: list[str] = []
    all_groups: list[Group] = []
    for findings in [list(r.findings) for r in report.results] + [list(report.meta)]:
        groups = group(findings, report.titles)
        all_groups.extend(groups)
        for g in groups:
            lines.append(_line(g, style))
            hint = _help(g, style)
            if hint:
                lines.append(hint)
        if groups:
            lines.append("")
    for result in report.results:
        lines.extend(model_summary(result))
        lines.append(ladder(result))
    lines.append("")
    lines.append(totals(report, all_groups))
    fired = report.fired_rules()
    if fired:
        lines.append("Rule documentation: " + ", ".join(f"oplint explain {r.code}" for r in fired))
    return "\n".join(lines) + "\n"


__all__ = ["Location", "Style", "delegation_line", "finding_line", "group", "ladder", "render_concise", "render_full"]
