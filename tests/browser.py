"""Open a report in headless Chromium, as its reader would, and say what loaded.

Playwright drives the system's Chromium (Debian's ``chromium`` package) through
``executable_path``: no browser is downloaded.  The page is opened from disk
with JavaScript off, since it must need none; Playwright's own evaluation
still runs, which is how each image's ``naturalWidth`` is read.  A missing
Chromium or Playwright fails the test, never skips it.
"""
from __future__ import annotations

import io
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

CHROMIUM_HINT = (
    "install Debian's chromium package (as root: apt-get update && apt-get install -y chromium), "
    "or set REGEN_TCLEAN_CHROMIUM to a Chromium binary"
)


def chromium_path() -> str:
    """The Chromium binary to drive; fails the calling test when there is none."""
    path = os.environ.get("REGEN_TCLEAN_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.fail(f"Chromium is not installed: {CHROMIUM_HINT}", pytrace=False)
    return path


@dataclass(frozen=True)
class ShownImage:
    src: str
    complete: bool
    natural_width: int
    variance: float


@dataclass(frozen=True)
class ShownPage:
    """What Chromium showed: every <img>, every URL the page asked for, and a screenshot of the whole page."""

    images: list[ShownImage]
    requests: list[str]
    screenshot: bytes


def pixel_variance(png: bytes) -> float:
    """Variance of the grey levels (0-255) of a PNG: 0 for a blank one."""
    from PIL import Image

    return float(np.asarray(Image.open(io.BytesIO(png)).convert("L"), dtype=np.float64).var())


def open_page(index: Path, width: int = 1280, height: int = 1000) -> ShownPage:
    """Load ``index`` in headless Chromium; screenshot each image as shown and the whole page."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is not installed: pip install -e '.[test]'", pytrace=False)
    executable = chromium_path()
    # Chromium refuses to run as root with its sandbox on; CI runs as root.
    arguments = ["--no-sandbox"] if os.geteuid() == 0 else []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=arguments)
        try:
            context = browser.new_context(viewport={"width": width, "height": height}, java_script_enabled=False)
            page = context.new_page()
            requests: list[str] = []
            page.on("request", lambda request: requests.append(request.url))
            page.goto(index.resolve().as_uri(), wait_until="load")
            images = []
            shown = page.locator("img")
            for number in range(shown.count()):
                image = shown.nth(number)
                src, complete, natural_width = image.evaluate(
                    "e => [e.getAttribute('src'), e.complete, e.naturalWidth]")
                variance = pixel_variance(image.screenshot()) if natural_width else 0.0
                images.append(ShownImage(src, complete, natural_width, variance))
            screenshot = page.screenshot(full_page=True)
        finally:
            browser.close()
    return ShownPage(images, requests, screenshot)
