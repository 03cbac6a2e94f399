"""What reaches a terminal: control characters escaped everywhere, any stdout encoding written without a traceback."""
from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from casalog.commands.main import main

ROOT = Path(__file__).resolve().parents[1]
CYCLE4 = ROOT / "samples" / "cycle4"
# An escape sequence that would clear the screen, and a bell.
CLEAR = "\x1b[2J\x07"
SHOWN = "\\x1b[2J\\x07"


def _log(tmp_path: Path, *calls: str, name: str = "uid___A001_X1_X2.casa_commands.log") -> Path:
    lines = ["raise Error('The casa commands log is not executable!')", ""]
    for call in calls:
        lines += textwrap.wrap(call, width=80, subsequent_indent=" " * (call.index("(") + 1), break_long_words=False)
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize(
    "environment",
    [
        pytest.param({"PYTHONIOENCODING": "ascii"}, id="ascii"),
        pytest.param({"LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"}, id="C locale"),
        pytest.param({"PYTHONIOENCODING": "utf-8"}, id="strict utf-8"),
    ],
)
def test_any_stdout_encoding_takes_any_name(tmp_path: Path, environment: dict[str, str]) -> None:
    field = "Sr\u00e9 \u4e2d\udcff"
    call = (f"tclean(vis=['a.ms'], imagename={('u.s9_0.' + field + '_sci.spw5.mfs.I.iter1')!r}, "
            f"field={field!r}, niter=3)")
    log = _log(tmp_path, call)
    for options in (["--list"], ["--json"], []):
        done = subprocess.run(
            [sys.executable, "-m", "casalog", str(log), *options], capture_output=True,
            env={**os.environ, **environment}, cwd=ROOT,
        )
        assert (done.returncode, done.stderr) == (0, b""), done.stderr.decode(errors="replace")
        if not options:
            script = done.stdout.decode("utf-8", errors="strict")
            tree = ast.parse(script)
            values = [
                ast.literal_eval(keyword.value) for node in ast.walk(tree) if isinstance(node, ast.Call)
                for keyword in node.keywords if keyword.arg == "field"
            ]
            assert field in values


def _printed(capsys: pytest.CaptureFixture[str], argv: list[str], code: int = 0) -> str:
    assert main(argv) == code
    out, err = capsys.readouterr()
    text = out + err
    assert "\x1b" not in text and "\x07" not in text
    return text


def test_listing_and_warnings_escape_control_characters(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stem = f"u.s9_0.A{CLEAR}_sci.spw5.mfs.I"
    log = _log(tmp_path, f"tclean(vis=['a.ms'], imagename='{stem}.iter1', field='A{CLEAR}', niter=3)",
               name=f"x{CLEAR}.casa_commands.log")
    lines = log.read_text().splitlines()
    log.write_text("\n".join([*lines, "tclean(vis='b.ms',", "  imagename='other')"]) + "\n")  # hand-edited
    text = _printed(capsys, [str(log), "--list"])
    assert f"A{SHOWN}" in text and f"x{SHOWN}.casa_commands.log:" in text
    text = _printed(capsys, [str(log), "-o", str(tmp_path / "x.py"), "--selfcal"])
    assert f"wrote {tmp_path / 'x.py'}" in text and "warning" in text


def test_contdat_and_flags_escape_control_characters(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    contdat = tmp_path / f"c{CLEAR}.dat"
    contdat.write_text(f"Field: A{CLEAR}\n\nSpectralWindow: 17 X{CLEAR}\n229.7~230.4GHz LSRK\n")
    text = _printed(capsys, ["contdat", str(contdat), "--selections"])
    assert f"A{SHOWN}" in text and f"X{SHOWN}" in text and f"c{SHOWN}.dat" in text
    text = _printed(capsys, ["contdat", str(contdat), "--set", "17:229.8~230.0GHz"])
    assert "wrote" in text and "warning" in text
    flags = tmp_path / f"f{CLEAR}.flagtargetstemplate.txt"
    flags.write_text(f"mode='manual' antenna='DV{CLEAR}01' reason='x{CLEAR}'\n")
    text = _printed(capsys, ["flags", str(flags)])
    assert f"DV{SHOWN}01" in text
    flags.write_text(f"mode='manual' antenna='DV01' bad{CLEAR}=1\n")
    text = _printed(capsys, ["flags", str(flags)], code=1)
    assert SHOWN in text


def test_prepare_escapes_control_characters(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / f"d{CLEAR}"
    for part in ("log", "calibration"):
        shutil.copytree(CYCLE4 / part, root / part)
    for name in ("uid___A002_Xb9dfa4_X4b3d.ms", "uid___A002_Xba2e0a_X1f2c.ms"):
        (root / "calibrated" / "working" / name).mkdir(parents=True)
    text = _printed(capsys, ["prepare", str(root)])
    assert f"d{SHOWN}" in text and "ready for pipeline re-imaging" in text
