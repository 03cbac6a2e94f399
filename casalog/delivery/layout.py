"""Find the pieces of an ALMA delivery: its commands log first of all."""
from __future__ import annotations

import glob
import os

from casalog.errors import CasaLogError

LOG_PATTERN = "*.casa_commands.log*"


def find_log(path: str) -> str:
    """The ``casa_commands.log`` that ``path`` names or holds.

    Parameters
    ----------
    path : str
        A log file (plain or ``.gz``), a delivery folder with ``log/<MOUS>.casa_commands.log``,
        or a folder holding the log itself.

    Raises
    ------
    CasaLogError
        When there is no such file, or a folder holds none or several.
    """
    if os.path.isfile(path):
        return path
    if not os.path.isdir(path):
        raise CasaLogError("no such file or folder", path)
    for folder in (os.path.join(path, "log"), path):
        found = sorted(glob.glob(os.path.join(glob.escape(folder), LOG_PATTERN)))
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            names = ", ".join(os.path.basename(name) for name in found)
            raise CasaLogError(f"several commands logs, name one: {names}", path)
    raise CasaLogError("no log/*.casa_commands.log in this folder", path)
