"""Write a simulated delivery with a many-channel cube product, for bench_mpi.py.

``python3 benchmarks/make_cube_delivery.py OUTDIR [--nchan 256] [--imsize 128]``

The measurement set is made by ``samples/simulate_delivery.py`` (same array,
scans, sky, phase errors, noise and calibration), with its spectral windows
replaced by one science spw of ``--nchan`` channels centred on the simulated
line, plus the WVR spw.  The log then lists two target products as the
pipeline would: a cube of the science spw (``specmode='cube'``, the pipeline's
explicit LSRK ``start``/``width``/``nchan``, two edge channels dropped on each
side) and the aggregate continuum image from the cont.dat ranges.

Unlike the sample simulator, the imaging calls of these two products are
logged but not run: only the scripts that regen-tclean writes from the log are
timed, and running the pipeline's own cube clean here would double the
build time.  The calibration and split commands are run as logged.
"""
from __future__ import annotations

import argparse
import importlib.util
import inspect
import math
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SIMULATOR = ROOT / "samples" / "simulate_delivery.py"
SCIENCE_SPW_NAME = "X0000000000#ALMA_RB_06#BB_1#SW-01#FULL_RES"
DEFAULT_NCHAN = 256
DEFAULT_WIDTH_HZ = 976562.5  # 250 MHz / 256, an ALMA FDM mode
EDGE_CHANNELS = 2
PROLOGUE = (
    "This file lists the CASA commands run by benchmarks/make_cube_delivery.py, a "
    "simulation of the ALMA pipeline's calibration and split steps on a many-channel "
    "spectral window. The imaging calls of the cube and continuum products are "
    "logged as the pipeline would run them but were not run. It cannot be executed."
)


def load_simulator() -> ModuleType:
    """A copy of ``samples/simulate_delivery.py`` of this module's own.

    :func:`configure` changes its spectral windows, so it must not be the copy
    that tests import as ``simulate_delivery`` for the sample delivery.
    """
    name = "simulate_cube_delivery"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, SIMULATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses looks the module up while the class is built
    spec.loader.exec_module(module)
    return module


def configure(sim: ModuleType, nchan: int, width_hz: float) -> Any:
    """Replace the simulator's spws: the WVR spw and one science spw centred on the line."""
    line_topo_hz = sim.convert_frequencies([sim.LINE_CENTER_LSRK_HZ], "LSRK", "TOPO")[0]
    first = line_topo_hz - (nchan / 2 - 0.5) * width_hz
    science = sim.SpectralWindow(1, SCIENCE_SPW_NAME, round(first), width_hz, nchan, science=True)
    sim.SPWS = (sim.SPWS[0], science)
    return science


def log_tclean(sim: ModuleType, log: Any, **kwargs: Any) -> None:
    """Log a tclean call in signature order, as run_task does, without running it."""
    import casatasks

    order = list(inspect.signature(casatasks.tclean.__call__).parameters)
    unknown = set(kwargs) - set(order)
    if unknown:
        raise TypeError(f"tclean has no parameter(s) {sorted(unknown)}")
    log.command("tclean", {key: kwargs[key] for key in order if key in kwargs})


def log_product(sim: ModuleType, log: Any, product: Any, threshold: str, **specific: Any) -> None:
    """iter0, the copy to iter1 names, iter1: the pipeline's calls for one product."""
    common: dict[str, Any] = {
        "vis": [product.vis], "field": product.field, "intent": product.intent,
        "datacolumn": product.datacolumn, "scan": [sim.target_scans()], "imsize": sim.IMSIZE, "cell": sim.CELL,
        "phasecenter": sim.PHASECENTER, "stokes": "I", "outframe": "LSRK", "perchanweightdensity": True,
        "gridder": "standard", "mosweight": False, "usepointing": False, "pblimit": 0.2, "deconvolver": "hogbom",
        "restoringbeam": "common", "weighting": "briggs", "robust": 0.5, "npixels": 0, "interactive": False,
        "fullsummary": False, "usemask": "auto-multithresh", **sim.AUTOMASK, "savemodel": "none",
        "parallel": False, **specific,
    }
    log_tclean(sim, log, imagename=product.iter0, restoration=False, pbcor=False, niter=0,
               threshold="0.0mJy", **common)
    for part in ("psf", "residual", "pb", "sumwt"):
        log.command("copytree", {"src": f"{product.iter0}.{part}", "dst": f"{product.iter1}.{part}"})
    log_tclean(sim, log, imagename=product.iter1, restoration=True, pbcor=True, niter=sim.ITER1_NITER,
               threshold=threshold, restart=True, calcres=False, calcpsf=False, **common)


def sensitivity_jy(sim: ModuleType, spw: str) -> float:
    """Theoretical point-source sensitivity of the target for one spw selection."""
    import casatools

    im = casatools.imager()
    im.open(sim.TARGETS_MS)
    im.selectvis(field=sim.TARGET, spw=spw, intent=sim.TARGET_INTENT)
    im.defineimage(nx=sim.IMSIZE[0], ny=sim.IMSIZE[1], cellx=sim.CELL[0], celly=sim.CELL[0], stokes="I",
                   phasecenter=sim.PHASECENTER, mode="mfs")
    im.weight(type="briggs", rmode="norm", robust=0.5)
    sensitivity = float(im.apparentsens()[1])
    im.close()
    return sensitivity


