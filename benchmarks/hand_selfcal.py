"""What an expert does by hand on the simulated ``selfcal`` delivery: the reference for our script.

Run from the repository root (the package installed, CASA configured offline
as ``tests/conftest.py`` does, or let this script do it)::

    python3 benchmarks/hand_selfcal.py [--workdir DIR] [--delivery DIR] [--imsize N]

Without ``--delivery`` it first builds the ``selfcal`` scenario with
``samples/simulate_delivery.py`` into ``DIR/delivery`` (``--imsize`` makes its
images larger, for a heavier benchmark).  Then, in
``DIR/hand``, working on copies only:

1. reads the pipeline's continuum (``cont``) and line-spw cube products and
   the gaincal ``refant`` from the log;
2. splits each EB's line-free target data (the cont product's per-EB spw
   selection) into a continuum copy and saves its flags;
3. cleans it inside a circular mask around the source to 3x the residual rms
   (tclean ``nsigma=3``), then restores the saved flags and fills MODEL_DATA
   with a model-only run (tclean writes the model of unflagged rows only);
4. phase-only self-calibration rounds at ``inf`` (per scan), ``60s`` and
   ``int``: gaincal(gaintype='T', calmode='p', combine='spw', minsnr=3) per EB
   on the DATA column with the last model and the saved flags (no round
   inherits the flags of an earlier round's failed solutions), applycal
   (``calflag``) with that EB's spwmap, then a new clean of the corrected
   data, again to 3x its own rms, and the model filled as in 3;
5. applies the last round's tables to copies of the pipeline's
   continuum-subtracted ``_targets_line.ms`` (each EB's spwmap covers all of
   its spw ids) and images the line spw's cube with the pipeline's grid.

It prints the pipeline's iter1 products, the hand results and the truth side
by side, measured from the images with ``samples/measure.py``, and the CASA
wall time of the hand steps.
"""
from __future__ import annotations

import argparse
import dataclasses
import math
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from script_modules import load_script  # noqa: E402 (shared with the tests, which import these scripts too)

ROUNDS = ("inf", "60s", "int")
# The line planes are those within this many sigma of the line centre.
LINE_HALFWIDTH_SIGMA = 4.0
NSIGMA = 3.0
NITER = 100000
MINSNR = 3.0
MINBLPERANT = 4
FLAG_VERSION = "before_selfcal"
AUTOMASK_PARAMETERS = (
    "sidelobethreshold", "noisethreshold", "lownoisethreshold", "negativethreshold", "minbeamfrac",
    "growiterations", "dogrowprune", "minpercentchange", "fastnoise",
)


@dataclass(frozen=True)
class PipelineRecord:
    """What the expert takes from the log.

    Attributes
    ----------
    cont : dict
        The iter1 tclean call of the aggregate continuum product.
    cube : dict
        The iter1 tclean call of the line spw's cube.
    refant : str
        The reference antenna list of the pipeline's gaincal.
    """

    cont: dict[str, Any]
    cube: dict[str, Any]
    refant: str


@dataclass
class CasaClock:
    """Runs casatasks tasks, prints each call and adds up their wall time."""

    seconds: float = 0.0
    calls: list[str] = field(default_factory=list)

    def run(self, task: str, **kwargs: Any) -> Any:
        import casatasks

        text = f"{task}({', '.join(f'{key}={value!r}' for key, value in kwargs.items())})"
        print(f"  {text[:160]}{' ...' if len(text) > 160 else ''}", flush=True)
        start = time.monotonic()
        result = getattr(casatasks, task)(**kwargs)
        self.seconds += time.monotonic() - start
        self.calls.append(text)
        if result is False:
            raise RuntimeError(f"CASA task {task} reported failure")
        return result


@dataclass(frozen=True)
class Figures:
    """The measured figures of one column of the table (None where not measured)."""

    cont_snr: float | None
    model_flux_jy: float | None
    cube_snr: float | None
    line_peak_jy: float | None


