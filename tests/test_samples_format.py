"""Format guards for the hand-written samples in samples/cycle4 and samples/cycle10.

These read the files with their own small helpers, not with the project's
reader, so a reader bug cannot hide a sample bug (or the other way round).
"""
from __future__ import annotations

import ast
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from casalog.log.tasks import is_known_task
from casalog.reimage.casaversion import TCLEAN_PARAMETERS

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
CYCLE4 = SAMPLES / "cycle4"
CYCLE10 = SAMPLES / "cycle10"
MOUS = {CYCLE4: "uid___A001_X885_X2b1", CYCLE10: "uid___A001_X3621_X1c7"}
EBS = {
    CYCLE4: ("uid___A002_Xb9dfa4_X4b3d", "uid___A002_Xba2e0a_X1f2c"),
    CYCLE10: ("uid___A002_X10b9e3a_X7c91", "uid___A002_X10bb1f0_X2d4e"),
}
BOTH = [pytest.param(CYCLE4, id="cycle4"), pytest.param(CYCLE10, id="cycle10")]

PRODUCT_RE = re.compile(
    r"(?P<prefix>uid___A\d+_X[0-9a-f]+_X[0-9a-f]+)\.s(?P<stage>\d+)_(?P<sub>\d+)"
    r"\.(?P<field>[A-Za-z0-9_+-]+)_(?P<intent>sci|bp|ph|flux|chk|pol|pang|plk)"
    r"\.spw(?P<spws>\d+(?:_\d+)*)\.(?P<specmode>mfs|cont|cube|repBW)"
    r"(?:\.(?P<datatype>regcal|selfcal))?\.(?P<stokes>I)\.(?P<iter>iter\d+|findcont)"
)
# hif_selfcal work images: <target>_<band>_dirty, _initial, _<solint>_<i>[_post]
WORK_RE = re.compile(r"Elias_27_Band_6_(?:dirty|initial|[A-Za-z0-9.]+(?:_[A-Za-z]+)*_\d+(?:_post)?)")
INTENT_TAG = {
    "OBSERVE_TARGET#ON_SOURCE": "sci",
    "CALIBRATE_BANDPASS#ON_SOURCE": "bp",
    "CALIBRATE_PHASE#ON_SOURCE": "ph",
}


@dataclass(frozen=True)
class Block:
    """One logged command: its lines, its one-line text and the stage it is in."""

    lineno: int
    lines: tuple[str, ...]
    text: str
    breaks_in_literal: tuple[str, ...]
    stage: int

    @property
    def call(self) -> ast.Call:
        node = ast.parse(self.text, mode="eval").body
        assert isinstance(node, ast.Call)
        return node

    @property
    def task(self) -> str:
        assert isinstance(self.call.func, ast.Name)
        return self.call.func.id

    @property
    def kwargs(self) -> dict[str, object]:
        return {kw.arg: ast.literal_eval(kw.value) for kw in self.call.keywords if kw.arg}


def log_path(sample: Path) -> Path:
    (path,) = (sample / "log").glob("*.casa_commands.log")
    return path


def join(lines: list[str]) -> tuple[str, tuple[str, ...]]:
    """Undo the wrap: a space went at each break, except after a hyphen.

    Returns the command and, for each break inside a string literal, ``'-'``
    or ``' '``.
    """
    indent = lines[0].index("(") + 1
    text, inside = lines[0], []
    for line in lines[1:]:
        assert line[:indent] == " " * indent and line[indent] != " ", line
        joiner = "" if text.endswith("-") else " "
        if text.count("'") % 2:
            inside.append(joiner or "-")
        text += joiner + line[indent:]
    return text, tuple(inside)


def rewrap(text: str) -> list[str]:
    return textwrap.wrap(
        text, width=80, subsequent_indent=" " * (text.index("(") + 1), break_long_words=False
    )


