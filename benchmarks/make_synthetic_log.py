"""Write a synthetic ALMA pipeline ``casa_commands.log`` of at least a given size.

``python3 benchmarks/make_synthetic_log.py OUT --size-mb 100``

The log has the pipeline's logged format (Cycle 5 era: keyword order
arbitrary, usemask='auto-multithresh'): the ``raise Error(...)`` line, a
prologue, then pipeline stages, each a header, a comment and its commands,
every command one ``task(k=v, ...)`` of repr() literals wrapped exactly as the
pipeline wraps it.  The stages repeat a calibrate-then-image cycle: time gain
calibration (gaincal), calibrator images, target flagging (flagdata), findcont
cubes, then per-spw, aggregate-continuum and cube target images.  Each image
product is an iter0 (dirty) and an iter1 (cleaned) tclean call, now and then
an iter2; its name carries the number of the stage it sits in.

All values come from one seeded random stream, so a seed and size always give
the same file; each command is written as soon as it is made, so the
file is never held in memory.
"""
from __future__ import annotations

import argparse
import random
import sys
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

MB = 1_000_000
WIDTH = 80
DEFAULT_SEED = 2016
ITER2_FRACTION = 0.05

_PROLOGUE = (
    "# This file lists the CASA commands of a made-up pipeline run, written by "
    "benchmarks/make_synthetic_log.py to measure how fast a log is read. No "
    "command here was ever run: data sets, fields and numbers are generated."
)
_CALIBRATORS = (
    ("bp", "CALIBRATE_BANDPASS#ON_SOURCE"),
    ("ph", "CALIBRATE_PHASE#ON_SOURCE"),
    ("chk", "OBSERVE_CHECK_SOURCE#ON_SOURCE"),
)
_TARGET_INTENT = "OBSERVE_TARGET#ON_SOURCE"
_ANTENNAS = [f"{pad}{i:02d}" for pad in ("DA", "DV") for i in range(41, 66)] + ["PM01", "PM02", "PM03", "PM04"]


@dataclass(frozen=True)
class Summary:
    """What was written: the test compares the reader's findings with it."""

    size: int
    stages: int
    commands: int
    tclean_calls: int
    products: int
    iter2_products: int


@dataclass(frozen=True)
class Field:
    """A field as tclean is told about it."""

    name: str
    phasecenter: str
    scans: tuple[str, ...]  # one comma-separated scan list per EB


@dataclass(frozen=True)
class Dataset:
    """The made-up observation one calibrate-then-image cycle works on."""

    ous: str
    ebs: tuple[str, ...]
    spws: tuple[int, ...]
    ghz: tuple[float, ...]  # lowest frequency of each spw
    targets: tuple[Field, ...]
    calibrators: tuple[Field, ...]


class _Log:
    """The open output: counts what is written and numbers the stages."""

    def __init__(self, out: IO[str], rng: random.Random) -> None:
        self.out = out
        self.rng = rng
        self.size = 0
        self.stage = 0
        self.commands = 0
        self.tclean_calls = 0
        self.products = 0
        self.iter2_products = 0

    def write(self, lines: Iterable[str]) -> None:
        text = "".join(line + "\n" for line in lines)
        self.out.write(text)
        self.size += len(text)  # ASCII only, so characters are bytes

    def begin_stage(self, call: str, comment: str) -> int:
        self.stage += 1
        self.write(["", f"# {call}", "#", *_comment_lines(comment), "#"])
        return self.stage

    def command(self, task: str, kwargs: list[tuple[str, Any]]) -> None:
        text = f"{task}(" + ", ".join(f"{key}={value!r}" for key, value in kwargs) + ")"
        self.write(
            textwrap.wrap(text, width=WIDTH, subsequent_indent=" " * (len(task) + 1), break_long_words=False)
        )
        self.commands += 1
        self.tclean_calls += task == "tclean"

    def summary(self) -> Summary:
        return Summary(self.size, self.stage, self.commands, self.tclean_calls, self.products, self.iter2_products)


