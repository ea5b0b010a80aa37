#!/usr/bin/env python3
"""Run TensorFlow Lite Micro's kernel tests and record what each test asks of each kernel.

Builds the pinned tflite-micro (reference kernels, host g++) and every
``tensorflow/lite/micro/kernels/*_test.cc`` against it, linked with a probe of this repository
(``-Wl,--wrap``; no upstream file is changed) that records every ``micro::KernelRunner`` the
test makes: the kernel (matched by its registration's functions against every ``Register_*``
of ``micro_ops.h``), the type and rank of each input and output tensor, and what
``InitAndPrepare`` and ``Invoke`` returned.  The tests check those statuses themselves (a test
that expects ``kTfLiteError`` passes when the kernel refuses), so the record holds, per kernel,
the signatures its tests run on the passing path and the ones they expect it to refuse.

    python scripts/record_tflm_kernel_tests.py --tflm ../tflite-micro --flatbuffers ../flatbuffers \\
        --gemmlowp ../gemmlowp --ruy ../ruy [--jobs 2] [--keep BUILD_DIR]

writes ``evidence/tflm_kernel_tests.json``; ``tests/upstream/tflm_kernel_tests.py`` compares it
with the ``tflm`` target.  The third-party commits are those the pinned Makefile downloads
(``flatbuffers_download.sh``, ``third_party_downloads.inc``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _sources import ROOT, TFLM

OUT = ROOT / "evidence" / "tflm_kernel_tests.json"
#: the third-party trees the pinned Makefile downloads (commit, subtree)
THIRD_PARTY = {
    "flatbuffers": ("187240970746d00bbd26b0f5873ed54d2477f9f3", "include"),  # v25.9.23
    "gemmlowp": ("719139ce755a0f31cbf1c37f7f98adcc7fc9f425", ""),
    "ruy": ("d37128311b445e758136b8602d1bbd2a755e115d", "ruy"),
}
LIBRARY = (
    "tensorflow/lite/micro/*.cc",
    "tensorflow/lite/micro/kernels/*.cc",
    "tensorflow/lite/micro/memory_planner/*.cc",
    "tensorflow/lite/micro/arena_allocator/*.cc",
    "tensorflow/lite/micro/tflite_bridge/*.cc",
    "tensorflow/lite/micro/testing/*.cc",
    "tensorflow/lite/micro/kernels/testdata/*.cc",  # conv_test's and the LSTM tests' data
    "tensorflow/lite/kernels/internal/*.cc",
    "tensorflow/lite/kernels/internal/reference/portable_tensor_utils.cc",  # the LSTM tests' reference helpers
    "tensorflow/lite/kernels/kernel_util.cc",
    "tensorflow/lite/core/api/*.cc",
    "tensorflow/lite/core/c/*.cc",
    "tensorflow/compiler/mlir/lite/**/*.cc",
)
FLAGS = ["-std=c++17", "-O0", "-g0", "-fno-exceptions", "-fno-rtti", "-fno-threadsafe-statics", "-w"]
FLAGS += ["-DTF_LITE_STATIC_MEMORY", "-DTF_LITE_DISABLE_X86_NEON"]
FLAGS += ["-DFLATBUFFERS_LOCALE_INDEPENDENT=0"]  # as the pinned Makefile's flatbuffers.patch sets it
#: kernel tests this reference build does not run, and why
SKIPPED = {
    "tensorflow/lite/micro/kernels/decompress_test.cc": "tests TFLM's weight compression, compiled only with"
    " USE_TFLM_COMPRESSION (a build option of its own, not the reference kernels')",
}
CTOR = "_ZN6tflite5micro12KernelRunnerC1ERK16TFLMRegistrationP12TfLiteTensoriP14TfLiteIntArrayS8_PKvS8_"
PREPARE = "_ZN6tflite5micro12KernelRunner14InitAndPrepareEPKcm"
INVOKE = "_ZN6tflite5micro12KernelRunner6InvokeEv"

PROBE = r"""
// oplint's probe of TFLM kernel tests (scripts/record_tflm_kernel_tests.py): records each
// KernelRunner's kernel, tensor types and ranks, and the statuses it returns.
#include <cstdio>
#include <cstring>
#include "tensorflow/lite/micro/kernels/kernel_runner.h"
#include "tensorflow/lite/micro/kernels/micro_ops.h"
#include "tensorflow/lite/micro/micro_mutable_op_resolver.h"