def read_pipeline(log: Path, line_spw: int) -> PipelineRecord:
    """The cont and line-cube iter1 calls and the gaincal refant of a pipeline log."""
    from casalog.log.products import products
    from casalog.log.reader import read_log

    calls = list(read_log(log))
    found = {product.name.specmode + ":" + product.name.spw_label: product for product in products(calls)}
    cont = next(product for key, product in found.items() if key.startswith("cont:"))
    cube = found[f"cube:{line_spw}"]
    refant = next(call.kwargs["refant"] for call in calls if call.task == "gaincal")
    cont_call, cube_call = cont.call_of(1), cube.call_of(1)
    assert cont_call is not None and cube_call is not None
    return PipelineRecord(dict(cont_call.kwargs), dict(cube_call.kwargs), str(refant))


def n_spws(vis: Path) -> int:
    """Rows of the SPECTRAL_WINDOW table, which an spwmap must cover."""
    import casatools

    msmd = casatools.msmetadata()
    msmd.open(str(vis))
    count = int(msmd.nspw())
    msmd.close()
    return count


def solution_spw(table: Path) -> int:
    """The spw id that a combine='spw' table holds its solutions under."""
    import casatools

    tb = casatools.table()
    tb.open(str(table))
    spws = sorted({int(i) for i in tb.getcol("SPECTRAL_WINDOW_ID")})
    tb.close()
    if len(spws) != 1:
        raise RuntimeError(f"{table}: solutions in spws {spws}, expected one (combine='spw')")
    return spws[0]


def flagged_fraction(table: Path) -> float:
    """Fraction of the solutions of a gain table that gaincal flagged (S/N below minsnr)."""
    import casatools
    import numpy as np

    tb = casatools.table()
    tb.open(str(table))
    flags = tb.getcol("FLAG")
    tb.close()
    return float(np.mean(flags))


def mask_region(image: Path, measure: ModuleType) -> str:
    """A circle of three beam majors around the brightest pixel of an image (the expert's mask)."""
    import casatools
    import numpy as np

    pixels, _ = measure.read_image(image)
    area = measure.pb_area(image)
    x, y, _ = np.unravel_index(np.argmax(np.where(area, pixels, -np.inf)), pixels.shape)
    ia = casatools.image()
    ia.open(str(image))
    world = ia.toworld([float(x), float(y), 0.0, 0.0], "s")["string"]
    ia.close()
    radius = 3.0 * measure.beam(image).major_arcsec
    return f"circle[[{world[0]}, {world[1]}], {radius:.2f}arcsec]"


def clean_call(template: dict[str, Any], vis: Sequence[Path], imagename: Path, mask: str) -> dict[str, Any]:
    """A hand tclean call from a logged one: same image geometry and weighting, new data and mask.

    The copies hold the target's data only, so scan and intent selections go;
    cleaning is to ``NSIGMA`` times the residual's robust rms inside the mask.
    """
    dropped = {
        "vis", "spw", "datacolumn", "scan", "intent", "imagename", "threshold", "niter", "restart", "calcres",
        "calcpsf", "usemask", "mask", "savemodel", *AUTOMASK_PARAMETERS,
    }
    call = {key: value for key, value in template.items() if key not in dropped}
    call.update(vis=[str(path) for path in vis], imagename=str(imagename), niter=NITER, threshold="0mJy",
                nsigma=NSIGMA, usemask="user", mask=mask, restoration=True, pbcor=True)
    return call


def clean(clock: CasaClock, call: dict[str, Any], datacolumn: str) -> None:
    """Clean, without saving a model."""
    clock.run("tclean", **call, datacolumn=datacolumn, savemodel="none")


def clean_and_fill_model(clock: CasaClock, call: dict[str, Any], datacolumn: str) -> None:
    """Clean, then put the model into MODEL_DATA of every row of the copies.

    tclean writes the model only where the data are unflagged, and applycal
    flagged the data of the last round's failed solutions: a gaincal on
    restored flags would meet a zero model there and fail again.  So the
    flags are restored first and a model-only run fills the column.
    """
    clean(clock, call, datacolumn)
    for vis in call["vis"]:
        clock.run("flagmanager", vis=vis, mode="restore", versionname=FLAG_VERSION)
    clock.run("tclean", **{**call, "niter": 0, "calcres": False, "calcpsf": False, "restart": True,
                           "restoration": False, "pbcor": False}, datacolumn=datacolumn, savemodel="modelcolumn")


