"""``regen-tclean flags FILE…``: list the commands of pipeline flag templates."""
from __future__ import annotations

import argparse

from casalog.commands._io import say
from casalog.delivery import flagtemplate
from casalog.output.files import read_text
from casalog.output.tables import layout

#: Keys shown in their own columns, in this order; any other key goes in OTHER.
COLUMNS = ("mode", "antenna", "spw", "field", "timerange", "reason")


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the arguments of ``flags`` to ``parser``."""
    parser.add_argument(
        "files", metavar="FILE", nargs="+", help="*.flagtargetstemplate.txt (or *_flagtargetstemplate.txt) files"
    )


def run(args: argparse.Namespace) -> int:
    """Print one row per active command of each template; every file is checked before any is shown.

    Errors (a :class:`CasaLogError`): an unreadable file.
    """
    templates = [(path, *flagtemplate.parse(read_text(path), path)) for path in args.files]
    problems = [problem for _, _, found in templates for problem in found]
    if problems:
        for problem in problems:
            say(str(problem), error=True)
        return 1
    for path, commands, _ in templates:
        say(f"{path}: " + (f"{len(commands)} active flag commands" if commands else "no active flag commands"))
        if commands:
            say(format_table(commands))
    return 0


def format_table(commands: list[flagtemplate.FlagCommand]) -> str:
    """Lay out one row per command: line, the usual keys, then the other ``key=value``.

    Parameters
    ----------
    commands : list of FlagCommand

    Returns
    -------
    str
        The table, without a final newline.
    """
    header = ["LINE", *(key.upper() for key in COLUMNS), "OTHER"]
    rows = [header]
    for command in commands:
        other = " ".join(f"{key}={value!r}" for key, value in command.params.items() if key not in COLUMNS)
        rows.append([str(command.lineno), *(command.get(key) or "-" for key in COLUMNS), other or "-"])
    return layout(rows)
