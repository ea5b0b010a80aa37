"""Human-readable output: one line per finding (``concise``), plus hints and a summary (``full``).

Both end with the ladder: for every model, which targets it passes and which it fails.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..core.findings import Finding, Severity
from ..core.report import ModelReport, Report


def finding_line(f: Finding) -> str:
    target = f"[{f.target}] " if f.target else ""
    return f"{f.location}: {f.code} {target}{f.message}"


def ladder(result: ModelReport) -> str:
    if not result.readable:  # the one finding is the reading rule's, and it applies to every target
        code = next((f.code for f in result.findings if f.target is None), None)
        if code is not None:
            return f"{result.path}: unreadable ({code}); fails every target"
    passes = [label for label, r in result.targets.items() if r.ok]
    fails = [f"{label} ({r.errors})" for label, r in result.targets.items() if not r.ok]
    parts = []
    if passes:
        parts.append("passes " + ", ".join(passes))
    if fails:
        parts.append("fails " + ", ".join(fails))
    return f"{result.path}: " + "; ".join(parts) if parts else f"{result.path}: no targets checked"


def model_summary(result: ModelReport) -> str | None:
    if not result.readable:
        return None
    graphs = f"{result.graph_count} subgraph{'s' if result.graph_count != 1 else ''}"
    text = f"{result.path}: {result.op_count:,} op{'s' if result.op_count != 1 else ''} in {graphs}"
    required, metadata = result.min_runtime_required, result.min_runtime_metadata
    if required or metadata:
        if required and metadata and required != metadata:
            text += f"; needs TFLite runtime >= {required} (the model's metadata says {metadata})"
        else:
            text += f"; needs TFLite runtime >= {required or metadata}"
    q = result.quantization
    if q is not None and q.compute_ops:
        io = f"{'/'.join(sorted(set(q.inputs))) or '-'} -> {'/'.join(sorted(set(q.outputs))) or '-'}"
        text += f"; quantization {q.scheme} ({q.integer_share:.0%} of ops integer, I/O {io})"
    for label, d in result.delegation.items():
        text += "\n" + delegation_line(result.path, label, d)
    return text


def delegation_line(path: str, label: str, d: Mapping[str, Any]) -> str:
    """``m.tflite: gpu: 40 of 42 ops delegated (99% of MACs) in 2 partitions: [0-20 delegated] ...``."""
    if d.get("compiled"):
        on = f"{d['delegated_ops']} of {d['total_ops']} ops on it"
        return f"{path}: {label}: already compiled for the accelerator ({on})"
    if d.get("whole_model_error"):
        return f"{path}: {label}: the delegate rejects the whole model"
    macs = f" ({d['mac_share']:.0%} of MACs)" if d.get("mac_share") is not None else ""
    n = d["partitions"]
    share = f"{d['delegated_ops']} of {d['total_ops']} ops delegated{macs}"
    text = f"{path}: {label}: {share} in {n} partition{'s' if n != 1 else ''}"
    if d["delegated_ops"] != d["total_ops"] or n > 1:
        text += ": " + " | ".join(d["picture"])
    if d.get("backend"):
        text += f" [{d['backend']}]"
    return text


def _totals(report: Report) -> str:
    counts = {s: 0 for s in Severity}
    for f in report.findings:
        counts[f.severity] += 1
    n_models = len(report.results)
    total = sum(counts.values())
    models = f"{n_models} model{'s' if n_models != 1 else ''}"
    accepted = sum(r.suppressed for r in report.results)
    if accepted:
        models += f"; {accepted} accepted finding{'s' if accepted != 1 else ''} (ignores, baseline) not shown"
    if not total:
        return f"All checks passed: {models}, targets {', '.join(report.targets)}."
    parts = [f"{counts[s]} {s.label}{'s' if counts[s] != 1 else ''}" for s in reversed(Severity) if counts[s]]
    return f"Found {total} finding{'s' if total != 1 else ''} in {models} ({', '.join(parts)})."


def render_concise(report: Report) -> str:
    lines = [finding_line(f) for result in report.results for f in result.findings]
    lines.extend(finding_line(f) for f in report.meta)
    lines.extend(ladder(r) for r in report.results)
    return "\n".join(lines) + ("\n" if lines else "")


def render_full(report: Report) -> str:
    lines: list[str] = []
    for result in report.results:
        for f in result.findings:
            lines.append(finding_line(f))
            if f.hint:
                lines.append(f"  help: {f.hint}")
        if result.findings:
            lines.append("")
    for f in report.meta:
        lines.append(finding_line(f))
        if f.hint:
            lines.append(f"  help: {f.hint}")
    if report.meta:
        lines.append("")
    for result in report.results:
        summary = model_summary(result)
        if summary:
            lines.append(summary)
        lines.append(ladder(result))
    lines.append("")
    lines.append(_totals(report))
    fired = report.fired_rules()
    if fired:
        lines.append("Rule documentation: " + ", ".join(f"oplint explain {r.code}" for r in fired))
    return "\n".join(lines) + "\n"
