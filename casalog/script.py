"""Build the manual imaging (and self-calibration) script from a log's products.

The products' tclean calls are rewritten with libcst (:mod:`casalog.rewrite`);
everything CASA runs around them lives in ``templates/reimage.py.j2``.
"""
from __future__ import annotations

import posixpath
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from casalog import __version__
from casalog.casaversion import DEFAULT_VERSION, CasaVersion, tclean_kwargs_for, tclean_parameter, usemask_available
from casalog.contdat import ContDat
from casalog.contdat_edit import find_field, find_spw
from casalog.errors import CasaLogError, SelectionError
from casalog.products import Product, as_list
from casalog.provenance import Provenance
from casalog.reader import LoggedCall
from casalog.rewrite import Code, DropArguments, OneArgumentPerLine, RenameCallee, SetArguments, rewrite
from casalog.templating import render

# A change that removes the keyword instead of setting it.
_DROP = object()
# Used when a product has no iter1 call to copy the pipeline's cleaning depth from.
DEFAULT_NITER = 100000
REFANT_COUNT = 5


@dataclass(frozen=True)
class ImagingOptions:
    """How to change the pipeline's cleaning; None keeps what the log has."""

    interactive: bool = True
    mask: str | None = None
    datacolumn: str | None = None
    savemodel: str = "modelcolumn"
    robust: float | None = None
    uvtaper: tuple[str, ...] | None = None
    niter: int | None = None
    threshold: str | None = None
    nsigma: float | None = None
    cell: str | None = None
    imsize: tuple[int, ...] | None = None
    width: str | None = None
    nbins: int | None = None
    deconvolver: str | None = None
    scales: tuple[int, ...] | None = None
    parallel: bool = False
    casa_version: CasaVersion = DEFAULT_VERSION
    continuum: ContDat | None = None


@dataclass(frozen=True)
class SelfcalOptions:
    """Self-calibration rounds; ``refant`` None reads it from the log's gaincal calls."""

    solints: tuple[str, ...] = ("inf", "30s", "int")
    amplitude: bool = False
    refant: str | None = None


@dataclass(frozen=True)
class ProductPlan:
    """One product as the script images it: its rewritten tclean parameters and notes."""

    number: int
    product: Product
    call: LoggedCall
    params: str
    notes: tuple[str, ...]
    vis: tuple[str, ...]
    threshold: str
    image_suffix: str
    continuum: bool
    datacolumn: str

    @property
    def stem(self) -> str:
        return self.product.stem

    @property
    def short(self) -> str:
        """The stem without the OUS prefix, for step titles."""
        return self.product.stem.split(".", 1)[-1]

    @property
    def iteration(self) -> int:
        return self.product.iterations[self.product.calls.index(self.call)]


@dataclass(frozen=True)
class SelfcalPlan:
    """Self-calibration of one continuum product on its own copy of the data."""

    product: int
    vis: tuple[str, ...]
    imagename: str
    image_suffix: str
    datacolumn: str
    field: str
    spw: str
    combine: str
    spwmap: tuple[int, ...]
    solints: tuple[str, ...]
    amplitude: bool
    refant: str | dict[str, str]
    refant_origin: str
    note: str


@dataclass(frozen=True)
class Step:
    """One step of the script; ``kind`` picks its code in the template."""

    kind: str
    title: str
    product: int = 0


