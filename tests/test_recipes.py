"""``regen-tclean recipe``: the guide's pipeline scripts, their inputs and their golden copies.

The golden scripts live in ``tests/golden/recipes/``.  After a deliberate change
to a template, rewrite them with ``REGEN_GOLDEN=1 python3 -m pytest tests/test_recipes.py``
and review the diff before committing it.
"""
from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
from golden_files import assert_golden

from casalog.commands.main import main

ROOT = Path(__file__).resolve().parents[1]
CYCLE4 = "samples/cycle4"
CYCLE10 = "samples/cycle10"

#: The keywords the guide's scripts pass to each pipeline task; nothing else may appear.
GUIDE_PARAMETERS = {
    "hifa_importdata": {"vis", "dbservice", "pipelinemode"},
    "hif_mstransform": {"pipelinemode"},
    "hifa_flagtargets": {"pipelinemode"},
    "hif_uvcontfit": {"spw", "field", "pipelinemode"},
    "hif_uvcontsub": {"spw", "field", "pipelinemode"},
    "hif_makeimlist": {"specmode", "spw", "nbins", "field", "pipelinemode"},
    "hif_makeimages": {"robust", "pipelinemode"},
    "hif_exportdata": {"pipelinemode"},
}
_PREPARE = ["hifa_importdata", "hif_mstransform", "hifa_flagtargets"]
_CONTSUB = ["hif_uvcontfit", "hif_uvcontsub"]
#: The guide's task sequence of each recipe (makeimlist shown with its specmode).
GUIDE_SEQUENCE = {
    "restore-contsub": [*_PREPARE, *_CONTSUB],
    "aggregate-cont": [*_PREPARE, "hif_makeimlist:cont", "hif_makeimages", "hif_exportdata"],
    "revise-contdat": [
        *_PREPARE,
        *_CONTSUB,
        *("hif_makeimlist:mfs", "hif_makeimages", "hif_makeimlist:cont", "hif_makeimages"),
        *("hif_makeimlist:cube", "hif_makeimages", "hif_exportdata"),
    ],
    "subset-cube": [*_PREPARE, *_CONTSUB, "hif_makeimlist:cube", "hif_makeimages", "hif_exportdata"],
}
REAL_VIS = [
    f"uid___A002_{eb}.ms"
    for eb in (
        "Xc27dd7_X2fc3", "Xc27dd7_X6983", "Xc27dd7_X6c8e", "Xc2b007_X877",
        "Xc8592e_Xaea3", "Xc89480_X8c7d", "Xc96463_X1646", "Xc96f17_X113a",
    )
]  # fmt: skip
CYCLE4_VIS = ["uid___A002_Xb9dfa4_X4b3d.ms", "uid___A002_Xba2e0a_X1f2c.ms"]
CYCLE10_VIS = ["uid___A002_X10b9e3a_X7c91.ms", "uid___A002_X10bb1f0_X2d4e.ms"]

#: (golden file or None, command line after ``recipe``, the USER SET INPUTS they must give); one golden per recipe.
CASES = [
    ("restore_contsub.py", ["restore-contsub", CYCLE4], {"TITLE": "Restore continuum subtraction", "VIS": CYCLE4_VIS}),
    ("aggregate_cont.py", ["aggregate-cont", CYCLE4],
     {"TITLE": "Aggregate continuum, all channels", "VIS": CYCLE4_VIS}),
    ("revise_contdat.py", ["revise-contdat", CYCLE4, "--spw", "21,17", "--title", "Line-free 17 and 21"],
     {"TITLE": "Line-free 17 and 21", "VIS": CYCLE4_VIS, "SPW": "21,17"}),
    ("subset_cube.py",
     ["subset-cube", CYCLE4, "--spw", "17,19", "--nbins", "19:2,17:8", "--field", "HD_163296,IRAS16293-2422",
      "--robust", "-0.5"],
     {"TITLE": "Cubes of selected spws and fields", "VIS": CYCLE4_VIS, "SPW": "17,19", "NBINS": "17:8,19:2",
      "FIELDS": "HD 163296,IRAS16293-2422", "ROBUST": -0.5}),
    (None, ["restore-contsub", CYCLE10], {"TITLE": "Restore continuum subtraction", "VIS": CYCLE10_VIS}),
    (None, ["aggregate-cont", CYCLE10, "--title", "Elias 27 all channels"],
     {"TITLE": "Elias 27 all channels", "VIS": CYCLE10_VIS}),
    (None, ["revise-contdat", CYCLE10, "--spw", "27"],
     {"TITLE": "Revised continuum ranges", "VIS": CYCLE10_VIS, "SPW": "27"}),
    (None, ["subset-cube", CYCLE10, "--spw", "25", "--nbins", "25:2"],
     {"TITLE": "Cubes of selected spws and fields", "VIS": CYCLE10_VIS, "SPW": "25", "NBINS": "25:2",
      "FIELDS": "", "ROBUST": 0.5}),
]  # fmt: skip
CASE_PARAMS = [pytest.param(name, args, inputs, id=" ".join(args[:2])) for name, args, inputs in CASES]


