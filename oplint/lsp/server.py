"""The language server: LSP handlers over the background linter (pygls 2).

Every handler returns at once: linting happens on the worker thread of :mod:`.linter`, which
publishes diagnostics per model as each completes and reports ``$/progress`` when the client
accepts work-done progress.  File watching is registered only when the client offers dynamic
registration for ``workspace/didChangeWatchedFiles``; otherwise the server relies on
``didSave`` of open documents and stats the models it linted every few seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import itertools
import logging
import os
import sys
import threading
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any, BinaryIO

import attrs
from lsprotocol import types
from pygls.io_ import StdoutWriter
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method
from pygls.uris import to_fs_path

from .. import __version__
from ..api import Config
from ..run.discover import MODEL_SUFFIXES
from ..run.suppress import relpath
from .diagnostics import config_error, uri_of
from .linter import Linter
from .positions import UTF16, choose_encoding, position_at
from .projects import BASELINE_NAME, CONFIG_NAME, within
from .toml_edit import add_entry, entry_fields
from .transport import serve

log = logging.getLogger(__name__)

#: files the client is asked to watch: models, what SavedModels are made of, the configuration
WATCH_GLOBS = (
    *(f"**/*{suffix}" for suffix in MODEL_SUFFIXES),
    *(f"**/{pattern}" for pattern in Config().include),  # .bin files that are TFLite flatbuffers
    "**/*.pb",
    "**/*.pbtxt",
    "**/variables/*",
    f"**/{CONFIG_NAME}",
    f"**/{BASELINE_NAME}",
    # C/C++ sources a firmware's op resolver is read from (``resolver =``): a change re-lints
    *(f"**/*{suffix}" for suffix in (".cc", ".cpp", ".c", ".h", ".hpp", ".ino")),
)
POLL_S = 2.0  #: without file watching, how often the linted models are checked for changes
PROGRESS_EVERY = 10  #: report progress every this many models (and at the end)


def text(value: object) -> str:
    """An LSP string enum's value (``str()`` of a str-Enum member is its qualified name)."""
    return str(value.value) if isinstance(value, enum.Enum) else str(value)


def path_of(uri: str) -> str:
    """The file a ``file:`` URI names (percent-decoded, Windows drives and UNC paths included)."""
    return to_fs_path(uri) or uri


class Protocol(LanguageServerProtocol):
    """pygls' protocol with the position encoding chosen as this server prefers."""

    @lsp_method(types.INITIALIZE)
    def lsp_initialize(self, params: types.InitializeParams) -> Generator[Any, Any, types.InitializeResult]:
        general = params.capabilities.general or types.GeneralClientCapabilities()
        offered = [text(e) for e in general.position_encodings or ()]
        chosen = choose_encoding(offered)
        capabilities = attrs.evolve(params.capabilities, general=attrs.evolve(general, position_encodings=[chosen]))
        result: types.InitializeResult = yield from super().lsp_initialize(
            attrs.evolve(params, capabilities=capabilities)
        )
        return result


class OplintServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("oplint", __version__, protocol_cls=Protocol)
        self.loop: asyncio.AbstractEventLoop | None = None
        self.linter: Linter | None = None
        # state of what the client shows; touched on the event loop only
        self.model_uris: dict[str, str] = {}  #: model path -> uri its diagnostics are on
        self.source_diagnostics: dict[str, dict[str, list[types.Diagnostic]]] = {}  #: source uri -> model -> diags
        self.error_uris: set[str] = set()
        self.shown_errors: set[str] = set()
        self.progress_token: str | None = None
        self.progress_ready = False
        self.progress_ids = itertools.count(1)
        self.progress_last = 0

    # -- transport ----------------------------------------------------------------------------
    def start_io(self, stdin: BinaryIO | None = None, stdout: BinaryIO | None = None) -> None:
        """pygls' stdio server with a reader that recovers from bad frames (see .transport)."""
        self._stop_event = threading.Event()
        self.protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))

        async def main() -> None:
            self.loop = asyncio.get_running_loop()
            await serve(self, stdin or sys.stdin.buffer, self._stop_event)  # type: ignore[arg-type]

        code: str | int | None = 0
        try:
            asyncio.run(main())
        except BrokenPipeError:
            log.error("the client went away")
        except KeyboardInterrupt:
            pass
        except SystemExit as exc:  # the exit notification: 0 after a shutdown request, else 1
            code = exc.code
        finally:
            if self.linter is not None:
                self.linter.stop()
            self.shutdown()  # type: ignore[no-untyped-call]
        if code:
            sys.exit(code)

    def post(self, call: Callable[[], None]) -> None:
        """Run ``call`` on the event loop (from the worker thread)."""
        if self.loop is None:
            return
        with contextlib.suppress(RuntimeError):  # a closed loop: the session is over
            self.loop.call_soon_threadsafe(self._guarded, call)

    @staticmethod
    def _guarded(call: Callable[[], None]) -> None:
        try:
            call()
        except Exception:
            log.exception("oplint: cannot send a result")

    # -- what the client supports ---------------------------------------------------------------
    @property
    def encoding(self) -> str:
        caps = self.protocol.server_capabilities if hasattr(self.protocol, "server_capabilities") else None
        return text(caps.position_encoding) if caps is not None and caps.position_encoding else UTF16

    def can_watch(self) -> bool:
        watched = self.client_capabilities.workspace and self.client_capabilities.workspace.did_change_watched_files
        return bool(watched and watched.dynamic_registration)

    def can_show_progress(self) -> bool:
        window = self.client_capabilities.window
        return bool(window and window.work_done_progress)

    def roots(self) -> list[str]:
        folders = self.workspace.folders
        if folders:
            return [path_of(f.uri) for f in folders.values()]
        root = self.workspace.root_path
        return [root] if root else []

    # -- publishing (on the event loop) ------------------------------------------------------------
    def publish(self, uri: str, diagnostics: list[types.Diagnostic]) -> None:
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics))

    def publish_model(
        self, model: str, uri: str, own: list[types.Diagnostic], sources: dict[str, list[types.Diagnostic]]
    ) -> None:
        old = self.model_uris.get(model)
        if old is not None and old != uri:
            self.publish(old, [])
        self.model_uris[model] = uri
        self.publish(uri, own)
        self._publish_sources(model, sources)

    def clear_model(self, model: str) -> None:
        uri = self.model_uris.pop(model, None)
        if uri is not None:
            self.publish(uri, [])
        self._publish_sources(model, {})

    def _publish_sources(self, model: str, by_source: dict[str, list[types.Diagnostic]]) -> None:
        touched = {s for s, per_model in self.source_diagnostics.items() if model in per_model}
        for source, diags in by_source.items():
            self.source_diagnostics.setdefault(source, {})[model] = diags
        for source in touched - set(by_source):
            self.source_diagnostics[source].pop(model, None)
        for source in touched | set(by_source):
            per_model = self.source_diagnostics.get(source, {})
            self.publish(source, [d for diags in per_model.values() for d in diags])
            if not per_model:
                self.source_diagnostics.pop(source, None)

    def config_errors(self, errors: dict[str, str]) -> None:
        uris = set()
        for where, message in errors.items():
            if message not in self.shown_errors:
                self.shown_errors.add(message)
                self.window_show_message(types.ShowMessageParams(types.MessageType.Error, f"oplint: {message}"))
            if os.path.isfile(where):
                uri = uri_of(where)
                uris.add(uri)
                self.publish(uri, [config_error(message)])
        for uri in self.error_uris - uris:
            self.publish(uri, [])
        self.error_uris = uris
        self.shown_errors &= set(errors.values())

    # -- $/progress (on the event loop) ----------------------------------------------------------
    def progress_begin(self, total: int) -> None:
        if not self.can_show_progress():
            return
        token = f"oplint-lint-{next(self.progress_ids)}"
        self.progress_token, self.progress_ready, self.progress_last = token, False, 0

        def created(future: Any) -> None:
            if future.exception() is not None or self.progress_token != token:
                return
            self.progress_ready = True
            self.progress(
                types.ProgressParams(
                    token=token,
                    value=types.WorkDoneProgressBegin(
                        title="oplint", message=f"linting {total} models", percentage=0, cancellable=False
                    ),
                )
            )

        future = self.window_work_done_progress_create(types.WorkDoneProgressCreateParams(token=token))
        future.add_done_callback(created)

    def progress_report(self, done: int, total: int, model: str) -> None:
        if not self.progress_ready or self.progress_token is None:
            return
        if done - self.progress_last < PROGRESS_EVERY and done < total:
            return
        self.progress_last = done
        value = types.WorkDoneProgressReport(
            message=f"{done}/{total} models: {os.path.basename(model)}",
            percentage=min(100, done * 100 // max(total, 1)),
        )
        self.progress(types.ProgressParams(token=self.progress_token, value=value))

    def progress_end(self, done: int) -> None:
        token, ready = self.progress_token, self.progress_ready
        self.progress_token, self.progress_ready = None, False
        if token is not None and ready:
            message = f"linted {done} model{'s' if done != 1 else ''}"
            self.progress(types.ProgressParams(token=token, value=types.WorkDoneProgressEnd(message=message)))

    # -- the quick fix --------------------------------------------------------------------------------
    def ignore_action(self, diag: types.Diagnostic) -> types.CodeAction | None:
        data = diag.data if isinstance(diag.data, dict) else None
        if diag.source != "oplint" or not data or not data.get("code") or not data.get("path"):
            return None
        model = os.path.abspath(str(data["path"]))
        config = self.config_file_for(model)
        if config is None or not within(model, str(config.parent)):
            return None
        fields = entry_fields(
            relpath(model, config.parent),
            str(data["code"]),
            str(data["node"]) if data.get("node") else None,
            str(data["target"]) if data.get("target") else None,
        )
        uri = config.as_uri()
        document = self.workspace.text_documents.get(uri)
        if document is not None:
            text, version = document.source, document.version
        elif config.is_file():
            try:
                text, version = config.read_bytes().decode("utf-8"), None
            except (OSError, UnicodeDecodeError):
                return None
        else:
            text, version = "", None
        insertion = add_entry(text, fields)
        if insertion is None:
            return None
        at = position_at(text, insertion.offset, self.encoding)
        edit = types.TextEdit(range=types.Range(start=at, end=at), new_text=insertion.text)
        workspace_edit = self._workspace_edit(config, uri, version, edit)
        if workspace_edit is None:
            return None
        what = "this op" if data.get("node") else "this model"
        return types.CodeAction(
            title=f"Ignore {data['code']} for {what} in {CONFIG_NAME}",
            kind=types.CodeActionKind.QuickFix,
            diagnostics=[diag],
            edit=workspace_edit,
        )

    def _workspace_edit(
        self, config: Path, uri: str, version: int | None, edit: types.TextEdit
    ) -> types.WorkspaceEdit | None:
        caps = self.client_capabilities.workspace
        edit_caps = caps.workspace_edit if caps else None
        document_changes = bool(edit_caps and edit_caps.document_changes)
        operations = [text(o) for o in (edit_caps.resource_operations or ())] if edit_caps else []
        if not config.exists():
            if not document_changes or types.ResourceOperationKind.Create.value not in operations:
                return None  # the client cannot create the file
            return types.WorkspaceEdit(
                document_changes=[
                    types.CreateFile(uri=uri, options=types.CreateFileOptions(ignore_if_exists=True)),
                    types.TextDocumentEdit(
                        text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=None),
                        edits=[edit],
                    ),
                ]
            )
        if document_changes:
            return types.WorkspaceEdit(
                document_changes=[
                    types.TextDocumentEdit(
                        text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version),
                        edits=[edit],
                    )
                ]
            )
        return types.WorkspaceEdit(changes={uri: [edit]})

    def config_file_for(self, model: str) -> Path | None:
        """The pyproject.toml whose ``[tool.oplint]`` governs ``model``: its project's, else the
        one at the top of its workspace folder (created by the edit when missing)."""
        from ..run.config import find_pyproject

        try:
            found = find_pyproject(Path(model if os.path.isdir(model) else os.path.dirname(model)))
        except Exception:
            return None
        if found is not None:
            return found
        root = next((r for r in sorted(self.roots(), key=len, reverse=True) if within(model, r)), None)
        return Path(root) / CONFIG_NAME if root else None


