#!/usr/bin/env python3
"""Check ``rules/targets/tflm.toml`` against the real TFLM interpreter (dev tool).

Run with the TensorFlow venv (it needs the ``tflite_micro`` wheel, ``flatbuffers`` and numpy)::

    PYTHONPATH=. /work/venvs/tf/bin/python scripts/probe_tflm.py            # compare only (cached probe)
    PYTHONPATH=. /work/venvs/tf/bin/python scripts/probe_tflm.py --run      # re-run the interpreter

1. *Op level.*  Every distinct (op, input dtypes, output dtypes) signature in the .tflite files of
   the corpora (``--truth``) is cut out of its model into a one-op .tflite (the op's tensors with
   their constant data and quantization; graph inputs = its non-constant inputs) and run by
   ``tflite_micro.runtime.Interpreter`` (every TFLM kernel registered) on zero inputs, each in its
   own process (a kernel may abort).  Up to ``--tries`` instances of a signature are tried: one
   that runs proves the dtypes are accepted.  The verdicts go to ``evidence/tflm.probe.json``.
   The table's prediction for each signature is compared with them (confusion table).
2. *Model level.*  For each .tflite record of the truth files, the table's verdict on the whole
   model (an unregistered op, a signature no ``types`` item accepts, ``max-rank``, tensor dtypes,
   dynamic tensors) is compared with the recorded ``verdict.tflm_runs``.

The summary goes to ``evidence/tflm.PROBE.md``.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import re
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomllib

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from oplint.core.model import Model, Op  # noqa: E402
from oplint.readers import tflite as reader  # noqa: E402

TABLE = ROOT / "rules" / "targets" / "tflm.toml"
PROBE_JSON = ROOT / "evidence" / "tflm.probe.json"
PROBE_MD = ROOT / "evidence" / "tflm.PROBE.md"
DEFAULT_TRUTH = ["/work/shared/oracle/truth.json", "/work/shared/corpus/truth.json"]
ARENA = 64 << 20
CONTROL_FLOW = {"IF", "WHILE", "CALL_ONCE"}

WORKER = r"""
import json, sys
import numpy as np
from tflite_micro import runtime
path, arena, n_inputs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
res = {"stage": "load"}
try:
    it = runtime.Interpreter.from_bytes(open(path, "rb").read(), arena_size=arena)
    res["stage"] = "input"
    for i in range(n_inputs):
        d = it.get_input_details(i)
        it.set_input(np.zeros(d["shape"], dtype=d["dtype"]), i)
    res["stage"] = "invoke"
    it.invoke()
    res["stage"] = "done"
    res["ok"] = True
except Exception as exc:
    res["ok"] = False
    res["error"] = f"{type(exc).__name__}: {exc}"
