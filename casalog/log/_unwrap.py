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

Every step looks at a bounded stretch of text around one break (a
:class:`_Window`), so the time is linear in the command: a megabyte-long
hyphenated word, which the wrapper cuts after each hyphen, is read in about a
second.
"""
from __future__ import annotations

import bisect
import itertools
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 80
# When the local check fails, every reading of up to this many hyphen-ended lines is re-wrapped whole, if
# that is no more than _SEARCH_BUDGET characters in all; beyond, each is read by the chunk rule alone and
# the reading re-wrapped once (the cost stays a small multiple of one re-wrap, whatever the command).
_MAX_AMBIGUOUS = 4
_SEARCH_BUDGET = 1 << 24
_CHUNK = textwrap.TextWrapper.wordsep_re
# The start of a word up to its first space or hyphen: the whole chunk when a space ends it.
_WORD = re.compile(r"[^ -]*")
# The wrapper turns these into spaces first: a logged line that holds one was not written by it.
_OTHER_WHITESPACE = re.compile("[\t\n\x0b\x0c\r]")
# Characters the chunk pattern reads before a chunk's start (its lookbehinds) and after its end (its lookaheads).
_CONTEXT = 4
_LOOKAHEAD = 3
# A window reads this much beyond the two lines of its break before giving up (a chunk that long is not logged).
_REACH = WIDTH


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
        by hand) the best reading, hyphens joined without a space where the
        wrapper could have broken there, with ``exact`` False.
    """
    pieces = [lines[0]] + [line.lstrip(" ") for line in lines[1:]]
    joins = ["" if line.endswith("-") else " " for line in lines[:-1]]
    if _LocalCheck(lines, pieces).resolve(joins):
        return _assemble(pieces, joins, exact=True)
    return _search(lines, pieces)


class _Window:
    """The text of a command around one line, from its pieces and the joins chosen so far.

    The text starts a few characters before piece ``first`` (what the chunk
    pattern's lookbehinds read) and goes ``reach`` characters past it.  A
    chunk end found in it is the one the whole command would give when the
    window holds the characters the pattern looks ahead at; else it cannot tell.
    """

    def __init__(self, pieces: Sequence[str], joins: Sequence[str], first: int, reach: int) -> None:
        context = ""
        before = first
        while len(context) < _CONTEXT and before > 0:
            before -= 1
            context = pieces[before][-_CONTEXT:] + joins[before] + context
        context = context[-_CONTEXT:]
        self.origin = len(context)
        parts = [context, pieces[first]]
        # The rest of the command is joins and pieces in turn; take ``reach`` characters of it.
        after = first + 1
        while after < len(pieces) and reach > 0:
            join, piece = joins[after - 1], pieces[after]
            parts += [join, piece[: reach - len(join)]]
            reach -= len(join) + len(piece)
            after += 1
        self.complete = after == len(pieces) and reach >= 0
        self.text = "".join(parts)

    def chunk_end(self, start: int) -> int | None:
        """Where the wrapper's chunk starting at ``start`` ends; None when the window cannot tell."""
        end = _chunk_end(self.text, start)
        # With the lookahead's characters after it, a chunk end does not depend on what follows
        # (a run of hyphens that reaches the window's end never ends a chunk before it).
        if end + _LOOKAHEAD <= len(self.text) or self.complete:
            return end
        return None

    def is_boundary(self, start: int, position: int) -> bool | None:
        """Whether the chunks from ``start`` (a chunk start) have one ending at ``position``; None if unknown."""
        if position <= start:
            return position == start
        # The wrapper's chunks cover the text one after the other, so its pattern can step through them.
        for chunk in _CHUNK.finditer(self.text, start):
            end = chunk.end()
            if end >= position:
                return end == position if end + _LOOKAHEAD <= len(self.text) or self.complete else None
        return None


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
        if any(_OTHER_WHITESPACE.search(line) for line in self.lines):
            return False
        for i in range(len(joins)):
            fits = self._break_fits(joins, i)
            if not fits and joins[i] == "":
                joins[i] = " "
                fits = self._break_fits(joins, i)
            if not fits or not self._line_fits(joins, i):
                return False
        return self._line_fits(joins, len(joins))

    def _window(self, joins: list[str], i: int) -> _Window:
        following = self.pieces[i + 1] if i + 1 < len(self.pieces) else ""
        return _Window(self.pieces, joins, i, len(following) + 1 + _REACH)

    def _line_fits(self, joins: list[str], i: int) -> bool:
        if len(self.lines[i]) <= WIDTH:
            return True
        window = self._window(joins, i)
        return window.chunk_end(window.origin) == window.origin + len(self.pieces[i])

    def _break_fits(self, joins: list[str], i: int) -> bool:
        join = joins[i]
        room = WIDTH - len(self.lines[i]) - len(join)
        following = self.pieces[i + 1]
        word_end = _WORD.match(following).end()  # type: ignore[union-attr]  # the pattern matches anywhere
        if join == " " and 0 < word_end and following[word_end : word_end + 1] in (" ", ""):
            # The common cases: the next line starts with a word and a space, or is one word (a
            # line ending in neither space nor hyphen is always followed by a space).
            return word_end > room
        window = self._window(joins, i)
        end = window.origin + len(self.pieces[i])
        if join == "" and not window.is_boundary(window.origin, end):
            return False
        next_end = window.chunk_end(end + len(join))
        return next_end is not None and next_end - end - len(join) > room


def _chunk_end(text: str, start: int) -> int:
    word_end = _WORD.match(text, start).end()  # type: ignore[union-attr]  # the pattern matches anywhere
    if word_end > start and text[word_end : word_end + 1] != "-":
        return word_end  # only hyphens split a word into several chunks
    match = _CHUNK.match(text, start)
    return match.end() if match else len(text)


def _search(lines: Sequence[str], pieces: list[str]) -> Unwrapped:
    ambiguous = [i for i, line in enumerate(lines[:-1]) if line.endswith("-")]
    joins = ["" if line.endswith("-") else " " for line in lines[:-1]]
    if len(ambiguous) > _MAX_AMBIGUOUS or 2 ** len(ambiguous) * sum(map(len, pieces)) > _SEARCH_BUDGET:
        return _resolve_by_chunks(pieces, joins, ambiguous, lines)
    for choice in itertools.product(("", " "), repeat=len(ambiguous)):
        for i, join in zip(ambiguous, choice):
            joins[i] = join
        if _wraps_back(pieces, joins, lines):
            return _assemble(pieces, joins, exact=True)
    for i in ambiguous:
        joins[i] = ""
    return _assemble(pieces, joins, exact=False)


def _resolve_by_chunks(
    pieces: list[str], joins: list[str], ambiguous: list[int], lines: Sequence[str]
) -> Unwrapped:
    # Too many choices to try: a hyphen stays joined where the wrapper could break after it
    # (as in 'auto-multithresh'), and was a space where it could not (as in 'anti- 123').
    for i in ambiguous:
        window = _Window(pieces, joins, i, len(pieces[i + 1]) + 1 + _REACH)
        if window.is_boundary(window.origin, window.origin + len(pieces[i])) is False:
            joins[i] = " "
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
