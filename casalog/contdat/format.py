"""The pipeline's continuum range file ``cont.dat``: its records, read and written.

Three layouts exist (see the notes on the log format):

* v1 (legacy): a bare field name line, ``SPW<id>`` lines, ranges ``a~bGHz``;
* v2: ``Field: <name>``, ``SpectralWindow: <id>``, ranges ``a~bGHz LSRK``,
  or a ``NONE`` (no continuum found) / ``ALL`` line;
* v3 (2024): ``SpectralWindow: <id> <spwname>`` and an optional
  ``Flags: ALLCONT LOWBANDWIDTH LOWSPREAD`` line.

Every record keeps the text it was read from, so ``write(parse(text)) == text``;
an edit (:mod:`casalog.contdat.edit`) rewrites only the range lines of the spw it changes.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import astropy.units as u

from casalog.errors import CasaLogError, shown

#: Units a cont.dat range may be written in (the MS selection frequency units).
FREQUENCY_UNITS: Mapping[str, u.UnitBase] = {"Hz": u.Hz, "kHz": u.kHz, "MHz": u.MHz, "GHz": u.GHz}
#: Frames CASA knows for a frequency (``measures`` names).
FRAMES = frozenset({"REST", "LSRK", "LSRD", "BARY", "GEO", "TOPO", "GALACTO", "LGROUP", "CMB", "SOURCE"})
#: The frame the pipeline assumes for a range written without one.
IMPLIED_FRAME = "TOPO"

# A number in one way only (``\d+\.?\d*`` splits a run of digits n ways: quadratic on a long line).
_NUMBER = r"(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
#: One range as written, ``LO~HIUNIT`` (the unit may be missing or wrong: :func:`make_range` checks it).
#: The high edge is matched atomically (a lookahead and a backreference), so that the unit, which may hold
#: digits too, never takes them back one by one.
RANGE_RE = re.compile(rf"(?P<lo>{_NUMBER})~(?=(?P<hi>{_NUMBER}))(?P=hi)(?P<unit>[^\s~;,]*)")
_LINE_RANGE_RE = re.compile(rf"{RANGE_RE.pattern}(?:\s+(?P<frame>\S+))?")
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
            f"range {shown(text)} has no unit: cont.dat ranges are frequencies (GHz, MHz, kHz or Hz), not channels"
        )
    if unit not in FREQUENCY_UNITS:
        raise CasaLogError(f"range {shown(text)}: unit {shown(unit)} is not a frequency (use GHz, MHz, kHz or Hz)")
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
            f"unknown frequency frame {shown(frame)} (expected one of LSRK, SOURCE, TOPO, …)", filename, lineno
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
        return f"cannot read line {shown(stripped)} (expected {expected}, a range, NONE or ALL)"
    if kind == "spw" and not seen_field:
        return f"{shown(stripped)} comes before any field"
    if kind in ("range", "marker", "flags") and not seen_spw:
        return f"{shown(stripped)} comes before any spw line"
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
