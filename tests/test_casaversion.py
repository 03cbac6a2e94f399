from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from casalog.errors import CasaLogError, UsageError
from casalog.reimage.casaversion import (
    DEFAULT_VERSION,
    KNOWN_RELEASES,
    TCLEAN_PARAMETERS,
    CasaVersion,
    missing_parameters,
    tclean_parameter,
    usemask_available,
)

V = CasaVersion

# A Cycle 4 style target clean (Python 2 keyword order) and a Cycle 10 one.
CYCLE4_ITER1: dict[str, object] = {
    "robust": 0.5, "pblimit": 0.2, "field": "IRAS16293-2422", "deconvolver": "hogbom",
    "imagename": "uid___A001_X885_X2b1.s19_0.IRAS16293-2422_sci.spw17.mfs.I.iter1",
    "restoration": True, "stokes": "I", "restoringbeam": "common", "chanchunks": -1,
    "niter": 200000, "usemask": "user", "restart": True, "pbcor": True, "savemodel": "none",
    "calcpsf": False, "spw": ["17", "17"], "datacolumn": "data", "specmode": "mfs",
    "threshold": "0.000698125409Jy", "calcres": False, "interactive": 0,
    "mask": "uid___A001_X885_X2b1.s19_0.IRAS16293-2422_sci.spw17.mfs.I.iter1.cleanmask",
}
CYCLE10_ITER1: dict[str, object] = {
    "vis": ["a_targets.ms", "b_targets.ms"], "field": "Elias_27", "spw": ["25", "25"],
    "datacolumn": "data", "imagename": "x.s14_0.Elias_27_sci.spw25.mfs.regcal.I.iter1",
    "specmode": "mfs", "perchanweightdensity": False, "mosweight": True, "usepointing": False,
    "niter": 500000, "threshold": "0.000612Jy", "nsigma": 0.0, "interactive": False,
    "fullsummary": True, "usemask": "auto-multithresh", "sidelobethreshold": 2.5,
    "noisethreshold": 5.0, "lownoisethreshold": 1.5, "negativethreshold": 0.0,
    "minbeamfrac": 0.3, "growiterations": 75, "dogrowprune": True, "minpercentchange": 1.0,
    "fastnoise": False, "restart": True, "calcres": False, "calcpsf": False,
    "psfcutoff": 0.35, "parallel": False,
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("4.7", V(4, 7, 0), id="missing patch is 0"),
        pytest.param("4.7.1", V(4, 7, 1), id="patch"),
        pytest.param("4.7.x", V(4, 7, 2), id="newest 4.7 we know"),
        pytest.param("5.x", V(5, 8, 0), id="newest 5 we know"),
        pytest.param("5.6", V(5, 6, 0), id="5.6"),
        pytest.param("6.x", V(6, 7, 0), id="newest 6 we know"),
        pytest.param("6.5.3", V(6, 5, 3), id="6.5.3"),
        pytest.param("6.5.x", V(6, 5, 4), id="newest 6.5 we know"),
        pytest.param("6.7.0.31", V(6, 7, 0), id="build number ignored"),
        pytest.param(" 6.2 ", V(6, 2, 0), id="surrounding blanks"),
        pytest.param("6.8", V(6, 8, 0), id="newer than we know"),
    ],
)
def test_parse(text: str, expected: CasaVersion) -> None:
    assert CasaVersion.parse(text) == expected


@pytest.mark.parametrize(
    ("text", "match"),
    [
        pytest.param("abc", "'abc' is not a CASA version", id="not a version"),
        pytest.param("6", "'6' is not a CASA version", id="major only"),
        pytest.param("6.x.1", r"'6\.x\.1' is not a CASA version", id="number after x"),
        pytest.param("6.5.x.3", r"'6\.5\.x\.3' is not a CASA version", id="build after x"),
        pytest.param("6.5.3.1.2", "is not a CASA version", id="too many parts"),
        pytest.param("", "'' is not a CASA version", id="empty"),
        pytest.param("4.6", r"CASA 4\.6\.0 is older than 4\.7\.0", id="before tclean"),
        pytest.param("7.x", r"CASA 7\.x: regen-tclean knows no release", id="unknown major"),
        pytest.param("5.2.x", r"CASA 5\.2\.x: regen-tclean knows no release", id="unknown minor"),
    ],
)
def test_parse_rejects(text: str, match: str) -> None:
    with pytest.raises(UsageError, match=match):
        CasaVersion.parse(text)