def blocks(sample: Path) -> list[Block]:
    lines = log_path(sample).read_text().splitlines()
    found: list[Block] = []
    stage = 0
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("# ") and lines[i - 1] == "" and lines[i + 1] == "#":
            stage += 1
        if re.match(r"[A-Za-z_]\w*\(", line) and i > 0:
            end = i + 1
            while end < len(lines) and lines[end].startswith(" "):
                end += 1
            text, inside = join(lines[i:end])
            found.append(Block(i + 1, tuple(lines[i:end]), text, inside, stage))
            i = end
            continue
        i += 1
    return found


def tcleans(sample: Path) -> list[Block]:
    return [block for block in blocks(sample) if block.task == "tclean"]


def products(sample: Path) -> list[tuple[Block, re.Match[str]]]:
    out = []
    for block in tcleans(sample):
        match = PRODUCT_RE.fullmatch(str(block.kwargs["imagename"]))
        if match and match["iter"] != "findcont":
            out.append((block, match))
    return out


def read_contdat(sample: Path) -> dict[str, dict[int, list[tuple[float, float]] | None]]:
    """cont.dat as field -> spw -> LSRK ranges in GHz (None for NONE)."""
    (path,) = (sample / "calibration").glob("*.cont.dat")
    fields: dict[str, dict[int, list[tuple[float, float]] | None]] = {}
    spw = -1
    for line in path.read_text().splitlines():
        if line.startswith("Field: "):
            field = fields.setdefault(line[len("Field: ") :], {})
        elif line.startswith("SpectralWindow: "):
            spw = int(line.split()[1])
            field[spw] = []
        elif line == "NONE":
            field[spw] = None
        elif line.endswith("GHz LSRK"):
            lo, hi = line[: -len("GHz LSRK")].split("~")
            ranges = field[spw]
            assert ranges is not None
            ranges.append((float(lo), float(hi)))
        else:
            assert line == "" or line.startswith("Flags: "), line
    return fields


def parse_selection(selection: str) -> dict[int, list[tuple[float, float]] | None]:
    """``'17:a~bGHz;c~dGHz,19'`` -> {17: [(a, b), (c, d)], 19: None}."""
    out: dict[int, list[tuple[float, float]] | None] = {}
    for part in selection.split(","):
        spw, _, ranges = part.partition(":")
        out[int(spw)] = None
        if ranges:
            pairs = [r.removesuffix("GHz").split("~") for r in ranges.split(";")]
            out[int(spw)] = [(float(lo), float(hi)) for lo, hi in pairs]
    return out


@pytest.mark.parametrize("sample", BOTH)
def test_file_starts_with_the_raise_and_a_prologue(sample: Path) -> None:
    lines = log_path(sample).read_text().splitlines()
    assert lines[0] == "raise Error('The casa commands log is not executable!')"
    assert lines[1] == ""
    assert lines[2].startswith("# # This file" if sample == CYCLE4 else "# This file")


@pytest.mark.parametrize("sample", BOTH)
def test_every_line_is_a_comment_a_blank_or_part_of_a_command(sample: Path) -> None:
    lines = log_path(sample).read_text().splitlines()
    in_blocks = {
        n for block in blocks(sample) for n in range(block.lineno, block.lineno + len(block.lines))
    }
    for lineno, line in enumerate(lines[1:], start=2):
        assert line == "" or line.startswith("#") or lineno in in_blocks, (lineno, line)
        if line.startswith("#") and not re.match(r"# \w+\(", line):
            assert len(line) <= 80, (lineno, line)


@pytest.mark.parametrize("sample", BOTH)
def test_every_command_rewraps_exactly(sample: Path) -> None:
    found = blocks(sample)
    assert len(found) > 50
    for block in found:
        assert rewrap(block.text) == list(block.lines), block.lineno


@pytest.mark.parametrize("sample", BOTH)
def test_breaks_inside_literals_and_long_tokens_occur(sample: Path) -> None:
    found = blocks(sample)
    breaks = [kind for block in found for kind in block.breaks_in_literal]
    assert "-" in breaks and " " in breaks
    assert any(len(line) > 80 for block in found for line in block.lines)


@pytest.mark.parametrize("sample", BOTH)
def test_every_command_is_a_known_task_called_with_literal_keywords(sample: Path) -> None:
    for block in blocks(sample):
        assert is_known_task(block.task), block.lineno
        assert not block.call.args, block.lineno
        for value in block.kwargs.values():
            assert value is not None and value != "", block.lineno


