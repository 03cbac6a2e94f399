"""Plan the manual imaging (and self-calibration) script of a log's products.

Each product's logged tclean call is rewritten by the rules of
:mod:`casalog.reimage.rules`; which products self-calibration uses and why
is decided here; everything CASA runs around them is in
``templates/reimage.py.j2``, which derives at run time what the product dicts
tell (image names, measurement sets, selections), so editing a dict is safe.
"""
from __future__ import annotations

import posixpath
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from casalog.contdat import ContDat
from casalog.contdat.edit import find_field, find_spw
from casalog.errors import CasaLogError, SelectionError
from casalog.log.facts import LogFacts
from casalog.log.products import Product
from casalog.output.provenance import Provenance
from casalog.output.quoting import QuotingError, Source, literal
from casalog.output.templating import render
from casalog.reimage import rules
from casalog.reimage.casaversion import (
    NEW_UVCONTSUB,
    TCLEAN_ORDER,
    missing_parameters,
    tclean_parameter,
    usemask_available,
)
from casalog.reimage.options import ImagingOptions, SelfcalOptions

# A change that removes the keyword instead of setting it.
_DROP = object()
# Used when a product has no iter1 call to copy the pipeline's cleaning depth from.
DEFAULT_NITER = 100000
#: How many of the pipeline's ranked reference antennas the script passes to gaincal.
REFANT_COUNT = 5
_CONTINUUM = ("mfs", "cont")


@dataclass(frozen=True)
class ProductPlan:
    """One product as the script images it: its rewritten tclean parameters and notes."""

    number: int
    product: Product
    params: Source
    threshold: Source
    notes: tuple[str, ...]

    @property
    def stem(self) -> str:
        return self.product.stem

    @property
    def call(self) -> Any:
        return self.product.call

    @property
    def short(self) -> str:
        """The stem without the OUS prefix, for step titles."""
        return self.product.stem.split(".", 1)[-1]

    @property
    def pipeline_image(self) -> Source:
        """The pipeline's own image of the product, as the script finds it in its folder."""
        return literal(posixpath.basename(str(self.call.kwargs.get("imagename", ""))))


@dataclass(frozen=True)
class TargetPlan:
    """Self-calibration of one science target: its continuum product and the cubes that benefit."""

    number: int
    field: str
    label: str
    continuum: int
    cubes: tuple[int, ...]
    refant: Source
    refant_origin: str
    notes: tuple[str, ...]

    @property
    def cube_list(self) -> Source:
        return Source(", ".join(str(number) for number in self.cubes))


@dataclass(frozen=True)
class Step:
    """One step of the script; ``kind`` picks its code in the template."""

    kind: str
    title: str
    product: int = 0
    target: TargetPlan | None = None


@dataclass(frozen=True)
class Script:
    """A written script, the warnings to show and what it holds."""

    text: str
    warnings: tuple[str, ...]
    products: int
    steps: int

    @property
    def summary(self) -> str:
        return f"{self.products} product{'s' * (self.products != 1)}, {self.steps} steps"


def build_script(
    products: Sequence[Product],
    facts: LogFacts,
    imaging: ImagingOptions,
    selfcal: SelfcalOptions | None,
    provenance: Provenance,
) -> Script:
    """Plan and write the script.

    Parameters
    ----------
    products : sequence of Product
        The selected products, in log order.
    facts : LogFacts
        The log's facts (reference antennas).
    imaging, selfcal : ImagingOptions, SelfcalOptions or None
        What to change; ``selfcal`` None writes no self-calibration steps.
    provenance : Provenance
        Source log, command line and date for the header.

    Raises
    ------
    SelectionError
        Self-calibration of a selection without a continuum product.
    CasaLogError
        A logged value that cannot be written as a literal (infinite, not a number).
    """
    warnings: list[str] = []
    plans = [_product_plan(number, product, imaging, warnings) for number, product in enumerate(products, 1)]
    targets = _targets(plans, facts, selfcal, warnings) if selfcal else []
    steps = [Step("check", "Check that the measurement sets are here")]
    for plan in plans:
        steps.append(Step("clean", f"Clean {plan.short}", plan.number))
        steps.append(Step("model", f"Fill and check the model of {plan.short}", plan.number))
    for target in targets:
        field = target.field
        steps += [
            Step("split", f"Copy the continuum data of {field} for self-calibration", target=target),
            Step("initial", f"Image the copied continuum of {field} to its own noise", target=target),
            Step("plan", f"Plan the solution intervals of {field} from its data", target=target),
            Step("rounds", f"Self-calibrate {field}", target=target),
            Step("final", f"Final continuum image of {field}", target=target),
        ]
        if target.cubes:
            steps.append(Step("line", f"Apply the solutions of {field} to copies of its line data", target=target))
            steps += [
                Step("cube", f"Clean {plans[n - 1].short} after self-calibration", n, target) for n in target.cubes
            ]
    steps.append(Step("export", "Export the images to FITS and write reimage_summary.json"))
    text = render(
        "reimage.py.j2",
        provenance=provenance,
        interactive=imaging.interactive,
        parallel=imaging.parallel,
        products=plans,
        targets=targets,
        steps=steps,
        solints=literal(list(selfcal.solints) if selfcal and selfcal.solints else None),
        amplitude=bool(selfcal and selfcal.amplitude),
        has_nsigma=tclean_parameter("nsigma").exists_in(imaging.casa_version),
        new_uvcontsub=imaging.casa_version >= NEW_UVCONTSUB,
        applymode="calonly" if any(plans[t.continuum - 1].call.kwargs.get("gridder") == "mosaic" for t in targets)
        else "calflag",
        uses_contdat=imaging.continuum is not None,
    )
    return Script(text, tuple(warnings), len(plans), len(steps))


