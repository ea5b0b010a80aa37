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

from .. import __version__
from ..core.findings import Finding, Severity
from ..core.report import Report

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def uri(path: str) -> str:
    """A repository-relative URI for relative paths, a file URI for absolute ones."""
    p = Path(path)
    if p.is_absolute():
        return p.as_uri()
    return Path(os.path.normpath(path)).as_posix()


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


def _result(f: Finding, rule_index: int) -> dict[str, Any]:
    loc = f.location
    target = f" [{f.target}]" if f.target else ""
    text = f"{f.message}{_where(f)}{target}"
    if f.hint:
        text += f". Fix: {f.hint}"
    model = {"physicalLocation": {"artifactLocation": {"uri": uri(loc.path)}, "region": {"startLine": 1}}}
    result: dict[str, Any] = {
        "ruleId": f.code,
        "ruleIndex": rule_index,
        "level": LEVELS[f.severity],
        "message": {"text": text},
        "partialFingerprints": {"primaryLocationLineHash": f"{f.fingerprint}:1", "oplint/v1": f.fingerprint},
        "properties": {"target": f.target, "op": loc.op, "node": loc.node},
    }
    if loc.source is not None:
        source = {
            "physicalLocation": {
                "artifactLocation": {"uri": uri(loc.source.file)},
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


def build(report: Report) -> dict[str, Any]:
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
                "automationDetails": {"id": "oplint/"},
                "columnKind": "unicodeCodePoints",
                "results": [_result(f, index[f.code]) for f in findings],
            }
        ],
    }


def render(report: Report) -> str:
    return json.dumps(build(report), indent=2) + "\n"