namespace {
struct Named { const char* name; TFLMRegistration reg; };
Named* g_known = nullptr;
int g_count = 0;
struct Runner { const void* self; const char* op; char sig[512]; };
Runner g_runners[64];
int g_next = 0;

// a kernel this build does not have returns no registration (Register_ETHOSU without the driver)
TFLMRegistration Deref(const TFLMRegistration* r) { return r ? *r : TFLMRegistration{}; }

const char* Name(const TFLMRegistration& r) {
  if (!g_known) {
    static Named known[] = {
%REGISTRATIONS%
    };
    g_known = known;
    g_count = sizeof(known) / sizeof(known[0]);
  }
  for (int i = 0; i < g_count; ++i) {
    if (g_known[i].reg.invoke == r.invoke && g_known[i].reg.prepare == r.prepare) return g_known[i].name;
  }
  for (int i = 0; i < g_count; ++i) {
    if (g_known[i].reg.invoke == r.invoke) return g_known[i].name;
  }
  return "?";
}

void Describe(char* out, size_t n, TfLiteTensor* tensors, TfLiteIntArray* which) {
  size_t used = strlen(out);
  for (int i = 0; which && i < which->size; ++i) {
    int t = which->data[i];
    if (t < 0) { used += snprintf(out + used, n - used, "%s-", i ? "," : ""); continue; }
    const TfLiteTensor& x = tensors[t];
    used += snprintf(out + used, n - used, "%s%s/%d", i ? "," : "", TfLiteTypeGetName(x.type),
                     x.dims ? x.dims->size : -1);
  }
}

// the newest runner at this address (a test's runners often reuse one stack slot)
Runner* Find(const void* self) {
  for (int k = 1; k <= 64 && k <= g_next; ++k) {
    Runner& r = g_runners[(g_next - k) % 64];
    if (r.self == self) return &r;
  }
  return nullptr;
}
}  // namespace