def write_log(out: IO[str], size: int, seed: int = DEFAULT_SEED) -> Summary:
    """Write a synthetic log of at least ``size`` bytes to ``out``.

    Parameters
    ----------
    out : text stream
        Where the log goes.
    size : int
        Minimum size in bytes; the log ends with the calibrate-then-image
        cycle that reaches it.
    seed : int, optional
        Seed of the random stream all values come from.

    Returns
    -------
    Summary
        Counts of what was written.
    """
    log = _Log(out, random.Random(seed))
    log.write(["raise Error('The casa commands log is not executable!')", "", *_comment_lines(_PROLOGUE)])
    while log.size < size:
        _cycle(log, _dataset(log.rng))
    log.begin_stage('hifa_exportdata(pipelinemode="automatic")', "The output data products are computed.")
    return log.summary()


def _comment_lines(text: str) -> list[str]:
    return ["# " + line for line in textwrap.wrap(text, width=WIDTH - 2)]


def _dataset(rng: random.Random) -> Dataset:
    count = rng.randint(2, 8)
    ebs = tuple(f"uid___A002_X{rng.randrange(16**5):05x}_X{rng.randrange(16**4):x}" for _ in range(count))
    step = rng.choice((1, 2))
    first = rng.choice((16, 17, 22, 25))
    spws = tuple(first + step * i for i in range(4))
    base = rng.uniform(84.0, 340.0)
    ghz = tuple(round(base + 2.0 * i + rng.uniform(-0.1, 0.1), 9) for i in range(len(spws)))
    targets = tuple(_field(rng, _target_name(rng), len(ebs)) for _ in range(rng.randint(1, 3)))
    calibrators = tuple(_field(rng, _calibrator_name(rng), 1) for _ in _CALIBRATORS)
    ous = f"uid___A001_X{rng.randrange(16**3):x}_X{rng.randrange(16**3):x}"
    return Dataset(ous, ebs, spws, ghz, targets, calibrators)


def _target_name(rng: random.Random) -> str:
    return rng.choice(("NGC", "IRAS", "HD", "Arp", "Mrk", "ESO")) + str(rng.randint(1, 9999))


def _calibrator_name(rng: random.Random) -> str:
    return f"J{rng.randrange(2400):04d}{rng.choice('+-')}{rng.randrange(9000):04d}"


def _field(rng: random.Random, name: str, ebs: int) -> Field:
    ra = f"{rng.randrange(24):02d}:{rng.randrange(60):02d}:{rng.uniform(0, 60):07.4f}"
    dec = f"{rng.choice('+-')}{rng.randrange(90):03d}.{rng.randrange(60):02d}.{rng.uniform(0, 60):06.3f}"
    scans = tuple(",".join(str(s) for s in sorted(rng.sample(range(3, 40), rng.randint(1, 11)))) for _ in range(ebs))
    return Field(name, f"ICRS {ra} {dec}", scans)


def _cycle(log: _Log, data: Dataset) -> None:
    _timegaincal(log, data)
    log.begin_stage("hif_makeimlist(intent='PHASE,BANDPASS,CHECK')", "The calibrator images to make are listed.")
    stage = log.begin_stage('hif_makeimages(pipelinemode="automatic")', "The calibrators are imaged and cleaned.")
    for (suffix, intent), calibrator in zip(_CALIBRATORS, data.calibrators):
        eb = (data.ebs[0],)
        for spw in data.spws:
            _product(log, data, stage, calibrator, suffix, intent, eb, (spw,), "mfs")
    _flagtargets(log, data)
    log.begin_stage("hif_makeimlist(specmode='mfs')", "The target images to make are listed.")
    stage = log.begin_stage('hif_findcont(pipelinemode="automatic")', "Line-free channels are found in cubes.")
    for target in data.targets:
        for spw in data.spws:
            _findcont(log, data, stage, target, spw)
    _target_images(log, data, "mfs")
    for specmode in ("cont", "cube"):
        log.begin_stage(f"hif_makeimlist(specmode={specmode!r})", "The target images to make are listed.")
        _target_images(log, data, specmode)


def _target_images(log: _Log, data: Dataset, specmode: str) -> None:
    stage = log.begin_stage('hif_makeimages(pipelinemode="automatic")', "The targets are imaged and cleaned.")
    groups = [data.spws] if specmode == "cont" else [(spw,) for spw in data.spws]
    for target in data.targets:
        for spws in groups:
            _product(log, data, stage, target, "sci", _TARGET_INTENT, data.ebs, spws, specmode)


