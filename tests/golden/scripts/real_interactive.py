# Manual re-imaging of ALMA pipeline products.
#
# Written by regen-tclean 0.1.0 on 2025-11-24 16:00 UTC
# from the log 2016.1.00023.S.casa_commands.log
#   SHA-256 3411ff9b80302f32f831bdd4fbd812f34ceca57d608ec193f58ec8e0505abe1c
# with the command line:
#   regen-tclean ../shared/samples/real/2016.1.00023.S.casa_commands.log
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
# Product 1: uid___A001_X87d_X497.s29_0.NGC1068_sci.spw22.mfs.I
THRESHOLD_1 = '0.000150475539267Jy'
# Product 2: uid___A001_X87d_X497.s29_0.NGC1068_sci.spw24.mfs.I
THRESHOLD_2 = '0.000150386206806Jy'
# Product 3: uid___A001_X87d_X497.s29_0.NGC1068_sci.spw26.mfs.I
THRESHOLD_3 = '0.000151826180518Jy'
# Product 4: uid___A001_X87d_X497.s31_0.NGC1068_sci.spw22_24_26.cont.I
THRESHOLD_4 = '0.000149543446799Jy'
# Product 5: uid___A001_X87d_X497.s33_0.NGC1068_sci.spw22.cube.I
THRESHOLD_5 = '0.000697410280466Jy'
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

# Product 1: uid___A001_X87d_X497.s29_0.NGC1068_sci.spw22.mfs.I
# from the iter1 call at line 6595 of 2016.1.00023.S.casa_commands.log
# NOTE: dropped chanchunks: not tclean parameters of CASA 6.7.0
product_1 = dict(
    phasecenter='ICRS 02:42:40.7090 -000.00.47.945',
    scan=[
        '33,11,13,16,18,22,24,27,29',
        '9,11,14,16,20,22,25,27,31',
        '11,13,16,18,22,24,27,29',
        '9,11,14,16,20,22,25,27,31',
        '7,9,11,13,14,18,20,22,24,25,29',
        '7,9,11,13,14,18,20,22,24,25,29',
        '7,9,11,13,14,18,20,22,24,25,29',
        '7,9,11,13,14,18,20,22,24,25,29',
    ],
    vis=[
        'uid___A002_Xc27dd7_X2fc3_target.ms',
        'uid___A002_Xc27dd7_X6983_target.ms',
        'uid___A002_Xc27dd7_X6c8e_target.ms',
        'uid___A002_Xc2b007_X877_target.ms',
        'uid___A002_Xc8592e_Xaea3_target.ms',
        'uid___A002_Xc89480_X8c7d_target.ms',
        'uid___A002_Xc96463_X1646_target.ms',
        'uid___A002_Xc96f17_X113a_target.ms',
    ],
    spw=[
        '22:258.6003833~258.642375488GHz;258.978312988~260.458781738GHz',
        '22:258.60056629~258.642558477GHz;258.978984259~260.458964727GHz',
        '22:258.600450229~258.642442416GHz;258.978868197~260.458848666GHz',
        '22:258.60070279~258.642694977GHz;258.979120759~260.459101227GHz',
        '22:258.555160394~258.5966643GHz;258.933090082~260.41307055GHz',
        '22:258.554039027~258.595542933GHz;258.931968714~260.411949183GHz',
        '22:258.551459798~258.592963704GHz;258.929389485~260.409369954GHz',
        '22:258.551324859~258.592828765GHz;258.929254547~260.409235015GHz',
    ],
    weighting='briggs',
    imagename='uid___A001_X87d_X497.s29_0.NGC1068_sci.spw22.mfs.I.manual',
    lownoisethreshold=1.5,
    threshold=THRESHOLD_1,
    sidelobethreshold=3.0,
    imsize=[1890, 1890],
    npixels=0,
    niter=100000000,
    negativethreshold=0.0,
    cell=['0.021arcsec'],
    field='NGC1068',
    outframe='LSRK',
    gridder='standard',
    growiterations=75,
    datacolumn='data',
    savemodel='modelcolumn',
    restoration=True,
    intent='OBSERVE_TARGET#ON_SOURCE',
    robust=0.5,
    usemask='user',
    calcpsf=True,
    restart=False,
    stokes='I',
    minbeamfrac=0.3,
    nchan=-1,
    deconvolver='hogbom',
    noisethreshold=5.0,
    pbcor=True,
    calcres=True,
    pblimit=0.2,
    restoringbeam='common',
    specmode='mfs',
    parallel=False,
    interactive=INTERACTIVE,
    mask='',
)

