"""The generated script, run in real CASA on the simulated delivery.

One session fixture runs the whole script once (batch cleaning, phase
self-calibration); the tests then read what it left behind.  A second run
without the overwrite switch must stop cleanly, and a third with it must make
the same products again.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from casalog.commands.main import main

pytestmark = pytest.mark.casa

Runner = Callable[[Path, Path], "subprocess.CompletedProcess[str]"]


@dataclass(frozen=True)
class Run:
    delivery: Any
    working: Path
    script: Path
    first: subprocess.CompletedProcess[str]


def _image_names(script: Path) -> list[str]:
    return re.findall(r"imagename='([^']+\.manual)'", script.read_text())


@pytest.fixture(scope="module")
def run(sim_delivery: Any, casa_script_runner: Runner, tmp_path_factory: pytest.TempPathFactory) -> Run:
    working = tmp_path_factory.mktemp("reimage") / "working"
    shutil.copytree(sim_delivery.working, working, symlinks=True)
    script = working / "reimage.py"
    assert main([str(sim_delivery.root), "--no-interactive", "--selfcal", "-o", str(script)]) == 0
    return Run(sim_delivery, working, script, casa_script_runner(script, working))


def test_every_step_ran(run: Run) -> None:
    assert run.first.returncode == 0, run.first.stdout[-3000:] + run.first.stderr[-3000:]
    titles = re.findall(r"^    (\d+): ", run.script.read_text(), flags=re.MULTILINE)
    assert titles
    for step in titles:
        assert re.search(rf"^Step {step} ", run.first.stdout, flags=re.MULTILINE), f"step {step} did not run"


def test_images_have_the_new_names_and_no_underscore_two(run: Run) -> None:
    names = _image_names(run.script)
    assert len(names) == 3
    for name in names:
        assert (run.working / f"{name}.image").is_dir()
        assert (run.working / f"{name}.image.pbcor").is_dir()
    assert not [p.name for p in run.working.iterdir() if re.search(r"_\d+\.(image|psf|residual|model|pb)$", p.name)]


def test_model_data_is_filled(run: Run) -> None:
    from casatools import table

    summary = _selfcal_summary(run)
    for vis in [*summary["tables"], run.delivery.targets_ms]:
        tb = table()
        tb.open(str(run.working / vis))
        try:
            assert abs(tb.getcol("MODEL_DATA")).max() > 0, vis
        finally:
            tb.close()


def _snr(image: Path, residual: Path, pb: Path) -> float:
    """Peak of the image over the robust rms of the residual, where the primary beam is above 0.2."""
    from casatools import image as image_tool

    def pixels(path: Path) -> np.ndarray:
        tool = image_tool()
        tool.open(str(path))
        try:
            return np.asarray(tool.getchunk()).squeeze()
        finally:
            tool.close()

    inside = pixels(pb) >= 0.2
    residual_pixels = pixels(residual)[inside]
    rms = 1.4826 * float(np.median(np.abs(residual_pixels - np.median(residual_pixels))))
    return float(pixels(image)[inside].max()) / rms


def test_selfcal_raised_the_snr_over_the_pipeline_image(run: Run) -> None:
    summary = _selfcal_summary(run)
    cont = next(p for p in run.delivery.products if p.specmode == "cont")
    pipeline = run.working / cont.iter1
    before = _snr(Path(f"{pipeline}.image"), Path(f"{pipeline}.residual"), Path(f"{pipeline}.pb"))
    final = run.working / summary["final_image"]
    after = _snr(Path(f"{final}.image"), Path(f"{final}.residual"), Path(f"{final}.pb"))
    assert after > 2 * before, (before, after)
    kept = [r for r in summary["rounds"][1:] if r["kept"]]
    assert kept and all(later["snr"] >= earlier["snr"] for earlier, later in zip(summary["rounds"], kept))
    assert "round" in run.first.stdout and "S/N" in run.first.stdout


def test_exported_fits_carry_the_beam(run: Run) -> None:
    from astropy.io import fits

    exported = sorted(run.working.glob("*.fits"))
    final = _selfcal_summary(run)["final_image"]
    assert {f"{final}.image.pbcor.fits", f"{final}.pb.fits"} <= {p.name for p in exported}
    for name in _image_names(run.script):
        assert (run.working / f"{name}.image.pbcor.fits").is_file()
    for path in exported:
        if path.name.endswith(".image.pbcor.fits"):
            header = fits.getheader(path)
            assert header["BMAJ"] > 0 and header["BMIN"] > 0 and "BPA" in header


def test_report_of_the_run_opens_in_chromium(run: Run, tmp_path: Path) -> None:
    """The report of the real run: every image loads and is not blank; every product and round is on the page."""
    from browser import open_page

    started = time.monotonic()
    assert main(["report", str(run.working)]) == 0
    elapsed = time.monotonic() - started
    index = run.working / "reimage_report" / "index.html"
    page = index.read_text(encoding="utf-8")
    shown = open_page(index)
    (tmp_path / "report.png").write_bytes(shown.screenshot)
    assert shown.images and len(shown.images) == page.count("<img ")
    for image in shown.images:
        assert image.complete and image.natural_width > 0, image.src
        assert image.variance > 50, image.src
    assert all(url.startswith("file://") for url in shown.requests), shown.requests
    summary = json.loads((run.working / "reimage_summary.json").read_text())
    assert summary["casa_version"] in page and summary["log_sha256"] in page
    for product in summary["products"]:
        assert f'id="product{product["number"]}"' in page and product["stem"] in page
        assert f'src="product{product["number"]}-image.png"' in page
    (target,) = summary["selfcal"]
    assert page.count('<tbody id="selfcal1-round') + page.count('<tbody class="undone" id="selfcal1-round') == len(
        target["rounds"])
    assert 'src="selfcal1-gains1.png"' in page and 'src="selfcal1-image.png"' in page
    assert "Missing:" not in page  # a complete run has every piece
    size = sum(p.stat().st_size for p in index.parent.iterdir())
    assert size < 5_000_000, size
    print(f"report: {len(shown.images)} pictures, {size / 1e6:.1f} MB, built in {elapsed:.1f} s")


def test_second_run_stops_cleanly_without_overwrite(run: Run, casa_script_runner: Runner) -> None:
    before = sorted(p.name for p in run.working.iterdir())
    again = casa_script_runner(run.script, run.working)
    assert again.returncode == 1
    assert "reimage stopped: " in again.stderr and "OVERWRITE = True" in again.stderr
    assert "Traceback" not in again.stderr
    assert sorted(p.name for p in run.working.iterdir() if not p.name.startswith("casa-")) == [
        name for name in before if not name.startswith("casa-")
    ]


def test_rerun_with_overwrite_makes_the_same_products(run: Run, casa_script_runner: Runner) -> None:
    before = _selfcal_summary(run)
    names_before = sorted(p.name for p in run.working.iterdir() if not p.name.startswith("casa-"))
    script = run.script.read_text().replace("OVERWRITE = False", "OVERWRITE = True")
    overwrite = run.working / "reimage_overwrite.py"
    overwrite.write_text(script)
    again = casa_script_runner(overwrite, run.working)
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    after = _selfcal_summary(run)
    names_after = sorted(
        p.name for p in run.working.iterdir() if not p.name.startswith("casa-") and p.name != overwrite.name
    )
    assert names_after == names_before
    assert after["final_image"] == before["final_image"]
    assert after["rounds"][-1]["peak"] == pytest.approx(before["rounds"][-1]["peak"], rel=1e-3)


def _selfcal_summary(run: Run) -> dict[str, Any]:
    (path,) = run.working.glob("*_selfcal.json")
    return json.loads(path.read_text())  # type: ignore[no-any-return]


@dataclass(frozen=True)
class OneProduct:
    """A script generated for the simulated delivery, beside a copy of its target MS."""

    working: Path
    script: Path
    text: str
    runner: Runner

    def run(self, steps: str, *replacements: tuple[str, str]) -> subprocess.CompletedProcess[str]:
        text = self.text.replace("STEPS = []", f"STEPS = {steps}")
        for old, new in replacements:
            text = text.replace(old, new)
        self.script.write_text(text)
        result = self.runner(self.script, self.working)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        return result


def _one_product(sim_delivery: Any, runner: Runner, tmp_path: Path, *args: str) -> OneProduct:
    working = tmp_path / "working"
    working.mkdir()
    shutil.copytree(sim_delivery.working / sim_delivery.targets_ms, working / sim_delivery.targets_ms)
    script = working / "reimage.py"
    assert main([str(sim_delivery.root), *args, "-o", str(script)]) == 0
    return OneProduct(working, script, script.read_text(), runner)


def test_continuum_only_selects_the_contdat_channels_of_each_ms(
    sim_delivery: Any, casa_script_runner: Runner, tmp_path: Path
) -> None:
    args = ("--no-interactive", "--product", "*cont.I", "--contdat", str(sim_delivery.contfile))
    one = _one_product(sim_delivery, casa_script_runner, tmp_path, *args)
    one.run("[0, 1]")
    (name,) = _image_names(one.script)
    assert (one.working / f"{name}.image").is_dir()
    casa_log = re.search(r"logfile = '([^']+)'", Path(os.environ["CASASITECONFIG"]).read_text())
    assert casa_log is not None
    calls = [line for line in Path(casa_log.group(1)).read_text().splitlines() if f"imagename='{name}'" in line]
    # Spw 1 has a line in channels 3-5; cont.dat (LSRK) leaves them out, spw 3 is all continuum.
    assert calls and "spw=['1:0~2;6~7,3:0~7']" in calls[-1]


def test_interactive_script_runs_once_the_switch_is_off(
    sim_delivery: Any, casa_script_runner: Runner, tmp_path: Path
) -> None:
    # The viewer cannot open here; with INTERACTIVE = False the same parameters
    # (usemask='user', mask='') clean without a mask, which CASA must accept.
    one = _one_product(sim_delivery, casa_script_runner, tmp_path, "--product", "*spw1.mfs.I", "--niter", "200")
    assert "INTERACTIVE = True" in one.text and "usemask='user'" in one.text and "mask=''" in one.text
    result = one.run("[0, 1, 2]", ("INTERACTIVE = True", "INTERACTIVE = False"))
    (name,) = _image_names(one.script)
    assert (one.working / f"{name}.image.pbcor").is_dir()
    assert f"MODEL_DATA of {sim_delivery.targets_ms} is filled" in result.stdout


def test_model_fill_step_is_what_fills_model_data(
    sim_delivery: Any, casa_script_runner: Runner, tmp_path: Path
) -> None:
    from casatools import table

    args = ("--no-interactive", "--product", "*spw3.mfs.I", "--niter", "300", "--savemodel", "none")
    one = _one_product(sim_delivery, casa_script_runner, tmp_path, *args)

    def model_peak() -> float:
        tb = table()
        tb.open(str(one.working / sim_delivery.targets_ms))
        try:
            return float(abs(tb.getcol("MODEL_DATA")).max()) if "MODEL_DATA" in tb.colnames() else 0.0
        finally:
            tb.close()

    for steps, filled in (("[0, 1]", False), ("[2]", True)):
        one.run(steps)
        assert (model_peak() > 0) is filled, steps


def test_an_edited_product_dict_runs_as_edited(sim_delivery: Any, casa_script_runner: Runner, tmp_path: Path) -> None:
    from casatools import image

    one = _one_product(sim_delivery, casa_script_runner, tmp_path, "--no-interactive", "--product", "*cont.I",
                       "--niter", "200")
    spw = re.search(r"^    spw=\['([^']*)'\],$", one.text, flags=re.MULTILINE)
    assert spw is not None
    first_spw = spw.group(1).split(",")[0]
    one.run(
        "[0, 1, 2, 3]",
        ("    deconvolver='hogbom',", "    deconvolver='mtmfs',\n    nterms=2,"),
        ("    imsize=[128, 128],", "    imsize=[96, 96],"),
        (spw.group(0), f"    spw=['{first_spw}'],"),
    )
    (name,) = _image_names(one.script)
    tool = image()
    tool.open(str(one.working / f"{name}.image.tt0"))
    try:
        shape = list(tool.shape())
    finally:
        tool.close()
    assert shape[:2] == [96, 96]
    assert (one.working / f"{name}.image.tt0.pbcor.fits").is_file()
    summary = json.loads((one.working / "reimage_summary.json").read_text())
    assert summary["products"][0]["stats"]["snr"] > 10
