"""The generated script, run in real CASA on the simulated delivery.

One module fixture runs the whole batch script once; the tests then read
what it left behind.  A second run without the overwrite switch must stop
cleanly, and a third with it must make the same products again.  Further
tests run one product's steps: continuum only, interactive with the switch
off, the model-fill step, an edited product dict.  Self-calibration is judged
on data with a known answer in ``test_selfcal_casa.py``.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT
from script_modules import load_script

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
    assert main([str(sim_delivery.root), "--no-interactive", "-o", str(script)]) == 0
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

    tb = table()
    tb.open(str(run.working / run.delivery.targets_ms))
    try:
        assert abs(tb.getcol("MODEL_DATA")).max() > 0
    finally:
        tb.close()


def test_products_match_the_pipelines_own(run: Run) -> None:
    # The same call, the same data, the same threshold: the batch script remakes the pipeline's images.
    measure = load_script(ROOT / "samples" / "measure.py")
    for name in _image_names(run.script):
        ours = run.working / name
        pipeline = run.working / (name[: -len(".manual")] + ".iter1")
        ours_snr = measure.continuum_snr(f"{ours}.image", f"{ours}.residual")
        assert ours_snr == pytest.approx(measure.continuum_snr(f"{pipeline}.image", f"{pipeline}.residual"), rel=0.02)
        assert ours_snr > 20


def test_exported_fits_carry_the_beam(run: Run) -> None:
    from astropy.io import fits

    for name in _image_names(run.script):
        path = run.working / f"{name}.image.pbcor.fits"
        header = fits.getheader(path)
        assert header["BMAJ"] > 0 and header["BMIN"] > 0 and "BPA" in header
    summary = json.loads((run.working / "reimage_summary.json").read_text())
    assert [product["stats"]["snr"] > 0 for product in summary["products"]] == [True] * 3


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
    measure = load_script(ROOT / "samples" / "measure.py")
    names = _image_names(run.script)
    peaks = [measure.peak(run.working / f"{name}.image") for name in names]
    files_before = sorted(p.name for p in run.working.iterdir() if not p.name.startswith("casa-"))
    script = run.script.read_text().replace("OVERWRITE = False", "OVERWRITE = True")
    overwrite = run.working / "reimage_overwrite.py"
    overwrite.write_text(script)
    again = casa_script_runner(overwrite, run.working)
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    files_after = sorted(
        p.name for p in run.working.iterdir() if not p.name.startswith("casa-") and p.name != overwrite.name
    )
    assert files_after == files_before
    assert [measure.peak(run.working / f"{name}.image") for name in names] == pytest.approx(peaks, rel=1e-3)


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
