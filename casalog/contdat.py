"""Read, edit and write the pipeline's continuum range file ``cont.dat``.

Three layouts exist (see the notes on the log format):

* v1 (legacy): a bare field name line, ``SPW<id>`` lines, ranges ``a~bGHz``;
* v2: ``Field: <name>``, ``SpectralWindow: <id>``, ranges ``a~bGHz LSRK``,
  or a ``NONE`` (no continuum found) / ``ALL`` line;
* v3 (2024): ``SpectralWindow: <id> <spwname>`` and an optional
  ``Flags: ALLCONT LOWBANDWIDTH LOWSPREAD`` line.

Every record keeps the text it was read from, so ``write(parse(text)) == text``;
an edit rewrites only the range lines of the spw it changes.
"""
from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import chain

import astropy.units as u

from casalog.errors import CasaLogError, SelectionError, UsageError

#: Units a cont.dat range may be written in (the MS selection frequency units).
FREQUENCY_UNITS: Mapping[str, u.UnitBase] = {"Hz": u.Hz, "kHz": u.kHz, "MHz": u.MHz, "GHz": u.GHz}
#: Frames CASA knows for a frequency (``measures`` names).
FRAMES = frozenset({"REST", "LSRK", "LSRD", "BARY", "GEO", "TOPO", "GALACTO", "LGROUP", "CMB", "SOURCE"})
#: The frame the pipeline assumes for a range written without one.
IMPLIED_FRAME = "TOPO"

_NUMBER = r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_RANGE_RE = re.compile(rf"(?P<lo>{_NUMBER})~(?P<hi>{_NUMBER})(?P<unit>[^\s~;,]*)")
_LINE_RANGE_RE = re.compile(rf"{_RANGE_RE.pattern}(?:\s+(?P<frame>\S+))?")
_FIELD_RE = re.compile(r"Field:\s*(?P<name>.*)")
_SPW_RE = re.compile(r"SpectralWindow:\s*(?P<id>\d+)(?:\s+(?P<name>.*))?")
_FLAGS_RE = re.compile(r"Flags:\s*(?P<flags>.*)")
_V1_SPW_RE = re.compile(r"SPW(?P<id>\d+)")
_NUMBER_IN_HZ_RE = re.compile(r"[\d.]\S*Hz\b")
_MARKERS = ("NONE", "ALL")


@dataclass(frozen=True)
class ContRange:
    """One continuum frequency range.

    ``text`` is the range as written (``'258.6~258.64GHz'``, numbers keep their
    digits); ``frame`` is the frame written after it, None when the line gives none.
    """

    lo: u.Quantity
    hi: u.Quantity
    text: str
    frame: str | None = None

    @property
    def effective_frame(self) -> str:
        """The frame the pipeline reads the range in."""
        return self.frame or IMPLIED_FRAME

    @property
    def width(self) -> u.Quantity:
        """The bandwidth of the range (``hi - lo``) in GHz."""
        return (self.hi - self.lo).to(u.GHz)


@dataclass(frozen=True)
class ContSpw:
    """The continuum ranges of one spw of one field.

    ``head`` is the header line (and a v3 ``Flags`` line), ``body`` the range,
    ``NONE`` or ``ALL`` lines, ``tail`` the blank lines after them, all as written.
    """

    spw: int
    name: str | None
    flags: tuple[str, ...]
    ranges: tuple[ContRange, ...]
    marker: str | None
    lineno: int
    head: str
    body: str
    tail: str

    @property
    def all_channels(self) -> bool:
        """True when the file says ``ALL``: the whole spw is continuum."""
        return self.marker == "ALL"

    @property
    def text(self) -> str:
        """The lines of this spw as they go in the file."""
        return self.head + self.body + self.tail


@dataclass(frozen=True)
class ContField:
    """One field: its header line (plus the blank lines after it) and its spws."""

    name: str
    lineno: int
    head: str
    spws: tuple[ContSpw, ...]

    def spw_ids(self) -> list[int]:
        """The spw ids listed under this field, in file order."""
        return [spw.spw for spw in self.spws]


@dataclass(frozen=True)
class ContDat:
    """A whole cont.dat file."""

    version: int
    fields: tuple[ContField, ...]
    preamble: str = ""
    filename: str | None = None

    def field_names(self) -> list[str]:
        """The field names, in file order."""
        return [field.name for field in self.fields]


