"""Science benchmark: our generated self-calibration against the pipeline, an expert's hand and the truth.

Run from the repository root, with the package and CASA installed (``pip install -e '.[test]'``)::

    python3 benchmarks/bench_selfcal.py [--workdir DIR] [--imsize N]

It builds the simulator's ``selfcal`` delivery (two EBs, a 1.5 Jy sky under
phase errors the pipeline's calibration could not follow, a line) and its
``weak`` twin, unless ``DIR`` already holds them; writes our batch +
self-calibration script with ``regen-tclean``, runs its self-calibration
steps in CASA (the per-product re-cleans are left out), runs the hand
self-calibration of ``benchmarks/hand_selfcal.py`` with the same intervals
our script tried, and prints, measured from the images with
``samples/measure.py``: continuum S/N, model flux, line-cube S/N and line
peak for the pipeline's iter1 products, ours, the hand's and the truth; the
rounds made and kept; the CASA wall time of our script and of the hand's
rounds (ratio in the same run); and what the script did on the weak source.
"""
from __future__ import annotations

import argparse
import ast
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from hand_selfcal import (  # noqa: E402 (a stand-alone script beside this one)
    LINE_HALFWIDTH_SIGMA,
    CasaClock,
    Figures,
    hand_figures,
    image_line,
    load_script,
    mask_region,
    pipeline_figures,
    read_pipeline,
    run_selfcal,
    split_continuum,
    thermal_noise,
    true_line_peak,
    true_peak,
)


@dataclass(frozen=True)
class OurRun:
    """Our script's run on one delivery: its summary, figures and wall time."""

    summary: dict[str, Any]
    seconds: float
    stdout: str


def build(simulator: ModuleType, workdir: Path, name: str, imsize: int | None) -> Any:
    """The delivery of scenario ``name`` in ``workdir/name``, built unless it is there already."""
    import dataclasses

    scenario = simulator.SCENARIOS[name]
    if imsize:
        scenario = dataclasses.replace(scenario, imsize=(imsize, imsize))
    root = workdir / name
    if (root / "log").is_dir():
        return root, scenario
    start = time.monotonic()
    simulator.build_delivery(root, scenario)
    print(f"built the {name} delivery in {time.monotonic() - start:.0f} s", flush=True)
    return root, scenario


