"""``regen-tclean contdat FILE``: show the continuum ranges of a cont.dat, or edit them.

With ``--set SPW:RANGES`` the file is rewritten in place: the old one is kept
as ``FILE.bak`` (``FILE.bak.1``, ``FILE.bak.2``, … when that exists) and the
new text replaces the file in one ``os.replace``, so on any error the file is
left as it was.
"""
from __future__ import annotations

import argparse
import os

import astropy.units as u

from casalog import contdat
from casalog.commands._io import Notes, say
from casalog.contdat import edit as contdat_edit
from casalog.contdat import select as contdat_select
from casalog.delivery.layout import delivery_of, find_log, inside
from casalog.errors import CasaLogError, UsageError
from casalog.output.files import read_text, replace_keeping_backup
from casalog.output.tables import layout

Interval = tuple[u.Quantity, u.Quantity]


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the arguments of ``contdat`` to ``parser``."""
    parser.add_argument("file", metavar="FILE", help="the cont.dat file")
    parser.add_argument(
        "--set",
        dest="edits",
        action="append",
        default=[],
        metavar="SPW:RANGES",
        help="replace the continuum ranges of a spw, e.g. '22:258.6~258.64GHz;258.97~260.45GHz' (repeatable)",
    )
    parser.add_argument(
        "--field",
        metavar="NAME",
        help="only this field: the one --set edits (required when the spw is listed under several fields)",
    )
    parser.add_argument(
        "--selections",
        action="store_true",
        help="print each field's ranges as tclean spw selections, uvcontfit/uvcontsub fitspw and CASA 6.5+ fitspec",
    )
    parser.add_argument(
        "--field-id",
        type=int,
        default=0,
        metavar="N",
        help="with --selections: the MS field id to key fitspec with (default 0)",
    )
    parser.add_argument(
        "--log",
        metavar="DELIVERY_OR_LOG",
        help="take each spw's frequency coverage from this log's cubes (default: the log of the delivery "
        "FILE belongs to, when FILE is in its calibration/ folder)",
    )
    parser.add_argument(
        "--coverage",
        action="append",
        default=[],
        metavar="SPW:LO~HIUNIT",
        help="the frequency coverage of a spw, e.g. '22:257.5~259.5GHz': --set ranges must lie inside it",
    )


def run(args: argparse.Namespace) -> int:
    """Print the table of the file, after applying any ``--set`` edits.

    Errors (a :class:`CasaLogError`): unreadable file, bad ``--set``/``--coverage``, unknown field or spw.
    """
    notes = Notes()
    delivery = delivery_of(args.file)
    if delivery is not None:
        inside(delivery, args.file)  # a cont.dat of a delivery is read from inside it, not through a link out
    data = contdat.parse(read_text(args.file), args.file)
    coverage = {**_log_coverage(args.log, delivery), **_coverage(args.coverage)}
    if args.edits:
        if os.path.islink(args.file):
            raise CasaLogError(
                f"is a link to {os.path.realpath(args.file)}: --set replaces the file it is given, so give that one",
                args.file,
            )
        unchecked = sorted({spw for text in args.edits for spw in contdat_select.parse_selection(text)} - set(coverage))
        if unchecked:
            notes.add(
                f"{args.file}: warning: the coverage of spw {', '.join(map(str, unchecked))} is unknown "
                "(no log with cubes of it; give --log DELIVERY or --coverage SPW:LO~HIUNIT), so the new ranges "
                "are not checked to lie inside the spw"
            )
        data = _edit(data, args.edits, args.field, coverage)
        backup = replace_keeping_backup(args.file, contdat.write(data))
        say(f"wrote {args.file} (previous version kept as {backup})")
    fields = data.fields if args.field is None else (contdat_edit.find_field(data, args.field),)
    notes.show()
    say(f"{args.file}: cont.dat format v{data.version}")
    say(format_table(fields, coverage, with_names=data.version == 3))
    if args.selections:
        for field in fields:
            say(format_selections(data, field, args.field_id))
    return 0


def format_selections(data: contdat.ContDat, field: contdat.ContField, field_id: int) -> str:
    """The ranges of one field in the forms CASA tasks take them.

    Frequencies are those of the file (a sky frame such as LSRK); a task reads
    a frequency selection in the frame of the MS, so the pipeline converts them
    per MS. ``regen-tclean LOG --contdat FILE`` writes scripts that do so.
    """
    frames = sorted({rng.effective_frame for entry in field.spws for rng in entry.ranges}) or ["(none)"]
    lines = [f"\nfield {field.name}: frequencies in {', '.join(frames)}, as cont.dat gives them"]
    for entry in field.spws:
        selection = contdat_select.spw_selection(entry)
        shown = repr(selection) if selection else "none (NONE: no continuum)"
        lines.append(f"  tclean spw, spw {entry.spw}: {shown}")
    try:
        lines.append(f"  uvcontfit/uvcontsub fitspw: {contdat_select.fitspw(data, field.name)!r}")
    except CasaLogError as err:
        lines.append(f"  uvcontfit/uvcontsub fitspw: none ({err.message})")
    spec = contdat_select.fitspec(data, {field.name: field_id})
    lines.append(f"  uvcontsub fitspec (CASA 6.5 on, MS field id {field_id}): {spec!r}")
    if any(frame != "TOPO" for frame in frames if frame != "(none)"):
        lines.append(
            "  NOTE: CASA reads a frequency selection of an MS in the MS's own frame (TOPO for ALMA data), not in "
            f"{'/'.join(frames)}: used as they are, these select channels shifted by the Doppler shift between "
            "the frames (up to about 30 km/s, 23 MHz at 230 GHz). The pipeline converts them per MS; so do "
            "the scripts of regen-tclean LOG --contdat FILE."
        )
    return "\n".join(lines)


def _log_coverage(log: str | None, delivery: str | None) -> dict[int, Interval]:
    """Coverage from the log's cubes: the named log, or the one of the delivery the cont.dat belongs to."""
    from casalog.log.coverage import spw_coverage
    from casalog.log.reader import read_log

    source = log if log is not None else delivery
    if source is None:
        return {}
    return spw_coverage(read_log(find_log(source)))


