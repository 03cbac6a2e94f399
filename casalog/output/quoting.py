"""The one place where text we did not write becomes part of a generated script.

A generated script is code our users run.  A value from a log, a file name,
an option or a message enters it only in one of two forms made here:

* a Python literal, written by :func:`literal` with ``repr()`` from a value
  checked to be a plain, finite literal;
* comment text, escaped by :func:`comment` so that no character can end the
  comment (line ends, other control characters, bidi and zero-width marks,
  lone surrogates all become backslash escapes).

Both return :class:`Source`; the templates render nothing else
(:mod:`casalog.output.templating` refuses any other value), so a template
cannot put raw text into a script by mistake.  :func:`printable` applies the
same escaping to text shown on a terminal.
"""
from __future__ import annotations

import math
import textwrap
from typing import Any

#: The value types a script literal may hold; anything else is refused.
_SCALARS = (str, int, float, bool, type(None))


class Source(str):
    """Python source text made by this module (or by our own rules from such text)."""


class QuotingError(ValueError):
    """A value that cannot be written as a literal CASA can use (a non-finite number, an object)."""


def literal(value: Any) -> Source:
    """The Python literal of a plain value: ``repr()`` after checking every part of it.

    Parameters
    ----------
    value : str, int, float, bool, None, or a list, tuple or dict of them

    Returns
    -------
    Source

    Raises
    ------
    QuotingError
        For a value of another type, or a float that is infinite or not a number
        (``repr`` writes those as bare names, which CASA would read as undefined).
    """
    _check_plain(value)
    return Source(repr(_plain(value)))


def comment(text: str) -> Source:
    """``text`` made safe to follow ``#`` on one line: every non-printable character escaped."""
    return Source(escape_nonprintable(text))


def comment_lines(text: str, width: int = 78) -> Source:
    """``text`` as ``# `` comment lines of at most ``width`` columns (longer words stay whole)."""
    lines = textwrap.wrap(escape_nonprintable(text), width=width - 2, break_long_words=False) or [""]
    return Source("\n".join(f"# {line}".rstrip() for line in lines))


def printable(text: str) -> str:
    """``text`` for a terminal: control sequences and other non-printable characters escaped."""
    return escape_nonprintable(text)


def printable_lines(text: str) -> str:
    """:func:`printable` line by line: the line ends stay, every other non-printable character is escaped."""
    return "\n".join(printable(line) for line in text.split("\n"))


def escape_nonprintable(text: str) -> str:
    """Replace every character that is not printable (``str.isprintable``) by its backslash escape."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else char.encode("unicode_escape").decode("ascii") for char in text)


def _check_plain(value: Any) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise QuotingError(f"{value!r} is not a finite number")
    if isinstance(value, (list, tuple)):
        for item in value:
            _check_plain(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_plain(key)
            _check_plain(item)
    elif not isinstance(value, _SCALARS):
        raise QuotingError(f"a {type(value).__name__} is not a plain literal")


def _plain(value: Any) -> Any:
    """The value rebuilt from built-in types, so ``repr`` is the built-in one (no subclass's)."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, tuple):
        return tuple(_plain(item) for item in value)
    return {_plain(key): _plain(item) for key, item in value.items()}
