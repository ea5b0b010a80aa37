"""Read a .tflite flatbuffer into a :class:`~oplint.model.Model`.

Files up to 8 MiB are read into memory; larger ones are memory-mapped, so their weights are
never read (resident memory does not grow with them).  Either way the bytes are walked with the
bounds-checked :mod:`.flatbuf` reader using the slot layout generated from ``schema.fbs``
(:mod:`.tflite_schema`); whether a tensor is constant is known from its buffer's *length*.  The
map is closed before :func:`read` returns, so a model file rewritten later cannot fault a
long-lived process (the LSP server) that still holds the result.
"""

from __future__ import annotations

import mmap
import os
import struct
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from ..core.model import Graph, Model, Op, Quantization, Signature, Tensor
from . import tflite_schema as S
from .flatbuf import _SCALAR_READERS, FlatbufferError, Layout, Reader, Table
from .problems import ModelError, Problem, ProblemKind

#: bytes of a custom op's custom options kept on the op (``custom_options_head``): enough for the
#: C parameter structs delegates cast them to (TfLitePoolParams: 40 bytes); never the whole blob
CUSTOM_HEAD = 64

#: cap on decoded quantization values per tensor (counts are always exact)
MAX_QUANT_VALUES = 1 << 16
#: limits on what one model may describe (the largest real models: about 20,000 ops and tensors).
#: A hostile file can describe millions of tiny tables sharing one vtable in a few megabytes;
#: beyond these the model is reported (OPL012) instead of read.
MAX_OPS = 100_000
MAX_TENSORS = 250_000
MAX_SUBGRAPHS = 10_000
#: files up to this size are read into memory; larger ones are memory-mapped (weights never read)
IN_MEMORY_MAX = 8 << 20
#: bytes of a metadata payload that are decoded (min_runtime_version is 16 bytes)
METADATA_PEEK = 64

BUILTIN_NAMES: dict[int, str] = S.ENUMS["BuiltinOperator"][1]
TENSOR_TYPES: dict[int, str] = {k: v.lower() for k, v in S.ENUMS["TensorType"][1].items()}
BUILTIN_CODES: dict[str, int] = {v: k for k, v in BUILTIN_NAMES.items()}
CUSTOM = BUILTIN_CODES["CUSTOM"]


def _slots(table: str) -> dict[str, int]:
    """Field name -> slot of a table of schema.fbs (``TENSOR["shape"]``)."""
    return {name: i for i, (name, _t, _d) in enumerate(S.TABLES[table])}


MODEL = _slots("Model")
SUBGRAPH = _slots("SubGraph")
TENSOR = _slots("Tensor")
OPERATOR = _slots("Operator")
OPERATOR_CODE = _slots("OperatorCode")
QUANTIZATION = _slots("QuantizationParameters")
BUFFER = _slots("Buffer")
METADATA = _slots("Metadata")
SIGNATURE_DEF = _slots("SignatureDef")
TENSOR_MAP = _slots("TensorMap")
_Q_SCALE, _Q_ZERO_POINT, _Q_DETAILS_TYPE = (
    QUANTIZATION["scale"],
    QUANTIZATION["zero_point"],
    QUANTIZATION["details_type"],
)
_Q_DIMENSION = QUANTIZATION["quantized_dimension"]
_DETAILS = S.UNIONS["QuantizationDetails"]
#: the fields the fast path reads, in the order _tensor and _graph unpack them
_TENSOR_LAYOUT: Layout = tuple(
    (TENSOR[name], width)
    for name, width in (
        ("shape", 4),
        ("type", 1),
        ("buffer", 4),
        ("name", 4),
        ("quantization", 4),
        ("is_variable", 1),
        ("sparsity", 4),
        ("shape_signature", 4),
        ("external_buffer", 4),
    )
)
_OPERATOR_LAYOUT: Layout = tuple(
    (OPERATOR[name], width)
    for name, width in (
        ("opcode_index", 4),
        ("inputs", 4),
        ("outputs", 4),
        ("intermediates", 4),
        ("builtin_options_type", 1),
        ("builtin_options", 4),
        ("builtin_options_2_type", 1),
        ("builtin_options_2", 4),
        ("custom_options", 4),
    )
)
_QUANT_LAYOUT: Layout = ((QUANTIZATION["scale"], 4), (QUANTIZATION["zero_point"], 4), (QUANTIZATION["details_type"], 1))
_SIZES = {kind: reader[0] for kind, reader in _SCALAR_READERS.items()}
_U8 = struct.Struct("<B").unpack_from
_I8 = struct.Struct("<b").unpack_from
_U32 = struct.Struct("<I").unpack_from
_OPTIONS = S.UNIONS["BuiltinOptions"]
_OPTIONS_2 = S.UNIONS["BuiltinOptions2"]
_ENUM_LABELS = {name: labels for name, (_base, labels) in S.ENUMS.items()}

