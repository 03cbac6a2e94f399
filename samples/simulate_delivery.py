"""Build a small simulated ALMA delivery with real (modular) CASA 6.

Run it as ``python3 samples/simulate_delivery.py OUTDIR [--scenario NAME]`` or
import it and call :func:`build_delivery`.  A :class:`Scenario` describes what
is simulated; :data:`SCENARIOS` holds the named ones:

``default``
    One Band 6 execution block of a field with two weak point sources and
    modest phase errors, imaged per spw and as an aggregate continuum
    (``samples/sim/`` keeps its log and cont.dat).
``selfcal``
    Two execution blocks, observed a day apart, whose science spws have
    different ids (the second EB has more spws before them); a bright sky
    (1 Jy point and 0.5 Jy Gaussian) under antenna phase errors (2 rad rms on
    minutes) that the phase-calibrator solutions cannot follow, so the
    pipeline images are dynamic-range limited (S/N ~17) while the thermal S/N
    is in the thousands; a spectral line in a 32-channel spw, continuum
    subtracted with the CASA 6.5+ ``uvcontsub`` and imaged as cubes.  Data for
    judging self-calibration.
``weak``
    The ``selfcal`` layout with a faint sky: the thermal S/N cannot support a
    phase solution even over a whole execution block.
``mosaic``
    One EB of a three-pointing mosaic (three field ids, all named after the
    target) of an extended source and a compact knot under the ``selfcal``
    phase errors, imaged with ``gridder='mosaic'``.
``cube``
    The first ``selfcal`` EB alone, its line spw in 256 channels (500 MHz):
    the pipeline's cube of that spw has 254 channels.  For timing cube
    imaging (``benchmarks/bench_mpi.py``; :func:`cube_scenario` sets other
    channel counts).

Each EB is simulated with the CASA simulator, corrupted with thermal noise and
antenna-based phase errors, calibrated on a phase calibrator; the science
target is split out and imaged with the tclean sequence of a Cycle 10
pipeline.  Every CASA command of those pipeline steps is written to a
``casa_commands.log`` in the pipeline's own format, from the very arguments
that were passed to the task, so the log is the record of what ran.

The layout follows a delivery::

    OUTDIR/calibrated/working/   the measurement sets and images
    OUTDIR/calibration/<MOUS>.cont.dat
    OUTDIR/log/<MOUS>.casa_commands.log

Everything is seeded: the same scenario gives the same log, cont.dat and data.
"""
from __future__ import annotations

import argparse
import contextlib
import dataclasses
import inspect
import itertools
import math
import os
import shutil
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

MOUS = "uid___A001_Xsim_X1"
TARGET = "SimSource"
CALIBRATOR = "J1200-3600"
TARGET_INTENT = "OBSERVE_TARGET#ON_SOURCE"
CALIBRATOR_INTENT = "CALIBRATE_PHASE#ON_SOURCE"
PHASECENTER = "ICRS 12:00:00.0000 -035.00.00.000"
CALIBRATOR_PHASECENTER = "ICRS 12:00:00.0000 -036.00.00.000"
TARGET_DIRECTION = ("12h00m00s", "-35d00m00s")
CALIBRATOR_DIRECTION = ("12h00m00s", "-36d00m00s")
# Field ids follow the order of the simulator's setfield calls: the
# calibrator's, then the target's pointings.
CALIBRATOR_ID = 0
ANTENNA_CONFIG = "alma.cycle4.2.cfg"
N_ANTENNAS = 16
INTEGRATION_S = 10.0
CALIBRATOR_SCAN_S = 30.0
SEED = 20230501
# Thermal noise of one real or imaginary part for a 62.5 MHz, 10 s visibility
# with Tsys ~100 K on 12 m dishes.
NOISE_JY_REF = 0.1
NOISE_REF_WIDTH_HZ = 62.5e6
CALIBRATOR_FLUX_JY = 1.0
# A channel whose mean line flux stays below this counts as line free.
LINE_FREE_LIMIT_JY = 1.0e-5
# uvcontsub's polynomial order, as hif_uvcontsub sets it.
FIT_ORDER = 1
CASA_DATA_HINT = "install casatools, casatasks and casadata (pip install casatools casatasks casadata)"


@dataclass(frozen=True)
class Source:
    """A component of the simulated sky: a point, or an elliptical Gaussian.

    Attributes
    ----------
    name : str
        A label for tests and reports.
    ra, dec : str
        ICRS position as CASA angle strings (``12h00m00.040s``, ``-35d00m00.80s``).
    flux_jy : float
        Continuum flux density (not attenuated by the primary beam), flat in frequency.
    major_arcsec, minor_arcsec : float
        FWHM axes of a Gaussian; 0 for a point source.
    pa_deg : float
        Position angle of the major axis, east of north.
    """

    name: str
    ra: str
    dec: str
    flux_jy: float
    major_arcsec: float = 0.0
    minor_arcsec: float = 0.0
    pa_deg: float = 0.0

    @property
    def is_point(self) -> bool:
        return self.major_arcsec == 0.0


@dataclass(frozen=True)
class Line:
    """A Gaussian spectral line on one source of the sky.

    Attributes
    ----------
    source : str
        Name of the :class:`Source` that emits it (its position; the line adds
        to its continuum).
    spw : int
        The science spw that holds it, by the first EB's id (the images' id).
    center_lsrk_hz, sigma_hz : float
        Centre (LSRK) and Gaussian sigma of the line.
    peak_jy : float
        Peak flux density of the line above the continuum.
    """

    source: str
    spw: int
    center_lsrk_hz: float
    sigma_hz: float
    peak_jy: float


@dataclass(frozen=True)
class PhaseErrors:
    """Antenna-based phase errors at 230 GHz (they scale with frequency).

    Attributes
    ----------
    rms_deg : float
        Rms of the fast part, which wanders on ``timescale_s``.
    timescale_s : float
        Gaussian correlation width of the fast part.
    drift_deg : float
        Amplitude of a slow sinusoidal drift (periods 30 to 60 minutes).
    """

    rms_deg: float
    timescale_s: float
    drift_deg: float


@dataclass(frozen=True)
class SpectralWindow:
    """One simulated spectral window (TOPO channel grid)."""

    spw_id: int
    name: str
    first_channel_hz: float
    width_hz: float
    nchan: int
    science: bool

    @property
    def noise_jy(self) -> float:
        """Per-visibility noise of one real or imaginary part."""
        return NOISE_JY_REF * math.sqrt(NOISE_REF_WIDTH_HZ / self.width_hz)

    def channel_centers(self) -> np.ndarray:
        """Channel centre frequencies in Hz."""
        return self.first_channel_hz + self.width_hz * np.arange(self.nchan)


@dataclass(frozen=True)
class ExecutionBlock:
    """One execution block: its name, start time and spectral windows.

    The k-th science spw of every EB observes the same sky frequencies; the
    images call it by the first EB's id, as the pipeline's virtual spw ids do.
    """

    name: str
    start_utc: str
    spws: tuple[SpectralWindow, ...]

    @property
    def ms(self) -> str:
        """The calibrated EB measurement set."""
        return f"{self.name}.ms"

    @property
    def targets_ms(self) -> str:
        """The science target split out of it (continuum and line, spw ids kept)."""
        return f"{self.name}_targets.ms"

    @property
    def line_ms(self) -> str:
        """Its continuum-subtracted target data (only when the scenario subtracts)."""
        return f"{self.name}_targets_line.ms"

    @property
    def science_spws(self) -> tuple[int, ...]:
        """The spw ids the pipeline calibrates and images, in order."""
        return tuple(spw.spw_id for spw in self.spws if spw.science)

    @property
    def n_spws(self) -> int:
        """Rows of its SPECTRAL_WINDOW table, which an ``spwmap`` must cover."""
        return len(self.spws)

    def science(self) -> tuple[SpectralWindow, ...]:
        """The science spws, in order."""
        return tuple(spw for spw in self.spws if spw.science)