def test_str_reads_back() -> None:
    assert [CasaVersion.parse(str(version)) for version in KNOWN_RELEASES] == list(KNOWN_RELEASES)


def test_default_version_is_the_newest_known() -> None:
    assert DEFAULT_VERSION == max(KNOWN_RELEASES) == CasaVersion.parse("6.x") == V(6, 7, 0)


def test_table_has_each_name_once() -> None:
    names = [parameter.name for parameter in TCLEAN_PARAMETERS]
    assert len(names) == len(set(names))


@pytest.mark.parametrize(
    ("name", "version", "kept"),
    [
        pytest.param("chanchunks", V(4, 7, 2), True, id="chanchunks in 4.7"),
        pytest.param("chanchunks", V(6, 1, 0), True, id="chanchunks in 6.1"),
        pytest.param("chanchunks", V(6, 2, 0), False, id="chanchunks gone in 6.2"),
        pytest.param("chanchunks", V(6, 7, 0), False, id="chanchunks gone in 6.7"),
        pytest.param("fullsummary", V(4, 7, 2), False, id="fullsummary not in 4.7"),
        pytest.param("fullsummary", V(6, 5, 2), False, id="fullsummary not in 6.5.2"),
        pytest.param("fullsummary", V(6, 5, 3), True, id="fullsummary in 6.5.3"),
        pytest.param("nmajor", V(4, 7, 2), False, id="nmajor not in 4.7"),
        pytest.param("nmajor", V(6, 4, 1), False, id="nmajor not in 6.4"),
        pytest.param("nmajor", V(6, 5, 0), True, id="nmajor in 6.5"),
        pytest.param("sidelobethreshold", V(4, 7, 0), False, id="automask params not in 4.7.0"),
        pytest.param("sidelobethreshold", V(4, 7, 1), True, id="automask params in 4.7.1"),
        pytest.param("negativethreshold", V(5, 0, 0), False, id="negativethreshold not in 5.0"),
        pytest.param("negativethreshold", V(5, 1, 1), True, id="negativethreshold in 5.1"),
        pytest.param("nsigma", V(5, 1, 1), False, id="nsigma not in 5.1"),
        pytest.param("nsigma", V(5, 3, 0), True, id="nsigma in 5.3"),
        pytest.param("mosweight", V(5, 3, 0), False, id="mosweight not in 5.3"),
        pytest.param("mosweight", V(5, 4, 0), True, id="mosweight in 5.4"),
        pytest.param("perchanweightdensity", V(5, 5, 0), False, id="perchanweight... not in 5.5"),
        pytest.param("perchanweightdensity", V(5, 6, 1), True, id="perchanweight... in 5.6"),
        pytest.param("pointingoffsetsigdev", V(5, 8, 0), False, id="pointingoffset... not in 5.8"),
        pytest.param("pointingoffsetsigdev", V(6, 0, 0), True, id="pointingoffsetsigdev in 6.0"),
        pytest.param("psfcutoff", V(6, 1, 0), False, id="psfcutoff not in 6.1"),
        pytest.param("psfcutoff", V(6, 2, 1), True, id="psfcutoff in 6.2"),
        pytest.param("maskthreshold", V(5, 3, 0), True, id="maskthreshold in 5.3"),
        pytest.param("maskthreshold", V(5, 4, 0), False, id="maskthreshold gone in 5.4"),
        pytest.param("imagename", V(4, 7, 0), True, id="imagename in 4.7"),
        pytest.param("imagename", V(6, 8, 0), True, id="imagename after 6.7"),
    ],
)
def test_keep_or_drop(name: str, version: CasaVersion, kept: bool) -> None:
    assert missing_parameters(["imagename", name], version) == (() if kept else (name,))


