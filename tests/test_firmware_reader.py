"""Reading a firmware's op resolver from C/C++ source (oplint.knowledge.firmware).

Every fixture of fixtures/resolvers/ has its parse pinned here; where a checkout of the source
it reproduces is found (oplint.knowledge.sources.checkout), the real upstream file must parse
to the same resolvers, N and registrations.
"""

from __future__ import annotations

import contextlib
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oplint.knowledge.firmware import MAX_FILE_BYTES, Firmware, ResolverError, read_resolver, strip_comments
from oplint.knowledge.sources import TFLM, Pin, _git_dir, checkout
from tests.helpers import FIXTURES

RESOLVERS = FIXTURES / "resolvers"

# fixture -> [(resolver name, N, line of its declaration, ops in order, {op: kernel passed})],
#            preprocessor assumptions, ops registered only in branches not taken
Parse = tuple[str, int | None, int, tuple[str, ...], dict[str, str]]
PINNED: dict[str, tuple[list[Parse], tuple[str, ...], tuple[str, ...]]] = {
    "arduino_magic_wand.ino": (
        [("MicroMutableOpResolver<4>", 4, 10, ("CONV_2D", "MEAN", "FULLY_CONNECTED", "SOFTMAX"), {})],
        (),
        (),
    ),
    "edgeimpulse_tflite_resolver.h": (
        [("MicroMutableOpResolver<3>", 3, 11, ("FULLY_CONNECTED", "RESHAPE", "SOFTMAX"), {})],
        (),
        (),
    ),
    "esp_hello_world.cc": ([("MicroMutableOpResolver<1>", 1, 9, ("FULLY_CONNECTED",), {})], (), ()),
    "esp_micro_speech.cc": (
        [("MicroMutableOpResolver<4>", 4, 12, ("DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "SOFTMAX", "RESHAPE"), {})],
        (),
        (),
    ),
    "mlek_kws_model.cc": (
        [
            (
                "MicroMutableOpResolver<ms_maxOpCnt>",
                7,
                17,
                ("RESHAPE", "AVERAGE_POOL_2D", "CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "RELU", "ethos-u"),
                {},
            )
        ],
        ("ETHOS_U_NPU_ASSUMED undefined (fixtures/resolvers/mlek_kws_model.cc:11)",),
        (),
    ),
    "mlek_rnnoise_model.cc": (
        [
            (
                "MicroMutableOpResolver<ms_maxOpCnt>",
                15,
                14,
                (
                    "UNPACK", "FULLY_CONNECTED", "SPLIT", "SPLIT_V", "ADD", "LOGISTIC", "MUL", "SUB", "TANH", "PACK",
                    "RESHAPE", "QUANTIZE", "CONCATENATION", "RELU", "ethos-u",
                ),
                {},
            )
        ],
        ("ETHOS_U_NPU_ASSUMED undefined (fixtures/resolvers/mlek_rnnoise_model.cc:20)",),
        (),
    ),
    "tflm_hello_world_test.cc": ([("HelloWorldOpResolver", 1, 9, ("FULLY_CONNECTED",), {})], (), ()),
    "tflm_keyword_benchmark.cc": (
        [
            (
                "KeywordOpResolver",
                6,
                13,
                ("FULLY_CONNECTED", "QUANTIZE", "SOFTMAX", "SVDF"),
                {
                    "FULLY_CONNECTED": "Register_FULLY_CONNECTED_INT8",
                    "SOFTMAX": "Register_SOFTMAX_INT8_INT16",
                    "SVDF": "Register_SVDF_INT8",
                },
            )
        ],
        (),
        (),
    ),
    "tflm_micro_speech_test.cc": (
        [
            ("MicroSpeechOpResolver", 4, 10, ("RESHAPE", "FULLY_CONNECTED", "DEPTHWISE_CONV_2D", "SOFTMAX"), {}),
            (
                "AudioPreprocessorOpResolver",
                18,
                11,
                (
                    "RESHAPE", "CAST", "STRIDED_SLICE", "CONCATENATION", "MUL", "ADD", "DIV", "MINIMUM", "MAXIMUM",
                    "SignalWindow", "SignalFftAutoScale", "SignalRfft", "SignalEnergy", "SignalFilterBank",
                    "SignalFilterBankSquareRoot", "SignalFilterBankSpectralSubtraction", "SignalPCAN",
                    "SignalFilterBankLog",
                ),
                {},
            ),
        ],
        (),
        (),
    ),
    "tflm_person_detection.cc": (
        [
            (
                "MicroMutableOpResolver<5>",
                5,
                10,
                ("AVERAGE_POOL_2D", "CONV_2D", "DEPTHWISE_CONV_2D", "RESHAPE", "SOFTMAX"),
                {
                    "AVERAGE_POOL_2D": "Register_AVERAGE_POOL_2D_INT8",
                    "CONV_2D": "Register_CONV_2D_INT8",
                    "DEPTHWISE_CONV_2D": "Register_DEPTHWISE_CONV_2D_INT8",
                    "SOFTMAX": "Register_SOFTMAX_INT8",
                },
            )
        ],
        (),
        (),
    ),
    "tflm_person_detection_benchmark.cc": (
        [
            (
                "PersonDetectionOpResolver",
                6,
                16,
                ("FULLY_CONNECTED", "CONV_2D", "DEPTHWISE_CONV_2D", "SOFTMAX", "AVERAGE_POOL_2D", "RESHAPE"),
                {
                    "FULLY_CONNECTED": "Register_FULLY_CONNECTED_INT8",
                    "CONV_2D": "Register_CONV_2D_INT8REF",
                    "AVERAGE_POOL_2D": "Register_AVERAGE_POOL_2D_INT8",
                },
            )
        ],
        ("ETHOS_U undefined (fixtures/resolvers/tflm_person_detection_benchmark.cc:13)",),
        ("ethos-u",),
    ),
    "tflm_test_helpers_custom.cc": (
        [
            (
                "TestingOpResolver",
                10,
                12,
                (
                    "mock_custom", "simple_stateful_op", "multiple_inputs_op", "no_op", "custom_packer_op",
                    "broadcast_add_op", "IF",
                ),
                {},
            )
        ],
        (),
        (),
    ),
    "zephyr_magic_wand.cpp": (
        [
            (
                "MicroMutableOpResolver<5>",
                5,
                12,
                ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "MAX_POOL_2D", "SOFTMAX"),
                {},
            )
        ],
        (),
        (),
    ),
    "oplint_too_small.cc": ([("MicroMutableOpResolver<MODEL_OP_COUNT>", 1, 10, ("CONV_2D", "SOFTMAX"), {})], (), ()),
    "oplint_custom_ops.cc": (
        [
            (
                "MicroMutableOpResolver<OP_COUNT>",
                5,
                27,
                ("ADD", "MUL", "RESHAPE", "MyCustomOp"),
                {"MyCustomOp": "Register_MY_CUSTOM_OP"},
            )
        ],
        (
            "MODEL_VERSION undefined (fixtures/resolvers/oplint_custom_ops.cc:21)",
            "USE_FLOAT_MODEL undefined (fixtures/resolvers/oplint_custom_ops.cc:21)",
        ),
        ("DEQUANTIZE",),
    ),
}  # fmt: skip

#: files read together (a header declares the resolver, the source fills it)
PAIRS = {"mlek_kws_model.cc": ["mlek_kws_model.hpp", "mlek_kws_model.cc"]}


def read_fixture(name: str, defines: tuple[str, ...] = ()) -> Firmware:
    paths = [RESOLVERS / p for p in PAIRS.get(name, [name])]
    return read_resolver(paths, defines, [f"fixtures/resolvers/{p.name}" for p in paths])


def test_every_fixture_resolver_is_pinned() -> None:
    files = {p.name for p in RESOLVERS.iterdir() if p.suffix != ".md"}
    covered = set(PINNED) | {"arduino_hello_world.ino", "mlek_all_ops_resolver.cc"}
    covered |= {f for pair in PAIRS.values() for f in pair}
    assert files == covered


@pytest.mark.parametrize("name", sorted(PINNED))
def test_fixture_parse(name: str) -> None:
    resolvers, assumed, inactive = PINNED[name]
    fw = read_fixture(name)
    got = [
        (
            r.name,
            r.capacity,
            r.line,
            tuple(x.op for x in r.registrations),
            {x.op: x.kernel for x in r.registrations if x.kernel},
        )
        for r in fw.resolvers
    ]
    assert got == resolvers
    assert fw.assumed == assumed
    assert tuple(x.op for x in fw.inactive) == inactive
    assert fw.notes == ()


def test_all_ops_resolver() -> None:
    (r,) = read_fixture("arduino_hello_world.ino").resolvers
    assert r.all_ops and r.capacity is None and not r.registrations
    assert r.label == "AllOpsResolver (fixtures/resolvers/arduino_hello_world.ino:10)"


def test_mlek_all_ops_resolver_constexpr_n_and_customs() -> None:
    (r,) = read_fixture("mlek_all_ops_resolver.cc").resolvers
    assert (r.capacity, r.capacity_text, len(r.registrations), len(r.distinct())) == (98, "kNumberOperators", 98, 98)
    assert {x.op for x in r.registrations if x.kind == "custom"} == {
        "CIRCULAR_BUFFER",
        "TFLite_Detection_PostProcess",
        "ethos-u",
    }
    assert r.registrations[0].op == "ABS" and r.registrations[-1].op == "ZEROS_LIKE"


def test_specialized_registrations_carry_their_variant() -> None:
    (r,) = read_fixture("tflm_keyword_benchmark.cc").resolvers
    assert {x.op: x.variant for x in r.registrations} == {
        "FULLY_CONNECTED": "INT8",
        "QUANTIZE": None,
        "SOFTMAX": "INT8_INT16",
        "SVDF": "INT8",
    }


def test_the_other_branch_is_reported_and_can_be_chosen() -> None:
    (r,) = read_fixture("tflm_person_detection_benchmark.cc").resolvers
    assert r.alternatives == (("defined(ETHOS_U)", "1", 1),)
    fw = read_fixture("tflm_person_detection_benchmark.cc", ("ETHOS_U",))
    (npu,) = fw.resolvers
    assert (npu.capacity, [x.op for x in npu.registrations]) == (1, ["ethos-u"])
    assert fw.assumed == ("ETHOS_U defined (fixtures/resolvers/tflm_person_detection_benchmark.cc:13)",)
    assert len(fw.inactive) == 6  # the CPU build's registrations
    (custom,) = read_fixture("oplint_custom_ops.cc").resolvers
    assert custom.alternatives == (("defined(USE_FLOAT_MODEL) || MODEL_VERSION > 2", "OP_COUNT = (kBase * 3)", 6),)
    assert read_fixture("oplint_custom_ops.cc", ("MODEL_VERSION=3",)).resolvers[0].capacity == 6


def test_overflow_and_effective_registrations() -> None:
    (r,) = read_fixture("oplint_too_small.cc").resolvers
    assert [x.op for x in r.overflow()] == ["SOFTMAX"]
    assert set(r.effective()) == {("builtin", "CONV_2D")}


def test_comments_and_strings() -> None:
    text = 'a = "//not a comment"; // gone\nb /* gone\n gone */ c\n'
    out = strip_comments(text)
    assert out.splitlines()[0].rstrip() == 'a = "//not a comment";'
    assert len(out) == len(text) and out.count("\n") == text.count("\n") and "gone" not in out


# -- hostile and wrong input: ResolverError (a one-line usage error), never anything else ----------


def test_not_a_resolver(tmp_path: Path) -> None:
    src = tmp_path / "main.cc"
    src.write_text("int main() { return 0; }\n")
    with pytest.raises(ResolverError, match="no MicroMutableOpResolver declaration"):
        read_resolver([src])
    with pytest.raises(ResolverError, match="cannot read"):
        read_resolver([tmp_path / "missing.cc"])
    binary = tmp_path / "model.tflite"
    binary.write_bytes(b"\0\0\0\0TFL3" + bytes(100))
    with pytest.raises(ResolverError, match="binary file"):
        read_resolver([binary])
    big = tmp_path / "big.cc"
    big.write_bytes(b" " * (MAX_FILE_BYTES + 1))
    with pytest.raises(ResolverError, match="more than oplint reads"):
        read_resolver([big])


def test_pathological_sources_stay_bounded(tmp_path: Path) -> None:
    src = tmp_path / "evil.cc"
    depth = 5000
    src.write_text(
        "#if " + "(" * depth + "1" + ")" * depth + "\n#endif\n"
        + "#if 1\n" * depth + "#endif\n" * (depth + 10)
        + "tflite::MicroMutableOpResolver<" + "<" * 10000 + " r;\n"
        + "tflite::MicroMutableOpResolver<(((((2)))))> good;\n"
        + "good.AddConv2D(" + "(" * 50000 + ";\n"
        + "good.AddAdd();\n"
        + "/* unterminated comment\n"
    )  # fmt: skip
    fw = read_resolver([src])
    good = [r for r in fw.resolvers if r.capacity == 2]
    assert [x.op for x in good[0].registrations] == ["ADD"]
    assert any("not understood" in n for n in fw.notes) and any("no closing parenthesis" in n for n in fw.notes)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "tflite::MicroMutableOpResolver<",
                "N",
                ">",
                " r;",
                "r.AddConv2D(",
                ")",
                ";",
                "#if X\n",
                "#else\n",
                "#endif\n",
                "#define N 3\n",
                "using R = ",
                "R& q",
                "q->AddCustom(",
                '"x"',
                ",",
                "\\\n",
                "/*",
                "*/",
                "//",
                "\n",
                "{",
                "}",
                "AllOpsResolver a;",
                "Register_CONV_2D_INT8()",
                "AddBuiltin(BuiltinOperator_ADD",
            ]
        ),
        max_size=40,
    )
)
def test_fuzzed_sources_never_crash(tmp_path_factory: pytest.TempPathFactory, parts: list[str]) -> None:
    src = tmp_path_factory.mktemp("fuzz") / "f.cc"
    src.write_text("".join(parts))
    with contextlib.suppress(ResolverError):
        read_resolver([src])


