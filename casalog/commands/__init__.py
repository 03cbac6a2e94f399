"""Subcommands of ``regen-tclean``.

Each module has ``configure(parser)``, which adds its arguments, and
``run(args) -> int``, which does the work and returns the exit code.
"""
from __future__ import annotations

from casalog.errors import CasaLogError


def read_text(path: str) -> str:
    """Return the text of a file the user named, line endings untouched.

    Parameters
    ----------
    path : str

    Returns
    -------
    str

    Raises
    ------
    CasaLogError
        The file cannot be read or is not UTF-8 text.
    """
    try:
        with open(path, encoding="utf-8", newline="") as stream:
            return stream.read()
    except UnicodeDecodeError:
        raise CasaLogError("not a UTF-8 text file", path) from None
    except OSError as err:
        raise CasaLogError(f"cannot read: {err.strerror or err}", path) from None


def layout(rows: list[list[str]]) -> str:
    """Align rows of cells in columns; the last column is left ragged.

    Parameters
    ----------
    rows : list of list of str
        The header row first; every row has the same number of cells.

    Returns
    -------
    str
        The table, without a final newline.
    """
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]) - 1)]
    return "\n".join(
        "  ".join([*(cell.ljust(width) for cell, width in zip(row, widths)), row[-1]]).rstrip() for row in rows
    )
