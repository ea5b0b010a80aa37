"""TensorFlow Lite Micro's kernel tests as cases for oplint's ``tflm`` target.

``scripts/record_tflm_kernel_tests.py`` builds the pinned tflite-micro and runs every
``tensorflow/lite/micro/kernels/*_test.cc``, recording each kernel run a test makes (the kernel,
its tensors' types and ranks, what ``InitAndPrepare`` and ``Invoke`` returned) in
``evidence/tflm_kernel_tests.json``.  A run that prepares and invokes is a signature the kernel's
tests exercise on the passing path: the ``tflm`` target must accept it.  A run the kernel refuses
is a test that expects failure: the target must refuse it too, unless another run with the same
types and ranks passes (then the failure is about values or shapes, which the table does not
model).

    python -m tests.upstream.tflm_kernel_tests      # per kernel: cases, agreement, the differences
"""

from __future__ import annotations

import json
import subprocess
from collections import defaultdict
from functools import cache
from typing import NamedTuple

from oplint.knowledge.sources import TFLM, checkout
from oplint.knowledge.targets import load as load_target
from oplint.knowledge.targets import matches
from tests.helpers import ROOT

RECORD = ROOT / "evidence" / "tflm_kernel_tests.json"
#: TfLiteTypeGetName -> oplint dtype names
TYPES = {
    "FLOAT32": "float32",
    "FLOAT16": "float16",
    "FLOAT64": "float64",
    "BFLOAT16": "bfloat16",
    "INT4": "int4",
    "INT8": "int8",
    "INT16": "int16",
    "INT32": "int32",
    "INT64": "int64",
    "UINT8": "uint8",
    "UINT16": "uint16",
    "UINT32": "uint32",
    "UINT64": "uint64",
    "BOOL": "bool",
    "STRING": "string",
    "COMPLEX64": "complex64",
    "RESOURCE": "resource",
    "VARIANT": "variant",
    "NOTYPE": "notype",
}


class Case(NamedTuple):
    test: str  #: the test file and test ("add_test.cc AddTest.FloatAddNoActivation")
    op: str  #: the kernel's builtin (or custom) name
    inputs: tuple[tuple[str, int] | None, ...]  #: (dtype, rank) per input, None when omitted
    outputs: tuple[tuple[str, int], ...]
    passes: bool  #: prepared and invoked (False: the kernel refused it, as the test expects)

    @property
    def signature(self) -> str:
        ins = ", ".join(f"{t[0]}/{t[1]}" if t else "-" for t in self.inputs)
        outs = ", ".join(f"{t[0]}/{t[1]}" for t in self.outputs)
        return f"{self.op}({ins} -> {outs})"


class Verdict(NamedTuple):
    case: Case
    accepted: bool
    why: str  #: why oplint refuses it
    kind: str  #: "agree", "disagree", "not-a-type-failure"


def load_record() -> dict[str, object] | None:
    if not RECORD.is_file():
        return None
    data: dict[str, object] = json.loads(RECORD.read_text())
    return data


