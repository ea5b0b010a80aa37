"""Model readers: sniff a path and read it into a :class:`~oplint.model.Model`.

Every failure is a :class:`ModelError` carrying a typed problem (:class:`~oplint.core.model.ProblemKind`);
the rule that declares that kind reports it.  Nothing a model contains is ever executed.
"""

from __future__ import annotations

import os
import re
import stat

from ..core.files import is_savedmodel_dir
from ..core.model import Model
from .problems import ModelError, ProblemKind

LFS_MAGIC = b"version https://git-lfs.github.com/spec/"
TFLITE_IDENTIFIER = b"TFL3"
_SNIFF = 512


def load(path: str, display: str | None = None, signature: str | None = None) -> Model:
    """Read a model file (or SavedModel directory); raises :class:`ModelError`.

    ``signature`` picks the SavedModel signature to check (default: ``serving_default``)."""
    display = display or path
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise ModelError(ProblemKind.UNREADABLE, "no such file or directory") from None
    except OSError as exc:
        raise ModelError(ProblemKind.UNREADABLE, f"cannot open: {exc.strerror or exc}") from None
    if stat.S_ISDIR(st.st_mode):
        from . import savedmodel

        if not is_savedmodel_dir(path):
            raise ModelError(
                ProblemKind.UNREADABLE, "a directory that is not a SavedModel (no saved_model.pb or saved_model.pbtxt)"
            )
        return savedmodel.read(path, display, savedmodel.Options(signature))
    if not stat.S_ISREG(st.st_mode):
        raise ModelError(ProblemKind.UNREADABLE, "not a regular file")  # FIFOs and devices would block or never end
    try:
        with open(path, "rb") as fh:
            head = fh.read(_SNIFF)
    except OSError as exc:
        raise ModelError(ProblemKind.UNREADABLE, f"cannot read: {exc.strerror or exc}") from None
    if head.startswith(LFS_MAGIC):
        raise ModelError(ProblemKind.LFS_POINTER, _lfs_message(head))
    if head[4:8] != TFLITE_IDENTIFIER and _tensorflow_name(path):
        from . import savedmodel

        return savedmodel.read(path, display, savedmodel.Options(signature))
    keras = _keras_kind(path, head)
    if keras is not None:
        from . import keras as keras_reader

        return keras_reader.read_keras(path, display) if keras == "zip" else keras_reader.read_h5(path, display)
    if head[4:8] != TFLITE_IDENTIFIER:
        from .formats import identify

        other = identify(path, head)
        if other is not None:
            raise ModelError(ProblemKind.UNREADABLE, *other)
    from . import tflite

    try:
        return tflite.read(path, display)
    except OSError as exc:
        raise ModelError(ProblemKind.UNREADABLE, f"cannot read: {exc.strerror or exc}") from None
    except ValueError as exc:  # mmap of a file that shrank to nothing while we looked at it
        raise ModelError(ProblemKind.UNREADABLE, f"cannot map the file: {exc}") from None


#: file name suffixes of Keras models: ``.keras`` (a zip), legacy HDF5 ``.h5`` / ``.hdf5``
KERAS_SUFFIXES = (".keras", ".h5", ".hdf5")
ZIP_MAGIC = b"PK\x03\x04"
HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"


def _keras_kind(path: str, head: bytes) -> str | None:
    """ "zip" or "hdf5" for a Keras model file, by content (a .keras that is HDF5 is read as one, and
    the other way round); None for anything else."""
    if head.startswith(ZIP_MAGIC) and path.endswith(KERAS_SUFFIXES):
        return "zip"
    if head.startswith(HDF5_MAGIC):
        return "hdf5"
    if path.endswith(KERAS_SUFFIXES) and head.startswith(b"PK"):
        return "zip"  # an empty or spanned zip: the zip reader says what is wrong
    if path.endswith(KERAS_SUFFIXES):
        return "hdf5" if path.endswith((".h5", ".hdf5")) else "zip"
    return None


def _tensorflow_name(path: str) -> bool:
    """``saved_model.pb``/``.pbtxt``, or a frozen GraphDef ``*.pb``/``*.pbtxt``."""
    return path.endswith((".pb", ".pbtxt"))


def _lfs_message(head: bytes) -> str:
    text = head.decode("ascii", "replace")
    oid = re.search(r"^oid (\S+)", text, re.M)
    size = re.search(r"^size (\d+)", text, re.M)
    details = []
    if oid:
        details.append(oid.group(1)[:20] + ("..." if len(oid.group(1)) > 20 else ""))
    if size:
        details.append(f"{int(size.group(1)):,} bytes")
    suffix = f" ({', '.join(details)})" if details else ""
    return f"this is a Git LFS pointer{suffix}, not the model; run `git lfs pull`"


__all__ = ["ModelError", "load"]
