"""Deliveries as the archive ships them, read where they are and never through a link out of them.

The trees are built here, in the archive's layout
(``<project>/science_goal.uid___*/group.uid___*/member.uid___*/{calibrated,calibration,log,…}``),
around the imaging-only sample log of ``tests/data/logs`` (see ``tests/data/make_logs.py``).
"""
from __future__ import annotations

import ast
import io
import json
import os
import shutil
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest

from casalog.commands.main import main
from casalog.delivery import auxproducts

DATA = Path(__file__).resolve().parent / "data" / "logs"
MOUS = "uid___A001_X2f0_X3a1"
LOG = DATA / f"{MOUS}.casa_commands.log"
CONTDAT = (DATA / f"{MOUS}.cont.dat").read_text()
EBS = ("uid___A002_X1100aa_X21", "uid___A002_X1100bb_X7f")
MEMBER = Path("2023.1.00456.S", "science_goal.uid___A001_X2f0_X39f", "group.uid___A001_X2f0_X3a0",
              f"member.{MOUS}")
ARCHIVE = f"member.{MOUS}.hifa_calimage.auxproducts.tgz"


def _tgz(members: dict[str, bytes], links: dict[str, str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for name, target in (links or {}).items():
            info = tarfile.TarInfo(name)
            info.type = tarfile.SYMTYPE
            info.linkname = target
            tar.addfile(info)
    return buffer.getvalue()


def build(tmp_path: Path, *, log_folder: str = "log", archive: bytes | None = None) -> tuple[Path, Path]:
    """A restored archive delivery below ``tmp_path/download``; returns (project folder, member folder)."""
    member = tmp_path / "download" / MEMBER
    for part in ("calibrated/working", "calibration", "log", "product", "qa", "raw", "script"):
        (member / part).mkdir(parents=True, exist_ok=True)
    for eb in EBS:
        (member / "calibrated" / "working" / f"{eb}.ms").mkdir()
    shutil.copy(LOG, member / log_folder / f"{MOUS}.hifa_calimage.casa_commands.log")
    (member / "script" / f"member.{MOUS}.scriptForPI.py").write_text("# restores the delivery\n")
    other = {f"{MOUS}.flux.csv": b"flux\n", f"{MOUS}.antennapos.csv": b"DA41\n"}
    (member / "calibration" / ARCHIVE).write_bytes(archive or _tgz({**other, "cont.dat": CONTDAT.encode()}))
    return tmp_path / "download" / MEMBER.parts[0], member


def files(root: Path) -> dict[str, bytes]:
    """Every file below ``root`` (links as their targets' names): whatever a command wrote shows."""
    found = {}
    for path in sorted(root.rglob("*")):
        if path.is_symlink():
            found[str(path.relative_to(root))] = os.readlink(path).encode()
        elif path.is_file():
            found[str(path.relative_to(root))] = path.read_bytes()
    return found


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# -- the archive's layout ---------------------------------------------------------------------


@pytest.mark.parametrize("log_folder", ["log", "script"])
def test_the_log_is_found_below_the_project_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], log_folder: str
) -> None:
    project, member = build(tmp_path, log_folder=log_folder)
    if log_folder == "script":
        shutil.rmtree(member / "log")
    for given in (project, project.parent, member):
        code, out, err = run(capsys, str(given), "--json")
        assert (code, err) == (0, "")
        assert {record["product"].split(".", 2)[1] for record in json.loads(out)} == {"s8_0", "s11_0", "s13_0"}


