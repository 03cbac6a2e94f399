"""Subcommands of ``regen-tclean``.

Each module has ``configure(parser)``, which adds its arguments, and
``run(args) -> int``, which does the work and returns the exit code.
"""
from __future__ import annotations
