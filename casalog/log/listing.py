"""Print a log's products as a table for people or as JSON for programs.

Both stream: a stage's products are printed when the stage is done, so a
log of any size lists in flat memory.
"""
from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Iterable, Iterator
from typing import TextIO

from casalog.log.products import OtherImage, Product, as_list
from casalog.log.reader import Stage
from casalog.output.quoting import printable
from casalog.output.tables import layout

_COLUMNS = ("PRODUCT", "FIELD", "INTENT", "SPW", "SPECMODE", "IMSIZE", "CELL", "ROBUST", "THRESHOLD", "ITERS", "MS")
# A number written one way only, then a unit: no backtracking on a long value.
_QUANTITY = re.compile(r"([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*([a-zA-Z]*)")
_FLUX_SCALE = {"Jy": 1.0, "mJy": 1e-3, "uJy": 1e-6}


def product_record(product: Product) -> dict[str, object]:
    """The JSON object of one product."""
    name = product.name
    kwargs = product.call.kwargs
    return {
        "product": product.stem,
        "field": product.field,
        "intent": name.intent,
        "spw": list(name.spws) or [name.spw_label],
        "specmode": name.specmode,
        "datatype": name.datatype,
        "stokes": name.stokes,
        "stage": product.stage.name if product.stage else None,
        "iters": {str(i): c.first_line for i, c in zip(product.iterations, product.calls)},
        "missing": [f"iter{i}" for i in product.missing],
        "vis": product.vis,
        "imsize": kwargs.get("imsize"),
        "cell": kwargs.get("cell"),
        "robust": kwargs.get("robust"),
        "threshold": kwargs.get("threshold"),
        "niter": kwargs.get("niter"),
        "datacolumn": kwargs.get("datacolumn"),
    }


def write_json(items: Iterable[Product | OtherImage], out: TextIO) -> int:
    """Write a JSON array with one object per product; return how many.

    Nothing is written when there are none.
    """
    count = 0
    for product in _products(items):
        out.write("[\n  " if count == 0 else ",\n  ")
        out.write(json.dumps(product_record(product)))
        count += 1
    if count:
        out.write("\n]\n")
    return count


def write_table(items: Iterable[Product | OtherImage], out: TextIO) -> int:
    """Write a readable table of the products, stage by stage; return how many."""
    count = 0
    for stage, block in _by_stage(items):
        rows = [_row(item) for item in block if isinstance(item, Product)]
        others = [item for item in block if isinstance(item, OtherImage)]
        count += len(rows)
        out.write(_stage_title(stage) + "\n")
        if rows:
            out.write(textwrap.indent(layout([list(_COLUMNS), *map(list, rows)]), "  ") + "\n")
        for other in others:
            why = f"{other.kind}: {other.reason}" if other.reason else other.kind
            out.write(f"  not a product ({why}, line {other.call.first_line}): {printable(other.imagename)}\n")
        out.write("\n")
    return count


def _products(items: Iterable[Product | OtherImage]) -> Iterator[Product]:
    return (item for item in items if isinstance(item, Product))


def _by_stage(items: Iterable[Product | OtherImage]) -> Iterator[tuple[Stage | None, list[Product | OtherImage]]]:
    block: list[Product | OtherImage] = []
    stage: Stage | None = None
    for item in items:
        item_stage = item.stage if isinstance(item, Product) else item.call.stage
        if block and item_stage != stage:
            yield stage, block
            block = []
        stage = item_stage
        block.append(item)
    if block:
        yield stage, block


def _stage_title(stage: Stage | None) -> str:
    if stage is None:
        return "(before any stage header)"
    comment = f" — {stage.comment}" if stage.comment else ""
    return printable(f"{stage.call} (line {stage.line}){comment}")


def _row(product: Product) -> tuple[str, ...]:
    record = product_record(product)
    iters = ",".join(str(i) for i in product.iterations)
    if product.missing:
        iters += " (no " + ", ".join(f"iter{i}" for i in product.missing) + ")"
    imsize = as_list(record["imsize"])
    cells = (
        product.stem,
        str(record["field"]),
        str(record["intent"]),
        ",".join(record["spw"]),  # type: ignore[arg-type]
        str(record["specmode"]),
        "x".join(imsize),
        ",".join(as_list(record["cell"])),
        "" if record["robust"] is None else str(record["robust"]),
        _readable_flux(record["threshold"]),
        iters,
        _ms_summary(product.vis),
    )
    return tuple(printable(cell) for cell in cells)


def _ms_summary(vis: list[str]) -> str:
    names = [name.rsplit("/", 1)[-1] for name in vis]
    if len(names) <= 2:
        return " ".join(names)
    return f"{names[0]} (+{len(names) - 1} more)"


def _readable_flux(threshold: object) -> str:
    match = _QUANTITY.fullmatch(str(threshold)) if threshold is not None else None
    if match is None or match.group(2) not in _FLUX_SCALE:
        return "" if threshold is None else str(threshold)
    return f"{float(match.group(1)) * _FLUX_SCALE[match.group(2)] * 1e3:.3g}mJy"
