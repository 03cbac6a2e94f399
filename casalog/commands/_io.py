"""What every command shares around its work: the output file options, the log's warnings."""
from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Iterator

from casalog.commands._values import not_empty, option_type
from casalog.log.reader import LoggedCall
from casalog.output.quoting import printable_lines

#: How many warnings a command shows at most.
MAX_NOTES = 100


def add_output_options(parser: argparse.ArgumentParser, what: str) -> None:
    """Add ``-o/--output FILE`` and ``--force`` for a command that writes ``what``."""
    parser.add_argument(
        "-o", "--output", metavar="FILE", type=option_type("-o", not_empty),
        help=f"write {what} to FILE (default: standard output); an existing FILE needs --force",
    )
    parser.add_argument("--force", action="store_true", help="replace an existing --output file")


def check_output(args: argparse.Namespace) -> None:
    """Refuse at once an output file that could not be written, before any work is done."""
    if args.output is not None:
        from casalog.output.files import check_target

        check_target(args.output, force=args.force)


def emit(text: str, args: argparse.Namespace) -> None:
    """Write ``text`` to ``args.output`` whole or not at all, else to standard output."""
    if args.output is None:
        sys.stdout.write(text)
        return
    from casalog.output.files import write_atomically

    write_atomically(args.output, text, force=args.force)


def say(text: str, *, error: bool = False) -> None:
    """Print ``text`` on standard output (or error) with every non-printable character but line ends escaped.

    Names from a log, a cont.dat or the command line may hold control
    characters, which would act on the terminal: every line a command prints
    goes through here.
    """
    print(printable_lines(text), file=sys.stderr if error else sys.stdout)


class Notes:
    """Warnings a command gathers as it works, shown on stderr once it has done its work.

    A command that fails prints its error alone, one line: warnings before it
    would bury it (and a log edited by hand may hold a warning a command).
    At most :data:`MAX_NOTES` are kept; the others are counted.
    """

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.more = 0

    def add(self, text: str) -> None:
        """Keep a warning to show."""
        if len(self.lines) < MAX_NOTES:
            self.lines.append(text)
        else:
            self.more += 1

    def inexact(self, calls: Iterable[LoggedCall]) -> Iterator[LoggedCall]:
        """Pass calls through, noting each one whose logged lines were edited by hand."""
        for call in calls:
            if not call.exact:
                self.add(
                    f"{call.filename}:{call.first_line}: warning: the logged lines are not the pipeline's "
                    "wrapping of any reading of this command (edited by hand?); keeping the likeliest reading"
                )
            yield call

    def show(self) -> None:
        """Print the warnings kept, and how many more there were."""
        for line in self.lines:
            say(line, error=True)
        if self.more:
            say(f"regen-tclean: {self.more} more warnings like these", error=True)
