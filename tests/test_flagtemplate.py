from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from casalog.commands import flags as command
from casalog.commands.main import main
from casalog.delivery import flagtemplate
from casalog.errors import CasaLogError

DATA = Path(__file__).parent / "data" / "flags"
TEMPLATE = DATA / "uid___A002_Xc27dd7_X2fc3.flagtargetstemplate.txt"
OLD_TEMPLATE = DATA / "uid___A002_X1234_X5_flagtargetstemplate.txt"


def test_parse_template() -> None:
    commands, problems = flagtemplate.parse(TEMPLATE.read_text(), str(TEMPLATE))
    assert problems == []
    assert [command.lineno for command in commands] == [8, 9, 10]
    assert commands[0].params == {
        "mode": "manual",
        "antenna": "DV01;DV08",
        "spw": "21:1920~2880",
        "reason": "bad_channels",
    }
    assert commands[0].text == "mode='manual' antenna='DV01;DV08' spw='21:1920~2880' reason='bad_channels'"
    assert commands[1].params["timerange"] == "2017/07/20/10:15:00~10:20:00"
    assert "note" not in commands[1].params
    assert commands[2].params == {
        "mode": "quack",
        "quackinterval": 2.0,
        "quackincrement": False,
        "reason": "quack_scan_start",
    }


def test_parse_old_name() -> None:
    (command,), _ = flagtemplate.parse(OLD_TEMPLATE.read_text())
    assert (command.lineno, command.get("spw"), command.get("antenna")) == (2, "17:0~63", "")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        pytest.param("", None, id="blank"),
        pytest.param("   # mode='manual' reason='a b'", None, id="comment"),
        pytest.param("mode='manual' # reason='a b'", {"mode": "manual"}, id="trailing-comment"),
        pytest.param("antenna='DA41#x'", {"antenna": "DA41#x"}, id="hash-in-quotes"),
        pytest.param("antenna=DV01#x", {"antenna": "DV01#x"}, id="hash-in-bare"),
        pytest.param('reason="it\'s_bad"', {"reason": "it's_bad"}, id="double-quotes"),
        pytest.param(
            "spw=3 scan=1.5 autocorr=True intent=false",
            {
                "spw": 3,
                "scan": 1.5,
                "autocorr": True,
                "intent": "false",
            },
            id="bare-literals",
        ),
        pytest.param("spw='3'", {"spw": "3"}, id="quoted-number-stays-text"),
        pytest.param("spw=[3,4]", {"spw": "[3,4]"}, id="bare-list-stays-text"),
    ],
)
def test_parse_line(line: str, expected: dict[str, object] | None) -> None:
    command = flagtemplate.parse_line(line, 1)
    assert (None if command is None else command.params) == expected


@pytest.mark.parametrize(
    ("line", "match"),
    [
        pytest.param("mode='manual antenna='DV01'", "unbalanced ' quote", id="unbalanced"),
        pytest.param('mode="manual', 'unbalanced " quote', id="unbalanced-double"),
        pytest.param(
            "mode='manual' reason='bad channels'", "reason 'bad channels' has blanks in it", id="reason-space"
        ),
        pytest.param("mode='manual' reason=\"bad\tdata\"", "has blanks in it", id="reason-tab"),
        pytest.param("mode='manual' DV01", "'DV01' is not key=value", id="bare-token"),
        pytest.param("mode='manual' reason=", "'reason=' is not key=value", id="no-value"),
        pytest.param("='manual'", "is not key=value", id="no-key"),
        pytest.param("2mode='manual'", "is not key=value", id="bad-key"),
        pytest.param("mode='manual' mode='clip'", "'mode' is given twice", id="twice"),
        pytest.param("mode='manul'", "mode 'manul' is not a flagdata mode", id="unknown mode"),
        pytest.param("mode='manual' antena='DV01'", "antena: not a flagdata parameter", id="unknown key"),
        pytest.param("mode='manual' flagbackup=False", "flagbackup: not a flagdata parameter of a list-mode",
                     id="task-level key"),
        pytest.param("spw='1'x", "a quoted value must be one string", id="after-quote"),
        pytest.param("spw='1''2'", "a quoted value must be one string", id="two-strings"),
    ],
)
def test_parse_errors(line: str, match: str) -> None:
    text = f"# first line\n\n{line}\nmode='manual' antenna='DV02'\n"
    commands, (problem,) = flagtemplate.parse(text, "x.flagtargetstemplate.txt")
    assert re.search(match, str(problem))
    assert str(problem).startswith("x.flagtargetstemplate.txt:3: ")
    assert "\n" not in str(problem)
    assert [command.lineno for command in commands] == [4]


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    command.configure(parser)
    return command.run(parser.parse_args(argv))


def test_command_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert run([str(TEMPLATE)]) == 0
    title, *lines = capsys.readouterr().out.splitlines()
    assert title == f"{TEMPLATE}: 3 active flag commands"
    assert lines[0].split() == ["LINE", "MODE", "ANTENNA", "SPW", "FIELD", "TIMERANGE", "REASON", "OTHER"]
    assert lines[1].split() == ["8", "manual", "DV01;DV08", "21:1920~2880", "-", "-", "bad_channels", "-"]
    assert lines[2].split() == [
        "9",
        "manual",
        "-",
        "-",
        "NGC1068",
        "2017/07/20/10:15:00~10:20:00",
        "QA2_shadowing",
        "-",
    ]
    assert lines[3].split() == [
        "10",
        "quack",
        "-",
        "-",
        "-",
        "-",
        "quack_scan_start",
        "quackinterval=2.0",
        "quackincrement=False",
    ]
    assert len(lines) == 4


def test_command_no_commands(capsys: pytest.CaptureFixture[str]) -> None:
    path = DATA / "comments_only.flagtargetstemplate.txt"
    assert run([str(path)]) == 0
    assert capsys.readouterr().out == f"{path}: no active flag commands\n"


def test_command_reports_every_bad_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.flagtargetstemplate.txt"
    path.write_text("mode='manual'\nmode='manual' reason='two words'\nmode='manul'\nantena='DV01'\n")
    assert main(["flags", str(path)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        f"{path}:2: reason 'two words' has blanks in it; join its words with _",
        f"{path}:3: mode 'manul' is not a flagdata mode "
        "(antint, clip, elevation, extend, list, manual, quack, rflag, shadow, summary, tfcrop, unflag)",
        f"{path}:4: antena: not a flagdata parameter of a list-mode command",
    ]


def test_command_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CasaLogError, match="cannot read: No such file or directory"):
        run([str(tmp_path / "none.txt")])


def test_several_templates_are_all_checked_before_any_is_shown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.flagtargetstemplate.txt"
    bad.write_text("mode='manual' reason='two words'\n")
    assert main(["flags", str(TEMPLATE), str(bad)]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err.startswith(f"{bad}:1: ")
    assert main(["flags", str(TEMPLATE), str(TEMPLATE)]) == 0
    assert capsys.readouterr().out.count("3 active flag commands") == 2
