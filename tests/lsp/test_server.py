"""The LSP server end to end with a real client (pygls' LanguageClient) over stdio:
initialize, diagnostics for every model, a changed model, a deleted one, a config change,
the code action, shutdown."""

from __future__ import annotations

import asyncio
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import FIXTURES

pytest.importorskip("pygls")
from lsprotocol import types
from pygls.lsp.client import LanguageClient

pytestmark = pytest.mark.slow
TIMEOUT = 60.0


class Client(LanguageClient):
    def __init__(self) -> None:
        super().__init__("oplint-test", "0")
        self.diagnostics: dict[str, list[types.Diagnostic]] = {}
        self.changed = asyncio.Event()
        self.registrations: list[types.Registration] = []


def make_client() -> Client:
    client = Client()

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def publish(ls: Client, params: types.PublishDiagnosticsParams) -> None:
        ls.diagnostics[params.uri] = params.diagnostics
        ls.changed.set()

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(ls: Client, params: types.RegistrationParams) -> None:
        ls.registrations.extend(params.registrations)

    @client.feature(types.WINDOW_SHOW_MESSAGE)
    def message(ls: Client, params: types.ShowMessageParams) -> None:
        pass

    return client


async def wait_for(client: Client, predicate: Any) -> None:
    async def loop() -> None:
        while not predicate():
            client.changed.clear()
            await client.changed.wait()

    await asyncio.wait_for(loop(), TIMEOUT)


def codes(client: Client, path: Path) -> list[str]:
    return sorted(str(d.code) for d in client.diagnostics.get(path.as_uri(), []))


async def session(root: Path) -> None:
    client = make_client()
    await client.start_io(sys.executable, "-m", "oplint", "server")
    try:
        await client.initialize_async(
            types.InitializeParams(
                capabilities=types.ClientCapabilities(),
                root_uri=root.as_uri(),
                workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="models")],
            )
        )
        client.initialized(types.InitializedParams())
        bad, good = root / "models" / "exp_int8.tflite", root / "models" / "conv_int8.tflite"
        await wait_for(client, lambda: bad.as_uri() in client.diagnostics and good.as_uri() in client.diagnostics)
        assert codes(client, bad) == ["OPL201"] and codes(client, good) == []
        diag = client.diagnostics[bad.as_uri()][0]
        assert diag.source == "oplint" and diag.range.start.line == 0 and "[tflm]" in diag.message
        assert any(r.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES for r in client.registrations)

        # the code action writes an ignore entry into pyproject.toml
        actions = await client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=bad.as_uri()),
                range=diag.range,
                context=types.CodeActionContext(diagnostics=[diag]),
            )
        )
        assert actions and "Ignore OPL201" in actions[0].title
        (edit,) = actions[0].edit.changes[(root / "pyproject.toml").as_uri()]
        assert 'path = "models/exp_int8.tflite"' in edit.new_text and 'code = "OPL201"' in edit.new_text

        # a model changes: it is linted again
        shutil.copy(FIXTURES / "tflite" / "rfft2d_float.tflite", good)
        client.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams(
                changes=[types.FileEvent(uri=good.as_uri(), type=types.FileChangeType.Changed)]
            )
        )
        await wait_for(client, lambda: codes(client, good) == ["OPL101"])

        # a model is deleted: its diagnostics are cleared
        bad.unlink()
        client.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams(
                changes=[types.FileEvent(uri=bad.as_uri(), type=types.FileChangeType.Deleted)]
            )
        )
        await wait_for(client, lambda: codes(client, bad) == [])

        # the configuration changes: everything is linted again under it
        (root / "pyproject.toml").write_text('[tool.oplint]\ntargets = ["tflite"]\n')
        client.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams(
                changes=[types.FileEvent(uri=(root / "pyproject.toml").as_uri(), type=types.FileChangeType.Changed)]
            )
        )
        await wait_for(client, lambda: codes(client, good) == [])

        await client.shutdown_async(None)
        client.exit(None)
    finally:
        await client.stop()


def test_server_session(tmp_path: Path) -> None:
    (tmp_path / "models").mkdir()
    shutil.copy(FIXTURES / "tflite" / "exp_int8.tflite", tmp_path / "models" / "exp_int8.tflite")
    shutil.copy(FIXTURES / "tflite" / "conv_int8.tflite", tmp_path / "models" / "conv_int8.tflite")
    (tmp_path / "pyproject.toml").write_text('[tool.oplint]\ntargets = ["tflm"]\n')
    asyncio.run(session(tmp_path))


def test_diagnostic_on_the_python_line() -> None:
    from oplint.core.findings import Finding, Location, Severity, Source
    from oplint.lsp import to_diagnostic

    loc = Location(
        "export/saved_model",
        0,
        3,
        "Cumprod",
        "model/cumprod/Cumprod",
        layer="model/cumprod",
        source=Source("train.py", 42),
    )
    f = Finding(loc, "OPL111", "tf-op-needs-flex", Severity.ERROR, "Cumprod needs Select TF ops", None, "tflm")
    diag = to_diagnostic(f, "file:///x/saved_model.pb", on_source=True)
    assert diag.range.start.line == 41 and "layer model/cumprod" in diag.message
    assert diag.related_information and diag.related_information[0].location.uri == "file:///x/saved_model.pb"
