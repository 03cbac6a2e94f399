"""cont.dat, the pipeline's continuum ranges: the file format, edits, and CASA selections."""
from __future__ import annotations

from casalog.contdat.format import ContDat, ContField, ContRange, ContSpw, parse, write

__all__ = ["ContDat", "ContField", "ContRange", "ContSpw", "parse", "write"]