builtin_name = BUILTIN_NAMES.get


def dtype_name(code: int) -> str:
    return TENSOR_TYPES.get(code, f"type{code}")


def read(path: str, display_path: str | None = None) -> Model:
    """Read ``path``; raises :class:`ModelError` when it cannot be read as a TFLite model."""
    display = display_path or path
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        if size == 0:
            raise ModelError(ProblemKind.UNREADABLE, "the file is empty")
        if size <= IN_MEMORY_MAX:
            # small models are read whole: as fast as mapping them, and a file truncated by a
            # writer while we parse cannot fault the process (SIGBUS) as a mapping could
            data = fh.read(size + 1)
            return parse(data, display, len(data))
        with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as buf:
            return parse(buf, display, size)


def parse(buf: Any, display: str, size: int | None = None) -> Model:
    size = len(buf) if size is None else size
    if size < 8:
        raise ModelError(ProblemKind.UNREADABLE, f"the file is only {size} bytes, too short for a TFLite flatbuffer")
    ident = bytes(buf[4:8])
    if ident != S.FILE_IDENTIFIER:
        raise ModelError(
            ProblemKind.UNREADABLE,
            f"not a TFLite flatbuffer: file identifier is {ident!r}, expected {S.FILE_IDENTIFIER!r}",
        )
    try:
        return _Parser(Reader(buf), display, size).model()
    except FlatbufferError as exc:
        raise ModelError(ProblemKind.UNREADABLE, f"corrupt or truncated TFLite flatbuffer: {exc}") from None
    except (RecursionError, MemoryError, OverflowError) as exc:  # pragma: no cover - defensive
        raise ModelError(ProblemKind.UNREADABLE, f"corrupt TFLite flatbuffer: {type(exc).__name__}") from None


