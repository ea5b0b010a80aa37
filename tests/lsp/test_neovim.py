"""A real editor: the README's Neovim setup, run as written in a headless Neovim (0.7 or later,
skipped when ``nvim`` is not installed).  Neovim opens pyproject.toml in a workspace, its
built-in client starts ``oplint server`` and collects the diagnostics of models it never opened;
then it asks for the quick fix, applies the edit itself (in its own position encoding, UTF-16,
on a file whose last line ends in an emoji and has no newline), saves, and the finding goes away."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from oplint.core.files import parse_toml
from tests.helpers import FIXTURES, ROOT

pytest.importorskip("pygls")
pytestmark = pytest.mark.slow

NVIM = shutil.which("nvim")

DRIVER = r"""
local out = os.getenv("OPLINT_NVIM_OUT")
local model = vim.fn.fnamemodify("models/exp_int8.tflite", ":p")
local result = {steps = {}}
local function finish()
  local f = io.open(out, "w")
  f:write(vim.fn.json_encode(result))
  f:close()
  vim.cmd("qall!")
end
local function model_diagnostics()
  return vim.diagnostic.get(vim.uri_to_bufnr(vim.uri_from_fname(model)))
end

vim.cmd("edit pyproject.toml")
local config_buf = vim.api.nvim_get_current_buf()
if not vim.wait(60000, function() return #model_diagnostics() > 0 end, 50) then
  table.insert(result.steps, "no diagnostics")
  return finish()
end
result.diagnostics = {}
for _, d in ipairs(vim.diagnostic.get()) do
  table.insert(result.diagnostics, {file = vim.api.nvim_buf_get_name(d.bufnr), code = d.code, lnum = d.lnum})
end
local clients = vim.lsp.buf_get_clients(config_buf)
local client
for _, c in pairs(clients) do client = c end
result.client = {name = client.name, encoding = client.offset_encoding}

-- the diagnostic back in LSP form, as vim.lsp.buf.code_action() sends it
local d = model_diagnostics()[1]
local lsp_diag = vim.tbl_extend("keep", {
  range = {start = {line = d.lnum, character = d.col}, ["end"] = {line = d.end_lnum, character = d.end_col}},
  severity = d.severity, message = d.message, source = d.source, code = d.code,
}, d.user_data.lsp)
local replies = vim.lsp.buf_request_sync(config_buf, "textDocument/codeAction", {
  textDocument = {uri = vim.uri_from_fname(model)},
  range = lsp_diag.range,
  context = {diagnostics = {lsp_diag}},
}, 30000)
local action
for _, reply in pairs(replies or {}) do
  for _, a in ipairs(reply.result or {}) do action = a end
end
if not action then
  table.insert(result.steps, "no code action")
  return finish()
end
result.title = action.title
vim.lsp.util.apply_workspace_edit(action.edit, client.offset_encoding)
vim.cmd("write")
table.insert(result.steps, "applied")
-- the save reaches the server (didSave): the model is linted again, the finding is accepted
result.cleared = vim.wait(60000, function() return #model_diagnostics() == 0 end, 50)
finish()
"""


def readme_setup() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("Neovim 0.7 or later") :]
    match = re.search(r"```lua\n(.*?)```", section, re.S)
    assert match, "the README's Neovim setup"
    return match.group(1)


@pytest.mark.skipif(NVIM is None, reason="nvim is not installed")
def test_the_readme_setup_in_headless_neovim(tmp_path: Path) -> None:
    workspace = tmp_path / "project"
    (workspace / "models").mkdir(parents=True)
    for name in ("exp_int8.tflite", "conv_int8.tflite"):
        shutil.copy(FIXTURES / "tflite" / name, workspace / "models" / name)
    config = workspace / "pyproject.toml"
    config.write_bytes('[tool.oplint]\ntargets = ["tflm"]  # 🚀 ship it'.encode())
    (tmp_path / "init.lua").write_text(readme_setup(), encoding="utf-8")
    (tmp_path / "driver.lua").write_text(DRIVER, encoding="utf-8")
    shim = tmp_path / "bin"  # `oplint` on PATH is this test's interpreter's oplint
    shim.mkdir()
    (shim / "oplint").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m oplint "$@"\n')
    (shim / "oplint").chmod(0o755)
    out = tmp_path / "result.json"
    env = {
        **os.environ,
        "PATH": f"{shim}{os.pathsep}{os.environ.get('PATH', '')}",
        "OPLINT_NVIM_OUT": str(out),
        "PYTHONPATH": str(ROOT),
        "XDG_CONFIG_HOME": str(tmp_path / "xdg"),
        "XDG_DATA_HOME": str(tmp_path / "xdg"),
        "XDG_STATE_HOME": str(tmp_path / "xdg"),
        "XDG_CACHE_HOME": str(tmp_path / "xdg"),
    }
    assert NVIM is not None
    proc = subprocess.run(
        [
            NVIM,
            "--headless",
            "-n",
            "-i",
            "NONE",
            "-u",
            str(tmp_path / "init.lua"),
            "-c",
            f"luafile {tmp_path / 'driver.lua'}",
        ],
        cwd=workspace,
        env=env,
        capture_output=True,
        timeout=240,
    )
    assert out.is_file(), proc.stderr.decode(errors="replace")[-2000:]
    result = json.loads(out.read_text())
    assert result["steps"] == ["applied"], result
    assert result["client"] == {"name": "oplint", "encoding": "utf-16"}
    found = {(Path(d["file"]).name, d["code"]) for d in result["diagnostics"]}
    assert ("exp_int8.tflite", "OPL201") in found
    assert not [f for f in found if f[0] == "conv_int8.tflite"]
    assert "Ignore OPL201" in result["title"]
    # Neovim applied the edit in UTF-16 after the emoji: the file is valid and holds the entry
    data = parse_toml(config.read_text(encoding="utf-8"))
    (entry,) = data["tool"]["oplint"]["ignore-findings"]
    assert entry["path"] == "models/exp_int8.tflite" and entry["code"] == "OPL201"
    assert config.read_text(encoding="utf-8").startswith('[tool.oplint]\ntargets = ["tflm"]  # 🚀 ship it\n')
    assert result["cleared"] is True
