"""A synthetic re-imaging run for the report tests: FITS files made with astropy and the summary the script writes.

The layout follows what ``templates/reimage.py.j2`` writes (4-D FITS from
``exportfits(dropdeg=False)``, ``reimage_summary.json``); a cube of ours has
per-channel beams in a BEAMS table, as CASA writes them.  The real layout is
checked by the CASA test that reports on a real run.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from astropy.io import fits

STEM = "uid___A001_X1_X2.s10_0.Target_sci.spw1.mfs.I"
CUBE = "uid___A001_X1_X2.s12_0.Target_sci.spw1.cube.I"
CONT = "uid___A001_X1_X2.s14_0.Target_sci.spw1_3.cont.I"
SELFCAL = f"{CONT}.manual_selfcal"
SELFCAL_MS = "uid___A002_X1_X1_targets.Target.manual_selfcal.ms"
LINE_GHZ = 230.05


def sky_header(side: int, nchan: int = 1, beam: bool = True, unit: str = "Jy/beam") -> fits.Header:
    """A CASA-like 4-D header: RA, Dec, frequency, Stokes, 0.3 arcsec pixels, 230 GHz."""
    header = fits.Header()
    header["BUNIT"] = unit
    header["RADESYS"] = "ICRS"
    for axis, (ctype, crval, cdelt, crpix, cunit) in enumerate(
        [
            ("RA---SIN", 180.0, -0.3 / 3600, side // 2 + 1, "deg"),
            ("DEC--SIN", -35.0, 0.3 / 3600, side // 2 + 1, "deg"),
            ("FREQ", 230.0e9, 10.0e6, 1.0, "Hz"),
            ("STOKES", 1.0, 1.0, 1.0, ""),
        ],
        1,
    ):
        header[f"CTYPE{axis}"], header[f"CRVAL{axis}"], header[f"CDELT{axis}"] = ctype, crval, cdelt
        header[f"CRPIX{axis}"], header[f"CUNIT{axis}"] = crpix, cunit
    header["SPECSYS"] = "LSRK"
    if beam:
        header["BMAJ"], header["BMIN"], header["BPA"] = 2.0 / 3600, 1.2 / 3600, 30.0
    return header


def source(side: int, peak: float, noise: float, seed: int, offset: tuple[int, int] = (0, 0)) -> np.ndarray:
    """A Gaussian source on Gaussian noise, blanked (NaN) outside a disc as a primary-beam mask is."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[:side, :side] - side // 2
    image = peak * np.exp(-((x - offset[0]) ** 2 + (y - offset[1]) ** 2) / 8.0) + rng.normal(0, noise, (side, side))
    image[x**2 + y**2 > (0.45 * side) ** 2] = np.nan
    return image.astype(np.float32)


def write_plane(path: Path, plane: np.ndarray, **header: Any) -> str:
    fits.PrimaryHDU(plane[np.newaxis, np.newaxis], sky_header(plane.shape[0], **header)).writeto(path)
    return path.name


def write_cube(path: Path, side: int, nchan: int, line: float, seed: int, beams: bool = False) -> str:
    """A cube with a line of peak ``line`` Jy/beam at LINE_GHZ, at a pixel off the centre."""
    frequencies = 230.0 + 0.01 * np.arange(nchan)
    profile = line * np.exp(-((frequencies - LINE_GHZ) ** 2) / (2 * 0.02**2))
    cube = np.stack([source(side, amplitude, 0.002, seed + channel, offset=(3, -2)) for channel, amplitude in
                     enumerate(profile)])
    hdus = [fits.PrimaryHDU(cube[np.newaxis], sky_header(side, nchan, beam=not beams))]
    if beams:
        # CASA's per-plane beams: a BEAMS table in arcsec, one row per channel and polarization.
        columns = [
            fits.Column("BMAJ", "E", unit="arcsec", array=np.linspace(2.0, 2.2, nchan)),
            fits.Column("BMIN", "E", unit="arcsec", array=np.full(nchan, 1.2)),
            fits.Column("BPA", "E", unit="deg", array=np.full(nchan, 30.0)),
            fits.Column("CHAN", "J", array=np.arange(nchan)),
            fits.Column("POL", "J", array=np.zeros(nchan)),
        ]
        hdus.append(fits.BinTableHDU.from_columns(columns, name="BEAMS"))
        hdus[0].header["CASAMBM"] = True
    fits.HDUList(hdus).writeto(path)
    return path.name


