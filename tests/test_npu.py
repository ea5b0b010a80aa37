"""The phone NPU targets (qualcomm, intel-openvino, mediatek, google-tensor) against the real plugins.

``fixtures/npu/VERDICTS.json`` is what ai-edge-litert 2.3.0's compiler plugins did with every model of
the fixtures and ../shared (scripts/record_npu.py); ``fixtures/npu/QNN_REASONS.json`` and
``QNN_COMPILE_OPS.json`` say why Qualcomm left ops on the CPU or failed a compile.  No vendor SDK is
needed here: the tests read the records.  The comparison itself is ``tests/fidelity_npu.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from oplint.delegates import qualcomm
from oplint.delegates.delegation import analyse
from oplint.delegates.qualcomm import qnn
from oplint.delegates.qualcomm.plugin import View
from oplint.knowledge.targets import resolve
from oplint.readers import load
from oplint.readers.payloads import flexbuffer_map
from tests import fidelity_npu as fid
from tests.helpers import FIXTURES, ROOT, codes, lint

needs_shared = pytest.mark.skipif(not fid.have_shared(), reason="../shared (oracle and corpus) is not present")
REASONS = FIXTURES / "npu" / "QNN_REASONS.json"

#: compile verdicts oplint does not predict: (model key suffix, SoC) -> what the record shows.  Every
#: one is a v68 compile (SM8350) that fails where oplint says it compiles; each op of these models
#: compiles alone on SM8350 (fixtures/npu/QNN_COMPILE_OPS.json) except the pad_slice_reshape slice.
_VTCM = (
    "QNN's v68 graph preparation fails on a combination of float ops ('could not create op: q::flat_from_vtcm' "
    "after {}); each op alone compiles, and v75/v81 compile the model"
)
_GRU = (
    "the compile validates the GRU loop body's Gather again and refuses it ('Output[0] has incorrect Rank 2'); "
    "the partition's validation took it, each op alone compiles, and v75/v81 compile the model"
)
_SLICE = (
    "v68 cannot prepare the float STRIDED_SLICE [1,8,8,4] -> [1,4,8,4] ('could not create op: "
    "q::ForceFormat_Crouton', also alone), while 10 other float STRIDED_SLICEs compile on SM8350: no rule "
    "separates them"
)
COMPILE_EXPLAINED: dict[tuple[str, str], str] = {
    ("litert/test/testdata/norm.tflite", "SM8350"): _VTCM.format("a SlicePad"),
    ("litert/test/testdata/rope.tflite", "SM8350"): _VTCM.format("a SlicePad"),
    ("gelu_variants.float32_flex_custom.tflite", "SM8350"): _VTCM.format("POW (Power)"),
    ("gru_keras3.dynamic.tflite", "SM8350"): _GRU,
    ("gru_keras3.float16.tflite", "SM8350"): _GRU,
    ("gru_keras3.float32.tflite", "SM8350"): _GRU,
    ("gru_tfkeras.dynamic.tflite", "SM8350"): _GRU,
    ("gru_tfkeras.float16.tflite", "SM8350"): _GRU,
    ("gru_tfkeras.float32.tflite", "SM8350"): _GRU,
    ("pad_slice_reshape.dynamic.tflite", "SM8350"): _SLICE,
    ("pad_slice_reshape.float16.tflite", "SM8350"): _SLICE,
    ("pad_slice_reshape.float32.tflite", "SM8350"): _SLICE,
}


def _check(result: fid.Result, min_ops: int) -> None:
    assert result.ops >= min_ops, result.summary()
    assert result.false_clean == 0, [d for d in result.differences if d.what == "op" and d.oplint.startswith("NPU")]
    assert result.op_agreement >= 0.98, result.summary()
    assert result.refusals_agree == result.models, [d for d in result.differences if d.what == "model"]
    assert result.partitions_agree == result.partitions, [d for d in result.differences if d.what == "partitions"]
    if result.compiles:
        soc = result.config.split("@")[1]
        unexplained = [
            d for d in result.differences
            if d.what == "compile" and not any(d.key.endswith(k) and s == soc for k, s in COMPILE_EXPLAINED)
        ]  # fmt: skip
        assert result.compile_agreement >= 0.95, result.summary()
        assert not unexplained, "\n".join(f"{d.key}: oplint {d.oplint} / recorded {d.recorded}" for d in unexplained)


@needs_shared
@pytest.mark.parametrize("config", fid.configs())
def test_placement_agrees_with_the_recorded_plugins(config: str) -> None:
    """Per op, per model and (Qualcomm) per compile, on the 466 recorded models."""
    _check(fid.compare(config), 4500)


def test_fixtures_agree_with_the_recorded_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fixtures' records alone (no ../shared needed)."""
    data = fid.record()
    only = {k: v for k, v in data["models"].items() if k.startswith("fixtures/")}
    monkeypatch.setattr(fid, "record", lambda: {**data, "models": only})
    for config in ("qualcomm@SM8650", "qualcomm@SM8350", "intel_openvino@LNL"):
        _check(fid.compare(config), 70)


