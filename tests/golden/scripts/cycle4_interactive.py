# Manual re-imaging of ALMA pipeline products.
#
# Written by regen-tclean 0.1.0 on 2025-11-24 16:00 UTC
# from the log uid___A001_X885_X2b1.casa_commands.log
#   SHA-256 92d86c1bffaab85172a74bfccb3419a449e6488733c581dab8df7ae60c62cdbd
# with the command line:
#   regen-tclean samples/cycle4 --casa-version 4.7
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
# Product 1: uid___A001_X885_X2b1.s19_0.IRAS16293-2422_sci.spw17.mfs.I
THRESHOLD_1 = '0.000698125409Jy'
# Product 2: uid___A001_X885_X2b1.s19_0.IRAS16293-2422_sci.spw19.mfs.I
THRESHOLD_2 = '0.000655270186Jy'
# Product 3: uid___A001_X885_X2b1.s19_0.IRAS16293-2422_sci.spw21.mfs.I
THRESHOLD_3 = '0.00127538862Jy'
# Product 4: uid___A001_X885_X2b1.s19_0.HD_163296_sci.spw17.mfs.I
THRESHOLD_4 = '0.000311478923Jy'
# Product 5: uid___A001_X885_X2b1.s19_0.HD_163296_sci.spw19.mfs.I
THRESHOLD_5 = '0.0mJy'
# Product 6: uid___A001_X885_X2b1.s19_0.HD_163296_sci.spw21.mfs.I
THRESHOLD_6 = '0.000587312544Jy'
# Product 7: uid___A001_X885_X2b1.s21_0.IRAS16293-2422_sci.spw17_19_21.cont.I
THRESHOLD_7 = '0.000389102273Jy'
# Product 8: uid___A001_X885_X2b1.s21_0.HD_163296_sci.spw17_19.cont.I
THRESHOLD_8 = '0.000194776311Jy'
# Product 9: uid___A001_X885_X2b1.s23_0.IRAS16293-2422_sci.spw17.cube.I
THRESHOLD_9 = '0.00652077102Jy'
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

# Product 1: uid___A001_X885_X2b1.s19_0.IRAS16293-2422_sci.spw17.mfs.I
# from the iter1 call at line 326 of uid___A001_X885_X2b1.casa_commands.log
product_1 = dict(
    robust=0.5,
    pblimit=0.2,
    field='IRAS16293-2422',
    deconvolver='hogbom',
    phasecenter='ICRS 16:32:22.8800 -024.28.36.500',
    imagename='uid___A001_X885_X2b1.s19_0.IRAS16293-2422_sci.spw17.mfs.I.manual',
    restoration=True,
    parallel=False,
    scan=['7,9,11,13', '6,8,10,12'],
    stokes='I',
    restoringbeam='common',
    chanchunks=-1,
    niter=200000,
    usemask='user',
    restart=False,
    cell=['0.05arcsec'],
    pbcor=True,
    gridder='standard',
    imsize=[384, 384],
    savemodel='modelcolumn',
    calcpsf=True,
    spw=[
        '17:229.605040553~230.463139703GHz;230.58725389~231.011023516GHz;231.096356174~231.446168656GHz',
        '17:229.629150553~230.487339809GHz;230.611467029~231.035281153GHz;231.120622772~231.470471987GHz',
    ],
    datacolumn='data',
    vis=[
        'uid___A002_Xb9dfa4_X4b3d_target.ms',
        'uid___A002_Xba2e0a_X1f2c_target.ms',
    ],
    outframe='LSRK',
    weighting='briggs',
    specmode='mfs',
    nchan=-1,
    npixels=0,
    threshold=THRESHOLD_1,
    mask='',
    intent='OBSERVE_TARGET#ON_SOURCE',
    calcres=True,
    interactive=INTERACTIVE,
)

# Product 2: uid___A001_X885_X2b1.s19_0.IRAS16293-2422_sci.spw19.mfs.I
# from the iter1 call at line 354 of uid___A001_X885_X2b1.casa_commands.log
product_2 = dict(
    robust=0.5,
    pblimit=0.2,
    field='IRAS16293-2422',
    deconvolver='hogbom',
    phasecenter='ICRS 16:32:22.8800 -024.28.36.500',
    imagename='uid___A001_X885_X2b1.s19_0.IRAS16293-2422_sci.spw19.mfs.I.manual',
    restoration=True,
    parallel=False,
    scan=['7,9,11,13', '6,8,10,12'],
    stokes='I',
    restoringbeam='common',
    chanchunks=-1,
    niter=200000,
    usemask='user',
    restart=False,
    cell=['0.05arcsec'],
    pbcor=True,
    gridder='standard',
    imsize=[384, 384],
    savemodel='modelcolumn',
    calcpsf=True,
    spw=[
        '19:232.066059564~232.39645606GHz;232.605881439~233.886116529GHz',
        '19:232.090427987~232.420859177GHz;232.630306546~233.910676069GHz',
    ],
    datacolumn='data',
    vis=[
        'uid___A002_Xb9dfa4_X4b3d_target.ms',
        'uid___A002_Xba2e0a_X1f2c_target.ms',
    ],
    outframe='LSRK',
    weighting='briggs',
    specmode='mfs',
    nchan=-1,
    npixels=0,
    threshold=THRESHOLD_2,
    mask='',
    intent='OBSERVE_TARGET#ON_SOURCE',
    calcres=True,
    interactive=INTERACTIVE,
)

