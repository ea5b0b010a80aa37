#!/usr/bin/env python3
"""Summarise fixtures/npu/VERDICTS.json (a maintainer tool; the numbers of fixtures/npu/README.md).

Prints per vendor and SoC: models run, partition outcomes, ops selected into DISPATCH_OP partitions vs
left on the CPU, Qualcomm compile outcomes; whether the SoC changed any decision; the op kinds 2.3.0's
Qualcomm plugin selects that the pinned source has no builder for; and how far the pinned source's static
Intel OpenVINO rule (``kSupportedOps``, constant TOPK_V2 K, no graph input of rank >= 6, composites named
``odml.rms_norm``) agrees with the recorded partitions.  Needs the dev venv of scripts/record_npu.py (it
re-reads models with ``ai_edge_litert.schema_py_generated`` for the Intel rule).

    /work/venvs/npu/bin/python scripts/npu_verdicts_summary.py [--json]
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import npu_sources_table as table  # noqa: E402
import record_npu as rec  # noqa: E402


def model_path(key: str) -> Path:
    label, rest = key.split("/", 1)
    base = {"fixtures": ROOT / "fixtures", "oracle": rec.SHARED / "oracle" / "corpus"}.get(label)
    return (base or rec.SHARED / "corpus" / "models") / rest


def pin_tables() -> tuple[set[str], set[str]]:
    """(builtins with a Qualcomm builder, builtins in OpenVINO's kSupportedOps) at the pin."""
    names = table.builtin_names(table.MIRROR, table.PIN)
    known = {n.replace("_", "").lower(): n for n in names}
    qc = set()
    for line in table.show(table.MIRROR, table.PIN, table.QCG):
        if "builders[kLiteRtOpCode" in line:
            qc.add(table.to_builtin(line.split("[", 1)[1].split("]", 1)[0], known))
    ov = set(table.listed(table.show(table.MIRROR, table.PIN, table.OV), "kSupportedOps[]", known))
    return qc, ov


def intel_static(path: Path, ov: set[str]) -> dict[str, Any] | None:
    """The pinned OpenVINO partition rule applied to one model: None if it fails the whole call."""
    model = rec.load(path.read_bytes())
    picked = {}
    for s, graph in enumerate(model.subgraphs):
        # LiteRT's model loader refuses variable tensors (litert/core/model/model_load.cc:290)
        if any(t.isVariable for t in graph.tensors or []):
            return None
        if any(len(graph.tensors[i].shape if graph.tensors[i].shape is not None else []) >= 6 for i in graph.inputs):
            return None
        for i, op in enumerate(graph.operators or []):
            name = rec.op_name(model, op)
            ok = name in ov
            if name == "STABLEHLO_COMPOSITE":
                options = getattr(op, "builtinOptions2", None)
                ok = options is not None and (options.name or b"") in (b"odml.rms_norm", "odml.rms_norm")
            if name == "TOPK_V2":
                k = op.inputs[1] if len(op.inputs) > 1 else -1
                buf = model.buffers[graph.tensors[k].buffer] if k >= 0 else None
                ok = buf is not None and buf.data is not None and len(buf.data) > 0
            picked[(s, i)] = ok
    return picked


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--file", type=Path, default=rec.OUT_DIR / "VERDICTS.json")
    args = parser.parse_args()
    data = json.loads(args.file.read_text())
    models = data["models"]
    qc_builders, ov_list = pin_tables()
    out: dict[str, Any] = {"models": len(models), "configs": {}}

    for config in sorted({c for m in models.values() for c in m["runs"]}):
        c = collections.Counter()
        for m in models.values():
            run = m["runs"].get(config)
            if not run:
                continue
            part = run["partition"]
            c["models"] += 1
            c[f"partition {part['status']}"] += 1
            if part.get("mapping") == "tags":
                total = sum(len(g) for g in m.get("ops", []))
                c["ops npu"] += len(part["npu"])
                c["ops cpu"] += total - len(part["npu"])
                c["partitions"] += sum(part["partitions"].values())
            elif part["status"] == "ok":
                c[f"mapping {part.get('mapping')}"] += 1
            if "compile" in run:
                c[f"compile {run['compile']['status']}"] += 1
        out["configs"][config] = dict(sorted(c.items()))

    # SoC dependence
    for vendor in ("qualcomm", "intel_openvino"):
        socs = sorted({c.split("@")[1] for m in models.values() for c in m["runs"] if c.startswith(vendor)})
        diff_part, diff_comp = [], []
        for key, m in models.items():
            parts = {s: json.dumps(m["runs"][f"{vendor}@{s}"]["partition"].get("npu")) for s in socs}
            if len(set(parts.values())) > 1:
                diff_part.append(key)
            comps = {
                s: m["runs"][f"{vendor}@{s}"]["compile"]["status"]
                for s in socs
                if "compile" in m["runs"][f"{vendor}@{s}"]
            }
            if len(set(comps.values())) > 1:
                diff_comp.append((key, comps))
        out[f"{vendor} SoC-dependent partitions"] = diff_part
        out[f"{vendor} SoC-dependent compiles"] = diff_comp

    # op kinds Qualcomm 2.3.0 selects
    selected, seen = collections.Counter(), collections.Counter()
    for m in models.values():
        run = m["runs"].get("qualcomm@SM8650")
        if not run or run["partition"].get("mapping") not in ("tags", "names"):
            continue
        npu = {tuple(x) for x in run["partition"]["npu"]}
        for s, graph in enumerate(m["ops"]):
            for i, name in enumerate(graph):
                seen[name] += 1
                if (s, i) in npu:
                    selected[name] += 1
    out["qualcomm@SM8650 selected op kinds without a builder at the pin"] = {
        k: v for k, v in selected.items() if k not in qc_builders
    }
    out["qualcomm@SM8650 op kinds with a builder never selected"] = {
        k: seen[k] for k in seen if k in qc_builders and not selected[k]
    }
    for config in ("qualcomm@SM8650", "intel_openvino@LNL"):
        kinds: dict[str, list[int]] = {}
        for m in models.values():
            run = m["runs"].get(config)
            if not run or run["partition"].get("mapping") not in ("tags", "names"):
                continue
            npu = {tuple(x) for x in run["partition"]["npu"]}
            for s, graph in enumerate(m["ops"]):
                for i, name in enumerate(graph):
                    kinds.setdefault(name, [0, 0])[1] += 1
                    kinds[name][0] += (s, i) in npu
        out[f"{config} op kinds [npu, total] in models whose partition succeeded"] = dict(sorted(kinds.items()))

    # the pinned Intel rule against the recorded partitions
    agree = differ = whole = 0
    diffs = []
    for key, m in models.items():
        run = m["runs"].get("intel_openvino@LNL")
        if not run or "ops" not in m:
            continue
        try:
            predicted = intel_static(model_path(key), ov_list)
        except Exception:
            continue
        part = run["partition"]
        if predicted is None or part["status"] != "ok":
            whole += 1
            if (predicted is None) != (part["status"] != "ok"):
                diffs.append((key, "whole-model", predicted is None, part["status"]))
            continue
        if part.get("mapping") not in ("tags", "names"):
            continue
        npu = {tuple(x) for x in part["npu"]}
        for op, ok in predicted.items():
            if list(op) in part.get("dropped", []) + part.get("absorbed", []):
                continue
            if ok == (op in npu):
                agree += 1
            else:
                differ += 1
                diffs.append((key, op, m["ops"][op[0]][op[1]], ok))
    out["intel pinned rule vs recorded (ops)"] = {"agree": agree, "differ": differ, "whole-model cases": whole}
    out["intel differences"] = diffs[:40]
    if args.json:
        print(json.dumps(out, indent=1, default=str))
        return
    for k, v in out.items():
        print(f"{k}: {json.dumps(v, default=str)}")


if __name__ == "__main__":
    main()
