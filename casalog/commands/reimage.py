"""The script options of the command line, checked before anything is written.

Quantities are checked with astropy units; the values keep the text CASA
takes (``'0.05arcsec'``, ``'0.1mJy'``).
"""
from __future__ import annotations

import argparse

import astropy.units as u

from casalog.reimage.casaversion import DEFAULT_VERSION, CasaVersion
from casalog.contdat import ContDat
from casalog.contdat import parse as parse_contdat
from casalog.errors import UsageError
from casalog.reimage.plan import ImagingOptions, SelfcalOptions
from casalog.log.selection import Selection
from casalog.reimage.spectral import spectral_width

DECONVOLVERS = ("hogbom", "clark", "clarkstokes", "multiscale", "mtmfs")


def add_script_options(parser: argparse.ArgumentParser) -> None:
    """Add the selection, imaging, self-calibration and target options."""
    select = parser.add_argument_group("which products (default: every science target product)")
    select.add_argument("--field", action="append", default=[], help="field name (repeatable or comma-separated)")
    select.add_argument("--spw", action="append", default=[], help="spw ids, e.g. 22,24: products made of these only")
    select.add_argument("--specmode", action="append", default=[], choices=("mfs", "cont", "cube", "repBW"))
    select.add_argument("--intent", action="append", default=[], help="TARGET (default), PHASE, BANDPASS, CHECK, …")
    select.add_argument("--product", action="append", default=[], help="product name stem (glob patterns allowed)")

    image = parser.add_argument_group("imaging")
    image.add_argument("--no-interactive", dest="interactive", action="store_false",
                       help="clean in batch: with --mask, else the pipeline's auto-multithresh settings")
    image.add_argument("--mask", help="mask image, CRTF region file or region string for batch cleaning")
    image.add_argument("--datacolumn", choices=("data", "corrected"))
    image.add_argument("--savemodel", choices=("none", "virtual", "modelcolumn"), default="modelcolumn")
    image.add_argument("--robust", type=float)
    image.add_argument("--uvtaper", help="outer taper, e.g. 0.5arcsec or 0.5arcsec,0.3arcsec,45deg")
    image.add_argument("--niter", type=int)
    image.add_argument("--threshold", help="a flux density, e.g. 0.1mJy")
    image.add_argument("--nsigma", type=float)
    image.add_argument("--cell", help="pixel size, e.g. 0.02arcsec")
    image.add_argument("--imsize", help="pixels, e.g. 512 or 512,400")
    image.add_argument("--width", help="cube channel width: channels, frequency or velocity")
    image.add_argument("--nbins", type=int, help="cube channels to bin together")
    image.add_argument("--deconvolver", choices=DECONVOLVERS)
    image.add_argument("--scales", help="multiscale scales in pixels, e.g. 0,5,15")
    image.add_argument("--parallel", action="store_true", help="tclean parallel=True for mpicasa (batch only)")
    image.add_argument("--contdat", metavar="FILE",
                       help="continuum only: image mfs/cont products from this cont.dat's ranges")
    image.add_argument("--casa-version", default=None, help="the CASA to run the script in: 4.7, 5.x, 6.x, 6.5, …")

    selfcal = parser.add_argument_group("self-calibration")
    selfcal.add_argument("--selfcal", action="store_true", help="add phase self-calibration rounds")
    selfcal.add_argument("--solints", default="inf,30s,int", help="phase-round solution intervals")
    selfcal.add_argument("--ap", action="store_true", help="add a final amplitude+phase round")
    selfcal.add_argument("--refant", help="reference antennas (default: the pipeline's, from the log)")


def selection_from(args: argparse.Namespace) -> Selection:
    """The product selection the options ask for."""
    return Selection(
        fields=_split(args.field),
        spws=_split(args.spw),
        specmodes=_split(args.specmode),
        intents=tuple(i.upper() for i in _split(args.intent)) or ("TARGET",),
        products=_split(args.product),
    )