# -- QNN's validator, as measured ---------------------------------------------------------------
@cache
def reasons() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(REASONS.read_text())
    return data


def _evidence(text: str) -> tuple[str, int, int]:
    """ "KEY op 3" or "KEY sg2 op 3" -> (key, graph, op)."""
    key, _, where = text.partition(" ")
    parts = where.split()
    graph = int(parts[0][2:]) if parts[0].startswith("sg") else 0
    return key, graph, int(parts[-1])


@pytest.mark.parametrize("rule", qnn.VALIDATOR, ids=lambda r: r.name)
def test_each_measured_validator_rule_names_its_evidence(rule: qnn.Measured) -> None:
    """The op a rule was measured on is one the plugin left on the CPU, and the rule refuses it."""
    key, graph, index = _evidence(rule.evidence)
    entry = fid.record()["models"][key]
    soc = "SM8350" if "v68" in rule.name else "SM8650"
    part = entry["runs"][f"qualcomm@{soc}"]["partition"]
    assert part["status"] == "ok" and [graph, index] not in part["npu"], rule.evidence
    if not fid.model_path(key).is_file():
        pytest.skip(f"{key} is in ../shared, which is not present")
    model = fid.read(key)
    assert model is not None
    op = model.graphs[graph].ops[index]
    settings = qualcomm.Settings(soc, qualcomm.SOC_ARCH[soc][0])
    assert rule.test(View(model, model.graphs[graph], op), settings) is not None, (rule.name, op)
    said = [o for o in reasons()["models"].get(key, {}).get(soc, []) if o["op"] == [graph, index]]
    if rule.qnn_op is None:  # the plugin built no QNN op for it
        assert not said or not said[0]["qnn"], said
        return
    assert said and said[0]["qnn"], f"QNN_REASONS.json has no QNN op for {rule.evidence}"
    refused = said[0]["qnn"][0]  # the QNN op the validator refused, and what it printed
    assert refused["type"] == rule.qnn_op, (refused, rule.qnn_op)
    printed = refused.get("says", "")
    if printed.startswith("Unsupported input/output datatypes"):
        assert rule.says == qnn._unsupported(rule.qnn_op), (printed, rule.says)
    else:
        assert rule.says.startswith(qnn._GENERIC), (printed, rule.says)


