"""The ``regen-tclean`` command line.

``regen-tclean LOG`` lists a log's image products or writes the manual
re-imaging script (:mod:`casalog.commands.reimage`); each subcommand lives in
a module of its own beside it.  A module is imported only when its command
runs, so listing a log imports nothing it does not need.
"""
from __future__ import annotations

import argparse
import contextlib
import importlib
import shlex
import sys
from collections.abc import Iterator, Sequence
from typing import NoReturn

from casalog.errors import CasaLogError, UsageError
from casalog.output.quoting import printable

#: Subcommand name to (module, summary).
SUBCOMMANDS = {
    "prepare": ("prepare", "check a delivery and put its cont.dat where pipeline re-imaging finds it"),
    "recipe": ("recipe", "write one of the guide's pipeline re-imaging scripts for a delivery"),
    "contdat": ("contdat", "show or edit a cont.dat file"),
    "flags": ("flags", "check flag templates (*.flagtargetstemplate.txt)"),
    "casa-config": ("casa_config", "write a site config that runs modular CASA offline on casadata"),
    "report": ("report", "quick-look images and an HTML page of a re-imaging run (after reimage.py ran)"),
}


class Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are our one-line :class:`UsageError`."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see {self.prog} --help)")


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``regen-tclean``; return the exit code (0 done, 1 bad input, 2 bad usage)."""
    with _tolerant_stdout():
        return _main(list(sys.argv[1:] if argv is None else argv))


def _main(args: list[str]) -> int:
    try:
        if args and args[0] in SUBCOMMANDS:
            module_name, summary = SUBCOMMANDS[args[0]]
            prog, args = f"regen-tclean {args[0]}", args[1:]
            line = ["regen-tclean", prog.split()[1], *args]
        else:
            module_name, prog, line = "reimage", "regen-tclean", ["regen-tclean", *args]
            summary = "Read an ALMA pipeline casa_commands.log and list or re-image its tclean products. Subcommands: "
            summary += ", ".join(f"{name} ({text})" for name, (_, text) in SUBCOMMANDS.items()) + "."
        module = importlib.import_module(f"casalog.commands.{module_name}")
        parser = Parser(prog=prog, description=summary)
        module.configure(parser)
        parser.set_defaults(command_line=shlex.join(line))
        return int(module.run(parser.parse_args(args)))
    except CasaLogError as err:
        print(printable(str(err) if err.filename else f"regen-tclean: {err}"), file=sys.stderr)
        return err.exit_code
    except BrokenPipeError:
        return 1


@contextlib.contextmanager
def _tolerant_stdout() -> Iterator[None]:
    """Write what standard output cannot encode as backslash escapes, as standard error does.

    A name from a log may hold any character, and standard output may be
    ASCII (``LC_ALL=C``, ``PYTHONIOENCODING``).  An escape keeps a table
    readable, and in a script written to standard output it stands inside a
    string literal for the same character.
    """
    stream = sys.stdout
    errors = getattr(stream, "errors", None)
    # "surrogateescape" is the C locale's: it writes back undecodable bytes of file names, nothing else.
    if errors not in ("strict", "surrogateescape") or not hasattr(stream, "reconfigure"):
        yield
        return
    stream.reconfigure(errors="backslashreplace")
    try:
        yield
    finally:
        with contextlib.suppress(ValueError, OSError):  # closed, or a broken pipe
            stream.reconfigure(errors=errors)