def imaging_from(args: argparse.Namespace) -> ImagingOptions:
    """The imaging changes the options ask for.

    Raises
    ------
    UsageError
        On a value of the wrong kind or unit, or options that do not go together.
    """
    if args.parallel and args.interactive:
        raise UsageError("--parallel needs --no-interactive: interactive clean cannot run under mpicasa")
    if args.mask is not None and args.interactive:
        raise UsageError("--mask is for batch cleaning; add --no-interactive (interactive clean lets you draw it)")
    if args.robust is not None and not -2 <= args.robust <= 2:
        raise UsageError(f"--robust {args.robust}: Briggs robust goes from -2 to 2")
    if args.scales and args.deconvolver not in ("multiscale", "mtmfs"):
        raise UsageError("--scales needs --deconvolver multiscale or mtmfs")
    if args.width is not None and args.nbins is not None:
        raise UsageError("give --width or --nbins, not both")
    _positive("--niter", args.niter, allow_zero=True)
    _positive("--nbins", args.nbins)
    _positive("--nsigma", args.nsigma, allow_zero=True)
    if args.width is not None:
        spectral_width(args.width)
    return ImagingOptions(
        interactive=args.interactive,
        mask=args.mask,
        datacolumn=args.datacolumn,
        savemodel=args.savemodel,
        robust=args.robust,
        uvtaper=tuple(_quantity("--uvtaper", part, u.arcsec) for part in _split([args.uvtaper]))
        if args.uvtaper
        else None,
        niter=args.niter,
        threshold=_quantity("--threshold", args.threshold, u.Jy) if args.threshold else None,
        nsigma=args.nsigma,
        cell=_quantity("--cell", args.cell, u.arcsec) if args.cell else None,
        imsize=_imsize(args.imsize) if args.imsize else None,
        width=args.width,
        nbins=args.nbins,
        deconvolver=args.deconvolver,
        scales=tuple(_integers("--scales", args.scales)) if args.scales else None,
        parallel=args.parallel,
        casa_version=CasaVersion.parse(args.casa_version) if args.casa_version else DEFAULT_VERSION,
        continuum=_contdat(args.contdat) if args.contdat else None,
    )


def selfcal_from(args: argparse.Namespace) -> SelfcalOptions | None:
    """The self-calibration the options ask for, or None."""
    if not args.selfcal:
        if args.ap or args.refant or args.solints != "inf,30s,int":
            raise UsageError("--solints, --ap and --refant go with --selfcal")
        return None
    solints = _split([args.solints])
    for solint in solints:
        if solint not in ("inf", "int"):
            _quantity("--solints", solint, u.s)
    if not solints:
        raise UsageError("--solints needs at least one interval")
    return SelfcalOptions(solints=solints, amplitude=args.ap, refant=args.refant)


def _contdat(path: str) -> ContDat:
    from casalog.output.files import read_text

    return parse_contdat(read_text(path), path)


def _split(values: list[str | None]) -> tuple[str, ...]:
    return tuple(part.strip() for value in values if value for part in value.split(",") if part.strip())


def _quantity(option: str, text: str, unit: u.UnitBase) -> str:
    try:
        value = u.Quantity(text)
    except (TypeError, ValueError):
        raise UsageError(f"{option} {text}: not a number with a unit") from None
    if not value.unit.is_equivalent(unit):
        raise UsageError(f"{option} {text}: the unit must be like {unit}")
    if value.value < 0:
        raise UsageError(f"{option} {text}: must not be negative")
    return text.replace(" ", "")


def _imsize(text: str) -> tuple[int, ...]:
    sizes = tuple(_integers("--imsize", text))
    if len(sizes) not in (1, 2) or min(sizes) < 1:
        raise UsageError(f"--imsize {text}: one or two positive pixel counts")
    return sizes * 2 if len(sizes) == 1 else sizes


def _integers(option: str, text: str) -> list[int]:
    try:
        return [int(part) for part in _split([text])]
    except ValueError:
        raise UsageError(f"{option} {text}: whole numbers, comma-separated") from None


def _positive(option: str, value: float | None, allow_zero: bool = False) -> None:
    if value is not None and (value < 0 or (value == 0 and not allow_zero)):
        raise UsageError(f"{option} {value}: must be {'at least 0' if allow_zero else 'positive'}")
