"""The stdio transport: lying Content-Length headers, bodies that are not JSON, requests that are
not valid JSON-RPC or whose params do not fit the method.  Every request gets a reply and the
messages after a bad frame are not lost (issue 12: pygls' own reader loses the next request)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.helpers import FIXTURES

pytest.importorskip("pygls")
from oplint.lsp.transport import Framer
from tests.lsp.rpc import RawClient, frame

REQUEST = {"jsonrpc": "2.0", "id": 7, "method": "shutdown"}
BODY = json.dumps(REQUEST).encode()


def frames(data: bytes, idle: bool = False, chunk: int | None = None) -> list[object]:
    framer = Framer()
    out: list[object] = []
    pieces = [data[i : i + chunk] for i in range(0, len(data), chunk)] if chunk else [data]
    for piece in pieces:
        framer.feed(piece)
        out.extend(f.message if f.error is None else "error" for f in framer.frames())
    if idle:
        out.extend(f.message if f.error is None else "error" for f in framer.frames(idle=True))
    return out


def test_well_formed_messages_in_any_chunking() -> None:
    data = frame(REQUEST) + b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n" + frame({"a": "é"})[0:]
    for chunk in (None, 1, 3, 17):
        assert frames(frame(REQUEST) + frame({"b": [1, {"c": "Content-Length: 5"}]}), chunk=chunk) == [
            REQUEST,
            {"b": [1, {"c": "Content-Length: 5"}]},
        ]
    assert frames(data)[0] == REQUEST


@pytest.mark.parametrize("length", ["-1", "-999", "abc", "", "99999999999999999999", "0"])
def test_an_unusable_length_is_recovered_from_the_json(length: str) -> None:
    bad = b"Content-Length: " + length.encode() + b"\r\n\r\n" + BODY
    assert frames(bad + frame({"next": 1})) == [REQUEST, {"next": 1}]


def test_a_length_too_large_does_not_swallow_the_next_message() -> None:
    assert frames(frame(REQUEST, len(BODY) + 40) + frame({"next": 1})) == [REQUEST, {"next": 1}]
    # the next message arrives later: once it does, both are read
    framer = Framer()
    framer.feed(frame(REQUEST, len(BODY) + 500))
    assert framer.frames() == []
    framer.feed(frame({"next": 1}))
    assert [f.message for f in framer.frames()] == [REQUEST, {"next": 1}]


def test_a_length_too_large_on_the_last_message_is_taken_when_the_client_waits() -> None:
    assert frames(frame(REQUEST, len(BODY) + 40)) == []
    assert frames(frame(REQUEST, len(BODY) + 40), idle=True) == [REQUEST]


def test_a_length_too_small_is_recovered() -> None:
    assert frames(frame(REQUEST, 10) + frame({"next": 1})) == [REQUEST, {"next": 1}]
    assert frames(frame(REQUEST, 10)) == [REQUEST]


def test_garbage_is_a_parse_error_and_the_stream_goes_on() -> None:
    assert frames(b"hello\r\n" + frame(REQUEST)) == ["error", REQUEST]
    assert frames(b"Content-Length: 5\r\n\r\nnot json at all" + frame(REQUEST)) == ["error", REQUEST]
    assert frames(b"garbage with no header\n", idle=True) == ["error"]


def test_a_large_message_in_many_reads() -> None:
    """didOpen of a big file arrives in 64 KiB reads; with a good or a bad length it is one message."""
    big = {"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"text": "x\ny" * 300_000}}
    body = json.dumps(big).encode()
    for length in (len(body), -1, len(body) + 100):
        assert frames(frame(big, length) + frame({"next": 1}), chunk=1 << 16, idle=True) == [big, {"next": 1}]


@pytest.fixture
def client(tmp_path: Path) -> RawClient:
    (tmp_path / "models").mkdir()
    shutil.copy(FIXTURES / "tflite" / "conv_int8.tflite", tmp_path / "models" / "conv_int8.tflite")
    c = RawClient(tmp_path)
    c.initialize(tmp_path)
    yield c
    c.close()


def _error(reply: dict[str, object]) -> int:
    error = reply.get("error")
    assert isinstance(error, dict), reply
    return int(error["code"])


@pytest.mark.slow
def test_invalid_params_get_an_error_reply(client: RawClient) -> None:
    reply = client.call("textDocument/codeAction", {"textDocument": 5})
    assert _error(reply) == -32602
    reply = client.call("textDocument/codeAction", [1, 2, 3])
    assert _error(reply) == -32602
    assert _error(client.call("no/such/method", {})) == -32601
    # not JSON-RPC 2.0: Invalid Request, with the id
    client.send({"jsonrpc": "1.0", "id": 99, "method": "shutdown"})
    assert _error(client.response(99)) == -32600
    # and the server still answers the next, valid request
    reply = client.call("textDocument/codeAction", _action_params(client))
    assert reply.get("result") == []


def _action_params(client: RawClient) -> dict[str, object]:
    zero = {"line": 0, "character": 0}
    return {
        "textDocument": {"uri": "file:///nowhere.tflite"},
        "range": {"start": zero, "end": zero},
        "context": {"diagnostics": []},
    }


@pytest.mark.slow
@pytest.mark.parametrize("length", ["-5", "abc", "+12", "10", "100000"])
def test_a_bad_content_length_loses_no_request(client: RawClient, length: str) -> None:
    first = client.request("textDocument/codeAction", _action_params(client), length=length)
    second = client.request("textDocument/codeAction", _action_params(client))
    assert client.response(second).get("result") == []
    assert client.response(first).get("result") == []


@pytest.mark.slow
def test_a_body_that_is_not_json_gets_a_parse_error(client: RawClient) -> None:
    client.write(b"Content-Length: 12\r\n\r\n{not json!!}")
    second = client.request("textDocument/codeAction", _action_params(client))
    assert client.response(second).get("result") == []
    assert any(m.get("id") is None and m.get("error", {}).get("code") == -32700 for m in client.seen)


@pytest.mark.slow
def test_exit_status_follows_the_protocol(tmp_path: Path) -> None:
    """0 after shutdown then exit, 1 for an exit without shutdown (LSP 3.17 "exit")."""
    for shut_down, status in ((True, 0), (False, 1)):
        c = RawClient(tmp_path)
        try:
            c.initialize(tmp_path)
            if shut_down:
                assert "error" not in c.call("shutdown", None)
            c.notify("exit", None)
            assert c.proc.wait(timeout=60) == status
        finally:
            c.close()
