"""The root group's string attributes of an HDF5 file, and nothing else: what a legacy Keras ``.h5``
keeps its model in (``model_config``, ``keras_version``, ``backend``).

Written from the HDF5 File Format Specification 3.0 for the layouts h5py writes (the measurements
behind this choice: ``fixtures/keras/HDF5.md``): superblock versions 0-3 (signature at 0, 512,
1024, ...), object headers versions 1 and 2 with their continuation blocks, attribute messages
versions 1-3, dataspace messages versions 1-2, and string datatypes: fixed-length (class 3) and
variable-length (class 9), whose bytes live in a global heap collection (``GCOL``).  Anything else
(dense attribute storage in a fractal heap, shared messages, other datatypes) is an
:class:`HDF5Error` naming it, never a guess.

Nothing from the file is trusted: every read goes through one bounds-checked accessor over the
memory-mapped file, every loop and allocation is bounded (:data:`MAX_MESSAGES`,
:data:`MAX_CONTINUATIONS`, :data:`MAX_ATTRIBUTE_BYTES`, :data:`MAX_HEAP_OBJECTS`), and the
checksums the format has (superblock v2/v3, ``OHDR`` and ``OCHK`` blocks: Jenkins lookup3) are
verified.  Weights are never read: only the superblock, the root object header and the heap
collections its string attributes point into are touched.
"""

from __future__ import annotations

import mmap
import os
from collections.abc import Iterator

SIGNATURE = b"\x89HDF\r\n\x1a\n"
MAX_MESSAGES = 4096  #: object header messages read before giving up
MAX_CONTINUATIONS = 64  #: object header continuation blocks followed
MAX_ATTRIBUTE_BYTES = 64 << 20  #: one attribute's value (a Keras model_config is KBs to a few MB)
MAX_HEAP_OBJECTS = 65536  #: objects walked in one global heap collection
MAX_RANK = 32  #: HDF5's own limit (H5S_MAX_RANK)
_UNDEFINED = -1  #: "undefined address" is all bits set, compared per size of offsets

# message types (HDF5 spec IV.A.2)
_DATASPACE, _DATATYPE, _ATTRIBUTE, _CONTINUATION, _ATTRIBUTE_INFO = 0x01, 0x03, 0x0C, 0x10, 0x15


class HDF5Error(Exception):
    """The file is not an HDF5 file this reader can read (truncated, corrupt or unsupported)."""


class _File:
    """Bounds-checked little-endian reads over the file's bytes."""

    __slots__ = ("data", "size")

    def __init__(self, data: bytes | mmap.mmap) -> None:
        self.data = data
        self.size = len(data)

    def get(self, off: int, n: int) -> bytes:
        if off < 0 or n < 0 or off + n > self.size:
            raise HDF5Error(f"a read of {n} bytes at offset {off} is outside the file ({self.size} bytes)")
        return bytes(self.data[off : off + n])

    def uint(self, off: int, n: int) -> int:
        return int.from_bytes(self.get(off, n), "little")


def _rot(x: int, k: int) -> int:
    return ((x << k) | (x >> (32 - k))) & 0xFFFFFFFF


