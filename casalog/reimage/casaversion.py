"""tclean across CASA versions: which parameters and mask modes a release has.

A script written for one CASA must not pass tclean a parameter that release
does not know (CASA 6 rejects unknown keywords, CASA 4.7 has no ``nsigma``, CASA
6.7 no ``chanchunks``). The table below says, for every tclean parameter we
know of, the release that added it and the one that removed it.

Sources: the tclean history in the project notes and the signature of the
casatasks 6.7 tclean. Where the notes give two candidates (``5.5/5.6``) the
table takes the later one, so a script for the earlier release drops the
parameter rather than passing one its tclean may reject. The notes say the
auto-thresh modes went in 5.4; we take their own parameters (``maskthreshold``,
``maskresolution``, ``nmask``, ``autoadjust``) to have gone with them.
``normtype``, ``vptable``, ``smallscalebias``, ``noise``, ``fusedthreshold``
and ``largestscale`` are not in the notes: their versions are our best
knowledge, chosen on the late side for the same reason; as far as we know the
ALMA pipeline does not log them in the eras where the choice matters.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from casalog.errors import CasaLogError, UsageError


@dataclass(frozen=True, order=True)
class CasaVersion:
    """A CASA release, ordered by (major, minor, patch); build numbers are ignored."""

    major: int
    minor: int
    patch: int = 0

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"

    @classmethod
    def parse(cls, text: str) -> CasaVersion:
        """Read a version string such as ``'4.7'``, ``'5.x'``, ``'6.5.3'`` or ``'6.7.0.31'``.

        A missing patch number is 0, so ``'4.7'`` is 4.7.0. An ``x`` stands for
        the newest release of that series in :data:`KNOWN_RELEASES`: ``'5.x'`` is
        5.8.0, ``'6.x'`` is 6.7.0, ``'4.7.x'`` is 4.7.2. That is the newest we
        know of, not necessarily the newest that exists.

        Parameters
        ----------
        text : str
            The version as a user writes it.

        Returns
        -------
        CasaVersion

        Raises
        ------
        UsageError
            If ``text`` is not a version, names a series we know no release
            of through ``x``, or is older than 4.7 (the first tclean we know).
        """
        match = _VERSION_RE.fullmatch(text.strip())
        if match is None:
            raise UsageError(f"{text!r} is not a CASA version (examples: 4.7, 5.x, 6.5.3)")
        major = int(match["major"])
        if match["minor"] == "x":
            version = _newest(text, major)
        elif match["patch"] == "x":
            version = _newest(text, major, int(match["minor"]))
        else:
            version = cls(major, int(match["minor"]), int(match["patch"] or 0))
        if version < OLDEST_VERSION:
            raise UsageError(
                f"CASA {version} is older than {OLDEST_VERSION},"
                " the oldest tclean regen-tclean knows"
            )
        return version


# major.x | major.minor | major.minor.x | major.minor.patch[.build]; nothing follows an x
_VERSION_RE = re.compile(
    r"(?P<major>\d+) \. (?P<minor>x|\d+) (?: (?<!x)\. (?P<patch>x|\d+) (?: (?<!x)\.\d+ )? )?",
    re.VERBOSE,
)


@dataclass(frozen=True)
class TcleanParameter:
    """One tclean parameter and the releases between which it exists."""

    name: str
    added: CasaVersion
    removed: CasaVersion | None = None

    def exists_in(self, version: CasaVersion) -> bool:
        """Say whether ``version``'s tclean has this parameter."""
        return _between(version, self.added, self.removed)


_V = CasaVersion
OLDEST_VERSION = _V(4, 7, 0)
DEFAULT_VERSION = _V(6, 7, 0)
"""The newest CASA we know; scripts target it unless told otherwise."""

KNOWN_RELEASES: tuple[CasaVersion, ...] = (
    _V(4, 7, 2), _V(5, 0, 0), _V(5, 1, 1), _V(5, 3, 0), _V(5, 4, 0), _V(5, 5, 0), _V(5, 6, 1),
    _V(5, 7, 0), _V(5, 8, 0), _V(6, 0, 0), _V(6, 1, 0), _V(6, 2, 1), _V(6, 3, 0), _V(6, 4, 1),
    _V(6, 5, 4), _V(6, 6, 1), _V(6, 7, 0),
)
"""Releases we know exist; ``x`` in a version string resolves among these."""

_C47 = _V(4, 7, 0)
_AUTOMULTI = _V(4, 7, 1)

