"""Self-calibration judged on data with a known answer, in real CASA.

The generated batch + self-calibration script runs on copies of the
simulator's ``selfcal`` delivery (two EBs with different spw ids, a 1.5 Jy
sky under phase errors the pipeline could not follow, a line imaged from
continuum-subtracted data) and of its ``weak`` twin.  Every figure is measured
here from the images with ``samples/measure.py`` and compared with the
pipeline's iter1 images and with the simulated truth, never read from what the
script reports of itself.
"""
from __future__ import annotations

import ast
import hashlib
import json
import re
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from script_modules import load_script

from casalog.commands.main import main

pytestmark = pytest.mark.casa

MEASURE = Path(__file__).resolve().parents[1] / "samples" / "measure.py"
Runner = Callable[[Path, Path], "subprocess.CompletedProcess[str]"]


@dataclass(frozen=True)
class Run:
    delivery: Any
    working: Path
    script: Path
    result: subprocess.CompletedProcess[str]
    checksums_before: dict[str, str]

    @property
    def summary(self) -> dict[str, Any]:
        (path,) = self.working.glob("*_selfcal.json")
        return json.loads(path.read_text())  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def measure(casa_site_config: Path) -> ModuleType:
    return load_script(MEASURE)


def step_titles(script: str) -> dict[int, str]:
    for node in ast.parse(script).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "step_title":
            return ast.literal_eval(node.value)  # type: ignore[no-any-return]
    raise AssertionError("no step_title in the script")


def column_checksums(working: Path) -> dict[str, str]:
    """SHA-256 of the DATA and CORRECTED_DATA columns of every MS the pipeline left in ``working``.

    Read one data description at a time: spws of different widths do not fit one array.
    """
    from casatools import table

    sums = {}
    for ms in sorted(working.glob("*.ms")):
        tool = table()
        tool.open(str(ms))
        try:
            ddids = sorted(set(tool.getcol("DATA_DESC_ID").tolist()))
            for column in ("DATA", "CORRECTED_DATA"):
                if column not in tool.colnames():
                    continue
                digest = hashlib.sha256()
                for ddid in ddids:
                    rows = tool.query(f"DATA_DESC_ID=={ddid}")
                    try:
                        digest.update(rows.getcol(column).tobytes())
                    finally:
                        rows.close()
                sums[f"{ms.name}:{column}"] = digest.hexdigest()
        finally:
            tool.close()
    return sums


def run_selfcal_script(delivery: Any, runner: Runner, folder: Path, *replacements: tuple[str, str]) -> Run:
    """Write the batch + self-calibration script for ``delivery`` and run its self-calibration steps.

    The per-product re-cleans are left out (the tests of the simulated
    delivery run those); every self-calibration step and the export run.
    """
    working = folder / "working"
    shutil.copytree(delivery.working, working, symlinks=True)
    script = working / "reimage.py"
    assert main([str(delivery.root), "--no-interactive", "--selfcal", "-o", str(script)]) == 0
    text = script.read_text()
    steps = [number for number, title in step_titles(text).items()
             if not title.startswith(("Clean s", "Fill and check")) or title.endswith("after self-calibration")]
    text = text.replace("STEPS = []", f"STEPS = {steps}")
    for old, new in replacements:
        assert old in text
        text = text.replace(old, new)
    script.write_text(text)
    before = column_checksums(working)
    return Run(delivery, working, script, runner(script, working), before)


@pytest.fixture(scope="module")
def bright(selfcal_delivery: Any, casa_script_runner: Runner, tmp_path_factory: pytest.TempPathFactory) -> Run:
    return run_selfcal_script(selfcal_delivery, casa_script_runner, tmp_path_factory.mktemp("selfcal_run"))


@pytest.fixture(scope="module")
def weak(weak_delivery: Any, casa_script_runner: Runner, tmp_path_factory: pytest.TempPathFactory) -> Run:
    return run_selfcal_script(weak_delivery, casa_script_runner, tmp_path_factory.mktemp("weak_run"))


