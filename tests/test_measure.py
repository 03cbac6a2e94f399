"""samples/measure.py on small synthetic CASA images whose answers are known."""
from __future__ import annotations

import math
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from script_modules import load_script

pytestmark = pytest.mark.casa

MEASURE = Path(__file__).resolve().parents[1] / "samples" / "measure.py"
PIXEL_ARCSEC = 0.2
BEAM = (2.0, 1.0, 30.0)
SIZE = 64
FREQ0_HZ, DFREQ_HZ, NCHAN = 230.0e9, 10.0e6, 8
NOISE = 0.01


@pytest.fixture(scope="module")
def measure(casa_site_config: Path) -> ModuleType:
    return load_script(MEASURE)


def _write(path: Path, pixels: np.ndarray, unit: str = "Jy/beam", beam: bool = True) -> Path:
    """A tclean-shaped image (x, y, Stokes I, channel) with a 0.2 arcsec grid at 230 GHz."""
    import casatools

    ia = casatools.image()
    ia.fromshape(str(path), [SIZE, SIZE, 1, pixels.shape[2]], overwrite=True)
    cs = ia.coordsys()
    cs.setunits(["arcsec", "arcsec"], "direction")
    cs.setincrement([-PIXEL_ARCSEC, PIXEL_ARCSEC], "direction")
    cs.setreferencevalue([FREQ0_HZ], "spectral")
    cs.setreferencepixel([0.0], "spectral")
    cs.setincrement([DFREQ_HZ], "spectral")
    ia.setcoordsys(cs.torecord())
    cs.done()
    ia.putchunk(pixels[:, :, None, :])
    ia.setbrightnessunit(unit)
    if beam:
        ia.setrestoringbeam(major=f"{BEAM[0]}arcsec", minor=f"{BEAM[1]}arcsec", pa=f"{BEAM[2]}deg")
    ia.close()
    return path


def _beam_shaped(peak: float) -> np.ndarray:
    """A source with the restoring beam's shape at the centre pixel."""
    x, y = np.indices((SIZE, SIZE)) - SIZE // 2
    # x runs towards the east (negative RA increment): rotate by the PA from north.
    pa = math.radians(BEAM[2])
    along = (-x * math.sin(pa) + y * math.cos(pa)) * PIXEL_ARCSEC
    across = (x * math.cos(pa) + y * math.sin(pa)) * PIXEL_ARCSEC
    scale = 4.0 * math.log(2.0)
    return peak * np.exp(-scale * ((along / BEAM[0]) ** 2 + (across / BEAM[1]) ** 2))