sys.stdout.flush()
print("@@RESULT@@" + json.dumps(res), flush=True)
"""


# --------------------------------------------------------------------------------------------
# The table
# --------------------------------------------------------------------------------------------


@dataclass
class Table:
    data: dict[str, Any]

    @property
    def builtins(self) -> dict[str, Any]:
        return self.data.get("builtins", {})

    @property
    def custom(self) -> dict[str, Any]:
        return self.data.get("custom", {})

    @property
    def tensor_dtypes(self) -> set[str]:
        return set(self.data.get("limits", {}).get("tensor-dtypes", []))

    def check(
        self,
        kind: str,
        custom_code: str | None,
        ins: list[str | None],
        outs: list[str | None],
        ranks: list[int | None] | None = None,
        const: list[bool] | None = None,
    ) -> list[str]:
        """Reasons the table rejects an op ([] = accepted).

        ins/outs: dtype per position (None = absent optional input); ranks: per position, inputs
        then outputs (None = unknown); const: per input, whether it has constant data.
        """
        if kind == "CUSTOM":
            entry = self.custom.get(custom_code or "")
            if entry is None or entry.get("reference-build") is False:
                return [f"missing custom op {custom_code}"]
        else:
            entry = self.builtins.get(kind)
            if entry is None:
                return [f"missing builtin {kind}"]
        reasons = []
        allowed = self.tensor_dtypes
        bad = sorted({d for d in ins + outs if d is not None and allowed and d not in allowed})
        if bad:
            reasons.append(f"tensor dtype {'/'.join(bad)} unsupported")
        types = entry.get("types")
        tensors = {f"in{i}": d for i, d in enumerate(ins)} | {f"out{i}": d for i, d in enumerate(outs)}

        def accepts(item: dict[str, list[str]]) -> bool:
            if entry.get("uniform-inputs") and "in0" in item and any(d not in item["in0"] for d in ins if d):
                return False
            return all(tensors.get(p) is None or tensors[p] in dts for p, dts in item.items())

        if types is not None and not any(accepts(item) for item in types):
            sig = ",".join(f"{p}={d}" for p, d in tensors.items() if d is not None)
            reasons.append(f"types: no signature accepts {sig}")
        if ranks is not None:
            rank = dict(zip([*(f"in{i}" for i in range(len(ins))), *(f"out{i}" for i in range(len(outs)))], ranks))
            max_rank = entry.get("max-rank")
            if max_rank is not None and any(r is not None and r > max_rank for r in ranks):
                reasons.append(f"rank > max-rank {max_rank}")
            for p, (lo, hi) in entry.get("rank-limits", {}).items():
                r = rank.get(p)
                if r is not None and tensors.get(p) is not None and not lo <= r <= hi:
                    reasons.append(f"rank-limits: {p} has rank {r}, kernel needs {lo}..{hi}")
        if const is not None:
            for p in entry.get("constant-inputs", []):
                i = int(p[2:])
                if i < len(const) and ins[i] is not None and not const[i]:
                    reasons.append(f"constant-inputs: {p} is not constant")
        for p in entry.get("absent-inputs", []):
            i = int(p[2:])
            if i < len(ins) and ins[i] is not None:
                reasons.append(f"absent-inputs: {p} is present")
        return reasons


def load_table(path: Path = TABLE) -> Table:
    return Table(tomllib.loads(path.read_text()))


# --------------------------------------------------------------------------------------------
# Harvest signatures
# --------------------------------------------------------------------------------------------


@dataclass
class Instance:
    model: str  # absolute path
    graph: int
    op: int
    ranks: list[int | None] = field(default_factory=list)
    const: list[bool] = field(default_factory=list)
    retype: Retype | None = None


@dataclass
class Signature:
    key: str
    kind: str
    custom_code: str | None
    ins: list[str | None]
    outs: list[str | None]
    instances: list[Instance] = field(default_factory=list)


def op_dtypes(model: Model, op: Op) -> tuple[list[str | None], list[str | None]]:
    tensors = model.graphs[op.graph].tensors

    def dt(i: int) -> str | None:
        return tensors[i].dtype if 0 <= i < len(tensors) else None

    return [dt(i) for i in op.inputs], [dt(i) for i in op.outputs]


def op_ranks(model: Model, op: Op) -> list[int | None]:
    tensors = model.graphs[op.graph].tensors
    return [tensors[i].rank if 0 <= i < len(tensors) else None for i in (*op.inputs, *op.outputs)]


def op_const(model: Model, op: Op) -> list[bool]:
    tensors = model.graphs[op.graph].tensors
    return [0 <= i < len(tensors) and tensors[i].is_const for i in op.inputs]


def sig_key(op: Op, ins: list[str | None], outs: list[str | None]) -> str:
    name = f"CUSTOM:{op.custom_code}" if op.kind == "CUSTOM" else op.kind
    return f"{name}({','.join(d or '-' for d in ins)})->({','.join(d or '-' for d in outs)})"


def truth_records(truth_files: list[str]) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for tf in truth_files:
        base = Path(tf).parent
        for rec in json.loads(Path(tf).read_text())["records"]:
            if rec.get("kind") == "tflite":
                out.append((str(base / rec["path"]), rec))
    return out


def read_model(path: str) -> Model | None:
    try:
        return reader.read(path)
    except Exception:
        return None


def harvest(paths: list[str]) -> dict[str, Signature]:
    sigs: dict[str, Signature] = {}
    for path in sorted(set(paths)):
        model = read_model(path)
        if model is None:
            continue
        for g in model.graphs:
            for op in g.ops:
                ins, outs = op_dtypes(model, op)
                key = sig_key(op, ins, outs)
                sig = sigs.setdefault(key, Signature(key, op.kind, op.custom_code, ins, outs))
                sig.instances.append(Instance(path, op.graph, op.index, op_ranks(model, op), op_const(model, op)))
    return sigs


# --------------------------------------------------------------------------------------------
# One-op models and the interpreter
# --------------------------------------------------------------------------------------------


SIZES = {"float32": 4, "float16": 2, "int8": 1, "uint8": 1, "int16": 2, "int32": 4, "int64": 8, "bool": 1}
QUANT = {"int8": 0, "int16": 0, "uint8": 128}


@dataclass(frozen=True)
class Retype:
    """A synthetic variant: tensors of dtype ``src`` become ``dst`` (constants too when ``consts``)."""

    src: str
    dst: str
    consts: bool


def one_op_model(path: str, graph: int, op_index: int, retype: Retype | None = None) -> tuple[bytes, int]:
    """A .tflite holding only one op of a model, and its number of graph inputs.

    The op keeps its tensors (shapes, quantization, constant data); its non-constant inputs become
    the graph inputs.  A resource input is not a legal graph input for TFLM, so the VAR_HANDLE that
    produces it is kept too.  Control-flow ops (IF / WHILE / CALL_ONCE) keep the other subgraphs.
    """
    import flatbuffers
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as fb

    buf = Path(path).read_bytes()
    model = fb.ModelT.InitFromObj(fb.Model.GetRootAsModel(buf, 0))
    sg = model.subgraphs[graph]
    op = sg.operators[op_index]

    def code_of(o: Any) -> int:
        oc = model.operatorCodes[o.opcodeIndex]
        return int(max(oc.builtinCode, oc.deprecatedBuiltinCode))

    control_flow = code_of(op) in (fb.BuiltinOperator.IF, fb.BuiltinOperator.WHILE, fb.BuiltinOperator.CALL_ONCE)

    def has_data(b: int) -> bool:
        return 0 < b < len(model.buffers) and model.buffers[b].data is not None and len(model.buffers[b].data) > 0

    ops = [op]
    for i in op.inputs if op.inputs is not None else []:
        if i >= 0 and sg.tensors[i].type == fb.TensorType.RESOURCE:
            producer = next((o for o in sg.operators if o.outputs is not None and i in o.outputs), None)
            if producer is not None and producer is not op and producer not in ops:
                ops.insert(0, producer)

    tensors: list[Any] = []
    remap: dict[int, int] = {}
    buffers: list[Any] = list(model.buffers) if control_flow else [fb.BufferT()]

    def take(i: int) -> int:
        if i < 0:
            return -1
        if i not in remap:
            t = copy.copy(sg.tensors[i])
            data = model.buffers[t.buffer].data if has_data(t.buffer) else None
            if (
                retype is not None
                and t.type == getattr(fb.TensorType, retype.src.upper())
                and (retype.consts or data is None)
            ):
                t.type = getattr(fb.TensorType, retype.dst.upper())
                if data is not None:
                    count = 1
                    for d in t.shape if t.shape is not None else []:
                        count *= int(d)
                    data = bytes(count * SIZES[retype.dst])
                if retype.dst in QUANT:
                    q = fb.QuantizationParametersT()
                    q.scale = [0.0078125]
                    q.zeroPoint = [QUANT[retype.dst]]
                    t.quantization = q
                else:
                    t.quantization = None
            if not control_flow:
                if data is not None:
                    b = fb.BufferT()
                    b.data = data
                    buffers.append(b)
                    t.buffer = len(buffers) - 1
                else:
                    t.buffer = 0
            remap[i] = len(tensors)
            tensors.append(t)
        return remap[i]

    produced = {i for o in ops for i in (o.outputs if o.outputs is not None else [])}
    new_ops = []
    opcodes: list[Any] = []
    for o in ops:
        n = copy.copy(o)
        n.inputs = [take(i) for i in (o.inputs if o.inputs is not None else [])]
        n.outputs = [take(i) for i in (o.outputs if o.outputs is not None else [])]
        if o.intermediates is not None:
            n.intermediates = [take(i) for i in o.intermediates]
        if not control_flow:
            oc = model.operatorCodes[o.opcodeIndex]
            if oc not in opcodes:
                opcodes.append(oc)
            n.opcodeIndex = opcodes.index(oc)
        new_ops.append(n)
    inputs: list[int] = []
    for i in op.inputs if op.inputs is not None else []:
        t = sg.tensors[i] if i >= 0 else None
        if (
            t is not None
            and i not in produced
            and not has_data(t.buffer)
            and not t.isVariable
            and remap[i] not in inputs
        ):
            inputs.append(remap[i])
    one = fb.SubGraphT()
    one.tensors = tensors
    one.inputs = inputs
    one.outputs = list(dict.fromkeys(i for i in new_ops[-1].outputs if i >= 0))
    one.operators = new_ops
    one.name = "probe"
    new = fb.ModelT()
    new.version = 3
    new.description = "oplint tflm probe"
    if control_flow:
        new.operatorCodes = model.operatorCodes
        subgraphs = list(model.subgraphs)
        subgraphs[graph] = one
        if graph != 0:
            subgraphs[0], subgraphs[graph] = subgraphs[graph], subgraphs[0]
        new.subgraphs = subgraphs
    else:
        new.operatorCodes = opcodes
        new.subgraphs = [one]
    new.buffers = buffers
    builder = flatbuffers.Builder(1024)
    builder.Finish(new.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output()), len(inputs)


def run_tflm(
    model: tuple[bytes, int], workdir: Path, name: str, arena: int = ARENA, timeout: int = 60
) -> dict[str, Any]:
    """Run a model (bytes, number of graph inputs) in a fresh interpreter process."""
    path = workdir / f"{name}.tflite"
    path.write_bytes(model[0])
    try:
        proc = subprocess.run(
            [sys.executable, "-c", WORKER, str(path), str(arena), str(model[1])],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return {"ok": False, "error": "timeout", "messages": []}
    out = proc.stdout + proc.stderr
    res: dict[str, Any] = {"ok": False}
    lines = []
    for line in out.splitlines():
        if line.startswith("@@RESULT@@"):
            res = json.loads(line[len("@@RESULT@@") :])
        elif line.strip():
            lines.append(line.strip())
    if "stage" not in res:
        res["error"] = f"worker died rc={proc.returncode}"
    res["messages"] = lines[:12]
    return res


def probe(sigs: dict[str, Signature], tries: int, jobs: int) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="tflm_probe_"))
    keys = sorted(sigs)

    def one(k: int) -> tuple[str, dict[str, Any]]:
        sig = sigs[keys[k]]
        attempts = []
        for n, inst in enumerate(sig.instances[:tries]):
            try:
                data = one_op_model(inst.model, inst.graph, inst.op, inst.retype)
            except Exception as exc:
                attempts.append(
                    {
                        "instance": describe(inst),
                        "ok": False,
                        "error": f"extract: {exc}",
                        "messages": [],
                        "ranks": inst.ranks,
                        "const": inst.const,
                    }
                )
                continue
            res = run_tflm(data, workdir, f"{k}_{n}")
            res["instance"] = describe(inst)
            res["ranks"] = inst.ranks
            res["const"] = inst.const
            attempts.append(res)
            if res.get("ok"):
                break
        ok = any(a.get("ok") for a in attempts)
        first = next((a for a in attempts if a.get("ok")), attempts[0] if attempts else {})
        return sig.key, {
            "op": sig.kind if sig.kind != "CUSTOM" else f"CUSTOM:{sig.custom_code}",
            "ins": sig.ins,
            "outs": sig.outs,
            "tflm_ok": ok,
            "instances": len(sig.instances),
            "tried": len(attempts),
            "instance": first.get("instance"),
            "ranks": first.get("ranks"),
            "const": first.get("const"),
            "error": None if ok else first.get("error"),
            "messages": [] if ok else failure_lines(attempts),
        }

    results: dict[str, Any] = {}
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for n, (key, res) in enumerate(pool.map(one, range(len(keys))), 1):
            results[key] = res
            if n % 50 == 0:
                print(f"  probed {n}/{len(keys)}", file=sys.stderr)
    return dict(sorted(results.items()))


def failure_lines(attempts: list[dict[str, Any]]) -> list[str]:
    out: list[str] = []
    for a in attempts:
        for line in a.get("messages", [])[:6]:
            if line not in out:
                out.append(line)
        if a.get("error") and a["error"] not in out:
            out.append(a["error"])
    return out[:10]


def describe(inst: Instance) -> str:
    rel = os.path.relpath(inst.model, "/work/shared")
    text = f"{rel}#g{inst.graph}op{inst.op}"
    if inst.retype is not None:
        text += f" with {inst.retype.src}->{inst.retype.dst}" + (" (constants too)" if inst.retype.consts else "")
    return text


SYNTH_DTYPES = ["float32", "float16", "int8", "uint8", "int16", "int32", "int64", "bool"]


def synthetic(corpus: dict[str, Any]) -> dict[str, Signature]:
    """Variants of ops that run: one dtype of the op retyped to each other dtype.

    Probes the table beyond the dtypes the corpora happen to use.  Retyped quantized tensors get
    per-tensor parameters (scale 1/128, zero point 0 / 128 for uint8) and constants become zeros,
    so a variant may also fail for quantization-parameter reasons; the report separates those.
    """
    out: dict[str, Signature] = {}
    per_op: dict[str, int] = defaultdict(int)
    for res in corpus.values():
        if not res["tflm_ok"] or res["op"].startswith("CUSTOM") or res["op"] in CONTROL_FLOW:
            continue
        m = re.match(r"(.*)#g(\d+)op(\d+)$", res["instance"] or "")
        if not m or per_op[res["op"]] >= 2:
            continue
        per_op[res["op"]] += 1
        path, graph, op = str(Path("/work/shared") / m.group(1)), int(m.group(2)), int(m.group(3))
        ins, outs, const = res["ins"], res["outs"], res["const"] or []
        src = ins[0] if ins and ins[0] else (outs[0] if outs else None)
        if src not in SIZES:
            continue
        has_const = any(c and d == src for c, d in zip(const, ins))
        for dst in SYNTH_DTYPES:
            if dst == src:
                continue
            for consts in [False, True] if has_const else [False]:
                new_ins = [
                    dst if d == src and (consts or not (i < len(const) and const[i])) else d for i, d in enumerate(ins)
                ]
                new_outs = [dst if d == src else d for d in outs]
                sig_name = f"{res['op']}({','.join(d or '-' for d in new_ins)})->"
                sig_name += f"({','.join(d or '-' for d in new_outs)})"
                if sig_name in corpus or sig_name in out:
                    continue
                inst = Instance(path, graph, op, res["ranks"] or [], const, Retype(src, dst, consts))
                out[sig_name] = Signature(sig_name, res["op"], None, new_ins, new_outs, [inst])
    return out


def wheel_version() -> str:
    try:
        from importlib.metadata import version

        return version("tflite_micro")
    except Exception:
        return "unknown"


# --------------------------------------------------------------------------------------------
# Comparison
# --------------------------------------------------------------------------------------------


def classify(table_ok: bool, tflm_ok: bool) -> str:
    if table_ok and tflm_ok:
        return "clean"
    if table_ok:
        return "FALSE CLEAN"
    if tflm_ok:
        return "false alarm"
    return "true alarm"


TYPE_MSG = re.compile(r"\btype\b|Type|TYPES_EQ|->type|kTfLite(?:Float|Int|UInt|Bool)|Hybrid")
QUANT_MSG = re.compile(r"quantiz|scale|zero_point|offset|multiplier|overflow")


def is_type_failure(messages: list[str]) -> bool:
    """Whether TFLM's messages blame a tensor dtype (not quantization parameters, shapes, memory)."""
    text = " ".join(messages)
    return bool(TYPE_MSG.search(text)) and not QUANT_MSG.search(text)


