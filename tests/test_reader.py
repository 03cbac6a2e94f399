from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import pytest

from casalog.errors import LogSyntaxError
from casalog.log.reader import read_log

HEADER = "raise Error('The casa commands log is not executable!')\n\n# # This file contains CASA commands.\n\n"


def _write(tmp_path: Path, body: str, name: str = "x.casa_commands.log") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + body)
    return path


def _only_call(tmp_path: Path, body: str) -> tuple[str, dict[str, Any]]:
    (call,) = list(read_log(_write(tmp_path, body)))
    return call.task, call.kwargs


@pytest.mark.parametrize(
    ("logged", "expected"),
    [
        pytest.param(
            "tclean(vis=['a.ms'], usemask='auto-\n       multithresh', niter=0)\n",
            {"vis": ["a.ms"], "usemask": "auto-multithresh", "niter": 0},
            id="hyphen break in a string",
        ),
        pytest.param(
            "importasdm(lazy=False, with_pointing_correction=False,\n"
            "           outfile='uid___A002_Xc27dd7_X2fc3.flagonline.txt', ocorr_mode='ca',\n"
            "           savecmds=True, bdfflags=True, asis='SBSummary ExecBlock Antenna\n"
            "           Station Receiver Source CalAtmosphere CalWVR', overwrite=False)\n",
            {
                "lazy": False,
                "with_pointing_correction": False,
                "outfile": "uid___A002_Xc27dd7_X2fc3.flagonline.txt",
                "ocorr_mode": "ca",
                "savecmds": True,
                "bdfflags": True,
                "asis": "SBSummary ExecBlock Antenna Station Receiver Source CalAtmosphere CalWVR",
                "overwrite": False,
            },
            id="space break in a string",
        ),
        pytest.param(
            "gaincal(vis='a.ms',\n"
            "        caltable='/a/very/long/path/that/does/not/fit/on/one/line/of/the/log/at/all/uid.tbl',\n"
            "        minsnr=-1.5, refant='DV01,DV02')\n",
            {
                "vis": "a.ms",
                "caltable": "/a/very/long/path/that/does/not/fit/on/one/line/of/the/log/at/all/uid.tbl",
                "minsnr": -1.5,
                "refant": "DV01,DV02",
            },
            id="long token alone and a negative float",
        ),
        pytest.param(
            "uvcontsub(vis='a_targets.ms', outputvis='a_targets_line.ms', datacolumn='data',\n"
            "          fitspec={0: {'22': {'chan': '0~100', 'fitorder': 1}}})\n",
            {
                "vis": "a_targets.ms",
                "outputvis": "a_targets_line.ms",
                "datacolumn": "data",
                "fitspec": {0: {"22": {"chan": "0~100", "fitorder": 1}}},
            },
            id="dict with int keys",
        ),
        pytest.param(
            "copytree(src='a.iter0.psf', dst='a.iter1.psf')\n",
            {"src": "a.iter0.psf", "dst": "a.iter1.psf"},
            id="copytree",
        ),
        pytest.param(
            "flagdata(vis='a.ms', clipminmax=[0.0, inf], timecutoff=-inf)\n",
            {"vis": "a.ms", "clipminmax": [0.0, float("inf")], "timecutoff": float("-inf")},
            id="infinite floats as repr writes them",
        ),
        pytest.param(
            "tclean(imsize=(300, 300), restoringbeam=[], mask=None, interactive=0, start=+3)\n",
            {"imsize": (300, 300), "restoringbeam": [], "mask": None, "interactive": 0, "start": 3},
            id="tuple, empty list, None, signed int",
        ),
    ],
)
def test_logged_text_gives_the_call(tmp_path: Path, logged: str, expected: dict[str, Any]) -> None:
    task, kwargs = _only_call(tmp_path, logged)
    assert task == logged[: logged.index("(")]
    assert kwargs == expected


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("", id="header only"),
        pytest.param("\n\n# hif_makeimlist(specmode='cont')\n#\n# A list of targets.\n#\n",
                     id="stage without commands"),
        pytest.param("# A comment that mentions tclean(vis='a.ms') in passing.\n", id="comment that looks like a call"),
    ],
)
def test_text_that_is_not_a_command_gives_no_call(tmp_path: Path, body: str) -> None:
    assert list(read_log(_write(tmp_path, body))) == []


