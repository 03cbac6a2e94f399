"""Acceptance on the real Cycle 5 log of 2016.1.00023.S (read from ../shared, never copied)."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from casalog.log._unwrap import rewrap
from casalog.log.products import OtherImage, Product, images
from casalog.log.reader import LoggedCall, read_log


@pytest.fixture(scope="module")
def calls(real_log: Path) -> list[LoggedCall]:
    return list(read_log(real_log))


def test_every_command_is_recovered(calls: list[LoggedCall]) -> None:
    assert len(calls) == 732
    assert Counter(call.task for call in calls)["tclean"] == 55


def test_every_command_round_trips_through_the_pipeline_wrapper(calls: list[LoggedCall], real_log: Path) -> None:
    logged = real_log.read_text().splitlines()
    for call in calls:
        assert call.exact
        assert rewrap(call.text) == logged[call.first_line - 1 : call.last_line]


def test_usemask_reads_auto_multithresh_everywhere(calls: list[LoggedCall]) -> None:
    usemasks = {call.kwargs["usemask"] for call in calls if "usemask" in call.kwargs}
    assert usemasks == {"auto-multithresh"}
    assert sum("usemask" in call.kwargs for call in calls) == 52


def test_products_pair_iter0_with_iter1(calls: list[LoggedCall]) -> None:
    found = list(images(calls))
    products = {item.stem: item for item in found if isinstance(item, Product)}
    others = [item for item in found if isinstance(item, OtherImage)]
    assert len(products) == 26
    assert all(product.iterations == (0, 1) for product in products.values())
    science = sorted(stem.split(".", 1)[1] for stem in products if "_sci." in stem)
    assert science == [
        "s29_0.NGC1068_sci.spw22.mfs.I",
        "s29_0.NGC1068_sci.spw24.mfs.I",
        "s29_0.NGC1068_sci.spw26.mfs.I",
        "s31_0.NGC1068_sci.spw22_24_26.cont.I",
        "s33_0.NGC1068_sci.spw22.cube.I",
    ]
    intents = Counter(product.name.intent for product in products.values())
    assert intents == {"BANDPASS": 12, "PHASE": 3, "CHECK": 6, "TARGET": 5}
    assert [(other.kind, other.call.first_line) for other in others] == [
        ("findcont cube", 6414),
        ("findcont cube", 6436),
        ("findcont cube", 6458),
    ]
    cont = products["uid___A001_X87d_X497.s31_0.NGC1068_sci.spw22_24_26.cont.I"]
    assert cont.name.spws == ("22", "24", "26")
    assert len(cont.vis) == 8
