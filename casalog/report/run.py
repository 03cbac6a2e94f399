"""Read what ``reimage.py`` wrote: ``reimage_summary.json``, as records that say what is missing.

The summary is written by a script the user may have run in part, edited, or
run with an older regen-tclean, so every value is read loosely: a key that is
absent or of the wrong type becomes ``None`` (or an empty list or mapping)
and the page shows it as missing.  Only a folder without a readable summary
is an error.
"""
from __future__ import annotations

import dataclasses
import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from casalog.errors import CasaLogError
from casalog.output.files import require_regular_file

#: The file the script's last step writes; its presence makes a folder a re-imaging run.
SUMMARY_NAME = "reimage_summary.json"


@dataclass(frozen=True)
class Stats:
    """Numbers of one image, as the script measured them inside the primary beam (Jy, arcsec, deg)."""

    peak: float | None = None
    rms: float | None = None
    snr: float | None = None
    beam_major: float | None = None
    beam_minor: float | None = None
    beam_angle: float | None = None
    integrated_flux: float | None = None
    model_flux: float | None = None
    residual_peak: float | None = None


@dataclass(frozen=True)
class Product:
    """One re-imaged product, with the pipeline's iter1 image of it when the folder had one."""

    number: int | None
    stem: str
    imagename: str
    specmode: str
    threshold: str
    stats: Stats | None
    fits: dict[str, str]
    pipeline_image: str
    pipeline_stats: Stats | None
    pipeline_fits: dict[str, str]
    missing: str

    @property
    def is_cube(self) -> bool:
        """True for tclean's cube modes (cube, cubedata, cubesource)."""
        return self.specmode.startswith("cube")


@dataclass(frozen=True)
class GainTable:
    """The phase solutions of one round on one measurement set.

    ``phase_deg`` and ``flag`` are per polarization, then per solution; the
    other lists are per solution.  ``problem`` says why the record cannot be
    plotted (lists of different lengths), else it is empty.
    """

    vis: str
    time: list[float]
    antenna: list[int]
    phase_deg: list[list[float]]
    flag: list[list[bool]]
    antenna_names: list[str]
    problem: str = ""


@dataclass(frozen=True)
class Round:
    """A self-calibration round; round 0 is the image before self-calibration."""

    number: int | None
    solint: str
    calmode: str
    nsigma: float | None
    expected_snr: float | None
    stats: Stats | None
    flagged: float | None
    kept: bool | None
    why: str
    image: str
    fits: dict[str, str]
    gains: list[GainTable]


@dataclass(frozen=True)
class Interval:
    """A solution interval the script planned (or skipped) from the data."""

    name: str
    gaintype: str
    combine: str
    snr: float | None
    why: str = ""


@dataclass(frozen=True)
class CubeAfter:
    """A cube cleaned again on the self-calibrated line data."""

    product: int | None
    imagename: str
    stats: Stats | None
    fits: dict[str, str]


@dataclass(frozen=True)
class Target:
    """The self-calibration of one science target (``missing`` says when it did not run)."""

    field: str
    missing: str
    continuum_product: int | None = None
    mosaic: bool = False
    plan: list[Interval] = dataclasses.field(default_factory=list)
    skipped: list[Interval] = dataclasses.field(default_factory=list)
    rounds: list[Round] = dataclasses.field(default_factory=list)
    final_image: str = ""
    final: Stats | None = None
    final_fits: dict[str, str] = dataclasses.field(default_factory=dict)
    cubes: list[CubeAfter] = dataclasses.field(default_factory=list)
    line_order: str = ""


@dataclass(frozen=True)
class Run:
    """A re-imaging run: the folder it ran in and what its summary says."""

    folder: str
    regen_tclean: str
    log: str
    log_sha256: str
    command_line: str
    written: str
    casa_version: str
    products: list[Product]
    targets: list[Target]

    def product(self, number: int | None) -> Product | None:
        """The product of that number, if the summary has it."""
        return next((p for p in self.products if number is not None and p.number == number), None)

    def path(self, name: str | None) -> str | None:
        """The path of a file the summary names, or None when it names nothing inside the run's folder.

        The script writes names relative to the folder it ran in; an absolute
        name, or one that climbs out of the folder, is not read.
        """
        if not name or "\0" in name or os.path.isabs(name):
            return None
        folder = os.path.realpath(self.folder)
        path = os.path.realpath(os.path.join(folder, name))
        return path if os.path.commonpath([folder, path]) == folder else None


def read_run(folder: str) -> Run:
    """Read ``reimage_summary.json`` of a folder where ``reimage.py`` ran.

    Parameters
    ----------
    folder : str
        The folder the script ran in (WORKDIR).

    Returns
    -------
    Run

    Raises
    ------
    CasaLogError
        ``folder`` is not a folder, has no summary, or the summary is not a JSON object.
    """
    if not os.path.isdir(folder):
        raise CasaLogError("not a folder", folder)
    path = os.path.join(folder, SUMMARY_NAME)
    if not os.path.lexists(path):
        raise CasaLogError(
            f"no {SUMMARY_NAME}: run reimage.py in CASA here first (its last step, \"Export the images to FITS and "
            f"write {SUMMARY_NAME}\", writes it)",
            folder,
        )
    require_regular_file(path)
    try:
        with open(path, encoding="utf-8") as stream:
            summary = json.load(stream)
    except OSError as err:
        raise CasaLogError(f"cannot read: {err.strerror or err}", path) from None
    except UnicodeDecodeError:
        raise CasaLogError("not a UTF-8 text file", path) from None
    except json.JSONDecodeError as err:
        raise CasaLogError(f"not JSON: {err.msg} at column {err.colno}", path, err.lineno) from None
    if not isinstance(summary, dict):
        raise CasaLogError("not a summary of reimage.py: the JSON is not an object", path)
    return Run(
        folder=folder,
        regen_tclean=_text(summary, "regen_tclean"),
        log=_text(summary, "log"),
        log_sha256=_text(summary, "log_sha256"),
        command_line=_text(summary, "command_line"),
        written=_text(summary, "written"),
        casa_version=_text(summary, "casa_version"),
        products=[_product(entry) for entry in _list(summary, "products") if isinstance(entry, dict)],
        targets=[_target(entry) for entry in _list(summary, "selfcal") if isinstance(entry, dict)],
    )


