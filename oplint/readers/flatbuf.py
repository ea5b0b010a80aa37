"""A small, bounds-checked flatbuffer reader.

Generated flatbuffer code trusts its input: a hostile offset or vector length makes it read
outside the buffer, raise an arbitrary exception, or allocate without limit.  This reader
checks every offset, vtable and vector length against the buffer before use and raises
:class:`FlatbufferError` instead.  Because flatbuffer object offsets (``uoffset_t``) are
unsigned and always point forward, following them can never loop; vector lengths are
bounded by the bytes that remain after them.

It reads from anything that supports the buffer protocol and slicing (``bytes``, ``mmap``),
so a memory-mapped model is read in place and weight buffers are never touched: a vector's
length is read without reading its elements.
"""

from __future__ import annotations

import struct
from typing import Any, Callable, Union

from ..core import dtypes

Buffer = Union[bytes, bytearray, memoryview, Any]  # Any: mmap.mmap

_U8 = struct.Struct("<B").unpack_from
_U16 = struct.Struct("<H").unpack_from
_I32 = struct.Struct("<i").unpack_from
_U32 = struct.Struct("<I").unpack_from
_U64 = struct.Struct("<Q").unpack_from

# element size and struct format of scalar types as named in tflite_schema.TABLES
SCALAR_FORMATS: dict[str, str] = {k: v for k, v in dtypes.STRUCT.items() if k not in ("float16",)}
_SCALAR_READERS: dict[str, tuple[int, Callable[[Buffer, int], tuple[Any, ...]]]] = {
    name: (struct.calcsize("<" + fmt), struct.Struct("<" + fmt).unpack_from) for name, fmt in SCALAR_FORMATS.items()
}


#: the (slot, byte width) of each field a fast reader wants from one kind of table
Layout = tuple[tuple[int, int], ...]


class FlatbufferError(ValueError):
    """The bytes are not a well-formed flatbuffer (out-of-bounds offset, bad vtable, ...)."""


