"""Linting in the background, so that the editor's requests are answered while models are linted.

One worker thread owns the lint state (the prepared projects, the models it knows, the models to
lint).  The server's handlers only hand it work and return at once:

* :meth:`Linter.reload`: scan the workspace folders again (on start and when a configuration
  changes) and lint every model;
* :meth:`Linter.changed`: files changed; a burst of events (a ``git checkout``, one
  ``didChangeWatchedFiles`` with 1,000 changes) is coalesced: the worker waits until no event
  arrived for ``debounce_s`` (at most ``MAX_WAIT_S`` after the first), maps each file to the model it
  means, drops duplicates and lints each model once.

Models are linted one at a time and published as each completes, so new work (or a reload) is
taken between two models.  A model whose check raises gets an error diagnostic and the others
carry on; a model that changes while it is read is linted again once it settles.  Results go
back to the server through ``Host.post``, which runs them on the server's event loop.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from functools import partial
from typing import Protocol

from lsprotocol import types

from ..api import lint_file
from ..core.files import savedmodel_file
from ..run.discover import discover
from .diagnostics import internal_error, model_diagnostics, uri_of
from .projects import Projects, is_config, is_model, model_of, within

log = logging.getLogger(__name__)

DEBOUNCE_S = 0.2  #: quiet time after the last file event before the burst is linted
MAX_WAIT_S = 2.0  #: a steady stream of events delays linting by at most this
SETTLE_TRIES = 5  #: a model still being written is linted again (after a debounce) this many times

Stamp = tuple[int, int]


def model_uri(model: str) -> str:
    """A SavedModel directory is shown on its saved_model.pb(txt)."""
    found = savedmodel_file(model) if os.path.isdir(model) else None
    return uri_of(found or model)


def stamp(path: str) -> Stamp | None:
    """What tells a changed model file: modification time and size."""
    target = savedmodel_file(path) if os.path.isdir(path) else path
    try:
        st = os.stat(target or path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size)


class Host(Protocol):
    """What the worker needs from the server; every call but ``post`` runs on the server's loop."""

    def post(self, call: Callable[[], None]) -> None: ...
    def publish_model(
        self, model: str, uri: str, own: list[types.Diagnostic], sources: dict[str, list[types.Diagnostic]]
    ) -> None: ...
    def clear_model(self, model: str) -> None: ...
    def config_errors(self, errors: dict[str, str]) -> None: ...
    def progress_begin(self, total: int) -> None: ...
    def progress_report(self, done: int, total: int, model: str) -> None: ...
    def progress_end(self, done: int) -> None: ...


