"""``oplint targets``: the targets with their description, variants and sources (text or JSON)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from ..knowledge.targets import Target, format_version


def render_json(targets: Sequence[Target]) -> str:
    rows = [
        _custom_json(t)
        | {
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
    for row in rows:  # custom targets: what they add, after the common fields
        for key in ("custom", "base", "origin", "ops", "resolver", "arena_size", "flash_size"):
            if key in row:
                row[key] = row.pop(key)
    return json.dumps(rows, indent=2) + "\n"


def _custom_json(t: Target) -> dict[str, object]:
    """The fields of a custom target (``[tool.oplint.targets.NAME]``); none for built-in targets."""
    if not t.origin:
        return {}
    return {
        "custom": True,
        "base": t.base,
        "origin": t.origin,
        "ops": sorted(t.allowed_ops) if t.allowed_ops is not None else None,
        "resolver": _firmware_json(t),
        "arena_size": t.arena_size,
        "flash_size": t.flash_size,
    }


def _firmware_json(t: Target) -> object:
    if t.firmware is None:
        return None
    return {"files": list(t.firmware.files), **t.firmware.summary()}


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
        if t.origin:
            lines.extend(_custom_lines(t))
            continue
        paths = sorted({p.get("path", "") for p in t.provenance})
        lines.append(f"    source: {t.source_summary()}: {', '.join(paths)}")
    return "\n".join(lines) + "\n"


def _custom_lines(t: Target) -> list[str]:
    out = [f"    custom target of {t.origin}: {t.base} as this firmware or board runs it"]
    if t.allowed_ops is not None:
        out.append(f"    ops: {len(t.allowed_ops)} allowed ({', '.join(sorted(t.allowed_ops))})")
    if t.firmware is not None:
        for r in t.firmware.resolvers:
            n = "all ops of the build" if r.all_ops else f"{len(r.distinct())} ops"
            out.append(f"    resolver: {r.label}: {n}")
        if t.firmware.assumed:
            out.append(f"    assuming: {', '.join(t.firmware.assumed)}")
    budgets = [
        f"arena {t.arena_size:,} bytes" if t.arena_size else "",
        f"flash {t.flash_size:,} bytes" if t.flash_size else "",
    ]
    if any(budgets):
        out.append(f"    budgets: {', '.join(b for b in budgets if b)}")
    out.append(f"    source: {t.source_summary()}")
    return out
