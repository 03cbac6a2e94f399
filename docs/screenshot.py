"""Make ``docs/report.png``: the report of a run as headless Chromium shows it.

Usage: ``python docs/screenshot.py WORKDIR [OUT.png]`` after ``regen-tclean report WORKDIR``.
Needs playwright (``pip install -e '.[test]'``) and Debian's chromium.  The
picture is the page's header above the start of its self-calibration
section (or of the products, without one), scaled down and reduced to 256
colours so that it stays small in the repository.
"""
from __future__ import annotations

import io
import os
import shutil
import sys
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

WIDTH, SECTION, SCALE = 1280, 1500, 0.75


def main(workdir: str, out: str) -> None:
    index = Path(workdir, "reimage_report", "index.html").resolve()
    chromium = os.environ.get("REGEN_TCLEAN_CHROMIUM") or shutil.which("chromium") or "chromium"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium,
                                             args=["--no-sandbox"] if os.geteuid() == 0 else [])
        try:
            page = browser.new_page(viewport={"width": WIDTH, "height": 1000}, java_script_enabled=False)
            page.goto(index.as_uri(), wait_until="load")
            header = page.locator("header dl").bounding_box()
            section = page.locator("#selfcal" if page.locator("#selfcal").count() else "#products").bounding_box()
            png = page.screenshot(full_page=True)
        finally:
            browser.close()
    assert header is not None and section is not None
    whole = Image.open(io.BytesIO(png)).convert("RGB")
    top = whole.crop((0, 0, WIDTH, int(header["y"] + header["height"] + 16)))
    body = whole.crop((0, int(section["y"]), WIDTH, min(whole.height, int(section["y"]) + SECTION)))
    image = Image.new("RGB", (WIDTH, top.height + body.height), "white")
    image.paste(top, (0, 0))
    image.paste(body, (0, top.height))
    image = image.resize((int(image.width * SCALE), int(image.height * SCALE)), Image.LANCZOS)
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(out, optimize=True)
    print(f"wrote {out} ({os.path.getsize(out) / 1e3:.0f} kB)")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else str(Path(__file__).with_name("report.png")))