@pytest.mark.parametrize("rule", qnn.COMPILE_RULES, ids=lambda r: r.name)
def test_each_compile_rule_names_its_evidence(rule: qnn.CompileFailure) -> None:
    """The model a compile rule was measured on failed to compile, with the message the rule quotes;
    an op the SoC cannot prepare fails on SM8350 only, and the rule finds it among the ops selected."""
    entry = fid.record()["models"][rule.evidence]
    soc = "SM8350" if rule.test is not None else "SM8650"
    compiled = entry["runs"][f"qualcomm@{soc}"]["compile"]
    assert compiled["status"] == "failed", rule.evidence
    alone = json.loads((FIXTURES / "npu" / "QNN_COMPILE_OPS.json").read_text())["socs"]["SM8350"]
    printed = " ".join(
        compiled.get("errors", []) + [e for o in alone.get(rule.evidence, []) for e in o.get("errors", [])]
    )
    quoted = rule.says.split("q::")[-1].split(" ")[0] if "q::" in rule.says else rule.says[:30]
    assert quoted in printed, (quoted, printed[:500])
    if rule.test is None:
        return
    assert entry["runs"]["qualcomm@SM8650"]["compile"]["status"] == "ok", rule.evidence
    if not fid.model_path(rule.evidence).is_file():
        pytest.skip(f"{rule.evidence} is in ../shared, which is not present")
    model = fid.read(rule.evidence)
    assert model is not None
    selected = {tuple(x) for x in entry["runs"]["qualcomm@SM8350"]["partition"]["npu"]}
    v68, v75 = qualcomm.Settings("SM8350", "v68"), qualcomm.Settings("SM8650", "v75")
    hits = [
        op
        for op in model.ops()
        if op.key in selected and rule.test(View(model, model.graphs[op.graph], op), v68) is not None
    ]
    assert hits, rule.evidence
    assert all(rule.test(View(model, model.graphs[op.graph], op), v75) is None for op in hits)


def test_reasons_record_covers_every_cpu_op_of_a_builder() -> None:
    """QNN_REASONS.json lists a reason for the ops 2.3.0's plugin logged as unsupported."""
    data = reasons()
    assert data["socs"] == ["SM8650", "SM8350"]
    logged = sum(len(v) for entry in data["models"].values() for v in entry.values() if isinstance(v, list))
    assert logged > 300


def test_soc_table_maps_the_recorded_socs_to_their_htp() -> None:
    arch = {soc: qualcomm.SOC_ARCH[soc][0] for soc in ("SM8350", "SA8295", "SM8450", "SM8650", "SM8850", "SA8255")}
    assert arch == {
        "SM8350": "v68",
        "SA8295": "v68",
        "SM8450": "v69",
        "SM8650": "v75",
        "SM8850": "v81",
        "SA8255": "v73",
    }
    target = resolve("qualcomm", "SM8350")
    assert qualcomm.Settings.of(target) == qualcomm.Settings("SM8350", "v68")
    assert qualcomm.Settings.of(resolve("qualcomm")).soc == "SM8650"


# -- the probes of scripts/npu_probes.py, replayed ---------------------------------------------
sys.path.insert(0, str(ROOT / "scripts"))
import npu_probes  # noqa: E402

#: probes where ai-edge-litert 2.3.0 does what the pinned source does not (oplint follows the pin)
PROBE_DRIFT = {
    (
        "SQUEEZE (no builder at the pin)",
        f"qualcomm@{soc}",
    ): "2.3.0's Qualcomm plugin has a SQUEEZE builder; the pin has none"
    for soc in ("SM8650", "SM8350")
}


def _probe_placement(path: Path, config: str) -> object:
    vendor, soc = config.split("@")
    target = resolve(fid.TARGETS[vendor], soc if vendor == "qualcomm" else None)
    d = analyse(load(str(path)), target)
    assert d is not None
    if d.rejection is not None and d.rejection.stage == "runtime":
        return "fail"
    return d.verdicts[(0, 0)].supported


@pytest.mark.parametrize("name", sorted(fid.record()["probes"]))
def test_probes_replayed(name: str, tmp_path: Path) -> None:
    """Each recorded probe: oplint places its first op where the real plugin did."""
    recorded = fid.record()["probes"][name]
    path = tmp_path / "probe.tflite"
    path.write_bytes(npu_probes.probes()[name]["make"]())
    for config, run in recorded["runs"].items():
        part = run["partition"]
        real = "fail" if part["status"] != "ok" else [0, 0] in part.get("npu", [])
        mine = _probe_placement(path, config)
        if (name, config) in PROBE_DRIFT:
            assert mine != real, f"{name} on {config} no longer differs: drop it from PROBE_DRIFT"
            continue
        assert mine == real, (name, config, mine, real)
        if "compile" in run and config.startswith("qualcomm"):
            d = analyse(load(str(path)), resolve("qualcomm", config.split("@")[1]))
            assert d is not None
            assert fid.compile_class(d) == fid.recorded_compile(run), (name, config)
        assert run["agrees_with_pin"] and run.get("compile_as_expected", True), (name, config)


