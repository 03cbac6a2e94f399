"""The command line: the main command (:mod:`.reimage`) and one module per subcommand.

Each module has ``configure(parser)``, which adds its arguments, and
``run(args) -> int``, which does the work and returns the exit code; an
error the user can fix is raised as a :class:`casalog.errors.CasaLogError`
and printed by :func:`casalog.commands.main.main` as one line.  All parsing of
command-line values is here (:mod:`._values`), each value parsed once.
"""
from __future__ import annotations
