from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from casalog.commands.main import main

REAL_LOG = Path(__file__).resolve().parents[2] / "shared/samples/real/2016.1.00023.S.casa_commands.log"
CALL = "tclean(vis=['a.ms'], imagename='u.s9_0.Src_sci.spw5.mfs.I.iter{}', niter={})\n"


def _log(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "uid___A001_X1_X2.casa_commands.log"
    path.write_text("raise Error('The casa commands log is not executable!')\n\n" + body)
    return path


@pytest.mark.parametrize("args", [["--json"], ["--list", "--json"]])
def test_json_lists_each_product(capsys: pytest.CaptureFixture[str], args: list[str]) -> None:
    assert main([str(REAL_LOG), *args]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    records = json.loads(out)
    assert len(records) == 26
    cont = next(r for r in records if r["product"].endswith("spw22_24_26.cont.I"))
    assert cont["field"] == "NGC1068"
    assert cont["intent"] == "TARGET"
    assert cont["spw"] == ["22", "24", "26"]
    assert cont["specmode"] == "cont"
    assert cont["iters"] == {"0": 6752, "1": 6784}
    assert len(cont["vis"]) == 8 and cont["vis"][0] == "uid___A002_Xc27dd7_X2fc3_target.ms"
    assert {r["intent"] for r in records} == {"TARGET", "BANDPASS", "PHASE", "CHECK"}


def test_table_shows_products_and_labels_others(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(REAL_LOG), "--list"]) == 0
    out = capsys.readouterr().out
    assert "uid___A001_X87d_X497.s33_0.NGC1068_sci.spw22.cube.I" in out
    assert out.count("not a product (findcont cube") == 3
    assert "1890x1890" in out and "0.021arcsec" in out


def test_missing_iteration_is_said(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = _log(tmp_path, CALL.format(0, 0))
    assert main([str(log), "--list"]) == 0
    assert "(no iter1)" in capsys.readouterr().out
    assert main([str(log), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["missing"] == ["iter1"]


def test_delivery_folder_finds_its_log(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "log").mkdir()
    shutil.copy(REAL_LOG, tmp_path / "log" / "uid___A001_X87d_X497.casa_commands.log")
    assert main([str(tmp_path), "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 26


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param("flagdata(vis='a.ms', mode='summary')\n", "no tclean image products in this log$", id="no products"),
        pytest.param("clean(vis='a.ms', imagename='x')\n", "older clean task \\(1 calls\\)", id="pre-Cycle 4"),
        pytest.param(CALL.format(0, 0) + "tclean(vis=['a.ms'],\n", "truncated command", id="truncated"),
        pytest.param("tclean(vis=myvis)\n", "a name is not a literal", id="non-literal"),
    ],
)
def test_bad_log_is_one_line_on_stderr_and_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], body: str, message: str
) -> None:
    log = _log(tmp_path, body)
    assert main([str(log), "--json"]) == 1
    out, err = capsys.readouterr()
    assert err.count("\n") == 1
    assert err.startswith(f"{log}:") and re.search(message, err.strip())
    assert "Traceback" not in err


def test_missing_file_and_bad_usage(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path / "nope.log"), "--list"]) == 1
    assert "no such file" in capsys.readouterr().err
    assert main([str(REAL_LOG), "--list", "--robust", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unrecognized arguments: --robust 1" in err
    assert main([str(tmp_path), "--list"]) == 1
    assert "no log/*.casa_commands.log" in capsys.readouterr().err


def test_hand_edited_command_is_a_warning_with_its_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = _log(tmp_path, "tclean(vis=['a.ms'],\n   imagename='uid___A001_X1_X2.s9_0.Src_sci.spw5.mfs.I.iter1')\n")
    assert main([str(log), "--json"]) == 0
    err = capsys.readouterr().err
    assert err.startswith(f"{log}:3: warning:")


def test_listing_imports_nothing_it_does_not_need() -> None:
    code = (
        "import sys; from casalog.commands.main import main; main([sys.argv[1], '--json']); "
        "print(sorted(m for m in ('libcst', 'astropy', 'jinja2') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code, str(REAL_LOG)], capture_output=True, text=True, check=True)
    assert result.stdout.splitlines()[-1] == "[]"


def test_python_dash_m_runs_the_cli() -> None:
    result = subprocess.run([sys.executable, "-m", "casalog", str(REAL_LOG), "--json"], capture_output=True, text=True)
    assert result.returncode == 0
    assert len(json.loads(result.stdout)) == 26