def op_level(
    table: Table, probe_data: dict[str, Any], section: str = "signatures"
) -> tuple[Counter[str], list[tuple[str, str, str]]]:
    conf: Counter[str] = Counter()
    rows: list[tuple[str, str, str]] = []
    for key, res in probe_data.get(section, {}).items():
        op = res["op"]
        kind, custom = ("CUSTOM", op.split(":", 1)[1]) if op.startswith("CUSTOM:") else (op, None)
        reasons = table.check(kind, custom, res["ins"], res["outs"], res.get("ranks"), res.get("const"))
        cls = classify(not reasons, res["tflm_ok"])
        if cls == "FALSE CLEAN" and not is_type_failure(res["messages"]):
            cls = "false clean (not dtype)"
        conf[cls] += 1
        if cls in ("FALSE CLEAN", "false alarm", "false clean (not dtype)"):
            why = "; ".join(reasons) if reasons else " | ".join(res["messages"][:3])
            rows.append((cls, key, why))
    return conf, sorted(rows)


def model_level(table: Table, truth_files: list[str]) -> tuple[dict[str, Counter[str]], dict[str, list[tuple]]]:
    conf: dict[str, Counter[str]] = {}
    rows: dict[str, list[tuple]] = {}
    for tf in truth_files:
        c: Counter[str] = Counter()
        r: list[tuple] = []
        for path, rec in truth_records([tf]):
            runs = rec.get("verdict", {}).get("tflm_runs")
            if runs is None:
                c["no verdict"] += 1
                continue
            model = read_model(path)
            reasons = model_reasons(table, model) if model is not None else ["reader failed"]
            cls = classify(not reasons, bool(runs))
            c[cls] += 1
            v = rec["verdict"]
            msg = " | ".join((v.get("tflm_messages") or [])[:2]) or (v.get("tflm_error") or "")
            r.append((cls, rec["path"], "; ".join(reasons), msg[:300]))
        conf[tf] = c
        rows[tf] = r
    return conf, rows