@pytest.mark.parametrize("sample", BOTH)
def test_stages_and_stage_numbers(sample: Path) -> None:
    lines = log_path(sample).read_text().splitlines()
    headers = [i for i, line in enumerate(lines) if re.match(r"# \w+\(.*\)$", line)]
    assert len(headers) == 24
    for i in headers:
        assert lines[i - 1] == "" and lines[i + 1] == "#"
    commands_per_stage = {block.stage for block in blocks(sample)}
    assert len(commands_per_stage) < len(headers), "some stage must have no commands"
    for block in tcleans(sample):
        match = PRODUCT_RE.fullmatch(str(block.kwargs["imagename"]))
        if match:
            assert int(match["stage"]) == block.stage, block.lineno


def sanitise(field: str) -> str:
    return re.sub(r"[^A-Za-z0-9+_-]", "_", field.strip('"'))


@pytest.mark.parametrize("sample", BOTH)
def test_imagenames_follow_the_naming_rule(sample: Path) -> None:
    for block in tcleans(sample):
        kwargs = block.kwargs
        imagename = str(kwargs["imagename"])
        match = PRODUCT_RE.fullmatch(imagename)
        if match is None:
            assert sample == CYCLE10 and WORK_RE.fullmatch(imagename), imagename
            continue
        assert match["prefix"] == MOUS[sample]
        assert match["field"] == sanitise(str(kwargs["field"]))
        assert match["intent"] == INTENT_TAG[str(kwargs["intent"])]
        selections = kwargs["spw"] if isinstance(kwargs["spw"], list) else [kwargs["spw"]]
        for selection in selections:
            spws = sorted(parse_selection(str(selection)))
            assert "_".join(str(spw) for spw in spws) == match["spws"]
        expected_mode = "cube" if match["specmode"] in ("cube", "repBW") else "mfs"
        if match["iter"] == "findcont":
            expected_mode = "cube"
        assert kwargs["specmode"] == expected_mode, imagename
        assert (match["datatype"] is None) == (sample == CYCLE4 or match["iter"] == "findcont")


CYCLE4_ITERATIONS = {
    "s11_0.J1924-2914_bp.spw17.mfs.I": [0, 1],
    "s11_0.J1733-1304_ph.spw17.mfs.I": [0, 1],
    "s19_0.IRAS16293-2422_sci.spw17.mfs.I": [0, 1],
    "s19_0.IRAS16293-2422_sci.spw19.mfs.I": [0, 1],
    "s19_0.IRAS16293-2422_sci.spw21.mfs.I": [0, 1],
    "s19_0.HD_163296_sci.spw17.mfs.I": [0, 1],
    "s19_0.HD_163296_sci.spw19.mfs.I": [0],
    "s19_0.HD_163296_sci.spw21.mfs.I": [0, 1],
    "s21_0.IRAS16293-2422_sci.spw17_19_21.cont.I": [0, 1],
    "s21_0.HD_163296_sci.spw17_19.cont.I": [0, 1],
    "s23_0.IRAS16293-2422_sci.spw17.cube.I": [0, 1],
}
CYCLE10_ITERATIONS = {
    "s14_0.Elias_27_sci.spw25.mfs.regcal.I": [0, 1],
    "s14_0.Elias_27_sci.spw27.mfs.regcal.I": [0, 1],
    "s14_0.Elias_27_sci.spw29.mfs.regcal.I": [0, 1],
    "s16_0.Elias_27_sci.spw25_27_29.cont.regcal.I": [0, 1],
    "s19_0.Elias_27_sci.spw25_27_29.cont.selfcal.I": [0, 1, 2],
    "s21_0.Elias_27_sci.spw25.cube.selfcal.I": [0, 1],
    "s23_0.Elias_27_sci.spw29.repBW.regcal.I": [0, 1],
}


