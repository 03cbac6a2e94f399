"""The lean scanner of long commands agrees with the standard parser: same values, same refusals.

Calls are generated (hypothesis) from literals written every way Python
allows (blanks, comments, line continuations, prefixes, concatenation,
parentheses, signs) with values that are not literals put in; both readers
must give the same values or the same message at the same offset.  Calls
broken at random must be refused by both.
"""
from __future__ import annotations

import math
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casalog.log import literals
from casalog.log._scan import scan_call
from casalog.log.literals import CallError, SyntaxCallError, parse_call, parse_with_ast

SPACES = st.sampled_from(["", "", "", " ", "  ", "\t", " # note\r", "\\\r", "\r\n"])
NOT_LITERALS = [
    "x", "x.y", "f()", "lambda: 1", "not 1", "1 < 2", "1 + 2", "...", "[][0]", "b'x'", "1j", "f'{x}'", "{1, 2}",
    "x if y else z", "[x for x in y]", "{x: 1 for x in y}", "-'x'", "--1", "-True", "1 .real", "*x",
]
ODD_LITERALS = [
    "-(1)", "+(inf)", "(-1)", "- nan", "'a' 'b'", "u'x' r'y'", "'''t'''", "(1)", "((2,))", "0x_1f", "1_0.5e-1_0",
]
SETTINGS = settings(
    max_examples=200, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck)
)


def outcome(parse: Any, text: str) -> tuple[Any, ...]:
    """What a reader makes of ``text``: its values (repr, so that nan equals nan), or its refusal."""
    try:
        call = parse(text)
    except SyntaxCallError as err:
        return ("syntax", str(err), err.offset)
    except CallError as err:
        return ("refused", str(err), err.offset)
    return ("read", call.task, repr(call.kwargs))


def agree(lean: tuple[Any, ...], standard: tuple[Any, ...]) -> bool:
    """The same outcome; for a syntax error the same words (Python places some oddly, after a continuation)."""
    return lean[:2] == standard[:2] if standard[0] == "syntax" else lean == standard


@st.composite
def values(draw: st.DrawFn, depth: int = 0, hashable: bool = False) -> str:
    """The source text of one keyword value."""
    kinds = ["scalar", "scalar", "odd", "not literal"]
    if depth < 3:
        kinds += ["tuple"] if hashable else ["list", "tuple", "dict", "deep"]
    kind = draw(st.sampled_from(kinds))
    if kind == "scalar":
        scalar = draw(st.one_of(st.text(max_size=6), st.integers(-(10**30), 10**30), st.floats(), st.booleans(),
                                st.none()))
        return repr(scalar)
    if kind in ("odd", "not literal"):
        return draw(st.sampled_from(ODD_LITERALS if kind == "odd" else NOT_LITERALS))
    if kind == "deep":
        opening, closing = draw(st.sampled_from([("[", "]"), ("(", ",)"), ("{1:", "}"), ("(", ")")]))
        levels = draw(st.integers(14, 19))
        return opening * levels + draw(values(depth + 3)) + closing * levels
    items = draw(st.lists(values(depth + 1, hashable), max_size=4))
    if kind == "dict":
        keys = draw(st.lists(values(depth + 1, True), min_size=len(items), max_size=len(items)))
        entries = [f"{key}{draw(SPACES)}:{draw(SPACES)}{item}" for key, item in zip(keys, items)]
        if draw(st.integers(0, 9)) == 0:
            entries.append("**x")
        return "{" + draw(SPACES) + ("," + draw(SPACES)).join(entries) + draw(SPACES) + "}"
    body = ("," + draw(SPACES)).join(items)
    trailing = draw(st.sampled_from(["", ","])) if items else ""
    if kind == "tuple":
        return "(" + draw(SPACES) + body + ("," if len(items) == 1 else trailing) + draw(SPACES) + ")"
    return "[" + draw(SPACES) + body + trailing + draw(SPACES) + "]"


@st.composite
def calls(draw: st.DrawFn) -> str:
    """A call of keywords (some look-alike, repeated or unpacked) and, rarely, a positional argument."""
    arguments: list[str] = []
    for _ in range(draw(st.integers(0, 4))):
        roll = draw(st.integers(0, 19))
        if roll == 0:
            arguments.insert(0, draw(values()))
        elif roll == 1:
            arguments.append("**" + draw(values()))
        else:
            name = draw(st.sampled_from(["vis", "imagename", "spw", "vis", "\u00e9", "\uff41"]))
            arguments.append(f"{name}{draw(SPACES)}={draw(SPACES)}{draw(values())}")
    return "tclean(" + ("," + draw(SPACES)).join(arguments) + draw(st.sampled_from(["", ","])) + ")"