@dataclass(frozen=True)
class Scenario:
    """What a delivery simulates and how large its products are.

    Attributes
    ----------
    name : str
        Its key in :data:`SCENARIOS`.
    ebs : tuple of ExecutionBlock
        The execution blocks, in observing order.
    sources : tuple of Source
        The sky, brightest first.
    pointings : tuple of (str, str)
        ICRS directions of the target's pointings; more than one makes a
        mosaic (one field id each, all named after the target).
    line : Line
        The spectral line.
    phase : PhaseErrors
        The antenna phase errors of every EB (each EB draws its own).
    n_target_scans : int
        Target scans per EB, each between two phase-calibrator scans.
    target_scan_s : float
        Length of a target scan.
    imsize : tuple of int
        Image size of every product, in pixels.
    cell : str
        Pixel size of every product.
    iter1_niter : int
        ``niter`` of the iter1 cleans.
    calibrator_images : bool
        Image the phase calibrator per science spw, as hif_makeimlist(intent='PHASE').
    line_products : bool
        Subtract the continuum (``uvcontsub``) and image a cube per science spw.
    """

    name: str
    ebs: tuple[ExecutionBlock, ...]
    sources: tuple[Source, ...]
    pointings: tuple[tuple[str, str], ...]
    line: Line
    phase: PhaseErrors
    n_target_scans: int
    target_scan_s: float
    imsize: tuple[int, int]
    cell: str
    iter1_niter: int
    calibrator_images: bool
    line_products: bool


@dataclass(frozen=True)
class Product:
    """One imaged product: how it was imaged and its iter0/iter1 image names.

    Attributes
    ----------
    name : str
        The image name without its ``.iter<N>`` suffix.
    field, intent : str
        The field imaged and its full intent (``OBSERVE_TARGET#ON_SOURCE``).
    vis : tuple of str
        The measurement sets imaged, one per EB.
    spw : tuple of str
        The tclean spw selection of each of them, as logged.
    datacolumn : str
        The column imaged.
    spws : tuple of int
        The spectral windows in the product, by the first EB's ids (as in its name).
    specmode : str
        The specmode part of the name (``mfs``, ``cont`` or ``cube``).
    """

    name: str
    field: str
    intent: str
    vis: tuple[str, ...]
    spw: tuple[str, ...]
    datacolumn: str
    spws: tuple[int, ...]
    specmode: str

    @property
    def iter0(self) -> str:
        return f"{self.name}.iter0"

    @property
    def iter1(self) -> str:
        return f"{self.name}.iter1"


@dataclass(frozen=True)
class Delivery:
    """Where a built delivery is and what it holds.

    Attributes
    ----------
    root : Path
        The delivery directory (``OUTDIR``).
    working : Path
        ``calibrated/working``: measurement sets and images.
    log : Path
        The ``casa_commands.log``.
    contfile : Path
        The ``cont.dat``.
    mous : str
        The member OUS id used as image-name prefix.
    field : str
        The science target name.
    refants : tuple of str
        The reference antenna ranking passed to gaincal.
    phasecenter : str
        The imaging phase centre as logged.
    products : tuple of Product
        The imaged products, in log order.
    sources : tuple of Source
        The simulated sky, brightest first.
    line : Line
        The simulated spectral line.
    ebs : tuple of ExecutionBlock
        The execution blocks: names, MS names (``ms``, ``targets_ms``,
        ``line_ms``) and per-EB science spw ids.
    scenario : Scenario
        Everything the delivery was built from (scans, noise, phase errors, sizes).
    """

    root: Path
    working: Path
    log: Path
    contfile: Path
    mous: str
    field: str
    refants: tuple[str, ...]
    phasecenter: str
    products: tuple[Product, ...]
    sources: tuple[Source, ...]
    line: Line
    ebs: tuple[ExecutionBlock, ...]
    scenario: Scenario

    @property
    def eb_ms(self) -> str:
        """The first EB's calibrated measurement set."""
        return self.ebs[0].ms

    @property
    def targets_ms(self) -> str:
        """The first EB's science-target MS."""
        return self.ebs[0].targets_ms

    @property
    def science_spws(self) -> tuple[int, ...]:
        """The first EB's science spw ids (kept, not re-indexed), which name the images."""
        return self.ebs[0].science_spws


def _band6_spws(first_id: int, line_spw: SpectralWindow | None) -> tuple[SpectralWindow, ...]:
    # Two basebands, each a full-resolution science spw and its channel
    # average; a given line spw replaces the first baseband's 8-channel one.
    bb1 = line_spw or SpectralWindow(
        first_id, "X0000000000#ALMA_RB_06#BB_1#SW-01#FULL_RES", 230.28125e9, 62.5e6, 8, science=True
    )
    return (
        bb1,
        SpectralWindow(first_id + 1, "X0000000000#ALMA_RB_06#BB_1#SW-01#CH_AVG", 230.5e9, 500.0e6, 1, science=False),
        SpectralWindow(
            first_id + 2, "X0000000000#ALMA_RB_06#BB_2#SW-01#FULL_RES", 232.28125e9, 62.5e6, 8, science=True
        ),
        SpectralWindow(first_id + 3, "X0000000000#ALMA_RB_06#BB_2#SW-01#CH_AVG", 232.5e9, 500.0e6, 1, science=False),
    )


WVR = SpectralWindow(0, "WVR#NOMINAL", 183.55e9, 1.5e9, 4, science=False)
# Pipeline auto-multithresh settings for 12 m data with short baselines.
AUTOMASK = {
    "sidelobethreshold": 2.0,
    "noisethreshold": 4.25,
    "lownoisethreshold": 1.5,
    "negativethreshold": 0.0,
    "minbeamfrac": 0.3,
    "growiterations": 75,
    "dogrowprune": True,
    "minpercentchange": 1.0,
    "fastnoise": False,
}
MFS = {"specmode": "mfs", "nchan": -1}
PROLOGUE = (
    "This file lists the CASA commands run by samples/simulate_delivery.py, a "
    "simulation of the ALMA pipeline's calibration, split and imaging steps. It "
    "cannot be executed. The measurement set{s} {were} made with the CASA simulator, "
    "whose tool calls are not listed here."
)


def _line_spw(spw_id: int) -> SpectralWindow:
    # 32 channels of 15.625 MHz (20 km/s) over 500 MHz, around CO 2-1: enough
    # for a cube, few enough for CI.
    return SpectralWindow(spw_id, "X0000000000#ALMA_RB_06#BB_1#SW-01#FULL_RES", 230.30e9, 15.625e6, 32, science=True)


def _pointing_spws(first_id: int) -> tuple[SpectralWindow, ...]:
    # The pointing setup some EBs carry before the science spws: it shifts
    # their ids, as in real multi-EB data.
    return tuple(
        SpectralWindow(first_id + i, f"X0000000001#ALMA_RB_06#BB_{1 + i // 2}#SW-01#{kind}", freq, width, 1, False)
        for i, (kind, freq, width) in enumerate(
            (("FULL_RES", 230.0e9, 2.0e9), ("CH_AVG", 230.0e9, 2.0e9), ("FULL_RES", 232.0e9, 2.0e9),
             ("CH_AVG", 232.0e9, 2.0e9))
        )
    )


