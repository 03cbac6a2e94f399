"""Find the pieces of an ALMA delivery: its commands log first of all.

A delivery is a MOUS folder holding ``calibrated/``, ``calibration/``,
``log/`` (the log may sit in ``script/`` instead), ``product/``, ``qa/``,
``raw/``.  The archive ships it as ``member.uid___<MOUS>`` below its
science goal and group, often under the project code::

    2019.1.00123.S/science_goal.uid___A001_X1_X2/group.uid___A001_X1_X3/member.uid___A001_X1_X4/log/

so a folder given by the user is the MOUS folder itself, or holds exactly
one ``member.uid___*`` folder at some depth.  Whatever is found must lie
inside the given folder once links are resolved: regen-tclean reads and
writes nothing outside the delivery it is given.
"""
from __future__ import annotations

import glob
import os
import re
import stat

from casalog.errors import CasaLogError

LOG_PATTERN = "*.casa_commands.log*"
#: The folders of a MOUS that may hold its commands log, in the order they are searched.
LOG_FOLDERS = ("log", "script")
MEMBER_PREFIX = "member.uid___"
# A MOUS (or any ALMA) uid as it appears in file names.
_UID = re.compile(r"uid___A\d+_X[0-9a-fA-F]+_X[0-9a-fA-F]+")
# Folders below which no delivery is looked for: CASA tables (measurement sets, images) hold many folders.
_TABLE_SUFFIXES = (".ms", ".cal", ".image", ".pb", ".psf", ".residual", ".model", ".sumwt", ".mask", ".tbl")
# How deep below the given folder a member folder is looked for (project/science_goal/group/member is 3).
_MAX_DEPTH = 6


def find_log(path: str) -> str:
    """The ``casa_commands.log`` that ``path`` names or holds.

    Parameters
    ----------
    path : str
        A log file (plain or ``.gz``); a delivery folder with
        ``log/<MOUS>.casa_commands.log`` (or ``script/``); a folder holding the
        log itself; or a folder holding one ``member.uid___*`` delivery below it.

    Raises
    ------
    CasaLogError
        When there is no such file, a folder holds none or several, or the log
        found is a link to outside the folder.
    """
    if os.path.isdir(path):
        return log_in(find_member(path), path)
    if os.path.lexists(path) and not os.path.exists(path):
        raise CasaLogError("is a link to nothing", path)
    if not os.path.exists(path):
        raise CasaLogError("no such file or folder", path)
    if not stat.S_ISREG(os.stat(path).st_mode):
        raise CasaLogError("not a regular file", path)
    return path


def find_member(path: str) -> str:
    """The MOUS folder of the delivery in folder ``path``: ``path`` itself, or its one ``member.uid___*`` folder.

    Raises
    ------
    CasaLogError
        Several members below ``path`` (they are listed), or a member that is a
        link to outside ``path``.
    """
    if _holds_log(path) or os.path.basename(os.path.normpath(path)).startswith(MEMBER_PREFIX):
        return path
    members = _members(path)
    if len(members) > 1:
        names = ", ".join(os.path.relpath(member, path) for member in members)
        raise CasaLogError(f"holds several deliveries ({len(members)} member.uid___* folders: {names}); name one", path)
    return members[0] if members else path


def delivery_of(path: str) -> str | None:
    """The MOUS folder a file sits in, from its ``calibration/`` or ``calibrated/working/``; None elsewhere."""
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.basename(folder) == "calibration":
        root = os.path.dirname(folder)
    elif folder.endswith(os.sep + os.path.join("calibrated", "working")):
        root = os.path.dirname(os.path.dirname(folder))
    else:
        return None
    return root if any(os.path.isdir(os.path.join(root, name)) for name in LOG_FOLDERS) else None


def mous_uid(name: str) -> str | None:
    """The first ALMA uid in a file or folder name (``uid___A001_X1_X4`` of ``member.uid___A001_X1_X4``)."""
    found = _UID.search(name)
    return found.group() if found else None


def inside(root: str, path: str) -> str:
    """``path`` with links resolved, checked to lie inside folder ``root``.

    Raises
    ------
    CasaLogError
        ``path`` resolves to somewhere outside ``root``.
    """
    real = os.path.realpath(path)
    base = os.path.realpath(root)
    if os.path.commonpath([real, base]) != base:
        raise CasaLogError(
            f"is a link to {real}, outside {root}: regen-tclean reads and writes only inside the delivery", path
        )
    return real


def log_in(member: str, root: str) -> str:
    """The commands log of MOUS folder ``member``: in its ``log/``, else its ``script/``, else itself.

    Raises
    ------
    CasaLogError
        None there, several in one folder, or one that is a link to outside ``root``.
    """
    for folder in [os.path.join(member, name) for name in LOG_FOLDERS] + [member]:
        found = sorted(glob.glob(os.path.join(glob.escape(folder), LOG_PATTERN)))
        if len(found) > 1:
            names = ", ".join(os.path.basename(name) for name in found)
            raise CasaLogError(f"several commands logs, name one: {names}", folder)
        if found:
            inside(root, found[0])
            return found[0]
    raise CasaLogError("no log/*.casa_commands.log in this folder", member)


def _holds_log(folder: str) -> bool:
    folders = [os.path.join(folder, name) for name in LOG_FOLDERS] + [folder]
    return any(glob.glob(os.path.join(glob.escape(path), LOG_PATTERN)) for path in folders)


def _members(root: str) -> list[str]:
    """The ``member.uid___*`` folders below ``root``, not following links out of it, not looking inside tables."""
    found: dict[str, str] = {}  # real path to the path found first: a link inside the tree is no second member
    base_depth = os.path.normpath(root).count(os.sep)
    for folder, subfolders, _ in os.walk(root):
        deeper = []
        for name in sorted(subfolders):
            path = os.path.join(folder, name)
            if name.startswith(MEMBER_PREFIX):
                found.setdefault(inside(root, path), path)
            elif not name.endswith(_TABLE_SUFFIXES) and not os.path.islink(path):
                deeper.append(name)
        subfolders[:] = deeper if os.path.normpath(folder).count(os.sep) - base_depth < _MAX_DEPTH else []
    return sorted(found.values())