def test_files() -> list[str]:
    """The kernel tests at the pinned commit (None when no checkout is here)."""
    clone = checkout(TFLM)
    if clone is None:
        return []
    git_dir = clone / ".git" if (clone / ".git").exists() else clone
    out = subprocess.run(
        ["git", "--git-dir", str(git_dir), "ls-tree", "--name-only", TFLM.commit, "tensorflow/lite/micro/kernels/"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return [p for p in out if p.endswith("_test.cc")]


def _tensor(text: str) -> tuple[str, int] | None:
    if text == "-":
        return None
    name, _, rank = text.partition("/")
    return TYPES.get(name, name.lower()), int(rank)


def cases(record: dict[str, object]) -> list[Case]:
    """One case per run (a test prepares, then usually invokes, one kernel with one signature)."""
    out: list[Case] = []
    tests: dict[str, dict[str, object]] = record["tests"]  # type: ignore[assignment]
    for test, result in tests.items():
        runs: list[list[object]] = result.get("runs", [])  # type: ignore[assignment]
        pending: dict[tuple[object, ...], bool] = {}
        order: list[tuple[object, ...]] = []
        for name, op, stage, status, ins, outs in runs:  # type: ignore[misc]
            key = (f"{test.rsplit('/', 1)[1]} {name}", op, tuple(ins), tuple(outs))  # type: ignore[arg-type]
            if stage == "prepare":
                order.append(key)
                pending[(len(order) - 1, *key)] = status == 0
            else:  # an invoke belongs to the last prepare of the same signature
                for i in range(len(order) - 1, -1, -1):
                    if order[i] == key:
                        pending[(i, *key)] = pending[(i, *key)] and status == 0
                        break
        for (_, where, op, ins, outs), ok in pending.items():
            out.append(
                Case(
                    str(where),
                    str(op),
                    tuple(_tensor(str(t)) for t in ins),  # type: ignore[union-attr]
                    tuple(t for t in (_tensor(str(x)) for x in outs) if t is not None),  # type: ignore[union-attr]
                    ok,
                )
            )
    return out


@cache
def _registered_as() -> dict[str, str]:
    """The probe names a kernel by its registration (``Register_DECODE`` -> ``DECODE``); the
    resolver registers it as an op (``AddDecode``: the custom op ``TFLM_DECODE``)."""
    table = json.loads((ROOT / "rules" / "tflm" / "resolver.json").read_text())
    return {m["default"][len("Register_") :]: m["op"] for m in table["methods"] if m.get("default")}


def accepts(case: Case) -> tuple[bool, str]:
    """Whether the ``tflm`` target accepts the kernel run: the op, its types, its ranks."""
    target = load_target("tflm")
    op = _registered_as().get(case.op, case.op)
    support = target.builtins.get(op) or target.custom.get(op)
    if support is None:
        return False, "no kernel in the table"
    dtypes: dict[str, str | None] = {f"in{i}": t[0] if t else None for i, t in enumerate(case.inputs)}
    dtypes.update({f"out{i}": t[0] for i, t in enumerate(case.outputs)})
    if support.types is not None and not any(matches(sig, dtypes, support.uniform_inputs) for sig in support.types):
        return False, "types"
    ranks = {f"in{i}": t[1] for i, t in enumerate(case.inputs) if t}
    ranks.update({f"out{i}": t[1] for i, t in enumerate(case.outputs)})
    limits = dict(support.rank_limits)
    if support.max_rank is not None and "in0" not in limits:
        limits["in0"] = (0, support.max_rank)
    for pos, (lo, hi) in limits.items():
        if pos in ranks and not lo <= ranks[pos] <= hi:
            return False, f"rank of {pos}"
    return True, ""


def verdicts(record: dict[str, object]) -> list[Verdict]:
    found = cases(record)
    passing = {(c.op, c.inputs, c.outputs) for c in found if c.passes}
    out = []
    for c in found:
        ok, why = accepts(c)
        if c.passes:
            out.append(Verdict(c, ok, why, "agree" if ok else "disagree"))
        elif (c.op, c.inputs, c.outputs) in passing:
            out.append(Verdict(c, ok, why, "not-a-type-failure"))
        else:
            out.append(Verdict(c, ok, why, "agree" if not ok else "disagree"))
    return out


def main() -> int:
    record = load_record()
    if record is None:
        print("no record: run scripts/record_tflm_kernel_tests.py")
        return 1
    results = verdicts(record)
    per_op: dict[str, list[Verdict]] = defaultdict(list)
    for v in results:
        per_op[v.case.op].append(v)
    tests: dict[str, dict[str, object]] = record["tests"]  # type: ignore[assignment]
    unbuilt = [t for t, r in tests.items() if not r.get("built")]
    failed = [t for t, r in tests.items() if r.get("built") and r.get("exit")]
    print(
        f"{len(tests)} kernel tests ({len(unbuilt)} not built, {len(failed)} exit non-zero), "
        f"{len(results)} kernel runs of {len(per_op)} kernels"
    )
    for kind in ("agree", "disagree", "not-a-type-failure"):
        print(f"  {kind}: {sum(1 for v in results if v.kind == kind)}")
    for v in results:
        if v.kind == "disagree":
            side = "passes in its test" if v.case.passes else "refused in its test"
            print(
                f"  {v.case.test}: {v.case.signature} {side}; oplint {'accepts' if v.accepted else 'refuses: ' + v.why}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