def test_measured_probes_were_predicted_before_they_ran() -> None:
    """The probes of QNN's validator and compiler (basis "measured") ran with the real plugin after
    oplint's rules were written; the record says every one came out as those rules predicted."""
    probes = {k: v for k, v in fid.record()["probes"].items() if v.get("basis") == "measured"}
    assert len(probes) >= 25
    configs = {c for v in probes.values() for c in v["runs"]}
    assert configs == {"qualcomm@SM8650", "qualcomm@SM8350", "intel_openvino@LNL"}
    compiled = [c for v in probes.values() for c, r in v["runs"].items() if "compile_as_expected" in r]
    assert len(compiled) >= 6


# -- MediaTek and Google Tensor: no reference ran; probes pin the translation ------------------
def _one(kind: str, ins: list[Any], outs: list[Any], options: Any = None, **kw: Any) -> bytes:
    return npu_probes.one(kind, ins, outs, options, **kw)


def _mtk_and_gt_probes() -> dict[str, tuple[bytes, object, object, str]]:
    """name -> (model, MediaTek's placement, Google Tensor's placement, the pinned lines)."""
    from fixtures.tflite_builder import Q, T

    f32 = "float32"
    x4 = (1, 4, 4, 8)
    fm, const32 = npu_probes.fm, npu_probes.const32
    mtk, gt = "mediatek/compiler/compiler_plugin.cc", "google_tensor/compiler/compiler_plugin.cc"
    add = ("AddOptions", {"fused_activation_function": 0})
    return {
        "ADD float32": (
            _one("ADD", [fm("a", f32, x4), fm("b", f32, x4)], [fm("y", f32, x4)], add),
            True,
            True,
            f"{mtk}:92",
        ),
        "ADD int16 per-channel": (
            _one(
                "ADD",
                [T("a", "int16", (1, 2), quant=Q([0.1, 0.2], [0, 0], 1)), fm("b", "int16", (1, 2))],
                [fm("y", "int16", (1, 2))],
                add,
            ),
            False,
            True,
            "mediatek/compiler/legalizations/neuron_utils.cc:88",
        ),
        "ADD unquantized int8": (
            _one("ADD", [T("a", "int8", (1, 4)), T("b", "int8", (1, 4))], [T("y", "int8", (1, 4))], add),
            False,
            True,
            "mediatek/compiler/legalizations/neuron_utils.cc:119",
        ),
        "CAST runtime int64": (
            _one("CAST", [T("a", "int64", (4,))], [T("y", "int32", (4,))]),
            False,
            True,
            "neuron_utils.cc:163",
        ),
        "EXP float32 (not in MediaTek's list)": (
            _one("EXP", [fm("x", f32, x4)], [fm("y", f32, x4)]),
            False,
            True,
            f"{mtk}:91",
        ),
        "SQUARED_DIFFERENCE": (
            _one("SQUARED_DIFFERENCE", [fm("a", f32, x4), fm("b", f32, x4)], [fm("y", f32, x4)]),
            True,
            True,
            f"{mtk}:114",
        ),
        "SHAPE (Google Tensor deny list)": (
            _one("SHAPE", [fm("x", f32, x4)], [T("s", "int32", (4,))]),
            False,
            False,
            f"{gt}:150",
        ),
        "WHERE (Google Tensor deny list)": (
            _one("WHERE", [T("c", "bool", (4,))], [T("i", "int64", (2, 1))]),
            False,
            False,
            f"{gt}:160",
        ),
        "custom op": (
            _one("CUSTOM", [fm("x", f32, x4)], [fm("y", f32, x4)], custom_code="MyOp", custom_options=b"\0"),
            False,
            False,
            f"{gt}:161",
        ),
        "RESIZE_NEAREST_NEIGHBOR computed size": (
            _one(
                "RESIZE_NEAREST_NEIGHBOR",
                [fm("x", f32, x4), T("size", "int32", (2,))],
                [fm("y", f32, (1, 8, 8, 8))],
                ("ResizeNearestNeighborOptions", {}),
            ),
            "fail",
            True,
            "mediatek/compiler/legalizations/resize_nearest_neighbor_op_legalization.cc:51",
        ),
        "GATHER (Google Tensor offers it)": (
            _one(
                "GATHER",
                [fm("x", f32, (2, 8)), const32("i", 1, 0)],
                [fm("y", f32, (2, 8))],
                ("GatherOptions", {"axis": 0}),
            ),
            False,
            True,
            f"{gt}:677",
        ),
    }


