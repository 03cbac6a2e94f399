from __future__ import annotations

import argparse
from pathlib import Path

import astropy.units as u
import pytest

from casalog import contdat
from casalog.commands import contdat as command
from casalog.contdat import edit as contdat_edit
from casalog.contdat import select as contdat_select
from casalog.errors import CasaLogError, SelectionError, UsageError
from casalog.output.files import replace_keeping_backup

DATA = Path(__file__).parent / "data" / "contdat"
FIXTURES = sorted(DATA.glob("*.dat"))


def load(name: str) -> contdat.ContDat:
    path = DATA / name
    return contdat.parse(path.read_text(encoding="utf-8"), str(path))


def ranges(text: str) -> tuple[contdat.ContRange, ...]:
    (selected,) = contdat_select.parse_selection(text).values()
    return selected


def edited(name: str, spw: int, selection: str, field: str | None = None) -> str:
    return contdat.write(contdat_edit.set_ranges(load(name), spw, ranges(selection), field))


# --- round trip ------------------------------------------------------------


@pytest.mark.parametrize("path", [pytest.param(path, id=path.name) for path in FIXTURES])
def test_round_trip_fixture(path: Path) -> None:
    text = path.read_bytes().decode("utf-8")
    assert contdat.write(contdat.parse(text)) == text


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("Field: A\r\n\r\nSpectralWindow: 1\r\n100.0~100.5GHz LSRK\r\n\r\n", id="crlf"),
        pytest.param("\n\nField: A\n\nSpectralWindow: 1\nNONE\n", id="leading-blank-lines"),
        pytest.param("Field: A\nSpectralWindow: 1\n100.0~100.5GHz LSRK", id="no-final-newline"),
        pytest.param("Field: A\n\nSpectralWindow: 1\n  100.0~100.5GHz   LSRK  \n\n\n\n", id="odd-spacing"),
        pytest.param(
            "Field: A\n\nSpectralWindow: 1\n\n100.0~100.5GHz LSRK\n\n100.7~100.9GHz LSRK\n", id="blank-in-body"
        ),
        pytest.param("Field: A\n\nSpectralWindow: 1 X#SW-01\n\nFlags: ALLCONT\n100.0~102.0GHz LSRK\n", id="v3-gap"),
        pytest.param("A\nSPW1\n1.0e2~1.005E2GHz\n", id="v1-exponent"),
        pytest.param("", id="empty"),
    ],
)
def test_round_trip_text(text: str) -> None:
    assert contdat.write(contdat.parse(text)) == text


# --- what the parser reads --------------------------------------------------


def test_parse_v2_values() -> None:
    data = load("v2_one_field.dat")
    assert (data.version, data.field_names(), data.fields[0].spw_ids()) == (2, ["NGC1068"], [22, 24, 26])
    first = data.fields[0].spws[0].ranges[0]
    assert first.text == "258.6003833~258.642375488GHz"
    assert first.lo == 258.6003833 * u.GHz
    assert first.hi.unit == u.GHz
    assert (first.frame, first.effective_frame) == ("LSRK", "LSRK")
    assert data.fields[0].spws[1].lineno == 7


def test_parse_none_all_and_frames() -> None:
    iras, j1625 = load("v2_two_fields_none_all.dat").fields
    assert [(spw.spw, spw.marker, spw.all_channels, len(spw.ranges)) for spw in iras.spws] == [
        (17, None, False, 2),
        (19, "NONE", False, 0),
        (21, "ALL", True, 0),
    ]
    assert [(rng.frame, rng.effective_frame) for rng in j1625.spws[1].ranges] == [("SOURCE", "SOURCE"), (None, "TOPO")]


def test_parse_v3_names_and_flags() -> None:
    data = load("v3_flags.dat")
    assert data.version == 3
    spws = data.fields[0].spws
    assert [(spw.spw, spw.flags) for spw in spws] == [(25, ("ALLCONT",)), (27, ("LOWBANDWIDTH", "LOWSPREAD")), (29, ())]
    assert spws[0].name == "X1a2b#ALMA_RB_07#BB_1#SW-01#FULL_RES"
    assert data.fields[1].spws[1].ranges == ()


