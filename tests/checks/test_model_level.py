"""OPL001-OPL003: files that cannot be read, LFS pointers, structurally invalid models."""

from __future__ import annotations

from tests.helpers import codes, lint


def test_opl001_unreadable_files() -> None:
    for name in ("empty", "truncated", "garbage"):
        findings = lint(f"tflite/{name}.tflite", "tflite")
        assert codes(findings) == ["OPL001"], name
        assert findings[0].target is None


def test_opl002_lfs_pointer() -> None:
    findings = lint("tflite/lfs_pointer.tflite", "tflm")
    assert codes(findings) == ["OPL002"]
    assert "git lfs pull" in findings[0].message


def test_opl003_dangling_tensor_index() -> None:
    for target in ("tflite", "tflm"):
        findings = lint("tflite/bad_tensor_index.tflite", target)
        assert codes(findings) == ["OPL003"]
        assert "tensor 7" in findings[0].message


def test_valid_models_have_no_model_level_findings() -> None:
    for name in ("conv_float", "conv_int8", "while_subgraph", "dynamic_batch"):
        assert lint(f"tflite/{name}.tflite", "tflite") == [], name
