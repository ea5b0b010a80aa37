"""``oplint diff OLD NEW``: ops matched by names and by structure, targets newly failed or passed,
new findings, delegated share; exit 1 only when NEW is worse; the baseline counts on neither side."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fixtures.tflite_builder import Graph, Op, T, build
from oplint.cli import cli
from oplint.run.config import Config, TargetSpec
from oplint.run.diff import diff_paths
from tests.helpers import SHARED, runner


def model(extra: str | None = None, names: bool = True, first: str | None = None) -> bytes:
    """x -> FULLY_CONNECTED -> [extra] -> RELU -> y, optionally with an op before it all."""
    n = (lambda s: s) if names else (lambda s: "")
    tensors = [
        T(n("x"), "float32", (1, 8)),
        T(n("w"), "float32", (8, 8), const=True),
        T(n("dense"), "float32", (1, 8)),
        T(n("y"), "float32", (1, 8)),
    ]
    ops = [Op("FULLY_CONNECTED", [0, 1, -1], [2]), Op("RELU", [2], [3])]
    if extra:
        tensors.append(T(n("extra"), "float32", (1, 8)))
        ops = [ops[0], Op(extra, [2], [4]), Op("RELU", [4], [3])]
    inputs = [0]
    if first:
        tensors.append(T(n("in"), "float32", (1, 8)))
        tensors[0] = T(n("x"), "float32", (1, 8))
        ops.insert(0, Op(first, [len(tensors) - 1], [0]))
        inputs = [len(tensors) - 1]
    return build([Graph(tensors, ops, inputs, [3])])


@pytest.fixture()
def models(tmp_path: Path) -> dict[str, str]:
    out = {}
    for name, data in {
        "v1": model(),
        "gelu": model("GELU"),
        "sign": model("SIGN"),
        "gelu_after_tanh": model("GELU", first="TANH"),
        "v1_nameless": model(names=False),
        "gelu_nameless": model("GELU", names=False),
    }.items():
        path = tmp_path / f"{name}.tflite"
        path.write_bytes(data)
        out[name] = str(path)
    return out


def diff(old: str, new: str, *targets: str, **config: object) -> object:
    cfg = Config(targets=tuple(TargetSpec(t) for t in targets), **config)  # type: ignore[arg-type]
    return diff_paths(old, new, cfg)


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner().invoke(cli, ["diff", "--isolated", *args])
    return result.exit_code, result.stdout, result.stderr


def test_the_same_model_is_not_worse(models: dict[str, str]) -> None:
    d = diff(models["v1"], models["v1"], "tflite", "tflm", "xnnpack")
    assert not d.worse and not d.added and not d.removed and not d.changed  # type: ignore[attr-defined]
    assert d.matched == {"name": 2}  # type: ignore[attr-defined]
    code, out, _ = invoke(models["v1"], models["v1"], "-t", "tflm")
    assert code == 0 and out.rstrip().endswith("NEW is not worse on any checked target.")


def test_an_op_the_target_lacks_makes_new_worse(models: dict[str, str]) -> None:
    d = diff(models["v1"], models["gelu"], "tflite", "tflm")
    assert [(r.op, r.name) for r in d.added] == [("GELU", "extra")]  # type: ignore[attr-defined]
    tflite, tflm = d.targets  # type: ignore[attr-defined]
    assert tflite.verdict == "passes" and not tflite.worse
    assert tflm.verdict == "newly fails" and tflm.worse == ("newly fails", "1 new finding at or above error")
    assert [f.code for f in tflm.new_findings] == ["OPL101"]
    code, out, _ = invoke(models["v1"], models["gelu"], "-t", "tflite,tflm")
    assert code == 1
    assert "  + sg0:op1 GELU 'extra'" in out
    assert "tflm: passes -> fails (1 error)  WORSE: newly fails" in out
    assert out.rstrip().endswith("NEW is worse on tflm.")
    # the other way round: fixed, and not worse
    back = diff(models["gelu"], models["v1"], "tflm")
    assert back.targets[0].verdict == "newly passes" and not back.worse  # type: ignore[attr-defined]
    assert [f.code for f in back.targets[0].fixed_findings] == ["OPL101"]  # type: ignore[attr-defined]
    assert invoke(models["gelu"], models["v1"], "-t", "tflm")[0] == 0


def test_ops_that_move_keep_their_findings(models: dict[str, str]) -> None:
    """A TANH put in front shifts every op index; GELU's OPL101 is the same finding (matched by name)."""
    d = diff(models["gelu"], models["gelu_after_tanh"], "tflm")
    assert [r.op for r in d.added] == ["TANH"]  # type: ignore[attr-defined]
    (tflm,) = d.targets  # type: ignore[attr-defined]
    assert tflm.new_findings == () and tflm.fixed_findings == () and not tflm.worse


def test_ops_without_names_are_matched_by_structure(models: dict[str, str]) -> None:
    d = diff(models["v1_nameless"], models["gelu_nameless"], "tflm")
    assert d.matched == {"structure": 2}  # type: ignore[attr-defined]
    assert [r.op for r in d.added] == ["GELU"] and d.removed == ()  # type: ignore[attr-defined]
    assert d.worse  # type: ignore[attr-defined]


