"""The LSP server end to end with a real client (pygls' LanguageClient) over stdio: initialize
with a modern client's capabilities, diagnostics for every model (a SavedModel with its metadata
files among them), progress, the file watchers it registers, the quick fix applied and parsed
back, a changed model, a SavedModel's metadata file changing, a deleted model, a configuration
change, shutdown."""

from __future__ import annotations

import asyncio
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import FIXTURES

pytest.importorskip("pygls")
from lsprotocol import types
from pygls.lsp.client import LanguageClient

from oplint.core.files import parse_toml
from oplint.lsp.positions import offset_at

pytestmark = pytest.mark.slow
TIMEOUT = 60.0

CAPABILITIES = types.ClientCapabilities(
    general=types.GeneralClientCapabilities(position_encodings=["utf-16", "utf-8"]),
    window=types.WindowClientCapabilities(work_done_progress=True),
    workspace=types.WorkspaceClientCapabilities(
        did_change_watched_files=types.DidChangeWatchedFilesClientCapabilities(dynamic_registration=True),
        workspace_edit=types.WorkspaceEditClientCapabilities(document_changes=True),
    ),
)


class Client(LanguageClient):
    def __init__(self) -> None:
        super().__init__("oplint-test", "0")
        self.diagnostics: dict[str, list[types.Diagnostic]] = {}
        self.changed = asyncio.Event()
        self.registrations: list[types.Registration] = []
        self.progress_created: list[Any] = []
        self.progress_values: list[Any] = []


def make_client() -> Client:
    client = Client()

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def publish(ls: Client, params: types.PublishDiagnosticsParams) -> None:
        ls.diagnostics[params.uri] = params.diagnostics
        ls.changed.set()

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(ls: Client, params: types.RegistrationParams) -> None:
        ls.registrations.extend(params.registrations)

    @client.feature(types.WINDOW_WORK_DONE_PROGRESS_CREATE)
    def create(ls: Client, params: types.WorkDoneProgressCreateParams) -> None:
        ls.progress_created.append(params.token)

    @client.feature(types.PROGRESS)
    def progress(ls: Client, params: types.ProgressParams) -> None:
        ls.progress_values.append(params.value)
        ls.changed.set()

    @client.feature(types.WINDOW_SHOW_MESSAGE)
    def message(ls: Client, params: types.ShowMessageParams) -> None:
        pass

    return client


async def wait_for(client: Client, predicate: Callable[[], bool]) -> None:
    async def loop() -> None:
        while not predicate():
            client.changed.clear()
            await client.changed.wait()

    await asyncio.wait_for(loop(), TIMEOUT)


def codes(client: Client, path: Path) -> list[str]:
    return sorted(str(d.code) for d in client.diagnostics.get(path.as_uri(), []))


def kind(value: Any) -> str:
    return str(value.get("kind") if isinstance(value, dict) else getattr(value, "kind", ""))


def apply(text: str, edits: list[types.TextEdit], encoding: str) -> str:
    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        start = offset_at(text, edit.range.start, encoding)
        end = offset_at(text, edit.range.end, encoding)
        text = text[:start] + edit.new_text + text[end:]
    return text


def notify_files(client: Client, *changes: tuple[Path, types.FileChangeType]) -> None:
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(changes=[types.FileEvent(uri=p.as_uri(), type=t) for p, t in changes])
    )