# -- the real upstream files, when a checkout of their repository is here -----------------------

#: fixture -> (repository, commit, files read together): the sources PROVENANCE.md names
UPSTREAM = {
    "tflm_person_detection.cc": (
        TFLM.repo, TFLM.commit, ["tensorflow/lite/micro/examples/person_detection/main_functions.cc"],
    ),
    "tflm_hello_world_test.cc": (
        TFLM.repo, TFLM.commit, ["tensorflow/lite/micro/examples/hello_world/hello_world_test.cc"],
    ),
    "tflm_micro_speech_test.cc": (
        TFLM.repo, TFLM.commit, ["tensorflow/lite/micro/examples/micro_speech/micro_speech_test.cc"],
    ),
    "tflm_keyword_benchmark.cc": (TFLM.repo, TFLM.commit, ["tensorflow/lite/micro/benchmarks/keyword_benchmark.cc"]),
    "tflm_person_detection_benchmark.cc": (
        TFLM.repo, TFLM.commit, ["tensorflow/lite/micro/benchmarks/person_detection_benchmark.cc"],
    ),
    "tflm_test_helpers_custom.cc": (
        TFLM.repo, TFLM.commit, ["tensorflow/lite/micro/test_helpers.h", "tensorflow/lite/micro/test_helpers.cc"],
    ),
    "esp_hello_world.cc": (
        "espressif/esp-tflite-micro", "99f49e1498b0984f4db54d9bf3938aceb99ad422",
        ["examples/hello_world/main/main_functions.cc"],
    ),
    "esp_micro_speech.cc": (
        "espressif/esp-tflite-micro", "99f49e1498b0984f4db54d9bf3938aceb99ad422",
        ["examples/micro_speech/main/main_functions.cc"],
    ),
    "arduino_hello_world.ino": (
        "tensorflow/tflite-micro-arduino-examples", "7948b85e020470a30a83bf00e10fc43b486bfcba",
        ["examples/hello_world/hello_world.ino"],
    ),
    "arduino_magic_wand.ino": (
        "tensorflow/tflite-micro-arduino-examples", "7948b85e020470a30a83bf00e10fc43b486bfcba",
        ["examples/magic_wand/magic_wand.ino"],
    ),
    "mlek_kws_model.cc": (
        "alifsemi/alif_ml-embedded-evaluation-kit", "b1b93fc01d915da47a4f6ea8475c193aef56e871",
        [
            "source/application/api/use_case/kws/include/MicroNetKwsModel.hpp",
            "source/application/api/use_case/kws/src/MicroNetKwsModel.cc",
        ],
    ),
    "mlek_rnnoise_model.cc": (
        "alifsemi/alif_ml-embedded-evaluation-kit", "b1b93fc01d915da47a4f6ea8475c193aef56e871",
        [
            "source/application/api/use_case/noise_reduction/include/RNNoiseModel.hpp",
            "source/application/api/use_case/noise_reduction/src/RNNoiseModel.cc",
        ],
    ),
    "mlek_all_ops_resolver.cc": (
        "alifsemi/alif_ml-embedded-evaluation-kit", "b1b93fc01d915da47a4f6ea8475c193aef56e871",
        [
            "source/application/api/use_case/inference_runner/include/MicroMutableAllOpsResolver.hpp",
            "source/application/api/use_case/inference_runner/src/MicroMutableAllOpsResolver.cc",
        ],
    ),
}  # fmt: skip


def _essence(fw: Firmware) -> object:
    return (
        [(r.capacity, r.all_ops, [(x.op, x.kernel) for x in r.registrations], r.alternatives) for r in fw.resolvers],
        [x.op for x in fw.inactive],
    )


@pytest.mark.parametrize("name", sorted(UPSTREAM))
def test_upstream_file_parses_like_its_fixture(name: str, tmp_path: Path) -> None:
    repo, commit, paths = UPSTREAM[name]
    clone = checkout(Pin(repo.split("/")[1], repo, commit))
    if clone is None:
        pytest.skip(f"no checkout of {repo} (see oplint.knowledge.sources.checkout)")
    files = []
    for path in paths:
        out = subprocess.run(
            ["git", "--git-dir", str(_git_dir(clone)), "show", f"{commit}:{path}"], capture_output=True, check=False
        )
        if out.returncode != 0:
            pytest.skip(f"{repo}@{commit[:10]} is not in the checkout")
        files.append(tmp_path / Path(path).name)
        files[-1].write_bytes(out.stdout)
    assert _essence(read_resolver(files)) == _essence(read_fixture(name))
