"""Build the report folder: draw the pictures, render ``templates/report.html.j2``, put the folder in place.

The page is rendered by a jinja2 environment of its own, with HTML
autoescaping on: every text from the summary or a file name is escaped, and
the PNG names in ``src`` attributes are URL-quoted by the ``src`` filter.
(The script templates use another environment, which renders only quoted
Python.)  The folder is built beside its final place and renamed into it,
so a report is never half written; an existing folder is replaced only when
it is a report we wrote.
"""
from __future__ import annotations

import math
import multiprocessing
import os
import shutil
import sys
import tempfile
import threading
import urllib.parse
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from functools import lru_cache, partial

import jinja2
import numpy as np
from astropy.coordinates import Angle
from astropy.utils.exceptions import AstropyWarning

from casalog import __version__
from casalog.errors import CasaLogError
from casalog.output.provenance import utc_now
from casalog.output.templating import template_folder
from casalog.report import draw
from casalog.report.fitsimage import FitsImage, Plane, Unreadable, read_plane, shrink
from casalog.report.run import GainTable, Product, Round, Run, Stats, Target

#: The folder written inside WORKDIR.
REPORT_FOLDER = "reimage_report"
#: The mark of a page we wrote: only a folder whose index.html has it is ever replaced.
GENERATOR = "regen-tclean report"
#: Processes that draw the pictures.
MAX_WORKERS = 2


@dataclass(frozen=True)
class Picture:
    """A PNG of the page, or (``src`` empty) the reason there is none; ``notes`` name missing parts."""

    src: str = ""
    alt: str = ""
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class StatsRow:
    """A row of a numbers table: which image, and its numbers (None when the summary has none)."""

    label: str
    image: str
    stats: Stats | None


@dataclass(frozen=True)
class ProductView:
    product: Product
    anchor: str
    rows: list[StatsRow]
    pictures: list[Picture]


@dataclass(frozen=True)
class RoundView:
    round: Round
    picture: Picture


@dataclass(frozen=True)
class TargetView:
    target: Target
    anchor: str
    continuum_anchor: str = ""
    rows: list[StatsRow] = field(default_factory=list)
    pictures: list[Picture] = field(default_factory=list)
    rounds: list[RoundView] = field(default_factory=list)
    gains: list[Picture] = field(default_factory=list)
    cubes: list[tuple[str, list[StatsRow], list[Picture]]] = field(default_factory=list)


def write_report(run: Run, output: str, command_line: str) -> str:
    """Draw the pictures and write the page of ``run`` into the folder ``output``.

    Parameters
    ----------
    run : Run
    output : str
        The report folder; replaced when it holds an earlier report.
    command_line : str
        The command that made the report, for its header.

    Returns
    -------
    str
        The path of ``index.html``.

    Raises
    ------
    CasaLogError
        ``output`` exists and is not a report of ours, or cannot be written.
    """
    output = os.path.normpath(output)
    _check_replaceable(output)
    parent = os.path.dirname(os.path.abspath(output))
    try:
        staging = tempfile.mkdtemp(prefix=f".{os.path.basename(output)}-", dir=parent)
    except OSError as err:
        raise CasaLogError(f"cannot write here: {err.strerror or err}", parent) from None
    try:
        builder = _Builder(run, staging)
        products = [builder.product(number, product) for number, product in enumerate(run.products, 1)]
        targets = [builder.target(number, target) for number, target in enumerate(run.targets, 1)]
        html = _environment().get_template("report.html.j2").render(
            run=run,
            products=products,
            targets=targets,
            sizes=_draw_all(builder.jobs, staging),
            generator=GENERATOR,
            version=__version__,
            command_line=command_line,
            date=utc_now(),
        )
        with open(os.path.join(staging, "index.html"), "w", encoding="utf-8") as stream:
            stream.write(html)
        os.chmod(staging, 0o777 & ~_umask())
        _put_in_place(staging, output)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return os.path.join(output, "index.html")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _check_replaceable(output: str) -> None:
    if not os.path.lexists(output):
        return
    index = os.path.join(output, "index.html")
    if os.path.isdir(output) and not os.path.islink(output):
        if not os.listdir(output):
            return
        try:
            with open(index, encoding="utf-8", errors="replace") as stream:
                if f'<meta name="generator" content="{GENERATOR}' in stream.read(4096):
                    return
        except OSError:
            pass
    raise CasaLogError("exists and is not a report of regen-tclean: move it away or name another folder", output)


