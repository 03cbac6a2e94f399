"""A lean reader of very long commands: values are built as the text is read.

``ast.parse`` keeps a syntax tree of some fifty times the size of the text
(half a gigabyte for a ten-megabyte call).  This scanner reads the same
literals in one pass with regular expressions (:mod:`casalog.log._tokens`),
holding only the values and a stack of the open brackets.

Whatever it does not read itself (a name, an operator, a signed parenthesis,
a missing comma) is handed, as the smallest expression around it, to the
standard parser and the checks of :mod:`casalog.log.literals`: both readers
accept the same commands and word their refusals alike.  Like the standard
parser, it reports a syntax error before any other, then a positional
argument, then the first value that is not a literal in the order the checks
of :func:`~casalog.log.literals.parse_with_ast` meet them.
"""
from __future__ import annotations

import ast
import keyword
import re
import unicodedata
import warnings
from collections.abc import Callable
from typing import Any, NoReturn

from casalog.log import _tokens as tokens
from casalog.log.literals import (
    FLOAT_NAMES,
    LEAN_THRESHOLD,
    MAX_DEPTH,
    CallError,
    ParsedCall,
    Source,
    SyntaxCallError,
    check_keyword,
    depth_message,
    literal_value,
    parse_expression,
    store,
)

_CONSTANTS: dict[str, Any] = {"True": True, "False": False, "None": None, **FLOAT_NAMES}
_NOT_A_CALL = "not a CASA call: expected task(keyword=value, ...)"
# Values nested deeper than this are an error wherever they are; deeper positions need no tracking.
_TRACKED = MAX_DEPTH + 2


