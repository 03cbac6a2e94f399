"""The ``regen-tclean`` command line.

``regen-tclean LOG --list|--json`` lists a log's image products; the
subcommands (``prepare``, ``recipe``, ``contdat``, ``flags``) live in
``casalog.commands`` and are imported only when called, so listing a log
imports none of what it does not need.
"""
from __future__ import annotations

import argparse
import importlib
import shlex
import sys
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, NoReturn

from casalog import __version__
from casalog.errors import CasaLogError, UsageError

if TYPE_CHECKING:
    from casalog.log.reader import LoggedCall

SUBCOMMANDS = {
    "prepare": "check a delivery and put its cont.dat where pipeline re-imaging finds it",
    "recipe": "write one of the guide's pipeline re-imaging scripts for a delivery",
    "contdat": "show or edit a cont.dat file",
    "flags": "check a flag template (*.flagtargetstemplate.txt)",
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see {self.prog} --help)")


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``regen-tclean``; return the exit code (0 done, 1 bad input, 2 bad usage)."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        if args and args[0] in SUBCOMMANDS:
            return _run_subcommand(args[0], args[1:])
        return _run_log_command(args)
    except CasaLogError as err:
        print(str(err) if err.filename else f"regen-tclean: {err}", file=sys.stderr)
        return err.exit_code
    except BrokenPipeError:
        return 1


def _run_subcommand(name: str, args: list[str]) -> int:
    module = importlib.import_module(f"casalog.commands.{name}")
    parser = _Parser(prog=f"regen-tclean {name}", description=SUBCOMMANDS[name])
    module.configure(parser)
    parser.set_defaults(command_line=shlex.join(["regen-tclean", name, *args]))
    return int(module.run(parser.parse_args(args)))


def _log_parser() -> _Parser:
    parser = _Parser(
        prog="regen-tclean",
        description="Read an ALMA pipeline casa_commands.log and list or re-image its tclean products. "
        "Subcommands: " + ", ".join(f"{name} ({text})" for name, text in SUBCOMMANDS.items()) + ".",
    )
    parser.add_argument("log", help="a casa_commands.log (or .gz), or a delivery folder holding log/")
    parser.add_argument("--version", action="version", version=f"regen-tclean {__version__}")
    parser.add_argument("--list", action="store_true", help="print a table of the image products")
    parser.add_argument("--json", action="store_true", help="list the image products as a JSON array")
    parser.add_argument("-o", "--output", help="write the re-imaging script here (default: standard output)")
    parser.add_argument("--force", action="store_true", help="replace an existing --output file")
    return parser


def _run_log_command(args: list[str]) -> int:
    listing = bool({"--list", "--json"} & set(args))
    parser = _log_parser()
    if not listing:
        from casalog.commands.reimage import add_script_options

        add_script_options(parser)
    options = parser.parse_args(args)
    from casalog.delivery.layout import find_log
    from casalog.log.products import images
    from casalog.log.reader import read_log

    if not listing:
        return _write_script(options, args)
    from casalog.log.listing import write_json, write_table

    log = find_log(options.log)
    tasks = _TaskCount(_warn_inexact(read_log(log)))
    if not (write_json if options.json else write_table)(images(tasks), sys.stdout):
        raise tasks.no_products_error(log)
    return 0


def _write_script(options: argparse.Namespace, args: list[str]) -> int:
    from casalog.commands import reimage as script_options
    from casalog.delivery.layout import find_log
    from casalog.output.files import write_atomically
    from casalog.log.products import products
    from casalog.output.provenance import Provenance
    from casalog.log.reader import read_log
    from casalog.reimage.plan import build_script
    from casalog.log.selection import select

    imaging = script_options.imaging_from(options)
    selfcal = script_options.selfcal_from(options)
    selection = script_options.selection_from(options)
    log = find_log(options.log)
    tasks = _TaskCount(_warn_inexact(read_log(log)), keep="gaincal")
    every_product = list(products(tasks))
    if not every_product:
        raise tasks.no_products_error(log)
    chosen = select(every_product, selection, log)
    provenance = Provenance.now(log, "regen-tclean " + shlex.join(args))
    text, warnings = build_script(chosen, tasks.kept, imaging, selfcal, provenance)
    for warning in warnings:
        print(warning, file=sys.stderr)
    if options.output:
        write_atomically(options.output, text, force=options.force)
    else:
        sys.stdout.write(text)
    return 0


class _TaskCount:
    """Pass calls through, counting them by task and keeping those of one task."""

    def __init__(self, calls: Iterable[LoggedCall], keep: str = "") -> None:
        self.calls = calls
        self.keep = keep
        self.kept: list[LoggedCall] = []
        self.counts: dict[str, int] = {}

    def __iter__(self) -> Iterator[LoggedCall]:
        for call in self.calls:
            self.counts[call.task] = self.counts.get(call.task, 0) + 1
            if call.task == self.keep:
                self.kept.append(call)
            yield call

    def no_products_error(self, log: str) -> CasaLogError:
        """The error for a log without products, saying why when the log tells."""
        old = self.counts.get("clean", 0)
        why = f": it images with the older clean task ({old} calls), as pipelines before Cycle 4 did" if old else ""
        return CasaLogError(f"no tclean image products in this log{why}", log)


def _warn_inexact(calls: Iterable[LoggedCall]) -> Iterator[LoggedCall]:
    for call in calls:
        if not call.exact:
            print(
                f"{call.filename}:{call.first_line}: warning: the logged lines are not the pipeline's "
                "wrapping of any reading of this command (edited by hand?); keeping the likeliest reading",
                file=sys.stderr,
            )
        yield call