def test_stage_header_and_comment(tmp_path: Path) -> None:
    body = (
        "# hif_makeimages(pipelinemode=\"automatic\")\n#\n# A list of target sources\n# is cleaned.\n#\n"
        "tclean(vis='a.ms', niter=0)\n\n# hif_rawflagchans(pipelinemode=\"automatic\")\n#\n"
        "flagdata(vis='a.ms', mode='summary')\n"
    )
    first, second = read_log(_write(tmp_path, body))
    assert first.stage is not None and second.stage is not None
    assert (first.stage.name, first.stage.comment, first.stage.line) == (
        "hif_makeimages",
        "A list of target sources is cleaned.",
        5,
    )
    assert first.stage.call == 'hif_makeimages(pipelinemode="automatic")'
    assert (second.stage.name, second.stage.comment) == ("hif_rawflagchans", "")
    assert (first.first_line, first.last_line) == (10, 10)


def test_line_numbers_of_a_wrapped_command(tmp_path: Path) -> None:
    body = "flagdata(vis='a.ms', mode='summary')\ntclean(vis=['a.ms'], usemask='auto-\n       multithresh', niter=0)\n"
    _, call = read_log(_write(tmp_path, body))
    assert (call.first_line, call.last_line) == (6, 7)


def test_crlf_and_gzip_read_like_the_plain_log(tmp_path: Path) -> None:
    body = "tclean(vis=['a.ms'], usemask='auto-\n       multithresh', niter=0)\n"
    plain = _write(tmp_path, body)
    crlf = tmp_path / "crlf.log"
    crlf.write_bytes(plain.read_bytes().replace(b"\n", b"\r\n"))
    packed = tmp_path / "x.casa_commands.log.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    expected = [(c.task, c.kwargs, c.first_line) for c in read_log(plain)]
    for path in (crlf, packed):
        assert [(c.task, c.kwargs, c.first_line) for c in read_log(path)] == expected


def test_byte_order_mark_is_read_past(tmp_path: Path) -> None:
    path = tmp_path / "bom.log"
    path.write_bytes(b"\xef\xbb\xbf" + (HEADER + "flagdata(vis='a.ms', mode='summary')\n").encode())
    assert [call.task for call in read_log(path)] == ["flagdata"]