# Product 3: uid___A001_X885_X2b1.s19_0.IRAS16293-2422_sci.spw21.mfs.I
# from the iter1 call at line 382 of uid___A001_X885_X2b1.casa_commands.log
product_3 = dict(
    robust=0.5,
    pblimit=0.2,
    field='IRAS16293-2422',
    deconvolver='hogbom',
    phasecenter='ICRS 16:32:22.8800 -024.28.36.500',
    imagename='uid___A001_X885_X2b1.s19_0.IRAS16293-2422_sci.spw21.mfs.I.manual',
    restoration=True,
    parallel=False,
    scan=['7,9,11,13', '6,8,10,12'],
    stokes='I',
    restoringbeam='common',
    chanchunks=-1,
    niter=200000,
    usemask='user',
    restart=False,
    cell=['0.05arcsec'],
    pbcor=True,
    gridder='standard',
    imsize=[384, 384],
    savemodel='modelcolumn',
    calcpsf=True,
    spw=[
        '21:219.28674767~219.516669922GHz;219.576818341~219.726761871GHz',
        '21:219.309774183~219.539720579GHz;219.599875313~219.749834588GHz',
    ],
    datacolumn='data',
    vis=[
        'uid___A002_Xb9dfa4_X4b3d_target.ms',
        'uid___A002_Xba2e0a_X1f2c_target.ms',
    ],
    outframe='LSRK',
    weighting='briggs',
    specmode='mfs',
    nchan=-1,
    npixels=0,
    threshold=THRESHOLD_3,
    mask='',
    intent='OBSERVE_TARGET#ON_SOURCE',
    calcres=True,
    interactive=INTERACTIVE,
)

# Product 4: uid___A001_X885_X2b1.s19_0.HD_163296_sci.spw17.mfs.I
# from the iter1 call at line 410 of uid___A001_X885_X2b1.casa_commands.log
product_4 = dict(
    robust=0.5,
    pblimit=0.2,
    field='"HD 163296"',
    deconvolver='hogbom',
    phasecenter='ICRS 17:56:21.2880 -021.57.22.360',
    imagename='uid___A001_X885_X2b1.s19_0.HD_163296_sci.spw17.mfs.I.manual',
    restoration=True,
    parallel=False,
    scan=['15,17', '14,16'],
    stokes='I',
    restoringbeam='common',
    chanchunks=-1,
    niter=200000,
    usemask='user',
    restart=False,
    cell=['0.06arcsec'],
    pbcor=True,
    gridder='standard',
    imsize=[300, 300],
    savemodel='modelcolumn',
    calcpsf=True,
    spw=[
        '17:229.606862067~230.488136398GHz;230.567969534~231.448044176GHz',
        '17:229.627757399~230.50911193GHz;230.588952331~231.469107065GHz',
    ],
    datacolumn='data',
    vis=[
        'uid___A002_Xb9dfa4_X4b3d_target.ms',
        'uid___A002_Xba2e0a_X1f2c_target.ms',
    ],
    outframe='LSRK',
    weighting='briggs',
    specmode='mfs',
    nchan=-1,
    npixels=0,
    threshold=THRESHOLD_4,
    mask='',
    intent='OBSERVE_TARGET#ON_SOURCE',
    calcres=True,
    interactive=INTERACTIVE,
)