class _Parser:
    def __init__(self, reader: Reader, display: str, size: int) -> None:
        self.r = reader
        self.display = display
        self.size = size
        self.counts: dict[str, int] = {}
        self.problems: list[Problem] = []

    def _positions(self, at: int, what: str, limit: int) -> list[int]:
        """The table positions of the vector whose offset is at ``at`` (0: absent), counted (over
        the whole model) against ``limit`` before any is read.

        Entries may share a table (some writers share empty buffers), so a hostile file can name
        millions of tensors in a few megabytes; the limits bound the work either way."""
        if not at:
            return []
        _, n = self.r.vector_at(at, 4)
        total = self.counts.get(what, 0) + n
        self.counts[what] = total
        if total > limit:
            raise ModelError(
                ProblemKind.TOO_LARGE,
                f"the model describes more than {limit:,} {what} (oplint reads models of up to {limit:,} {what})",
            )
        return self.r.table_positions(at)

    def _tables(self, root: Table, field: str, limit: int) -> list[Table]:
        """The tables of one of the root's vectors, counted against ``limit``."""
        positions = self._positions(root._field(MODEL[field], 4), field.replace("_", " "), limit)
        return [self.r.table(pos) for pos in positions]

    def _invalid(self, text: str) -> None:
        self.problems.append(Problem(ProblemKind.INVALID, text))

    def model(self) -> Model:
        root = self.r.root()
        version = root.u32(MODEL["version"])
        buffers = self._tables(root, "buffers", MAX_TENSORS + 1)
        buffer_has_data = [self._buffer_has_data(b) for b in buffers]
        opcodes = [self._opcode(t) for t in self._tables(root, "operator_codes", MAX_OPS)]
        graphs = tuple(
            self._graph(i, sg, opcodes, buffer_has_data)
            for i, sg in enumerate(self._tables(root, "subgraphs", MAX_SUBGRAPHS))
        )
        metadata, min_runtime = self._metadata(root, buffers)
        signatures = tuple(self._signature(s) for s in self._tables(root, "signature_defs", MAX_SUBGRAPHS))
        if not graphs:
            self._invalid("the model has no subgraphs")
        return Model(
            path=self.display,
            format="tflite",
            graphs=graphs,
            schema_version=version,
            description=root.string(MODEL["description"]) or "",
            signatures=signatures,
            metadata=metadata,
            min_runtime_version=min_runtime,
            size=self.size,
            problems=tuple(self.problems),
        )

    # -- pieces ----------------------------------------------------------------------
    @staticmethod
    def _buffer_has_data(buf: Table) -> bool:
        if buf.vector_len(BUFFER["data"]) > 0:
            return True
        return buf.u64(BUFFER["size"]) > 0  # buffers stored outside the flatbuffer (models > 2 GB)

    @staticmethod
    def _opcode(t: Table) -> tuple[int, str, int, str | None]:
        deprecated = t.scalar(OPERATOR_CODE["deprecated_builtin_code"], "int8", 0)
        code = max(int(deprecated), t.i32(OPERATOR_CODE["builtin_code"]))
        name = BUILTIN_NAMES.get(code, f"UNKNOWN_BUILTIN_{code}")
        version = t.i32(OPERATOR_CODE["version"], 1)
        custom = t.string(OPERATOR_CODE["custom_code"]) if code == CUSTOM else None
        return code, name, version, custom

    def _graph(
        self,
        gi: int,
        sg: Table,
        opcodes: list[tuple[int, str, int, str | None]],
        buffer_has_data: list[bool],
    ) -> Graph:
        r = self.r
        tensor_positions = self._positions(sg._field(SUBGRAPH["tensors"], 4), "tensors", MAX_TENSORS)
        tensors = tuple(self._tensor(i, pos, buffer_has_data) for i, pos in enumerate(tensor_positions))
        op_positions = self._positions(sg._field(SUBGRAPH["operators"], 4), "ops", MAX_OPS)
        ops = []
        n_tensors = len(tensors)
        n_opcodes = len(opcodes)
        buf = r.buf
        for oi, pos in enumerate(op_positions):
            o_opcode, o_inputs, o_outputs, o_intermediates, o_type, o_value, o_type2, o_value2, o_custom = r.offsets(
                pos, _OPERATOR_LAYOUT
            )
            opcode_index = _U32(buf, pos + o_opcode)[0] if o_opcode else 0
            if opcode_index < n_opcodes:
                code, kind, version, custom = opcodes[opcode_index]
            else:
                self._invalid(
                    f"subgraph {gi} op {oi} uses opcode index {opcode_index}, "
                    f"but the model has {n_opcodes} operator codes"
                )
                code, kind, version, custom = -1, "INVALID_OPCODE", 1, None
            inputs = r.int32s_at(pos + o_inputs) if o_inputs else ()
            outputs = r.int32s_at(pos + o_outputs) if o_outputs else ()
            for t_index in inputs + outputs:
                if t_index >= n_tensors or t_index < -1:
                    self._invalid(
                        f"subgraph {gi} op {oi} ({kind}) refers to tensor {t_index}, "
                        f"but the subgraph has {n_tensors} tensors"
                    )
                    break
            name = ""
            if outputs and 0 <= outputs[0] < n_tensors:
                name = tensors[outputs[0]].name
            options: dict[str, Any] = {}
            if o_type:
                self._options_into(options, _U8(buf, pos + o_type)[0], pos + o_value if o_value else 0, _OPTIONS)
            if o_type2:
                self._options_into(options, _U8(buf, pos + o_type2)[0], pos + o_value2 if o_value2 else 0, _OPTIONS_2)
            if o_custom:
                start, size = r.vector_at(pos + o_custom, 1)
                options["custom_options_size"] = size
                if custom is not None:  # the first bytes: delegates read C structs of custom ops from them
                    options["custom_options_head"] = bytes(buf[start : start + min(size, CUSTOM_HEAD)])
            ops.append(
                Op(
                    gi,
                    oi,
                    kind,
                    version,
                    custom,
                    inputs,
                    outputs,
                    r.int32s_at(pos + o_intermediates) if o_intermediates else (),
                    options,
                    name,
                    code,
                )
            )
        return Graph(
            index=gi,
            name=sg.string(SUBGRAPH["name"]) or ("main" if gi == 0 else f"subgraph{gi}"),
            ops=tuple(ops),
            tensors=tensors,
            inputs=tuple(sg.scalars(SUBGRAPH["inputs"], "int32") or ()),
            outputs=tuple(sg.scalars(SUBGRAPH["outputs"], "int32") or ()),
        )

    def _options_into(self, opts: dict[str, Any], kind: int, value_at: int, union: Sequence[str | None]) -> None:
        """Decode a builtin options table (``kind`` is its union member) into ``opts``."""
        if not kind or not value_at:
            return
        table_name = union[kind] if kind < len(union) else None
        if table_name is None or table_name not in S.TABLES:
            return
        opts.update(decode_options(self.r, self.r.uoffset(value_at), table_name))

    def _tensor(self, index: int, pos: int, buffer_has_data: list[bool]) -> Tensor:
        # An absent shape reads as (): the runtimes treat it as a scalar (has_rank only matters
        # for unknown-rank tensors, which no runtime plans memory for either).
        r = self.r
        buf = r.buf
        o_shape, o_type, o_buffer, o_name, o_quant, o_variable, o_sparsity, o_signature, o_external = r.offsets(
            pos, _TENSOR_LAYOUT
        )
        buffer = _U32(buf, pos + o_buffer)[0] if o_buffer else 0
        n_buffers = len(buffer_has_data)
        const = (0 < buffer < n_buffers and buffer_has_data[buffer]) or (
            o_external != 0 and _U32(buf, pos + o_external)[0] != 0
        )
        if buffer >= n_buffers and buffer != 0:
            self._invalid(f"tensor {index} refers to buffer {buffer}, but the model has {n_buffers} buffers")
        if o_type:
            code = _I8(buf, pos + o_type)[0]
            dtype = TENSOR_TYPES.get(code) or f"type{code}"
        else:
            dtype = "float32"
        return Tensor(
            index,
            r.string_at(pos + o_name) if o_name else "",
            dtype,
            r.int32s_at(pos + o_shape) if o_shape else (),
            r.int32s_at(pos + o_signature) if o_signature else None,
            bool(const),
            bool(_U8(buf, pos + o_variable)[0]) if o_variable else False,
            self._quant(r.uoffset(pos + o_quant)) if o_quant else None,
            o_sparsity != 0,
            buffer,
        )

    def _quant(self, pos: int) -> Quantization | None:
        r = self.r
        f_scale, f_zero_point, f_details_type = r.fields(pos, _QUANT_LAYOUT)
        scale_count = r.vector_at(f_scale, 4)[1] if f_scale else 0
        zp_count = r.vector_at(f_zero_point, 8)[1] if f_zero_point else 0
        details_type = int(_U8(r.buf, f_details_type)[0]) if f_details_type else 0
        if scale_count == 0 and zp_count == 0 and details_type == 0:
            return None  # only min/max (a float tensor that remembers its range)
        q = r.table(pos)
        details = None
        if details_type:
            member = _DETAILS[details_type] if details_type < len(_DETAILS) else None
            details = {
                "CustomQuantization": "custom",
                "BlockwiseQuantization": "blockwise",
                "MultiAxisQuantization": "multiaxis",
            }.get(member or "", f"details{details_type}")
        return Quantization(
            scales=q.scalars(_Q_SCALE, "float32", MAX_QUANT_VALUES) or (),
            zero_points=q.scalars(_Q_ZERO_POINT, "int64", MAX_QUANT_VALUES) or (),
            quantized_dimension=q.i32(_Q_DIMENSION),
            scale_count=scale_count,
            zero_point_count=zp_count,
            details=details,
        )

    def _metadata(self, root: Table, buffers: list[Table]) -> tuple[dict[str, int], str | None]:
        metadata: dict[str, int] = {}
        min_runtime = None
        for md in self._tables(root, "metadata", MAX_SUBGRAPHS):
            name = md.string(METADATA["name"]) or ""
            bi = md.u32(METADATA["buffer"])
            if bi >= len(buffers):
                self._invalid(f"metadata {name!r} refers to buffer {bi}, but the model has {len(buffers)} buffers")
                continue
            metadata[name] = buffers[bi].vector_len(BUFFER["data"])
            if name == "min_runtime_version":
                raw = buffers[bi].raw_bytes(BUFFER["data"], METADATA_PEEK) or b""
                text = raw.split(b"\0", 1)[0].decode("ascii", "replace").strip()
                min_runtime = text or None
        return metadata, min_runtime

    def _signature(self, sd: Table) -> Signature:
        def tensor_map(slot: int) -> dict[str, int]:
            positions = self._positions(sd._field(slot, 4), "signature tensors", MAX_TENSORS)
            maps = [self.r.table(pos) for pos in positions]
            return {tm.string(TENSOR_MAP["name"]) or "": tm.u32(TENSOR_MAP["tensor_index"]) for tm in maps}

        return Signature(
            key=sd.string(SIGNATURE_DEF["signature_key"]) or "",
            graph=sd.u32(SIGNATURE_DEF["subgraph_index"]),
            inputs=tensor_map(SIGNATURE_DEF["inputs"]),
            outputs=tensor_map(SIGNATURE_DEF["outputs"]),
        )


