"""What the user asks to change: the imaging and self-calibration choices a script is planned with."""
from __future__ import annotations

from dataclasses import dataclass

from casalog.contdat import ContDat
from casalog.reimage.casaversion import DEFAULT_VERSION, CasaVersion


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
