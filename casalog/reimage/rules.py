"""Rewrite a logged call with libcst, one transformer per rule.

Each transformer changes only the call it is given and returns the node
unchanged when its rule does not apply, so every value a rule does not touch
keeps the text it had in the log.
"""
from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

import libcst as cst

from casalog.log.cst import parse_call_node


@dataclass(frozen=True)
class Code:
    """A value written as this Python source (a name of the generated script), not as a literal."""

    source: str


class _OuterCallRule(cst.CSTTransformer):
    """A rule for the logged call itself, not for calls a new value may hold."""

    def __init__(self) -> None:
        super().__init__()
        self._depth = 0

    def visit_Call(self, node: cst.Call) -> bool:
        self._depth += 1
        return True

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.Call:
        self._depth -= 1
        return self.apply(updated_node) if self._depth == 0 else updated_node

    def apply(self, updated_node: cst.Call) -> cst.Call:
        """The rewritten call, or ``updated_node`` itself when the rule does not apply."""
        raise NotImplementedError


class SetArguments(_OuterCallRule):
    """Give keywords new values: in place where the call has them, appended where not."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        super().__init__()
        self.values = values

    def apply(self, updated_node: cst.Call) -> cst.Call:
        if not self.values:
            return updated_node
        present = {arg.keyword.value for arg in updated_node.args if arg.keyword}
        args = [
            arg.with_changes(value=_expression(self.values[arg.keyword.value]))
            if arg.keyword and arg.keyword.value in self.values
            else arg
            for arg in updated_node.args
        ]
        args += [
            cst.Arg(keyword=cst.Name(name), value=_expression(value), equal=cst.AssignEqual(
                whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")))
            for name, value in self.values.items()
            if name not in present
        ]
        return updated_node.with_changes(args=_with_commas(args))


class DropArguments(_OuterCallRule):
    """Remove keywords the target CASA does not know or the rewrite does not want."""

    def __init__(self, names: Collection[str]) -> None:
        super().__init__()
        self.names = names

    def apply(self, updated_node: cst.Call) -> cst.Call:
        kept = [arg for arg in updated_node.args if not (arg.keyword and arg.keyword.value in self.names)]
        if len(kept) == len(updated_node.args):
            return updated_node
        return updated_node.with_changes(args=_with_commas(kept))


class RenameCallee(_OuterCallRule):
    """Call another name with the same arguments (``tclean(...)`` becomes ``dict(...)``)."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name

    def apply(self, updated_node: cst.Call) -> cst.Call:
        if isinstance(updated_node.func, cst.Name) and updated_node.func.value == self.name:
            return updated_node
        return updated_node.with_changes(func=cst.Name(self.name))


class OneArgumentPerLine(_OuterCallRule):
    """Lay the call out one keyword a line, and a long list one item a line."""

    def __init__(self, indent: int = 4, long_list: int = 72) -> None:
        super().__init__()
        self.indent = indent
        self.long_list = long_list

    def apply(self, updated_node: cst.Call) -> cst.Call:
        if not updated_node.args:
            return updated_node
        last = len(updated_node.args) - 1
        args = [
            arg.with_changes(
                value=self._laid_out(arg.value),
                comma=cst.Comma(whitespace_after=_newline(self.indent if i < last else 0)),
            )
            for i, arg in enumerate(updated_node.args)
        ]
        return updated_node.with_changes(whitespace_before_args=_newline(self.indent), args=args)

    def _laid_out(self, value: cst.BaseExpression) -> cst.BaseExpression:
        if not isinstance(value, cst.List) or len(value.elements) < 2:
            return value
        if len(cst.Module([]).code_for_node(value)) <= self.long_list:
            return value
        inner = 2 * self.indent
        last = len(value.elements) - 1
        elements = [
            element.with_changes(comma=cst.Comma(whitespace_after=_newline(inner if i < last else self.indent)))
            for i, element in enumerate(value.elements)
        ]
        return value.with_changes(lbracket=cst.LeftSquareBracket(whitespace_after=_newline(inner)), elements=elements)


def _newline(indent: int) -> cst.ParenthesizedWhitespace:
    return cst.ParenthesizedWhitespace(
        first_line=cst.TrailingWhitespace(newline=cst.Newline()),
        indent=True,
        last_line=cst.SimpleWhitespace(" " * indent),
    )


def rewrite(text: str, *transformers: cst.CSTTransformer) -> str:
    """Apply transformers in turn to the call ``text`` and return the new code.

    Parameters
    ----------
    text : str
        A recovered one-line call of literals, as :func:`casalog.log.cst.parse_call_node` accepts it.
    *transformers : libcst.CSTTransformer
        Applied in the order given.
    """
    node: cst.BaseExpression = parse_call_node(text)
    for transformer in transformers:
        node = node.visit(transformer)  # type: ignore[assignment]
    return cst.Module([]).code_for_node(node)


def _expression(value: Any) -> cst.BaseExpression:
    # repr() of the literals a log holds is itself a literal expression.
    return cst.parse_expression(value.source if isinstance(value, Code) else repr(value))


def _with_commas(args: list[cst.Arg]) -> list[cst.Arg]:
    separator = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    return [
        arg.with_changes(comma=separator if i < len(args) - 1 else cst.MaybeSentinel.DEFAULT)
        for i, arg in enumerate(args)
    ]