@pytest.fixture(autouse=True)
def in_checkout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764000000")
    monkeypatch.chdir(ROOT)


def _generate(capsys: pytest.CaptureFixture[str], args: list[str]) -> str:
    assert main(["recipe", *args]) == 0, capsys.readouterr().err
    return capsys.readouterr().out


def _call_name(node: ast.Call) -> str:
    return node.func.id if isinstance(node.func, ast.Name) else ""


def _pipeline_calls(tree: ast.Module) -> list[ast.Call]:
    """The hif_/hifa_ calls of the script, in source order."""
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call) and _call_name(node).startswith("hif")]
    return sorted(calls, key=lambda node: (node.lineno, node.col_offset))


def _inputs_block(script: str) -> dict[str, Any]:
    """The literal assignments between the USER SET INPUTS banner and the closing rule."""
    block = script.split("## USER SET INPUTS\n", 1)[1].split("#" * 60, 1)[0]
    found = {}
    for node in ast.parse(block).body:
        assert isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
        found[node.targets[0].id] = ast.literal_eval(node.value)
    return found


@pytest.mark.parametrize(("name", "args", "inputs"), [case for case in CASE_PARAMS if case.values[0]])
def test_golden_recipes(capsys: pytest.CaptureFixture[str], name: str, args: list[str], inputs: dict[str, Any]) -> None:
    assert_golden(f"recipes/{name}", _generate(capsys, args))


def test_inputs_from_the_real_log(capsys: pytest.CaptureFixture[str], real_log: Path) -> None:
    log = str(real_log)
    args = ["subset-cube", log, "--spw", "22,26", "--nbins", "26:1,22:4", "--field", "NGC1068", "--robust", "1.5"]
    assert _inputs_block(_generate(capsys, args)) == {
        "TITLE": "Cubes of selected spws and fields", "VIS": REAL_VIS, "SPW": "22,26", "NBINS": "22:4,26:1",
        "FIELDS": "NGC1068", "ROBUST": 1.5,
    }
    assert main(["recipe", "revise-contdat", log, "--spw", "18"]) == 1
    assert capsys.readouterr().err == (
        f"{log}: spw 18 is not among the science-target images of this log; valid spws: 22, 24, 26\n"
    )
    assert main(["recipe", "restore-contsub", log]) == 0
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(("name", "args", "inputs"), CASE_PARAMS)
def test_inputs_block_holds_the_requested_values(
    capsys: pytest.CaptureFixture[str], name: str, args: list[str], inputs: dict[str, Any]
) -> None:
    assert _inputs_block(_generate(capsys, args)) == inputs


@pytest.mark.parametrize(("name", "args", "inputs"), CASE_PARAMS)
def test_pipeline_calls_are_the_guides(
    capsys: pytest.CaptureFixture[str], name: str, args: list[str], inputs: dict[str, Any]
) -> None:
    tree = ast.parse(_generate(capsys, args))
    calls = _pipeline_calls(tree)
    sequence = []
    for call in calls:
        task = _call_name(call)
        keywords = {keyword.arg: keyword.value for keyword in call.keywords}
        assert not call.args, f"{task} takes keywords only"
        assert set(keywords) <= GUIDE_PARAMETERS[task], f"{task}: {set(keywords) - GUIDE_PARAMETERS[task]}"
        pipelinemode = keywords["pipelinemode"]
        assert isinstance(pipelinemode, ast.Name) and pipelinemode.id == "pipelinemode"
        specmode = keywords.get("specmode")
        sequence.append(f"{task}:{ast.literal_eval(specmode)}" if specmode else task)
    assert sequence == GUIDE_SEQUENCE[args[0]]


