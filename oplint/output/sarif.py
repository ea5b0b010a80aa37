"""SARIF 2.1.0, as GitHub code scanning reads it.

* only the rules that fired, each with its docstring as ``help`` (text and markdown);
* models are binary files: a result points at line 1 of the model (a file-level anchor GitHub
  can show), or at the Python line that created the op when SavedModel debug info gave one (the
  model then is a related location);
* ``partialFingerprints`` carry oplint's own line-free fingerprint, so alerts survive edits
  (``upload-sarif`` keeps fingerprints a tool provides);
* the op is a logical location (``subgraph[0]/op[12]``), and is named in the message too.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .. import __version__
from ..core.findings import Finding, Severity
from ..core.report import Report

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def repository_root(start: Path | None = None) -> Path | None:
    """The git work tree the run is in (code scanning resolves URIs against its root)."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / ".git").exists():
            return folder
    return None


def uri(path: str, root: Path | None = None) -> str:
    """The path relative to the repository root, percent-encoded (``models/plane%20strike%231.tflite``);
    a file URI when it lies outside the repository (or there is none)."""
    rel = _below(path, root)
    if rel is not None:
        return quote(rel, safe="/")
    return Path(os.path.abspath(path)).as_uri()


def _below(path: str, root: Path | None) -> str | None:
    """``path`` relative to ``root`` (POSIX separators), or None when it lies outside."""
    if root is None:
        return None
    try:
        return Path(os.path.abspath(path)).relative_to(root).as_posix()
    except ValueError:
        return None


def _rule(rule: Any) -> dict[str, Any]:
    what = rule.doc.split("## What it does", 1)[-1].split("##", 1)[0].strip()
    return {
        "id": rule.code,
        "name": "".join(part.capitalize() for part in rule.name.split("-")),
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": " ".join(what.split()) or rule.summary},
        "help": {"text": rule.doc, "markdown": rule.doc},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {"tags": ["oplint", rule.name], "precision": "high"},
    }


def _where(f: Finding) -> str:
    loc = f.location
    parts = []
    if loc.op_index is not None:
        parts.append(f"subgraph {loc.graph} op {loc.op_index}")
    if loc.layer:
        parts.append(f"layer {loc.layer}")
    return f" ({', '.join(parts)})" if parts else ""


def _result(f: Finding, rule_index: int, root: Path | None) -> dict[str, Any]:
    loc = f.location
    target = f" [{f.target}]" if f.target else ""
    text = f"{f.message}{_where(f)}{target}"
    if f.hint:
        text += f". Fix: {f.hint}"
    model = {"physicalLocation": {"artifactLocation": {"uri": uri(loc.path, root)}, "region": {"startLine": 1}}}
    fingerprint = f.fingerprint_at(_below(loc.path, root) or os.path.abspath(loc.path))
    result: dict[str, Any] = {
        "ruleId": f.code,
        "ruleIndex": rule_index,
        "level": LEVELS[f.severity],
        "message": {"text": text},
        "partialFingerprints": {"primaryLocationLineHash": f"{fingerprint}:1", "oplint/v1": fingerprint},
        "properties": {"target": f.target, "op": loc.op, "node": loc.node},
    }
    if loc.source is not None:
        source = {
            "physicalLocation": {
                "artifactLocation": {"uri": uri(loc.source.file, root)},
                "region": {"startLine": max(1, loc.source.line)},
            }
        }
        result["locations"] = [source]
        result["relatedLocations"] = [{"id": 1, **model, "message": {"text": "the model file"}}]
    else:
        result["locations"] = [model]
    if loc.op_index is not None:
        logical: dict[str, Any] = {
            "fullyQualifiedName": f"subgraph[{loc.graph}]/op[{loc.op_index}]",
            "kind": "function",
        }
        if loc.node:
            logical["name"] = loc.node
        result["locations"][0]["logicalLocations"] = [logical]
    return result


def build(report: Report, root: Path | None = None) -> dict[str, Any]:
    """The SARIF log; URIs relative to ``root`` (default: the git work tree around the working directory)."""
    root = root or repository_root()
    fired = report.fired_rules()
    index = {r.code: i for i, r in enumerate(fired)}
    findings = sorted(report.findings, key=lambda f: f.sort_key)
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "oplint",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": [_rule(r) for r in fired],
                    }
                },
                # no automationDetails: upload-sarif's `category` names the analysis (two uploads with
                # their own categories must not overwrite each other)
                "columnKind": "unicodeCodePoints",
                "results": [_result(f, index[f.code], root) for f in findings],
            }
        ],
    }


def render(report: Report) -> str:
    return json.dumps(build(report), indent=2) + "\n"
