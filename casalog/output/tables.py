"""Plain-text tables for the terminal."""
from __future__ import annotations

from casalog.output.quoting import printable


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
    # Cells may hold names from a log or a file: control characters would act on the terminal.
    rows = [[printable(cell) for cell in row] for row in rows]
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]) - 1)]
    return "\n".join(
        "  ".join([*(cell.ljust(width) for cell, width in zip(row, widths)), row[-1]]).rstrip() for row in rows
    )
