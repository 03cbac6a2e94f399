# Manual re-imaging of ALMA pipeline products.
#
# Written by regen-tclean 0.1.0 on 2025-11-24 16:00 UTC
# from the log uid___A001_Xsim_X1.casa_commands.log
#   SHA-256 b9caaba8d2baff33d73f8e1b0b5a77eed716a9b325a571f76d973a147579fda0
# with the command line:
#   regen-tclean samples/sim
#
# Each product's tclean parameters below are the pipeline's own iter1 call,
# changed as the ALMA re-imaging guide prescribes for a manual clean: a fresh
# image name, calcres/calcpsf recomputed, restart=False, a mask you draw (usemask=user, mask=empty),
# primary-beam correction, and the model saved so the data can be self-calibrated.
#
# Run it in CASA from the folder holding the measurement sets (calibrated/working
# of a restored delivery):
#   casa -c reimage.py               monolithic CASA
#   execfile('reimage.py')           inside a CASA session
#   python reimage.py                modular CASA 6 (casatools + casatasks)
# To run only some steps: set STEPS below, or mysteps = [...] before execfile.
from __future__ import print_function

import os
import re
import shutil
import sys

import numpy as np

try:
    from casatasks import casalog, delmod, exportfits, tclean
    from casatools import table as table_tool
except ImportError:  # CASA 4.7 and 5 have the tasks and tools built in
    table_tool = tbtool  # noqa: F821

############################################################
## USER SET INPUTS
# True: tclean opens the viewer at each major cycle so you draw the clean mask.
INTERACTIVE = True
# True: remove this script's own earlier products (and only those) before
# making them again; False: stop with a message when they exist.
OVERWRITE = False
# Steps to run, e.g. [1, 2]; empty runs every step (see step_title below).
STEPS = []
# Clean down to these thresholds. Each starts as the pipeline's own, a
# conservative multiple of the expected noise: lower it to clean deeper.
# Product 1: uid___A001_Xsim_X1.s25_0.SimSource_sci.spw1.mfs.I
THRESHOLD_1 = '0.409mJy'
# Product 2: uid___A001_Xsim_X1.s25_1.SimSource_sci.spw3.mfs.I
THRESHOLD_2 = '0.407mJy'
# Product 3: uid___A001_Xsim_X1.s27_0.SimSource_sci.spw1_3.cont.I
THRESHOLD_3 = '0.29mJy'
############################################################


class ReimageStop(Exception):
    """A condition the user must settle before this script can go on."""


# tclean's own outputs for one image name; nothing else is ever removed.
IMAGE_PARTS = re.compile(
    r'\.(image|model|psf|residual|pb|sumwt|mask|prev\.mask|work\.temp|weight|alpha|beta|gridwt_moswt|workdirectory)'
    r'(\.tt\d+)?(\.pbcor)?(\.error)?(\.fits)?$')


def remove_path(path):
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    else:
        os.remove(path)


def make_room(paths, what):
    """Stop if any path exists, unless OVERWRITE; then remove them."""
    existing = [path for path in paths if os.path.lexists(path)]
    if existing and not OVERWRITE:
        raise ReimageStop('%s exists already (%s); set OVERWRITE = True to make it again, '
                          'or move it away' % (what, ', '.join(existing)))
    for path in existing:
        remove_path(path)


def image_files(imagename):
    folder, base = os.path.split(imagename)
    names = os.listdir(folder or '.')
    return [os.path.join(folder, name) for name in names
            if name.startswith(base + '.') and IMAGE_PARTS.match(name[len(base):])]


def clean(params):
    # tclean with restart=False does not replace existing images: it silently
    # writes <imagename>_2, and later steps would read the old ones.
    make_room(image_files(params['imagename']), 'images of %s' % params['imagename'])
    print('tclean', params['imagename'])
    tclean(**params)
    if not os.path.isdir(params['imagename'] + IMAGE_SUFFIX[params['imagename']]):
        raise ReimageStop('tclean made no image %s; see the CASA log' % params['imagename'])


def fill_model(params):
    """Write the model of finished images into MODEL_DATA, and check it is there.

    tclean does not always save the model (stopping interactive clean with the
    red X, a parallel run), so the clean is rerun on its own images with
    nothing to deconvolve: restart=True, calcpsf=False, calcres=False, niter=0.
    """
    # An earlier model (another product, an earlier run, the pipeline's) must
    # not pass the check below in place of this one.
    for vis in params['vis']:
        delmod(vis=vis, otf=True, scr=True)
    tclean(**dict(params, restart=True, calcpsf=False, calcres=False, niter=0, interactive=False,
                  savemodel='modelcolumn', restoration=False, pbcor=False, parallel=False))
    check_model(params['vis'])


