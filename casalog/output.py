"""Write a file whole or not at all, and never over a file by accident."""
from __future__ import annotations

import os
import tempfile

from casalog.errors import CasaLogError


def write_atomically(path: str, text: str, *, force: bool = False) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder.

    Parameters
    ----------
    path : str
        The file to write.
    text : str
        Its whole content.
    force : bool, optional
        Replace an existing file; without it an existing file is an error.

    Raises
    ------
    CasaLogError
        When ``path`` exists and ``force`` is False, or the folder is not writable.
    """
    if os.path.exists(path) and not force:
        raise CasaLogError("exists already; use --force to replace it", path)
    folder = os.path.dirname(os.path.abspath(path))
    try:
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".regen-tclean-", suffix=".tmp")
    except OSError as err:
        raise CasaLogError(f"cannot write here: {err.strerror}", path) from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
