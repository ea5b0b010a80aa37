"""Generate ``rules/tf/tf_ops.toml``: what the TF->TFLite converter does with every TF raw op.

Sources (facts only; no upstream code is copied):

- the TF op registry: the public raw ops of the pinned ``tensorflow-cpu`` wheel
  (``tf.raw_ops``, dumped once to ``tf_raw_ops.txt``; ``--raw-ops`` to pass another list);
- google-ai-edge/LiteRT at the pinned commit: ``tflite/converter/ir/tfl_ops.td`` (TFL op ->
  builtin name), ``transforms/legalize_patterns.td``, ``legalize_variables.td``,
  ``legalize_tensorlist.td`` (declarative TF -> TFL patterns), ``transforms/legalize_tf.cc`` and
  ``prepare_tf.cc`` (C++ patterns), ``prepare_patterns.td`` (plumbing the converter removes);
- the Select TF allowlist, from ``rules/targets/tflite-flex.toml`` (generated from LiteRT's
  ``allowlisted_flex_ops.cc`` by ``gen_tflite_targets.py``);
- ``rules/overrides/tf_fate.toml``: hand-curated rows (TF lowerings, conditional cases), each
  with its source or the converter experiment that shows it.

Each op gets a ``fate``: ``builtin`` (legalized to the listed builtins), ``flex`` (no builtin
path; in the Select TF allowlist), ``unsupported`` (neither: needs a custom op or
``allow_all_select_tf_ops``), or ``plumbing`` (removed before legalization).

    python scripts/gen_tf_fate.py --litert /path/to/LiteRT [--raw-ops tf_raw_ops.txt]
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import NamedTuple

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _sources import LITERT, ROOT, RULES, toml_key, toml_value

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

SHARED = next((p / "shared" for p in ROOT.parents if (p / "shared" / "opdata").is_dir()), ROOT.parent / "shared")
RAW_OPS = SHARED / "opdata" / "data" / "tf_raw_ops.txt"
RAW_OPS_SOURCE = "PyPI tensorflow-cpu==2.21.0 dir(tf.raw_ops)"
TFL_OPS_TD = "tflite/converter/ir/tfl_ops.td"
TD_FILES = (
    "tflite/converter/transforms/legalize_patterns.td",
    "tflite/converter/transforms/legalize_variables.td",
    "tflite/converter/transforms/legalize_tensorlist.td",
)
PREPARE_TD = "tflite/converter/transforms/prepare_patterns.td"
CC_FILES = ("tflite/converter/transforms/legalize_tf.cc", "tflite/converter/transforms/prepare_tf.cc")
OUT = RULES / "tf" / "tf_ops.toml"
OVERRIDES = RULES / "overrides" / "tf_fate.toml"

#: TFL ops that are helpers around the real op (not what users need to know)
HELPERS = frozenset({"NO_VALUE", "PSEUDO_CONST", "CONST", "TRANSPOSE", "RESHAPE", "QUANTIZE", "DEQUANTIZE", "CAST"})
#: TFL mnemonics whose builtin name is not the upper-cased mnemonic (LiteRT converter_gen.cc)
MNEMONIC_BUILTIN = {"basic_lstm": "LSTM"}
#: ops the graph reader already drops as plumbing (oplint/readers/savedmodel.py PLUMBING),
#: plus what prepare_patterns.td removes or turns into Identity; VarHandleOp and ReadVariableOp
#: are not: the reader drops them for variables the converter freezes and keeps the others
READER_PLUMBING = (
    "Const",
    "Identity",
    "IdentityN",
    "NoOp",
    "Placeholder",
    "PlaceholderWithDefault",
    "StopGradient",
    "PreventGradient",
    "Snapshot",
    "CheckNumerics",
    "EnsureShape",
    "VarIsInitializedOp",
    "PartitionedCall",
    "StatefulPartitionedCall",
)


def tfl_builtins(td: str, known: set[str]) -> dict[str, str]:
    """TFL op class (``AddOp``) -> builtin name (``ADD``), for the ops the schema has."""
    out = {}
    for cls, mnemonic in re.findall(r'^def TFL_(\w+)\s*:\s*TFL_\w*Op<"(\w+)"', td, re.M):
        name = MNEMONIC_BUILTIN.get(mnemonic, mnemonic.upper())
        if name in known:
            out[cls] = name
    return out


class Legal(NamedTuple):
    """One legalization pattern: the builtins it yields and the conditions on the TF op's inputs
    it can be checked against (element types and ranks the TFL op's runtime verification accepts,
    ``TFL_RuntimeVerification`` in LegalizeTF, and the pattern's own type constraints)."""

    builtins: list[str]
    source: str
    conditional: bool
    inputs: dict[int, dict[str, object]]  #: TF input position -> {"types": [...], "rank": [lo, hi]}


class TflOp(NamedTuple):
    builtin: str
    #: (name, TF dtypes or None for any, variadic, position among all the op's arguments)
    operands: list[tuple[str, list[str] | None, bool, int]]
    ranks: dict[int, tuple[int, int | None]]  #: operand -> (lowest, highest) rank it verifies
    where: str  #: "tfl_ops.td TFL_XOp"


#: MLIR element types of tfl_ops.td -> the TF dtypes (oplint names) a TF graph tensor has for
#: them; quantized (QI8, QUI8, ...) and FP8 types have none: a TF graph never carries them
MLIR_DTYPES = {
    "F32": "float32",
    "F16": "float16",
    "BF16": "bfloat16",
    "F64": "float64",
    "I1": "bool",
    "I8": "int8",
    "I16": "int16",
    "I32": "int32",
    "I64": "int64",
    "UI8": "uint8",
    "UI16": "uint16",
    "UI32": "uint32",
    "UI64": "uint64",
    "TFL_I4": "int4",
    "TFL_I2": "int2",
    "UI<4>": "uint4",
    "TFL_Str": "string",
    "TFL_Quint8": "quint8",
    "Complex<F<32>>": "complex64",
    "Complex<F<64>>": "complex128",
    "TF_Resource": "resource",
    "TF_Variant": "variant",
}
MLIR_GROUPS = {"TFL_Int32Or64": ("int32", "int64")}
#: element types with no TF dtype (quantized storage types, 8-bit floats)
MLIR_NO_TF = re.compile(r"^(QU?I\d+|F8\w+)$")


def _split_top(text: str) -> list[str]:
    out, depth, cur = [], 0, ""
    for ch in text:
        if ch in "<([{":
            depth += 1
        elif ch in ">)]}":
            depth -= 1
        if ch == "," and depth == 0:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        out.append(cur.strip())
    return out


def _balanced(text: str, start: int, open_: str = "(", close: str = ")") -> str:
    """The text from ``text[start]`` (an opening bracket) to its matching close, exclusive."""
    depth = 0
    for i in range(start, len(text)):
        if text[i] == open_:
            depth += 1
        elif text[i] == close:
            depth -= 1
            if depth == 0:
                return text[start + 1 : i]
    return text[start + 1 :]


def _dtypes(expr: str, named: dict[str, str]) -> list[str] | None:
    """The TF dtypes a tfl_ops.td operand type accepts (None: any type)."""
    expr = expr.strip()
    m = re.search(r"TensorOf(?:OrNone)?<\s*\[", expr)
    if m:
        tokens = _split_top(_balanced(expr, m.end() - 1, "[", "]"))
    elif expr in named:
        return _dtypes(named[expr], named)
    else:
        return None  # AnyTensor, TFL_StatefulTensor, Variadic<AnyTensor>, ...
    out: list[str] = []
    for tok in tokens:
        tok = tok.replace(" ", "")
        if tok in MLIR_DTYPES:
            out.append(MLIR_DTYPES[tok])
        elif tok in MLIR_GROUPS:
            out.extend(MLIR_GROUPS[tok])
        elif not MLIR_NO_TF.match(tok):
            return None  # a type this reading does not know: no condition rather than a wrong one
    return sorted(set(out))


def tfl_signatures(td: str, tfl: dict[str, str]) -> dict[str, TflOp]:
    """TFL op class (``StridedSliceOp``) -> its operands' TF dtypes and verified ranks."""
    named = dict(re.findall(r"^def (TFL_\w+)\s*:\s*(?:TypeAlias<)?(TFL_\w+(?:<\[[^\]]*\]>)?)", td, re.M))
    out: dict[str, TflOp] = {}
    for m in re.finditer(r'^def TFL_(\w+)\s*:\s*TFL_\w*Op<"(\w+)"\s*,', td, re.M):
        cls = m.group(1)
        if cls not in tfl:
            continue
        end = td.find("\ndef ", m.end())
        block = td[m.start() : end if end > 0 else len(td)]
        traits = _balanced(block, block.index("[", block.index(m.group(2))), "[", "]")
        ranks: dict[int, tuple[int, int | None]] = {}
        for kind, args in re.findall(
            r"TFL_(OperandHasRank|OperandHasRankAtMost|OperandHasRankRange|"
            r"OperandHasAtleastRank|OperandHasRankAtLeast)<([\d, ]+)>",
            traits,
        ):
            n = [int(x) for x in args.split(",")]
            span: tuple[int, int | None] = {
                "OperandHasRank": (n[1], n[1]) if len(n) > 1 else (0, None),
                "OperandHasRankAtMost": (0, n[1]) if len(n) > 1 else (0, None),
                "OperandHasRankRange": (n[1], n[2]) if len(n) > 2 else (0, None),
            }.get(kind, (n[1], None) if len(n) > 1 else (0, None))
            lo, hi = ranks.get(n[0], (0, None))
            ranks[n[0]] = (max(lo, span[0]), span[1] if hi is None else (hi if span[1] is None else min(hi, span[1])))
        operands: list[tuple[str, list[str] | None, bool, int]] = []
        args_m = re.search(r"let arguments\s*=\s*\(ins\b", block)
        if args_m:
            items = _split_top(_balanced(block, block.index("(", args_m.start()))[len("ins") :])
            for j, item in enumerate(items):
                kind, _, name = item.rpartition(":$")
                if not kind or "Attr" in kind:
                    continue  # an attribute, not an operand
                variadic = kind.lstrip().startswith(("Variadic", "TFL_Variadic"))
                operands.append((name, _dtypes(kind, named), variadic, j))
        out[cls] = TflOp(tfl[cls], operands, ranks, f"tfl_ops.td TFL_{cls}")
    return out


def _conditions(tfl_op: TflOp, positions: dict[int, int] | None) -> dict[int, dict[str, object]]:
    """Conditions on the TF op's inputs: the TFL argument at position j is fed by TF input
    ``positions[j]`` (None, for C++ patterns: TFL operand 0 by TF input 0 only)."""
    out: dict[int, dict[str, object]] = {}
    for k, (name, types, variadic, j) in enumerate(tfl_op.operands):
        if positions is None and name not in DATA_OPERANDS:
            continue  # a C++ pattern: only a data operand is known to come from TF input 0
        tf_pos = positions.get(j) if positions is not None else (0 if k == 0 else None)
        if tf_pos is None or variadic:
            if variadic and k == 0 and positions is None and types is not None:
                out[0] = {"types": types}
            continue
        cond: dict[str, object] = {}
        if types is not None:
            cond["types"] = types
        if k in tfl_op.ranks:
            lo, hi = tfl_op.ranks[k]
            cond["rank"] = [lo, hi if hi is not None else 99]
        if cond:
            out[tf_pos] = cond
    return out


#: DRR constraints on a pattern's source op that oplint checks on the graph (legalize_patterns.td)
OP_CONSTRAINTS = {"OpHasSameStaticShapes": True, "OpHasNotSameStaticShapes": False}
#: TFL operand names that carry the TF op's data (a C++ pattern passes TF input 0 there)
DATA_OPERANDS = frozenset({"input", "x", "lhs", "values", "value", "params"})


def _dag(text: str, start: int) -> tuple[str, list[str]]:
    """The operator and top-level arguments of the DRR dag opening at ``text[start]``."""
    inner = _balanced(text, start).strip()
    op, _, rest = inner.partition(" ")
    return op.split(":")[0], _split_top(rest)


def _source_types(arg: str) -> list[str] | None:
    kind = arg.rpartition(":$")[0].strip()
    if kind == "F32Tensor":
        return ["float32"]
    m = re.match(r"(?:TensorOf|AnyTypeOf)<\[(.*)\]>$", kind)
    if m:
        got = [MLIR_DTYPES.get(t.strip()) for t in m.group(1).split(",")]
        return sorted({g for g in got if g}) if all(got) else None
    return None


def td_blocks(text: str) -> list[tuple[str, str]]:
    """(pattern name, body) for every ``def NAME : Pat<...>`` / ``Pattern<...>`` in a .td file."""
    text = re.sub(r"//[^\n]*", "", text)
    starts = [m for m in re.finditer(r"^(def|foreach|class|multiclass|let)\b[^\n]*", text, re.M)]
    blocks = []
    for i, m in enumerate(starts):
        end = starts[i + 1].start() if i + 1 < len(starts) else len(text)
        blocks.append((m.group(0), text[m.start() : end]))
    return blocks


def td_legalizations(
    text: str, tfl: dict[str, str], path: str, sigs: dict[str, TflOp]
) -> tuple[dict[str, list[Legal]], dict[str, Legal]]:
    """From the declarative patterns: TF op -> its legalizations, and TF op -> the TF ops a
    pattern whose result has no TFL op rewrites it into (``builtins`` then names TF ops)."""
    found: dict[str, list[Legal]] = {}
    lowered: dict[str, Legal] = {}
    for head, body in td_blocks(text):
        name_m = re.match(r"def\s+(\w+)", head)
        if head.startswith("foreach"):
            for tf_op, tfl_op in re.findall(r"\[\s*TF_(\w+)Op\s*,\s*TFL_(\w+)\s*\]", body):
                if tfl_op in tfl:
                    conds = _conditions(sigs[tfl_op], None) if tfl_op in sigs else {}
                    found.setdefault(tf_op, []).append(Legal([tfl[tfl_op]], f"{path} foreach", True, conds))
            continue
        if not name_m or not re.search(r":\s*(Pat|Pattern)\s*<", body):
            continue
        src = re.search(r"<\s*\(\s*TF_(\w+)Op\b", body)
        if not src:
            continue
        src_start = body.index("(", src.start())
        _, src_args = _dag(body, src_start)
        names = {a.rpartition("$")[2].strip(): i for i, a in enumerate(src_args) if "$" in a}
        inputs: dict[int, dict[str, object]] = {}
        for i, a in enumerate(src_args):
            types = _source_types(a)
            if types is not None:
                inputs[i] = {"types": types}
        rest = body[src.end() :]
        conditional = bool(re.search(r"TensorOf<|Tensor:\$|Attr:\$|Constraint|\[\(|IsDataFormat", body))
        results = [tfl[c] for c in re.findall(r"\bTFL_(\w+)\b", rest) if c in tfl]
        source = f"{path} {name_m.group(1)}"
        if results:
            main = _primary(results)
            # the TFL op that is the result's main op: its operands' types and ranks
            for m in re.finditer(r"\(\s*TFL_(\w+)\b", rest):
                cls = m.group(1)
                if cls in sigs and tfl[cls] == main[0]:
                    _, args = _dag(rest, m.start())
                    positions = {
                        j: names[a.strip().lstrip("$")]
                        for j, a in enumerate(args)
                        if re.fullmatch(r"\$\w+", a.strip()) and a.strip().lstrip("$") in names
                    }
                    for pos, cond in _conditions(sigs[cls], positions).items():
                        mine = inputs.setdefault(pos, {})
                        if "types" in cond:
                            theirs = mine.get("types")
                            mine["types"] = (
                                sorted(set(cond["types"]) & set(theirs)) if theirs is not None else cond["types"]
                            )  # type: ignore[arg-type]
                        if "rank" in cond:
                            mine["rank"] = cond["rank"]
                    break
            legal_row = Legal(main, source, conditional, inputs)
            for constraint, same in OP_CONSTRAINTS.items():
                if re.search(rf"\(\s*{constraint}\b", body):
                    legal_row.inputs[-1] = {"same-shapes": same}
            found.setdefault(src.group(1), []).append(legal_row)
            continue
        tf_results = [t for t in re.findall(r"\(\s*TF_(\w+)Op\b", rest) if t not in ("Const", src.group(1))]
        if tf_results and src.group(1) not in lowered:
            uniq = list(dict.fromkeys(tf_results))
            lowered[src.group(1)] = Legal(uniq, source, conditional, inputs)
    return found, lowered


def cc_legalizations(text: str, tfl: dict[str, str], path: str, sigs: dict[str, TflOp]) -> dict[str, list[Legal]]:
    """TF op -> its legalizations from C++ patterns (a function or class body) that create TFL
    ops; the conditions are those of the main TFL op's first operand."""
    found: dict[str, list[Legal]] = {}
    chunks = re.split(r"\n(?=LogicalResult ConvertTF\w+Op::matchAndRewrite|class |struct )", text)
    for chunk in chunks:
        m = re.match(r"LogicalResult (ConvertTF(\w+)Op)::matchAndRewrite", chunk)
        if m:
            chunk = chunk.split("\n}\n", 1)[0]  # the function body only
            name, src = m.group(1), m.group(2)
        else:
            m = re.match(r"(?:class|struct)\s+(\w+)", chunk)
            k = re.search(r"(?:OpRewritePattern|ConvertTFConvOp)<\s*(?:\w+\s*,\s*)?TF::(\w+)Op\s*>", chunk)
            if not m or not k:
                continue
            name, src = m.group(1), k.group(1)
        created = re.findall(r"(?:replaceOpWithNewOp<|\bTFL::)(?:TFL::)?(\w+?)(?:>|::create\b|\b)", chunk)
        classes = [c for c in created if c in tfl]
        if not classes:
            continue
        main = _primary([tfl[c] for c in classes])
        cls = next((c for c in classes if tfl[c] == main[0] and c in sigs), None)
        conds = _conditions(sigs[cls], None) if cls else {}
        found.setdefault(src, []).append(Legal(main, f"{path} {name}", True, conds))
    return found


def _primary(results: list[str]) -> list[str]:
    """The builtins a pattern yields, without helpers (unless nothing else is left)."""
    seen: list[str] = []
    for r in results:
        if r not in seen:
            seen.append(r)
    main = [r for r in seen if r not in HELPERS]
    return main or seen


def removed_by_prepare(text: str) -> set[str]:
    """TF ops prepare_patterns.td turns into Identity or replaces with their operand."""
    out = set()
    for head, body in td_blocks(text):
        # only unconditional removals: the source is the op applied to plain operands
        m = re.search(r"<\s*\(\s*TF_(\w+)Op\b[^()]*\)\s*,\s*\((TF_IdentityOp|replaceWithValue)\b", body, re.S)
        if m and head.startswith("def"):
            out.add(m.group(1))
    return out


def load_allowlist() -> set[str]:
    data = tomllib.loads((RULES / "targets" / "tflite-flex.toml").read_text())
    return set(data["flex-allowlist"]["core"])


def build(litert: Path, raw_ops: list[str], builtins_known: set[str]) -> tuple[dict[str, dict[str, object]], dict]:
    td = LITERT.show(litert, TFL_OPS_TD)
    tfl = tfl_builtins(td, builtins_known)
    sigs = tfl_signatures(td, tfl)
    legal: dict[str, list[Legal]] = {}
    lowerings: dict[str, Legal] = {}
    for path in (*TD_FILES, PREPARE_TD):
        found, lowered = td_legalizations(LITERT.show(litert, path), tfl, path.rsplit("/", 1)[1], sigs)
        for op, rows in found.items():
            legal.setdefault(op, []).extend(rows)
        for op, low in lowered.items():
            lowerings.setdefault(op, low)
    for path in CC_FILES:
        for op, rows in cc_legalizations(LITERT.show(litert, path), tfl, path.rsplit("/", 1)[1], sigs).items():
            legal.setdefault(op, []).extend(rows)
    raw = set(raw_ops)

    def op_name(td_name: str) -> str:
        # the dialect's class for tf.ReadVariableOp is TF_ReadVariableOp (no second "Op")
        return td_name + "Op" if td_name not in raw and td_name + "Op" in raw else td_name

    legal = {op_name(k): v for k, v in legal.items()}
    lowerings = {op_name(k): v._replace(builtins=[op_name(t) for t in v.builtins]) for k, v in lowerings.items()}
    plumbing = set(READER_PLUMBING) | {op_name(o) for o in removed_by_prepare(LITERT.show(litert, PREPARE_TD))}
    allow = load_allowlist()
    overrides = tomllib.loads(OVERRIDES.read_text())["ops"]

    table: dict[str, dict[str, object]] = {}
    names = sorted(set(raw_ops) | set(overrides))
    for op in names:
        row: dict[str, object] = {}
        if op in plumbing:
            where = "graph plumbing" if op in READER_PLUMBING else "prepare_patterns.td"
            row = {"fate": "plumbing", "source": where}
        elif op in legal:
            rows = legal[op]
            unconditional = [r for r in rows if not r.conditional]
            chosen = unconditional[0] if unconditional else rows[0]
            row = {"fate": "builtin", "builtins": chosen.builtins, "source": chosen.source}
            if not unconditional:
                row["conditional"] = True
            if any(r.inputs for r in rows):
                row["legal"] = _legal_rows(rows)
        elif op in lowerings:
            row = {"fate": "flex" if op in allow else "unsupported", "lowered-to": lowerings[op].builtins}
            row["source"] = lowerings[op].source
            if lowerings[op].inputs:
                row["lowered-when"] = _inputs(lowerings[op].inputs)
        elif op in allow:
            row = {"fate": "flex", "source": "allowlisted_flex_ops.cc"}
        else:
            row = {"fate": "unsupported", "source": "no pattern; not in allowlisted_flex_ops.cc"}
        if op in allow:
            row["flex"] = True  # the fallback when the builtin path is rejected (e.g. for a dtype)
        if op not in raw_ops:
            row["registered"] = False
        table[op] = row
    # overrides: lowered-to is resolved after every direct row is known
    for op, spec in overrides.items():
        row = table[op]
        if any(k in spec for k in ("builtins", "fate", "lowered-to")):
            row.pop("legal", None)  # the override replaces what the patterns say
            row.pop("lowered-when", None)
        for key in ("builtins", "fate", "when", "note", "conditional", "data-input"):
            if key in spec:
                row[key] = spec[key]
        if "builtins" in spec and "fate" not in spec:
            row["fate"] = "builtin"
        if "lowered-to" in spec:
            row["lowered-to"] = spec["lowered-to"]
        if "legal" in spec:  # replaces the generated legalizations
            row["legal"] = spec["legal"]
        if "add-inputs" in spec:
            row["legal"] = _merge_inputs(list(row.get("legal", [])), spec["add-inputs"])  # type: ignore[call-overload]
        if "legal-before" in spec:  # legalizations the converter tries before the generated ones
            row["legal"] = [*spec["legal-before"], *row.get("legal", [])]  # type: ignore[misc]
        if "legal-after" in spec:  # tried when the generated ones do not apply (TF lowerings)
            row["legal"] = [*row.get("legal", []), *spec["legal-after"]]  # type: ignore[misc]
        row["source"] = "overrides/tf_fate.toml: " + spec["source"]
    for row in table.values():
        if "lowered-to" in row:
            resolved = resolve_lowering(row, table)
            if resolved is not None:
                row["fate"] = "builtin"
                row["builtins"] = resolved
                when = row.pop("lowered-when", None)
                if when is not None:  # the lowering's own conditions (its pattern's type constraints)
                    row["legal"] = [{"builtins": resolved, "source": str(row["source"]), "inputs": when}]
    stats = {
        "ops": len(table),
        **{
            fate: sum(1 for r in table.values() if r["fate"] == fate)
            for fate in ("builtin", "flex", "unsupported", "plumbing")
        },
    }
    return table, stats


def _inputs(inputs: dict[int, dict[str, object]]) -> dict[str, dict[str, object]]:
    return {str(k): dict(sorted(v.items())) for k, v in sorted(inputs.items()) if k >= 0}


def _legal_rows(rows: list[Legal]) -> list[dict[str, object]]:
    """Every legalization of an op, in pattern order, with its input conditions (duplicates once);
    an op-level condition (``same-shapes``) is kept under the key -1 of ``inputs``."""
    out: list[dict[str, object]] = []
    for r in rows:
        if set(r.builtins) <= HELPERS:
            continue  # a pattern that only adds quantize/dequantize around the op
        entry: dict[str, object] = {"builtins": r.builtins, "source": r.source}
        if -1 in r.inputs:
            entry.update(r.inputs[-1])
        if any(k >= 0 for k in r.inputs):
            entry["inputs"] = _inputs(r.inputs)
        if entry not in out:
            out.append(entry)
    return out


def _merge_inputs(entries: list[dict[str, object]], extra: dict[str, dict[str, object]]) -> list[dict[str, object]]:
    """An override's ``add-inputs`` conditions, added to every legalization of the op."""
    out = []
    for entry in entries:
        inputs = {k: dict(v) for k, v in dict(entry.get("inputs", {})).items()}  # type: ignore[call-overload]
        for k, cond in extra.items():
            inputs.setdefault(k, {}).update(cond)
        out.append({**entry, "inputs": dict(sorted(inputs.items()))})
    return out


def resolve_lowering(row: dict[str, object], table: dict[str, dict[str, object]]) -> list[str] | None:
    out: list[str] = []
    for target in row["lowered-to"]:  # type: ignore[attr-defined]
        sub = resolve(str(target), table, set())
        if sub is None:
            return None
        out.extend(b for b in sub if b not in out)
    return out


def resolve(op: str, table: dict[str, dict[str, object]], seen: set[str]) -> list[str] | None:
    """Builtins a lowered op ends as, when every op it lowers to has a builtin (or is plumbing)."""
    if op in seen:
        return None
    seen = seen | {op}
    row = table.get(op)
    if row is None:
        return None
    if "lowered-to" in row:
        out: list[str] = []
        for target in row["lowered-to"]:  # type: ignore[union-attr]
            sub = resolve(str(target), table, seen)
            if sub is None:
                return None
            out.extend(b for b in sub if b not in out)
        return out
    if row["fate"] == "plumbing":
        return []
    if row["fate"] == "builtin":
        return list(row.get("builtins", []))  # type: ignore[arg-type]
    return None


def render(table: dict[str, dict[str, object]], stats: dict) -> str:
    lines = [
        f"# Generated by scripts/gen_tf_fate.py from {LITERT.repo}@{LITERT.commit} and {RAW_OPS_SOURCE}.",
        "# Do not edit; hand-curated rows live in rules/overrides/tf_fate.toml.",
        "# fate: builtin (legalized to `builtins`) | flex (Select TF allowlist only) | unsupported | plumbing",
        "# flex = true: the op is in the Select TF allowlist (the fallback when its builtin path is rejected)",
        "",
        "[[provenance]]",
        f'repo = "{LITERT.repo}"',
        f'commit = "{LITERT.commit}"',
        f'date = "{LITERT.date}"',
        f'path = "{TFL_OPS_TD}, {", ".join(TD_FILES)}, {PREPARE_TD}, {", ".join(CC_FILES)}"',
        "",
        "[[provenance]]",
        f'package = "{RAW_OPS_SOURCE}"',
        "",
        "[[provenance]]",
        'path = "rules/targets/tflite-flex.toml (allowlisted_flex_ops.cc), rules/overrides/tf_fate.toml"',
        "",
        "[counts]",
        *(f"{k} = {v}" for k, v in stats.items()),
        "",
        "[ops]",
    ]
    for op, row in table.items():
        lines.append(f"{toml_key(op)} = {toml_value(row)}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--litert", type=Path, default=Path("/work/.mirror/google-ai-edge+LiteRT/repo"))
    parser.add_argument("--raw-ops", type=Path, default=RAW_OPS)
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed table is not current")
    parser.add_argument(
        "--tf-python", help="an interpreter with the pinned tensorflow-cpu: read dir(tf.raw_ops) from it instead"
    )
    args = parser.parse_args(argv)
    if args.tf_python:
        import subprocess

        code = (
            "import tensorflow as tf; print(tf.__version__)\n"
            "print('\\n'.join(sorted(n for n in dir(tf.raw_ops) if n[0].isupper())))"
        )
        out = subprocess.run([args.tf_python, "-c", code], capture_output=True, text=True, check=True).stdout.split()
        if out[0] != "2.21.0":
            raise SystemExit(f"the table is pinned to tensorflow 2.21.0, not {out[0]}")
        raw_ops = out[1:]
    else:
        raw_ops = [line.strip() for line in args.raw_ops.read_text().splitlines() if line.strip()]
    known = set(tomllib.loads((RULES / "targets" / "tflite.toml").read_text())["builtins"])
    table, stats = build(args.litert, raw_ops, known)
    text = render(table, stats)
    if args.check:
        current = OUT.is_file() and OUT.read_text() == text
        print(f"{OUT.relative_to(ROOT)} is {'current' if current else 'STALE: run scripts/gen_tf_fate.py'}")
        return 0 if current else 1
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text)
    print(f"wrote {OUT.relative_to(ROOT)}: {stats}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
