"""``regen-tclean recipe NAME DELIVERY_OR_LOG``: write one of the guide's pipeline re-imaging scripts.

Every input is checked against the log before anything is written; the
script goes to standard output, or with ``-o FILE`` to a new file.
"""
from __future__ import annotations

import argparse
import dataclasses
import os

from casalog.commands import _values
from casalog.commands._io import Notes, add_output_options, check_output, emit
from casalog.reimage import recipes


def configure(parser: argparse.ArgumentParser) -> None:
    """Add one sub-parser per recipe, each with the options it takes."""
    parser.epilog = (
        "The scripts call the ALMA pipeline tasks (hifa_*) as the Cycle 4 re-imaging guide does; "
        "VLA deliveries are not covered."
    )
    names = parser.add_subparsers(dest="recipe", metavar="NAME", required=True, title="recipes")
    for recipe in recipes.RECIPES.values():
        sub = names.add_parser(recipe.name, help=recipe.summary, description=recipe.summary)
        sub.error = parser.error  # type: ignore[method-assign]  # one way to report usage errors
        sub.add_argument(
            "source", metavar="DELIVERY_OR_LOG", help="a delivery folder holding log/, or its casa_commands.log"
        )
        add_output_options(sub, "the script")
        sub.add_argument("--title", metavar="T", help=f"weblog title (default: {recipe.title!r})")
        if "spw" in recipe.options:
            sub.add_argument("--spw", required=True, metavar="S[,S...]", type=_values.option_type(
                "--spw", _values.spw_ids), help="spw ids, e.g. 17,23")
        if "nbins" in recipe.options:
            sub.add_argument(
                "--nbins", required=True, metavar="S:N[,S:N...]",
                type=_values.option_type("--nbins", _values.spw_bins),
                help="channels to bin per selected spw, e.g. 17:8,23:1 (one entry for each --spw)",
            )
        if "field" in recipe.options:
            sub.add_argument("--field", metavar="F[,F...]", type=_values.option_type("--field", _values.unique_items),
                             help="science targets to image (default: all)")
        if "robust" in recipe.options:
            sub.add_argument(
                "--robust", metavar="R", type=_values.option_type("--robust", _values.robust),
                default=recipes.DEFAULT_ROBUST, help=f"Briggs robust, -2 to 2 (default: {recipes.DEFAULT_ROBUST})",
            )


def run(args: argparse.Namespace) -> int:
    """Check the inputs against the log, then write the script.

    Errors (a :class:`CasaLogError`): no log, an unreadable log, an input the log does not allow, or an output
    file in the way.
    """
    from casalog.delivery import find_log
    from casalog.log.facts import read_facts
    from casalog.log.reader import read_log
    from casalog.output.provenance import Provenance

    recipe = recipes.RECIPES[args.recipe]
    requested = recipes.Inputs(
        title=recipe.title if args.title is None else args.title,
        spws=getattr(args, "spw", ()),
        nbins=getattr(args, "nbins", ()),
        fields=getattr(args, "field", None) or (),
        robust=getattr(args, "robust", recipes.DEFAULT_ROBUST),
    )
    check_output(args)
    log = find_log(args.source)
    notes = Notes()
    facts = read_facts(notes.inexact(read_log(log)), log)
    if not facts.measurement_sets and os.path.isdir(args.source):
        # A log that names no data (no importasdm, no imaged MS): the delivery's restored ones are its data.
        from casalog.delivery.prepare import working_measurement_sets

        facts = dataclasses.replace(facts, imported=working_measurement_sets(args.source))
    inputs = recipes.checked(requested, facts)
    text = recipes.build(recipe, inputs, facts, Provenance.now(log, args.command_line), args.output)
    if not facts.guide_interface:
        notes.add(
            f"{log}: warning: the log's pipeline calls its stages without pipelinemode; it is newer than the "
            "task interface of these recipes, so check the script's task calls against your pipeline version"
        )
    emit(text, args)
    notes.show()
    return 0
