"""Build a small simulated ALMA delivery with real (modular) CASA 6.

Run it as ``python3 samples/simulate_delivery.py OUTDIR`` or import it and
call :func:`build_delivery`.  It simulates one Band 6 execution block of a
point-source field with the CASA simulator, corrupts it with thermal noise and
antenna-based phase errors, calibrates it on a phase calibrator, splits out the
science target and images it with the tclean sequence of a Cycle 10 pipeline.
Every CASA command of those pipeline steps is written to a
``casa_commands.log`` in the pipeline's own format, from the very arguments
that were passed to the task, so the log is the record of what ran.

The layout follows a delivery::

    OUTDIR/calibrated/working/   the measurement sets and images
    OUTDIR/calibration/<MOUS>.cont.dat
    OUTDIR/log/<MOUS>.casa_commands.log

The log and cont.dat are deterministic: ``samples/sim/`` keeps a copy of both.
"""
from __future__ import annotations

import argparse
import contextlib
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
EB = "uid___A002_Xsim01_X1"
EB_MS = f"{EB}.ms"
TARGETS_MS = f"{EB}_targets.ms"
TARGET = "SimSource"
CALIBRATOR = "J1200-3600"
TARGET_INTENT = "OBSERVE_TARGET#ON_SOURCE"
CALIBRATOR_INTENT = "CALIBRATE_PHASE#ON_SOURCE"
PHASECENTER = "ICRS 12:00:00.0000 -035.00.00.000"
CALIBRATOR_PHASECENTER = "ICRS 12:00:00.0000 -036.00.00.000"
TARGET_DIRECTION = ("12h00m00s", "-35d00m00s")
CALIBRATOR_DIRECTION = ("12h00m00s", "-36d00m00s")
# Field ids follow the order of the simulator's setfield calls.
CALIBRATOR_ID = 0
TARGET_ID = 1
ANTENNA_CONFIG = "alma.cycle4.2.cfg"
N_ANTENNAS = 16
# Absolute UTC start near transit of RA 12h at ALMA, so elevations are high.
START_UTC = "2023/05/01/01:45:00"
INTEGRATION_S = 10.0
CALIBRATOR_SCAN_S = 30.0
TARGET_SCAN_S = 360.0
N_TARGET_SCANS = 4
SEED = 20230501
# Thermal noise of one real or imaginary part for a 62.5 MHz, 10 s visibility
# with Tsys ~100 K on 12 m dishes.
NOISE_JY_REF = 0.1
NOISE_REF_WIDTH_HZ = 62.5e6
PHASE_RMS_DEG = 25.0
PHASE_TIMESCALE_S = 90.0
PHASE_DRIFT_DEG = 60.0
CALIBRATOR_FLUX_JY = 1.0
LINE_CENTER_LSRK_HZ = 230.530e9
LINE_SIGMA_HZ = 20.0e6
LINE_PEAK_JY = 0.12
# A channel whose mean line flux stays below this counts as line free.
LINE_FREE_LIMIT_JY = 1.0e-5
IMSIZE = [128, 128]
CELL = ["0.3arcsec"]
ITER1_NITER = 2000
CASA_DATA_HINT = "install casatools, casatasks and casadata (pip install casatools casatasks casadata)"


