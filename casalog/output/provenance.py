"""Where a generated script came from, for its header."""
from __future__ import annotations

import datetime
import hashlib
import os
from dataclasses import dataclass
from functools import cached_property

from casalog import __version__
from casalog.errors import UsageError


def utc_now() -> str:
    """The date now, or at ``SOURCE_DATE_EPOCH`` when that is set (reproducible output), to the minute.

    Raises
    ------
    UsageError
        ``SOURCE_DATE_EPOCH`` is not a whole number of seconds in the range dates can take.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    try:
        moment = (
            datetime.datetime.fromtimestamp(int(epoch), tz=datetime.timezone.utc)
            if epoch is not None
            else datetime.datetime.now(tz=datetime.timezone.utc)
        )
    except (ValueError, OverflowError, OSError):
        raise UsageError(f"SOURCE_DATE_EPOCH={epoch!r} is not a date in seconds since 1970") from None
    return moment.strftime("%Y-%m-%d %H:%M UTC")


@dataclass(frozen=True)
class Provenance:
    """The source log, the exact command line and the date of a generated script."""

    log: str
    command_line: str
    date: str
    version: str = __version__

    @classmethod
    def now(cls, log: str, command_line: str) -> Provenance:
        """Provenance dated now, or at ``SOURCE_DATE_EPOCH`` when that is set (reproducible output).

        Raises
        ------
        UsageError
            ``SOURCE_DATE_EPOCH`` is not a whole number of seconds in the range dates can take.
        """
        return cls(log, command_line, utc_now())

    @property
    def log_name(self) -> str:
        return os.path.basename(self.log)

    @cached_property
    def log_sha256(self) -> str:
        """The SHA-256 of the log, read in blocks."""
        from casalog.output.files import open_regular

        digest = hashlib.sha256()
        with open_regular(self.log) as stream:
            for block in iter(lambda: stream.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()
