"""Read a recovered command with libcst, the parser of record.

A rewrite edits the libcst tree, so every value it does not touch keeps its
logged text.  Only literals are accepted, as in :mod:`casalog.log.literals`.
"""
from __future__ import annotations

from typing import Any

import libcst as cst
import libcst.metadata

from casalog.log.literals import FLOAT_NAMES
from casalog.log.literals import CallError, ParsedCall

_NODE_NAMES: dict[type[cst.CSTNode], str] = {
    cst.Name: "a name",
    cst.Attribute: "an attribute",
    cst.Call: "a call",
    cst.FormattedString: "an f-string",
    cst.Lambda: "a lambda",
    cst.BinaryOperation: "an operator",
    cst.BooleanOperation: "an operator",
    cst.Comparison: "a comparison",
    cst.UnaryOperation: "an operator",
    cst.Subscript: "a subscript",
    cst.Set: "a set",
    cst.Imaginary: "a complex constant",
}
_CONSTANT_NAMES: dict[str, object] = {"True": True, "False": False, "None": None, **FLOAT_NAMES}


def parse_call_node(text: str) -> cst.Call:
    """The libcst node of ``task(key=literal, ...)``, checked to hold literals only.

    Raises
    ------
    CallError
        On a syntax error, a positional argument, a duplicate keyword or a value
        that is not a literal.
    """
    try:
        node = cst.parse_expression(text)
    except cst.ParserSyntaxError as err:
        raise CallError(f"not a CASA call: {err.message.splitlines()[0]}", err.raw_column) from None
    if not isinstance(node, cst.Call) or not isinstance(node.func, cst.Name):
        raise CallError("not a CASA call: expected task(keyword=value, ...)", 0)
    seen: set[str] = set()
    for arg in node.args:
        if arg.keyword is None:
            what = "'*' argument" if arg.star else "positional argument"
            raise CallError(f"{what}: the log only has keyword arguments", _offset(text, node, arg))
        if arg.keyword.value in seen:
            raise CallError(f"keyword argument repeated: {arg.keyword.value}", _offset(text, node, arg))
        seen.add(arg.keyword.value)
        _checked_value(text, node, arg.value)
    return node


def parse_call(text: str) -> ParsedCall:
    """Parse ``task(key=literal, ...)`` into Python values (see :func:`parse_call_node`)."""
    node = parse_call_node(text)
    kwargs = {arg.keyword.value: literal_value(arg.value) for arg in node.args if arg.keyword}
    return ParsedCall(node.func.value, kwargs)  # type: ignore[attr-defined]


def literal_value(node: cst.BaseExpression) -> Any:
    """The Python value of a literal node; ``ValueError`` if it is not one."""
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        value = node.evaluated_value
        if not isinstance(value, str):
            raise ValueError("a bytes constant")
        return value
    if isinstance(node, (cst.Integer, cst.Float)):
        return node.evaluated_value
    if isinstance(node, cst.Name) and node.value in _CONSTANT_NAMES:
        return _CONSTANT_NAMES[node.value]
    if (
        isinstance(node, cst.UnaryOperation)
        and isinstance(node.operator, (cst.Minus, cst.Plus))
        and (
            isinstance(node.expression, (cst.Integer, cst.Float))
            or isinstance(node.expression, cst.Name) and node.expression.value in FLOAT_NAMES
        )
    ):
        number = literal_value(node.expression)
        return -number if isinstance(node.operator, cst.Minus) else number
    if isinstance(node, cst.List):
        return [literal_value(_element(item)) for item in node.elements]
    if isinstance(node, cst.Tuple):
        return tuple(literal_value(_element(item)) for item in node.elements)
    if isinstance(node, cst.Dict):
        result = {}
        for item in node.elements:
            if not isinstance(item, cst.DictElement):
                raise ValueError("'**' in a dict")
            result[literal_value(item.key)] = literal_value(item.value)
        return result
    raise ValueError(_NODE_NAMES.get(type(node), "an expression"))


def _element(item: cst.BaseElement) -> cst.BaseExpression:
    if isinstance(item, cst.StarredElement):
        raise ValueError("a starred expression")
    return item.value


def _checked_value(text: str, call: cst.Call, value: cst.BaseExpression) -> None:
    if _is_literal(value):
        return
    bad = _first_non_literal(value)
    if isinstance(bad, cst.StarredElement):
        what = "a starred expression"
    elif isinstance(bad, cst.StarredDictElement):
        what = "'**' in a dict"
    else:
        try:
            literal_value(bad)  # type: ignore[arg-type]
        except ValueError as err:
            what = str(err)
    code = cst.Module([]).code_for_node(bad)
    raise CallError(f"{what} is not a literal: {code[:40]}", _offset(text, call, bad))


def _is_literal(node: cst.BaseExpression) -> bool:
    try:
        literal_value(node)
    except ValueError:
        return False
    return True


def _first_non_literal(node: cst.BaseExpression) -> cst.CSTNode:
    """The innermost container element that is not a literal, to point at it."""
    parts: list[cst.CSTNode] = []
    if isinstance(node, (cst.List, cst.Tuple)):
        parts = [item if isinstance(item, cst.StarredElement) else item.value for item in node.elements]
    elif isinstance(node, cst.Dict):
        for item in node.elements:
            parts.extend([item.key, item.value] if isinstance(item, cst.DictElement) else [item])
    for part in parts:
        if not isinstance(part, cst.BaseExpression):
            return part
        if not _is_literal(part):
            return _first_non_literal(part)
    return node


def _offset(text: str, call: cst.Call, node: cst.CSTNode) -> int:
    # Positions are only needed on the error path, so they are computed there.
    wrapper = cst.MetadataWrapper(cst.Module([cst.SimpleStatementLine([cst.Expr(call)])]), unsafe_skip_copy=True)
    positions = wrapper.resolve(libcst.metadata.PositionProvider)
    position = positions.get(node)
    if position is None:
        return 0
    line, column = position.start.line, position.start.column
    return sum(len(row) + 1 for row in text.split("\n")[: line - 1]) + column
