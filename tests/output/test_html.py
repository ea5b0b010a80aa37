"""The HTML report: self-contained, and drawn correctly in a real headless Chromium."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from oplint.core.report import Report
from oplint.output import render
from oplint.output.html import layout
from oplint.run.config import Config, TargetSpec
from oplint.run.lint import lint_paths
from tests import browser
from tests.helpers import ROOT, SHARED, fixture, runner

TARGETS = ("tflite", "tflm", "xnnpack", "ethos-u55")
MODELS = (
    str(ROOT / "examples" / "planestrike_tf_agents.tflite"),
    str(ROOT / "examples" / "micro_speech_quantized.tflite"),
    fixture("ethosu/float_islands.tflite"),
    fixture("tflite/while_subgraph.tflite"),
    fixture("tflite/truncated.tflite"),
    fixture("savedmodel/gelu_fused"),
)


def report(paths: tuple[str, ...] = MODELS, targets: tuple[str, ...] = TARGETS) -> Report:
    return lint_paths(list(paths), Config(targets=tuple(TargetSpec(t) for t in targets)), graph=True)


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> tuple[Report, Path]:
    rep = report()
    path = tmp_path_factory.mktemp("html") / "report.html"
    path.write_text(render(rep, "html"), encoding="utf-8")
    return rep, path


@pytest.fixture(scope="module")
def driver() -> Any:
    with browser.chromium() as d:
        yield d


def embedded(text: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" id="oplint-data">(.*?)</script>', text, re.S)
    assert found is not None
    data: dict[str, Any] = json.loads(found.group(1))
    return data


def test_the_page_is_self_contained(page: tuple[Report, Path]) -> None:
    text = page[1].read_text(encoding="utf-8")
    # nothing is fetched: no external URL in any src/href, and the CSP forbids connections
    assert not re.search(r'(src|href)\s*=\s*"(?!data:|#)', text)
    assert "default-src 'none'" in text
    assert "http://" not in text.split("<script>")[0]
    data = embedded(text)
    assert [m["path"] for m in data["models"]] == list(MODELS)
    assert "</script" not in page[1].read_text(encoding="utf-8").split('id="oplint-data">')[1].split("</script>")[0]


def test_embedded_statuses_follow_the_report(page: tuple[Report, Path]) -> None:
    data = embedded(page[1].read_text(encoding="utf-8"))
    plane = data["models"][0]
    # FlexMultinomial (op 9) cannot run on tflite or tflm; XNNPACK takes the FULLY_CONNECTED ops 6-8
    assert plane["graph"]["targets"]["tflite"]["status"][0][9] == "U"
    assert plane["graph"]["targets"]["tflm"]["status"][0][2] == "U"  # CAST int32 -> int64
    assert plane["graph"]["targets"]["xnnpack"]["status"][0][6:9] == "DDD"
    assert plane["graph"]["targets"]["xnnpack"]["status"][0][0] == "C"
    assert data["models"][4]["graph"] is None and not data["models"][4]["readable"]  # truncated.tflite
    saved = data["models"][5]
    assert saved["graph"]["vocabulary"] == "tf"
    # the ops the converter fuses into GELU are removed; the Erf becomes GELU
    assert saved["graph"]["targets"]["tflite"]["status"][2].count("X") == 4


def test_layout_puts_each_op_below_what_it_reads() -> None:
    rep = report((MODELS[0], MODELS[2]), ("tflite",))
    for result in rep.results:
        assert result.graph is not None
        for g in result.graph.graphs:
            rows, slots, n_rows = layout(g)
            for src, dst, _ in g.edges():
                assert rows[src] < rows[dst]
            assert len(set(zip(rows, slots))) == len(g.ops)  # no two ops on one spot
            assert n_rows == max(rows) + 1


def test_cli_writes_the_file(tmp_path: Path) -> None:
    from oplint.cli import cli

    out = tmp_path / "r.html"
    args = ["check", "--isolated", str(ROOT / "examples"), "-t", "tflite,xnnpack", "--output-format", "html"]
    result = runner().invoke(cli, [*args, "-o", str(out)])
    assert result.exit_code == 1, result.output  # planestrike fails tflite
    assert result.stdout == ""
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    bad = runner().invoke(cli, ["check", "--isolated", str(ROOT / "examples"), "-o", str(tmp_path / "no" / "r.html")])
    assert bad.exit_code == 2 and "cannot write" in bad.stderr


def test_the_page_in_chromium(page: tuple[Report, Path], driver: Any, tmp_path: Path) -> None:
    rep, path = page
    browser.open_page(driver, str(path))
    assert browser.console_errors(driver) == []
    assert driver.execute_script("return performance.getEntriesByType('resource').length") == 0

    # the matrix shows each model's verdict on each target
    for i, result in enumerate(rep.results):
        for label, verdict in result.targets.items():
            cell = driver.find_element("css selector", f'#matrix tr[data-model="{i}"] td[data-target="{label}"]')
            assert cell.get_attribute("data-verdict") == ("pass" if verdict.ok else "fail"), (result.path, label)
            assert cell.text.startswith("pass" if verdict.ok else ("unreadable" if not result.readable else "fail"))

    # clicking a finding highlights its op (here: op 9 of planestrike, FlexMultinomial on tflite)
    (finding,) = [
        f for f in rep.results[0].findings if f.code == "OPL102" and f.target == "tflite" and f.location.op_index == 9
    ]
    row = driver.find_element("css selector", '#m0 tr.f[data-code="OPL102"][data-target="tflite"][data-op="0:9"]')
    driver.execute_script("arguments[0].scrollIntoView()", row)
    row.click()
    highlighted = driver.execute_script("return [...document.querySelectorAll('#m0 .op.hl')].map(e => e.dataset.op)")
    assert highlighted == [str(finding.location.op_index)]
    assert "FlexMultinomial" in driver.find_element("css selector", "#m0 .details").text
    # ... and a finding in another subgraph switches the picture to that subgraph
    sub = [f for f in rep.results[3].findings if f.location.graph and f.location.op_index is not None]
    if sub:
        f = sub[0]
        row = driver.find_element("css selector", f'#m3 tr.f[data-op="{f.location.graph}:{f.location.op_index}"]')
        driver.execute_script("arguments[0].scrollIntoView()", row)
        row.click()
        assert driver.execute_script("return document.querySelector('#m3 .gsel').value") == str(f.location.graph)
        assert driver.execute_script("return [...document.querySelectorAll('#m3 .op.hl')].map(e => e.dataset.op)") == [
            str(f.location.op_index)
        ]

    # filtering by target hides its column and its findings
    box = driver.find_element("css selector", '#f-targets input[data-target="tflm"]')
    box.click()
    assert not driver.find_element("css selector", '#matrix th[data-target="tflm"]').is_displayed()
    assert driver.find_elements("css selector", 'tr.f[data-target="tflm"]') == []
    box.click()
    assert driver.find_elements("css selector", 'tr.f[data-target="tflm"]') != []
    # ... and by rule
    driver.find_element("css selector", '#f-rules input[data-rule="OPL102"]').click()
    assert driver.find_elements("css selector", 'tr.f[data-code="OPL102"]') == []
    driver.find_element("css selector", '#f-rules input[data-rule="OPL102"]').click()

    # a screenshot, and it is not blank
    driver.execute_script("window.scrollTo(0, 0)")
    png = driver.get_screenshot_as_png()
    (tmp_path / "report.png").write_bytes(png)
    colours, inked = browser.colour_stats(png)
    assert colours > 20 and inked > 0.05, (colours, inked)
    assert browser.console_errors(driver) == []


@pytest.mark.slow
def test_the_18200_op_model_stays_responsive(driver: Any, tmp_path: Path) -> None:
    big = SHARED / "oracle" / "big" / "big_graph" / "big_graph.int8.tflite"
    if not big.exists():
        pytest.skip("needs ../shared/oracle/big")
    rep = report((str(big),), ("tflite", "tflm", "xnnpack", "gpu", "hexagon", "ethos-u55"))
    path = tmp_path / "big.html"
    path.write_text(render(rep, "html"), encoding="utf-8")
    seconds = browser.open_page(driver, str(path))
    assert seconds < 20
    assert browser.console_errors(driver) == []
    # only the rows in view are drawn, wherever the view is
    drawn = []
    for top in (0, 200_000, 700_000):
        driver.execute_script(f"document.querySelector('.gview').scrollTop = {top}")
        driver.execute_script("return new Promise(r => requestAnimationFrame(() => r()))")
        drawn.append(driver.execute_script("return document.querySelectorAll('.gview .op').length"))
    assert all(0 < n < 200 for n in drawn), drawn
    assert "only the rows in view are drawn" in driver.find_element("css selector", ".gnote").text
    # a finding far down the graph is reached and highlighted
    op = max(f.location.op_index or 0 for f in rep.results[0].findings)
    row = driver.find_element("css selector", f'tr.f[data-op="0:{op}"]')
    driver.execute_script("arguments[0].scrollIntoView()", row)
    row.click()
    assert driver.execute_script("return [...document.querySelectorAll('.op.hl')].map(e => e.dataset.op)") == [str(op)]
    assert browser.console_errors(driver) == []
