"""The names a pipeline casa_commands.log may call.

The reader rejects a call to any other name as bad input, so the set is
generous: every task of casatasks 6.x, the tasks of CASA 4.7 and 5.x that have
since gone, the tasks of the separate viewer and plotms packages, the task the
pipeline itself added to CASA, and the file helpers the pipeline logs since
Cycle 6.
"""
from __future__ import annotations

CASATASKS_6 = frozenset({
    # casatasks 6.7, from casatasks.__all__ less the non-task entries
    # (casalog, version, version_string)
    "accor", "apparentsens", "applycal", "asdmsummary", "bandpass", "blcal", "calstat",
    "clearcal", "clearstat", "concat", "conjugatevis", "cvel", "cvel2", "deconvolve", "defintent",
    "delmod", "exportasdm", "exportfits", "exportuvfits", "feather", "fixplanets", "fixvis",
    "flagcmd", "flagdata", "flagmanager", "fluxscale", "fringefit", "ft", "gaincal", "gencal",
    "getantposalma", "getcalmodvla", "getephemtable", "hanningsmooth", "imbaseline", "imcollapse",
    "imcontsub", "imdev", "imfit", "imhead", "imhistory", "immath", "immoments", "impbcor",
    "importasap", "importasdm", "importatca", "importfits", "importfitsidi", "importgmrt",
    "importmiriad", "importnro", "importuvfits", "importvla", "impv", "imrebin", "imreframe",
    "imregrid", "imsmooth", "imstat", "imsubimage", "imtrans", "imval", "initweights", "listcal",
    "listfits", "listhistory", "listobs", "listpartition", "listsdm", "listvis", "makemask",
    "mstransform", "msuvbin", "nrobeamaverage", "partition", "phaseshift", "plotants",
    "plotbandpass", "plotprofilemap", "plotweather", "polcal", "polfromgain", "predictcomp",
    "rerefant", "rmfit", "rmtables", "sdatmcor", "sdbaseline", "sdcal", "sdfit", "sdfixscan",
    "sdgaincal", "sdimaging", "sdintimaging", "sdpolaverage", "sdsidebandsplit", "sdsmooth",
    "sdtimeaverage", "setjy", "simalma", "simanalyze", "simobserve", "slsearch", "smoothcal",
    "specfit", "specflux", "specsmooth", "splattotable", "split", "spxfit", "statwt", "tclean",
    "testconcat", "tsdimaging", "uvcontsub", "uvcontsub_old", "uvmodelfit", "uvsub",
    "virtualconcat", "vishead", "visstat", "widebandpbcor", "wvrgcal",
})

RETIRED_TASKS = frozenset({
    # tasks of CASA 4.7, 5.x or early 6.x that casatasks 6.7 no longer has
    "sdimprocess", "importevla", "oldstatwt", "fixsyscaltimes",
    "clean", "pclean", "csvclean", "autoclean", "boxit", "mosaic", "widefield",
    "plotcal", "plotxy", "plotuv", "clearplot", "browsetable",
    "uvcontsub3", "oldsplit", "split2", "hanningsmooth2", "oldhanningsmooth",
    "visstat2", "accum", "caltabconvert", "flagautocorr", "tflagdata", "sdcal2",
    # single-dish tasks of the 4.x transition, old and new names
    "tsdbaseline", "tsdcal", "tsdfit", "tsdsmooth",
    "sdaverageold", "sdbaselineold", "sdcalold", "sdcoaddold", "sdfitold", "sdflagold",
    "sdgridold", "sdimagingold", "sdlistold", "sdmathold", "sdplotold", "sdreduceold",
    "sdsaveold", "sdscaleold", "sdsmoothold", "sdstatold", "sdtpimaging",
    "sdflag", "sdflagmanager", "sdplot", "sdsave", "sdstat", "sdcoadd", "sdscale", "sdmath",
    "sdreduce", "sdlist", "sdaverage", "sdgrid",
})

VIEWER_AND_PLOTMS = frozenset({"plotms", "viewer", "imview", "msview"})

PIPELINE_TASKS = frozenset({
    # shipped with the pipeline and logged by hif_uvcontfit, until the CASA 6.5
    # uvcontsub took over
    "uvcontfit",
})

# shutil/os functions: copytree, rmtree and move are logged since Cycle 6; the
# others are cheap insurance for logs we have not seen.
PIPELINE_FILE_HELPERS = frozenset(
    {"copytree", "rmtree", "move", "copyfile", "copy", "copy2", "remove", "rename", "mkdir", "makedirs"}
)

KNOWN_TASKS = (
    CASATASKS_6 | RETIRED_TASKS | VIEWER_AND_PLOTMS | PIPELINE_TASKS | PIPELINE_FILE_HELPERS
)


def is_known_task(name: str) -> bool:
    """Say whether a pipeline log may call ``name``.

    Parameters
    ----------
    name : str
        The called name as logged, e.g. ``'tclean'`` or ``'copytree'``.

    Returns
    -------
    bool
    """
    return name in KNOWN_TASKS
