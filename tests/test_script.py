"""The generated re-imaging script: its calls, its options and its golden copies."""
from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
from golden_files import assert_golden

from casalog.cli import main

ROOT = Path(__file__).resolve().parents[1]
REAL_LOG = ROOT.parent / "shared/samples/real/2016.1.00023.S.casa_commands.log"
CYCLE4 = ROOT / "samples" / "cycle4"
CYCLE10 = ROOT / "samples" / "cycle10"


@pytest.fixture(autouse=True)
def fixed_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764000000")


def _generate(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert main(list(args)) == 0, capsys.readouterr().err
    return capsys.readouterr().out


def _products(script: str) -> dict[str, dict[str, Any]]:
    """The ``product_N = dict(...)`` parameters of a script, literals evaluated, names as ``$NAME``."""
    found = {}
    for node in ast.parse(script).body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            target = node.targets[0]
            if isinstance(target, ast.Name) and target.id.startswith("product_"):
                found[target.id] = {kw.arg: _value(kw.value) for kw in node.value.keywords}
    return found


def _value(node: ast.expr) -> Any:
    if isinstance(node, ast.Name):
        return f"${node.id}"
    if isinstance(node, ast.Call):
        return f"${ast.unparse(node.func)}()"
    return ast.literal_eval(node)


@pytest.mark.parametrize(
    ("name", "args"),
    [
        pytest.param("real_interactive.py", ["../shared/samples/real/2016.1.00023.S.casa_commands.log"], id="real log"),
        pytest.param("cycle4_interactive.py", ["samples/cycle4", "--casa-version", "4.7"], id="cycle 4 sample"),
        pytest.param("cycle10_interactive.py", ["samples/cycle10"], id="cycle 10 sample"),
        pytest.param("sim_interactive.py", ["samples/sim"], id="simulated delivery"),
        pytest.param("cycle10_selfcal_batch.py", ["samples/cycle10", "--no-interactive", "--selfcal", "--ap"], id="selfcal"),
    ],
)
def test_golden_scripts(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], name: str, args: list[str]
) -> None:
    # Relative paths keep the command line in the header the same in any checkout.
    monkeypatch.chdir(ROOT)
    assert_golden(f"scripts/{name}", _generate(capsys, *args))


def test_every_science_product_gets_the_guides_rewrite(capsys: pytest.CaptureFixture[str]) -> None:
    products = _products(_generate(capsys, str(REAL_LOG)))
    assert len(products) == 5
    for params in products.values():
        assert params["interactive"] == "$INTERACTIVE"
        assert (params["calcres"], params["calcpsf"], params["restart"]) == (True, True, False)
        assert (params["usemask"], params["mask"]) == ("user", "")
        assert params["pbcor"] is True and params["savemodel"] == "modelcolumn"
        assert params["imagename"].endswith(".manual") and ".iter" not in params["imagename"]
        assert all("/" not in vis for vis in params["vis"])
        assert "chanchunks" not in params  # removed from tclean in CASA 6.2
        assert params["threshold"].startswith("$THRESHOLD_")


def test_batch_keeps_the_pipeline_automask_and_targets_old_casa(capsys: pytest.CaptureFixture[str]) -> None:
    script = _generate(capsys, str(REAL_LOG), "--no-interactive", "--casa-version", "5.1", "--product", "*cont.I")
    (params,) = _products(script).values()
    assert params["usemask"] == "auto-multithresh" and "mask" not in params
    assert params["chanchunks"] == -1
    assert "INTERACTIVE = False" in script


