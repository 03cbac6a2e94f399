"""The simulated delivery, built in real CASA: its log, cont.dat and images."""
from __future__ import annotations

import ast
import itertools
import re
import shutil
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytestmark = pytest.mark.casa

SIM = Path(__file__).resolve().parents[1] / "samples" / "sim"
ITER0_IMAGES = ("pb", "psf", "residual", "sumwt")
ITER1_IMAGES = ("image", "image.pbcor", "mask", "model", "pb", "psf", "residual", "sumwt")
# Pixels farther than this from the centre are free of sources (the faint one
# is 23 pixels out); the rms is taken in the ring out to the PB cutoff.
SOURCE_FREE_PIXELS = (26.0, 55.0)


def logged_commands(lines: list[str]) -> list[tuple[int, int, str]]:
    """Each command of a log as (first line, end line, text), recovered by the wrap oracle.

    A wrapped line ends at a dropped space or right after a hyphen; only the
    hyphen case is ambiguous, and the choice that re-wraps to the logged lines
    is the command.
    """
    commands = []
    # Line 1 is the guard ``raise Error(...)``, not a command.
    starts = [i for i, line in enumerate(lines) if i > 0 and line and not line.startswith((" ", "#"))]
    for first, after in zip(starts, [*starts[1:], len(lines)]):
        end = first + 1
        while end < after and lines[end].startswith(" "):
            end += 1
        block = lines[first:end]
        pieces = [block[0], *(line.lstrip(" ") for line in block[1:])]
        hyphens = [i for i, line in enumerate(block[:-1]) if line.endswith("-")]
        candidates = []
        for joins in itertools.product(("", " "), repeat=len(hyphens)):
            seps = [" "] * (len(pieces) - 1)
            for i, sep in zip(hyphens, joins):
                seps[i] = sep
            text = pieces[0] + "".join(sep + piece for sep, piece in zip(seps, pieces[1:]))
            if rewrap(text) == block:
                candidates.append(text)
        assert len(candidates) == 1, f"lines {first + 1}-{end}: {len(candidates)} recoveries"
        commands.append((first, end, candidates[0]))
    return commands


def rewrap(command: str) -> list[str]:
    return textwrap.wrap(command, width=80, subsequent_indent=" " * (command.index("(") + 1), break_long_words=False)


def call_of(command: str) -> tuple[str, dict[str, Any]]:
    """The task name and literal keyword arguments of a logged command."""
    call = ast.parse(command, mode="eval").body
    assert isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and not call.args
    return call.func.id, {kw.arg: ast.literal_eval(kw.value) for kw in call.keywords if kw.arg is not None}


def image_pixels(path: Path) -> np.ndarray:
    import casatools

    ia = casatools.image()
    ia.open(str(path))
    pixels = ia.getchunk().squeeze()
    ia.close()
    return pixels