class Reader:
    """Bounds-checked access to one flatbuffer."""

    __slots__ = ("_layouts", "_vtables", "buf", "size")

    def __init__(self, buf: Buffer) -> None:
        self.buf = buf
        self.size = len(buf)
        # vtable position -> (field offsets, object length); tables of one type share vtables,
        # so a model with 20,000 tensors has a handful of distinct ones
        self._vtables: dict[int, tuple[tuple[int, ...], int]] = {}
        # layout -> vtable position -> (offsets of the layout's fields, object length)
        self._layouts: dict[Layout, dict[int, tuple[tuple[int, ...], int]]] = {}

    # -- raw reads -----------------------------------------------------------------
    def _need(self, pos: int, n: int, what: str) -> None:
        if pos < 0 or pos + n > self.size:
            raise FlatbufferError(f"{what} at byte {pos} runs past the end of the file ({self.size} bytes)")

    def u32(self, pos: int) -> int:
        self._need(pos, 4, "offset")
        return int(_U32(self.buf, pos)[0])

    def uoffset(self, pos: int) -> int:
        """Follow the unsigned offset stored at ``pos``; returns the absolute target."""
        self._need(pos, 4, "offset")
        target = pos + int(_U32(self.buf, pos)[0])
        if target >= self.size:
            raise FlatbufferError(f"offset at byte {pos} points past the end of the file")
        return target

    def offsets(self, pos: int, layout: Layout) -> tuple[int, ...]:
        """Offsets, from ``pos``, of the fields ``layout`` names in the table at ``pos`` (0: absent).

        The fast path for tables read by the thousand (tensors, operators): one vtable lookup per
        table, the slots resolved and bounds-checked once per distinct vtable."""
        if pos < 0 or pos + 4 > self.size:
            raise FlatbufferError(f"table at byte {pos} runs past the end of the file ({self.size} bytes)")
        vt = pos - _I32(self.buf, pos)[0]
        by_vtable = self._layouts.get(layout)
        if by_vtable is None:
            by_vtable = self._layouts[layout] = {}
        cached = by_vtable.get(vt)
        if cached is None:
            table = self.table(pos)  # validates the vtable
            rel = []
            for slot, width in layout:
                off = table.offsets[slot] if slot < len(table.offsets) else 0
                if off and off + width > table.obj_len:
                    raise FlatbufferError(f"field {slot} of the table at byte {pos} lies outside the table")
                rel.append(off)
            cached = by_vtable[vt] = (tuple(rel), table.obj_len)
        if pos + cached[1] > self.size:
            raise FlatbufferError(f"table at byte {pos} runs past the end of the file")
        return cached[0]

    def fields(self, pos: int, layout: Layout) -> tuple[int, ...]:
        """Absolute positions of the fields ``layout`` names in the table at ``pos`` (0: absent)."""
        return tuple([pos + off if off else 0 for off in self.offsets(pos, layout)])

    def vector_at(self, at: int, elem_size: int) -> tuple[int, int]:
        """(start, count) of the vector whose offset is stored at ``at`` (a field position)."""
        vpos = at + int(_U32(self.buf, at)[0])
        start = vpos + 4
        if start > self.size:
            raise FlatbufferError(f"vector at byte {at} points past the end of the file")
        n = int(_U32(self.buf, vpos)[0])
        if n * elem_size > self.size - start:
            raise FlatbufferError(f"vector at byte {vpos} claims {n} elements, more than the file holds")
        return start, n

    def table_positions(self, at: int) -> list[int]:
        """Absolute positions of the tables of the vector whose offset is stored at ``at``."""
        start, n = self.vector_at(at, 4)
        if not n:
            return []
        rel = struct.unpack_from(f"<{n}I", self.buf, start)
        return [start + 4 * i + off for i, off in enumerate(rel)]

    def int32s_at(self, at: int, limit: int | None = None) -> tuple[int, ...]:
        start, n = self.vector_at(at, 4)
        if limit is not None and n > limit:
            n = limit
        return struct.unpack_from(f"<{n}i", self.buf, start) if n else ()

    def scalars_at(self, at: int, kind: str, limit: int | None = None) -> tuple[Any, ...]:
        """The scalars (``kind`` as in :data:`SCALAR_FORMATS`) of the vector whose offset is at ``at``."""
        size = _SCALAR_READERS[kind][0]
        start, n = self.vector_at(at, size)
        if limit is not None and n > limit:
            n = limit
        return struct.unpack_from(f"<{n}{SCALAR_FORMATS[kind]}", self.buf, start) if n else ()

    def scalar_at(self, at: int, kind: str) -> Any:
        return _SCALAR_READERS[kind][1](self.buf, at)[0]

    def string_at(self, at: int) -> str:
        start, n = self.vector_at(at, 1)
        return bytes(self.buf[start : start + n]).decode("utf-8", "replace")

    def root(self) -> Table:
        return self.table(self.uoffset(0))

    def table(self, pos: int) -> Table:
        if pos < 0 or pos + 4 > self.size:
            raise FlatbufferError(f"table at byte {pos} runs past the end of the file ({self.size} bytes)")
        vt = pos - int(_I32(self.buf, pos)[0])
        cached = self._vtables.get(vt)
        if cached is None:
            if vt < 0 or vt + 4 > self.size:
                raise FlatbufferError(f"table at byte {pos} has a vtable outside the file")
            vt_len = int(_U16(self.buf, vt)[0])
            obj_len = int(_U16(self.buf, vt + 2)[0])
            if vt_len < 4 or vt_len & 1 or vt + vt_len > self.size:
                raise FlatbufferError(f"table at byte {pos} has a malformed vtable")
            offsets = struct.unpack_from(f"<{(vt_len - 4) // 2}H", self.buf, vt + 4)
            cached = self._vtables[vt] = (offsets, obj_len)
        offsets, obj_len = cached
        if obj_len < 4 or pos + obj_len > self.size:
            raise FlatbufferError(f"table at byte {pos} runs past the end of the file")
        return Table(self, pos, offsets, obj_len)


