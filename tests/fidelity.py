"""Compare oplint's verdicts with the real tools' recorded in ../shared (oracle and corpus).

Used by tests/test_oracle.py and runnable on its own for the numbers:

    python -m tests.fidelity            # prints the agreement tables
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

from oplint.core.model import Model
from oplint.readers import ModelError, load
from oplint.run.config import Config, TargetSpec
from oplint.run.lint import Run, lint_file, prepare
from tests.helpers import SHARED

TRUTH_FILES = (SHARED / "oracle" / "truth.json", SHARED / "corpus" / "truth.json")


class Record(NamedTuple):
    path: Path  #: absolute path of the model
    name: str  #: path as recorded in truth.json
    verdict: dict[str, Any]
    tools: dict[str, Any]  #: each tool's raw record (tools.litert.xnnpack, ...)


def records(kind: str = "tflite") -> Iterator[Record]:
    for truth in TRUTH_FILES:
        if not truth.is_file():
            continue
        for rec in json.loads(truth.read_text())["records"]:
            if rec.get("kind") != kind:
                continue
            path = truth.parent / rec["path"]
            if path.exists():
                yield Record(path, rec["path"], rec.get("verdict") or {}, rec.get("tools") or {})


def readable(kind: str = "tflite") -> Iterator[tuple[Record, Model]]:
    """Every recorded model oplint can read, with its record."""
    for rec in records(kind):
        try:
            yield rec, load(str(rec.path))
        except ModelError:
            continue


def run_for(target: str, arena_size: int | None = None) -> Run:
    options = {"arena-size": arena_size} if arena_size else {}
    return prepare(Config(targets=(TargetSpec.parse(target),), options=options))


def oracle_arena(path: Path) -> int:
    """The tensor arena truth.py gave the TFLM interpreter: max(16 MiB, 10 x the model size)."""
    return max(16 * 1024 * 1024, 10 * path.stat().st_size)


def errors(path: Path, run: Run) -> list[str]:
    report = lint_file(str(path), run)
    return [f"{f.code} {f.location.op or ''} {f.message}" for f in report.findings if f.severity.label == "error"]


class Comparison(NamedTuple):
    agree: list[str]
    false_clean: list[tuple[str, str]]  #: (model, what the real tool said)
    false_alarm: list[tuple[str, str]]  #: (model, what oplint said)


def compare_tflm() -> Comparison:
    agree, false_clean, false_alarm = [], [], []
    for rec in records():
        real = rec.verdict.get("tflm_runs")
        if real is None:
            continue
        found = errors(rec.path, run_for("tflm", oracle_arena(rec.path)))
        if bool(real) == (not found):
            agree.append(rec.name)
        elif real is False:
            message = " / ".join((rec.verdict.get("tflm_messages") or [])[:2]) or rec.verdict.get("tflm_error") or ""
            false_clean.append((rec.name, message))
        else:
            false_alarm.append((rec.name, found[0]))
    return Comparison(agree, false_clean, false_alarm)


VERSION_ERROR = re.compile(r"Didn't find op for builtin opcode '(\w+)' version '(\d+)'|builtin_code out of range")


def compare_tf215() -> Comparison:
    """TF 2.15.1's interpreter vs ``--target tflite --runtime 2.15`` on builtin-only models."""
    run = run_for("tflite@2.15")
    agree, false_clean, false_alarm = [], [], []
    for rec in records():
        v = rec.verdict
        if v.get("tf215_flex_runs") is None or v.get("flex_ops") or v.get("custom_ops"):
            continue
        if v.get("builtins_only") is False:
            continue
        rejected = bool(VERSION_ERROR.search(v.get("tf215_flex_error") or ""))
        found = [e for e in errors(rec.path, run) if e.startswith(("OPL401", "OPL402", "OPL101"))]
        if rejected == bool(found):
            agree.append(rec.name)
        elif rejected:
            false_clean.append((rec.name, (v.get("tf215_flex_error") or "").splitlines()[0]))
        elif v.get("tf215_flex_runs"):
            false_alarm.append((rec.name, found[0]))
        else:
            agree.append(rec.name)  # 2.15 failed for another reason; the version verdict is not contradicted
    return Comparison(agree, false_clean, false_alarm)


def _print(title: str, cmp: Comparison) -> None:
    total = len(cmp.agree) + len(cmp.false_clean) + len(cmp.false_alarm)
    print(
        f"\n## {title}: {len(cmp.agree)}/{total} agree, {len(cmp.false_clean)} false clean, "
        f"{len(cmp.false_alarm)} false alarms"
    )
    for name, why in cmp.false_clean:
        print(f"  FALSE CLEAN {name}: {why[:200]}")
    for name, why in cmp.false_alarm:
        print(f"  FALSE ALARM {name}: {why[:200]}")


def main() -> None:
    _print("TensorFlow Lite Micro (tflm) vs tflite-micro interpreter", compare_tflm())
    _print("tflite@2.15 vs TF 2.15.1 interpreter (op versions, builtin codes)", compare_tf215())


if __name__ == "__main__":
    main()