@dataclass(frozen=True)
class PointSource:
    """A point source of the simulated sky.

    Attributes
    ----------
    name : str
        A label for tests and reports.
    ra, dec : str
        ICRS position as CASA angle strings (``12h00m00.040s``, ``-35d00m00.80s``).
    flux_jy : float
        Continuum flux density (not attenuated by the primary beam).
    """

    name: str
    ra: str
    dec: str
    flux_jy: float


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
class Product:
    """One imaged product: how it was imaged and its iter0/iter1 image names.

    Attributes
    ----------
    name : str
        The image name without its ``.iter<N>`` suffix.
    field, intent : str
        The field imaged and its full intent (``OBSERVE_TARGET#ON_SOURCE``).
    vis, datacolumn : str
        The measurement set imaged and its column.
    spws : tuple of int
        The spectral windows in the product.
    specmode : str
        The specmode part of the name (``mfs`` or ``cont``).
    """

    name: str
    field: str
    intent: str
    vis: str
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
    eb_ms, targets_ms : str
        Names (in ``working``) of the calibrated EB and the science-target MS.
    field : str
        The science target name.
    science_spws : tuple of int
        Spectral window ids of the science spws (kept, not re-indexed).
    refants : tuple of str
        The reference antenna ranking passed to gaincal.
    phasecenter : str
        The imaging phase centre as logged.
    products : tuple of Product
        The imaged products, in log order.
    sources : tuple of PointSource
        The simulated sky, brightest first.
    """

    root: Path
    working: Path
    log: Path
    contfile: Path
    mous: str
    eb_ms: str
    targets_ms: str
    field: str
    science_spws: tuple[int, ...]
    refants: tuple[str, ...]
    phasecenter: str
    products: tuple[Product, ...]
    sources: tuple[PointSource, ...]


SPWS = (
    SpectralWindow(0, "WVR#NOMINAL", 183.55e9, 1.5e9, 4, science=False),
    SpectralWindow(1, "X0000000000#ALMA_RB_06#BB_1#SW-01#FULL_RES", 230.28125e9, 62.5e6, 8, science=True),
    SpectralWindow(2, "X0000000000#ALMA_RB_06#BB_1#SW-01#CH_AVG", 230.5e9, 500.0e6, 1, science=False),
    SpectralWindow(3, "X0000000000#ALMA_RB_06#BB_2#SW-01#FULL_RES", 232.28125e9, 62.5e6, 8, science=True),
    SpectralWindow(4, "X0000000000#ALMA_RB_06#BB_2#SW-01#CH_AVG", 232.5e9, 500.0e6, 1, science=False),
)
SOURCES = (
    PointSource("bright", "12h00m00.040s", "-35d00m00.80s", 0.080),
    PointSource("faint", "12h00m00.500s", "-34d59m57.00s", 0.010),
)
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
PROLOGUE = (
    "This file lists the CASA commands run by samples/simulate_delivery.py, a "
    "simulation of the ALMA pipeline's calibration, split and imaging steps. It "
    "cannot be executed. The measurement set was made with the CASA simulator, "
    "whose tool calls are not listed here."
)


def write_casa_site_config(path: Path, logfile: Path | None = None) -> Path:
    """Write a casaconfig site file that runs CASA offline on casadata.

    Parameters
    ----------
    path : Path
        File to write; ``CASASITECONFIG`` must name it (absolute) before
        ``casatools`` is imported.
    logfile : Path, optional
        Where CASA writes its log; by default ``casa-<time>.log`` in the
        current directory.

    Returns
    -------
    Path
        ``path``, resolved.
    """
    import casadata

    lines = [
        f"measurespath = {casadata.datapath!r}",
        "measures_auto_update = False",
        "data_auto_update = False",
    ]
    if logfile is not None:
        lines.append(f"logfile = {str(logfile)!r}")
    path = path.resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written aside and renamed: a concurrent session may be reading the file.
    partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    partial.write_text("\n".join(lines) + "\n")
    os.replace(partial, path)
    return path


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


def scan_plan() -> list[tuple[str, float, float]]:
    """(field, start, stop) in seconds after START_UTC, calibrator first and last."""
    plan = []
    t = 0.0
    for _ in range(N_TARGET_SCANS):
        plan.append((CALIBRATOR, t, t + CALIBRATOR_SCAN_S))
        t += CALIBRATOR_SCAN_S
        plan.append((TARGET, t, t + TARGET_SCAN_S))
        t += TARGET_SCAN_S
    plan.append((CALIBRATOR, t, t + CALIBRATOR_SCAN_S))
    return plan


def observe(ms: str) -> None:
    """Create the EB measurement set with the CASA simulator (no sky yet)."""
    import casatools

    sm = casatools.simulator()
    me = casatools.measures()
    xyzd, pads = read_antennas()
    sm.open(ms)
    sm.setconfig(
        telescopename="ALMA", x=list(xyzd[:, 0]), y=list(xyzd[:, 1]), z=list(xyzd[:, 2]),
        dishdiameter=list(xyzd[:, 3]), mount=["alt-az"], antname=antenna_names(), padname=pads,
        coordsystem="local", referencelocation=me.observatory("ALMA"),
    )
    for spw in SPWS:
        sm.setspwindow(
            spwname=spw.name, freq=f"{spw.first_channel_hz}Hz", deltafreq=f"{spw.width_hz}Hz",
            freqresolution=f"{spw.width_hz}Hz", nchannels=spw.nchan, stokes="XX YY",
        )
    sm.setfeed(mode="perfect X Y", pol=[""])
    sm.setfield(sourcename=CALIBRATOR, sourcedirection=me.direction("ICRS", *CALIBRATOR_DIRECTION))
    sm.setfield(sourcename=TARGET, sourcedirection=me.direction("ICRS", *TARGET_DIRECTION))
    sm.setlimits(shadowlimit=0.001, elevationlimit="8deg")
    sm.setauto(autocorrwt=0.0)
    sm.settimes(integrationtime=f"{INTEGRATION_S}s", usehourangle=False, referencetime=me.epoch("UTC", START_UTC))
    for field, start, stop in scan_plan():
        intent = TARGET_INTENT if field == TARGET else CALIBRATOR_INTENT
        for spw in SPWS:
            sm.observe(
                sourcename=field, spwname=spw.name, starttime=f"{start}s", stoptime=f"{stop}s",
                state_obs_mode=intent, project=MOUS,
            )
    sm.close()
    me.done()


def renumber_scans(ms: str) -> None:
    """Make one scan per plan entry: the simulator opens one per spw."""
    import casatools

    tb = casatools.table()
    tb.open(ms, nomodify=False)
    scans = tb.getcol("SCAN_NUMBER")
    tb.putcol("SCAN_NUMBER", (scans - 1) // len(SPWS) + 1)
    tb.close()


def target_scans() -> str:
    """The target's scan numbers after :func:`renumber_scans`, as tclean takes them."""
    return ",".join(str(i + 1) for i, (field, _, _) in enumerate(scan_plan()) if field == TARGET)