@SETTINGS
@given(calls())
def test_both_readers_agree_on_generated_calls(text: str) -> None:
    assert agree(outcome(scan_call, text), outcome(parse_with_ast, text))


@SETTINGS
@given(calls(), st.integers(0, 10**6), st.sampled_from(["", "(", ")", "]", "}", "'", '"', ",", " x", "1", ":", "\\"]))
def test_both_readers_refuse_broken_calls(text: str, where: int, replacement: str) -> None:
    where %= len(text) + 1
    broken = text[:where] + replacement + text[where + 1 :]
    lean, standard = outcome(scan_call, broken), outcome(parse_with_ast, broken)
    # The standard parser's choice among several errors is its own; whether there is one is not.
    assert (lean[0] == "read") == (standard[0] == "read")
    if standard[0] == "read":
        assert lean == standard


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("tclean(vis=['a'", id="bracket never closed"),
        pytest.param("tclean(vis=['a')", id="bracket that does not match"),
        pytest.param("tclean(vis='a')]", id="unmatched bracket"),
        pytest.param("tclean(vis='a", id="unterminated string"),
        pytest.param("tclean(vis='''a", id="unterminated triple-quoted string"),
        pytest.param("tclean(a=1 b=2)", id="missing comma"),
        pytest.param("tclean(a=[1 2)", id="missing comma before a wrong bracket"),
        pytest.param("tclean(a=01)", id="leading zeros"),
        pytest.param("tclean(a=9" + "9" * 5000 + ")", id="too many digits"),
        pytest.param("tclean(a=1, 2)", id="positional after keyword"),
        pytest.param("tclean(**x, *y)", id="unpacking order"),
        pytest.param("tclean(True=1)", id="assignment to a constant"),
        pytest.param("tclean(a=" + "[" * 300 + "]" * 300 + ")", id="too many brackets"),
        pytest.param("tclean(a={[1]: 2})", id="unhashable key"),
        pytest.param("tclean(a={lambda: {}})", id="a lambda in a set"),
        pytest.param("tclean(a=1)(b=2)", id="a call of a call"),
        pytest.param("tclean(a=1) x", id="text after the call"),
        pytest.param(" tclean(a=1)", id="indented"),
        pytest.param("tclean(a='\\N{no such name}')", id="bad escape"),
        pytest.param("tclean(a='x' b'y')", id="bytes and text"),
        pytest.param("tclean(a='\\d', b=1if 1 else 2)", id="odd escapes and numbers, without warnings"),
        pytest.param("tclean(a=1,\rb=[1,\r\n2], c='''x\r\ny''')", id="line ends inside the call"),
    ],
)
def test_both_readers_agree_on_odd_calls(text: str) -> None:
    assert outcome(scan_call, text) == outcome(parse_with_ast, text)


def test_long_calls_go_to_the_scanner(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(text: str) -> Any:
        raise AssertionError("the standard parser was used")

    monkeypatch.setattr(literals, "parse_with_ast", refuse)
    items = [f"uid___A002_X{i:x}.ms" for i in range(10_000)]
    call = parse_call(f"tclean(vis={items!r}, niter=0, robust=-0.5, x=inf)")
    assert call.kwargs["vis"] == items and call.kwargs["robust"] == -0.5 and math.isinf(call.kwargs["x"])


def test_a_ten_megabyte_call_is_read_and_written_in_little_memory(tmp_path: Path) -> None:
    from test_limits import measure

    items = [f"uid___A002_X{i:07x}_X{i % 9973:04x}.ms" for i in range(313_000)]
    call = f"tclean(vis={items!r}, imagename='uid___A001_X1_X2.s9_0.Src_sci.spw5.mfs.I.iter1', niter=10)"
    assert len(call) > 10**7
    log = tmp_path / "uid___A001_X1_X2.casa_commands.log"
    lines = textwrap.wrap(call, width=80, subsequent_indent=" " * 7, break_long_words=False)
    log.write_text("raise Error('The casa commands log is not executable!')\n\n" + "\n".join(lines) + "\n")
    script = tmp_path / "x.py"
    code, err, rss = measure(str(log), "-o", str(script))
    assert code == 0, err
    assert rss < 200
    assert script.stat().st_size > 10**7
    done = subprocess.run([sys.executable, "-c", f"compile(open({str(script)!r}).read(), 'x', 'exec')"], check=False)
    assert done.returncode == 0