def run_ours(root: Path, folder: Path) -> OurRun:
    """Write our script for the delivery at ``root`` and run its self-calibration steps in CASA."""
    from casalog.commands.main import main

    working = folder / "working"
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(root / "calibrated" / "working", working, symlinks=True)
    script = working / "reimage.py"
    if main([str(root), "--no-interactive", "--selfcal", "-o", str(script)]) != 0:
        raise SystemExit("regen-tclean failed")
    text = script.read_text()
    titles = next(ast.literal_eval(node.value) for node in ast.parse(text).body
                  if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "step_title")
    steps = [number for number, title in titles.items()
             if not title.startswith(("Clean s", "Fill and check")) or title.endswith("after self-calibration")]
    script.write_text(text.replace("STEPS = []", f"STEPS = {steps}"))
    start = time.monotonic()
    result = subprocess.run([sys.executable, str(script)], cwd=working, capture_output=True, text=True)
    seconds = time.monotonic() - start
    if result.returncode != 0:
        raise SystemExit(f"our script failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    (summary_file,) = working.glob("*_selfcal.json")
    return OurRun(json.loads(summary_file.read_text()), seconds, result.stdout)


def our_figures(working: Path, summary: dict[str, Any], cube_name: str, line: Any, measure: ModuleType) -> Figures:
    final = working / summary["final_image"]
    cube = working / f"{cube_name}.manual_selfcal.image"
    halfwidth = LINE_HALFWIDTH_SIGMA * line.sigma_hz
    return Figures(
        cont_snr=measure.continuum_snr(f"{final}.image", f"{final}.residual"),
        model_flux_jy=measure.model_flux(f"{final}.model"),
        cube_snr=measure.cube_line_snr(str(cube), line.center_lsrk_hz, halfwidth) if cube.exists() else None,
        line_peak_jy=measure.line_peak(str(cube), line.center_lsrk_hz, halfwidth) if cube.exists() else None,
    )


def table(columns: dict[str, Figures]) -> str:
    rows = [
        ("continuum S/N (peak / residual rms)", "cont_snr", "{:.1f}"),
        ("model flux (Jy)", "model_flux_jy", "{:.3f}"),
        ("line cube S/N (line peak / line-free rms)", "cube_snr", "{:.1f}"),
        ("line peak (Jy/beam)", "line_peak_jy", "{:.3f}"),
    ]
    lines = [f"{'':44}" + "".join(f"{name:>10}" for name in columns) + f"{'ours/pipe':>11}{'hand/pipe':>11}"]
    for label, key, number in rows:
        values = [getattr(figures, key) for figures in columns.values()]
        cells = "".join(f"{number.format(v) if v is not None else '-':>10}" for v in values)
        ratios = "".join(
            f"{values[i] / values[0]:>11.2f}" if values[0] and values[i] is not None else f"{'-':>11}" for i in (1, 2)
        )
        lines.append(f"{label:44}{cells}{ratios}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Our self-calibration against the pipeline, a hand one and the truth.")
    parser.add_argument("--workdir", type=Path, help="where to build and work (default: a new temporary folder)")
    parser.add_argument("--imsize", type=int, help="image size (pixels) of the deliveries to build")
    args = parser.parse_args(argv)
    workdir = (args.workdir or Path(tempfile.mkdtemp(prefix="bench-selfcal-"))).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    # One OpenMP thread: CASA's threads only wait for each other on a small shared machine.
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    if "CASASITECONFIG" not in os.environ:
        from casalog.commands.casa_config import write_site_config

        os.environ["CASASITECONFIG"] = str(write_site_config(workdir / "casasiteconfig.py", workdir / "casa.log"))
    simulator = load_script(ROOT / "samples" / "simulate_delivery.py")
    measure = load_script(ROOT / "samples" / "measure.py")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; work in {workdir}", flush=True)

    root, scenario = build(simulator, workdir, "selfcal", args.imsize)
    ours = run_ours(root, workdir / "ours")
    working = root / "calibrated" / "working"
    record = read_pipeline(next((root / "log").glob("*.casa_commands.log")), scenario.line.spw)
    solints = [row["solint"] for row in ours.summary["rounds"][1:]]
    hand = workdir / "hand"
    if hand.exists():
        shutil.rmtree(hand)
    hand.mkdir()
    mask = mask_region(working / f"{record.cont['imagename']}.image", measure)
    clock = CasaClock()
    copies = split_continuum(clock, working, hand, record)
    results = run_selfcal(clock, copies, record, mask, hand, measure, solints)
    best = max(results, key=lambda result: result.snr)
    cube = image_line(clock, working, hand, record, best.tables, mask) if best.tables else None
    line = scenario.line
    channels = next(spw.nchan for spw in scenario.ebs[0].science() if spw.spw_id == line.spw)
    figures = {
        "pipeline": pipeline_figures(working, record, line, measure),
        "ours": our_figures(workdir / "ours" / "working", ours.summary, str(record.cube["imagename"])[: -len(".iter1")],
                            line, measure),
        "hand": hand_figures(best.image, cube, line, measure) if cube else Figures(None, None, None, None),
        "truth": Figures(
            cont_snr=true_peak(Path(f"{best.image}.image"), scenario, simulator, measure)
            / thermal_noise(working, record.cont, 1),
            model_flux_jy=sum(source.flux_jy for source in scenario.sources),
            cube_snr=true_line_peak(simulator, scenario) / thermal_noise(working, record.cube, channels),
            line_peak_jy=true_line_peak(simulator, scenario),
        ),
    }
    weak_root, _ = build(simulator, workdir, "weak", args.imsize)
    weak = run_ours(weak_root, workdir / "weak_ours")

    print("\nOur rounds (S/N as the script measured it; the table below is measured here):")
    for row in ours.summary["rounds"]:
        print(f"  round {row['round']} {row['solint'] or '-':8} {'kept' if row['kept'] else 'undone'}: {row['why']}")
    print(f"\nselfcal delivery ({scenario.imsize[0]} px images, {len(scenario.ebs)} EBs)")
    print(table(figures))
    kept = sum(row["kept"] for row in ours.summary["rounds"][1:])
    print(f"rounds: ours {len(solints)} made, {kept} kept; hand {len(results) - 1} made (same intervals), "
          f"best {best.label}")
    print(f"CASA wall time: our script's self-calibration steps {ours.seconds:.0f} s (whole process); "
          f"the hand's tasks for the same rounds {clock.seconds:.0f} s; ratio {ours.seconds / clock.seconds:.2f}")
    print(f"\nweak delivery: {len(weak.summary['plan'])} intervals planned, "
          f"{sum(row['kept'] for row in weak.summary['rounds'][1:])} rounds kept; the script said: "
          + next((line.strip() for line in weak.stdout.splitlines() if "too faint" in line), "(nothing)"))
    print(f"  its wall time {weak.seconds:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