def stats(peak: float, rms: float, image: str) -> dict[str, Any]:
    return {"image": image, "peak": peak, "rms": rms, "snr": peak / rms, "beam_major": 2.0, "beam_minor": 1.2,
            "beam_angle": 30.0, "beam_area": 2.72, "model_flux": peak * 1.1, "integrated_flux": peak * 1.05,
            "residual_peak": 4 * rms}


def continuum_images(folder: Path, name: str, peak: float, noise: float, seed: int, side: int = 64,
                     parts: tuple[str, ...] = ("image", "image.pbcor", "residual", "pb")) -> dict[str, str]:
    """The FITS exports of one continuum image; returns part -> file name, as the summary has them."""
    made = {}
    for part in parts:
        if part == "residual":
            plane = source(side, 0.0, noise, seed + 100)
            made[part] = write_plane(folder / f"{name}.{part}.fits", plane, beam=False, unit="")
        elif part == "pb":
            made[part] = write_plane(folder / f"{name}.{part}.fits", np.ones((side, side), np.float32), beam=False,
                                     unit="")
        else:
            made[part] = write_plane(folder / f"{name}.{part}.fits", source(side, peak, noise, seed))
    return made


def gains(antennas: int = 4, solutions: int = 3, polarizations: int = 2) -> dict[str, Any]:
    rng = np.random.default_rng(7)
    time = [5.189622e9 + 60.0 * t for t in range(solutions) for _ in range(antennas)]
    antenna = [a for _ in range(solutions) for a in range(antennas)]
    phase = rng.uniform(-60, 60, (polarizations, len(time))).round(3)
    phase[:, np.asarray(antenna) == 0] = 0.0
    flag = np.zeros_like(phase, dtype=bool)
    flag[0, -1] = True
    return {"time": time, "antenna": antenna, "spw": [1] * len(time), "phase_deg": phase.tolist(),
            "flag": flag.tolist(), "antenna_names": [f"DA{41 + a}" for a in range(antennas)]}


