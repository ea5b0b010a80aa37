"""The background linter in process, with a fake server: what it lints, how often, and what it
publishes (the end-to-end tests go through a real client)."""

from __future__ import annotations

import shutil
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import FIXTURES

pytest.importorskip("pygls")
from lsprotocol import types

import oplint.lsp.linter as linter_module
from oplint.lsp.linter import Linter

TIMEOUT = 60.0


class FakeServer:
    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.published: dict[str, list[types.Diagnostic]] = {}
        self.cond = threading.Condition()

    def post(self, call: Callable[[], None]) -> None:
        call()

    def _record(self, name: str, value: Any) -> None:
        with self.cond:
            self.calls.append((name, value))
            self.cond.notify_all()

    def publish_model(
        self, model: str, uri: str, own: list[types.Diagnostic], sources: dict[str, list[types.Diagnostic]]
    ) -> None:
        self.published[model] = own
        self._record("publish", model)

    def clear_model(self, model: str) -> None:
        self.published.pop(model, None)
        self._record("clear", model)

    def config_errors(self, errors: dict[str, str]) -> None:
        self._record("errors", errors)

    def progress_begin(self, total: int) -> None:
        self._record("begin", total)

    def progress_report(self, done: int, total: int, model: str) -> None:
        self._record("report", (done, total))

    def progress_end(self, done: int) -> None:
        self._record("end", done)

    def ends(self) -> int:
        return sum(1 for name, _ in self.calls if name == "end")

    def wait_ends(self, n: int) -> None:
        deadline = time.monotonic() + TIMEOUT
        with self.cond:
            while self.ends() < n:
                assert time.monotonic() < deadline, self.calls[-10:]
                self.cond.wait(0.1)


@pytest.fixture
def workspace(tmp_path: Path) -> list[Path]:
    out = []
    for i, name in enumerate(["conv_int8.tflite", "exp_int8.tflite", "rfft2d_float.tflite"]):
        path = tmp_path / f"m{i}_{name}"
        shutil.copy(FIXTURES / "tflite" / name, path)
        out.append(path)
    (tmp_path / "pyproject.toml").write_text('[tool.oplint]\ntargets = ["tflm"]\n')
    return out


def counting(monkeypatch: pytest.MonkeyPatch, effect: Callable[[str, int], None] | None = None) -> Counter[str]:
    counts: Counter[str] = Counter()
    real = linter_module.lint_file

    def lint_file(path: str, run: Any) -> Any:
        counts[path] += 1
        if effect is not None:
            effect(path, counts[path])
        return real(path, run)

    monkeypatch.setattr(linter_module, "lint_file", lint_file)
    return counts


def test_scan_then_a_burst_lints_each_model_once(workspace: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    counts = counting(monkeypatch)
    server = FakeServer()
    linter = Linter(server, debounce_s=1.0)  # type: ignore[arg-type]  # a busy machine: 1 s between calls
    linter.start()
    try:
        linter.reload([str(workspace[0].parent)])
        server.wait_ends(1)
        assert sorted(counts.values()) == [1, 1, 1]
        assert [c for c in server.calls if c[0] in ("begin", "end")] == [("begin", 3), ("end", 3)]
        assert ("report", (3, 3)) in server.calls
        # 999 events about the same three models, in several notifications: coalesced
        for chunk in range(3):
            linter.changed(str(workspace[(chunk + i) % 3]) for i in range(333))
        server.wait_ends(2)
        assert sorted(counts.values()) == [2, 2, 2]
        assert sorted(str(m) for m in server.published) == sorted(str(m) for m in workspace)
    finally:
        linter.stop()


def test_a_model_written_while_it_is_read_is_linted_again(
    workspace: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    target = str(workspace[1])

    def grow(path: str, n: int) -> None:
        if path == target and n == 1:
            with open(path, "ab") as fh:  # the exporter is still writing
                fh.write(b"\0" * 16)

    counts = counting(monkeypatch, grow)
    server = FakeServer()
    linter = Linter(server, debounce_s=0.01)  # type: ignore[arg-type]
    linter.start()
    try:
        linter.reload([str(workspace[0].parent)])
        deadline = time.monotonic() + TIMEOUT
        while counts[target] < 2 or target not in server.published:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        assert [c for c in server.calls if c == ("publish", target)] == [("publish", target)]
    finally:
        linter.stop()


def test_a_crash_is_a_diagnostic_and_the_rest_go_on(workspace: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(path: str, n: int) -> None:
        if path == str(workspace[0]):
            raise RecursionError("maximum recursion depth exceeded")

    counting(monkeypatch, crash)
    server = FakeServer()
    linter = Linter(server)  # type: ignore[arg-type]
    linter.start()
    try:
        linter.reload([str(workspace[0].parent)])
        server.wait_ends(1)
        (diag,) = server.published[str(workspace[0])]
        assert diag.code == "OPL013" and "RecursionError" in diag.message
        assert [d.code for d in server.published[str(workspace[1])]] == ["OPL201"]
        assert str(workspace[2]) in server.published
    finally:
        linter.stop()


def test_a_configuration_change_reloads_and_clears_what_is_gone(workspace: list[Path]) -> None:
    server = FakeServer()
    linter = Linter(server, debounce_s=0.01)  # type: ignore[arg-type]
    linter.start()
    try:
        folder = workspace[0].parent
        linter.reload([str(folder)])
        server.wait_ends(1)
        (folder / "pyproject.toml").write_text(
            '[tool.oplint]\ntargets = ["tflite"]\nexclude = ["m0_*"]\n', encoding="utf-8"
        )
        linter.changed([str(folder / "pyproject.toml")])
        server.wait_ends(2)
        assert ("clear", str(workspace[0])) in server.calls
        assert server.published[str(workspace[1])] == []  # exp is fine on tflite
    finally:
        linter.stop()