def _coverage(texts: list[str]) -> dict[int, Interval]:
    intervals: dict[int, Interval] = {}
    for text in texts:
        for spw, ranges in contdat_select.parse_selection(text).items():
            if len(ranges) != 1 or ranges[0].lo >= ranges[0].hi:
                raise UsageError(f"--coverage {text!r}: give one increasing range per spw")
            if spw in intervals:
                raise UsageError(f"--coverage: spw {spw} is given twice")
            intervals[spw] = (ranges[0].lo, ranges[0].hi)
    return intervals


def _edit(data: contdat.ContDat, edits: list[str], field: str | None, coverage: dict[int, Interval]) -> contdat.ContDat:
    done: set[int] = set()
    for text in edits:
        for spw, ranges in contdat_select.parse_selection(text).items():
            if spw in done:
                raise UsageError(f"--set: spw {spw} is given twice")
            done.add(spw)
            data = contdat_edit.set_ranges(data, spw, ranges, field, coverage.get(spw))
    return data


def _bandwidth(entry: contdat.ContSpw, coverage: dict[int, Interval]) -> str:
    width = contdat_select.continuum_bandwidth(entry, coverage.get(entry.spw))
    return "whole spw" if width is None else f"{width.to_value(u.GHz):.4f} GHz"


def _frames(entry: contdat.ContSpw) -> str:
    frames = dict.fromkeys(rng.frame or f"{rng.effective_frame} (implied)" for rng in entry.ranges)
    return ",".join(frames) or "-"


def _ranges(entry: contdat.ContSpw) -> str:
    if entry.all_channels:
        return "ALL (the whole spw is continuum)"
    if not entry.ranges:
        return "NONE (no continuum found)"
    return ";".join(rng.text for rng in entry.ranges)


def format_table(
    fields: tuple[contdat.ContField, ...], coverage: dict[int, Interval], *, with_names: bool = False
) -> str:
    """Lay out one row per spw: field, spw, (name, flags,) frame, continuum bandwidth, ranges.

    Parameters
    ----------
    fields : tuple of ContField
    coverage : dict
        spw id to its (low, high) edges, to size ``ALL`` entries.
    with_names : bool
        Add the v3 spw name and flags columns.

    Returns
    -------
    str
        The table, without a final newline.
    """
    header = ["FIELD", "SPW", *(["NAME", "FLAGS"] if with_names else []), "FRAME", "CONTINUUM", "RANGES"]
    rows = [header]
    for field in fields:
        for entry in field.spws:
            names = [entry.name or "-", " ".join(entry.flags) or "-"] if with_names else []
            rows.append(
                [field.name, str(entry.spw), *names, _frames(entry), _bandwidth(entry, coverage), _ranges(entry)]
            )
    return layout(rows)
