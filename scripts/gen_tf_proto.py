"""Generate oplint's own minimal TensorFlow SavedModel/GraphDef ``.proto`` and compile it.

The field names and numbers are facts read from the protobuf descriptors of the pinned
``tensorflow-cpu`` wheel (dumped once to ``savedmodel_proto_fields.json``; pass the file with
``--fields``, or ``--from-tf`` to read the descriptors of an installed TensorFlow directly).
Only the messages and fields the SavedModel reader needs are written; everything else is
skipped by the parser as an unknown field, which keeps the wire format compatible.  The package
is renamed (``oplint.tf``) so that the module coexists with a real TensorFlow in one process.

    python scripts/gen_tf_proto.py --fields ../shared/opdata/data/savedmodel_proto_fields.json

writes ``oplint/readers/tf_proto/tf_minimal.proto`` and compiles it with grpcio-tools' protoc to
``tf_minimal_pb2.py`` (both committed).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "oplint" / "readers" / "tf_proto"
#: ``../shared`` of the checkout (or of the folder holding its worktrees)
SHARED = next((p / "shared" for p in ROOT.parents if (p / "shared" / "opdata").is_dir()), ROOT.parent / "shared")
DEFAULT_FIELDS = SHARED / "opdata" / "data" / "savedmodel_proto_fields.json"
SOURCE = "PyPI tensorflow-cpu==2.21.0 (protobuf descriptors of tensorflow/core/{framework,protobuf}/*.proto)"

#: message -> fields kept (None: all of them).  Nested messages are written inside their parent.
KEEP: dict[str, list[str] | None] = {
    "tensorflow.SavedModel": None,
    "tensorflow.MetaGraphDef": ["meta_info_def", "graph_def", "signature_def"],
    "tensorflow.MetaGraphDef.MetaInfoDef": [
        "meta_graph_version",
        "tags",
        "tensorflow_version",
        "tensorflow_git_version",
    ],
    "tensorflow.MetaGraphDef.SignatureDefEntry": None,
    "tensorflow.SignatureDef": None,
    "tensorflow.SignatureDef.InputsEntry": None,
    "tensorflow.SignatureDef.OutputsEntry": None,
    "tensorflow.SignatureDef.DefaultsEntry": None,
    "tensorflow.TensorInfo": ["name", "dtype", "tensor_shape"],
    "tensorflow.GraphDef": ["node", "library", "versions", "debug_info"],
    "tensorflow.VersionDef": None,
    "tensorflow.NodeDef": ["name", "op", "input", "device", "attr", "experimental_debug_info"],
    "tensorflow.NodeDef.AttrEntry": None,
    "tensorflow.NodeDef.ExperimentalDebugInfo": None,
    "tensorflow.AttrValue": None,
    "tensorflow.AttrValue.ListValue": None,
    "tensorflow.NameAttrList": None,
    "tensorflow.NameAttrList.AttrEntry": None,
    # constant values are read only for small float scalars (fusion patterns compare them)
    "tensorflow.TensorProto": ["dtype", "tensor_shape", "tensor_content", "float_val", "int_val", "int64_val"],
    "tensorflow.TensorShapeProto": None,
    "tensorflow.TensorShapeProto.Dim": None,
    "tensorflow.FunctionDefLibrary": ["function"],
    "tensorflow.FunctionDef": ["signature", "attr", "arg_attr", "node_def", "ret", "control_ret"],
    "tensorflow.FunctionDef.AttrEntry": None,
    "tensorflow.FunctionDef.ArgAttrs": None,
    "tensorflow.FunctionDef.ArgAttrs.AttrEntry": None,
    "tensorflow.FunctionDef.ArgAttrEntry": None,
    "tensorflow.FunctionDef.RetEntry": None,
    "tensorflow.FunctionDef.ControlRetEntry": None,
    "tensorflow.OpDef": ["name", "input_arg", "output_arg"],
    "tensorflow.OpDef.ArgDef": ["name", "type", "type_attr", "number_attr", "type_list_attr"],
    "tensorflow.GraphDebugInfo": None,
    "tensorflow.GraphDebugInfo.FileLineCol": None,
    "tensorflow.GraphDebugInfo.StackTrace": None,
    "tensorflow.GraphDebugInfo.FramesByIdEntry": None,
    "tensorflow.GraphDebugInfo.TracesByIdEntry": None,
    "tensorflow.GraphDebugInfo.TracesEntry": None,
    "tensorflow.GraphDebugInfo.NameToTraceIdEntry": None,
}

SCALARS = {"string", "bytes", "bool", "float", "double", "int32", "int64", "uint32", "uint64", "fixed64", "fixed32"}


def load_fields(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text())
    return data["messages"]  # type: ignore[no-any-return]


def from_tf() -> dict[str, Any]:  # pragma: no cover - maintainer tool, needs TensorFlow
    from tensorflow.core.framework import graph_debug_info_pb2  # noqa: F401
    from tensorflow.core.protobuf import saved_model_pb2

    messages: dict[str, Any] = {}
    labels = {3: True}

    def walk(desc: Any) -> None:
        if desc.full_name in messages:
            return
        fields = []
        for f in desc.fields:
            entry: dict[str, Any] = {"name": f.name, "number": f.number, "repeated": f.label in labels}
            if f.message_type is not None:
                entry["type"] = "message"
                entry["message"] = f.message_type.full_name
                entry["map"] = f.message_type.GetOptions().map_entry
                walk(f.message_type)
            elif f.enum_type is not None:
                entry["type"] = "enum"
                entry["enum"] = f.enum_type.full_name
            else:
                entry["type"] = {
                    9: "string",
                    12: "bytes",
                    8: "bool",
                    2: "float",
                    1: "double",
                    5: "int32",
                    3: "int64",
                    13: "uint32",
                    4: "uint64",
                    6: "fixed64",
                    7: "fixed32",
                }[f.type]
            if f.containing_oneof is not None:
                entry["oneof"] = f.containing_oneof.name
            fields.append(entry)
        messages[desc.full_name] = {"fields": fields}

    walk(saved_model_pb2.SavedModel.DESCRIPTOR)
    return messages


def short(full: str) -> str:
    return full.rsplit(".", 1)[1]


def field_type(f: dict[str, Any], messages: dict[str, Any]) -> str:
    if f["type"] == "message":
        return short(f["message"])
    if f["type"] == "enum":
        return "int32"  # DataType: kept as its number (oplint.readers.savedmodel maps the names)
    assert f["type"] in SCALARS, f
    return str(f["type"])


def render_message(name: str, messages: dict[str, Any], indent: str) -> list[str]:
    lines = [f"{indent}message {short(name)} {{"]
    keep = KEEP[name]
    children = sorted(n for n in KEEP if n.startswith(name + ".") and "." not in n[len(name) + 1 :])
    for child in children:
        if child.endswith("Entry"):
            continue  # map entries are written as map<K, V> fields
        lines.extend(render_message(child, messages, indent + "  "))
    fields = [f for f in messages[name]["fields"] if keep is None or f["name"] in keep]
    if keep is not None:
        missing = set(keep) - {f["name"] for f in fields}
        if missing:
            raise SystemExit(f"{name}: fields {sorted(missing)} not in the descriptors")
    oneofs: dict[str, list[dict[str, Any]]] = {}
    for f in sorted(fields, key=lambda f: f["number"]):
        if f.get("oneof"):
            oneofs.setdefault(f["oneof"], []).append(f)
            continue
        lines.append(indent + "  " + render_field(f, messages) + ";")
    for oneof, members in oneofs.items():
        lines.append(f"{indent}  oneof {oneof} {{")
        lines.extend(indent + "    " + render_field(f, messages) + ";" for f in members)
        lines.append(f"{indent}  }}")
    lines.append(f"{indent}}}")
    return lines


def render_field(f: dict[str, Any], messages: dict[str, Any]) -> str:
    if f.get("map"):
        entry = {e["name"]: e for e in messages[f["message"]]["fields"]}
        return (
            f"map<{field_type(entry['key'], messages)}, {field_type(entry['value'], messages)}> "
            f"{f['name']} = {f['number']}"
        )
    label = "repeated " if f["repeated"] else ""
    return f"{label}{field_type(f, messages)} {f['name']} = {f['number']}"


def render(messages: dict[str, Any]) -> str:
    out = [
        "// Generated by scripts/gen_tf_proto.py. Do not edit.",
        f"// Field names and numbers: {SOURCE}.",
        "// A wire-compatible subset of SavedModel / MetaGraphDef / GraphDef / FunctionDef / GraphDebugInfo;",
        "// fields left out are skipped as unknown fields when parsing.",
        'syntax = "proto3";',
        "",
        "package oplint.tf;",
        "",
    ]
    for name in KEEP:
        if name.count(".") == 1:
            out.extend(render_message(name, messages, ""))
            out.append("")
    return "\n".join(out)


def strip_version_check(path: Path) -> None:
    """Drop protoc's ``ValidateProtobufRuntimeVersion`` call: the module only adds a serialized
    descriptor and builds message classes (APIs stable since protobuf 4.21), so it need not pin
    the runtime to the protoc release that happened to generate it."""
    text = path.read_text()
    start = text.find("_runtime_version.ValidateProtobufRuntimeVersion(")
    if start >= 0:
        end = text.index(")\n", start) + 2
        text = text[:start] + text[end:]
    text = text.replace("from google.protobuf import runtime_version as _runtime_version\n", "")
    path.write_text(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fields", type=Path, default=DEFAULT_FIELDS)
    parser.add_argument("--from-tf", action="store_true", help="read the descriptors of an installed TensorFlow")
    args = parser.parse_args(argv)
    messages = from_tf() if args.from_tf else load_fields(args.fields)
    OUT.mkdir(parents=True, exist_ok=True)
    proto = OUT / "tf_minimal.proto"
    proto.write_text(render(messages))
    subprocess.run(
        [sys.executable, "-m", "grpc_tools.protoc", f"-I{OUT}", f"--python_out={OUT}", proto.name],
        check=True,
        cwd=OUT,
    )
    strip_version_check(OUT / "tf_minimal_pb2.py")
    print(f"wrote {proto.relative_to(ROOT)} and tf_minimal_pb2.py")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
