#!/usr/bin/env python3
"""Take the README's screenshot of the HTML report (docs/report.png) in headless Chromium.

    python scripts/screenshot_report.py [--out docs/report.png]

Needs the test extras (selenium) and Debian's chromium + chromium-driver (see tests/browser.py).
The report is the two example models on six targets, with the FlexMultinomial finding clicked.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from oplint.api import Config, lint_paths  # noqa: E402
from oplint.output import render  # noqa: E402
from oplint.run.config import parse_targets  # noqa: E402
from tests import browser  # noqa: E402

MODELS = ("examples/planestrike_tf_agents.tflite", "examples/micro_speech_quantized.tflite")
TARGETS = "tflite,tflite-flex,tflm,xnnpack,gpu,ethos-u55"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "report.png")
    ap.add_argument("--width", type=int, default=1280)
    ap.add_argument("--height", type=int, default=1000)
    args = ap.parse_args()
    config = Config().with_options(targets=parse_targets([TARGETS]))
    report = lint_paths(list(MODELS), config, graph=True)
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "report.html"
        page.write_text(render(report, "html"), encoding="utf-8")
        with browser.chromium() as driver:
            driver.set_window_size(args.width, args.height)
            browser.open_page(driver, str(page))
            row = driver.find_element("css selector", '#m0 tr.f[data-code="OPL102"][data-target="tflite"]')
            driver.execute_script("arguments[0].click()", row)
            driver.execute_script("window.scrollTo(0, 0)")
            time.sleep(0.3)
            errors = browser.console_errors(driver)
            if errors:
                print("console errors:", errors, file=sys.stderr)
                return 1
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_bytes(driver.get_screenshot_as_png())
    print(f"wrote {args.out} ({args.out.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
