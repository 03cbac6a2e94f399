from __future__ import annotations

from typing import Any

import pytest

from casalog.errors import UsageError
from casalog.reimage.spectral import rebin, spectral_width

CUBE = {"specmode": "cube", "width": "0.976744979842MHz", "nchan": 1918}


@pytest.mark.parametrize(
    ("kwargs", "width", "nbins", "expected"),
    [
        pytest.param(CUBE, None, 4, {"width": "3.90697991937MHz", "nchan": 479}, id="bin a frequency width"),
        pytest.param(CUBE, "3.9MHz", None, {"width": "3.9MHz", "nchan": 480}, id="new frequency width"),
        pytest.param(CUBE, "2km/s", None, {"width": "2km/s", "nchan": -1}, id="velocity: tclean fills the band"),
        pytest.param({"specmode": "cube", "nchan": 100}, None, 3, {"width": 3, "nchan": 33}, id="native channels"),
        pytest.param({"specmode": "cube", "width": 2, "nchan": 100}, "4", None, {"width": 4, "nchan": 50},
                     id="channels"),
        pytest.param({"specmode": "cube", "width": 2, "nchan": -1}, None, 2, {"width": 4, "nchan": -1},
                     id="all channels"),
    ],
)
def test_cube_is_rebinned(
    kwargs: dict[str, Any], width: str | None, nbins: int | None, expected: dict[str, Any]
) -> None:
    notes: list[str] = []
    assert rebin(kwargs, width, nbins, notes) == expected
    assert notes and notes[0].startswith("channels binned")


def test_continuum_images_are_not_rebinned() -> None:
    notes: list[str] = []
    assert rebin({"specmode": "mfs", "width": "1MHz"}, None, 4, notes) == {}
    assert notes == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("0", "at least 1", id="no channels"),
        pytest.param("abc", "not a channel count, frequency or velocity", id="no number"),
        pytest.param("2arcsec", "not a positive frequency or velocity", id="angle"),
        pytest.param("-1MHz", "not a positive frequency or velocity", id="negative"),
    ],
)
def test_bad_width(text: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        spectral_width(text)
