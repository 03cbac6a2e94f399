"""regen-tclean: rebuild ALMA pipeline tclean calls from a casa_commands.log."""
from __future__ import annotations

__version__ = "0.1.0"
