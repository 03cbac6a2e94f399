"""Continuum ranges as CASA selections: ``SPW:LO~HIUNIT`` strings, ``fitspw``, ``fitspec``, bandwidth."""
from __future__ import annotations

from collections.abc import Iterable, Mapping

import astropy.units as u

from casalog.contdat.edit import find_field
from casalog.contdat.format import RANGE_RE, ContDat, ContField, ContRange, ContSpw, make_range
from casalog.errors import CasaLogError, SelectionError, UsageError, shown


def parse_selection(text: str) -> dict[int, tuple[ContRange, ...]]:
    """Parse an MS-selection style string of frequency ranges.

    Parameters
    ----------
    text : str
        ``'22:258.6~258.64GHz;258.97~260.45GHz'``, several spws joined by ``,``;
        each range carries its own unit (GHz, MHz, kHz or Hz).

    Returns
    -------
    dict
        spw id to its ranges (frame None), in the order given.

    Raises
    ------
    UsageError
        Bad syntax, a unit that is not a frequency, or one spw given twice.
    """
    selection: dict[int, tuple[ContRange, ...]] = {}
    for part in text.split(","):
        spw_text, colon, ranges_text = part.strip().partition(":")
        if not colon or not spw_text.strip().isdigit() or not ranges_text.strip():
            raise UsageError(
                f"cannot read spw selection {shown(part.strip())}: expected SPW:LO~HIUNIT[;LO~HIUNIT…], "
                "e.g. 22:258.6~258.64GHz"
            )
        spw = int(spw_text)
        if spw in selection:
            raise UsageError(f"spw {spw} is given twice in {shown(text)}")
        selection[spw] = tuple(_parse_selected_range(item.strip()) for item in ranges_text.split(";"))
    return selection


def _parse_selected_range(text: str) -> ContRange:
    match = RANGE_RE.fullmatch(text)
    if match is None:
        raise UsageError(f"cannot read range {shown(text)}: expected LO~HI followed by a unit, e.g. 258.6~258.64GHz")
    try:
        return make_range(match["lo"], match["hi"], match["unit"])
    except CasaLogError as err:
        raise UsageError(err.message) from None


def spw_selection(entry: ContSpw) -> str | None:
    """Return the MS selection of one spw's continuum, e.g. ``'22:258.6~258.64GHz;258.97~260.45GHz'``.

    This is the tclean ``spw`` value for a continuum image of that spw.
    Frequencies are given as written: CASA reads them in the MS frame, so
    LSRK ranges are off by the Doppler shift the pipeline corrects per MS.

    Parameters
    ----------
    entry : ContSpw

    Returns
    -------
    str or None
        ``'22'`` for ``ALL``; None when the spw has no continuum (``NONE`` or no
        ranges): there is nothing to select, the caller decides what to do.
    """
    if entry.all_channels:
        return str(entry.spw)
    if not entry.ranges:
        return None
    return f"{entry.spw}:{';'.join(rng.text for rng in entry.ranges)}"


def _selected(field: ContField, spws: Iterable[int] | None, filename: str | None) -> list[ContSpw]:
    if spws is None:
        return list(field.spws)
    wanted = set(spws)
    missing = wanted - set(field.spw_ids())
    if missing:
        raise SelectionError(
            f"no spw {', '.join(map(str, sorted(missing)))} under field {field.name!r}; "
            f"it has: {', '.join(map(str, field.spw_ids()))}",
            filename,
        )
    return [entry for entry in field.spws if entry.spw in wanted]


def fitspw(contdat: ContDat, field: str, spws: Iterable[int] | None = None) -> str:
    """Return the ``fitspw`` of the old ``uvcontfit``/``uvcontsub`` for one field.

    The spw selections of :func:`spw_selection` joined by ``,``; spws without
    continuum are left out.

    Parameters
    ----------
    contdat : ContDat
    field : str
        The field name.
    spws : iterable of int, optional
        Only these spws (default: all of the field).

    Returns
    -------
    str

    Raises
    ------
    SelectionError
        An unknown field or spw, or no selected spw has continuum: an empty
        ``fitspw`` would fit every channel.
    """
    entries = _selected(find_field(contdat, field), spws, contdat.filename)
    selections = [sel for sel in map(spw_selection, entries) if sel is not None]
    if not selections:
        raise SelectionError(f"field {field!r}: no selected spw has continuum ranges", contdat.filename)
    return ",".join(selections)


def fitspec(
    contdat: ContDat, field_ids: Mapping[str, int], fitorder: int = 1, spws: Iterable[int] | None = None
) -> dict[int, dict[str, dict[str, str | int]] | str]:
    """Return the ``fitspec`` dict of CASA ≥ 6.5 ``uvcontsub``.

    ``{field_id: {'22': {'chan': '258.6~258.64GHz;258.97~260.45GHz', 'fitorder': 1}}}``
    as the pipeline logs it: int MS field ids, spw ids as strings, ``chan`` the
    channel part of an MS spw selection, ``''`` (all channels) for ``ALL``.
    casatasks 6.7 takes int or str field keys and frequency ranges in ``chan``.

    Spws without continuum are left out, but ``uvcontsub`` fits a spw missing
    from ``fitspec`` on all its channels: leave those spws out of its ``spw``
    parameter too. A field none of whose spws has continuum gets ``'NONE'``
    (fit nothing).

    Parameters
    ----------
    contdat : ContDat
    field_ids : mapping of str to int
        The MS field id of each cont.dat field to include (cont.dat has names only).
    fitorder : int
        Polynomial order of every fit.
    spws : iterable of int, optional
        Only these spws (default: all).

    Returns
    -------
    dict

    Raises
    ------
    SelectionError
        A field or spw the file does not have.
    """
    spec: dict[int, dict[str, dict[str, str | int]] | str] = {}
    for name, field_id in field_ids.items():
        field = find_field(contdat, name)
        per_spw: dict[str, dict[str, str | int]] = {}
        for entry in _selected(field, spws, contdat.filename):
            selection = spw_selection(entry)
            if selection is not None:
                per_spw[str(entry.spw)] = {"chan": selection.partition(":")[2], "fitorder": fitorder}
        spec[field_id] = per_spw or "NONE"
    return spec


def continuum_bandwidth(entry: ContSpw, coverage: tuple[u.Quantity, u.Quantity] | None = None) -> u.Quantity | None:
    """Return the total continuum bandwidth of one spw, in GHz.

    Parameters
    ----------
    entry : ContSpw
    coverage : tuple of Quantity, optional
        The spw's edges, to size an ``ALL`` entry.

    Returns
    -------
    Quantity or None
        The sum of the range widths (0 GHz for ``NONE``); for ``ALL`` the width
        of ``coverage``, or None when it is not given.
    """
    if entry.all_channels:
        return None if coverage is None else (coverage[1] - coverage[0]).to(u.GHz)
    return sum((rng.width for rng in entry.ranges), 0.0 * u.GHz)