def make_range(lo: str, hi: str, unit: str, frame: str | None = None) -> ContRange:
    """Build a range from its written parts, checking the unit is a frequency.

    Parameters
    ----------
    lo, hi : str
        The edges as written, e.g. ``'258.6'``.
    unit : str
        One of ``GHz``, ``MHz``, ``kHz``, ``Hz``.
    frame : str, optional
        The frame written after the range.

    Returns
    -------
    ContRange

    Raises
    ------
    CasaLogError
        The unit is missing or not a frequency (no file or line: callers add them).
    """
    text = f"{lo}~{hi}{unit}"
    if not unit:
        raise CasaLogError(
            f"range {text!r} has no unit: cont.dat ranges are frequencies (GHz, MHz, kHz or Hz), not channels"
        )
    if unit not in FREQUENCY_UNITS:
        raise CasaLogError(f"range {text!r}: unit {unit!r} is not a frequency (use GHz, MHz, kHz or Hz)")
    scale = FREQUENCY_UNITS[unit]
    return ContRange(float(lo) * scale, float(hi) * scale, text, frame)


def _with_place(err: CasaLogError, filename: str | None, lineno: int | None) -> CasaLogError:
    return type(err)(err.message, filename, lineno)


def _parse_range_line(stripped: str, filename: str | None, lineno: int) -> ContRange:
    match = _LINE_RANGE_RE.fullmatch(stripped)
    assert match is not None  # the caller classified the line as a range
    frame = match["frame"]
    if frame is not None and frame not in FRAMES:
        raise CasaLogError(
            f"unknown frequency frame {frame!r} (expected one of LSRK, SOURCE, TOPO, …)", filename, lineno
        )
    try:
        return make_range(match["lo"], match["hi"], match["unit"], frame)
    except CasaLogError as err:
        raise _with_place(err, filename, lineno) from None


def _kind(stripped: str, version: int) -> str:
    """Name the kind of one stripped line: field, spw, flags, marker, range, blank or other."""
    if not stripped:
        return "blank"
    if stripped in _MARKERS:
        return "marker"
    if _LINE_RANGE_RE.fullmatch(stripped):
        return "range"
    if version == 1:
        if _V1_SPW_RE.fullmatch(stripped):
            return "spw"
        # Field names hold no "~" and are not numbers in Hz: such a line is a range we cannot read.
        return "other" if "~" in stripped or _NUMBER_IN_HZ_RE.match(stripped) else "field"
    for kind, regex in (("field", _FIELD_RE), ("spw", _SPW_RE), ("flags", _FLAGS_RE)):
        if regex.fullmatch(stripped):
            return kind
    return "other"


def _parse_spw(lines: Sequence[str], start: int, version: int, filename: str | None) -> ContSpw:
    """Build one spw from ``lines`` (its header first); ``start`` is the header's 0-based index."""
    header = lines[0].strip()
    regex = _V1_SPW_RE if version == 1 else _SPW_RE
    match = regex.fullmatch(header)
    assert match is not None  # the caller classified the line as an spw header
    name = match.groupdict().get("name")
    flags: tuple[str, ...] = ()
    ranges: list[ContRange] = []
    marker: str | None = None
    head_end = 1
    body_end = 1
    for offset, line in enumerate(lines[1:], start=1):
        lineno = start + offset + 1
        stripped = line.strip()
        kind = _kind(stripped, version)
        if kind == "blank":
            continue
        if kind == "flags":
            if body_end > 1:
                raise CasaLogError("a Flags line must come before the ranges of its SpectralWindow", filename, lineno)
            flags_match = _FLAGS_RE.fullmatch(stripped)
            assert flags_match is not None
            flags = tuple(flags_match["flags"].split())
            head_end = offset + 1
            continue
        if marker is not None or (kind == "marker" and ranges):
            raise CasaLogError(f"{header}: NONE or ALL must be its only line", filename, lineno)
        if kind == "range":
            ranges.append(_parse_range_line(stripped, filename, lineno))
        else:
            marker = stripped
        body_end = offset + 1
    body_end = max(body_end, head_end)
    return ContSpw(
        spw=int(match["id"]),
        name=name.strip() if name else None,
        flags=flags,
        ranges=tuple(ranges),
        marker=marker,
        lineno=start + 1,
        head="".join(lines[:head_end]),
        body="".join(lines[head_end:body_end]),
        tail="".join(lines[body_end:]),
    )


