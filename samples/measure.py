"""Measure CASA images as the tests and benchmarks judge them.

A stand-alone module (``python3 samples/measure.py IMAGE_ROOT`` prints the
continuum figures of one tclean product; tests load it with
``tests/script_modules.py``).  It reads images with the casatools image tool
and needs nothing of the project.

Conventions:

- Every statistic is taken inside the primary-beam area: pixels whose
  primary-beam response (the ``.pb`` image beside a tclean image) is at least
  ``pblimit``, and that the image's own pixel mask keeps.
- The noise is robust: 1.4826 times the median absolute deviation, so that
  sources and clean artefacts hardly bias it.
- Images are Stokes I; a cube has one plane per channel.  Fluxes are in the
  units of the image (Jy/beam for restored and residual images, Jy/pixel for
  models), not primary-beam corrected unless a ``.pbcor`` image is given.
"""
from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MAD_TO_SIGMA = 1.4826
PBLIMIT = 0.2
# tclean's image suffixes, longest first, to find an image's siblings.
SUFFIXES = (".image.pbcor", ".image", ".residual", ".model", ".psf", ".pb", ".mask", ".sumwt")


@dataclass(frozen=True)
class Beam:
    """A restoring beam: FWHM axes and position angle.

    Attributes
    ----------
    major_arcsec, minor_arcsec : float
        Full widths at half maximum.
    pa_deg : float
        Position angle of the major axis.
    pixel_arcsec : float
        Size of the image's pixels (square).
    """

    major_arcsec: float
    minor_arcsec: float
    pa_deg: float
    pixel_arcsec: float

    @property
    def area_arcsec2(self) -> float:
        """Area of the Gaussian beam, pi * major * minor / (4 ln 2)."""
        return math.pi * self.major_arcsec * self.minor_arcsec / (4.0 * math.log(2.0))

    @property
    def area_pixels(self) -> float:
        """Beam area in pixels: divide a sum of Jy/beam pixels by it to get Jy."""
        return self.area_arcsec2 / self.pixel_arcsec**2


def sibling(image: str | Path, suffix: str) -> Path:
    """Another image of the same tclean product: ``x.image`` and ``pb`` give ``x.pb``.

    Parameters
    ----------
    image : str or Path
        One image of the product.
    suffix : str
        The sibling's suffix without the dot (``pb``, ``residual``, ...).
    """
    text = str(image)
    for known in SUFFIXES:
        if text.endswith(known):
            return Path(f"{text[: -len(known)]}.{suffix}")
    raise ValueError(f"{image} does not end in a tclean image suffix {SUFFIXES}")


