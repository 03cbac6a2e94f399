"""``regen-tclean prepare DELIVERY``: check a restored delivery and put its cont.dat in place.

It does the guide's first steps: the pipeline's ``<uid>.ms`` files must be in
``calibrated/working``, and the MOUS cont.dat is copied there as ``cont.dat``
(a differing one, perhaps edited, is replaced only with ``--force``, after a
backup).  Then it prints the commands to run next.
"""
from __future__ import annotations

import argparse
import os
import shlex

from casalog.commands._io import say
from casalog.delivery import prepare
from casalog.output.tables import layout
from casalog.reimage.recipes import RECIPES


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the arguments of ``prepare`` to ``parser``."""
    parser.add_argument(
        "delivery", metavar="DELIVERY", help="the delivery folder, restored with scriptForPI.py (SPACESAVING=1)"
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="replace a calibrated/working/cont.dat that differs from the delivery's (a backup is kept)",
    )


def run(args: argparse.Namespace) -> int:
    """Check the delivery, place cont.dat and print what to run next.

    Errors (a :class:`CasaLogError`): a missing or unusable part of the delivery, or a differing cont.dat
    without ``--force``.
    """
    delivery = prepare.inspect(args.delivery)
    ranges = prepare.parse_contdat(delivery)
    placement = prepare.place_contdat(delivery, force=args.force)
    spws = sorted({entry.spw for field in ranges.fields for entry in field.spws})
    rows = [["delivery", delivery.member]] if delivery.member != delivery.root else []
    rows += [
        ["measurement sets", f"{delivery.working}: {', '.join(delivery.measurement_sets)}"],
        ["commands log", delivery.log],
        ["cont.dat", _placed(delivery, placement)],
        ["", f"{len(ranges.fields)} field(s), spws {', '.join(map(str, spws))}"],
    ]
    say(f"{delivery.root}: ready for pipeline re-imaging")
    say(layout(rows))
    say("")
    say(next_steps(delivery))
    return 0


def _placed(delivery: prepare.Delivery, placement: prepare.Placement) -> str:
    source = delivery.contdat
    if placement.action == "copied":
        return f"copied {source} to {placement.target}"
    if placement.action == "unchanged":
        return f"{placement.target} is already the same as {source}"
    return f"replaced {placement.target} by {source}; the previous one is kept as {placement.backup}"


def next_steps(delivery: prepare.Delivery) -> str:
    """The commands a user runs after ``prepare``, as lines to print.

    Parameters
    ----------
    delivery : Delivery
    """
    root, working = shlex.quote(delivery.root), shlex.quote(delivery.working)
    script = shlex.quote(os.path.join(delivery.working, "recipe.py"))
    reimage = shlex.quote(os.path.join(delivery.working, "reimage.py"))
    return "\n".join(
        [
            "Next:",
            "  1. write a pipeline re-imaging script (see regen-tclean recipe --help),",
            f"     recipes: {', '.join(RECIPES)}; e.g.",
            f"       regen-tclean recipe restore-contsub {root} -o {script}",
            "     or a tclean script that remakes the log's images by hand:",
            f"       regen-tclean {root} -o {reimage}",
            "  2. run it in CASA with the pipeline:",
            f"       cd {working}; casa --pipeline",
            "       execfile('recipe.py')     (or execfile('reimage.py'))",
        ]
    )