def split_continuum(clock: CasaClock, working: Path, hand: Path, record: PipelineRecord) -> list[Path]:
    """Each EB's line-free target data, by the cont product's per-EB selection, into a copy."""
    copies = []
    for vis, spw in zip(record.cont["vis"], record.cont["spw"]):
        copy = hand / vis.replace("_targets.ms", "_cont.ms")
        clock.run("split", vis=str(working / vis), outputvis=str(copy), field=record.cont["field"], spw=spw,
                  datacolumn="data")
        clock.run("flagmanager", vis=str(copy), mode="save", versionname=FLAG_VERSION)
        copies.append(copy)
    return copies


def selfcal_round(clock: CasaClock, copies: Sequence[Path], solint: str, refant: str, number: int) -> list[Path]:
    """Solve phases per EB with the model in MODEL_DATA and apply them; return the tables.

    ``inf_EB`` is one solution per EB (solint inf across its scans).
    """
    tables = []
    for copy in copies:
        table = copy.with_name(f"{copy.stem}.p{number}_{solint}.g")
        combine = "scan,spw" if solint == "inf_EB" else "spw"
        clock.run("gaincal", vis=str(copy), caltable=str(table), solint="inf" if solint == "inf_EB" else solint,
                  combine=combine, refant=refant, minblperant=MINBLPERANT, minsnr=MINSNR, gaintype="T",
                  calmode="p")
        spwmap = [solution_spw(table)] * n_spws(copy)
        clock.run("applycal", vis=str(copy), gaintable=[str(table)], spwmap=[spwmap], interp=["linear"],
                  calwt=[False], applymode="calflag", flagbackup=False)
        print(f"  {table.name}: {100 * flagged_fraction(table):.1f}% of solutions flagged, spwmap {spwmap}")
        tables.append(table)
    return tables


@dataclass(frozen=True)
class RoundResult:
    """One clean of the continuum copies and what it reached."""

    label: str
    image: Path
    snr: float
    tables: tuple[Path, ...]


def run_selfcal(
    clock: CasaClock, copies: Sequence[Path], record: PipelineRecord, mask: str, hand: Path, measure: ModuleType,
    solints: Sequence[str] = ROUNDS,
) -> list[RoundResult]:
    """Initial clean, then the phase rounds; each round cleans the newly corrected data."""
    results = []
    initial = hand / "hand_cont_p0"
    clean_and_fill_model(clock, clean_call(record.cont, copies, initial, mask), "data")
    results.append(RoundResult("p0 (no selfcal)", initial, measure.continuum_snr(f"{initial}.image"), ()))
    print(f"round p0: S/N {results[-1].snr:.1f}", flush=True)
    for number, solint in enumerate(solints, start=1):
        tables = selfcal_round(clock, copies, solint, record.refant, number)
        image = hand / f"hand_cont_p{number}"
        clean_and_fill_model(clock, clean_call(record.cont, copies, image, mask), "corrected")
        results.append(RoundResult(f"p{number} ({solint})", image, measure.continuum_snr(f"{image}.image"),
                                   tuple(tables)))
        print(f"round p{number} ({solint}): S/N {results[-1].snr:.1f}", flush=True)
    return results


def image_line(
    clock: CasaClock, working: Path, hand: Path, record: PipelineRecord, tables: Sequence[Path], mask: str
) -> Path:
    """Apply the continuum solutions to copies of the line data and image the line cube."""
    copies = []
    for vis, table in zip(record.cube["vis"], tables):
        copy = hand / vis
        shutil.copytree(working / vis, copy)
        # The line MS keeps the EB's own spw ids: map every one to the table's spw.
        spwmap = [solution_spw(table)] * n_spws(copy)
        clock.run("applycal", vis=str(copy), gaintable=[str(table)], spwmap=[spwmap], interp=["linear"],
                  calwt=[False], applymode="calflag", flagbackup=False)
        copies.append(copy)
    cube = hand / "hand_cube"
    call = clean_call(record.cube, copies, cube, mask)
    call["spw"] = record.cube["spw"]
    clean(clock, call, "corrected")
    return cube


