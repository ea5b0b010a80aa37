"""A raw JSON-RPC client for the server over stdio: it writes exactly the bytes a test gives it
(bad headers included) and collects every message the server sends, on a reader thread."""

from __future__ import annotations

import itertools
import json
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

TIMEOUT = 60.0


def frame(message: Any, length: int | str | None = None) -> bytes:
    body = json.dumps(message).encode("utf-8")
    declared = len(body) if length is None else length
    return f"Content-Length: {declared}\r\n\r\n".encode("ascii") + body


class RawClient:
    def __init__(self, cwd: Path, command: Sequence[str] | None = None, env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen(
            list(command or [sys.executable, "-m", "oplint", "server"]),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
            env={**os.environ, **(env or {})},
        )
        self.messages: queue.Queue[dict[str, Any]] = queue.Queue()
        self.seen: list[dict[str, Any]] = []
        self.ids = itertools.count(1)
        self.times: dict[Any, float] = {}  #: response id -> when it arrived
        self.diagnostics: dict[str, list[dict[str, Any]]] = {}
        self.published: dict[str, float] = {}  #: uri -> when its diagnostics last arrived
        self.lock = threading.Lock()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.stderr: list[bytes] = []
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.stderr.append(line)

    def _read(self) -> None:
        out = self.proc.stdout
        assert out is not None
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode("ascii").partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            assert length is not None
            message = json.loads(out.read(length))
            now = time.monotonic()
            with self.lock:
                if message.get("method") == "textDocument/publishDiagnostics":
                    self.diagnostics[message["params"]["uri"]] = message["params"]["diagnostics"]
                    self.published[message["params"]["uri"]] = now
                if "id" in message and "method" not in message:
                    self.times[message["id"]] = now
                if "id" in message and message.get("method") in (
                    "client/registerCapability",
                    "window/workDoneProgress/create",
                ):
                    self.send({"jsonrpc": "2.0", "id": message["id"], "result": None})
                self.seen.append(message)
            self.messages.put(message)

    # -- sending ---------------------------------------------------------------------------
    def write(self, data: bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def send(self, message: dict[str, Any], length: int | str | None = None) -> None:
        self.write(frame(message, length))

    def request(self, method: str, params: Any, length: int | str | None = None) -> int:
        msg_id = next(self.ids)
        self.send({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params}, length)
        return msg_id

    def notify(self, method: str, params: Any) -> None:
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    # -- waiting ---------------------------------------------------------------------------
    def wait(self, predicate: Callable[[], bool], timeout: float = TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while True:
            with self.lock:
                if predicate():
                    return
            if time.monotonic() > deadline:
                raise TimeoutError(f"server stderr:\n{b''.join(self.stderr[-40:]).decode(errors='replace')}")
            time.sleep(0.01)

    def response(self, msg_id: Any, timeout: float = TIMEOUT) -> dict[str, Any]:
        found: list[dict[str, Any]] = []

        def arrived() -> bool:
            found.extend(m for m in self.seen if m.get("id") == msg_id and "method" not in m)
            return bool(found)

        self.wait(arrived, timeout)
        return found[0]

    def call(self, method: str, params: Any, timeout: float = TIMEOUT) -> dict[str, Any]:
        return self.response(self.request(method, params), timeout)

    def initialize(self, root: Path, capabilities: dict[str, Any] | None = None) -> dict[str, Any]:
        reply = self.call(
            "initialize",
            {
                "processId": os.getpid(),
                "rootUri": root.as_uri(),
                "capabilities": capabilities or {},
                "workspaceFolders": [{"uri": root.as_uri(), "name": root.name}],
            },
        )
        self.notify("initialized", {})
        return reply

    def close(self) -> None:
        try:
            if self.proc.poll() is None:
                self.call("shutdown", None, timeout=20)
                self.notify("exit", None)
                self.proc.wait(timeout=20)
        except (TimeoutError, OSError, subprocess.TimeoutExpired):
            pass
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
