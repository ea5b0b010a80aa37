"""Accepted findings: per-file ignores, ``ignore-findings`` entries and a baseline file.

Models are binary, so there is no inline ``noqa``.  Instead a finding is suppressed by

* ``[tool.oplint.per-file-ignores]``: ``"models/experimental/*" = ["OPL2"]``;
* ``[[tool.oplint.ignore-findings]]``: path glob, rule (code, prefix or name), optional node
  glob and target, and a required reason;
* a baseline file written by ``oplint check --write-baseline``: the findings accepted when it
  was written, matched by a line-free key (rule, target, model path relative to the project
  root, subgraph, node), so CI fails only on new findings.

Entries that matched a linted model but suppressed nothing are reported as OPL901.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..core.files import NotARegularFile, read_regular, write_atomic
from ..core.findings import Finding
from .config import Config, ConfigError, IgnoreFinding, resolve_selector

BASELINE_VERSION = 1


def relpath(path: str, root: Path) -> str:
    try:
        rel = os.path.relpath(os.path.abspath(path), os.path.abspath(root))
    except ValueError:  # another drive on Windows
        rel = path
    return rel.replace(os.sep, "/")


def baseline_key(finding: Finding, root: Path) -> str:
    code, target, path, graph, anchor = finding.identity
    parts = [code, target, relpath(path, root), graph, anchor]
    if finding.ordinal:  # the second, third ... finding of one rule on one op
        parts.append(finding.ordinal)
    raw = "\0".join(str(x) for x in parts)
    return hashlib.sha256(raw.encode("utf-8", "surrogateescape")).hexdigest()[:20]


def _code_matches(selector: str, code: str) -> bool:
    prefix = resolve_selector(selector)
    return prefix is not None and code.startswith(prefix)


class Suppressions:
    """Decides which findings are accepted, and remembers which entries were used."""

    def __init__(self, config: Config) -> None:
        self.root = config.root or Path.cwd()
        self.per_file = config.per_file_ignores
        self.entries = config.ignore_findings
        self.baseline: dict[str, dict[str, Any]] = load_baseline(config.baseline) if config.baseline else {}
        self.baseline_path = config.baseline
        self.used: set[tuple[str, object]] = set()  #: ("per-file", glob) / ("entry", index) / ("baseline", key)
        self.seen_paths: set[str] = set()  #: relative paths of every model linted

    def __bool__(self) -> bool:
        return bool(self.per_file or self.entries or self.baseline)

    def reason(self, finding: Finding) -> str | None:
        """Why ``finding`` is accepted, or None."""
        rel = relpath(finding.location.path, self.root)
        for glob, selectors in self.per_file:
            if _glob(rel, glob) and any(_code_matches(s, finding.code) for s in selectors):
                self.used.add(("per-file", glob))
                return f"per-file-ignores {glob!r}"
        for entry in self.entries:
            if self._entry_matches(entry, rel, finding):
                self.used.add(("entry", entry.index))
                return entry.reason
        if self.baseline:
            key = baseline_key(finding, self.root)
            if key in self.baseline:
                self.used.add(("baseline", key))
                return "baseline"
        return None

    @staticmethod
    def _entry_matches(entry: IgnoreFinding, rel: str, finding: Finding) -> bool:
        if not _glob(rel, entry.path) or not _code_matches(entry.code, finding.code):
            return False
        if entry.target is not None and finding.target != entry.target:
            return False
        return entry.node is None or fnmatch.fnmatchcase(finding.location.node or "", entry.node)

    def filter(self, path: str, findings: Iterable[Finding]) -> tuple[tuple[Finding, ...], int]:
        self.seen_paths.add(relpath(path, self.root))
        kept, dropped = [], 0
        for f in findings:
            if self.reason(f) is None:
                kept.append(f)
            else:
                dropped += 1
        return tuple(kept), dropped

    def unused(self) -> list[str]:
        """Entries whose paths matched a linted model but that suppressed nothing."""
        out = []
        for glob, _ in self.per_file:
            if ("per-file", glob) not in self.used and any(_glob(p, glob) for p in self.seen_paths):
                out.append(f"per-file-ignores {glob!r} matched no finding")
        for entry in self.entries:
            if ("entry", entry.index) not in self.used and any(_glob(p, entry.path) for p in self.seen_paths):
                node = f", node {entry.node!r}" if entry.node else ""
                out.append(
                    f"ignore-findings entry {entry.index} ({entry.code} in {entry.path!r}{node}) matched no finding"
                )
        stale = [
            k for k, v in self.baseline.items() if ("baseline", k) not in self.used and v.get("path") in self.seen_paths
        ]
        if stale:
            out.append(
                f"{len(stale)} baseline entr{'y' if len(stale) == 1 else 'ies'} in {self.baseline_path} "
                "matched no finding (fixed? rewrite it with --write-baseline)"
            )
        return out


def _glob(rel: str, pattern: str) -> bool:
    return fnmatch.fnmatchcase(rel, pattern) or fnmatch.fnmatchcase(rel, pattern.rstrip("/") + "/*")


MAX_BASELINE_BYTES = 64 << 20  #: a baseline larger than this is refused (a million findings is ~300 MB)
_ENTRY_FIELDS = ("key", "code", "target", "path", "node", "op", "message")


def load_baseline(path: Path) -> dict[str, dict[str, Any]]:
    """The entries of a baseline file, by key; ConfigError (one line) for anything else."""
    try:
        data = json.loads(read_regular(path, MAX_BASELINE_BYTES).decode("utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"baseline file not found: {path} (create it with --write-baseline)") from None
    except NotARegularFile as exc:
        raise ConfigError(f"baseline file {path} cannot be read: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"baseline file {path} cannot be read: {exc.strerror or exc}") from None
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        why = "nested too deeply" if isinstance(exc, RecursionError) else " ".join(str(exc).split())[:200]
        raise ConfigError(f"baseline file {path} is not readable JSON: {why}") from None
    if (
        not isinstance(data, dict)
        or data.get("version") != BASELINE_VERSION
        or not isinstance(data.get("findings"), list)
    ):
        raise ConfigError(f"baseline file {path} is not an oplint baseline (version {BASELINE_VERSION})")
    entries: dict[str, dict[str, Any]] = {}
    for i, entry in enumerate(data["findings"], 1):
        if not isinstance(entry, dict) or not isinstance(entry.get("key"), str):
            raise ConfigError(f"baseline file {path}: entry {i} is not a finding with a 'key' (rewrite it)")
        bad = [k for k in _ENTRY_FIELDS if k in entry and entry[k] is not None and not isinstance(entry[k], str)]
        if bad:
            raise ConfigError(f"baseline file {path}: entry {i}: '{bad[0]}' must be a string (rewrite it)")
        entries[entry["key"]] = entry
    return entries


def write_baseline(path: Path, findings: Iterable[Finding], root: Path) -> int:
    entries = {}
    for f in findings:
        key = baseline_key(f, root)
        entries[key] = {
            "key": key,
            "code": f.code,
            "target": f.target,
            "path": relpath(f.location.path, root),
            "node": f.location.node,
            "op": f.location.op,
            "message": f.message,
        }
    doc = {
        "version": BASELINE_VERSION,
        "tool": "oplint",
        "findings": sorted(entries.values(), key=lambda e: (e["path"], e["code"], e["target"] or "", e["key"])),
    }
    write_atomic(path, json.dumps(doc, indent=1) + "\n")
    return len(entries)
