"""The ALMA re-imaging guide's pipeline recipes, filled in for one delivery.

Each recipe is a script that re-runs pipeline imaging tasks inside
``casa --pipeline`` (``templates/recipe_*.py.j2``).  The spws and fields a user
asks for are checked against the science-target products of the delivery's
log before anything is written, so a script never names what the data lack.

The recipes call the ALMA pipeline tasks (``hifa_*``) with the task interface
the Cycle 4 guide uses (``pipelinemode``, ``hif_uvcontfit``); a log from a
pipeline whose stages take no ``pipelinemode`` is flagged as newer than that.
VLA deliveries are not covered.
"""
from __future__ import annotations

import dataclasses
import math
import os
import posixpath
import re
from collections.abc import Iterable, Iterator, Mapping

from casalog import __version__
from casalog.errors import CasaLogError, SelectionError, UsageError
from casalog.log.products import products
from casalog.output.provenance import Provenance
from casalog.log.reader import LoggedCall, Stage, read_log
from casalog.log.selection import listed
from casalog.output.templating import render

#: The pipeline's default Briggs robust, used when none is asked for.
DEFAULT_ROBUST = 0.5
ROBUST_RANGE = (-2.0, 2.0)

_NUMBER = re.compile(r"[0-9]+")


@dataclasses.dataclass(frozen=True)
class Recipe:
    """One of the guide's scripts.

    ``options`` names the inputs it takes beyond the title: any of ``spw``,
    ``nbins``, ``field`` and ``robust``.
    """

    name: str
    template: str
    title: str
    summary: str
    options: frozenset[str] = frozenset()
    #: The script runs continuum subtraction, so it needs cont.dat beside the data.
    needs_contdat: bool = True


RECIPES = {
    recipe.name: recipe
    for recipe in (
        Recipe(
            "restore-contsub",
            "recipe_restore_contsub.py.j2",
            "Restore continuum subtraction",
            "split the science targets, flag them and subtract the continuum of cont.dat, as the pipeline did",
        ),
        Recipe(
            "aggregate-cont",
            "recipe_aggregate_cont.py.j2",
            "Aggregate continuum, all channels",
            "image the aggregate continuum from every unflagged channel (cont.dat is set aside)",
            needs_contdat=False,
        ),
        Recipe(
            "revise-contdat",
            "recipe_revise_contdat.py.j2",
            "Revised continuum ranges",
            "subtract the continuum of an edited cont.dat and remake the images of the spws it changes",
            frozenset({"spw"}),
        ),
        Recipe(
            "subset-cube",
            "recipe_subset_cube.py.j2",
            "Cubes of selected spws and fields",
            "subtract the continuum and make binned cubes of some spws and fields with a chosen robust",
            frozenset({"spw", "nbins", "field", "robust"}),
        ),
    )
}


@dataclasses.dataclass(frozen=True)
class LogFacts:
    """What the recipes need to know of a log.

    ``fields`` maps every accepted spelling of a science target (the field name
    the pipeline selected, and the sanitised name in image names) to the name
    the pipeline tasks take.  ``guide_interface`` is False when the log's stages
    were called without ``pipelinemode`` (a pipeline newer than the guide's).
    """

    log: str
    measurement_sets: tuple[str, ...]
    spws: tuple[str, ...]
    fields: Mapping[str, str]
    guide_interface: bool


@dataclasses.dataclass(frozen=True)
class Inputs:
    """The values of a script's USER SET INPUTS block, already checked."""

    title: str
    spws: tuple[str, ...] = ()
    nbins: tuple[tuple[str, int], ...] = ()
    fields: tuple[str, ...] = ()
    robust: float = DEFAULT_ROBUST


def read_facts(path: str) -> LogFacts:
    """Read the measurement sets, science spws and fields of a log.

    Parameters
    ----------
    path : str
        A ``casa_commands.log``.

    Raises
    ------
    CasaLogError
        The log cannot be read or comes from the VLA pipeline.
    """
    stages: set[Stage] = set()
    imported: list[str] = []
    spws: set[str] = set()
    fields: dict[str, str] = {}
    for product in products(_note_calls(read_log(path), stages, imported)):
        if product.name.intent != "TARGET":
            continue
        spws.update(product.name.spws)
        for spelling in product.field_names:
            fields.setdefault(spelling, product.field)
    if any(stage.name.startswith("hifv_") for stage in stages):
        raise CasaLogError(
            "a VLA pipeline log: the recipes use the ALMA pipeline tasks and do not cover VLA data", path
        )
    return LogFacts(
        log=path,
        measurement_sets=tuple(dict.fromkeys(imported)),
        spws=tuple(sorted(spws, key=int)),
        fields=fields,
        guide_interface=not stages or any("pipelinemode" in stage.call for stage in stages),
    )


def _note_calls(calls: Iterable[LoggedCall], stages: set[Stage], imported: list[str]) -> Iterator[LoggedCall]:
    for call in calls:
        if call.stage is not None:
            stages.add(call.stage)
        if call.task == "importasdm" and isinstance(call.kwargs.get("vis"), str):
            imported.append(posixpath.basename(call.kwargs["vis"]))
        yield call


def parse_spws(text: str) -> tuple[str, ...]:
    """Split ``--spw 17,23`` into spw ids, in the order given.

    Raises
    ------
    UsageError
        An entry is not a spw id, or one is given twice.
    """
    items = [item.strip() for item in text.split(",")]
    for item in items:
        if not _NUMBER.fullmatch(item):
            raise UsageError(f"--spw {text!r}: {item!r} is not a spw id; give ids separated by commas, e.g. 17,23")
    spws = tuple(str(int(item)) for item in items)
    _no_repeats("--spw", spws)
    return spws