def lookup3(data: bytes, initval: int = 0) -> int:
    """Bob Jenkins' lookup3 ``hashlittle``, the checksum of HDF5 metadata (H5_checksum_lookup3)."""
    mask = 0xFFFFFFFF
    a = b = c = (0xDEADBEEF + len(data) + initval) & mask
    length, p = len(data), 0
    while length > 12:
        a = (a + int.from_bytes(data[p : p + 4], "little")) & mask
        b = (b + int.from_bytes(data[p + 4 : p + 8], "little")) & mask
        c = (c + int.from_bytes(data[p + 8 : p + 12], "little")) & mask
        # mix(a, b, c)
        a = ((a - c) & mask) ^ _rot(c, 4)
        c = (c + b) & mask
        b = ((b - a) & mask) ^ _rot(a, 6)
        a = (a + c) & mask
        c = ((c - b) & mask) ^ _rot(b, 8)
        b = (b + a) & mask
        a = ((a - c) & mask) ^ _rot(c, 16)
        c = (c + b) & mask
        b = ((b - a) & mask) ^ _rot(a, 19)
        a = (a + c) & mask
        c = ((c - b) & mask) ^ _rot(b, 4)
        b = (b + a) & mask
        length -= 12
        p += 12
    if length == 0:
        return c
    tail = data[p:] + bytes(12 - length)
    a = (a + int.from_bytes(tail[0:4], "little")) & mask
    b = (b + int.from_bytes(tail[4:8], "little")) & mask
    c = (c + int.from_bytes(tail[8:12], "little")) & mask
    # final(a, b, c)
    c = ((c ^ b) - _rot(b, 14)) & mask
    a = ((a ^ c) - _rot(c, 11)) & mask
    b = ((b ^ a) - _rot(a, 25)) & mask
    c = ((c ^ b) - _rot(b, 16)) & mask
    a = ((a ^ c) - _rot(c, 4)) & mask
    b = ((b ^ a) - _rot(a, 14)) & mask
    c = ((c ^ b) - _rot(b, 24)) & mask
    return c


def _checksum(f: _File, start: int, end: int, what: str) -> None:
    """The 4 bytes at ``end`` are the lookup3 checksum of ``[start, end)``."""
    if f.uint(end, 4) != lookup3(f.get(start, end - start)):
        raise HDF5Error(f"{what}: checksum mismatch (the file is corrupt)")


class _Layout:
    __slots__ = ("base", "lengths", "offsets", "undefined")

    def __init__(self, offsets: int, lengths: int, base: int) -> None:
        if offsets not in (2, 4, 8) or lengths not in (2, 4, 8):
            raise HDF5Error(f"unsupported size of offsets/lengths: {offsets}/{lengths}")
        self.offsets = offsets
        self.lengths = lengths
        self.base = base
        self.undefined = (1 << (8 * offsets)) - 1


def _superblock(f: _File) -> tuple[int, _Layout]:
    """The root group's object header address and the file's layout."""
    sb = 0
    while True:
        if f.size < sb + 8:
            raise HDF5Error("not an HDF5 file (no signature at offset 0, 512, 1024, ...)")
        if f.get(sb, 8) == SIGNATURE:
            break
        sb = 512 if sb == 0 else sb * 2
    version = f.uint(sb + 8, 1)
    if version in (0, 1):
        lay = _Layout(f.uint(sb + 13, 1), f.uint(sb + 14, 1), 0)
        p = sb + 24 + (4 if version == 1 else 0)
        so = lay.offsets
        lay.base = f.uint(p, so)
        eof = f.uint(p + 2 * so, so)
        root = f.uint(p + 4 * so + so, so)  # root symbol table entry: link name offset, object header
    elif version in (2, 3):
        lay = _Layout(f.uint(sb + 9, 1), f.uint(sb + 10, 1), 0)
        so = lay.offsets
        end = sb + 12 + 4 * so
        _checksum(f, sb, end, "superblock")
        lay.base = f.uint(sb + 12, so)
        eof = f.uint(sb + 12 + 2 * so, so)
        root = f.uint(sb + 12 + 3 * so, so)
    else:
        raise HDF5Error(f"superblock version {version} is not supported")
    if eof != lay.undefined and eof > f.size:  # measured: absolute, user block included (HDF5.md)
        raise HDF5Error(f"truncated file: the superblock says {eof} bytes, the file has {f.size}")
    return lay.base + root, lay


