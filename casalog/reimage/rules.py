"""Rewrite a logged tclean call, one rule per change.

A rule takes a :class:`Call` and returns a new one, or the same object when it
does not apply; :func:`rewrite` applies rules in turn.  The result is written
as ``dict(key=value, ...)`` with every value a literal made by
:func:`casalog.output.quoting.literal` (or a :class:`Code` name of the script
itself), one keyword a line.

The rules work on parsed values rather than on a syntax tree so that memory
stays proportional to the call: a syntax tree of a logged list with a million
items takes gigabytes.
"""
from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from casalog.output.quoting import Source, literal

#: Lists written longer than this many characters get one item a line.
LONG_LIST = 72
INDENT = " " * 4


@dataclass(frozen=True)
class Code:
    """A value written as Python source of the script itself (a name such as ``INTERACTIVE``)."""

    source: Source


@dataclass(frozen=True)
class Call:
    """A call's keyword arguments in order; values are plain literals or :class:`Code`."""

    arguments: tuple[tuple[str, Any], ...]

    @classmethod
    def of(cls, kwargs: Mapping[str, Any]) -> Call:
        return cls(tuple(kwargs.items()))

    def get(self, name: str, default: Any = None) -> Any:
        return next((value for key, value in self.arguments if key == name), default)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(key for key, _ in self.arguments)


Rule = Callable[[Call], Call]


def set_values(values: Mapping[str, Any]) -> Rule:
    """Give keywords new values: in place where the call has them, appended where not."""

    def rule(call: Call) -> Call:
        if not values:
            return call
        present = set(call.names)
        changed = tuple((key, values.get(key, value)) for key, value in call.arguments)
        added = tuple((key, value) for key, value in values.items() if key not in present)
        return Call(changed + added)

    return rule


def drop(names: Collection[str]) -> Rule:
    """Remove keywords the target CASA does not know or the rewrite does not want."""

    def rule(call: Call) -> Call:
        kept = tuple((key, value) for key, value in call.arguments if key not in names)
        return call if len(kept) == len(call.arguments) else Call(kept)

    return rule


def in_order(order: Sequence[str]) -> Rule:
    """Put keywords in ``order`` (a task's signature); names it lacks keep their order at the end."""
    rank = {name: index for index, name in enumerate(order)}

    def rule(call: Call) -> Call:
        ordered = tuple(sorted(call.arguments, key=lambda item: rank.get(item[0], len(rank))))
        return call if ordered == call.arguments else Call(ordered)

    return rule


def rewrite(call: Call, *rules: Rule) -> Call:
    """Apply ``rules`` in the order given."""
    for rule in rules:
        call = rule(call)
    return call


def as_dict_source(call: Call) -> Source:
    """``dict(...)`` with one keyword a line, every value a literal or script code.

    Raises
    ------
    casalog.output.quoting.QuotingError
        A value that is not a plain finite literal.
    """
    lines = [f"{INDENT}{key}={_value_source(value)}," for key, value in call.arguments]
    return Source("dict(\n" + "\n".join(lines) + "\n)")


def _value_source(value: Any) -> str:
    if isinstance(value, Code):
        return value.source
    text = literal(value)
    if isinstance(value, list) and len(value) > 1 and len(text) > LONG_LIST:
        items = "".join(f"{INDENT * 2}{literal(item)},\n" for item in value)
        return f"[\n{items}{INDENT}]"
    return text
