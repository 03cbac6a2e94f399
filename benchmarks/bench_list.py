"""Time ``regen-tclean LOG --json`` against the floor, as whole processes.

``python3 benchmarks/bench_list.py [--synthetic PATH] [--runs-real 5] [--runs-big 3]``

For the real log and for a synthetic log of at least 100 MB (written into a
temporary folder, or given with ``--synthetic``) this runs, alternately,
``python3 -m casalog LOG --json > /dev/null`` (ours) and
``python3 benchmarks/floor.py LOG`` (the floor: the least work that reads
every command), and prints for each the best wall time of N runs, the
throughput and the peak resident memory of the process, then the ratio
ours / floor with the goal next to it.  Peak memory is also measured on a
prefix of the synthetic log (25 MB by default) to show whether it grows with
the file.  The first run of each program keeps its output and checks it.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import make_synthetic_log

ROOT = Path(__file__).resolve().parents[1]
FLOOR = ROOT / "benchmarks" / "floor.py"
GNU_TIME = "/usr/bin/time"
REAL_LOG = Path("/work/shared/samples/real/2016.1.00023.S.casa_commands.log")
MB = make_synthetic_log.MB

# The goals of issue 2: whole-process time on the real log, throughput on a
# large log, and memory that does not grow with the file.
REAL_TIME_RATIO = 1.5
BIG_TIME_RATIO = 2.0
PEAK_MB_LIMIT = 200.0
# Streaming keeps peak memory flat; allow this much for allocator noise
# between the prefix and the whole log.
GROWTH_MB_LIMIT = 5.0


@dataclass(frozen=True)
class Run:
    """One run of one program."""

    seconds: float
    cpu_seconds: float
    peak_mb: float


@dataclass(frozen=True)
class Measured:
    """Best times and highest peak memory of one program on one log."""

    seconds: float
    cpu_seconds: float
    peak_mb: float
    output: str  # what the first run printed


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print its table; 1 if a goal was missed or a run failed."""
    parser = argparse.ArgumentParser(description="Benchmark regen-tclean LOG --json against the floor.")
    parser.add_argument("--real", type=Path, default=REAL_LOG, help="the real log (default: %(default)s)")
    parser.add_argument("--synthetic", type=Path, help="reuse this synthetic log instead of writing one")
    parser.add_argument("--size-mb", type=float, default=100.0, help="size of the synthetic log to write (default 100)")
    parser.add_argument("--small-mb", type=float, default=25.0, help="size of the prefix for memory (default 25)")
    parser.add_argument("--runs-real", type=int, default=5, help="runs per program on the real log (default 5)")
    parser.add_argument("--runs-big", type=int, default=3, help="runs per program on the synthetic log (default 3)")
    args = parser.parse_args(argv)
    if not args.real.is_file():
        parser.error(f"no real log at {args.real} (see --real)")
    if not os.access(GNU_TIME, os.X_OK):
        parser.error(f"needs GNU time at {GNU_TIME} to measure peak memory (Debian: apt-get install time)")
    # ``-m casalog`` must import this checkout's package, so run from its root.
    os.chdir(ROOT)
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # show each row when it is done
    with tempfile.TemporaryDirectory(prefix="bench_list_") as scratch:
        return _bench(args, Path(scratch))


def _bench(args: argparse.Namespace, scratch: Path) -> int:
    print(f"python {platform.python_version()} ({sys.executable}), {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.2f}")
    print(f"ours : {sys.executable} -m casalog LOG --json > /dev/null")
    print(f"floor: {sys.executable} {FLOOR.relative_to(ROOT)} LOG")
    big, expected = _synthetic_log(args, scratch)
    small = scratch / "prefix.casa_commands.log"
    _copy_prefix(big, small, int(args.small_mb * MB))

    failures: list[str] = []
    print()
    print(f"{'log':<24} {'MB':>7} {'runs':>4}  {'program':<7} {'wall s':>8} {'cpu s':>8} {'MB/s':>6}"
          f" {'peak RSS MB':>11}  output")
    real_ours, real_floor = _measure_log(f"real {args.real.name.split('.casa')[0]}", args.real, args.runs_real,
                                         scratch, failures)
    big_ours, big_floor = _measure_log("synthetic", big, args.runs_big, scratch, failures)
    small_ours, _ = _measure_log("synthetic prefix", small, 1, scratch, failures)
    if expected is not None:
        _check_counts(big_ours, big_floor, expected, failures)

    big_mb = big.stat().st_size / MB
    print()
    print(f"{'goal':<60} {'measured':>9} {'limit':>8}  result")
    missed = [
        _goal("whole-process time on the real log, ours / floor", real_ours.seconds / real_floor.seconds,
              REAL_TIME_RATIO, "x"),
        _goal(f"time on the {big_mb:.0f} MB log, ours / floor (1 / throughput ratio)",
              big_ours.seconds / big_floor.seconds, BIG_TIME_RATIO, "x"),
        _goal(f"peak RSS growth, {small.stat().st_size / MB:.0f} MB -> {big_mb:.0f} MB log",
              big_ours.peak_mb - small_ours.peak_mb, GROWTH_MB_LIMIT, "MB"),
        _goal(f"peak RSS on the {big_mb:.0f} MB log", big_ours.peak_mb, PEAK_MB_LIMIT, "MB"),
    ].count(False)
    print(f"(for comparison, not goals: CPU time ours / floor {real_ours.cpu_seconds / real_floor.cpu_seconds:.2f}"
          f" on the real log, {big_ours.cpu_seconds / big_floor.cpu_seconds:.2f} on the {big_mb:.0f} MB log)")
    for failure in failures:
        print(f"FAILED: {failure}")
    return 1 if missed or failures else 0


