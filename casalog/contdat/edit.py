"""Find the fields and spws of a cont.dat and replace the continuum ranges of one spw."""
from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from decimal import Decimal
from itertools import chain

import astropy.units as u

from casalog.contdat.format import RANGE_RE, ContDat, ContField, ContRange, ContSpw, make_range
from casalog.errors import CasaLogError, SelectionError


def _in_ghz(number: str, unit: str) -> str:
    """Rewrite a written number in GHz without going through a float."""
    exponent = {"Hz": -9, "kHz": -6, "MHz": -3, "GHz": 0}[unit]
    return format(Decimal(number).scaleb(exponent), "f")


def _as_file_range(rng: ContRange, frame: str | None) -> ContRange:
    """Return ``rng`` written in GHz, as the pipeline writes cont.dat ranges, with ``frame``."""
    match = RANGE_RE.fullmatch(rng.text)
    assert match is not None  # every ContRange text is LO~HIUNIT
    return make_range(_in_ghz(match["lo"], match["unit"]), _in_ghz(match["hi"], match["unit"]), "GHz", frame)


def _check_ranges(
    ranges: Sequence[ContRange], spw: ContSpw, coverage: tuple[u.Quantity, u.Quantity] | None, filename: str | None
) -> None:
    def fail(message: str) -> CasaLogError:
        return CasaLogError(f"spw {spw.spw}: {message}", filename, spw.lineno)

    if not ranges:
        raise fail("give at least one range")
    for rng in ranges:
        if rng.lo >= rng.hi:
            raise fail(f"range {rng.text} is inverted or empty (the low edge must be below the high edge)")
        if coverage is not None and (rng.lo < coverage[0] or rng.hi > coverage[1]):
            raise fail(f"range {rng.text} lies outside the spw coverage {_interval_text(coverage)}")
    ordered = sorted(ranges, key=lambda rng: rng.lo.to_value(u.Hz))
    for before, after in zip(ordered, ordered[1:]):
        if after.lo < before.hi:
            raise fail(f"ranges {before.text} and {after.text} overlap")


def _interval_text(interval: tuple[u.Quantity, u.Quantity]) -> str:
    lo, hi = (edge.to(u.GHz) for edge in interval)
    return f"{lo.value:g}~{hi.value:g} GHz"


def _frame_for(contdat: ContDat, spw: ContSpw) -> str | None:
    """Pick the frame of new ranges: the spw's own, else the file's, else LSRK (none in v1)."""
    others = (rng for field in contdat.fields for other in field.spws for rng in other.ranges)
    first = next(chain(spw.ranges, others), None)
    if first is not None:
        return first.frame
    return None if contdat.version == 1 else "LSRK"


def _line_ending(spw: ContSpw) -> str:
    header = spw.head.splitlines(keepends=True)[0]
    return header[len(header.rstrip("\r\n")) :] or "\n"


def _replace_body(contdat: ContDat, spw: ContSpw, ranges: Sequence[ContRange]) -> ContSpw:
    frame = _frame_for(contdat, spw)
    new = tuple(_as_file_range(rng, frame) for rng in ranges)
    eol = _line_ending(spw)
    lines = [rng.text if frame is None else f"{rng.text} {frame}" for rng in new]
    # Keep a file that ends without a newline that way.
    last = "" if spw.body and not spw.tail and not spw.body.endswith(("\n", "\r")) else eol
    head = spw.head if spw.head.endswith(("\n", "\r")) else spw.head + eol
    return dataclasses.replace(spw, ranges=new, marker=None, head=head, body=eol.join(lines) + last)


def find_field(contdat: ContDat, name: str) -> ContField:
    """Return the field called ``name``.

    Raises
    ------
    SelectionError
        No such field; the message lists the fields the file has.
    """
    for field in contdat.fields:
        if field.name == name:
            return field
    raise SelectionError(f"no field {name!r} in cont.dat; it has: {', '.join(contdat.field_names())}", contdat.filename)


def find_spw(contdat: ContDat, spw: int, field: str | None = None) -> tuple[ContField, ContSpw]:
    """Return the field and the entry of ``spw``.

    Parameters
    ----------
    contdat : ContDat
    spw : int
        The spw id as written in the file.
    field : str, optional
        Needed when the spw is listed under several fields: an edit never
        guesses which field the user meant.

    Raises
    ------
    SelectionError
        Unknown field or spw (the message lists what the file has), or a spw
        listed under several fields with no ``field`` given.
    """
    fields = [find_field(contdat, field)] if field is not None else list(contdat.fields)
    found = [(fld, entry) for fld in fields for entry in fld.spws if entry.spw == spw]
    if not found:
        where = f"under field {field!r}" if field is not None else "in cont.dat"
        known = sorted({entry.spw for fld in fields for entry in fld.spws})
        listed = ", ".join(str(spw_id) for spw_id in known) or "none"
        raise SelectionError(f"no spw {spw} {where}; it has: {listed}", contdat.filename)
    if len(found) > 1:
        names = ", ".join(fld.name for fld, _ in found)
        raise SelectionError(
            f"spw {spw} is listed under {len(found)} fields ({names}); choose one with --field", contdat.filename
        )
    return found[0]


def set_ranges(
    contdat: ContDat,
    spw: int,
    ranges: Sequence[ContRange],
    field: str | None = None,
    coverage: tuple[u.Quantity, u.Quantity] | None = None,
) -> ContDat:
    """Return ``contdat`` with the ranges of one spw replaced.

    Only that spw's range (or ``NONE``/``ALL``) lines change. New ranges are
    written in GHz, in the frame the spw (else the file) already uses, LSRK
    when the file has none (no frame in v1). A v3 ``Flags`` line is kept as it is.

    Parameters
    ----------
    contdat : ContDat
    spw : int
        The spw id as written in the file.
    ranges : sequence of ContRange
        E.g. from :func:`casalog.contdat.select.parse_selection`.
    field : str, optional
        Required when the spw is listed under several fields.
    coverage : tuple of Quantity, optional
        The spw's (low, high) frequency edges; every range must lie inside.
        Frames are not converted: LSRK and TOPO differ by far less than a spw.

    Returns
    -------
    ContDat

    Raises
    ------
    CasaLogError
        An empty, inverted, overlapping or out-of-coverage range (``FILE:LINE``
        of the spw's header); :class:`SelectionError` for an unknown field or spw.
    """
    if coverage is not None and not all(edge.unit.is_equivalent(u.Hz) for edge in coverage):
        raise ValueError(f"coverage {coverage} is not a frequency interval")
    owner, entry = find_spw(contdat, spw, field)
    _check_ranges(ranges, entry, coverage, contdat.filename)
    edited = _replace_body(contdat, entry, ranges)
    new_field = dataclasses.replace(owner, spws=tuple(edited if item is entry else item for item in owner.spws))
    return dataclasses.replace(contdat, fields=tuple(new_field if item is owner else item for item in contdat.fields))
