"""The generated re-imaging script: its product dicts, its inputs, its steps, its options.

One golden copy guards the template against accidental change
(``tests/golden/reimage.py``); everything else is checked by content, parsed
out of the generated script.
"""
from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
from golden_files import assert_golden

from casalog.commands.main import main
from casalog.reimage.casaversion import TCLEAN_ORDER

ROOT = Path(__file__).resolve().parents[1]
CYCLE4 = ROOT / "samples" / "cycle4"
CYCLE10 = ROOT / "samples" / "cycle10"
CYCLE4_CONTDAT = CYCLE4 / "calibration" / "uid___A001_X885_X2b1.cont.dat"


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


def _inputs(script: str) -> dict[str, Any]:
    """The assignments of the USER SET INPUTS block."""
    block = script.split("## USER SET INPUTS", 1)[1].split("#####", 1)[0]
    return {
        node.targets[0].id: ast.literal_eval(node.value)  # type: ignore[attr-defined]
        for node in ast.parse(block).body
        if isinstance(node, ast.Assign)
    }


def _value(node: ast.expr) -> Any:
    if isinstance(node, ast.Name):
        return f"${node.id}"
    if isinstance(node, ast.Call):
        return f"${ast.unparse(node.func)}()"
    return ast.literal_eval(node)


def _step_titles(script: str) -> dict[int, str]:
    for node in ast.parse(script).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "step_title":
            return ast.literal_eval(node.value)  # type: ignore[no-any-return]
    raise AssertionError("no step_title")


def test_golden_script(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    # Relative paths keep the command line in the header the same in any checkout.
    monkeypatch.chdir(ROOT)
    assert_golden("reimage.py", _generate(capsys, "samples/cycle10", "--no-interactive", "--selfcal"))


@pytest.mark.parametrize("source", [CYCLE4, CYCLE10])
def test_every_science_product_gets_the_guides_rewrite(capsys: pytest.CaptureFixture[str], source: Path) -> None:
    products = _products(_generate(capsys, str(source)))
    assert len(products) == {CYCLE4: 9, CYCLE10: 7}[source]
    for params in products.values():
        assert params["interactive"] == "$INTERACTIVE"
        assert (params["calcres"], params["calcpsf"], params["restart"]) == (True, True, False)
        assert (params["usemask"], params["mask"]) == ("user", "")
        assert params["pbcor"] is True and params["savemodel"] == "modelcolumn"
        assert params["imagename"].endswith(".manual") and ".iter" not in params["imagename"]
        assert all("/" not in vis for vis in params["vis"])
        assert "chanchunks" not in params  # removed from tclean in CASA 6.2
        assert params["threshold"].startswith("$THRESHOLD_")
        order = [TCLEAN_ORDER.index(name) for name in params]
        assert order == sorted(order), "keywords in tclean's signature order"


def test_real_log_products_get_the_guides_rewrite(capsys: pytest.CaptureFixture[str], real_log: Path) -> None:
    products = _products(_generate(capsys, str(real_log)))
    assert len(products) == 5
    assert all(params["interactive"] == "$INTERACTIVE" and params["usemask"] == "user" for params in products.values())


def test_batch_keeps_the_pipeline_automask_and_targets_old_casa(capsys: pytest.CaptureFixture[str]) -> None:
    script = _generate(capsys, str(CYCLE10), "--no-interactive", "--casa-version", "5.1", "--product", "*s16_0*")
    (params,) = _products(script).values()
    assert params["usemask"] == "auto-multithresh" and "mask" not in params
    assert "fullsummary" not in params and "nsigma" not in params
    assert _inputs(script)["INTERACTIVE"] is False
    assert "# This script was written for batch cleaning" in script


def test_cycle4_cleanmask_becomes_the_pb_mask_in_batch(capsys: pytest.CaptureFixture[str]) -> None:
    script = _generate(capsys, str(CYCLE4), "--no-interactive", "--casa-version", "4.7", "--product", "*IRAS*cont.I")
    (params,) = _products(script).values()
    assert (params["usemask"], params["pbmask"]) == ("pb", 0.3) and "mask" not in params
    assert params["chanchunks"] == -1
    assert "# NOTE: batch mode without --mask or a usable automask" in script


def test_interactive_comment_matches_the_mode(capsys: pytest.CaptureFixture[str]) -> None:
    interactive = _generate(capsys, str(CYCLE4), "--product", "*cont.I")
    assert "# True: tclean opens the viewer at each major cycle so you draw the clean mask." in interactive
    assert _inputs(interactive)["INTERACTIVE"] is True
    batch = _generate(capsys, str(CYCLE4), "--product", "*cont.I", "--no-interactive")
    assert "draw the clean mask" not in batch and _inputs(batch)["INTERACTIVE"] is False


def test_imaging_options_change_the_call(capsys: pytest.CaptureFixture[str]) -> None:
    script = _generate(
        capsys, str(CYCLE4), "--specmode", "cube", "--robust", "1.5", "--uvtaper", "0.1arcsec",
        "--cell", "0.03arcsec", "--imsize", "1200", "--nbins", "2", "--deconvolver", "multiscale",
        "--scales", "0,5,15", "--datacolumn", "corrected",
    )
    (params,) = _products(script).values()
    assert params["robust"] == 1.5 and params["weighting"] == "briggs" and params["uvtaper"] == ["0.1arcsec"]
    assert params["cell"] == "0.03arcsec" and params["imsize"] == [1200, 1200]
    assert params["width"] == "1.95314863281MHz" and params["nchan"] == 958
    assert params["deconvolver"] == "multiscale" and params["scales"] == [0, 5, 15]
    assert params["datacolumn"] == "corrected"


def test_product_without_iter1_is_built_from_iter0_and_said(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(CYCLE4), "--product", "*HD_163296_sci.spw19.mfs.I"]) == 0
    out, err = capsys.readouterr()
    assert "has no iter1 call" in err and err.count("\n") == 1
    assert "# NOTE: the log has no iter1 call" in out
    (params,) = _products(out).values()
    assert params["niter"] == 100000 and params["restart"] is False


