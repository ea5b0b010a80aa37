"""Keras models read as data: ``.keras`` (Keras 3 and tf_keras 2.13+) and legacy ``.h5``.

A ``.keras`` file is a zip holding ``config.json`` (the model), ``metadata.json`` (the Keras
version) and ``model.weights.h5`` (never opened); it is read with :mod:`zipfile` and :mod:`json`.
A legacy ``.h5`` keeps the same JSON in its root group's ``model_config`` attribute, beside
``keras_version`` and ``backend``; it is read with :mod:`oplint.readers.hdf5` (root attributes
only: weights are never read).

Nothing is imported from TensorFlow or Keras and nothing in the file is evaluated: a ``Lambda``
layer's marshalled code and a custom class's name stay strings in the op's options (the rules
say what oplint cannot see inside them).

The :class:`~oplint.core.model.Model` has one graph.  Each op is one **call** of a layer (a layer
shared by two inputs is two ops, a nested model's layers are expanded once per call of the
model), in an order where every op comes after the ops it reads; ``kind`` is the layer's class,
``name`` its path (``outer/inner/conv``), ``options`` holds the layer's configuration as the file
has it (``config``) and where it was found (``module``, ``registered_name``, ``call``); the
:class:`~oplint.core.model.Origin` carries the path, the class, the enclosing model and the
layer's JSON pointer in the configuration (``/config/layers/3``), for the editor.  Tensors carry
the shapes and dtypes the file states (``Input`` shapes, Keras 3's recorded call arguments,
``build_config`` input shapes); ``-1`` is a dimension the file leaves open.

Hostile files are bounded and refused (:class:`ModelError`): a zip's central directory is sized
before :mod:`zipfile` reads it (:data:`MAX_ZIP_ENTRIES`), member names that escape the archive
are refused, ``config.json`` is read through a bounded stream (:data:`MAX_CONFIG_BYTES`: a zip
bomb stops there), and the configuration's nesting and size are capped (:data:`MAX_DEPTH`,
:data:`MAX_CALLS`).
"""

from __future__ import annotations

import json
import os
import re
import struct
import zipfile
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, BinaryIO

from ..core.model import Graph, Model, Op, Origin, Tensor
from .problems import ModelError, ProblemKind

UNREADABLE = ProblemKind.UNREADABLE_KERAS
TOO_LARGE = ProblemKind.TOO_LARGE
NOT_KERAS = ProblemKind.NOT_KERAS

ZIP_MAGIC = b"PK\x03\x04"
MAX_CONFIG_BYTES = 32 << 20  #: config.json / model_config (MobileNetV2's is 142 KB)
MAX_METADATA_BYTES = 1 << 20  #: metadata.json
MAX_ZIP_ENTRIES = 10_000  #: Keras writes 3 (plus assets)
MAX_CENTRAL_DIRECTORY = 16 << 20  #: bytes of the zip's central directory
MAX_DEPTH = 32  #: models nested in models
MAX_CALLS = 100_000  #: layer calls, nested models expanded
MODEL_CLASSES = frozenset({"Functional", "Sequential", "Model"})
INPUT_CLASSES = frozenset({"InputLayer"})


def read_keras(path: str, display: str) -> Model:
    """A ``.keras`` zip."""
    try:
        with open(path, "rb") as fh:
            _check_central_directory(fh)
            try:
                archive = zipfile.ZipFile(fh)
            except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
                raise ModelError(UNREADABLE, f"not a readable .keras zip: {exc}") from None
            with archive:
                infos = archive.infolist()
                for info in infos:
                    _check_name(info.filename)
                names = {info.filename: info for info in infos}
                if "config.json" not in names:
                    raise ModelError(
                        UNREADABLE,
                        "a zip without config.json: not a .keras model (saved by Keras 3 or tf_keras 2.13+)",
                    )
                config_text = _member(archive, names["config.json"], MAX_CONFIG_BYTES)
                meta_text = (
                    _member(archive, names["metadata.json"], MAX_METADATA_BYTES) if "metadata.json" in names else b""
                )
    except OSError as exc:
        raise ModelError(UNREADABLE, f"cannot read: {exc.strerror or exc}") from None
    config = _json(config_text, "config.json")
    meta = _json(meta_text, "metadata.json") if meta_text else {}
    saved_by = {"format": "keras"}
    if isinstance(meta, dict) and isinstance(meta.get("keras_version"), str):
        saved_by["keras_version"] = meta["keras_version"][:40]
    return build(config, display, saved_by, os.path.getsize(path), "config.json")