def _product(entry: Mapping[str, Any]) -> Product:
    threshold = _text(entry, "threshold")
    nsigma = _number(entry, "nsigma")
    if nsigma is not None:
        threshold = f"{threshold}, nsigma {nsigma:g}" if threshold else f"nsigma {nsigma:g}"
    stats = _stats(entry.get("stats"))
    missing = _text(entry, "missing")
    return Product(
        number=_integer(entry, "number"),
        stem=_text(entry, "stem"),
        imagename=_text(entry, "imagename"),
        specmode=_text(entry, "specmode") or "mfs",
        threshold=threshold,
        stats=stats,
        fits=_files(entry.get("fits")),
        pipeline_image=_text(entry, "pipeline_image"),
        pipeline_stats=_stats(entry.get("pipeline_stats")),
        pipeline_fits=_files(entry.get("pipeline_fits")),
        missing=missing or ("" if stats is not None else "no numbers in the summary"),
    )


def _target(entry: Mapping[str, Any]) -> Target:
    name = _text(entry, "field")
    if entry.get("missing") is not None:
        return Target(field=name, missing=_text(entry, "missing"))
    return Target(
        field=name,
        missing="",
        continuum_product=_integer(entry, "continuum_product"),
        mosaic=entry.get("mosaic") is True,
        plan=[_interval(item) for item in _list(entry, "plan") if isinstance(item, dict)],
        skipped=[_interval(item) for item in _list(entry, "skipped") if isinstance(item, dict)],
        rounds=[_round(item) for item in _list(entry, "rounds") if isinstance(item, dict)],
        final_image=_text(entry, "final_image"),
        final=_stats(entry.get("final")),
        final_fits=_files(entry.get("final_fits")),
        cubes=[
            CubeAfter(_integer(item, "product"), _text(item, "imagename"), _stats(item.get("stats")),
                      _files(item.get("fits")))
            for item in _list(entry, "cubes") if isinstance(item, dict)
        ],
        line_order=_text(entry, "line_order"),
    )


def _interval(item: Mapping[str, Any]) -> Interval:
    return Interval(
        name=_text(item, "name") or _text(item, "solint"),
        gaintype=_text(item, "gaintype"),
        combine=_text(item, "combine"),
        snr=_number(item, "snr"),
        why=_text(item, "why"),
    )


def _round(item: Mapping[str, Any]) -> Round:
    gains = item.get("gains")
    kept = item.get("kept")
    return Round(
        number=_integer(item, "round"),
        solint=_text(item, "solint"),
        calmode=_text(item, "calmode"),
        nsigma=_number(item, "nsigma"),
        expected_snr=_number(item, "expected_snr"),
        # A round whose gaincal failed has no image, so no numbers either.
        stats=_stats(item) if _number(item, "peak") is not None else None,
        flagged=_number(item, "flagged"),
        kept=kept if isinstance(kept, bool) else None,
        why=_text(item, "why"),
        image=_text(item, "image"),
        fits=_files(item.get("fits")),
        gains=[_gains(vis, record) for vis, record in sorted(gains.items())] if isinstance(gains, dict) else [],
    )


def _gains(vis: str, record: object) -> GainTable:
    if not isinstance(record, dict):
        return GainTable(vis, [], [], [], [], [], problem="no solutions recorded")
    time = [float(t) for t in _list(record, "time") if _finite(t)]
    antenna = [int(a) for a in _list(record, "antenna") if isinstance(a, int) and not isinstance(a, bool)]
    phase = [[float(p) if _finite(p) else math.nan for p in row] for row in _list(record, "phase_deg")
             if isinstance(row, list)]
    flag = [[bool(f) for f in row] for row in _list(record, "flag") if isinstance(row, list)]
    names = [str(n) for n in _list(record, "antenna_names")]
    lengths = {len(time), len(antenna), *(len(row) for row in phase + flag)}
    problem = ""
    if not time or not phase:
        problem = "no solutions recorded"
    elif len(lengths) != 1 or len(flag) != len(phase):
        problem = "the recorded times, antennas, phases and flags do not match in length"
    return GainTable(vis, time, antenna, phase, flag, names, problem)


def _stats(value: object) -> Stats | None:
    if not isinstance(value, dict):
        return None
    return Stats(**{name: _number(value, name) for name in Stats.__dataclass_fields__})


def _files(value: object) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {str(part): name for part, name in value.items() if isinstance(name, str) and name}


def _finite(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _number(mapping: Mapping[str, Any], key: str) -> float | None:
    value = mapping.get(key)
    return float(value) if isinstance(value, (int, float)) and _finite(value) else None


def _integer(mapping: Mapping[str, Any], key: str) -> int | None:
    value = mapping.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _text(mapping: Mapping[str, Any], key: str) -> str:
    value = mapping.get(key)
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value)


def _list(mapping: Mapping[str, Any], key: str) -> list[Any]:
    value = mapping.get(key)
    return value if isinstance(value, list) else []
