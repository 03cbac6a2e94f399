"""``regen-tclean casa-config``: a site config that runs modular CASA offline on the installed casadata.

Modular CASA (``pip install casatools casatasks casadata``) reads its
configuration once, when ``casatools`` is imported, from the file that
``CASASITECONFIG`` names.  Without one it tries to download measures data and
fails with a ``casaconfig`` traceback.  Monolithic CASA needs none of this.
"""
from __future__ import annotations

import argparse
import os
import shlex
from pathlib import Path

from casalog.commands._io import say
from casalog.errors import CasaLogError

DEFAULT_NAME = "casasiteconfig.py"


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the arguments of ``casa-config``."""
    parser.add_argument("-o", "--output", metavar="FILE", default=DEFAULT_NAME,
                        help=f"the config file to write (default: {DEFAULT_NAME} in this folder); it is replaced")
    parser.add_argument("--logfile", metavar="FILE",
                        help="where CASA writes its log (default: casa-<date>.log in the folder it runs in)")


def run(args: argparse.Namespace) -> int:
    """Write the config and print the line that makes CASA use it.

    Raises
    ------
    CasaLogError
        casadata is not installed, or the file cannot be written.
    """
    path = write_site_config(Path(args.output), Path(args.logfile) if args.logfile else None)
    say(f"wrote {path} (CASA data: {_casadata_path()}, no automatic updates); run modular CASA after:")
    say(f"export CASASITECONFIG={shlex.quote(str(path))}")
    return 0


def write_site_config(path: Path, logfile: Path | None = None) -> Path:
    """Write a casaconfig site file that uses the installed casadata and never updates it.

    Parameters
    ----------
    path : Path
        The file to write (replaced atomically, so a CASA reading it meanwhile sees a whole file).
    logfile : Path, optional
        Where CASA writes its log.

    Returns
    -------
    Path
        ``path`` made absolute: ``CASASITECONFIG`` must name an absolute path.
    """
    from casalog.output.files import check_name, write_atomically
    from casalog.output.quoting import literal

    for name in (path, logfile):
        if name is not None:
            check_name(str(name))

    lines = [
        f"measurespath = {literal(_casadata_path())}",
        "measures_auto_update = False",
        "data_auto_update = False",
    ]
    if logfile is not None:
        lines.append(f"logfile = {literal(str(logfile.resolve()))}")
    path = path.resolve()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise CasaLogError(f"cannot make the folder: {err.strerror or err}", str(path.parent)) from None
    write_atomically(str(path), "\n".join(lines) + "\n", force=True)
    return path


def _casadata_path() -> str:
    try:
        import casadata
    except ImportError:
        raise CasaLogError(
            "casadata is not installed in this Python: pip install casatools casatasks casadata"
        ) from None
    return os.path.abspath(casadata.datapath)