@pytest.mark.parametrize("name", sorted(_mtk_and_gt_probes()))
def test_mediatek_and_google_tensor_probes(name: str, tmp_path: Path) -> None:
    model, mtk, gt, _cite = _mtk_and_gt_probes()[name]
    path = tmp_path / "probe.tflite"
    path.write_bytes(model)
    for target, want in (("mediatek", mtk), ("google-tensor", gt)):
        d = analyse(load(str(path)), resolve(target))
        assert d is not None
        got = "fail" if d.rejection is not None else d.verdicts[(0, 0)].supported
        assert got == want, (name, target, got, d.verdicts[(0, 0)], d.rejection)


def test_composites_follow_their_plugin(tmp_path: Path) -> None:
    """A composite the plugin takes carries its decomposition; one it does not take is inlined."""
    from fixtures.tflite_builder import Graph, Op, T, build

    def composite(name: str) -> bytes:
        main = Graph(
            [T("x", "float32", (1, 8)), T("y", "float32", (1, 8))],
            [
                Op(
                    "STABLEHLO_COMPOSITE",
                    [0],
                    [1],
                    options=("StableHLOCompositeOptions", {"name": name, "decomposition_subgraph_index": 1}),
                )
            ],
            [0],
            [1],
        )
        body = Graph(
            [T("a", "float32", (1, 8)), T("b", "float32", (1, 8)), T("c", "float32", (1, 8))],
            [Op("MUL", [0, 0], [1], options=("MulOptions", {})), Op("EXP", [1], [2])],
            [0],
            [2],
            name="decomposition",
        )
        return build([main, body])

    path = tmp_path / "composite.tflite"
    path.write_bytes(composite("odml.rms_norm"))
    d = analyse(load(str(path)), resolve("intel-openvino"))
    assert d is not None and d.verdicts[(0, 0)].supported and d.verdicts[(1, 0)].supported  # absorbed
    path.write_bytes(composite("odml.something"))
    d = analyse(load(str(path)), resolve("intel-openvino"))
    assert d is not None and not d.verdicts[(0, 0)].supported
    assert "inlines its decomposition" in d.verdicts[(0, 0)].reasons[-1]
    assert d.verdicts[(1, 0)].supported and d.verdicts[(1, 1)].supported  # offered in its place
    path.write_bytes(composite("odml.cpu_call"))
    d = analyse(load(str(path)), resolve("qualcomm"))
    assert d is not None and not d.verdicts[(1, 0)].supported


# -- models already compiled for an NPU -----------------------------------------------------------
def test_npu_fixtures_are_up_to_date() -> None:
    script = ROOT / "fixtures" / "npu" / "build.py"
    done = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_compiled_model_is_recognised() -> None:
    findings = lint("npu/compiled_qualcomm_sm8650.tflite", "qualcomm")
    assert "OPL323" in codes(findings) and "OPL104" in codes(findings)  # MyCustomOp; DISPATCH_OP is registered
    text = next(f.message for f in findings if f.code == "OPL323")
    assert "Qualcomm SM8650" in text and "'qnn_partition_0', 64 bytes" in text and "MyCustomOp (op 1)" in text
    assert "cannot run" not in text
    other = next(f.message for f in lint("npu/compiled_qualcomm_sm8650.tflite", "mediatek") if f.code == "OPL323")
    assert other.endswith("mediatek cannot run its byte code")
    d = analyse(load(str(FIXTURES / "npu" / "compiled_qualcomm_sm8650.tflite")), resolve("qualcomm"))
    assert d is not None and d.compiled and d.verdicts[(0, 0)].supported and not d.verdicts[(0, 1)].supported
    assert "OPL301" not in codes(findings)