@pytest.fixture(scope="module")
def product(measure: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A continuum product: image (1 Jy source on noise), residual (noise), model, and a pb
    that cuts the outer ring (the ring holds large values that must not count)."""
    root = tmp_path_factory.mktemp("measure") / "cont.iter1"
    rng = np.random.default_rng(1)
    noise = NOISE * rng.normal(size=(SIZE, SIZE, 1))
    x, y = np.indices((SIZE, SIZE)) - SIZE // 2
    outside = np.hypot(x, y) > 28
    noise[outside] = 50.0
    _write(Path(f"{root}.residual"), noise)
    _write(Path(f"{root}.image"), noise + _beam_shaped(1.0)[:, :, None])
    model = np.zeros((SIZE, SIZE, 1))
    model[32, 32, 0], model[30, 33, 0] = 0.75, 0.25
    _write(Path(f"{root}.model"), model, unit="Jy/pixel", beam=False)
    _write(Path(f"{root}.pb"), np.where(outside, 0.1, 0.9)[:, :, None], unit="", beam=False)
    return root


@pytest.fixture(scope="module")
def cube(measure: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cube whose line (0.5 Jy/beam) fills planes 3 and 4; the others hold noise only."""
    root = tmp_path_factory.mktemp("measure") / "cube.iter1"
    rng = np.random.default_rng(2)
    pixels = NOISE * rng.normal(size=(SIZE, SIZE, NCHAN))
    pixels[:, :, 3:5] += _beam_shaped(0.5)[:, :, None]
    return _write(Path(f"{root}.image"), pixels)


def test_robust_rms_of_gaussian_noise(measure: ModuleType) -> None:
    values = np.random.default_rng(3).normal(scale=2.0, size=200_000)
    values[:1000] = 1.0e6  # outliers barely move it
    assert measure.robust_rms(values) == pytest.approx(2.0, rel=0.02)


def test_sibling_names(measure: ModuleType) -> None:
    assert measure.sibling("a.b.iter1.image.pbcor", "pb") == Path("a.b.iter1.pb")
    assert measure.sibling("x/a.iter1.residual", "model") == Path("x/a.iter1.model")
    with pytest.raises(ValueError, match="tclean image suffix"):
        measure.sibling("a.fits", "pb")


def test_read_image_is_x_y_channel(measure: ModuleType, cube: Path) -> None:
    pixels, valid = measure.read_image(cube)
    assert pixels.shape == (SIZE, SIZE, NCHAN) and valid.all()


def test_continuum_snr_is_peak_over_rms_inside_the_pb(measure: ModuleType, product: Path) -> None:
    image = Path(f"{product}.image")
    assert measure.peak(image) == pytest.approx(1.0, abs=5 * NOISE)
    assert measure.residual_rms(Path(f"{product}.residual")) == pytest.approx(NOISE, rel=0.05)
    assert measure.continuum_snr(image) == pytest.approx(1.0 / NOISE, rel=0.08)


def test_model_flux_sums_the_pixels(measure: ModuleType, product: Path) -> None:
    assert measure.model_flux(Path(f"{product}.model")) == pytest.approx(1.0)


def test_beam_area(measure: ModuleType, product: Path) -> None:
    found = measure.beam(Path(f"{product}.image"))
    assert (found.major_arcsec, found.minor_arcsec, found.pa_deg) == pytest.approx(BEAM)
    assert found.pixel_arcsec == pytest.approx(PIXEL_ARCSEC)
    area = math.pi * BEAM[0] * BEAM[1] / (4 * math.log(2))
    assert found.area_arcsec2 == pytest.approx(area)
    assert found.area_pixels == pytest.approx(area / PIXEL_ARCSEC**2)


def test_integrated_flux_of_a_beam_shaped_source(measure: ModuleType, product: Path) -> None:
    import casatools

    ia = casatools.image()
    ia.open(f"{product}.image")
    centre = ia.toworld([SIZE // 2, SIZE // 2, 0, 0], "s")["string"]
    ia.close()
    region = f"circle[[{centre[0]}, {centre[1]}], 4arcsec]"
    # A source shaped like the beam holds its peak in Jy; noise adds a little.
    assert measure.integrated_flux(Path(f"{product}.image"), region) == pytest.approx(1.0, abs=0.05)


def test_cube_line_measures(measure: ModuleType, cube: Path) -> None:
    freqs = measure.channel_frequencies(cube)
    assert freqs == pytest.approx(FREQ0_HZ + DFREQ_HZ * np.arange(NCHAN))
    center, halfwidth = float(freqs[3] + DFREQ_HZ / 2), DFREQ_HZ
    assert list(measure.line_planes(cube, center, halfwidth)) == [False, False, False, True, True, False, False, False]
    assert measure.line_peak(cube, center, halfwidth) == pytest.approx(0.5, abs=5 * NOISE)
    assert measure.line_free_rms(cube, center, halfwidth) == pytest.approx(NOISE, rel=0.05)
    assert measure.cube_line_snr(cube, center, halfwidth) == pytest.approx(0.5 / NOISE, rel=0.1)
    with pytest.raises(ValueError, match="no plane within"):
        measure.line_peak(cube, 1.0e9, halfwidth)
