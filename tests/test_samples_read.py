"""The bundled sample deliveries read with the project's own reader."""
from __future__ import annotations

from pathlib import Path

import pytest

from casalog.delivery.layout import find_log
from casalog.log.products import OtherImage, Product, images
from casalog.log.reader import read_log

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


@pytest.mark.parametrize(
    ("sample", "commands", "iterations", "others"),
    [
        pytest.param(
            "cycle4",
            54,
            {"s19_0.HD_163296_sci.spw19.mfs.I": (0,), "s21_0.IRAS16293-2422_sci.spw17_19_21.cont.I": (0, 1)},
            {"findcont cube": 2},
            id="cycle 4",
        ),
        pytest.param(
            "cycle10",
            84,
            {"s19_0.Elias_27_sci.spw25_27_29.cont.selfcal.I": (0, 1, 2),
             "s23_0.Elias_27_sci.spw29.repBW.regcal.I": (0, 1)},
            {"findcont cube": 3, "self-calibration work image": 4},
            id="cycle 10",
        ),
        pytest.param(
            "sim",
            None,
            {"s27_0.SimSource_sci.spw1_3.cont.I": (0, 1), "s25_0.SimSource_sci.spw1.mfs.I": (0, 1)},
            {},
            id="simulated",
        ),
    ],
)
def test_sample_reads_exactly(
    sample: str, commands: int | None, iterations: dict[str, tuple[int, ...]], others: dict[str, int]
) -> None:
    calls = list(read_log(find_log(str(SAMPLES / sample))))
    assert all(call.exact for call in calls)
    if commands is not None:
        assert len(calls) == commands
    found = list(images(calls))
    products = {item.stem.split(".", 1)[1]: item for item in found if isinstance(item, Product)}
    for stem, expected in iterations.items():
        assert products[stem].iterations == expected
    kinds: dict[str, int] = {}
    for item in found:
        if isinstance(item, OtherImage):
            kinds[item.kind] = kinds.get(item.kind, 0) + 1
    assert kinds == others