def test_cycle4_call_for_67_lacks_only_chanchunks() -> None:
    assert missing_parameters(CYCLE4_ITER1, DEFAULT_VERSION) == ("chanchunks",)


def test_cycle4_call_for_47_lacks_nothing() -> None:
    assert missing_parameters(CYCLE4_ITER1, V(4, 7, 2)) == ()


def test_cycle10_call_for_47_lacks_what_47_lacks() -> None:
    assert missing_parameters(CYCLE10_ITER1, V(4, 7, 2)) == (
        "perchanweightdensity", "mosweight", "usepointing", "nsigma", "fullsummary",
        "negativethreshold", "growiterations", "dogrowprune", "minpercentchange", "fastnoise",
        "psfcutoff",
    )


def test_cycle10_call_for_62_lacks_only_fullsummary() -> None:
    assert missing_parameters(CYCLE10_ITER1, V(6, 2, 1)) == ("fullsummary",)


@pytest.mark.parametrize(
    "version",
    [
        pytest.param(V(6, 7, 0), id="6.7"),
        pytest.param(V(6, 5, 4), id="6.5.4"),
        pytest.param(V(6, 8, 0), id="newer than we know"),
    ],
)
def test_cycle10_call_fits_where_it_ran_or_later(version: CasaVersion) -> None:
    assert missing_parameters(CYCLE10_ITER1, version) == ()


def test_names_no_casa_has_are_not_reported_missing() -> None:
    assert missing_parameters(["imagename", "nitre"], DEFAULT_VERSION) == ()
    with pytest.raises(CasaLogError, match="tclean has no parameter 'nitre' in any CASA version"):
        tclean_parameter("nitre")


def test_tclean_parameter_entry() -> None:
    entry = tclean_parameter("chanchunks")
    assert (entry.added, entry.removed) == (V(4, 7, 0), V(6, 2, 0))


@pytest.mark.parametrize(
    ("usemask", "version", "available"),
    [
        pytest.param("user", V(4, 7, 0), True, id="user in 4.7"),
        pytest.param("user", V(6, 7, 0), True, id="user in 6.7"),
        pytest.param("pb", V(4, 7, 0), True, id="pb in 4.7"),
        pytest.param("pb", V(6, 7, 0), True, id="pb in 6.7"),
        pytest.param("auto-thresh", V(5, 3, 0), True, id="auto-thresh in 5.3"),
        pytest.param("auto-thresh", V(5, 4, 0), False, id="auto-thresh gone in 5.4"),
        pytest.param("auto-thresh2", V(4, 7, 2), True, id="auto-thresh2 in 4.7"),
        pytest.param("auto-thresh2", V(6, 7, 0), False, id="auto-thresh2 gone in 6.7"),
        pytest.param("auto-multithresh", V(4, 7, 0), False, id="auto-multithresh not in 4.7.0"),
        pytest.param("auto-multithresh", V(4, 7, 1), True, id="auto-multithresh in 4.7.1"),
        pytest.param("auto-multithresh", V(6, 7, 0), True, id="auto-multithresh in 6.7"),
        pytest.param("auto-magic", V(6, 7, 0), False, id="unknown mode"),
    ],
)
def test_usemask_available(usemask: str, version: CasaVersion, available: bool) -> None:
    assert usemask_available(usemask, version) is available


@pytest.mark.casa
def test_table_matches_the_installed_tclean_signature(casa_site_config: Path) -> None:
    import casatasks

    installed = CasaVersion(*casatasks.version()[:3])
    assert installed >= DEFAULT_VERSION
    signature = list(inspect.signature(casatasks.tclean).parameters)
    assert [p.name for p in TCLEAN_PARAMETERS if p.exists_in(installed)] == signature
