"""oplint's runtime-version table against runtime_version.cc and the converter's own tests."""

from __future__ import annotations

import re

import pytest

from oplint.analysis.runtime import required_runtime
from oplint.core.model import Graph, Model, Op
from oplint.knowledge.sources import LITERT, checkout, read
from oplint.knowledge.targets import format_version
from oplint.knowledge.targets import load as load_target
from tests.upstream import runtime_versions

needs_litert = pytest.mark.skipif(checkout(LITERT) is None, reason="no checkout of the pinned LiteRT")


@needs_litert
def test_every_dated_op_version_is_in_the_table() -> None:
    """Every (op, version) runtime_version.cc dates, with its release, registered kernel or not."""
    text = "\n".join(read(LITERT.key, "tflite/converter/tools/versioning/runtime_version.cc") or [])
    entries = re.findall(r'\{\{\s*BuiltinOperator_(\w+)\s*,\s*(\d+)\s*\}\s*,\s*"([0-9.]+)"\s*\}', text)
    assert len(entries) > 400
    table = load_target("tflite")
    wrong = []
    for op, version, release in entries:
        mine = table.runtime_of(op, int(version))
        if mine is None or format_version(mine) != format_version(tuple(int(p) for p in release.split("."))):
            wrong.append((op, version, release, mine))
    assert not wrong, wrong


@needs_litert
def test_the_converter_tests_min_runtime_version() -> None:
    """mlir2flatbuffer/ and end2end/ tests that show operator codes and min_runtime_version."""
    results = runtime_versions.compare()
    assert len(results) >= 45, len(results)
    assert [(c.file, c.prefix, mine, c.written) for c, mine, ok in results if not ok] == []


def test_an_op_version_without_a_kernel_still_dates_the_model() -> None:
    """STABLEHLO_CBRT has no kernel in register.cc, but runtime_version.cc dates it (2.17.0) and
    the converter writes that into min_runtime_version."""
    assert "STABLEHLO_CBRT" not in load_target("tflite").builtins
    graph = Graph(0, "main", (Op(0, 0, "STABLEHLO_CBRT"), Op(0, 1, "ADD")), ())
    assert required_runtime(Model("m.tflite", "tflite", (graph,))) == "2.17.0"
