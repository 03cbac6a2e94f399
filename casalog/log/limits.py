"""How much of a log regen-tclean reads: caps that keep time and memory bounded on any input.

A pipeline log is a few MB, its lines at most a few hundred bytes and its
commands a few kB.  Each cap is far above that and can be raised with an
environment variable, which every message that reports it names: a log that
hits a cap is not a pipeline log, but a user with a strange one can still
read it.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

from casalog.errors import UsageError


@dataclass(frozen=True)
class Cap:
    """One cap: its default size, the environment variable that changes it, and the unit both use."""

    what: str
    variable: str
    default: int
    unit: str

    @property
    def scale(self) -> int:
        return {"KB": 1 << 10, "MB": 1 << 20}[self.unit]

    def limit(self) -> int:
        """The cap in bytes, from the environment variable when it is set.

        Raises
        ------
        UsageError
            The variable is set to anything but a whole number of at least 1.
        """
        text = os.environ.get(self.variable)
        if text is None:
            return self.default * self.scale
        if not text.strip().isdigit() or int(text) < 1:
            raise UsageError(f"{self.variable}={text!r}: give a whole number of {self.unit}, at least 1")
        return int(text) * self.scale

    def message(self, limit: int) -> str:
        """Why reading stopped, and how to read on."""
        size = limit // self.scale
        return (
            f"{self.what} is larger than {size} {self.unit}, more than any pipeline log holds; "
            f"to read it anyway set {self.variable} above {size}"
        )


#: The bytes of a log, counted after decompression (a small .gz may expand to gigabytes).
LOG_SIZE = Cap("the log, decompressed,", "REGEN_TCLEAN_MAX_LOG_MB", 512, "MB")
#: One line of a log, in bytes: the pipeline wraps at 80 columns, only long names overflow.
LINE_LENGTH = Cap("this line", "REGEN_TCLEAN_MAX_LINE_KB", 1024, "KB")
#: One command, all its lines together, in bytes.
CALL_SIZE = Cap("this command", "REGEN_TCLEAN_MAX_CALL_MB", 64, "MB")