def model_reasons(table: Table, model: Model) -> list[str]:
    """Why the table says a whole model will not run on TFLM ([] = it will)."""
    reasons: list[str] = [f"reader: {p}" for p in model.problems]
    if not model.graphs:
        reasons.append("model has no subgraphs")
    limits = table.data.get("limits", {})
    allowed = set(limits.get("tensor-dtypes", []))
    for g in model.graphs:
        bad = sorted({t.dtype for t in g.tensors if allowed and t.dtype not in allowed})
        if bad:
            reasons.append(f"graph {g.index}: tensor dtype {'/'.join(bad)} unsupported")
        if limits.get("nonempty-intermediates") is False:
            for op in g.ops:
                for i in op.intermediates:
                    t = g.tensors[i] if 0 <= i < len(g.tensors) else None
                    if t is not None and t.shape is not None and all(d != 0 for d in t.shape):
                        reasons.append(f"{op.kind}: intermediate tensor {i} is not empty")
                        break
        for op in g.ops:
            ins, outs = op_dtypes(model, op)
            for reason in table.check(op.kind, op.custom_code, ins, outs, op_ranks(model, op), op_const(model, op)):
                name = op.kind if op.kind != "CUSTOM" else f"CUSTOM:{op.custom_code}"
                text = f"{name}: {reason}"
                if text not in reasons:
                    reasons.append(text)
            for i in op.outputs:
                t = g.tensors[i] if 0 <= i < len(g.tensors) else None
                if (
                    t is not None
                    and t.shape is not None
                    and not (len(t.shape) == 1 and t.shape[0] == 0)
                    and any(d <= 0 for d in t.shape)
                ):
                    text = f"{op.kind}: dynamic output tensor shape {list(t.shape)}"
                    if text not in reasons:
                        reasons.append(text)
    return reasons


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------


