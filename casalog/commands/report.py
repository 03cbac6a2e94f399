"""``regen-tclean report WORKDIR``: quick-look images and an HTML page of a re-imaging run.

Run in the user's own Python after ``reimage.py`` ran in CASA: it reads
``reimage_summary.json`` and the FITS exports beside it (no CASA needed) and
writes ``WORKDIR/reimage_report/index.html`` with its PNGs.
"""
from __future__ import annotations

import argparse
import os
import time

from casalog.commands._values import not_empty, option_type


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the arguments of ``report``."""
    parser.add_argument("workdir", metavar="WORKDIR", type=option_type("WORKDIR", not_empty),
                        help="the folder where reimage.py ran (it holds reimage_summary.json)")
    parser.add_argument("-o", "--output", metavar="DIR", type=option_type("-o", not_empty),
                        help="the report folder (default: WORKDIR/reimage_report); an earlier report there is "
                             "replaced, any other folder is refused")


def run(args: argparse.Namespace) -> int:
    """Build the report and say where it is.

    Raises
    ------
    CasaLogError
        WORKDIR holds no summary of a run, or the report folder cannot be written.
    """
    # Imported here: matplotlib and astropy load only when a report is built.
    from casalog.report.page import REPORT_FOLDER, write_report
    from casalog.report.run import read_run

    started = time.monotonic()
    summary = read_run(args.workdir)
    index = write_report(summary, args.output or os.path.join(args.workdir, REPORT_FOLDER), args.command_line)
    folder = os.path.dirname(index)
    size = sum(os.path.getsize(os.path.join(folder, name)) for name in os.listdir(folder))
    print(f"wrote {index} ({len(os.listdir(folder)) - 1} pictures, {size / 1e6:.1f} MB, "
          f"{time.monotonic() - started:.1f} s)")
    return 0