def pipeline_image(run: Run, specmode: str, spw: int | None = None) -> Path:
    product = next(p for p in run.delivery.products if p.specmode == specmode and (spw is None or spw in p.spws))
    return run.working / f"{product.name}.iter1"


def test_the_script_ran_every_step(bright: Run) -> None:
    assert bright.result.returncode == 0, bright.result.stdout[-3000:] + bright.result.stderr[-3000:]
    assert "Traceback" not in bright.result.stderr


def test_continuum_snr_is_twenty_times_the_pipelines(bright: Run, measure: ModuleType) -> None:
    pipeline = pipeline_image(bright, "cont")
    final = bright.working / bright.summary["final_image"]
    before = measure.continuum_snr(f"{pipeline}.image", f"{pipeline}.residual")
    after = measure.continuum_snr(f"{final}.image", f"{final}.residual")
    assert after >= 20 * before, (before, after)


def test_model_holds_the_true_flux(bright: Run, measure: ModuleType) -> None:
    final = bright.working / bright.summary["final_image"]
    truth = sum(source.flux_jy for source in bright.delivery.sources)
    assert measure.model_flux(f"{final}.model") == pytest.approx(truth, rel=0.05)


def test_line_cube_gains_from_the_continuum_solutions(bright: Run, measure: ModuleType) -> None:
    line = bright.delivery.line
    pipeline = pipeline_image(bright, "cube", line.spw)
    ours = bright.working / f"{pipeline.name[: -len('.iter1')]}.manual_selfcal"
    halfwidth = 4 * line.sigma_hz
    before = measure.cube_line_snr(f"{pipeline}.image", line.center_lsrk_hz, halfwidth)
    after = measure.cube_line_snr(f"{ours}.image", line.center_lsrk_hz, halfwidth)
    assert after >= 2 * before, (before, after)
    assert measure.line_peak(f"{ours}.image", line.center_lsrk_hz, halfwidth) == pytest.approx(line.peak_jy, rel=0.15)


def test_no_kept_round_lowered_the_snr(bright: Run, measure: ModuleType) -> None:
    rounds = bright.summary["rounds"]
    kept = [row for row in rounds if row["kept"]]
    assert len(kept) >= 3, rounds
    measured = [measure.continuum_snr(f"{bright.working / row['image']}.image",
                                      f"{bright.working / row['image']}.residual") for row in kept]
    assert measured == sorted(measured), measured
    for row in rounds:
        if not row["kept"]:
            assert row["why"]
            print(f"undone: round {row['round']} ({row['solint']}): {row['why']}")


def test_the_plan_comes_from_the_data(bright: Run) -> None:
    plan = bright.summary["plan"]
    assert plan[0]["name"] == "inf_EB" and plan[-1]["name"] == "int"
    assert all(entry["snr"] >= 3 for entry in plan)
    assert "Solution intervals (expected S/N per antenna" in bright.result.stdout


def test_pipeline_measurement_sets_are_unchanged(bright: Run) -> None:
    assert bright.checksums_before, "no pipeline measurement set found"
    after = column_checksums(bright.working)
    assert {key: after.get(key) for key in bright.checksums_before} == bright.checksums_before
    copies = sorted({key.split(":")[0] for key in after} - {key.split(":")[0] for key in bright.checksums_before})
    assert copies and all(".manual_selfcal" in name for name in copies), copies


def test_report_of_the_run_opens_in_chromium(bright: Run, tmp_path: Path) -> None:
    """The report of the real run: every image loads and is not blank; every round and cube is on the page."""
    from browser import open_page

    started = time.monotonic()
    assert main(["report", str(bright.working)]) == 0
    elapsed = time.monotonic() - started
    index = bright.working / "reimage_report" / "index.html"
    page = index.read_text(encoding="utf-8")
    shown = open_page(index)
    (tmp_path / "report.png").write_bytes(shown.screenshot)
    assert shown.images and len(shown.images) == page.count("<img ")
    for image in shown.images:
        assert image.complete and image.natural_width > 0, image.src
        assert image.variance > 50, image.src
    assert all(url.startswith("file://") for url in shown.requests), shown.requests
    summary = json.loads((bright.working / "reimage_summary.json").read_text())
    assert summary["casa_version"] in page and summary["log_sha256"] in page
    (target,) = summary["selfcal"]
    assert page.count('<tbody id="selfcal1-round') + page.count('<tbody class="undone" id="selfcal1-round') == len(
        target["rounds"])
    assert 'src="selfcal1-gains1.png"' in page and 'src="selfcal1-image.png"' in page
    assert target["cubes"] and all(cube["imagename"] in page for cube in target["cubes"])
    # The per-product re-cleans were not run: the page says so instead of failing.
    assert page.count("Missing:") >= len(summary["products"])
    size = sum(p.stat().st_size for p in index.parent.iterdir())
    assert size < 5_000_000, size
    print(f"report: {len(shown.images)} pictures, {size / 1e6:.1f} MB, built in {elapsed:.1f} s")


