"""The Vela path: compile the model with Vela itself in a subprocess and read back what it placed where.

Vela 5's compiler core (*regor*, C++) exposes its supported-operator checks only through a compile,
so the model is compiled with ``vela`` and each op's placement is read back from the
``_vela.tflite`` Vela writes: ops it kept as TFLite ops run on the CPU, the others went into
``ethos-u`` NPU command streams.  Vela's own warning text is the reason.  Results are cached by
file content.  Nothing here imports Vela or numpy: Vela only ever runs in its own process.
"""

from __future__ import annotations

import os
import re
from collections import defaultdict, deque
from functools import cache
from typing import TYPE_CHECKING, Any, NamedTuple

from ...core.files import cache_json, cached_json
from ..contract import OpVerdict
from .common import BACKEND_ENV, ETHOSU_CUSTOM_CODE, FUSED_ACTIVATIONS, TIMEOUT_ENV, VELA_ENV, EthosUResult, Settings

if TYPE_CHECKING:  # pragma: no cover
    from ...core.model import Graph, Model, Op


CACHE_FORMAT = 4  #: bump when the cached result layout changes


# -- finding Vela -----------------------------------------------------------------------------
class Vela(NamedTuple):
    command: tuple[str, ...]
    version: str


@cache
def find_vela() -> Vela | None:
    """Vela from ``OPLINT_VELA`` (an executable), or the ``ethos-u-vela`` package of this
    interpreter; None when neither is there.  Never imports Vela itself."""
    import shutil
    import subprocess
    import sys

    exe = os.environ.get(VELA_ENV)
    if exe:
        path = shutil.which(exe) or exe
        try:
            out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=120)
        except (OSError, subprocess.SubprocessError):
            return None
        version = out.stdout.strip().splitlines()[-1].strip() if out.returncode == 0 and out.stdout.strip() else ""
        return Vela((path,), version or "unknown") if out.returncode == 0 else None
    from importlib import metadata, util

    try:
        version = metadata.version("ethos-u-vela")
    except metadata.PackageNotFoundError:
        return None
    if util.find_spec("ethosu") is None:  # pragma: no cover - a broken install
        return None
    return Vela((sys.executable, "-m", "ethosu.vela"), version)


def backend_summary() -> str:
    """Which of the two paths an Ethos-U check takes here, in a sentence."""
    backend = os.environ.get(BACKEND_ENV, "auto").strip().lower()
    vela = find_vela() if backend != "tables" else None
    if vela is not None:
        return f"Vela {vela.version} itself ({' '.join(vela.command)})"
    why = f"{BACKEND_ENV}=tables" if backend == "tables" else "install oplint[ethos-u] to ask Vela itself"
    return f"constraint tables generated from Vela ({why})"


# -- the Vela path ----------------------------------------------------------------------------
_WARNING = re.compile(
    r"Warning \(supported operators\) operator: ([A-Za-z0-9_]+), ofm: '([^']*)'\n((?:(?!\n\n|Warning \().)*)", re.S
)


def run_vela(model: Model, path: str, settings: Settings, vela: Vela) -> EthosUResult:
    """Compile ``path`` with Vela and read back, op by op, what it left on the CPU."""
    source = f"vela {vela.version} ({settings.accelerator_config})"
    raw = _cached_compile(path, settings, vela)
    if raw.get("error"):
        reason = f"Vela could not compile the model: {raw['error']}"
        found = {op.key: OpVerdict(False, (reason,)) for op in model.ops()}
        return EthosUResult(found, "vela", source, vela.version, compile_error=raw["error"])
    return EthosUResult(
        placement_verdicts(model, raw["cpu_ops"], raw["warnings"]),
        "vela",
        source,
        vela.version,
        npu_partitions=raw["npu_ops"],
    )


def _cached_compile(path: str, settings: Settings, vela: Vela) -> dict[str, Any]:
    import hashlib
    import json

    options = _vela_options(settings)
    inputs = [path] + ([settings.config] if settings.config else [])
    digests = []
    for name in inputs:  # the model, and the user's vela.ini: editing either recompiles
        try:
            with open(name, "rb") as fh:
                digests.append(hashlib.sha256(fh.read()).hexdigest())
        except OSError:
            digests.append("")
    key = hashlib.sha256(json.dumps([CACHE_FORMAT, vela.version, options, digests]).encode()).hexdigest()[:32]
    from ...knowledge import cache_dir

    base = cache_dir()
    cached = base / "ethosu" / f"{key}.json" if base is not None else None
    if cached is not None and vela.version != "unknown":
        found = cached_json(cached)
        if isinstance(found, dict):
            return found
    result = compile_with_vela(path, options, vela)
    if cached is not None and not result.get("transient"):
        cache_json(cached, result)
    return result