def test_parse_v1() -> None:
    data = load("v1_two_fields.dat")
    assert (data.version, data.field_names()) == (1, ["M100", "M83"])
    assert [spw.spw for spw in data.fields[0].spws] == [0, 1]
    assert data.fields[1].spws[0].ranges[0].effective_frame == "TOPO"


@pytest.mark.parametrize(
    ("text", "lineno", "match"),
    [
        pytest.param("Field: A\n\nSpectralWindow: 1\nhello\n", 4, "cannot read line 'hello'", id="junk"),
        pytest.param("Field: A\n100.0~100.5GHz LSRK\n", 2, "comes before any spw line", id="range-before-spw"),
        pytest.param("Field: A\nNONE\n", 2, "comes before any spw line", id="marker-before-spw"),
        pytest.param("\nField: A\nSPW1\n", 3, r"cannot read line 'SPW1' \(expected Field:", id="v1-spw-in-v2"),
        pytest.param(
            "Field: A\nSpectralWindow: 1\n100.0~100.5km/s LSRK\n", 3, "unit 'km/s' is not a frequency", id="velocity"
        ),
        pytest.param("Field: A\nSpectralWindow: 1\n10~20 LSRK\n", 3, "has no unit", id="channels"),
        pytest.param("Field: A\nSpectralWindow: 1\n1~2GHz LSRD2\n", 3, "unknown frequency frame 'LSRD2'", id="frame"),
        pytest.param(
            "Field: A\nSpectralWindow: 1 X\n1~2GHz LSRK\nFlags: ALLCONT\n", 4, "must come before the ranges", id="flags"
        ),
        pytest.param("Field: A\nSpectralWindow: 1\n1~2GHz LSRK\nNONE\n", 4, "NONE or ALL must be its only", id="mix"),
        pytest.param("Field: A\nSpectralWindow: 1\nALL\nALL\n", 4, "NONE or ALL must be its only", id="twice"),
        pytest.param("A\nSPW1\n1-2GHz\n", 3, r"cannot read line '1-2GHz' \(expected a field name", id="v1-bad-range"),
    ],
)
def test_parse_errors(text: str, lineno: int, match: str) -> None:
    with pytest.raises(CasaLogError, match=match) as info:
        contdat.parse(text, "cont.dat")
    assert str(info.value).startswith(f"cont.dat:{lineno}: ")
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("SpectralWindow: 1\nField: A\n", "x:1: 'SpectralWindow: 1' comes before any field", id="v2"),
        pytest.param("\nSPW1\n1~2GHz\n", "x:2: 'SPW1' comes before any field", id="v1"),
        pytest.param("\n1~2GHz\nA\n", "x:2: '1~2GHz' comes before any spw line", id="v1-range"),
    ],
)
def test_spw_line_before_field(text: str, message: str) -> None:
    with pytest.raises(CasaLogError) as info:
        contdat.parse(text, "x")
    assert str(info.value) == message


# --- selection strings --------------------------------------------------------


def test_parse_selection() -> None:
    selection = contdat_select.parse_selection("22:258.6~258.64GHz;258970~260450MHz, 24:1.5e8~2.5e8Hz")
    assert list(selection) == [22, 24]
    assert [rng.text for rng in selection[22]] == ["258.6~258.64GHz", "258970~260450MHz"]
    assert u.isclose(selection[22][1].lo, 258.97 * u.GHz)
    assert u.isclose(selection[24][0].hi, 250 * u.MHz)
    assert selection[22][0].frame is None


@pytest.mark.parametrize(
    ("text", "match"),
    [
        pytest.param("258.6~258.64GHz", "cannot read spw selection", id="no-spw"),
        pytest.param("x:258.6~258.64GHz", "cannot read spw selection", id="bad-spw"),
        pytest.param("22:", "cannot read spw selection", id="no-ranges"),
        pytest.param("22:258.6-258.64GHz", "cannot read range '258.6-258.64GHz'", id="dash"),
        pytest.param("22:100~200", "has no unit", id="channels"),
        pytest.param("22:1~2km/s", "unit 'km/s' is not a frequency", id="velocity"),
        pytest.param("22:1~2ghz", "unit 'ghz' is not a frequency", id="case"),
        pytest.param("22:1~2GHz,22:3~4GHz", "spw 22 is given twice", id="twice"),
    ],
)
def test_parse_selection_errors(text: str, match: str) -> None:
    with pytest.raises(UsageError, match=match) as info:
        contdat_select.parse_selection(text)
    assert "\n" not in str(info.value)