def test_prepare_takes_cont_dat_out_of_the_auxproducts_archive(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project, member = build(tmp_path)
    before = files(tmp_path)
    code, out, err = run(capsys, "prepare", str(project))
    assert (code, err) == (0, ""), err
    target = member / "calibrated" / "working" / "cont.dat"
    assert target.read_text() == CONTDAT
    # Only cont.dat was written: nothing else of the archive was unpacked anywhere.
    assert files(tmp_path) == {**before, str(target.relative_to(tmp_path)): CONTDAT.encode()}
    assert f"copied {member / 'calibration' / ARCHIVE}:cont.dat to {target}" in out
    assert "1 field(s), spws 16, 18" in out
    assert run(capsys, "prepare", str(project))[1].count("is already the same as") == 1


def test_a_cont_dat_file_beside_the_archive_comes_first(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project, member = build(tmp_path, archive=_tgz({"cont.dat": b"Field: elsewhere\n"}))
    (member / "calibration" / f"{MOUS}.cont.dat").write_text(CONTDAT)
    assert run(capsys, "prepare", str(project))[0] == 0
    assert (member / "calibrated" / "working" / "cont.dat").read_text() == CONTDAT


def test_two_deliveries_below_a_folder_are_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project, member = build(tmp_path)
    second = member.parent / "member.uid___A001_X2f0_X3a2"
    shutil.copytree(member, second)
    before = files(tmp_path)
    for argv in ([str(project), "--json"], ["prepare", str(project)], ["recipe", "aggregate-cont", str(project)]):
        code, out, err = run(capsys, *argv)
        assert (code, out) == (1, "")
        assert err == (
            f"{project}: holds several deliveries (2 member.uid___* folders: "
            f"{second.parent.relative_to(project) / member.name}, {second.relative_to(project)}); name one\n"
        )
    assert files(tmp_path) == before


# -- imaging-only logs and hif_selfcal ---------------------------------------------------------


def test_selfcal_work_images_are_listed_apart_from_products(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, str(LOG), "--list")
    assert (code, err) == (0, "")
    work = [line for line in out.splitlines() if "not a product (self-calibration work image" in line]
    assert [line.rsplit(": ", 1)[1].split(".", 4)[4] for line in work] == [
        "cont.I.iter0", "cont.I.iter1", "cont.solint1_prior.I.iter2", "cont.solint1_post.I.iter2", "cont.I.iter3",
    ]
    copy = f"{EBS[0]}_targets.TW_Hya.spw16_18.selfcal.ms"
    assert all(f"work image: cleaned on hif_selfcal's own copy of the data, {copy}, line" in line for line in work)
    code, out, err = run(capsys, str(LOG), "--json")
    assert [record["product"].split(".", 1)[1] for record in json.loads(out)] == [
        "s8_0.TW_Hya_sci.spw16_18.cont.regcal.I",
        "s11_0.TW_Hya_sci.spw16_18.cont.selfcal.I",
        "s13_0.TW_Hya_sci.spw16.cube.selfcal.I",
        "s13_0.TW_Hya_sci.spw18.cube.selfcal.I",
    ]


@pytest.mark.parametrize(
    "recipe",
    [["restore-contsub"], ["aggregate-cont"], ["revise-contdat", "--spw", "16"],
     ["subset-cube", "--spw", "18,16", "--nbins", "16:2,18:1", "--field", "TW_Hya"]],
    ids=lambda argv: argv[0],
)
def test_every_recipe_works_on_an_imaging_only_log(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], recipe: list[str]
) -> None:
    project, _ = build(tmp_path)
    code, out, err = run(capsys, "recipe", *recipe, str(project))
    assert code == 0 and "newer than the task interface" in err
    compile(out, "recipe.py", "exec")
    inputs = _inputs(out)
    assert inputs["VIS"] == [f"{eb}.ms" for eb in EBS]


def test_a_recipe_takes_the_measurement_sets_of_the_working_folder_when_the_log_names_none(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project, member = build(tmp_path)
    log = next((member / "log").iterdir())
    # A log cut by hand: its tclean calls name no measurement set.
    calls = [
        f"tclean(field='TW_Hya', imagename='{MOUS}.s8_0.TW_Hya_sci.spw16_18.cont.I.iter{i}', specmode='mfs')"
        for i in (0, 1)
    ]
    log.write_text("raise Error('The casa commands log is not executable!')\n\n" + "\n".join(calls) + "\n")
    code, out, err = run(capsys, "recipe", "aggregate-cont", str(project))
    assert code == 0, err
    assert _inputs(out)["VIS"] == [f"{eb}.ms" for eb in EBS]
    code, out, err = run(capsys, "recipe", "aggregate-cont", str(log))
    assert code == 1 and "names no measurement set" in err


def _inputs(script: str) -> dict[str, object]:
    block = script.split("## USER SET INPUTS\n", 1)[1].split("#" * 60, 1)[0]
    return {
        node.targets[0].id: ast.literal_eval(node.value)  # type: ignore[attr-defined]
        for node in ast.parse(block).body if isinstance(node, ast.Assign)
    }


# -- the archive is read, never unpacked ---------------------------------------------------------


@pytest.mark.parametrize(
    ("archive", "message"),
    [
        pytest.param(_tgz({"../cont.dat": CONTDAT.encode()}), "holds a member named '../cont.dat', a path outside",
                     id="a member climbing out"),
        pytest.param(_tgz({"/etc/cont.dat": CONTDAT.encode()}), "holds a member named '/etc/cont.dat', a path",
                     id="an absolute member"),
        pytest.param(_tgz({}, links={"cont.dat": "/etc/passwd"}), "no <MOUS>.cont.dat here (nor in", id="a link"),
        pytest.param(_tgz({"cont.dat": b"Field: \xff\n"}), "cont.dat is not UTF-8 text", id="not text"),
        pytest.param(b"\x1f\x8b\x08\x00garbage", "cannot read the archive", id="not an archive"),
        pytest.param(_tgz({"a.cont.dat": b"Field: A\n", "b.cont.dat": b"Field: B\n"}),
                     "several cont.dat files", id="two cont.dat of other MOUSs"),
    ],
)
def test_a_suspect_archive_is_refused_and_nothing_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], archive: bytes, message: str
) -> None:
    project, _ = build(tmp_path, archive=archive)
    before = files(tmp_path)
    code, out, err = run(capsys, "prepare", str(project))
    assert (code, out) == (1, "")
    assert message in err and err.count("\n") == 1
    assert files(tmp_path) == before


