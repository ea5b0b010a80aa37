#!/usr/bin/env python3
"""Generate TFLM targets for vendor copies of TensorFlow Lite Micro (``rules/targets/tflm-*.toml``).

Vendors ship their own, older or modified TFLM snapshot.  Each target here is built by
``scripts/gen_tflm_target.py``'s own machinery (the resolver parser, the symbolic walk of each
kernel's Prepare/Eval, the TOML writer) run over the vendor's tree instead of the pinned upstream
one, with the kernels that vendor build actually compiles:

* ``tflm-arduino``: the Arduino TensorFlow Lite library (``Arduino_TensorFlowLite``,
  tensorflow/tflite-micro-arduino-examples, ``src/``, ``.cpp`` files).  Its tree has no
  reference ``conv``/``depthwise_conv``/``fully_connected``/``add``/``mul``/``pooling``/
  ``softmax``/``svdf`` kernels: the library compiles the CMSIS-NN ones (``kernels/cmsis_nn/``).
* ``tflm-esp``: Espressif's ESP-IDF component (espressif/esp-tflite-micro).  Its CMakeLists.txt
  removes the reference ``add``/``conv``/``depthwise_conv``/``fully_connected``/``mul``/
  ``pooling``/``softmax`` and compiles ``kernels/esp_nn/`` instead.

A vendor file is read in place of the upstream one of the same role (``kernels/conv.cc`` ->
``src/tensorflow/lite/micro/kernels/cmsis_nn/conv.cpp``); files the vendor tree lacks (the
TfLiteType enum header of newer layouts, the examples' quantization script) are read from the
pinned upstream commit, and the generated file lists them.

    python scripts/gen_tflm_vendor_targets.py --arduino MIRROR --esp MIRROR [--tflm MIRROR]

Only facts (op names, accepted dtypes, rank limits, lines) are taken from the sources.
"""

from __future__ import annotations

import argparse
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gen_tflm_target as g
import tomllib
from _sources import RULES, TFLM, TFLM_KERNELS, TFLM_RESOLVER_H, Pin, _git_dir, toml_str


@dataclass
class Vendor:
    id: str
    title: str
    description: str
    pin: Pin
    prefix: str  #: where the upstream tree starts in the vendor repository
    ext: str  #: extension of C++ sources
    subdir: str  #: the optimized kernel directory the vendor build compiles
    replaced: frozenset[str]  #: kernel stems whose reference file the build replaces with subdir's
    why: str  #: the vendor file that says which kernels are compiled
    version: str = ""
    fallback: list[str] = field(default_factory=list)


ARDUINO = Vendor(
    id="tflm-arduino",
    title="TensorFlow Lite Micro, Arduino library",
    description=(
        "The Arduino_TensorFlowLite library (tensorflow/tflite-micro-arduino-examples): its own TFLM "
        "snapshot (last synced from tflite-micro in February 2023) with CMSIS-NN kernels for conv, "
        "depthwise conv, fully connected, add, mul, pooling, softmax and svdf."
    ),
    pin=Pin("tensorflow/tflite-micro-arduino-examples", "7948b85e020470a30a83bf00e10fc43b486bfcba", "2023-12-21"),
    prefix="src/",
    ext=".cpp",
    subdir="cmsis_nn",
    replaced=frozenset(),  # computed: every kernel whose only file is under cmsis_nn/
    why="src/tensorflow/lite/micro/kernels/ (no reference file for the CMSIS-NN kernels)",
)
ESP = Vendor(
    id="tflm-esp",
    title="TensorFlow Lite Micro, Espressif esp-tflite-micro",
    description=(
        "Espressif's ESP-IDF component espressif/esp-tflite-micro: a TFLM snapshot synced from "
        "tflite-micro (July 2026) with the ESP-NN kernels for add, conv, depthwise conv, fully "
        "connected, mul, pooling and softmax in place of the reference ones."
    ),
    pin=Pin("espressif/esp-tflite-micro", "99f49e1498b0984f4db54d9bf3938aceb99ad422", "2026-08-14"),
    prefix="",
    ext=".cc",
    subdir="esp_nn",
    replaced=frozenset({"add", "conv", "depthwise_conv", "fully_connected", "mul", "pooling", "softmax"}),
    why="CMakeLists.txt (list(REMOVE_ITEM srcs_kernels ...) and the esp_nn glob)",
)