extern "C" {
void __real_%CTOR%(void*, const TFLMRegistration&, TfLiteTensor*, int, TfLiteIntArray*, TfLiteIntArray*,
                  const void*, TfLiteIntArray*);
void __wrap_%CTOR%(void* self, const TFLMRegistration& reg, TfLiteTensor* tensors, int n, TfLiteIntArray* in,
                  TfLiteIntArray* out, const void* data, TfLiteIntArray* inter) {
  Runner& r = g_runners[g_next++ % 64];
  r.self = self;
  r.op = Name(reg);
  r.sig[0] = 0;
  Describe(r.sig, sizeof(r.sig), tensors, in);
  strncat(r.sig, " -> ", sizeof(r.sig) - strlen(r.sig) - 1);
  Describe(r.sig, sizeof(r.sig), tensors, out);
  __real_%CTOR%(self, reg, tensors, n, in, out, data, inter);
}
TfLiteStatus __real_%PREPARE%(void*, const char*, size_t);
TfLiteStatus __wrap_%PREPARE%(void* self, const char* data, size_t length) {
  TfLiteStatus s = __real_%PREPARE%(self, data, length);
  Runner* r = Find(self);
  printf("@@ %s prepare %d %s\n", r ? r->op : "?", (int)s, r ? r->sig : "");
  fflush(stdout);  // in order with the test framework's "[ RUN ] NAME" lines (stderr)
  return s;
}
TfLiteStatus __real_%INVOKE%(void*);
TfLiteStatus __wrap_%INVOKE%(void* self) {
  TfLiteStatus s = __real_%INVOKE%(self);
  Runner* r = Find(self);
  printf("@@ %s invoke %d %s\n", r ? r->op : "?", (int)s, r ? r->sig : "");
  fflush(stdout);  // in order with the test framework's "[ RUN ] NAME" lines (stderr)
  return s;
}
}
"""


def git_dir(clone: Path) -> Path:
    return clone / ".git" if (clone / ".git").exists() else clone


def lay_out(clone: Path, commit: str, dest: Path, subtree: str = "") -> None:
    dest.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(
        ["git", "--git-dir", str(git_dir(clone)), "archive", commit, *([subtree] if subtree else [])],
        check=True,
        capture_output=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)


def compile_one(src: Path, obj: Path, includes: list[str]) -> str | None:
    obj.parent.mkdir(parents=True, exist_ok=True)
    if obj.exists() and obj.stat().st_size:
        return None
    proc = subprocess.run(["g++", *FLAGS, *includes, "-c", str(src), "-o", str(obj)], capture_output=True, text=True)
    return None if proc.returncode == 0 else f"{src}: {proc.stderr.strip().splitlines()[-1:] or ['?']}"


def compact(runs: list[list[object]]) -> list[list[object]]:
    """The runs with repeated episodes dropped: an episode is a prepare and the invokes after it (a
    test that checks one signature thousands of times, as the DECODE tests do, records it once;
    the cases a comparison derives are the same, once each)."""
    episodes: list[list[list[object]]] = []
    for run in runs:
        if run[2] == "prepare" or not episodes:
            episodes.append([run])
        else:
            episodes[-1].append(run)
    seen: set[str] = set()
    out: list[list[object]] = []
    for episode in episodes:
        key = json.dumps(episode)
        if key not in seen:
            seen.add(key)
            out.extend(episode)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tflm", type=Path, required=True)
    for name in THIRD_PARTY:
        ap.add_argument(f"--{name}", type=Path, required=True, help=f"a clone of {name} holding the pinned commit")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--keep", type=Path, help="build here and keep it (default: a temporary folder)")
    args = ap.parse_args(argv)
    work = args.keep or Path(tempfile.mkdtemp(prefix="tflm-kernel-tests-"))
    tree = work / "tflite-micro"
    if not (tree / "tensorflow").is_dir():
        lay_out(args.tflm, TFLM.commit, tree)
    includes = [f"-I{tree}"]
    for name, (commit, subtree) in THIRD_PARTY.items():
        dest = work / name
        if not dest.is_dir():
            lay_out(getattr(args, name), commit, dest, subtree)
        includes.append(f"-I{dest / 'include'}" if name == "flatbuffers" else f"-I{dest}")
    sources = sorted({p for pattern in LIBRARY for p in tree.glob(pattern)} - set(tree.glob("**/*_test.cc")))
    objects = [work / "obj" / p.relative_to(tree).with_suffix(".o") for p in sources]
    with ThreadPoolExecutor(args.jobs) as pool:
        errors = [e for e in pool.map(lambda so: compile_one(so[0], so[1], includes), zip(sources, objects)) if e]
    built = [o for o in objects if o.exists() and o.stat().st_size]
    library = work / "libtflm.a"
    subprocess.run(["ar", "rcs", str(library), *map(str, built)], check=True)
    # the kernels of namespace tflite (the signal library's, in tflm_signal, have their own tests);
    # micro_mutable_op_resolver.h declares the one micro_ops.h lacks (DETECTION_POSTPROCESS)
    header = "".join(
        (tree / f"tensorflow/lite/micro/{h}").read_text().split("namespace tflm_signal")[0]
        for h in ("kernels/micro_ops.h", "micro_mutable_op_resolver.h")
    )
    names = re.findall(r"^TFLMRegistration(\*?) (Register_\w+)\(\);", header, re.M)
    registrations = "\n".join(
        f'      {{"{n[len("Register_") :]}", {"Deref(" if ptr else ""}tflite::{n}(){")" if ptr else ""}}},'
        for ptr, n in names
    )
    probe = work / "probe.cc"
    text = (
        PROBE.replace("%REGISTRATIONS%", registrations)
        .replace("%CTOR%", CTOR)
        .replace("%PREPARE%", PREPARE)
        .replace("%INVOKE%", INVOKE)
    )
    if not probe.exists() or probe.read_text() != text:
        probe.write_text(text)
    wrap = [f"-Wl,--wrap={s}" for s in (CTOR, PREPARE, INVOKE)]
    tests = sorted(p.relative_to(tree).as_posix() for p in tree.glob("tensorflow/lite/micro/kernels/*_test.cc"))

    def run(test: str) -> tuple[str, dict[str, object]]:
        if test in SKIPPED:
            return test, {"built": False, "skipped": SKIPPED[test]}
        exe = work / "bin" / Path(test).stem
        exe.parent.mkdir(exist_ok=True)
        if not exe.exists() or exe.stat().st_mtime < probe.stat().st_mtime:
            cmd = ["g++", *FLAGS, *includes, str(tree / test), str(probe), str(library), "-o", str(exe), *wrap, "-lm"]
            link = subprocess.run(cmd, capture_output=True, text=True)
            if link.returncode != 0:
                return test, {"built": False, "error": link.stderr.strip().splitlines()[-1:]}
        proc = subprocess.run([str(exe)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600)
        runs = []
        current = ""
        for line in proc.stdout.splitlines():
            started = re.match(r"\[ RUN +\] (\S+)", line)  # the tests' gtest-style output (stderr)
            if started:
                current = started.group(1)
            m = re.match(r"@@ (\S+) (prepare|invoke) (\d+) (.*) -> (.*)$", line)
            if m:
                ins = [x for x in m.group(4).split(",") if x]
                outs = [x for x in m.group(5).split(",") if x]
                runs.append([current, m.group(1), m.group(2), int(m.group(3)), ins, outs])
        return test, {"built": True, "exit": proc.returncode, "runs_made": len(runs), "runs": compact(runs)}

    with ThreadPoolExecutor(args.jobs) as pool:
        results = dict(pool.map(run, tests))
    doc = {
        "meta": {
            "source": f"{TFLM.repo}@{TFLM.commit}",
            "third_party": {k: v[0] for k, v in THIRD_PARTY.items()},
            "build": "host g++, reference kernels, " + " ".join(FLAGS),
            "library_errors": errors,
            "record": "runs: [test, kernel, 'prepare' | 'invoke', TfLiteStatus (0 ok, 1 error), inputs, outputs];"
            " a tensor is TYPE/rank, '-' an omitted optional input; runs_made: the runs the test made, of which"
            " an episode (a prepare and its invokes) repeated in the same test is kept once",
        },
        "tests": results,
    }
    OUT.write_text(json.dumps(doc, indent=1) + "\n")
    runs = sum(int(r.get("runs_made", 0)) for r in results.values())  # type: ignore[call-overload]
    kept = sum(len(r.get("runs", [])) for r in results.values())  # type: ignore[arg-type]
    print(f"wrote {OUT.relative_to(ROOT)}: {len(results)} tests, {runs} runs ({kept} kept: repeated episodes dropped)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