def _put_in_place(staging: str, output: str) -> None:
    old = None
    try:
        if os.path.lexists(output):
            old = tempfile.mkdtemp(prefix=f".{os.path.basename(output)}-old-", dir=os.path.dirname(staging))
            os.rename(output, os.path.join(old, "report"))
        os.rename(staging, output)
    except OSError as err:
        raise CasaLogError(f"cannot write: {err.strerror or err}", output) from None
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


def _draw_all(jobs: Sequence[tuple[str, Callable[[str], tuple[int, int]]]], folder: str) -> dict[str, tuple[int, int]]:
    """Draw every picture into ``folder``; return the size in pixels of each, by name.

    Drawing is most of a report's time, so on Linux the pictures are shared
    out among forked processes (at most two: the machines this runs on are
    small).  Elsewhere, or in a process running threads, which a fork would
    not carry over, they are drawn one by one: a spawned process would spend
    longer importing matplotlib than drawing.
    """
    paths = [os.path.join(folder, name) for name, _ in jobs]
    draws = [draw_to for _, draw_to in jobs]
    workers = min(MAX_WORKERS, len(jobs), os.cpu_count() or 1)
    if workers > 1 and sys.platform.startswith("linux") and threading.active_count() == 1:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"), initializer=_quiet) as pool:
            sizes = list(pool.map(_call, draws, paths))
    else:
        sizes = [draw_to(path) for draw_to, path in zip(draws, paths)]
    return {name: size for (name, _), size in zip(jobs, sizes)}


def _quiet() -> None:
    # A WCS sent to a worker is rebuilt from its header, and astropy would say again what it fixed in it.
    warnings.simplefilter("ignore", AstropyWarning)


def _call(draw_to: Callable[[str], tuple[int, int]], path: str) -> tuple[int, int]:
    return draw_to(path)