class VendorSource:
    """A vendor tree seen through upstream paths (duck-types gen_tflm_target.Source)."""

    def __init__(self, vendor: Vendor, clone: Path, upstream: Path | None) -> None:
        self.v = vendor
        self.clone = clone
        self.upstream = upstream
        self._cache: dict[str, str] = {}
        self._files = set(
            subprocess.run(
                ["git", "--git-dir", str(_git_dir(clone)), "ls-tree", "-r", "--name-only", vendor.pin.commit],
                check=True,
                capture_output=True,
                text=True,
            ).stdout.split()
        )
        if not vendor.replaced:  # Arduino: kernels present only in the optimized directory
            kdir = vendor.prefix + TFLM_KERNELS + "/"
            sub = {
                p[len(kdir + vendor.subdir) + 1 :].rsplit(".", 1)[0]
                for p in self._files
                if p.startswith(kdir + vendor.subdir + "/")
            }
            vendor.replaced = frozenset(s for s in sub if kdir + s + vendor.ext not in self._files)

    def vendor_path(self, path: str) -> str:
        p = path
        kdir = TFLM_KERNELS + "/"
        if p.startswith(kdir) and p.count("/") == kdir.count("/"):
            stem = p[len(kdir) :].rsplit(".", 1)[0]
            if stem in self.v.replaced and p.endswith(".cc"):
                p = f"{kdir}{self.v.subdir}/{stem}.cc"
        if p.endswith(".cc") and self.v.ext != ".cc":
            p = p[: -len(".cc")] + self.v.ext
        return self.v.prefix + p

    def text(self, path: str) -> str:
        if path not in self._cache:
            vp = self.vendor_path(path)
            if vp in self._files:
                self._cache[path] = self.v.pin.show(self.clone, vp)
            elif self.upstream is not None:
                self._cache[path] = TFLM.show(self.upstream, path)
                self.v.fallback.append(path)
            else:
                raise SystemExit(f"{self.v.id}: {vp} is not in the vendor tree and no --tflm clone was given")
        return self._cache[path]

    def ls(self, prefix: str) -> list[str]:
        out = []
        vpre = self.v.prefix + prefix
        kdir = self.v.prefix + TFLM_KERNELS + "/"
        for f in sorted(self._files):
            if not f.startswith(vpre):
                continue
            p = f[len(self.v.prefix) :]
            if p.endswith(self.v.ext) and self.v.ext != ".cc":
                p = p[: -len(self.v.ext)] + ".cc"
            if f.startswith(kdir + self.v.subdir + "/"):
                stem = f[len(kdir + self.v.subdir) + 1 :].rsplit(".", 1)[0]
                if stem in self.v.replaced and f.endswith(self.v.ext):
                    p = f"{TFLM_KERNELS}/{stem}.cc"  # the optimized file stands in for the reference one
                else:
                    continue
            elif f.startswith(kdir) and f.count("/") == kdir.count("/"):
                stem = f[len(kdir) :].rsplit(".", 1)[0]
                if stem in self.v.replaced and f.endswith(self.v.ext):
                    continue  # removed from the vendor build
            out.append(p)
        return sorted(set(out))

    def line_of(self, path: str, pattern: str) -> int:
        for n, line in enumerate(self.text(path).splitlines(), 1):
            if re.search(pattern, line):
                return n
        return 0


def specialized_table(src: VendorSource) -> str:
    """``[resolver] specialized``: the Register_<OP>_<TYPE>() functions the vendor's kernel headers
    declare (``oplint resolver`` uses no other; older snapshots lack the INT4, LSTM and more)."""
    declared: dict[str, str] = {}
    pattern = re.compile(
        r"\b(?:TFLMRegistration|TfLiteRegistration)\s+(Register_[A-Z0-9_]+?_(?:INT8_INT16|INT8REF|INT16|INT8|INT4|FLOAT32))\s*\("
    )
    for path in src.ls(TFLM_KERNELS + "/"):
        if not path.endswith(".h") or path.count("/") != TFLM_KERNELS.count("/") + 1:
            continue
        text = src.text(path)
        for m in pattern.finditer(text):
            declared.setdefault(m.group(1), f"{path}:{text.count(chr(10), 0, m.start()) + 1}")
    lines = [
        "",
        "# The specialized registrations (Register_<OP>_<TYPE>) this build declares, with where",
        "[resolver]",
        "specialized = [",
        *[f"  {toml_str(name)},  # {where}" for name, where in sorted(declared.items())],
        "]",
    ]
    return "\n".join(lines) + "\n"