async def session(root: Path) -> None:
    client = make_client()
    await client.start_io(sys.executable, "-m", "oplint", "server")
    try:
        result = await asyncio.wait_for(
            client.initialize_async(
                types.InitializeParams(
                    capabilities=CAPABILITIES,
                    root_uri=root.as_uri(),
                    workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="models")],
                )
            ),
            TIMEOUT,
        )
        assert result.capabilities.position_encoding == "utf-8"  # offered: preferred over utf-16
        client.initialized(types.InitializedParams())
        bad, good = root / "models" / "exp_int8.tflite", root / "models" / "conv_int8.tflite"
        saved = root / "models" / "export" / "saved_model.pb"
        await wait_for(client, lambda: all(p.as_uri() in client.diagnostics for p in (bad, good, saved)))
        assert codes(client, bad) == ["OPL201"] and codes(client, good) == []
        assert codes(client, saved) == ["OPL111"]
        # SavedModel metadata is part of the SavedModel, never a GraphDef of its own
        assert not [u for u in client.diagnostics if u.endswith(("fingerprint.pb", "keras_metadata.pb"))]
        diag = client.diagnostics[bad.as_uri()][0]
        assert diag.source == "oplint" and diag.range.start.line == 0 and "[tflm]" in diag.message
        (registration,) = [r for r in client.registrations if r.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES]
        options = registration.register_options
        watchers = options["watchers"] if isinstance(options, dict) else options.watchers
        globs = {w["globPattern"] if isinstance(w, dict) else w.glob_pattern for w in watchers}
        assert {"**/*.tflite", "**/*.pb", "**/pyproject.toml"} <= globs
        await wait_for(client, lambda: any(kind(v) == "end" for v in client.progress_values))
        assert client.progress_created and kind(client.progress_values[0]) == "begin"

        # the code action: one edit that leaves pyproject.toml valid, with the entry it needs
        actions = await asyncio.wait_for(
            client.text_document_code_action_async(
                types.CodeActionParams(
                    text_document=types.TextDocumentIdentifier(uri=bad.as_uri()),
                    range=diag.range,
                    context=types.CodeActionContext(diagnostics=[diag]),
                )
            ),
            TIMEOUT,
        )
        assert actions and "Ignore OPL201" in actions[0].title
        (change,) = actions[0].edit.document_changes
        assert change.text_document.uri == (root / "pyproject.toml").as_uri()
        config = root / "pyproject.toml"
        text = apply(config.read_text(encoding="utf-8"), change.edits, "utf-8")
        (entry,) = parse_toml(text)["tool"]["oplint"]["ignore-findings"]
        assert entry["path"] == "models/exp_int8.tflite" and entry["code"] == "OPL201" and entry["target"] == "tflm"

        # a model changes: it is linted again
        shutil.copy(FIXTURES / "tflite" / "rfft2d_float.tflite", good)
        notify_files(client, (good, types.FileChangeType.Changed))
        await wait_for(client, lambda: codes(client, good) == ["OPL101"])

        # a SavedModel's metadata file changes: the SavedModel is linted again, not the file
        client.diagnostics.pop(saved.as_uri())
        notify_files(client, (saved.parent / "fingerprint.pb", types.FileChangeType.Changed))
        await wait_for(client, lambda: saved.as_uri() in client.diagnostics)
        assert codes(client, saved) == ["OPL111"]
        assert (saved.parent / "fingerprint.pb").as_uri() not in client.diagnostics

        # a model is deleted: its diagnostics are cleared
        bad.unlink()
        notify_files(client, (bad, types.FileChangeType.Deleted))
        await wait_for(client, lambda: codes(client, bad) == [])

        # the configuration changes: everything is linted again under it
        config.write_text('[tool.oplint]\ntargets = ["tflite"]\n')
        notify_files(client, (config, types.FileChangeType.Changed))
        await wait_for(client, lambda: codes(client, good) == [])

        # a custom target with the firmware's resolver: the model needs SOFTMAX, the firmware lacks it
        shutil.copy(FIXTURES / "tflite" / "conv_int8.tflite", good)
        ops = root / "src" / "model_ops.cc"
        ops.parent.mkdir()
        ops.write_text("static tflite::MicroMutableOpResolver<2> r;\nvoid f() { r.AddConv2D(); }\n")
        config.write_text('[tool.oplint.targets.board]\nextends = "tflm"\nresolver = "src/model_ops.cc"\n')
        notify_files(client, (config, types.FileChangeType.Changed), (good, types.FileChangeType.Changed))
        await wait_for(client, lambda: codes(client, good) == ["OPL107"])
        assert "[board]" in client.diagnostics[good.as_uri()][0].message
        # the firmware registers it: the change of the resolver source re-lints
        ops.write_text("static tflite::MicroMutableOpResolver<2> r;\nvoid f() { r.AddConv2D(); r.AddSoftmax(); }\n")
        notify_files(client, (ops, types.FileChangeType.Changed))
        await wait_for(client, lambda: codes(client, good) == [])

        await asyncio.wait_for(client.shutdown_async(None), TIMEOUT)
        client.exit(None)
    finally:
        server = client._server
        if server is not None:
            try:
                await asyncio.wait_for(server.wait(), 10)
            except asyncio.TimeoutError:
                server.kill()  # a failed assertion must not leave the test waiting for it
        await asyncio.wait_for(client.stop(), TIMEOUT)


def savedmodel_with_metadata(folder: Path) -> None:
    """A TF2 export as recent TensorFlow writes it: the graph plus metadata protobufs."""
    shutil.copytree(FIXTURES / "savedmodel" / "cumprod", folder)
    (folder / "fingerprint.pb").write_bytes(b"\x08\x01\x10\x02")  # not a GraphDef
    (folder / "keras_metadata.pb").write_bytes(b"\x12\x00")
    (folder / "assets.extra").mkdir()
    (folder / "assets.extra" / "tf_serving_warmup_requests.pb").write_bytes(b"\x0a\x00")


def test_server_session(tmp_path: Path) -> None:
    (tmp_path / "models").mkdir()
    shutil.copy(FIXTURES / "tflite" / "exp_int8.tflite", tmp_path / "models" / "exp_int8.tflite")
    shutil.copy(FIXTURES / "tflite" / "conv_int8.tflite", tmp_path / "models" / "conv_int8.tflite")
    savedmodel_with_metadata(tmp_path / "models" / "export")
    (tmp_path / "pyproject.toml").write_text('[tool.oplint]\ntargets = ["tflm"]\n')
    asyncio.run(session(tmp_path))


def test_diagnostic_on_the_python_line() -> None:
    from oplint.core.findings import Finding, Location, Severity, Source
    from oplint.lsp.diagnostics import to_diagnostic

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
    assert diag.range.start.line == 41 and diag.range.end.line == 42 and "layer model/cumprod" in diag.message
    assert diag.related_information and diag.related_information[0].location.uri == "file:///x/saved_model.pb"
