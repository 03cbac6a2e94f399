"""Read a recovered command as a call of literals, never evaluating it.

Only literals are accepted: str, int, float (signed), bool, None and lists,
tuples and dicts of them.  A command of ordinary size is parsed with the
standard library's parser (fast); one above :data:`LEAN_THRESHOLD` characters
by :mod:`casalog.log._scan`, which builds the values as it reads them, so its
memory is a small multiple of the command's (a syntax tree takes fifty times
more).  Both accept and refuse the same commands, with the same messages.
"""
from __future__ import annotations

import ast
import bisect
import re
import warnings
from dataclasses import dataclass
from typing import Any


class CallError(ValueError):
    """A command that is not a call of literals; ``offset`` is 0-based in its text."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


@dataclass(frozen=True)
class ParsedCall:
    """A CASA call: the task name and its keyword arguments as Python values."""

    task: str
    kwargs: dict[str, Any]


_SCALARS = (str, int, float, bool, type(None))
#: Lists, tuples and dicts nest at most this deep (a logged call nests two or three).
MAX_DEPTH = 16
#: Commands longer than this many characters are read by the lean scanner (real ones are a few kB).
LEAN_THRESHOLD = 1 << 17
# repr() writes infinite and undefined floats as bare names.
FLOAT_NAMES = {"inf": float("inf"), "nan": float("nan")}
# Python ends a line at any of these, inside a command too.
_LINE_END = re.compile(r"\r\n|\r|\n")

# What a node is called in an error message, when it is not a literal.
_NODE_NAMES: dict[type[ast.AST], str] = {
    ast.Name: "a name",
    ast.Attribute: "an attribute",
    ast.Call: "a call",
    ast.JoinedStr: "an f-string",
    ast.Lambda: "a lambda",
    ast.BinOp: "an operator",
    ast.BoolOp: "an operator",
    ast.Compare: "a comparison",
    ast.UnaryOp: "an operator",
    ast.Subscript: "a subscript",
    ast.Set: "a set",
    ast.Starred: "a starred expression",
}


def parse_call(text: str) -> ParsedCall:
    """Parse ``task(key=literal, ...)``.

    Raises
    ------
    CallError
        On a syntax error, a positional argument, a duplicate keyword or a value
        that is not a literal.
    """
    if len(text) > LEAN_THRESHOLD:
        from casalog.log._scan import scan_call

        return scan_call(text)
    return parse_with_ast(text)


def parse_with_ast(text: str) -> ParsedCall:
    """:func:`parse_call` with the standard library's parser, whatever the size."""
    source = Source(text)
    call = parse_expression(source, text).body
    if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Name):
        raise CallError("not a CASA call: expected task(keyword=value, ...)", 0)
    if call.args:
        raise CallError("positional argument: the log only has keyword arguments", source.offset(call.args[0]))
    kwargs: dict[str, Any] = {}
    # In ASCII text a keyword can only be wrong by being repeated: no offset to find for the others.
    ascii_text = text.isascii()
    for keyword in call.keywords:
        if keyword.arg is None:
            raise CallError("'**' arguments are not literals", source.offset(keyword))
        if not ascii_text or keyword.arg in kwargs:
            check_keyword(text, source.offset(keyword), keyword.arg, kwargs)
        kwargs[keyword.arg] = literal_value(source, keyword.value)
    return ParsedCall(call.func.id, kwargs)


def check_keyword(text: str, offset: int, name: str, seen: dict[str, Any]) -> None:
    """Refuse a keyword spelled with look-alike letters or given twice."""
    # Python reads look-alike letters (fullwidth, ligatures) as ASCII ones; a logged name never has them.
    if text[offset : offset + len(name)] != name:
        raise CallError("a keyword written with other than ASCII letters", offset)
    if name in seen:
        raise CallError(f"keyword argument repeated: {name}", offset)


