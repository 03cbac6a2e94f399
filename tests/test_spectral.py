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


@pytest.mark.parametrize(
    ("logged", "problem"),
    [
        pytest.param({"nchan": "12"}, "its logged nchan '12' is not a whole number of channels", id="text nchan"),
        pytest.param({"nchan": True}, "its logged nchan True is not a whole number of channels", id="bool nchan"),
        pytest.param({"nchan": [1]}, "its logged nchan [1] is not a whole number of channels", id="list nchan"),
        pytest.param({"width": "abc"}, "its logged width 'abc' is not a channel count, frequency or velocity",
                     id="text width"),
        pytest.param({"width": "1e999MHz"}, "its logged width '1e999MHz' is not", id="infinite width"),
        pytest.param({"width": "2arcsec"}, "its logged width '2arcsec' is not", id="angle width"),
        pytest.param({"width": 0}, "its logged width 0 is not", id="no channels"),
        pytest.param({"width": ["1MHz"]}, "its logged width ['1MHz'] is not", id="list width"),
        pytest.param({"width": "1" * 1000 + "MHz"}, "its logged width '" + "1" * 39 + "…",
                     id="long width"),
    ],
)
def test_a_logged_width_or_nchan_that_cannot_be_binned_is_refused(logged: dict[str, Any], problem: str) -> None:
    from casalog.errors import CasaLogError
    from casalog.reimage.spectral import binning_problem

    kwargs = {**CUBE, **logged}
    assert binning_problem(kwargs) is not None and binning_problem(kwargs).startswith(problem)  # type: ignore[union-attr]
    for width, nbins in (("3", None), ("2km/s", None), (None, 2)):
        with pytest.raises(CasaLogError, match="cannot bin the channels of a cube: its logged"):
            rebin(kwargs, width, nbins, [])


@pytest.mark.parametrize("width", ["1e999MHz", "nan MHz", "inf km/s"])
def test_an_infinite_width_option_is_refused(width: str) -> None:
    with pytest.raises(UsageError, match="not a channel count, frequency or velocity"):
        spectral_width(width)


def test_the_command_names_the_line_of_a_cube_it_cannot_bin(tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    import textwrap

    from casalog.commands.main import main

    log = tmp_path / "uid___A001_X1_X2.casa_commands.log"
    call = "tclean(vis=['a.ms'], imagename='u.s9_0.Src_sci.spw5.cube.I.iter1', specmode='cube', nchan='\\x1b[2J')"
    lines = textwrap.wrap(call, width=80, subsequent_indent=" " * 7, break_long_words=False)
    log.write_text("raise Error('The casa commands log is not executable!')\n\n" + "\n".join(lines) + "\n")
    script = tmp_path / "x.py"
    assert main([str(log), "--nbins", "2", "-o", str(script)]) == 1
    assert capsys.readouterr().err == (
        f"{log}:3: --width/--nbins cannot bin u.s9_0.Src_sci.spw5.cube.I: "
        "its logged nchan '\\x1b[2J' is not a whole number of channels\n"
    )
    assert not script.exists()
