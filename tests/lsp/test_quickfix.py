"""The quick fix's edit of pyproject.toml (issue 12: it corrupted the file in 3 of 4 cases).

Each case applies the edit as a client would (positions in the negotiated encoding), parses the
result back, checks that it holds exactly the old data plus the new entry and that every other
byte is unchanged, and, where it matters, that the entry really suppresses the finding."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import FIXTURES

pytest.importorskip("pygls")
from oplint.core.files import parse_toml
from oplint.core.findings import Finding, Location, Severity
from oplint.lsp.positions import UTF8, UTF16, UTF32, choose_encoding, offset_at, position_at, units
from oplint.lsp.toml_edit import add_entry, entry_fields, glob_literal, toml_string
from oplint.run.config import load_config
from oplint.run.suppress import Suppressions
from tests.lsp.rpc import RawClient

ENTRY = entry_fields("models/kws.tflite", "OPL101", "lstm/cell", "tflm")


def edited(text: str, entry: dict[str, str] = ENTRY, encoding: str = UTF16) -> str:
    """Apply the insertion the way a client does: through an LSP position in ``encoding``."""
    insertion = add_entry(text, entry)
    assert insertion is not None, "no edit offered"
    position = position_at(text, insertion.offset, encoding)
    at = offset_at(text, position, encoding)
    assert at == insertion.offset
    out = text[:at] + insertion.text + text[at:]
    assert out[:at] == text[:at] and out[at + len(insertion.text) :] == text[at:]  # the rest untouched
    return out


def entries(text: str) -> list[dict[str, Any]]:
    found = parse_toml(text)["tool"]["oplint"]["ignore-findings"]
    assert isinstance(found, list)
    return found


def test_positions_in_each_encoding() -> None:
    text = 'a = "😀é"\r\nb = 1\rc = 2\nd = "😀'
    end = len(text)
    assert position_at(text, end, UTF16).line == 3
    assert position_at(text, end, UTF16).character == len('d = "') + 2
    assert position_at(text, end, UTF8).character == len('d = "') + 4
    assert position_at(text, end, UTF32).character == len('d = "') + 1
    for encoding in (UTF8, UTF16, UTF32):
        for offset in range(len(text) + 1):
            if text[offset - 1 : offset + 1] == "\r\n":
                continue  # inside a line break: no position
            assert offset_at(text, position_at(text, offset, encoding), encoding) == offset
    assert units("😀", UTF16) == 2 and units("😀", UTF8) == 4
    assert choose_encoding(["utf-16", "utf-8"]) == UTF8
    assert choose_encoding(["utf-32"]) == UTF16 and choose_encoding(None) == UTF16


def test_emoji_on_a_last_line_without_newline() -> None:
    """Issue 12 case 1: the end of the file counted in code points, the client in UTF-16."""
    text = '[tool.oplint]\ntargets = ["tflm"]  # 🚀 ship it'
    for encoding in (UTF16, UTF8):
        out = edited(text, encoding=encoding)
        assert out.startswith(text + "\n\n[[tool.oplint.ignore-findings]]\n")
        assert entries(out) == [ENTRY]


def test_node_names_with_newline_nul_quotes_and_glob_characters() -> None:
    """Issue 12 case 2: a node name written unescaped broke the string."""
    node = 'a\nb\x00c"d\\e[0]*?\x7f\t'
    entry = entry_fields("models/x [v2].tflite", "OPL101", node, None)
    out = edited("[tool.oplint]\n", entry)
    (written,) = entries(out)
    assert written["node"] == glob_literal(node) and written["path"] == "models/x [[]v2].tflite"
    import fnmatch

    assert fnmatch.fnmatchcase(node, written["node"]) and not fnmatch.fnmatchcase("abc", written["node"])
    assert parse_toml(f"k = {toml_string(node)}")["k"] == node


def test_an_undecodable_name_still_matches() -> None:
    node = "conv\udcff1"  # a byte that was not UTF-8 (surrogateescape): TOML cannot hold it
    out = edited("", entry_fields("m.tflite", "OPL101", node, None))
    import fnmatch

    assert fnmatch.fnmatchcase(node, entries(out)[0]["node"])


@pytest.mark.parametrize(
    "text",
    [
        '[tool.oplint]\nignore-findings = [{ path = "a.tflite", code = "OPL1", reason = "r" }]\n',
        '[tool.oplint]\nignore-findings = [\n  { path = "a.tflite", code = "OPL1", reason = "r" },\n]\n',
        '[tool.oplint]\nignore-findings = [\n  { path = "a.tflite", code = "OPL1", reason = "r" }  # why\n]\n',
        '[tool.oplint]\nignore-findings = [\n  { path = "a", code = "OPL1", reason = "r" }, # why\n  # later\n]\n',
        "[tool.oplint]\nignore-findings = []\n",
        "[tool.oplint]\nignore-findings = [\n]\n",
        "[tool.oplint]\nignore-findings = [ # none yet\n]\n[tool.ruff]\nline-length = 1\n",
        '[tool]\noplint.ignore-findings = [{ path = "a", code = "B", reason = "]" }]\n',
        'tool.oplint.ignore-findings = [ { path = "[", code = "x", reason = """]\n]""" } ]\n',
        '[tool.oplint]\n"ignore-findings" = []\ntargets = ["tflm"]\n[tool.black]\nx = 1',
    ],
)
def test_an_inline_array_gets_the_entry(text: str) -> None:
    """Issue 12 case 3: a [[tool.oplint.ignore-findings]] table after ignore-findings = [...] is
    invalid TOML."""
    before = entries(text)
    out = edited(text)
    assert "[[tool.oplint.ignore-findings]]" not in out
    assert entries(out) == [*before, ENTRY]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\n",
        "# just a comment",
        '[project]\nname = "x"\n',
        '[tool.oplint]\r\ntargets = ["tflm"]\r\n[tool.ruff]\r\nline-length = 100\r\n',
        '[tool.oplint]\n\n[[tool.oplint.ignore-findings]]\npath = "a"\ncode = "OPL1"\nreason = "r"\n\n'
        "[tool.black]\nx = 1\n",
        '[tool]\noplint.targets = ["tflm"]\n',
        'tool = { oplint = { targets = ["tflm"] } }\n',
        "tool = { black = { x = 1 } }\n",
        '[tool]\noplint = { targets = ["tflm"] }\nruff = {}\n',
        "[tool]\noplint = {}\n",
        'x = """\n[tool.oplint]\nignore-findings = []\n"""\n',
        "[a]\nb = 1979-05-27 07:32:00Z # when\nc = 'it\"s'\n",
    ],
)
def test_other_layouts(text: str) -> None:
    data = parse_toml(text)
    out = edited(text)
    result = parse_toml(out)
    oplint = data.get("tool", {}).get("oplint", {})
    assert result["tool"]["oplint"]["ignore-findings"] == [*oplint.get("ignore-findings", []), ENTRY]
    if "\r\n" in text:
        assert "\r\n[[tool.oplint.ignore-findings]]\r\n" in out and "\n" not in out.replace("\r\n", "")


@pytest.mark.parametrize(
    "text",
    [
        "[tool.oplint\n",  # not TOML
        "[tool.oplint]\nignore-findings = 5\n",  # not an array: no edit can add to it
        "[tool.oplint.ignore-findings]\npath = 'a'\n",  # a table, not an array of tables
        "tool = 5\n",
    ],
)
def test_no_edit_when_none_can_be_right(text: str) -> None:
    assert add_entry(text, ENTRY) is None


def test_the_entry_suppresses_the_finding(tmp_path: Path) -> None:
    node = "model/conv [0]*\nv2"
    text = '[tool.oplint]\ntargets = ["tflm"]\nignore-findings = []\n'
    out = edited(text, entry_fields("models/m [1].tflite", "OPL201", node, "tflm", reason="accepted"))
    (tmp_path / "pyproject.toml").write_text(out, encoding="utf-8")
    config = load_config(cwd=tmp_path)
    suppressions = Suppressions(config)
    model = str(tmp_path / "models" / "m [1].tflite")
    finding = Finding(Location(model, 0, 3, "CONV_2D", node), "OPL201", "x", Severity.ERROR, "m", None, "tflm")
    assert suppressions.reason(finding) == "accepted"
    other = finding._replace(location=Location(model, 0, 4, "CONV_2D", "model/conv 0"))
    assert suppressions.reason(other) is None


@pytest.mark.slow
def test_the_code_action_on_an_open_document_in_utf16(tmp_path: Path) -> None:
    """The client has pyproject.toml open with unsaved text ending in an emoji and offers only
    UTF-16: the edit is computed on that text and counted in UTF-16 units."""
    (tmp_path / "models").mkdir()
    model = tmp_path / "models" / "exp_int8.tflite"
    shutil.copy(FIXTURES / "tflite" / "exp_int8.tflite", model)
    config = tmp_path / "pyproject.toml"
    config.write_text('[tool.oplint]\ntargets = ["tflm"]\n')
    unsaved = (
        '[tool.oplint]\ntargets = ["tflm"]\nignore-findings = [{ path = "🚀", code = "OPL1", reason = "🚀🚀" }] # 🚀'
    )
    client = RawClient(tmp_path)
    try:
        reply = client.initialize(tmp_path, {"general": {"positionEncodings": ["utf-16"]}})
        assert reply["result"]["capabilities"]["positionEncoding"] == "utf-16"
        client.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": config.as_uri(), "languageId": "toml", "version": 3, "text": unsaved}},
        )
        client.wait(lambda: bool(client.diagnostics.get(model.as_uri())))
        diag = client.diagnostics[model.as_uri()][0]
        reply = client.call(
            "textDocument/codeAction",
            {"textDocument": {"uri": model.as_uri()}, "range": diag["range"], "context": {"diagnostics": [diag]}},
        )
        (action,) = reply["result"]
        (edit,) = action["edit"]["changes"][config.as_uri()]
        from lsprotocol.types import Position

        start = offset_at(unsaved, Position(**edit["range"]["start"]), UTF16)
        out = unsaved[:start] + edit["newText"] + unsaved[start:]
        (_, entry) = entries(out)
        assert entry["path"] == "models/exp_int8.tflite" and entry["code"] == "OPL201" and entry["node"]
    finally:
        client.close()
