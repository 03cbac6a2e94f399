"""``regen-tclean LOG --list | --json``: the products of a log, for people and for programs."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from casalog.commands.main import main

ROOT = Path(__file__).resolve().parents[1]
CYCLE4 = ROOT / "samples" / "cycle4"
CALL = "tclean(vis=['a.ms'], imagename='u.s9_0.Src_sci.spw5.mfs.I.iter{}', niter={})\n"


def _log(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "uid___A001_X1_X2.casa_commands.log"
    path.write_text("raise Error('The casa commands log is not executable!')\n\n" + body)
    return path


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, object]]:
    assert main(list(args)) == 0
    out, err = capsys.readouterr()
    assert err == ""
    return json.loads(out)  # type: ignore[no-any-return]


@pytest.mark.parametrize("args", [["--json"], ["--list", "--json"]])
def test_json_lists_each_product(capsys: pytest.CaptureFixture[str], args: list[str]) -> None:
    records = _json(capsys, str(CYCLE4), *args)
    assert len(records) == 11
    cont = next(r for r in records if r["product"].endswith("spw17_19_21.cont.I"))
    assert cont["field"] == "IRAS16293-2422" and cont["intent"] == "TARGET"
    assert cont["spw"] == ["17", "19", "21"] and cont["specmode"] == "cont"
    assert cont["iters"] == {"0": 471, "1": 484}
    assert cont["vis"] == ["uid___A002_Xb9dfa4_X4b3d_target.ms", "uid___A002_Xba2e0a_X1f2c_target.ms"]
    assert {r["intent"] for r in records} == {"TARGET", "BANDPASS", "PHASE"}


def test_json_of_the_real_log(capsys: pytest.CaptureFixture[str], real_log: Path) -> None:
    records = _json(capsys, str(real_log), "--json")
    assert len(records) == 26
    cont = next(r for r in records if r["product"].endswith("spw22_24_26.cont.I"))
    assert cont["field"] == "NGC1068" and cont["iters"] == {"0": 6752, "1": 6784}
    assert len(cont["vis"]) == 8 and cont["vis"][0] == "uid___A002_Xc27dd7_X2fc3_target.ms"
    assert {r["intent"] for r in records} == {"TARGET", "BANDPASS", "PHASE", "CHECK"}


def test_table_shows_products_and_labels_others(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(CYCLE4), "--list"]) == 0
    out = capsys.readouterr().out
    assert "uid___A001_X885_X2b1.s23_0.IRAS16293-2422_sci.spw17.cube.I" in out
    assert out.count("not a product (findcont cube") == 2
    assert "384x384" in out and "0.05arcsec" in out


@pytest.mark.parametrize(
    ("args", "stems"),
    [
        pytest.param(["--spw", "17"], {"s11_0.J1924-2914_bp.spw17.mfs.I", "s11_0.J1733-1304_ph.spw17.mfs.I",
                                       "s19_0.IRAS16293-2422_sci.spw17.mfs.I", "s19_0.HD_163296_sci.spw17.mfs.I",
                                       "s23_0.IRAS16293-2422_sci.spw17.cube.I"}, id="spw"),
        pytest.param(["--field", "HD 163296", "--specmode", "cont"], {"s21_0.HD_163296_sci.spw17_19.cont.I"},
                     id="quoted field by its own name"),
        pytest.param(["--field", "HD_163296", "--specmode", "cont"], {"s21_0.HD_163296_sci.spw17_19.cont.I"},
                     id="field by its image name"),
        pytest.param(["--intent", "phase"], {"s11_0.J1733-1304_ph.spw17.mfs.I"}, id="intent"),
    ],
)
def test_selection_options_select_what_is_listed(
    capsys: pytest.CaptureFixture[str], args: list[str], stems: set[str]
) -> None:
    records = _json(capsys, str(CYCLE4), "--json", *args)
    assert {str(r["product"]).split(".", 1)[1] for r in records} == stems
    assert main([str(CYCLE4), "--list", *args]) == 0
    table = capsys.readouterr().out
    assert all(stem in table for stem in stems) and "not a product" not in table


def test_selection_that_names_nothing_in_the_log_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(CYCLE4), "--list", "--field", "M82"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and "the log has no field 'M82'; it has: " in err and "HD 163296" in err


def test_missing_iteration_is_said(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = _log(tmp_path, CALL.format(0, 0))
    assert main([str(log), "--list"]) == 0
    assert "(no iter1)" in capsys.readouterr().out
    assert _json(capsys, str(log), "--json")[0]["missing"] == ["iter1"]


def test_delivery_folder_finds_its_log(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "log").mkdir()
    shutil.copy(next((CYCLE4 / "log").iterdir()), tmp_path / "log" / "uid___A001_X885_X2b1.casa_commands.log")
    assert len(_json(capsys, str(tmp_path), "--json")) == 11


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param("flagdata(vis='a.ms', mode='summary')\n", "no tclean image products in this log$",
                     id="no products"),
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
    assert main([str(CYCLE4), "--list", "--robust", "3"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--robust 3: Briggs robust goes from -2 to 2" in err
    assert main([str(CYCLE4), "--list", "--bogus"]) == 2
    assert "unrecognized arguments: --bogus" in capsys.readouterr().err
    assert main([str(tmp_path), "--list"]) == 1
    assert "no log/*.casa_commands.log" in capsys.readouterr().err


def test_hand_edited_command_is_a_warning_with_its_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = _log(tmp_path, "tclean(vis=['a.ms'],\n   imagename='uid___A001_X1_X2.s9_0.Src_sci.spw5.mfs.I.iter1')\n")
    assert main([str(log), "--json"]) == 0
    err = capsys.readouterr().err
    assert err.startswith(f"{log}:3: warning:")


def test_control_characters_of_a_log_reach_the_terminal_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = _log(tmp_path, "tclean(vis=['a.ms'], imagename='x\\x1b[31mred\\u202e.findcont')\n" + CALL.format(1, 5))
    assert main([str(log), "--list"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\u202e" not in out
    assert "x\\x1b[31mred\\u202e.findcont" in out


def test_listing_imports_nothing_it_does_not_need() -> None:
    code = (
        "import sys; from casalog.commands.main import main; main([sys.argv[1], '--json']); "
        "print(sorted(m for m in ('astropy', 'jinja2', 'matplotlib', 'numpy') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code, str(CYCLE4)], capture_output=True, text=True, check=True)
    assert result.stdout.splitlines()[-1] == "[]"


def test_python_dash_m_runs_the_cli() -> None:
    result = subprocess.run([sys.executable, "-m", "casalog", str(CYCLE4), "--json"], capture_output=True, text=True)
    assert result.returncode == 0
    assert len(json.loads(result.stdout)) == 11
