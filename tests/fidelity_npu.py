"""oplint's phone NPU targets against LiteRT's real compiler plugins, as recorded in fixtures/npu.

``scripts/record_npu.py`` ran ai-edge-litert 2.3.0's ``apply_plugin_main`` on every model of the
fixtures, ``../shared/oracle`` and ``../shared/corpus`` (``fixtures/npu/VERDICTS.json``): the ops each
plugin selected into DISPATCH_OP partitions, the models whose partition call failed (nothing on the
NPU), and, for Qualcomm on three SoCs, whether the compile succeeded.  This compares oplint with that
record, per op and per model:

* an op agrees when oplint puts it where the plugin did (NPU or CPU); the ops of a model whose
  partition failed are all on the CPU, and oplint agrees on them when it refuses the whole model
  (OPL304) or leaves them on the CPU itself.  Decomposition ops a taken composite carries, composites
  LiteRT inlined and CALL_ONCE (which LiteRT's serializer drops) are not compared;
* a whole-model refusal agrees when oplint refuses the model exactly when the partition failed;
* a compile verdict agrees when oplint predicts what ``--cmd=apply`` did: ``ok``, ``failed`` (a
  whole-model refusal or a compile failure, OPL304/OPL324) or ``nothing-selected``;
* the partitions agree when oplint's delegated partitions per subgraph are the DISPATCH_OPs the plugin
  made there.

Models oplint cannot read, or whose partition the recorder could not map back to the input's ops,
are left out (and counted).

    python -m tests.fidelity_npu                   # every recorded vendor@SoC
    python -m tests.fidelity_npu qualcomm@SM8350   # one, with every difference

``OPLINT_SHARED`` overrides where ../shared is; without it the fixtures' records are still compared.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

from oplint.core.model import Model
from oplint.delegates.delegation import Delegation, analyse
from oplint.knowledge.targets import resolve
from oplint.readers import load
from oplint.readers.problems import ModelError
from tests.helpers import FIXTURES, SHARED

RECORD = FIXTURES / "npu" / "VERDICTS.json"
#: the record's vendor names -> oplint's target ids
TARGETS = {"qualcomm": "qualcomm", "intel_openvino": "intel-openvino"}


@cache
def record() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(RECORD.read_text())
    return data


def model_path(key: str) -> Path:
    label, rest = key.split("/", 1)
    if label == "fixtures":
        return FIXTURES / rest
    if label == "oracle":
        return SHARED / "oracle" / "corpus" / rest
    return SHARED / "corpus" / "models" / rest


def have_shared() -> bool:
    return (SHARED / "oracle" / "corpus").is_dir() and (SHARED / "corpus" / "models").is_dir()


@cache
def read(key: str) -> Model | None:
    path = model_path(key)
    if not path.is_file():
        return None
    try:
        return load(str(path))
    except ModelError:
        return None


def delegation(key: str, config: str) -> Delegation | None:
    """oplint's delegation of a recorded model to ``vendor@SoC`` (None: unreadable, or not here)."""
    model = read(key)
    if model is None:
        return None
    vendor, soc = config.split("@")
    target = resolve(TARGETS[vendor], soc if vendor == "qualcomm" else None)
    return analyse(model, target)


class Difference(NamedTuple):
    key: str
    what: str  #: "op" (placement), "model" (whole-model refusal), "compile"
    where: str  #: "sg0 op 3 CONV_2D", or the model
    oplint: str
    recorded: str


class Result(NamedTuple):
    config: str
    ops: int
    ops_agree: int
    false_clean: int  #: oplint: NPU; the plugin: CPU
    false_alarm: int  #: oplint: CPU; the plugin: NPU
    models: int
    refusals_agree: int
    compiles: int
    compiles_agree: int
    partitions: int  #: models whose DISPATCH_OP count per subgraph was compared
    partitions_agree: int
    differences: tuple[Difference, ...]
    skipped: dict[str, int]

    @property
    def op_agreement(self) -> float:
        return self.ops_agree / self.ops if self.ops else 1.0

    @property
    def compile_agreement(self) -> float:
        return self.compiles_agree / self.compiles if self.compiles else 1.0

    def summary(self) -> str:
        text = (
            f"{self.config}: ops {self.ops_agree}/{self.ops} ({self.op_agreement:.2%}; false clean {self.false_clean}, "
            f"false alarm {self.false_alarm}); whole-model refusals {self.refusals_agree}/{self.models}; "
            f"partition counts {self.partitions_agree}/{self.partitions}"
        )
        if self.compiles:
            text += f"; compile verdicts {self.compiles_agree}/{self.compiles} ({self.compile_agreement:.2%})"
        skipped = ", ".join(f"{k} {v}" for k, v in sorted(self.skipped.items()))
        return text + (f"; left out: {skipped}" if skipped else "")


