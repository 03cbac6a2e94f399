"""What a whole log tells: its products, measurement sets, reference antennas, pipeline era.

Every command that needs more than a stream of products reads the log once
into :class:`LogFacts`; each fact is decided here and nowhere else.
"""
from __future__ import annotations

import posixpath
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from casalog.errors import CasaLogError
from casalog.log.products import OtherImage, Product, as_list, images
from casalog.log.reader import LoggedCall, Stage

# The name endings of the pipeline's split science data, newest first (see the notes on MS names).
_TARGET_SUFFIXES = ("_targets_line", "_targets", "_target")


@dataclass(frozen=True)
class LogFacts:
    """The facts of one log that products alone do not carry.

    Attributes
    ----------
    log : str
        The log's file name.
    products : tuple of Product
        Every image product, in log order.
    others : tuple of OtherImage
        The tclean calls that make no product.
    imported : tuple of str
        The measurement sets the pipeline imported (basenames, ``importasdm`` order).
    refants : Mapping
        Execution block name to the pipeline's reference antenna ranking, from its gaincal calls.
    stages : tuple of Stage
        The pipeline stages, in log order.
    task_counts : Mapping
        How often each task was called.
    """

    log: str
    products: tuple[Product, ...]
    others: tuple[OtherImage, ...]
    imported: tuple[str, ...]
    refants: Mapping[str, tuple[str, ...]]
    stages: tuple[Stage, ...]
    task_counts: Mapping[str, int]

    @property
    def science_products(self) -> tuple[Product, ...]:
        return tuple(product for product in self.products if product.name.intent == "TARGET")

    @property
    def measurement_sets(self) -> tuple[str, ...]:
        """The pipeline's own measurement sets: those it imported, else the EBs behind the imaged data.

        A log of the imaging stages alone has no importasdm call; its tclean
        calls still name ``<eb>_target(s)(_line).ms``, or the ``<eb>.ms`` itself.
        """
        if self.imported:
            return self.imported
        behind = (_execution_block(vis) + ".ms" for product in self.products for vis in product.vis)
        return tuple(dict.fromkeys(behind))

    @property
    def science_spws(self) -> tuple[str, ...]:
        """The spw ids of the science-target images, in numeric order."""
        return tuple(sorted({spw for p in self.science_products for spw in p.name.spws}, key=int))

    @property
    def science_fields(self) -> Mapping[str, str]:
        """Every spelling of a science target (see :attr:`Product.field_names`) to its pipeline name."""
        fields: dict[str, str] = {}
        for product in self.science_products:
            for spelling in product.field_names:
                fields.setdefault(spelling, product.field)
        return fields

    @property
    def guide_interface(self) -> bool:
        """False when the stages were called without ``pipelinemode``: a pipeline newer than the guide's."""
        return not self.stages or any("pipelinemode" in stage.call for stage in self.stages)

    @property
    def vla(self) -> bool:
        return any(stage.name.startswith("hifv_") for stage in self.stages)

    def refants_for(self, vis: str) -> tuple[str, ...]:
        """The pipeline's reference antenna ranking for the execution block of ``vis``; empty if unknown."""
        return self.refants.get(_execution_block(vis), ())

    def no_products_error(self) -> CasaLogError:
        """The error for a log without products, saying why when the log tells."""
        return no_products_error(self.log, self.task_counts)


def read_facts(calls: Iterable[LoggedCall], log: str) -> LogFacts:
    """Read the facts of a log from its calls.

    Parameters
    ----------
    calls : iterable of LoggedCall
        The log's calls, as :func:`casalog.log.read_log` yields them.
    log : str
        The log's file name, for messages.
    """
    tally = _Tally(calls)
    found = list(images(tally))
    return LogFacts(
        log=log,
        products=tuple(item for item in found if isinstance(item, Product)),
        others=tuple(item for item in found if isinstance(item, OtherImage)),
        imported=tuple(dict.fromkeys(tally.imported)),
        refants=tally.refants,
        stages=tuple(dict.fromkeys(tally.stages)),
        task_counts=tally.counts,
    )


def no_products_error(log: str, task_counts: Mapping[str, int]) -> CasaLogError:
    """The error for a log without tclean products; pre-Cycle 4 logs image with ``clean``."""
    old = task_counts.get("clean", 0)
    why = f": it images with the older clean task ({old} calls), as pipelines before Cycle 4 did" if old else ""
    return CasaLogError(f"no tclean image products in this log{why}", log)


class _Tally:
    """Pass calls through, noting what the facts need on the way."""

    def __init__(self, calls: Iterable[LoggedCall]) -> None:
        self.calls = calls
        self.counts: dict[str, int] = {}
        self.imported: list[str] = []
        self.refants: dict[str, tuple[str, ...]] = {}
        self.stages: list[Stage] = []

    def __iter__(self) -> Iterator[LoggedCall]:
        for call in self.calls:
            self.counts[call.task] = self.counts.get(call.task, 0) + 1
            if call.stage is not None:
                self.stages.append(call.stage)
            if call.task == "importasdm" and isinstance(call.kwargs.get("vis"), str):
                self.imported.append(posixpath.basename(call.kwargs["vis"]))
            if call.task == "gaincal":
                ranking = tuple(name for name in str(call.kwargs.get("refant", "")).split(",") if name)
                for vis in as_list(call.kwargs.get("vis")):
                    if ranking:
                        self.refants[_execution_block(vis)] = ranking
            yield call


def _execution_block(vis: str) -> str:
    """The execution block a measurement set was made from: ``<eb>`` of ``<eb>[_target(s)(_line)][.more].ms``."""
    name = posixpath.basename(vis).split(".")[0]
    for suffix in _TARGET_SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name