class _Builder:
    """Plans the pictures of one report: each view names its PNGs, :func:`_draw_all` draws them."""

    def __init__(self, run: Run, folder: str) -> None:
        self.run = run
        self.folder = folder
        self.jobs: list[tuple[str, Callable[[str], tuple[int, int]]]] = []

    def _picture(self, name: str, alt: str, notes: Sequence[str], draw_to: Callable[[str], tuple[int, int]]) -> Picture:
        self.jobs.append((name, draw_to))
        return Picture(name, alt, tuple(notes))

    def _path(self, name: str) -> str:
        path = self.run.path(name)
        if path is None:
            raise Unreadable("not a file inside the folder of the run: not read")
        return path

    def _plane(self, title: str, files: dict[str, str], parts: Sequence[str]) -> tuple[Plane | None, str]:
        """The first of ``parts`` that the summary names, read; else None and why, for the page."""
        name = next((files[part] for part in parts if part in files), None)
        if name is None:
            return None, f"{title}: no {parts[0]} FITS file in the summary"
        try:
            return read_plane(self._path(name)), ""
        except Unreadable as err:
            return None, f"{title}: {name}: {err}"

    def _sky(self, name: str, alt: str, sides: Sequence[tuple[str, dict[str, str]]], parts: Sequence[str],
             scale_of: Callable[[Sequence[Plane | None]], draw.Scale | None]) -> Picture:
        """Panels of one part of several images on one scale; a note per side that is missing."""
        read = [(title, *self._plane(title, files, parts)) for title, files in sides]
        notes = [note for _, _, note in read if note]
        scale = scale_of([plane for _, plane, _ in read])
        if scale is None:
            return Picture(alt=alt, notes=tuple(notes) or (f"{alt}: nothing to show",))
        panels = [draw.Panel(title, plane, scale, note.split(": ", 1)[-1]) for title, plane, note in read]
        return self._picture(name, alt, notes, partial(draw.sky_panels, panels))

    def product(self, position: int, product: Product) -> ProductView:
        """The view of the product at ``position`` (from 1) of the summary; its PNGs are named by the position."""
        key = f"product{position}"
        rows = [StatsRow("ours", product.imagename, product.stats)]
        sides = [("ours", product.fits)]
        if product.pipeline_stats is not None or product.pipeline_fits:
            rows.insert(0, StatsRow("pipeline iter1", product.pipeline_image, product.pipeline_stats))
            sides.insert(0, ("pipeline iter1", product.pipeline_fits))
        pictures: list[Picture] = []
        if not product.missing or product.fits:
            if not product.pipeline_fits:
                pictures.append(Picture(notes=("the pipeline's iter1 image was not in the folder when the script "
                                               "ran: ours is shown alone",)))
            if product.is_cube:
                pictures += self._cube(key, f"product {product.number}", sides)
            else:
                pictures.append(self._sky(f"{key}-image.png", f"product {product.number}: images", sides,
                                          ("image", "image.pbcor"), draw.image_scale))
                pictures.append(self._sky(f"{key}-residual.png", f"product {product.number}: residuals", sides,
                                          ("residual",), draw.residual_scale))
        return ProductView(product, key, rows, pictures)

    def _cube(self, key: str, what: str, sides: Sequence[tuple[str, dict[str, str]]]) -> list[Picture]:
        """Peak maps on one scale, and the spectra of all cubes at the brightest pixel of the last one."""
        opened: list[tuple[str, FitsImage | None]] = []
        notes: list[str] = []
        with ExitStack() as stack:
            for title, files in sides:
                name = files.get("image") or files.get("image.pbcor")
                if not name:
                    opened.append((title, None))
                    notes.append(f"{title}: no image FITS file in the summary")
                    continue
                try:
                    opened.append((title, stack.enter_context(FitsImage(self._path(name)))))
                except Unreadable as err:
                    opened.append((title, None))
                    notes.append(f"{title}: {name}: {err}")
            peaks = [(title, image.peak_map() if image else None) for title, image in opened]
            where = next((plane for _, plane in reversed(peaks) if plane is not None and np.isfinite(plane.data).any()),
                         None)
            if where is None:
                return [Picture(alt=f"{what}: peak maps", notes=tuple(notes))]
            # The brightest pixel of the last cube (ours); NaN (blanked) pixels never win.
            row, column = np.unravel_index(int(np.nanargmax(where.data)), where.data.shape)
            lon, lat = (float(v) for v in where.wcs.pixel_to_world_values(column, row))
            spectra = [(title, image.spectrum(lon, lat) if image else None) for title, image in opened]
        shown = [(title, shrink(plane) if plane is not None else None) for title, plane in peaks]
        scale = draw.image_scale([plane for _, plane in shown])
        panels = [draw.Panel(f"{title}: peak over channels", plane, scale, "not available") for title, plane in shown]
        where_text = (Angle(lon, unit="deg").to_string(unit="hourangle", sep=":", precision=2) + " "
                      + Angle(lat, unit="deg").to_string(unit="deg", sep=":", precision=1, alwayssign=True))
        return [
            self._picture(f"{key}-peak.png", f"{what}: peak maps", notes, partial(draw.sky_panels, panels)),
            self._picture(f"{key}-spectrum.png", f"{what}: spectra at the peak", (),
                          partial(draw.spectra, spectra, f"spectrum at the peak of {shown[-1][0]} ({where_text})")),
        ]

    def target(self, position: int, target: Target) -> TargetView:
        """The view of the self-calibrated target at ``position`` (from 1) of the summary."""
        key = f"selfcal{position}"
        continuum = self.run.product(target.continuum_product)
        anchor = f"product{self.run.products.index(continuum) + 1}" if continuum is not None else ""
        view = TargetView(target, key, anchor)
        if target.missing:
            return view
        first = target.rounds[0] if target.rounds else None
        sides: list[tuple[str, dict[str, str]]] = []
        if continuum is not None and continuum.pipeline_fits:
            sides.append(("pipeline iter1", continuum.pipeline_fits))
            view.rows.append(StatsRow("pipeline iter1", continuum.pipeline_image, continuum.pipeline_stats))
        if first is not None:
            sides.append(("before self-calibration", first.fits))
            view.rows.append(StatsRow("before self-calibration", first.image, first.stats))
        sides.append(("self-calibrated", target.final_fits))
        view.rows.append(StatsRow("self-calibrated", target.final_image, target.final))
        view.pictures.append(self._sky(f"{key}-image.png", f"self-calibration of {target.field}: images", sides,
                                       ("image", "image.pbcor"), draw.image_scale))
        view.pictures.append(self._sky(f"{key}-residual.png", f"self-calibration of {target.field}: residuals",
                                       sides, ("residual",), draw.residual_scale))
        view.rounds.extend(self._rounds(key, target))
        view.gains.extend(self._gains(key, target))
        for number, cube in enumerate(target.cubes, 1):
            product = self.run.product(cube.product)
            cube_sides: list[tuple[str, dict[str, str]]] = []
            rows = []
            if product is not None:
                if product.pipeline_fits:
                    cube_sides.append(("pipeline iter1", product.pipeline_fits))
                    rows.append(StatsRow("pipeline iter1", product.pipeline_image, product.pipeline_stats))
                cube_sides.append(("before self-calibration", product.fits))
                rows.append(StatsRow("before self-calibration", product.imagename, product.stats))
            cube_sides.append(("self-calibrated", cube.fits))
            rows.append(StatsRow("self-calibrated", cube.imagename, cube.stats))
            title = f"product {cube.product}" if cube.product is not None else cube.imagename
            view.cubes.append((title, rows, self._cube(f"{key}-cube{number}", title, cube_sides)))
        return view

    def _rounds(self, key: str, target: Target) -> list[RoundView]:
        """Each round's image and residual, on scales shared by all rounds."""
        images = [self._plane(f"round {r.number}", r.fits, ("image",)) for r in target.rounds]
        residuals = [self._plane(f"round {r.number}", r.fits, ("residual",)) for r in target.rounds]
        image_scale = draw.image_scale([plane for plane, _ in images])
        residual_scale = draw.residual_scale([plane for plane, _ in residuals])
        views = []
        for number, (round_, image, residual) in enumerate(zip(target.rounds, images, residuals)):
            alt = f"round {round_.number}: image and residual"
            if image[0] is None and residual[0] is None:
                views.append(RoundView(round_, Picture(alt=alt, notes=(_no_image(round_, image[1]),))))
                continue
            panels = [draw.Panel("image", image[0], image_scale, image[1].split(": ", 1)[-1]),
                      draw.Panel("residual", residual[0], residual_scale, residual[1].split(": ", 1)[-1])]
            views.append(RoundView(round_, self._picture(
                f"{key}-round{number}.png", alt, [note for note in (image[1], residual[1]) if note],
                partial(draw.sky_panels, panels, width=2.6, ticks=False))))
        return views

    def _gains(self, key: str, target: Target) -> list[Picture]:
        """One picture per self-calibrated measurement set, with the phases of every kept round."""
        by_vis: dict[str, list[tuple[str, GainTable]]] = {}
        notes: list[str] = []
        for round_ in target.rounds:
            if not round_.kept or not round_.number:
                continue
            if not round_.gains:
                notes.append(f"round {round_.number} ({round_.solint}): no gain solutions recorded")
            for table in round_.gains:
                if table.problem:
                    notes.append(f"round {round_.number} ({round_.solint}), {table.vis}: {table.problem}")
                else:
                    label = f"round {round_.number}: {round_.solint}" + (" (ap)" if round_.calmode == "ap" else "")
                    by_vis.setdefault(table.vis, []).append((label, table))
        pictures = [
            self._picture(f"{key}-gains{number}.png", f"gain phases of {vis}", (),
                          partial(draw.gain_phases, rounds, f"gain phases: {vis}"))
            for number, (vis, rounds) in enumerate(sorted(by_vis.items()), 1)
        ]
        if notes:
            pictures.append(Picture(notes=tuple(notes)))
        return pictures


