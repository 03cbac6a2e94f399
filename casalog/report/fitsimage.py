"""Read CASA's FITS exports: a sky plane, a cube's peak map and spectra, the restoring beam.

``exportfits(dropdeg=False)`` writes 4-D files (RA, Dec, frequency and
Stokes in some order); the sky axes are found from the WCS, the first
Stokes plane is read.  Files are memory-mapped and cubes are reduced one
channel at a time, so a large cube is never held whole.  Large planes are
shrunk by block means (:func:`shrink`) before they are drawn: a page needs
a few hundred pixels a side, not thousands.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, replace
from types import TracebackType

import numpy as np
from astropy.io import fits
from astropy.utils.exceptions import AstropyWarning
from astropy.wcs import WCS

#: Pixels a side that a plane is shrunk to at most.
MAX_SIDE = 400


class Unreadable(Exception):
    """A FITS file that is absent or cannot be shown; ``str()`` says why, for the page."""


@dataclass(frozen=True)
class Beam:
    """A restoring beam: axes and position angle (east of north) in degrees."""

    major: float
    minor: float
    angle: float


@dataclass(frozen=True)
class Plane:
    """A 2-D sky image (NaN where blanked) with its celestial WCS.

    ``shrink`` is the block size the pixels were averaged over (1: as written).
    """

    data: np.ndarray
    wcs: WCS
    beam: Beam | None
    unit: str
    shrink: int = 1


@dataclass(frozen=True)
class Spectrum:
    """Values along a cube's spectral axis at one sky position."""

    axis: np.ndarray
    axis_label: str
    values: np.ndarray
    unit: str


