"""oplint's Ethos-U verdicts against Vela 5.2's, as recorded in ../shared (oracle and corpus).

truth.py ran ``vela --accelerator-config ethos-u55-128`` and ``ethos-u85-256`` (default
vela.ini) on every .tflite and kept, per file, the ops left in the ``_vela.tflite`` (the CPU
ops, with repeats, in ``tools.vela_u55.output_tflite.cpu_ops``) or Vela's error.  Per op, oplint
agrees when it puts as many ops of each kind on the CPU as Vela did (ops of one kind are
interchangeable in that record); a file Vela cannot compile agrees when oplint says so too.

    python -m tests.fidelity_ethosu            # the numbers, with the generated tables
    python -m tests.fidelity_ethosu --vela     # the numbers, asking Vela (needs Vela)

``OPLINT_SHARED`` overrides where ../shared is (a git worktree sits one folder deeper).
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

from oplint.delegates import ethosu
from oplint.delegates.ethosu import vela
from oplint.knowledge.targets import load
from oplint.readers.problems import ModelError
from oplint.readers.tflite import read
from tests.fidelity import SHARED as DEFAULT_SHARED

SHARED = Path(os.environ.get("OPLINT_SHARED", str(DEFAULT_SHARED)))
TRUTH_FILES = (SHARED / "oracle" / "truth.json", SHARED / "corpus" / "truth.json")
TOOLS = {"ethos-u55": "vela_u55", "ethos-u85": "vela_u85"}

#: differences oplint knows about and why (file suffix, target, op) -> explanation.  Empty:
#: with Vela 5.2.0 every op of the corpus is placed as Vela places it.
EXPLAINED: dict[tuple[str, str, str], str] = {}

#: recorded Vela failures that are not the model's: (text in the recorded error, explanation)
RECORDING_ARTEFACTS = (
    (
        "KeyError: '0'",
        "the recording ran vela with --show-cpu-operations, and Vela 5.2.0's report writer "
        "(stats_writer.regor_operations_from_database) raises KeyError on an optimised op without a "
        "source op (here the NotEqual/And converting a bool graph input or output); without that "
        "flag Vela compiles the model, as oplint says",
    ),
)


def available() -> bool:
    return all(p.is_file() for p in TRUTH_FILES)


class Record(NamedTuple):
    path: Path
    name: str
    tools: dict[str, Any]
    verdict: dict[str, Any]


def records() -> Iterator[Record]:
    for truth in TRUTH_FILES:
        if not truth.is_file():
            continue
        for rec in json.loads(truth.read_text())["records"]:
            path = truth.parent / rec["path"]
            if rec.get("kind") == "tflite" and path.exists():
                yield Record(path, rec["path"], rec.get("tools") or {}, rec.get("verdict") or {})


def display(op: Any) -> str:
    return f"CUSTOM:{op.custom_code}" if op.kind == "CUSTOM" else str(op.kind)


class Difference(NamedTuple):
    name: str
    target: str
    op: str
    vela: str  #: what Vela did
    oplint: str  #: what oplint said
    explained: str | None


class Fidelity(NamedTuple):
    ops: Counter[str]  #: target -> ops compared (files Vela compiled)
    disagree: Counter[str]  #: target -> ops placed differently
    files: Counter[tuple[str, str]]  #: (target, "compiled"/"failed"/"both-fail"/...) -> files
    differences: list[Difference]

    def agreement(self, target: str) -> float:
        return 1.0 - self.disagree[target] / self.ops[target] if self.ops[target] else 1.0


def compare(backend: str = "tables") -> Fidelity:
    os.environ[ethosu.BACKEND_ENV] = backend
    ops: Counter[str] = Counter()
    disagree: Counter[str] = Counter()
    files: Counter[tuple[str, str]] = Counter()
    differences: list[Difference] = []
    targets = {t: load(t) for t in TOOLS}
    for rec in records():
        try:
            model = read(str(rec.path))
        except ModelError:
            continue
        for target_id, tool in TOOLS.items():
            if f"{tool}_ok" not in rec.verdict:
                continue
            result = ethosu.analyse(model, targets[target_id])
            if not rec.verdict[f"{tool}_ok"]:
                error = rec.verdict.get(f"{tool}_error") or "failed"
                if result.compile_error:
                    files[(target_id, "both fail")] += 1
                    continue
                artefact = next((why for text, why in RECORDING_ARTEFACTS if text in error), None)
                files[(target_id, "recorded Vela fails, oplint compiles")] += 1
                differences.append(Difference(rec.name, target_id, "*", error[:120], "compiles", artefact))
                continue
            if result.compile_error:
                files[(target_id, "Vela compiles, oplint fails")] += 1
                differences.append(Difference(rec.name, target_id, "*", "compiles", result.compile_error, None))
                continue
            files[(target_id, "both compile")] += 1
            real = Counter(rec.tools[tool]["output_tflite"]["cpu_ops"])
            every = Counter(display(op) for op in model.ops())
            said = Counter(display(op) for op in model.ops() if not result.verdicts[op.key].supported)
            ops[target_id] += sum(every.values())
            for kind in every:
                off = abs(min(real[kind], every[kind]) - said[kind])
                if off:
                    disagree[target_id] += off
                    why = next(
                        (
                            v
                            for (suffix, t, k), v in EXPLAINED.items()
                            if rec.name.endswith(suffix) and (t, k) == (target_id, kind)
                        ),
                        None,
                    )
                    differences.append(
                        Difference(rec.name, target_id, kind, f"{real[kind]} on CPU", f"{said[kind]} on CPU", why)
                    )
    return Fidelity(ops, disagree, files, differences)


def report(fid: Fidelity, backend: str) -> str:
    lines = [f"Ethos-U per-op agreement with Vela 5.2 ({backend}):"]
    for target in TOOLS:
        n, bad = fid.ops[target], fid.disagree[target]
        lines.append(f"  {target}: {n - bad}/{n} ops ({100 * fid.agreement(target):.2f}%)")
        counts = ", ".join(f"{k}: {v}" for (t, k), v in sorted(fid.files.items()) if t == target)
        lines.append(f"    files: {counts}")
    explained: dict[str, list[Difference]] = {}
    for d in fid.differences:
        if d.explained is None:
            lines.append(f"  UNEXPLAINED {d.target} {d.name} {d.op}: Vela {d.vela}; oplint {d.oplint}")
        else:
            explained.setdefault(d.explained, []).append(d)
    for why, diffs in explained.items():
        lines.append(f"  {len(diffs)} explained: {why}")
        lines.extend(f"    {d.target} {d.name}: recorded Vela {d.vela}; oplint {d.oplint}" for d in diffs)
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    if not available():
        print(f"no truth files under {SHARED} (set OPLINT_SHARED)", file=sys.stderr)
        return 2
    backend = "vela" if "--vela" in argv else "tables"
    if backend == "vela" and vela.find_vela() is None:
        print("Vela is not installed (pip install 'oplint[ethos-u]', or set OPLINT_VELA)", file=sys.stderr)
        return 2
    print(report(compare(backend), backend))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