def _no_image(round_: Round, note: str) -> str:
    if round_.number and round_.stats is None:
        return f"no image: {round_.why}" if round_.why else "no image"
    return note


# ---------------------------------------------------------------------------
# The page's own formatting: numbers in the units an ALMA user reads.


def _significant(value: float, digits: int = 3) -> str:
    return f"{value:.{digits}g}" if abs(value) >= 10 ** -(digits + 1) or value == 0 else f"{value:.2e}"


def _milli(value: float | None, unit: str) -> str:
    return "—" if value is None else f"{_significant(value * 1e3)} m{unit}"


def _number(value: float | None, digits: int = 3) -> str:
    return "—" if value is None else _significant(value, digits)


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.0f}%"


def _beam(stats: Stats | None) -> str:
    if stats is None or stats.beam_major is None or stats.beam_minor is None:
        return "—"
    angle = f", {stats.beam_angle:.0f}°" if stats.beam_angle is not None and math.isfinite(stats.beam_angle) else ""
    return f"{stats.beam_major:.3g}″ × {stats.beam_minor:.3g}″{angle}"


def _kept(value: bool | None) -> str:
    return {True: "kept", False: "undone", None: "—"}[value]


def _src(name: str) -> str:
    # Our own PNG names, quoted all the same: a src attribute is a URL.
    return urllib.parse.quote(name, safe="")


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(template_folder()),
        undefined=jinja2.StrictUndefined,
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(mjy=lambda v: _milli(v, "Jy"), mjyb=lambda v: _milli(v, "Jy/beam"), num=_number,
                               percent=_percent, beam=_beam, kept=_kept, src=_src)
    return environment