# Product 2: uid___A001_X87d_X497.s29_0.NGC1068_sci.spw24.mfs.I
# from the iter1 call at line 6656 of 2016.1.00023.S.casa_commands.log
# NOTE: dropped chanchunks: not tclean parameters of CASA 6.7.0
product_2 = dict(
    phasecenter='ICRS 02:42:40.7090 -000.00.47.945',
    scan=[
        '33,11,13,16,18,22,24,27,29',
        '9,11,14,16,20,22,25,27,31',
        '11,13,16,18,22,24,27,29',
        '9,11,14,16,20,22,25,27,31',
        '7,9,11,13,14,18,20,22,24,25,29',
        '7,9,11,13,14,18,20,22,24,25,29',
        '7,9,11,13,14,18,20,22,24,25,29',
        '7,9,11,13,14,18,20,22,24,25,29',
    ],
    vis=[
        'uid___A002_Xc27dd7_X2fc3_target.ms',
        'uid___A002_Xc27dd7_X6983_target.ms',
        'uid___A002_Xc27dd7_X6c8e_target.ms',
        'uid___A002_Xc2b007_X877_target.ms',
        'uid___A002_Xc8592e_Xaea3_target.ms',
        'uid___A002_Xc89480_X8c7d_target.ms',
        'uid___A002_Xc96463_X1646_target.ms',
        'uid___A002_Xc96f17_X113a_target.ms',
    ],
    spw=[
        '24:257.277576924~258.446522237GHz',
        '24:257.277758856~258.446704168GHz',
        '24:257.277643466~258.446588778GHz',
        '24:257.277894567~258.446839879GHz',
        '24:257.232618306~258.401075337GHz',
        '24:257.231503422~258.399960453GHz',
        '24:257.228939105~258.397396136GHz',
        '24:257.228804947~258.397261978GHz',
    ],
    weighting='briggs',
    imagename='uid___A001_X87d_X497.s29_0.NGC1068_sci.spw24.mfs.I.manual',
    lownoisethreshold=1.5,
    threshold=THRESHOLD_2,
    sidelobethreshold=3.0,
    imsize=[1890, 1890],
    npixels=0,
    niter=100000000,
    negativethreshold=0.0,
    cell=['0.021arcsec'],
    field='NGC1068',
    outframe='LSRK',
    gridder='standard',
    growiterations=75,
    datacolumn='data',
    savemodel='modelcolumn',
    restoration=True,
    intent='OBSERVE_TARGET#ON_SOURCE',
    robust=0.5,
    usemask='user',
    calcpsf=True,
    restart=False,
    stokes='I',
    minbeamfrac=0.3,
    nchan=-1,
    deconvolver='hogbom',
    noisethreshold=5.0,
    pbcor=True,
    calcres=True,
    pblimit=0.2,
    restoringbeam='common',
    specmode='mfs',
    parallel=False,
    interactive=INTERACTIVE,
    mask='',
)

