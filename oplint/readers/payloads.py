"""Payloads the model reader skips, read on demand: metadata buffers and custom options.

The model reader records only the size of each metadata entry and of each op's custom options.
A few checks need their bytes: models already compiled for a phone NPU carry a ``LiteRtStamp``
metadata entry (which vendor and SoC) and ``DISPATCH_OP`` custom ops whose options are a FlexBuffer
map (``{bytecode_size, bytecode_offset, name}``).  This module opens the file again, finds the
payload through the bounds-checked flatbuffer reader and returns at most ``limit`` bytes;
:func:`flexbuffer_map` decodes the flat maps those options are.  Anything that cannot be read is
``None``: callers treat it as unknown.
"""

from __future__ import annotations

import mmap
import os
import struct
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .flatbuf import FlatbufferError, Reader, Table
from .tflite import BUFFER, METADATA, MODEL, OPERATOR, SUBGRAPH, _slots

COMPOSITE = _slots("StableHLOCompositeOptions")

if TYPE_CHECKING:  # pragma: no cover
    from ..core.model import Model

#: what reading a file that changed, or a hostile one, can raise
_UNREADABLE = (OSError, ValueError, FlatbufferError, struct.error, OverflowError, IndexError, KeyError)


def _open(model: Model) -> tuple[mmap.mmap, Reader] | None:
    if model.format != "tflite" or not os.path.isfile(model.path):
        return None
    try:
        with open(model.path, "rb") as fh:
            if os.fstat(fh.fileno()).st_size != model.size or model.size == 0:
                return None  # not the file that was read
            mapped = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    except _UNREADABLE:
        return None
    return mapped, Reader(mapped)


def _read(model: Model, find: Callable[[Reader], bytes | None]) -> bytes | None:
    """``find`` run on the model's file, opened again (None: not that file, or unreadable)."""
    opened = _open(model)
    if opened is None:
        return None
    mapped, reader = opened
    try:
        return find(reader)
    except _UNREADABLE:
        return None
    finally:
        mapped.close()


def _operator(reader: Reader, graph: int, op: int) -> Table | None:
    graphs = reader.root().tables(MODEL["subgraphs"])
    if not 0 <= graph < len(graphs):
        return None
    ops = graphs[graph].tables(SUBGRAPH["operators"])
    return ops[op] if 0 <= op < len(ops) else None


def metadata(model: Model, name: str, limit: int = 4096) -> bytes | None:
    """The first ``limit`` bytes of the metadata entry ``name`` (None: absent or unreadable)."""
    if name not in model.metadata:
        return None

    def find(reader: Reader) -> bytes | None:
        root = reader.root()
        buffers = root.tables(MODEL["buffers"])
        for entry in root.tables(MODEL["metadata"]):
            if entry.string(METADATA["name"]) != name:
                continue
            index = entry.u32(METADATA["buffer"])
            if not 0 <= index < len(buffers):
                return None
            return buffers[index].raw_bytes(BUFFER["data"], limit) or b""
        return None

    return _read(model, find)


def custom_options(model: Model, graph: int, op: int, limit: int = 4096) -> bytes | None:
    """The first ``limit`` bytes of an op's custom options (None: none, or unreadable)."""

    def find(reader: Reader) -> bytes | None:
        table = _operator(reader, graph, op)
        return None if table is None else table.raw_bytes(OPERATOR["custom_options"], limit)

    return _read(model, find)


def composite_attributes(model: Model, graph: int, op: int, limit: int = 4096) -> bytes | None:
    """A STABLEHLO_COMPOSITE's ``composite_attributes`` (a FlexBuffer map; the model reader keeps only
    its first bytes), or None."""

    def find(reader: Reader) -> bytes | None:
        table = _operator(reader, graph, op)
        options = None if table is None else table.table(OPERATOR["builtin_options_2"])
        return None if options is None else options.raw_bytes(COMPOSITE["composite_attributes"], limit)

    return _read(model, find)


def file_size(model: Model) -> int:
    """The model file's size in bytes (0 when it is not a file): byte code may follow the flatbuffer."""
    return model.size if os.path.isfile(model.path) else 0