class Source:
    """A text and the conversion of the parser's (line, column) positions to offsets in it."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0] + [match.end() for match in _LINE_END.finditer(text)]

    def line(self, lineno: int) -> tuple[int, str]:
        """Where 1-based line ``lineno`` starts, and its text."""
        index = min(max(lineno, 1), len(self.starts)) - 1
        start = self.starts[index]
        end = self.starts[index + 1] if index + 1 < len(self.starts) else len(self.text)
        return start, self.text[start:end]

    def char_offset(self, lineno: int, column: int, *, encoded: bool) -> int:
        """The offset of ``column`` (characters, or UTF-8 bytes when ``encoded``) of line ``lineno``."""
        start, line = self.line(lineno)
        if encoded and not line.isascii():
            column = len(line.encode("utf-8", "surrogatepass")[:column].decode("utf-8", errors="ignore"))
        return start + column

    def offset(self, node: ast.AST) -> int:
        """The offset of a node's first character."""
        return self.char_offset(node.lineno, node.col_offset, encoded=True)  # type: ignore[attr-defined]

    def line_of(self, offset: int) -> int:
        """The 1-based line holding ``offset``."""
        return bisect.bisect_right(self.starts, offset)


def parse_expression(source: Source, text: str) -> ast.Expression:
    """``ast.parse`` of ``text`` in eval mode, its failures as a :class:`CallError` located in ``source``.

    ``text`` is ``source.text`` or a piece of it (whose offsets the caller maps).
    """
    try:
        with warnings.catch_warnings():
            # Python warns about odd escapes and numbers (on stderr, or as an error under -W error);
            # a log is data, read as Python reads it.
            warnings.simplefilter("ignore")
            return ast.parse(text, mode="eval")
    except SyntaxError as err:
        where = Source(text) if text is not source.text else source
        offset = where.char_offset(err.lineno or 1, (err.offset or 1) - 1, encoded=False)
        raise SyntaxCallError(syntax_message(err.msg), offset) from None
    except ValueError as err:  # a NUL character
        raise SyntaxCallError(f"not a CASA call: {err}", max(text.find("\0"), 0)) from None
    except (RecursionError, MemoryError):
        raise SyntaxCallError("brackets nest too deep to be a logged call", 0) from None


class SyntaxCallError(CallError):
    """A :class:`CallError` of the parser itself: it comes before any check of the values."""


def syntax_message(message: str) -> str:
    """Our wording of a Python syntax error message."""
    if "never closed" in message or "unterminated" in message or "unexpected EOF" in message:
        return f"truncated command: {message}"
    if "unmatched" in message or "does not match" in message:
        return f"unbalanced brackets: {message}"
    if "too many nested" in message:
        return f"brackets nest too deep: {message}"
    return f"not a CASA call: {message}"


def literal_value(source: Source, node: ast.expr, depth: int = 0) -> Any:
    """The Python value of a literal node parsed from ``source``."""
    if depth > MAX_DEPTH:
        raise CallError(depth_message(), source.offset(node))
    if isinstance(node, ast.Constant) and isinstance(node.value, _SCALARS):
        return node.value
    if isinstance(node, ast.Name) and node.id in FLOAT_NAMES:
        return FLOAT_NAMES[node.id]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)) and _is_number(node.operand):
        number = literal_value(source, node.operand, depth)
        return -number if isinstance(node.op, ast.USub) else number
    if isinstance(node, ast.List):
        return [literal_value(source, item, depth + 1) for item in node.elts]
    if isinstance(node, ast.Tuple):
        return tuple(literal_value(source, item, depth + 1) for item in node.elts)
    if isinstance(node, ast.Dict):
        result: dict[Any, Any] = {}
        for key, value in zip(node.keys, node.values):
            if key is None:
                snippet = ast.get_source_segment(source.text, value) or ""
                raise CallError(f"'**' in a dict is not a literal: **{snippet[:38]}", source.offset(value) - 2)
            store(result, literal_value(source, key, depth + 1), literal_value(source, value, depth + 1),
                  source.offset(key))
        return result
    what = _NODE_NAMES.get(type(node), "an expression")
    if isinstance(node, ast.Constant):
        what = f"a {type(node.value).__name__} constant"
    snippet = ast.get_source_segment(source.text, node) or ""
    raise CallError(f"{what} is not a literal: {snippet[:40]}", source.offset(node))


def depth_message() -> str:
    """The error for brackets nested deeper than :data:`MAX_DEPTH`."""
    return f"brackets nest more than {MAX_DEPTH} deep: not a logged call"


def store(result: dict[Any, Any], key: Any, value: Any, offset: int) -> None:
    """``result[key] = value``, refusing a key Python cannot hash (a list)."""
    try:
        result[key] = value
    except TypeError:
        raise CallError(f"a {type(key).__name__} as a dict key: keys are strings or numbers", offset) from None


def _is_number(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return type(node.value) in (int, float)
    return isinstance(node, ast.Name) and node.id in FLOAT_NAMES