# --- editing ----------------------------------------------------------------


def test_edit_changes_only_that_spw() -> None:
    original = (DATA / "v2_one_field.dat").read_text()
    expected = original.replace(
        "258.6003833~258.642375488GHz LSRK\n258.978312988~260.458781738GHz LSRK\n",
        "258.6~258.64GHz LSRK\n258.97~260.45GHz LSRK\n",
    )
    assert expected != original
    assert edited("v2_one_field.dat", 22, "22:258.6~258.64GHz;258.97~260.45GHz") == expected


@pytest.mark.parametrize(
    ("name", "spw", "field", "old", "new"),
    [
        pytest.param(
            "v2_two_fields_none_all.dat",
            19,
            "IRAS16293",
            "19\nNONE\n",
            "19\n230.600~230.700GHz LSRK\n",
            id="none-to-ranges",
        ),
        pytest.param(
            "v2_two_fields_none_all.dat",
            17,
            "J1625-2527",
            "230.0500000000~231.9500000000GHz TOPO\n",
            "230.600~230.700GHz TOPO\n",
            id="keeps-topo",
        ),
        pytest.param("v1_one_field.dat", 24, None, "257.28~258.44GHz\n", "230.600~230.700GHz\n", id="v1-no-frame"),
        pytest.param("v2_no_final_blank.dat", 7, None, "NONE", "230.600~230.700GHz LSRK", id="no-final-newline"),
        pytest.param(
            "v3_flags.dat",
            27,
            "TW_Hya",
            "Flags: LOWBANDWIDTH LOWSPREAD\n343.1012345678~343.1234567890GHz LSRK\n",
            "Flags: LOWBANDWIDTH LOWSPREAD\n230.600~230.700GHz LSRK\n",
            id="v3-keeps-flags",
        ),
    ],
)
def test_edit_rewrites(name: str, spw: int, field: str | None, old: str, new: str) -> None:
    original = (DATA / name).read_text()
    assert original.count(old) == 1
    # MHz become GHz keeping every digit written.
    assert edited(name, spw, f"{spw}:230600~230700MHz", field) == original.replace(old, new)


@pytest.mark.parametrize(
    ("name", "selection", "field"),
    [
        pytest.param("v2_one_field.dat", "24:257.277576924~258.446522237GHz", None, id="same-ranges"),
        pytest.param("v3_no_flags.dat", "0:216.5~217.25GHz;217.5~218.1GHz", None, id="v3-same-ranges"),
        pytest.param("v1_two_fields.dat", "1:113.1~113.9GHz", "M100", id="v1-same-ranges"),
    ],
)
def test_edit_to_same_ranges_changes_nothing(name: str, selection: str, field: str | None) -> None:
    spw = int(selection.partition(":")[0])
    assert edited(name, spw, selection, field) == (DATA / name).read_text()


def test_edit_keeps_crlf() -> None:
    text = "Field: A\r\n\r\nSpectralWindow: 1\r\nNONE\r\n\r\n"
    result = contdat.write(contdat_edit.set_ranges(contdat.parse(text), 1, ranges("1:1~2GHz;3~4GHz")))
    assert result == "Field: A\r\n\r\nSpectralWindow: 1\r\n1~2GHz LSRK\r\n3~4GHz LSRK\r\n\r\n"