def test_quoted_field_name_is_accepted_and_kept(capsys: pytest.CaptureFixture[str]) -> None:
    script = _generate(capsys, str(CYCLE4), "--field", "HD 163296", "--specmode", "cont")
    (params,) = _products(script).values()
    assert params["field"] == '"HD 163296"'  # the pipeline's own selection, quotes and all
    assert "# Product 1: uid___A001_X885_X2b1.s21_0.HD_163296_sci.spw17_19.cont.I" in script


def test_selfcal_plans_one_target_per_field_with_its_refants(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(CYCLE4), "--selfcal", "--no-interactive"]) == 0
    script, err = capsys.readouterr()
    inputs = _inputs(script)
    # Each execution block has its own ranking (its gaincal calls).
    assert inputs["REFANT_1"] == {
        "uid___A002_Xb9dfa4_X4b3d_target.ms": "DV08,DA46,DV17,DA59,DV03",
        "uid___A002_Xba2e0a_X1f2c_target.ms": "DA46,DV08,DV17,DA41,DV03",
    }
    assert inputs["REFANT_2"] == inputs["REFANT_1"]
    assert inputs["SOLINTS"] is None and inputs["MIN_SOLINT_SNR"] == 3.0
    titles = list(_step_titles(script).values())
    assert "Self-calibrate IRAS16293-2422" in titles and "Self-calibrate HD 163296" in titles
    assert "Clean s23_0.IRAS16293-2422_sci.spw17.cube.I after self-calibration" in titles
    # Every science product self-calibration does not use or remake is named, with why.
    left_out = [line for line in err.splitlines() if "self-calibration leaves out" in line]
    assert len(left_out) == 6
    assert all("aggregate continuum (product" in line for line in left_out)
    assert script.replace("\n# ", " ").count("is not made again after self-calibration") == 6
    script = _generate(capsys, str(CYCLE4), "--selfcal", "--refant", "DA41", "--solints", "inf,60s")
    assert _inputs(script)["REFANT_1"] == "DA41" and _inputs(script)["SOLINTS"] == ["inf", "60s"]