def _componentlist(path: str, sources: Sequence[PointSource]) -> None:
    import casatools

    cl = casatools.componentlist()
    for source in sources:
        cl.addcomponent(
            flux=source.flux_jy, fluxunit="Jy", dir=f"ICRS {source.ra} {source.dec}", shape="point", freq="230GHz"
        )
    cl.rename(path)
    cl.close()


def _predict(ms: str, field_id: int, complist: str) -> None:
    import casatools

    sm = casatools.simulator()
    sm.openfromms(ms)
    # The default ALMA 12 m voltage pattern puts the primary beam into the model.
    sm.setvp(dovp=True, usedefaultvp=True)
    sm.setdata(spwid=[spw.spw_id for spw in SPWS], fieldid=[field_id])
    sm.predict(complist=complist)
    sm.close()


def _read_data(ms: str, field_id: int) -> dict[int, np.ndarray]:
    import casatools

    tb = casatools.table()
    tb.open(ms)
    data = {}
    for spw in SPWS:
        sub = tb.query(f"FIELD_ID=={field_id} && DATA_DESC_ID=={spw.spw_id}")
        data[spw.spw_id] = sub.getcol("DATA")
        sub.close()
    tb.close()
    return data


def predict_sky(ms: str, scratch: Path) -> dict[int, np.ndarray]:
    """Fill DATA with the true sky; return the bright source's 1 Jy response.

    The simulator ignores tabular spectra, so the spectral line is added later
    from this unit response (its primary-beam gain and position phase).
    """
    bright = SOURCES[0]
    unit = str(scratch / "unit.cl")
    calibrator = str(scratch / "calibrator.cl")
    target = str(scratch / "target.cl")
    _componentlist(unit, [PointSource(bright.name, bright.ra, bright.dec, 1.0)])
    _componentlist(calibrator, [PointSource(CALIBRATOR, *CALIBRATOR_DIRECTION, CALIBRATOR_FLUX_JY)])
    _componentlist(target, SOURCES)
    _predict(ms, TARGET_ID, unit)
    response = _read_data(ms, TARGET_ID)
    _predict(ms, CALIBRATOR_ID, calibrator)
    _predict(ms, TARGET_ID, target)
    return response


