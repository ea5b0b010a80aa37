#!/usr/bin/env python3
"""Which op makes a Qualcomm compile fail on an SoC (a maintainer tool, not a test).

``fixtures/npu/VERDICTS.json`` says whether ai-edge-litert 2.3.0 compiled each model for a Qualcomm SoC
(``--cmd=apply``), but a failed compile names no TFLite op.  For every model whose partition succeeded
and whose compile failed on ``--soc`` (default SM8350, the v68 HTP), this cuts each op the plugin
selected out into a one-op model (its tensors, constants and quantization kept; its non-constant
inputs become the graph inputs) and compiles that alone, with the same tool and QNN libraries as
``scripts/record_npu.py``.  An op whose one-op model does not compile is a cause QNN's HTP cannot
prepare on that SoC; ``oplint/delegates/qualcomm/qnn.py`` (``COMPILE_RULES``) cites the records.

Writes ``fixtures/npu/QNN_COMPILE_OPS.json``: per SoC and model key, per selected op
``{"op": [subgraph, index], "kind": ..., "status": "ok" | "failed" | ..., "errors": [...]}``.

    /work/venvs/npu/bin/python scripts/record_qnn_compile_ops.py [--soc SM8350] [--only TEXT]
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import record_npu as rec  # noqa: E402

OUT = rec.OUT_DIR / "QNN_COMPILE_OPS.json"


def one_op_model(model: Any, graph: int, index: int) -> bytes:
    """A model holding only op ``index`` of subgraph ``graph`` (schema_py_generated object API)."""
    import flatbuffers

    schema = rec.schema
    sg = model.subgraphs[graph]
    op = sg.operators[index]

    def has_data(b: int) -> bool:
        return 0 < b < len(model.buffers) and model.buffers[b].data is not None and len(model.buffers[b].data) > 0

    tensors: list[Any] = []
    buffers: list[Any] = [schema.BufferT()]
    remap: dict[int, int] = {}

    def take(i: int) -> int:
        if i < 0:
            return -1
        if i not in remap:
            t = copy.copy(sg.tensors[i])
            if has_data(t.buffer):
                b = schema.BufferT()
                b.data = model.buffers[t.buffer].data
                buffers.append(b)
                t.buffer = len(buffers) - 1
            else:
                t.buffer = 0
            remap[i] = len(tensors)
            tensors.append(t)
        return remap[i]

    new = copy.copy(op)
    new.inputs = [take(i) for i in (op.inputs if op.inputs is not None else [])]
    new.outputs = [take(i) for i in (op.outputs if op.outputs is not None else [])]
    new.intermediates = None
    code = model.operatorCodes[op.opcodeIndex]
    new.opcodeIndex = 0
    inputs = []
    for i in op.inputs if op.inputs is not None else []:
        if i >= 0 and not has_data(sg.tensors[i].buffer) and remap[i] not in inputs:
            inputs.append(remap[i])
    one = schema.SubGraphT()
    one.tensors = tensors
    one.inputs = inputs
    one.outputs = [i for i in new.outputs if i >= 0]
    one.operators = [new]
    one.name = "probe"
    out = schema.ModelT()
    out.version = 3
    out.description = "oplint qnn compile probe"
    out.operatorCodes = [code]
    out.subgraphs = [one]
    out.buffers = buffers
    builder = flatbuffers.Builder(1024)
    builder.Finish(out.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--soc", default="SM8350")
    parser.add_argument("--only", help="only models whose key contains this text (merged into the file)")
    parser.add_argument("--timeout", type=float, default=600.0)
    args = parser.parse_args()
    verdicts = json.loads((rec.OUT_DIR / "VERDICTS.json").read_text())
    paths = dict(rec.discover())
    previous = json.loads(OUT.read_text()) if OUT.exists() else {}
    out: dict[str, Any] = {
        "about": "each op the Qualcomm plugin selected in a model whose compile failed, compiled alone "
        "(ai-edge-litert 2.3.0 apply_plugin_main --cmd=apply); written by scripts/record_qnn_compile_ops.py",
        "tools": verdicts.get("tools", {}),
        "socs": dict(previous.get("socs", {})),
    }
    found: dict[str, Any] = dict(out["socs"].get(args.soc, {})) if args.only else {}
    config = f"qualcomm@{args.soc}"
    with tempfile.TemporaryDirectory(prefix="qnn-ops-") as tmp:
        work = Path(tmp)
        for key, entry in sorted(verdicts["models"].items()):
            if (args.only and args.only not in key) or key not in paths:
                continue
            run = entry["runs"].get(config, {})
            if run.get("partition", {}).get("status") != "ok" or run.get("compile", {}).get("status") != "failed":
                continue
            npu = run["partition"].get("npu")
            if not npu:
                continue
            model = rec.load(paths[key].read_bytes())
            ops = []
            for graph, index in npu:
                probe = work / "op.tflite"
                try:
                    probe.write_bytes(one_op_model(model, graph, index))
                except Exception as exc:  # an op the object API cannot copy alone
                    ops.append({"op": [graph, index], "status": f"not cut: {type(exc).__name__}"})
                    continue
                name = rec.op_name(model, model.subgraphs[graph].operators[index])
                result = rec.compile_(probe, "qualcomm", args.soc, work, args.timeout)
                record = {"op": [graph, index], "kind": name, "status": result["status"]}
                if result["status"] != "ok":
                    record["errors"] = result.get("errors", [])[:4]
                ops.append(record)
            found[key] = ops
            bad = [o["kind"] for o in ops if o.get("status") not in ("ok",)]
            print(key, len(ops), "failed alone:", sorted(set(bad)), flush=True)
    out["socs"][args.soc] = dict(sorted(found.items()))
    OUT.write_text(rec.dump(out))


if __name__ == "__main__":
    main()
