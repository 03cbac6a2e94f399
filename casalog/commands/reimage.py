"""``regen-tclean LOG``: list a log's image products, or write the manual re-imaging script.

Listing streams (a stage's products are printed when the stage is done); with
selection options the products are first gathered and checked against the log.
Every option is checked before anything is written.
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from casalog import __version__
from casalog.commands import _values
from casalog.commands._io import Notes, add_output_options, check_output, emit, say
from casalog.commands._values import option_type
from casalog.errors import UsageError

if TYPE_CHECKING:
    from casalog.contdat import ContDat
    from casalog.log import LoggedCall, OtherImage, Product
    from casalog.log.selection import Selection
    from casalog.reimage.casaversion import CasaVersion
    from casalog.reimage.options import ImagingOptions, SelfcalOptions

DECONVOLVERS = ("hogbom", "clark", "clarkstokes", "multiscale", "mtmfs")
SPECMODES = ("mfs", "cont", "cube", "repBW")


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the log, listing, selection, imaging and self-calibration options."""
    parser.add_argument("log", help="a casa_commands.log (or .gz), or a delivery folder holding log/")
    parser.add_argument("--version", action="version", version=f"regen-tclean {__version__}")
    parser.add_argument("--list", action="store_true", help="print a table of the image products")
    parser.add_argument("--json", action="store_true", help="list the image products as a JSON array")
    add_output_options(parser, "the re-imaging script")

    select = parser.add_argument_group(
        "which products (for the script, default: every science target product; for a listing, every product)"
    )
    select.add_argument("--field", action="extend", default=[], type=option_type("--field", _values.items),
                        help="field name (repeatable or comma-separated)")
    select.add_argument("--spw", action="extend", default=[], type=option_type("--spw", _values.spw_ids),
                        help="spw ids, e.g. 22,24: products made of these only")
    select.add_argument("--specmode", action="append", default=[], choices=SPECMODES)
    select.add_argument("--intent", action="extend", default=[], type=option_type("--intent", _values.items),
                        help="TARGET, PHASE, BANDPASS, CHECK, …")
    select.add_argument("--product", action="extend", default=[], type=option_type("--product", _values.items),
                        help="product name stem (glob patterns allowed)")

    image = parser.add_argument_group("imaging")
    image.add_argument("--no-interactive", dest="interactive", action="store_false",
                       help="clean in batch: with --mask, else the pipeline's auto-multithresh settings")
    image.add_argument("--mask", type=option_type("--mask", _values.not_empty),
                       help="mask image, CRTF region file or region string for batch cleaning")
    image.add_argument("--datacolumn", choices=("data", "corrected"))
    image.add_argument("--savemodel", choices=("none", "virtual", "modelcolumn"), default="modelcolumn")
    image.add_argument("--robust", type=option_type("--robust", _values.robust))
    image.add_argument("--uvtaper", type=option_type("--uvtaper", _values.quantities("arcsec", (1, 2))),
                       help="outer taper, e.g. 0.5arcsec or 0.5arcsec,0.3arcsec")
    image.add_argument("--niter", type=option_type("--niter", _values.count_or_zero))
    image.add_argument("--threshold", type=option_type("--threshold", _values.quantity("Jy", allow_zero=True)),
                       help="a flux density, e.g. 0.1mJy")
    image.add_argument("--nsigma", type=option_type("--nsigma", _values.positive_number),
                       help="clean down to this many times the residual's rms")
    image.add_argument("--cell", type=option_type("--cell", _values.quantity("arcsec")),
                       help="pixel size, e.g. 0.02arcsec")
    image.add_argument("--imsize", type=option_type("--imsize", _values.imsize), help="pixels, e.g. 512 or 512,400")
    image.add_argument("--width", type=option_type("--width", _spectral_width),
                       help="cube channel width: channels, frequency or velocity")
    image.add_argument("--nbins", type=option_type("--nbins", _values.count), help="cube channels to bin together")
    image.add_argument("--deconvolver", choices=DECONVOLVERS)
    image.add_argument("--scales", type=option_type("--scales", _values.pixel_scales),
                       help="multiscale scales in pixels, e.g. 0,5,15")
    image.add_argument("--parallel", action="store_true", help="tclean parallel=True, run under MPI (batch only)")
    image.add_argument("--contdat", metavar="FILE",
                       help="continuum only: image mfs/cont products from this cont.dat's ranges")
    image.add_argument("--casa-version", type=option_type("--casa-version", _casa_version),
                       help="the CASA to run the script in: 4.7, 5.x, 6.x, 6.5, … (default: the newest we know)")

    selfcal = parser.add_argument_group("self-calibration")
    selfcal.add_argument("--selfcal", action="store_true",
                         help="self-calibrate the continuum and carry the solutions to the cubes")
    selfcal.add_argument("--solints", type=option_type("--solints", _values.solution_intervals),
                         help="phase-round solution intervals, e.g. inf_EB,inf,60s,int "
                         "(default: planned from the data when the script runs)")
    selfcal.add_argument("--ap", action="store_true", help="add a final amplitude+phase round")
    selfcal.add_argument("--refant", type=option_type("--refant", _values.not_empty),
                         help="reference antennas (default: the pipeline's, from the log)")