def _product_plan(number: int, product: Product, imaging: ImagingOptions, warnings: list[str]) -> ProductPlan:
    call = product.call
    notes: list[str] = []
    changes: dict[str, Any] = {}
    if product.iteration != 1:
        note = (
            f"the log has no iter1 call for {product.stem}; built from the iter{product.iteration} "
            f"call at line {call.first_line} with the pipeline's iter1 settings and "
            f"niter={imaging.niter or DEFAULT_NITER}; set THRESHOLD_{number}, the dirty image has none"
        )
        notes.append(note)
        warnings.append(f"{call.filename}:{call.first_line}: warning: {note}")
        changes["niter"] = DEFAULT_NITER
    kwargs = call.kwargs
    vis = [posixpath.basename(name) for name in product.vis]
    changes.update(
        vis=vis,
        imagename=posixpath.basename(product.stem) + ".manual",
        interactive=rules.Code(Source("INTERACTIVE")),
        calcres=True,
        calcpsf=True,
        restart=False,
        threshold=rules.Code(Source(f"THRESHOLD_{number}")),
        restoration=True,
        pbcor=True,
        savemodel="none" if imaging.parallel else imaging.savemodel,
        # A --parallel script has a PARALLEL switch, so the same script also runs serially, without MPI.
        parallel=rules.Code(Source("PARALLEL")) if imaging.parallel else False,
    )
    changes.update(_mask_changes(kwargs, imaging, notes))
    changes.update(_imaging_changes(kwargs, imaging, notes))
    if imaging.continuum is not None:
        changes.update(_continuum_changes(product, vis, imaging.continuum, notes))
    drop = set(_unsupported({**kwargs, **changes}, imaging, notes))
    drop |= {name for name, value in changes.items() if value is _DROP}
    call_record = rules.rewrite(
        rules.Call.of(kwargs),
        rules.set_values({name: value for name, value in changes.items() if name not in drop}),
        rules.drop(drop),
        rules.in_order(TCLEAN_ORDER),
    )
    try:
        params = rules.as_dict_source(call_record)
        threshold = literal(imaging.threshold or kwargs.get("threshold") or "0.0mJy")
    except QuotingError as err:
        raise CasaLogError(f"tclean call of {product.stem}: {err}", call.filename, call.first_line) from None
    return ProductPlan(number, product, params, threshold, tuple(notes))


def _unsupported(kwargs: dict[str, Any], imaging: ImagingOptions, notes: list[str]) -> tuple[str, ...]:
    """Names the target CASA's tclean lacks; names no CASA we know has are kept, with a note."""
    for name in kwargs:
        try:
            tclean_parameter(name)
        except CasaLogError:
            notes.append(f"{name} is no tclean parameter regen-tclean knows; kept as logged")
    dropped = missing_parameters(kwargs, imaging.casa_version)
    if dropped:
        notes.append(f"dropped {', '.join(sorted(dropped))}: not tclean parameters of CASA {imaging.casa_version}")
    return dropped