class Table:
    """One flatbuffer table; fields are addressed by vtable slot (see tflite_schema.TABLES)."""

    __slots__ = ("obj_len", "offsets", "pos", "r")

    def __init__(self, r: Reader, pos: int, offsets: tuple[int, ...], obj_len: int) -> None:
        self.r = r
        self.pos = pos
        self.offsets = offsets  #: the vtable's field offsets, by slot
        self.obj_len = obj_len

    def _field(self, slot: int, width: int) -> int:
        """Absolute position of a present field, or 0 when it is absent (default)."""
        offsets = self.offsets
        if slot >= len(offsets):
            return 0
        off = offsets[slot]
        if off == 0:
            return 0
        if off + width > self.obj_len:
            raise FlatbufferError(f"field {slot} of the table at byte {self.pos} lies outside the table")
        return self.pos + off

    def has(self, slot: int) -> bool:
        return self._field(slot, 1) != 0

    def scalar(self, slot: int, kind: str, default: Any = 0) -> Any:
        size, unpack = _SCALAR_READERS[kind]
        at = self._field(slot, size)
        if not at:
            return default
        return unpack(self.r.buf, at)[0]

    def u32(self, slot: int, default: int = 0) -> int:
        at = self._field(slot, 4)
        return int(_U32(self.r.buf, at)[0]) if at else default

    def i32(self, slot: int, default: int = 0) -> int:
        at = self._field(slot, 4)
        return int(_I32(self.r.buf, at)[0]) if at else default

    def u8(self, slot: int, default: int = 0) -> int:
        at = self._field(slot, 1)
        return int(_U8(self.r.buf, at)[0]) if at else default

    def u64(self, slot: int, default: int = 0) -> int:
        at = self._field(slot, 8)
        return int(_U64(self.r.buf, at)[0]) if at else default

    def table(self, slot: int) -> Table | None:
        at = self._field(slot, 4)
        if not at:
            return None
        return self.r.table(self.r.uoffset(at))

    def vector(self, slot: int, elem_size: int) -> tuple[int, int] | None:
        """(start of the first element, element count) of a vector field, bounds-checked."""
        # hot path: written out rather than composed from _field/uoffset/u32
        offsets = self.offsets
        if slot >= len(offsets) or offsets[slot] == 0:
            return None
        off = offsets[slot]
        if off + 4 > self.obj_len:
            raise FlatbufferError(f"field {slot} of the table at byte {self.pos} lies outside the table")
        at = self.pos + off
        r = self.r
        vpos = at + int(_U32(r.buf, at)[0])
        start = vpos + 4
        if start > r.size:
            raise FlatbufferError(f"vector at byte {at} points past the end of the file")
        n = int(_U32(r.buf, vpos)[0])
        if n * elem_size > r.size - start:
            raise FlatbufferError(f"vector at byte {vpos} claims {n} elements, more than the file holds")
        return start, n

    def vector_len(self, slot: int, elem_size: int = 1) -> int:
        vec = self.vector(slot, elem_size)
        return vec[1] if vec else 0

    def scalars(self, slot: int, kind: str, limit: int | None = None) -> tuple[Any, ...] | None:
        """A vector of scalars; ``None`` when absent.  ``limit`` caps how many are decoded."""
        size, _ = _SCALAR_READERS[kind]
        vec = self.vector(slot, size)
        if vec is None:
            return None
        start, n = vec
        if limit is not None and n > limit:
            n = limit
        if n == 0:
            return ()
        return struct.unpack_from(f"<{n}{SCALAR_FORMATS[kind]}", self.r.buf, start)

    def tables(self, slot: int) -> list[Table]:
        vec = self.vector(slot, 4)
        if vec is None or vec[1] == 0:
            return []
        start, n = vec
        r = self.r
        rel = struct.unpack_from(f"<{n}I", r.buf, start)
        return [r.table(start + 4 * i + off) for i, off in enumerate(rel)]

    def string(self, slot: int) -> str | None:
        vec = self.vector(slot, 1)
        if vec is None:
            return None
        start, n = vec
        return bytes(self.r.buf[start : start + n]).decode("utf-8", "replace")

    def raw_bytes(self, slot: int, limit: int) -> bytes | None:
        """The first ``limit`` bytes of a ``[ubyte]`` vector (for small metadata payloads)."""
        vec = self.vector(slot, 1)
        if vec is None:
            return None
        start, n = vec
        return bytes(self.r.buf[start : start + min(n, limit)])