def read_image(image: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """The Stokes I pixels of a tclean image and its pixel mask, shaped (x, y, channel).

    Parameters
    ----------
    image : str or Path
        A CASA image with tclean's axes: two direction axes, Stokes, frequency.

    Returns
    -------
    pixels, valid : ndarray
        Pixel values (float) and where the image's mask keeps them (bool).
    """
    import casatools

    ia = casatools.image()
    ia.open(str(image))
    try:
        cs = ia.coordsys()
        kinds = [str(kind).lower() for kind in cs.axiscoordinatetypes()]
        cs.done()
        if kinds != ["direction", "direction", "stokes", "spectral"]:
            raise ValueError(f"{image}: axes {kinds} are not tclean's (direction, direction, stokes, spectral)")
        pixels = np.asarray(ia.getchunk(dropdeg=False), dtype=float)[:, :, 0, :]
        valid = np.asarray(ia.getchunk(getmask=True, dropdeg=False), dtype=bool)[:, :, 0, :]
    finally:
        ia.close()
    return pixels, valid


def pb_area(image: str | Path, pblimit: float = PBLIMIT) -> np.ndarray:
    """Where statistics of an image are taken: inside the primary beam and its pixel mask.

    Parameters
    ----------
    image : str or Path
        A tclean image; its ``.pb`` sibling gives the primary beam.  Without
        one, the image's own pixel mask alone decides.
    pblimit : float, optional
        The lowest primary-beam response kept.

    Returns
    -------
    ndarray of bool
        Shaped (x, y, channel) like :func:`read_image`.
    """
    _, valid = read_image(image)
    pb_path = sibling(image, "pb")
    if pb_path.exists():
        pb, pb_valid = read_image(pb_path)
        valid = valid & pb_valid & (pb >= pblimit)
    return valid


def robust_rms(values: np.ndarray) -> float:
    """1.4826 times the median absolute deviation from the median."""
    values = np.asarray(values, dtype=float).ravel()
    return float(MAD_TO_SIGMA * np.median(np.abs(values - np.median(values))))


def peak(image: str | Path, pblimit: float = PBLIMIT) -> float:
    """The highest pixel of an image inside the primary-beam area."""
    pixels, _ = read_image(image)
    return float(pixels[pb_area(image, pblimit)].max())


def residual_rms(residual: str | Path, pblimit: float = PBLIMIT) -> float:
    """Robust rms of a residual image inside the primary-beam area (all channels)."""
    pixels, _ = read_image(residual)
    return robust_rms(pixels[pb_area(residual, pblimit)])


def continuum_snr(image: str | Path, residual: str | Path | None = None, pblimit: float = PBLIMIT) -> float:
    """Continuum S/N: peak of the restored image over the robust rms of the residual.

    Parameters
    ----------
    image : str or Path
        The restored image (``<root>.image``; not primary-beam corrected, so
        that peak and noise share one scale).
    residual : str or Path, optional
        The residual image; ``<root>.residual`` by default.
    pblimit : float, optional
        Both are measured where the primary beam is at least this.
    """
    residual = sibling(image, "residual") if residual is None else residual
    return peak(image, pblimit) / residual_rms(residual, pblimit)


def model_flux(model: str | Path) -> float:
    """The flux in a model image (sum of its Jy/pixel values), in Jy."""
    pixels, valid = read_image(model)
    return float(pixels[valid].sum())


def beam(image: str | Path) -> Beam:
    """The restoring beam of an image (the common beam of a cube with per-plane beams)."""
    import casatools

    ia = casatools.image()
    ia.open(str(image))
    try:
        info = ia.restoringbeam()
        if "beams" in info:
            info = ia.commonbeam()
        cs = ia.coordsys()
        increment = cs.increment(format="n", type="direction")["numeric"][0]
        unit = cs.units(type="direction")[0]
        cs.done()
    finally:
        ia.close()
    qa = casatools.quanta()
    return Beam(
        major_arcsec=qa.convert(info["major"], "arcsec")["value"],
        minor_arcsec=qa.convert(info["minor"], "arcsec")["value"],
        pa_deg=qa.convert(info["positionangle"], "deg")["value"],
        pixel_arcsec=abs(qa.convert(qa.quantity(increment, unit), "arcsec")["value"]),
    )


def integrated_flux(image: str | Path, region: str) -> float:
    """The flux of a restored image in a region: the sum of its pixels over the beam area.

    Parameters
    ----------
    image : str or Path
        A restored image in Jy/beam (use the ``.image.pbcor`` for the sky's flux).
    region : str
        A CASA region text (CRTF), e.g. ``circle[[12h00m00.05s, -35d00m00.0s], 4arcsec]``.

    Returns
    -------
    float
        Jy, summed over every plane of a cube.
    """
    import casatools

    ia = casatools.image()
    rg = casatools.regionmanager()
    ia.open(str(image))
    try:
        selection = rg.fromtext(region, shape=ia.shape(), csys=ia.coordsys().torecord())
        pixels = ia.getregion(region=selection, dropdeg=False)
        inside = ia.getregion(region=selection, getmask=True, dropdeg=False)
    finally:
        ia.close()
        rg.done()
    return float(np.asarray(pixels)[np.asarray(inside)].sum()) / beam(image).area_pixels


def channel_frequencies(cube: str | Path) -> np.ndarray:
    """Centre frequency (Hz, in the cube's own frame) of each plane of a cube."""
    import casatools

    ia = casatools.image()
    ia.open(str(cube))
    try:
        cs = ia.coordsys()
        nchan = int(ia.shape()[cs.findaxisbyname("spectral")])
        start = cs.referencevalue(format="n", type="spectral")["numeric"][0]
        step = cs.increment(format="n", type="spectral")["numeric"][0]
        origin = cs.referencepixel(type="spectral")["numeric"][0]
        cs.done()
    finally:
        ia.close()
    return start + (np.arange(nchan) - origin) * step


def line_planes(cube: str | Path, center_hz: float, halfwidth_hz: float) -> np.ndarray:
    """Which planes of a cube lie within ``halfwidth_hz`` of a line centre (same frame as the cube)."""
    return np.abs(channel_frequencies(cube) - center_hz) <= halfwidth_hz


def line_peak(cube: str | Path, center_hz: float, halfwidth_hz: float, pblimit: float = PBLIMIT) -> float:
    """The highest pixel of a cube's line planes inside the primary-beam area (Jy/beam).

    Parameters
    ----------
    cube : str or Path
        A restored, continuum-subtracted cube.
    center_hz, halfwidth_hz : float
        The line: planes within ``halfwidth_hz`` of ``center_hz`` hold it.
    pblimit : float, optional
        Lowest primary-beam response kept.
    """
    pixels, _ = read_image(cube)
    area = pb_area(cube, pblimit)
    planes = line_planes(cube, center_hz, halfwidth_hz)
    if not planes.any():
        raise ValueError(f"{cube} has no plane within {halfwidth_hz} Hz of {center_hz} Hz")
    return float(pixels[:, :, planes][area[:, :, planes]].max())


def line_free_rms(cube: str | Path, center_hz: float, halfwidth_hz: float, pblimit: float = PBLIMIT) -> float:
    """Robust rms of a cube's planes farther than ``halfwidth_hz`` from the line centre."""
    pixels, _ = read_image(cube)
    area = pb_area(cube, pblimit)
    free = ~line_planes(cube, center_hz, halfwidth_hz)
    if not free.any():
        raise ValueError(f"{cube} has no plane farther than {halfwidth_hz} Hz from {center_hz} Hz")
    return robust_rms(pixels[:, :, free][area[:, :, free]])


def cube_line_snr(cube: str | Path, center_hz: float, halfwidth_hz: float, pblimit: float = PBLIMIT) -> float:
    """Line S/N of a cube: :func:`line_peak` over :func:`line_free_rms`."""
    return line_peak(cube, center_hz, halfwidth_hz, pblimit) / line_free_rms(cube, center_hz, halfwidth_hz, pblimit)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``measure.py ROOT [ROOT ...]`` prints each product's continuum figures."""
    parser = argparse.ArgumentParser(description="Measure tclean products (ROOT.image, ROOT.residual, ...).")
    parser.add_argument("roots", nargs="+", help="image name without suffix, e.g. name.iter1")
    args = parser.parse_args(argv)
    for root in args.roots:
        image = Path(f"{root}.image")
        if not image.exists():
            print(f"{image}: no such image", file=sys.stderr)
            return 1
        found = beam(image)
        print(
            f"{root}: peak {peak(image):.4g} Jy/beam, residual rms {residual_rms(sibling(image, 'residual')):.3g}"
            f" Jy/beam, S/N {continuum_snr(image):.1f}, model {model_flux(sibling(image, 'model')):.4g} Jy,"
            f" beam {found.major_arcsec:.2f}x{found.minor_arcsec:.2f} arcsec"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
