"""Models already compiled for a phone NPU by a LiteRT compiler plugin, as the file describes them.

LiteRT's NPU compile (``apply_plugin_main --cmd=apply``, ``ai_edge_litert.aot.aot_compile``) replaces
each partition it compiled with a ``DISPATCH_OP`` custom op (``kLiteRtDispatchOpCustomName``,
``litert/core/build_stamp.h``) whose custom options are a FlexBuffer map ``{bytecode_size,
bytecode_offset, name}`` (``litert/core/dispatch_op_schema.cc``), appends the byte code after the
flatbuffer, and adds a ``LiteRtStamp`` metadata entry: ``char soc_manufacturer[125]`` then ``char
soc_model[125]`` (``litert/core/build_stamp.cc``).  An older layout keeps an ``NPU_BYTE_CODE`` metadata
entry and a 251-byte stamp (LiteRT's ``precompiled_mediatek_model.tflite`` test model), or the example
plugin's ``NPU_OP``.  The delegates (:mod:`oplint.delegates.litert_npu`) and OPL323 read this.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:  # pragma: no cover
    from ..core.model import Model, Op

DISPATCH_OP = "DISPATCH_OP"  #: kLiteRtDispatchOpCustomName (build_stamp.h)
STAMP_KEY = "LiteRtStamp"  #: kLiteRtBuildStampKey (build_stamp.h)
BYTE_CODE_KEY = "NPU_BYTE_CODE"  #: the older layout's metadata
LEGACY_OP = "NPU_OP"  #: the example plugin's custom op in the older layout (tflite/testdata/with_metadata.bin)


class Partition(NamedTuple):
    op: Op
    name: str | None  #: the byte code's name ("qnn_partition_0", "Partition_0"); None: no options
    size: int | None  #: bytes of byte code
    offset: int | None  #: where the byte code starts in the file


class Compiled(NamedTuple):
    """What a model compiled by a LiteRT NPU plugin says about itself."""

    manufacturer: str | None  #: the stamp's SoC manufacturer ("Qualcomm", "MediaTek", "GoogleTensor")
    soc: str | None  #: the stamp's SoC model ("SM8650", "mt6989"), when it names one
    partitions: tuple[Partition, ...]
    layout: str  #: "dispatch" (DISPATCH_OP options), or "legacy" (NPU_BYTE_CODE metadata)
    missing_byte_code: bool = False  #: a partition's byte code lies outside the file

    @property
    def vendor(self) -> str | None:
        """The vendor, from the stamp or (measured) from the partitions' names."""
        if self.manufacturer:
            return {"GoogleTensor": "Google Tensor", "IntelOpenVINO": "Intel OpenVINO"}.get(
                self.manufacturer, self.manufacturer
            )
        names = {p.name for p in self.partitions}
        if names and all(n and n.startswith("qnn_partition_") for n in names):
            return "Qualcomm"  # qnn_compiler_plugin.cc names its byte code qnn_partition_%d
        if names == {""}:
            return "Google Tensor"  # measured: Google Tensor's test models name no partition
        return None

    def describe(self) -> str:
        who = self.vendor or "an unknown NPU"
        if self.soc:
            who += f" {self.soc}"
        return who


def _cstr(raw: bytes) -> str:
    return raw.split(b"\0", 1)[0].decode("utf-8", "replace").strip()


def compiled(model: Model) -> Compiled | None:
    """The NPU compile a model already went through (None: none)."""
    return model.derived("npu-compiled", lambda: _compiled(model))


def _compiled(model: Model) -> Compiled | None:
    ops = [op for op in model.ops() if op.kind == "CUSTOM" and op.custom_code in (DISPATCH_OP, LEGACY_OP)]
    if not ops:
        return None
    from ..readers.payloads import custom_options, file_size, flexbuffer_map, metadata

    stamp = metadata(model, STAMP_KEY, 512) if STAMP_KEY in model.metadata else None
    manufacturer = soc = None
    if stamp is not None and len(stamp) >= 250:  # char soc_manufacturer[125]; char soc_model[125] (build_stamp.cc)
        manufacturer, soc = _cstr(stamp[:125]) or None, _cstr(stamp[125:250]) or None
    partitions = []
    outside = False
    size = file_size(model)
    for op in ops:
        options: dict[str, Any] | None = None
        if op.options.get("custom_options_size"):
            options = flexbuffer_map(custom_options(model, op.graph, op.index))
        if options is None:
            partitions.append(Partition(op, None, None, None))
            continue
        length, offset = options.get("bytecode_size"), options.get("bytecode_offset")
        name = options.get("name")
        length = length if isinstance(length, int) else None
        offset = offset if isinstance(offset, int) else None
        partitions.append(Partition(op, name if isinstance(name, str) else None, length, offset))
        if size and length is not None and offset is not None and offset + length > size:
            outside = True
    legacy = BYTE_CODE_KEY in model.metadata or any(op.custom_code == LEGACY_OP for op in ops)
    layout = "dispatch" if any(p.size is not None for p in partitions) or not legacy else "legacy"
    return Compiled(manufacturer, soc, tuple(partitions), layout, outside)