def scan_call(text: str) -> ParsedCall:
    """:func:`~casalog.log.literals.parse_call` in memory proportional to ``text``, whatever its size.

    Raises
    ------
    CallError
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # as the standard parser is run: see literals.parse_expression
        return _Scanner(text).call()


class _Frame:
    """An open bracket and what was read inside it so far."""

    __slots__ = ("kind", "start", "items", "count", "state", "key", "key_start", "comma", "last", "first")

    def __init__(self, kind: str, start: int) -> None:
        self.kind = kind
        self.start = start
        self.items: Any = {} if kind == "{" else []
        self.count = 0
        # A dict reads a key, a colon, a value, then a comma or its end.
        self.state = "key"
        self.key: Any = None
        self.key_start = 0
        self.comma = False
        self.last = start  # where the last value read inside it starts
        # first[d]: where the first value d levels below this bracket's items starts.
        self.first: list[int] = []

    @property
    def is_node(self) -> bool:
        """False for the parentheses around a single value, which make no tuple."""
        return self.kind != "(" or self.comma or self.count == 0

    def value(self) -> Any:
        if self.kind != "(":
            return self.items
        if self.is_node:
            return tuple(self.items)
        return self.items[0] if self.items else None


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.keep = True  # build values; off once the command is known to be refused
        # (order of the checks, 0 for the depth check that comes first at a value, offset, message)
        self.refusals: list[tuple[int, int, int, str]] = []
        self.positional: CallError | None = None
        # An argument where Python takes none, found once the arguments are read: (message, offset or None for
        # the closing parenthesis).
        self.misplaced: tuple[str, int | None] | None = None
        self.open_at = 0
        self.node = 0  # where the last argument's value starts, inside any parentheses around it
        self.argument = "keyword"  # the kind of argument being read, which decides what Python allows in it

    # -- the call -------------------------------------------------------------------------

    def call(self) -> ParsedCall:
        text = self.text
        start = self._space(0)
        name = tokens.NAME.match(text, start)
        open_at = self._space(name.end()) if name else start
        if name is None or text[open_at : open_at + 1] != "(" or keyword.iskeyword(name.group()):
            raise CallError(_NOT_A_CALL, 0)
        self.open_at = open_at
        if start or open_at > name.end():
            self._check_syntax(0, open_at + 1, ("", ")"))  # blanks before or in the head: Python's verdict
        kwargs: dict[str, Any] = {}
        close_at = self._arguments(open_at, kwargs)
        if self.misplaced is not None:
            message, offset = self.misplaced
            raise SyntaxCallError(f"not a CASA call: {message}", close_at if offset is None else offset)
        self._after_call(close_at + 1)
        if self.positional is not None:
            raise self.positional
        if self.refusals:
            _, _, offset, message = min(self.refusals)
            raise CallError(message, offset)
        return ParsedCall(unicodedata.normalize("NFKC", name.group()), kwargs)

    def _arguments(self, open_at: int, kwargs: dict[str, Any]) -> int:
        """Read the arguments up to the call's closing parenthesis; return where it is."""
        text = self.text
        position = open_at + 1
        first = self._space(position)
        seen_keyword = seen_unpacking = False
        while True:
            position = self._space(position)
            if position >= len(text):
                raise SyntaxCallError(tokens.probe("("), open_at)
            if text[position] == ")":
                return position
            if text[position] in "]}":
                raise SyntaxCallError(tokens.probe("(" + text[position]), position)
            if text[position] == ",":
                self._unexpected(position)
            start = position
            name = tokens.NAME.match(text, position)
            equals = self._space(name.end()) if name else position
            if text.startswith("**", position):
                self._refuse(start, start, "'**' arguments are not literals")
                seen_unpacking = True
                _, position = self._value(position + 2, "unpacked")
            elif name and text.startswith("=", equals) and not text.startswith("==", equals):
                seen_keyword = True
                self._keyword(name.group(), start, equals, kwargs)
                value, position = self._value(equals + 1, "keyword")
                if self.keep:
                    kwargs[unicodedata.normalize("NFKC", name.group())] = value
            else:
                starred = text.startswith("*", position)
                if self.misplaced is None and seen_unpacking and starred:
                    at = first if tokens.starred_after_unpacking_at_first_argument() else start
                    self.misplaced = ("iterable argument unpacking follows keyword argument unpacking", at)
                elif self.misplaced is None and (seen_unpacking or seen_keyword) and not starred:
                    after = "keyword argument unpacking" if seen_unpacking else "keyword argument"
                    self.misplaced = (f"positional argument follows {after}", None)
                self.keep = False
                _, position = self._value(position, "positional")
                if self.positional is None:
                    self.positional = CallError("positional argument: the log only has keyword arguments", self.node)
            if text.startswith(",", position):
                position += 1

    def _keyword(self, name: str, start: int, equals: int, kwargs: dict[str, Any]) -> None:
        if keyword.iskeyword(name):
            # Python's own words for it (``cannot assign to True``, ``invalid syntax``).
            self._check_syntax(start, equals + 1, ("f(", "0)"))
        try:
            check_keyword(self.text, start, unicodedata.normalize("NFKC", name), kwargs)
        except CallError as err:
            self._refuse(err.offset, err.offset, str(err))

    def _after_call(self, position: int) -> None:
        """Anything after the call's closing parenthesis makes it some other expression, or a syntax error."""
        if self._space(position) < len(self.text):
            self._check_syntax(position, len(self.text), ("(_)", ""))
            raise CallError(_NOT_A_CALL, 0)

    # -- values ---------------------------------------------------------------------------

    def _value(self, position: int, argument: str) -> tuple[Any, int]:
        """Read one argument's value; return it and where the text goes on (a comma, a parenthesis, its end).

        ``argument`` is ``"keyword"``, ``"positional"`` or ``"unpacked"`` (after ``**``).
        """
        self.argument = argument
        text = self.text
        stack: list[_Frame] = []
        root = _Frame("=", position)  # stands for the keyword: its one item is the value
        expecting = True
        while True:
            position = self._space(position)
            frame = stack[-1] if stack else root
            char = text[position : position + 1]
            if char == "":
                if stack:
                    raise SyntaxCallError(tokens.probe(frame.kind), frame.start)
                return self._root_value(root, position)
            if expecting:
                position, expecting = self._expected(stack, root, position)
            elif not stack:
                if char in ",)":
                    return self._root_value(root, position)
                if char in "]}":
                    raise SyntaxCallError(tokens.probe("(" + char), position)
                position = self._reread(stack, root, root.last)
            else:
                position, expecting = self._after(stack, root, position)

    def _expected(self, stack: list[_Frame], root: _Frame, position: int) -> tuple[int, bool]:
        """Read what stands where a value is expected; return where to go on and whether a value is still due."""
        text = self.text
        frame = stack[-1] if stack else root
        char = text[position]
        if char in tokens.CLOSERS:
            if len(stack) + 1 >= tokens.MAX_LEVEL:
                raise SyntaxCallError(tokens.probe("(" * (tokens.MAX_LEVEL + 1)), position)
            stack.append(_Frame(char, position))
            return position + 1, True
        if char in ")]}":
            if not stack and char == ")":
                self._unexpected(position)
            opening = frame.kind if stack else "("
            if char != tokens.CLOSERS[opening]:
                raise SyntaxCallError(tokens.probe(opening + char), position)
            if frame.kind == "{" and frame.state != "key":
                return self._reread(stack, root, frame.start), False
            return self._close(stack, root, position), False
        if frame.kind == "{" and frame.state == "key" and text.startswith("**", position):
            return self._reread(stack, root, frame.start), False
        scalar = self._scalar(position)
        if scalar is not None:
            self._add(frame, scalar[0], position, scalar[1])
            return scalar[1], False
        end = self._extent(position, stack)
        if end == position:
            self._unexpected(position)
        self._check_follow(stack, position, end)
        read = self._read_piece(stack, position, end)
        if read is None:
            if not stack:
                self._unexpected(position)
            return self._reread(stack, root, frame.start), False
        self._add_piece(frame, read, position, end)
        return end, False

    def _after(self, stack: list[_Frame], root: _Frame, position: int) -> tuple[int, bool]:
        """Read what follows a value inside brackets; return where to go on and whether a value is due."""
        frame = stack[-1]
        char = self.text[position]
        is_dict = frame.kind == "{"
        if char == ",":
            if is_dict and frame.state != "after":
                return self._reread(stack, root, frame.start), False  # a set, or a key without its value
            frame.comma = True
            frame.state = "key"
            return position + 1, True
        if char == ":" and is_dict and frame.state == "colon":
            frame.state = "value"
            return position + 1, True
        if char == tokens.CLOSERS[frame.kind]:
            if is_dict and frame.state != "after":
                return self._reread(stack, root, frame.start), False
            return self._close(stack, root, position), False
        if char in ")]}":
            raise SyntaxCallError(tokens.probe(frame.kind + char), position)
        return self._reread(stack, root, frame.last), False

    def _scalar(self, position: int) -> tuple[Any, int] | None:
        """A string, number or constant name at ``position`` (signed numbers too); None for anything else."""
        text = self.text
        if tokens.STRING.match(text, position):
            return self._strings(position)
        sign = text[position]
        start = self._space(position + 1) if sign in "-+" else position
        number = tokens.NUMBER.match(text, start)
        value: Any
        if number is not None:
            end = number.end()
            token = number.group()
            if token[-1] in "jJ" or _GLUED.match(text, end):
                return None  # a complex number, or letters glued to digits: the standard parser says what
            try:
                value = _number(token)
            except ValueError:
                return None  # more digits than Python converts: its parser words the refusal
        else:
            name = tokens.NAME.match(text, start)
            if name is None or name.group() not in (FLOAT_NAMES if start != position else _CONSTANTS):
                return None
            end, value = name.end(), _CONSTANTS[name.group()]
        return (-value if sign == "-" else value), end

    def _strings(self, position: int) -> tuple[Any, int] | None:
        """Adjacent string literals, joined as Python joins them; None for bytes, f-strings and odd escapes."""
        text = self.text
        plain = _PLAIN.match(text, position)
        if plain is not None and not tokens.STRING.match(text, self._space(plain.end())):
            return plain.group(1) if plain.group(1) is not None else plain.group(2), plain.end()
        parts: list[str] = []
        end = position
        while True:
            opening = tokens.STRING.match(text, position)
            if opening is None:
                return "".join(parts), end
            prefix = text[position : opening.start(1)].lower()
            if "b" in prefix or "f" in prefix:
                return None
            end = tokens.string_end(text, position)
            part = _string(text[position:end], len(prefix), len(opening.group(1)))
            if part is None:
                return None
            parts.append(part)
            position = self._space(end)

    def _add(self, frame: _Frame, value: Any, start: int, end: int, *, node: bool = True) -> None:
        """Put a value read at ``start`` into the bracket around it (``node``: a value of its own, not a group)."""
        frame.last = start
        frame.count += 1
        if node:
            _note(frame.first, 0, start)
        if frame.kind != "{":
            if self.keep or not frame.items:
                frame.items.append(value)
        elif frame.state == "key":
            frame.key, frame.key_start, frame.state = value, start, "colon"
        else:
            frame.state = "after"
            try:
                store(frame.items, frame.key, value, frame.key_start)
            except CallError as err:
                self._refuse(end, err.offset, str(err))  # checked after the value, as literal_value does

    def _add_piece(self, frame: _Frame, read: tuple[Any, list[int]], start: int, end: int) -> None:
        value, profile = read
        self._add(frame, value, start, end, node=False)
        for depth, offset in enumerate(profile):
            _note(frame.first, depth, offset)

    def _close(self, stack: list[_Frame], root: _Frame, position: int) -> int:
        frame = stack.pop()
        parent = stack[-1] if stack else root
        # Parentheses around one value make no value of their own: it stands in their place.
        below = 1 if frame.is_node else 0
        self._add(parent, frame.value(), frame.start, position + 1, node=frame.is_node)
        for depth, start in enumerate(frame.first):
            _note(parent.first, depth + below, start)
        return position + 1

    def _root_value(self, root: _Frame, position: int) -> tuple[Any, int]:
        self.node = root.first[0] if root.first else root.start
        if len(root.first) > MAX_DEPTH + 1:
            start = root.first[MAX_DEPTH + 1]
            self._refuse(start, start, depth_message(), rank=0)
        return (root.items[0] if root.items else None), position

    def _reread(self, stack: list[_Frame], root: _Frame, start: int) -> int:
        """Read the expression at ``start`` again with the standard parser, with whatever follows it.

        The scanner met what it does not read: a value followed by more than a
        comma (``start`` is that value's), or a bracket it cannot read alone
        (``start`` is the bracket's, which is dropped with the ones inside).
        """
        while stack and stack[-1].start >= start:
            stack.pop()
        frame = stack[-1] if stack else root
        if frame.last == start and frame.count:
            # The value read there is replaced by the expression it begins.
            frame.count -= 1
            if frame.kind == "{":
                frame.state = "key" if frame.state == "colon" else "value"
            elif self.keep:
                frame.items.pop()
        end = self._extent(start, stack)
        self._check_follow(stack, start, end)
        read = self._read_piece(stack, start, end)
        if read is None:
            if not stack:
                self._unexpected(start)
            return self._reread(stack, root, stack[-1].start)
        self._add_piece(frame, read, start, end)
        return end

    # -- pieces for the standard parser -----------------------------------------------------

    def _parse_piece(self, start: int, end: int, wrap: tuple[str, str]) -> tuple[Source, ast.Expression, int]:
        """``text[start:end]`` inside ``wrap``, parsed; the shift from its offsets to the text's."""
        wrapped = wrap[0] + self.text[start:end] + wrap[1]
        shift = start - len(wrap[0])
        source = Source(wrapped)
        try:
            return source, parse_expression(source, wrapped), shift
        except SyntaxCallError as err:
            # An error the parser cannot place (too many digits) is at the start, as for the whole command.
            raise SyntaxCallError(str(err), max(err.offset + shift, start) if err.offset else 0) from None

    def _check_syntax(self, start: int, end: int, wrap: tuple[str, str]) -> None:
        """Raise the standard parser's syntax error for ``text[start:end]`` inside ``wrap``, if any."""
        self._parse_piece(start, end, wrap)

    def _read_piece(self, stack: list[_Frame], start: int, end: int) -> tuple[Any, list[int]] | None:
        """The value of ``text[start:end]`` by the standard parser, and where its values start at each depth.

        The piece is parsed where it stands (a list item, a dict key or value, an
        argument), so that Python allows in it what it allows there.  Refusals
        are noted.  None when the piece is no value by itself (a comprehension,
        or a dict key cut at a lambda's colon): the brackets around it must be
        read with it.
        """
        if end - start > LEAN_THRESHOLD:
            piece = self.text[start : start + 40]
            self._refuse(start, start, f"an expression is not a literal: {piece}")
            return None, [start]
        frame = stack[-1] if stack else None
        where = self.argument if frame is None else frame.kind + (frame.state if frame.kind == "{" else "")
        wrap, pick = _PLACES.get(where, _PLACES["["])
        try:
            source, tree, shift = self._parse_piece(start, end, wrap)
        except SyntaxCallError:
            if self._colon_stops(stack):
                return None
            raise
        node = pick(tree.body)
        if node is None:
            return None
        profile = _profile(source, node, shift)
        try:
            return literal_value(source, node, self._depth(stack)), profile
        except CallError as err:
            self._refuse(err.offset + shift, err.offset + shift, str(err))
            return None, profile

    def _colon_stops(self, stack: list[_Frame]) -> bool:
        return bool(stack) and stack[-1].kind == "{" and stack[-1].state == "key"

    def _extent(self, start: int, stack: list[_Frame]) -> int:
        return tokens.extent(self.text, start, colon_stops=self._colon_stops(stack), level=len(stack) + 1)

    def _check_follow(self, stack: list[_Frame], start: int, end: int) -> None:
        """Python's tokenizer reads ahead of its parser: a wrong bracket after a piece comes first, and so
        does the end of the text with brackets open, unless the piece ends with its own closed bracket."""
        opening = stack[-1].kind if stack else "("
        if end >= len(self.text):
            if not self.text[start:end].rstrip().endswith((")", "]", "}")):
                raise SyntaxCallError(tokens.probe(opening), stack[-1].start if stack else self.open_at)
            return
        char = self.text[end]
        if char in ")]}" and char != tokens.CLOSERS[opening]:
            raise SyntaxCallError(tokens.probe(opening + char), end)

    def _depth(self, stack: list[_Frame]) -> int:
        """How many values enclose the next one (parentheses without a comma yet count as none)."""
        return sum(1 for frame in stack if frame.kind != "(" or frame.comma)

    def _unexpected(self, position: int) -> NoReturn:
        """A token that cannot stand at ``position`` (a comma where a value is due)."""
        raise SyntaxCallError(tokens.probe(","), position)

    def _refuse(self, order: int, offset: int, message: str, *, rank: int = 1) -> None:
        self.refusals.append((order, rank, offset, message))
        self.keep = False

    def _space(self, position: int) -> int:
        if self.text[position : position + 1] not in _SPACE_STARTS:
            return position
        return tokens.SPACE.match(self.text, position).end()  # type: ignore[union-attr]  # matches anywhere