class FitsImage:
    """An open FITS export; use it as a context manager so the memory map is closed.

    Parameters
    ----------
    path : str

    Raises
    ------
    Unreadable
        The file is absent, not FITS, or has no 2-D sky image in its primary HDU.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        try:
            self._hdus = fits.open(path, memmap=True)
        except FileNotFoundError:
            raise Unreadable("file not found") from None
        except (OSError, ValueError) as err:
            raise Unreadable(f"not a FITS file ({err})") from None
        try:
            self._read_header()
        except Unreadable:
            self._hdus.close()
            raise

    def _read_header(self) -> None:
        primary = self._hdus[0]
        self.header = primary.header
        try:
            data = primary.data
        except (OSError, ValueError, TypeError) as err:
            raise Unreadable(f"its data cannot be read ({err})") from None
        if data is None or data.ndim < 2:
            raise Unreadable("no image in its primary HDU")
        self._data = data
        with warnings.catch_warnings():
            # CASA headers make astropy fix dates and observatory positions, loudly.
            warnings.simplefilter("ignore", AstropyWarning)
            try:
                self.wcs = WCS(self.header, naxis=data.ndim)
            except (ValueError, MemoryError) as err:
                raise Unreadable(f"its coordinates cannot be read ({err})") from None
        lng, lat, spec = self.wcs.wcs.lng, self.wcs.wcs.lat, self.wcs.wcs.spec
        if lng < 0 or lat < 0:
            raise Unreadable("no RA/Dec axes in its header")
        self._spectral = spec if spec >= 0 else None
        self.unit = str(self.header.get("BUNIT", "")).strip()

    def __enter__(self) -> FitsImage:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._hdus.close()

    @property
    def channels(self) -> int:
        """Planes along the spectral axis (1 without one)."""
        if self._spectral is None:
            return 1
        return int(self._data.shape[self._data.ndim - 1 - self._spectral])

    def _index(self, channel: int | slice) -> tuple[int | slice, ...]:
        # numpy orders the axes opposite to FITS; keep the sky axes, pick the
        # channel, and take the first plane of any other axis (Stokes I).
        keep = (self.wcs.wcs.lng, self.wcs.wcs.lat)
        index: list[int | slice] = []
        for axis in range(self._data.ndim):
            fits_axis = self._data.ndim - 1 - axis
            if fits_axis in keep:
                index.append(slice(None))
            elif fits_axis == self._spectral:
                index.append(channel)
            else:
                index.append(0)
        return tuple(index)

    @property
    def sky_shape(self) -> tuple[int, int]:
        """Rows and columns of a sky plane."""
        rows, columns = self._data[self._index(0)].shape  # a view of the memory map: nothing is read
        return int(rows), int(columns)

    def plane(self, channel: int = 0) -> Plane:
        """The sky plane of one channel (the only one of a continuum image)."""
        data = np.array(self._data[self._index(channel)], dtype=np.float32)
        return Plane(data, self.wcs.celestial, self.beam(channel), self.unit)

    def peak_map(self) -> Plane:
        """The maximum over channels of each sky pixel, read one channel at a time."""
        peak = np.full(self.sky_shape, np.nan, dtype=np.float32)
        for channel in range(self.channels):
            np.fmax(peak, self._data[self._index(channel)], out=peak)
        return Plane(peak, self.wcs.celestial, self.beam(), self.unit)

    def spectrum(self, lon: float, lat: float) -> Spectrum | None:
        """The spectrum at a sky position (degrees), or None when it falls outside the image."""
        x, y = (float(v) for v in self.wcs.celestial.world_to_pixel_values(lon, lat))
        column, row = int(round(x)), int(round(y))
        ny, nx = self.sky_shape
        if not (0 <= row < ny and 0 <= column < nx):
            return None
        index = list(self._index(slice(None)))
        sky = [axis for axis, part in enumerate(index) if part == slice(None) and axis != self._numpy_spectral]
        index[sky[0]], index[sky[1]] = row, column
        values = np.array(self._data[tuple(index)], dtype=np.float64)
        axis, label = self.spectral_axis()
        return Spectrum(axis, label, values, self.unit)

    @property
    def _numpy_spectral(self) -> int | None:
        return None if self._spectral is None else self._data.ndim - 1 - self._spectral

    def spectral_axis(self) -> tuple[np.ndarray, str]:
        """The world values of the channels and their axis label (frequencies in GHz)."""
        channels = np.arange(self.channels, dtype=np.float64)
        if self._spectral is None:
            return channels, "channel"
        spectral = self.wcs.sub([self._spectral + 1])
        values = np.asarray(spectral.pixel_to_world_values(channels), dtype=np.float64)
        kind = spectral.wcs.ctype[0].split("-")[0].strip()
        unit = str(spectral.wcs.cunit[0])
        if kind == "FREQ" and unit == "Hz":
            return values / 1e9, "frequency (GHz)"
        return values, f"{kind.lower() or 'spectral axis'} ({unit})" if unit else kind.lower()

    def beam(self, channel: int | None = None) -> Beam | None:
        """The restoring beam: the header's, else that channel's (or the median one) of a BEAMS table."""
        header = self.header
        if all(isinstance(header.get(key), (int, float)) for key in ("BMAJ", "BMIN", "BPA")):
            return _beam(header["BMAJ"], header["BMIN"], header["BPA"])
        if "BEAMS" not in self._hdus:
            return None
        table = self._hdus["BEAMS"]
        try:
            rows = table.data
            major, minor, angle = (np.asarray(rows[name], dtype=np.float64) for name in ("BMAJ", "BMIN", "BPA"))
            chan = np.asarray(rows["CHAN"]) if "CHAN" in rows.names else np.arange(len(major))
            pol = np.asarray(rows["POL"]) if "POL" in rows.names else np.zeros(len(major), dtype=int)
        except (KeyError, ValueError, TypeError):
            return None
        first = pol == pol.min() if len(pol) else pol == 0
        major, minor, angle, chan = major[first], minor[first], angle[first], chan[first]
        if not len(major):
            return None
        picked = np.flatnonzero(chan == channel) if channel is not None else np.array([], dtype=int)
        row = int(picked[0]) if len(picked) else int(np.argsort(major)[len(major) // 2])
        # CASA writes the BEAMS table in arcsec (its TUNITn says so) and the header beam in degrees.
        scale = 1.0 / 3600.0 if str(table.header.get("TUNIT1", "arcsec")).strip() == "arcsec" else 1.0
        return _beam(major[row] * scale, minor[row] * scale, angle[row])


def _beam(major: float, minor: float, angle: float) -> Beam | None:
    if not (math.isfinite(major) and math.isfinite(minor) and major > 0 and minor > 0):
        return None
    return Beam(float(major), float(minor), float(angle) if math.isfinite(angle) else 0.0)


def read_plane(path: str | None, channel: int | None = None) -> Plane:
    """The sky plane of a FITS export (a cube's peak map when ``channel`` is None), shrunk for the page.

    Raises
    ------
    Unreadable
    """
    if path is None:
        raise Unreadable("not named in the summary")
    with FitsImage(path) as image:
        if channel is None and image.channels > 1:
            return shrink(image.peak_map())
        return shrink(image.plane(channel or 0))


def shrink(plane: Plane, max_side: int = MAX_SIDE) -> Plane:
    """Average blocks of pixels so that no side exceeds ``max_side``; blank blocks stay NaN.

    The WCS is sliced with the same step, which puts each new pixel at the
    centre of its block.
    """
    ny, nx = plane.data.shape
    factor = max(1, math.ceil(max(ny, nx) / max_side))
    if factor == 1:
        return plane
    ny, nx = ny - ny % factor, nx - nx % factor
    blocks = plane.data[:ny, :nx].reshape(ny // factor, factor, nx // factor, factor)
    finite = np.isfinite(blocks)
    total = np.where(finite, blocks, 0).sum(axis=(1, 3), dtype=np.float64)
    count = finite.sum(axis=(1, 3))
    with np.errstate(invalid="ignore", divide="ignore"):
        data = np.where(count > 0, total / count, np.nan).astype(np.float32)
    wcs = plane.wcs.slice((slice(0, ny, factor), slice(0, nx, factor)))
    return replace(plane, data=data, wcs=wcs, shrink=factor)
