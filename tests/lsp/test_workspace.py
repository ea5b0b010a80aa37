"""The server on workspaces as editors show them (raw JSON-RPC client): it honours the client's
capabilities, coalesces a burst of file events, keeps linting past a model that crashes oplint,
reports a broken configuration on the file, follows each model's own project, maps SavedModel
files to their SavedModel, and answers requests while it lints.  No timing is asserted here
(the machine may be slow and busy): bench/bench.py's ``lsp`` section measures it."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import FIXTURES

pytest.importorskip("pygls")
from tests.lsp.rpc import RawClient

pytestmark = pytest.mark.slow

CHANGED, CREATED, DELETED = 2, 1, 3
WATCHING = {
    "workspace": {"didChangeWatchedFiles": {"dynamicRegistration": True}},
    "window": {"workDoneProgress": True},
}


def copy_models(folder: Path, names: list[str]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name in names:
        shutil.copy(FIXTURES / "tflite" / name, folder / name)
        out.append(folder / name)
    return out


def codes(client: RawClient, path: Path) -> list[str]:
    return sorted(str(d.get("code")) for d in client.diagnostics.get(path.as_uri(), []))


def events(client: RawClient, *changes: tuple[Path, int]) -> None:
    client.notify("workspace/didChangeWatchedFiles", {"changes": [{"uri": p.as_uri(), "type": t} for p, t in changes]})


def methods(client: RawClient, name: str) -> list[dict[str, Any]]:
    return [m for m in client.seen if m.get("method") == name]


def code_action_params() -> dict[str, Any]:
    zero = {"line": 0, "character": 0}
    return {
        "textDocument": {"uri": "file:///x.tflite"},
        "range": {"start": zero, "end": zero},
        "context": {"diagnostics": []},
    }


def test_a_client_without_watching_or_progress(tmp_path: Path) -> None:
    """No dynamic registration offered: nothing is registered; didSave of pyproject.toml and the
    server's own stat of the models it linted keep the diagnostics fresh; no $/progress."""
    good, other = copy_models(tmp_path / "models", ["conv_int8.tflite", "exp_int8.tflite"])
    config = tmp_path / "pyproject.toml"
    config.write_text('[tool.oplint]\ntargets = ["tflite"]\n')
    client = RawClient(tmp_path)
    try:
        client.initialize(tmp_path)
        client.wait(lambda: good.as_uri() in client.diagnostics and other.as_uri() in client.diagnostics)
        assert codes(client, other) == []
        config.write_text('[tool.oplint]\ntargets = ["tflm"]\n')
        client.notify("textDocument/didSave", {"textDocument": {"uri": config.as_uri()}})
        client.wait(lambda: codes(client, other) == ["OPL201"])
        # a model rewritten on disk with no event at all: found by the server's own polling
        shutil.copy(FIXTURES / "tflite" / "rfft2d_float.tflite", good)
        client.wait(lambda: codes(client, good) == ["OPL101"])
        assert not methods(client, "client/registerCapability")
        assert not methods(client, "window/workDoneProgress/create") and not methods(client, "$/progress")
    finally:
        client.close()