def _frequency_frame(me: Any, qa: Any) -> None:
    # The middle of the target observation: the frame the pipeline would use
    # to turn cont.dat's LSRK ranges into TOPO selections.
    targets = [(start + stop) / 2 for field, start, stop in scan_plan() if field == TARGET]
    mjd = qa.quantity(START_UTC)["value"] + float(np.mean(targets)) / 86400.0
    me.doframe(me.epoch("UTC", f"{mjd!r}d"))
    me.doframe(me.observatory("ALMA"))
    me.doframe(me.direction("ICRS", *TARGET_DIRECTION))


def convert_frequencies(values_hz: Sequence[float], source: str, dest: str) -> list[float]:
    """Convert frequencies between frames (e.g. LSRK to TOPO) for the target."""
    import casatools

    me = casatools.measures()
    qa = casatools.quanta()
    _frequency_frame(me, qa)
    converted = [me.measure(me.frequency(source, f"{float(value)!r}Hz"), dest)["m0"]["value"] for value in values_hz]
    me.done()
    return converted


def line_profile(spw: SpectralWindow, line_topo_hz: float) -> np.ndarray:
    """Mean line flux over each channel of ``spw`` (Gaussian line)."""
    lo = spw.channel_centers() - spw.width_hz / 2 - line_topo_hz
    hi = lo + spw.width_hz
    scale = math.sqrt(2.0) * LINE_SIGMA_HZ
    area = np.array([math.erf(h / scale) - math.erf(low / scale) for low, h in zip(lo, hi)])
    return LINE_PEAK_JY * LINE_SIGMA_HZ * math.sqrt(math.pi / 2.0) * area / spw.width_hz


def phase_screens(n_times: int, rng: np.random.Generator) -> np.ndarray:
    """Antenna phases (rad, at 230 GHz) per time step: slow drift plus minutes-scale wander."""
    t = np.arange(n_times) * INTEGRATION_S
    periods = rng.uniform(1800.0, 3600.0, N_ANTENNAS)
    offsets = rng.uniform(0.0, 2 * np.pi, N_ANTENNAS)
    slow = PHASE_DRIFT_DEG * np.sin(2 * np.pi * t[None, :] / periods[:, None] + offsets[:, None])
    width = PHASE_TIMESCALE_S / INTEGRATION_S
    half = int(4 * width)
    kernel = np.exp(-0.5 * (np.arange(-half, half + 1) / width) ** 2)
    white = rng.normal(size=(N_ANTENNAS, n_times + 2 * half))
    fast = np.array([np.convolve(row, kernel, mode="valid") for row in white])
    fast *= PHASE_RMS_DEG / fast.std(axis=1, keepdims=True)
    return np.deg2rad(slow + fast)


def corrupt(ms: str, response: dict[int, np.ndarray]) -> None:
    """Add the line, antenna phase errors and thermal noise; set matching weights."""
    import casatools

    rng = np.random.default_rng(SEED)
    line_topo_hz = convert_frequencies([LINE_CENTER_LSRK_HZ], "LSRK", "TOPO")[0]
    tb = casatools.table()
    tb.open(ms, nomodify=False)
    times = np.unique(tb.getcol("TIME"))
    steps = np.round((times - times[0]) / INTEGRATION_S).astype(int)
    screens = phase_screens(int(steps[-1]) + 1, rng)
    for spw in SPWS:
        sub = tb.query(f"DATA_DESC_ID=={spw.spw_id}")
        data = sub.getcol("DATA")
        step = steps[np.searchsorted(times, sub.getcol("TIME"))]
        is_target = sub.getcol("FIELD_ID") == TARGET_ID
        line = line_profile(spw, line_topo_hz)
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


