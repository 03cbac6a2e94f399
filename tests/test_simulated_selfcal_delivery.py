"""The simulator's self-calibration scenarios, built in real CASA.

``selfcal``: two EBs whose science spws have different ids, a bright sky under
phase errors the pipeline's calibration cannot follow, a line imaged as cubes
from continuum-subtracted data.  ``weak``: the same layout with a faint sky.
"""
from __future__ import annotations

import re
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest
from conftest import load_simulator
from script_modules import load_script

from casalog.commands.main import main
from casalog.contdat import parse
from casalog.log.reader import read_log

pytestmark = pytest.mark.casa

MEASURE = Path(__file__).resolve().parents[1] / "samples" / "measure.py"
ITER1_IMAGES = ("image", "image.pbcor", "mask", "model", "pb", "psf", "residual", "sumwt")


@pytest.fixture(scope="module")
def simulator() -> ModuleType:
    return load_simulator()


@pytest.fixture(scope="module")
def measure(casa_site_config: Path) -> ModuleType:
    return load_script(MEASURE)


def logged(delivery: Any, task: str) -> list[dict[str, Any]]:
    """The keyword arguments of every logged call of one task, in log order."""
    return [call.kwargs for call in read_log(delivery.log) if call.task == task]


def spw_ids(selection: str) -> list[int]:
    """The spw ids of a selection such as ``1:230.1~230.2GHz;230.3~230.4GHz,3:232.2~232.7GHz``."""
    return [int(part.split(":")[0]) for part in selection.split(",")]


def product_of(delivery: Any, specmode: str, spw: int | None = None) -> Any:
    return next(p for p in delivery.products if p.specmode == specmode and (spw is None or p.spws == (spw,)))


def per_eb_ids(delivery: Any, first_eb_ids: tuple[int, ...]) -> list[list[int]]:
    """Each EB's own ids of the science spws that the first EB calls ``first_eb_ids``."""
    positions = [delivery.ebs[0].science_spws.index(spw) for spw in first_eb_ids]
    return [[eb.science_spws[i] for i in positions] for eb in delivery.ebs]


def line_halfwidth(delivery: Any) -> float:
    return 4.0 * delivery.line.sigma_hz


def test_listing_shows_every_product(selfcal_delivery: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(selfcal_delivery.root), "--list"]) == 0
    out = capsys.readouterr().out
    for product in selfcal_delivery.products:
        assert product.name in out
    assert [p.specmode for p in selfcal_delivery.products] == ["mfs", "mfs", "cont", "cube", "cube"]


def test_the_ebs_call_the_same_science_spws_by_other_ids(selfcal_delivery: Any) -> None:
    import casatools

    first, second = selfcal_delivery.ebs
    assert first.science_spws == (1, 3) and second.science_spws == (5, 7)
    msmd = casatools.msmetadata()
    for eb in selfcal_delivery.ebs:
        msmd.open(str(selfcal_delivery.working / eb.targets_ms))
        assert tuple(msmd.spwsforfield(selfcal_delivery.field)) == eb.science_spws
        msmd.close()


def test_tclean_calls_carry_each_ebs_own_spw_ids(selfcal_delivery: Any) -> None:
    calls = {kwargs["imagename"]: kwargs for kwargs in logged(selfcal_delivery, "tclean")}
    for product in selfcal_delivery.products:
        for imagename in (product.iter0, product.iter1):
            call = calls[imagename]
            assert call["vis"] == list(product.vis)
            assert [spw_ids(selection) for selection in call["spw"]] == per_eb_ids(selfcal_delivery, product.spws)
    cont = product_of(selfcal_delivery, "cont")
    # The continuum selections are frequency ranges of each EB's TOPO frame.
    ranges = r"[\d.]+~[\d.]+GHz(;[\d.]+~[\d.]+GHz)*"
    for selection in calls[cont.iter1]["spw"]:
        assert re.fullmatch(rf"\d+:{ranges}(,\d+:{ranges})*", selection), selection


def test_images_are_named_with_the_first_ebs_ids(selfcal_delivery: Any) -> None:
    for product in selfcal_delivery.products:
        assert f".spw{'_'.join(map(str, product.spws))}." in product.name
        assert set(product.spws) <= set(selfcal_delivery.ebs[0].science_spws)


def test_contdat_gives_the_first_ebs_spws_and_leaves_out_the_line(selfcal_delivery: Any) -> None:
    contdat = parse(selfcal_delivery.contfile.read_text())
    assert contdat.version == 2 and contdat.field_names() == [selfcal_delivery.field]
    spws = {spw.spw: spw for spw in contdat.fields[0].spws}
    assert tuple(spws) == selfcal_delivery.ebs[0].science_spws
    line = selfcal_delivery.line
    for spw_id, spw in spws.items():
        covers_line = any(r.lo.to("Hz").value < line.center_lsrk_hz < r.hi.to("Hz").value for r in spw.ranges)
        assert not covers_line
        assert {r.effective_frame for r in spw.ranges} == {"LSRK"}
        assert len(spw.ranges) == (2 if spw_id == line.spw else 1)


