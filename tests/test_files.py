"""Files we read and write: regular files only, whole or not at all, with the user's umask."""
from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from casalog.commands.main import main
from casalog.errors import CasaLogError
from casalog.output.files import read_text, write_atomically

ROOT = Path(__file__).resolve().parents[1]
CYCLE10 = ROOT / "samples" / "cycle10"


@pytest.fixture
def umask_022() -> Iterator[None]:
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_new_files_keep_the_umask(tmp_path: Path, umask_022: None, capsys: pytest.CaptureFixture[str]) -> None:
    script = tmp_path / "reimage.py"
    assert main([str(CYCLE10), "-o", str(script)]) == 0
    assert stat.S_IMODE(script.stat().st_mode) == 0o644
    os.umask(0o077)
    write_atomically(str(tmp_path / "private.py"), "x\n")
    assert stat.S_IMODE((tmp_path / "private.py").stat().st_mode) == 0o600


def test_a_replaced_file_keeps_its_mode(tmp_path: Path, umask_022: None) -> None:
    target = tmp_path / "reimage.py"
    target.write_text("old\n")
    target.chmod(0o640)
    write_atomically(str(target), "new\n", force=True)
    assert target.read_text() == "new\n" and stat.S_IMODE(target.stat().st_mode) == 0o640


def test_a_link_is_followed_and_kept(tmp_path: Path) -> None:
    (tmp_path / "real.py").write_text("old\n")
    (tmp_path / "link.py").symlink_to("real.py")
    write_atomically(str(tmp_path / "link.py"), "new\n", force=True)
    assert (tmp_path / "link.py").is_symlink() and (tmp_path / "real.py").read_text() == "new\n"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        pytest.param(lambda path: os.mkfifo(path), "is not a regular file", id="fifo"),
        pytest.param(lambda path: path.symlink_to("/dev/null"), "is not a regular file", id="device"),
        pytest.param(lambda path: path.symlink_to("nowhere"), "is a link to nothing", id="dangling link"),
    ],
)
def test_output_that_is_no_regular_file_is_refused_even_with_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make: object, message: str
) -> None:
    target = tmp_path / "reimage.py"
    make(target)  # type: ignore[operator]
    before = os.lstat(target)
    assert main([str(CYCLE10), "-o", str(target), "--force"]) == 1
    assert capsys.readouterr().err == f"{target}: {message}; " + (
        "remove it or name another file\n" if "link" in message else "name a file to write\n"
    )
    assert os.lstat(target) == before


def test_long_file_names_are_written(tmp_path: Path) -> None:
    target = tmp_path / ("r" * 250 + ".py")
    write_atomically(str(target), "x\n")
    assert target.read_text() == "x\n" and [p.name for p in tmp_path.iterdir()] == [target.name]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        pytest.param(lambda path: os.mkfifo(path), "not a regular file", id="fifo"),
        pytest.param(lambda path: path.symlink_to("/dev/zero"), "not a regular file", id="endless device"),
        pytest.param(lambda path: path.write_bytes(b"x" * 2000), "larger than 0 MB", id="too large"),
    ],
)
def test_reading_refuses_what_would_hang_or_fill_memory(tmp_path: Path, make: object, message: str) -> None:
    path = tmp_path / "cont.dat"
    make(path)  # type: ignore[operator]
    with pytest.raises(CasaLogError, match=message):
        read_text(str(path), limit=1000)


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(["contdat", "{path}"], id="contdat"),
        pytest.param(["flags", "{path}"], id="flags"),
        pytest.param([str(CYCLE10), "--contdat", "{path}", "-o", "{out}"], id="reimage --contdat"),
        pytest.param(["{path}", "--json"], id="the log"),
        pytest.param(["contdat", str(CYCLE10 / "calibration" / "uid___A001_X3621_X1c7.cont.dat"), "--log", "{path}"],
                     id="contdat --log"),
    ],
)
@pytest.mark.parametrize("make", [lambda path: os.mkfifo(path), lambda path: path.symlink_to("/dev/zero")],
                         ids=["fifo", "endless device"])
def test_every_file_a_command_reads_must_be_regular(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str], make: object
) -> None:
    path = tmp_path / "input.casa_commands.log"
    make(path)  # type: ignore[operator]
    out = tmp_path / "out.py"
    argv = [part.format(path=path, out=out) for part in command]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith(str(path)) and err.count("\n") == 1
    assert "not a regular file" in err or "no such file" in err
    assert not out.exists()


@pytest.mark.parametrize("name", ["x\x00.py", "x\ud800.py"], ids=["NUL", "lone surrogate"])
@pytest.mark.parametrize(
    "command",
    [
        pytest.param([str(CYCLE10), "-o", "{name}"], id="script"),
        pytest.param(["recipe", "aggregate-cont", str(CYCLE10), "-o", "{name}"], id="recipe"),
        pytest.param([str(CYCLE10), "--contdat", "{name}", "-o", "x.py"], id="--contdat"),
        pytest.param(["contdat", "{name}"], id="contdat"),
        pytest.param(["flags", "{name}"], id="flags"),
        pytest.param(["casa-config", "-o", "{name}"], id="casa-config"),
    ],
)
def test_a_name_no_file_can_have_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], name: str,
    command: list[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main([part.format(name=name) for part in command]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"{name!r}"[1:-1]) and err.count("\n") == 1 and "not a file name" in err
    assert list(tmp_path.iterdir()) == []


def test_warnings_are_shown_after_the_work_and_dropped_on_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "x.casa_commands.log"
    log.write_text(
        "raise Error('The casa commands log is not executable!')\n\n"
        "tclean(vis='a.ms', imagename='u.s9_0.F_sci.spw5.mfs.I.iter1',\n"  # hand-wrapped: a warning
        "       niter=0)\n"
    )
    assert main([str(log), "-o", str(tmp_path / "x.py")]) == 0
    err = capsys.readouterr().err.splitlines()
    assert "edited by hand?" in err[0] and err[-1].startswith("wrote ")
    # The log is read (with its warning) before the selection fails: the error comes alone.
    assert main([str(log), "-o", str(tmp_path / "y.py"), "--field", "G"]) == 1
    assert capsys.readouterr().err == f"{log}: the log has no field 'G'; it has: F\n"