def _messages(f: _File, addr: int, lay: _Layout) -> Iterator[tuple[int, int, int]]:
    """(type, data offset, data size) of every message of the object header at ``addr``."""
    blocks: list[tuple[int, int, int]] = []  # (start, end, header version)
    if f.get(addr, 4) == b"OHDR":
        if f.uint(addr + 4, 1) != 2:
            raise HDF5Error("object header: OHDR version is not 2")
        flags = f.uint(addr + 5, 1)
        p = addr + 6 + (16 if flags & 0x20 else 0) + (4 if flags & 0x10 else 0)
        width = 1 << (flags & 3)
        size0 = f.uint(p, width)
        p += width
        _checksum(f, addr, p + size0, "object header")
        blocks.append((p, p + size0, 2))
        creation_order = bool(flags & 0x04)
    else:
        version = f.uint(addr, 1)
        if version != 1:
            raise HDF5Error(f"object header version {version} is not supported")
        size0 = f.uint(addr + 8, 4)
        blocks.append((addr + 16, addr + 16 + size0, 1))
        creation_order = False
    seen = {addr}
    count = 0
    i = 0
    while i < len(blocks):
        start, end, hv = blocks[i]
        i += 1
        if end > f.size or start > end:
            raise HDF5Error("object header: a block runs past the end of the file")
        p = start
        while p + (4 if hv == 2 else 8) <= end:
            count += 1
            if count > MAX_MESSAGES:
                raise HDF5Error(f"object header: more than {MAX_MESSAGES} messages")
            if hv == 1:
                mtype, msize = f.uint(p, 2), f.uint(p + 2, 2)
                data = p + 8
            else:
                mtype, msize = f.uint(p, 1), f.uint(p + 1, 2)
                data = p + 4 + (2 if creation_order else 0)
            nxt = data + msize
            if nxt > end:
                raise HDF5Error("object header: a message runs past its block")
            if mtype == _CONTINUATION:
                caddr = lay.base + f.uint(data, lay.offsets)
                clen = f.uint(data + lay.offsets, lay.lengths)
                if caddr in seen or len(blocks) > MAX_CONTINUATIONS:
                    raise HDF5Error("object header: continuation loop or too many continuation blocks")
                seen.add(caddr)
                if hv == 2:
                    if f.get(caddr, 4) != b"OCHK" or clen < 8:
                        raise HDF5Error("object header: continuation block without its OCHK signature")
                    _checksum(f, caddr, caddr + clen - 4, "object header continuation")
                    blocks.append((caddr + 4, caddr + clen - 4, 2))
                else:
                    blocks.append((caddr, caddr + clen, 1))
            else:
                yield mtype, data, msize
            p = nxt


def _dataspace(f: _File, off: int, lay: _Layout) -> list[int] | None:
    """The dimensions (``[]`` = scalar), or None for a null dataspace."""
    version, rank = f.uint(off, 1), f.uint(off + 1, 1)
    if version == 1:
        p = off + 8
    elif version == 2:
        if f.uint(off + 3, 1) == 2:
            return None
        p = off + 4
    else:
        raise HDF5Error(f"dataspace message version {version} is not supported")
    if rank > MAX_RANK:
        raise HDF5Error(f"dataspace of rank {rank}")
    return [f.uint(p + k * lay.lengths, lay.lengths) for k in range(rank)]


def _heap_object(f: _File, collection: int, index: int, lay: _Layout) -> bytes:
    if f.get(collection, 4) != b"GCOL":
        raise HDF5Error("global heap collection without its GCOL signature")
    size = f.uint(collection + 8, lay.lengths)
    end = collection + size
    if size < 16 + lay.lengths or end > f.size:
        raise HDF5Error("global heap collection runs past the end of the file")
    p = collection + 8 + lay.lengths
    step = 8 + lay.lengths
    for _ in range(MAX_HEAP_OBJECTS):
        if p + step > end:
            break
        idx, osize = f.uint(p, 2), f.uint(p + 8, lay.lengths)
        if idx == 0:
            break
        if idx == index:
            if osize > MAX_ATTRIBUTE_BYTES or p + step + osize > end:
                raise HDF5Error("global heap object runs past its collection")
            return f.get(p + step, osize)
        p += step + ((osize + 7) & ~7)
    raise HDF5Error(f"global heap object {index} not found")


