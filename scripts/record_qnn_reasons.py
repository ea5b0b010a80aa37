#!/usr/bin/env python3
"""Record why Qualcomm's plugin leaves each op on the CPU (a maintainer tool, not a test).

``fixtures/npu/VERDICTS.json`` says which ops 2.3.0's Qualcomm plugin selects; this says why it left the
others on the CPU, in the plugin's and QNN's own words, so that the ``qualcomm`` target's measured
validator rules (``oplint/delegates/qualcomm/qnn.py``) can cite what QNN printed.  For every model of the
record whose Qualcomm partition succeeded it runs ``apply_plugin_main --cmd=partition`` (the same
tool, the same libraries as ``scripts/record_npu.py``) for each SoC given and reads the log:

* ``LiteRT Op #N 'Name' (code=C) is not supported in Qualcomm Compiler.`` (printed by the plugin for
  every op it leaves on the CPU, in subgraph order; ``Partitioned subgraph<i>`` closes each subgraph);
* the ``QNN op validation failed: 'NODE' (type=T, operation=O)`` block before it, with the QNN data type
  of each input and output of the QNN op that failed (2.3.0 ``qnn_manager.cc:480``);
* the first line QNN's HTP validator logged about that node (``<E> ... 'NODE' ...``).

Writes ``fixtures/npu/QNN_REASONS.json``: per model key and SoC, a list of
``{"op": [subgraph, index], "kind": ..., "qnn": [{"node", "type", "operation", "in", "out", "says"}]}``
(``qnn`` is empty when the plugin built no QNN op: no builder, or a builder condition).

    /work/venvs/npu/bin/python scripts/record_qnn_reasons.py [--soc SM8650 --soc SM8350] [--only TEXT]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import record_npu as rec  # noqa: E402

OUT = rec.OUT_DIR / "QNN_REASONS.json"
FAILED = re.compile(r"QNN op validation failed: '([^']+)' \(type=(\w+)(?:, operation=(\w+))?\)")
TENSOR = re.compile(r"\[(\d+)\] name=\"[^\"]*\" dtype=QNN_DATATYPE_(\w+) dims=\[([^\]]*)\]\s*([\w-]*)")
NOT_SUPPORTED = re.compile(r"LiteRT Op #(\d+) '(\w+)' \(code=(\d+)\) is not supported in Qualcomm Compiler")
PARTITIONED = re.compile(r"Partitioned subgraph<(\d+)>")
QNN_ERROR = re.compile(r"<E> (.*)")


def parse(log: str) -> list[dict[str, Any]]:
    """The ops the plugin left on the CPU, in log order, with the QNN ops that failed for each."""
    found: list[dict[str, Any]] = []
    said: dict[str, str] = {}
    for line in log.splitlines():
        for message in QNN_ERROR.findall(line):
            text = re.sub(r"\s+\d+\.\d+ms.*", "", message).strip()[:300]
            for node in re.findall(r"'(\w+_\d+)'|op (\w+_\d+) with error", text):
                name = node[0] or node[1]
                # the validator's own reason beats its generic "Failed to validate op X with error"
                if name not in said or said[name].startswith("Failed to validate op"):
                    said[name] = text
    lines = log.splitlines()
    pending: list[dict[str, Any]] = []
    current: list[dict[str, Any]] = []  # ops of the subgraph being partitioned (its index comes after them)
    i = 0
    while i < len(lines):
        line = lines[i]
        failed = FAILED.search(line)
        if failed:
            block: dict[str, Any] = {"node": failed[1], "type": failed[2], "in": [], "out": []}
            if failed[3]:
                block["operation"] = failed[3]
            side = None
            j = i + 1
            while j < len(lines) and j < i + 40:
                text = lines[j].strip()
                if text.startswith("Inputs:"):
                    side = "in"
                elif text.startswith("Outputs:"):
                    side = "out"
                elif side and (m := TENSOR.search(text)):
                    block[side].append(f"{m[2]}{'/' + m[4] if m[4] else ''}[{m[3]}]")
                elif text.startswith("QNN error=") or FAILED.search(text) or NOT_SUPPORTED.search(text):
                    break
                j += 1
            pending.append(block)
            i = j
            continue
        part = PARTITIONED.search(line)
        if part:
            for entry in current:
                entry["op"][0] = int(part[1])
            found.extend(current)
            current = []
        op = NOT_SUPPORTED.search(line)
        if op:
            for block in pending:
                if block["node"] in said:
                    block["says"] = said[block["node"]]
            current.append({"op": [-1, int(op[1])], "kind": op[2], "code": int(op[3]), "qnn": pending})
            pending = []
        i += 1
    return found + current


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--soc", action="append", help="Qualcomm SoC (repeatable; default SM8650 and SM8350)")
    parser.add_argument("--only", help="only models whose key contains this text (merged into the file)")
    parser.add_argument("--timeout", type=float, default=600.0)
    args = parser.parse_args()
    socs = args.soc or ["SM8650", "SM8350"]
    verdicts = json.loads((rec.OUT_DIR / "VERDICTS.json").read_text())
    paths = dict(rec.discover())
    previous = json.loads(OUT.read_text()) if OUT.exists() and args.only else {}
    out: dict[str, Any] = {
        "about": "why ai-edge-litert 2.3.0's Qualcomm plugin left each op on the CPU (its log and QNN's validator "
        "log); written by scripts/record_qnn_reasons.py",
        "tools": verdicts.get("tools", {}),
        "socs": socs,
        "models": dict(previous.get("models", {})),
    }
    with tempfile.TemporaryDirectory(prefix="qnn-reasons-") as tmp:
        work = Path(tmp)
        for key, entry in sorted(verdicts["models"].items()):
            if (args.only and args.only not in key) or key not in paths:
                continue
            per_soc: dict[str, Any] = {}
            for soc in socs:
                run = entry["runs"].get(f"qualcomm@{soc}", {}).get("partition", {})
                if run.get("status") != "ok":
                    continue
                result = rec.run_tool("partition", paths[key], "qualcomm", soc, work, args.timeout)
                if result["status"] != "ok":
                    per_soc[soc] = {"status": result["status"]}
                    continue
                per_soc[soc] = parse(result["log"])
            if per_soc:
                out["models"][key] = per_soc
            print(key, {s: len(v) for s, v in per_soc.items()}, flush=True)
    OUT.write_text(rec.dump(out))


if __name__ == "__main__":
    main()
