#!/usr/bin/env python3
"""The editor server on a real workspace (not a test: timings depend on the machine).

    python bench/editor.py                  # ../shared/corpus/models copied to a temporary folder
    python bench/editor.py --events 1000    # size of the file-event burst
    python bench/editor.py --server-path /tmp/old-checkout   # time another checkout's server

A raw JSON-RPC client (tests/lsp/rpc.py) starts ``oplint server`` with a modern client's
capabilities (dynamic file watching, work-done progress) on a copy of the corpus (170 models:
148 .tflite files and 22 SavedModels) and measures, from the moment it sends ``initialized``:

* first response: a ``textDocument/codeAction`` request sent right after ``initialized``;
* worst response while linting: the same request every 50 ms until every model is published;
* all diagnostics: until every model's ``publishDiagnostics`` arrived;
* then one ``didChangeWatchedFiles`` with ``--events`` events (every file of every model, its
  SavedModel metadata and variables included, repeated): the response to a request sent right
  after it, and the time until every model was published again.

Goals (issue 13): first response within 200 ms of ``initialized``, all diagnostics within 2 s;
the burst (issue 12: 102 s before) answered at once and re-linted like a workspace scan.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SHARED = next((p / "shared" for p in ROOT.parents if (p / "shared" / "oracle").is_dir()), ROOT.parent / "shared")
sys.path.insert(0, str(ROOT))

from tests.lsp.rpc import RawClient  # noqa: E402

CAPABILITIES = {
    "workspace": {"didChangeWatchedFiles": {"dynamicRegistration": True}},
    "window": {"workDoneProgress": True},
    "general": {"positionEncodings": ["utf-16"]},
}
ZERO = {"line": 0, "character": 0}
PROBE = {
    "textDocument": {"uri": "file:///probe.tflite"},
    "range": {"start": ZERO, "end": ZERO},
    "context": {"diagnostics": []},
}


def model_uris(folder: Path) -> dict[str, list[Path]]:
    """Each model's diagnostics URI, and the files that make it up."""
    out: dict[str, list[Path]] = {}
    savedmodels = {
        p.parent for p in folder.rglob("saved_model.pb*") if p.name in ("saved_model.pb", "saved_model.pbtxt")
    }
    for sm in savedmodels:
        graph = sm / "saved_model.pb" if (sm / "saved_model.pb").is_file() else sm / "saved_model.pbtxt"
        out[graph.as_uri()] = [p for p in sm.rglob("*") if p.is_file()]
    for path in folder.rglob("*.tflite"):
        if not any(sm in path.parents for sm in savedmodels):
            out[path.as_uri()] = [path]
    return out


def run(workspace: Path, events: int, python: str, server_path: str | None, timeout: float) -> dict[str, Any]:
    expected = model_uris(workspace)
    env = {"PYTHONPATH": server_path} if server_path else {}
    env["PYTHONDONTWRITEBYTECODE"] = ""
    client = RawClient(workspace, command=[python, "-m", "oplint", "server"], env=env)
    out: dict[str, Any] = {"models": len(expected)}
    try:
        start = time.monotonic()
        client.initialize(workspace, CAPABILITIES)  # sends initialized right after the reply
        sent = time.monotonic()
        out["initialize_s"] = round(sent - start, 3)
        first = client.request("textDocument/codeAction", PROBE)
        probes: dict[int, float] = {first: sent}
        while True:
            with client.lock:
                done = all(uri in client.published for uri in expected)
            if done or time.monotonic() - sent > timeout:
                break
            time.sleep(0.05)
            probes[client.request("textDocument/codeAction", PROBE)] = time.monotonic()
        client.wait(lambda: all(uri in client.published for uri in expected), timeout)
        out["all_diagnostics_s"] = round(max(client.published[u] for u in expected) - sent, 3)
        client.wait(lambda: all(i in client.times for i in probes), timeout)
        out["first_response_s"] = round(client.times[first] - sent, 3)
        out["worst_response_while_linting_s"] = round(max(client.times[i] - t for i, t in probes.items()), 3)
        out["requests_while_linting"] = len(probes)
        out["findings"] = sum(len(client.diagnostics[u]) for u in expected)

        # one notification with a burst of file events
        files = [f for parts in expected.values() for f in parts]
        changes = [{"uri": files[i % len(files)].as_uri(), "type": 2} for i in range(events)]
        with client.lock:
            before = dict(client.published)
        burst = time.monotonic()
        client.notify("workspace/didChangeWatchedFiles", {"changes": changes})
        probe = client.request("textDocument/codeAction", PROBE)
        client.wait(lambda: probe in client.times, timeout)
        out["burst_events"] = events
        out["burst_distinct_models"] = len({u for u, parts in expected.items() if parts})
        out["burst_response_s"] = round(client.times[probe] - burst, 3)
        client.wait(lambda: all(client.published.get(u, 0) > before.get(u, 0) for u in expected), timeout)
        out["burst_all_relinted_s"] = round(max(client.published[u] for u in expected) - burst, 3)
    finally:
        client.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=SHARED / "corpus" / "models")
    ap.add_argument("--events", type=int, default=1000)
    ap.add_argument("--python", default=sys.executable, help="interpreter with oplint[lsp] installed")
    ap.add_argument("--server-path", help="PYTHONPATH for the server (another checkout)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=300.0)
    ap.add_argument("--json", type=Path, help="also write the results here")
    args = ap.parse_args()
    if not args.corpus.is_dir():
        sys.exit(f"no corpus at {args.corpus}")
    results = []
    with tempfile.TemporaryDirectory(prefix="oplint-editor-") as tmp:
        workspace = Path(tmp) / "workspace"
        shutil.copytree(args.corpus, workspace)
        for _ in range(args.runs):
            result = run(workspace, args.events, args.python, args.server_path, args.timeout)
            print(json.dumps(result), flush=True)
            results.append(result)
    keys = [k for k in results[0] if k.endswith("_s")]
    summary = {k: sorted(r[k] for r in results)[len(results) // 2] for k in keys}
    print("median of", len(results), "runs:", json.dumps(summary), f"(load {os.getloadavg()[0]:.1f})")
    if args.json:
        args.json.write_text(json.dumps({"runs": results, "median": summary}, indent=1) + "\n")


if __name__ == "__main__":
    main()
