"""``regen-tclean report``: the page of a re-imaging run, built from synthetic FITS files and summaries.

The report of a real CASA run is tested in ``test_e2e_casa.py``; here every
view (continuum pairs, cubes, rounds, gains), every missing piece and the
escaping are checked on runs made with astropy, and the page is opened in
headless Chromium.
"""
from __future__ import annotations

import html
import re
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from astropy.utils.exceptions import AstropyWarning
from astropy.wcs import WCS
from browser import open_page
from markupsafe import escape
from PIL import Image
from report_data import CUBE, LINE_GHZ, STEM, make_run, sky_header, write_cube, write_summary

from casalog.commands.main import main
from casalog.report import draw
from casalog.report import page as report_page
from casalog.report.fitsimage import FitsImage, Plane, read_plane, shrink
from casalog.report.page import _src

SRC = re.compile(r'<img src="([^"]+)"')


def report(folder: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str, str]:
    code = main(["report", str(folder), *extra])
    out, err = capsys.readouterr()
    return code, out, err


def page_of(folder: Path) -> str:
    return (folder / "reimage_report" / "index.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic run and its report, built once for the tests that only read them."""
    folder = tmp_path_factory.mktemp("run") / "working"
    make_run(folder)
    assert main(["report", str(folder)]) == 0
    return folder


def test_report_names_every_picture_it_wrote(built: Path) -> None:
    page = page_of(built)
    sources = SRC.findall(page)
    written = sorted(p.name for p in (built / "reimage_report").iterdir() if p.suffix == ".png")
    assert sorted(sources) == written
    for name in (
        "product1-image.png", "product1-residual.png", "product2-peak.png", "product2-spectrum.png",
        "product4-image.png", "selfcal1-image.png", "selfcal1-residual.png", "selfcal1-round0.png",
        "selfcal1-round3.png", "selfcal1-gains1.png", "selfcal1-cube1-peak.png", "selfcal1-cube1-spectrum.png",
    ):
        assert name in written
    assert "<script" not in page and "http://" not in page and "https://" not in page


def test_header_has_the_provenance_of_the_run_and_of_the_report(built: Path) -> None:
    page = page_of(built)
    for text in ("uid___A001_X1_X2.casa_commands.log", "ab" * 32, "regen-tclean 0.2.0, 2026-12-01 10:00 UTC",
                 "regen-tclean delivery --no-interactive --selfcal -o reimage.py", "CASA 6.7.0-31",
                 f"regen-tclean report {built}"):
        assert html.escape(text, quote=False) in page, text
    assert '<meta name="generator" content="regen-tclean report' in page


def test_tables_show_the_numbers_in_the_units_users_read(built: Path) -> None:
    page = page_of(built)
    product = page[page.index('id="product1"'):page.index('id="product2"')]
    assert "pipeline iter1" in product and "50 mJy/beam" in product and "0.4 mJy/beam" in product
    assert "2″ × 1.2″, 30°" in product and "52.5 mJy" in product and "1.6 mJy/beam" in product
    assert "threshold set: 0.4mJy" in product
    assert "0.2mJy, nsigma 3" in page


def test_rounds_say_kept_undone_and_failed_with_why(built: Path) -> None:
    page = page_of(built)
    rounds = page[page.index('<table class="rounds">'):page.index("</table>", page.index('<table class="rounds">'))]
    assert rounds.count("<tbody") == 5
    assert "S/N fell from 150.0 to 100.0" in rounds and "undone" in rounds
    assert "gaincal found no solution for" in rounds and "Missing: no image" in rounds
    assert "10%" in rounds and "100%" in rounds
    assert "skipped: expected S/N per antenna 2.0 &lt; 3.0" in page
    assert "phase-only gains applied to the continuum-subtracted data" in page


def test_missing_product_and_target_show_as_missing(built: Path) -> None:
    page = page_of(built)
    assert "Missing: not made: run its clean step" in page
    assert "Missing: self-calibration not run" in page


def test_the_page_opens_in_chromium_with_every_image_loaded_and_not_blank(built: Path, tmp_path: Path) -> None:
    shown = open_page(built / "reimage_report" / "index.html")
    assert len(shown.images) == len(SRC.findall(page_of(built)))
    for image in shown.images:
        assert image.complete and image.natural_width > 0, image.src
        assert image.variance > 50, image.src
    assert all(url.startswith("file://") for url in shown.requests), shown.requests
    (tmp_path / "page.png").write_bytes(shown.screenshot)


def test_missing_fits_files_are_shown_as_missing_not_a_crash(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "working"
    summary = make_run(folder)
    (folder / summary["products"][0]["fits"]["residual"]).unlink()
    (folder / summary["products"][1]["pipeline_fits"]["image"]).write_text("not a FITS file")
    summary["selfcal"][0]["final_fits"] = {}
    summary["selfcal"][0]["rounds"][1].pop("fits")
    summary["products"][0]["fits"]["image"] = "../outside.fits"
    write_summary(folder, summary)
    code, out, err = report(folder, capsys)
    assert code == 0, err
    page = page_of(folder)
    assert f"Missing: ours: {STEM}.manual.residual.fits: file not found" in page
    assert f"Missing: pipeline iter1: {CUBE}.iter1.image.fits: not a FITS file" in page
    assert "Missing: self-calibrated: no image FITS file in the summary" in page
    assert "Missing: round 1: no image FITS file in the summary" in page
    assert "Missing: ours: ../outside.fits: not a file inside the folder of the run" in page


def test_a_summary_of_another_shape_is_shown_as_far_as_it_goes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "working"
    summary = make_run(folder)
    summary["products"][0]["stats"] = [1, 2]
    summary["products"][1]["fits"] = "image.fits"
    summary["selfcal"][0]["rounds"][1]["gains"] = {"x.ms": {"time": [1.0, 2.0], "antenna": [0], "phase_deg": [[0.0]],
                                                            "flag": [[False]]}}
    summary["selfcal"][0]["rounds"][2]["gains"] = {"y.ms": "nothing"}
    summary["selfcal"][0]["plan"] = None
    summary["selfcal"][0].pop("skipped")
    summary["selfcal"].append("not a target")
    summary["written"] = 12
    write_summary(folder, summary)
    code, _, err = report(folder, capsys)
    assert code == 0, err
    page = page_of(folder)
    assert "x.ms: the recorded times, antennas, phases and flags do not match in length" in page
    assert "y.ms: no solutions recorded" in page
    assert "Missing: no plan" in page
    assert "Missing: no numbers for" in page


def test_text_from_the_summary_is_escaped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "working"
    summary = make_run(folder)
    attack = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    summary["selfcal"][0]["field"] = attack
    summary["products"][0]["stem"] = attack
    summary["log"] = f'a"{attack}'
    summary["products"][0]["fits"]["residual"] = f"{attack}.fits"
    write_summary(folder, summary)
    code, _, err = report(folder, capsys)
    assert code == 0, err
    page = page_of(folder)
    assert "<script" not in page and "onerror=alert(1)>" not in page
    assert page.count(str(escape(attack))) >= 4  # the field (twice), the stem (twice), the FITS name, the log
    assert all(not re.search(r"[\s<>\"']", src) for src in SRC.findall(page))


def test_src_names_are_url_quoted() -> None:
    assert _src('a b&c"<d>.png') == "a%20b%26c%22%3Cd%3E.png"


def test_a_folder_without_a_summary_is_a_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = report(tmp_path, capsys)
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and err.startswith(f"{tmp_path}: no reimage_summary.json")
    assert not (tmp_path / "reimage_report").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [("{not json", "not JSON"), ("[1, 2]", "the JSON is not an object"), (b"\xff\xfe", "not a UTF-8 text file")],
)
def test_a_bad_summary_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | bytes, message: str
) -> None:
    path = tmp_path / "reimage_summary.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    code, _, err = report(tmp_path, capsys)
    assert code == 1 and err.count("\n") == 1
    assert err.startswith(f"{path}") and message in err


