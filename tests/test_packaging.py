"""The wheel ships the knowledge base and works from another directory; editable installs too."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from tests.helpers import FIXTURES, ROOT

pytestmark = pytest.mark.slow


def _venv(path: Path) -> Path:
    venv.EnvBuilder(with_pip=True, system_site_packages=False).create(path)
    return path / ("Scripts" if os.name == "nt" else "bin")


def _pip(bindir: Path, *args: str) -> None:
    subprocess.run(
        [str(bindir / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check", *args],
        check=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    (built,) = out.glob("oplint-*.whl")
    return built


def test_wheel_contains_the_rules_folder(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    for target in ("tflite", "tflite-flex", "tflm"):
        assert f"oplint/_rules/targets/{target}.toml" in names
    assert "oplint/readers/tflite_schema.py" in names
    assert "oplint/_rules/tf/tf_ops.toml" in names  # the TF op fates, for SavedModels and GraphDefs
    assert "oplint/readers/tf_proto/tf_minimal_pb2.py" in names
    # the HTML report's inline style and script
    assert {"oplint/output/html_assets/report.css", "oplint/output/html_assets/report.js"} <= set(names)
    assert not any(n.startswith(("tests/", "fixtures/", "rules/")) for n in names)


def test_wheel_install_runs_from_another_directory(wheel: Path, tmp_path: Path) -> None:
    bindir = _venv(tmp_path / "venv")
    _pip(bindir, str(wheel))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    model = FIXTURES / "tflite" / "rfft2d_float.tflite"
    env = {**os.environ, "OPLINT_CACHE_DIR": str(tmp_path / "cache")}
    result = subprocess.run(
        [str(bindir / "oplint"), "check", str(model), "--output-format", "full"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    assert "OPL101 [tflm] RFFT2D" in result.stdout
    assert "rfft2d_float.tflite: passes tflite, tflite-flex; fails tflm (1)" in result.stdout
    located = subprocess.run(
        [str(bindir / "python"), "-c", "from oplint.knowledge import rules_dir; print(rules_dir())"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert Path(located.stdout.strip()).parts[-2:] == ("oplint", "_rules")
    page = subprocess.run(
        [str(bindir / "oplint"), "check", str(model), "--output-format", "html", "-o", "r.html"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert page.returncode == 1, page.stderr
    assert "drawNodes" in (elsewhere / "r.html").read_text(encoding="utf-8")  # the script is inlined
    # the runtime dependencies do not pull numpy (start-up cost; see README design notes)
    freeze = subprocess.run([str(bindir / "python"), "-m", "pip", "freeze"], capture_output=True, text=True, check=True)
    assert "numpy" not in freeze.stdout.lower()


def test_source_checkout_finds_the_top_level_rules_folder() -> None:
    from oplint.knowledge import rules_dir

    if (ROOT / "oplint" / "_rules").exists():
        pytest.skip("a wheel layout is present in the checkout")
    assert rules_dir() == ROOT / "rules"
