"""Channel binning of a cube's tclean parameters, with astropy units."""
from __future__ import annotations

from typing import Any

import astropy.units as u

from casalog.errors import UsageError

_CUBE_MODES = ("cube", "cubedata", "cubesource")


def spectral_width(text: str) -> int | u.Quantity:
    """A channel width as tclean takes it: a number of channels, a frequency or a velocity.

    Raises
    ------
    UsageError
        When ``text`` is none of these.
    """
    try:
        channels = int(text)
    except ValueError:
        pass
    else:
        if channels < 1:
            raise UsageError(f"--width {text}: a number of channels must be at least 1")
        return channels
    try:
        width = u.Quantity(text)
    except (TypeError, ValueError):
        raise UsageError(
            f"--width {text}: not a channel count, frequency or velocity (e.g. 3, 1.95MHz, 2km/s)"
        ) from None
    if not (width.unit.is_equivalent(u.Hz) or width.unit.is_equivalent(u.km / u.s)) or width.value <= 0:
        raise UsageError(f"--width {text}: not a positive frequency or velocity")
    return width


def rebin(kwargs: dict[str, Any], width: str | None, nbins: int | None, notes: list[str]) -> dict[str, Any]:
    """New ``width`` and ``nchan`` for a cube, from a new width or a binning factor.

    A product that is not a cube comes back unchanged (an empty dict).
    """
    if kwargs.get("specmode") not in _CUBE_MODES:
        return {}
    logged_width = kwargs.get("width")
    nchan = kwargs.get("nchan", -1)
    if nbins is not None:
        new_width: int | u.Quantity = nbins if logged_width in (None, "", 1) else _scaled(logged_width, nbins)
        new_nchan = nchan // nbins if isinstance(nchan, int) and nchan > 0 else -1
    else:
        assert width is not None
        new_width = spectral_width(width)
        new_nchan = _channels_in(logged_width, nchan, new_width)
    notes.append(f"channels binned: width {logged_width!r} -> {_text(new_width)!r}, nchan {nchan} -> {new_nchan}")
    return {"width": _text(new_width), "nchan": new_nchan}


def _scaled(logged_width: Any, factor: int) -> int | u.Quantity:
    if isinstance(logged_width, int):
        return logged_width * factor
    return u.Quantity(str(logged_width)) * factor


def _channels_in(logged_width: Any, nchan: Any, new_width: int | u.Quantity) -> int:
    if not isinstance(nchan, int) or nchan <= 0:
        return -1
    if isinstance(new_width, int):
        old = logged_width if isinstance(logged_width, int) else 1
        return max(nchan * old // new_width, 1)
    try:
        old_width = u.Quantity(str(logged_width))
        return max(int(nchan * float(old_width / new_width)), 1)
    except (TypeError, ValueError, u.UnitConversionError):
        return -1  # widths in different kinds of units: let tclean fill the band


def _text(width: int | u.Quantity) -> int | str:
    if isinstance(width, int):
        return width
    return f"{width.value:.12g}{width.unit.to_string().replace(' ', '')}"
