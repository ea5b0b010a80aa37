#!/usr/bin/env python3
"""Snapshot oplint's machine output on every known model, and compare two snapshots.

A refactoring must not change what oplint says.  This script runs the installed ``oplint``
(whichever ``python -m oplint`` the given interpreter imports) on every fixture of this
repository and every model in ``../shared`` (when present), with the default targets, with
every target, with target variants and with each fixture configuration, in JSON, SARIF and the
full text format, and ``predict`` on every SavedModel and GraphDef; it stores stdout and the
exit status of each run.  ``compare`` then says which outputs differ, byte for byte.

    python scripts/compare_outputs.py snapshot /tmp/before      # on the old commit
    python scripts/compare_outputs.py snapshot /tmp/after       # on the new one
    python scripts/compare_outputs.py compare /tmp/before /tmp/after

``--shared DIR`` points at another copy of the shared models (default: ``../shared`` beside the
repository, or ``$OPLINT_SHARED``).  Runs are made from the repository root with ``--isolated``
so that no configuration file of the machine takes part.
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ALL_TARGETS = (
    "tflite,tflite-flex,tflm,xnnpack,gpu,gpu-litert,nnapi,coreml,hexagon,edgetpu,ethos-u55,ethos-u65,ethos-u85"
    ",qualcomm,intel-openvino,mediatek,google-tensor"
)
VARIANTS = "tflite@2.10,nnapi@29,coreml@2,ethos-u55@256,ethos-u85@512,qualcomm@SM8350"
#: GraphDef files that are not models (SavedModel metadata)
_NOT_GRAPHDEFS = frozenset({"saved_model.pb", "fingerprint.pb", "keras_metadata.pb", "tfhub_module.pb"})


def shared_dir(explicit: str | None) -> Path | None:
    for candidate in (explicit, os.environ.get("OPLINT_SHARED"), str(ROOT.parent / "shared")):
        if candidate and (Path(candidate) / "oracle").is_dir():
            return Path(candidate)
    return None


def _is_tflite(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(8)[4:8] == b"TFL3"
    except OSError:
        return False


def models(shared: Path | None) -> dict[str, list[str]]:
    """Model paths by kind, relative to the repository root where possible, sorted."""
    roots = [ROOT / "fixtures", ROOT / "examples"] + ([shared] if shared else [])
    tflite: set[str] = set()
    savedmodels: set[str] = set()
    graphdefs: set[str] = set()
    for root in roots:
        for folder, dirs, files in os.walk(root):
            dirs.sort()
            if "saved_model.pb" in files or "saved_model.pbtxt" in files:
                savedmodels.add(os.path.relpath(folder, ROOT))
                dirs[:] = []
                continue
            for name in files:
                path = Path(folder) / name
                rel = os.path.relpath(path, ROOT)
                if name.endswith(".tflite") or (name.endswith(".bin") and _is_tflite(path)):
                    tflite.add(rel)
                elif name.endswith((".pb", ".pbtxt")) and name not in _NOT_GRAPHDEFS and "variables" not in folder:
                    graphdefs.add(rel)
    return {"tflite": sorted(tflite), "savedmodel": sorted(savedmodels), "graphdef": sorted(graphdefs)}


def invocations(found: dict[str, list[str]]) -> list[tuple[str, list[str]]]:
    """(name, oplint arguments) of every run of a snapshot."""
    every = found["tflite"] + found["savedmodel"] + found["graphdef"]
    runs: list[tuple[str, list[str]]] = []
    check = ["check", "--isolated", "--no-progress", "--exit-zero"]
    for kind, paths in found.items():
        if not paths:
            continue
        runs.append((f"{kind}-default.json", [*check, "--output-format", "json", *paths]))
        runs.append((f"{kind}-all.json", [*check, "--output-format", "json", "-t", ALL_TARGETS, *paths]))
        runs.append((f"{kind}-all.txt", [*check, "--output-format", "full", "-t", ALL_TARGETS, *paths]))
    runs.append(("tflite-variants.json", [*check, "--output-format", "json", "-t", VARIANTS, *found["tflite"]]))
    runs.append(("every-default.sarif", [*check, "--output-format", "sarif", *every]))
    runs.append(("every-default.concise", [*check, "--output-format", "concise", *every]))
    runs.append(("every-all.junit", [*check, "--output-format", "junit", "-t", ALL_TARGETS, *every]))
    runs.append(("every-all.github", [*check, "--output-format", "github", "-t", ALL_TARGETS, *every]))
    fixtures = [p for p in every if p.startswith("fixtures")]
    runs.append(
        (
            "fixtures-options.json",
            [*check, "--output-format", "json", "-t", ALL_TARGETS, "--max-partitions", "1", "--arena-size", "64K",
             "--runtime", "2.12", "--signature", "*", *fixtures],
        )
    )  # fmt: skip
    for config in sorted((ROOT / "fixtures" / "config").glob("*.toml")):
        rel = os.path.relpath(config, ROOT)
        args = ["check", "--no-progress", "--exit-zero", "--config", rel, "--output-format", "json", *fixtures]
        runs.append((f"config-{config.stem}.json", args))
    for path in found["savedmodel"] + found["graphdef"]:
        tag = hashlib.sha256(path.encode()).hexdigest()[:10]
        runs.append((f"predict-{tag}.txt", ["predict", "--all", "-t", ALL_TARGETS, path]))
    for code in ("--all", "OPL101", "OPL301"):
        runs.append((f"explain-{code.strip('-')}.txt", ["explain", code]))
    runs.append(("targets.json", ["targets", "--json"]))
    runs.append(("targets.txt", ["targets"]))
    return runs


def snapshot(out: Path, python: str, shared: Path | None) -> None:
    out.mkdir(parents=True, exist_ok=True)
    found = models(shared)
    env = {**os.environ, "OPLINT_ETHOSU_BACKEND": "tables", "NO_COLOR": "1"}
    env.pop("GITHUB_ACTIONS", None)
    index = {}
    for name, args in invocations(found):
        start = time.perf_counter()
        proc = subprocess.run([python, "-m", "oplint", *args], cwd=ROOT, capture_output=True, env=env)
        (out / name).write_bytes(proc.stdout)
        index[name] = {
            "args": args[:8] + (["..."] if len(args) > 8 else []),
            "exit": proc.returncode,
            "stderr": proc.stderr.decode("utf-8", "replace")[-2000:],
            "seconds": round(time.perf_counter() - start, 2),
        }
        print(f"{name}: exit {proc.returncode}, {len(proc.stdout):,} bytes, {index[name]['seconds']} s", flush=True)
    counts = {k: len(v) for k, v in found.items()}
    (out / "INDEX.json").write_text(json.dumps({"models": counts, "runs": index}, indent=1) + "\n")


def compare(a: Path, b: Path) -> int:
    ia = json.loads((a / "INDEX.json").read_text())["runs"]
    ib = json.loads((b / "INDEX.json").read_text())["runs"]
    differ = 0
    for name in sorted(set(ia) | set(ib)):
        if name not in ia or name not in ib:
            print(f"{name}: only in {'before' if name in ia else 'after'}")
            differ += 1
            continue
        before, after = (a / name).read_bytes(), (b / name).read_bytes()
        same = ia[name]["exit"] == ib[name]["exit"] and ia[name]["stderr"] == ib[name]["stderr"]
        if before == after and same:
            continue
        differ += 1
        sizes = f"{len(before):,} -> {len(after):,} bytes"
        print(f"{name}: differs (exit {ia[name]['exit']} -> {ib[name]['exit']}, {sizes})")
        if ia[name]["stderr"] != ib[name]["stderr"]:
            print(f"    stderr: {ia[name]['stderr'][-200:]!r} -> {ib[name]['stderr'][-200:]!r}")
        lines = difflib.unified_diff(
            before.decode("utf-8", "replace").splitlines(),
            after.decode("utf-8", "replace").splitlines(),
            "before",
            "after",
            lineterm="",
            n=1,
        )
        for i, line in enumerate(lines):
            if i >= 40:
                print("    ...")
                break
            print("    " + line[:200])
    total = len(set(ia) | set(ib))
    print(f"{total - differ} of {total} outputs identical")
    return 1 if differ else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    snap = sub.add_parser("snapshot")
    snap.add_argument("out", type=Path)
    snap.add_argument("--python", default=sys.executable)
    snap.add_argument("--shared")
    cmp_ = sub.add_parser("compare")
    cmp_.add_argument("before", type=Path)
    cmp_.add_argument("after", type=Path)
    args = parser.parse_args()
    if args.cmd == "snapshot":
        snapshot(args.out, args.python, shared_dir(args.shared))
        return 0
    return compare(args.before, args.after)


if __name__ == "__main__":
    sys.exit(main())