def generate(vendor: Vendor, clone: Path, upstream: Path | None) -> Path:
    src = VendorSource(vendor, clone, upstream)
    g.load_dtypes(src)  # type: ignore[arg-type]
    regs = g.parse_resolver(src.text(TFLM_RESOLVER_H))
    kernels = g.Kernels(src)  # type: ignore[arg-type]
    results = {reg.name: g.analyse_op(kernels, reg) for reg in regs if reg.kind == "builtin"}
    customs = g.custom_entries(src, kernels, regs)  # type: ignore[arg-type]
    overrides = g.load_overrides()
    own = RULES / "overrides" / f"{vendor.id}.toml"  # the vendor's own hand-curated entries win
    if own.exists():
        for section, entries in tomllib.loads(own.read_text()).items():
            for name, entry in entries.items():
                if not re.search(r"\.cc:\d+$", str(entry.get("source", ""))):
                    raise SystemExit(f'{own.name}: {section}.{name} needs source = "<file>.cc:<line>"')
                overrides.setdefault(section, {})[name] = entry
    overrides = {
        "builtins": {k: v for k, v in overrides.get("builtins", {}).items() if k in results},
        "custom": {k: v for k, v in overrides.get("custom", {}).items() if k in customs},
    }
    saved = g.TFLM
    g.TFLM = vendor.pin  # provenance blocks name the vendor repository and commit
    try:
        text, counts = g.render(src, regs, results, customs, overrides)  # type: ignore[arg-type]
    finally:
        g.TFLM = saved
    body = text.split("\n", 2)[2]  # drop gen_tflm_target's two header lines
    body += specialized_table(src)
    body = body.replace('id = "tflm"', f"id = {toml_str(vendor.id)}", 1)
    body = re.sub(r'^title = ".*"$', f"title = {toml_str(vendor.title)}", body, count=1, flags=re.M)
    body = re.sub(r'^description = ".*"$', f"description = {toml_str(vendor.description)}", body, count=1, flags=re.M)
    # every path the tables cite is the vendor's file in the role of the upstream path named
    mapped = sorted(
        {(p, src.vendor_path(p)) for p in src._cache if p not in vendor.fallback and src.vendor_path(p) != p}
    )
    head = [
        f"# Generated by scripts/gen_tflm_vendor_targets.py from {vendor.pin.repo}@{vendor.pin.commit}",
        "# with scripts/gen_tflm_target.py's reader. Do not edit.",
        f"# Kernels compiled by this build: {vendor.why}; {len(vendor.replaced)} ops use {vendor.subdir}/:",
        f"#   {', '.join(sorted(vendor.replaced))}",
        "# Paths below are upstream-layout names; the vendor files read for them:",
        *[
            f"#   {p} -> {vp}"
            for p, vp in mapped
            if "/kernels/" not in p or p.rsplit("/", 1)[-1].rsplit(".", 1)[0] in vendor.replaced
        ],
        "#   (every other tensorflow/... path: the same path"
        + (f" under {vendor.prefix}" if vendor.prefix else "")
        + (f", {vendor.ext} for .cc" if vendor.ext != ".cc" else "")
        + ")",
    ]
    if vendor.fallback:
        head.append(f"# Not in the vendor tree, read from {TFLM.repo}@{TFLM.commit} instead:")
        head += [f"#   {p}" for p in sorted(set(vendor.fallback))]
    out = "\n".join(head) + "\n\n" + body
    tomllib.loads(out)
    target = RULES / "targets" / f"{vendor.id}.toml"
    target.write_text(out)
    problems = sorted(n for n, r in results.items() if r.problems)
    print(
        f"{vendor.id}: {counts['builtins']} builtins ({counts['types']} with types), {counts['custom']} custom ops; "
        f"walker problems: {', '.join(problems) or 'none'} -> {target.relative_to(RULES.parent)}"
    )
    return target


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--arduino", type=Path, help="a clone or mirror of tensorflow/tflite-micro-arduino-examples")
    ap.add_argument("--esp", type=Path, help="a clone or mirror of espressif/esp-tflite-micro")
    ap.add_argument("--tflm", type=Path, help="a clone or mirror of tensorflow/tflite-micro (for files a vendor lacks)")
    args = ap.parse_args()
    done: list[Any] = []
    if args.arduino:
        done.append(generate(ARDUINO, args.arduino, args.tflm))
    if args.esp:
        done.append(generate(ESP, args.esp, args.tflm))
    if not done:
        ap.error("give --arduino and/or --esp")


if __name__ == "__main__":
    main()