def _vela_options(settings: Settings) -> list[str]:
    options = ["--accelerator-config", settings.accelerator_config]
    for flag, value in (
        ("--config", os.path.abspath(settings.config) if settings.config else None),
        ("--system-config", settings.system_config),
        ("--memory-mode", settings.memory_mode),
    ):
        if value:
            options += [flag, str(value)]
    return options


def compile_with_vela(path: str, options: list[str], vela: Vela) -> dict[str, Any]:
    """Run Vela on ``path``.  Returns ``{"cpu_ops": [[graph, kind, custom code, output names,
    tensor signature], ...], "npu_ops": n, "warnings": [[op, ofm, reason], ...]}`` or
    ``{"error": text}``."""
    import subprocess
    import tempfile

    from ...readers.problems import ModelError
    from ...readers.tflite import parse

    timeout = float(os.environ.get(TIMEOUT_ENV, "600"))
    with tempfile.TemporaryDirectory(prefix="oplint-vela-") as out_dir:
        # not --show-cpu-operations: the warnings print without it, and with it Vela 5.2.0's report
        # writer fails (KeyError) on models whose optimised graph has ops without a source op
        cmd = [*vela.command, os.path.abspath(path), *options, "--output-dir", out_dir]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=out_dir)
        except subprocess.TimeoutExpired:
            return {"error": f"Vela did not finish within {timeout:g} s ({TIMEOUT_ENV})", "transient": True}
        except OSError as exc:
            return {"error": f"cannot run Vela: {exc}", "transient": True}
        text = proc.stdout + "\n" + proc.stderr
        outputs = [f for f in os.listdir(out_dir) if f.endswith("_vela.tflite")]
        if proc.returncode < 0:
            return {"error": f"Vela crashed ({_signal_name(-proc.returncode)})"}
        if proc.returncode != 0 or not outputs:
            return {"error": vela_error_summary(text) or f"Vela exited with status {proc.returncode}"}
        with open(os.path.join(out_dir, outputs[0]), "rb") as fh:
            data = fh.read()
    try:
        compiled = parse(data, outputs[0])
    except ModelError as exc:  # pragma: no cover - Vela wrote something unreadable
        return {"error": f"cannot read Vela's output: {exc.message}"}
    cpu_ops: list[list[Any]] = []
    npu_ops = 0
    for graph in compiled.graphs:
        for op in graph.ops:
            if op.kind == "CUSTOM" and op.custom_code == ETHOSU_CUSTOM_CODE:
                npu_ops += 1
                continue
            names = [t.name if t is not None else "" for t in graph.op_outputs(op)]
            cpu_ops.append([graph.index, op.kind, op.custom_code, names, tensor_signature(graph, op)])
    warnings = [[m.group(1), m.group(2), m.group(3).strip()] for m in _WARNING.finditer(text)]
    return {"cpu_ops": cpu_ops, "npu_ops": npu_ops, "warnings": warnings}


def _signal_name(number: int) -> str:
    import signal

    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def vela_error_summary(text: str) -> str:
    """The lines of Vela's output that say why it failed (not its default-config warnings)."""
    keep: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("Warning: No ", "File ", "Traceback")) or set(line) <= set("^~ "):
            continue
        if re.search(r"Error|error:|Does not have valid|^- |Failed|could not run|Exception", line) and line not in keep:
            keep.append(line.removeprefix("RuntimeError: "))
    return " | ".join(keep)[:800]


def tensor_signature(graph: Graph, op: Op) -> str:
    """What Vela keeps of a CPU op's tensors (dtype, shape, first zero point), to tell apart
    ops whose outputs have no (or the same) name."""
    parts = []
    for t in [*graph.op_inputs(op), None, *graph.op_outputs(op)]:
        if t is None:
            parts.append("|")
            continue
        zp = t.quant.zero_points[0] if t.quant is not None and t.quant.zero_points else ""
        parts.append(f"{t.dtype}{list(t.shape or ())}{zp}")
    return " ".join(parts)


