"""A model against the firmware that runs it: resolvers (OPL107-OPL109), custom targets, memory
budgets (OPL501, OPL502) and the memory the outputs report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from oplint.cli import cli
from oplint.run.config import Config, ConfigError, TargetSpec, load_config
from oplint.run.lint import lint_file, lint_paths, prepare
from tests.helpers import FIXTURES, ROOT, codes, fixture, lint, runner

MICRO_SPEECH = str(ROOT / "examples" / "micro_speech_quantized.tflite")


def resolver_config(*names: str, targets: str = "tflm", **extra: object) -> Config:
    return Config(
        targets=(TargetSpec.parse(targets),), resolver=tuple(FIXTURES / "resolvers" / n for n in names), **extra
    )  # type: ignore[arg-type]


def test_the_resolver_that_serves_the_model_is_chosen() -> None:
    # two resolvers in one file: the keyword model's <4> and the audio preprocessor's <18>
    run = prepare(resolver_config("tflm_micro_speech_test.cc"))
    assert lint_file(MICRO_SPEECH, run).findings == ()
    # the person detection firmware lacks FULLY_CONNECTED, and only that
    run = prepare(resolver_config("tflm_person_detection.cc"))
    findings = lint_file(MICRO_SPEECH, run).findings
    assert [(f.code, f.location.op) for f in findings] == [("OPL107", "FULLY_CONNECTED")]
    assert "Didn't find op for builtin opcode 'FULLY_CONNECTED'" in findings[0].message


def test_without_a_resolver_nothing_changes() -> None:
    assert lint("tflite/conv_int8.tflite", "tflm") == []


def test_all_ops_resolver_registers_everything() -> None:
    assert codes(lint("tflite/conv_int8.tflite", "tflm-arduino+resolver=resolvers/arduino_hello_world.ino")) == []


def test_overflowed_registration_is_missing() -> None:
    found = lint("tflite/conv_int8.tflite", "tflm+resolver=resolvers/oplint_too_small.cc")
    assert sorted(codes(found)) == ["OPL107", "OPL108"]
    opl108 = next(f for f in found if f.code == "OPL108")
    assert "Couldn't register builtin op #25, resolver size is too small (1)." in opl108.message
    assert "the model needs SOFTMAX" in opl108.message


def test_n_below_the_models_op_count() -> None:
    found = lint("tflite/conv_int8.tflite", "tflm+resolver=resolvers/esp_hello_world.cc")
    (opl108,) = [f.message for f in found if f.code == "OPL108"]
    assert opl108.startswith("the model needs 2 distinct ops but the firmware's MicroMutableOpResolver<1> (")
    assert opl108.endswith("fixtures/resolvers/esp_hello_world.cc:9) has 1 slot: it cannot register them all")


def test_assumed_branch_is_named() -> None:
    cfg = resolver_config("tflm_person_detection_benchmark.cc", resolver_defines=("ETHOS_U",))
    findings = lint_file(MICRO_SPEECH, prepare(cfg)).findings
    opl108 = next(f for f in findings if f.code == "OPL108")
    assert "assuming ETHOS_U defined" in opl108.message and "N = 6 when !(defined(ETHOS_U))" in opl108.message
    # the Ethos-U build's resolver registers only the NPU op: every CPU op is missing
    assert sorted(f.location.op for f in findings if f.code == "OPL107") == [
        "DEPTHWISE_CONV_2D",
        "FULLY_CONNECTED",
        "RESHAPE",
        "SOFTMAX",
    ]


def test_custom_ops_registered_by_name() -> None:
    assert "OPL104" in codes(lint("tflite/custom_op.tflite", "tflm"))
    assert codes(lint("tflite/custom_op.tflite", "tflm+resolver=resolvers/oplint_custom_ops.cc")) == []
    found = lint("tflite/detection_postprocess.tflite", "tflm+resolver=resolvers/esp_hello_world.cc")
    assert [f.code for f in found if f.code == "OPL107"] == ["OPL107"]
    assert "Failed to get registration from op code CUSTOM" in next(f.message for f in found if f.code == "OPL107")


def test_ethos_u_registration_makes_an_ethos_u_build() -> None:
    assert "OPL104" in codes(lint("tflite/ethos_u.tflite", "tflm"))
    npu = lint("tflite/ethos_u.tflite", "tflm+resolver=resolvers/mlek_kws_model.hpp,resolvers/mlek_kws_model.cc")
    assert codes(npu) == ["OPL320"]  # (info: the model was compiled by Vela)


def test_specialized_kernel_types() -> None:
    found = lint("tflite/conv_float.tflite", "tflm+resolver=resolvers/tflm_person_detection.cc")
    (opl109,) = [f for f in found if f.code == "OPL109"]
    assert "Register_CONV_2D_INT8()" in opl109.message and "input float32 (the kernel takes int8)" in opl109.message
    assert "OPL109" not in codes(lint("tflite/conv_int8.tflite", "tflm+resolver=resolvers/tflm_person_detection.cc"))


# -- custom targets --------------------------------------------------------------------------


def write_project(tmp_path: Path, body: str) -> Path:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'board'\n\n" + body)
    (tmp_path / "src").mkdir(exist_ok=True)
    (tmp_path / "src" / "model_ops.cc").write_text((FIXTURES / "resolvers" / "esp_micro_speech.cc").read_text())
    return tmp_path


BOARD = """
[tool.oplint.targets.board]
extends = "tflm"
description = "our board: 64 KB of RAM for the arena"
resolver = "src/model_ops.cc"
arena-size = "6K"
flash-size = "16K"

