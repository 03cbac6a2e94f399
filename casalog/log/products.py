"""Group a log's tclean calls into image products.

A product is every iteration (iter0 dirty, iter1 cleaned, iter2 …) of one
image name stem.  The stem holds the stage number, so a product never spans
two pipeline stages: groups are closed at each stage boundary, which keeps
memory flat however long the log is.
"""
from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from casalog.log.imagename import ImageName, parse_image_name
from casalog.log.reader import LoggedCall, Stage

# The names of the older hif_selfcal work images end so (``…_dirty``, ``…_inf_EB_0``).
_SELFCAL_ENDINGS = ("dirty", "initial", "final", "post")
_DIGITS = re.compile(r"\d+")
_WORD = re.compile(r"\w+")
# The measurement sets hif_selfcal splits its targets into, and cleans on its own.
_SELFCAL_COPY = ".selfcal.ms"


@dataclass(frozen=True)
class Product:
    """One pipeline image product and its tclean calls in log order."""

    name: ImageName
    calls: tuple[LoggedCall, ...]
    iterations: tuple[int, ...]

    @property
    def stem(self) -> str:
        return self.name.stem

    @property
    def missing(self) -> tuple[int, ...]:
        """Which of iter0 and iter1 the log lacks."""
        return tuple(i for i in (0, 1) if i not in self.iterations)

    @property
    def stage(self) -> Stage | None:
        return self.calls[0].stage

    @property
    def call(self) -> LoggedCall:
        """The call that stands for the product: iter1, the cleaned image, else its latest iteration."""
        return self.call_of(1) or self.calls[-1]

    def call_of(self, iteration: int) -> LoggedCall | None:
        """The call of one iteration, or None if the log has none."""
        for number, call in zip(self.iterations, self.calls):
            if number == iteration:
                return call
        return None

    @property
    def iteration(self) -> int:
        """The iteration of :attr:`call`."""
        return self.iterations[self.calls.index(self.call)]

    @property
    def field(self) -> str:
        """The field as the pipeline selected it, which pipeline tasks and cont.dat use.

        The pipeline quotes a name with spaces in its selection
        (``field='"HD 163296"'``); the image name holds a sanitised form.
        """
        return field_name(self.call.kwargs.get("field")) or self.name.field

    @property
    def field_names(self) -> tuple[str, ...]:
        """Every spelling a user may give for the field: its own name and the image name's."""
        return tuple(dict.fromkeys((self.field, self.name.field)))

    @property
    def vis(self) -> list[str]:
        return as_list(self.call.kwargs.get("vis"))


def field_name(selection: object) -> str:
    """A logged field selection without the quotes the pipeline puts around names with spaces."""
    return selection.strip().strip('"').strip() if isinstance(selection, str) else ""


@dataclass(frozen=True)
class OtherImage:
    """A tclean call that makes no product: a findcont cube, a self-calibration work image, …

    ``reason`` says why, when the kind alone does not (a work image under a product's name).
    """

    call: LoggedCall
    kind: str
    reason: str = ""

    @property
    def imagename(self) -> str:
        return str(self.call.kwargs.get("imagename", ""))


def images(calls: Iterable[LoggedCall]) -> Iterator[Product | OtherImage]:
    """Yield the products and other images of a stream of calls, stage by stage.

    Products come in the order of their first call; a non-product comes where
    its call stands among them.
    """
    stage: Stage | None = None
    order: list[str | OtherImage] = []  # product stems and non-products, in log order
    groups: dict[str, list[tuple[ImageName, LoggedCall]]] = {}
    for call in calls:
        if call.task != "tclean":
            continue
        if call.stage != stage:
            yield from _flush(order, groups)
            order, groups, stage = [], {}, call.stage
        name = parse_image_name(str(call.kwargs.get("imagename", "")))
        work = _selfcal_work(call)
        if work is not None:
            order.append(OtherImage(call, "self-calibration work image", work))
            continue
        if name is None:
            order.append(OtherImage(call, _kind(call)))
            continue
        if name.stem not in groups:
            groups[name.stem] = []
            order.append(name.stem)
        groups[name.stem].append((name, call))
    yield from _flush(order, groups)


def products(calls: Iterable[LoggedCall]) -> Iterator[Product]:
    """Only the products of :func:`images`."""
    for image in images(calls):
        if isinstance(image, Product):
            yield image


def as_list(value: object) -> list[str]:
    """A tclean argument that may be one string or a list of them, as a list."""
    if value is None or value == "":
        return []
    if isinstance(value, (list, tuple)):
        return [str(item) for item in value]
    return [str(value)]


def _flush(
    order: list[str | OtherImage], groups: dict[str, list[tuple[ImageName, LoggedCall]]]
) -> Iterator[Product | OtherImage]:
    for item in order:
        if isinstance(item, OtherImage):
            yield item
        else:
            group = groups[item]
            yield Product(group[0][0], tuple(call for _, call in group), tuple(name.iteration for name, _ in group))


def _selfcal_work(call: LoggedCall) -> str | None:
    """Why a tclean call is hif_selfcal's own work, even under a product's name; None if it is not.

    hif_selfcal cleans its per-target copies of the data (``<eb>_targets.<field>.spw<ids>.selfcal.ms``),
    under names such as ``….cont.I.iter1`` or ``….cont.solint1_prior.I.iter2``: those are its trials.
    The products made after it (``….cont.selfcal.I``, on the ``corrected`` column of ``_targets.ms``)
    come from a later stage.
    """
    copies = [vis for vis in as_list(call.kwargs.get("vis")) if vis.endswith(_SELFCAL_COPY)]
    if copies:
        return f"cleaned on hif_selfcal's own copy of the data, {posixpath.basename(copies[0])}"
    if call.stage is not None and call.stage.name == "hif_selfcal":
        return "made by the hif_selfcal stage"
    return None


def _selfcal_work_name(name: str) -> bool:
    """Whether ``name`` is ``<x>_dirty`` (or initial, final, post) or ``<x>_<word>_<n>``.

    Checked from the end, in time linear in the name (a pattern such as
    ``.+_(…|\\w+_\\d+)$`` tries every underscore against every other).
    """
    head, _, last = name.rpartition("_")
    if not head or last in _SELFCAL_ENDINGS:
        return bool(head)
    if not _DIGITS.fullmatch(last):
        return False
    # head must be <x>_<word>: an underscore with something before it and only word characters after it.
    word = _WORD.match(head[::-1])
    run = word.end() if word else 0
    return head.find("_", max(1, len(head) - run), len(head) - 1) != -1


def _kind(call: LoggedCall) -> str:
    imagename = str(call.kwargs.get("imagename", ""))
    stage = call.stage.name if call.stage else ""
    if imagename.endswith(".findcont") or stage == "hif_findcont":
        return "findcont cube"
    if _selfcal_work_name(imagename.rsplit("/", 1)[-1]):
        return "self-calibration work image"
    return "unrecognised image name"
