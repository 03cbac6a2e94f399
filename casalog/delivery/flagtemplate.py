"""Read the pipeline's science-target flag template (``*.flagtargetstemplate.txt``).

The file holds ``flagdata`` list-mode commands, one a line, written as
``key=value`` tokens separated by blanks::

    mode='manual' antenna='DV01;DV08' spw='21:1920~2880' reason='bad_channels'

``#`` starts a comment (outside quotes); blank lines are skipped.
"""
from __future__ import annotations

import ast
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Union

from casalog.errors import CasaLogError, shown

Value = Union[str, int, float, bool]

_KEY_RE = re.compile(r"[A-Za-z_]\w*")
# Bare values longer than this are kept as text (a number of flagdata is a few characters).
_MAX_BARE_NUMBER = 64

#: flagdata's modes (CASA 6.7).
MODES = frozenset(
    {"list", "manual", "clip", "quack", "shadow", "elevation", "tfcrop", "rflag", "antint", "extend", "unflag",
     "summary"}
)
#: The flagdata parameters a list-mode command may set (its signature less the task-level ones).
KEYS = frozenset(
    {
        "mode", "autocorr", "reason", "tbuff", "spw", "field", "antenna", "uvrange", "timerange", "correlation",
        "scan", "intent", "array", "observation", "feed", "clipminmax", "datacolumn", "clipoutside", "channelavg",
        "chanbin", "timeavg", "timebin", "clipzeros", "quackinterval", "quackmode", "quackincrement", "tolerance",
        "addantenna", "lowerlimit", "upperlimit", "ntime", "combinescans", "timecutoff", "freqcutoff", "timefit",
        "freqfit", "maxnpieces", "flagdimension", "usewindowstats", "halfwin", "extendflags", "winsize", "timedev",
        "freqdev", "timedevscale", "freqdevscale", "spectralmax", "spectralmin", "antint_ref_antenna",
        "minchanfrac", "verbose", "extendpols", "growtime", "growfreq", "growaround", "flagneartime",
        "flagnearfreq", "minrel", "maxrel", "minabs", "maxabs", "spwchan", "spwcorr", "basecnt", "fieldcnt", "name",
    }
)


@dataclass(frozen=True)
class FlagCommand:
    """One active command of a flag template.

    ``params`` maps each key to its value: the text of a quoted string, or the
    Python literal a bare value reads as (a bare word stays a str).
    """

    lineno: int
    text: str
    params: Mapping[str, Value]

    def get(self, key: str) -> str:
        """Return the value of ``key`` as text, ``''`` when absent."""
        value = self.params.get(key)
        return "" if value is None else str(value)


def _bare_value(text: str) -> Value:
    if len(text) > _MAX_BARE_NUMBER:
        return text  # no number: and a syntax tree of a long token would take fifty times its size
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # odd numbers such as 1if are text here, not a warning
            value = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return text
    # Only scalars: a bare "[1,2]" is not something flagdata list mode reads.
    return value if isinstance(value, (bool, int, float)) else text


def _split_tokens(line: str, filename: str | None, lineno: int) -> list[str]:
    """Split one line at blanks outside quotes, dropping a ``#`` comment."""
    tokens: list[str] = []
    current: list[str] = []
    quote: str | None = None
    for char in line:
        if quote is not None:
            current.append(char)
            quote = None if char == quote else quote
        elif char in "'\"":
            current.append(char)
            quote = char
        elif char == "#" and not current:
            break
        elif char.isspace():
            if current:
                tokens.append("".join(current))
                current = []
        else:
            current.append(char)
    if quote is not None:
        raise CasaLogError(f"unbalanced {quote} quote", filename, lineno)
    if current:
        tokens.append("".join(current))
    return tokens


def _parse_token(token: str, filename: str | None, lineno: int) -> tuple[str, Value]:
    key, equals, raw = token.partition("=")
    if not equals or not _KEY_RE.fullmatch(key) or not raw:
        raise CasaLogError(f"{shown(token)} is not key=value", filename, lineno)
    if raw[0] in "'\"":
        if len(raw) < 2 or raw[-1] != raw[0] or raw[0] in raw[1:-1]:
            raise CasaLogError(f"{shown(token)}: a quoted value must be one string", filename, lineno)
        return key, raw[1:-1]
    return key, _bare_value(raw)


def parse_line(line: str, lineno: int, filename: str | None = None) -> FlagCommand | None:
    """Parse one line of a flag template.

    Parameters
    ----------
    line : str
        The line, with or without its newline.
    lineno : int
        Its 1-based number, for messages.
    filename : str, optional
        For messages.

    Returns
    -------
    FlagCommand or None
        None for a blank or comment line.

    Raises
    ------
    CasaLogError
        Unbalanced quotes, a token that is not ``key=value``, a key given twice,
        or a ``reason`` with blanks (the pipeline writes it as one word).
    """
    params: dict[str, Value] = {}
    for token in _split_tokens(line, filename, lineno):
        key, value = _parse_token(token, filename, lineno)
        if key in params:
            raise CasaLogError(f"{shown(key)} is given twice", filename, lineno)
        params[key] = value
    if not params:
        return None
    reason = params.get("reason")
    if isinstance(reason, str) and any(char.isspace() for char in reason):
        raise CasaLogError(f"reason {shown(reason)} has blanks in it; join its words with _", filename, lineno)
    unknown = [key for key in params if key not in KEYS]
    if unknown:
        raise CasaLogError(f"{', '.join(unknown)}: not a flagdata parameter of a list-mode command", filename, lineno)
    mode = params.get("mode", "manual")
    if mode not in MODES:
        modes = ", ".join(sorted(MODES))
        raise CasaLogError(f"mode {shown(str(mode))} is not a flagdata mode ({modes})", filename, lineno)
    return FlagCommand(lineno, line.strip(), params)


def parse(text: str, filename: str | None = None) -> tuple[list[FlagCommand], list[CasaLogError]]:
    """Parse a whole flag template, every line of it.

    Parameters
    ----------
    text : str
        The file's text.
    filename : str, optional
        For messages.

    Returns
    -------
    commands : list of FlagCommand
        The active commands of the good lines, in file order.
    problems : list of CasaLogError
        One for each malformed line (``FILE:LINE: message``), in file order.
    """
    commands: list[FlagCommand] = []
    problems: list[CasaLogError] = []
    for index, line in enumerate(text.splitlines(), start=1):
        try:
            command = parse_line(line, index, filename)
        except CasaLogError as problem:
            problems.append(problem)
        else:
            if command is not None:
                commands.append(command)
    return commands, problems
