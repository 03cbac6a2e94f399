"""A bounded fuzz run: hostile logs, file names and options through the command line (``benchmarks/fuzz.py``).

Every case must end as the tool promises: exit 0, 1 or 2 and no other
exception, one line on stderr on an error and no file written, nothing
printed that acts on a terminal, and a written script that compiles and
gives back the logged values.  The cases are the same on every run
(``derandomize``); ``python3 benchmarks/fuzz.py --cases 100000`` runs many more.
"""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from script_modules import load_script

FUZZ = load_script(Path(__file__).resolve().parents[1] / "benchmarks" / "fuzz.py")


@settings(max_examples=150, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(FUZZ.cases())
def test_hostile_logs_names_and_options_keep_the_promises(case: Any) -> None:
    with tempfile.TemporaryDirectory(prefix="regen-tclean-fuzz-") as folder:
        FUZZ.check(case, Path(folder))


def test_the_round_trip_compares_types() -> None:
    assert FUZZ.same([1, (2.0, {"a": None})], [1, (2.0, {"a": None})])
    assert FUZZ.same(float("nan"), float("nan"))
    assert not FUZZ.same(True, 1) and not FUZZ.same((1,), [1]) and not FUZZ.same({1: 2, 3: 4}, {3: 4, 1: 2})
