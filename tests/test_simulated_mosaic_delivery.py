"""The simulator's ``mosaic`` scenario, built in real CASA: three pointings imaged with the mosaic gridder."""
from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from conftest import load_simulator
from script_modules import load_script

from casalog.commands.main import main
from casalog.log.reader import read_log

pytestmark = pytest.mark.casa

MEASURE = Path(__file__).resolve().parents[1] / "samples" / "measure.py"


@pytest.fixture(scope="module")
def simulator() -> ModuleType:
    return load_simulator()


@pytest.fixture(scope="module")
def measure(casa_site_config: Path) -> ModuleType:
    return load_script(MEASURE)


def cont_image(delivery: Any) -> Path:
    cont = next(p for p in delivery.products if p.specmode == "cont")
    return delivery.working / f"{cont.iter1}.image"


def test_pointings_are_fields_of_one_name(mosaic_delivery: Any, simulator: ModuleType) -> None:
    import casatools

    msmd = casatools.msmetadata()
    msmd.open(str(mosaic_delivery.working / mosaic_delivery.targets_ms))
    ids = [int(i) for i in msmd.fieldsforname(mosaic_delivery.field)]
    msmd.close()
    assert ids == simulator.target_field_ids(mosaic_delivery.scenario) and len(ids) == 3


def test_target_images_use_the_mosaic_gridder_on_every_pointing_scan(
    mosaic_delivery: Any, simulator: ModuleType
) -> None:
    calls = [call.kwargs for call in read_log(mosaic_delivery.log) if call.task == "tclean"]
    assert len(calls) == 2 * len(mosaic_delivery.products)
    scans = simulator.target_scans(mosaic_delivery.scenario)
    assert len(scans.split(",")) == 3 * mosaic_delivery.scenario.n_target_scans
    for call in calls:
        assert (call["gridder"], call["mosweight"], call["field"]) == ("mosaic", True, mosaic_delivery.field)
        assert call["scan"] == [scans]


def test_listing_shows_every_product(mosaic_delivery: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(mosaic_delivery.root), "--list"]) == 0
    out = capsys.readouterr().out
    assert all(product.name in out for product in mosaic_delivery.products)


def test_primary_beam_covers_the_outer_pointings(mosaic_delivery: Any, measure: ModuleType) -> None:
    import casatools

    ia = casatools.image()
    ia.open(str(measure.sibling(cont_image(mosaic_delivery), "pb")))
    try:
        for ra, dec in mosaic_delivery.scenario.pointings:
            x, y = ia.topixel([ra, dec])["numeric"][:2]
            value = ia.pixelvalue([int(round(x)), int(round(y)), 0, 0])["value"]["value"]
            # A single pointing's beam is down to 0.5 half a beam away.
            assert value > 0.8, (ra, dec, value)
    finally:
        ia.close()


def test_knot_is_the_peak_of_a_dynamic_range_limited_image(mosaic_delivery: Any, measure: ModuleType) -> None:
    import casatools

    image = cont_image(mosaic_delivery)
    assert 4 < measure.continuum_snr(image) < 40
    ia = casatools.image()
    ia.open(str(image))
    peak = ia.toworld(ia.statistics()["maxpos"], "m")["measure"]["direction"]
    ia.close()
    knot = next(source for source in mosaic_delivery.sources if source.is_point)
    me = casatools.measures()
    qa = casatools.quanta()
    offset = me.separation(peak, me.direction("ICRS", knot.ra, knot.dec))
    assert qa.convert(offset, "arcsec")["value"] < 1.5
