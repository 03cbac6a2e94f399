"""Write the sample logs of ``tests/data/logs/`` (run it after changing it; the logs are committed).

``uid___A001_X2f0_X3a1.casa_commands.log`` is an imaging-only run in the
style of the 2024 pipeline (Cycle 11, CASA 6.6): no ``importasdm`` (it starts
from calibrated measurement sets), a ``hif_selfcal`` stage that cleans its
own per-target copies under product-like names (``….cont.I.iter0/1/3``,
``….cont.solint1_prior.I.iter2``, ``….cont.solint1_post.I.iter2``), then the
self-calibrated continuum and cubes as products.  Made-up ids and values;
every command is one line of ``repr()`` literals wrapped as the pipeline wraps it.
"""
from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
MOUS = "uid___A001_X2f0_X3a1"
EBS = ("uid___A002_X1100aa_X21", "uid___A002_X1100bb_X7f")
FIELD = "TW_Hya"
SPWS = ("16", "18")
CONTINUUM = {
    "16": "345.7012~345.8955GHz;346.1020~346.4003GHz",
    "18": "347.6011~348.9987GHz",
}
CHANNELS = {"16": "12~410;560~1900", "18": "4~1915"}
START = {"16": "345.6913GHz", "18": "347.5810GHz"}


def call(task: str, **kwargs: Any) -> str:
    """One logged command: one line of literals, wrapped as the pipeline wraps it."""
    text = f"{task}({', '.join(f'{key}={value!r}' for key, value in kwargs.items())})"
    return "\n".join(textwrap.wrap(text, width=80, subsequent_indent=" " * (text.index("(") + 1),
                                   break_long_words=False))


def tclean(imagename: str, vis: list[str], *, spw: str | list[str], specmode: str, iteration: int,
           datacolumn: str, **extra: Any) -> str:
    cube = specmode == "cube"
    clean = iteration > 0
    kwargs: dict[str, Any] = dict(
        vis=vis, field=FIELD, spw=spw, antenna=["0~44", "0~45"][: len(vis)], scan=["7,9,11", "6,8,10"][: len(vis)],
        intent="OBSERVE_TARGET#ON_SOURCE", datacolumn=datacolumn, imagename=imagename, imsize=[320, 320],
        cell=["0.0275arcsec"], phasecenter="ICRS 11:01:51.8453 -034.42.17.366", stokes="I",
        specmode="cube" if cube else "mfs", nchan=1916 if cube else -1,
    )
    if cube:
        kwargs.update(start=START[spw[0]], width="0.9765625MHz", outframe="LSRK", perchanweightdensity=True)
    else:
        kwargs.update(outframe="LSRK", perchanweightdensity=False)
    kwargs.update(
        gridder="standard", mosweight=False, usepointing=False, pblimit=0.2, deconvolver="hogbom",
        restoration=clean, restoringbeam="common" if cube else [], pbcor=clean, weighting="briggs", robust=0.5,
        npixels=0, niter=200000 if clean else 0, threshold="0.42mJy" if clean else "0.0mJy", nsigma=0.0,
        cyclefactor=1.0, interactive=False, fullsummary=True, nmajor=-1, usemask="auto-multithresh",
        sidelobethreshold=2.5, noisethreshold=5.0, lownoisethreshold=1.5, negativethreshold=0.0,
        minbeamfrac=0.3, growiterations=75, dogrowprune=True, minpercentchange=1.0, fastnoise=False,
    )
    if clean:
        kwargs.update(restart=True, savemodel="none", calcres=False, calcpsf=False)
    else:
        kwargs.update(savemodel="none")
    kwargs.update(psfcutoff=0.35, parallel=False, **extra)
    return call("tclean", **kwargs)


def copies(stem: str, frm: int, to: int) -> list[str]:
    return [
        call("copytree", src=f"{stem}.iter{frm}.{ext}", dst=f"{stem}.iter{to}.{ext}")
        for ext in ("psf", "residual", "sumwt", "pb")
    ]


def product(stem: str, vis: list[str], *, spw: str | list[str], specmode: str, datacolumn: str) -> list[str]:
    return [
        tclean(f"{stem}.iter0", vis, spw=spw, specmode=specmode, iteration=0, datacolumn=datacolumn),
        *copies(stem, 0, 1),
        tclean(f"{stem}.iter1", vis, spw=spw, specmode=specmode, iteration=1, datacolumn=datacolumn),
    ]


def stage(header: str, comment: str, commands: list[str]) -> str:
    lines = [f"# {header}", "#", *(f"# {line}" for line in textwrap.wrap(comment, width=78)), "#", *commands]
    return "\n".join(lines)