def test_imaging_options_change_the_call(capsys: pytest.CaptureFixture[str]) -> None:
    script = _generate(
        capsys, str(REAL_LOG), "--specmode", "cube", "--robust", "1.5", "--uvtaper", "0.1arcsec",
        "--cell", "0.03arcsec", "--imsize", "1200", "--nbins", "2", "--deconvolver", "multiscale",
        "--scales", "0,5,15", "--datacolumn", "corrected",
    )
    (params,) = _products(script).values()
    assert params["robust"] == 1.5 and params["uvtaper"] == ["0.1arcsec"]
    assert params["cell"] == "0.03arcsec" and params["imsize"] == [1200, 1200]
    assert params["width"] == "1.95348995968MHz" and params["nchan"] == 959
    assert params["deconvolver"] == "multiscale" and params["scales"] == [0, 5, 15]
    assert params["datacolumn"] == "corrected"


def test_product_without_iter1_is_built_from_iter0_and_said(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(CYCLE4), "--product", "*HD_163296_sci.spw19.mfs.I"]) == 0
    out, err = capsys.readouterr()
    assert "has no iter1 call" in err and err.count("\n") == 1
    assert "# NOTE: the log has no iter1 call" in out
    (params,) = _products(out).values()
    assert params["niter"] == 100000 and params["restart"] is False


def test_selfcal_reads_the_pipeline_refant_list(capsys: pytest.CaptureFixture[str]) -> None:
    script = _generate(capsys, str(REAL_LOG), "--selfcal")
    # Each execution block has its own ranking (its gaincal calls); the last one's:
    assert "    'uid___A002_Xc96f17_X113a_target_selfcal.ms': 'DV07,DA49,DA41,DV23,DA64'," in script
    assert "    'uid___A002_Xc27dd7_X2fc3_target_selfcal.ms': 'DA49,DA41,DA59,DV18,PM04'," in script
    assert "selfcal_vis = [" in script and "_target_selfcal.ms" in script
    assert "SOLINTS = ['inf', '30s', 'int']" in script
    script = _generate(capsys, str(REAL_LOG), "--selfcal", "--refant", "DA41", "--solints", "inf,60s")
    assert "REFANT = 'DA41'" in script and "SOLINTS = ['inf', '60s']" in script


def test_selfcal_splits_the_column_the_product_images(capsys: pytest.CaptureFixture[str]) -> None:
    script = _generate(capsys, str(CYCLE4), "--selfcal", "--datacolumn", "corrected", "--product", "*IRAS*cont.I")
    assert "split_for_selfcal(product_1['vis'], selfcal_vis, 'corrected'," in script
    script = _generate(capsys, str(CYCLE4), "--selfcal", "--product", "*IRAS*cont.I")
    assert "split_for_selfcal(product_1['vis'], selfcal_vis, 'data'," in script


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        pytest.param(["--field", "M82"], 1, "the log has no field 'M82'; it has: .*NGC1068", id="unknown field"),
        pytest.param(["--spw", "17"], 1, "the log has no spw '17'; it has: 22, 24, 26", id="unknown spw"),
        pytest.param(["--intent", "POLARIZATION"], 1, "no intent 'POLARIZATION'", id="unknown intent"),
        pytest.param(["--product", "nope*"], 1, "no product is named 'nope\\*'", id="unknown product"),
        pytest.param(["--robust", "3"], 2, "Briggs robust goes from -2 to 2", id="robust"),
        pytest.param(["--cell", "0.1Jy"], 2, "--cell 0.1Jy: the unit must be like arcsec", id="cell unit"),
        pytest.param(["--threshold", "abc"], 2, "not a number with a unit", id="threshold"),
        pytest.param(["--parallel"], 2, "--parallel needs --no-interactive", id="parallel interactive"),
        pytest.param(["--mask", "m.crtf"], 2, "--mask is for batch cleaning", id="mask interactive"),
        pytest.param(["--scales", "0,5"], 2, "--scales needs --deconvolver", id="scales"),
        pytest.param(["--solints", "inf,10m"], 2, "--solints needs --selfcal|go with --selfcal", id="solints alone"),
        pytest.param(["--selfcal", "--solints", "inf,10Jy"], 2, "the unit must be like s", id="solint unit"),
        pytest.param(["--casa-version", "3.4"], 2, "older than 4.7", id="old casa"),
        pytest.param(["--specmode", "cube", "--selfcal"], 1, "self-calibration needs a continuum", id="selfcal cube"),
    ],
)
def test_bad_options_are_one_line_errors_and_write_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], code: int, message: str
) -> None:
    output = tmp_path / "reimage.py"
    assert main([str(REAL_LOG), "-o", str(output), *args]) == code
    out, err = capsys.readouterr()
    assert err.count("\n") == 1 and "Traceback" not in err
    import re

    assert re.search(message, err), err
    assert not output.exists() and out == ""


