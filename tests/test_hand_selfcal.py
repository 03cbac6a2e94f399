"""The hand self-calibration benchmark reads what an expert reads from the log (no CASA run here)."""
from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from script_modules import load_script

HAND = Path(__file__).resolve().parents[1] / "benchmarks" / "hand_selfcal.py"


@pytest.fixture(scope="module")
def hand() -> ModuleType:
    return load_script(HAND)


def test_reads_the_cont_and_line_cube_calls_and_the_refant(hand: ModuleType, selfcal_delivery: Any) -> None:
    record = hand.read_pipeline(selfcal_delivery.log, selfcal_delivery.line.spw)
    cont = next(p for p in selfcal_delivery.products if p.specmode == "cont")
    cube = next(p for p in selfcal_delivery.products if p.specmode == "cube" and p.spws == (selfcal_delivery.line.spw,))
    assert record.cont["imagename"] == cont.iter1 and record.cont["spw"] == list(cont.spw)
    assert record.cube["imagename"] == cube.iter1 and record.cube["vis"] == [eb.line_ms for eb in selfcal_delivery.ebs]
    assert record.refant == ",".join(selfcal_delivery.refants)


def test_clean_call_keeps_the_geometry_and_replaces_data_and_mask(hand: ModuleType, selfcal_delivery: Any) -> None:
    record = hand.read_pipeline(selfcal_delivery.log, selfcal_delivery.line.spw)
    call = hand.clean_call(record.cont, [Path("a.ms"), Path("b.ms")], Path("img"), "circle[[0pix,0pix],3pix]")
    for key in ("imsize", "cell", "phasecenter", "weighting", "robust", "specmode", "gridder", "deconvolver"):
        assert call[key] == record.cont[key]
    assert call["vis"] == ["a.ms", "b.ms"] and call["imagename"] == "img"
    assert (call["usemask"], call["nsigma"], call["mask"]) == ("user", hand.NSIGMA, "circle[[0pix,0pix],3pix]")
    assert not {"spw", "scan", "intent", "datacolumn", "savemodel", *hand.AUTOMASK_PARAMETERS} & set(call)


def test_table_gives_the_gain_over_the_pipeline(hand: ModuleType) -> None:
    pipeline = hand.Figures(10.0, 0.3, 30.0, 0.04)
    done = hand.Figures(400.0, 1.45, 150.0, 0.17)
    truth = hand.Figures(None, 1.5, None, 0.18)
    rows = hand.format_table(pipeline, done, truth).splitlines()
    assert rows[0].split() == ["pipeline", "hand", "truth", "hand/pipe"]
    assert rows[1].split()[-4:] == ["10.0", "400.0", "-", "40.00"]
    assert rows[2].split()[-4:] == ["0.300", "1.450", "1.500", "4.83"]
