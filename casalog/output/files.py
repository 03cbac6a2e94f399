"""Files the user names: read them whole (within a cap), write them whole or not at all.

Only regular files are read or replaced: a FIFO would hang a read, a device
would be replaced by a plain file, ``/dev/zero`` would never end.  New files
get the permissions the user's umask allows, as any editor's would.
"""
from __future__ import annotations

import os
import shutil
import stat
import tempfile
from typing import BinaryIO

from casalog.errors import CasaLogError

#: The largest text file we read whole (cont.dat, flag templates): real ones are a few kB.
MAX_TEXT_BYTES = 16 * 1024 * 1024


def read_text(path: str, *, limit: int = MAX_TEXT_BYTES) -> str:
    """Return the text of a regular file the user named, line endings untouched.

    Parameters
    ----------
    path : str
    limit : int, optional
        Refuse a file larger than this many bytes.

    Raises
    ------
    CasaLogError
        The file is not a regular file, is larger than ``limit``, cannot be
        read, or is not UTF-8 text.
    """
    with open_regular(path) as stream:
        try:
            data = stream.read(limit + 1)
        except OSError as err:
            raise CasaLogError(f"cannot read: {err.strerror or err}", path) from None
    if len(data) > limit:
        raise CasaLogError(f"larger than {limit // (1024 * 1024)} MB: not a file regen-tclean reads", path)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise CasaLogError("not a UTF-8 text file", path) from None


def open_regular(path: str) -> BinaryIO:
    """Open a file for reading in binary, refusing anything but a regular file (or a link to one).

    The check is made on the opened file, so a file swapped after a check
    cannot slip through, and a FIFO is opened without waiting for a writer.

    Raises
    ------
    CasaLogError
    """
    check_name(path)
    try:
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as err:
        raise CasaLogError(f"cannot read: {err.strerror or err}", path) from None
    if not stat.S_ISREG(os.fstat(handle).st_mode):
        os.close(handle)
        raise CasaLogError("not a regular file", path)
    return os.fdopen(handle, "rb")


def check_name(path: str) -> None:
    """Refuse a name no file can have: a NUL character, or a lone surrogate the file system cannot encode.

    Raises
    ------
    CasaLogError
    """
    try:
        name = os.fsencode(path)
    except UnicodeEncodeError:
        raise CasaLogError("not a file name: it holds a character that cannot be encoded", path) from None
    if b"\0" in name:
        raise CasaLogError("not a file name: it holds a NUL character", path)


def require_regular_file(path: str) -> None:
    """Raise unless ``path`` is (a link to) a regular file: never open a FIFO or a device.

    Raises
    ------
    CasaLogError
    """
    check_name(path)
    try:
        mode = os.stat(path).st_mode
    except OSError as err:
        raise CasaLogError(f"cannot read: {err.strerror or err}", path) from None
    if not stat.S_ISREG(mode):
        raise CasaLogError("not a regular file", path)


def check_target(path: str, *, force: bool = False) -> None:
    """Raise the error :func:`write_atomically` would raise for ``path``, before anything is written.

    Raises
    ------
    CasaLogError
        ``path`` is a folder, a FIFO, a device or a dangling link; or it
        exists and ``force`` is False.
    """
    check_name(path)
    if os.path.isdir(path):
        raise CasaLogError("is a folder; name a file to write", path)
    if os.path.islink(path) and not os.path.exists(path):
        raise CasaLogError("is a link to nothing; remove it or name another file", path)
    if os.path.exists(path):
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise CasaLogError("is not a regular file; name a file to write", path)
        if not force:
            raise CasaLogError("exists already; use --force to replace it", path)


def write_atomically(path: str, text: str, *, force: bool = False) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder.

    A link is followed: the file it points to is replaced, the link kept.

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
        See :func:`check_target`, or the file cannot be written; then nothing was written.
    """
    check_target(path, force=force)
    try:
        _replace(os.path.realpath(path), text)
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
        An existing regular file.
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
    require_regular_file(path)
    backup = _make_backup(path)
    try:
        _replace(os.path.realpath(path), text)
    except (OSError, UnicodeError) as err:
        # Nothing changed: the backup would only duplicate the file.
        os.unlink(backup)
        raise CasaLogError(f"cannot write: {getattr(err, 'strerror', None) or err}", path) from None
    return backup


def _replace(path: str, text: str) -> None:
    """Write ``text`` to a temp file beside ``path``, then move it onto ``path``.

    An existing file keeps its mode; a new one gets the umask's.
    """
    # A short prefix: the temporary name must fit where a long ``path`` just fits.
    handle, temp = tempfile.mkstemp(dir=os.path.dirname(path) or ".", prefix=".regen-tclean-")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        if os.path.exists(path):
            shutil.copymode(path, temp)
        else:
            os.chmod(temp, 0o666 & ~_umask())
        os.replace(temp, path)
    except BaseException:
        os.unlink(temp)
        raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