def run(args: argparse.Namespace) -> int:
    """List the products, or write the script; return 0."""
    if args.list or args.json:
        return _list(args)
    return _write_script(args)


def _list(args: argparse.Namespace) -> int:
    from casalog.delivery import find_log
    from casalog.log import Product, images, read_log
    from casalog.log.facts import no_products_error
    from casalog.log.listing import write_json, write_table
    from casalog.log.selection import select

    log = find_log(args.log)
    selection = _selection(args, default_intents=())
    counts: dict[str, int] = {}
    notes = Notes()
    items: Iterator[Product | OtherImage] = images(_counted(notes.inexact(read_log(log)), counts))
    if selection.any():
        items = iter(select([item for item in items if isinstance(item, Product)], selection, log))
    if not (write_json if args.json else write_table)(items, sys.stdout):
        raise no_products_error(log, counts)
    notes.show()
    return 0


def _write_script(args: argparse.Namespace) -> int:
    from casalog.delivery import find_log
    from casalog.log import read_log
    from casalog.log.facts import read_facts
    from casalog.log.selection import select
    from casalog.output.provenance import Provenance
    from casalog.reimage.plan import build_script

    imaging = _imaging(args)
    selfcal = _selfcal(args)
    check_output(args)
    log = find_log(args.log)
    notes = Notes()
    facts = read_facts(notes.inexact(read_log(log)), log)
    if not facts.products:
        raise facts.no_products_error()
    chosen = select(list(facts.products), _selection(args, default_intents=("TARGET",)), log)
    if imaging.width is not None or imaging.nbins is not None:
        _check_binnable(chosen)
    script = build_script(chosen, facts, imaging, selfcal, Provenance.now(log, args.command_line))
    for warning in script.warnings:
        notes.add(warning)
    emit(script.text, args)
    notes.show()
    if args.output is not None:
        say(f"wrote {args.output}: {script.summary}", error=True)
    return 0


def _selection(args: argparse.Namespace, default_intents: tuple[str, ...]) -> Selection:
    from casalog.log.selection import Selection

    return Selection(
        fields=tuple(args.field),
        spws=tuple(args.spw),
        specmodes=tuple(args.specmode),
        intents=tuple(intent.upper() for intent in args.intent) or default_intents,
        products=tuple(args.product),
    )


def _imaging(args: argparse.Namespace) -> ImagingOptions:
    """The imaging changes the options ask for; options that do not go together are a UsageError."""
    from casalog.reimage.casaversion import DEFAULT_VERSION
    from casalog.reimage.options import ImagingOptions

    if args.parallel and args.interactive:
        raise UsageError("--parallel needs --no-interactive: interactive clean cannot run under MPI")
    if args.mask is not None and args.interactive:
        raise UsageError("--mask is for batch cleaning; add --no-interactive (interactive clean lets you draw it)")
    if args.scales and args.deconvolver not in ("multiscale", "mtmfs"):
        raise UsageError("--scales needs --deconvolver multiscale or mtmfs")
    if args.width is not None and args.nbins is not None:
        raise UsageError("give --width or --nbins, not both")
    return ImagingOptions(
        interactive=args.interactive,
        mask=args.mask,
        datacolumn=args.datacolumn,
        savemodel=args.savemodel,
        robust=args.robust,
        uvtaper=args.uvtaper,
        niter=args.niter,
        threshold=args.threshold,
        nsigma=args.nsigma,
        cell=args.cell,
        imsize=args.imsize,
        width=args.width,
        nbins=args.nbins,
        deconvolver=args.deconvolver,
        scales=args.scales,
        parallel=args.parallel,
        casa_version=args.casa_version or DEFAULT_VERSION,
        continuum=_read_contdat(args.contdat) if args.contdat else None,
    )


def _selfcal(args: argparse.Namespace) -> SelfcalOptions | None:
    from casalog.reimage.options import SelfcalOptions

    if not args.selfcal:
        if args.ap or args.refant or args.solints:
            raise UsageError("--solints, --ap and --refant go with --selfcal")
        return None
    return SelfcalOptions(solints=args.solints, amplitude=args.ap, refant=args.refant)


def _read_contdat(path: str) -> ContDat:
    from casalog import contdat
    from casalog.output.files import read_text

    return contdat.parse(read_text(path), path)


def _check_binnable(products: list[Product]) -> None:
    """Refuse a cube whose logged width or channel count cannot be binned, at its line of the log."""
    from casalog.errors import CasaLogError
    from casalog.reimage.spectral import binning_problem

    for product in products:
        problem = binning_problem(product.call.kwargs)
        if problem is not None:
            call = product.call
            raise CasaLogError(f"--width/--nbins cannot bin {product.stem}: {problem}", call.filename, call.first_line)


def _spectral_width(text: str) -> str:
    from casalog.reimage.spectral import spectral_width

    spectral_width(text)
    return text


def _casa_version(text: str) -> CasaVersion:
    from casalog.reimage.casaversion import CasaVersion

    return CasaVersion.parse(text)


def _counted(calls: Iterable[LoggedCall], counts: dict[str, int]) -> Iterator[LoggedCall]:
    for call in calls:
        counts[call.task] = counts.get(call.task, 0) + 1
        yield call