class Linter:
    def __init__(self, host: Host, debounce_s: float = DEBOUNCE_S, poll_s: float | None = None) -> None:
        self.host = host
        self.debounce_s = debounce_s
        self.poll_s = poll_s  #: stat the known models this often (for clients that cannot watch files)
        self._cond = threading.Condition()
        self._roots: list[str] | None = None  #: set by reload(): scan these folders again
        self._events: dict[str, None] = {}
        self._first = 0.0
        self._due = 0.0
        self._stopped = False
        self._thread: threading.Thread | None = None
        # owned by the worker thread
        self.projects = Projects([])
        self.known: dict[str, Stamp | None] = {}  #: model -> its stamp when it was linted
        self.todo: dict[str, None] = {}
        self.tries: dict[str, int] = {}
        self.errors: dict[str, str] = {}
        self.config_stamps: dict[str, Stamp | None] = {}
        self.busy = False
        self.done = 0
        self.next_poll = 0.0

    # -- called from the server's thread ------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="oplint-lint", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()

    def reload(self, roots: Iterable[str]) -> None:
        """Read the configurations again, scan ``roots`` and lint every model (no debounce)."""
        with self._cond:
            self._roots = list(roots)
            self._cond.notify_all()

    def changed(self, paths: Iterable[str], debounce: bool = True) -> None:
        """Files were created, changed or deleted (or saved in the editor)."""
        now = time.monotonic()
        with self._cond:
            if not self._events:
                self._first = now
            self._events.update(dict.fromkeys(paths))
            self._due = min(now + (self.debounce_s if debounce else 0.0), self._first + MAX_WAIT_S)
            self._cond.notify_all()

    # -- the worker ---------------------------------------------------------------------------
    def _take(self) -> tuple[list[str] | None, list[str], bool] | None:
        """Wait for something to do: (folders to rescan, files changed, poll now); None: stop."""
        with self._cond:
            while True:
                if self._stopped:
                    return None
                now = time.monotonic()
                events_due = bool(self._events) and now >= self._due
                poll_due = self.poll_s is not None and bool(self.known) and now >= self.next_poll
                if self._roots is not None or events_due or poll_due or self.todo:
                    roots, self._roots = self._roots, None
                    events = list(self._events) if events_due else []
                    if events_due:
                        self._events.clear()
                    return roots, events, poll_due
                if self.busy:
                    return None, [], False  # the batch is over: say so
                waits = []
                if self._events:
                    waits.append(self._due - now)
                if self.poll_s is not None:
                    waits.append(max(self.next_poll - now, 0.05))
                self._cond.wait(min(waits) if waits else None)

    def _run(self) -> None:
        while True:
            work = self._take()
            if work is None:
                return
            roots, events, poll = work
            try:
                if roots is not None:
                    self._rescan(roots)
                if events:
                    self._map(events)
                if poll:
                    self._poll()
                if self.todo:
                    model = next(iter(self.todo))
                    del self.todo[model]
                    self._step(model)
                elif self.busy:
                    self.busy = False
                    self.host.post(partial(self.host.progress_end, self.done))
            except Exception:  # the worker must outlive any bug (the model at fault is off the list)
                log.exception("oplint: the background lint failed")

    def _step(self, model: str) -> None:
        if not self.busy:
            self.busy, self.done = True, 0
            total = len(self.todo) + 1
            self.host.post(partial(self.host.progress_begin, total))
        self._refresh(model)
        self.done += 1
        self.host.post(partial(self.host.progress_report, self.done, self.done + len(self.todo), model))

    def _rescan(self, roots: list[str]) -> None:
        self.projects = Projects(roots)
        self.config_stamps = {}
        models = self.projects.scan()
        keep = set(models)
        for model in [m for m in self.known if m not in keep]:
            self._clear(model)
        self.todo = dict.fromkeys(models)
        self._sync_errors()

    def _map(self, paths: list[str]) -> None:
        """Turn changed files into the models to lint again."""
        sources = self.projects.resolver_sources()
        if any(is_config(p) or os.path.abspath(p) in sources for p in paths):
            self._rescan(self.projects.roots)  # the configuration or a firmware's resolver changed
            return
        for path in dict.fromkeys(os.path.abspath(p) for p in paths):
            if self.projects.root_of(path) is None:
                continue  # outside the workspace folders
            project = self.projects.project(path)
            model = model_of(path, self.known, project.run.config if project.run is not None else None)
            if model is not None:
                self._want(model)
            elif os.path.isdir(path):  # a folder appeared (copied, checked out): what it holds
                if project.run is not None:
                    for found in discover([path], project.run.config)[0]:
                        self._want(os.path.abspath(found))
            elif not os.path.exists(path):  # a folder went away: the models it held
                for known in [m for m in self.known if within(m, path)]:
                    self._want(known)

    def _want(self, model: str) -> None:
        if model in self.known or not self.projects.excluded(model):
            self.todo.setdefault(model, None)

    def _poll(self) -> None:
        """For clients that cannot watch files: stat what was linted, and the configurations."""
        self.next_poll = time.monotonic() + (self.poll_s or 0.0)
        for project in self.projects.projects():
            if project.config_file is not None:
                key = str(project.config_file)
                now = stamp(key)
                if self.config_stamps.setdefault(key, now) != now:
                    self._rescan(self.projects.roots)
                    return
        for model, seen in list(self.known.items()):
            if stamp(model) != seen:
                self.todo.setdefault(model, None)

    def _refresh(self, model: str) -> None:
        if not is_model(model) or self.projects.excluded(model):
            self._clear(model)
            return
        project = self.projects.project(model)
        self._sync_errors()
        if project.run is None:
            self._clear(model)  # its configuration is broken: that is reported on the file
            return
        before = stamp(model)
        uri = model_uri(model)
        try:
            report = lint_file(model, project.run)
            own, sources = model_diagnostics(report, uri, project.run.config.root)
        except Exception as exc:
            log.exception("oplint failed on %s", model)
            own, sources = [internal_error(model, exc)], {}
        after = stamp(model)
        if before != after and self.tries.get(model, 0) < SETTLE_TRIES:
            self.tries[model] = self.tries.get(model, 0) + 1
            self.changed([model])  # written while we read it: once it settles
            return
        self.tries.pop(model, None)
        self.known[model] = after
        self.host.post(partial(self.host.publish_model, model, uri, own, sources))

    def _clear(self, model: str) -> None:
        self.known.pop(model, None)
        self.host.post(partial(self.host.clear_model, model))

    def _sync_errors(self) -> None:
        errors = {str(p.config_file or p.key): p.error for p in self.projects.projects() if p.error is not None}
        if errors != self.errors:
            self.errors = errors
            self.host.post(partial(self.host.config_errors, dict(errors)))
