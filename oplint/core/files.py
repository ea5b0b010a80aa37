"""Facts about files that several layers need, each answered once: TOML parsing, writing a file
without ever leaving it half-written, and what makes a directory a SavedModel."""

from __future__ import annotations

import contextlib
import json
import os
import stat
import sys
from pathlib import Path
from typing import Any

#: the files whose presence makes a directory a SavedModel (the second is the text form)
SAVEDMODEL_FILES = ("saved_model.pb", "saved_model.pbtxt")


class TOMLDecodeError(ValueError):
    """Text that is not valid TOML (tomllib's error, raised by :func:`parse_toml`; tomllib is
    imported only when a TOML file is parsed: most runs read the knowledge from its JSON cache)."""


class NotARegularFile(OSError):
    """The path is a FIFO, a device, a directory or too large to be the small text file expected."""


def read_regular(path: str | os.PathLike[str], cap: int) -> bytes:
    """The bytes of a regular file of at most ``cap`` bytes.  A FIFO, a device (``/dev/zero``), a
    directory or a larger file raises :class:`NotARegularFile` (never blocks, never reads without
    end); ``OSError`` otherwise, as ``open`` does."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise NotARegularFile(f"{os.fspath(path)} is not a regular file")
        if st.st_size > cap:
            raise NotARegularFile(f"{os.fspath(path)} is {st.st_size:,} bytes (at most {cap:,} are read)")
        data = fh.read(cap + 1)
    if len(data) > cap:
        raise NotARegularFile(f"{os.fspath(path)} is larger than {cap:,} bytes")
    return data


def parse_toml(text: str) -> dict[str, Any]:
    """Parse TOML text; raises :class:`TOMLDecodeError`."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TOMLDecodeError(str(exc)) from None


def savedmodel_file(directory: str | os.PathLike[str]) -> str | None:
    """The ``saved_model.pb`` (or ``.pbtxt``) of a SavedModel directory, or None if it is not one."""
    for name in SAVEDMODEL_FILES:
        candidate = os.path.join(directory, name)
        # any file by that name, a FIFO or a link to a device too: the reader says what is wrong with it
        if os.path.exists(candidate) and not os.path.isdir(candidate):
            return candidate
    return None


def is_savedmodel_dir(path: str | os.PathLike[str]) -> bool:
    return savedmodel_file(path) is not None


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a new temporary file in the same directory, then rename
    it into place: a reader never sees half a file, a failed write leaves the old file as it was,
    and a file or link that already has the temporary's name is never followed (the temporary is
    created exclusively, with a fresh name)."""
    import tempfile

    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with contextlib.suppress(OSError, AttributeError):  # keep the old file's mode, else the umask's
            os.fchmod(fd, _mode(path))
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _mode(path: Path) -> int:
    try:
        return os.stat(path).st_mode & 0o777
    except OSError:
        umask = os.umask(0o022)
        os.umask(umask)
        return 0o666 & ~umask


def cache_json(path: Path, value: object) -> None:
    """Store ``value`` as JSON in a cache file; a cache that cannot be written is skipped."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, json.dumps(value))
    except (OSError, TypeError, ValueError):
        pass


def cached_json(path: Path) -> Any:
    """The value stored by :func:`cache_json`, or None when there is none (or it is unreadable)."""
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return None