# In the order of the casatasks 6.7 signature; removed ones stand where they were.
TCLEAN_PARAMETERS: tuple[TcleanParameter, ...] = tuple(
    TcleanParameter(name, added, removed)
    for name, added, removed in (
        ("vis", _C47, None),
        ("selectdata", _C47, None),
        ("field", _C47, None),
        ("spw", _C47, None),
        ("timerange", _C47, None),
        ("uvrange", _C47, None),
        ("antenna", _C47, None),
        ("scan", _C47, None),
        ("observation", _C47, None),
        ("intent", _C47, None),
        ("datacolumn", _C47, None),
        ("imagename", _C47, None),
        ("imsize", _C47, None),
        ("cell", _C47, None),
        ("phasecenter", _C47, None),
        ("stokes", _C47, None),
        ("projection", _C47, None),
        ("startmodel", _C47, None),
        ("specmode", _C47, None),
        ("reffreq", _C47, None),
        ("nchan", _C47, None),
        ("start", _C47, None),
        ("width", _C47, None),
        ("outframe", _C47, None),
        ("veltype", _C47, None),
        ("restfreq", _C47, None),
        ("interpolation", _C47, None),
        ("perchanweightdensity", _V(5, 6), None),
        ("gridder", _C47, None),
        ("facets", _C47, None),
        ("chanchunks", _C47, _V(6, 2)),
        ("psfphasecenter", _V(5, 3), None),
        ("wprojplanes", _C47, None),
        ("vptable", _V(5, 0), None),
        ("mosweight", _V(5, 4), None),
        ("aterm", _C47, None),
        ("psterm", _C47, None),
        ("wbawp", _C47, None),
        ("conjbeams", _C47, None),
        ("cfcache", _C47, None),
        ("usepointing", _V(5, 4), None),
        ("computepastep", _C47, None),
        ("rotatepastep", _C47, None),
        ("pointingoffsetsigdev", _V(6, 0), None),
        ("pblimit", _C47, None),
        ("normtype", _V(5, 0), None),
        ("deconvolver", _C47, None),
        ("scales", _C47, None),
        ("nterms", _C47, None),
        ("smallscalebias", _V(5, 0), None),
        ("fusedthreshold", _V(6, 4), None),
        ("largestscale", _V(6, 4), None),
        ("restoration", _C47, None),
        ("restoringbeam", _C47, None),
        ("pbcor", _C47, None),
        ("outlierfile", _C47, None),
        ("weighting", _C47, None),
        ("robust", _C47, None),
        ("noise", _V(6, 0), None),
        ("npixels", _C47, None),
        ("uvtaper", _C47, None),
        ("niter", _C47, None),
        ("gain", _C47, None),
        ("threshold", _C47, None),
        ("nsigma", _V(5, 3), None),
        ("cycleniter", _C47, None),
        ("cyclefactor", _C47, None),
        ("minpsffraction", _C47, None),
        ("maxpsffraction", _C47, None),
        ("interactive", _C47, None),
        ("nmajor", _V(6, 5), None),
        ("fullsummary", _V(6, 5, 3), None),
        ("usemask", _C47, None),
        ("mask", _C47, None),
        ("pbmask", _C47, None),
        ("maskthreshold", _C47, _V(5, 4)),
        ("maskresolution", _C47, _V(5, 4)),
        ("nmask", _C47, _V(5, 4)),
        ("autoadjust", _C47, _V(5, 4)),
        ("sidelobethreshold", _AUTOMULTI, None),
        ("noisethreshold", _AUTOMULTI, None),
        ("lownoisethreshold", _AUTOMULTI, None),
        ("negativethreshold", _V(5, 1), None),
        ("smoothfactor", _AUTOMULTI, None),
        ("minbeamfrac", _AUTOMULTI, None),
        ("cutthreshold", _AUTOMULTI, None),
        ("growiterations", _V(5, 1), None),
        ("dogrowprune", _V(5, 3), None),
        ("minpercentchange", _V(5, 3), None),
        ("verbose", _V(5, 3), None),
        ("fastnoise", _V(5, 6), None),
        ("restart", _C47, None),
        ("savemodel", _C47, None),
        ("calcres", _C47, None),
        ("calcpsf", _C47, None),
        ("psfcutoff", _V(6, 2), None),
        ("parallel", _C47, None),
    )
)

_BY_NAME = {parameter.name: parameter for parameter in TCLEAN_PARAMETERS}

_USEMASK_MODES: dict[str, tuple[CasaVersion, CasaVersion | None]] = {
    "user": (_C47, None),
    "pb": (_C47, None),
    "auto-thresh": (_C47, _V(5, 4)),
    "auto-thresh2": (_C47, _V(5, 4)),
    "auto-multithresh": (_AUTOMULTI, None),
}


def tclean_parameter(name: str) -> TcleanParameter:
    """Return the table entry of tclean parameter ``name``.

    Raises
    ------
    CasaLogError
        If no CASA release we know has a tclean parameter of that name.
    """
    try:
        return _BY_NAME[name]
    except KeyError:
        raise CasaLogError(
            f"tclean has no parameter {name!r} in any CASA version regen-tclean knows"
        ) from None


def missing_parameters(names: Iterable[str], version: CasaVersion) -> tuple[str, ...]:
    """The tclean parameters among ``names`` that the tclean of ``version`` lacks.

    Names no release we know has are not reported here (see :func:`tclean_parameter`).
    """
    return tuple(name for name in names if name in _BY_NAME and not _BY_NAME[name].exists_in(version))


#: tclean's parameters in the order of its signature, for product dicts a user reads.
TCLEAN_ORDER = tuple(parameter.name for parameter in TCLEAN_PARAMETERS)

#: The first CASA whose uvcontsub writes a new MS from a ``fitspec`` (the older task is uvcontsub_old).
NEW_UVCONTSUB = _V(6, 5)


def usemask_available(usemask: str, version: CasaVersion) -> bool:
    """Say whether ``version``'s tclean has the masking mode ``usemask``.

    ``auto-thresh`` and ``auto-thresh2`` went away in 5.4; ``auto-multithresh``
    came in 4.7.1. An unknown mode is not available anywhere.
    """
    if usemask not in _USEMASK_MODES:
        return False
    return _between(version, *_USEMASK_MODES[usemask])


def _between(version: CasaVersion, added: CasaVersion, removed: CasaVersion | None) -> bool:
    return added <= version and (removed is None or version < removed)


def _newest(text: str, major: int, minor: int | None = None) -> CasaVersion:
    series = [
        known
        for known in KNOWN_RELEASES
        if known.major == major and (minor is None or known.minor == minor)
    ]
    if not series:
        raise UsageError(f"CASA {text}: regen-tclean knows no release of that series")
    return max(series)