@pytest.mark.parametrize(("name", "args", "inputs"), CASE_PARAMS)
def test_pipeline_session_is_saved_whatever_happens(
    capsys: pytest.CaptureFixture[str], name: str, args: list[str], inputs: dict[str, Any]
) -> None:
    body = ast.parse(_generate(capsys, args)).body
    statements = [ast.unparse(node) for node in body]
    assert "pipelinemode = 'automatic'" in statements
    start = statements.index("context = h_init()")
    (attempt,) = [node for node in body[start:] if isinstance(node, ast.Try)]
    assert [ast.unparse(node) for node in attempt.finalbody] == ["h_save()"]
    # Every pipeline task runs inside the try, after h_init.
    assert len(_pipeline_calls(ast.Module(body=attempt.body, type_ignores=[]))) == len(GUIDE_SEQUENCE[args[0]])


def _prologue(script: str) -> str:
    """The script up to the start of the pipeline session: plain Python that runs anywhere."""
    return script.split("context = h_init()", 1)[0]


def _run_prologue(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, args: list[str], folder: Path
) -> None:
    code = compile(_prologue(_generate(capsys, args)), "recipe", "exec")
    monkeypatch.chdir(folder)
    exec(code, {})


def _working(tmp_path: Path, *files: str) -> Path:
    for name in CYCLE4_VIS:
        (tmp_path / name).mkdir()
    for name in files:
        (tmp_path / name).write_text(f"{name}\n")
    return tmp_path


@pytest.mark.parametrize(
    ("present", "backup"),
    [
        pytest.param(["cont.dat"], "original.cont.dat", id="first backup"),
        pytest.param(["cont.dat", "original.cont.dat"], "original.cont.dat.1", id="backup name taken"),
        pytest.param(
            ["cont.dat", "original.cont.dat", "original.cont.dat.1"], "original.cont.dat.2", id="two names taken"
        ),
    ],
)
def test_aggregate_cont_sets_contdat_aside_without_losing_a_file(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    present: list[str],
    backup: str,
) -> None:
    folder = _working(tmp_path, *present)
    _run_prologue(capsys, monkeypatch, ["aggregate-cont", CYCLE4], folder)
    assert f"cont.dat renamed to {backup}" in capsys.readouterr().out
    assert not (folder / "cont.dat").exists()
    assert (folder / backup).read_text() == "cont.dat\n"
    for name in present[1:]:
        assert (folder / name).read_text() == f"{name}\n"