def simulate_eb(ms: str) -> None:
    """Make the raw (uncalibrated) EB measurement set in the current directory."""
    observe(ms)
    renumber_scans(ms)
    with tempfile.TemporaryDirectory(prefix="simsky-") as scratch:
        response = predict_sky(ms, Path(scratch))
    corrupt(ms, response)


def rank_refants() -> tuple[str, ...]:
    """Antennas by distance from the array centre, as hif_refant's geometry score."""
    xyzd, _ = read_antennas()
    centre = np.median(xyzd[:, :2], axis=0)
    distance = np.hypot(*(xyzd[:, :2] - centre).T)
    names = antenna_names()
    return tuple(names[i] for i in sorted(range(N_ANTENNAS), key=lambda i: (distance[i], names[i])))


def science_spw_ids() -> tuple[int, ...]:
    """The spw ids the pipeline calibrates and images."""
    return tuple(spw.spw_id for spw in SPWS if spw.science)


def spw_list(ids: Sequence[int], sep: str) -> str:
    """Spw ids joined for a selection (``,``) or an image name (``_``)."""
    return sep.join(str(i) for i in ids)


def calibrate(log: CommandLog, refants: Sequence[str]) -> None:
    """Solve phases per calibrator scan and apply them, as hifa_timegaincal/hif_applycal."""
    log.stage(
        "hif_refant()",
        "Antennas are ranked by their distance from the array centre; the ranking is "
        "the reference antenna list of the later stages. No CASA command runs here.",
    )
    spws = science_spw_ids()
    caltable = f"{EB_MS}.hifa_timegaincal.s14_1.spw{spw_list(spws, '_')}.solintinf.gpcal.tbl"
    log.stage("hifa_timegaincal()", "Phase solutions are derived per scan of the phase calibrator.")
    run_task(
        log, "gaincal", vis=EB_MS, caltable=caltable, field=CALIBRATOR, spw=spw_list(spws, ","),
        intent=CALIBRATOR_INTENT, solint="inf", refant=",".join(refants), refantmode="strict",
        minblperant=4, minsnr=3.0, solnorm=False, gaintype="G", calmode="p",
    )
    log.stage("hif_applycal()", "The calibration tables are applied to the data.")
    for field, intent in ((CALIBRATOR, CALIBRATOR_INTENT), (TARGET, TARGET_INTENT)):
        run_task(
            log, "applycal", vis=EB_MS, field=field, spw=spw_list(spws, ","), intent=intent,
            gaintable=[caltable], gainfield=[CALIBRATOR], interp=["linear"], calwt=[False],
            applymode="calflagstrict", flagbackup=False,
        )


def split_targets(log: CommandLog) -> None:
    """Split the calibrated science target out, keeping spw ids (hif_mstransform)."""
    import casatools

    log.stage("hif_mstransform()", "The calibrated science target data are split into a new measurement set.")
    run_task(
        log, "mstransform", vis=EB_MS, outputvis=TARGETS_MS, field=TARGET, spw=spw_list(science_spw_ids(), ","),
        intent=TARGET_INTENT, datacolumn="corrected", reindex=False,
    )
    msmd = casatools.msmetadata()
    msmd.open(TARGETS_MS)
    kept = tuple(int(i) for i in msmd.spwsforfield(TARGET))
    msmd.close()
    if kept != science_spw_ids():
        raise RuntimeError(f"{TARGETS_MS} holds spws {kept}, expected {science_spw_ids()}")


def khz(value_hz: float) -> float:
    """Round to 1 kHz so that the log does not depend on the last bits of a frame conversion."""
    return round(value_hz / 1.0e3) * 1.0e3