def test_a_smaller_delegated_share_is_worse(models: dict[str, str]) -> None:
    d = diff(models["v1"], models["sign"], "xnnpack", "gpu")
    xnnpack, gpu = d.targets  # type: ignore[attr-defined]
    assert xnnpack.old_share.op_share == 1.0 and xnnpack.new_share.op_share == pytest.approx(2 / 3, abs=1e-4)
    assert xnnpack.new_share.partitions == 2
    assert "delegated ops 100.0% -> 66.7%" in xnnpack.worse
    assert not gpu.worse  # the GPU delegate takes SIGN


def test_outputs(models: dict[str, str]) -> None:
    code, out, _ = invoke(models["v1"], models["sign"], "-t", "tflm,xnnpack", "--output-format", "json")
    doc = json.loads(out)
    assert code == 1 and doc["version"] == 1 and doc["worse"] is True and doc["worse_on"] == ["tflm", "xnnpack"]
    assert doc["ops"]["added"] == [{"graph": 0, "index": 1, "op": "SIGN", "name": "extra"}]
    assert doc["targets"]["xnnpack"]["new"]["delegation"]["partitions"] == 2
    assert doc["memory"]["tflm_arena_bytes"]["delta"] > 0
    code, out, _ = invoke(models["v1"], models["sign"], "-t", "tflm,xnnpack", "--output-format", "markdown")
    assert out.startswith("### oplint diff: worse on `tflm`, `xnnpack`")
    assert "| `tflm` | passes | fails (1 error) |" in out
    assert "- `tflm` sg0:op1 OPL101 [error] SIGN 'extra' has no kernel in TensorFlow Lite Micro" in out
    assert invoke(models["v1"], models["sign"], "-t", "tflm", "--exit-zero")[0] == 0


def test_the_baseline_counts_on_neither_side(models: dict[str, str], tmp_path: Path) -> None:
    baseline = tmp_path / "accepted.json"
    wrote = runner().invoke(
        cli, ["check", "--isolated", models["gelu"], "-t", "tflm", "--write-baseline", "--baseline", str(baseline)]
    )
    assert wrote.exit_code == 0, wrote.output
    # GELU's OPL101 is accepted: adding GELU is not worse, and OLD (which had it too) loses nothing
    code, out, _ = invoke(models["v1"], models["gelu"], "-t", "tflm", "--baseline", str(baseline))
    assert code == 0, out
    assert "tflm: passes -> passes" in out
    code, out, _ = invoke(models["gelu"], models["gelu_after_tanh"], "-t", "tflm", "--baseline", str(baseline))
    assert code == 0 and "fixed" not in out


def test_usage_errors(models: dict[str, str], tmp_path: Path) -> None:
    code, _, err = invoke(models["v1"], str(tmp_path / "missing.tflite"))
    assert code == 2 and "no such file" in err
    code, _, err = invoke(models["v1"], str(tmp_path))
    assert code == 2 and "holds 6 models" in err
    # an unreadable NEW is worse on every target
    bad = tmp_path / "bad.tflite"
    bad.write_bytes(b"garbage")
    code, out, _ = invoke(models["v1"], str(bad), "-t", "tflite,tflm")
    assert code == 1 and "every target: new OPL001" in out


def test_a_savedmodel_against_a_tflite_named_as_the_converter_names(tmp_path: Path) -> None:
    """fixtures/savedmodel/gelu_fused against a .tflite written as the converter writes its
    conversion (TFLite tensor names made of the TF node names, ';' between fused ones): matched by
    name, the GELU is what oplint predicted, and its OPL101 on tflm is the OPL114 of the Erfc."""
    from tests.helpers import fixture

    tensors = [
        T("x", "float32", (1, 16)),
        T("model/dense/Const", "float32", (16, 16), const=True),
        T("model/dense/MatMul", "float32", (1, 16)),
        T("model/dense/mul_2;model/dense/Erfc;model/dense/mul", "float32", (1, 16)),
    ]
    ops = [Op("FULLY_CONNECTED", [0, 1, -1], [2]), Op("GELU", [2], [3])]
    lite = tmp_path / "gelu.tflite"
    lite.write_bytes(build([Graph(tensors, ops, [0], [3])]))
    d = diff(fixture("savedmodel/gelu_fused"), str(lite), "tflite", "tflm")
    assert d.matched == {"name": 2} and not d.added and not d.removed and not d.changed  # type: ignore[attr-defined]
    tflite, tflm = d.targets  # type: ignore[attr-defined]
    assert tflm.verdict == "still fails" and tflm.new_findings == () and not tflm.worse
    assert tflite.verdict == "passes" and not d.worse  # type: ignore[attr-defined]


@pytest.mark.skipif(not (SHARED / "oracle" / "corpus").is_dir(), reason="needs ../shared/oracle/corpus")
def test_a_savedmodel_against_its_conversion() -> None:
    """The converter's .tflite beside the SavedModel it came from (../shared/oracle): ops matched
    through the TF node names in the TFLite tensor names, fusions reported as changes."""
    folder = SHARED / "oracle" / "corpus" / "activations_zoo"
    d = diff(str(folder / "saved_model"), str(folder / "activations_zoo.float32.tflite"), "tflite", "tflm")
    assert d.old_format == "savedmodel" and d.new_format == "tflite"  # type: ignore[attr-defined]
    assert d.matched["name"] >= 20 and sum(d.matched.values()) == d.new_ops  # type: ignore[attr-defined]
    assert not d.added and not d.worse  # type: ignore[attr-defined]
    whats = [c.what for c in d.changed]  # type: ignore[attr-defined]
    assert "AddV2, Relu6, RealDiv, Mul -> HARD_SWISH (predicted ADD, DIV, MUL, RELU6)" in whats