def test_aggregate_cont_without_contdat_moves_nothing(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    folder = _working(tmp_path)
    _run_prologue(capsys, monkeypatch, ["aggregate-cont", CYCLE4], folder)
    assert sorted(path.name for path in folder.iterdir()) == CYCLE4_VIS


def test_scripts_use_no_shell(capsys: pytest.CaptureFixture[str]) -> None:
    script = _generate(capsys, ["aggregate-cont", CYCLE4])
    assert "os.rename('cont.dat', CONT_BACKUP)" in script
    assert "os.system" not in script and "subprocess" not in script


@pytest.mark.parametrize(
    ("args", "measurement_sets", "contdat", "message"),
    [
        pytest.param(
            ["restore-contsub", CYCLE4], CYCLE4_VIS[:1], True, f"not in this folder: {CYCLE4_VIS[1]}; run this file in",
            id="a measurement set missing",
        ),
        pytest.param(
            ["subset-cube", CYCLE4, "--spw", "17", "--nbins", "17:1"], CYCLE4_VIS, False, "no cont.dat in this folder",
            id="cont.dat missing",
        ),
    ],
)  # fmt: skip
def test_script_stops_before_the_pipeline_without_its_data(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    args: list[str],
    measurement_sets: list[str],
    contdat: bool,
    message: str,
) -> None:
    for name in measurement_sets:
        (tmp_path / name).mkdir()
    if contdat:
        (tmp_path / "cont.dat").write_text("cont.dat\n")
    with pytest.raises(RuntimeError, match=message):
        _run_prologue(capsys, monkeypatch, args, tmp_path)


def test_prologue_passes_with_data_in_place(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    folder = _working(tmp_path, "cont.dat")
    _run_prologue(capsys, monkeypatch, ["revise-contdat", CYCLE4, "--spw", "19"], folder)
    assert (folder / "cont.dat").read_text() == "cont.dat\n"


def test_header_tells_where_it_came_from(capsys: pytest.CaptureFixture[str]) -> None:
    script = _generate(capsys, ["subset-cube", CYCLE4, "--spw", "17", "--nbins", "17:3", "--field", "HD 163296"])
    header = script.split("\n\n", 1)[0]
    assert "regen-tclean 0.2.0 on 2025-11-24 16:00 UTC" in header
    assert "uid___A001_X885_X2b1.casa_commands.log" in header
    assert "SHA-256 92d86c1bffaab85172a74bfccb3419a449e6488733c581dab8df7ae60c62cdbd" in header
    assert "regen-tclean recipe subset-cube samples/cycle4 --spw 17 --nbins 17:3 --field 'HD 163296'" in header


def test_a_log_file_and_its_delivery_give_the_same_script(capsys: pytest.CaptureFixture[str]) -> None:
    log = f"{CYCLE10}/log/uid___A001_X3621_X1c7.casa_commands.log"
    from_log = _generate(capsys, ["revise-contdat", log, "--spw", "25"])
    from_delivery = _generate(capsys, ["revise-contdat", CYCLE10, "--spw", "25"])
    assert from_log.replace(log, CYCLE10) == from_delivery


@pytest.mark.parametrize(
    ("source", "warned"),
    [
        pytest.param(CYCLE10, True, id="cycle 10: stages without pipelinemode"),
        pytest.param(CYCLE4, False, id="cycle 4: the guide's pipeline"),
    ],
)
def test_newer_pipeline_is_warned_about(capsys: pytest.CaptureFixture[str], source: str, warned: bool) -> None:
    assert main(["recipe", "restore-contsub", source]) == 0
    out, err = capsys.readouterr()
    assert ("WARNING: the pipeline that wrote this log" in out) is warned
    assert ("warning: the log's pipeline calls its stages without pipelinemode" in err) is warned
    assert err.count("\n") == int(warned)


def test_output_file_is_written_once(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "restore.py"
    assert main(["recipe", "restore-contsub", CYCLE4, "-o", str(target)]) == 0
    assert capsys.readouterr().out == ""
    first = target.read_text()
    assert "execfile('restore.py')" in first
    ast.parse(first)
    assert main(["recipe", "aggregate-cont", CYCLE4, "-o", str(target)]) == 1
    assert capsys.readouterr().err == f"{target}: exists already; use --force to replace it\n"
    assert target.read_text() == first
    assert main(["recipe", "aggregate-cont", CYCLE4, "-o", str(target), "--force"]) == 0
    assert "hif_makeimlist(specmode='cont'" in target.read_text()


CYCLE4_LOG = "samples/cycle4/log/uid___A001_X885_X2b1.casa_commands.log"
SUBSET = ["subset-cube", CYCLE4]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        pytest.param(
            [*SUBSET, "--spw", "17,23", "--nbins", "17:1,23:1"], 1,
            f"{CYCLE4_LOG}: spw 23 is not among the science-target images of this log; valid spws: 17, 19, 21",
            id="unknown spw",
        ),
        pytest.param(
            [*SUBSET, "--spw", "17", "--nbins", "17:1", "--field", "J1924-2914"], 1,
            f"{CYCLE4_LOG}: field 'J1924-2914' is not among the science targets of this log; "
            "valid fields: HD 163296, IRAS16293-2422",
            id="calibrator is no science field",
        ),
        pytest.param(
            [*SUBSET, "--spw", "17,19", "--nbins", "17:4"], 2,
            "regen-tclean: --nbins 17:4: no entry for spw 19; every selected spw needs one (1 = no binning)",
            id="missing nbins entry",
        ),
        pytest.param(
            [*SUBSET, "--spw", "17", "--nbins", "17:4,21:2"], 2,
            "regen-tclean: --nbins 17:4,21:2: spw 21 is not selected with --spw (17)",
            id="nbins for unselected spw",
        ),
        pytest.param(
            [*SUBSET, "--spw", "17", "--nbins", "17:0"], 2,
            "regen-tclean: --nbins 17:0: the bin count of spw 17 must be a whole number of at least 1",
            id="zero bins",
        ),
        pytest.param(
            [*SUBSET, "--spw", "17", "--nbins", "17:2.5"], 2,
            "regen-tclean: --nbins 17:2.5: the bin count of spw 17 must be a whole number of at least 1",
            id="fractional bins",
        ),
        pytest.param(
            [*SUBSET, "--spw", "17", "--nbins", "17"], 2,
            "regen-tclean: --nbins 17: '17' is not SPW:N; write e.g. 17:8,23:1", id="nbins without count",
        ),
        pytest.param(
            [*SUBSET, "--spw", "17", "--nbins", "17:2,17:3"], 2,
            "regen-tclean: --nbins 17:2,17:3: 17 is given twice", id="nbins twice",
        ),
        pytest.param(
            [*SUBSET, "--spw", "17", "--nbins", "17:1", "--robust", "2.5"], 2,
            "regen-tclean: --robust 2.5: Briggs robust goes from -2 to 2", id="robust too high",
        ),
        pytest.param(
            [*SUBSET, "--spw", "17", "--nbins", "17:1", "--robust", "-3"], 2,
            "regen-tclean: --robust -3: Briggs robust goes from -2 to 2", id="robust too low",
        ),
        pytest.param(
            [*SUBSET, "--spw", "17", "--nbins", "17:1", "--robust", "nan"], 2,
            "regen-tclean: --robust nan: Briggs robust goes from -2 to 2", id="robust not a number",
        ),
        pytest.param(
            [*SUBSET, "--spw", "17,spw19", "--nbins", "17:1"], 2,
            "regen-tclean: --spw 17,spw19: 'spw19' is not a spw id; give ids separated by commas, e.g. 17,23",
            id="bad spw id",
        ),
        pytest.param(
            ["revise-contdat", CYCLE4, "--spw", "17,017"], 2, "regen-tclean: --spw 17,017: 17 is given twice",
            id="spw twice",
        ),
        pytest.param(
            [*SUBSET, "--spw", "17", "--nbins", "17:1", "--field", "HD_163296,HD 163296"], 2,
            "regen-tclean: --field 'HD_163296,HD 163296': a field is named twice (by its image name and its own name)",
            id="field twice by two names",
        ),
        pytest.param(
            [*SUBSET, "--spw", "17", "--nbins", "17:1", "--field", "IRAS16293-2422,"], 2,
            "regen-tclean: --field IRAS16293-2422,: an empty item; separate values with single commas",
            id="empty field",
        ),
        pytest.param(
            ["subset-cube", CYCLE4, "--nbins", "17:1"], 2,
            "regen-tclean: the following arguments are required: --spw (see regen-tclean recipe --help)",
            id="spw required",
        ),
        pytest.param(
            ["mosaic", CYCLE4], 2, "regen-tclean: argument NAME: invalid choice: 'mosaic'",
            id="unknown recipe",
        ),
        pytest.param(
            ["restore-contsub", "samples/nowhere"], 1, "samples/nowhere: no such file or folder", id="no source",
        ),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_and_writes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, args: list[str], code: int, message: str
) -> None:
    target = tmp_path / "recipe.py"
    assert main(["recipe", *args, "-o", str(target)]) == code
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(message) and err.count("\n") == 1
    assert not target.exists()


def _log(tmp_path: Path, body: str) -> str:
    path = tmp_path / "uid___A001_X1_X2.casa_commands.log"
    path.write_text("raise Error('The casa commands log is not executable!')\n\n" + body)
    return str(path)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param(
            '# hifv_flagdata(pipelinemode="automatic")\n#\n# Flags.\n#\nflagdata(vis=\'a.ms\', mode=\'summary\')\n',
            "a VLA pipeline log: the recipes use the ALMA pipeline tasks and do not cover VLA data",
            id="vla",
        ),
        pytest.param(
            "flagdata(vis='a.ms', mode='summary')\n",
            "the log names no measurement set (no importasdm call, no imaged data); give the delivery folder, "
            "whose calibrated/working holds them",
            id="no measurement set",
        ),
    ],
)
def test_logs_the_recipes_cannot_serve(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, body: str, message: str
) -> None:
    log = _log(tmp_path, body)
    assert main(["recipe", "restore-contsub", log]) == 1
    assert capsys.readouterr().err == f"{log}: {message}\n"
