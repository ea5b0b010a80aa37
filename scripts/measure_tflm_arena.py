#!/usr/bin/env python3
"""Record TFLite Micro's own arena breakdown for models, with the ``tflite-micro`` wheel.

For each model this runs ``tflite_micro.runtime.Interpreter`` (its RecordingMicroAllocator) in a
subprocess, as ../shared/oracle/tflm_arena.py does, and keeps every line of
``print_allocations()``: the arena total/head/tail and each recorded category (TfLiteEvalTensor
data, persistent TfLiteTensor data and their quantization data, persistent buffer data, variable
buffers, NodeAndRegistration structs) with used bytes, requested bytes and count.  oplint's
arena model (oplint/analysis/memory.py) is checked category by category against this output.

usage: PYTHON_WITH_TFLM scripts/measure_tflm_arena.py OUT.json [MODEL...]
       (no MODEL: every model with a recorded arena in ../shared's truth files)
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
CHILD = r"""
import sys
from tflite_micro.python.tflite_micro import runtime
it = runtime.Interpreter.from_file(sys.argv[1], arena_size=int(sys.argv[2]))
it.print_allocations()
"""
TOTALS = re.compile(r"Arena allocation (total|head|tail) (\d+) bytes")
CATEGORY = re.compile(r"'([^']+)' used (\d+) bytes with alignment overhead \(requested (\d+) bytes for (\d+) ")


def shared_models() -> list[Path]:
    out = []
    for truth in (SHARED / "oracle" / "truth.json", SHARED / "corpus" / "truth.json"):
        if truth.is_file():
            for rec in json.loads(truth.read_text())["records"]:
                if (rec.get("verdict") or {}).get("tflm_arena_total"):
                    out.append(truth.parent / rec["path"])
    return out


def measure(path: Path) -> tuple[str, dict]:
    arena = max(16 << 20, 10 * path.stat().st_size)
    try:
        r = subprocess.run(
            [sys.executable, "-c", CHILD, str(path), str(arena)], capture_output=True, text=True, timeout=120
        )
    except subprocess.TimeoutExpired:
        return str(path), {"status": "timeout"}
    out = r.stdout + r.stderr
    rec: dict = {"status": "ok" if r.returncode == 0 else "error", "categories": {}}
    for key, value in TOTALS.findall(out):
        rec[key] = int(value)
    for name, used, requested, count in CATEGORY.findall(out):
        rec["categories"][name] = {"used": int(used), "requested": int(requested), "count": int(count)}
    if r.returncode:
        rec["error"] = out.strip().splitlines()[-1][:300] if out.strip() else f"rc={r.returncode}"
    return str(path), rec


def main() -> None:
    paths = [Path(p) for p in sys.argv[2:]] or shared_models()
    with ThreadPoolExecutor(2) as pool:
        result = dict(pool.map(measure, paths))
    Path(sys.argv[1]).write_text(json.dumps(result, indent=1, sort_keys=True))
    print(len(result), "models,", sum(1 for r in result.values() if r.get("total")), "measured")


if __name__ == "__main__":
    main()