def pipeline_figures(working: Path, record: PipelineRecord, line: Any, measure: ModuleType) -> Figures:
    """The pipeline's iter1 cont and cube products, measured."""
    cont = working / f"{record.cont['imagename']}.image"
    cube = working / f"{record.cube['imagename']}.image"
    halfwidth = LINE_HALFWIDTH_SIGMA * line.sigma_hz
    return Figures(
        cont_snr=measure.continuum_snr(cont),
        model_flux_jy=measure.model_flux(measure.sibling(cont, "model")),
        cube_snr=measure.cube_line_snr(cube, line.center_lsrk_hz, halfwidth),
        line_peak_jy=measure.line_peak(cube, line.center_lsrk_hz, halfwidth),
    )


def hand_figures(final: Path, cube: Path, line: Any, measure: ModuleType) -> Figures:
    """The hand self-calibrated continuum and cube, measured."""
    halfwidth = LINE_HALFWIDTH_SIGMA * line.sigma_hz
    return Figures(
        cont_snr=measure.continuum_snr(f"{final}.image"),
        model_flux_jy=measure.model_flux(f"{final}.model"),
        cube_snr=measure.cube_line_snr(f"{cube}.image", line.center_lsrk_hz, halfwidth),
        line_peak_jy=measure.line_peak(f"{cube}.image", line.center_lsrk_hz, halfwidth),
    )


def thermal_noise(working: Path, call: dict[str, Any], channels: int) -> float:
    """The theoretical rms (Jy/beam) of one plane of a logged product, from the data's weights.

    The mfs sensitivity of the call's selection; a cube plane has that of one
    of the ``channels`` channels its whole-spw selection holds.
    """
    import casatools

    # An imager opened on one MS ignores others: several are only taken by selectvis.
    im = casatools.imager()
    for vis, spw in zip(call["vis"], call["spw"]):
        im.selectvis(vis=str(working / vis), field=call["field"], spw=spw, intent=call.get("intent", ""))
    im.defineimage(nx=call["imsize"][0], ny=call["imsize"][1], cellx=call["cell"][0], celly=call["cell"][0],
                   stokes="I", phasecenter=call["phasecenter"], mode="mfs")
    im.weight(type=call["weighting"], rmode="norm", robust=call["robust"])
    sensitivity = float(im.apparentsens()[1])
    im.close()
    return sensitivity * math.sqrt(channels)


def true_peak(image: Path, scenario: Any, simulator: ModuleType, measure: ModuleType) -> float:
    """The peak (Jy/beam) of the true sky restored with an image's beam, on its grid.

    No primary beam: the sources sit within a few arcsec of the centre, where
    it takes less than 2 %.
    """
    import casatools
    import numpy as np

    ia = casatools.image()
    ia.open(str(image))
    shape, csys = ia.shape(), ia.coordsys().torecord()
    ia.close()
    restoring = measure.beam(image)
    cl = casatools.componentlist()
    with tempfile.TemporaryDirectory(prefix="truth-") as scratch:
        components = str(Path(scratch) / "sky.cl")
        simulator.write_componentlist(components, scenario.sources)
        cl.open(components)
        sky = casatools.image()
        sky.fromshape(outfile="", shape=[int(n) for n in shape[:3]] + [1], csys=csys, overwrite=True)
        sky.setbrightnessunit("Jy/pixel")
        sky.modify(model=cl.torecord(), subtract=False)
        cl.close()
        restored = sky.convolve2d(
            outfile="", axes=[0, 1], type="gaussian", major=f"{restoring.major_arcsec}arcsec",
            minor=f"{restoring.minor_arcsec}arcsec", pa=f"{restoring.pa_deg}deg", targetres=True,
        )
        sky.close()
        value = float(np.max(restored.getchunk()))
        restored.close()
    return value


def true_line_peak(simulator: ModuleType, scenario: Any) -> float:
    """The line's highest channel-mean flux on the cube's channel grid (first EB)."""
    eb = scenario.ebs[0]
    spw = next(spw for spw in eb.science() if spw.spw_id == scenario.line.spw)
    return float(simulator.line_profile(spw, scenario.line, simulator.line_topo_hz(eb, scenario)).max())