# Product 5: uid___A001_X885_X2b1.s19_0.HD_163296_sci.spw19.mfs.I
# from the iter0 call at line 425 of uid___A001_X885_X2b1.casa_commands.log
# NOTE: the log has no iter1 call for uid___A001_X885_X2b1.s19_0.HD_163296_sci.spw19.mfs.I; built from the iter0 call at line 425 with the pipeline's iter1 settings and niter=100000; set THRESHOLD_5, the dirty image has none
product_5 = dict(
    robust=0.5,
    pblimit=0.2,
    field='"HD 163296"',
    deconvolver='hogbom',
    phasecenter='ICRS 17:56:21.2880 -021.57.22.360',
    imagename='uid___A001_X885_X2b1.s19_0.HD_163296_sci.spw19.mfs.I.manual',
    restoration=True,
    parallel=False,
    scan=['15,17', '14,16'],
    stokes='I',
    restoringbeam='common',
    chanchunks=-1,
    niter=100000,
    usemask='user',
    cell=['0.06arcsec'],
    pbcor=True,
    gridder='standard',
    imsize=[300, 300],
    savemodel='modelcolumn',
    spw=[
        '19:232.057867113~233.907677551GHz',
        '19:232.078985498~233.928964278GHz',
    ],
    datacolumn='data',
    vis=[
        'uid___A002_Xb9dfa4_X4b3d_target.ms',
        'uid___A002_Xba2e0a_X1f2c_target.ms',
    ],
    outframe='LSRK',
    weighting='briggs',
    specmode='mfs',
    nchan=-1,
    npixels=0,
    threshold=THRESHOLD_5,
    intent='OBSERVE_TARGET#ON_SOURCE',
    interactive=INTERACTIVE,
    calcres=True,
    calcpsf=True,
    restart=False,
    mask='',
)

# Product 6: uid___A001_X885_X2b1.s19_0.HD_163296_sci.spw21.mfs.I
# from the iter1 call at line 448 of uid___A001_X885_X2b1.casa_commands.log
product_6 = dict(
    robust=0.5,
    pblimit=0.2,
    field='"HD 163296"',
    deconvolver='hogbom',
    phasecenter='ICRS 17:56:21.2880 -021.57.22.360',
    imagename='uid___A001_X885_X2b1.s19_0.HD_163296_sci.spw21.mfs.I.manual',
    restoration=True,
    parallel=False,
    scan=['15,17', '14,16'],
    stokes='I',
    restoringbeam='common',
    chanchunks=-1,
    niter=200000,
    usemask='user',
    restart=False,
    cell=['0.06arcsec'],
    pbcor=True,
    gridder='standard',
    imsize=[300, 300],
    savemodel='modelcolumn',
    calcpsf=True,
    spw=['21', '21'],
    datacolumn='data',
    vis=[
        'uid___A002_Xb9dfa4_X4b3d_target.ms',
        'uid___A002_Xba2e0a_X1f2c_target.ms',
    ],
    outframe='LSRK',
    weighting='briggs',
    specmode='mfs',
    nchan=-1,
    npixels=0,
    threshold=THRESHOLD_6,
    mask='',
    intent='OBSERVE_TARGET#ON_SOURCE',
    calcres=True,
    interactive=INTERACTIVE,
)

# Product 7: uid___A001_X885_X2b1.s21_0.IRAS16293-2422_sci.spw17_19_21.cont.I
# from the iter1 call at line 484 of uid___A001_X885_X2b1.casa_commands.log
product_7 = dict(
    robust=0.5,
    pblimit=0.2,
    field='IRAS16293-2422',
    deconvolver='hogbom',
    phasecenter='ICRS 16:32:22.8800 -024.28.36.500',
    imagename='uid___A001_X885_X2b1.s21_0.IRAS16293-2422_sci.spw17_19_21.cont.I.manual',
    restoration=True,
    parallel=False,
    scan=['7,9,11,13', '6,8,10,12'],
    stokes='I',
    restoringbeam='common',
    chanchunks=-1,
    niter=200000,
    usemask='user',
    restart=False,
    cell=['0.05arcsec'],
    pbcor=True,
    gridder='standard',
    imsize=[384, 384],
    savemodel='modelcolumn',
    calcpsf=True,
    spw=[
        '17:229.605040553~230.463139703GHz;230.58725389~231.011023516GHz;231.096356174~231.446168656GHz,19:232.066059564~232.39645606GHz;232.605881439~233.886116529GHz,21:219.28674767~219.516669922GHz;219.576818341~219.726761871GHz',
        '17:229.629150553~230.487339809GHz;230.611467029~231.035281153GHz;231.120622772~231.470471987GHz,19:232.090427987~232.420859177GHz;232.630306546~233.910676069GHz,21:219.309774183~219.539720579GHz;219.599875313~219.749834588GHz',
    ],
    datacolumn='data',
    vis=[
        'uid___A002_Xb9dfa4_X4b3d_target.ms',
        'uid___A002_Xba2e0a_X1f2c_target.ms',
    ],
    outframe='LSRK',
    weighting='briggs',
    specmode='mfs',
    nchan=-1,
    npixels=0,
    threshold=THRESHOLD_7,
    mask='',
    intent='OBSERVE_TARGET#ON_SOURCE',
    calcres=True,
    interactive=INTERACTIVE,
)

