"""What either parser makes of one recovered command."""
from __future__ import annotations

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
