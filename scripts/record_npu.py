#!/usr/bin/env python3
"""Record what LiteRT's NPU compiler plugins do with each model (a maintainer tool, not a test).

Runs ``ai-edge-litert`` 2.3.0's ``apply_plugin_main`` (the tool behind
``ai_edge_litert.aot.aot_compile``) on every .tflite of the fixtures, ``../shared/oracle/corpus`` and
``../shared/corpus/models`` (and the ``.bin`` files there whose bytes 4..8 are ``TFL3``), per vendor and
SoC: ``--cmd=partition`` (which ops the plugin selects into DISPATCH_OP partitions) and, for Qualcomm,
``--cmd=apply`` (whether the QNN compile of those partitions succeeds).  Writes
``fixtures/npu/VERDICTS.json``; ``fixtures/npu/README.md`` says how to read it.

Setup (a dev venv outside the project; nothing here is a runtime dependency of oplint)::

    python3.11 -m venv /work/venvs/npu
    /work/venvs/npu/bin/pip install ai-edge-litert==2.3.0 flatbuffers \\
        ai-edge-litert-sdk-qualcomm==2.3.0 ai-edge-litert-sdk-intel==2.3.0 ai-edge-litert-sdk-mediatek==2.3.0
    # ai-edge-litert-sdk-google-tensor==2.3.0 does not install here: its sdist downloads the Tensor ML SDK
    # (litert_plugin_compiler.tar.gz, SDK 6.1.0) at build time and aborts when the host cannot be resolved.
    # The qualcomm, mediatek and intel sdists also download their SDK at build time; here that download
    # fails (name resolution), they print the error and install an empty package (no data/ directory).

    # Qualcomm: the QAIRT host libraries.  The onnxruntime-qnn wheel ships QAIRT 2.51 for x86-64 Linux:
    /work/venvs/npu/bin/pip download --no-deps -d /tmp/ortqnn onnxruntime-qnn==2.7.0
    cd /tmp/ortqnn && unzip -q onnxruntime_qnn-2.7.0-*.whl
    SDK=/work/venvs/npu/lib/python3.11/site-packages/ai_edge_litert_sdk_qualcomm/data/lib
    mkdir -p $SDK/x86_64-linux-clang $SDK/onnxruntime_qnn.libs
    cp onnxruntime_qnn/libQnn*.so onnxruntime_qnn/libHtpPrepare.so onnxruntime_qnn/libGenie.so \\
       $SDK/x86_64-linux-clang/          # where ai_edge_litert_sdk_qualcomm.path_to_sdk_libs() looks
    cp onnxruntime_qnn.libs/* $SDK/onnxruntime_qnn.libs/   # their libc++ (RPATH $ORIGIN/../onnxruntime_qnn.libs)
    # The plugin is linked against libQnnLpai.so (the LPAI backend), which the wheel lacks; it is never
    # called for the HTP backend, so an empty library satisfies the loader:
    gcc -shared -o $SDK/x86_64-linux-clang/libQnnLpai.so -x c /dev/null

    /work/venvs/npu/bin/python scripts/record_npu.py            # about 30 minutes here (2 shared cores)
    /work/venvs/npu/bin/python scripts/record_npu.py --probes   # also the one-op probe models

Intel OpenVINO partitions with the ``openvino`` wheel that ai-edge-litert-sdk-intel pulls in; its compile needs
``libopenvino_intel_npu_compiler{,_loader}.so``, which come only from the OpenVINO toolkit archive (not on PyPI),
so only the partition is recorded.  MediaTek (NeuroPilot ``libneuron_adapter``) and Google Tensor
(``liblitert_plugin_compiler.so``) fail before partitioning without their SDKs, and the Samsung plugin in the
2.3.0 wheel does not load (undefined flatbuffers symbol); the recorder runs each once and records the failure.

How partitioned ops are mapped back to the input's op indices: the model is re-serialised (the flatbuffer
object API of ``ai_edge_litert.schema_py_generated``) with every tensor renamed ``t<subgraph>_<tensor>``,
and that copy is partitioned.  The partitioner copies the selected ops, with their tensors' names, into new
subgraphs appended after the model's own and leaves the rest in place; each op of the output is then the input
op of the same subgraph whose output tensors (inputs too, for ops without outputs) carry the same tags.
Every input op must be found exactly once (selected or left in place) and the number selected per subgraph
must equal the tool's own "Partitioned subgraph<i>, selected N ops" line for the unmodified model, which is
partitioned too; otherwise the record says ``mapping: "inconsistent"`` and keeps only the tool's counts.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
OUT_DIR = ROOT / "fixtures" / "npu"

try:
    import ai_edge_litert
    import flatbuffers
    from ai_edge_litert import schema_py_generated as schema
    from flatbuffers import flexbuffers
except ImportError:  # pragma: no cover - a maintainer tool
    sys.exit("run this with the dev venv that has ai-edge-litert 2.3.0 (see the top of this file)")

LITERT = Path(ai_edge_litert.__file__).parent
TOOL = LITERT / "tools" / "apply_plugin_main"
SITE = LITERT.parent
QNN_LIBS = SITE / "ai_edge_litert_sdk_qualcomm" / "data" / "lib" / "x86_64-linux-clang"

# vendor -> (soc_manufacturer flag, plugin directory, SoCs to partition for, SoCs to compile for)
QUALCOMM_SOCS = ["SA8255", "SA8295", "SM8350", "SM8450", "SM8475", "SM8550", "SM8650", "SM8750", "SM8845", "SM8850"]
VENDORS: dict[str, dict[str, Any]] = {
    "qualcomm": {
        "manufacturer": "Qualcomm",
        "plugin": "qualcomm",
        "partition": QUALCOMM_SOCS,
        "compile": ["SM8350", "SM8650", "SM8850"],
        "env": {"LD_LIBRARY_PATH": str(QNN_LIBS)},
    },
    "intel_openvino": {
        "manufacturer": "IntelOpenVINO",
        "plugin": "intel_openvino",
        "partition": ["LNL", "PTL"],
        "compile": [],
        "env": {},
    },
}
# Run once each to record why they cannot run here.
UNAVAILABLE = {
    "mediatek": ("MediaTek", "mediatek", "mt6989", ["--mediatek_use_get_supported_operations=false"]),
    "google_tensor": ("Google", "google_tensor", "Tensor_G4", []),
    "samsung": ("Samsung", "samsung", "E9965", []),
    "intel_openvino (compile)": ("IntelOpenVINO", "intel_openvino", "LNL", []),
}

OPS = {v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}
STATS = re.compile(
    r"Partitioned subgraph<(\d+)>, selected (\d+) ops, from a total of (\d+) ops\. resulted in (\d+) partitions"
)
NOISE = re.compile(r"0x[0-9a-f]+|/tmp/[^\s:\"']+|tempdir_dla\.\w+|\d+\.\d+ms")
# QNN prints these on every successful compile too; they are not reasons.
BENIGN = ("unexpected GraphHtpSettings option",)


def discover() -> list[tuple[str, Path]]:
    """(record key, path) of every model to run, in a stable order."""
    found: list[tuple[str, Path]] = []
    roots = [
        ("fixtures", ROOT / "fixtures", ("*.tflite",)),
        ("oracle", SHARED / "oracle" / "corpus", ("*.tflite",)),
        ("corpus", SHARED / "corpus" / "models", ("*.tflite", "*.bin")),
    ]
    for label, base, patterns in roots:
        for pattern in patterns:
            for path in sorted(base.rglob(pattern)):
                if path.is_relative_to(OUT_DIR):
                    continue
                if path.suffix == ".bin" and path.read_bytes()[4:8] != b"TFL3":
                    continue
                found.append((f"{label}/{path.relative_to(base)}", path))
    return sorted(found)


def op_name(model: Any, op: Any) -> str:
    code = model.operatorCodes[op.opcodeIndex]
    builtin = max(code.builtinCode, code.deprecatedBuiltinCode)
    name = OPS.get(builtin, f"BUILTIN_{builtin}")
    if name == "CUSTOM":
        return "CUSTOM:" + (code.customCode or b"").decode("utf-8", "replace")
    return name


def load(data: bytes) -> Any:
    return schema.ModelT.InitFromPackedBuf(data, 0)


def tagged_copy(model: Any) -> bytes:
    """The same model with tensor ``i`` of subgraph ``s`` renamed ``t<s>_<i>``."""
    for s, graph in enumerate(model.subgraphs or []):
        for i, tensor in enumerate(graph.tensors or []):
            tensor.name = f"t{s}_{i}".encode()
    builder = flatbuffers.Builder(1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def tags(graph: Any, indices: Any) -> tuple[str, ...]:
    out = []
    for i in indices if indices is not None else []:
        out.append(graph.tensors[i].name.decode() if 0 <= i < len(graph.tensors) else "-")
    return tuple(out)


def op_key(graph: Any, op: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    outs = tags(graph, op.outputs)
    return (outs, ()) if outs else ((), tags(graph, op.inputs))


def map_partition(original: Any, output: Any, tagged: bool = True) -> dict[str, Any]:
    """Which (subgraph, op) of the input ended up in a DISPATCH_OP partition.

    ``tagged``: tensor names are ``t<subgraph>_<tensor>`` (the tagged copy); otherwise the input's own
    names are used and an op must match exactly one input op over all subgraphs.  The partitioner appends
    one subgraph per new DISPATCH_OP, so the last K subgraphs of the output are the partitions (K = the
    DISPATCH_OPs the input did not have) and the others are the input's subgraphs, perhaps fewer of them
    (a decomposition subgraph of a composite op the plugin took is dropped).  A composite op the plugin did
    not take is inlined: it disappears and its decomposition's ops are partitioned in its place.  CALL_ONCE
    does not survive LiteRT's serializer (measured) and is reported as dropped.
    """
    original.subgraphs = original.subgraphs or []
    output.subgraphs = output.subgraphs or []
    index: dict[tuple[int, Any], int] = {}
    for s, graph in enumerate(original.subgraphs):
        for i, op in enumerate(graph.operators or []):
            index.setdefault((s, op_key(graph, op)), i)
    seen: dict[tuple[int, int], str] = {}
    problems = []

    def find(graph: Any, op: Any, j: int = -1) -> tuple[int, int | None, tuple[str, ...]]:
        key = op_key(graph, op)
        names = key[0] or key[1]
        if not names:  # an op without tensors (CALL_ONCE): the first unmatched one of that kind in its subgraph
            if 0 <= j < len(original.subgraphs):
                for i, other in enumerate(original.subgraphs[j].operators or []):
                    same = (
                        op_name(original, other) == op_name(output, op) and not op_key(original.subgraphs[j], other)[1]
                    )
                    if same and (j, i) not in seen:
                        return j, i, names
            return -1, None, names
        if tagged:
            tag = [name for name in names if re.fullmatch(r"t\d+_\d+", name)]
            s = int(tag[0][1:].split("_")[0]) if tag else -1
            return s, index.get((s, key)), names
        hits = [(s, index[(s, key)]) for s in range(len(original.subgraphs)) if (s, key) in index]
        return (hits[0][0], hits[0][1], names) if len(hits) == 1 else (-1, None, names)

    def is_new_dispatch(graph: Any, op: Any) -> bool:
        if op_name(output, op) != "CUSTOM:DISPATCH_OP":
            return False
        # A DISPATCH_OP the input already had (a precompiled model) maps to an input DISPATCH_OP; one the
        # partitioner made shares its outputs' names with the partition's last ops.
        s, i, _ = find(graph, op)
        return i is None or op_name(original, original.subgraphs[s].operators[i]) != "CUSTOM:DISPATCH_OP"

    new = [(graph, op) for graph in output.subgraphs for op in graph.operators or [] if is_new_dispatch(graph, op)]
    bodies = len(output.subgraphs) - len(new)
    dispatch: dict[int, int] = {}
    for graph, op in new:
        s, _, _ = find(graph, op)
        dispatch[s] = dispatch.get(s, 0) + 1
    for j, graph in enumerate(output.subgraphs):
        where = "npu" if j >= bodies else "cpu"
        for op in graph.operators or []:
            if where == "cpu" and any(op is o for _, o in new):
                continue
            s, i, names = find(graph, op, j if where == "cpu" else -1)
            if i is None:
                problems.append(f"subgraph {j}: op {op_name(output, op)} {names} not in the input")
            elif (s, i) in seen:
                problems.append(f"subgraph {j}: input op {s}:{i} found twice")
            else:
                seen[(s, i)] = where
    # The decomposition subgraph of a composite op the plugin took goes with it onto the NPU.
    absorbed_graphs = set()
    for (s, i), where in seen.items():
        op = original.subgraphs[s].operators[i]
        options = getattr(op, "builtinOptions2", None)  # StableHLOCompositeOptions: builtin_options_2
        if where == "npu" and op_name(original, op) == "STABLEHLO_COMPOSITE" and options is not None:
            absorbed_graphs.add(getattr(options, "decompositionSubgraphIndex", -1))
    inlined: list[list[int]] = []
    absorbed: list[list[int]] = []
    dropped: list[list[int]] = []
    for s, graph in enumerate(original.subgraphs):
        for i, op in enumerate(graph.operators or []):
            if (s, i) in seen:
                continue
            if op_name(original, op) == "STABLEHLO_COMPOSITE":
                inlined.append([s, i])
            elif s in absorbed_graphs:
                absorbed.append([s, i])
            elif op_name(original, op) == "CALL_ONCE":  # LiteRT's serializer drops it (measured, 2.3.0)
                dropped.append([s, i])
            else:
                problems.append(f"input op {s}:{i} {op_name(original, op)} not found in the output")
    npu = sorted([s, i] for (s, i), where in seen.items() if where == "npu")
    return {
        "npu": npu,
        "dispatch": dispatch,
        "inlined": inlined,
        "absorbed": absorbed,
        "dropped": dropped,
        "problems": problems,
    }


def errors(log: str) -> list[str]:
    """The failure lines of a tool log, without addresses, temp paths and timings, first 8 distinct."""
    found: list[str] = []
    for line in log.splitlines():
        text = line.strip()
        if not re.search(r"\bERROR\b|<E>|Failed|failed|Exception|Could not|cannot|undefined symbol|Abort", text):
            continue
        if any(b in text for b in BENIGN):
            continue
        text = NOISE.sub("*", text)[:400]
        if text not in found:
            found.append(text)
    return found[:8]


def run_tool(cmd: str, model: Path, vendor: str, soc: str, work: Path, timeout: float) -> dict[str, Any]:
    """One apply_plugin_main run in its own process; the output model path is in ``out``."""
    if vendor in VENDORS:
        spec = VENDORS[vendor]
        manufacturer, plugin, extra, env_extra = spec["manufacturer"], spec["plugin"], [], spec["env"]
    else:
        manufacturer, plugin, _, extra = UNAVAILABLE[vendor]
        env_extra = {}
    out = work / f"{cmd}.tflite"
    if out.exists():
        out.unlink()
    args = [
        str(TOOL),
        f"--cmd={cmd}",
        f"--model={model}",
        f"--o={out}",
        f"--soc_manufacturer={manufacturer}",
        f"--soc_model={soc}",
        f"--libs={LITERT / 'vendors' / plugin / 'compiler'}",
        "--err=--",
        *extra,
    ]
    env = dict(os.environ, **env_extra)
    start = time.monotonic()
    try:
        proc = subprocess.run(
            args, cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as exc:
        log = (exc.stdout or b"").decode("utf-8", "replace")
        return {"status": "timeout", "seconds": round(time.monotonic() - start, 2), "log": log, "out": None}
    seconds = round(time.monotonic() - start, 2)
    log = proc.stdout.decode("utf-8", "replace")
    result: dict[str, Any] = {"seconds": seconds, "log": log, "out": out if out.exists() else None}
    if proc.returncode < 0:
        result["status"] = "crash"
        result["signal"] = -proc.returncode
    elif proc.returncode:
        result["status"] = "failed"
        result["exit"] = proc.returncode
    else:
        result["status"] = "ok"
    return result


def stats(log: str) -> dict[str, list[int]]:
    """subgraph -> [selected ops, total ops, partitions] from the tool's own log line."""
    return {m[0]: [int(m[1]), int(m[2]), int(m[3])] for m in STATS.findall(log)}


