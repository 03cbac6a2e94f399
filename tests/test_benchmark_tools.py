"""The synthetic log of the benchmark must be a log the reader takes as real."""
from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from script_modules import load_script

from casalog.log.products import products
from casalog.log.reader import read_log

GENERATOR = Path(__file__).resolve().parents[1] / "benchmarks" / "make_synthetic_log.py"
SIZE = 200_000
_STAGE_HEADER = re.compile(r"# h[a-z]*_\w+\(")


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    path = tmp_path_factory.mktemp("synthetic") / "synthetic.casa_commands.log"
    with path.open("w", encoding="ascii", newline="\n") as out:
        summary = load_script(GENERATOR).write_log(out, SIZE, seed=7)
    return path, summary


def test_size_is_at_least_the_request(generated: tuple[Path, Any]) -> None:
    path, summary = generated
    assert path.stat().st_size == summary.size >= SIZE


def test_every_command_reads_back_exact(generated: tuple[Path, Any]) -> None:
    path, summary = generated
    calls = list(read_log(path))
    assert len(calls) == summary.commands
    assert [call.first_line for call in calls if not call.exact] == []
    assert sum(call.task == "tclean" for call in calls) == summary.tclean_calls
    assert {call.task for call in calls} == {"tclean", "gaincal", "flagdata"}


def test_products_and_iterations_are_as_written(generated: tuple[Path, Any]) -> None:
    path, summary = generated
    found = list(products(read_log(path)))
    assert len(found) == summary.products
    iterations = [product.iterations for product in found]
    assert set(iterations) <= {(0, 1), (0, 1, 2)}
    assert iterations.count((0, 1, 2)) == summary.iter2_products


def test_image_names_carry_their_stage_number(generated: tuple[Path, Any]) -> None:
    path, _ = generated
    lines = path.read_text().splitlines()
    header_lines = [number for number, line in enumerate(lines, start=1) if _STAGE_HEADER.match(line)]
    ordinal = {line: index for index, line in enumerate(header_lines, start=1)}
    found = list(products(read_log(path)))
    stages = [product.name.stage for product in found]
    assert all(product.stage is not None and product.name.stage == ordinal[product.stage.line] for product in found)
    assert stages == sorted(stages) and len(set(stages)) > 1


@pytest.mark.parametrize(
    ("seed", "same"),
    [
        pytest.param(7, True, id="same seed, same log"),
        pytest.param(8, False, id="other seed, other log"),
    ],
)
def test_the_seed_decides_the_log(generated: tuple[Path, Any], seed: int, same: bool) -> None:
    path, _ = generated
    out = io.StringIO()
    load_script(GENERATOR).write_log(out, SIZE, seed=seed)
    assert (out.getvalue() == path.read_text()) is same