DEFAULT = Scenario(
    name="default",
    ebs=(ExecutionBlock("uid___A002_Xsim01_X1", "2023/05/01/01:45:00", (WVR, *_band6_spws(1, None))),),
    sources=(
        Source("bright", "12h00m00.040s", "-35d00m00.80s", 0.080),
        Source("faint", "12h00m00.500s", "-34d59m57.00s", 0.010),
    ),
    pointings=(TARGET_DIRECTION,),
    line=Line("bright", 1, 230.530e9, 20.0e6, 0.12),
    phase=PhaseErrors(rms_deg=25.0, timescale_s=90.0, drift_deg=60.0),
    n_target_scans=4,
    target_scan_s=360.0,
    imsize=(128, 128),
    cell="0.3arcsec",
    iter1_niter=2000,
    calibrator_images=True,
    line_products=False,
)
SELFCAL = Scenario(
    name="selfcal",
    ebs=(
        # Absolute UTC starts near transit of RA 12h at ALMA, a sidereal day apart.
        ExecutionBlock("uid___A002_Xsim02_X11", "2023/05/01/01:45:00", (WVR, *_band6_spws(1, _line_spw(1)))),
        ExecutionBlock(
            "uid___A002_Xsim03_X7", "2023/05/02/01:41:04",
            (WVR, *_pointing_spws(1), *_band6_spws(5, _line_spw(5))),
        ),
    ),
    sources=(
        Source("core", "12h00m00.020s", "-35d00m00.40s", 1.0),
        Source("blob", "12h00m00.140s", "-34d59m59.00s", 0.5, major_arcsec=2.4, minor_arcsec=1.4, pa_deg=60.0),
    ),
    pointings=(TARGET_DIRECTION,),
    line=Line("core", 1, 230.538e9, 16.0e6, 0.2),
    # About 1.8 rad left after the calibrator's solutions (coherence ~0.2):
    # the pipeline's image S/N ends near 10, dynamic-range limited.
    phase=PhaseErrors(rms_deg=120.0, timescale_s=90.0, drift_deg=90.0),
    n_target_scans=3,
    target_scan_s=240.0,
    imsize=(128, 128),
    cell="0.3arcsec",
    iter1_niter=1000,
    calibrator_images=False,
    line_products=True,
)
WEAK = dataclasses.replace(
    SELFCAL,
    name="weak",
    sources=(Source("core", "12h00m00.020s", "-35d00m00.40s", 0.0015),),
    line=Line("core", 1, 230.538e9, 16.0e6, 0.01),
)
MOSAIC = Scenario(
    name="mosaic",
    ebs=(ExecutionBlock("uid___A002_Xsim04_X3", "2023/05/01/01:45:00", (WVR, *_band6_spws(1, None))),),
    sources=(
        Source("ridge", "12h00m00.000s", "-35d00m00.00s", 1.0, major_arcsec=14.0, minor_arcsec=5.0, pa_deg=80.0),
        Source("knot", "12h00m00.900s", "-34d59m58.00s", 0.3),
    ),
    # Three pointings 12 arcsec apart in RA, half the primary beam.
    pointings=(("11h59m59.023s", "-35d00m00s"), TARGET_DIRECTION, ("12h00m00.977s", "-35d00m00s")),
    line=Line("knot", 1, 230.530e9, 20.0e6, 0.12),
    phase=PhaseErrors(rms_deg=120.0, timescale_s=90.0, drift_deg=90.0),
    n_target_scans=3,
    target_scan_s=270.0,
    # The primary beams at 0.2 reach 17 arcsec past the outer pointings.
    imsize=(240, 180),
    cell="0.3arcsec",
    iter1_niter=1000,
    calibrator_images=False,
    line_products=False,
)


def cube_scenario(nchan: int = 256) -> Scenario:
    """The ``cube`` scenario, with ``nchan`` channels in its line spw.

    The first ``selfcal`` EB (its sky, line and phase errors) whose line spw
    keeps its 500 MHz in ``nchan`` channels (256: 1.953125 MHz, 2.5 km/s), so
    that the spw's cube product has ``nchan - 2`` channels, about 70 of them
    on the line.  A cube for benchmarks of cube imaging (``benchmarks/bench_mpi.py``).
    """
    line_spw = SpectralWindow(
        1, "X0000000000#ALMA_RB_06#BB_1#SW-01#FULL_RES", 230.30e9, 500.0e6 / nchan, nchan, science=True
    )
    eb = dataclasses.replace(SELFCAL.ebs[0], spws=(WVR, *_band6_spws(1, line_spw)))
    return dataclasses.replace(SELFCAL, name="cube", ebs=(eb,))


CUBE = cube_scenario()
SCENARIOS = {scenario.name: scenario for scenario in (DEFAULT, SELFCAL, WEAK, MOSAIC, CUBE)}


def format_command(name: str, kwargs: dict[str, Any]) -> str:
    """The one-line ``task(k=v, ...)`` form the pipeline logs."""
    args = ", ".join(f"{key}={value!r}" for key, value in kwargs.items())
    return f"{name}({args})"


def wrap_command(command: str) -> list[str]:
    """Wrap a command exactly as the pipeline's casa_commands.log does."""
    return textwrap.wrap(
        command, width=80, subsequent_indent=" " * (command.index("(") + 1), break_long_words=False
    )