def summarise(run: dict[str, Any]) -> dict[str, Any]:
    record = {k: run[k] for k in ("status", "seconds", "signal", "exit") if k in run}
    if run["status"] != "ok":
        steps = [line.strip() for line in run["log"].splitlines() if line.startswith("[LITERT_TOOLS:")]
        record["errors"] = errors(run["log"]) or ["no error message; last step: " + (steps[-1] if steps else "none")]
    return record


def partition(model_path: Path, parsed: Any, vendor: str, soc: str, work: Path, timeout: float) -> dict[str, Any]:
    run = run_tool("partition", model_path, vendor, soc, work, timeout)
    record = summarise(run)
    record["selected"] = stats(run["log"])
    if run["status"] != "ok" or parsed is None:
        return record
    original_out = work / "partition-original.tflite"
    if run["out"] is not None:
        run["out"].replace(original_out)
    attempts = []
    try:
        tagged = work / "tagged.tflite"
        tagged.write_bytes(tagged_copy(load(model_path.read_bytes())))
        trun = run_tool("partition", tagged, vendor, soc, work, timeout)
        if trun["status"] == "ok" and trun["out"] is not None:
            attempts.append(("tags", tagged, trun["out"]))
        else:
            record["tagged_copy"] = trun["status"]
    except Exception as exc:  # the object API cannot re-serialise every model (e.g. byte code after it)
        record["tagged_copy"] = f"not re-serialisable: {type(exc).__name__}"
    if original_out.exists():
        attempts.append(("names", model_path, original_out))  # the input's own names, when unambiguous
    expect = sum(v[0] for v in record["selected"].values())
    problems: list[str] = []
    for how, source, out in attempts:
        try:
            mapped = map_partition(load(source.read_bytes()), load(out.read_bytes()), tagged=how == "tags")
        except Exception as exc:  # an output the object API cannot walk
            problems.append(f"{how}: {type(exc).__name__}: {exc}"[:200])
            continue
        found = [f"{how}: {p}" for p in mapped["problems"][:5]]
        # An inlined composite's decomposition ops are counted by the tool in the host subgraph.
        if len(mapped["npu"]) != expect and not mapped["inlined"]:
            found.append(f"{how}: tool selected {expect}, mapped {len(mapped['npu'])}")
        if found:
            problems.extend(found)
            continue
        record["mapping"] = how
        record["npu"] = mapped["npu"]
        record["partitions"] = {str(s): c for s, c in sorted(mapped["dispatch"].items())}
        for what in ("inlined", "absorbed", "dropped"):  # see map_partition
            if mapped[what]:
                record[what] = mapped[what]
        return record
    record["mapping"] = "inconsistent"
    record["mapping_problems"] = problems[:8]
    return record