def read_h5(path: str, display: str) -> Model:
    """A legacy HDF5 ``.h5`` (``model.save("x.h5")``)."""
    from .hdf5 import HDF5Error, read_file

    try:
        attrs = read_file(path)
    except HDF5Error as exc:
        raise ModelError(UNREADABLE, f"HDF5: {exc}") from None
    except (OSError, ValueError) as exc:
        raise ModelError(UNREADABLE, f"cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    text = attrs.get("model_config")
    if not isinstance(text, str):
        if "layer_names" in attrs or "keras_version" in attrs:
            raise ModelError(
                NOT_KERAS, "an HDF5 file with Keras weights but no model (model.save_weights): nothing to check"
            )
        raise ModelError(NOT_KERAS, "an HDF5 file without a Keras model_config attribute: not a Keras model")
    if len(text) > MAX_CONFIG_BYTES:
        raise ModelError(TOO_LARGE, f"model_config is {len(text):,} bytes (oplint reads at most {MAX_CONFIG_BYTES:,})")
    config = _json(text.encode("utf-8", "surrogatepass"), "model_config")
    saved_by = {"format": "h5"}
    for key in ("keras_version", "backend"):
        value = attrs.get(key)
        if isinstance(value, str):
            saved_by[key] = value[:40]
    return build(config, display, saved_by, os.path.getsize(path), "model_config")


# -- the zip -------------------------------------------------------------------------------------


def _check_central_directory(fh: BinaryIO) -> None:
    """Size the central directory from the end record before :mod:`zipfile` reads all of it."""
    fh.seek(0, os.SEEK_END)
    size = fh.tell()
    tail_len = min(size, 22 + 65535)
    fh.seek(size - tail_len)
    tail = fh.read(tail_len)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + 22 > len(tail):
        raise ModelError(UNREADABLE, "not a readable .keras zip: no end of central directory record")
    entries, cd_size = struct.unpack_from("<HI", tail, at + 10)
    if (entries == 0xFFFF or cd_size == 0xFFFFFFFF) and at >= 20 and tail[at - 20 : at - 16] == b"PK\x06\x07":
        (offset,) = struct.unpack_from("<Q", tail, at - 20 + 8)
        if 0 <= offset <= size - 56:
            fh.seek(offset)
            record = fh.read(56)
            if record[:4] == b"PK\x06\x06":
                entries, cd_size = struct.unpack_from("<QQ", record, 32)
    if entries > MAX_ZIP_ENTRIES or cd_size > MAX_CENTRAL_DIRECTORY:
        raise ModelError(
            TOO_LARGE, f"a zip with {entries:,} entries ({cd_size:,} bytes of directory): a .keras file has a handful"
        )
    fh.seek(0)


_DRIVE = re.compile(r"^[A-Za-z]:")


def _check_name(name: str) -> None:
    parts = name.split("/")
    if (
        not name
        or "\\" in name
        or "\0" in name
        or name.startswith("/")
        or _DRIVE.match(name)
        or any(p == ".." for p in parts)
    ):
        raise ModelError(UNREADABLE, f"a zip member name that escapes the archive: {name[:120]!r} (refused)")


def _member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    if info.file_size > limit:
        raise ModelError(
            TOO_LARGE, f"{info.filename} is {info.file_size:,} bytes uncompressed (oplint reads at most {limit:,})"
        )
    try:
        with archive.open(info) as member:
            data = member.read(limit + 1)
    except RuntimeError:  # encrypted: zipfile wants a password
        raise ModelError(
            UNREADABLE, f"{info.filename} is encrypted (a password-protected zip is not a .keras file)"
        ) from None
    except (zipfile.BadZipFile, NotImplementedError, OSError, EOFError, ValueError) as exc:
        raise ModelError(UNREADABLE, f"{info.filename}: {exc}") from None
    except Exception as exc:  # zlib.error, lzma.LZMAError, ...: a corrupt compressed stream
        raise ModelError(UNREADABLE, f"{info.filename}: {type(exc).__name__}: {exc}") from None
    if len(data) > limit:
        raise ModelError(TOO_LARGE, f"{info.filename} inflates beyond {limit:,} bytes (a zip bomb?)")
    return data


def _json(raw: bytes, what: str) -> Any:
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ModelError(UNREADABLE, f"{what} is not UTF-8 text: {exc.reason} at byte {exc.start}") from None
    except RecursionError:
        raise ModelError(UNREADABLE, f"{what} nests too deeply to be a Keras configuration") from None
    except ValueError as exc:
        raise ModelError(UNREADABLE, f"{what} is not valid JSON: {str(exc)[:160]}") from None


# -- the configuration ---------------------------------------------------------------------------


class _Call:
    """One call of a layer: the op it becomes."""

    __slots__ = ("inputs", "kwargs", "outputs")

    def __init__(self) -> None:
        self.inputs: list[int] = []
        self.outputs: list[int] = []
        self.kwargs: dict[str, Any] = {}


Ref = tuple[str, int, int]


class _Builder:
    def __init__(self, where: str) -> None:
        self.where = where  #: "config.json" or "model_config", for messages
        self.ops: list[Op] = []
        self.tensors: list[Tensor] = []
        self.made_by: dict[int, int] = {}  #: an op's first output tensor -> the op's index

    # tensors -------------------------------------------------------------------------------
    def tensor(self, name: str, dtype: str = "?", shape: Sequence[Any] | None = None) -> int:
        index = len(self.tensors)
        self.tensors.append(Tensor(index, name, dtype, _shape(shape)))
        return index

    def note_shape(self, index: int, shape: Any, dtype: Any = None) -> None:
        """What the file records about a tensor (a call's arguments, a build config), kept when new."""
        t = self.tensors[index]
        new_shape = _shape(shape) if t.shape is None else t.shape
        new_dtype = dtype if t.dtype == "?" and isinstance(dtype, str) and len(dtype) < 40 else t.dtype
        if new_shape != t.shape or new_dtype != t.dtype:
            self.tensors[index] = t._replace(shape=new_shape, dtype=new_dtype)

    def fail(self, message: str) -> ModelError:
        return ModelError(UNREADABLE, f"{self.where}: {message}")

    # ops ------------------------------------------------------------------------------------
    def add_op(
        self,
        layer: Mapping[str, Any],
        cls: str,
        path: str,
        pointer: str,
        function: str,
        inputs: Sequence[int],
        n_out: int,
        call: int,
        kwargs: Mapping[str, Any],
        subclassed: bool = False,
    ) -> list[int]:
        if len(self.ops) >= MAX_CALLS:
            raise ModelError(TOO_LARGE, f"more than {MAX_CALLS:,} layer calls (oplint's limit)")
        cfg = layer.get("config")
        cfg = cfg if isinstance(cfg, dict) else {}
        dtype = compute_dtype(cfg.get("dtype"))
        outputs = [self.tensor(path if k == 0 else f"{path}:{k}", dtype) for k in range(max(1, n_out))]
        build = layer.get("build_config")
        in_shape = build.get("input_shape") if isinstance(build, dict) else None
        if in_shape is not None:
            shapes = in_shape if len(inputs) > 1 and _is_shape_list(in_shape, len(inputs)) else [in_shape]
            for t, s in zip(inputs, shapes):
                if _is_shape(s):
                    self.note_shape(t, s)
        options = {
            "config": cfg,
            "module": layer.get("module") if isinstance(layer.get("module"), str) else None,
            "registered_name": _registered(layer),
            "call": call,
            "kwargs": dict(kwargs),
        }
        if subclassed:
            options["subclassed_model"] = True
        origin = Origin(node=path, op_type=cls, function=function, layer=path, pointer=pointer)
        self.made_by[outputs[0]] = len(self.ops)
        self.ops.append(
            Op(
                0,
                len(self.ops),
                cls,
                inputs=tuple(inputs),
                outputs=tuple(outputs),
                options=options,
                name=path,
                origin=origin,
            )
        )
        return outputs

    # models ---------------------------------------------------------------------------------
    def model(
        self, spec: Mapping[str, Any], pointer: str, prefix: str, bound: Sequence[int] | None, depth: int
    ) -> list[int]:
        """Expand a Functional or Sequential model; ``bound``: the tensors it is called on (None
        for the top-level model, whose InputLayers become graph inputs)."""
        if depth > MAX_DEPTH:
            raise ModelError(TOO_LARGE, f"models nested more than {MAX_DEPTH} deep")
        cfg = spec.get("config")
        if not isinstance(cfg, dict) or not isinstance(cfg.get("layers"), list):
            raise self.fail(f"{pointer or 'the model'} has no layer list")
        layers = cfg["layers"]
        if "input_layers" in cfg or any(isinstance(lyr, dict) and lyr.get("inbound_nodes") for lyr in layers):
            return self.functional(cfg, pointer, prefix, bound, depth)
        return self.sequential(cfg, pointer, prefix, bound, depth)

    def sequential(
        self, cfg: Mapping[str, Any], pointer: str, prefix: str, bound: Sequence[int] | None, depth: int
    ) -> list[int]:
        current: int | None = bound[0] if bound else None
        function = prefix.rstrip("/")
        for i, layer in enumerate(cfg["layers"]):
            where = f"{pointer}/config/layers/{i}"
            if not isinstance(layer, dict):
                raise self.fail(f"{where} is not a layer")
            cls, name = _class(layer), _name(layer, f"layer_{i}")
            if cls in INPUT_CLASSES:
                if current is None:
                    current = self.input(layer, prefix + name)
                continue
            if current is None:
                shape = cfg.get("build_input_shape") or _layer_cfg(layer).get("batch_input_shape")
                current = self.tensor(prefix + "input", "float32", shape if _is_shape(shape) else None)
            outs = self.call(layer, cls, prefix + name, where, function, [current], {}, 0, depth)
            current = outs[0]
        return [current] if current is not None else []

    def input(self, layer: Mapping[str, Any], path: str) -> int:
        cfg = _layer_cfg(layer)
        shape = cfg.get("batch_shape", cfg.get("batch_input_shape"))
        dtype = cfg.get("dtype")
        return self.tensor(path, dtype if isinstance(dtype, str) and len(dtype) < 40 else "float32", shape)

    def functional(
        self, cfg: Mapping[str, Any], pointer: str, prefix: str, bound: Sequence[int] | None, depth: int
    ) -> list[int]:
        function = prefix.rstrip("/")
        by_name: dict[str, tuple[int, dict[str, Any]]] = {}
        nodes: dict[str, list[Any]] = {}
        for i, layer in enumerate(cfg["layers"]):
            if not isinstance(layer, dict):
                raise self.fail(f"{pointer}/config/layers/{i} is not a layer")
            name = _name(layer, f"layer_{i}")
            if name in by_name:
                raise self.fail(f"two layers named {name!r}")
            by_name[name] = (i, layer)
            inbound = layer.get("inbound_nodes", [])
            nodes[name] = inbound if isinstance(inbound, list) else []
        legacy = not any(isinstance(n, dict) for ns in nodes.values() for n in ns)
        calls: dict[str, list[list[int]]] = {name: [] for name in by_name}  # outputs of each call made
        input_refs = _refs(cfg.get("input_layers"))
        # InputLayers: bound to the call's arguments, or the graph's inputs
        for k, (name, _, _) in enumerate(input_refs):
            if name not in by_name:
                raise self.fail(f"input_layers names an unknown layer {name!r}")
            if calls[name]:
                continue
            layer = by_name[name][1]
            if bound is not None:
                if k >= len(bound):
                    raise self.fail(f"model {function or 'top'} is called with {len(bound)} inputs, it has more")
                calls[name].append([bound[k]])
            else:
                calls[name].append([self.input(layer, prefix + name)])
        for name, (_, layer) in by_name.items():
            if _class(layer) in INPUT_CLASSES and not calls[name]:
                calls[name].append([self.input(layer, prefix + name)])

        def call_index(ref: Ref, in_node_data: bool) -> int:
            """Which call of the layer a reference names (the config's node index, made a call index)."""
            name, node, _ = ref
            if name not in by_name:
                raise self.fail(f"a layer reads {name!r}, which is not a layer of the model")
            layer = by_name[name][1]
            if _class(layer) in INPUT_CLASSES:
                return 0
            call = node - _node_offset(layer, legacy, in_node_data)
            if not 0 <= call < len(nodes[name]) and len(nodes[name]) == 1:
                call = 0  # one call: whatever index the writer gave it
            if call < 0 or call >= max(len(nodes[name]), len(calls[name])):
                raise self.fail(f"a layer reads call {node} of {name!r}, which is called {len(nodes[name])} times")
            return call

        def tensor_of(ref: Ref, call: int) -> int:
            outs = calls[ref[0]][call]
            index = ref[2]
            if index < 0:
                raise self.fail(f"a negative tensor index in a reference to {ref[0]!r}")
            if index >= len(outs):
                self._widen(outs, index + 1, ref[0])
            return outs[index]

        # Make every call once the calls it reads are made: a worklist in config order (Keras saves
        # layers in topological order, so this is one pass), a call waiting on another is retried
        # when that one is made (linear in the references, whatever the order of the layers).
        waiting: dict[tuple[str, int], list[str]] = {}
        queue = deque(name for name, ns in nodes.items() if ns and _class(by_name[name][1]) not in INPUT_CLASSES)
        while queue:
            name = queue.popleft()
            index, layer = by_name[name]
            node_list = nodes[name]
            while len(calls[name]) < len(node_list):
                k = len(calls[name])
                args = _node_args(node_list[k], self.fail)
                tensors: list[int] = []
                blocked = None
                for ref, shape, dtype in args.refs:
                    call = call_index(ref, True)
                    if call >= len(calls[ref[0]]):
                        blocked = (ref[0], call)
                        break
                    t = tensor_of(ref, call)
                    if shape is not None:
                        self.note_shape(t, shape, dtype)
                    tensors.append(t)
                if blocked is not None:
                    waiting.setdefault(blocked, []).append(name)
                    break
                where = f"{pointer}/config/layers/{index}"
                outs = self.call(layer, _class(layer), prefix + name, where, function, tensors, args.kwargs, k, depth)
                calls[name].append(outs)
                queue.extend(waiting.pop((name, k), ()))
        for name, node_list in nodes.items():
            if len(calls[name]) < len(node_list) and _class(by_name[name][1]) not in INPUT_CLASSES:
                raise self.fail(
                    f"layer {name!r} reads a layer output that is never computed (a cycle or a missing layer)"
                )
        outputs = []
        for ref in _refs(cfg.get("output_layers")):
            call = call_index(ref, False)
            if call >= len(calls[ref[0]]):
                raise self.fail(f"output {ref[0]!r} is never computed")
            outputs.append(tensor_of(ref, call))
        return outputs

    def _widen(self, outs: list[int], count: int, name: str) -> None:
        """A call read with more outputs than assumed (``return_state``, attention scores): its op
        gets them.  A nested model's outputs are what its ``output_layers`` say."""
        i = self.made_by.get(outs[0], -1)
        op = self.ops[i] if i >= 0 else None
        if count > 64 or op is None or list(op.outputs) != outs:
            raise self.fail(f"a reference to output {count - 1} of {name!r}, which has {len(outs)}")
        outs.extend(self.tensor(f"{op.name}:{k}", self.tensors[outs[0]].dtype) for k in range(len(outs), count))
        self.ops[i] = op._replace(outputs=tuple(outs))

    def call(
        self,
        layer: Mapping[str, Any],
        cls: str,
        path: str,
        pointer: str,
        function: str,
        inputs: list[int],
        kwargs: Mapping[str, Any],
        k: int,
        depth: int,
    ) -> list[int]:
        cfg = layer.get("config")
        if cls in MODEL_CLASSES or (isinstance(cfg, dict) and isinstance(cfg.get("layers"), list)):
            return self.model(layer, pointer, path + "/", inputs, depth + 1)
        n_out = 1
        if isinstance(cfg, dict) and cfg.get("return_state") is True:
            n_out = 3 if cls in ("LSTM", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D") else 2
        return self.add_op(layer, cls, path, pointer, function, inputs, n_out, k, kwargs)


class _Args:
    __slots__ = ("kwargs", "refs")

    def __init__(self) -> None:
        self.refs: list[tuple[Ref, Any, Any]] = []  #: (reference, recorded shape, recorded dtype)
        self.kwargs: dict[str, Any] = {}


def _node_args(node: Any, fail: Any) -> _Args:
    """The tensors one call reads (in argument order) and its other keyword arguments."""
    out = _Args()
    if isinstance(node, dict):  # Keras 3: {"args": [...], "kwargs": {...}}
        for t in _keras_tensors(node.get("args"), 0):
            out.refs.append(t)
        kwargs = node.get("kwargs")
        if isinstance(kwargs, dict):
            for key, value in kwargs.items():
                found = list(_keras_tensors(value, 0))
                if found:
                    out.refs.extend(found)
                elif isinstance(key, str):
                    out.kwargs[key] = value
        return out
    if isinstance(node, list):  # legacy: [[name, node, tensor, {kwargs}], ...]
        for entry in node:
            if not (isinstance(entry, list) and len(entry) >= 3 and _is_ref(entry[:3])):
                raise fail(f"an inbound node entry is not [layer, node, tensor]: {str(entry)[:80]}")
            out.refs.append(((entry[0], entry[1], entry[2]), None, None))
            if len(entry) > 3 and isinstance(entry[3], dict):
                for key, value in entry[3].items():
                    if isinstance(value, list) and len(value) >= 3 and _is_ref(value[:3]):
                        out.refs.append(((value[0], value[1], value[2]), None, None))
                    elif isinstance(key, str):
                        out.kwargs[key] = value
        return out
    raise fail(f"an inbound node is neither a list nor an object: {str(node)[:80]}")


def _keras_tensors(value: Any, depth: int) -> Iterator[tuple[Ref, Any, Any]]:
    if depth > 16:
        return
    if isinstance(value, dict):
        if value.get("class_name") == "__keras_tensor__":
            cfg = value.get("config")
            if isinstance(cfg, dict):
                hist = cfg.get("keras_history")
                if isinstance(hist, list) and len(hist) == 3 and _is_ref(hist):
                    shape = cfg.get("shape")
                    yield (hist[0], hist[1], hist[2]), shape if _is_shape(shape) else None, cfg.get("dtype")
            return
        for v in value.values():
            yield from _keras_tensors(v, depth + 1)
    elif isinstance(value, list):
        for v in value:
            yield from _keras_tensors(v, depth + 1)


def _is_ref(value: Sequence[Any]) -> bool:
    return (
        isinstance(value[0], str)
        and isinstance(value[1], int)
        and isinstance(value[2], int)
        and not isinstance(value[1], bool)
        and not isinstance(value[2], bool)
    )


def _refs(value: Any, depth: int = 0) -> list[Ref]:
    """``input_layers`` / ``output_layers``: one ``[name, node, tensor]`` or a list (or dict) of them."""
    if isinstance(value, list) and len(value) == 3 and _is_ref(value):
        return [(value[0], value[1], value[2])]
    out: list[Ref] = []
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    for item in items if depth < 16 else ():
        out.extend(_refs(item, depth + 1))
    return out


def _node_offset(layer: Mapping[str, Any], legacy: bool, in_node_data: bool) -> int:
    """How a reference's node index relates to the layer's call index.  A nested model starts
    with a node of its own (its inputs to its outputs), which the config does not list: tf_keras
    counts it in every reference when the model starts with an InputLayer (tf_keras
    ``engine/functional.py`` ``_should_skip_first_node``); Keras 3 counts it in ``input_layers``
    and ``output_layers`` only (``models/functional.py`` ``get_tensor``: ``node_index -= 1``),
    while call arguments carry the index of the call (measured: fixtures/keras nested models)."""
    cfg = layer.get("config")
    if not (_class(layer) in MODEL_CLASSES or (isinstance(cfg, dict) and isinstance(cfg.get("layers"), list))):
        return 0
    if legacy:
        inner = cfg.get("layers") if isinstance(cfg, dict) else None
        first = inner[0] if isinstance(inner, list) and inner else None
        return 1 if isinstance(first, dict) and _class(first) in INPUT_CLASSES else 0
    return 0 if in_node_data else 1


def _class(layer: Mapping[str, Any]) -> str:
    """The layer's class; a registered custom class (``package>Class`` in a legacy .h5) by its name."""
    cls = layer.get("class_name")
    return cls.rsplit(">", 1)[-1][:200] if isinstance(cls, str) and cls else "?"


def _registered(layer: Mapping[str, Any]) -> str | None:
    """``package>Class`` of a class registered with ``register_keras_serializable``."""
    name = layer.get("registered_name")
    if isinstance(name, str):
        return name[:200]
    cls = layer.get("class_name")
    return cls[:200] if isinstance(cls, str) and ">" in cls else None


def _layer_cfg(layer: Mapping[str, Any]) -> Mapping[str, Any]:
    cfg = layer.get("config")
    return cfg if isinstance(cfg, dict) else {}


def _name(layer: Mapping[str, Any], default: str) -> str:
    name = layer.get("name")
    if not isinstance(name, str):
        name = _layer_cfg(layer).get("name")
    return name[:200] if isinstance(name, str) and name else default


def _is_shape(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) <= 32
        and all(d is None or (isinstance(d, int) and not isinstance(d, bool)) for d in value)
    )


def _is_shape_list(value: Any, n: int) -> bool:
    return isinstance(value, list) and len(value) == n and all(_is_shape(v) for v in value)


def _shape(value: Any) -> tuple[int, ...] | None:
    if not _is_shape(value):
        return None
    return tuple(-1 if d is None or d < 0 else min(d, 2**62) for d in value)


def compute_dtype(policy: Any) -> str:
    """The dtype a layer computes in: a dtype name, a tf_keras policy name or a Keras 3
    ``DTypePolicy`` object (``mixed_float16`` computes in float16; ``QuantizedDTypePolicy``: int8)."""
    if isinstance(policy, dict):
        cfg = policy.get("config")
        name = cfg.get("name") if isinstance(cfg, dict) else None
        if isinstance(cfg, dict) and isinstance(cfg.get("mode"), str):
            return str(cfg["mode"])[:20]
        policy = name
    if not isinstance(policy, str):
        return "float32"
    if policy.startswith("mixed_"):
        return policy[len("mixed_") :][:20]
    return policy[:20]


def build(config: Any, display: str, saved_by: Mapping[str, str], size: int, where: str) -> Model:
    """The model a Keras configuration describes."""
    if not isinstance(config, dict):
        raise ModelError(UNREADABLE, f"{where} is not a JSON object")
    cls = _class(config)
    builder = _Builder(where)
    cfg = config.get("config")
    name = _name(config, "model") if not isinstance(cfg, dict) else str(cfg.get("name") or "model")[:200]
    if isinstance(cfg, dict) and isinstance(cfg.get("layers"), list):
        outputs = builder.model(config, "", "", None, 0)
        produced = {t for op in builder.ops for t in op.outputs}
        inputs = tuple(t.index for t in builder.tensors if t.index not in produced)
    else:
        # a subclassed model (or a bare layer): its code is not in the file; one op stands for it
        build_cfg = config.get("build_config")
        shape = build_cfg.get("input_shape") if isinstance(build_cfg, dict) else None
        x = builder.tensor("input", "float32", shape if _is_shape(shape) else None)
        outputs = builder.add_op(config, cls, name, "", "", [x], 1, 0, {}, subclassed=True)
        inputs = (x,)
    used = {t for op in builder.ops for t in op.inputs}
    graph_inputs = tuple(t for t in inputs if t in used or t in outputs)
    graph = Graph(0, name, tuple(builder.ops), tuple(builder.tensors), graph_inputs, tuple(outputs))
    version = saved_by.get("keras_version")
    description = f"Keras {version}" if version else "Keras"
    return Model(display, "keras", (graph,), description=description, size=size, saved_by=dict(saved_by))


__all__ = ["MAX_CALLS", "MAX_CONFIG_BYTES", "MAX_DEPTH", "MAX_ZIP_ENTRIES", "build", "read_h5", "read_keras"]