# The common string: quoted, no prefix, no backslash.
_PLAIN = re.compile(r"'([^'\\\r\n]*)'|\"([^\"\\\r\n]*)\"")
# The characters blanks and comments start with (the empty string: the end of the text).
_SPACE_STARTS = frozenset(" \t\x0c\r\n\\#")
# Letters, digits, an underscore or a dot right after a number make something else of it.
_GLUED = re.compile(r"[\w.]")


def _note(first: list[int], depth: int, start: int) -> None:
    """Record ``start`` as where the first value ``depth`` levels down starts, if none is yet."""
    if depth < _TRACKED and len(first) == depth:
        first.append(start)


def _only(nodes: list[Any]) -> Any:
    return nodes[0] if len(nodes) == 1 else None


# Where a piece stands, as text around it that Python reads alike, and how to find the piece's node in it.
_PLACES: dict[str, tuple[tuple[str, str], Callable[[ast.expr], ast.expr | None]]] = {
    "[": (("[", "]"), lambda body: _only(body.elts) if isinstance(body, ast.List) else None),
    "{key": (("{", ": 0}"), lambda body: _only(body.keys) if isinstance(body, ast.Dict) else None),
    "{value": (("{0: ", "}"), lambda body: _only(body.values) if isinstance(body, ast.Dict) else None),
    "keyword": (("f(a=", ")"), lambda body: (
        _only([k.value for k in body.keywords if k.arg]) if isinstance(body, ast.Call) and not body.args else None
    )),
    "positional": (("f(", ")"), lambda body: (
        _only(body.args) if isinstance(body, ast.Call) and not body.keywords else None
    )),
    "unpacked": (("f(**", ")"), lambda body: (
        _only([k.value for k in body.keywords if not k.arg]) if isinstance(body, ast.Call) and not body.args
        else None
    )),
}