def image_target(sim: ModuleType, log: Any, science: Any, ranges: dict[int, list[tuple[float, float]]]) -> list[Any]:
    """Log the cube and the aggregate continuum product of the target."""
    spw = str(science.spw_id)
    cube = sim.make_product(30, 0, sim.TARGET, [science.spw_id], "cube")
    # tclean reads start and width in LSRK, where a channel is a little wider
    # than in TOPO: a TOPO width would ask for channels narrower than the data's.
    centres = science.channel_centers()
    lsrk, following = sim.convert_frequencies(centres[EDGE_CHANNELS:EDGE_CHANNELS + 2], "TOPO", "LSRK")
    width_hz = math.ceil(following - lsrk)
    mid = science.nchan // 2
    channel = sensitivity_jy(sim, f"{spw}:{mid}~{mid}")
    log.stage("hif_makeimlist(specmode='cube')", "A list of target sources to image is assembled.")
    log.stage("hif_makeimages()", "The target cubes are made and cleaned.")
    log_product(sim, log, cube, f"{2.0e3 * channel:.3g}mJy", spw=[spw], specmode="cube",
                nchan=science.nchan - 2 * EDGE_CHANNELS, start=f"{sim.khz(lsrk) / 1.0e9!r}GHz",
                width=f"{width_hz / 1.0e6!r}MHz")
    if not ranges.get(science.spw_id):
        raise ValueError("the line fills the whole spw: no continuum channels; use more or wider channels")
    selection = sim.topo_selection(science.spw_id, ranges[science.spw_id])
    cont = sim.make_product(27, 0, sim.TARGET, [science.spw_id], "cont")
    log.stage("hif_makeimlist(specmode='cont')", "A list of target sources to image is assembled.")
    log.stage("hif_makeimages()", "The target images are made and cleaned.")
    log_product(sim, log, cont, f"{2.0e3 * sensitivity_jy(sim, selection):.3g}mJy", spw=[selection],
                specmode="mfs", nchan=-1)
    return [cube, cont]


def build(outdir: Path, nchan: int = DEFAULT_NCHAN, width_hz: float = DEFAULT_WIDTH_HZ,
          imsize: int | None = None) -> dict[str, Any]:
    """Simulate, calibrate and split one EB, and write the log and cont.dat of a cube delivery."""
    sim = load_simulator()
    science = configure(sim, nchan, width_hz)
    if imsize:
        sim.IMSIZE = [imsize, imsize]
    root = outdir.resolve()
    working = root / "calibrated" / "working"
    contfile = root / "calibration" / f"{sim.MOUS}.cont.dat"
    logfile = root / "log" / f"{sim.MOUS}.casa_commands.log"
    for path in (working, contfile, logfile):
        if path.exists():
            raise FileExistsError(f"{path} exists: build the delivery into a new directory")
    working.mkdir(parents=True)
    log = sim.CommandLog(PROLOGUE)
    refants = sim.rank_refants()
    ranges = sim.continuum_ranges()
    with sim.working_directory(working):
        sim.simulate_eb(sim.EB_MS)
        sim.calibrate(log, refants)
        sim.split_targets(log)
        products = image_target(sim, log, science, ranges)
    contfile.parent.mkdir(parents=True, exist_ok=True)
    contfile.write_text(sim.format_contfile(ranges))
    log.write(logfile)
    return {"root": root, "working": working, "log": logfile, "targets_ms": sim.TARGETS_MS,
            "products": [p.iter1 for p in products], "nchan": nchan, "imsize": sim.IMSIZE[0]}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir", type=Path, help="delivery root to create")
    parser.add_argument("--nchan", type=int, default=DEFAULT_NCHAN, help="channels of the science spw")
    parser.add_argument("--width-hz", type=float, default=DEFAULT_WIDTH_HZ, help="channel width")
    parser.add_argument("--imsize", type=int, help="image size in pixels (default: the simulator's)")
    args = parser.parse_args(argv)
    if args.nchan < 8 or math.isnan(args.width_hz) or args.width_hz <= 0:
        parser.error("--nchan must be at least 8 and --width-hz positive")
    with tempfile.TemporaryDirectory(prefix="casasite-") as tmp:
        if "CASASITECONFIG" not in os.environ:
            sim = load_simulator()
            logdir = args.outdir.resolve() / "log"
            logdir.mkdir(parents=True, exist_ok=True)
            os.environ["CASASITECONFIG"] = str(
                sim.write_casa_site_config(Path(tmp) / "casasiteconfig.py", logdir / "casa-simulate.log"))
        start = time.monotonic()
        built = build(args.outdir, args.nchan, args.width_hz, args.imsize)
    print(f"built {built['root']} in {time.monotonic() - start:.1f} s: {built['nchan']} channels, "
          f"products {', '.join(built['products'])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
