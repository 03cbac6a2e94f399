"""The report's pictures, drawn with matplotlib (Agg, no pyplot) and astropy's WCSAxes.

Each drawing function writes one PNG and returns its size in pixels, for
the page's ``<img width height>``.  Sky panels have RA/Dec axes, the restoring beam in
the lower left corner and a colour bar shared by the panels drawn on one
:class:`Scale`, so that the pipeline's image and ours are compared on the
same colours.  A panel whose image is missing says why, in its place.
"""
from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from astropy.time import Time
from astropy.visualization import AsinhStretch, ImageNormalize, LinearStretch
from astropy.visualization.wcsaxes import add_beam
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.cm import ScalarMappable
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from casalog.report.fitsimage import Plane, Spectrum
from casalog.report.run import GainTable

#: Dots per inch of every PNG: enough to read the axis labels, small enough to keep the page light.
DPI = 80


@dataclass(frozen=True)
class Scale:
    """A colour scale: the normalisation, the colour map, and the unit the data are shown in."""

    norm: ImageNormalize
    cmap: str
    unit: str
    factor: float


@dataclass(frozen=True)
class Panel:
    """One sky panel: a plane drawn on a scale, or the reason there is none."""

    title: str
    plane: Plane | None
    scale: Scale | None
    missing: str = ""


def image_scale(planes: Sequence[Plane | None]) -> Scale | None:
    """One scale for several images: from -3 rms to the highest peak, asinh above a few rms.

    The stretch turns from linear to logarithmic at about five times the
    noise, so both the noise and faint structure show next to a bright peak.
    """
    values, factor, unit = _values(planes, "")
    if values is None:
        return None
    rms = _robust_rms(values)
    top = float(values.max())
    bottom = max(float(values.min()), -3 * rms) if rms > 0 else float(values.min())
    if not top > bottom:
        top = bottom + 1.0
    softening = min(1.0, max(1e-4, 5 * rms / (top - bottom))) if rms > 0 else 0.1
    norm = ImageNormalize(vmin=bottom, vmax=top, stretch=AsinhStretch(a=softening))
    return Scale(norm, "inferno", unit, factor)


def residual_scale(planes: Sequence[Plane | None]) -> Scale | None:
    """One linear scale symmetric about zero for several residuals.

    CASA writes residuals without a unit; they are in the image's Jy/beam.
    """
    values, factor, unit = _values(planes, "Jy/beam")
    if values is None:
        return None
    extent = float(np.abs(values).max()) or 1.0
    return Scale(ImageNormalize(vmin=-extent, vmax=extent, stretch=LinearStretch()), "RdBu_r", unit, factor)


def _values(planes: Sequence[Plane | None], default_unit: str) -> tuple[np.ndarray | None, float, str]:
    present = [plane for plane in planes if plane is not None]
    factor, unit = _display_unit(next((plane.unit for plane in present if plane.unit), default_unit))
    finite = [plane.data[np.isfinite(plane.data)] for plane in present]
    values = np.concatenate(finite) * factor if finite else np.array([])
    return (values if values.size else None), factor, unit


def _display_unit(unit: str) -> tuple[float, str]:
    # ALMA images are in Jy/beam with peaks of mJy: show mJy/beam.
    if unit.lower().startswith("jy"):
        return 1e3, "m" + unit.replace("JY", "Jy").replace("jy", "Jy")
    return 1.0, unit


def _robust_rms(values: np.ndarray) -> float:
    return float(1.4826 * np.median(np.abs(values - np.median(values))))


#: Inches around sky panels: left of each (Dec labels), below (RA labels), above (title), right of a colour bar.
_LEFT, _BOTTOM, _TOP, _BAR, _BAR_LABELS = 1.15, 0.62, 0.32, 0.14, 0.85