@pytest.mark.parametrize(
    ("sample", "expected", "findcont", "work"),
    [
        pytest.param(CYCLE4, CYCLE4_ITERATIONS, 2, 0, id="cycle4"),
        pytest.param(CYCLE10, CYCLE10_ITERATIONS, 3, 4, id="cycle10"),
    ],
)
def test_iterations_per_product(
    sample: Path, expected: dict[str, list[int]], findcont: int, work: int
) -> None:
    iterations: dict[str, list[int]] = {}
    for _, match in products(sample):
        stem = match.string[len(MOUS[sample]) + 1 : match.start("iter") - 1]
        iterations.setdefault(stem, []).append(int(match["iter"][len("iter") :]))
    assert iterations == expected
    names = [str(block.kwargs["imagename"]) for block in tcleans(sample)]
    assert sum(name.endswith(".findcont") for name in names) == findcont
    assert sum(WORK_RE.fullmatch(name) is not None for name in names) == work


@pytest.mark.parametrize("sample", BOTH)
def test_iteration_parameters(sample: Path) -> None:
    for block, match in products(sample):
        kwargs, n = block.kwargs, int(match["iter"][len("iter") :])
        if n == 0:
            assert (kwargs["niter"], kwargs["threshold"]) == (0, "0.0mJy")
            assert kwargs["restoration"] is False and kwargs["pbcor"] is False
            assert "restart" not in kwargs
        else:
            assert isinstance(kwargs["niter"], int) and kwargs["niter"] > 0
            assert kwargs["restoration"] is True and kwargs["pbcor"] is True
            assert (kwargs["restart"], kwargs["calcres"], kwargs["calcpsf"]) == (True, False, False)
        if kwargs["usemask"] == "user" and n > 0:
            assert kwargs["mask"] == f"{match.string}.cleanmask"


def test_cycle4_era_parameters() -> None:
    for block in tcleans(CYCLE4):
        kwargs = block.kwargs
        assert kwargs["chanchunks"] == -1 and kwargs["savemodel"] == "none"
        assert kwargs["pblimit"] == 0.2
        findcont = str(kwargs["imagename"]).endswith(".findcont")
        assert kwargs["interactive"] is False if findcont else kwargs["interactive"] == 0
        if not findcont:
            assert kwargs["restoringbeam"] == "common" and kwargs["usemask"] == "user"


def test_cycle10_era_parameters_and_signature_order() -> None:
    order = [parameter.name for parameter in TCLEAN_PARAMETERS]
    for block in tcleans(CYCLE10):
        kwargs = block.kwargs
        assert list(kwargs) == sorted(kwargs, key=order.index), block.lineno
        assert kwargs["interactive"] is False and kwargs["fullsummary"] is True
        assert "chanchunks" not in kwargs
    usemasks = {(match["iter"], block.kwargs["usemask"]) for block, match in products(CYCLE10)}
    assert usemasks == {
        ("iter0", "auto-multithresh"),
        ("iter1", "auto-multithresh"),
        ("iter2", "user"),
    }


def _expected_ms_and_column(sample: Path, match: re.Match[str]) -> tuple[str, str]:
    if match["intent"] != "sci":
        return ".ms", "corrected"
    if sample == CYCLE4:
        return "_target.ms", "corrected" if match["specmode"] == "cube" else "data"
    line = match["specmode"] in ("cube", "repBW")
    column = "corrected" if match["datatype"] == "selfcal" else "data"
    return ("_targets_line.ms" if line else "_targets.ms"), column


@pytest.mark.parametrize("sample", BOTH)
def test_measurement_sets_and_columns(sample: Path) -> None:
    for block, match in products(sample):
        suffix, column = _expected_ms_and_column(sample, match)
        vis = block.kwargs["vis"]
        assert isinstance(vis, list)
        assert [Path(v).name for v in vis] == [eb + suffix for eb in EBS[sample]]
        assert block.kwargs["datacolumn"] == column, match.string
        full_paths = sample == CYCLE4 and match["intent"] != "sci"
        assert all(v.startswith("/") is full_paths for v in vis)


