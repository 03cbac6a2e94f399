"""Bounded reading: the caps on a log, a line and a command, each refused in one line that says how to raise it.

Memory is measured in a child process: ``ru_maxrss`` of the children of a
small wrapper process, which runs nothing else.
"""
from __future__ import annotations

import gzip
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from casalog.commands.main import main
from casalog.errors import CasaLogError
from casalog.log.reader import read_log

HEADER = b"raise Error('The casa commands log is not executable!')\n\n"
MIB = 1 << 20
# Runs the CLI as a child and prints its exit code, its stderr and its peak RSS in MB.
MEASURE = (
    "import resource, subprocess, sys\n"
    "done = subprocess.run([sys.executable, '-m', 'casalog', *sys.argv[1:]], capture_output=True, text=True)\n"
    "print(done.returncode)\n"
    "print(done.stderr.strip())\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)\n"
)


def _packed(tmp_path: Path, block: bytes, count: int, head: bytes = b"") -> Path:
    """A .gz of ``head`` and then ``count`` copies of ``block``: gzip members concatenate, so it is cheap to make."""
    path = tmp_path / "x.casa_commands.log.gz"
    member = gzip.compress(block)
    with open(path, "wb") as stream:
        stream.write(gzip.compress(head))
        for _ in range(count):
            stream.write(member)
    return path


def measure(*args: str) -> tuple[int, str, int]:
    """Run ``regen-tclean ARGS`` in a child process: exit code, stderr, peak RSS in MB."""
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, *args], capture_output=True, text=True, check=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    lines = done.stdout.splitlines()
    return int(lines[0]), "\n".join(lines[1:-1]), int(lines[-1])


def test_a_gzip_bomb_without_newlines_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    log = _packed(tmp_path, b"a" * MIB, 2048)  # 2 MB on disk, 2 GiB once decompressed
    assert log.stat().st_size < 3 * MIB
    code, err, rss = measure(str(log), "--json")
    assert code == 1
    assert err == (
        f"{log}:1: this line is larger than 1024 KB, more than any pipeline log holds; "
        "to read it anyway set REGEN_TCLEAN_MAX_LINE_KB above 1024"
    )
    assert rss < 100


def test_a_flood_of_blank_lines_stops_at_the_log_cap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    log = _packed(tmp_path, b"\n" * MIB, 2048, HEADER)  # 2 GiB of newlines
    monkeypatch.setenv("REGEN_TCLEAN_MAX_LOG_MB", "64")
    started = time.monotonic()
    assert main([str(log), "--json"]) == 1
    assert time.monotonic() - started < 60  # blank lines cost what reading them costs
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"{log}:") and err.count("\n") == 1
    assert err.endswith(
        ": the log, decompressed, is larger than 64 MB, more than any pipeline log holds; "
        "to read it anyway set REGEN_TCLEAN_MAX_LOG_MB above 64\n"
    )


def test_blank_lines_keep_their_line_numbers(tmp_path: Path) -> None:
    body = HEADER + b"\n" * 100_000 + b"\r\n" * 70_000 + b"flagdata(vis='a.ms',\n         mode='summary')\n"
    plain = tmp_path / "x.log"
    plain.write_bytes(body)
    (call,) = read_log(plain)
    assert (call.first_line, call.last_line) == (170_003, 170_004)


@pytest.mark.parametrize(
    ("variable", "value", "body", "message"),
    [
        pytest.param(
            "REGEN_TCLEAN_MAX_LINE_KB", "1", b"flagdata(vis='" + b"a" * 2000 + b"')\n",
            "this line is larger than 1 KB, more than any pipeline log holds; "
            "to read it anyway set REGEN_TCLEAN_MAX_LINE_KB above 1",
            id="line",
        ),
        pytest.param(
            "REGEN_TCLEAN_MAX_CALL_MB", "1", b"flagdata(reason=[" + b"\n".join([b"  'abcdefghij',"] * 80_000) + b"])\n",
            "this command is larger than 1 MB, more than any pipeline log holds; "
            "to read it anyway set REGEN_TCLEAN_MAX_CALL_MB above 1",
            id="command",
        ),
        pytest.param(
            "REGEN_TCLEAN_MAX_LOG_MB", "1", b"# a comment\n" * 120_000,
            "the log, decompressed, is larger than 1 MB, more than any pipeline log holds; "
            "to read it anyway set REGEN_TCLEAN_MAX_LOG_MB above 1",
            id="log",
        ),
    ],
)
def test_each_cap_names_itself_and_its_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    variable: str, value: str, body: bytes, message: str,
) -> None:
    log = tmp_path / "x.casa_commands.log"
    log.write_bytes(HEADER + body)
    script = tmp_path / "reimage.py"
    monkeypatch.setenv(variable, value)
    assert main([str(log), "-o", str(script)]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err.startswith(f"{log}:") and err.endswith(f": {message}\n") and err.count("\n") == 1
    assert not script.exists()
    monkeypatch.delenv(variable)
    list(read_log(log))  # within the default caps


@pytest.mark.parametrize("value", ["", "0", "-3", "ten", "1.5"])
def test_a_bad_cap_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    log = tmp_path / "x.casa_commands.log"
    log.write_bytes(HEADER)
    monkeypatch.setenv("REGEN_TCLEAN_MAX_LOG_MB", value)
    assert main([str(log), "--json"]) == 2
    assert capsys.readouterr().err == (
        f"regen-tclean: REGEN_TCLEAN_MAX_LOG_MB={value!r}: give a whole number of MB, at least 1\n"
    )


def test_a_fifo_is_not_read(tmp_path: Path) -> None:
    fifo = tmp_path / "x.casa_commands.log"
    os.mkfifo(fifo)
    with pytest.raises(CasaLogError, match="not a regular file"):
        list(read_log(fifo))