# Product 3: uid___A001_X87d_X497.s29_0.NGC1068_sci.spw26.mfs.I
# from the iter1 call at line 6713 of 2016.1.00023.S.casa_commands.log
# NOTE: dropped chanchunks: not tclean parameters of CASA 6.7.0
product_3 = dict(
    phasecenter='ICRS 02:42:40.7090 -000.00.47.945',
    scan=[
        '33,11,13,16,18,22,24,27,29',
        '9,11,14,16,20,22,25,27,31',
        '11,13,16,18,22,24,27,29',
        '9,11,14,16,20,22,25,27,31',
        '7,9,11,13,14,18,20,22,24,25,29',
        '7,9,11,13,14,18,20,22,24,25,29',
        '7,9,11,13,14,18,20,22,24,25,29',
        '7,9,11,13,14,18,20,22,24,25,29',
    ],
    vis=[
        'uid___A002_Xc27dd7_X2fc3_target.ms',
        'uid___A002_Xc27dd7_X6983_target.ms',
        'uid___A002_Xc27dd7_X6c8e_target.ms',
        'uid___A002_Xc2b007_X877_target.ms',
        'uid___A002_Xc8592e_Xaea3_target.ms',
        'uid___A002_Xc89480_X8c7d_target.ms',
        'uid___A002_Xc96463_X1646_target.ms',
        'uid___A002_Xc96f17_X113a_target.ms',
    ],
    spw=[
        '26:244.389123337~244.944299118GHz',
        '26:244.389302326~244.944478107GHz',
        '26:244.389188802~244.944364583GHz',
        '26:244.389435841~244.944611622GHz',
        '26:244.34587647~244.901540532GHz',
        '26:244.344779621~244.900443683GHz',
        '26:244.342745068~244.89792085GHz',
        '26:244.34261308~244.897788861GHz',
    ],
    weighting='briggs',
    imagename='uid___A001_X87d_X497.s29_0.NGC1068_sci.spw26.mfs.I.manual',
    lownoisethreshold=1.5,
    threshold=THRESHOLD_3,
    sidelobethreshold=3.0,
    imsize=[1890, 1890],
    npixels=0,
    niter=100000000,
    negativethreshold=0.0,
    cell=['0.021arcsec'],
    field='NGC1068',
    outframe='LSRK',
    gridder='standard',
    growiterations=75,
    datacolumn='data',
    savemodel='modelcolumn',
    restoration=True,
    intent='OBSERVE_TARGET#ON_SOURCE',
    robust=0.5,
    usemask='user',
    calcpsf=True,
    restart=False,
    stokes='I',
    minbeamfrac=0.3,
    nchan=-1,
    deconvolver='hogbom',
    noisethreshold=5.0,
    pbcor=True,
    calcres=True,
    pblimit=0.2,
    restoringbeam='common',
    specmode='mfs',
    parallel=False,
    interactive=INTERACTIVE,
    mask='',
)

