#!/usr/bin/env python3
"""A long fuzz campaign against oplint's readers and checks (not a test; the suite has a bounded one).

    python scripts/fuzz_campaign.py --tflite 100000 --protobuf 20000 --out /tmp/fuzz
    python scripts/fuzz_campaign.py --replay /tmp/fuzz/kept/ --out /tmp/replay   # re-run what it kept

Seeds are the fixture models of this repository (and, with ``--shared``, a sample of ../shared).
Each input is a seed mutated by one or more of:

* .tflite: bit flips; a 32-bit word set to a boundary value (0, 1, 0x7fffffff, 0xffffffff, the file
  size); truncation at every structure boundary the reader walks; the offsets of one vector's
  entries rewritten to point at one shared table (millions of "tensors" in a small file); a
  subgraph-index option (WHILE/IF/CALL_ONCE bodies) pointing at its own subgraph; a vector length
  multiplied; random byte runs;
* protobufs (SavedModel, GraphDef): bit flips, truncation, and appended fields that make lists
  huge: a node attribute with millions of types (``Tout``), millions of empty
  ``_output_shapes``, deep function nesting, input references like ``x:²``.

Every input is checked the way ``oplint check`` checks it (default targets plus a delegate and
Ethos-U), in worker processes that each check many inputs.  It records every input that makes
oplint raise (an escaped exception, or an internal-error finding), every input that takes longer
than ``--slow`` seconds, and every input after which the worker's peak RSS exceeds ``--rss`` MB;
the inputs are kept under ``OUT`` for replay, and a summary with the figures is printed and
written to ``OUT/summary.json``.  Workers are limited to ``--mem-limit`` MB of address space, so a
runaway allocation ends as a MemoryError (recorded) instead of taking the machine down.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import resource
import struct
import sys
import time
import traceback
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGETS = "tflite,tflite-flex,tflm,xnnpack,gpu-litert,ethos-u55"


# -- mutators ------------------------------------------------------------------------------------
def _words(data: bytes) -> int:
    return max(1, (len(data) - 4) // 4)


def flip_bits(rng: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        pos = rng.randrange(len(out))
        out[pos] ^= 1 << rng.randrange(8)
    return bytes(out)


def boundary_word(rng: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    pos = 4 * rng.randrange(_words(data))
    value = rng.choice([0, 1, 2, 0x7FFFFFFF, 0xFFFFFFFF, len(data), len(data) - 4, 0x10000, 0x40000000])
    struct.pack_into("<I", out, pos, value & 0xFFFFFFFF)
    return bytes(out)


def truncate(rng: random.Random, data: bytes) -> bytes:
    return data[: rng.randrange(len(data))]


def multiply_length(rng: random.Random, data: bytes) -> bytes:
    """Find a small 32-bit word (a likely vector length) and make it large."""
    out = bytearray(data)
    for _ in range(32):
        pos = 4 * rng.randrange(_words(data))
        (value,) = struct.unpack_from("<I", out, pos)
        if 0 < value < 64:
            struct.pack_into("<I", out, pos, value * rng.choice([1000, 100000, 10000000]))
            break
    return bytes(out)


#: entries of a shared-table vector: mostly around the reader's limits (100,000 ops, 250,000
#: tensors): a model at the limit is checked (the slowest legal input), one beyond it refused;
#: rarely millions.  The suite's bounded fuzz test uses smaller sizes.
SHARED_SIZES = [1_000, 10_000, 10_000, 99_999, 100_001, 250_001, 1_000_000, 4_000_000]


def shared_table(rng: random.Random, data: bytes) -> bytes:
    """Point the first subgraph's tensors or operators at a vector of N entries sharing one table."""
    return share(data, rng.choice(["tensors", "operators"]), rng.choice(SHARED_SIZES))


def share(data: bytes, vector: str, n: int) -> bytes:
    """Append a vector of ``n`` offsets all pointing at one empty table, and make the first
    subgraph's ``vector`` ("tensors" or "operators") that vector ( ``data`` unchanged when it has
    no such field)."""
    from oplint.readers.flatbuf import Reader
    from oplint.readers.tflite import MODEL, SUBGRAPH

    try:
        r = Reader(data)
        root = r.root()
        subgraphs = root._field(MODEL["subgraphs"], 4)
        graph = r.table_positions(subgraphs)[0]
        sg = r.table(graph)
        field = sg._field(SUBGRAPH[vector], 4)
        if not field:
            return data
    except Exception:
        return data
    out = bytearray(data)
    while len(out) % 4:
        out.append(0)
    vec = len(out)
    vtable = vec + 4 + 4 * n
    table = vtable + 4  # a table with no fields: every field at its default
    out += struct.pack("<I", n)
    out += b"".join(struct.pack("<I", table - (vec + 4 + 4 * i)) for i in range(n))
    out += struct.pack("<HH", 4, 4) + struct.pack("<i", table - vtable)
    struct.pack_into("<I", out, field, vec - field)
    return bytes(out)


