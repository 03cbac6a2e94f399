"""Check a restored ALMA delivery and put its cont.dat where pipeline re-imaging finds it.

The pipeline imaging tasks run in ``calibrated/working`` on the ``<uid>.ms``
files that scriptForPI.py restores there with SPACESAVING=1, and take their
continuum ranges from a file named ``cont.dat`` in that folder.

Nothing outside the given folder is read or written: every path is resolved
and checked to lie inside it (a ``calibrated/working`` that links to scratch
space elsewhere is refused, not written into), only regular files are read,
each within the text cap.
"""
from __future__ import annotations

import dataclasses
import glob
import os
from typing import TypeVar

from casalog import contdat
from casalog.delivery import auxproducts
from casalog.delivery.layout import LOG_FOLDERS, find_member, inside, log_in, mous_uid
from casalog.errors import CasaLogError
from casalog.log.facts import read_facts
from casalog.log.reader import read_log
from casalog.output.files import read_text, replace_keeping_backup, write_atomically

T = TypeVar("T")
WORKING = os.path.join("calibrated", "working")
CONTDAT = "cont.dat"
_RESTORE = "restore the delivery with script/scriptForPI.py and SPACESAVING=1 (not more)"


@dataclasses.dataclass(frozen=True)
class Delivery:
    """The parts of a delivery that pipeline re-imaging needs, all checked to be there.

    ``root`` is the folder given, ``member`` its MOUS folder (``root`` itself or
    the ``member.uid___*`` below it).  ``contdat`` names where the cont.dat
    comes from (a file, or ``ARCHIVE:MEMBER``); ``contdat_text`` is its text.
    """

    root: str
    member: str
    working: str
    measurement_sets: tuple[str, ...]
    contdat: str
    contdat_text: str
    log: str


@dataclasses.dataclass(frozen=True)
class Placement:
    """What :func:`place_contdat` did: ``"copied"``, ``"unchanged"`` or ``"replaced"`` (with a backup)."""

    action: str
    target: str
    backup: str | None = None


def inspect(root: str) -> Delivery:
    """Check the layout of a restored delivery.

    Parameters
    ----------
    root : str
        The delivery folder (holding ``calibrated/``, ``calibration/`` and
        ``log/`` or ``script/``), or a folder with one ``member.uid___*`` below it.

    Raises
    ------
    CasaLogError
        Naming the first missing piece and what to do about it: no measurement
        set in ``calibrated/working`` (only ``*.ms.split.cal`` files, whose spws
        are renumbered), no cont.dat, no commands log, a measurement set the
        log's pipeline run used but the working folder lacks, or a part that
        links to outside ``root``.
    """
    if not os.path.isdir(root):
        raise CasaLogError("no such folder; give the delivery folder that holds calibrated/ and log/", root)
    member = find_member(root)
    working = os.path.join(member, WORKING)
    measurement_sets = _measurement_sets(root, member, working)
    log = _log(root, member)
    source, text = _contdat(root, member, log)
    missing = [name for name in read_facts(read_log(log), log).measurement_sets if name not in measurement_sets]
    if missing:
        raise CasaLogError(
            f"lacks {', '.join(missing)}, used by the pipeline run of {os.path.basename(log)}; {_RESTORE}", working
        )
    return Delivery(root, member, working, measurement_sets, source, text, log)


def parse_contdat(delivery: Delivery) -> contdat.ContDat:
    """The delivery's cont.dat, parsed, so a broken one is reported before it is copied.

    Raises
    ------
    CasaLogError
        Malformed (``SOURCE:LINE: message``).
    """
    return contdat.parse(delivery.contdat_text, delivery.contdat)