def build_script(
    products: Sequence[Product],
    gaincal_calls: Sequence[LoggedCall],
    imaging: ImagingOptions,
    selfcal: SelfcalOptions | None,
    provenance: Provenance,
) -> tuple[str, list[str]]:
    """The script text and the warnings to show the user.

    Parameters
    ----------
    products : sequence of Product
        The selected products, in log order.
    gaincal_calls : sequence of LoggedCall
        The log's gaincal calls, to find the pipeline's reference antennas.
    imaging, selfcal : ImagingOptions, SelfcalOptions or None
        What to change; ``selfcal`` None writes no self-calibration steps.
    provenance : Provenance
        Source log, command line and date for the header.

    Raises
    ------
    SelectionError
        When self-calibration is asked for a selection without a continuum product.
    """
    warnings: list[str] = []
    plans = [_product_plan(number, product, imaging, warnings) for number, product in enumerate(products, 1)]
    selfcal_plan = _selfcal_plan(plans, gaincal_calls, selfcal, provenance.log) if selfcal else None
    steps = [Step("check", "Check that the measurement sets are here")]
    for plan in plans:
        steps.append(Step("clean", f"Clean {plan.short}", plan.number))
        steps.append(Step("model", f"Fill and check the model of {plan.short}", plan.number))
    if selfcal_plan:
        short = plans[selfcal_plan.product - 1].short
        steps += [
            Step("split", f"Split the imaged column of {short} for self-calibration"),
            Step("selfcal_start", f"Clean the split data of {short} and fill its model"),
            Step("selfcal", f"Self-calibrate {short}"),
        ]
    steps.append(Step("export", "Export the final images to FITS"))
    text = render(
        "reimage.py.j2",
        version=__version__,
        date=provenance.date,
        log_name=provenance.log_name,
        log_sha256=provenance.log_sha256,
        command_line=provenance.command_line,
        interactive=imaging.interactive,
        parallel=imaging.parallel,
        products=plans,
        selfcal=selfcal_plan,
        steps=steps,
        all_vis=sorted({vis for plan in plans for vis in plan.vis}),
    )
    return text, warnings


def _product_plan(number: int, product: Product, imaging: ImagingOptions, warnings: list[str]) -> ProductPlan:
    call = product.call(1)
    notes: list[str] = []
    changes: dict[str, Any] = {}
    if call is None:
        call = product.calls[-1]
        note = (
            f"the log has no iter1 call for {product.stem}; built from the iter{product.iterations[-1]} "
            f"call at line {call.first_line} with the pipeline's iter1 settings and "
            f"niter={imaging.niter or DEFAULT_NITER}; "
            f"set THRESHOLD_{number}, the dirty image has none"
        )
        notes.append(note)
        warnings.append(f"{call.filename}:{call.first_line}: warning: {note}")
        changes["niter"] = DEFAULT_NITER
    kwargs = call.kwargs
    imagename = posixpath.basename(product.stem) + ".manual"
    vis = [posixpath.basename(name) for name in as_list(kwargs.get("vis"))]
    changes.update(
        vis=vis,
        imagename=imagename,
        interactive=Code("INTERACTIVE"),
        calcres=True,
        calcpsf=True,
        restart=False,
        threshold=Code(f"THRESHOLD_{number}"),
        restoration=True,
        pbcor=True,
        savemodel="none" if imaging.parallel else imaging.savemodel,
        # A --parallel script has a PARALLEL switch, so that the same script
        # can be run serially (PARALLEL = False) without MPI.
        parallel=Code("PARALLEL") if imaging.parallel else False,
    )
    changes.update(_mask_changes(kwargs, imaging, notes))
    changes.update(_imaging_changes(kwargs, imaging, notes))
    if imaging.continuum is not None:
        changes.update(_continuum_changes(product, vis, imaging.continuum, notes))
    dropped = _unsupported({**kwargs, **changes}, imaging.casa_version, notes)
    drop = dropped | {name for name, value in changes.items() if value is _DROP}
    params = rewrite(
        call.text,
        SetArguments({name: value for name, value in changes.items() if name not in drop}),
        DropArguments(drop),
        RenameCallee("dict"),
        OneArgumentPerLine(),
    )
    threshold = imaging.threshold or kwargs.get("threshold") or "0.0mJy"
    deconvolver = changes.get("deconvolver", kwargs.get("deconvolver"))
    return ProductPlan(
        number=number,
        product=product,
        call=call,
        params=params,
        notes=tuple(notes),
        vis=tuple(vis),
        threshold=threshold,
        image_suffix=".image.tt0" if deconvolver == "mtmfs" else ".image",
        continuum=imaging.continuum is not None and "spw" in changes,
        # tclean images CORRECTED_DATA unless told otherwise.
        datacolumn=str(changes.get("datacolumn", kwargs.get("datacolumn", "corrected"))),
    )