def test_a_decompression_bomb_is_read_only_up_to_the_cap(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(auxproducts, "MAX_ARCHIVE_BYTES", 1 << 20)
    project, _ = build(tmp_path, archive=_tgz({"filler.bin": bytes(4 << 20), "cont.dat": CONTDAT.encode()}))
    code, out, err = run(capsys, "prepare", str(project))
    assert (code, out) == (1, "")
    assert f"{ARCHIVE}: expands beyond 1 MB before its cont.dat: not read further" in err


# -- nothing outside the delivery, through any link ---------------------------------------------------


def _outside(tmp_path: Path) -> Path:
    outside = tmp_path / "elsewhere"
    outside.mkdir(exist_ok=True)
    (outside / "secret.cont.dat").write_text("Field: secret\n\nSpectralWindow: 16\nALL\n")
    return outside


def _contdat_links_out(tmp_path: Path, member: Path) -> None:
    (member / "calibration" / ARCHIVE).unlink()
    (member / "calibration" / f"{MOUS}.cont.dat").symlink_to(_outside(tmp_path) / "secret.cont.dat")


def _working_links_out(tmp_path: Path, member: Path) -> None:
    working = member / "calibrated" / "working"
    shutil.move(working, _outside(tmp_path) / "working")
    working.symlink_to(tmp_path / "elsewhere" / "working")


def _target_links_out(tmp_path: Path, member: Path) -> None:
    (member / "calibrated" / "working" / "cont.dat").symlink_to(_outside(tmp_path) / "secret.cont.dat")


def _log_links_out(tmp_path: Path, member: Path) -> None:
    shutil.move(member / "log", _outside(tmp_path) / "log")
    (member / "log").symlink_to(tmp_path / "elsewhere" / "log")


def _archive_links_out(tmp_path: Path, member: Path) -> None:
    shutil.move(member / "calibration" / ARCHIVE, _outside(tmp_path) / ARCHIVE)
    (member / "calibration" / ARCHIVE).symlink_to(tmp_path / "elsewhere" / ARCHIVE)


def _member_links_out(tmp_path: Path, member: Path) -> None:
    shutil.move(member, _outside(tmp_path) / member.name)
    member.symlink_to(tmp_path / "elsewhere" / member.name)


@pytest.mark.parametrize(
    ("damage", "where"),
    [
        pytest.param(_contdat_links_out, f"calibration/{MOUS}.cont.dat", id="cont.dat"),
        pytest.param(_working_links_out, "calibrated/working", id="working folder"),
        pytest.param(_target_links_out, "calibrated/working/cont.dat", id="cont.dat in the working folder"),
        pytest.param(_log_links_out, f"log/{MOUS}.hifa_calimage.casa_commands.log", id="log folder"),
        pytest.param(_archive_links_out, f"calibration/{ARCHIVE}", id="auxproducts archive"),
        pytest.param(_member_links_out, "", id="the member folder"),
    ],
)
def test_prepare_never_follows_a_link_out_of_the_delivery(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], damage: Callable[[Path, Path], None], where: str
) -> None:
    project, member = build(tmp_path)
    damage(tmp_path, member)
    before = files(tmp_path)
    code, out, err = run(capsys, "prepare", str(project))
    assert (code, out) == (1, "")
    assert err.startswith(f"{member / where if where else member}: is a link to {tmp_path / 'elsewhere'}")
    assert f"outside {project}: regen-tclean reads and writes only inside the delivery" in err
    assert err.count("\n") == 1
    assert files(tmp_path) == before
    assert "secret" not in out + err.replace("secret.cont.dat", "")


