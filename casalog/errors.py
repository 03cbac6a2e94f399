"""The one exception root of regen-tclean.

Every error a user can cause is a :class:`CasaLogError`; ``str()`` of it is the
single line the command-line tool prints (``FILE:LINE: message``).
"""
from __future__ import annotations


class CasaLogError(Exception):
    """An error the user can fix: bad input, a bad option, a file in the way.

    Parameters
    ----------
    message : str
        What is wrong, in words for an ALMA user.
    filename : str, optional
        The file the error is about.
    lineno : int, optional
        1-based line in ``filename``.
    """

    exit_code = 1

    def __init__(self, message: str, filename: str | None = None, lineno: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.filename = filename
        self.lineno = lineno

    def __str__(self) -> str:
        if self.filename is None:
            return self.message
        where = self.filename if self.lineno is None else f"{self.filename}:{self.lineno}"
        return f"{where}: {self.message}"


class LogSyntaxError(CasaLogError):
    """The log holds text that is not a logged CASA call made of literals."""


class SelectionError(CasaLogError):
    """An option names something the log does not have (a field, an spw, a product)."""


class UsageError(CasaLogError):
    """The command line itself is wrong."""

    exit_code = 2


def shown(text: str, limit: int = 60) -> str:
    """``repr`` of text from a file for a message, cut to ``limit`` characters: a line may be megabytes long."""
    return repr(text[:limit]) + ("…" if len(text) > limit else "")