@needs_shared
def test_litert_precompiled_test_models_are_recognised() -> None:
    base = fid.SHARED / "corpus" / "models" / "google-ai-edge__LiteRT"
    expect = {
        "litert/test/testdata/simple_model_qualcomm_sm8650_precompiled.tflite": "Qualcomm SM8650",
        "litert/test/testdata/simple_add_op.sm8750.tflite": "Qualcomm SM8750",
        "litert/test/testdata/simple_model_npu_mediatek_mt6989_precompiled.tflite": "MediaTek mt6989",
        "litert/test/testdata/simple_add_op_google_tensor_p25_precompiled.tflite": "Google Tensor P25",
        "litert/test/testdata/simple_model_npu_google_tensor_precompiled.tflite": "Google Tensor",
        "litert/test/testdata/precompiled_mediatek_model.tflite": "an unknown NPU",
    }
    for rel, who in expect.items():
        found = [f.message for f in lint(str(base / rel), "qualcomm") if f.code == "OPL323"]
        assert found and f"compiled for {who} by" in found[0], (rel, found)


def test_flexbuffer_maps_decode_and_hostile_bytes_do_not_raise() -> None:
    from fixtures.npu.build import dispatch_options

    assert flexbuffer_map(dispatch_options(29528, 1168, "qnn_partition_0")) == {
        "bytecode_size": 29528,
        "bytecode_offset": 1168,
        "name": "qnn_partition_0",
    }
    data = dispatch_options(1, 2, "x")
    for cut in range(len(data)):
        flexbuffer_map(data[:cut])  # never raises
        flexbuffer_map(data[cut:])
    assert flexbuffer_map(b"\x00") is None and flexbuffer_map(None) is None


# -- the rules ----------------------------------------------------------------------------------
def test_whole_model_refusals_name_the_way_out() -> None:
    found = [f for f in lint("tflite/string_input.tflite", "qualcomm") if f.code == "OPL304"]
    assert found and "litert type: 5" in found[0].message and "string processing" in (found[0].hint or "")
    found = [f for f in lint("tflite/lstm_projection.tflite", "intel-openvino") if f.code == "OPL304"]
    assert found and "Variable tensors not yet supported" in found[0].message
    assert "state in and out" in (found[0].hint or "")


def test_intermediate_tensors_stop_every_npu_target(tmp_path: Path) -> None:
    """LiteRT's model loader refuses an op with intermediate tensors (model_load.cc 107), before any plugin."""
    from fixtures.tflite_builder import Graph, Op, T, build

    tensors = [
        T("a", "float32", (1, 4)),
        T("b", "float32", (1, 4)),
        T("y", "float32", (1, 4)),
        T("i", "float32", (1, 4)),
    ]
    ops = [Op("ADD", [0, 1], [2], options=("AddOptions", {}), intermediates=[3])]
    path = tmp_path / "intermediates.tflite"
    path.write_bytes(build([Graph(tensors, ops, [0, 1], [2])]))
    for target in ("qualcomm", "intel-openvino", "mediatek", "google-tensor"):
        d = analyse(load(str(path)), resolve(target))
        assert d is not None and d.rejection is not None, target
        assert "Intermediate tensors not yet supported" in d.rejection.message
        assert str(d.rejection.cite) == "litert/core/model/model_load.cc:107"


def test_cpu_fallback_hints_name_the_converter_setting(tmp_path: Path) -> None:
    """A hybrid (dynamic-range) convolution: the hint names full-integer quantization."""
    from fixtures.tflite_builder import Q, T

    path = tmp_path / "hybrid_conv.tflite"
    path.write_bytes(
        npu_probes.one(
            "CONV_2D",
            [
                T("x", "float32", (1, 8, 8, 4)),
                T("w", "int8", (4, 3, 3, 4), const=True, quant=Q([0.1] * 4, [0] * 4, 0)),
                T("b", "float32", (4,), const=True),
            ],
            [T("y", "float32", (1, 8, 8, 4))],
            ("Conv2DOptions", {"padding": "SAME", "stride_w": 1, "stride_h": 1}),
        )
    )
    found = [f for f in lint(str(path), "qualcomm") if f.code == "OPL301"]
    assert found and "representative_dataset" in (found[0].hint or "") and "QNN's HTP validator" in found[0].message