def _product(
    log: _Log, data: Dataset, stage: int, field: Field, suffix: str, intent: str,
    ebs: Sequence[str], spws: Sequence[int], specmode: str,
) -> None:
    rng = log.rng
    target = suffix == "sci"
    stem = f"{data.ous}.s{stage}_0.{field.name}_{suffix}.spw{'_'.join(map(str, spws))}.{specmode}.I"
    common = _imaging_kwargs(rng, data, field, intent, ebs, spws, specmode)
    common.update(
        datacolumn="data" if target and specmode != "cube" else "corrected",
        usemask="auto-multithresh",
        sidelobethreshold=3.0 if target else 2.0,
        noisethreshold=rng.choice((4.25, 5.0, 5.5)),
        lownoisethreshold=rng.choice((1.5, 2.0)),
        negativethreshold=7.0 if specmode == "cube" else 0.0,
        minbeamfrac=0.3,
        growiterations=75,
        restoringbeam="common",
    )
    threshold = rng.uniform(2e-5, 2e-3)
    iterations = [0, 1, 2] if target and specmode == "mfs" and rng.random() < ITER2_FRACTION else [0, 1]
    keys = [*common, "imagename", "niter", "threshold", "restoration", "pbcor", "restart", "calcpsf", "calcres"]
    rng.shuffle(keys)  # Python 2 logged its keyword dicts in arbitrary order
    for iteration in iterations:
        kwargs = dict(common, imagename=f"{stem}.iter{iteration}", niter=0, threshold="0.0mJy",
                      restoration=False, pbcor=False)
        if iteration > 0:
            # ALMA reruns with iter2 when the auto-mask was empty, at twice the threshold.
            kwargs.update(niter=rng.choice((1000000, 30000000, 100000000)),
                          threshold=f"{threshold * iteration:.12g}Jy", restoration=True, pbcor=True,
                          restart=True, calcpsf=False, calcres=False)
        log.command("tclean", [(key, kwargs[key]) for key in keys if key in kwargs])
    log.products += 1
    log.iter2_products += len(iterations) == 3


def _imaging_kwargs(
    rng: random.Random, data: Dataset, field: Field, intent: str,
    ebs: Sequence[str], spws: Sequence[int], specmode: str,
) -> dict[str, Any]:
    suffix = "_target.ms" if intent == _TARGET_INTENT else ".ms"
    pixels = rng.choice((108, 150, 300, 640, 1024, 1890))
    kwargs: dict[str, Any] = dict(
        vis=[eb + suffix for eb in ebs], field=field.name, intent=intent, phasecenter=field.phasecenter,
        scan=list(field.scans[: len(ebs)]), imsize=[pixels, pixels], cell=[f"{rng.uniform(0.01, 0.5):.3g}arcsec"],
        specmode="cube" if specmode == "cube" else "mfs", outframe="LSRK", stokes="I", weighting="briggs",
        robust=0.5, npixels=0, gridder=rng.choice(("standard", "standard", "mosaic")), pblimit=0.2,
        savemodel="none", chanchunks=-1, parallel=False, interactive=0, nchan=-1,
        deconvolver="mtmfs" if specmode == "cont" else "hogbom",
    )
    if specmode == "cont":
        kwargs["nterms"] = 2
    if specmode == "cube":
        index = data.spws.index(spws[0])
        kwargs.update(spw=[str(spws[0])] * len(ebs), nchan=rng.choice((480, 960, 1918, 3840)),
                      start=f"{data.ghz[index] + rng.uniform(0, 0.05):.12g}GHz", width=f"{rng.uniform(0.1, 2):.12g}MHz")
    else:
        kwargs["spw"] = _continuum_ranges(rng, data, spws, len(ebs))
    return kwargs


def _continuum_ranges(rng: random.Random, data: Dataset, spws: Sequence[int], ebs: int) -> list[str]:
    """The spw selection of each EB: the same line-free ranges, Doppler-shifted a little per EB."""
    edges = {spw: sorted(rng.uniform(0.0, 1.875) for _ in range(2 * rng.randint(1, 3))) for spw in spws}
    selections = []
    for _ in range(ebs):
        shift = rng.uniform(-0.05, 0.05)
        selections.append(",".join(
            f"{spw}:" + ";".join(
                f"{low + shift + edges[spw][i]:.12g}~{low + shift + edges[spw][i + 1]:.12g}GHz"
                for i in range(0, len(edges[spw]), 2)
            )
            for spw, low in ((spw, data.ghz[data.spws.index(spw)]) for spw in spws)
        ))
    return selections