def test_weak_source_keeps_nothing_and_says_why(weak: Run) -> None:
    assert weak.result.returncode == 0, weak.result.stdout[-3000:] + weak.result.stderr[-3000:]
    summary = weak.summary
    assert summary["plan"] == [] and [row["round"] for row in summary["rounds"]] == [0]
    assert not any(summary["tables"].values())
    assert "too faint to self-calibrate; nothing will be applied" in weak.result.stdout
    assert "no self-calibration solutions to apply: the cubes are not made again" in weak.result.stdout
    assert not list(weak.working.glob("*.manual_selfcal_line.ms"))


def test_a_gaincal_without_solutions_is_an_undone_round(weak: Run, casa_script_runner: Runner) -> None:
    # Forced onto an interval the data cannot support, gaincal finds no solution:
    # the round is undone and said, and the script goes on to its last steps.
    text = weak.script.read_text()
    steps = [number for number, title in step_titles(text).items()
             if title.startswith(("Plan the solution", "Self-calibrate", "Final continuum", "Export"))]
    text = re.sub(r"^STEPS = .*$", f"STEPS = {steps}", text, flags=re.MULTILINE)
    for old, new in (("SOLINTS = None", "SOLINTS = ['int']"), ("MIN_SOLINT_SNR = 3.0", "MIN_SOLINT_SNR = 0.0"),
                     ("OVERWRITE = False", "OVERWRITE = True")):
        text = text.replace(old, new)
    forced = weak.working / "forced.py"
    forced.write_text(text)
    result = casa_script_runner(forced, weak.working)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    rounds = weak.summary["rounds"]
    assert [row["round"] for row in rounds] == [0, 1]
    assert rounds[1]["kept"] is False and "gaincal found no solution" in rounds[1]["why"]
    assert "round 1 (int, p): undone; gaincal found no solution" in result.stdout
    assert (weak.working / f"{weak.summary['final_image']}.image.pbcor.fits").is_file()


@pytest.fixture(scope="module")
def mosaic(mosaic_delivery: Any, casa_script_runner: Runner, tmp_path_factory: pytest.TempPathFactory) -> Run:
    # Two intervals keep the mosaic short: the judging per field is what is tested here.
    return run_selfcal_script(mosaic_delivery, casa_script_runner, tmp_path_factory.mktemp("mosaic_run"),
                              ("SOLINTS = None", "SOLINTS = ['inf_EB', 'inf']"))


def test_mosaic_is_judged_per_field(mosaic: Run, measure: ModuleType) -> None:
    assert mosaic.result.returncode == 0, mosaic.result.stdout[-3000:] + mosaic.result.stderr[-3000:]
    assert "APPLYMODE = 'calonly'" in mosaic.script.read_text()
    rounds = mosaic.summary["rounds"]
    pointings = len(mosaic.delivery.scenario.pointings)
    assert all(len(row["fields"]) == pointings for row in rounds if "fields" in row), rounds
    assert len(rounds[0]["fields"]) == pointings
    pipeline = pipeline_image(mosaic, "cont")
    final = mosaic.working / mosaic.summary["final_image"]
    before = measure.continuum_snr(f"{pipeline}.image", f"{pipeline}.residual")
    assert measure.continuum_snr(f"{final}.image", f"{final}.residual") > before