# Product 8: uid___A001_X885_X2b1.s21_0.HD_163296_sci.spw17_19.cont.I
# from the iter1 call at line 512 of uid___A001_X885_X2b1.casa_commands.log
product_8 = dict(
    robust=0.5,
    pblimit=0.2,
    field='"HD 163296"',
    deconvolver='hogbom',
    phasecenter='ICRS 17:56:21.2880 -021.57.22.360',
    imagename='uid___A001_X885_X2b1.s21_0.HD_163296_sci.spw17_19.cont.I.manual',
    restoration=True,
    parallel=False,
    scan=['15,17', '14,16'],
    stokes='I',
    restoringbeam='common',
    chanchunks=-1,
    niter=200000,
    usemask='user',
    restart=False,
    cell=['0.06arcsec'],
    pbcor=True,
    gridder='standard',
    imsize=[300, 300],
    savemodel='modelcolumn',
    calcpsf=True,
    spw=[
        '17:229.606862067~230.488136398GHz;230.567969534~231.448044176GHz,19:232.057867113~233.907677551GHz',
        '17:229.627757399~230.50911193GHz;230.588952331~231.469107065GHz,19:232.078985498~233.928964278GHz',
    ],
    datacolumn='data',
    vis=[
        'uid___A002_Xb9dfa4_X4b3d_target.ms',
        'uid___A002_Xba2e0a_X1f2c_target.ms',
    ],
    outframe='LSRK',
    weighting='briggs',
    specmode='mfs',
    nchan=-1,
    npixels=0,
    threshold=THRESHOLD_8,
    mask='',
    intent='OBSERVE_TARGET#ON_SOURCE',
    calcres=True,
    interactive=INTERACTIVE,
)

# Product 9: uid___A001_X885_X2b1.s23_0.IRAS16293-2422_sci.spw17.cube.I
# from the iter1 call at line 549 of uid___A001_X885_X2b1.casa_commands.log
product_9 = dict(
    robust=0.5,
    pblimit=0.2,
    field='IRAS16293-2422',
    deconvolver='hogbom',
    phasecenter='ICRS 16:32:22.8800 -024.28.36.500',
    imagename='uid___A001_X885_X2b1.s23_0.IRAS16293-2422_sci.spw17.cube.I.manual',
    restoration=True,
    parallel=False,
    scan=['7,9,11,13', '6,8,10,12'],
    stokes='I',
    restoringbeam='common',
    chanchunks=-1,
    niter=4000000,
    usemask='user',
    restart=False,
    cell=['0.05arcsec'],
    pbcor=True,
    gridder='standard',
    imsize=[384, 384],
    savemodel='modelcolumn',
    calcpsf=True,
    spw=['17', '17'],
    datacolumn='corrected',
    vis=[
        'uid___A002_Xb9dfa4_X4b3d_target.ms',
        'uid___A002_Xba2e0a_X1f2c_target.ms',
    ],
    outframe='LSRK',
    weighting='briggs',
    specmode='cube',
    nchan=1916,
    start='229.603265625GHz',
    width='0.976574316406MHz',
    npixels=0,
    threshold=THRESHOLD_9,
    mask='',
    intent='OBSERVE_TARGET#ON_SOURCE',
    calcres=True,
    interactive=INTERACTIVE,
)

IMAGE_SUFFIX = {
    product_1['imagename']: '.image',
    product_2['imagename']: '.image',
    product_3['imagename']: '.image',
    product_4['imagename']: '.image',
    product_5['imagename']: '.image',
    product_6['imagename']: '.image',
    product_7['imagename']: '.image',
    product_8['imagename']: '.image',
    product_9['imagename']: '.image',
}

