"""``regen-tclean prepare``: delivery layout checks and the placing of cont.dat, on trees built here."""
from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from casalog.commands.main import main

SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "cycle4"
MOUS = "uid___A001_X885_X2b1"
VIS = ["uid___A002_Xb9dfa4_X4b3d.ms", "uid___A002_Xba2e0a_X1f2c.ms"]
EDITED = "Field: IRAS16293-2422\n\nSpectralWindow: 17\n229.7~230.4GHz LSRK\n"


@pytest.fixture
def delivery(tmp_path: Path) -> Path:
    """A restored delivery: log/, calibration/ and calibrated/working with the log's MSs (empty folders)."""
    root = tmp_path / "2016.1.00999.S"
    for part in ("log", "calibration"):
        shutil.copytree(SAMPLE / part, root / part)
    working = root / "calibrated" / "working"
    working.mkdir(parents=True)
    for name in VIS:
        (working / name).mkdir()
    return root


def _files(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (the tmp folder, so anything written beside the delivery shows)."""
    return {str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


def _prepare(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["prepare", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_contdat_is_copied_and_next_steps_printed(capsys: pytest.CaptureFixture[str], delivery: Path) -> None:
    before = _files(delivery.parent)
    code, out, err = _prepare(capsys, str(delivery))
    assert (code, err) == (0, "")
    source = delivery / "calibration" / f"{MOUS}.cont.dat"
    target = delivery / "calibrated" / "working" / "cont.dat"
    assert target.read_bytes() == source.read_bytes()
    assert _files(delivery.parent) == {**before, str(target.relative_to(delivery.parent)): source.read_bytes()}
    assert f"copied {source} to {target}" in out
    assert f"{delivery / 'calibrated' / 'working'}: {', '.join(VIS)}" in out
    assert "2 field(s), spws 17, 19, 21" in out
    assert f"regen-tclean recipe restore-contsub {delivery} -o {target.parent / 'recipe.py'}" in out
    assert f"regen-tclean {delivery} -o {target.parent / 'reimage.py'}" in out
    assert f"cd {target.parent}; casa --pipeline" in out


def test_identical_contdat_is_left_alone(capsys: pytest.CaptureFixture[str], delivery: Path) -> None:
    assert _prepare(capsys, str(delivery))[0] == 0
    before = _files(delivery.parent)
    code, out, err = _prepare(capsys, str(delivery))
    assert (code, err) == (0, "")
    assert "cont.dat is already the same as" in out
    assert _files(delivery.parent) == before


def test_edited_contdat_is_refused(capsys: pytest.CaptureFixture[str], delivery: Path) -> None:
    target = delivery / "calibrated" / "working" / "cont.dat"
    target.write_text(EDITED)
    before = _files(delivery.parent)
    code, out, err = _prepare(capsys, str(delivery))
    assert (code, out) == (1, "")
    assert err == (
        f"{target}: differs from {MOUS}.cont.dat (your edits?); kept as it is: "
        "use --force to replace it (a backup is kept)\n"
    )
    assert _files(delivery.parent) == before


def test_edited_contdat_is_backed_up_and_replaced_with_force(
    capsys: pytest.CaptureFixture[str], delivery: Path
) -> None:
    working = delivery / "calibrated" / "working"
    (working / "cont.dat").write_text(EDITED)
    (working / "cont.dat.bak").write_text("an older backup\n")
    code, out, err = _prepare(capsys, str(delivery), "--force")
    assert (code, err) == (0, "")
    assert (working / "cont.dat").read_bytes() == (delivery / "calibration" / f"{MOUS}.cont.dat").read_bytes()
    assert (working / "cont.dat.bak.1").read_text() == EDITED
    assert (working / "cont.dat.bak").read_text() == "an older backup\n"
    assert f"the previous one is kept as {working / 'cont.dat.bak.1'}" in out


def _no_working(root: Path) -> None:
    shutil.rmtree(root / "calibrated" / "working")


def _split_cal_only(root: Path) -> None:
    _no_working(root)
    for name in VIS:
        (root / "calibrated" / f"{name}.split.cal").mkdir()


def _empty_working(root: Path) -> None:
    for name in VIS:
        (root / "calibrated" / "working" / name).rmdir()


def _one_ms_missing(root: Path) -> None:
    (root / "calibrated" / "working" / VIS[1]).rmdir()


def _no_contdat(root: Path) -> None:
    (root / "calibration" / f"{MOUS}.cont.dat").unlink()


def _two_contdats(root: Path) -> None:
    shutil.move(root / "calibration" / f"{MOUS}.cont.dat", root / "calibration" / "uid___A001_X1_X2.cont.dat")
    (root / "calibration" / "uid___A001_X1_X3.cont.dat").write_text(EDITED)


def _contdat_folder_in_the_way(root: Path) -> None:
    (root / "calibrated" / "working" / "cont.dat").mkdir()


def _no_log(root: Path) -> None:
    shutil.rmtree(root / "log")


def _broken_contdat(root: Path) -> None:
    (root / "calibration" / f"{MOUS}.cont.dat").write_text("Field: A\n\nSpectralWindow: 17\n229.7-230.4GHz LSRK\n")


RESTORE = "restore the delivery with script/scriptForPI.py and SPACESAVING=1 (not more)"


@pytest.mark.parametrize(
    ("damage", "where", "message"),
    [
        pytest.param(
            _no_working, "calibrated/working",
            f"missing; {RESTORE} to create it with the <uid>.ms files", id="no working folder",
        ),
        pytest.param(
            _split_cal_only, "calibrated",
            f"has only {VIS[0]}.split.cal, {VIS[1]}.split.cal: those have their spws renumbered from 0, "
            "so the spw ids of the log and of cont.dat do not match them; the pipeline needs the <uid>.ms files "
            f"of calibrated/working: {RESTORE}",
            id="split.cal only",
        ),
        pytest.param(
            _empty_working, "calibrated/working", f"holds no <uid>.ms measurement set; {RESTORE}", id="no ms",
        ),
        pytest.param(
            _one_ms_missing, "calibrated/working",
            f"lacks {VIS[1]}, used by the pipeline run of {MOUS}.casa_commands.log; {RESTORE}",
            id="an execution missing",
        ),
        pytest.param(
            _no_contdat, "calibration", "no <MOUS>.cont.dat here: the pipeline's continuum ranges are needed",
            id="no cont.dat",
        ),
        pytest.param(
            _two_contdats, "calibration",
            f"several cont.dat files (uid___A001_X1_X2.cont.dat, uid___A001_X1_X3.cont.dat) and none named "
            f"{MOUS}.cont.dat like the log",
            id="several cont.dat",
        ),
        pytest.param(
            _contdat_folder_in_the_way, "calibrated/working/cont.dat",
            "is in the way and is not a file; move it away first", id="cont.dat is a folder",
        ),
        pytest.param(
            _no_log, "log",
            "missing: the delivery's log/ folder (script/ in some deliveries) holds the casa_commands.log",
            id="no log",
        ),
        pytest.param(
            _broken_contdat, f"calibration/{MOUS}.cont.dat:4", "cannot read line", id="malformed cont.dat",
        ),
    ],
)  # fmt: skip
def test_bad_delivery_is_one_line_and_changes_nothing(
    capsys: pytest.CaptureFixture[str], delivery: Path, damage: Callable[[Path], None], where: str, message: str
) -> None:
    damage(delivery)
    before = _files(delivery.parent)
    code, out, err = _prepare(capsys, str(delivery))
    assert (code, out) == (1, "")
    assert err.startswith(f"{delivery / where}: {message}") and err.count("\n") == 1
    assert _files(delivery.parent) == before


def test_several_contdats_pick_the_logs_own(capsys: pytest.CaptureFixture[str], delivery: Path) -> None:
    (delivery / "calibration" / "uid___A001_X1_X3.cont.dat").write_text(EDITED)
    code, out, err = _prepare(capsys, str(delivery))
    assert (code, err) == (0, "")
    assert f"copied {delivery / 'calibration' / f'{MOUS}.cont.dat'} to" in out


def test_missing_delivery(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = _prepare(capsys, str(tmp_path / "nowhere"))
    assert (code, out) == (1, "")
    assert err == f"{tmp_path / 'nowhere'}: no such folder; give the delivery folder that holds calibrated/ and log/\n"