@pytest.mark.parametrize("sample", BOTH)
def test_continuum_selections_match_cont_dat(sample: Path) -> None:
    contdat = read_contdat(sample)
    checked = 0
    for block, match in products(sample):
        if match["intent"] != "sci" or match["specmode"] not in ("mfs", "cont"):
            continue
        ranges_of = contdat[str(block.kwargs["field"]).strip('"')]
        spw_list = block.kwargs["spw"]
        assert isinstance(spw_list, list) and len(spw_list) == 2
        for selection in spw_list:
            for spw, ranges in parse_selection(str(selection)).items():
                expected = ranges_of[spw]
                if expected is None:
                    assert ranges is None
                    continue
                assert ranges is not None and len(ranges) == len(expected)
                for got, want in zip(ranges, expected):
                    assert got == pytest.approx(want, rel=1e-4)
                checked += 1
    assert checked > 10


def test_cycle10_fitspec_covers_cont_dat() -> None:
    contdat = read_contdat(CYCLE10)["Elias_27"]
    calls = [block for block in blocks(CYCLE10) if block.task == "uvcontsub"]
    assert len(calls) == 2
    for block in calls:
        kwargs = block.kwargs
        assert str(kwargs["outputvis"]).endswith("_targets_line.ms")
        assert kwargs["datacolumn"] == "data"
        fitspec = kwargs["fitspec"]
        assert isinstance(fitspec, dict) and list(fitspec) == [2]
        assert {int(spw) for spw in fitspec[2]} == set(contdat)
        for spw, spec in fitspec[2].items():
            ranges = contdat[int(spw)]
            assert ranges is not None and len(spec["chan"].split(";")) == len(ranges)


@pytest.mark.parametrize(
    ("sample", "pattern"),
    [
        pytest.param(CYCLE4, "{}_flagtargetstemplate.txt", id="cycle4 old name"),
        pytest.param(CYCLE10, "{}.flagtargetstemplate.txt", id="cycle10 new name"),
    ],
)
def test_flag_templates(sample: Path, pattern: str) -> None:
    spws = {spw for field in read_contdat(sample).values() for spw in field}
    for eb in EBS[sample]:
        path = sample / "calibrated" / "working" / pattern.format(eb)
        for line in path.read_text().splitlines():
            if line.startswith("#"):
                continue
            pairs = dict(re.findall(r"(\w+)='([^']*)'", line))
            assert " ".join(f"{k}='{v}'" for k, v in pairs.items()) == line
            assert pairs["mode"] == "manual"
            if "spw" in pairs:
                assert int(pairs["spw"].split(":")[0]) in spws


# casalog.log.tasks: the names the reader accepts. Kept here, next to the samples
# that use them; every name of both samples is checked above.

@pytest.mark.parametrize(
    ("name", "known"),
    [
        pytest.param("tclean", True, id="tclean"),
        pytest.param("uvcontsub_old", True, id="renamed in 6.5"),
        pytest.param("clean", True, id="retired clean"),
        pytest.param("plotcal", True, id="retired plotcal"),
        pytest.param("uvcontfit", True, id="pipeline task"),
        pytest.param("plotms", True, id="plotms package"),
        pytest.param("copytree", True, id="file helper copytree"),
        pytest.param("rmtree", True, id="file helper rmtree"),
        pytest.param("move", True, id="file helper move"),
        pytest.param("copyfile", True, id="file helper copyfile"),
        pytest.param("Tclean", False, id="case matters"),
        pytest.param("hif_makeimages", False, id="pipeline stage is not a command"),
        pytest.param("casalog", False, id="casatasks logger"),
        pytest.param("os.system", False, id="not a task"),
        pytest.param("", False, id="empty"),
    ],
)
def test_is_known_task(name: str, known: bool) -> None:
    assert is_known_task(name) is known


def test_every_task_of_the_real_log_is_known(real_log: Path) -> None:
    called = set(re.findall(r"^([A-Za-z_]\w*)\(", real_log.read_text(), flags=re.MULTILINE))
    assert {"tclean", "uvcontfit", "importasdm"} <= called
    assert {name for name in called if not is_known_task(name)} == set()


@pytest.mark.casa
def test_every_installed_casatasks_task_is_known(casa_site_config: Path) -> None:
    import casatasks

    not_tasks = {"casalog", "version", "version_string"}
    assert {name for name in casatasks.__all__ if not is_known_task(name)} == not_tasks
