"""JSON-RPC over stdio that survives a bad frame.

pygls 2's reader (``pygls.io_.run_async``) trusts the ``Content-Length`` header: a negative or
non-numeric value never matches its pattern, so the body is read as header lines and swallows the
next message's header; a value too large makes it wait for bytes that only the next message brings,
then hands it a body it cannot parse; a message that does not deserialize (invalid ``params``)
raises inside ``json.loads`` and is dropped with no reply, so the client waits forever.

Here a :class:`Framer` splits the byte stream into messages and falls back on the JSON itself
when the declared length is missing or wrong: the body is then the JSON value that starts after
the header block, up to the next ``Content-Length:`` header (which can never occur inside a valid
JSON body: a raw line break is not allowed in a JSON string, and the bare word is not JSON).  What
cannot be recovered becomes a JSON-RPC "Parse error" reply (id null), and :func:`dispatch` answers
a request that is not valid JSON-RPC, or whose params do not match the method, with an error
response carrying its id.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, BinaryIO, NamedTuple

from pygls.exceptions import JsonRpcException

if TYPE_CHECKING:  # pragma: no cover
    from pygls.lsp.server import LanguageServer

log = logging.getLogger(__name__)

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
#: no byte for this long while part of a message is buffered: the client is waiting for a reply
IDLE_S = 0.2
MAX_BODY = 1 << 28  #: a declared length above this is taken as wrong
HEADER_MARGIN = 256  #: a header line split across two reads is found again from this far back
CHUNK = 1 << 16

_HEADER_LINE = re.compile(rb"[A-Za-z][A-Za-z0-9-]*[ \t]*:[^\r\n]*\r?\n")
_HEADER_END = re.compile(rb"\r?\n\r?\n")
_CONTENT_LENGTH = re.compile(rb"^content-length[ \t]*:[ \t]*([^\r\n]*?)[ \t]*\r?$", re.IGNORECASE | re.MULTILINE)
#: a Content-Length header line: never inside a valid JSON body
_NEXT_HEADER = re.compile(rb"content-length[ \t]*:[^\r\n]*\r?\n", re.IGNORECASE)
_WHITESPACE = b" \t\r\n"
_DECODER = json.JSONDecoder()


class Frame(NamedTuple):
    message: Any  #: the decoded JSON value, or None when ``error`` is set
    error: str | None = None


class Framer:
    """Splits a byte stream into JSON-RPC messages (``Content-Length`` framing), recovering the
    message boundary from the JSON when a header lies."""

    def __init__(self) -> None:
        self.buf = bytearray()
        self._clean = 0  #: no header starts in buf[:_clean] past the current header block

    def feed(self, data: bytes) -> None:
        self.buf += data

    @property
    def pending(self) -> bool:
        """Part of a message is buffered (frames() leaves no leading whitespace)."""
        return bool(self.buf)

    def _consume(self, n: int) -> None:
        del self.buf[:n]
        self._clean = 0

    def _next_header(self, start: int) -> re.Match[bytes] | None:
        """The next Content-Length header at or after ``start``; a large body arriving in chunks
        is searched once, not again with every chunk."""
        found = _NEXT_HEADER.search(self.buf, max(start, self._clean - HEADER_MARGIN))
        if found is None:
            self._clean = len(self.buf)
        return found

    def frames(self, idle: bool = False) -> list[Frame]:
        """Every complete message now buffered.  ``idle``: nothing more arrived for a while, so a
        complete JSON body shorter than its declared length is taken as it is."""
        out = []
        while (frame := self._next(idle)) is not None:
            out.append(frame)
        return out

    def _next(self, idle: bool) -> Frame | None:
        buf = self.buf
        start = len(buf) - len(buf.lstrip(_WHITESPACE))
        if start:
            self._consume(start)
        if not buf:
            return None
        if not _HEADER_LINE.match(buf):
            header = self._next_header(0)
            if header is None:
                if idle and b"\n" in buf:
                    junk = bytes(buf)
                    self._consume(len(buf))
                    return Frame(None, f"not a JSON-RPC message: {junk[:40]!r}")
                return None
            junk = bytes(buf[: header.start()])
            self._consume(header.start())
            return Frame(None, f"not a JSON-RPC message: {junk[:40]!r}")
        end = _HEADER_END.search(buf)
        if end is None:
            return None
        body_start = end.end()
        declared = _CONTENT_LENGTH.search(buf, 0, end.start() + 1)
        length = None
        if declared is not None and declared.group(1).isdigit() and int(declared.group(1)) <= MAX_BODY:
            length = int(declared.group(1))
        if length is not None:
            if len(buf) - body_start >= length:
                try:
                    message = json.loads(bytes(buf[body_start : body_start + length]))
                except ValueError:
                    pass  # the length was wrong (or the body is not JSON): recover below
                else:
                    self._consume(body_start + length)
                    return Frame(message)
            elif self._next_header(body_start) is None:
                if not idle:
                    return None  # the rest of the body is on its way
                found = self._decode(body_start, len(buf))
                if found is not None and not buf[found[1] :].strip(_WHITESPACE):
                    self._consume(found[1])
                    return Frame(found[0])
                return None
        # the declared length is missing, negative, not a number or wrong: the body is the JSON
        # value after the headers, which ends before the next header at the latest
        header = self._next_header(body_start)
        if header is None and not idle and self._last_byte() not in b"}]":
            return None  # a JSON-RPC message ends with "}": the rest is on its way
        limit = header.start() if header is not None else len(buf)
        found = self._decode(body_start, limit)
        if found is not None:
            self._consume(found[1])
            return Frame(found[0])
        if header is not None:
            junk = bytes(buf[body_start:limit])
            self._consume(limit)
            return Frame(None, f"a message body that is not JSON: {junk[:40]!r}")
        return None  # perhaps incomplete: wait for more

    def _last_byte(self) -> int:
        end = len(self.buf)
        while end and self.buf[end - 1] in _WHITESPACE:
            end -= 1
        return self.buf[end - 1] if end else 0

    def _decode(self, start: int, limit: int) -> tuple[Any, int] | None:
        """The JSON value at ``buf[start:limit]`` and the buffer index after it (and after the
        whitespace that follows), or None."""
        text = bytes(self.buf[start:limit]).decode("utf-8", "surrogateescape")
        begin = len(text) - len(text.lstrip())
        try:
            value, end = _DECODER.raw_decode(text, begin)
        except ValueError:
            return None
        end += len(text[end:]) - len(text[end:].lstrip())
        return value, start + len(text[:end].encode("utf-8", "surrogateescape"))


def _send_error(server: LanguageServer, msg_id: Any, code: int, message: str) -> None:
    server.protocol._send_data({"jsonrpc": "2.0", "id": msg_id, "error": {"code": code, "message": message}})


def dispatch(server: LanguageServer, frame: Frame) -> None:
    """Hand one frame to pygls, answering what pygls would drop without a reply."""
    if frame.error is not None:
        log.warning("parse error: %s", frame.error)
        _send_error(server, None, PARSE_ERROR, f"Parse error: {frame.error}")
        return
    obj = frame.message
    if not isinstance(obj, dict):
        _send_error(server, None, INVALID_REQUEST, "Invalid Request: a JSON-RPC message is an object")
        return
    has_id = "id" in obj and (obj["id"] is None or isinstance(obj["id"], (int, str)))
    msg_id = obj.get("id") if has_id else None
    is_request = "method" in obj and has_id
    if obj.get("jsonrpc") != "2.0" or ("method" in obj and not isinstance(obj["method"], str)):
        if "method" in obj and "id" in obj:
            _send_error(server, msg_id, INVALID_REQUEST, "Invalid Request: not a JSON-RPC 2.0 request")
        return
    if "method" in obj and "id" in obj and not has_id:
        _send_error(server, None, INVALID_REQUEST, "Invalid Request: an id is a number or a string")
        return
    protocol = server.protocol
    if is_request and protocol._shutdown and obj["method"] != "exit":
        _send_error(server, msg_id, INVALID_REQUEST, "Invalid Request: the server is shutting down")
        return
    try:
        message = protocol.structure_message(obj)
    except JsonRpcException as exc:
        cause = f" ({type(exc.__cause__).__name__})" if exc.__cause__ is not None else ""
        log.warning("cannot read %s%s", obj.get("method", "a message"), cause)
        if is_request:
            _send_error(server, msg_id, exc.code, f"{exc.message} for {obj['method']}{cause}")
        return
    protocol.handle_message(message)


async def serve(server: LanguageServer, stdin: BinaryIO, stop: threading.Event) -> None:
    """Read messages from ``stdin`` until it closes or ``stop`` is set; dispatch each on this loop."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    try:  # the file descriptor: a thread blocked in a buffered read would hold its lock at exit
        fd = stdin.fileno()
        read: Callable[[int], bytes] = lambda n: os.read(fd, n)  # noqa: E731
    except (AttributeError, OSError, ValueError):
        read = getattr(stdin, "read1", stdin.read)

    def pump() -> None:  # a daemon thread: a blocked read never keeps the process alive
        while True:
            try:
                data = read(CHUNK)
            except (OSError, ValueError):
                data = b""
            loop.call_soon_threadsafe(queue.put_nowait, data)
            if not data:
                return

    threading.Thread(target=pump, name="oplint-stdin", daemon=True).start()
    framer = Framer()
    while not stop.is_set():
        try:
            data: bytes | None = await asyncio.wait_for(queue.get(), IDLE_S if framer.pending else None)
        except asyncio.TimeoutError:
            data = None
        if data:
            framer.feed(data)
        for frame in framer.frames(idle=not data):
            try:
                dispatch(server, frame)
            except Exception:  # a bug in a handler must not end the session
                log.exception("cannot handle a message")
        if data == b"":
            return