def test_a_workdir_that_is_not_a_folder_is_a_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = report(tmp_path / "nowhere", capsys)
    assert code == 1 and err == f"{tmp_path / 'nowhere'}: not a folder\n"


def test_a_report_replaces_the_earlier_one_but_no_other_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "working"
    summary = make_run(folder)
    assert report(folder, capsys)[0] == 0
    (folder / "reimage_report" / "stale.png").write_bytes(b"")
    summary["selfcal"] = []
    write_summary(folder, summary)
    assert report(folder, capsys)[0] == 0
    names = {p.name for p in (folder / "reimage_report").iterdir()}
    assert "stale.png" not in names and not any(name.startswith("selfcal") for name in names)
    assert [p.name for p in folder.iterdir() if p.name.startswith(".")] == []
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    code, _, err = report(folder, capsys, "-o", str(mine))
    assert code == 1 and "is not a report of regen-tclean" in err
    assert (mine / "notes.txt").read_text() == "keep me"


def celestial(header: fits.Header) -> WCS:
    """The sky WCS of a header, without astropy's notes on the CASA-style keywords."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AstropyWarning)
        return WCS(header).celestial


def test_pictures_drawn_one_by_one_or_in_two_processes_are_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764547200")
    folder = tmp_path / "working"
    summary = make_run(folder)
    summary["selfcal"] = summary["selfcal"][:1]
    write_summary(folder, summary)
    made = {}
    for workers in (1, 2):
        monkeypatch.setattr(report_page, "MAX_WORKERS", workers)
        assert report(folder, capsys, "-o", str(tmp_path / f"report{workers}"))[0] == 0
        made[workers] = {p.name: p.read_bytes() for p in (tmp_path / f"report{workers}").iterdir()}
    assert made[1].keys() == made[2].keys()
    different = [name for name in made[1] if made[1][name] != made[2][name] and name != "index.html"]
    assert not different
    pages = [made[workers]["index.html"].decode().replace(f"report{workers}", "report") for workers in (1, 2)]
    assert pages[0] == pages[1]


def test_shrink_keeps_the_sky_position_of_each_block() -> None:
    wcs = celestial(sky_header(1000))
    data = np.arange(1000 * 1000, dtype=np.float32).reshape(1000, 1000)
    data[:10, :10] = np.nan
    small = shrink(Plane(data, wcs, None, "Jy/beam"), max_side=400)
    assert small.shrink == 3 and small.data.shape == (333, 333)
    assert np.isnan(small.data[0, 0]) and np.isfinite(small.data[3, 3])
    assert small.data[5, 7] == pytest.approx(data[15:18, 21:24].mean())
    block_centre = wcs.pixel_to_world_values(22.0, 16.0)
    assert np.allclose(small.wcs.pixel_to_world_values(7, 5), block_centre, rtol=0, atol=1e-9)


def test_a_cube_gives_its_peak_map_beams_and_the_spectrum_of_the_line(tmp_path: Path) -> None:
    path = tmp_path / "cube.fits"
    write_cube(path, 32, 16, 0.08, 1, beams=True)
    with FitsImage(str(path)) as cube:
        assert cube.channels == 16
        assert cube.beam(0) is not None and cube.beam(0).major == pytest.approx(2.0 / 3600)  # type: ignore[union-attr]
        assert cube.beam(15).major == pytest.approx(2.2 / 3600)  # type: ignore[union-attr]
        peak = cube.peak_map()
        row, column = np.unravel_index(int(np.nanargmax(peak.data)), peak.data.shape)
        assert (column - 16, row - 16) == (3, -2)
        lon, lat = peak.wcs.pixel_to_world_values(column, row)
        spectrum = cube.spectrum(float(lon), float(lat))
        assert spectrum is not None and spectrum.axis_label == "frequency (GHz)"
        assert spectrum.axis[int(np.argmax(spectrum.values))] == pytest.approx(LINE_GHZ)
        assert cube.spectrum(lon + 1.0, lat) is None


def test_a_continuum_file_of_three_axes_or_ra_dec_only_reads(tmp_path: Path) -> None:
    header = sky_header(16)
    for key in ("CTYPE3", "CRVAL3", "CDELT3", "CRPIX3", "CUNIT3", "CTYPE4", "CRVAL4", "CDELT4", "CRPIX4", "CUNIT4"):
        del header[key]
    fits.PrimaryHDU(np.ones((16, 16), np.float32), header).writeto(tmp_path / "flat.fits")
    assert read_plane(str(tmp_path / "flat.fits")).data.shape == (16, 16)


def test_a_large_image_makes_a_small_page_quickly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "working"
    summary = make_run(folder)
    rng = np.random.default_rng(0)
    big = rng.normal(0, 1e-3, (4000, 4000)).astype(np.float32)
    big[1990:2010, 1990:2010] += 0.05
    for part in ("image", "residual"):
        name = summary["products"][0]["fits"][part]
        fits.PrimaryHDU(big[np.newaxis, np.newaxis], sky_header(4000)).writeto(folder / name, overwrite=True)
    summary["products"] = summary["products"][:1]
    summary["selfcal"] = []
    write_summary(folder, summary)
    started = time.monotonic()
    code, out, err = report(folder, capsys)
    assert code == 0, err
    assert time.monotonic() - started < 60  # a few seconds on an idle machine; generous for a loaded one
    sizes = {p.name: p.stat().st_size for p in (folder / "reimage_report").iterdir()}
    assert sum(sizes.values()) < 2_000_000, sizes
    for name in ("product1-image.png", "product1-residual.png"):
        with Image.open(folder / "reimage_report" / name) as png:
            assert png.size[0] < 1200 and png.size[1] < 500


def test_image_scale_is_shared_and_spans_both_images() -> None:
    wcs = celestial(sky_header(8))
    faint = Plane(np.full((8, 8), 0.001, np.float32), wcs, None, "Jy/beam")
    bright = Plane(np.full((8, 8), 0.001, np.float32), wcs, None, "Jy/beam")
    bright.data[4, 4] = 0.1
    scale = draw.image_scale([faint, None, bright])
    assert scale is not None and scale.unit == "mJy/beam" and scale.factor == 1e3
    assert scale.norm.vmax == pytest.approx(100.0)
    assert draw.image_scale([None]) is None
    residual = draw.residual_scale([Plane(np.array([[-2e-3, 1e-3]], np.float32), wcs, None, "")])
    assert residual is not None and residual.unit == "mJy/beam" and residual.norm.vmin == pytest.approx(-2.0)