def self_subgraph(rng: random.Random, data: bytes) -> bytes:
    """Set every small word equal to a subgraph index to the index of its own subgraph (WHILE/IF)."""
    out = bytearray(data)
    for _ in range(4):
        pos = 4 * rng.randrange(_words(data))
        (value,) = struct.unpack_from("<I", out, pos)
        if value in (1, 2):
            struct.pack_into("<I", out, pos, 0)
    return bytes(out)


def random_run(rng: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    pos = rng.randrange(len(out))
    run = bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))
    out[pos : pos + len(run)] = run
    return bytes(out)


TFLITE_MUTATORS = [flip_bits, boundary_word, truncate, multiply_length, shared_table, self_subgraph, random_run]
#: how often each is picked: the shared-table inputs at the reader's limits take seconds each
TFLITE_WEIGHTS = [8, 8, 6, 4, 1, 4, 6]


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _field(number: int, wire: int, payload: bytes) -> bytes:
    key = _varint((number << 3) | wire)
    if wire == 2:
        return key + _varint(len(payload)) + payload
    return key + payload


def huge_graphdef(rng: random.Random, data: bytes) -> bytes:
    """A GraphDef node with millions of Tout types, or millions of empty _output_shapes."""
    return huge_list(data, rng.choice(["Tout", "_output_shapes"]), rng.choice([100_000, 1_000_000, 3_000_000]))


def huge_list(data: bytes, attr: str, n: int) -> bytes:
    """Add a node whose ``attr`` ("Tout": types; "_output_shapes": empty shapes) lists ``n`` entries."""
    if attr == "Tout":
        values = b"".join(_varint(1) for _ in range(n))  # DT_FLOAT, packed
        attr_value = _field(1, 2, _field(6, 2, values))  # AttrValue.list(1).type(6)
    else:
        shapes = b"".join(_field(7, 2, b"") for _ in range(n))  # AttrValue.list.shape(7)
        attr_value = _field(1, 2, shapes)
    entry = _field(1, 2, attr.encode()) + _field(2, 2, attr_value)
    node = _field(1, 2, b"x") + _field(2, 2, b"Identity") + _field(5, 2, entry)  # NodeDef name, op, attr
    return _add_node(data, node)


def weird_input_ref(rng: random.Random, data: bytes) -> bytes:
    ref = rng.choice(["x:\u00b2", "x:\u0663", "x:99999999999999999999", "^", ":", "x:-1", "x:" + "9" * 400])
    node = _field(1, 2, b"y") + _field(2, 2, b"Identity") + _field(3, 2, ref.encode())
    return _add_node(data, node)


def deep_functions(rng: random.Random, data: bytes) -> bytes:
    """A function library whose functions call each other in a chain thousands deep (or a cycle)."""
    return function_chain(data, rng.choice([100, 2_000, 20_000]), cycle=rng.random() < 0.3)


def function_chain(data: bytes, depth: int, cycle: bool = False) -> bytes:
    """Add a node calling f0, and functions f0 -> f1 -> ... -> f<depth-1> (-> f0 when ``cycle``)."""
    functions = b""
    for i in range(depth):
        callee = f"f{(i + 1) % depth if cycle else i + 1}".encode()
        call = _field(1, 2, b"c") + _field(2, 2, callee)  # NodeDef name, op (a call by function name)
        signature = _field(1, 2, f"f{i}".encode())  # OpDef.name
        functions += _field(1, 2, _field(1, 2, signature) + _field(3, 2, call))  # library.function(1)
    caller = _field(1, 2, b"call_f0") + _field(2, 2, b"f0")
    return _add_node(data, caller, library=functions)


def _add_node(data: bytes, node: bytes, library: bytes = b"") -> bytes:
    """Append a node (and function library entries) to a GraphDef, or to the first MetaGraphDef's
    graph of a SavedModel (which starts with its schema version, field 1 varint)."""
    graph = (_field(1, 2, node) if node else b"") + (_field(2, 2, library) if library else b"")
    if data[:1] == b"\x08":  # SavedModel: meta_graphs(2).graph_def(2); protobuf merges the message
        return data + _field(2, 2, _field(2, 2, graph))
    return data + graph


