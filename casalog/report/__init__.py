"""The report of a re-imaging run: what ``reimage.py`` left in its folder, as one HTML page.

:mod:`~casalog.report.run` reads ``reimage_summary.json`` into records that
say what is missing instead of failing, :mod:`~casalog.report.fitsimage`
reads the FITS exports (planes, cubes, beams) and shrinks large ones,
:mod:`~casalog.report.draw` makes the PNGs with matplotlib and astropy's
WCSAxes, and :mod:`~casalog.report.page` renders ``templates/report.html.j2``
with HTML autoescaping and writes the folder.  None of it needs CASA, and
none of it is imported by the other commands: matplotlib and astropy load
only when a report is built.
"""
from __future__ import annotations