def compile_class(d: Delegation) -> str:
    """oplint's prediction of ``--cmd=apply``: ok, failed, or nothing-selected."""
    if d.rejection is not None:
        return "failed"
    if d.compiled:
        return "ok"
    return "ok" if any(v.supported for v in d.verdicts.values()) else "nothing-selected"


def recorded_compile(run: dict[str, Any]) -> str:
    """The recorded compile as ok, failed or nothing-selected.  A model without subgraphs fails where a
    model with nothing selected does (``compiler_plugin.cc:81``, no byte code), but logs no "selected"
    line, so the recorder called it failed."""
    compiled = run["compile"]
    status = compiled["status"]
    if status in ("ok", "nothing-selected"):
        return str(status)
    if not compiled.get("selected") and any("compiler_plugin.cc:81]" in e for e in compiled.get("errors", [])):
        return "nothing-selected"
    return "failed"


def compare(config: str) -> Result:
    data = record()
    ops = agree = clean = alarm = models = refusals = compiles = compiles_agree = partitions = partitions_agree = 0
    diffs: list[Difference] = []
    skipped: Counter[str] = Counter()
    for key, entry in sorted(data["models"].items()):
        run = entry["runs"].get(config)
        if run is None:
            continue
        if not model_path(key).is_file():
            skipped["not on this machine"] += 1
            continue
        d = delegation(key, config)
        if d is None:
            skipped["unreadable"] += 1
            continue
        model = read(key)
        assert model is not None
        if d.compiled:  # the record is a second compile of what is left; OPL323 and its tests cover these
            skipped["already compiled for an NPU"] += 1
            continue
        part = run["partition"]
        failed = part["status"] != "ok"
        rejected = d.rejection is not None and d.rejection.stage == "runtime"
        models += 1
        if failed == rejected:
            refusals += 1
        else:
            said = d.rejection.message if d.rejection is not None else "partitions"
            diffs.append(Difference(key, "model", key, said, "; ".join(part.get("errors", [])) or part["status"]))
        if "compile" in run:
            compiles += 1
            recorded = recorded_compile(run)
            predicted = compile_class(d)
            if predicted == recorded:
                compiles_agree += 1
            else:
                said = d.rejection.message if d.rejection is not None else predicted
                errors = "; ".join(run["compile"].get("errors", [])[:3])
                diffs.append(Difference(key, "compile", key, f"{predicted}: {said}", f"{recorded}: {errors}"))
        if not failed and part.get("mapping") not in ("tags", "names"):
            skipped["partition not mapped"] += 1
            continue
        if not failed and not rejected:  # DISPATCH_OPs per subgraph, against oplint's delegated partitions
            partitions += 1
            mine = Counter(p.graph for p in d.plan.partitions if p.delegated)
            theirs = {int(g): n for g, n in part.get("partitions", {}).items() if n}
            if dict(mine) == theirs:
                partitions_agree += 1
            else:
                diffs.append(Difference(key, "partitions", key, str(dict(mine)), str(theirs)))
        npu = {tuple(x) for x in part.get("npu", [])}
        ignore = {tuple(x) for what in ("inlined", "absorbed", "dropped") for x in part.get(what, [])}
        for op in model.ops():
            if op.key in ignore or op.kind == "CALL_ONCE":
                continue
            v = d.verdicts.get(op.key)
            mine = v is not None and v.supported and not rejected
            theirs = op.key in npu and not failed
            ops += 1
            if mine == theirs:
                agree += 1
                continue
            if mine:
                clean += 1
            else:
                alarm += 1
            reason = (
                "; ".join(v.reasons) if v is not None and not v.supported else ("rejected" if rejected else "taken")
            )
            where = f"sg{op.graph} op {op.index} {op.display}"
            diffs.append(
                Difference(key, "op", where, f"{'NPU' if mine else 'CPU'}: {reason}", "NPU" if theirs else "CPU")
            )
    return Result(
        config,
        ops,
        agree,
        clean,
        alarm,
        models,
        refusals,
        compiles,
        compiles_agree,
        partitions,
        partitions_agree,
        tuple(diffs),
        dict(skipped),
    )


def configs() -> list[str]:
    return sorted(c for c in record()["configs"] if c.split("@")[0] in TARGETS)


def main(argv: list[str]) -> None:
    chosen = argv or configs()
    for config in chosen:
        result = compare(config)
        print(result.summary())
        if argv:
            for d in result.differences:
                where = d.where if d.what == "op" else ""
                print(f"  {d.what:7} {d.key} {where}\n      oplint:   {d.oplint}\n      recorded: {d.recorded}")


if __name__ == "__main__":
    main(sys.argv[1:])