def imaging_only_log() -> str:
    targets = [f"{eb}_targets.ms" for eb in EBS]
    lines = [f"{eb}_targets_line.ms" for eb in EBS]
    copies_of = [f"{eb}_targets.{FIELD}.spw{'_'.join(SPWS)}.selfcal.ms" for eb in EBS]
    cont_selection = ",".join(f"{spw}:{CONTINUUM[spw]}" for spw in SPWS)
    spws = ",".join(SPWS)
    label = f"{FIELD}_sci.spw{'_'.join(SPWS)}"
    work = f"{MOUS}.s9_0.{label}.cont"
    stages = [
        stage(f"hifa_importdata(vis={[eb + '.ms' for eb in EBS]!r}, session=['session_1', 'session_1'])",
              "Measurement sets are registered with the pipeline.", []),
        stage("hif_mstransform()", "The science target data are split off into new measurement sets.", [
            call("mstransform", vis=f"{eb}.ms", outputvis=f"{eb}_targets.ms", field=FIELD, spw=spws,
                 intent="OBSERVE_TARGET#ON_SOURCE", datacolumn="corrected", reindex=False)
            for eb in EBS
        ]),
        stage("hifa_flagtargets()", "Flag commands from the flag target templates are applied.", [
            call("flagdata", vis=f"{eb}_targets.ms", mode="list", inpfile=f"{eb}.flagtargetscmds.txt",
                 action="apply", flagbackup=False)
            for eb in EBS
        ]),
        stage("hif_makeimlist(specmode='mfs')", "The list of images to make is put together.", []),
        stage("hif_findcont()", "Continuum frequency ranges are looked for in dirty cubes of the targets.", [
            tclean(f"{MOUS}.s5_0.{FIELD}_sci.spw{spw}.mfs.I.findcont", targets, spw=[spw, spw], specmode="cube",
                   iteration=0, datacolumn="data")
            for spw in SPWS
        ]),
        stage("hif_uvcontsub()", "The continuum is fitted in the ranges of cont.dat and subtracted.", [
            call("uvcontsub", vis=f"{eb}_targets.ms", outputvis=f"{eb}_targets_line.ms", field=FIELD,
                 intent="OBSERVE_TARGET#ON_SOURCE", datacolumn="data",
                 fitspec={2: {spw: {"chan": CHANNELS[spw], "fitorder": 1} for spw in SPWS}})
            for eb in EBS
        ]),
        stage("hif_makeimlist(specmode='cont')", "The list of images to make is put together.", []),
        stage("hif_makeimages()", "The listed images are cleaned.", product(
            f"{MOUS}.s8_0.{label}.cont.regcal.I", targets, spw=[cont_selection] * 2, specmode="mfs",
            datacolumn="data")),
        stage("hif_selfcal()", "Self-calibration of the science targets is tried on their continuum; solutions "
              "that improve the image are kept and applied to the target data.", [
            *(call("split", vis=f"{eb}_targets.ms", outputvis=copy, field=FIELD, spw=cont_selection,
                   datacolumn="data", width=[8, 16]) for eb, copy in zip(EBS, copies_of)),
            tclean(f"{work}.I.iter0", copies_of, spw=["16,18"] * 2, specmode="mfs", iteration=0,
                   datacolumn="data"),
            tclean(f"{work}.I.iter1", copies_of, spw=["16,18"] * 2, specmode="mfs", iteration=1,
                   datacolumn="data"),
            tclean(f"{work}.solint1_prior.I.iter2", copies_of, spw=["16,18"] * 2, specmode="mfs", iteration=1,
                   datacolumn="data"),
            *(call("gaincal", vis=copy, caltable=f"{copy}.solint1.g", field=FIELD, solint="inf",
                   combine="spw", refant="DA41,DV23,DA57", gaintype="T", calmode="p")
              for copy in copies_of),
            *(call("applycal", vis=copy, gaintable=[f"{copy}.solint1.g"], interp=["linearPD"], calwt=False,
                   applymode="calonly") for copy in copies_of),
            tclean(f"{work}.solint1_post.I.iter2", copies_of, spw=["16,18"] * 2, specmode="mfs", iteration=1,
                   datacolumn="corrected"),
            tclean(f"{work}.I.iter3", copies_of, spw=["16,18"] * 2, specmode="mfs", iteration=1,
                   datacolumn="corrected"),
            *(call("applycal", vis=ms, field=FIELD, spw=spws, gaintable=[f"{copy}.solint1.g"],
                   interp=["linearPD"], calwt=False, applymode="calonly", flagbackup=True)
              for copy, ms in zip(copies_of * 2, targets + lines)),
            *(call("rmtree", path=copy) for copy in copies_of),
        ]),
        stage("hif_makeimlist(specmode='cont', datatype='selfcal')", "The list of images to make is put together.",
              []),
        stage("hif_makeimages()", "The listed images are cleaned.", product(
            f"{MOUS}.s11_0.{label}.cont.selfcal.I", targets, spw=[cont_selection] * 2, specmode="mfs",
            datacolumn="corrected")),
        stage("hif_makeimlist(specmode='cube', datatype='selfcal')", "The list of images to make is put together.",
              []),
        stage("hif_makeimages()", "The listed images are cleaned.", [
            command for spw in SPWS for command in product(
                f"{MOUS}.s13_0.{FIELD}_sci.spw{spw}.cube.selfcal.I", lines, spw=[spw, spw], specmode="cube",
                datacolumn="corrected")
        ]),
        stage("hifa_exportdata()", "The products are put together for the archive.", []),
    ]
    prologue = [
        "raise Error('The casa commands log is not executable!')",
        "",
        "# This file contains CASA commands run by the pipeline. It records what was",
        "# called, in the order it was called, but it is a record and not a script.",
        "",
    ]
    return "\n".join(prologue) + "\n\n".join(stages) + "\n"


def contdat() -> str:
    """The v3 cont.dat of the imaging-only run."""
    lines = [f"Field: {FIELD}", ""]
    for spw in SPWS:
        lines += [f"SpectralWindow: {spw} X{spw}_SPW", *(f"{r} LSRK" for r in CONTINUUM[spw].split(";")), ""]
    return "\n".join(lines)


if __name__ == "__main__":
    (HERE / "logs").mkdir(exist_ok=True)
    (HERE / "logs" / f"{MOUS}.casa_commands.log").write_text(imaging_only_log())
    (HERE / "logs" / f"{MOUS}.cont.dat").write_text(contdat())
