from __future__ import annotations

import random
import string

import pytest

from casalog.log._unwrap import rewrap, unwrap


def _logged(text: str) -> list[str]:
    return rewrap(text)


@pytest.mark.parametrize(
    "call",
    [
        pytest.param("tclean(vis='a.ms', niter=0)", id="one line"),
        pytest.param(
            "tclean(vis=['uid___A002_Xc27dd7_X2fc3.ms'], spw=['22'], weighting='briggs', "
            "robust=0.5, usemask='auto-multithresh', niter=0)",
            id="break after a hyphen inside a string",
        ),
        pytest.param(
            "importasdm(lazy=False, savecmds=True, bdfflags=True, asis='SBSummary ExecBlock Antenna "
            "Station Receiver Source CalAtmosphere CalWVR', overwrite=False)",
            id="break at a space inside a string",
        ),
        pytest.param(
            "importasdm(asdm='/opt/dared/opt/c5r1/mnt/dataproc/2016.1.00023.S_2018_03_09T13_37_06.344/"
            "SOUS_uid___A001_X87d_X495/rawdata/uid___A002_Xc27dd7_X2fc3', savecmds=True)",
            id="token longer than the width on its own line",
        ),
        pytest.param(
            "tclean(field='J0423-0120', phasecenter='ICRS 04:23:15.8007 -001.20.33.065', "
            "intent='CALIBRATE_BANDPASS#ON_SOURCE', imagename='x.J0423-0120_bp.spw22.mfs.I.iter0')",
            id="hyphens that are no break points",
        ),
        pytest.param(
            "uvcontsub(vis='a_targets.ms', outputvis='a_targets_line.ms', datacolumn='data', "
            "fitspec={0: {'22': {'chan': '0~100;200~300', 'fitorder': 1}}, 1: {'24': {'chan': '5~9', "
            "'fitorder': 1}}})",
            id="dict with int keys",
        ),
        pytest.param(
            "flagdata(vis='a.ms', mode='manual', reason='well-known well-behaved multi-line "
            "self-calibration non-sense anti-alias pre-averaged re-wrapped semi-automatic', spw='1')",
            id="many hyphen breaks",
        ),
    ],
)
def test_unwrap_recovers_the_logged_call(call: str) -> None:
    recovered = unwrap(_logged(call))
    assert recovered.text == call
    assert recovered.exact


def test_hyphen_at_line_end_that_was_a_space() -> None:
    # 'anti-123' has no break point, so a logged 'anti-' | '123' can only be 'anti- 123'.
    calls = [f"flagdata(vis='a.ms', reason='{'x' * n} anti- 123 abc', spw='1')" for n in range(40, 80)]
    wrapped = [(call, _logged(call)) for call in calls]
    broken_after_hyphen = [(call, lines) for call, lines in wrapped if lines[0].endswith("anti-")]
    assert broken_after_hyphen
    for call, lines in broken_after_hyphen:
        assert unwrap(lines).text == call


@pytest.mark.parametrize(
    "lines",
    [
        pytest.param(["tclean(vis='a.ms', usemask='auto-", "       multithresh')"], id="too short to have wrapped"),
        pytest.param(["tclean(vis='a.ms',", "  niter=0)"], id="wrong indent"),
    ],
)
def test_hand_edited_lines_are_read_but_not_exact(lines: list[str]) -> None:
    recovered = unwrap(lines)
    assert not recovered.exact
    assert recovered.text.startswith("tclean(vis='a.ms',")


def test_line_of_maps_offsets_to_logged_lines() -> None:
    lines = _logged("tclean(" + ", ".join(f"p{i}='{'v' * 20}'" for i in range(8)) + ")")
    recovered = unwrap(lines)
    assert len(lines) > 2
    for index, line in enumerate(lines):
        offset = recovered.starts[index]
        assert recovered.line_of(offset) == index
        assert recovered.text[offset : offset + 5] == line.lstrip()[:5]


def _random_call(rng: random.Random) -> str:
    words = ["".join(rng.choice(string.ascii_letters + "-.:#~") for _ in range(rng.randint(1, 14))) for _ in range(40)]
    values = []
    for i in range(rng.randint(1, 12)):
        text = " ".join(rng.sample(words, rng.randint(1, 8)))
        values.append(f"k{i}={text!r}")
    return "tclean(" + ", ".join(values) + ")"


def test_local_check_agrees_with_the_wrapper_on_random_calls() -> None:
    rng = random.Random(20261125)
    for _ in range(2000):
        call = _random_call(rng)
        lines = _logged(call)
        recovered = unwrap(lines)
        assert rewrap(recovered.text) == lines
        assert recovered.exact
        # Words in the calls are single-spaced, so the reading is the call itself
        # unless two readings wrap identically; then either is a valid reading.
        if recovered.text != call:
            assert rewrap(call) == rewrap(recovered.text)


def test_local_check_rejects_what_the_wrapper_rejects() -> None:
    import textwrap

    rng = random.Random(7)
    for _ in range(1000):
        call = _random_call(rng)
        width = rng.choice([60, 75, 79, 81, 90])
        lines = textwrap.wrap(call, width=width, subsequent_indent=" " * 7, break_long_words=False)
        recovered = unwrap(lines)
        assert recovered.exact == (rewrap(recovered.text) == lines)


def test_many_hyphen_breaks_are_resolved_one_by_one() -> None:
    # More hyphen-ended lines than the combinations tried at once, in a hand-edited
    # command (lines too short), so the one-by-one path decides.
    words = " ".join(f"multi-word{i} well-known" for i in range(12))
    lines = textwrap_wrap_hyphens(f"flagdata(reason='{words}')")
    assert sum(line.endswith("-") for line in lines) > 8
    recovered = unwrap(lines)
    assert not recovered.exact
    assert "multi-word0" in recovered.text


def textwrap_wrap_hyphens(call: str) -> list[str]:
    import textwrap

    return textwrap.wrap(call, width=16, subsequent_indent=" " * 9, break_long_words=False)


def _hyphenated_word(rng: random.Random, size: int) -> str:
    """Letters cut by hyphens: the wrapper may break after each one, as in 'self-calibration'."""
    parts: list[str] = []
    length = 0
    while length < size:
        parts.append("".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(2, 9))))
        length += len(parts[-1]) + 1
    return "-".join(parts)


def test_a_megabyte_hyphenated_word_is_unwrapped_in_linear_time() -> None:
    import time

    call = f"flagdata(vis='a.ms', reason='{_hyphenated_word(random.Random(3), 1 << 20)}', spw='1')"
    lines = _logged(call)  # textwrap, the oracle
    assert len(lines) > 10_000 and sum(line.endswith("-") for line in lines) > 10_000
    started = time.monotonic()
    recovered = unwrap(lines)
    # Seconds on a loaded machine; the quadratic search took hours.
    assert time.monotonic() - started < 60
    assert recovered.text == call and recovered.exact


def test_a_long_hand_edited_hyphenated_word_is_read_in_linear_time() -> None:
    import time

    call = f"flagdata(vis='a.ms', reason='{_hyphenated_word(random.Random(4), 1 << 18)}', spw='1')"
    lines = _logged(call)
    edited = [line + "-" if i % 3 == 1 else line for i, line in enumerate(lines)]  # no reading wraps back
    started = time.monotonic()
    recovered = unwrap(edited)
    assert time.monotonic() - started < 60
    assert not recovered.exact
    # Every hyphen the wrapper could break after stays joined; the added ones sit between letters too.
    assert recovered.text.replace("-", "") == call.replace("-", "")