def _unsupported(kwargs: dict[str, Any], version: CasaVersion, notes: list[str]) -> set[str]:
    """Names the target CASA's tclean lacks; unknown names are kept, with a note."""
    known = {}
    for name, value in kwargs.items():
        try:
            tclean_parameter(name)
        except CasaLogError:
            notes.append(f"{name} is no tclean parameter regen-tclean knows; kept as logged")
        else:
            known[name] = value
    dropped = set(tclean_kwargs_for(known, version).dropped)
    if dropped:
        notes.append(f"dropped {', '.join(sorted(dropped))}: not tclean parameters of CASA {version}")
    return dropped


def _mask_changes(kwargs: dict[str, Any], imaging: ImagingOptions, notes: list[str]) -> dict[str, Any]:
    if imaging.interactive:
        # A drawn mask only counts with usemask='user'; an automask or the
        # pipeline's Cycle 4 cleanmask would otherwise override it.
        return {"usemask": "user", "mask": ""}
    if imaging.mask is not None:
        return {"usemask": "user", "mask": imaging.mask}
    if kwargs.get("usemask") == "auto-multithresh" and usemask_available("auto-multithresh", imaging.casa_version):
        return {}
    notes.append("batch mode without --mask or a usable automask: cleaning inside the PB=0.3 mask")
    return {"usemask": "pb", "pbmask": 0.3, "mask": _DROP}


