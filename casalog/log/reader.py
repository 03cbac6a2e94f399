"""Stream the CASA calls out of a pipeline ``casa_commands.log``.

The log is read line by line and never executed: each command's wrapped lines
are joined back (:mod:`casalog.log._unwrap`) and parsed as a call of literals.
"""
from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from casalog.errors import LogSyntaxError
from casalog.log import literals
from casalog.log._unwrap import unwrap
from casalog.log.literals import CallError
from casalog.log.tasks import is_known_task

_CALL_START = re.compile(r"[A-Za-z_]\w*\(")
_STAGE_HEADER = re.compile(r"# (h[a-z]*_\w+)\((.*)\)\s*$")
_GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True)
class Stage:
    """A pipeline stage: its logged header call and the comment under it."""

    name: str
    call: str
    comment: str
    line: int


@dataclass(frozen=True)
class LoggedCall:
    """One CASA call of the log.

    ``text`` is the call on one line; ``exact`` is False when re-wrapping it
    does not give back the logged lines (a log edited by hand).
    """

    task: str
    kwargs: dict[str, Any]
    text: str
    filename: str
    first_line: int
    last_line: int
    stage: Stage | None
    exact: bool


def read_log(path: str | os.PathLike[str]) -> Iterator[LoggedCall]:
    """Yield every CASA call of a log, in log order.

    Parameters
    ----------
    path : str or Path
        A ``casa_commands.log``, plain or gzip-compressed, LF or CRLF.

    Raises
    ------
    LogSyntaxError
        On anything that is not a wrapped call of literals, a comment or a blank line.
    """
    name = str(path)
    with _open(path) as stream:
        yield from _LogReader(name).calls(_text_lines(name, stream))


def _open(path: str | os.PathLike[str]) -> IO[bytes]:
    stream: IO[bytes] = open(path, "rb")
    if stream.read(2) == _GZIP_MAGIC:
        import gzip  # only compressed logs need it

        stream.close()
        return gzip.open(path, "rb")  # type: ignore[return-value]
    stream.seek(0)
    return stream


def _text_lines(name: str, stream: IO[bytes]) -> Iterator[tuple[int, str]]:
    lineno = 0
    try:
        for lineno, raw in enumerate(stream, start=1):
            if b"\0" in raw:
                raise LogSyntaxError("binary data, not a casa_commands.log", name, lineno)
            try:
                # A byte-order mark (an editor's) may open the file.
                yield lineno, raw.decode("utf-8-sig" if lineno == 1 else "utf-8").rstrip("\r\n")
            except UnicodeDecodeError:
                raise LogSyntaxError("not UTF-8 text", name, lineno) from None
    except (OSError, EOFError) as err:
        raise LogSyntaxError(f"cannot read the log: {err}", name, lineno or None) from None
    if lineno == 0:
        raise LogSyntaxError("empty file, not a casa_commands.log", name)


class _LogReader:
    """The line-by-line state of one log: the current stage and the open command."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.stage: Stage | None = None
        self.comment_open = False
        self.lines: list[str] = []
        self.first_line = 0

    def calls(self, lines: Iterator[tuple[int, str]]) -> Iterator[LoggedCall]:
        for lineno, line in lines:
            if line.startswith(" ") and line.strip():
                if not self.lines:
                    raise LogSyntaxError("indented line outside a command", self.filename, lineno)
                self.lines.append(line.rstrip())
                continue
            if self.lines:
                yield self._finish(lineno - 1)
            if line.startswith("#"):
                self._comment(lineno, line)
            elif _CALL_START.match(line):
                self._start(lineno, line)
            elif line.strip() and not (lineno == 1 and line.startswith("raise ")):
                raise LogSyntaxError(f"not a logged CASA call: {line.strip()[:60]}", self.filename, lineno)
        if self.lines:
            yield self._finish(self.first_line + len(self.lines) - 1)

    def _comment(self, lineno: int, line: str) -> None:
        header = _STAGE_HEADER.match(line)
        if header:
            self.stage = Stage(header.group(1), line[2:].rstrip(), "", lineno)
            self.comment_open = True
        elif self.stage is not None and self.comment_open:
            text = line[1:].strip()
            if text:
                joined = f"{self.stage.comment} {text}".strip()
                self.stage = Stage(self.stage.name, self.stage.call, joined, self.stage.line)
            elif self.stage.comment:
                self.comment_open = False

    def _start(self, lineno: int, line: str) -> None:
        task = line[: line.index("(")]
        if not is_known_task(task):
            raise LogSyntaxError(f"unknown task {task!r}", self.filename, lineno)
        self.comment_open = False
        self.first_line = lineno
        self.lines = [line.rstrip()]

    def _finish(self, last_line: int) -> LoggedCall:
        recovered = unwrap(self.lines)
        self.lines = []
        try:
            parsed = literals.parse_call(recovered.text)
        except CallError as err:
            line = self.first_line + recovered.line_of(err.offset)
            raise LogSyntaxError(str(err), self.filename, line) from None
        return LoggedCall(
            parsed.task,
            parsed.kwargs,
            recovered.text,
            self.filename,
            self.first_line,
            last_line,
            self.stage,
            recovered.exact,
        )