@pytest.mark.parametrize(
    ("selection", "field", "coverage", "error", "match"),
    [
        pytest.param("17:231~230GHz", "IRAS16293", None, CasaLogError, "231~230GHz is inverted", id="inverted"),
        pytest.param("17:231~231GHz", "IRAS16293", None, CasaLogError, "inverted or empty", id="empty"),
        pytest.param(
            "17:230.1~230.5GHz;230400~230600MHz",
            "IRAS16293",
            None,
            CasaLogError,
            "ranges 230.1~230.5GHz and 230400~230600MHz overlap",
            id="overlap",
        ),
        pytest.param(
            "17:229~230.2GHz",
            "IRAS16293",
            (230 * u.GHz, 232 * u.GHz),
            CasaLogError,
            r"229~230.2GHz lies outside the spw coverage 230~232 GHz",
            id="out-of-band",
        ),
        pytest.param(
            "17:231.9~232.1GHz",
            "IRAS16293",
            (230000 * u.MHz, 232000 * u.MHz),
            CasaLogError,
            "outside the spw coverage",
            id="out-of-band-high",
        ),
        pytest.param(
            "23:1~2GHz",
            "IRAS16293",
            None,
            SelectionError,
            "no spw 23 under field 'IRAS16293'; it has: 17, 19, 21",
            id="spw",
        ),
        pytest.param(
            "23:1~2GHz", None, None, SelectionError, "no spw 23 in cont.dat; it has: 17, 19, 21", id="spw-any"
        ),
        pytest.param(
            "17:1~2GHz",
            "M83",
            None,
            SelectionError,
            "no field 'M83' in cont.dat; it has: IRAS16293, J1625-2527",
            id="field",
        ),
        pytest.param(
            "17:1~2GHz", None, None, SelectionError, r"listed under 2 fields \(IRAS16293, J1625-2527\)", id="ambiguous"
        ),
    ],
)
def test_edit_errors(
    selection: str,
    field: str | None,
    coverage: tuple[u.Quantity, u.Quantity] | None,
    error: type[CasaLogError],
    match: str,
) -> None:
    data = load("v2_two_fields_none_all.dat")
    spw, chosen = next(iter(contdat_select.parse_selection(selection).items()))
    with pytest.raises(error, match=match) as info:
        contdat_edit.set_ranges(data, spw, chosen, field, coverage)
    assert str(info.value).startswith(str(DATA / "v2_two_fields_none_all.dat"))
    assert "\n" not in str(info.value)


def test_edit_error_points_at_spw_line() -> None:
    with pytest.raises(CasaLogError) as info:
        contdat_edit.set_ranges(load("v2_one_field.dat"), 24, ranges("24:2~1GHz"))
    assert info.value.lineno == 7


def test_edit_needs_a_range() -> None:
    with pytest.raises(CasaLogError, match="give at least one range"):
        contdat_edit.set_ranges(load("v2_one_field.dat"), 24, ())


def test_coverage_must_be_frequencies() -> None:
    with pytest.raises(ValueError, match="not a frequency interval"):
        contdat_edit.set_ranges(load("v2_one_field.dat"), 24, ranges("24:257.3~258GHz"), coverage=(1 * u.m, 2 * u.m))


# --- conversions ------------------------------------------------------------


def test_spw_selection() -> None:
    iras = load("v2_two_fields_none_all.dat").fields[0]
    assert [contdat_select.spw_selection(spw) for spw in iras.spws] == [
        "17:230.1000000000~230.4500000000GHz;231.2000000000~231.9000000000GHz",
        None,
        "21",
    ]


def test_fitspw_joins_spws_and_skips_none() -> None:
    data = load("v2_one_field.dat")
    assert contdat_select.fitspw(data, "NGC1068") == (
        "22:258.6003833~258.642375488GHz;258.978312988~260.458781738GHz,"
        "24:257.277576924~258.446522237GHz,26:244.389123337~244.944299118GHz"
    )
    assert contdat_select.fitspw(data, "NGC1068", [26, 24]) == (
        "24:257.277576924~258.446522237GHz,26:244.389123337~244.944299118GHz"
    )
    assert contdat_select.fitspw(load("v2_two_fields_none_all.dat"), "IRAS16293", [19, 21]) == "21"


@pytest.mark.parametrize(
    ("name", "field", "spws", "match"),
    [
        pytest.param("v2_two_fields_none_all.dat", "IRAS16293", [19], "no selected spw has continuum", id="all-none"),
        pytest.param(
            "v2_one_field.dat", "NGC1068", [23, 22], "no spw 23 under field 'NGC1068'; it has: 22, 24, 26", id="spw"
        ),
        pytest.param("v2_one_field.dat", "M83", None, "no field 'M83'", id="field"),
    ],
)
def test_fitspw_errors(name: str, field: str, spws: list[int] | None, match: str) -> None:
    with pytest.raises(SelectionError, match=match) as info:
        contdat_select.fitspw(load(name), field, spws)
    assert str(info.value).startswith(str(DATA / name) + ": ")


