"""Names from a model (and odd file names) never reach a terminal or an XML file raw: human
formats escape control and bidirectional characters; JSON and SARIF keep the exact text."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from fixtures.tflite_builder import one_op
from oplint.cli import cli
from oplint.output.escape import terminal, xml
from tests.helpers import runner

EVIL_CODE = "Evil\x1b[2J\x07\rOK: all targets pass\n\u202eyekcaj"
EVIL_TENSOR = "out\x00\x1b]0;pwned\x07\u2028x"


@pytest.fixture()
def evil(tmp_path: Path) -> Path:
    path = tmp_path / "evil\x1b[31m\nname.tflite"
    path.write_bytes(one_op("CUSTOM", ["float32"], ["float32"], custom_code=EVIL_CODE, name=EVIL_TENSOR))
    return path


def _raw_controls(text: str) -> set[str]:
    return {c for c in text if (ord(c) < 0x20 and c not in "\n\t") or 0x7F <= ord(c) <= 0x9F or c in "\u2028\u202e"}


@pytest.mark.parametrize("fmt", ["full", "concise", "github"])
def test_human_formats_escape_what_a_model_says(evil: Path, fmt: str) -> None:
    result = runner().invoke(cli, ["check", str(evil), "--output-format", fmt, "-t", "tflite"])
    assert result.exit_code == 1, result.output
    assert not _raw_controls(result.stdout), sorted(_raw_controls(result.stdout))
    assert "\\x1b[2J" in result.stdout and "\\u202e" in result.stdout
    # no line a model wrote can pass for one of oplint's: every finding line starts with the path
    for line in result.stdout.splitlines():
        assert not line.startswith("OK: all targets pass"), line


def test_statistics_and_quiet_escape_the_file_name(evil: Path) -> None:
    for option in ("-q", "--statistics"):
        out = runner().invoke(cli, ["check", str(evil), option, "-t", "tflite"]).stdout
        assert not _raw_controls(out), option


def test_json_and_sarif_keep_the_exact_text(evil: Path) -> None:
    out = runner().invoke(cli, ["check", str(evil), "--output-format", "json", "-t", "tflite"]).stdout
    doc = json.loads(out)
    messages = [f["message"] for m in doc["results"] for f in m["findings"]]
    assert any(EVIL_CODE in message for message in messages), messages
    sarif = json.loads(runner().invoke(cli, ["check", str(evil), "--output-format", "sarif", "-t", "tflite"]).stdout)
    texts = [r["message"]["text"] for r in sarif["runs"][0]["results"]]
    assert any(EVIL_CODE in text for text in texts)


def test_junit_is_well_formed_xml(evil: Path) -> None:
    out = runner().invoke(cli, ["check", str(evil), "--output-format", "junit", "-t", "tflite"]).stdout
    root = ET.fromstring(out)  # raises on a control character XML 1.0 forbids
    failures = [f.text or "" for f in root.iter("failure")]
    assert any("\\x1b[2J" in text for text in failures), failures


def test_escape_helpers() -> None:
    assert terminal("a\x1bb\rc\u202ed\te") == "a\\x1bb\\x0dc\\u202ed\te"
    assert xml("a\x00b\x1fc\n") == "a\\x00b\\x1fc\n"
    assert terminal("Conv2D ünïcødé 名前") == "Conv2D ünïcødé 名前"
