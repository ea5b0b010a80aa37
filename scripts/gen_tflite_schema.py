#!/usr/bin/env python3
"""Generate ``oplint/readers/tflite_schema.py`` from LiteRT's ``schema.fbs``.

The module is the reader's whole knowledge of the TFLite flatbuffer layout: enum names,
union member tables and, for every table, its fields in vtable-slot order (a union field
takes two slots, ``<name>_type`` then ``<name>``; deprecated fields keep their slot).  It is
plain data, so importing it costs no more than a tuple literal and it never needs numpy or
the ``flatbuffers`` package.

    python scripts/gen_tflite_schema.py --litert PATH_TO_LITERT_CLONE
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from _sources import LITERT, ROOT, SCHEMA_FBS

OUT = ROOT / "oplint" / "readers" / "tflite_schema.py"

SCALARS = {
    "bool": "bool",
    "byte": "int8",
    "ubyte": "uint8",
    "short": "int16",
    "ushort": "uint16",
    "int": "int32",
    "uint": "uint32",
    "long": "int64",
    "ulong": "uint64",
    "float": "float32",
    "double": "float64",
    "int8": "int8",
    "uint8": "uint8",
    "int16": "int16",
    "uint16": "uint16",
    "int32": "int32",
    "uint32": "uint32",
    "int64": "int64",
    "uint64": "uint64",
    "float32": "float32",
    "float64": "float64",
}


def strip_comments(text: str) -> str:
    return re.sub(r"//[^\n]*", "", text)


def parse(text: str) -> dict[str, dict]:
    text = strip_comments(text)
    enums: dict[str, dict] = {}
    unions: dict[str, list[str | None]] = {}
    tables: dict[str, list[tuple[str, str, object]]] = {}
    structs: dict[str, list[tuple[str, str]]] = {}
    ident = None
    m = re.search(r'file_identifier\s+"(\w{4})"', text)
    if m:
        ident = m.group(1)
    for kind, name, base, body in re.findall(
        r"\b(enum|union|table|struct)\s+(\w+)\s*(?::\s*(\w+))?\s*(?:\([^)]*\))?\s*\{(.*?)\}", text, re.S
    ):
        if kind == "enum":
            values: dict[int, str] = {}
            nxt = 0
            for item in body.split(","):
                item = re.sub(r"\([^)]*\)", "", item).strip()
                if not item:
                    continue
                if "=" in item:
                    key, val = (s.strip() for s in item.split("=", 1))
                    nxt = int(val, 0)
                else:
                    key = item
                values[nxt] = key
                nxt += 1
            enums[name] = {"base": SCALARS[base], "values": values}
        elif kind == "union":
            members: list[str | None] = [None]
            for item in body.split(","):
                item = re.sub(r"\([^)]*\)", "", item).strip()
                if item:
                    members.append(item.split("=")[0].strip())
            unions[name] = members
        else:
            fields = []
            for decl in body.split(";"):
                decl = decl.strip()
                if not decl:
                    continue
                fm = re.match(r"(\w+)\s*:\s*(\[?\s*\w+\s*\]?)\s*(?:=\s*([^()\s]+))?\s*(\(.*\))?$", decl, re.S)
                if not fm:
                    raise SystemExit(f"cannot parse field in {name}: {decl!r}")
                fname, ftype, default, attrs = fm.groups()
                ftype = ftype.replace(" ", "")
                if attrs and re.search(r"\bid\s*:", attrs):
                    raise SystemExit(f"explicit field ids are not supported ({name}.{fname})")
                fields.append((fname, ftype, default))
            if kind == "struct":
                structs[name] = [(f, t) for f, t, _ in fields]
            else:
                tables[name] = fields
    return {"ident": ident, "enums": enums, "unions": unions, "tables": tables, "structs": structs}


def resolve_type(ftype: str, schema: dict) -> str:
    """Type code used by the reader: scalar name, 'string', 'table:X', 'enum:X', 'union:X', '[...]'."""
    if ftype.startswith("["):
        return "[" + resolve_type(ftype[1:-1], schema) + "]"
    if ftype in SCALARS:
        return SCALARS[ftype]
    if ftype == "string":
        return "string"
    if ftype in schema["enums"]:
        return "enum:" + ftype
    if ftype in schema["unions"]:
        return "union:" + ftype
    if ftype in schema["tables"]:
        return "table:" + ftype
    if ftype in schema["structs"]:
        return "struct:" + ftype
    raise SystemExit(f"unknown type {ftype}")


def default_value(ftype: str, default: str | None, schema: dict) -> object:
    if ftype.startswith(("table:", "union:", "[", "struct:")) or ftype == "string":
        return None
    if ftype.startswith("enum:"):
        enum = schema["enums"][ftype[5:]]
        if default is None:
            return 0
        if re.fullmatch(r"-?\d+", default):
            return int(default)
        inverse = {v: k for k, v in enum["values"].items()}
        return inverse[default]
    if ftype == "bool":
        return default == "true"
    if ftype.startswith("float"):
        return float(default) if default is not None else 0.0
    return int(default, 0) if default is not None else 0


def render(schema: dict) -> str:
    lines = [
        "# Generated by scripts/gen_tflite_schema.py. Do not edit by hand.",
        f"# Source: {LITERT.repo}@{LITERT.commit} ({LITERT.date}) {SCHEMA_FBS}",
        "# (Apache-2.0). Facts only: enum names and values, union members, table field slots.",
        '"""TFLite flatbuffer layout (enums, unions, table field slots) as plain data."""',
        "",
        "from __future__ import annotations",
        "",
        f"SOURCE = {{'repo': {LITERT.repo!r}, 'commit': {LITERT.commit!r}, 'path': {SCHEMA_FBS!r}}}",
        f"FILE_IDENTIFIER = {schema['ident'].encode()!r}",
        "",
        "# Enums: name -> (storage type, {value: label}).",
        "ENUMS: dict[str, tuple[str, dict[int, str]]] = {",
    ]
    for name, enum in schema["enums"].items():
        lines.append(f"    {name!r}: ({enum['base']!r}, {{")
        for value, label in enum["values"].items():
            lines.append(f"        {value}: {label!r},")
        lines.append("    }),")
    lines.append("}")
    lines.append("")
    lines.append("# Unions: name -> member table per type index (index 0 = NONE).")
    lines.append("UNIONS: dict[str, tuple[str | None, ...]] = {")
    for name, members in schema["unions"].items():
        lines.append(f"    {name!r}: (")
        for member in members:
            lines.append(f"        {member!r},")
        lines.append("    ),")
    lines.append("}")
    lines.append("")
    lines.append("# Tables: name -> fields in vtable slot order as (name, type, default).")
    lines.append("# A union field 'x' occupies two slots: 'x_type' (uint8) then 'x'.")
    lines.append("TABLES: dict[str, tuple[tuple[str, str, object], ...]] = {")
    for name, fields in schema["tables"].items():
        lines.append(f"    {name!r}: (")
        for fname, ftype, default in fields:
            rtype = resolve_type(ftype, schema)
            if rtype.startswith("union:"):
                lines.append(f"        ({fname + '_type'!r}, 'uint8', 0),")
            lines.append(f"        ({fname!r}, {rtype!r}, {default_value(rtype, default, schema)!r}),")
        lines.append("    ),")
    lines.append("}")
    lines.append("")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--litert", type=Path, required=True, help="a clone of google-ai-edge/LiteRT")
    args = ap.parse_args()
    schema = parse(LITERT.show(args.litert, SCHEMA_FBS))
    if schema["structs"]:
        raise SystemExit("structs are not expected in schema.fbs; extend the reader first")
    OUT.write_text(render(schema))
    print(
        f"wrote {OUT.relative_to(ROOT)}: {len(schema['tables'])} tables, {len(schema['enums'])} enums, "
        f"{len(schema['enums']['BuiltinOperator']['values'])} builtin operators"
    )


if __name__ == "__main__":
    main()
