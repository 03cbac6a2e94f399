"""Read a recovered command with the standard library's parser (the fast path).

Only literals are accepted: str, int, float (signed), bool, None and lists,
tuples and dicts of them.  Nothing is evaluated.
"""
from __future__ import annotations

import ast
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
# repr() writes infinite and undefined floats as bare names.
FLOAT_NAMES = {"inf": float("inf"), "nan": float("nan")}

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
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as err:
        offset = _char_offset(text, err.lineno or 1, (err.offset or 1) - 1, encoded=False)
        raise CallError(_syntax_message(err.msg), offset) from None
    except (RecursionError, MemoryError):
        raise CallError("brackets nest too deep to be a logged call", 0) from None
    call = tree.body
    if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Name):
        raise CallError("not a CASA call: expected task(keyword=value, ...)", 0)
    if call.args:
        raise CallError("positional argument: the log only has keyword arguments", _offset(text, call.args[0]))
    kwargs: dict[str, Any] = {}
    for keyword in call.keywords:
        if keyword.arg is None:
            raise CallError("'**' arguments are not literals", _offset(text, keyword))
        offset = _offset(text, keyword)
        # Python reads look-alike letters (fullwidth, ligatures) as ASCII ones; a logged name never has them.
        if text[offset : offset + len(keyword.arg)] != keyword.arg:
            raise CallError("a keyword written with other than ASCII letters", offset)
        if keyword.arg in kwargs:
            raise CallError(f"keyword argument repeated: {keyword.arg}", offset)
        kwargs[keyword.arg] = literal_value(text, keyword.value)
    return ParsedCall(call.func.id, kwargs)


def _syntax_message(message: str) -> str:
    if "never closed" in message or "unterminated" in message or "unexpected EOF" in message:
        return f"truncated command: {message}"
    if "unmatched" in message or "does not match" in message:
        return f"unbalanced brackets: {message}"
    if "too many nested" in message:
        return f"brackets nest too deep: {message}"
    return f"not a CASA call: {message}"


def literal_value(text: str, node: ast.expr, depth: int = 0) -> Any:
    """The Python value of a literal node of ``text``."""
    if depth > MAX_DEPTH:
        raise CallError(f"brackets nest more than {MAX_DEPTH} deep: not a logged call", _offset(text, node))
    if isinstance(node, ast.Constant) and isinstance(node.value, _SCALARS):
        return node.value
    if isinstance(node, ast.Name) and node.id in FLOAT_NAMES:
        return FLOAT_NAMES[node.id]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)) and _is_number(node.operand):
        number = literal_value(text, node.operand, depth)
        return -number if isinstance(node.op, ast.USub) else number
    if isinstance(node, ast.List):
        return [literal_value(text, item, depth + 1) for item in node.elts]
    if isinstance(node, ast.Tuple):
        return tuple(literal_value(text, item, depth + 1) for item in node.elts)
    if isinstance(node, ast.Dict):
        result = {}
        for key, value in zip(node.keys, node.values):
            if key is None:
                snippet = ast.get_source_segment(text, value) or ""
                raise CallError(f"'**' in a dict is not a literal: **{snippet[:38]}", _offset(text, value) - 2)
            result[literal_value(text, key, depth + 1)] = literal_value(text, value, depth + 1)
        return result
    what = _NODE_NAMES.get(type(node), "an expression")
    if isinstance(node, ast.Constant):
        what = f"a {type(node.value).__name__} constant"
    snippet = ast.get_source_segment(text, node) or ""
    raise CallError(f"{what} is not a literal: {snippet[:40]}", _offset(text, node))


def _is_number(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return type(node.value) in (int, float)
    return isinstance(node, ast.Name) and node.id in FLOAT_NAMES


def _offset(text: str, node: ast.AST) -> int:
    return _char_offset(text, node.lineno, node.col_offset, encoded=True)  # type: ignore[attr-defined]


def _char_offset(text: str, lineno: int, column: int, *, encoded: bool) -> int:
    # The recovered command is one line, but a hand-edited one may not be.
    lines = text.split("\n")
    line = lines[lineno - 1] if lineno <= len(lines) else ""
    if encoded:
        column = len(line.encode("utf-8")[:column].decode("utf-8", errors="ignore"))
    return sum(len(previous) + 1 for previous in lines[: lineno - 1]) + column
