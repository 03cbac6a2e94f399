"""regen-tclean: rebuild ALMA pipeline tclean calls from a casa_commands.log.

The route of the data, one subpackage each: :mod:`casalog.log` reads the log
(calls, products, facts), :mod:`casalog.contdat` the continuum ranges,
:mod:`casalog.delivery` the delivery folder, :mod:`casalog.reimage` plans the
scripts, :mod:`casalog.output` writes them (quoting, templates, files), and
:mod:`casalog.commands` is the command line.
"""
from __future__ import annotations

__version__ = "0.2.0"

from casalog.errors import CasaLogError  # noqa: E402 (the version first: modules below read it)
from casalog.log import Product, products, read_log  # noqa: E402

__all__ = ["CasaLogError", "Product", "__version__", "main", "products", "read_log"]


def main(argv: list[str] | None = None) -> int:
    """Run ``regen-tclean`` with ``argv`` (default: the process's arguments); return the exit code."""
    from casalog.commands.main import main as run

    return run(argv)