def test_selfcal_uses_the_regular_calibration_when_the_pipeline_self_calibrated(
    capsys: pytest.CaptureFixture[str],
) -> None:
    script = _generate(capsys, str(CYCLE10), "--selfcal", "--no-interactive")
    assert "The pipeline self-calibrated Elias_27 already (product 5)" in script.replace("\n# ", " ")
    assert "# Self-calibration of Elias_27: its continuum is product 4, its cubes 6, 7." in script


def test_selfcal_settings_are_named_inputs(capsys: pytest.CaptureFixture[str]) -> None:
    inputs = _inputs(_generate(capsys, str(CYCLE10), "--selfcal", "--no-interactive", "--ap"))
    for name in ("COMBINE_SPW", "MINSNR", "MINBLPERANT", "INTERP", "APPLYMODE", "NSIGMA_FINAL", "MAX_BEAM_CHANGE"):
        assert name in inputs
    assert inputs["AMPLITUDE_ROUND"] is True


def test_summary_of_what_was_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "reimage.py"
    assert main([str(CYCLE10), "--no-interactive", "--selfcal", "-o", str(output)]) == 0
    err = capsys.readouterr().err
    steps = len(_step_titles(output.read_text()))
    assert err.splitlines()[-1] == f"wrote {output}: 7 products, {steps} steps"


def test_output_file_is_not_replaced_without_force(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "reimage.py"
    output.write_text("my edits\n")
    assert main([str(CYCLE4), "-o", str(output)]) == 1
    assert "exists already; use --force" in capsys.readouterr().err
    assert output.read_text() == "my edits\n"
    assert main([str(CYCLE4), "-o", str(output), "--force"]) == 0
    assert output.read_text().startswith("# -*- coding: utf-8 -*-\n# Manual re-imaging")
    assert [p.name for p in tmp_path.iterdir()] == ["reimage.py"]


def test_bad_log_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "x.casa_commands.log"
    log.write_text("tclean(vis='a.ms',\n       imagename='x.s1_0.F_sci.spw1.mfs.I.iter1'\n")
    output = tmp_path / "reimage.py"
    assert main([str(log), "-o", str(output)]) == 1
    assert "truncated command" in capsys.readouterr().err
    assert not output.exists()


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        pytest.param(["--field", "M82"], 1, "the log has no field 'M82'; it has: .*HD 163296", id="unknown field"),
        pytest.param(["--spw", "23"], 1, "the log has no spw '23'; it has: 17, 19, 21", id="unknown spw"),
        pytest.param(["--intent", "POLARIZATION"], 1, "no intent 'POLARIZATION'", id="unknown intent"),
        pytest.param(["--product", "nope*"], 1, "no product is named 'nope\\*'", id="unknown product"),
        pytest.param(["--robust", "3"], 2, "Briggs robust goes from -2 to 2", id="robust"),
        pytest.param(["--robust", "nan"], 2, "Briggs robust goes from -2 to 2", id="robust nan"),
        pytest.param(["--cell", "0.1Jy"], 2, "--cell 0.1Jy: the unit must be like arcsec", id="cell unit"),
        pytest.param(["--cell", "0arcsec"], 2, "--cell 0arcsec: must be a finite value above 0", id="cell zero"),
        pytest.param(["--threshold", "abc"], 2, "not a number with a unit", id="threshold"),
        pytest.param(["--nsigma", "nan"], 2, "--nsigma nan: must be a finite number above 0", id="nsigma nan"),
        pytest.param(["--parallel"], 2, "--parallel needs --no-interactive", id="parallel interactive"),
        pytest.param(["--mask", "m.crtf"], 2, "--mask is for batch cleaning", id="mask interactive"),
        pytest.param(["--scales", "0,5"], 2, "--scales needs --deconvolver", id="scales"),
        pytest.param(["--solints", "inf,60s"], 2, "go with --selfcal", id="solints alone"),
        pytest.param(["--selfcal", "--solints", "inf,10Jy"], 2, "the unit must be like s", id="solint unit"),
        pytest.param(["--casa-version", "3.4"], 2, "older than 4.7", id="old casa"),
        pytest.param(["--specmode", "cube", "--selfcal"], 1, "self-calibration needs a continuum", id="selfcal cube"),
        pytest.param(["-o", ""], 2, "-o : must not be empty", id="empty output"),
    ],
)
def test_bad_options_are_one_line_errors_and_write_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], code: int, message: str
) -> None:
    output = tmp_path / "reimage.py"
    arguments = [str(CYCLE4), *args] if "-o" in args else [str(CYCLE4), "-o", str(output), *args]
    assert main(arguments) == code
    out, err = capsys.readouterr()
    assert err.count("\n") == 1 and "Traceback" not in err
    import re

    assert re.search(message, err), err
    assert not output.exists() and out == ""