def sky_panels(panels: Sequence[Panel], path: str, *, width: float = 4.0, ticks: bool = True) -> tuple[int, int]:
    """Draw panels side by side, with a colour bar after each run of panels on one scale, into the PNG ``path``.

    The layout is computed here, in inches, rather than by matplotlib's
    layout engines: they measure every tick label of every WCSAxes and cost
    more than the drawing itself.

    Parameters
    ----------
    panels : sequence of Panel
    path : str
        The PNG to write.
    width : float, optional
        Inches per panel (panels are square).
    ticks : bool, optional
        False leaves out the RA/Dec ticks and labels (thumbnails): they cost
        most of the drawing time.

    Returns
    -------
    tuple of int
        Width and height of the PNG in pixels.
    """
    left_margin, bottom = (_LEFT, _BOTTOM) if ticks else (0.1, 0.1)
    places: list[tuple[float, bool]] = []  # left edge of each panel, and whether a colour bar follows it
    x = left_margin
    for number, panel in enumerate(panels):
        last_of_scale = panel.scale is not None and (
            number == len(panels) - 1 or panels[number + 1].scale is not panel.scale)
        places.append((x, last_of_scale))
        x += width + (0.12 + _BAR + _BAR_LABELS if last_of_scale else 0) + left_margin
    total_width, total_height = x - left_margin + 0.15, width + bottom + _TOP
    figure = Figure(figsize=(total_width, total_height), dpi=DPI)

    def rect(left: float, wide: float) -> tuple[float, float, float, float]:
        return left / total_width, bottom / total_height, wide / total_width, width / total_height

    for panel, (left, bar_follows) in zip(panels, places):
        if panel.plane is None or panel.scale is None:
            axes = figure.add_axes(rect(left, width))
            axes.set_axis_off()
            axes.text(0.5, 0.5, "\n".join(textwrap.wrap(panel.missing or "missing", 36)), ha="center",
                      va="center", transform=axes.transAxes, fontsize=9, color="#8a3b12")
            axes.set_title(panel.title, fontsize=10)
        else:
            axes = figure.add_axes(rect(left, width), projection=panel.plane.wcs)
            axes.imshow(panel.plane.data * panel.scale.factor, origin="lower", cmap=panel.scale.cmap,
                                norm=panel.scale.norm, interpolation="nearest")
            axes.set_facecolor("#d8d8d8")  # blanked pixels (outside the primary beam) in grey
            _sky_axes(axes, panel.plane, ticks)
            shrunk = f" ({panel.plane.shrink}x coarser)" if panel.plane.shrink > 1 else ""
            axes.set_title(panel.title + shrunk, fontsize=10)
        if bar_follows and panel.scale is not None:
            bar_axes = figure.add_axes(rect(left + width + 0.12, _BAR))
            bar = figure.colorbar(ScalarMappable(norm=panel.scale.norm, cmap=panel.scale.cmap), cax=bar_axes,
                                  ticks=_ticks(panel.scale.norm), format="%g")
            bar.set_label(panel.scale.unit, fontsize=9)
            bar.ax.tick_params(labelsize=8)
    return _save(figure, path)


def _ticks(norm: ImageNormalize, count: int = 7) -> list[float]:
    """Colour bar ticks at round values (0, 1, 2, 5 times a power of ten), spread evenly in colour.

    Ticks evenly spaced in value would crowd at one end of a stretched scale.
    """
    low, high = float(norm.vmin), float(norm.vmax)
    span = max(abs(low), abs(high))
    if not span > 0:
        return [low]
    candidates = {0.0}
    power = 10.0 ** math.ceil(math.log10(span))
    while power > span * 1e-4:
        candidates.update(sign * mantissa * power for mantissa in (1, 2, 5) for sign in (1, -1))
        power /= 10
    values = np.array(sorted(value for value in candidates if low <= value <= high))
    if not values.size:
        return [low, high]
    positions = np.asarray(norm(values), dtype=np.float64)
    chosen: list[int] = [int(np.flatnonzero(values == 0)[0])] if low < 0 < high else []
    for target in np.linspace(0.0, 1.0, count):
        best = int(np.argmin(np.abs(positions - target)))
        if all(abs(positions[best] - positions[other]) >= 0.08 for other in chosen):
            chosen.append(best)
    return sorted(float(values[index]) for index in chosen)


def _sky_axes(axes: Axes, plane: Plane, ticks: bool) -> None:
    ra, dec = axes.coords[0], axes.coords[1]  # type: ignore[attr-defined]
    if not ticks:
        for coordinate in (ra, dec):
            coordinate.set_ticks_visible(False)
            coordinate.set_ticklabel_visible(False)
            coordinate.set_axislabel("")
    else:
        frame = plane.wcs.wcs.radesys.strip()
        ra.set_axislabel(f"RA ({frame})" if frame else "RA", fontsize=9)
        dec.set_axislabel("Dec", fontsize=9)
        ra.set_major_formatter("hh:mm:ss.s")
        dec.set_major_formatter("dd:mm:ss")
        for coordinate in (ra, dec):
            # Plain 12:00:01.0 labels: the default superscripted h/m/s go through mathtext, a tenth of a second each.
            coordinate.set_separator(":")
            coordinate.set_ticklabel(size=8)
        ra.set_ticks(number=4)
    if plane.beam is not None:
        try:
            add_beam(axes, major=plane.beam.major, minor=plane.beam.minor, angle=plane.beam.angle,
                     corner="bottom left", frame=False, facecolor="white", edgecolor="black", linewidth=0.8)
        except ValueError:
            # add_beam refuses pixels that are not square; the beam is in the table anyway.
            pass


