"""Every line a translated check cites is, at the pinned commit, the check it translates.

The citations are read from the delegate modules (oplint.knowledge.citations); the pinned sources
come from a checkout found by oplint.knowledge.sources.checkout ($OPLINT_SOURCES,
$OPLINT_LITERT_SRC, or a clone or mirror beside the repository).  Without one, the checks against
the source skip; the shape of the citations is checked everywhere.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest

from oplint.knowledge import sources
from oplint.knowledge.citations import Citation, collect
from oplint.knowledge.sources import LITERT, checkout

CITATIONS, PROBLEMS = collect()
HAVE_LITERT = checkout(LITERT) is not None
needs_litert = pytest.mark.skipif(
    not HAVE_LITERT, reason="no checkout of the pinned LiteRT (see oplint.knowledge.sources)"
)

#: what a translated check looks like in the C++ it comes from: a refusal, or the function or
#: case it decides in
CHECK = re.compile(
    r"return kTfLiteError|return false|return absl|Error\(|LOG|TF_LITE_ENSURE|ABSL_RETURN_IF_ERROR|unsupported_details"
    r"|return std::make_unique|return New|default:|case kTfLiteBuiltin|Expect\w*\(|return true|kTfLiteOk"
    r"|^\w[\w:<>*& ]* \**\w+(::\w+)*\(|^ *(bool|TfLiteStatus|absl::Status) \w+\(|GetOpsToReplace|IsSupported"
    r"|Validate|ReplaceNodeSubsetsWithDelegateKernels|delegate_flags|kTfLiteDelegateFlags|return nullptr|continue;"
    r"|Variable tensors|nodes_to_delegate|ops_to_replace"
    # LiteRT's NPU compiler plugins: op tables (GetOpBuilders, kSupportedOps, kUnSupportedOps), the
    # plugin's own returns, QNN's SoC table (supported_soc.csv)
    r"|builders\[kLiteRtOpCode|\n *kLiteRtOpCode(Tfl|Shlo)\w+,|return kLiteRtStatusError|return \{\};|return res;"
    r"|\nQualcomm,\w+,v\d+,|push_op\(|CompositeOptions::k"
)
#: LiteRT op codes whose name is not the builtin's (``scripts/npu_sources_table.py`` SPECIAL)
LITERT_OP_CODES = {"ShloWindow": "STABLEHLO_REDUCE_WINDOW"}
#: messages oplint words itself where the source's refusal carries no message of its own there
#: (a helper deeper in the source fails): (module, message start)
OWN_WORDS = frozenset(
    {
        ("delegates/gpu_litert.py", "the alpha tensor must be constant"),  # PreReadTensor fails
        ("delegates/gpu_litert.py", "the padding value must be a constant scalar"),  # PreCheckReadTensor fails
        ("delegates/gpu.py", "custom options of "),  # the delegate casts too few bytes to its struct
    }
)
#: files whose messages the translation quotes word for word: the message must be in the window
QUOTED = frozenset(
    {
        "tflite/tools/versioning/gpu_compatibility.cc",
        "ml_drift_delegate/tflite/model_builder.cc",
        "ml_drift_delegate/tflite/operation_parser.cc",
    }
)


def test_every_citation_is_a_literal_line() -> None:
    assert not PROBLEMS, PROBLEMS
    per_module = Counter(c.module for c in CITATIONS)
    for module in ("gpu.py", "gpu_litert.py", "xnnpack.py", "nnapi.py", "coreml.py", "hexagon.py", "litert.py"):
        assert per_module[f"delegates/{module}"] > 2, (module, per_module)
    npu = (
        "litert_npu.py",
        "qualcomm/plugin.py",
        "qualcomm/socs.py",
        "intel_openvino.py",
        "mediatek.py",
        "google_tensor.py",
    )
    for module in npu:  # the phone NPU plugins
        assert per_module[f"delegates/{module}"] > 5, (module, per_module)
    assert len(CITATIONS) > 600


def test_citations_name_pinned_sources() -> None:
    for c in CITATIONS:
        assert c.source.pin in sources.PINS, c
        assert c.line > 0 and not c.source.path.startswith("/"), c


def _window(c: Citation, before: int = 8, after: int = 6) -> str:
    lines = sources.read(c.source.pin, c.source.path)
    assert lines is not None, f"{c.source.path} is not in {c.source.pin} at the pinned commit ({c.module}:{c.at})"
    assert c.line <= len(lines), f"{c} is past the end of the file ({len(lines)} lines; {c.module}:{c.at})"
    return "\n".join(lines[max(0, c.line - 1 - before) : c.line + after])


@needs_litert
@pytest.mark.parametrize("module", sorted({c.module for c in CITATIONS if c.source.pin == "litert"}))
def test_cited_lines_are_where_the_checks_are(module: str) -> None:
    bad = []
    for c in CITATIONS:
        if c.module != module or c.source.pin != "litert":
            continue
        window = _window(c)
        if not CHECK.search(window):
            bad.append(f"{c.module}:{c.at} cites {c}, where no check is")
    assert not bad, "\n".join(bad)


@needs_litert
def test_quoted_messages_are_at_the_cited_lines() -> None:
    checked, bad = 0, []
    for c in CITATIONS:
        if c.source.path not in QUOTED or not c.message or len(c.message.strip()) < 12 or c.case:
            continue
        if (c.module, c.message) in OWN_WORDS:
            continue
        needle = c.message.strip().rstrip(".:")[:40]
        checked += 1
        if needle not in _window(c, 14, 14):
            bad.append(f"{c.module}:{c.at}: {needle!r} is not near {c}")
    assert checked > 100
    assert not bad, "\n".join(bad)


@needs_litert
def test_case_tables_cite_the_case_of_their_op() -> None:
    """NNAPI's and Hexagon's ``CASE_LINE``, the NPU plugins' op tables: each entry is the ``case``
    line, the ``builders[...]`` line or the op-list entry of its own op."""
    entries = [c for c in CITATIONS if c.case]
    assert len(entries) > 120
    for c in entries:
        lines = sources.read(c.source.pin, c.source.path)
        assert lines is not None
        line = lines[c.line - 1]
        camel = c.case.replace("_", "").lower()
        found = re.search(r"case kTfLiteBuiltin(\w+):", line)
        if found is None:  # an NPU plugin's table: kLiteRtOpCodeTflAdd, kLiteRtOpCodeShloComposite
            code = re.search(r"kLiteRtOpCode(Tfl|Shlo)(\w+)", line)
            assert code is not None, (c, line)
            name = LITERT_OP_CODES.get(code.group(1) + code.group(2))
            if name is not None:
                assert c.case == name, (c, line)
                continue
            prefix = "stablehlo" if code.group(1) == "Shlo" else ""
            assert (prefix + code.group(2)).lower() == camel, (c, line)
            continue
        assert found.group(1).lower() == camel, (c, line)


def test_refresh_maps_lines_through_a_diff() -> None:
    from oplint.knowledge.refresh import _mapping

    old = ["a", "b", "check", "c"]
    new = ["a", "new", "b", "check", "c"]
    assert _mapping(old, new) == {1: 1, 2: 3, 3: 4, 4: 5}
    assert 3 not in _mapping(old, ["a", "b", "check2", "c"])  # an edited line is not mapped: "changed"


@needs_litert
def test_refresh_against_the_pinned_commit_moves_nothing() -> None:
    from oplint.knowledge.refresh import classify

    results = classify(CITATIONS, {"litert": LITERT.commit})
    assert results and {status for _, status, _ in results} == {"same"}