def _synthetic_log(args: argparse.Namespace, scratch: Path) -> tuple[Path, make_synthetic_log.Summary | None]:
    """The log given with ``--synthetic``, or a new one and what it holds."""
    if args.synthetic is not None:
        return args.synthetic, None
    path = scratch / "synthetic.casa_commands.log"
    start = time.perf_counter()
    with path.open("w", encoding="ascii", newline="\n") as out:
        summary = make_synthetic_log.write_log(out, int(args.size_mb * MB))
    print(f"wrote the synthetic log in {time.perf_counter() - start:.1f} s: {summary.commands} commands, "
          f"{summary.products} products in {summary.stages} stages")
    return path, summary


def _measure_log(label: str, path: Path, runs: int, scratch: Path, failures: list[str]) -> tuple[Measured, Measured]:
    ours, floor = _measure_pair(path, runs, scratch, failures)
    size = path.stat().st_size / MB
    for first, name, measured, output in (
        (True, "ours", ours, f"{_count_products(ours.output)} products"),
        (False, "floor", floor, f"{floor.output.strip()} commands"),
    ):
        head = f"{label:<24} {size:>7.2f} {runs:>4}" if first else " " * 37
        print(f"{head}  {name:<7} {measured.seconds:>8.3f} {measured.cpu_seconds:>8.2f} {size / measured.seconds:>6.1f}"
              f" {measured.peak_mb:>11.1f}  {output}")
    return ours, floor


def _goal(text: str, measured: float, limit: float, unit: str) -> bool:
    ok = measured <= limit
    print(f"{text:<60} {f'{measured:.2f} {unit}':>9} {f'{limit:g} {unit}':>8}  {'PASS' if ok else 'MISS'}")
    return ok


def _measure_pair(path: Path, runs: int, scratch: Path, failures: list[str]) -> tuple[Measured, Measured]:
    """Run ours and the floor alternately, so both see the same machine load."""
    ours_cmd = [sys.executable, "-m", "casalog", str(path), "--json"]
    floor_cmd = [sys.executable, str(FLOOR), str(path)]
    timed: dict[str, list[Run]] = {"ours": [], "floor": []}
    outputs: dict[str, str] = {}
    for attempt in range(runs):
        for name, command in (("ours", ours_cmd), ("floor", floor_cmd)):
            keep = scratch / f"{name}.out" if attempt == 0 else None
            run, error = _run(command, keep, scratch)
            if error:
                failures.append(f"{name} on {path.name}: {error}")
            timed[name].append(run)
            if keep is not None:
                outputs[name] = keep.read_text()
                keep.unlink()
    return (_best(timed["ours"], outputs["ours"]), _best(timed["floor"], outputs["floor"]))


def _best(runs: list[Run], output: str) -> Measured:
    return Measured(
        min(run.seconds for run in runs), min(run.cpu_seconds for run in runs), max(run.peak_mb for run in runs), output
    )


def _run(command: list[str], stdout: Path | None, scratch: Path) -> tuple[Run, str]:
    """Run one process; return its wall time, CPU time and peak RSS, and an error text if it failed.

    GNU time reports the peak RSS of the process it starts.  Our own
    ``wait4`` would not do: a child forked from this process inherits its
    memory high-water mark before ``exec``.
    """
    usage = scratch / "usage.txt"
    with open(stdout or os.devnull, "w") as out, open(scratch / "stderr.txt", "w+") as err:
        start = time.perf_counter()
        done = subprocess.run(
            [GNU_TIME, "-f", "%M %U %S", "-o", str(usage), *command], stdout=out, stderr=err, check=False
        )
        seconds = time.perf_counter() - start
        err.seek(0)
        error = "" if done.returncode == 0 else f"exit {done.returncode}: {err.read().strip()[-500:]}"
    # GNU time puts a note about a failed command before the figures.
    kib, user, system = usage.read_text().split()[-3:]
    return Run(seconds, float(user) + float(system), int(kib) / 1024), error


def _count_products(output: str) -> str:
    try:
        return str(len(json.loads(output)))
    except ValueError:
        return "?"


def _check_counts(ours: Measured, floor: Measured, expected: make_synthetic_log.Summary, failures: list[str]) -> None:
    if _count_products(ours.output) != str(expected.products):
        failures.append(f"ours listed {_count_products(ours.output)} products, the generator wrote {expected.products}")
    if floor.output.strip() != str(expected.commands):
        failures.append(f"the floor read {floor.output.strip()} commands, the generator wrote {expected.commands}")


def _copy_prefix(source: Path, target: Path, size: int) -> None:
    """Copy the whole stages of ``source`` that make up at least ``size`` bytes."""
    written = 0
    with source.open(encoding="utf-8", newline="") as lines, target.open("w", encoding="utf-8", newline="") as out:
        for line in lines:
            # A blank line opens the next stage: cutting there keeps every product whole.
            if written >= size and not line.strip():
                break
            out.write(line)
            written += len(line.encode("utf-8"))


if __name__ == "__main__":
    raise SystemExit(main())