def _profile(source: Source, node: ast.expr, shift: int) -> list[int]:
    """Where the first value at each depth below ``node`` (itself at depth 0) starts, as literal_value meets them."""
    first: list[int] = []
    pending: list[tuple[ast.AST, int]] = [(node, 0)]
    while pending:
        item, depth = pending.pop()
        _note(first, depth, source.offset(item) + shift)
        children: list[ast.AST] = []
        if isinstance(item, (ast.List, ast.Tuple)):
            children = list(item.elts)
        elif isinstance(item, ast.Dict):
            children = [part for key, value in zip(item.keys, item.values) for part in (key, value) if part]
        if depth + 1 < _TRACKED:
            pending.extend((child, depth + 1) for child in reversed(children))
    return first


def _number(token: str) -> int | float:
    lowered = token.lower()
    if lowered.startswith(("0x", "0o", "0b")):
        return int(token, 0)
    if "." in token or "e" in lowered:
        return float(token)
    return int(token)


def _string(token: str, prefix: int, quote: int) -> str | None:
    """The value of one string literal; None when only the standard parser can tell (escapes, line ends)."""
    body = token[prefix + quote : len(token) - quote]
    if "\\" in body or "\r" in body or "\n" in body:
        try:
            value = ast.literal_eval(token)
        except (SyntaxError, ValueError):
            return None
        return value if isinstance(value, str) else None
    return body