# -- FlexBuffers ---------------------------------------------------------------------------
# The subset of the FlexBuffers format (flatbuffers/flexbuffers.h) a flat map of scalars and
# strings uses: the root's width and packed type are the last two bytes; a map's keys vector,
# its key width and its length stand just before its values; each value's packed type
# (type << 2 | log2 width) follows the values.
_INT, _UINT, _FLOAT, _KEY, _STRING = 1, 2, 3, 4, 5
_INDIRECT_INT, _INDIRECT_UINT, _INDIRECT_FLOAT, _MAP, _BOOL = 6, 7, 8, 9, 26
_UNSIGNED = {1: "B", 2: "H", 4: "I", 8: "Q"}
_SIGNED = {1: "b", 2: "h", 4: "i", 8: "q"}
_FLOATS = {4: "f", 8: "d"}


def _uint(data: bytes, at: int, width: int) -> int:
    if width not in _UNSIGNED or at < 0 or at + width > len(data):
        raise ValueError("flexbuffer read out of range")
    value: int = struct.unpack_from("<" + _UNSIGNED[width], data, at)[0]
    return value


def _scalar(data: bytes, at: int, width: int, kind: int) -> Any:
    if kind == _UINT:
        return _uint(data, at, width)
    if kind in (_INT, _BOOL):
        if width not in _SIGNED or at < 0 or at + width > len(data):
            raise ValueError("flexbuffer read out of range")
        value = struct.unpack_from("<" + _SIGNED[width], data, at)[0]
        return bool(value) if kind == _BOOL else value
    if kind == _FLOAT:
        if width not in _FLOATS or at < 0 or at + width > len(data):
            raise ValueError("flexbuffer read out of range")
        return struct.unpack_from("<" + _FLOATS[width], data, at)[0]
    raise ValueError(f"flexbuffer type {kind} is not a scalar")


def _cstring(data: bytes, at: int) -> str:
    end = data.find(b"\0", at)
    if at < 0 or end < 0:
        raise ValueError("unterminated flexbuffer string")
    return data[at:end].decode("utf-8", "replace")


def _value(data: bytes, at: int, parent_width: int, packed: int) -> Any:
    kind, width = packed >> 2, 1 << (packed & 3)
    if kind in (_INT, _UINT, _FLOAT, _BOOL):
        return _scalar(data, at, parent_width, kind)
    target = at - _uint(data, at, parent_width)
    if kind in (_INDIRECT_INT, _INDIRECT_UINT, _INDIRECT_FLOAT):
        return _scalar(data, target, width, kind - _INDIRECT_INT + _INT)
    if kind == _STRING:
        size = _uint(data, target - width, width)
        if target + size > len(data):
            raise ValueError("flexbuffer string out of range")
        return data[target : target + size].decode("utf-8", "replace")
    if kind == _KEY:
        return _cstring(data, target)
    return None  # nested vectors and maps are not decoded


def flexbuffer_map(data: bytes | None) -> dict[str, Any] | None:
    """A FlexBuffer whose root is a map, as a dict of its scalar and string values (nested values
    are None); None when the bytes are not such a map."""
    if not data or len(data) < 3:
        return None
    try:
        root_width = data[-1]
        packed = data[-2]
        root_at = len(data) - 2 - root_width
        if packed >> 2 != _MAP:
            return None
        width = 1 << (packed & 3)
        at = root_at - _uint(data, root_at, root_width)  # the map's first value
        size = _uint(data, at - width, width)
        keys_width = _uint(data, at - 2 * width, width)
        keys_field = at - 3 * width
        keys_at = keys_field - _uint(data, keys_field, width)
        if size > len(data):
            return None
        out: dict[str, Any] = {}
        for i in range(size):
            key_field = keys_at + i * keys_width
            key = _cstring(data, key_field - _uint(data, key_field, keys_width))
            value_packed = data[at + size * width + i]
            out[key] = _value(data, at + i * width, width, value_packed)
        return out
    except (ValueError, IndexError, struct.error):
        return None