def compile_(model_path: Path, vendor: str, soc: str, work: Path, timeout: float) -> dict[str, Any]:
    run = run_tool("apply", model_path, vendor, soc, work, timeout)
    record = summarise(run)
    record["selected"] = stats(run["log"])
    if run["status"] == "ok" and run["out"] is not None:
        try:
            out = load(run["out"].read_bytes())
            sizes = []
            for graph in out.subgraphs:
                for op in graph.operators or []:
                    if op_name(out, op) == "CUSTOM:DISPATCH_OP":
                        options = flexbuffers.Loads(bytes(op.customOptions))
                        sizes.append(int(options.get("bytecode_size", 0)))
            record["dispatch_ops"] = len(sizes)
            record["bytecode_bytes"] = sum(sizes)
        except Exception as exc:
            record["status"] = "bad-output"
            record["errors"] = [f"output not readable: {type(exc).__name__}: {exc}"[:300]]
    elif run["status"] == "ok":
        record["status"] = "no-output"
    if run["status"] == "failed" and record["selected"] and not any(v[0] for v in record["selected"].values()):
        # The plugin selected no op; apply then fails asking the empty compile result for byte code.
        record["status"] = "nothing-selected"
    return record


def model_entry(key: str, path: Path, configs: list[tuple[str, str, bool]], timeout: float) -> dict[str, Any]:
    data = path.read_bytes()
    entry: dict[str, Any] = {"sha256": hashlib.sha256(data).hexdigest()}
    parsed = None
    try:
        if data[4:8] != b"TFL3":
            raise ValueError("no TFL3 identifier")
        parsed = load(data)
        entry["ops"] = [[op_name(parsed, op) for op in g.operators or []] for g in parsed.subgraphs]
    except Exception as exc:
        entry["unreadable"] = f"{type(exc).__name__}: {exc}"[:200]
    runs: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="npu-") as tmp:
        work = Path(tmp)
        for vendor, soc, do_compile in configs:
            record: dict[str, Any] = {"partition": partition(path, parsed, vendor, soc, work, timeout)}
            if do_compile:
                record["compile"] = compile_(path, vendor, soc, work, timeout)
            runs[f"{vendor}@{soc}"] = record
    entry["runs"] = runs
    return entry


