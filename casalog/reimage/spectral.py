"""Channel binning of a cube's tclean parameters, with astropy units.

The logged ``width`` and ``nchan`` are checked before any arithmetic: a
pipeline writes an int or a quantity string, but a log edited by hand may
hold anything, and a value that is not a channel count, a frequency or a
velocity must stop the script with a message, never reach it as text.
"""
from __future__ import annotations

import math
from typing import Any

import astropy.units as u

from casalog.errors import CasaLogError, UsageError

CUBE_MODES = ("cube", "cubedata", "cubesource")
# A quantity string longer than this is no width tclean was given.
_MAX_QUANTITY = 64


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
    width = _quantity(text)
    if width is None:
        raise UsageError(f"--width {text}: not a channel count, frequency or velocity (e.g. 3, 1.95MHz, 2km/s)")
    if not _spectral(width) or width.value <= 0:
        raise UsageError(f"--width {text}: not a positive frequency or velocity")
    return width


def binning_problem(kwargs: dict[str, Any]) -> str | None:
    """Why a cube's logged ``width`` or ``nchan`` cannot be binned; None when they can (or it is no cube).

    Parameters
    ----------
    kwargs : dict
        The logged tclean call.
    """
    if kwargs.get("specmode") not in CUBE_MODES:
        return None
    nchan = kwargs.get("nchan", -1)
    if not _is_count(nchan):
        return f"its logged nchan {_shown(nchan)} is not a whole number of channels"
    width = kwargs.get("width")
    if width in (None, "") or (_is_count(width) and width >= 1):
        return None
    quantity = _quantity(width) if isinstance(width, str) else None
    if quantity is not None and _spectral(quantity) and quantity.value != 0:
        return None
    return f"its logged width {_shown(width)} is not a channel count, frequency or velocity"


def rebin(kwargs: dict[str, Any], width: str | None, nbins: int | None, notes: list[str]) -> dict[str, Any]:
    """New ``width`` and ``nchan`` for a cube, from a new width or a binning factor.

    A product that is not a cube comes back unchanged (an empty dict).

    Raises
    ------
    CasaLogError
        The logged ``width`` or ``nchan`` cannot be binned (see :func:`binning_problem`).
    """
    if kwargs.get("specmode") not in CUBE_MODES:
        return {}
    problem = binning_problem(kwargs)
    if problem is not None:
        raise CasaLogError(f"cannot bin the channels of a cube: {problem}")
    logged_width = kwargs.get("width")
    nchan: int = kwargs.get("nchan", -1)
    if nbins is not None:
        new_width: int | u.Quantity = nbins if logged_width in (None, "", 1) else _scaled(logged_width, nbins)
        new_nchan = nchan // nbins if nchan > 0 else -1
    else:
        assert width is not None
        new_width = spectral_width(width)
        new_nchan = _channels_in(logged_width, nchan, new_width)
    notes.append(f"channels binned: width {logged_width!r} -> {_text(new_width)!r}, nchan {nchan} -> {new_nchan}")
    return {"width": _text(new_width), "nchan": new_nchan}


def _shown(value: Any) -> str:
    text = repr(value)
    return text[:40] + ("…" if len(text) > 40 else "")


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _quantity(text: str) -> u.Quantity | None:
    """``text`` as one finite quantity, else None."""
    if len(text) > _MAX_QUANTITY:
        return None
    try:
        value = u.Quantity(text)
    except (TypeError, ValueError):
        return None
    return value if value.isscalar and math.isfinite(value.value) else None


def _spectral(value: u.Quantity) -> bool:
    return bool(value.unit.is_equivalent(u.Hz) or value.unit.is_equivalent(u.km / u.s))


def _scaled(logged_width: int | str, factor: int) -> int | u.Quantity:
    if isinstance(logged_width, int):
        return logged_width * factor
    return u.Quantity(logged_width) * factor


def _channels_in(logged_width: int | str | None, nchan: int, new_width: int | u.Quantity) -> int:
    if nchan <= 0:
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
