"""``regen-tclean recipe NAME DELIVERY_OR_LOG``: write one of the guide's pipeline re-imaging scripts.

Every input is checked against the log before anything is written; the
script goes to standard output, or with ``-o FILE`` to a new file.
"""
from __future__ import annotations

import argparse
import sys

from casalog.reimage import recipes
from casalog.delivery.layout import find_log
from casalog.output.files import write_atomically
from casalog.output.provenance import Provenance


def configure(parser: argparse.ArgumentParser) -> None:
    """Add one sub-parser per recipe, each with the options it takes.

    Parameters
    ----------
    parser : argparse.ArgumentParser
    """
    parser.epilog = (
        "The scripts call the ALMA pipeline tasks (hifa_*) as the Cycle 4 re-imaging guide does; "
        "VLA deliveries are not covered."
    )
    names = parser.add_subparsers(dest="recipe", metavar="NAME", required=True, title="recipes")
    for recipe in recipes.RECIPES.values():
        sub = names.add_parser(recipe.name, help=recipe.summary, description=recipe.summary)
        sub.add_argument(
            "source", metavar="DELIVERY_OR_LOG", help="a delivery folder holding log/, or its casa_commands.log"
        )
        sub.add_argument("-o", "--output", metavar="FILE", help="write the script here (default: standard output)")
        sub.add_argument("--force", action="store_true", help="replace an existing --output file")
        sub.add_argument("--title", metavar="T", help=f"weblog title (default: {recipe.title!r})")
        if "spw" in recipe.options:
            sub.add_argument("--spw", required=True, metavar="S[,S...]", help="spw ids, e.g. 17,23")
        if "nbins" in recipe.options:
            sub.add_argument(
                "--nbins",
                required=True,
                metavar="S:N[,S:N...]",
                help="channels to bin per selected spw, e.g. 17:8,23:1 (one entry for each --spw)",
            )
        if "field" in recipe.options:
            sub.add_argument("--field", metavar="F[,F...]", help="science targets to image (default: all)")
        if "robust" in recipe.options:
            sub.add_argument(
                "--robust", type=float, metavar="R", help=f"Briggs robust, -2 to 2 (default: {recipes.DEFAULT_ROBUST})"
            )


def run(args: argparse.Namespace) -> int:
    """Check the inputs against the log, then write the script.

    Parameters
    ----------
    args : argparse.Namespace
        As parsed with :func:`configure`.

    Returns
    -------
    int
        0.

    Raises
    ------
    CasaLogError
        No log, an unreadable log, an input the log does not allow, or an
        output file in the way.
    """
    recipe = recipes.RECIPES[args.recipe]
    requested = _requested(recipe, args)
    log = find_log(args.source)
    facts = recipes.read_facts(log)
    inputs = recipes.checked(requested, facts)
    text = recipes.build(recipe, inputs, facts, Provenance.now(log, args.command_line), args.output)
    if not facts.guide_interface:
        print(
            f"{log}: warning: the log's pipeline calls its stages without pipelinemode; it is newer than the "
            "task interface of these recipes, so check the script's task calls against your pipeline version",
            file=sys.stderr,
        )
    if args.output:
        write_atomically(args.output, text, force=args.force)
    else:
        sys.stdout.write(text)
    return 0


def _requested(recipe: recipes.Recipe, args: argparse.Namespace) -> recipes.Inputs:
    """The inputs as the user gave them, checked for form only."""
    spws = recipes.parse_spws(args.spw) if "spw" in recipe.options else ()
    robust = getattr(args, "robust", None)
    field = getattr(args, "field", None)
    return recipes.Inputs(
        title=recipe.title if args.title is None else args.title,
        spws=spws,
        nbins=recipes.parse_nbins(args.nbins, spws) if "nbins" in recipe.options else (),
        fields=() if field is None else recipes.parse_fields(field),
        robust=recipes.DEFAULT_ROBUST if robust is None else recipes.check_robust(robust),
    )