def test_literals_of_every_kind_are_read(tmp_path: Path) -> None:
    body = "tclean(vis=['a.ms'], usemask='auto-\n       multithresh', niter=0, start=-1.5e3, x={1: (2,)}, y=inf)\n"
    (call,) = read_log(_write(tmp_path, body))
    assert call.kwargs == {"vis": ["a.ms"], "usemask": "auto-multithresh", "niter": 0, "start": -1500.0,
                           "x": {1: (2,)}, "y": float("inf")}


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        pytest.param("tclean(vis='a.ms',\n       niter=0\n", 5, "truncated command", id="truncated at end"),
        pytest.param("tclean(vis='a.ms',\n       niter=0\nflagdata(vis='a.ms')\n", 5, "truncated command",
                     id="truncated by next"),
        pytest.param("tclean(vis='a.ms, niter=0)\n", 5, "truncated command", id="unclosed quote"),
        pytest.param("tclean(vis=['a.ms')\n", 5, "unbalanced brackets", id="unbalanced brackets"),
        pytest.param("tclean(vis='a.ms',\n       niter=myniter)\n", 6, "a name is not a literal: myniter", id="name"),
        pytest.param("tclean(vis=ms.name)\n", 5, "an attribute is not a literal", id="attribute"),
        pytest.param("tclean(vis=getvis())\n", 5, "a call is not a literal", id="call"),
        pytest.param("tclean(vis=f'{x}.ms')\n", 5, "an f-string is not a literal", id="f-string"),
        pytest.param("tclean(vis=lambda: 1)\n", 5, "a lambda is not a literal", id="lambda"),
        pytest.param("tclean(niter=1+2)\n", 5, "an operator is not a literal", id="operator"),
        pytest.param("tclean('a.ms', niter=0)\n", 5, "positional argument", id="positional"),
        pytest.param("tclean(niter=0, niter=1)\n", 5, "keyword argument repeated: niter", id="duplicate keyword"),
        pytest.param("tclean(vis=" + "[" * 300 + "]" * 300 + ")\n", 5, "nest too deep", id="nesting"),
        pytest.param("tclean(vis=" + "[" * 20 + "]" * 20 + ")\n", 5, "nest more than 16 deep", id="deep lists"),
        pytest.param("tclean(niter=" + "9" * 5000 + ")\n", 5, "Exceeds the limit", id="huge integer"),
        pytest.param("tclean(\uff49magename='x')\n", 5, "other than ASCII letters", id="fullwidth keyword"),
        pytest.param("tclaen(vis='a.ms')\n", 5, "unknown task 'tclaen'", id="unknown task"),
        pytest.param("x = tclean(vis='a.ms')\n", 5, "not a logged CASA call", id="assignment"),
        pytest.param("    niter=0)\n", 5, "indented line outside a command", id="stray continuation"),
    ],
)
def test_bad_command_is_an_error_with_file_and_line(tmp_path: Path, body: str, line: int, message: str) -> None:
    path = _write(tmp_path, body)
    with pytest.raises(LogSyntaxError, match=message) as info:
        list(read_log(path))
    assert (info.value.filename, info.value.lineno) == (str(path), line)
    assert str(info.value).startswith(f"{path}:{line}: ")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(b"", "empty file", id="empty"),
        pytest.param(b"tclean(vis='a.ms')\n\x00\x01\x02\n", "binary data", id="binary"),
        pytest.param(b"tclean(vis='caf\xe9.ms')\n", "not UTF-8", id="latin-1"),
    ],
)
def test_unreadable_file_is_an_error(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.log"
    path.write_bytes(content)
    with pytest.raises(LogSyntaxError, match=message):
        list(read_log(path))


def test_broken_gzip_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "x.log.gz"
    path.write_bytes(gzip.compress((HEADER + "tclean(vis='a.ms')\n" * 50).encode())[:40])
    with pytest.raises(LogSyntaxError, match="cannot read the log"):
        list(read_log(path))


@pytest.mark.parametrize(
    ("call", "message", "offset"),
    [
        pytest.param("tclean('a.ms', niter=0)", "positional argument", 7, id="positional"),
        pytest.param("tclean(*args)", "positional argument", 7, id="star"),
        pytest.param("tclean(niter=0, niter=1)", "keyword argument repeated: niter", 16, id="duplicate"),
        pytest.param("tclean(vis=[1, x])", "a name is not a literal: x", 15, id="name in list"),
        pytest.param("tclean(vis={'a': f()})", "a call is not a literal: f\\(\\)", 17, id="call in dict"),
        pytest.param("tclean(vis={**x})", "'\\*\\*' in a dict is not a literal", 12, id="dict unpacking"),
        pytest.param("tclean(vis=(*x,))", "a starred expression is not a literal", 12, id="starred"),
        pytest.param("tclean(vis=b'x')", "a bytes constant is not a literal", 11, id="bytes"),
        pytest.param("tclean(vis=1j)", "a complex constant is not a literal", 11, id="complex"),
        pytest.param("tclean(vis=-'x')", "an operator is not a literal", 11, id="minus string"),
        pytest.param("x.tclean(vis=1)", "expected task\\(keyword=value, ...\\)", 0, id="attribute callee"),
        pytest.param("tclean(vis=1", "truncated command", 6, id="syntax"),
    ],
)
def test_parser_points_at_what_is_not_a_literal(call: str, message: str, offset: int) -> None:
    from casalog.log.literals import CallError, parse_call

    with pytest.raises(CallError, match=message) as info:
        parse_call(call)
    assert info.value.offset == offset


@pytest.mark.parametrize("depth", [140, 150, 170, 199, 200, 250])
@pytest.mark.parametrize(("opening", "inner", "closing"), [("[", "", "]"), ("(", "1", ",)"), ("{1: ", "1", "}"),
                                                           ("(", "1", ")"), ("-(", "1", ")")],
                         ids=["lists", "tuples", "dicts", "parentheses", "signs"])
@pytest.mark.parametrize("padding", [0, 200_000], ids=["standard parser", "lean scanner"])
def test_deep_brackets_are_one_line_refusals(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], depth: int, opening: str, inner: str, closing: str,
    padding: int,
) -> None:
    import textwrap

    from casalog.commands.main import main

    value = opening * depth + inner + closing * depth
    call = f"tclean(vis=['a.ms'], imagename='u.s9_0.F_sci.spw5.mfs.I.iter1', x={value}, pad={'p' * padding!r})"
    log = tmp_path / "x.casa_commands.log"
    log.write_text(HEADER + "\n".join(textwrap.wrap(call, width=80, subsequent_indent=" " * 7,
                                                    break_long_words=False)) + "\n")
    code = main([str(log), "--json"])
    out, err = capsys.readouterr()
    if closing == ")" and opening == "(" and depth < 200:
        assert (code, err) == (0, "")  # parentheses around a value make no tuple: x=1
        return
    assert code == 1 and err.count("\n") == 1
    assert "nest more than 16 deep" in err or "too many nested parentheses" in err or "an operator" in err