def _findcont(log: _Log, data: Dataset, stage: int, target: Field, spw: int) -> None:
    rng = log.rng
    kwargs = _imaging_kwargs(rng, data, target, _TARGET_INTENT, data.ebs, (spw,), "cube")
    kwargs.update(imagename=f"{data.ous}.s{stage}_0.{target.name}_sci.spw{spw}.mfs.I.findcont", spw=str(spw),
                  datacolumn="data", niter=0, threshold="0mJy", restoration=False, pbcor=False, restoringbeam=[],
                  interactive=False)
    items = list(kwargs.items())
    rng.shuffle(items)
    log.command("tclean", items)


def _timegaincal(log: _Log, data: Dataset) -> None:
    rng = log.rng
    stage = log.begin_stage('hifa_timegaincal(pipelinemode="automatic")', "Time-dependent gains are computed.")
    spw = ",".join(map(str, data.spws))
    spw_label = "_".join(map(str, data.spws))
    fields = ",".join(calibrator.name for calibrator in data.calibrators)
    refant = ",".join(rng.sample(_ANTENNAS, rng.randint(20, len(_ANTENNAS))))
    for eb in data.ebs:
        # Tables of calibration stages this log leaves out, named as the pipeline names them.
        earlier = [f"{eb}.ms.h_tsyscal.s6_1.tsyscal.tbl",
                   f"{eb}.ms.hifa_bandpass.s12_2.spw{spw_label}.channel.solintinf.bcal.tbl"]
        for sub, (solint, calmode) in enumerate((("int", "p"), ("inf", "a"), ("inf", "p")), start=1):
            kwargs: list[tuple[str, Any]] = [
                ("vis", f"{eb}.ms"), ("caltable", f"{eb}.ms.hifa_timegaincal.s{stage}_{sub}.spw{spw_label}"
                                                  f".solint{solint}.{'gp' if calmode == 'p' else 'ga'}cal.tbl"),
                ("field", fields), ("intent", ",".join(intent for _, intent in _CALIBRATORS)), ("spw", spw),
                ("solint", solint), ("calmode", calmode), ("gaintype", "G" if calmode == "p" else "T"),
                ("minsnr", rng.choice((2.0, 3.0))), ("minblperant", 4), ("antenna", "0~45"), ("solnorm", False),
                ("gaintable", earlier), ("gainfield", ["nearest", ""]), ("interp", ["linear,linear", ""]),
                ("spwmap", [list(range(rng.randint(8, 30))), []]), ("refant", refant),
            ]
            rng.shuffle(kwargs)
            log.command("gaincal", kwargs)


def _flagtargets(log: _Log, data: Dataset) -> None:
    log.begin_stage('hifa_flagtargets(pipelinemode="automatic")', "Flag commands are applied to the target data.")
    for eb in data.ebs:
        log.command("flagdata", [("vis", f"{eb}_target.ms"), ("mode", "list"), ("action", "apply"),
                                 ("flagbackup", False), ("inpfile", f"{eb}.flagtargetscmds.txt")])
        log.command("flagdata", [("vis", f"{eb}_target.ms"), ("mode", "summary")])


def main(argv: Sequence[str] | None = None) -> int:
    """Write the log named on the command line; print what was written."""
    parser = argparse.ArgumentParser(description="Write a synthetic ALMA pipeline casa_commands.log.")
    parser.add_argument("out", type=Path, help="the log to write")
    parser.add_argument("--size-mb", type=float, default=100.0, help="minimum size in MB of 10**6 bytes (default 100)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    args = parser.parse_args(argv)
    with args.out.open("w", encoding="ascii", newline="\n") as out:
        summary = write_log(out, int(args.size_mb * MB), args.seed)
    print(
        f"{args.out}: {summary.size / MB:.1f} MB, {summary.stages} stages, {summary.commands} commands, "
        f"{summary.tclean_calls} tclean calls, {summary.products} products ({summary.iter2_products} with iter2)",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
