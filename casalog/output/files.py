"""Files the user names: read them whole, write them whole or not at all."""
from __future__ import annotations

import os
import shutil
import tempfile

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
        When ``path`` exists and ``force`` is False, is a folder, or cannot be
        written; then nothing was written.
    """
    if os.path.isdir(path):
        raise CasaLogError("is a folder; name a file to write", path)
    if os.path.exists(path) and not force:
        raise CasaLogError("exists already; use --force to replace it", path)
    try:
        _replace(path, text)
    except (OSError, UnicodeError) as err:
        raise CasaLogError(f"cannot write: {getattr(err, 'strerror', None) or err}", path) from None


def _make_backup(path: str) -> str:
    """Copy ``path`` to the first free ``path.bak[.N]``, never overwriting one."""
    number = 0
    while True:
        backup = f"{path}.bak" if number == 0 else f"{path}.bak.{number}"
        try:
            with open(path, "rb") as source, open(backup, "xb") as target:
                shutil.copyfileobj(source, target)
        except FileExistsError:
            number += 1
            continue
        except OSError as err:
            raise CasaLogError(f"cannot write a backup: {err.strerror or err}", backup) from None
        shutil.copymode(path, backup)
        return backup


def replace_keeping_backup(path: str, text: str) -> str:
    """Replace the file ``path`` with ``text`` atomically, keeping a backup.

    Parameters
    ----------
    path : str
        An existing file.
    text : str
        Its new content, written as is (line endings included).

    Returns
    -------
    str
        The backup's name.

    Raises
    ------
    CasaLogError
        The backup or the new file cannot be written; ``path`` is unchanged
        and no backup is left.
    """
    backup = _make_backup(path)
    try:
        _replace(path, text)
    except (OSError, UnicodeError) as err:
        # Nothing changed: the backup would only duplicate the file.
        os.unlink(backup)
        raise CasaLogError(f"cannot write: {getattr(err, 'strerror', None) or err}", path) from None
    return backup


def _replace(path: str, text: str) -> None:
    """Write ``text`` to a temp file beside ``path``, then move it onto ``path`` (keeping its mode)."""
    handle, temp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)), prefix=f".{os.path.basename(path)}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        if os.path.exists(path):
            shutil.copymode(path, temp)
        os.replace(temp, path)
    except BaseException:
        os.unlink(temp)
        raise
