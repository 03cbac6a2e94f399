"""Choose products by field, spw, specmode, intent or name, checked against the log."""
from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from casalog.errors import SelectionError
from casalog.log.products import Product, field_name


@dataclass(frozen=True)
class Selection:
    """What to re-image; an empty criterion selects everything.

    A product matches ``spws`` when every spw it is made of is selected, so
    ``--spw 22`` picks the spw 22 images but not the aggregate continuum.
    """

    fields: tuple[str, ...] = ()
    spws: tuple[str, ...] = ()
    specmodes: tuple[str, ...] = ()
    intents: tuple[str, ...] = ()
    products: tuple[str, ...] = ()

    def any(self) -> bool:
        """Whether any criterion is set."""
        return bool(self.fields or self.spws or self.specmodes or self.intents or self.products)


def select(products: Sequence[Product], selection: Selection, source: str) -> list[Product]:
    """The products a selection picks, in log order.

    Raises
    ------
    SelectionError
        When a criterion names something the log does not have (the message
        lists what it has), or nothing matches all criteria together.
    """
    fields = {name for product in products for name in product.field_names}
    _check("field", [field_name(f) for f in selection.fields], fields, source)
    _check("spw", selection.spws, {spw for p in products for spw in p.name.spws}, source)
    _check("specmode", selection.specmodes, {p.name.specmode for p in products}, source)
    _check("intent", [i.upper() for i in selection.intents], {p.name.intent for p in products}, source)
    for pattern in selection.products:
        if not any(_name_matches(p, pattern) for p in products):
            stems = listed(p.stem for p in products)
            raise SelectionError(f"no product is named {pattern!r}; the log has: {stems}", source)
    chosen = [p for p in products if _matches(p, selection)]
    if not chosen:
        raise SelectionError("no product matches all of the selection options together", source)
    return chosen


def _matches(product: Product, selection: Selection) -> bool:
    name = product.name
    return (
        (not selection.fields or bool({field_name(f) for f in selection.fields} & set(product.field_names)))
        and (not selection.spws or bool(name.spws) and set(name.spws) <= set(selection.spws))
        and (not selection.specmodes or name.specmode in selection.specmodes)
        and (not selection.intents or name.intent in {i.upper() for i in selection.intents})
        and (not selection.products or any(_name_matches(product, p) for p in selection.products))
    )


def _name_matches(product: Product, pattern: str) -> bool:
    return fnmatch.fnmatchcase(product.stem, pattern) or fnmatch.fnmatchcase(product.stem.split(".", 1)[-1], pattern)


def _check(what: str, wanted: Iterable[str], present: set[str], source: str) -> None:
    for value in wanted:
        if value not in present:
            raise SelectionError(f"the log has no {what} {value!r}; it has: {listed(present)}", source)


def listed(values: Iterable[str]) -> str:
    """Names for a message, each once, short ones (spw ids) in numeric order."""
    ordered = sorted(set(values), key=lambda v: (len(v), v))
    return ", ".join(ordered) if ordered else "(none)"
