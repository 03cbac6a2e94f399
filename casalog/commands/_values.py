"""Command-line values, each parsed and checked in one place.

Every function here is an argparse ``type``: made by :func:`option_type`, it
turns the text of one option into its value or raises a :class:`UsageError`
that names the option and says what is wrong.  Quantities are checked with
astropy units but keep the text CASA takes (``'0.05arcsec'``).
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import TypeVar

from casalog.errors import UsageError

T = TypeVar("T")

ROBUST_RANGE = (-2.0, 2.0)
_SPW_ID = re.compile(r"[0-9]+")


def option_type(option: str, parse: Callable[[str], T]) -> Callable[[str], T]:
    """An argparse ``type`` for ``option``: ``parse`` raises ``ValueError(reason)`` on bad text."""

    def parsed(text: str) -> T:
        try:
            return parse(text)
        except ValueError as err:
            raise UsageError(f"{option} {text}: {err}") from None

    parsed.__name__ = parse.__name__
    return parsed


def items(text: str) -> tuple[str, ...]:
    """Comma-separated items, stripped; empty items are an error."""
    parts = tuple(part.strip() for part in text.split(","))
    if not all(parts):
        raise ValueError("an empty item; separate values with single commas")
    return parts


def unique_items(text: str) -> tuple[str, ...]:
    """:func:`items`, each given once."""
    parts = items(text)
    for part in parts:
        if parts.count(part) > 1:
            raise ValueError(f"{part} is given twice")
    return parts


def spw_ids(text: str) -> tuple[str, ...]:
    """Spw ids such as ``17,23``, in the order given, each once."""
    ids = unique_items(text)
    for spw in ids:
        if not _SPW_ID.fullmatch(spw):
            raise ValueError(f"{spw!r} is not a spw id; give ids separated by commas, e.g. 17,23")
    canonical = tuple(str(int(spw)) for spw in ids)
    return unique_items(",".join(canonical))


def spw_bins(text: str) -> tuple[tuple[str, int], ...]:
    """Channels to bin per spw, ``17:8,23:2``, in the order given."""
    bins: list[tuple[str, int]] = []
    for item in items(text):
        spw, _, count = (part.strip() for part in item.partition(":"))
        if not _SPW_ID.fullmatch(spw) or not count:
            raise ValueError(f"{item!r} is not SPW:N; write e.g. 17:8,23:1")
        if not _SPW_ID.fullmatch(count) or int(count) < 1:
            raise ValueError(f"the bin count of spw {int(spw)} must be a whole number of at least 1")
        bins.append((str(int(spw)), int(count)))
    spw_ids(",".join(spw for spw, _ in bins))
    return tuple(bins)


def robust(text: str) -> float:
    """Briggs robust, from -2 to 2."""
    low, high = ROBUST_RANGE
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and low <= value <= high):
        raise ValueError(f"Briggs robust goes from {low:g} to {high:g}")
    return value


def count(text: str) -> int:
    """A whole number of at least 1."""
    if not text.strip().isdigit() or int(text) < 1:
        raise ValueError("must be a whole number of at least 1")
    return int(text)


def count_or_zero(text: str) -> int:
    """A whole number of at least 0."""
    if not text.strip().isdigit():
        raise ValueError("must be a whole number, at least 0")
    return int(text)


def positive_number(text: str) -> float:
    """A finite number above 0."""
    try:
        value = float(text)
    except ValueError:
        raise ValueError("not a number") from None
    if not (math.isfinite(value) and value > 0):
        raise ValueError("must be a finite number above 0")
    return value


def quantity(unit: str, *, allow_zero: bool = False) -> Callable[[str], str]:
    """A parser of a finite quantity in units like ``unit``, above 0 (or at least 0), as CASA writes it."""

    def parse(text: str) -> str:
        import astropy.units as u  # only scripts with such options pay for astropy

        try:
            value = u.Quantity(text)
        except (TypeError, ValueError):
            raise ValueError("not a number with a unit") from None
        if not value.unit.is_equivalent(u.Unit(unit)):
            raise ValueError(f"the unit must be like {unit}")
        if not math.isfinite(value.value) or value.value < 0 or (value.value == 0 and not allow_zero):
            raise ValueError("must be a finite value above 0" if not allow_zero else "must be finite and not negative")
        return text.replace(" ", "")

    parse.__name__ = f"quantity_{unit}"
    return parse


def quantities(unit: str, lengths: tuple[int, ...]) -> Callable[[str], tuple[str, ...]]:
    """A parser of comma-separated quantities (see :func:`quantity`), as many as one of ``lengths``."""
    one = quantity(unit)

    def parse(text: str) -> tuple[str, ...]:
        values = tuple(one(part) for part in items(text))
        if len(values) not in lengths:
            raise ValueError(f"give {' or '.join(map(str, lengths))} values")
        return values

    return parse


def imsize(text: str) -> tuple[int, int]:
    """One or two positive pixel counts; one stands for a square image."""
    sizes = tuple(count(part) for part in items(text))
    if len(sizes) not in (1, 2):
        raise ValueError("one or two positive pixel counts")
    return (sizes[0], sizes[0]) if len(sizes) == 1 else (sizes[0], sizes[1])


def pixel_scales(text: str) -> tuple[int, ...]:
    """Multiscale scales in pixels, ``0,5,15``."""
    try:
        scales = tuple(int(part) for part in items(text))
    except ValueError:
        raise ValueError("whole numbers, comma-separated") from None
    if min(scales) < 0:
        raise ValueError("scales must not be negative")
    return scales


def solution_intervals(text: str) -> tuple[str, ...]:
    """gaincal solution intervals: ``inf_EB``, ``inf``, ``int`` or a time such as ``30s``."""
    solints = items(text)
    for solint in solints:
        if solint not in ("inf_EB", "inf", "int"):
            quantity("s")(solint)
    return solints


def not_empty(text: str) -> str:
    """Any text but the empty one."""
    if not text:
        raise ValueError("must not be empty")
    return text