# Diagnoses of individual failures, established by hand (bisecting the model into one-op models,
# reading the kernel); keyed by a substring of the signature or model path.
KNOWN: dict[str, str] = {
    "nested_while.bin": "data-dependent: on zero inputs the loop condition never turns false (timeout)",
    "test_model.bin": "malformed test model: CONV_2D on rank-1 tensors without Conv2DOptions (stride 0) -> "
    "SIGFPE in the reference kernel, which has no rank check",
    "blockwise_quantized.tflite": "quantization parameters: int8 ADD tensors without per-tensor quantization "
    "(one is blockwise); add_common.cc aborts the prepare",
    "add_unknown_dimensions.bin": "shape: the output is stored with shape [] (TFLite resizes it at run time); TFLM "
    "does no shape propagation and ADD's Eval aborts on the mismatch",
    "mobilenetv2_035_96.int8.tflite": "quantization parameters: the SOFTMAX input scale is 7.8e-9 and the softmax "
    "multiplier computation aborts (runs once the scale is 0.1)",
    "0_subgraphs.bin": "malformed test model (no subgraphs); TFLM segfaults",
    "simple_squeeze.tflite": "shape: squeeze_dims names a dimension that is not 1",
    "svdf_": "shape: SVDF output dims do not match num_units x batch",
    "single_rsqrt": "data-dependent: RSQRT of a zero input (Rsqrt is only defined for positive values)",
}