def test_output_file_is_not_replaced_without_force(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "reimage.py"
    output.write_text("my edits\n")
    assert main([str(REAL_LOG), "-o", str(output)]) == 1
    assert "exists already; use --force" in capsys.readouterr().err
    assert output.read_text() == "my edits\n"
    assert main([str(REAL_LOG), "-o", str(output), "--force"]) == 0
    assert output.read_text().startswith("# Manual re-imaging")
    assert [p.name for p in tmp_path.iterdir()] == ["reimage.py"]


def test_bad_log_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "x.casa_commands.log"
    log.write_text("tclean(vis='a.ms',\n       imagename='x.s1_0.F_sci.spw1.mfs.I.iter1'\n")
    output = tmp_path / "reimage.py"
    assert main([str(log), "-o", str(output)]) == 1
    assert "truncated command" in capsys.readouterr().err
    assert not output.exists()


def test_contdat_selects_continuum_for_mfs_and_cont_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    contdat = "samples/cycle4/calibration/uid___A001_X885_X2b1.cont.dat"
    script = _generate(capsys, str(CYCLE4), "--field", "IRAS16293-2422", "--contdat", str(ROOT / contdat))
    products = _products(script)
    cube = [p for p in products.values() if p["specmode"] == "cube"]
    continuum = [p for p in products.values() if p["specmode"] == "mfs"]
    assert cube and all(not str(p["spw"]).startswith("$") for p in cube)
    assert continuum and all(p["spw"] == "$continuum_spw()" for p in continuum)
    assert "spw=continuum_spw([" in script and "'IRAS16293-2422'" in script and "def continuum_spw(" in script
    assert "from casatools import ms as ms_tool" in script


def test_contdat_without_the_field_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    contdat = tmp_path / "cont.dat"
    contdat.write_text("Field: Other\n\nSpectralWindow: 22\n258.6~258.64GHz LSRK\n\n")
    assert main([str(REAL_LOG), "--contdat", str(contdat), "-o", str(tmp_path / "r.py")]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"{contdat}: no field 'NGC1068' in cont.dat; it has: Other")
    assert not (tmp_path / "r.py").exists()


# Syntax CASA 4.7 and 5 (Python 2.7) cannot run.
_PYTHON3_ONLY = (
    ast.JoinedStr, ast.NamedExpr, ast.Nonlocal, ast.AsyncFunctionDef, ast.Await, ast.YieldFrom, ast.AnnAssign,
    ast.MatMult,
)


@pytest.mark.parametrize(
    "args",
    [
        pytest.param([str(CYCLE4), "--casa-version", "4.7"], id="interactive"),
        pytest.param(
            [str(CYCLE4), "--casa-version", "5.x", "--no-interactive", "--selfcal", "--ap", "--field", "IRAS16293-2422",
             "--contdat", str(CYCLE4 / "calibration" / "uid___A001_X885_X2b1.cont.dat")],
            id="batch, selfcal, continuum",
        ),
        pytest.param([str(CYCLE4), "--casa-version", "5.x", "--no-interactive", "--parallel"], id="parallel"),
    ],
)
def test_script_for_old_casa_is_python2_syntax(capsys: pytest.CaptureFixture[str], args: list[str]) -> None:
    tree = ast.parse(_generate(capsys, *args))
    assert isinstance(tree.body[0], ast.ImportFrom) and tree.body[0].module == "__future__"
    for node in ast.walk(tree):
        assert not isinstance(node, _PYTHON3_ONLY), ast.dump(node)[:80]
        if isinstance(node, ast.Raise):
            assert node.cause is None  # 'raise ... from'
        if isinstance(node, (ast.FunctionDef, ast.Lambda)):
            arguments = node.args
            assert not (arguments.kwonlyargs or arguments.posonlyargs)
            assert all(a.annotation is None for a in arguments.args)
        if isinstance(node, ast.Dict):
            assert None not in node.keys  # {**x}
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "super":
            assert node.args  # Python 2 needs super(Class, self)


def test_output_that_is_a_folder_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(REAL_LOG), "-o", str(tmp_path), "--force"]) == 1
    err = capsys.readouterr().err
    assert err == f"{tmp_path}: is a folder; name a file to write\n"
    assert list(tmp_path.iterdir()) == []


