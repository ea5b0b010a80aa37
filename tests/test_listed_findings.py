"""One rule lists at most 1,000 findings per model and target, then says the list was cut."""

from __future__ import annotations

import json
from pathlib import Path

from fixtures.tflite_builder import Graph, Op, T, build
from oplint.cli import cli
from oplint.run.engine import LISTED
from tests.helpers import runner


def test_a_rule_lists_at_most_a_thousand_findings_then_says_so(tmp_path: Path) -> None:
    n = LISTED + 50
    tensors = [T(f"t{i}") for i in range(n + 1)]
    ops = [Op("CUSTOM", [i], [i + 1], custom_code="FlexErf") for i in range(n)]
    path = tmp_path / "many.tflite"
    path.write_bytes(build([Graph(tensors, ops, [0], [n])]))
    result = runner().invoke(cli, ["check", str(path), "-t", "tflite", "--output-format", "json"])
    assert result.exit_code == 1, result.output
    findings = json.loads(result.stdout)["results"][0]["findings"]
    flex = [f for f in findings if f["code"] == "OPL102"]
    assert len(flex) == LISTED + 1
    (cut,) = [f for f in flex if f["location"].get("op_index") is None]
    assert f"more than {LISTED:,} places" in cut["message"]
    assert len({f["fingerprint"] for f in flex}) == LISTED + 1
