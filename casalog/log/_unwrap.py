"""Undo the pipeline's 80-column wrapping of one logged command.

The pipeline writes each command with ``textwrap.wrap(cmd, width=80,
subsequent_indent=' ' * (cmd.index('(') + 1), break_long_words=False)``.
At each line break the wrapper dropped either one space or nothing (a break
right after a hyphen), also inside string literals.  Only lines that end in a
hyphen are ambiguous.  The wrapper is the oracle: a reading is right when
re-wrapping it gives back the logged lines.

Re-wrapping every command costs as much as parsing it, so each break is first
checked on its own against the wrapper's greedy rule, with the wrapper's own
chunk pattern; the full re-wrap decides only where that local check fails.
"""
from __future__ import annotations

import bisect
import itertools
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 80
# Beyond this many hyphen-ended lines the choices are resolved one by one.
_MAX_COMBINATIONS = 256
_CHUNK = textwrap.TextWrapper.wordsep_re


@dataclass(frozen=True)
class Unwrapped:
    """One command recovered from its logged lines.

    ``starts[i]`` is the offset in ``text`` where logged line ``i`` begins.
    ``exact`` tells whether re-wrapping ``text`` gives back the logged lines.
    """

    text: str
    starts: tuple[int, ...]
    exact: bool

    def line_of(self, offset: int) -> int:
        """0-based index of the logged line holding ``offset`` of ``text``."""
        return max(bisect.bisect_right(self.starts, offset) - 1, 0)


def rewrap(text: str) -> list[str]:
    """Wrap a one-line command exactly as the pipeline logs it."""
    return textwrap.wrap(
        text, width=WIDTH, subsequent_indent=" " * (text.index("(") + 1), break_long_words=False
    )


def unwrap(lines: Sequence[str]) -> Unwrapped:
    """Join the logged lines of one command back into the command.

    Parameters
    ----------
    lines : sequence of str
        The logged lines, without line ends; continuation lines keep their indent.

    Returns
    -------
    Unwrapped
        The reading that re-wraps to ``lines``; if there is none (a log edited
        by hand) the best reading, hyphens joined without a space, with
        ``exact`` False.
    """
    pieces = [lines[0]] + [line.lstrip(" ") for line in lines[1:]]
    joins = ["" if line.endswith("-") else " " for line in lines[:-1]]
    local = _LocalCheck(lines, pieces)
    if local.resolve(joins):
        return _assemble(pieces, joins, exact=True)
    return _search(lines, pieces)


class _LocalCheck:
    """The wrapper's greedy rule, checked break by break.

    A logged line is right when it is at most WIDTH long (or one unbreakable
    chunk), ends at a chunk boundary, and the first chunk of the next line
    would not have fitted on it.
    """

    def __init__(self, lines: Sequence[str], pieces: list[str]) -> None:
        self.lines = lines
        self.pieces = pieces
        self.indent = " " * (lines[0].find("(") + 1)

    def resolve(self, joins: list[str]) -> bool:
        """Pick each hyphen break's join in place; True if every break checks."""
        if not all(line.startswith(self.indent) and line[len(self.indent) : len(self.indent) + 1] != " "
                   for line in self.lines[1:]):
            return False
        text = _join(self.pieces, joins)
        offset = 0
        for i, join in enumerate(joins):
            end = offset + len(self.pieces[i])
            if join == "" and not self._break_fits(text, i, end, ""):
                joins[i] = " "
                text = text[:end] + " " + text[end:]
            if not self._break_fits(text, i, end, joins[i]) or not self._line_fits(text, i, offset, end):
                return False
            offset = end + len(joins[i])
        return self._line_fits(text, len(joins), offset, len(text))

    def _line_fits(self, text: str, i: int, start: int, end: int) -> bool:
        return len(self.lines[i]) <= WIDTH or _chunk_end(text, start) == end

    def _break_fits(self, text: str, i: int, end: int, join: str) -> bool:
        following = end + len(join)
        if join == "" and not _is_boundary(text, end):
            return False
        next_chunk = _chunk_end(text, following) - following
        return len(self.lines[i]) + len(join) + next_chunk > WIDTH


def _chunk_end(text: str, start: int) -> int:
    word_end = text.find(" ", start)
    if word_end == -1:
        word_end = len(text)
    if word_end > start and "-" not in text[start:word_end]:
        return word_end  # only hyphens split a word into several chunks
    match = _CHUNK.match(text, start)
    return match.end() if match else len(text)


def _is_boundary(text: str, position: int) -> bool:
    # Chunks never span a space, so the chunks of one word can be found from its start.
    at = text.rfind(" ", 0, position) + 1
    while at < position:
        at = _chunk_end(text, at)
    return at == position


def _search(lines: Sequence[str], pieces: list[str]) -> Unwrapped:
    ambiguous = [i for i, line in enumerate(lines[:-1]) if line.endswith("-")]
    joins = ["" if i in ambiguous else " " for i in range(len(lines) - 1)]
    if 2 ** len(ambiguous) > _MAX_COMBINATIONS:
        return _resolve_one_by_one(pieces, joins, ambiguous, lines)
    for choice in itertools.product(("", " "), repeat=len(ambiguous)):
        for i, join in zip(ambiguous, choice):
            joins[i] = join
        if _wraps_back(pieces, joins, lines):
            return _assemble(pieces, joins, exact=True)
    for i in ambiguous:
        joins[i] = ""
    return _assemble(pieces, joins, exact=False)


def _resolve_one_by_one(
    pieces: list[str], joins: list[str], ambiguous: list[int], lines: Sequence[str]
) -> Unwrapped:
    # The wrapper is greedy, so a choice at break i only decides lines up to i + 1.
    for i in ambiguous:
        for join in ("", " "):
            joins[i] = join
            if rewrap(_join(pieces, joins))[: i + 2] == list(lines[: i + 2]):
                break
        else:
            joins[i] = ""
    return _assemble(pieces, joins, exact=_wraps_back(pieces, joins, lines))


def _join(pieces: list[str], joins: list[str]) -> str:
    return pieces[0] + "".join(join + piece for join, piece in zip(joins, pieces[1:]))


def _wraps_back(pieces: list[str], joins: list[str], lines: Sequence[str]) -> bool:
    return rewrap(_join(pieces, joins)) == list(lines)


def _assemble(pieces: list[str], joins: list[str], *, exact: bool) -> Unwrapped:
    starts = [0]
    for piece, join in zip(pieces, joins):
        starts.append(starts[-1] + len(piece) + len(join))
    return Unwrapped(_join(pieces, joins), tuple(starts), exact)