_SMALL_VECTOR = 64


def decode_scalars(table: Table, table_name: str) -> dict[str, Any]:
    """Scalars, enum labels and short scalar vectors of an options table."""
    return decode_options(table.r, table.pos, table_name)


@cache
def _option_plan(table_name: str) -> tuple[Layout, tuple[tuple[str, str, str, Any, Mapping[int, str]], ...]]:
    """How to read an options table: its layout, and per field (name, how, scalar kind, default, labels)."""
    layout: list[tuple[int, int]] = []
    plan: list[tuple[str, str, str, Any, Mapping[int, str]]] = []
    for slot, (name, ftype, default) in enumerate(S.TABLES[table_name]):
        if ftype.startswith("enum:"):
            enum = ftype[5:]
            base = S.ENUMS[enum][0]
            layout.append((slot, _SIZES[base]))
            plan.append((name, "enum", base, default, _ENUM_LABELS[enum]))
        elif ftype.startswith("[") and ftype[1:-1] in _VECTOR_KINDS:
            layout.append((slot, 4))
            plan.append((name, "vector", ftype[1:-1], None, {}))
        elif ftype in _VECTOR_KINDS:
            layout.append((slot, _SIZES[ftype]))
            plan.append((name, "scalar", ftype, default, {}))
        elif ftype == "string":  # a composite's name, a variable's shared_name: short labels
            layout.append((slot, 4))
            plan.append((name, "string", "", None, {}))
    return tuple(layout), tuple(plan)


def decode_options(r: Reader, pos: int, table_name: str) -> dict[str, Any]:
    """Scalars, enum labels and short scalar vectors of the options table at ``pos``."""
    layout, plan = _option_plan(table_name)
    out: dict[str, Any] = {}
    for (name, how, kind, default, labels), at in zip(plan, r.fields(pos, layout)):
        if how == "enum":
            value = r.scalar_at(at, kind) if at else default
            out[name] = labels.get(value, value)
        elif how == "scalar":
            out[name] = r.scalar_at(at, kind) if at else default
        elif how == "vector":
            if at:
                out[name] = r.scalars_at(at, kind, _SMALL_VECTOR)
        elif at:
            out[name] = r.string_at(at)[:_MAX_OPTION_STRING]
    return out


_MAX_OPTION_STRING = 256
_VECTOR_KINDS = frozenset(
    {"bool", "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64", "float32", "float64"}
)
