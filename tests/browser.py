"""A real headless browser for the HTML report's tests: Debian's Chromium driven by Selenium.

The browser is found on PATH (``chromium``, ``chromium-browser``, ``google-chrome``) or given by
``$OPLINT_CHROMIUM`` and ``$OPLINT_CHROMEDRIVER``; nothing is downloaded (Selenium Manager is
never asked: both paths are given).  ``.ci/run`` installs Debian's ``chromium`` and
``chromium-driver`` packages when they are missing; tests skip, saying why, only where neither
is available.
"""

from __future__ import annotations

import os
import shutil
import struct
import tempfile
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

#: what Chromium needs in a sandboxed, offline container (and what keeps it from calling home)
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--window-size=1400,1000",
)


def _which(env: str, *names: str) -> str | None:
    explicit = os.environ.get(env)
    if explicit:
        return explicit if os.path.exists(explicit) else None
    return next((p for p in map(shutil.which, names) if p), None)


def find() -> tuple[str, str]:
    """(browser, driver) paths, or a pytest skip that says what is missing and how to get it."""
    browser = _which("OPLINT_CHROMIUM", "chromium", "chromium-browser", "google-chrome")
    driver = _which("OPLINT_CHROMEDRIVER", "chromedriver")
    if browser is None or driver is None:
        missing = " and ".join(n for n, p in (("chromium", browser), ("chromedriver", driver)) if p is None)
        pytest.skip(
            f"no {missing} on this machine: install Debian's chromium and chromium-driver packages "
            "(.ci/run does), or set OPLINT_CHROMIUM / OPLINT_CHROMEDRIVER"
        )
    pytest.importorskip("selenium", reason="selenium is a test extra: pip install -e '.[test]'")
    return browser, driver


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium session (Selenium WebDriver) that records the console."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    browser, driver_path = find()
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    profile = tempfile.mkdtemp(prefix="oplint-chromium-")
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def open_page(driver: Any, path: str, timeout: float = 30.0) -> float:
    """Open a file and wait until the report says it is drawn; the seconds it took."""
    start = time.perf_counter()
    driver.get("file://" + os.path.abspath(path))
    while time.perf_counter() - start < timeout:
        if driver.execute_script("return document.body && document.body.dataset.ready === '1'"):
            return time.perf_counter() - start
        time.sleep(0.05)
    raise AssertionError(f"the page did not finish drawing in {timeout} s")


def console_errors(driver: Any) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e.get("level") == "SEVERE"]


def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and unfiltered rows (RGB or RGBA, 8 bits) of a non-interlaced PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width, height, channels = 8, b"", 0, 0, 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and interlace == 0 and colour in (2, 6), "an 8-bit RGB(A) PNG"
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
    raw = zlib.decompress(idat)
    stride = width * channels
    rows: list[bytes] = []
    prev = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = prev[i]
            c = prev[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + a) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + b) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        rows.append(bytes(line))
        prev = line
    return width, height, rows


def colour_stats(data: bytes, step: int = 4) -> tuple[int, float]:
    """(distinct colours, share of pixels that are not near-white) over a sample of the pixels."""
    width, height, rows = png_pixels(data)
    channels = len(rows[0]) // width if rows else 3
    colours: set[bytes] = set()
    inked = total = 0
    for y in range(0, height, step):
        row = rows[y]
        for x in range(0, width, step):
            px = row[x * channels : x * channels + 3]
            colours.add(px)
            total += 1
            if min(px) < 235:
                inked += 1
    return len(colours), inked / max(total, 1)