# Product 4: uid___A001_X87d_X497.s31_0.NGC1068_sci.spw22_24_26.cont.I
# from the iter1 call at line 6784 of 2016.1.00023.S.casa_commands.log
# NOTE: dropped chanchunks: not tclean parameters of CASA 6.7.0
product_4 = dict(
    phasecenter='ICRS 02:42:40.7090 -000.00.47.945',
    scan=[
        '33,11,13,16,18,22,24,27,29',
        '9,11,14,16,20,22,25,27,31',
        '11,13,16,18,22,24,27,29',
        '9,11,14,16,20,22,25,27,31',
        '7,9,11,13,14,18,20,22,24,25,29',
        '7,9,11,13,14,18,20,22,24,25,29',
        '7,9,11,13,14,18,20,22,24,25,29',
        '7,9,11,13,14,18,20,22,24,25,29',
    ],
    vis=[
        'uid___A002_Xc27dd7_X2fc3_target.ms',
        'uid___A002_Xc27dd7_X6983_target.ms',
        'uid___A002_Xc27dd7_X6c8e_target.ms',
        'uid___A002_Xc2b007_X877_target.ms',
        'uid___A002_Xc8592e_Xaea3_target.ms',
        'uid___A002_Xc89480_X8c7d_target.ms',
        'uid___A002_Xc96463_X1646_target.ms',
        'uid___A002_Xc96f17_X113a_target.ms',
    ],
    spw=[
        '22:258.6003833~258.642375488GHz;258.978312988~260.458781738GHz,24:257.277576924~258.446522237GHz,26:244.389123337~244.944299118GHz',
        '22:258.60056629~258.642558477GHz;258.978984259~260.458964727GHz,24:257.277758856~258.446704168GHz,26:244.389302326~244.944478107GHz',
        '22:258.600450229~258.642442416GHz;258.978868197~260.458848666GHz,24:257.277643466~258.446588778GHz,26:244.389188802~244.944364583GHz',
        '22:258.60070279~258.642694977GHz;258.979120759~260.459101227GHz,24:257.277894567~258.446839879GHz,26:244.389435841~244.944611622GHz',
        '22:258.555160394~258.5966643GHz;258.933090082~260.41307055GHz,24:257.232618306~258.401075337GHz,26:244.34587647~244.901540532GHz',
        '22:258.554039027~258.595542933GHz;258.931968714~260.411949183GHz,24:257.231503422~258.399960453GHz,26:244.344779621~244.900443683GHz',
        '22:258.551459798~258.592963704GHz;258.929389485~260.409369954GHz,24:257.228939105~258.397396136GHz,26:244.342745068~244.89792085GHz',
        '22:258.551324859~258.592828765GHz;258.929254547~260.409235015GHz,24:257.228804947~258.397261978GHz,26:244.34261308~244.897788861GHz',
    ],
    weighting='briggs',
    imagename='uid___A001_X87d_X497.s31_0.NGC1068_sci.spw22_24_26.cont.I.manual',
    lownoisethreshold=1.5,
    threshold=THRESHOLD_4,
    sidelobethreshold=3.0,
    imsize=[1890, 1890],
    npixels=0,
    niter=100000000,
    negativethreshold=0.0,
    cell=['0.021arcsec'],
    field='NGC1068',
    outframe='LSRK',
    gridder='standard',
    growiterations=75,
    datacolumn='data',
    savemodel='modelcolumn',
    restoration=True,
    intent='OBSERVE_TARGET#ON_SOURCE',
    robust=0.5,
    usemask='user',
    calcpsf=True,
    restart=False,
    stokes='I',
    minbeamfrac=0.3,
    nchan=-1,
    deconvolver='hogbom',
    noisethreshold=5.0,
    pbcor=True,
    calcres=True,
    pblimit=0.2,
    restoringbeam='common',
    specmode='mfs',
    parallel=False,
    interactive=INTERACTIVE,
    mask='',
)