def placement_verdicts(
    model: Model,
    cpu_ops: list[list[Any]],
    warnings: list[list[str]],
) -> dict[tuple[int, int], OpVerdict]:
    """Turn the ops Vela left in its output into per-op verdicts for ``model``.

    Vela copies an op it cannot place on the NPU into its output unchanged, so a CPU op is
    found again by its graph, kind and output tensor names; every other op of the input went
    into an NPU command stream (or was optimised away)."""
    exact: dict[tuple[Any, ...], deque[int]] = defaultdict(deque)
    by_names: dict[tuple[Any, ...], deque[int]] = defaultdict(deque)
    by_kind: dict[tuple[Any, ...], deque[int]] = defaultdict(deque)
    by_output: dict[str, list[Op]] = defaultdict(list)
    for graph in model.graphs:
        for op in graph.ops:
            names = tuple(_vela_name(t.name) if t is not None else "" for t in graph.op_outputs(op))
            kind = (graph.index, op.kind, op.custom_code)
            exact[(graph.index, op.kind, op.custom_code, names, tensor_signature(graph, op))].append(op.index)
            by_names[(graph.index, op.kind, op.custom_code, names)].append(op.index)
            by_kind[kind].append(op.index)
            for name in names:
                by_output[name].append(op)
    on_cpu: set[tuple[int, int]] = set()
    # the most specific match first: names and tensors, then names, then the kind alone
    pending = [(g, kind, custom, tuple(names), signature) for g, kind, custom, names, signature in cpu_ops]
    for table, key_of in (
        (exact, lambda c: (c[0], c[1], c[2], c[3], c[4])),
        (by_names, lambda c: (c[0], c[1], c[2], c[3])),
        (by_kind, lambda c: (c[0], c[1], c[2])),
    ):
        unmatched = []
        for cpu_op in pending:
            candidates = table.get(key_of(cpu_op))
            while candidates and (cpu_op[0], candidates[0]) in on_cpu:
                candidates.popleft()
            if candidates:
                on_cpu.add((cpu_op[0], candidates.popleft()))
            else:
                unmatched.append(cpu_op)
        pending = unmatched
    reasons: dict[tuple[int, int], list[str]] = defaultdict(list)
    for vela_op, ofm, text in warnings:
        # the op whose output Vela names; among ops sharing the name, one on the CPU of that kind
        named = by_output.get(ofm[: -len("_act")] if ofm.endswith("_act") else ofm, [])
        placeholder = _PLACEHOLDER.fullmatch(ofm)
        if placeholder:  # an op without outputs: Vela names a placeholder after the op's index
            index = int(placeholder.group(1))
            named = [g.ops[index] for g in model.graphs if index < len(g.ops) and not g.ops[index].outputs]
        ranked = sorted(named, key=lambda op: (op.key not in on_cpu, op.kind != vela_op, bool(reasons.get(op.key))))
        if ranked:
            fused = vela_op in FUSED_ACTIVATIONS and vela_op != ranked[0].kind
            reason = format_vela_reason(vela_op if fused else "", text)
            if reason not in reasons[ranked[0].key]:
                reasons[ranked[0].key].append(reason)
    found: dict[tuple[int, int], OpVerdict] = {}
    for op in model.ops():
        if op.key in on_cpu:
            why = tuple(reasons.get(op.key) or ("Vela left it on the CPU without giving a reason",))
            found[op.key] = OpVerdict(False, why)
        else:
            found[op.key] = OpVerdict(True)
    return found


_PLACEHOLDER = re.compile(r"placeholder-for-(\d+)-OFM")  # TfLiteReader::LoadGraphs


def _vela_name(name: str) -> str:
    return name or "<unnamed>"  # TfLiteReader::ParseTensor


def format_vela_reason(vela_op: str, text: str) -> str:
    """``Reason: X`` + the constraint's documentation -> ``X (constraint: ...)``; ``vela_op``
    names the op Vela checked when it is not the TFLite op itself (a fused activation)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    detail = ""
    doc: list[str] = []
    for line in lines:
        if line.startswith("Reason:") and not detail:
            detail = line[len("Reason:") :].strip()
        else:
            doc.append(line)
    out = detail or "rejected"
    if doc:
        out += f" (constraint: {' '.join(doc)})"
    return f"fused {vela_op}: {out}" if vela_op else out