def test_contdat_selects_continuum_for_mfs_and_cont_only(capsys: pytest.CaptureFixture[str]) -> None:
    script = _generate(capsys, str(CYCLE4), "--field", "IRAS16293-2422", "--contdat", str(CYCLE4_CONTDAT))
    products = _products(script)
    cube = [p for p in products.values() if p["specmode"] == "cube"]
    continuum = [p for p in products.values() if p["specmode"] == "mfs"]
    assert cube and all(not str(p["spw"]).startswith("$") for p in cube)
    assert continuum and all(p["spw"] == "$continuum_spw()" for p in continuum)
    assert "spw=continuum_spw([" in script and "'IRAS16293-2422'" in script and "def continuum_spw(" in script


def test_contdat_without_the_field_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    contdat = tmp_path / "cont.dat"
    contdat.write_text("Field: Other\n\nSpectralWindow: 17\n258.6~258.64GHz LSRK\n\n")
    args = [str(CYCLE4), "--field", "IRAS16293-2422", "--contdat", str(contdat), "-o", str(tmp_path / "r.py")]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"{contdat}: no field 'IRAS16293-2422' in cont.dat; it has: Other")
    assert not (tmp_path / "r.py").exists()


def test_contdat_all_none_and_frames(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    contdat = tmp_path / "cont.dat"
    contdat.write_text(
        "Field: IRAS16293-2422\n\nSpectralWindow: 17\n258.6~258.64GHz LSRK\n\nSpectralWindow: 19\nALL\n\n"
        "SpectralWindow: 21\nNONE\n\n"
    )
    script = _generate(capsys, str(CYCLE4), "--product", "*IRAS*cont.I", "--contdat", str(contdat))
    assert "[('17', [(258600000000.0, 258640000000.0)]), ('19', None)], 'LSRK')" in script
    assert "# NOTE: spw 21 has no continuum in cont.dat (NONE): left out of this image" in script
    contdat.write_text(
        "Field: IRAS16293-2422\n\nSpectralWindow: 17\n258.6~258.64GHz LSRK\n\nSpectralWindow: 19\n"
        "257.3~257.4GHz TOPO\n\nSpectralWindow: 21\nNONE\n\n"
    )
    assert main([str(CYCLE4), "--product", "*IRAS*cont.I", "--contdat", str(contdat)]) == 1
    assert "cont.dat mixes frames ['LSRK', 'TOPO'] for field IRAS16293-2422" in capsys.readouterr().err


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
             "--contdat", str(CYCLE4_CONTDAT)],
            id="batch, selfcal, continuum",
        ),
        pytest.param([str(CYCLE4), "--casa-version", "5.x", "--no-interactive", "--parallel", "--selfcal"],
                     id="parallel"),
    ],
)
def test_script_for_old_casa_is_python2_syntax(capsys: pytest.CaptureFixture[str], args: list[str]) -> None:
    script = _generate(capsys, *args)
    assert script.startswith("# -*- coding: utf-8 -*-\n")
    tree = ast.parse(script)
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
    assert main([str(CYCLE4), "-o", str(tmp_path), "--force"]) == 1
    err = capsys.readouterr().err
    assert err == f"{tmp_path}: is a folder; name a file to write\n"
    assert list(tmp_path.iterdir()) == []