def place_contdat(delivery: Delivery, *, force: bool = False) -> Placement:
    """Copy the delivery's cont.dat to ``calibrated/working/cont.dat``.

    An existing ``cont.dat`` there may hold the user's edits: when it is the
    same as the delivery's nothing is done; when it differs it is replaced
    only with ``force``, after a backup (``cont.dat.bak``, ``.bak.1``, …).  A
    link there is never written through.

    Parameters
    ----------
    delivery : Delivery
        As found by :func:`inspect`.
    force : bool
        Replace a cont.dat that differs from the delivery's.

    Raises
    ------
    CasaLogError
        A differing cont.dat without ``force``, a link, or a file that cannot be written.
    """
    text = delivery.contdat_text
    target = os.path.join(delivery.working, CONTDAT)
    if os.path.islink(target):
        real = inside(delivery.root, target)
        if not (os.path.isfile(real) and read_text(real) == text):
            raise CasaLogError(
                f"is a link to {real}; remove it so that prepare can put a copy of the delivery's cont.dat there",
                target,
            )
        return Placement("unchanged", target)
    if not os.path.lexists(target):
        write_atomically(target, text)
        return Placement("copied", target)
    if not os.path.isfile(target):
        raise CasaLogError("is in the way and is not a file; move it away first", target)
    if read_text(target) == text:
        return Placement("unchanged", target)
    if not force:
        raise CasaLogError(
            f"differs from {os.path.basename(delivery.contdat)} (your edits?); kept as it is: use --force to "
            "replace it (a backup is kept)",
            target,
        )
    return Placement("replaced", target, replace_keeping_backup(target, text))


def working_measurement_sets(root: str) -> tuple[str, ...]:
    """The ``<uid>.ms`` folders in ``calibrated/working`` of the delivery in ``root``, by name.

    Raises
    ------
    CasaLogError
        ``calibrated/working`` is a link to outside ``root``.
    """
    working = os.path.join(find_member(root), WORKING)
    if os.path.lexists(working):
        inside(root, working)
    return tuple(sorted(os.path.basename(path) for path in _globbed(working, "*.ms") if os.path.isdir(path)))


def _measurement_sets(root: str, member: str, working: str) -> tuple[str, ...]:
    found = working_measurement_sets(root)
    if found:
        return found
    calibrated = os.path.join(member, "calibrated")
    split = sorted(os.path.basename(path) for path in _globbed(calibrated, "*.ms.split.cal"))
    if split:
        raise CasaLogError(
            f"has only {', '.join(split)}: those have their spws renumbered from 0, so the spw ids of the log "
            f"and of cont.dat do not match them; the pipeline needs the <uid>.ms files of calibrated/working: "
            f"{_RESTORE}",
            calibrated,
        )
    if not os.path.isdir(working):
        raise CasaLogError(f"missing; {_RESTORE} to create it with the <uid>.ms files", working)
    raise CasaLogError(f"holds no <uid>.ms measurement set; {_RESTORE}", working)


def _log(root: str, member: str) -> str:
    if not any(os.path.isdir(os.path.join(member, name)) for name in LOG_FOLDERS):
        raise CasaLogError(
            "missing: the delivery's log/ folder (script/ in some deliveries) holds the casa_commands.log",
            os.path.join(member, "log"),
        )
    return log_in(member, root)


def _contdat(root: str, member: str, log: str) -> tuple[str, str]:
    """Where the delivery's cont.dat comes from, and its text: calibration/, else its auxproducts archives."""
    folder = os.path.join(member, "calibration")
    if os.path.lexists(folder):
        inside(root, folder)
    mous = mous_uid(os.path.basename(log)) or os.path.basename(log).split(".", 1)[0]
    found = sorted(_globbed(folder, "*cont.dat"))
    if found:
        path = _pick(found, [os.path.basename(name) for name in found], mous, folder)
        return path, read_text(inside(root, path))
    archives = sorted(_globbed(folder, "*.auxproducts.tgz"))
    members = [entry for archive in archives for entry in auxproducts.contdat_members(inside(root, archive))]
    if not members:
        where = f" (nor in {', '.join(os.path.basename(name) for name in archives)})" if archives else ""
        raise CasaLogError(f"no <MOUS>.cont.dat here{where}: the pipeline's continuum ranges are needed", folder)
    chosen = _pick(members, [entry.source.replace(folder + os.sep, "") for entry in members], mous, folder)
    return chosen.source, chosen.text


def _pick(found: list[T], names: list[str], mous: str, folder: str) -> T:
    """The one cont.dat, or among several the one of the log's MOUS."""
    if len(found) == 1:
        return found[0]
    # Several MOUS files: the one named like the log belongs to this imaging run.
    own = [item for item, name in zip(found, names) if mous_uid(os.path.basename(name)) == mous]
    if len(own) == 1:
        return own[0]
    raise CasaLogError(f"several cont.dat files ({', '.join(names)}) and none named {mous}.cont.dat like the log",
                       folder)


def _globbed(folder: str, pattern: str) -> list[str]:
    return glob.glob(os.path.join(glob.escape(folder), pattern))