def peak_and_rms(path: Path) -> tuple[float, float]:
    pixels = image_pixels(path)
    x, y = np.indices(pixels.shape)
    radius = np.hypot(x - pixels.shape[0] // 2, y - pixels.shape[1] // 2)
    ring = (radius > SOURCE_FREE_PIXELS[0]) & (radius < SOURCE_FREE_PIXELS[1])
    return float(pixels.max()), float(pixels[ring].std())


@pytest.fixture(scope="module")
def log_lines(sim_delivery: Any) -> list[str]:
    return sim_delivery.log.read_text().splitlines()


@pytest.fixture(scope="module")
def calls(log_lines: list[str]) -> list[tuple[str, dict[str, Any]]]:
    return [call_of(text) for _, _, text in logged_commands(log_lines)]


def test_log_equals_committed_copy(sim_delivery: Any) -> None:
    committed = SIM / "log" / sim_delivery.log.name
    assert sim_delivery.log.read_bytes() == committed.read_bytes()


def test_contfile_equals_committed_copy(sim_delivery: Any) -> None:
    committed = SIM / "calibration" / sim_delivery.contfile.name
    assert sim_delivery.contfile.read_bytes() == committed.read_bytes()


def test_every_product_has_iter0_and_iter1_images(sim_delivery: Any) -> None:
    for product in sim_delivery.products:
        for suffix in ITER0_IMAGES:
            assert (sim_delivery.working / f"{product.iter0}.{suffix}").is_dir()
        for suffix in ITER1_IMAGES:
            assert (sim_delivery.working / f"{product.iter1}.{suffix}").is_dir()


def test_no_image_was_renamed_by_a_restart(sim_delivery: Any) -> None:
    # tclean(restart=False) on an existing name writes <imagename>_2.* instead.
    names = [path.name for path in sim_delivery.working.iterdir()]
    assert [name for name in names if re.search(r"\.iter\d+_\d+(\.|$)", name)] == []


def test_log_starts_like_the_pipeline_log(log_lines: list[str]) -> None:
    assert log_lines[:2] == ["raise Error('The casa commands log is not executable!')", ""]
    assert log_lines[2].startswith("# ")


def test_lines_fit_80_columns_unless_one_token(log_lines: list[str]) -> None:
    long_lines = [line for line in log_lines if len(line) > 80 and " " in line.strip()]
    assert long_lines == []


def test_rewrapping_each_command_reproduces_the_log(log_lines: list[str]) -> None:
    commands = logged_commands(log_lines)
    covered = {i for first, end, _ in commands for i in range(first, end)}
    # Everything else is stage headers, comments and blank lines.
    others = [log_lines[i] for i in range(1, len(log_lines)) if i not in covered]
    assert [line for line in others if line and not line.startswith("#")] == []
    for first, end, text in commands:
        assert rewrap(text) == log_lines[first:end]


def test_logged_tclean_calls_name_the_products(sim_delivery: Any, calls: list[tuple[str, dict[str, Any]]]) -> None:
    imagenames = [kwargs["imagename"] for task, kwargs in calls if task == "tclean"]
    expected = [name for product in sim_delivery.products for name in (product.iter0, product.iter1)]
    assert imagenames == expected


def test_gaincal_refant_is_the_ranked_list(sim_delivery: Any, calls: list[tuple[str, dict[str, Any]]]) -> None:
    refants = [kwargs["refant"] for task, kwargs in calls if task == "gaincal"]
    assert refants == [",".join(sim_delivery.refants)]


def test_iter1_peak_is_near_the_bright_source_flux(sim_delivery: Any) -> None:
    cont = next(product for product in sim_delivery.products if product.specmode == "cont")
    peak, rms = peak_and_rms(sim_delivery.working / f"{cont.iter1}.image")
    flux = sim_delivery.sources[0].flux_jy
    # Uncorrected phase errors scatter flux out of the peak: loose bounds.
    assert 0.6 * flux < peak < 1.1 * flux
    assert peak / rms > 20


def test_phase_selfcal_raises_peak_snr(
    sim_delivery: Any, calls: list[tuple[str, dict[str, Any]]], tmp_path: Path
) -> None:
    import casatools
    from casatasks import applycal, gaincal, tclean

    cont = next(product for product in sim_delivery.products if product.specmode == "cont")
    clean = next(kwargs for task, kwargs in calls if task == "tclean" and kwargs["imagename"] == cont.iter1)
    vis = tmp_path / sim_delivery.targets_ms
    shutil.copytree(sim_delivery.working / sim_delivery.targets_ms, vis)
    clean.update(vis=[str(vis)], restart=False, calcres=True, calcpsf=True, savemodel="modelcolumn")

    def snr(name: str, datacolumn: str) -> float:
        tclean(**{**clean, "imagename": str(tmp_path / name), "datacolumn": datacolumn})
        peak, rms = peak_and_rms(tmp_path / f"{name}.image")
        return peak / rms

    before = snr("before", "data")
    msmd = casatools.msmetadata()
    msmd.open(str(vis))
    # reindex=False keeps every spw row of the EB, so the map covers them all.
    nspw = msmd.nspw()
    msmd.close()
    table = str(tmp_path / "phase.g")
    gaincal(
        vis=str(vis), caltable=table, solint="30s", combine="spw", refant=",".join(sim_delivery.refants),
        minsnr=3.0, minblperant=6, gaintype="T", calmode="p",
    )
    applycal(vis=str(vis), gaintable=[table], spwmap=[[sim_delivery.science_spws[0]] * nspw], calwt=False)
    after = snr("after", "corrected")
    assert after > 2 * before