def make_run(folder: Path) -> dict[str, Any]:
    """Write a synthetic run into ``folder`` and return its summary (also written as reimage_summary.json).

    Product 1 is a continuum image with the pipeline's beside it, product 2 a
    cube, product 3 was not made; the continuum product 4 is self-calibrated
    in rounds (kept, kept, undone, failed) and a second target was not.
    """
    folder.mkdir(parents=True, exist_ok=True)
    products: list[dict[str, Any]] = [
        {"number": 1, "stem": STEM, "imagename": f"{STEM}.manual", "specmode": "mfs",
         "pipeline_image": f"{STEM}.iter1", "threshold": "0.4mJy", "nsigma": None,
         "stats": stats(0.050, 0.0004, f"{STEM}.manual"),
         "fits": continuum_images(folder, f"{STEM}.manual", 0.050, 0.0004, 1),
         "pipeline_stats": stats(0.046, 0.0006, f"{STEM}.iter1"),
         "pipeline_fits": continuum_images(folder, f"{STEM}.iter1", 0.046, 0.0006, 2)},
        {"number": 2, "stem": CUBE, "imagename": f"{CUBE}.manual", "specmode": "cube",
         "pipeline_image": f"{CUBE}.iter1", "threshold": "2mJy", "nsigma": None,
         "stats": stats(0.080, 0.002, f"{CUBE}.manual"),
         "fits": {"image": write_cube(folder / f"{CUBE}.manual.image.fits", 32, 16, 0.08, 10, beams=True)},
         "pipeline_stats": stats(0.075, 0.002, f"{CUBE}.iter1"),
         "pipeline_fits": {"image": write_cube(folder / f"{CUBE}.iter1.image.fits", 32, 16, 0.075, 30)}},
        {"number": 3, "stem": "uid___A001_X1_X2.s16_0.Target_sci.spw3.mfs.I", "imagename": "x.manual",
         "specmode": "mfs", "pipeline_image": "x.iter1", "threshold": "0.4mJy", "nsigma": None,
         "missing": "not made: run its clean step"},
        {"number": 4, "stem": CONT, "imagename": f"{CONT}.manual", "specmode": "mfs",
         "pipeline_image": f"{CONT}.iter1", "threshold": "0.2mJy", "nsigma": 3.0,
         "stats": stats(0.060, 0.0003, f"{CONT}.manual"),
         "fits": continuum_images(folder, f"{CONT}.manual", 0.060, 0.0003, 3),
         "pipeline_stats": stats(0.055, 0.0005, f"{CONT}.iter1"),
         "pipeline_fits": continuum_images(folder, f"{CONT}.iter1", 0.055, 0.0005, 4)},
    ]
    rounds: list[dict[str, Any]] = []
    for number, (solint, noise, kept, why) in enumerate([
        ("", 0.0008, True, "before self-calibration"),
        ("inf_EB", 0.0005, True, "S/N rose from 75.0 to 120.0"),
        ("inf", 0.0004, True, "S/N rose from 120.0 to 150.0"),
        ("60s", 0.0006, False, "S/N fell from 150.0 to 100.0"),
    ]):
        image = f"{SELFCAL}.initial" + (f"_round{number}_{solint}" if number else "")
        entry = dict(stats(0.060, noise, image), round=number, solint=solint, calmode="p" if number else "",
                     nsigma=5.0 - number / 2, flagged=0.1 * number, kept=kept, why=why,
                     fits=continuum_images(folder, image, 0.060, noise, 40 + number, parts=("image", "residual", "pb")))
        if number:
            entry["expected_snr"] = 60.0 / number
        if kept and number:
            entry["gains"] = {SELFCAL_MS: gains(solutions=number + 1)}
        rounds.append(entry)
    rounds.append({"round": 4, "solint": "int", "calmode": "p", "nsigma": 3.0, "expected_snr": 5.1, "flagged": 1.0,
                   "kept": False, "why": f"gaincal found no solution for {SELFCAL_MS}"})
    target = {
        "field": "Target", "continuum_product": 4, "mosaic": False,
        "plan": [{"name": "inf_EB", "solint": "inf", "gaintype": "G", "combine": "scan", "snr": 60.0},
                 {"name": "inf", "solint": "inf", "gaintype": "T", "combine": "", "snr": 30.0}],
        "skipped": [{"solint": "int", "snr": 2.0, "why": "expected S/N per antenna 2.0 < 3.0"}],
        "rounds": rounds,
        "final_image": f"{SELFCAL}.final", "final": stats(0.062, 0.0003, f"{SELFCAL}.final"),
        "final_fits": continuum_images(folder, f"{SELFCAL}.final", 0.062, 0.0003, 60),
        "cubes": [{"product": 2, "imagename": f"{CUBE}.manual_selfcal", "stats": stats(0.085, 0.0015, "c"),
                   "fits": {"image": write_cube(folder / f"{CUBE}.manual_selfcal.image.fits", 32, 16, 0.085, 50)}}],
        "line_order": "phase-only gains applied to the continuum-subtracted data",
    }
    summary = {
        "regen_tclean": "0.2.0", "log": "uid___A001_X1_X2.casa_commands.log", "log_sha256": "ab" * 32,
        "command_line": "regen-tclean delivery --no-interactive --selfcal -o reimage.py",
        "written": "2026-12-01 10:00 UTC", "casa_version": "6.7.0-31", "products": products,
        "selfcal": [target, {"field": "Other", "missing": "self-calibration not run"}],
    }
    write_summary(folder, summary)
    return summary


def write_summary(folder: Path, summary: dict[str, Any]) -> None:
    (folder / "reimage_summary.json").write_text(json.dumps(summary, indent=1))