def continuum_ranges() -> dict[int, list[tuple[float, float]]]:
    """Line-free LSRK ranges per science spw, as hif_findcont would report them.

    Runs of line-free channels become one range each, reaching a quarter
    channel into the outer channels so either selection rule (channel centre
    inside, or overlap) picks the same channels.
    """
    line_topo_hz = convert_frequencies([LINE_CENTER_LSRK_HZ], "LSRK", "TOPO")[0]
    ranges: dict[int, list[tuple[float, float]]] = {}
    for spw in SPWS:
        if not spw.science:
            continue
        free = line_profile(spw, line_topo_hz) < LINE_FREE_LIMIT_JY
        centres = spw.channel_centers()
        runs = []
        for is_free, group in itertools.groupby(range(spw.nchan), key=lambda chan: bool(free[chan])):
            chans = list(group)
            if is_free:
                quarter = spw.width_hz / 4
                runs.append((float(centres[chans[0]]) - quarter, float(centres[chans[-1]]) + quarter))
        edges = convert_frequencies([edge for run in runs for edge in run], "TOPO", "LSRK")
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


def topo_selection(spw_id: int, lsrk_ranges: Sequence[tuple[float, float]]) -> str:
    """The tclean spw selection of one spw: cont.dat ranges turned to TOPO for this MS."""
    edges = convert_frequencies([edge for pair in lsrk_ranges for edge in pair], "LSRK", "TOPO")
    parts = [f"{ghz(edges[i])}~{ghz(edges[i + 1])}GHz" for i in range(0, len(edges), 2)]
    return f"{spw_id}:{';'.join(parts)}"


def sensitivity_threshold(product: Product, spw: str, phasecenter: str) -> str:
    """Twice the theoretical point-source sensitivity, as the iter1 threshold."""
    import casatools

    im = casatools.imager()
    im.open(product.vis)
    im.selectvis(field=product.field, spw=spw, intent=product.intent)
    im.defineimage(
        nx=IMSIZE[0], ny=IMSIZE[1], cellx=CELL[0], celly=CELL[0], stokes="I", phasecenter=phasecenter, mode="mfs"
    )
    im.weight(type="briggs", rmode="norm", robust=0.5)
    sensitivity = im.apparentsens()[1]
    im.close()
    return f"{2.0e3 * sensitivity:.3g}mJy"