def test_contdat_all_none_and_frames(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    contdat = tmp_path / "cont.dat"
    contdat.write_text(
        "Field: NGC1068\n\nSpectralWindow: 22\n258.6~258.64GHz LSRK\n\nSpectralWindow: 24\nALL\n\n"
        "SpectralWindow: 26\nNONE\n\n"
    )
    script = _generate(capsys, str(REAL_LOG), "--product", "*cont.I", "--contdat", str(contdat))
    assert "[('22', [(258600000000.0, 258640000000.0)]), ('24', None)], 'LSRK')" in script
    assert "# NOTE: spw 26 has no continuum in cont.dat (NONE): left out of this image" in script
    contdat.write_text(
        "Field: NGC1068\n\nSpectralWindow: 22\n258.6~258.64GHz LSRK\n\nSpectralWindow: 24\n257.3~257.4GHz TOPO\n\n"
        "SpectralWindow: 26\nNONE\n\n"
    )
    assert main([str(REAL_LOG), "--product", "*cont.I", "--contdat", str(contdat)]) == 1
    assert "cont.dat mixes frames ['LSRK', 'TOPO'] for field NGC1068" in capsys.readouterr().err


def test_batch_mask_and_a_log_without_gaincal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "x.casa_commands.log"
    log.write_text("tclean(vis=['a.ms'], spw=['1'], imagename='u.s9_0.Src_sci.spw1.mfs.I.iter1', niter=9)\n")
    script = _generate(capsys, str(log), "--no-interactive", "--mask", "circle[[64pix,64pix],8pix]", "--selfcal")
    (params,) = _products(script).values()
    assert (params["usemask"], params["mask"]) == ("user", "circle[[64pix,64pix],8pix]")
    assert "REFANT = ''" in script and "CASA picks one" in script


def test_parallel_script_has_a_switch_and_checks_for_mpi_first(capsys: pytest.CaptureFixture[str]) -> None:
    script = _generate(capsys, str(ROOT / "samples" / "sim"), "--no-interactive", "--parallel", "--selfcal")
    assert "mpicasa -n 3 casa --nogui -c reimage.py" in script and "mpirun -n 3 python reimage.py" in script
    assert "\nPARALLEL = True\n" in script
    products = _products(script)
    assert products and all(p["parallel"] == "$PARALLEL" and p["savemodel"] == "none" for p in products.values())
    # The check runs before any step, and the model fill stays serial.
    assert script.index("    check_parallel()\n    run_steps(thesteps)") > script.index("def run_steps")
    assert "niter=0, interactive=False,\n                  savemodel='modelcolumn', restoration=False, pbcor=False, " \
           "parallel=False))" in script


def test_serial_script_has_no_mpi_code(capsys: pytest.CaptureFixture[str]) -> None:
    script = _generate(capsys, str(ROOT / "samples" / "sim"), "--no-interactive")
    assert "PARALLEL" not in script and "mpicasa" not in script and "check_parallel" not in script
    assert all(p["parallel"] is False for p in _products(script).values())