def test_recipe_and_the_script_refuse_a_log_outside_the_delivery(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project, member = build(tmp_path)
    _log_links_out(tmp_path, member)
    for argv in (["recipe", "aggregate-cont", str(project)], [str(project), "--json"], [str(member), "-o", "x.py"]):
        code, out, err = run(capsys, *argv)
        assert (code, out) == (1, "") and "is a link to" in err and "outside" in err


def test_contdat_reads_a_delivery_s_file_only_inside_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, member = build(tmp_path)
    _contdat_links_out(tmp_path, member)
    linked = member / "calibration" / f"{MOUS}.cont.dat"
    code, out, err = run(capsys, "contdat", str(linked))
    assert (code, out) == (1, "") and err.startswith(f"{linked}: is a link to")


def test_contdat_set_never_writes_through_a_link(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outside = _outside(tmp_path)
    link = tmp_path / "cont.dat"
    link.symlink_to(outside / "secret.cont.dat")
    before = files(tmp_path)
    code, out, err = run(capsys, "contdat", str(link), "--set", "16:345.8~345.9GHz", "--coverage",
                         "16:345.6~347.6GHz")
    assert (code, out) == (1, "")
    assert err == (f"{link}: is a link to {outside / 'secret.cont.dat'}: --set replaces the file it is given, "
                   "so give that one\n")
    assert files(tmp_path) == before


def test_contdat_of_a_delivery_takes_the_coverage_from_its_log(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, member = build(tmp_path)
    contdat = member / "calibration" / f"{MOUS}.cont.dat"
    contdat.write_text(CONTDAT)
    code, out, err = run(capsys, "contdat", str(contdat), "--set", "16:349~350GHz")
    assert code == 1 and "lies outside the spw coverage" in err
    code, out, err = run(capsys, "contdat", str(contdat), "--set", "16:345.8~345.9GHz")
    assert (code, err) == (0, "")
