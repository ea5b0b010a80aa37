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

from .flatbuf import FlatbufferError, Reader
from .tflite import B, M

if TYPE_CHECKING:  # pragma: no cover
    from ..core.model import Model

MAX_ELEMENTS = 64
_FORMATS = {"int32": "i", "int64": "q", "float32": "f", "int16": "h", "int8": "b", "uint8": "B"}

Values = tuple[float, ...]


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
    try:
        with open(model.path, "rb") as fh:
            if os.fstat(fh.fileno()).st_size != model.size:
                return None  # not the file that was read
            with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as buf:
                return _decode(Reader(buf), t.buffer, code, count, size)
    except (OSError, ValueError, FlatbufferError, struct.error):
        return None


def _decode(r: Reader, buffer: int, code: str, count: int, size: int) -> Values | None:
    buffers = r.root().tables(M["buffers"])
    if not (0 <= buffer < len(buffers)):
        return None
    raw = buffers[buffer].raw_bytes(B["data"], size)
    if raw is None or len(raw) != size:
        return None
    return tuple(struct.unpack(f"<{count}{code}", raw))