def test_fitspec() -> None:
    data = load("v2_two_fields_none_all.dat")
    assert contdat_select.fitspec(data, {"IRAS16293": 0, "J1625-2527": 3}, fitorder=2, spws=[17, 19, 21]) == {
        0: {
            "17": {"chan": "230.1000000000~230.4500000000GHz;231.2000000000~231.9000000000GHz", "fitorder": 2},
            "21": {"chan": "", "fitorder": 2},
        },
        3: {
            "17": {"chan": "230.0500000000~231.9500000000GHz", "fitorder": 2},
            "19": {"chan": "232.1~232.3GHz;232.5~233.0GHz", "fitorder": 2},
            "21": {"chan": "", "fitorder": 2},
        },
    }


def test_fitspec_field_without_continuum_is_none() -> None:
    data = load("v2_two_fields_none_all.dat")
    assert contdat_select.fitspec(data, {"IRAS16293": 5}, spws=[19]) == {5: "NONE"}


def test_fitspec_unknown_field() -> None:
    with pytest.raises(SelectionError, match="no field 'NGC1068'"):
        contdat_select.fitspec(load("v3_flags.dat"), {"NGC1068": 0})


@pytest.mark.parametrize(
    ("index", "coverage", "expected"),
    [
        pytest.param(0, None, 1.05 * u.GHz, id="ranges"),
        pytest.param(1, None, 0 * u.GHz, id="none"),
        pytest.param(2, (230 * u.GHz, 232000 * u.MHz), 2 * u.GHz, id="all-with-coverage"),
    ],
)
def test_continuum_bandwidth(index: int, coverage: tuple[u.Quantity, u.Quantity] | None, expected: u.Quantity) -> None:
    entry = load("v2_two_fields_none_all.dat").fields[0].spws[index]
    width = contdat_select.continuum_bandwidth(entry, coverage)
    assert width is not None
    assert width.unit == u.GHz
    assert u.isclose(width, expected)


def test_continuum_bandwidth_all_without_coverage() -> None:
    assert contdat_select.continuum_bandwidth(load("v2_two_fields_none_all.dat").fields[0].spws[2]) is None


# --- the command ------------------------------------------------------------


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    command.configure(parser)
    return command.run(parser.parse_args(argv))


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    path = tmp_path / "cont.dat"
    path.write_bytes((DATA / "v2_two_fields_none_all.dat").read_bytes())
    return path