def _check_line(kind: str, stripped: str, seen_field: bool, seen_spw: bool, version: int) -> str | None:
    """Return why a line cannot stand where it is, or None when it can."""
    if kind == "other":
        expected = "a field name, SPW<id>" if version == 1 else "Field:, SpectralWindow:, Flags:"
        return f"cannot read line {stripped!r} (expected {expected}, a range, NONE or ALL)"
    if kind == "spw" and not seen_field:
        return f"{stripped!r} comes before any field"
    if kind in ("range", "marker", "flags") and not seen_spw:
        return f"{stripped!r} comes before any spw line"
    return None


def _parse_field(
    lines: Sequence[str], spans: Sequence[tuple[int, int]], version: int, filename: str | None
) -> ContField:
    """Build one field from the spans of its header and of its spws (0-based line indexes)."""
    (start, stop), *spw_spans = spans
    stripped = lines[start].strip()
    match = _FIELD_RE.fullmatch(stripped)
    name = match["name"].strip() if version > 1 and match else stripped
    spws = tuple(_parse_spw(lines[first:end], first, version, filename) for first, end in spw_spans)
    return ContField(name, start + 1, "".join(lines[start:stop]), spws)


def parse(text: str, filename: str | None = None) -> ContDat:
    """Parse the text of a cont.dat file (any of the three layouts).

    Parameters
    ----------
    text : str
        The whole file.
    filename : str, optional
        Used in error messages and kept on the result.

    Returns
    -------
    ContDat
        ``write(parse(text)) == text``.

    Raises
    ------
    CasaLogError
        A line that belongs to no layout, or stands where it cannot, as ``FILE:LINE: message``.
    """
    lines = text.splitlines(keepends=True)
    kinds = [_kind(line.strip(), 2) for line in lines]
    # v1 has no keyword lines: one of them anywhere makes the file v2 (or v3).
    version = 2 if {"field", "spw", "flags"} & set(kinds) else 1
    if version == 1:
        kinds = [_kind(line.strip(), 1) for line in lines]
    seen_field = seen_spw = False
    for index, (kind, line) in enumerate(zip(kinds, lines)):
        problem = _check_line(kind, line.strip(), seen_field, seen_spw, version)
        if problem is not None:
            raise CasaLogError(problem, filename, index + 1)
        seen_field = seen_field or kind == "field"
        seen_spw = (seen_spw or kind == "spw") and kind != "field"
    headers = [index for index, kind in enumerate(kinds) if kind in ("field", "spw")]
    groups: list[list[tuple[int, int]]] = []
    for start, stop in zip(headers, [*headers[1:], len(lines)]):
        if kinds[start] == "field":
            groups.append([])
        groups[-1].append((start, stop))
    fields = tuple(_parse_field(lines, group, version, filename) for group in groups)
    if version == 2 and any(spw.name is not None or spw.flags for field in fields for spw in field.spws):
        version = 3
    preamble = "".join(lines[: headers[0]] if headers else lines)
    return ContDat(version, fields, preamble, filename)


def write(contdat: ContDat) -> str:
    """Return the text of ``contdat`` as it goes in the file.

    Parameters
    ----------
    contdat : ContDat

    Returns
    -------
    str
    """
    parts = [contdat.preamble]
    for field in contdat.fields:
        parts.append(field.head)
        parts.extend(spw.text for spw in field.spws)
    return "".join(parts)


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
                f"cannot read spw selection {part.strip()!r}: expected SPW:LO~HIUNIT[;LO~HIUNIT…], "
                "e.g. 22:258.6~258.64GHz"
            )
        spw = int(spw_text)
        if spw in selection:
            raise UsageError(f"spw {spw} is given twice in {text!r}")
        selection[spw] = tuple(_parse_selected_range(item.strip()) for item in ranges_text.split(";"))
    return selection


def _parse_selected_range(text: str) -> ContRange:
    match = _RANGE_RE.fullmatch(text)
    if match is None:
        raise UsageError(f"cannot read range {text!r}: expected LO~HI followed by a unit, e.g. 258.6~258.64GHz")
    try:
        return make_range(match["lo"], match["hi"], match["unit"])
    except CasaLogError as err:
        raise UsageError(err.message) from None


def _in_ghz(number: str, unit: str) -> str:
    """Rewrite a written number in GHz without going through a float."""
    exponent = {"Hz": -9, "kHz": -6, "MHz": -3, "GHz": 0}[unit]
    return format(Decimal(number).scaleb(exponent), "f")


def _as_file_range(rng: ContRange, frame: str | None) -> ContRange:
    """Return ``rng`` written in GHz, as the pipeline writes cont.dat ranges, with ``frame``."""
    match = _RANGE_RE.fullmatch(rng.text)
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
        E.g. from :func:`parse_selection`.
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