def _check_literal(value: object) -> None:
    # The log must hold Python literals only; numpy scalars would print as
    # ``np.float64(...)`` and break every reader of the log.
    if isinstance(value, list):
        for item in value:
            _check_literal(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            if type(key) not in (str, int):
                raise TypeError(f"not a plain dict key for the log: {key!r}")
            _check_literal(item)
    elif type(value) not in (str, int, float, bool):
        raise TypeError(f"not a plain literal for the log: {value!r}")


class CommandLog:
    """Collects the lines of a casa_commands.log as the pipeline writes them."""

    def __init__(self, prologue: str) -> None:
        self.lines = ["raise Error('The casa commands log is not executable!')", ""]
        self.lines += textwrap.wrap(prologue, width=80, initial_indent="# ", subsequent_indent="# ")

    def stage(self, header: str, comment: str) -> None:
        """Start a pipeline stage: its call as header, then its comment."""
        self.lines += ["", f"# {header}", "#"]
        self.lines += textwrap.wrap(comment, width=80, initial_indent="# ", subsequent_indent="# ")
        self.lines.append("#")

    def command(self, name: str, kwargs: dict[str, Any]) -> None:
        """Log a command that has run, dropping None and '' arguments."""
        kept = {key: value for key, value in kwargs.items() if value is not None and value != ""}
        for value in kept.values():
            _check_literal(value)
        self.lines += wrap_command(format_command(name, kept))

    def write(self, path: Path) -> None:
        """Write the log file, creating its directory."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(self.lines) + "\n")


def prologue(n_ebs: int) -> str:
    """The log's opening comment for a delivery of ``n_ebs`` execution blocks."""
    return PROLOGUE.format(s="" if n_ebs == 1 else "s", were="was" if n_ebs == 1 else "were")


def run_task(log: CommandLog, name: str, **kwargs: Any) -> Any:
    """Run a casatasks task and log the same arguments in signature order."""
    import casatasks

    task = getattr(casatasks, name)
    order = list(inspect.signature(task.__call__).parameters)
    unknown = set(kwargs) - set(order)
    if unknown:
        raise TypeError(f"{name} has no parameter(s) {sorted(unknown)}")
    ordered = {key: kwargs[key] for key in order if key in kwargs}
    result = task(**ordered)
    if result is False:
        raise RuntimeError(f"CASA task {name} reported failure")
    log.command(name, ordered)
    return result


def copy_image(log: CommandLog, src: str, dst: str) -> None:
    """Copy a CASA image (a directory) and log it like the C6+ pipeline."""
    shutil.copytree(src, dst)
    log.command("copytree", {"src": src, "dst": dst})


@contextlib.contextmanager
def working_directory(path: Path) -> Iterator[None]:
    """Run CASA in ``path`` so that logged names are basenames."""
    previous = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(previous)


def read_antennas() -> tuple[np.ndarray, list[str]]:
    """The first antennas of the configuration file: local xyz and pad names."""
    import casadata

    cfg = Path(casadata.datapath, "alma", "simmos", ANTENNA_CONFIG)
    rows = [line.split() for line in cfg.read_text().splitlines() if line.strip() and not line.startswith("#")]
    rows = rows[:N_ANTENNAS]
    return np.array([[float(v) for v in row[:4]] for row in rows]), [row[4] for row in rows]


def antenna_names() -> list[str]:
    """ALMA-style antenna names for the simulated array."""
    return [f"DA{41 + i}" for i in range(N_ANTENNAS // 2)] + [f"DV{1 + i:02d}" for i in range(N_ANTENNAS // 2)]


def scan_plan(scenario: Scenario) -> list[tuple[str, float, float]]:
    """(source name, start, stop) in seconds after an EB's start, calibrator first and last.

    A mosaic's target scan visits its pointings in turn, one scan each.
    """
    plan = []
    t = 0.0
    visit = scenario.target_scan_s / len(scenario.pointings)
    for _ in range(scenario.n_target_scans):
        plan.append((CALIBRATOR, t, t + CALIBRATOR_SCAN_S))
        t += CALIBRATOR_SCAN_S
        for name in pointing_names(scenario):
            plan.append((name, t, t + visit))
            t += visit
    plan.append((CALIBRATOR, t, t + CALIBRATOR_SCAN_S))
    return plan


def pointing_names(scenario: Scenario) -> list[str]:
    """The simulator's source names of the target's pointings (the target's own for one)."""
    if len(scenario.pointings) == 1:
        return [TARGET]
    return [f"{TARGET}_{k}" for k in range(len(scenario.pointings))]


def target_field_ids(scenario: Scenario) -> list[int]:
    """Field ids of the target's pointings."""
    return [CALIBRATOR_ID + 1 + k for k in range(len(scenario.pointings))]


def is_mosaic(scenario: Scenario) -> bool:
    """Whether the target is observed in several pointings."""
    return len(scenario.pointings) > 1


def target_time_s(scenario: Scenario) -> float:
    """Time on the science target in one EB."""
    return scenario.n_target_scans * scenario.target_scan_s


def antenna_solution_snr(scenario: Scenario, flux_jy: float, solint_s: float) -> float:
    """Thermal S/N of one antenna's phase solution on a point source of ``flux_jy``.

    A ``combine='spw'`` solution over ``solint_s`` of target data, from every
    channel of the first EB's science spws and both polarizations, on the
    ``N_ANTENNAS - 1`` baselines to that antenna: ``flux / sigma`` with
    ``sigma`` the noise of one real part averaged over them all.  Phase errors
    within the interval only lower it.
    """
    per_integration = sum(2 * spw.nchan / spw.noise_jy**2 for spw in scenario.ebs[0].science())
    samples = per_integration * (solint_s / INTEGRATION_S) * (N_ANTENNAS - 1)
    return flux_jy * math.sqrt(samples)


def observe(eb: ExecutionBlock, scenario: Scenario) -> None:
    """Create the EB measurement set with the CASA simulator (no sky yet)."""
    import casatools

    sm = casatools.simulator()
    me = casatools.measures()
    xyzd, pads = read_antennas()
    sm.open(eb.ms)
    sm.setconfig(
        telescopename="ALMA", x=list(xyzd[:, 0]), y=list(xyzd[:, 1]), z=list(xyzd[:, 2]),
        dishdiameter=list(xyzd[:, 3]), mount=["alt-az"], antname=antenna_names(), padname=pads,
        coordsystem="local", referencelocation=me.observatory("ALMA"),
    )
    for spw in eb.spws:
        sm.setspwindow(
            spwname=spw.name, freq=f"{spw.first_channel_hz}Hz", deltafreq=f"{spw.width_hz}Hz",
            freqresolution=f"{spw.width_hz}Hz", nchannels=spw.nchan, stokes="XX YY",
        )
    sm.setfeed(mode="perfect X Y", pol=[""])
    sm.setfield(sourcename=CALIBRATOR, sourcedirection=me.direction("ICRS", *CALIBRATOR_DIRECTION))
    for name, direction in zip(pointing_names(scenario), scenario.pointings):
        sm.setfield(sourcename=name, sourcedirection=me.direction("ICRS", *direction))
    sm.setlimits(shadowlimit=0.001, elevationlimit="8deg")
    sm.setauto(autocorrwt=0.0)
    sm.settimes(
        integrationtime=f"{INTEGRATION_S}s", usehourangle=False, referencetime=me.epoch("UTC", eb.start_utc)
    )
    for field, start, stop in scan_plan(scenario):
        intent = CALIBRATOR_INTENT if field == CALIBRATOR else TARGET_INTENT
        for spw in eb.spws:
            sm.observe(
                sourcename=field, spwname=spw.name, starttime=f"{start}s", stoptime=f"{stop}s",
                state_obs_mode=intent, project=MOUS,
            )
    sm.close()
    me.done()
    _check_data_descriptions(eb)
    if is_mosaic(scenario):
        _name_pointings_as_target(eb, scenario)


def _name_pointings_as_target(eb: ExecutionBlock, scenario: Scenario) -> None:
    # The simulator tells fields apart by name; an ALMA mosaic's fields all
    # carry the target's.
    import casatools

    tb = casatools.table()
    for table in ("FIELD", "SOURCE"):
        tb.open(f"{eb.ms}/{table}", nomodify=False)
        names = [TARGET if name in pointing_names(scenario) else name for name in tb.getcol("NAME")]
        tb.putcol("NAME", np.array(names))
        tb.close()


def _check_data_descriptions(eb: ExecutionBlock) -> None:
    # Data are selected by DATA_DESC_ID == spw id below, which holds only
    # while the simulator makes one description per spw, in order.
    import casatools

    tb = casatools.table()
    tb.open(f"{eb.ms}/DATA_DESCRIPTION")
    spw_ids = [int(i) for i in tb.getcol("SPECTRAL_WINDOW_ID")]
    tb.close()
    if spw_ids != [spw.spw_id for spw in eb.spws]:
        raise RuntimeError(f"{eb.ms}: data descriptions map to spws {spw_ids}, not one each in order")


def renumber_scans(eb: ExecutionBlock) -> None:
    """Make one scan per plan entry: the simulator opens one per spw."""
    import casatools

    tb = casatools.table()
    tb.open(eb.ms, nomodify=False)
    scans = tb.getcol("SCAN_NUMBER")
    tb.putcol("SCAN_NUMBER", (scans - 1) // eb.n_spws + 1)
    tb.close()


def target_scans(scenario: Scenario) -> str:
    """The target's scan numbers after :func:`renumber_scans`, as tclean takes them."""
    return ",".join(str(i + 1) for i, (field, _, _) in enumerate(scan_plan(scenario)) if field != CALIBRATOR)


def write_componentlist(path: str, sources: Sequence[Source]) -> None:
    """Write the sources as a CASA component list (flat spectra, referenced at 230 GHz)."""
    import casatools

    cl = casatools.componentlist()
    for source in sources:
        shape: dict[str, Any] = {"shape": "point"}
        if not source.is_point:
            shape = {
                "shape": "Gaussian",
                "majoraxis": f"{source.major_arcsec}arcsec",
                "minoraxis": f"{source.minor_arcsec}arcsec",
                "positionangle": f"{source.pa_deg}deg",
            }
        cl.addcomponent(
            flux=source.flux_jy, fluxunit="Jy", dir=f"ICRS {source.ra} {source.dec}", freq="230GHz", **shape
        )
    cl.rename(path)
    cl.close()


def _predict(eb: ExecutionBlock, field_ids: Sequence[int], complist: str) -> None:
    import casatools

    sm = casatools.simulator()
    sm.openfromms(eb.ms)
    # The default ALMA 12 m voltage pattern puts the primary beam into the model.
    sm.setvp(dovp=True, usedefaultvp=True)
    sm.setdata(spwid=[spw.spw_id for spw in eb.spws], fieldid=list(field_ids))
    sm.predict(complist=complist)
    sm.close()


def _read_data(eb: ExecutionBlock, field_ids: Sequence[int]) -> dict[int, np.ndarray]:
    import casatools

    tb = casatools.table()
    tb.open(eb.ms)
    data = {}
    for spw in eb.spws:
        sub = tb.query(f"FIELD_ID IN {list(field_ids)} && DATA_DESC_ID=={spw.spw_id}")
        data[spw.spw_id] = sub.getcol("DATA")
        sub.close()
    tb.close()
    return data


def line_source(scenario: Scenario) -> Source:
    """The source that emits the spectral line."""
    return next(source for source in scenario.sources if source.name == scenario.line.source)


def predict_sky(eb: ExecutionBlock, scenario: Scenario, scratch: Path) -> dict[int, np.ndarray]:
    """Fill DATA with the true sky; return the line source's 1 Jy point response.

    The simulator ignores tabular spectra, so the spectral line is added later
    from this unit response (its primary-beam gain and position phase).
    """
    emitter = line_source(scenario)
    unit = str(scratch / "unit.cl")
    calibrator = str(scratch / "calibrator.cl")
    target = str(scratch / "target.cl")
    write_componentlist(unit, [Source(emitter.name, emitter.ra, emitter.dec, 1.0)])
    write_componentlist(calibrator, [Source(CALIBRATOR, *CALIBRATOR_DIRECTION, CALIBRATOR_FLUX_JY)])
    write_componentlist(target, scenario.sources)
    targets = target_field_ids(scenario)
    _predict(eb, targets, unit)
    response = _read_data(eb, targets)
    _predict(eb, [CALIBRATOR_ID], calibrator)
    _predict(eb, targets, target)
    return response


def frame_epoch(eb: ExecutionBlock, scenario: Scenario) -> float:
    """MJD (UTC) of the middle of an EB's target observation.

    The frame the pipeline would use to turn cont.dat's LSRK ranges into that
    EB's TOPO selections.
    """
    import casatools

    qa = casatools.quanta()
    targets = [(start + stop) / 2 for field, start, stop in scan_plan(scenario) if field != CALIBRATOR]
    return float(qa.quantity(eb.start_utc)["value"] + float(np.mean(targets)) / 86400.0)


def convert_frequencies(values_hz: Sequence[float], source: str, dest: str, mjd: float) -> list[float]:
    """Convert frequencies between frames (e.g. LSRK to TOPO) for the target at an epoch (MJD)."""
    import casatools

    me = casatools.measures()
    me.doframe(me.epoch("UTC", f"{mjd!r}d"))
    me.doframe(me.observatory("ALMA"))
    me.doframe(me.direction("ICRS", *TARGET_DIRECTION))
    converted = [me.measure(me.frequency(source, f"{float(value)!r}Hz"), dest)["m0"]["value"] for value in values_hz]
    me.done()
    return converted


def line_topo_hz(eb: ExecutionBlock, scenario: Scenario) -> float:
    """The line centre in an EB's TOPO frame."""
    return convert_frequencies([scenario.line.center_lsrk_hz], "LSRK", "TOPO", frame_epoch(eb, scenario))[0]


def line_profile(spw: SpectralWindow, line: Line, center_topo_hz: float) -> np.ndarray:
    """Mean line flux over each channel of ``spw`` (Gaussian line centred at ``center_topo_hz``)."""
    lo = spw.channel_centers() - spw.width_hz / 2 - center_topo_hz
    hi = lo + spw.width_hz
    scale = math.sqrt(2.0) * line.sigma_hz
    area = np.array([math.erf(h / scale) - math.erf(low / scale) for low, h in zip(lo, hi)])
    return line.peak_jy * line.sigma_hz * math.sqrt(math.pi / 2.0) * area / spw.width_hz


def phase_screens(n_times: int, rng: np.random.Generator, errors: PhaseErrors) -> np.ndarray:
    """Antenna phases (rad, at 230 GHz) per time step: slow drift plus minutes-scale wander."""
    t = np.arange(n_times) * INTEGRATION_S
    periods = rng.uniform(1800.0, 3600.0, N_ANTENNAS)
    offsets = rng.uniform(0.0, 2 * np.pi, N_ANTENNAS)
    slow = errors.drift_deg * np.sin(2 * np.pi * t[None, :] / periods[:, None] + offsets[:, None])
    width = errors.timescale_s / INTEGRATION_S
    half = int(4 * width)
    kernel = np.exp(-0.5 * (np.arange(-half, half + 1) / width) ** 2)
    white = rng.normal(size=(N_ANTENNAS, n_times + 2 * half))
    fast = np.array([np.convolve(row, kernel, mode="valid") for row in white])
    fast *= errors.rms_deg / fast.std(axis=1, keepdims=True)
    return np.deg2rad(slow + fast)


def corrupt(eb: ExecutionBlock, scenario: Scenario, response: dict[int, np.ndarray], seed: int) -> None:
    """Add the line, antenna phase errors and thermal noise; set matching weights."""
    import casatools

    rng = np.random.default_rng(seed)
    center_topo_hz = line_topo_hz(eb, scenario)
    tb = casatools.table()
    tb.open(eb.ms, nomodify=False)
    times = np.unique(tb.getcol("TIME"))
    steps = np.round((times - times[0]) / INTEGRATION_S).astype(int)
    screens = phase_screens(int(steps[-1]) + 1, rng, scenario.phase)
    for spw in eb.spws:
        sub = tb.query(f"DATA_DESC_ID=={spw.spw_id}")
        data = sub.getcol("DATA")
        step = steps[np.searchsorted(times, sub.getcol("TIME"))]
        is_target = sub.getcol("FIELD_ID") != CALIBRATOR_ID
        line = line_profile(spw, scenario.line, center_topo_hz)
        data[:, :, is_target] += line[None, :, None] * response[spw.spw_id]
        # Tropospheric phase scales with frequency.
        scale = spw.channel_centers().mean() / 230.0e9
        phase = scale * (screens[sub.getcol("ANTENNA1"), step] - screens[sub.getcol("ANTENNA2"), step])
        data *= np.exp(1j * phase)[None, None, :]
        data += spw.noise_jy * (rng.normal(size=data.shape) + 1j * rng.normal(size=data.shape))
        sub.putcol("DATA", data)
        # CASA's convention: SIGMA is the noise of one channel, WEIGHT = SIGMA**-2.
        nrow = data.shape[2]
        sub.putcol("SIGMA", np.full((2, nrow), spw.noise_jy))
        sub.putcol("WEIGHT", np.full((2, nrow), spw.noise_jy**-2))
        sub.close()
    # An uncalibrated EB carries no model or corrected data of its own.
    tb.removecols(["MODEL_DATA", "CORRECTED_DATA"])
    tb.close()


def simulate_eb(eb: ExecutionBlock, scenario: Scenario, seed: int) -> None:
    """Make the raw (uncalibrated) EB measurement set in the current directory."""
    observe(eb, scenario)
    renumber_scans(eb)
    with tempfile.TemporaryDirectory(prefix="simsky-") as scratch:
        response = predict_sky(eb, scenario, Path(scratch))
    corrupt(eb, scenario, response, seed)


def rank_refants() -> tuple[str, ...]:
    """Antennas by distance from the array centre, as hif_refant's geometry score."""
    xyzd, _ = read_antennas()
    centre = np.median(xyzd[:, :2], axis=0)
    distance = np.hypot(*(xyzd[:, :2] - centre).T)
    names = antenna_names()
    return tuple(names[i] for i in sorted(range(N_ANTENNAS), key=lambda i: (distance[i], names[i])))


def spw_list(ids: Sequence[int], sep: str) -> str:
    """Spw ids joined for a selection (``,``) or an image name (``_``)."""
    return sep.join(str(i) for i in ids)


def calibrate(log: CommandLog, ebs: Sequence[ExecutionBlock], refants: Sequence[str]) -> None:
    """Solve phases per calibrator scan and apply them, as hifa_timegaincal/hif_applycal."""
    log.stage(
        "hif_refant()",
        "Antennas are ranked by their distance from the array centre; the ranking is "
        "the reference antenna list of the later stages. No CASA command runs here.",
    )
    log.stage("hifa_timegaincal()", "Phase solutions are derived per scan of the phase calibrator.")
    caltables = {eb.name: f"{eb.ms}.hifa_timegaincal.s14_1.spw{spw_list(eb.science_spws, '_')}.solintinf.gpcal.tbl"
                 for eb in ebs}
    for eb in ebs:
        run_task(
            log, "gaincal", vis=eb.ms, caltable=caltables[eb.name], field=CALIBRATOR,
            spw=spw_list(eb.science_spws, ","), intent=CALIBRATOR_INTENT, solint="inf", refant=",".join(refants),
            refantmode="strict", minblperant=4, minsnr=3.0, solnorm=False, gaintype="G", calmode="p",
        )
    log.stage("hif_applycal()", "The calibration tables are applied to the data.")
    for eb in ebs:
        for field, intent in ((CALIBRATOR, CALIBRATOR_INTENT), (TARGET, TARGET_INTENT)):
            run_task(
                log, "applycal", vis=eb.ms, field=field, spw=spw_list(eb.science_spws, ","), intent=intent,
                gaintable=[caltables[eb.name]], gainfield=[CALIBRATOR], interp=["linear"], calwt=[False],
                applymode="calflagstrict", flagbackup=False,
            )


def _check_spws_kept(ms: str, field_id: int, expected: tuple[int, ...]) -> None:
    # The pipeline's products select the EB's own spw ids in these MSs.
    import casatools

    msmd = casatools.msmetadata()
    msmd.open(ms)
    kept = tuple(int(i) for i in msmd.spwsforfield(field_id))
    msmd.close()
    if kept != expected:
        raise RuntimeError(f"{ms} holds spws {kept}, expected {expected}")


def split_targets(log: CommandLog, scenario: Scenario) -> None:
    """Split the calibrated science target out, keeping spw and field ids (hif_mstransform)."""
    log.stage("hif_mstransform()", "The calibrated science target data are split into a new measurement set.")
    for eb in scenario.ebs:
        run_task(
            log, "mstransform", vis=eb.ms, outputvis=eb.targets_ms, field=TARGET,
            spw=spw_list(eb.science_spws, ","), intent=TARGET_INTENT, datacolumn="corrected", reindex=False,
        )
        _check_spws_kept(eb.targets_ms, target_field_ids(scenario)[-1], eb.science_spws)


def khz(value_hz: float) -> float:
    """Round to 1 kHz so that the log does not depend on the last bits of a frame conversion."""
    return round(value_hz / 1.0e3) * 1.0e3


def continuum_ranges(scenario: Scenario) -> dict[int, list[tuple[float, float]]]:
    """Line-free LSRK ranges per science spw (first EB's ids), as hif_findcont would report them.

    Runs of the first EB's line-free channels become one range each, reaching
    a quarter channel into the outer channels so either selection rule
    (channel centre inside, or overlap) picks the same channels; the
    Doppler shift between EBs stays far below that margin.
    """
    first = scenario.ebs[0]
    mjd = frame_epoch(first, scenario)
    center_topo_hz = line_topo_hz(first, scenario)
    ranges: dict[int, list[tuple[float, float]]] = {}
    for spw in first.science():
        free = line_profile(spw, scenario.line, center_topo_hz) < LINE_FREE_LIMIT_JY
        centres = spw.channel_centers()
        runs = []
        for is_free, group in itertools.groupby(range(spw.nchan), key=lambda chan: bool(free[chan])):
            chans = list(group)
            if is_free:
                quarter = spw.width_hz / 4
                runs.append((float(centres[chans[0]]) - quarter, float(centres[chans[-1]]) + quarter))
        edges = convert_frequencies([edge for run in runs for edge in run], "TOPO", "LSRK", mjd)
        ranges[spw.spw_id] = [(khz(edges[i]), khz(edges[i + 1])) for i in range(0, len(edges), 2)]
    return ranges


def ghz(value_hz: float) -> str:
    """A frequency in GHz as logged, to the kHz."""
    return repr(round(value_hz / 1.0e3) / 1.0e6)


def format_contfile(ranges: dict[int, list[tuple[float, float]]]) -> str:
    """cont.dat version 2 text for the target."""
    lines = [f"Field: {TARGET}", ""]
    for spw_id, spw_ranges in ranges.items():
        lines.append(f"SpectralWindow: {spw_id}")
        lines += [f"{ghz(lo)}~{ghz(hi)}GHz LSRK" for lo, hi in spw_ranges]
        lines.append("")
    return "\n".join(lines) + "\n"


def topo_selection(spw_id: int, lsrk_ranges: Sequence[tuple[float, float]], mjd: float) -> str:
    """The tclean spw selection of one spw: cont.dat ranges turned to TOPO at an EB's epoch."""
    edges = convert_frequencies([edge for pair in lsrk_ranges for edge in pair], "LSRK", "TOPO", mjd)
    parts = [f"{ghz(edges[i])}~{ghz(edges[i + 1])}GHz" for i in range(0, len(edges), 2)]
    return f"{spw_id}:{';'.join(parts)}"


def continuum_selections(scenario: Scenario, ranges: dict[int, list[tuple[float, float]]]) -> list[dict[int, str]]:
    """Per EB, the TOPO selection of each of its science spws (by its own id)."""
    selections = []
    for eb in scenario.ebs:
        mjd = frame_epoch(eb, scenario)
        selections.append({
            spw.spw_id: topo_selection(spw.spw_id, spw_ranges, mjd)
            for spw, spw_ranges in zip(eb.science(), ranges.values())
        })
    return selections


def channel_runs(selected: np.ndarray) -> str:
    """Runs of selected channels as a CASA channel selection (``0~20;44~63``)."""
    runs = []
    for is_selected, group in itertools.groupby(range(len(selected)), key=lambda chan: bool(selected[chan])):
        chans = list(group)
        if is_selected:
            runs.append(f"{chans[0]}~{chans[-1]}")
    return ";".join(runs)


def fit_channels(
    eb: ExecutionBlock, spw: SpectralWindow, lsrk_ranges: Sequence[tuple[float, float]], scenario: Scenario
) -> str:
    """The channels of one EB's spw whose centres fall in the cont.dat ranges, checked line free."""
    edges = convert_frequencies([edge for pair in lsrk_ranges for edge in pair], "LSRK", "TOPO",
                                frame_epoch(eb, scenario))
    centres = spw.channel_centers()
    selected = np.zeros(spw.nchan, dtype=bool)
    for i in range(0, len(edges), 2):
        selected |= (centres >= edges[i]) & (centres <= edges[i + 1])
    line = line_profile(spw, scenario.line, line_topo_hz(eb, scenario))
    if not selected.any() or (line[selected] >= LINE_FREE_LIMIT_JY).any():
        raise RuntimeError(f"{eb.name} spw {spw.spw_id}: the cont.dat ranges do not select line-free channels")
    return channel_runs(selected)


def subtract_continuum(log: CommandLog, scenario: Scenario, ranges: dict[int, list[tuple[float, float]]]) -> None:
    """Fit and subtract the continuum of each EB's target data (hif_uvcontsub, CASA 6.5+ uvcontsub).

    The pipeline logs ``fitspec`` as a dict keyed by field id (one entry per
    pointing), then by spw id (a string), with each spw's cont.dat ranges in
    channels of that EB.
    """
    log.stage("hif_uvcontsub()", "The continuum is fitted and subtracted in the uv domain.")
    for eb in scenario.ebs:
        per_spw = {
            str(spw.spw_id): {"chan": fit_channels(eb, spw, spw_ranges, scenario), "fitorder": FIT_ORDER}
            for spw, spw_ranges in zip(eb.science(), ranges.values())
        }
        fitspec = {field_id: per_spw for field_id in target_field_ids(scenario)}
        run_task(
            log, "uvcontsub", vis=eb.targets_ms, outputvis=eb.line_ms, field=TARGET, intent=TARGET_INTENT,
            datacolumn="data", fitspec=fitspec,
        )
        _check_spws_kept(eb.line_ms, target_field_ids(scenario)[-1], eb.science_spws)


def sensitivity_jy(product: Product, phasecenter: str, scenario: Scenario) -> float:
    """The theoretical point-source sensitivity of an mfs image of the product's selection."""
    import casatools

    # An imager opened on one MS ignores others: several are only taken by selectvis.
    im = casatools.imager()
    for vis, spw in zip(product.vis, product.spw):
        im.selectvis(vis=vis, field=product.field, spw=spw, intent=product.intent)
    im.defineimage(
        nx=scenario.imsize[0], ny=scenario.imsize[1], cellx=scenario.cell, celly=scenario.cell, stokes="I",
        phasecenter=phasecenter, mode="mfs",
    )
    im.weight(type="briggs", rmode="norm", robust=0.5)
    sensitivity = float(im.apparentsens()[1])
    im.close()
    return sensitivity


def iter1_threshold(product: Product, phasecenter: str, scenario: Scenario, nchan: int) -> str:
    """Twice the theoretical sensitivity of one image plane, as the iter1 threshold.

    A cube plane has the sensitivity of the whole spw's mfs image times
    sqrt(``nchan``), the channels the spw has.
    """
    return f"{2.0e3 * sensitivity_jy(product, phasecenter, scenario) * math.sqrt(nchan):.3g}mJy"


def image_product(
    log: CommandLog, product: Product, phasecenter: str, scenario: Scenario, spectral: dict[str, Any], planes: int = 1
) -> None:
    """Run one product: iter0 dirty image, copy to iter1 names, iter1 clean.

    ``spectral`` holds the tclean specmode, nchan and, for cubes, start and
    width; a cube's threshold is that of one of the ``planes`` channels of its spw.
    """
    mosaic = product.field == TARGET and is_mosaic(scenario)
    common: dict[str, Any] = {
        "vis": list(product.vis),
        "field": product.field,
        "spw": list(product.spw),
        "intent": product.intent,
        "datacolumn": product.datacolumn,
        "imsize": list(scenario.imsize),
        "cell": [scenario.cell],
        "phasecenter": phasecenter,
        "stokes": "I",
        "outframe": "LSRK",
        "perchanweightdensity": True,
        **spectral,
        "gridder": "mosaic" if mosaic else "standard",
        "mosweight": mosaic,
        "usepointing": False,
        "pblimit": 0.2,
        "deconvolver": "hogbom",
        "restoringbeam": "common",
        "weighting": "briggs",
        "robust": 0.5,
        "npixels": 0,
        "interactive": False,
        "fullsummary": False,
        "usemask": "auto-multithresh",
        **AUTOMASK,
        "savemodel": "none",
        "parallel": False,
    }
    if product.field == TARGET:
        common["scan"] = [target_scans(scenario)] * len(product.vis)
    run_task(
        log, "tclean", imagename=product.iter0, restoration=False, pbcor=False, niter=0, threshold="0.0mJy", **common
    )
    for src in sorted(path.name for path in Path.cwd().glob(f"{product.iter0}.*")):
        copy_image(log, src, product.iter1 + src[len(product.iter0):])
    run_task(
        log, "tclean", imagename=product.iter1, restoration=True, pbcor=True, niter=scenario.iter1_niter,
        threshold=iter1_threshold(product, phasecenter, scenario, planes), restart=True, calcres=False,
        calcpsf=False, **common,
    )


def product_name(stage: int, sub: int, field: str, spws: Sequence[int], specmode: str) -> str:
    """An image name stem by the pipeline's rule."""
    suffix = "sci" if field == TARGET else "ph"
    return f"{MOUS}.s{stage}_{sub}.{field}_{suffix}.spw{spw_list(spws, '_')}.{specmode}.I"


def image_calibrator(log: CommandLog, scenario: Scenario) -> list[Product]:
    """Per-spw images of the phase calibrator from the calibrated EBs."""
    log.stage("hif_makeimlist(intent='PHASE')", "A list of calibrator images to make is assembled.")
    log.stage("hif_makeimages()", "The calibrator images are made and cleaned.")
    products = []
    for sub, spw_id in enumerate(scenario.ebs[0].science_spws):
        product = Product(
            product_name(19, sub, CALIBRATOR, [spw_id], "mfs"), CALIBRATOR, CALIBRATOR_INTENT,
            tuple(eb.ms for eb in scenario.ebs), tuple(str(eb.science_spws[sub]) for eb in scenario.ebs),
            "corrected", (spw_id,), "mfs",
        )
        image_product(log, product, CALIBRATOR_PHASECENTER, scenario, MFS)
        products.append(product)
    return products


def _target_product(name: str, vis: Sequence[str], spw: Sequence[str], spws: Sequence[int], specmode: str) -> Product:
    return Product(name, TARGET, TARGET_INTENT, tuple(vis), tuple(spw), "data", tuple(spws), specmode)


def image_target(log: CommandLog, scenario: Scenario, ranges: dict[int, list[tuple[float, float]]]) -> list[Product]:
    """Per-spw mfs images and the aggregate continuum image of the target, on the cont.dat ranges."""
    selections = continuum_selections(scenario, ranges)
    vis = [eb.targets_ms for eb in scenario.ebs]
    first = scenario.ebs[0]
    log.stage("hif_makeimlist(specmode='mfs')", "A list of target sources to image is assembled.")
    log.stage("hif_makeimages()", "The target images are made and cleaned.")
    products = []
    for sub, spw_id in enumerate(first.science_spws):
        spw = [by_id[eb.science_spws[sub]] for eb, by_id in zip(scenario.ebs, selections)]
        product = _target_product(product_name(25, sub, TARGET, [spw_id], "mfs"), vis, spw, [spw_id], "mfs")
        image_product(log, product, PHASECENTER, scenario, MFS)
        products.append(product)
    log.stage("hif_makeimlist(specmode='cont')", "A list of target sources to image is assembled.")
    log.stage("hif_makeimages()", "The target images are made and cleaned.")
    spw = [",".join(by_id[spw_id] for spw_id in eb.science_spws) for eb, by_id in zip(scenario.ebs, selections)]
    name = product_name(27, 0, TARGET, first.science_spws, "cont")
    product = _target_product(name, vis, spw, first.science_spws, "cont")
    image_product(log, product, PHASECENTER, scenario, MFS)
    return [*products, product]


def cube_grid(scenario: Scenario, index: int) -> dict[str, Any]:
    """The LSRK channel grid of the cube of the ``index``-th science spw.

    The first EB's channels less one at each edge, so that every EB, Doppler
    shifted by far less than a channel, covers it.  The width is the largest
    of the EBs' LSRK channel widths, rounded up: tclean refuses a cube channel
    narrower than the data's (a TOPO width is a little narrower in LSRK).
    """
    first = scenario.ebs[0].science()[index]
    lsrk = convert_frequencies(first.channel_centers().tolist(), "TOPO", "LSRK", frame_epoch(scenario.ebs[0], scenario))
    widths = []
    for eb in scenario.ebs:
        spw = eb.science()[index]
        edges = convert_frequencies([spw.first_channel_hz, spw.first_channel_hz + spw.width_hz], "TOPO", "LSRK",
                                    frame_epoch(eb, scenario))
        widths.append(edges[1] - edges[0])
    width_hz = math.ceil(max(widths) * 1.0e4) / 1.0e4
    start, nchan = lsrk[1], first.nchan - 2
    low, high = start - width_hz / 2, start + (nchan - 0.5) * width_hz
    for eb in scenario.ebs:
        spw = eb.science()[index]
        bounds = spw.channel_centers()[[0, -1]] + np.array([-0.5, 0.5]) * spw.width_hz
        covered = convert_frequencies(bounds.tolist(), "TOPO", "LSRK", frame_epoch(eb, scenario))
        if covered[0] > low or covered[1] < high:
            raise RuntimeError(f"{eb.name} spw {spw.spw_id} does not cover the cube grid of spw {first.spw_id}")
    return {
        "specmode": "cube",
        "nchan": nchan,
        "start": f"{ghz(start)}GHz",
        "width": f"{width_hz / 1.0e6:.10f}".rstrip("0") + "MHz",
        # CASA 6.7's Briggs cube weighting per channel looks a later MS's spw id
        # up in the first MS's SPECTRAL_WINDOW table: with EBs whose ids differ
        # it fails ("row number 7 exceeds #rows 5"), so these cubes weight
        # the channels together.
        "perchanweightdensity": len({eb.science_spws for eb in scenario.ebs}) == 1,
    }


def image_cubes(log: CommandLog, scenario: Scenario) -> list[Product]:
    """A cube of each science spw from the continuum-subtracted data."""
    log.stage("hif_makeimlist(specmode='cube')", "A list of target sources to image is assembled.")
    log.stage("hif_makeimages()", "The target images are made and cleaned.")
    vis = [eb.line_ms for eb in scenario.ebs]
    products = []
    for sub, spw_id in enumerate(scenario.ebs[0].science_spws):
        spw = [str(eb.science_spws[sub]) for eb in scenario.ebs]
        name = product_name(29, sub, TARGET, [spw_id], "cube")
        product = _target_product(name, vis, spw, [spw_id], "cube")
        planes = scenario.ebs[0].science()[sub].nchan
        image_product(log, product, PHASECENTER, scenario, cube_grid(scenario, sub), planes)
        products.append(product)
    return products


def build_delivery(outdir: Path, scenario: Scenario = DEFAULT) -> Delivery:
    """Simulate, calibrate, split and image a scenario's EBs into a delivery layout.

    Parameters
    ----------
    outdir : Path
        The delivery root. Its ``calibrated/working`` directory, cont.dat and
        commands log must not exist yet (CASA refuses to overwrite outputs).
    scenario : Scenario, optional
        What to simulate; one of :data:`SCENARIOS` or a variant of one
        (``dataclasses.replace(SELFCAL, imsize=(256, 256))``).

    Returns
    -------
    Delivery
        Paths and facts of what was built.
    """
    root = outdir.resolve()
    working = root / "calibrated" / "working"
    contfile = root / "calibration" / f"{MOUS}.cont.dat"
    logfile = root / "log" / f"{MOUS}.casa_commands.log"
    for path in (working, contfile, logfile):
        if path.exists():
            raise FileExistsError(f"{path} exists: build the delivery into a new directory")
    working.mkdir(parents=True)
    log = CommandLog(prologue(len(scenario.ebs)))
    refants = rank_refants()
    ranges = continuum_ranges(scenario)
    with working_directory(working):
        for index, eb in enumerate(scenario.ebs):
            simulate_eb(eb, scenario, SEED + index)
        calibrate(log, scenario.ebs, refants)
        products = image_calibrator(log, scenario) if scenario.calibrator_images else []
        split_targets(log, scenario)
        if scenario.line_products:
            subtract_continuum(log, scenario, ranges)
        products += image_target(log, scenario, ranges)
        if scenario.line_products:
            products += image_cubes(log, scenario)
    contfile.parent.mkdir(parents=True, exist_ok=True)
    contfile.write_text(format_contfile(ranges))
    log.write(logfile)
    return Delivery(
        root=root, working=working, log=logfile, contfile=contfile, mous=MOUS, field=TARGET, refants=refants,
        phasecenter=PHASECENTER, products=tuple(products), sources=scenario.sources, line=scenario.line,
        ebs=scenario.ebs, scenario=scenario,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``simulate_delivery.py OUTDIR [--scenario NAME]``."""
    parser = argparse.ArgumentParser(description="Build a simulated ALMA delivery with CASA.")
    parser.add_argument("outdir", type=Path, help="delivery root to create (a new folder)")
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), default=DEFAULT.name, help="what to simulate")
    args = parser.parse_args(argv)
    outdir = args.outdir.resolve()
    if outdir.exists() and any(outdir.iterdir()):
        print(f"{outdir}: exists and is not empty; name a new folder to build the delivery in", file=sys.stderr)
        return 1
    # CASA's OpenMP threads only wait for each other on a shared two-core machine.
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    if "CASASITECONFIG" not in os.environ:
        # casaconfig reads its site file once, when casatools is imported.
        from casalog.commands.casa_config import write_site_config
        from casalog.errors import CasaLogError

        try:
            site = write_site_config(outdir / "log" / "casasiteconfig.py", outdir / "log" / "casa-simulate.log")
        except CasaLogError as err:
            print(f"{err}", file=sys.stderr)
            return 1
        os.environ["CASASITECONFIG"] = str(site)
    start = time.monotonic()
    try:
        delivery = build_delivery(outdir, SCENARIOS[args.scenario])
    except ImportError as exc:
        print(f"{exc}: {CASA_DATA_HINT}", file=sys.stderr)
        return 1
    print(f"built {delivery.root} in {time.monotonic() - start:.1f} s")
    for product in delivery.products:
        print(f"  {product.iter1}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
