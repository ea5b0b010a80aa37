"""``oplint server``: a Language Server over stdio (pygls 2, ``pip install 'oplint[lsp]'``).

A thin adapter over the same lint API the CLI uses (``oplint.api``):

* on ``initialized`` it lints every model in the workspace folders (config from their
  pyproject.toml) and publishes diagnostics per model URI, opened or not (models are binary,
  editors rarely open them: the LSP 3.17 "project system" case);
* it registers file watchers for models and pyproject.toml, re-lints a model when it is
  created or changed, clears it when deleted, and re-lints everything when the configuration
  changes (``didChangeWatchedFiles``, or ``didSave`` of pyproject.toml);
* a per-URI run counter drops results a newer run superseded;
* findings with a Python source line (SavedModel debug info) are published on that file and
  line as well;
* a code action adds an ``[[tool.oplint.ignore-findings]]`` entry for a finding to
  pyproject.toml.

Binary models get the range 0:0-0:0; the op's place is in the message and in ``data``.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from . import __version__
from .api import Config, ConfigError, Finding, ModelReport, Run, Severity, lint_file, load_config, prepare
from .core.files import savedmodel_file
from .run.discover import discover

SEVERITIES = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
}
MODEL_GLOBS = ("**/*.tflite", "**/saved_model.pb", "**/saved_model.pbtxt", "**/*.pb")
CONFIG_NAME = "pyproject.toml"
ZERO = types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=0))
STABLE_WAIT_S = 0.1  #: a model being written is linted once its size stops changing


def path_of(uri: str) -> str:
    parsed = urlparse(uri)
    return unquote(parsed.path) if parsed.scheme == "file" else uri


def uri_of(path: str) -> str:
    return Path(os.path.abspath(path)).as_uri()


def model_uri(path: str) -> str:
    """A SavedModel directory is shown on its saved_model.pb(txt)."""
    found = savedmodel_file(path) if os.path.isdir(path) else None
    return uri_of(found or path)


class OplintServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("oplint", __version__)
        self.lock = threading.Lock()
        self.runs: dict[str, Run] = {}  #: workspace root -> prepared run
        self.config_errors: dict[str, str] = {}
        self.generation: dict[str, int] = {}  #: model uri -> newest run number
        self.source_diagnostics: dict[str, dict[str, list[types.Diagnostic]]] = {}  #: source uri -> model -> diags
        self.published: set[str] = set()

    # -- configuration ---------------------------------------------------------------------
    def roots(self) -> list[str]:
        folders = self.workspace.folders
        if folders:
            return [path_of(f.uri) for f in folders.values()]
        root = self.workspace.root_path
        return [root] if root else []

    def load_runs(self) -> None:
        runs, errors = {}, {}
        for root in self.roots():
            try:
                config = load_config(cwd=Path(root))
                if config.root is None:
                    config = config._replace(root=Path(root))
                runs[root] = prepare(config)
            except ConfigError as exc:
                errors[root] = str(exc)
                self.window_show_message(types.ShowMessageParams(types.MessageType.Error, f"oplint: {exc}"))
        with self.lock:
            self.runs, self.config_errors = runs, errors

    def run_for(self, path: str) -> Run | None:
        best = None
        for root, run in self.runs.items():
            if os.path.abspath(path).startswith(os.path.abspath(root) + os.sep) and (
                best is None or len(root) > len(best[0])
            ):
                best = (root, run)
        return best[1] if best else None

    # -- linting ---------------------------------------------------------------------------
    def lint_workspace(self) -> None:
        for root, run in list(self.runs.items()):
            files, _ = discover([root], run.config)
            for path in files:
                self.lint_path(path)

    def lint_path(self, path: str) -> None:
        uri = model_uri(path)
        with self.lock:
            generation = self.generation.get(uri, 0) + 1
            self.generation[uri] = generation
        run = self.run_for(path)
        if run is None:
            return
        _wait_until_stable(path)
        report = lint_file(path, run)
        with self.lock:
            if self.generation.get(uri) != generation:
                return  # a newer run for this model started meanwhile: its result wins
        self.publish_model(uri, report)

    def clear(self, path: str) -> None:
        uri = model_uri(path) if os.path.exists(path) else uri_of(path)
        with self.lock:
            self.generation[uri] = self.generation.get(uri, 0) + 1
        self.publish(uri, [])
        self.publish_sources(uri, [])

    def publish(self, uri: str, diagnostics: list[types.Diagnostic]) -> None:
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics))
        if diagnostics:
            self.published.add(uri)
        else:
            self.published.discard(uri)

    def publish_model(self, uri: str, report: ModelReport) -> None:
        self.publish(uri, [to_diagnostic(f, uri) for f in report.findings])
        self.publish_sources(uri, [f for f in report.findings if f.location.source is not None])

    def publish_sources(self, model: str, findings: Iterable[Finding]) -> None:
        by_source: dict[str, list[types.Diagnostic]] = {}
        for f in findings:
            assert f.location.source is not None
            src = f.location.source.file
            if not os.path.isabs(src):
                root = self.run_for(path_of(model))
                base = root.config.root if root and root.config.root else Path(os.getcwd())
                src = str(Path(base) / src)
            by_source.setdefault(uri_of(src), []).append(to_diagnostic(f, model, on_source=True))
        touched = {s for s, per_model in self.source_diagnostics.items() if model in per_model}
        for source, diags in by_source.items():
            self.source_diagnostics.setdefault(source, {})[model] = diags
        for source in touched - set(by_source):
            self.source_diagnostics[source].pop(model, None)
        for source in touched | set(by_source):
            merged = [d for diags in self.source_diagnostics.get(source, {}).values() for d in diags]
            self.publish(source, merged)


def _wait_until_stable(path: str, attempts: int = 20) -> None:
    """A model rewritten while we look at it: wait until its size stops changing (bounded)."""
    try:
        size = os.stat(path).st_size
        for _ in range(attempts):
            time.sleep(STABLE_WAIT_S)
            now = os.stat(path).st_size
            if now == size:
                return
            size = now
    except OSError:
        return


def to_diagnostic(f: Finding, model_uri_: str, on_source: bool = False) -> types.Diagnostic:
    loc = f.location
    where = []
    if loc.op_index is not None:
        where.append(f"subgraph {loc.graph} op {loc.op_index}" + (f" '{loc.node}'" if loc.node else ""))
    if loc.layer:
        where.append(f"layer {loc.layer}")
    target = f" [{f.target}]" if f.target else ""
    message = f"{f.message}{target}" + (f" ({', '.join(where)})" if where else "")
    if f.hint:
        message += f"\nhelp: {f.hint}"
    rng = ZERO
    if on_source and loc.source is not None:
        line = max(0, loc.source.line - 1)
        rng = types.Range(start=types.Position(line=line, character=0), end=types.Position(line=line, character=1000))
    data: dict[str, Any] = {
        "code": f.code,
        "target": f.target,
        "path": loc.path,
        "graph": loc.graph,
        "op_index": loc.op_index,
        "node": loc.node,
        "fingerprint": f.fingerprint,
    }
    related = None
    if on_source:
        related = [
            types.DiagnosticRelatedInformation(
                location=types.Location(uri=model_uri_, range=ZERO), message="in this model"
            )
        ]
    return types.Diagnostic(
        range=rng,
        message=message,
        severity=SEVERITIES[f.severity],
        code=f.code,
        source="oplint",
        data=data,
        related_information=related,
    )


def ignore_entry(data: dict[str, Any], root: Path) -> str:
    """The pyproject.toml text that accepts the finding described by a diagnostic's data."""
    from .run.suppress import relpath

    lines = [
        "",
        "[[tool.oplint.ignore-findings]]",
        f"path = {_toml(relpath(str(data['path']), root))}",
        f"code = {_toml(str(data['code']))}",
    ]
    if data.get("node"):
        lines.append(f"node = {_toml(str(data['node']))}")
    if data.get("target"):
        lines.append(f"target = {_toml(str(data['target']))}")
    lines.append('reason = "TODO: say why this finding is accepted"')
    return "\n".join(lines) + "\n"