def test_a_burst_of_events_is_coalesced_and_requests_are_answered(tmp_path: Path) -> None:
    """One didChangeWatchedFiles with 1,000 events (issue 12: 102 s of silence): each model is
    linted once, and a request sent right after it is answered."""
    models = copy_models(tmp_path / "a", ["conv_int8.tflite", "exp_int8.tflite", "rfft2d_float.tflite"])
    models += copy_models(tmp_path / "b", ["conv_int8.tflite", "gelu_float.tflite"])
    client = RawClient(tmp_path)
    try:
        client.initialize(tmp_path, WATCHING)
        client.wait(lambda: all(m.as_uri() in client.diagnostics for m in models))
        client.wait(lambda: any(m["params"]["value"]["kind"] == "end" for m in methods(client, "$/progress")))
        before = len(methods(client, "textDocument/publishDiagnostics"))
        burst = [(models[i % len(models)], CHANGED) for i in range(980)]
        burst += [(tmp_path / "a" / f"notes{i}.txt", CREATED) for i in range(20)]
        events(client, *burst)
        reply = client.call("textDocument/codeAction", code_action_params())
        assert reply.get("result") == []
        client.wait(lambda: len(methods(client, "textDocument/publishDiagnostics")) >= before + len(models))
        # then a request in order behind the lint: once it is answered, every publish is in
        assert client.call("textDocument/codeAction", code_action_params()).get("result") == []
        after = methods(client, "textDocument/publishDiagnostics")[before:]
        assert sorted(m["params"]["uri"] for m in after) == sorted(m.as_uri() for m in models)
    finally:
        client.close()


CRASHING_SERVER = """
import os
import oplint.lsp.linter as linter
real = linter.lint_file
def lint_file(path, run):
    if os.path.basename(path) == "a_crash.tflite":
        raise ZeroDivisionError("division by zero")
    return real(path, run)
linter.lint_file = lint_file
from oplint.lsp import main
main()
"""


def test_one_crashing_or_unreadable_model_does_not_stop_the_workspace(tmp_path: Path) -> None:
    folder = tmp_path / "models"
    good, bad = copy_models(folder, ["conv_int8.tflite", "exp_int8.tflite"])
    crash = folder / "a_crash.tflite"
    shutil.copy(FIXTURES / "tflite" / "conv_int8.tflite", crash)
    garbage = copy_models(folder, ["garbage.tflite"])[0]
    (tmp_path / "pyproject.toml").write_text('[tool.oplint]\ntargets = ["tflm"]\n')
    client = RawClient(tmp_path, command=[sys.executable, "-c", CRASHING_SERVER])
    try:
        client.initialize(tmp_path, WATCHING)
        client.wait(lambda: all(m.as_uri() in client.diagnostics for m in (good, bad, crash, garbage)))
        assert (
            codes(client, crash) == ["OPL013"]
            and "ZeroDivisionError" in client.diagnostics[crash.as_uri()][0]["message"]
        )
        assert codes(client, garbage) == ["OPL001"]
        assert codes(client, bad) == ["OPL201"] and codes(client, good) == []
    finally:
        client.close()


def test_a_broken_configuration_is_reported_on_its_file(tmp_path: Path) -> None:
    model = copy_models(tmp_path / "models", ["exp_int8.tflite"])[0]
    config = tmp_path / "pyproject.toml"
    config.write_text('[tool.oplint]\ntargets = ["tflm"]\nno-such-key = 1\n')
    client = RawClient(tmp_path)
    try:
        client.initialize(tmp_path, WATCHING)
        client.wait(lambda: bool(client.diagnostics.get(config.as_uri())))
        assert "no-such-key" in client.diagnostics[config.as_uri()][0]["message"]
        assert any("no-such-key" in m["params"]["message"] for m in methods(client, "window/showMessage"))
        config.write_text('[tool.oplint]\ntargets = ["tflm"]\n')
        events(client, (config, CHANGED))
        client.wait(lambda: codes(client, model) == ["OPL201"] and not client.diagnostics.get(config.as_uri()))
    finally:
        client.close()


def test_each_model_follows_its_own_project(tmp_path: Path) -> None:
    """The closest pyproject.toml with [tool.oplint] above a model configures it, as on the
    command line."""
    top = copy_models(tmp_path / "models", ["exp_int8.tflite"])[0]
    nested = copy_models(tmp_path / "firmware" / "models", ["exp_int8.tflite"])[0]
    (tmp_path / "pyproject.toml").write_text('[tool.oplint]\ntargets = ["tflite"]\n')
    (tmp_path / "firmware" / "pyproject.toml").write_text('[tool.oplint]\ntargets = ["tflm"]\n')
    client = RawClient(tmp_path)
    try:
        client.initialize(tmp_path, WATCHING)
        client.wait(lambda: top.as_uri() in client.diagnostics and nested.as_uri() in client.diagnostics)
        assert codes(client, top) == [] and codes(client, nested) == ["OPL201"]
    finally:
        client.close()


