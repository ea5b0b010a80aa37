"""``oplint server``: a Language Server over stdio (pygls 2, ``pip install 'oplint[lsp]'``).

A thin adapter over the same lint API the CLI uses (``oplint.api``):

* after ``initialized`` it lints every model of the workspace folders in the background and
  publishes diagnostics per model URI as each completes, opened or not (models are binary,
  editors rarely open them: the LSP 3.17 "project system" case), with ``$/progress`` reports when
  the client accepts them; requests are answered meanwhile (:mod:`.linter`);
* it asks the client to watch models, SavedModel files and pyproject.toml when the client can
  register watchers dynamically, coalesces bursts of file events, re-lints a changed model, clears
  a deleted one and re-lints everything when a configuration changes (``didChangeWatchedFiles``,
  or ``didSave``); a file inside a SavedModel means that SavedModel (:mod:`.projects`);
* each model is linted with its own project's configuration (the closest pyproject.toml with
  ``[tool.oplint]``), one prepared run per configuration;
* findings with a Python source line (SavedModel debug info) are published on that line too;
* a code action adds an ``ignore-findings`` entry for a finding to pyproject.toml, as one
  insertion that keeps the file valid TOML (:mod:`.toml_edit`), at a position counted in the
  encoding negotiated with the client (:mod:`.positions`);
* the stdio reader recovers from a wrong ``Content-Length`` and answers malformed requests with
  a JSON-RPC error (:mod:`.transport`).

Binary models get the range 0:0-0:0; the op's place is in the message and in ``data``.
"""

from __future__ import annotations

from .server import OplintServer, create_server, main

__all__ = ["OplintServer", "create_server", "main"]
