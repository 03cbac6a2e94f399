"""The frequency coverage of each spw, as a log's cube images tell it.

A cube's tclean call gives ``start`` (the centre of its first channel),
``width`` and ``nchan`` in the output frame (LSRK for the pipeline), which is
the frame of cont.dat: the spw spans from half a channel below the first
centre to half a channel above the last.  The pipeline's cubes may leave out
edge channels and its ranges were found in another frame, so the interval is
widened by the Doppler shift of 30 km/s on each side.
"""
from __future__ import annotations

from collections.abc import Iterable

import astropy.units as u

from casalog.log.products import as_list
from casalog.log.reader import LoggedCall

Interval = tuple[u.Quantity, u.Quantity]
# v/c of 30 km/s: more than the Earth's motion moves a frame against LSRK.
_MARGIN = 1e-4
# A start or width longer than this is no quantity tclean was given.
_MAX_QUANTITY = 64


def spw_coverage(calls: Iterable[LoggedCall]) -> dict[int, Interval]:
    """The (low, high) frequency edges of every spw a cube call of the log covers.

    Parameters
    ----------
    calls : iterable of LoggedCall
        A log's calls; only tclean cubes with a frequency ``start`` and ``width``,
        a channel count and a single spw count.

    Returns
    -------
    dict
        spw id to its widest interval over the log's cubes, in GHz.
    """
    coverage: dict[int, Interval] = {}
    for call in calls:
        interval = _cube_interval(call)
        if interval is None:
            continue
        spw, (low, high) = interval
        if spw in coverage:
            low, high = min(low, coverage[spw][0]), max(high, coverage[spw][1])
        coverage[spw] = (low, high)
    return coverage


def _cube_interval(call: LoggedCall) -> tuple[int, Interval] | None:
    kwargs = call.kwargs
    if call.task != "tclean" or kwargs.get("specmode") != "cube":
        return None
    spws = {selection.split(":", 1)[0] for selection in as_list(kwargs.get("spw"))}
    nchan = kwargs.get("nchan")
    if len(spws) != 1 or not isinstance(nchan, int) or nchan < 1:
        return None
    (spw,) = spws
    if not spw.isdigit():
        return None
    start, width = _quantity(kwargs.get("start")), _quantity(kwargs.get("width"))
    if start is None or width is None:
        return None
    if not (start.unit.is_equivalent(u.Hz) and width.unit.is_equivalent(u.Hz)):
        return None
    first, last = start, start + (nchan - 1) * width
    low, high = min(first, last) - abs(width) / 2, max(first, last) + abs(width) / 2
    return int(spw), ((low * (1 - _MARGIN)).to(u.GHz), (high * (1 + _MARGIN)).to(u.GHz))


def _quantity(value: object) -> u.Quantity | None:
    """A logged quantity string as a Quantity; None for anything else (astropy's parser is slow on long text)."""
    if not isinstance(value, str) or len(value) > _MAX_QUANTITY:
        return None
    try:
        return u.Quantity(value)
    except (TypeError, ValueError):
        return None
