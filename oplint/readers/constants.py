"""The values of small constant tensors (a reshape's new shape, a pad's paddings, an axis).

The model reader never reads buffers: weights can be gigabytes.  A few delegate checks need the
values of tiny parameter tensors, so this module reads exactly those, on demand: it opens the
file again, finds the tensor's buffer through the (bounds-checked) flatbuffer reader and decodes
at most :data:`MAX_ELEMENTS` numbers.  A value that cannot be read (the model was not read from
a file, the buffer lives outside the flatbuffer, the file changed) is ``None``, and callers
treat it as unknown.
"""

from __future__ import annotations

import mmap
import os
import struct
from typing import TYPE_CHECKING

from ..core import dtypes
from .flatbuf import FlatbufferError, Reader
from .tflite import BUFFER, MODEL

if TYPE_CHECKING:  # pragma: no cover
    from ..core.model import Model

MAX_ELEMENTS = 64
#: the types whose values are decoded (parameters: shapes, axes, paddings)
_FORMATS = {t: dtypes.STRUCT[t] for t in ("int32", "int64", "float32", "int16", "int8", "uint8")}
#: what reading a buffer of a file that changed, or of a hostile one, can raise
_UNREADABLE = (OSError, ValueError, FlatbufferError, struct.error, OverflowError, IndexError)

Values = tuple[float, ...]


class Buffers:
    """The constant buffers of one .tflite model, read on demand from its file.

    The file is mapped once, on first use, and only if it is still the file that was read (same
    size); :meth:`close` (or leaving a ``with`` block) unmaps it.  A buffer that cannot be read is
    None: callers treat its values as unknown."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self._reader: Reader | None = None
        self._positions: list[int] | None = None  #: where each buffer table is (tables made on demand)
        self._map: mmap.mmap | None = None

    def __enter__(self) -> Buffers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._map is not None:
            self._map.close()
            self._map = None

    def _buffer_positions(self) -> list[int]:
        if self._positions is None:
            self._positions = []
            if self.model.format != "tflite" or not os.path.isfile(self.model.path):
                return self._positions
            try:
                with open(self.model.path, "rb") as fh:
                    if os.fstat(fh.fileno()).st_size != self.model.size:
                        return self._positions  # not the file that was read
                    self._map = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
                self._reader = Reader(self._map)
                at = self._reader.root()._field(MODEL["buffers"], 4)
                self._positions = self._reader.table_positions(at) if at else []
            except _UNREADABLE:
                self._positions = []
        return self._positions

    def raw(self, buffer: int, limit: int | None = None, outside: bool = True) -> bytes | None:
        """The bytes of a buffer (its first ``limit`` bytes): inside the flatbuffer, or with
        ``outside`` also a buffer stored after it (``offset``/``size``, models over 2 GB)."""
        positions = self._buffer_positions()
        if not 0 < buffer < len(positions) or self._reader is None:
            return None
        try:
            table = self._reader.table(positions[buffer])
            vec = table.vector(BUFFER["data"], 1)
            if vec is not None and vec[1] > 0:
                start, n = vec
                return bytes(table.r.buf[start : start + (n if limit is None else min(n, limit))])
            offset, size = table.u64(BUFFER["offset"]), table.u64(BUFFER["size"])
            if outside and offset > 1 and size and self._map is not None and offset + size <= len(self._map):
                return bytes(self._map[offset : offset + (size if limit is None else min(size, limit))])
        except _UNREADABLE:
            return None
        return None

    def size(self, buffer: int) -> int:
        """The byte length of a buffer, without reading it."""
        positions = self._buffer_positions()
        if not 0 < buffer < len(positions) or self._reader is None:
            return 0
        try:
            table = self._reader.table(positions[buffer])
            vec = table.vector(BUFFER["data"], 1)
            if vec is not None and vec[1] > 0:
                return vec[1]
            offset, size = table.u64(BUFFER["offset"]), table.u64(BUFFER["size"])
            if offset > 1 and size and self._map is not None and offset + size <= len(self._map):
                return size
        except _UNREADABLE:
            return 0
        return 0


def constant_values(model: Model, graph: int, tensor: int) -> Values | None:
    """The values of a small constant tensor of ``model``, or None when they cannot be read."""
    cache: dict[tuple[int, int], Values | None] = model.derived("constant-values", dict)
    key = (graph, tensor)
    if key not in cache:
        cache[key] = _read(model, graph, tensor)
    return cache[key]


def _read(model: Model, graph: int, index: int) -> Values | None:
    if model.format != "tflite" or not (0 <= graph < len(model.graphs)):
        return None
    t = model.graphs[graph].tensor(index)
    if t is None or not t.is_const or t.dtype not in _FORMATS or t.shape is None:
        return None
    count = 1
    for d in t.shape:
        count *= max(d, 0)
    if count > MAX_ELEMENTS:
        return None
    code = _FORMATS[t.dtype]
    size = struct.calcsize("<" + code) * count
    with Buffers(model) as buffers:
        # parameters stored after the flatbuffer are not read (callers treat them as unknown)
        raw = buffers.raw(t.buffer, size, outside=False)
    if raw is None or len(raw) != size:
        return None
    return tuple(struct.unpack(f"<{count}{code}", raw))