def _imaging_changes(kwargs: dict[str, Any], imaging: ImagingOptions, notes: list[str]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for name in ("datacolumn", "robust", "niter", "nsigma", "cell", "deconvolver"):
        value = getattr(imaging, name)
        if value is not None:
            changes[name] = value
    if imaging.robust is not None:
        changes["weighting"] = "briggs"
    if imaging.uvtaper is not None:
        changes["uvtaper"] = list(imaging.uvtaper)
    if imaging.imsize is not None:
        changes["imsize"] = list(imaging.imsize)
    if imaging.scales is not None:
        changes["scales"] = list(imaging.scales)
    if imaging.width is not None or imaging.nbins is not None:
        from casalog.spectral import rebin

        changes.update(rebin(kwargs, imaging.width, imaging.nbins, notes))
    return changes


def _continuum_changes(product: Product, vis: list[str], contdat: ContDat, notes: list[str]) -> dict[str, Any]:
    """Select a continuum image's cont.dat ranges, as channels of each MS when the script runs."""
    if product.name.specmode not in ("mfs", "cont"):
        return {}
    logged_field = str(product.calls[-1].kwargs.get("field", "")).strip('"')
    names = [name for name in (logged_field, product.name.field) if name in contdat.field_names()]
    field = find_field(contdat, names[0] if names else logged_field)
    ranges: list[tuple[str, list[tuple[float, float]] | None]] = []
    frames = set()
    for spw in product.name.spws:
        entry = find_spw(contdat, int(spw), field.name)[1]
        if entry.all_channels:
            ranges.append((spw, None))
        elif not entry.ranges:
            notes.append(f"spw {spw} has no continuum in cont.dat (NONE): left out of this image")
        else:
            # cont.dat gives 0.1 Hz at most; rounding drops the float noise of GHz -> Hz.
            hertz = [(round(float(r.lo.to_value("Hz")), 1), round(float(r.hi.to_value("Hz")), 1)) for r in entry.ranges]
            ranges.append((spw, hertz))
            frames |= {r.effective_frame for r in entry.ranges}
    if not ranges:
        raise SelectionError(
            f"cont.dat has no continuum for any spw of {product.stem}; "
            "leave that product out (--field, --spw, --product)",
            contdat.filename,
        )
    if len(frames) > 1:
        raise SelectionError(f"cont.dat mixes frames {sorted(frames)} for field {field.name}", contdat.filename)
    notes.append(f"continuum only: the ranges of {contdat.filename or 'cont.dat'} for {field.name}")
    frame = frames.pop() if frames else "LSRK"
    return {"spw": Code(f"continuum_spw({vis!r}, {field.name!r}, {ranges!r}, {frame!r})")}


def _selfcal_plan(
    plans: list[ProductPlan],
    gaincal_calls: Sequence[LoggedCall],
    options: SelfcalOptions,
    source: str,
) -> SelfcalPlan:
    continuum = [plan for plan in plans if plan.product.name.specmode in ("mfs", "cont")]
    if not continuum:
        raise SelectionError("self-calibration needs a continuum (mfs or cont) product in the selection", source)
    # The aggregate continuum has the most signal; otherwise the first continuum image.
    plan = next((p for p in continuum if p.product.name.specmode == "cont"), continuum[0])
    pipeline_selfcal = [p.number for p in plans if p.product.name.datatype == "selfcal"]
    note = (
        f"The pipeline self-calibrated this target already (product {pipeline_selfcal[0]}); product "
        f"{plan.number} starts again from the regular calibration. Select another with --product."
        if pipeline_selfcal and plan.number not in pipeline_selfcal
        else ""
    )
    kwargs = plan.call.kwargs
    spws = [int(spw) for spw in plan.product.name.spws]
    vis = tuple(posixpath.splitext(name)[0] + "_selfcal.ms" for name in plan.vis)
    refant, origin = _refant(gaincal_calls, options, dict(zip(vis, plan.vis)))
    # combine='spw' labels the solutions with the lowest spw; every spw id up to the highest must map to it.
    spwmap = (min(spws),) * (max(spws) + 1) if len(spws) > 1 else ()
    return SelfcalPlan(
        product=plan.number,
        vis=vis,
        imagename=posixpath.basename(plan.stem) + ".selfcal",
        image_suffix=plan.image_suffix,
        datacolumn=plan.datacolumn,
        field=str(kwargs.get("field", "")),
        spw=",".join(str(spw) for spw in spws),
        combine="spw" if spwmap else "",
        spwmap=spwmap,
        solints=options.solints,
        amplitude=options.amplitude,
        refant=refant,
        refant_origin=origin,
        note=note,
    )


def _refant(
    gaincal_calls: Sequence[LoggedCall], options: SelfcalOptions, sources: dict[str, str]
) -> tuple[str | dict[str, str], str]:
    """Reference antennas for each self-calibration MS, from the gaincal of its execution block.

    ``sources`` maps each self-calibration MS to the MS it was split from,
    whose name starts with the execution block's.
    """
    if options.refant is not None:
        return options.refant, "given with --refant."
    by_block = {}
    for call in gaincal_calls:
        listed = [name for name in str(call.kwargs.get("refant", "")).split(",") if name]
        if listed:
            block = posixpath.splitext(posixpath.basename(str(call.kwargs.get("vis", ""))))[0]
            by_block[block] = ",".join(listed[:REFANT_COUNT])
    if not by_block:
        return "", "the log has no gaincal call with a refant list, so CASA picks one; better set it."
    latest = list(by_block.values())[-1]
    longest_first = sorted(by_block, key=len, reverse=True)
    chosen = {
        vis: next((by_block[block] for block in longest_first if source.startswith(block)), latest)
        for vis, source in sources.items()
    }
    origin = f"the first {REFANT_COUNT} of the pipeline's list in the gaincal calls of each execution block."
    if len(set(chosen.values())) == 1:
        return next(iter(chosen.values())), origin
    return chosen, origin
