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
#: plus what prepare_patterns.td removes or turns into Identity
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
    "ReadVariableOp",
    "VarHandleOp",
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
    text: str, tfl: dict[str, str], path: str
) -> tuple[dict[str, list[tuple[list[str], str, bool]]], dict[str, tuple[list[str], str]]]:
    """From the declarative patterns: TF op -> [(builtins, source, conditional)], and TF op ->
    (TF ops it is rewritten into, source) for patterns whose result is TF ops only."""
    found: dict[str, list[tuple[list[str], str, bool]]] = {}
    lowered: dict[str, tuple[list[str], str]] = {}
    for head, body in td_blocks(text):
        name_m = re.match(r"def\s+(\w+)", head)
        if head.startswith("foreach"):
            for tf_op, tfl_op in re.findall(r"\[\s*TF_(\w+)Op\s*,\s*TFL_(\w+)\s*\]", body):
                if tfl_op in tfl:
                    found.setdefault(tf_op, []).append(([tfl[tfl_op]], f"{path} foreach", True))
            continue
        if not name_m or not re.search(r":\s*(Pat|Pattern)\s*<", body):
            continue
        src = re.search(r"<\s*\(\s*TF_(\w+)Op\b", body)
        if not src:
            continue
        rest = body[src.end() :]
        conditional = bool(re.search(r"TensorOf<|Tensor:\$|Attr:\$|Constraint|\[\(|IsDataFormat", body))
        results = [tfl[c] for c in re.findall(r"\bTFL_(\w+)\b", rest) if c in tfl]
        if results:
            found.setdefault(src.group(1), []).append((_primary(results), f"{path} {name_m.group(1)}", conditional))
            continue
        tf_results = [t for t in re.findall(r"\(\s*TF_(\w+)Op\b", rest) if t not in ("Const", src.group(1))]
        if tf_results and src.group(1) not in lowered:
            uniq = list(dict.fromkeys(tf_results))
            lowered[src.group(1)] = (uniq, f"{path} {name_m.group(1)}")
    return found, lowered


def cc_legalizations(text: str, tfl: dict[str, str], path: str) -> dict[str, list[tuple[list[str], str, bool]]]:
    """TF op -> [(builtins, source, True)] from C++ patterns (a function or class body) that
    create TFL ops."""
    found: dict[str, list[tuple[list[str], str, bool]]] = {}
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
        results = [tfl[c] for c in created if c in tfl]
        if not results:
            continue
        found.setdefault(src, []).append((_primary(results), f"{path} {name}", True))
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
    tfl = tfl_builtins(LITERT.show(litert, TFL_OPS_TD), builtins_known)
    legal: dict[str, list[tuple[list[str], str, bool]]] = {}
    lowerings: dict[str, tuple[list[str], str]] = {}
    for path in (*TD_FILES, PREPARE_TD):
        found, lowered = td_legalizations(LITERT.show(litert, path), tfl, path.rsplit("/", 1)[1])
        for op, rows in found.items():
            legal.setdefault(op, []).extend(rows)
        for op, row in lowered.items():
            lowerings.setdefault(op, row)
    for path in CC_FILES:
        for op, rows in cc_legalizations(LITERT.show(litert, path), tfl, path.rsplit("/", 1)[1]).items():
            legal.setdefault(op, []).extend(rows)
    raw = set(raw_ops)

    def op_name(td_name: str) -> str:
        # the dialect's class for tf.ReadVariableOp is TF_ReadVariableOp (no second "Op")
        return td_name + "Op" if td_name not in raw and td_name + "Op" in raw else td_name

    legal = {op_name(k): v for k, v in legal.items()}
    lowerings = {op_name(k): ([op_name(t) for t in v[0]], v[1]) for k, v in lowerings.items()}
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
            unconditional = [r for r in rows if not r[2]]
            chosen = unconditional[0] if unconditional else rows[0]
            row = {"fate": "builtin", "builtins": chosen[0], "source": chosen[1]}
            if not unconditional:
                row["conditional"] = True
        elif op in lowerings:
            row = {"fate": "flex" if op in allow else "unsupported", "lowered-to": lowerings[op][0]}
            row["source"] = lowerings[op][1]
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
        for key in ("builtins", "fate", "when", "note"):
            if key in spec:
                row[key] = spec[key]
        if "builtins" in spec and "fate" not in spec:
            row["fate"] = "builtin"
        if "lowered-to" in spec:
            row["lowered-to"] = spec["lowered-to"]
        row["source"] = "overrides/tf_fate.toml: " + spec["source"]
    for row in table.values():
        if "lowered-to" in row:
            resolved = resolve_lowering(row, table)
            if resolved is not None:
                row["fate"] = "builtin"
                row["builtins"] = resolved
    stats = {
        "ops": len(table),
        **{
            fate: sum(1 for r in table.values() if r["fate"] == fate)
            for fate in ("builtin", "flex", "unsupported", "plumbing")
        },
    }
    return table, stats


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