def create_server() -> OplintServer:
    server = OplintServer()

    @server.feature(types.INITIALIZED)
    def initialized(ls: OplintServer, params: types.InitializedParams) -> None:
        watch = ls.can_watch()
        ls.linter = Linter(ls, poll_s=None if watch else POLL_S)
        ls.linter.start()
        ls.linter.reload(ls.roots())
        if watch:
            watchers = [types.FileSystemWatcher(glob_pattern=g) for g in WATCH_GLOBS]
            ls.client_register_capability(
                types.RegistrationParams(
                    registrations=[
                        types.Registration(
                            id="oplint-watch",
                            method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                            register_options=types.DidChangeWatchedFilesRegistrationOptions(watchers=watchers),
                        )
                    ]
                )
            )

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def changed(ls: OplintServer, params: types.DidChangeWatchedFilesParams) -> None:
        if ls.linter is not None:
            ls.linter.changed(path_of(c.uri) for c in params.changes)

    @server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    def folders(ls: OplintServer, params: types.DidChangeWorkspaceFoldersParams) -> None:
        if ls.linter is not None:
            ls.linter.reload(ls.roots())

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def saved(ls: OplintServer, params: types.DidSaveTextDocumentParams) -> None:
        if ls.linter is not None:
            ls.linter.changed([path_of(params.text_document.uri)], debounce=False)

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: OplintServer, params: None) -> None:
        if ls.linter is not None:
            ls.linter.stop()

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix])
    )
    def code_action(ls: OplintServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        actions = []
        for diag in params.context.diagnostics:
            action = ls.ignore_action(diag)
            if action is not None:
                actions.append(action)
        return actions

    return server


def main() -> None:
    create_server().start_io()