def test_uvcontsub_fits_each_eb_in_its_own_ids_and_channels(selfcal_delivery: Any, simulator: ModuleType) -> None:
    calls = logged(selfcal_delivery, "uvcontsub")
    assert len(calls) == len(selfcal_delivery.ebs)
    for call, eb in zip(calls, selfcal_delivery.ebs):
        assert (call["vis"], call["outputvis"], call["datacolumn"]) == (eb.targets_ms, eb.line_ms, "data")
        # Logged as the pipeline does: keyed by field id (int), then spw id (str).
        (field_id,) = simulator.target_field_ids(selfcal_delivery.scenario)
        assert list(call["fitspec"]) == [field_id]
        fits = call["fitspec"][field_id]
        assert list(fits) == [str(spw) for spw in eb.science_spws]
        line_spw = per_eb_ids(selfcal_delivery, (selfcal_delivery.line.spw,))[selfcal_delivery.ebs.index(eb)][0]
        for spw_id, fit in fits.items():
            assert fit["fitorder"] == 1
            assert len(fit["chan"].split(";")) == (2 if int(spw_id) == line_spw else 1)


def test_line_data_keep_the_spw_ids_and_lose_the_continuum(selfcal_delivery: Any) -> None:
    import casatools

    msmd = casatools.msmetadata()
    tb = casatools.table()
    for eb in selfcal_delivery.ebs:
        msmd.open(str(selfcal_delivery.working / eb.line_ms))
        assert tuple(msmd.spwsforfield(selfcal_delivery.field)) == eb.science_spws
        assert msmd.nspw() == eb.n_spws
        msmd.close()
        # The continuum-only spw: most of 1.5 Jy per visibility before, noise (0.13 Jy) after.
        amplitudes = []
        for vis in (eb.targets_ms, eb.line_ms):
            tb.open(str(selfcal_delivery.working / vis))
            sub = tb.query(f"DATA_DESC_ID=={eb.science_spws[-1]}")
            amplitudes.append(float(np.abs(sub.getcol("DATA")).mean()))
            sub.close()
            tb.close()
        assert amplitudes[0] > 0.5 and amplitudes[1] < 0.2, amplitudes


def test_cubes_image_the_continuum_subtracted_data(selfcal_delivery: Any) -> None:
    calls = {kwargs["imagename"]: kwargs for kwargs in logged(selfcal_delivery, "tclean")}
    first = selfcal_delivery.ebs[0]
    for product in (p for p in selfcal_delivery.products if p.specmode == "cube"):
        call = calls[product.iter1]
        assert call["vis"] == [eb.line_ms for eb in selfcal_delivery.ebs]
        assert (call["datacolumn"], call["specmode"], call["outframe"]) == ("data", "cube", "LSRK")
        nchan = next(spw.nchan for spw in first.science() if spw.spw_id == product.spws[0])
        assert call["nchan"] == nchan - 2
        assert call["start"].endswith("GHz") and call["width"].endswith("MHz")


def test_every_product_has_its_images(selfcal_delivery: Any) -> None:
    for product in selfcal_delivery.products:
        for suffix in ITER1_IMAGES:
            assert (selfcal_delivery.working / f"{product.iter1}.{suffix}").is_dir()


def test_thermal_snr_supports_selfcal_at_every_integration(selfcal_delivery: Any, simulator: ModuleType) -> None:
    flux = sum(source.flux_jy for source in selfcal_delivery.sources)
    assert flux == pytest.approx(1.5)
    assert simulator.antenna_solution_snr(selfcal_delivery.scenario, flux, simulator.INTEGRATION_S) > 100


def test_pipeline_continuum_is_dynamic_range_limited(
    selfcal_delivery: Any, simulator: ModuleType, measure: ModuleType
) -> None:
    cont = product_of(selfcal_delivery, "cont")
    image = selfcal_delivery.working / f"{cont.iter1}.image"
    snr = measure.continuum_snr(image)
    assert 4 < snr < 25
    with simulator.working_directory(selfcal_delivery.working):
        thermal = simulator.sensitivity_jy(cont, selfcal_delivery.phasecenter, selfcal_delivery.scenario)
    # Phase errors, not noise, set the residual.
    assert measure.residual_rms(measure.sibling(image, "residual")) > 20 * thermal


def test_pipeline_cube_shows_the_line_below_its_true_peak(selfcal_delivery: Any, measure: ModuleType) -> None:
    line = selfcal_delivery.line
    cube = selfcal_delivery.working / f"{product_of(selfcal_delivery, 'cube', line.spw).iter1}.image"
    peak = measure.line_peak(cube, line.center_lsrk_hz, line_halfwidth(selfcal_delivery))
    rms = measure.line_free_rms(cube, line.center_lsrk_hz, line_halfwidth(selfcal_delivery))
    assert peak > 5 * rms
    # Decorrelated by the phase errors.
    assert peak < 0.8 * line.peak_jy


def test_weak_scenario_has_the_selfcal_layout(weak_delivery: Any, selfcal_delivery: Any) -> None:
    assert weak_delivery.ebs == selfcal_delivery.ebs
    assert [p.name for p in weak_delivery.products] == [p.name for p in selfcal_delivery.products]


def test_weak_source_cannot_support_even_one_solution_per_eb(weak_delivery: Any, simulator: ModuleType) -> None:
    scenario = weak_delivery.scenario
    (source,) = weak_delivery.sources
    assert source.flux_jy < 0.005
    whole_eb = simulator.target_time_s(scenario)
    assert simulator.antenna_solution_snr(scenario, source.flux_jy, whole_eb) < 3


def test_weak_pipeline_image_is_noise_limited(weak_delivery: Any, simulator: ModuleType, measure: ModuleType) -> None:
    cont = product_of(weak_delivery, "cont")
    image = weak_delivery.working / f"{cont.iter1}.image"
    with simulator.working_directory(weak_delivery.working):
        thermal = simulator.sensitivity_jy(cont, weak_delivery.phasecenter, weak_delivery.scenario)
    rms = measure.residual_rms(measure.sibling(image, "residual"))
    assert rms == pytest.approx(thermal, rel=0.3)
    assert measure.continuum_snr(image) < 8