def diagnose(msg: str, key: str = "") -> str:
    """A short diagnosis of a TFLM failure the table does not (and should not) cover."""
    for sub, text in KNOWN.items():
        if sub in key or sub in msg:
            return text
    rules = [
        (r"Failed to resize buffer|Arena size is too small|Requested: \d+, available", "arena too small"),
        (r"no_integer_overflow_from_quantization", "quantization parameters overflow (kernel_util.cc check)"),
        (r"only defined for positive values", "data-dependent (zero/negative input)"),
        (r"output->dims->data\[1\] != num_units|dims|NumDimensions|perm", "shape-dependent check"),
        (r"worker died|signal", "interpreter crashed"),
    ]
    for pattern, text in rules:
        if re.search(pattern, msg):
            return text
    return "?"


REASON_KINDS = [  # (label, pattern): the first that matches a model's reasons names it
    ("unregistered op", r"missing (builtin|custom op)"),
    ("tensor dtype (limits.tensor-dtypes)", r"tensor dtype"),
    ("types", r"types: no signature"),
    ("max-rank", r"max-rank"),
    ("constant-inputs", r"constant-inputs"),
    ("absent-inputs", r"absent-inputs"),
    ("rank-limits", r"rank-limits"),
    ("dynamic tensor (limits.dynamic-tensors)", r"dynamic output"),
    ("structural (reader)", r"reader:|no subgraphs"),
]