def image_product(log: CommandLog, product: Product, spw: str, phasecenter: str) -> None:
    """Run one product: iter0 dirty image, copy to iter1 names, iter1 clean."""
    common: dict[str, Any] = {
        "vis": [product.vis],
        "field": product.field,
        "spw": [spw],
        "intent": product.intent,
        "datacolumn": product.datacolumn,
        "imsize": IMSIZE,
        "cell": CELL,
        "phasecenter": phasecenter,
        "stokes": "I",
        "specmode": "mfs",
        "nchan": -1,
        "outframe": "LSRK",
        "perchanweightdensity": True,
        "gridder": "standard",
        "mosweight": False,
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
        common["scan"] = [target_scans()]
    run_task(
        log, "tclean", imagename=product.iter0, restoration=False, pbcor=False, niter=0, threshold="0.0mJy", **common
    )
    for src in sorted(path.name for path in Path.cwd().glob(f"{product.iter0}.*")):
        copy_image(log, src, product.iter1 + src[len(product.iter0):])
    threshold = sensitivity_threshold(product, spw, phasecenter)
    run_task(
        log, "tclean", imagename=product.iter1, restoration=True, pbcor=True, niter=ITER1_NITER,
        threshold=threshold, restart=True, calcres=False, calcpsf=False, **common,
    )


def make_product(stage: int, sub: int, field: str, spws: Sequence[int], specmode: str) -> Product:
    """A product record named by the pipeline's rule."""
    intent, suffix, vis, datacolumn = (
        (TARGET_INTENT, "sci", TARGETS_MS, "data") if field == TARGET
        else (CALIBRATOR_INTENT, "ph", EB_MS, "corrected")
    )
    name = f"{MOUS}.s{stage}_{sub}.{field}_{suffix}.spw{spw_list(spws, '_')}.{specmode}.I"
    return Product(name, field, intent, vis, datacolumn, tuple(spws), specmode)


def image_calibrator(log: CommandLog) -> list[Product]:
    """Per-spw images of the phase calibrator from the calibrated EB."""
    log.stage("hif_makeimlist(intent='PHASE')", "A list of calibrator images to make is assembled.")
    log.stage("hif_makeimages()", "The calibrator images are made and cleaned.")
    products = []
    for sub, spw_id in enumerate(science_spw_ids()):
        product = make_product(19, sub, CALIBRATOR, [spw_id], "mfs")
        image_product(log, product, str(spw_id), CALIBRATOR_PHASECENTER)
        products.append(product)
    return products


def image_target(log: CommandLog, ranges: dict[int, list[tuple[float, float]]]) -> list[Product]:
    """Per-spw mfs images and the aggregate continuum image of the target."""
    selections = {spw_id: topo_selection(spw_id, spw_ranges) for spw_id, spw_ranges in ranges.items()}
    log.stage("hif_makeimlist(specmode='mfs')", "A list of target sources to image is assembled.")
    log.stage("hif_makeimages()", "The target images are made and cleaned.")
    products = []
    for sub, spw_id in enumerate(science_spw_ids()):
        product = make_product(25, sub, TARGET, [spw_id], "mfs")
        image_product(log, product, selections[spw_id], PHASECENTER)
        products.append(product)
    log.stage("hif_makeimlist(specmode='cont')", "A list of target sources to image is assembled.")
    log.stage("hif_makeimages()", "The target images are made and cleaned.")
    product = make_product(27, 0, TARGET, science_spw_ids(), "cont")
    image_product(log, product, ",".join(selections[spw_id] for spw_id in science_spw_ids()), PHASECENTER)
    return [*products, product]


def build_delivery(outdir: Path) -> Delivery:
    """Simulate, calibrate, split and image one EB into a delivery layout.

    Parameters
    ----------
    outdir : Path
        The delivery root. Its ``calibrated/working`` directory, cont.dat and
        commands log must not exist yet (CASA refuses to overwrite outputs).

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
    log = CommandLog(PROLOGUE)
    refants = rank_refants()
    ranges = continuum_ranges()
    with working_directory(working):
        simulate_eb(EB_MS)
        calibrate(log, refants)
        products = image_calibrator(log)
        split_targets(log)
        products += image_target(log, ranges)
    contfile.parent.mkdir(parents=True, exist_ok=True)
    contfile.write_text(format_contfile(ranges))
    log.write(logfile)
    return Delivery(
        root=root, working=working, log=logfile, contfile=contfile, mous=MOUS, eb_ms=EB_MS, targets_ms=TARGETS_MS,
        field=TARGET, science_spws=science_spw_ids(), refants=refants, phasecenter=PHASECENTER,
        products=tuple(products), sources=SOURCES,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``simulate_delivery.py OUTDIR``."""
    parser = argparse.ArgumentParser(description="Build a simulated ALMA delivery with CASA.")
    parser.add_argument("outdir", type=Path, help="delivery root to create")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="casasite-") as tmp:
        if "CASASITECONFIG" not in os.environ:
            # casaconfig reads its site file once, when casatools is imported.
            logdir = args.outdir.resolve() / "log"
            logdir.mkdir(parents=True, exist_ok=True)
            os.environ["CASASITECONFIG"] = str(
                write_casa_site_config(Path(tmp) / "casasiteconfig.py", logdir / "casa-simulate.log")
            )
        start = time.monotonic()
        try:
            delivery = build_delivery(args.outdir)
        except ImportError as exc:
            print(f"{exc}: {CASA_DATA_HINT}", file=sys.stderr)
            return 1
    print(f"built {delivery.root} in {time.monotonic() - start:.1f} s")
    for product in delivery.products:
        print(f"  {product.iter1}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