def test_savedmodel_files_mean_their_savedmodel(tmp_path: Path) -> None:
    """fingerprint.pb, keras_metadata.pb, variables/* and assets.extra/*.pb events re-lint the
    SavedModel; none is linted as a GraphDef; a deleted saved_model.pb or folder clears it; a new
    folder's models are linted."""
    export = tmp_path / "export"
    shutil.copytree(FIXTURES / "savedmodel" / "cumprod", export)
    (export / "fingerprint.pb").write_bytes(b"\x08\x01")
    (export / "keras_metadata.pb").write_bytes(b"\x12\x00")
    (export / "assets.extra").mkdir()
    (export / "assets.extra" / "tf_serving_warmup_requests.pb").write_bytes(b"\x0a\x00")
    orphan = tmp_path / "fingerprint.pb"  # metadata with no SavedModel around it: no model at all
    orphan.write_bytes(b"\x08\x01")
    graph = export / "saved_model.pb"
    client = RawClient(tmp_path)
    try:
        client.initialize(tmp_path, WATCHING)
        client.wait(lambda: graph.as_uri() in client.diagnostics)
        assert codes(client, graph) == ["OPL111", "OPL111"]

        def graph_publishes() -> int:
            return sum(m["params"]["uri"] == graph.as_uri() for m in methods(client, "textDocument/publishDiagnostics"))

        # the orphan first: once a later event's re-lint is published, the orphan was handled
        events(client, (orphan, CHANGED))
        for changed in (
            export / "fingerprint.pb",
            export / "keras_metadata.pb",
            export / "assets.extra" / "tf_serving_warmup_requests.pb",
            export / "variables" / "variables.index",
        ):
            n = graph_publishes()
            events(client, (changed, CHANGED))
            client.wait(lambda n=n: graph_publishes() > n)
        published = {m["params"]["uri"] for m in methods(client, "textDocument/publishDiagnostics")}
        assert published == {graph.as_uri()}
        # the whole SavedModel is deleted: one event for the folder clears it
        shutil.rmtree(export)
        events(client, (export, DELETED))
        client.wait(lambda: codes(client, graph) == [])
        # a folder of models appears (copied in): its models are linted
        models = tmp_path / "incoming"
        shutil.copytree(FIXTURES / "savedmodel" / "cumprod", models / "sm")
        copy_models(models, ["exp_int8.tflite"])
        events(client, (models, CREATED))
        client.wait(
            lambda: (
                (models / "sm" / "saved_model.pb").as_uri() in client.diagnostics
                and (models / "exp_int8.tflite").as_uri() in client.diagnostics
            )
        )
    finally:
        client.close()


def test_workspace_folders_added_and_removed(tmp_path: Path) -> None:
    first = copy_models(tmp_path / "one", ["exp_int8.tflite"])[0]
    second = copy_models(tmp_path / "two", ["rfft2d_float.tflite"])[0]
    client = RawClient(tmp_path)
    try:
        client.initialize(tmp_path / "one", WATCHING)
        client.wait(lambda: first.as_uri() in client.diagnostics)
        assert second.as_uri() not in client.diagnostics
        folder = {"uri": (tmp_path / "two").as_uri(), "name": "two"}
        client.notify("workspace/didChangeWorkspaceFolders", {"event": {"added": [folder], "removed": []}})
        client.wait(lambda: codes(client, second) == ["OPL101"])
        client.notify("workspace/didChangeWorkspaceFolders", {"event": {"added": [], "removed": [folder]}})
        client.wait(lambda: codes(client, second) == [])
        assert first.as_uri() in client.diagnostics
    finally:
        client.close()