# Product 5: uid___A001_X87d_X497.s33_0.NGC1068_sci.spw22.cube.I
# from the iter1 call at line 6852 of 2016.1.00023.S.casa_commands.log
# NOTE: dropped chanchunks: not tclean parameters of CASA 6.7.0
product_5 = dict(
    phasecenter='ICRS 02:42:40.7090 -000.00.47.945',
    scan=[
        '33,11,13,16,18,22,24,27,29',
        '9,11,14,16,20,22,25,27,31',
        '11,13,16,18,22,24,27,29',
        '9,11,14,16,20,22,25,27,31',
        '7,9,11,13,14,18,20,22,24,25,29',
        '7,9,11,13,14,18,20,22,24,25,29',
        '7,9,11,13,14,18,20,22,24,25,29',
        '7,9,11,13,14,18,20,22,24,25,29',
    ],
    vis=[
        'uid___A002_Xc27dd7_X2fc3_target.ms',
        'uid___A002_Xc27dd7_X6983_target.ms',
        'uid___A002_Xc27dd7_X6c8e_target.ms',
        'uid___A002_Xc2b007_X877_target.ms',
        'uid___A002_Xc8592e_Xaea3_target.ms',
        'uid___A002_Xc89480_X8c7d_target.ms',
        'uid___A002_Xc96463_X1646_target.ms',
        'uid___A002_Xc96f17_X113a_target.ms',
    ],
    spw=['22', '22', '22', '22', '22', '22', '22', '22'],
    weighting='briggs',
    imagename='uid___A001_X87d_X497.s33_0.NGC1068_sci.spw22.cube.I.manual',
    lownoisethreshold=1.5,
    threshold=THRESHOLD_5,
    sidelobethreshold=3.0,
    imsize=[1792, 1792],
    start='258.582725037GHz',
    npixels=0,
    niter=6000000,
    negativethreshold=7.0,
    cell=['0.021arcsec'],
    field='NGC1068',
    outframe='LSRK',
    gridder='standard',
    growiterations=50,
    datacolumn='corrected',
    savemodel='modelcolumn',
    restoration=True,
    intent='OBSERVE_TARGET#ON_SOURCE',
    robust=0.5,
    usemask='user',
    calcpsf=True,
    restart=False,
    stokes='I',
    minbeamfrac=0.3,
    nchan=1918,
    deconvolver='hogbom',
    noisethreshold=5.0,
    pbcor=True,
    calcres=True,
    pblimit=0.2,
    restoringbeam='common',
    specmode='cube',
    parallel=False,
    width='0.976744979842MHz',
    interactive=INTERACTIVE,
    mask='',
)

IMAGE_SUFFIX = {
    product_1['imagename']: '.image',
    product_2['imagename']: '.image',
    product_3['imagename']: '.image',
    product_4['imagename']: '.image',
    product_5['imagename']: '.image',
}

step_title = {
    0: 'Check that the measurement sets are here',
    1: 'Clean s29_0.NGC1068_sci.spw22.mfs.I',
    2: 'Fill and check the model of s29_0.NGC1068_sci.spw22.mfs.I',
    3: 'Clean s29_0.NGC1068_sci.spw24.mfs.I',
    4: 'Fill and check the model of s29_0.NGC1068_sci.spw24.mfs.I',
    5: 'Clean s29_0.NGC1068_sci.spw26.mfs.I',
    6: 'Fill and check the model of s29_0.NGC1068_sci.spw26.mfs.I',
    7: 'Clean s31_0.NGC1068_sci.spw22_24_26.cont.I',
    8: 'Fill and check the model of s31_0.NGC1068_sci.spw22_24_26.cont.I',
    9: 'Clean s33_0.NGC1068_sci.spw22.cube.I',
    10: 'Fill and check the model of s33_0.NGC1068_sci.spw22.cube.I',
    11: 'Export the final images to FITS',
}


def run_steps(thesteps):
    mystep = 0
    if mystep in thesteps:
        casalog.post('Step %d %s' % (mystep, step_title[mystep]), 'INFO')
        print('Step', mystep, step_title[mystep])
        missing = [vis for vis in ['uid___A002_Xc27dd7_X2fc3_target.ms', 'uid___A002_Xc27dd7_X6983_target.ms', 'uid___A002_Xc27dd7_X6c8e_target.ms', 'uid___A002_Xc2b007_X877_target.ms', 'uid___A002_Xc8592e_Xaea3_target.ms', 'uid___A002_Xc89480_X8c7d_target.ms', 'uid___A002_Xc96463_X1646_target.ms', 'uid___A002_Xc96f17_X113a_target.ms'] if not os.path.isdir(vis)]
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
        export(product_1['imagename'])
        export(product_2['imagename'])
        export(product_3['imagename'])
        export(product_4['imagename'])
        export(product_5['imagename'])


try:
    thesteps = list(mysteps)  # noqa: F821 (set by the user before execfile)
except NameError:
    thesteps = list(STEPS) or sorted(step_title)
try:
    run_steps(thesteps)
except ReimageStop as stop:
    sys.exit('reimage stopped: %s' % stop)