def check_model(vis_list):
    table = table_tool()
    for vis in vis_list:
        table.open(vis)
        try:
            if 'MODEL_DATA' not in table.colnames():
                raise ReimageStop('%s has no MODEL_DATA column after the model-fill step' % vis)
            rows, chunk, peak = table.nrows(), 100000, 0.0
            for start in range(0, rows, chunk):
                peak = max(peak, float(np.abs(table.getcol('MODEL_DATA', start, min(chunk, rows - start))).max()))
                if peak > 0:
                    break
        finally:
            table.close()
        if peak == 0:
            raise ReimageStop('MODEL_DATA of %s is all zero: the model was not saved' % vis)
        print('MODEL_DATA of %s is filled' % vis)


def export(imagename):
    suffix = IMAGE_SUFFIX[imagename]
    for part in (suffix + '.pbcor', suffix.replace('.image', '.pb')):
        fits = imagename + part + '.fits'
        make_room([fits], 'FITS file %s' % fits)
        exportfits(imagename=imagename + part, fitsimage=fits)
        print('wrote', fits)


############################################################
## The pipeline products, as tclean parameters

# Product 1: uid___A001_Xsim_X1.s25_0.SimSource_sci.spw1.mfs.I
# from the iter1 call at line 161 of uid___A001_Xsim_X1.casa_commands.log
product_1 = dict(
    vis=['uid___A002_Xsim01_X1_targets.ms'],
    field='SimSource',
    spw=['1:230.265625~230.421875GHz;230.640625~230.734375GHz'],
    scan=['2,4,6,8'],
    intent='OBSERVE_TARGET#ON_SOURCE',
    datacolumn='data',
    imagename='uid___A001_Xsim_X1.s25_0.SimSource_sci.spw1.mfs.I.manual',
    imsize=[128, 128],
    cell=['0.3arcsec'],
    phasecenter='ICRS 12:00:00.0000 -035.00.00.000',
    stokes='I',
    specmode='mfs',
    nchan=-1,
    outframe='LSRK',
    perchanweightdensity=True,
    gridder='standard',
    mosweight=False,
    usepointing=False,
    pblimit=0.2,
    deconvolver='hogbom',
    restoration=True,
    restoringbeam='common',
    pbcor=True,
    weighting='briggs',
    robust=0.5,
    npixels=0,
    niter=2000,
    threshold=THRESHOLD_1,
    interactive=INTERACTIVE,
    fullsummary=False,
    usemask='user',
    sidelobethreshold=2.0,
    noisethreshold=4.25,
    lownoisethreshold=1.5,
    negativethreshold=0.0,
    minbeamfrac=0.3,
    growiterations=75,
    dogrowprune=True,
    minpercentchange=1.0,
    fastnoise=False,
    restart=False,
    savemodel='modelcolumn',
    calcres=True,
    calcpsf=True,
    parallel=False,
    mask='',
)

# Product 2: uid___A001_Xsim_X1.s25_1.SimSource_sci.spw3.mfs.I
# from the iter1 call at line 198 of uid___A001_Xsim_X1.casa_commands.log
product_2 = dict(
    vis=['uid___A002_Xsim01_X1_targets.ms'],
    field='SimSource',
    spw=['3:232.265625~232.734375GHz'],
    scan=['2,4,6,8'],
    intent='OBSERVE_TARGET#ON_SOURCE',
    datacolumn='data',
    imagename='uid___A001_Xsim_X1.s25_1.SimSource_sci.spw3.mfs.I.manual',
    imsize=[128, 128],
    cell=['0.3arcsec'],
    phasecenter='ICRS 12:00:00.0000 -035.00.00.000',
    stokes='I',
    specmode='mfs',
    nchan=-1,
    outframe='LSRK',
    perchanweightdensity=True,
    gridder='standard',
    mosweight=False,
    usepointing=False,
    pblimit=0.2,
    deconvolver='hogbom',
    restoration=True,
    restoringbeam='common',
    pbcor=True,
    weighting='briggs',
    robust=0.5,
    npixels=0,
    niter=2000,
    threshold=THRESHOLD_2,
    interactive=INTERACTIVE,
    fullsummary=False,
    usemask='user',
    sidelobethreshold=2.0,
    noisethreshold=4.25,
    lownoisethreshold=1.5,
    negativethreshold=0.0,
    minbeamfrac=0.3,
    growiterations=75,
    dogrowprune=True,
    minpercentchange=1.0,
    fastnoise=False,
    restart=False,
    savemodel='modelcolumn',
    calcres=True,
    calcpsf=True,
    parallel=False,
    mask='',
)