def format_table(pipeline: Figures, hand: Figures, truth: Figures) -> str:
    """The comparison table, with the hand/pipeline ratio of each figure."""
    rows = [
        ("continuum S/N (peak / residual rms)", "cont_snr", "{:.1f}"),
        ("model flux (Jy)", "model_flux_jy", "{:.3f}"),
        ("cube line S/N (line peak / line-free rms)", "cube_snr", "{:.1f}"),
        ("line peak (Jy/beam)", "line_peak_jy", "{:.3f}"),
    ]
    lines = [f"{'':44}{'pipeline':>10}{'hand':>10}{'truth':>10}{'hand/pipe':>11}"]
    for label, key, number in rows:
        values = [getattr(figures, key) for figures in (pipeline, hand, truth)]
        cells = [number.format(value) if value is not None else "-" for value in values]
        ratio = values[1] / values[0] if values[0] else math.nan
        lines.append(f"{label:44}{cells[0]:>10}{cells[1]:>10}{cells[2]:>10}{ratio:>11.2f}")
    return "\n".join(lines)


def configure_casa(workdir: Path, simulator: ModuleType) -> None:
    """Point CASA at casadata, offline, unless the caller already did; one thread."""
    # CASA's OpenMP threads only wait for each other on a shared two-core machine.
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    if "CASASITECONFIG" not in os.environ:
        from casalog.commands.casa_config import write_site_config

        site = write_site_config(workdir / "casasiteconfig.py", workdir / "casa.log")
        os.environ["CASASITECONFIG"] = str(site)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: build (or take) a delivery, self-calibrate it by hand, print the table."""
    parser = argparse.ArgumentParser(description="Hand self-calibration of a simulated delivery, as a reference.")
    parser.add_argument("--workdir", type=Path, help="where to build and work (default: a new temporary folder)")
    parser.add_argument("--delivery", type=Path, help="an already built selfcal delivery (not modified)")
    parser.add_argument("--imsize", type=int, help="image size (pixels) of the delivery to build")
    parser.add_argument("--solints", default=",".join(ROUNDS), help=f"the rounds (default: {','.join(ROUNDS)})")
    args = parser.parse_args(argv)
    workdir = (args.workdir or Path(tempfile.mkdtemp(prefix="hand-selfcal-"))).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    simulator = load_script(ROOT / "samples" / "simulate_delivery.py")
    measure = load_script(ROOT / "samples" / "measure.py")
    configure_casa(workdir, simulator)
    scenario = simulator.SCENARIOS["selfcal"]
    if args.imsize:
        scenario = dataclasses.replace(scenario, imsize=(args.imsize, args.imsize))
    if args.delivery is None:
        start = time.monotonic()
        args.delivery = simulator.build_delivery(workdir / "delivery", scenario).root
        print(f"built the {scenario.name} delivery in {time.monotonic() - start:.0f} s")
    working = args.delivery.resolve() / "calibrated" / "working"
    log = next((args.delivery / "log").glob("*.casa_commands.log"))
    hand = workdir / "hand"
    hand.mkdir()
    record = read_pipeline(log, scenario.line.spw)
    mask = mask_region(working / f"{record.cont['imagename']}.image", measure)
    print(f"refant {record.refant}; mask {mask}")
    clock = CasaClock()
    copies = split_continuum(clock, working, hand, record)
    results = run_selfcal(clock, copies, record, mask, hand, measure, args.solints.split(","))
    best = max(results[1:], key=lambda result: result.snr)
    cube = image_line(clock, working, hand, record, best.tables, mask)
    pipeline = pipeline_figures(working, record, scenario.line, measure)
    hand_result = hand_figures(best.image, cube, scenario.line, measure)
    line_peak = true_line_peak(simulator, scenario)
    channels = next(spw.nchan for spw in scenario.ebs[0].science() if spw.spw_id == scenario.line.spw)
    truth = Figures(
        cont_snr=true_peak(Path(f"{best.image}.image"), scenario, simulator, measure)
        / thermal_noise(working, record.cont, 1),
        model_flux_jy=sum(source.flux_jy for source in scenario.sources),
        cube_snr=line_peak / thermal_noise(working, record.cube, channels),
        line_peak_jy=line_peak,
    )
    print()
    for result in results:
        print(f"  {result.label:18} S/N {result.snr:8.1f}")
    print(f"kept: {best.label}; CASA wall time of the hand steps {clock.seconds:.0f} s ({len(clock.calls)} calls)")
    print(format_table(pipeline, hand_result, truth))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
