"""The parts of a pipeline image name.

``<prefix>.s<stage>_<sub>.<field>_<intent>.spw<ids>.<specmode>[.<datatype>].<stokes>.iter<N>``,
for example ``uid___A001_X87d_X497.s29_0.NGC1068_sci.spw22.mfs.I.iter1``.
"""
from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

INTENTS = {
    "sci": "TARGET",
    "bp": "BANDPASS",
    "ph": "PHASE",
    "flux": "AMPLITUDE",
    "amp": "AMPLITUDE",
    "chk": "CHECK",
    "pol": "POLARIZATION",
    "pang": "POLANGLE",
    "plk": "POLLEAKAGE",
}

_PRODUCT = re.compile(
    r"(?P<prefix>[^.]+)\.s(?P<stage>\d+)_(?P<substage>\d+)"
    r"\.(?P<field>[^.]+)_(?P<suffix>[a-z]+)"
    r"\.spw(?P<spw>[^.]+)"
    r"\.(?P<specmode>mfs|cont|cube|repBW)"
    r"(?:\.(?P<datatype>regcal|selfcal))?"
    r"\.(?P<stokes>[IQUVXYRL]+)"
    r"\.iter(?P<iteration>\d+)"
)
_SPW_IDS = re.compile(r"\d+(?:_\d+)*")


@dataclass(frozen=True)
class ImageName:
    """A pipeline product image name, split into its parts.

    ``stem`` is the name without ``.iter<N>``: every iteration of one product
    shares it.  ``spws`` is empty for a VLA ``<band>_band`` name (see ``spw_label``).
    """

    directory: str
    prefix: str
    stage: int
    substage: int
    field: str
    intent_suffix: str
    spw_label: str
    specmode: str
    datatype: str | None
    stokes: str
    iteration: int

    @property
    def intent(self) -> str:
        return INTENTS.get(self.intent_suffix, self.intent_suffix.upper())

    @property
    def spws(self) -> tuple[str, ...]:
        return tuple(self.spw_label.split("_")) if _SPW_IDS.fullmatch(self.spw_label) else ()

    @property
    def stem(self) -> str:
        datatype = f".{self.datatype}" if self.datatype else ""
        return (
            f"{self.prefix}.s{self.stage}_{self.substage}.{self.field}_{self.intent_suffix}"
            f".spw{self.spw_label}.{self.specmode}{datatype}.{self.stokes}"
        )


def parse_image_name(imagename: str) -> ImageName | None:
    """Split a tclean ``imagename`` into its parts; None if it is not a product name.

    Parameters
    ----------
    imagename : str
        As logged: a basename (Cycle 6 on) or a full path (Cycles 4 and 5).
    """
    directory, base = posixpath.split(imagename)
    match = _PRODUCT.fullmatch(base)
    if match is None:
        return None
    return ImageName(
        directory=directory,
        prefix=match["prefix"],
        stage=int(match["stage"]),
        substage=int(match["substage"]),
        field=match["field"],
        intent_suffix=match["suffix"],
        spw_label=match["spw"],
        specmode=match["specmode"],
        datatype=match["datatype"],
        stokes=match["stokes"],
        iteration=int(match["iteration"]),
    )