def test_batch_mask_and_a_log_without_gaincal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "x.casa_commands.log"
    log.write_text("tclean(vis=['a.ms'], spw=['1'], imagename='u.s9_0.Src_sci.spw1.mfs.I.iter1', niter=9)\n")
    script = _generate(capsys, str(log), "--no-interactive", "--mask", "circle[[64pix,64pix],8pix]", "--selfcal")
    (params,) = _products(script).values()
    assert (params["usemask"], params["mask"]) == ("user", "circle[[64pix,64pix],8pix]")
    assert _inputs(script)["REFANT_1"] == "" and "CASA picks one" in script


def test_logged_infinity_is_refused_not_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "x.casa_commands.log"
    log.write_text("tclean(vis=['a.ms'], imagename='u.s9_0.Src_sci.spw1.mfs.I.iter1', threshold=inf)\n")
    output = tmp_path / "reimage.py"
    assert main([str(log), "-o", str(output)]) == 1
    err = capsys.readouterr().err
    assert err == f"{log}:1: tclean call of u.s9_0.Src_sci.spw1.mfs.I: inf is not a finite number\n"
    assert not output.exists()


def test_script_for_python2_casa_carries_a_coding_line_for_non_ascii_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import shutil
    import subprocess
    import warnings

    log = tmp_path / "josé" / "x.casa_commands.log"
    log.parent.mkdir()
    log.write_text("tclean(vis=['a.ms'], field='Orión', imagename='u.s9_0.Ori_n_sci.spw1.mfs.I.iter1', niter=9)\n")
    script = _generate(capsys, str(log), "--casa-version", "5.x", "--selfcal", "--no-interactive")
    assert not script.isascii() and script.startswith("# -*- coding: utf-8 -*-\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from lib2to3 import pygram, pytree
        from lib2to3.pgen2 import driver

    driver.Driver(pygram.python_grammar, convert=pytree.convert).parse_string(script)
    # Where a Python 2 interpreter works (Debian no longer ships one), it must compile the script too.
    for name in ("python2.7", "python2"):
        python2 = shutil.which(name)
        if python2 and subprocess.run([python2, "-c", "import sys; assert sys.version_info[0] == 2"],
                                      capture_output=True).returncode == 0:
            path = tmp_path / "reimage.py"
            path.write_text(script)
            subprocess.run([python2, "-m", "py_compile", str(path)], check=True)
            break


def test_parallel_script_has_a_switch_and_checks_for_mpi_first(capsys: pytest.CaptureFixture[str]) -> None:
    script = _generate(capsys, str(CYCLE10), "--no-interactive", "--parallel", "--selfcal")
    assert "mpicasa -n 3 casa --nogui -c reimage.py" in script and "mpirun -n 3 python reimage.py" in script
    assert _inputs(script)["PARALLEL"] is True
    products = _products(script)
    assert products and all(p["parallel"] == "$PARALLEL" and p["savemodel"] == "none" for p in products.values())
    # The check runs before the first step; the model fill stays serial.
    assert script.index("check_parallel(products)") < script.index("mystep = 0")
    assert "savemodel='modelcolumn', restoration=False, pbcor=False, parallel=False))" in script


def test_serial_script_has_no_mpi_code(capsys: pytest.CaptureFixture[str]) -> None:
    script = _generate(capsys, str(CYCLE10), "--no-interactive")
    assert "PARALLEL" not in script and "mpicasa" not in script and "check_parallel" not in script
