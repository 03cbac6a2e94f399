"""Check a restored ALMA delivery and put its cont.dat where pipeline re-imaging finds it.

The pipeline imaging tasks run in ``calibrated/working`` on the ``<uid>.ms``
files that scriptForPI.py restores there with SPACESAVING=1, and take their
continuum ranges from a file named ``cont.dat`` in that folder.  Nothing
outside the delivery folder is read or written.
"""
from __future__ import annotations

import dataclasses
import glob
import os

from casalog import contdat
from casalog.delivery.layout import find_log
from casalog.errors import CasaLogError
from casalog.log.facts import read_facts
from casalog.log.reader import read_log
from casalog.output.files import read_text, replace_keeping_backup, write_atomically

WORKING = os.path.join("calibrated", "working")
CONTDAT = "cont.dat"
_LOG_SUFFIX = ".casa_commands.log"
_RESTORE = "restore the delivery with script/scriptForPI.py and SPACESAVING=1 (not more)"


@dataclasses.dataclass(frozen=True)
class Delivery:
    """The parts of a delivery that pipeline re-imaging needs, all checked to be there."""

    root: str
    working: str
    measurement_sets: tuple[str, ...]
    contdat: str
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
        The delivery folder (holding ``calibrated/``, ``calibration/`` and ``log/``).

    Raises
    ------
    CasaLogError
        Naming the first missing piece and what to do about it: no measurement
        set in ``calibrated/working`` (only ``*.ms.split.cal`` files, whose spws
        are renumbered), no cont.dat, no commands log, or a measurement set the
        log's pipeline run imported but the working folder lacks.
    """
    if not os.path.isdir(root):
        raise CasaLogError("no such folder; give the delivery folder that holds calibrated/ and log/", root)
    working = os.path.join(root, WORKING)
    measurement_sets = _measurement_sets(root, working)
    log = _log(root)
    source = _contdat(root, log)
    missing = [name for name in read_facts(read_log(log), log).measurement_sets if name not in measurement_sets]
    if missing:
        raise CasaLogError(
            f"lacks {', '.join(missing)}, imported by the pipeline run of {os.path.basename(log)}; {_RESTORE}",
            working,
        )
    return Delivery(root, working, measurement_sets, source, log)


def _measurement_sets(root: str, working: str) -> tuple[str, ...]:
    found = tuple(sorted(os.path.basename(path) for path in _globbed(working, "*.ms") if os.path.isdir(path)))
    if found:
        return found
    split = sorted(os.path.basename(path) for path in _globbed(os.path.join(root, "calibrated"), "*.ms.split.cal"))
    if split:
        raise CasaLogError(
            f"has only {', '.join(split)}: those have their spws renumbered from 0, so the spw ids of the log "
            f"and of cont.dat do not match them; the pipeline needs the <uid>.ms files of calibrated/working: "
            f"{_RESTORE}",
            os.path.join(root, "calibrated"),
        )
    if not os.path.isdir(working):
        raise CasaLogError(f"missing; {_RESTORE} to create it with the <uid>.ms files", working)
    raise CasaLogError(f"holds no <uid>.ms measurement set; {_RESTORE}", working)


def _log(root: str) -> str:
    folder = os.path.join(root, "log")
    if not os.path.isdir(folder):
        raise CasaLogError("missing: the delivery's log/ folder holds the casa_commands.log", folder)
    return find_log(folder)


def _contdat(root: str, log: str) -> str:
    folder = os.path.join(root, "calibration")
    found = sorted(_globbed(folder, "*.cont.dat"))
    if not found:
        raise CasaLogError("no <MOUS>.cont.dat here: the pipeline's continuum ranges are needed", folder)
    if len(found) == 1:
        return found[0]
    # Several MOUS files: the one named like the log belongs to this imaging run.
    mous = os.path.basename(log).split(_LOG_SUFFIX, 1)[0]
    own = os.path.join(folder, f"{mous}.cont.dat")
    if own in found:
        return own
    names = ", ".join(os.path.basename(path) for path in found)
    raise CasaLogError(f"several cont.dat files ({names}) and none named {mous}.cont.dat like the log", folder)


def _globbed(folder: str, pattern: str) -> list[str]:
    return glob.glob(os.path.join(glob.escape(folder), pattern))


def read_contdat(path: str) -> contdat.ContDat:
    """Parse a cont.dat, so a broken one is reported before it is copied.

    Raises
    ------
    CasaLogError
        Unreadable or malformed (``FILE:LINE: message``).
    """
    return contdat.parse(read_text(path), path)


def place_contdat(delivery: Delivery, *, force: bool = False) -> Placement:
    """Copy the delivery's cont.dat to ``calibrated/working/cont.dat``.

    An existing ``cont.dat`` there may hold the user's edits: when it is the
    same as the delivery's nothing is done; when it differs it is replaced
    only with ``force``, after a backup (``cont.dat.bak``, ``.bak.1``, …).

    Parameters
    ----------
    delivery : Delivery
        As found by :func:`inspect`.
    force : bool
        Replace a cont.dat that differs from the delivery's.

    Raises
    ------
    CasaLogError
        A differing cont.dat without ``force``, or a file that cannot be written.
    """
    text = read_text(delivery.contdat)
    target = os.path.join(delivery.working, CONTDAT)
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