def spectra(series: Sequence[tuple[str, Spectrum | None]], title: str, path: str) -> tuple[int, int]:
    """Plot spectra of several cubes on one pair of axes; a missing one is named in the legend.

    Returns
    -------
    tuple of int
        Width and height of the PNG in pixels.
    """
    figure = Figure(figsize=(8.4, 3.2), dpi=DPI)
    figure.subplots_adjust(left=0.1, right=0.98, bottom=0.16, top=0.9)
    axes = figure.add_subplot()
    label_x, unit = "channel", ""
    for number, (label, spectrum) in enumerate(series):
        if spectrum is None:
            axes.plot([], [], color=f"C{number}", label=f"{label}: not available")
            continue
        factor, unit = _display_unit(spectrum.unit)
        axes.step(spectrum.axis, spectrum.values * factor, where="mid", color=f"C{number}", label=label, linewidth=1)
        label_x = spectrum.axis_label
    axes.axhline(0, color="#999999", linewidth=0.6)
    axes.set_xlabel(label_x, fontsize=9)
    axes.set_ylabel(unit or "value", fontsize=9)
    axes.set_title(title, fontsize=10)
    axes.tick_params(labelsize=8)
    axes.legend(fontsize=8, loc="best")
    return _save(figure, path)


def gain_phases(rounds: Sequence[tuple[str, GainTable]], title: str, path: str) -> tuple[int, int]:
    """Phase solutions against time, one small plot per antenna, every round in its colour.

    Each phase round is solved afresh on the same data, so the rounds of one
    measurement set share a time axis and a phase scale: drawn together they
    show how the solutions follow each other as the interval shortens.  The
    rounds with fewer (longer) solutions are drawn last, over the dense
    ones; flagged solutions are grey crosses at zero.

    Parameters
    ----------
    rounds : sequence of (str, GainTable)
        A label and the solutions of each kept round, all of one measurement set.
    title : str
    path : str
        The PNG to write.

    Returns
    -------
    tuple of int
        Width and height of the PNG in pixels.
    """
    names = next((table.antenna_names for _, table in rounds if table.antenna_names), [])
    ids = sorted({antenna for _, table in rounds for antenna in table.antenna})
    columns = min(6, len(ids))
    rows = math.ceil(len(ids) / columns)
    start = min(min(table.time) for _, table in rounds)
    size = (1.9 * columns + 0.8, 1.35 * rows + 1.3)
    figure = Figure(figsize=size, dpi=DPI)
    grid = figure.subplots(rows, columns, sharex=True, sharey=True, squeeze=False, gridspec_kw=dict(
        left=0.75 / size[0], right=1 - 0.1 / size[0], bottom=0.55 / size[1], top=1 - 0.8 / size[1], wspace=0.08,
        hspace=0.3))
    panels = dict(zip(ids, grid.flat))
    order = sorted(range(len(rounds)), key=lambda number: -len(rounds[number][1].time))
    for number in order:
        label, table = rounds[number]
        # One row per polarization: times repeated, phases and flags flattened alike.
        minutes = np.tile((np.asarray(table.time) - start) / 60.0, len(table.phase_deg))
        antennas = np.tile(np.asarray(table.antenna), len(table.phase_deg))
        phases = np.asarray(table.phase_deg, dtype=np.float64).ravel()
        flags = np.asarray(table.flag, dtype=bool).ravel()
        size_points = 2 if len(table.time) > 8 * len(ids) else 4
        for antenna in ids:
            good, bad = (antennas == antenna) & ~flags, (antennas == antenna) & flags
            panels[antenna].plot(minutes[good], phases[good], ".", markersize=size_points, color=f"C{number}")
            if bad.any():
                panels[antenna].plot(minutes[bad], np.zeros(int(bad.sum())), "x", markersize=3, color="#999999")
    for antenna, axes in panels.items():
        axes.set_title(names[antenna] if 0 <= antenna < len(names) else str(antenna), fontsize=8, pad=2)
        axes.set_ylim(-180, 180)
        axes.set_yticks([-180, -90, 0, 90, 180])
        axes.tick_params(labelsize=7)
        axes.grid(True, linewidth=0.3)
    for axes in list(grid.flat)[len(ids):]:
        axes.set_axis_off()
    handles = [Line2D([], [], marker="o", linestyle="", color=f"C{number}", label=label)
               for number, (label, _) in enumerate(rounds)]
    figure.legend(handles=handles, loc="upper center", ncols=min(len(handles), 7), fontsize=8, frameon=False,
                  bbox_to_anchor=(0.5, 1 - 0.3 / size[1]))
    when = Time(start / 86400.0, format="mjd", scale="utc").iso[:19]
    figure.supxlabel(f"minutes since {when} UTC", fontsize=9)
    figure.supylabel("gain phase (deg)", fontsize=9)
    figure.suptitle(title, fontsize=10, y=1 - 0.05 / size[1], va="top")
    return _save(figure, path)


def _save(figure: Figure, path: str) -> tuple[int, int]:
    FigureCanvasAgg(figure)
    figure.savefig(path, dpi=DPI)
    width, height = figure.get_size_inches() * DPI
    return int(round(width)), int(round(height))