PROTO_MUTATORS = [flip_bits, truncate, random_run, huge_graphdef, weird_input_ref, deep_functions]
PROTO_WEIGHTS = [8, 6, 6, 1, 3, 1]


# -- the worker ---------------------------------------------------------------------------------
_RUN = None


def _setup(mem_limit_mb: int) -> None:
    global _RUN
    if mem_limit_mb:
        limit = mem_limit_mb << 20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    os.environ["OPLINT_ETHOSU_BACKEND"] = "tables"
    from oplint.api import Config, prepare
    from oplint.run.config import parse_targets

    _RUN = prepare(Config().with_options(targets=parse_targets([TARGETS])))


def _check(job: tuple[str, str, bytes]) -> dict[str, object]:
    from oplint.api import lint_file

    kind, name, data = job
    suffix = ".tflite" if kind == "tflite" else ".pb"
    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"oplint-fuzz-{os.getpid()}{suffix}"
    path.write_bytes(data)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    outcome: dict[str, object] = {"name": name, "kind": kind, "bytes": len(data)}
    try:
        report = lint_file(str(path), _RUN)  # type: ignore[arg-type]
        codes = sorted({f.code for f in report.findings})
        outcome["codes"] = codes
        internal = [f.message for f in report.findings if f.name == "internal-error"]
        if internal:
            outcome["crash"] = "internal-error finding: " + internal[0][:500]
    except MemoryError:
        outcome["crash"] = "MemoryError"
    except Exception as exc:
        outcome["crash"] = "".join(traceback.format_exception_only(type(exc), exc)).strip()[:500]
        outcome["trace"] = traceback.format_exc()[-3000:]
    outcome["seconds"] = round(time.perf_counter() - start, 4)
    outcome["rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    outcome["rss_grew"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss > rss_before
    return outcome


def _result(future: Future[dict[str, object]]) -> dict[str, object]:
    try:
        return future.result()
    except BrokenProcessPool:  # the worker died (a signal, the address-space limit in C code)
        return {"name": "?", "kind": "?", "crash": "worker died", "seconds": 0.0, "rss_mb": 0.0, "rss_grew": False}
    except Exception as exc:  # the job could not even be sent (e.g. too large to pickle)
        return {
            "name": "?",
            "kind": "?",
            "crash": f"not run: {exc!r}"[:500],
            "seconds": 0.0,
            "rss_mb": 0.0,
            "rss_grew": False,
        }


def _seeds(shared: Path | None) -> dict[str, list[tuple[str, bytes]]]:
    tflite = [(p.name, p.read_bytes()) for p in sorted((ROOT / "fixtures").rglob("*.tflite")) if p.stat().st_size > 8]
    proto = [
        (str(p.relative_to(ROOT)), p.read_bytes())
        for p in sorted((ROOT / "fixtures" / "savedmodel").rglob("*.pb"))
        if p.name in ("saved_model.pb",) or p.parent.name == "savedmodel"
    ]
    if shared is not None:
        extra = sorted((shared / "corpus" / "models").rglob("*.tflite"))[:60]
        tflite += [(p.name, p.read_bytes()) for p in extra if p.stat().st_size < (4 << 20)]
    return {"tflite": tflite, "protobuf": proto}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tflite", type=int, default=1000, help="mutated .tflite inputs")
    parser.add_argument("--protobuf", type=int, default=200, help="mutated SavedModel/GraphDef inputs")
    parser.add_argument("--out", type=Path, default=Path("/tmp/oplint-fuzz"))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--slow", type=float, default=2.0, help="seconds that make an input slow")
    parser.add_argument("--rss", type=float, default=300.0, help="peak MB that make an input a memory hog")
    parser.add_argument("--mem-limit", type=int, default=2048, help="address-space limit of a worker, MB")
    parser.add_argument("--shared", type=Path, default=None, help="also seed from ../shared/corpus")
    parser.add_argument("--replay", type=Path, default=None, help="check the inputs kept in this folder instead")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    seeds = _seeds(args.shared)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "kept").mkdir(exist_ok=True)

    def jobs() -> Iterator[tuple[str, str, bytes]]:
        if args.replay is not None:
            for path in sorted(args.replay.iterdir()):
                if path.suffix in (".tflite", ".pb") and path.is_file():
                    yield ("tflite" if path.suffix == ".tflite" else "protobuf", path.name, path.read_bytes())
            return
        for kind, count, mutators, weights in (
            ("tflite", args.tflite, TFLITE_MUTATORS, TFLITE_WEIGHTS),
            ("protobuf", args.protobuf, PROTO_MUTATORS, PROTO_WEIGHTS),
        ):
            for i in range(count):
                name, data = rng.choice(seeds[kind])
                chain = rng.choices(mutators, weights, k=rng.choice([1, 1, 1, 2, 3]))
                for mutate in chain:
                    if len(data) < 16:  # truncated to almost nothing: nothing left to mutate
                        break
                    data = mutate(rng, data)
                yield (kind, f"{kind}-{i}-{name}-{'+'.join(m.__name__ for m in chain)}", data)

    started = time.perf_counter()
    counts: Counter[str] = Counter()
    worst: dict[str, float] = {"seconds": 0.0, "rss_mb": 0.0}
    kept: list[dict[str, object]] = []

    def summary() -> dict[str, object]:
        return {
            "inputs": dict(counts),
            "worst_seconds": worst["seconds"],
            "worst_peak_rss_mb": worst["rss_mb"],
            "minutes": round((time.perf_counter() - started) / 60, 1),
            "kept": kept,
        }

    def record(job: tuple[str, str, bytes], outcome: dict[str, object]) -> None:
        counts[job[0]] += 1
        done = counts["tflite"] + counts["protobuf"]
        if done % 2000 == 0:
            minutes = (time.perf_counter() - started) / 60
            print(f"{done:,} inputs, {minutes:.1f} min: {dict(counts)}", file=sys.stderr, flush=True)
            # a campaign stopped midway still leaves its figures
            (args.out / "summary.json").write_text(json.dumps(summary(), indent=1) + "\n")
        seconds, rss = float(outcome["seconds"]), float(outcome["rss_mb"])  # type: ignore[arg-type]
        worst["seconds"] = max(worst["seconds"], seconds)
        worst["rss_mb"] = max(worst["rss_mb"], rss)
        why = []
        if "crash" in outcome:
            why.append("crash")
        if seconds > args.slow:
            why.append("slow")
        if rss > args.rss and outcome["rss_grew"]:
            why.append("memory")
        if why:
            counts.update(why)
            digest = hashlib.sha256(job[2]).hexdigest()[:16]
            (args.out / "kept" / f"{digest}.{'tflite' if job[0] == 'tflite' else 'pb'}").write_bytes(job[2])
            kept.append({**outcome, "name": job[1], "why": why, "file": f"kept/{digest}"})

    # inputs are made lazily and at most a few are in flight: a mutated input can be tens of MB.
    # A worker that dies (a signal, the address-space limit hit in C code) breaks the pool: the
    # inputs in flight are then re-run one at a time in a fresh pool to find the one that killed it.
    def pool(workers: int) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(workers, initializer=_setup, initargs=(args.mem_limit,), max_tasks_per_child=500)

    def alone(job: tuple[str, str, bytes]) -> dict[str, object]:
        with pool(1) as single:
            return _result(single.submit(_check, job))

    executor = pool(args.jobs)
    pending: dict[Future[dict[str, object]], tuple[str, str, bytes]] = {}

    def drain(when: str) -> None:
        nonlocal executor
        done, _ = wait(pending, return_when=when)
        broken = []
        for future in done:
            job = pending.pop(future)
            outcome = _result(future)
            if outcome.get("crash") == "worker died":
                broken.append(job)
            else:
                record(job, outcome)
        if broken:
            broken += list(pending.values())
            pending.clear()
            executor.shutdown(cancel_futures=True)
            for job in broken:
                record(job, alone(job))
            executor = pool(args.jobs)

    for job in jobs():
        pending[executor.submit(_check, job)] = job
        if len(pending) >= 4 * args.jobs:
            drain(FIRST_COMPLETED)
    while pending:
        drain(FIRST_COMPLETED)
    executor.shutdown()
    final = summary()
    (args.out / "summary.json").write_text(json.dumps(final, indent=1) + "\n")
    print(json.dumps({k: v for k, v in final.items() if k != "kept"}, indent=1))
    for item in kept[:30]:
        print(item["why"], item["name"], item.get("crash", ""), item["seconds"], item["rss_mb"])
    return 1 if counts["crash"] else 0


if __name__ == "__main__":
    sys.exit(main())
