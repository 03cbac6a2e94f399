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
import os

from casalog.errors import CasaLogError, SelectionError, UsageError
from casalog.log.facts import LogFacts
from casalog.log.products import field_name
from casalog.log.selection import listed
from casalog.output.provenance import Provenance
from casalog.output.templating import render

#: The pipeline's default Briggs robust, used when none is asked for.
DEFAULT_ROBUST = 0.5


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
class Inputs:
    """The values of a script's USER SET INPUTS block, already checked."""

    title: str
    spws: tuple[str, ...] = ()
    nbins: tuple[tuple[str, int], ...] = ()
    fields: tuple[str, ...] = ()
    robust: float = DEFAULT_ROBUST


def checked(inputs: Inputs, facts: LogFacts) -> Inputs:
    """Check the spws and fields of ``inputs`` against the log; fields get the pipeline's names.

    Raises
    ------
    CasaLogError
        A VLA log, or a log that names no measurement set.
    SelectionError
        A spw or field that no science-target image of the log has.
    UsageError
        ``--nbins`` without an entry for each selected spw, or with one for another spw.
    """
    if facts.vla:
        raise CasaLogError(
            "a VLA pipeline log: the recipes use the ALMA pipeline tasks and do not cover VLA data", facts.log
        )
    if not facts.measurement_sets:
        raise CasaLogError(
            "the log names no measurement set (no importasdm call, no imaged data); give the delivery folder, "
            "whose calibrated/working holds them",
            facts.log,
        )
    check_spws(inputs.spws, facts)
    given = dict(inputs.nbins)
    missing = [spw for spw in inputs.spws if spw not in given]
    extra = [spw for spw in given if spw not in inputs.spws]
    if inputs.nbins and (missing or extra):
        text = ",".join(f"{spw}:{count}" for spw, count in inputs.nbins)
        raise UsageError(
            f"--nbins {text}: " + (f"spw {', '.join(extra)} is not selected with --spw ({','.join(inputs.spws)})"
                                   if extra else f"no entry for spw {', '.join(missing)}; every selected spw needs "
                                   "one (1 = no binning)")
        )
    inputs = dataclasses.replace(inputs, nbins=tuple((spw, given[spw]) for spw in inputs.spws if spw in given))
    return dataclasses.replace(inputs, fields=pipeline_fields(inputs.fields, facts))


def check_spws(spws: tuple[str, ...], facts: LogFacts) -> None:
    """Check that every spw was imaged for a science target in the log.

    Raises
    ------
    SelectionError
        Naming the first unknown spw and listing the valid ones.
    """
    for spw in spws:
        if spw not in facts.science_spws:
            raise SelectionError(
                f"spw {spw} is not among the science-target images of this log; valid spws: "
                f"{listed(facts.science_spws)}",
                facts.log,
            )


def pipeline_fields(names: tuple[str, ...], facts: LogFacts) -> tuple[str, ...]:
    """The pipeline's names of the fields the user named.

    Raises
    ------
    SelectionError
        Naming the first unknown field and listing the valid ones.
    """
    fields = facts.science_fields
    for name in names:
        if field_name(name) not in fields:
            raise SelectionError(
                f"field {name!r} is not among the science targets of this log; valid fields: "
                f"{listed(sorted(set(fields.values())))}",
                facts.log,
            )
    chosen = tuple(dict.fromkeys(fields[field_name(name)] for name in names))
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
        provenance=provenance,
        script_name=os.path.basename(output) if output else "<this file>",
        guide_interface=facts.guide_interface,
        needs_contdat=recipe.needs_contdat,
        title=inputs.title,
        measurement_sets=list(facts.measurement_sets),
        spw=",".join(inputs.spws),
        nbins=",".join(f"{spw}:{count}" for spw, count in inputs.nbins),
        fields=",".join(inputs.fields),
        robust=inputs.robust,
    )