def parse_nbins(text: str, spws: tuple[str, ...]) -> tuple[tuple[str, int], ...]:
    """Read ``--nbins 17:8,23:2`` for the selected ``spws``, in their order.

    Raises
    ------
    UsageError
        A malformed entry, a bin count below 1, a spw that is not selected
        or given twice, or a selected spw without an entry.
    """
    given: dict[str, int] = {}
    for item in text.split(","):
        spw, _, count = (part.strip() for part in item.partition(":"))
        if not _NUMBER.fullmatch(spw) or not count:
            raise UsageError(f"--nbins {text!r}: {item.strip()!r} is not SPW:N; write e.g. 17:8,23:1")
        spw = str(int(spw))
        if not _NUMBER.fullmatch(count) or int(count) < 1:
            raise UsageError(f"--nbins {text!r}: the bin count of spw {spw} must be a whole number of at least 1")
        if spw not in spws:
            raise UsageError(f"--nbins {text!r}: spw {spw} is not selected with --spw ({','.join(spws)})")
        if spw in given:
            raise UsageError(f"--nbins {text!r}: spw {spw} is given twice")
        given[spw] = int(count)
    missing = [spw for spw in spws if spw not in given]
    if missing:
        raise UsageError(
            f"--nbins {text!r}: no entry for spw {', '.join(missing)}; every selected spw needs one (1 = no binning)"
        )
    return tuple((spw, given[spw]) for spw in spws)


def parse_fields(text: str) -> tuple[str, ...]:
    """Split ``--field A,B`` into names, in the order given.

    Raises
    ------
    UsageError
        An empty name, or one given twice.
    """
    names = tuple(item.strip() for item in text.split(","))
    if not all(names):
        raise UsageError(f"--field {text!r}: an empty field name; give names separated by commas")
    _no_repeats("--field", names)
    return names


def check_robust(robust: float) -> float:
    """Return ``robust`` if Briggs weighting accepts it.

    Raises
    ------
    UsageError
        Outside -2 to 2 (or not a number).
    """
    low, high = ROBUST_RANGE
    if not (math.isfinite(robust) and low <= robust <= high):
        raise UsageError(f"--robust {robust}: Briggs robust must lie between {low:g} and {high:g}")
    return robust


def checked(inputs: Inputs, facts: LogFacts) -> Inputs:
    """Check the spws and fields of ``inputs`` against the log; fields get the pipeline's names.

    Raises
    ------
    CasaLogError
        The log names no measurement set (it has no importasdm call).
    SelectionError
        A spw or field that no science-target image of the log has.
    """
    if not facts.measurement_sets:
        raise CasaLogError(
            "the log has no importasdm call, so it does not say which measurement sets to use", facts.log
        )
    check_spws(inputs.spws, facts)
    return dataclasses.replace(inputs, fields=pipeline_fields(inputs.fields, facts))


def check_spws(spws: tuple[str, ...], facts: LogFacts) -> None:
    """Check that every spw was imaged for a science target in the log.

    Raises
    ------
    SelectionError
        Naming the first unknown spw and listing the valid ones.
    """
    for spw in spws:
        if spw not in facts.spws:
            raise SelectionError(
                f"spw {spw} is not among the science-target images of this log; valid spws: {listed(facts.spws)}",
                facts.log,
            )


def pipeline_fields(names: tuple[str, ...], facts: LogFacts) -> tuple[str, ...]:
    """The pipeline's names of the fields the user named.

    Raises
    ------
    SelectionError
        Naming the first unknown field and listing the valid ones.
    """
    for name in names:
        if name not in facts.fields:
            raise SelectionError(
                f"field {name!r} is not among the science targets of this log; valid fields: "
                f"{listed(sorted(set(facts.fields.values())))}",
                facts.log,
            )
    chosen = tuple(dict.fromkeys(facts.fields[name] for name in names))
    if len(chosen) < len(names):
        raise UsageError(f"--field {','.join(names)!r}: a field is named twice (by its image name and its own name)")
    return chosen


def build(recipe: Recipe, inputs: Inputs, facts: LogFacts, provenance: Provenance, output: str | None) -> str:
    """The text of the recipe's script.

    Parameters
    ----------
    recipe : Recipe
    inputs : Inputs
        Checked with the functions of this module.
    facts : LogFacts
        Of the log the inputs were checked against.
    provenance : Provenance
        Log, command line and date for the header.
    output : str or None
        The file the script goes to, named in its instructions.
    """
    return render(
        recipe.template,
        version=__version__,
        date=provenance.date,
        command_line=provenance.command_line,
        script_name=os.path.basename(output) if output else "<this file>",
        log_name=provenance.log_name,
        log_sha256=provenance.log_sha256,
        guide_interface=facts.guide_interface,
        needs_contdat=recipe.needs_contdat,
        title=inputs.title,
        measurement_sets=list(facts.measurement_sets),
        spw=",".join(inputs.spws),
        nbins=",".join(f"{spw}:{count}" for spw, count in inputs.nbins),
        fields=",".join(inputs.fields),
        robust=inputs.robust,
    )


def _no_repeats(option: str, values: tuple[str, ...]) -> None:
    for value in values:
        if values.count(value) > 1:
            raise UsageError(f"{option}: {value} is given twice")