def test_command_table(capsys: pytest.CaptureFixture[str]) -> None:
    path = DATA / "v2_two_fields_none_all.dat"
    assert run([str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"{path}: cont.dat format v2"
    assert lines[1].split() == ["FIELD", "SPW", "FRAME", "CONTINUUM", "RANGES"]
    assert lines[2].split() == [
        "IRAS16293",
        "17",
        "LSRK",
        "1.0500",
        "GHz",
        "230.1000000000~230.4500000000GHz;231.2000000000~231.9000000000GHz",
    ]
    assert lines[3].split() == ["IRAS16293", "19", "-", "0.0000", "GHz", "NONE", "(no", "continuum", "found)"]
    assert lines[4].split() == [
        "IRAS16293",
        "21",
        "-",
        "whole",
        "spw",
        "ALL",
        "(the",
        "whole",
        "spw",
        "is",
        "continuum)",
    ]
    assert lines[6].split()[2:4] == ["SOURCE,TOPO", "(implied)"]
    assert len(lines) == 8


def test_command_table_coverage_sizes_all(capsys: pytest.CaptureFixture[str]) -> None:
    assert run([str(DATA / "v2_two_fields_none_all.dat"), "--coverage", "21:233~235GHz"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[3] for line in (lines[4], lines[7])] == ["2.0000", "2.0000"]


def test_command_table_v3_one_field(capsys: pytest.CaptureFixture[str]) -> None:
    assert run([str(DATA / "v3_flags.dat"), "--field", "V4046_Sgr"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split() == ["FIELD", "SPW", "NAME", "FLAGS", "FRAME", "CONTINUUM", "RANGES"]
    assert lines[3].split()[:6] == [
        "V4046_Sgr",
        "27",
        "X1a2b#ALMA_RB_07#BB_2#SW-01#FULL_RES",
        "LOWBANDWIDTH",
        "-",
        "0.0000",
    ]
    assert len(lines) == 5


def test_command_set_writes_and_keeps_backups(copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    original = copy.read_bytes()
    copy.chmod(0o640)
    assert run([str(copy), "--set", "19:230.6~230.7GHz", "--field", "IRAS16293"]) == 0
    assert f"previous version kept as {copy}.bak" in capsys.readouterr().out
    first = copy.read_bytes()
    assert first == original.replace(b"19\nNONE\n", b"19\n230.6~230.7GHz LSRK\n")
    assert Path(f"{copy}.bak").read_bytes() == original
    assert copy.stat().st_mode & 0o777 == 0o640
    assert run([str(copy), "--set", "17:230.0~230.2GHz", "--set", "21:231~232GHz", "--field", "J1625-2527"]) == 0
    assert Path(f"{copy}.bak").read_bytes() == original
    assert Path(f"{copy}.bak.1").read_bytes() == first
    assert b"\n230.0~230.2GHz TOPO\n" in copy.read_bytes()
    assert sorted(path.name for path in copy.parent.iterdir()) == ["cont.dat", "cont.dat.bak", "cont.dat.bak.1"]


@pytest.mark.parametrize(
    ("argv", "error", "match"),
    [
        pytest.param(["--set", "19:230.6~230.7km/s", "--field", "IRAS16293"], UsageError, "not a frequency", id="unit"),
        pytest.param(["--set", "19:231~230GHz", "--field", "IRAS16293"], CasaLogError, "inverted", id="inverted"),
        pytest.param(
            ["--set", "19:230~231GHz;230.5~232GHz", "--field", "IRAS16293"], CasaLogError, "overlap", id="overlap"
        ),
        pytest.param(
            ["--set", "19:229~231GHz", "--field", "IRAS16293", "--coverage", "19:230~232GHz"],
            CasaLogError,
            "outside the spw coverage",
            id="out-of-band",
        ),
        pytest.param(["--set", "23:230~231GHz", "--field", "IRAS16293"], SelectionError, "no spw 23", id="spw"),
        pytest.param(["--set", "19:230~231GHz", "--field", "M83"], SelectionError, "no field 'M83'", id="field"),
        pytest.param(["--set", "19:230~231GHz"], SelectionError, "choose one with --field", id="ambiguous"),
        pytest.param(
            ["--set", "17:230~231GHz", "--set", "17:231~232GHz", "--field", "IRAS16293"],
            UsageError,
            "spw 17 is given twice",
            id="twice",
        ),
        pytest.param(
            ["--set", "17:230.1~230.2GHz", "--set", "19:231~230GHz", "--field", "IRAS16293"],
            CasaLogError,
            "inverted",
            id="second-edit-fails",
        ),
        pytest.param(["--coverage", "19:232~230GHz"], UsageError, "one increasing range per spw", id="coverage"),
        pytest.param(["--coverage", "19:1~2GHz,19:1~3GHz"], UsageError, "spw 19 is given twice", id="coverage-twice"),
        pytest.param(
            ["--coverage", "19:1~2GHz", "--coverage", "19:1~3GHz"],
            UsageError,
            "--coverage: spw 19 is given twice",
            id="coverage-options-twice",
        ),
    ],
)
def test_command_errors_leave_file_alone(copy: Path, argv: list[str], error: type[CasaLogError], match: str) -> None:
    original = copy.read_bytes()
    with pytest.raises(error, match=match) as info:
        run([str(copy), *argv])
    assert "\n" not in str(info.value)
    assert copy.read_bytes() == original
    assert [path.name for path in copy.parent.iterdir()] == ["cont.dat"]


def test_command_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CasaLogError, match="cannot read: No such file or directory"):
        run([str(tmp_path / "cont.dat")])


def test_command_not_text(tmp_path: Path) -> None:
    path = tmp_path / "cont.dat"
    path.write_bytes(b"Field: \xff\n")
    with pytest.raises(CasaLogError, match="not a UTF-8 text file"):
        run([str(path)])


def test_backup_failure_keeps_original(tmp_path: Path) -> None:
    # The longest name a file can have leaves no room for ".bak".
    path = tmp_path / ("c" * 251 + ".dat")
    path.write_bytes((DATA / "v2_one_field.dat").read_bytes())
    with pytest.raises(CasaLogError, match="cannot write a backup: File name too long"):
        run([str(path), "--set", "24:257.3~258GHz"])
    assert path.read_bytes() == (DATA / "v2_one_field.dat").read_bytes()
    assert [item.name for item in tmp_path.iterdir()] == [path.name]


def test_save_failure_keeps_original(copy: Path) -> None:
    original = copy.read_bytes()
    # A lone surrogate cannot be encoded: the write fails half way.
    with pytest.raises(CasaLogError, match="cannot write: 'utf-8' codec can't encode"):
        replace_keeping_backup(str(copy), "Field: A\udc80\n")
    assert copy.read_bytes() == original
    assert [path.name for path in copy.parent.iterdir()] == ["cont.dat"]


def test_cli_prints_the_selections_casa_tasks_take(capsys: pytest.CaptureFixture[str]) -> None:
    from casalog.commands.main import main

    path = Path(__file__).resolve().parents[1] / "samples/cycle4/calibration/uid___A001_X885_X2b1.cont.dat"
    assert main(["contdat", str(path), "--field", "HD 163296", "--selections", "--field-id", "3"]) == 0
    out = capsys.readouterr().out
    assert "tclean spw, spw 19: '19:232.070166832~233.920075315GHz'" in out
    assert "tclean spw, spw 21: none (NONE: no continuum)" in out
    assert "fitspw: '17:229.619031876~230.500352917GHz;230.580190284~231.460311573GHz,19:" in out
    assert "fitspec (CASA 6.5 on, MS field id 3): {3: {'17': {'chan': '229.619031876~" in out
    assert "'21'" not in out.split("fitspec", 1)[1]


def test_edit_outside_the_band_the_log_tells_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import shutil

    from casalog.commands.main import main

    delivery = tmp_path / "delivery"
    shutil.copytree(Path(__file__).resolve().parents[1] / "samples/cycle4", delivery)
    path = delivery / "calibration/uid___A001_X885_X2b1.cont.dat"
    before = path.read_bytes()
    # The log's spw 17 cube spans about 229.60 to 231.47 GHz (LSRK).
    assert main(["contdat", str(path), "--field", "IRAS16293-2422", "--set", "17:229.0~229.7GHz"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "outside the spw coverage 229.58~231.497 GHz" in err
    assert path.read_bytes() == before and not list(path.parent.glob("*.bak*"))
    moved = tmp_path / "elsewhere.cont.dat"
    shutil.copy(path, moved)
    log = delivery / "log"
    field = ["--field", "IRAS16293-2422"]
    assert main(["contdat", str(moved), *field, "--set", "17:229.0~229.7GHz", "--log", str(log)]) == 1
    assert main(["contdat", str(moved), *field, "--set", "17:229.62~229.7GHz", "--log", str(log)]) == 0
    assert "229.62~229.7GHz" in capsys.readouterr().out


@pytest.mark.parametrize(
    "line",
    [
        pytest.param("1" * 40_000, id="digits"),
        pytest.param("1~" + "1" * 40_000 + " LSRK x", id="a range with digits for a unit"),
        pytest.param("1." * 20_000, id="dots"),
        pytest.param("1~2GHz;" * 6_000, id="ranges on one line"),
    ],
)
def test_a_long_line_is_refused_in_linear_time(line: str) -> None:
    import time

    started = time.monotonic()
    with pytest.raises(CasaLogError, match=r"cannot read line '.{60}'… \(expected") as info:
        contdat.parse(f"Field: A\n\nSpectralWindow: 1\n{line}\n", "cont.dat")
    assert time.monotonic() - started < 5  # the quadratic pattern took a minute for 40 kB of digits
    assert info.value.lineno == 4
    with pytest.raises(UsageError):
        contdat_select.parse_selection(f"22:{line}")