[tool.oplint.targets.npu-free]
extends = "tflm-esp"
ops = ["CONV_2D", "SOFTMAX", "TFLite_Detection_PostProcess"]
"""


def test_custom_targets_from_configuration(tmp_path: Path) -> None:
    cfg = load_config(cwd=write_project(tmp_path, BOARD))
    assert [t.label for t in cfg.targets] == ["board", "npu-free"]
    board, npu_free = prepare(cfg).targets
    assert board.id == "board" and board.base == "tflm" and board.origin == "pyproject.toml"
    assert board.firmware is not None and board.arena_size == 6144 and board.flash_size == 16384
    assert npu_free.allowed_ops == {"CONV_2D", "SOFTMAX", "TFLite_Detection_PostProcess"}
    report = lint_paths([MICRO_SPEECH], cfg)
    (result,) = report.results
    assert sorted((f.target, f.code) for f in result.findings) == [
        ("board", "OPL501"),
        ("board", "OPL502"),
        ("npu-free", "OPL107"),
        ("npu-free", "OPL107"),
        ("npu-free", "OPL107"),
    ]
    assert result.memory["board"]["arena"] == {"bytes": 7584, "head": 5968, "tail": 1616, "exact": True, "budget": 6144}
    assert result.memory["npu-free"]["arena"]["exact"] is False  # ESP-NN kernels are not replayed


def test_custom_target_on_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_project(tmp_path, BOARD.replace('arena-size = "6K"', 'arena-size = "64K"').replace("16K", "1M"))
    monkeypatch.chdir(tmp_path)
    result = runner().invoke(cli, ["check", MICRO_SPEECH, "-t", "board", "--output-format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["targets"] == ["board"]
    memory = doc["results"][0]["targets"]["board"]["memory"]
    assert memory["flash"] == {"model_bytes": 18800, "budget": 1 << 20}
    listed = runner().invoke(cli, ["targets"])
    assert "board: board (TensorFlow Lite Micro)" in listed.stdout
    assert "custom target of pyproject.toml: tflm" in listed.stdout
    assert "resolver: MicroMutableOpResolver<4> (src/model_ops.cc:12): 4 ops" in listed.stdout
    as_json = json.loads(runner().invoke(cli, ["targets", "--json"]).stdout)
    board = next(t for t in as_json if t["id"] == "board")
    assert board["custom"] and board["base"] == "tflm" and board["resolver"]["files"] == ["src/model_ops.cc"]
    assert runner().invoke(cli, ["predict", str(FIXTURES / "savedmodel" / "cumprod"), "-t", "board"]).exit_code == 0


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[tool.oplint.targets.b]\nextends = "tflm"\nram = "1K"\n', "unknown key 'ram'"),
        ("[tool.oplint.targets.b]\ndescription = 'x'\n", "'extends' names the built-in target"),
        ('[tool.oplint.targets.b]\nextends = "board2"\n', "'extends' = 'board2' is not a built-in target"),
        ('[tool.oplint.targets.tflm]\nextends = "tflm"\n', "'tflm' is a built-in target"),
        ('[tool.oplint.targets.b]\nextends = "tflm"\nops = ["CONV2D"]\n', "'CONV2D', which is not a TFLite builtin"),
        ('[tool.oplint.targets.b]\nextends = "tflm"\narena-size = "lots"\n', "'arena-size' must be a size"),
        ('[tool.oplint.targets]\nb = "tflm"\n', "'targets.b' must be a table"),
        ('[tool.oplint.targets.b]\nextends = "tflm"\nresolver = "src/nope.cc"\n', "resolver source not found"),
        ('[tool.oplint]\nresolver = "README.md"\n', "no MicroMutableOpResolver declaration"),
        (
            '[tool.oplint.targets.b]\nextends = "ethos-u55"\nresolver = "src/model_ops.cc"\n',
            "a 'resolver' is read for TensorFlow Lite Micro targets",
        ),
    ],
)
def test_bad_custom_targets_are_usage_errors(tmp_path: Path, body: str, message: str) -> None:
    write_project(tmp_path, body)
    (tmp_path / "README.md").write_text("# not C++\n")
    with pytest.raises(ConfigError, match=message):
        prepare(load_config(cwd=tmp_path))


def test_bad_custom_target_exits_2_with_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_project(tmp_path, '[tool.oplint.targets.b]\nextends = "tflm"\nram = "1K"\n')
    monkeypatch.chdir(tmp_path)
    result = runner().invoke(cli, ["check", MICRO_SPEECH])
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "unknown key 'ram'" in result.stderr


def test_targets_default_and_builtin_resolver(tmp_path: Path) -> None:
    body = '[tool.oplint]\nresolver = "src/model_ops.cc"\n\n[tool.oplint.targets]\ndefault = ["tflm", "tflite"]\n'
    cfg = load_config(cwd=write_project(tmp_path, body))
    tflm, tflite = prepare(cfg).targets
    assert tflm.firmware is not None and tflite.firmware is None  # only TFLM targets have a resolver
    assert lint_paths([MICRO_SPEECH], cfg).results[0].findings == ()


# -- memory in the outputs -------------------------------------------------------------------


def test_memory_in_json_for_tflm_targets_only() -> None:
    result = runner().invoke(
        cli, ["check", MICRO_SPEECH, "--isolated", "-t", "tflm,tflite,ethos-u55", "--output-format", "json"]
    )
    targets = json.loads(result.stdout)["results"][0]["targets"]
    assert targets["tflm"]["memory"] == {
        "arena": {"bytes": 7584, "head": 5968, "tail": 1616, "exact": True},
        "flash": {"model_bytes": 18800},
    }
    assert "memory" not in targets["tflite"] and "memory" not in targets["ethos-u55"]


def test_memory_line_in_the_full_summary() -> None:
    result = runner().invoke(cli, ["check", MICRO_SPEECH, "--isolated", "-t", "tflm", "--arena-size", "8K"])
    assert (
        "examples/micro_speech_quantized.tflite: tflm: tensor arena 7,584 bytes (head 5,968 + tail 1,616, exact) "
        "of 8,192; flash 18,800 bytes (the model)" in result.stdout.replace(str(ROOT) + "/", "")
    )


def test_arena_budget_is_the_total() -> None:
    # head 5,968 fits 7K, the total 7,584 does not
    assert "OPL501" in codes(lint("../examples/micro_speech_quantized.tflite", "tflm+arena=7K"))
    assert "OPL501" not in codes(lint("../examples/micro_speech_quantized.tflite", "tflm+arena=8K"))


def test_lint_fixture_helper_reads_the_example() -> None:
    assert Path(fixture("../examples/micro_speech_quantized.tflite")).is_file()


# -- the README's microcontroller walkthrough holds ----------------------------------------------


def _walkthrough() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("## Microcontrollers")
    return text[start : text.index("\n## ", start + 1)]


def test_readme_walkthrough_outputs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import re
    import shlex

    monkeypatch.chdir(ROOT)
    blocks = re.findall(r"```text\n(.*?)```", _walkthrough(), re.S)
    ran = 0
    for block in blocks:
        lines = block.strip("\n").splitlines()
        assert lines[0].startswith("$ oplint ")
        args = shlex.split(lines[0][len("$ oplint ") :])
        if args[0] == "resolver":
            args[args.index("--header") + 1] = str(tmp_path / "model_ops.h")
        result = runner().invoke(cli, [*args, "--isolated"] if args[0] == "check" else args)
        assert result.exit_code in (0, 1), result.output
        shown = result.stdout.splitlines() + result.stderr.replace(str(tmp_path) + "/", "").splitlines()
        for line in lines[1:]:
            assert line in shown, (lines[0], line, shown)
        ran += 1
    assert ran == 4
    cpp = re.search(r"```cpp\n(.*?)```", _walkthrough(), re.S)
    assert cpp is not None
    generated = (tmp_path / "model_ops.h").read_text().splitlines()
    for line in cpp.group(1).splitlines():
        if line != "..." and not line.startswith("//   "):
            assert line in generated, line


def test_arduino_cast_takes_only_the_types_its_kernel_computes() -> None:
    # the Arduino snapshot's CAST prints "Input type ... not supported." and returns kTfLiteOk for
    # other types (rules/overrides/tflm-arduino.toml); int32 -> int64 is one of them
    model = str(ROOT / "examples" / "planestrike_tf_agents.tflite")
    for target, expected in (("tflm-arduino", True), ("tflm-esp", True), ("tflite", False)):
        found = lint_file(model, prepare(Config(targets=(TargetSpec(target),)))).findings
        casts = [f for f in found if f.code == "OPL201" and f.location.op == "CAST"]
        assert bool(casts) is expected, target