def _attribute(f: _File, off: int, size: int, lay: _Layout) -> tuple[str, str | list[str] | None]:
    """(name, value): a string, a list of strings, or None for a datatype this reader does not read."""
    version, flags = f.uint(off, 1), f.uint(off + 1, 1)
    nlen, tlen, slen = f.uint(off + 2, 2), f.uint(off + 4, 2), f.uint(off + 6, 2)
    if version == 1:
        p, pad = off + 8, 8
    elif version in (2, 3):
        if flags & 3:
            raise HDF5Error("attribute with a shared datatype or dataspace is not supported")
        p, pad = off + 8 + (1 if version == 3 else 0), 1
    else:
        raise HDF5Error(f"attribute message version {version} is not supported")

    def padded(n: int) -> int:
        return (n + pad - 1) // pad * pad

    name = f.get(p, nlen).split(b"\0", 1)[0].decode("utf-8", "replace")
    p += padded(nlen)
    tp = p
    p += padded(tlen)
    shape = _dataspace(f, p, lay)
    p += padded(slen)
    if p > off + size:
        raise HDF5Error(f"attribute {name!r}: its fields run past the message")
    if shape is None:
        return name, None
    count = 1
    for d in shape:
        count *= d
        if count > MAX_ATTRIBUTE_BYTES:
            raise HDF5Error(f"attribute {name!r} is too large")
    tclass = f.uint(tp, 1) & 0x0F
    bits = f.uint(tp + 1, 3)
    esize = f.uint(tp + 4, 4)
    values: list[str] = []
    if tclass == 3:  # fixed-length string
        if count * max(esize, 1) > MAX_ATTRIBUTE_BYTES:
            raise HDF5Error(f"attribute {name!r} is too large")
        raw = f.get(p, count * esize)
        values = [raw[k * esize : (k + 1) * esize].split(b"\0", 1)[0].decode("utf-8", "replace") for k in range(count)]
    elif tclass == 9 and bits & 0x0F == 1:  # variable-length string: length, heap collection, object index
        step = 4 + lay.offsets + 4
        if count * step > MAX_ATTRIBUTE_BYTES:
            raise HDF5Error(f"attribute {name!r} is too large")
        total = 0
        for k in range(count):
            q = p + k * step
            n, coll, idx = f.uint(q, 4), f.uint(q + 4, lay.offsets), f.uint(q + 4 + lay.offsets, 4)
            if n == 0 and coll in (0, lay.undefined):
                values.append("")
                continue
            obj = _heap_object(f, lay.base + coll, idx, lay)
            if n > len(obj):
                raise HDF5Error(f"attribute {name!r}: a string longer than its heap object")
            total += n
            if total > MAX_ATTRIBUTE_BYTES:
                raise HDF5Error(f"attribute {name!r} is too large")
            values.append(obj[:n].decode("utf-8", "replace"))
    else:
        return name, None
    return name, (values[0] if not shape else values)


def read_root_attributes(data: bytes | mmap.mmap) -> dict[str, str | list[str] | None]:
    """Root group attribute name -> string (scalar), list of strings (array), or None (another
    datatype, or a null dataspace).  Raises :class:`HDF5Error`."""
    f = _File(data)
    root, lay = _superblock(f)
    out: dict[str, str | list[str] | None] = {}
    dense = False
    for mtype, off, size in _messages(f, root, lay):
        if mtype == _ATTRIBUTE:
            name, value = _attribute(f, off, size, lay)
            out[name] = value
        elif mtype == _ATTRIBUTE_INFO:
            flags = f.uint(off + 1, 1)
            heap = f.uint(off + 2 + (2 if flags & 1 else 0), lay.offsets)
            dense = dense or heap != lay.undefined
    if dense:
        raise HDF5Error("dense attribute storage (a fractal heap, written with libver='latest') is not supported")
    return out


def is_hdf5(head: bytes) -> bool:
    """Whether a file starting with ``head`` is HDF5 (signature at offset 0; user blocks are rare)."""
    return head.startswith(SIGNATURE)


def read_file(path: str) -> dict[str, str | list[str] | None]:
    """The root attributes of the HDF5 file at ``path`` (memory-mapped; closed before returning)."""
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        if size == 0:
            raise HDF5Error("empty file")
        with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
            return read_root_attributes(mm)
