"""``oplint targets``: the targets with their description, variants and sources (text or JSON)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from ..knowledge.targets import Target, format_version


def render_json(targets: Sequence[Target]) -> str:
    rows = [
        {
            "id": t.id,
            "title": t.title,
            "description": t.description,
            "extends": t.extends,
            "builtins": len(t.builtins),
            "custom_ops": sorted(t.custom),
            "flex": t.flex,
            "default_runtime": format_version(t.default_runtime) if t.default_runtime else None,
            "delegate": t.delegate,
            "variant": {"option": t.variant_option, "values": list(t.variant_values)} if t.variant_option else None,
            "provenance": [dict(p) for p in t.provenance],
        }
        for t in targets
    ]
    return json.dumps(rows, indent=2) + "\n"


def render_text(targets: Sequence[Target], decided_by: Mapping[str, str]) -> str:
    """``decided_by``: target id -> which tool or table decides, for delegates where that varies."""
    lines = []
    for t in targets:
        extra = f", extends {t.extends}" if t.extends else ""
        lines.append(f"{t.id}: {t.title} ({len(t.builtins)} builtins, {len(t.custom)} custom ops{extra})")
        lines.append(f"    {t.description}")
        if t.flex:
            lines.append(f"    Select TF ops: {len(t.flex_allowlist)} allowlisted TF ops")
        if t.default_runtime:
            lines.append(
                f"    runtimes: {format_version(t.runtimes[0])} .. {format_version(t.runtimes[-1])} "
                f"(default {format_version(t.default_runtime)})"
            )
        if t.variant_option:
            values = ", ".join(t.variant_values) or "any value"
            current = t.delegate_options.get(t.variant_option)
            lines.append(f"    variants: {t.id}@VALUE sets {t.variant_option} ({values}; default {current})")
        if t.id in decided_by:
            lines.append(f"    decided by: {decided_by[t.id]}")
        paths = sorted({p.get("path", "") for p in t.provenance})
        lines.append(f"    source: {t.source_summary()}: {', '.join(paths)}")
    return "\n".join(lines) + "\n"