def _toml(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def create_server() -> OplintServer:
    server = OplintServer()

    @server.feature(types.INITIALIZED)
    def initialized(ls: OplintServer, params: types.InitializedParams) -> None:
        watchers = [types.FileSystemWatcher(glob_pattern=g) for g in (*MODEL_GLOBS, f"**/{CONFIG_NAME}")]
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
        ls.load_runs()
        ls.lint_workspace()

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def changed(ls: OplintServer, params: types.DidChangeWatchedFilesParams) -> None:
        paths = [(path_of(c.uri), c.type) for c in params.changes]
        if any(os.path.basename(p) == CONFIG_NAME for p, _ in paths):
            relint_all(ls)
            return
        for path, kind in paths:
            model = os.path.dirname(path) if os.path.basename(path).startswith("saved_model.pb") else path
            if kind == types.FileChangeType.Deleted:
                ls.clear(model)
            else:
                ls.lint_path(model)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def saved(ls: OplintServer, params: types.DidSaveTextDocumentParams) -> None:
        if os.path.basename(path_of(params.text_document.uri)) == CONFIG_NAME:
            relint_all(ls)

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix])
    )
    def code_action(ls: OplintServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        actions = []
        for diag in params.context.diagnostics:
            data = diag.data if isinstance(diag.data, dict) else None
            if diag.source != "oplint" or not data or not data.get("code") or not data.get("path"):
                continue
            run = ls.run_for(str(data["path"]))
            root = Path(run.config.root) if run and run.config.root else Path(ls.roots()[0] if ls.roots() else ".")
            config = root / CONFIG_NAME
            text = config.read_text(encoding="utf-8") if config.is_file() else ""
            end = types.Position(line=text.count("\n"), character=len(text.rsplit("\n", 1)[-1]))
            edit = types.TextEdit(range=types.Range(start=end, end=end), new_text=ignore_entry(data, root))
            actions.append(
                types.CodeAction(
                    title=f"Ignore {data['code']} for this op in {CONFIG_NAME}",
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[diag],
                    edit=types.WorkspaceEdit(changes={config.as_uri(): [edit]}),
                )
            )
        return actions

    return server


def relint_all(ls: OplintServer) -> None:
    stale = set(ls.published)
    ls.load_runs()
    for uri in stale:
        ls.publish(uri, [])
    ls.source_diagnostics.clear()
    ls.lint_workspace()


def main() -> None:
    create_server().start_io()


__all__ = ["Config", "create_server", "main"]