def unavailable(timeout: float) -> dict[str, Any]:
    model = ROOT / "fixtures" / "ethosu" / "conv_strides.tflite"
    found = {}
    with tempfile.TemporaryDirectory(prefix="npu-") as tmp:
        for vendor, (_, _, soc, extra) in UNAVAILABLE.items():
            cmd = "apply" if "compile" in vendor else "partition"
            run = run_tool(cmd, model, vendor, soc, Path(tmp), timeout)
            found[vendor] = {
                "command": f"apply_plugin_main --cmd={cmd} --soc_model={soc} {' '.join(extra)}".strip(),
                "status": run["status"],
                "errors": errors(run["log"]),
            }
    return found


def versions() -> dict[str, Any]:
    from importlib import metadata

    found: dict[str, Any] = {"python": platform.python_version(), "machine": platform.machine()}
    for dist in (
        "ai-edge-litert",
        "ai-edge-litert-sdk-qualcomm",
        "ai-edge-litert-sdk-intel",
        "openvino",
        "flatbuffers",
    ):
        try:
            found[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            found[dist] = None
    htp = QNN_LIBS / "libQnnHtp.so"
    if htp.exists():
        match = re.search(rb"hexnn_ver_v(\d+\.\d+\.\d+\.\d+)|v(2\.\d+\.\d+\.\d{12})", htp.read_bytes())
        found["qairt"] = (match.group(1) or match.group(2)).decode() if match else None
        found["qairt_from"] = "onnxruntime-qnn 2.7.0 wheel (onnxruntime_qnn/libQnn*.so), libQnnLpai.so an empty stub"
    return found


def dump(record: dict[str, Any]) -> str:
    """Indented JSON with the small integer lists ([subgraph, op], [selected, total, partitions]) on one line."""
    text = json.dumps(record, indent=1, sort_keys=True)
    return (
        re.sub(r"\[\s+(-?\d+(?:,\s+-?\d+){1,2})\s+\]", lambda m: "[" + re.sub(r",\s+", ", ", m.group(1)) + "]", text)
        + "\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help="record only models whose key contains this text (merged into the file)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per tool run (default 600)")
    parser.add_argument("--no-compile", action="store_true", help="partition only")
    parser.add_argument("--config", action="append", help="only this vendor@soc (repeatable)")
    parser.add_argument("--resume", action="store_true", help="keep records of unchanged models already in --out")
    parser.add_argument(
        "--probes", action="store_true", help="also run the one-op probe models (scripts/npu_probes.py)"
    )
    parser.add_argument("--out", type=Path, default=OUT_DIR / "VERDICTS.json")
    args = parser.parse_args()
    if not TOOL.exists() or not (QNN_LIBS / "libQnnHtp.so").exists():
        sys.exit(f"missing {TOOL} or the QNN libraries in {QNN_LIBS} (see the top of this file)")

    configs: list[tuple[str, str, bool]] = []
    for vendor, spec in VENDORS.items():
        for soc in spec["partition"]:
            if not args.config or f"{vendor}@{soc}" in args.config:
                configs.append((vendor, soc, soc in spec["compile"] and not args.no_compile))

    previous = json.loads(args.out.read_text()) if args.out.exists() else {}
    record: dict[str, Any] = {
        "about": "ai-edge-litert apply_plugin_main per model, vendor and SoC; written by scripts/record_npu.py",
        "date": datetime.date.today().isoformat(),
        "tools": versions(),
        "configs": {f"{v}@{s}": {"partition": True, "compile": c} for v, s, c in configs},
        "not_run": unavailable(min(args.timeout, 120.0)),
        "models": dict(previous.get("models", {})) if args.only or args.resume else {},
    }
    models = [(k, p) for k, p in discover() if not args.only or args.only in k]
    done = previous.get("models", {}) if args.resume else {}
    for n, (key, path) in enumerate(models, 1):
        old = done.get(key)
        mapped = old and all(
            r["partition"]["status"] != "ok" or r["partition"].get("mapping") in ("tags", "names")
            for r in old["runs"].values()
        )
        if (
            mapped
            and old.get("sha256") == hashlib.sha256(path.read_bytes()).hexdigest()
            and set(old["runs"]) >= {f"{v}@{s}" for v, s, _ in configs}
        ):
            record["models"][key] = old
            continue
        start = time.monotonic()
        record["models"][key] = model_entry(key, path, configs, args.timeout)
        print(f"[{n}/{len(models)}] {key} {time.monotonic() - start:.1f}s", file=sys.stderr, flush=True)
        if n % 25 == 0:  # keep what is done if the run is stopped
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(dump(record))
    record["models"] = dict(sorted(record["models"].items()))
    if args.probes:
        sys.path.insert(0, str(ROOT / "scripts"))
        import npu_probes

        record["probes"] = npu_probes.run(configs, args.timeout)
    elif "probes" in previous:
        record["probes"] = previous["probes"]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(dump(record))
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