def _mask_changes(kwargs: dict[str, Any], imaging: ImagingOptions, notes: list[str]) -> dict[str, Any]:
    if imaging.interactive:
        # A drawn mask only counts with usemask='user'; an automask or the
        # pipeline's Cycle 4 cleanmask would otherwise override it.
        return {"usemask": "user", "mask": ""}
    if imaging.mask is not None:
        notes.append("batch cleaning inside the mask given with --mask")
        return {"usemask": "user", "mask": imaging.mask}
    if kwargs.get("usemask") == "auto-multithresh" and usemask_available("auto-multithresh", imaging.casa_version):
        notes.append("batch cleaning with the pipeline's auto-multithresh mask")
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
        from casalog.reimage.spectral import rebin

        changes.update(rebin(kwargs, imaging.width, imaging.nbins, notes))
    return changes


def _continuum_changes(product: Product, vis: list[str], contdat: ContDat, notes: list[str]) -> dict[str, Any]:
    """Select a continuum image's cont.dat ranges, as channels of each MS when the script runs."""
    if product.name.specmode not in _CONTINUUM:
        return {}
    names = [name for name in product.field_names if name in contdat.field_names()]
    field = find_field(contdat, names[0] if names else product.field)
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
    arguments = ", ".join(literal(value) for value in (vis, field.name, ranges, frame))
    return {"spw": rules.Code(Source(f"continuum_spw({arguments})"))}


def _targets(
    plans: list[ProductPlan], facts: LogFacts, options: SelfcalOptions, warnings: list[str]
) -> list[TargetPlan]:
    """One self-calibration per science target with a continuum product; every product left out is said."""
    by_field: dict[str, list[ProductPlan]] = {}
    for plan in plans:
        if plan.product.name.intent == "TARGET":
            by_field.setdefault(plan.product.field, []).append(plan)
    if not any(p.product.name.specmode in _CONTINUUM for group in by_field.values() for p in group):
        raise SelectionError(
            "self-calibration needs a continuum (mfs or cont) product of a science target in the selection", facts.log
        )
    targets: list[TargetPlan] = []
    for field, group in by_field.items():
        continuum = _continuum_product(group)
        if continuum is None:
            _left_out(warnings, group, f"no mfs or cont product of {field} is selected to self-calibrate it with")
            continue
        notes: list[str] = []
        pipeline_selfcal = [p.number for p in group if p.product.name.datatype == "selfcal"]
        if pipeline_selfcal and continuum.number not in pipeline_selfcal:
            notes.append(
                f"The pipeline self-calibrated {field} already (product {pipeline_selfcal[0]}); product "
                f"{continuum.number} starts again from the regular calibration. Select another with --product."
            )
        cubes = tuple(p.number for p in group if p.product.name.specmode in ("cube", "repBW"))
        left = [p for p in group if p is not continuum and p.number not in cubes]
        reason = f"the aggregate continuum (product {continuum.number}) is self-calibrated instead"
        for plan in left:
            notes.append(f"product {plan.number} ({plan.short}) is not made again after self-calibration: {reason}")
        _left_out(warnings, left, reason)
        refant, origin = _refant(continuum, facts, options)
        targets.append(
            TargetPlan(
                number=len(targets) + 1,
                field=field,
                label=continuum.product.name.field,
                continuum=continuum.number,
                cubes=cubes,
                refant=refant,
                refant_origin=origin,
                notes=tuple(notes),
            )
        )
    return targets


def _continuum_product(group: list[ProductPlan]) -> ProductPlan | None:
    """The aggregate continuum (it has the most signal), regular calibration first; else the first mfs."""
    continuum = [p for p in group if p.product.name.specmode in _CONTINUUM]
    if not continuum:
        return None
    return min(
        continuum,
        key=lambda p: (p.product.name.specmode != "cont", p.product.name.datatype == "selfcal", p.number),
    )


def _left_out(warnings: list[str], plans: list[ProductPlan], reason: str) -> None:
    for plan in plans:
        call = plan.call
        warnings.append(
            f"{call.filename}:{call.first_line}: note: self-calibration leaves out product {plan.number} "
            f"({plan.short}): {reason}"
        )


def _refant(continuum: ProductPlan, facts: LogFacts, options: SelfcalOptions) -> tuple[Source, str]:
    """Reference antennas per execution block, from the pipeline's gaincal calls, or ``--refant``."""
    if options.refant is not None:
        return literal(options.refant), "given with --refant."
    vis = [posixpath.basename(name) for name in continuum.product.vis]
    chosen = {name: ",".join(facts.refants_for(name)[:REFANT_COUNT]) for name in vis}
    if not any(chosen.values()):
        return literal(""), "the log has no gaincal call with a refant list, so CASA picks one; better set it."
    origin = f"the first {REFANT_COUNT} of the pipeline's ranking in the gaincal calls of each execution block."
    if len(set(chosen.values())) == 1:
        return literal(next(iter(chosen.values()))), origin
    return literal(chosen), origin
