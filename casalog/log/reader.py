"""Stream the CASA calls out of a pipeline ``casa_commands.log``.

The log is read line by line and never executed: each command's wrapped lines
are joined back (:mod:`casalog.log._unwrap`) and parsed as a call of literals.
"""
from __future__ import annotations

import contextlib
import os
import re
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from casalog.errors import LogSyntaxError, shown
from casalog.log import limits, literals
from casalog.log._unwrap import unwrap
from casalog.log.literals import CallError
from casalog.log.tasks import is_known_task
from casalog.output.files import open_regular

_CALL_START = re.compile(r"[A-Za-z_]\w*\(")
_STAGE_HEADER = re.compile(r"# (h[a-z]*_\w+)\((.*)\)\s*$")
_GZIP_MAGIC = b"\x1f\x8b"
_BLOCK = 1 << 16
_BLANK = frozenset(b"\r\n")
# The first character of a line that is not blank.
_CONTENT = re.compile(rb"[^\r\n]")


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
        On anything that is not a wrapped call of literals, a comment or a blank
        line, and on a log, a line or a command larger than its cap
        (:mod:`casalog.log.limits`).
    """
    name = str(path)
    caps = (limits.LOG_SIZE.limit(), limits.LINE_LENGTH.limit(), limits.CALL_SIZE.limit())
    with _open(name) as stream:
        yield from _LogReader(name, caps[2]).calls(_text_lines(name, _Lines(name, stream, caps[0], caps[1])))


@contextlib.contextmanager
def _open(path: str) -> Iterator[IO[bytes]]:
    with open_regular(path) as stream:
        if stream.read(2) != _GZIP_MAGIC:
            stream.seek(0)
            yield stream
            return
        import gzip  # only compressed logs need it

        stream.seek(0)
        with gzip.GzipFile(fileobj=stream, mode="rb") as unpacked:
            yield unpacked  # type: ignore[misc]


class _Lines:
    """The lines of a byte stream, read in blocks so that memory stays bounded whatever the input.

    Iterating gives ``(lineno, line)`` without the line end.  A run of blank
    lines (only CR and LF) comes as a single empty line, found without a loop
    per line: a gigabyte of newlines costs what reading it costs.
    """

    def __init__(self, name: str, stream: IO[bytes], max_bytes: int, max_line: int) -> None:
        self.name = name
        self.stream = stream
        self.max_bytes = max_bytes
        self.max_line = max_line
        self.total = 0

    def __iter__(self) -> Iterator[tuple[int, bytes]]:
        buffer, start, lineno = b"", 0, 1
        while True:
            end = buffer.find(b"\n", start)
            if end == -1:
                block = self._block(lineno, len(buffer) - start)
                if block:
                    buffer, start = buffer[start:] + block, 0
                    continue
                if start < len(buffer):
                    yield lineno, self._checked(lineno, buffer[start:])
                return
            if buffer[start] in _BLANK:
                stop = _blank_run_end(buffer, start)
                if stop > start:
                    yield lineno, b""
                    lineno += buffer.count(b"\n", start, stop)
                    start = stop
                    continue
            if end - start > self.max_line:
                raise LogSyntaxError(limits.LINE_LENGTH.message(self.max_line), self.name, lineno)
            yield lineno, buffer[start:end]
            lineno += 1
            start = end + 1

    def _checked(self, lineno: int, line: bytes) -> bytes:
        if len(line) > self.max_line:
            raise LogSyntaxError(limits.LINE_LENGTH.message(self.max_line), self.name, lineno)
        return line

    def _block(self, lineno: int, pending: int) -> bytes:
        if pending > self.max_line:
            raise LogSyntaxError(limits.LINE_LENGTH.message(self.max_line), self.name, lineno)
        try:
            block = self.stream.read(_BLOCK)
        except (OSError, EOFError, zlib.error) as err:
            raise LogSyntaxError(f"cannot read the log: {err}", self.name, lineno) from None
        self.total += len(block)
        if self.total > self.max_bytes:
            raise LogSyntaxError(limits.LOG_SIZE.message(self.max_bytes), self.name, lineno)
        return block


def _blank_run_end(buffer: bytes, start: int) -> int:
    """Where the blank lines from ``start`` end: at the line holding the next content, else after the last LF."""
    if buffer.count(b"\n", start) + buffer.count(b"\r", start) == len(buffer) - start:
        return buffer.rfind(b"\n") + 1  # the common case of a flood of newlines, at memchr speed
    content = _CONTENT.search(buffer, start)
    assert content is not None
    return buffer.rfind(b"\n", start, content.start()) + 1


def _text_lines(name: str, lines: Iterable[tuple[int, bytes]]) -> Iterator[tuple[int, str]]:
    lineno = 0
    for lineno, raw in lines:
        if b"\0" in raw:
            raise LogSyntaxError("binary data, not a casa_commands.log", name, lineno)
        try:
            # A byte-order mark (an editor's) may open the file.
            yield lineno, raw.decode("utf-8-sig" if lineno == 1 else "utf-8").rstrip("\r\n")
        except UnicodeDecodeError:
            raise LogSyntaxError("not UTF-8 text", name, lineno) from None
    if lineno == 0:
        raise LogSyntaxError("empty file, not a casa_commands.log", name)


class _LogReader:
    """The line-by-line state of one log: the current stage and the open command."""

    def __init__(self, filename: str, max_call: int) -> None:
        self.filename = filename
        self.max_call = max_call
        self.size = 0
        self.stage: Stage | None = None
        self.comment_open = False
        self.lines: list[str] = []
        self.first_line = 0

    def calls(self, lines: Iterator[tuple[int, str]]) -> Iterator[LoggedCall]:
        for lineno, line in lines:
            if line.startswith(" ") and line.strip():
                if not self.lines:
                    raise LogSyntaxError("indented line outside a command", self.filename, lineno)
                self._add(line)
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
            raise LogSyntaxError(f"unknown task {shown(task)}", self.filename, lineno)
        self.comment_open = False
        self.first_line = lineno
        self.size = 0
        self._add(line)

    def _add(self, line: str) -> None:
        self.size += len(line)
        if self.size > self.max_call:
            raise LogSyntaxError(limits.CALL_SIZE.message(self.max_call), self.filename, self.first_line)
        self.lines.append(line.rstrip())

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
