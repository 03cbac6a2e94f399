"""Python's tokens as regular expressions, for the lean scanner of long commands.

The patterns follow Python's own lexical rules (the number pattern is the
``tokenize`` module's), so that the scanner splits a command where the
standard parser would.  The messages of the errors found here (an unclosed
bracket, a string without its end quote) are asked of the standard parser
itself, once, on a tiny probe: they read as that Python version words them.
"""
from __future__ import annotations

import ast
import re
import tokenize
import warnings
from functools import cache

from casalog.log.literals import SyntaxCallError, syntax_message

#: Blanks, line continuations and comments, which may stand between any two tokens inside brackets.
SPACE = re.compile(r"(?:[ \t\x0c\r\n]|\\(?:\r\n|\r|\n)|#[^\r\n]*)*")
NAME = re.compile(r"[^\W\d]\w*")
NUMBER = re.compile(tokenize.Number)
#: A string's prefix and opening quote.
STRING = re.compile(r"(?i:rb|br|rf|fr|[rubf])?('''|\"\"\"|'|\")")
#: A string's body and closing quote, after each opening quote; a backslash escapes anything, a line end too.
BODIES = {
    "'": re.compile(r"[^'\\\r\n]*(?:\\(?:\r\n|[\s\S])[^'\\\r\n]*)*'"),
    '"': re.compile(r'[^"\\\r\n]*(?:\\(?:\r\n|[\s\S])[^"\\\r\n]*)*"'),
    "'''": re.compile(r"[^'\\]*(?:(?:\\[\s\S]|'(?!''))[^'\\]*)*'''"),
    '"""': re.compile(r'[^"\\]*(?:(?:\\[\s\S]|"(?!""))[^"\\]*)*"""'),
}
# Where an unterminated one-line string stops being read: the end of its line.
_OPEN_BODY = re.compile(r"[^'\"\\\r\n]*(?:(?:\\(?:\r\n|[\s\S])|['\"])[^'\"\\\r\n]*)*")
# Anything else up to the next character that matters to the extent of an expression.
_OTHER = re.compile(r"[^\s'\"#()\[\]{},:\\]+|[\s\S]")
_LINE_END = re.compile(r"\r\n|\r|\n")
CLOSERS = {"(": ")", "[": "]", "{": "}"}
#: Python's tokenizer refuses a bracket opened when this many are open.
MAX_LEVEL = 200


@cache
def probe(snippet: str) -> str:
    """Our wording of the syntax error the standard parser gives for ``snippet``."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(snippet, mode="eval")
    except SyntaxError as err:
        return syntax_message(err.msg)
    raise AssertionError(f"{snippet!r} parses")  # pragma: no cover - the snippets are invalid in every Python


@cache
def starred_after_unpacking_at_first_argument() -> bool:
    """Whether this Python places "iterable argument unpacking follows keyword argument unpacking" at the
    call's first argument (3.11.2) or, as later releases do, at the starred argument."""
    try:
        ast.parse("f(**x, *y)", mode="eval")
    except SyntaxError as err:
        return err.offset == len("f(") + 1
    raise AssertionError("f(**x, *y) parses")  # pragma: no cover - invalid in every Python


def string_end(text: str, start: int) -> int:
    """The end of the string literal at ``start`` (prefix included).

    Raises
    ------
    SyntaxCallError
        The string has no end quote.
    """
    opening = STRING.match(text, start)
    assert opening is not None  # the caller saw a string start
    quote = opening.group(1)
    body = BODIES[quote].match(text, opening.end())
    if body is not None:
        return body.end()
    # Python reads a one-line string to the end of its line, a triple-quoted one to the end of the text.
    stop = len(text) if len(quote) == 3 else _OPEN_BODY.match(text, opening.end()).end()  # type: ignore[union-attr]
    line = len(_LINE_END.findall(text, 0, stop)) + 1
    raise SyntaxCallError(re.sub(r"line \d+", f"line {line}", probe(quote)), start)


def extent(text: str, start: int, *, colon_stops: bool, level: int) -> int:
    """Where the expression starting at ``start`` ends: at the first ``,`` or closing bracket outside its brackets.

    ``colon_stops`` ends it at a ``:`` too (a dict key); ``level`` is the number of brackets open around it.

    Raises
    ------
    SyntaxCallError
        An unterminated string, a closing bracket that does not match, or an unclosed one.
    """
    opened: list[tuple[str, int]] = []
    position = start
    while True:
        position = SPACE.match(text, position).end()  # type: ignore[union-attr]
        if position >= len(text):
            if opened:
                bracket, where = opened[-1]
                raise SyntaxCallError(probe(bracket), where)
            return position
        char = text[position]
        if char in CLOSERS:
            if level + len(opened) >= MAX_LEVEL:
                raise SyntaxCallError(probe("(" * (MAX_LEVEL + 1)), position)
            opened.append((char, position))
            position += 1
        elif char in ")]}":
            if not opened:
                return position
            bracket, _ = opened.pop()
            if CLOSERS[bracket] != char:
                raise SyntaxCallError(probe(bracket + char), position)
            position += 1
        elif not opened and (char == "," or (char == ":" and colon_stops)):
            return position
        elif STRING.match(text, position):
            position = string_end(text, position)
        else:
            position = _OTHER.match(text, position).end()  # type: ignore[union-attr]