def reason_kind(reasons: str) -> str:
    for label, pattern in REASON_KINDS:
        if re.search(pattern, reasons):
            return label
    return "other"


def confusion_table(conf: Counter[str]) -> list[str]:
    return [
        "| table \\ TFLM | runs | fails |",
        "|---|---|---|",
        f"| accepts | {conf['clean']} | {conf['FALSE CLEAN']} false clean (dtype); "
        f"{conf['false clean (not dtype)']} other reason |",
        f"| rejects | {conf['false alarm']} false alarm | {conf['true alarm']} |",
        "",
    ]


def write_report(table: Table, probe_data: dict[str, Any], truth_files: list[str]) -> str:
    conf, rows = op_level(table, probe_data)
    mconf, mrows = model_level(table, truth_files)
    lines = ["# TFLM target table vs the real TFLM interpreter", ""]
    lines.append(
        f"Generated by `scripts/probe_tflm.py` against `tflite_micro` {probe_data['tflite_micro']} "
        f"(table: `rules/targets/tflm.toml`, evidence: `evidence/tflm.probe.json`)."
    )
    lines.append("")
    lines.append(
        "The table's verdict on an op uses every field it states: registration (`builtins` / `custom`, "
        "`reference-build`), `types` (+ `uniform-inputs`), `max-rank`, `rank-limits`, `constant-inputs`, "
        "`absent-inputs`, and for whole models `limits.tensor-dtypes` (every tensor), "
        "`limits.dynamic-tensors` (op outputs with a dim <= 0) and `limits.nonempty-intermediates`. "
        "A *false clean* is a signature the table accepts and TFLM rejects; it counts as a dtype miss only "
        "when TFLM's message blames a type, otherwise (arena, shapes, quantization parameters, data) apart."
    )
    lines.append("")
    lines.append("## Op level: one-op models cut from the corpora")
    lines.append("")
    total = sum(conf.values())
    lines.append(
        f"{total} distinct (op, input dtypes, output dtypes) signatures; each run as a one-op model on zero "
        f"inputs (up to {probe_data['tries']} instances per signature, 64 MiB arena)."
    )
    lines.append("")
    lines += confusion_table(conf)
    if rows:
        lines.append("Disagreements:")
        lines.append("")
        for cls, key, why in rows:
            instance = probe_data["signatures"][key].get("instance") or ""
            diag = diagnose(why, f"{key} {instance}") if cls != "false alarm" else ""
            lines.append(f"- **{cls}** `{key}` ({instance}): {diag} — {why[:240]}")
        lines.append("")
    sconf, srows = op_level(table, probe_data, "synthetic")
    if sum(sconf.values()):
        lines.append("## Op level: synthetic dtype variants")
        lines.append("")
        lines.append(
            f"{sum(sconf.values())} variants of ops that run: one dtype of the op (the first input's) retyped "
            "to each of float32/float16/int8/uint8/int16/int32/int64/bool, in the activations only and in the "
            "constants too; quantized dtypes get per-tensor parameters (scale 1/128), constants become zeros. "
            "A variant can therefore also fail on quantization parameters or value checks: such failures are "
            "counted apart (not dtype)."
        )
        lines.append("")
        lines += confusion_table(sconf)
        lines.append(
            "The aborts below (`worker died rc=-6`) come from the harness, not a missing dtype check: the "
            "retyped input carries no quantization parameters (scale 0) while the kernel, which reads only "
            "the output's (ADD) or the first input's (comparisons) dtype, computes an int8 rescale multiplier "
            "from it."
        )
        lines.append("")
        listed = [r for r in srows if r[0] != "false clean (not dtype)"]
        if listed:
            lines.append("Disagreements (dtype related):")
            lines.append("")
            for cls, key, why in listed:
                lines.append(f"- **{cls}** `{key}`: {why}")
            lines.append("")
        other = [r for r in srows if r[0] == "false clean (not dtype)"]
        if other:
            lines.append(f"Table accepts, TFLM fails for another reason ({len(other)}):")
            lines.append("")
            for _, key, why in other:
                lines.append(f"- `{key}`: {why[:220]}")
            lines.append("")
    lines.append("## Model level: truth.json `verdict.tflm_runs`")
    lines.append("")
    for tf, c in mconf.items():
        fails = c["true alarm"] + c["FALSE CLEAN"]
        lines.append(f"### `{tf}`")
        lines.append("")
        lines.append(
            f"TFLM fails {fails} models: the table flags {c['true alarm']}, misses {c['FALSE CLEAN']}. "
            f"TFLM runs {c['clean'] + c['false alarm']}: the table wrongly flags {c['false alarm']}."
            + (f" ({c['no verdict']} without a TFLM verdict.)" if c["no verdict"] else "")
        )
        lines.append("")
        kinds: Counter[str] = Counter(reason_kind(reasons) for cls, _, reasons, _ in mrows[tf] if cls == "true alarm")
        lines.append(
            "Flagged failures by the table field that flags them: "
            + ", ".join(f"{k} {n}" for k, n in kinds.most_common())
            + "."
        )
        lines.append("")
        for cls, path, _reasons, msg in mrows[tf]:
            if cls == "FALSE CLEAN":
                lines.append(f"- unexplained `{path}`: {diagnose(msg, path)} — TFLM: `{msg[:240]}`")
        for cls, path, reasons, _msg in mrows[tf]:
            if cls == "false alarm":
                lines.append(f"- false alarm `{path}`: {reasons}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def dump_json(data: dict[str, Any]) -> str:
    """JSON with one line per probed signature (diff-friendly, compact)."""
    lines = ["{"]
    keys = list(data)
    for n, key in enumerate(keys):
        comma = "," if n < len(keys) - 1 else ""
        value = data[key]
        if isinstance(value, dict) and key in ("signatures", "synthetic"):
            lines.append(f"  {json.dumps(key)}: {{")
            items = list(value.items())
            for m, (k, v) in enumerate(items):
                sep = "," if m < len(items) - 1 else ""
                lines.append(f"    {json.dumps(k)}: {json.dumps(v, separators=(',', ':'))}{sep}")
            lines.append(f"  }}{comma}")
        else:
            lines.append(f"  {json.dumps(key)}: {json.dumps(value)}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run", action="store_true", help="run the TFLM interpreter (else reuse tflm.probe.json)")
    ap.add_argument("--truth", nargs="*", default=DEFAULT_TRUTH, help="truth.json files (records of .tflite files)")
    ap.add_argument("--tries", type=int, default=4, help="instances tried per signature")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--only", help="regex: probe only matching signatures (with --run; merged into the json)")
    ap.add_argument("--synthetic", action="store_true", help="also run dtype-retyped variants of ops that run")
    args = ap.parse_args()
    table = load_table()
    if args.run:
        paths = [p for p, _ in truth_records(args.truth)]
        sigs = harvest(paths)
        old: dict[str, Any] = {}
        if args.only:
            sigs = {k: v for k, v in sigs.items() if re.search(args.only, k)}
            if PROBE_JSON.exists():
                old = json.loads(PROBE_JSON.read_text())["signatures"]
        print(f"probing {len(sigs)} signatures from {len(set(paths))} files", file=sys.stderr)
        results = probe(sigs, args.tries, args.jobs)
        synth: dict[str, Any] = {}
        if args.synthetic:
            corpus = {**old, **results}
            variants = synthetic(corpus)
            print(f"probing {len(variants)} synthetic variants", file=sys.stderr)
            synth = probe(variants, 1, args.jobs)
        elif PROBE_JSON.exists():
            synth = json.loads(PROBE_JSON.read_text()).get("synthetic", {})
        data = {
            "tflite_micro": wheel_version(),
            "arena_bytes": ARENA,
            "tries": args.tries,
            "inputs": "zeros",
            "truth": [os.path.relpath(t, ROOT) for t in args.truth],
            "signatures": dict(sorted({**old, **results}.items())),
            "synthetic": synth,
        }
        PROBE_JSON.write_text(dump_json(data))
    data = json.loads(PROBE_JSON.read_text())
    report = write_report(table, data, args.truth)
    PROBE_MD.write_text(report)
    print(report)


if __name__ == "__main__":
    main()