# Product 3: uid___A001_Xsim_X1.s27_0.SimSource_sci.spw1_3.cont.I
# from the iter1 call at line 245 of uid___A001_Xsim_X1.casa_commands.log
product_3 = dict(
    vis=['uid___A002_Xsim01_X1_targets.ms'],
    field='SimSource',
    spw=['1:230.265625~230.421875GHz;230.640625~230.734375GHz,3:232.265625~232.734375GHz'],
    scan=['2,4,6,8'],
    intent='OBSERVE_TARGET#ON_SOURCE',
    datacolumn='data',
    imagename='uid___A001_Xsim_X1.s27_0.SimSource_sci.spw1_3.cont.I.manual',
    imsize=[128, 128],
    cell=['0.3arcsec'],
    phasecenter='ICRS 12:00:00.0000 -035.00.00.000',
    stokes='I',
    specmode='mfs',
    nchan=-1,
    outframe='LSRK',
    perchanweightdensity=True,
    gridder='standard',
    mosweight=False,
    usepointing=False,
    pblimit=0.2,
    deconvolver='hogbom',
    restoration=True,
    restoringbeam='common',
    pbcor=True,
    weighting='briggs',
    robust=0.5,
    npixels=0,
    niter=2000,
    threshold=THRESHOLD_3,
    interactive=INTERACTIVE,
    fullsummary=False,
    usemask='user',
    sidelobethreshold=2.0,
    noisethreshold=4.25,
    lownoisethreshold=1.5,
    negativethreshold=0.0,
    minbeamfrac=0.3,
    growiterations=75,
    dogrowprune=True,
    minpercentchange=1.0,
    fastnoise=False,
    restart=False,
    savemodel='modelcolumn',
    calcres=True,
    calcpsf=True,
    parallel=False,
    mask='',
)

IMAGE_SUFFIX = {
    product_1['imagename']: '.image',
    product_2['imagename']: '.image',
    product_3['imagename']: '.image',
}

step_title = {
    0: 'Check that the measurement sets are here',
    1: 'Clean s25_0.SimSource_sci.spw1.mfs.I',
    2: 'Fill and check the model of s25_0.SimSource_sci.spw1.mfs.I',
    3: 'Clean s25_1.SimSource_sci.spw3.mfs.I',
    4: 'Fill and check the model of s25_1.SimSource_sci.spw3.mfs.I',
    5: 'Clean s27_0.SimSource_sci.spw1_3.cont.I',
    6: 'Fill and check the model of s27_0.SimSource_sci.spw1_3.cont.I',
    7: 'Export the final images to FITS',
}


def run_steps(thesteps):
    mystep = 0
    if mystep in thesteps:
        casalog.post('Step %d %s' % (mystep, step_title[mystep]), 'INFO')
        print('Step', mystep, step_title[mystep])
        missing = [vis for vis in ['uid___A002_Xsim01_X1_targets.ms'] if not os.path.isdir(vis)]
        if missing:
            raise ReimageStop('measurement sets not found here: %s (run this script in the folder '
                              'that holds them, e.g. calibrated/working)' % ', '.join(missing))
    mystep = 1
    if mystep in thesteps:
        casalog.post('Step %d %s' % (mystep, step_title[mystep]), 'INFO')
        print('Step', mystep, step_title[mystep])
        clean(product_1)
    mystep = 2
    if mystep in thesteps:
        casalog.post('Step %d %s' % (mystep, step_title[mystep]), 'INFO')
        print('Step', mystep, step_title[mystep])
        fill_model(product_1)
    mystep = 3
    if mystep in thesteps:
        casalog.post('Step %d %s' % (mystep, step_title[mystep]), 'INFO')
        print('Step', mystep, step_title[mystep])
        clean(product_2)
    mystep = 4
    if mystep in thesteps:
        casalog.post('Step %d %s' % (mystep, step_title[mystep]), 'INFO')
        print('Step', mystep, step_title[mystep])
        fill_model(product_2)
    mystep = 5
    if mystep in thesteps:
        casalog.post('Step %d %s' % (mystep, step_title[mystep]), 'INFO')
        print('Step', mystep, step_title[mystep])
        clean(product_3)
    mystep = 6
    if mystep in thesteps:
        casalog.post('Step %d %s' % (mystep, step_title[mystep]), 'INFO')
        print('Step', mystep, step_title[mystep])
        fill_model(product_3)
    mystep = 7
    if mystep in thesteps:
        casalog.post('Step %d %s' % (mystep, step_title[mystep]), 'INFO')
        print('Step', mystep, step_title[mystep])
        export(product_1['imagename'])
        export(product_2['imagename'])
        export(product_3['imagename'])


try:
    thesteps = list(mysteps)  # noqa: F821 (set by the user before execfile)
except NameError:
    thesteps = list(STEPS) or sorted(step_title)
try:
    run_steps(thesteps)
except ReimageStop as stop:
    sys.exit('reimage stopped: %s' % stop)