step_title = {
    0: 'Check that the measurement sets are here',
    1: 'Clean s19_0.IRAS16293-2422_sci.spw17.mfs.I',
    2: 'Fill and check the model of s19_0.IRAS16293-2422_sci.spw17.mfs.I',
    3: 'Clean s19_0.IRAS16293-2422_sci.spw19.mfs.I',
    4: 'Fill and check the model of s19_0.IRAS16293-2422_sci.spw19.mfs.I',
    5: 'Clean s19_0.IRAS16293-2422_sci.spw21.mfs.I',
    6: 'Fill and check the model of s19_0.IRAS16293-2422_sci.spw21.mfs.I',
    7: 'Clean s19_0.HD_163296_sci.spw17.mfs.I',
    8: 'Fill and check the model of s19_0.HD_163296_sci.spw17.mfs.I',
    9: 'Clean s19_0.HD_163296_sci.spw19.mfs.I',
    10: 'Fill and check the model of s19_0.HD_163296_sci.spw19.mfs.I',
    11: 'Clean s19_0.HD_163296_sci.spw21.mfs.I',
    12: 'Fill and check the model of s19_0.HD_163296_sci.spw21.mfs.I',
    13: 'Clean s21_0.IRAS16293-2422_sci.spw17_19_21.cont.I',
    14: 'Fill and check the model of s21_0.IRAS16293-2422_sci.spw17_19_21.cont.I',
    15: 'Clean s21_0.HD_163296_sci.spw17_19.cont.I',
    16: 'Fill and check the model of s21_0.HD_163296_sci.spw17_19.cont.I',
    17: 'Clean s23_0.IRAS16293-2422_sci.spw17.cube.I',
    18: 'Fill and check the model of s23_0.IRAS16293-2422_sci.spw17.cube.I',
    19: 'Export the final images to FITS',
}


def run_steps(thesteps):
    mystep = 0
    if mystep in thesteps:
        casalog.post('Step %d %s' % (mystep, step_title[mystep]), 'INFO')
        print('Step', mystep, step_title[mystep])
        missing = [vis for vis in ['uid___A002_Xb9dfa4_X4b3d_target.ms', 'uid___A002_Xba2e0a_X1f2c_target.ms'] if not os.path.isdir(vis)]
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
        clean(product_4)
    mystep = 8
    if mystep in thesteps:
        casalog.post('Step %d %s' % (mystep, step_title[mystep]), 'INFO')
        print('Step', mystep, step_title[mystep])
        fill_model(product_4)
    mystep = 9
    if mystep in thesteps:
        casalog.post('Step %d %s' % (mystep, step_title[mystep]), 'INFO')
        print('Step', mystep, step_title[mystep])
        clean(product_5)
    mystep = 10
    if mystep in thesteps:
        casalog.post('Step %d %s' % (mystep, step_title[mystep]), 'INFO')
        print('Step', mystep, step_title[mystep])
        fill_model(product_5)
    mystep = 11
    if mystep in thesteps:
        casalog.post('Step %d %s' % (mystep, step_title[mystep]), 'INFO')
        print('Step', mystep, step_title[mystep])
        clean(product_6)
    mystep = 12
    if mystep in thesteps:
        casalog.post('Step %d %s' % (mystep, step_title[mystep]), 'INFO')
        print('Step', mystep, step_title[mystep])
        fill_model(product_6)
    mystep = 13
    if mystep in thesteps:
        casalog.post('Step %d %s' % (mystep, step_title[mystep]), 'INFO')
        print('Step', mystep, step_title[mystep])
        clean(product_7)
    mystep = 14
    if mystep in thesteps:
        casalog.post('Step %d %s' % (mystep, step_title[mystep]), 'INFO')
        print('Step', mystep, step_title[mystep])
        fill_model(product_7)
    mystep = 15
    if mystep in thesteps:
        casalog.post('Step %d %s' % (mystep, step_title[mystep]), 'INFO')
        print('Step', mystep, step_title[mystep])
        clean(product_8)
    mystep = 16
    if mystep in thesteps:
        casalog.post('Step %d %s' % (mystep, step_title[mystep]), 'INFO')
        print('Step', mystep, step_title[mystep])
        fill_model(product_8)
    mystep = 17
    if mystep in thesteps:
        casalog.post('Step %d %s' % (mystep, step_title[mystep]), 'INFO')
        print('Step', mystep, step_title[mystep])
        clean(product_9)
    mystep = 18
    if mystep in thesteps:
        casalog.post('Step %d %s' % (mystep, step_title[mystep]), 'INFO')
        print('Step', mystep, step_title[mystep])
        fill_model(product_9)
    mystep = 19
    if mystep in thesteps:
        casalog.post('Step %d %s' % (mystep, step_title[mystep]), 'INFO')
        print('Step', mystep, step_title[mystep])
        export(product_1['imagename'])
        export(product_2['imagename'])
        export(product_3['imagename'])
        export(product_4['imagename'])
        export(product_5['imagename'])
        export(product_6['imagename'])
        export(product_7['imagename'])
        export(product_8['imagename'])
        export(product_9['imagename'])


try:
    thesteps = list(mysteps)  # noqa: F821 (set by the user before execfile)
except NameError:
    thesteps = list(STEPS) or sorted(step_title)
try:
    run_steps(thesteps)
except ReimageStop as stop:
    sys.exit('reimage stopped: %s' % stop)
