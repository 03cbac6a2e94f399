# Manual re-imaging and self-calibration of ALMA pipeline products.
#
# Written by regen-tclean 0.1.0 on 2025-11-24 16:00 UTC
# from the log uid___A001_X3621_X1c7.casa_commands.log
#   SHA-256 138c433bc89100319cddcd342f2deb07d422f674399c4dff51aeb5f0a33d4c86
# with the command line:
#   regen-tclean samples/cycle10 --no-interactive --selfcal --ap
#
# Each product's tclean parameters below are the pipeline's own iter1 call,
# changed as the ALMA re-imaging guide prescribes for a manual clean: a fresh
# image name, calcres/calcpsf recomputed, restart=False, the mask settings of batch mode,
# primary-beam correction, and the model saved so the data can be self-calibrated.
#
# Run it in CASA from the folder holding the measurement sets (calibrated/working
# of a restored delivery):
#   casa -c reimage.py               monolithic CASA
#   execfile('reimage.py')           inside a CASA session
#   python reimage.py                modular CASA 6 (casatools + casatasks)
# To run only some steps: set STEPS below, or mysteps = [...] before execfile.
from __future__ import print_function

import json
import os
import re
import shutil
import sys

import numpy as np

try:
    from casatasks import (applycal, casalog, clearcal, delmod, exportfits, flagmanager, gaincal, imhead,
                           imstat, mstransform, tclean)
    from casatools import table as table_tool
except ImportError:  # CASA 4.7 and 5 have the tasks and tools built in
    table_tool = tbtool  # noqa: F821

############################################################
## USER SET INPUTS
# True: tclean opens the viewer at each major cycle so you draw the clean mask.
INTERACTIVE = False
# True: remove this script's own earlier products (and only those) before
# making them again; False: stop with a message when they exist.
OVERWRITE = False
# Steps to run, e.g. [1, 2]; empty runs every step (see step_title below).
STEPS = []
# Clean down to these thresholds. Each starts as the pipeline's own, a
# conservative multiple of the expected noise: lower it to clean deeper.
# Product 1: uid___A001_X3621_X1c7.s14_0.Elias_27_sci.spw25.mfs.regcal.I
THRESHOLD_1 = '0.000612Jy'
# Product 2: uid___A001_X3621_X1c7.s14_0.Elias_27_sci.spw27.mfs.regcal.I
THRESHOLD_2 = '0.000284Jy'
# Product 3: uid___A001_X3621_X1c7.s14_0.Elias_27_sci.spw29.mfs.regcal.I
THRESHOLD_3 = '0.000301Jy'
# Product 4: uid___A001_X3621_X1c7.s16_0.Elias_27_sci.spw25_27_29.cont.regcal.I
THRESHOLD_4 = '0.000171Jy'
# Product 5: uid___A001_X3621_X1c7.s19_0.Elias_27_sci.spw25_27_29.cont.selfcal.I
THRESHOLD_5 = '0.000118Jy'
# Product 6: uid___A001_X3621_X1c7.s21_0.Elias_27_sci.spw25.cube.selfcal.I
THRESHOLD_6 = '0.00417Jy'
# Product 7: uid___A001_X3621_X1c7.s23_0.Elias_27_sci.spw29.repBW.regcal.I
THRESHOLD_7 = '0.00236Jy'
# The pipeline self-calibrated this target already (product 5); product 4
# starts again from the regular calibration. Select another with --product.
# Self-calibration of product 4: solution intervals of the phase-only rounds,
# then an amplitude+phase round if AMPLITUDE_ROUND is True.
SOLINTS = ['inf', '30s', 'int']
AMPLITUDE_ROUND = True
# Reference antennas: the first 5 of the pipeline's list in the gaincal calls of each execution block.
REFANT = {
    'uid___A002_X10b9e3a_X7c91_targets_selfcal.ms': 'DA41,DV23,DA57,DV11,DA49',
    'uid___A002_X10bb1f0_X2d4e_targets_selfcal.ms': 'DV23,DA41,DA57,DV11,DA49',
}
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


def image_stats(params):
    """Peak, rms (from the residual's median absolute deviation), S/N and beam of a clean."""
    name = params['imagename']
    suffix = IMAGE_SUFFIX[name]
    peak = float(imstat(imagename=name + suffix)['max'][0])
    rms = 1.4826 * float(imstat(imagename=name + suffix.replace('.image', '.residual'))['medabsdevmed'][0])
    beam = imhead(imagename=name + suffix, mode='summary').get('restoringbeam', {})
    beam_text = ''
    if 'major' in beam:
        beam_text = '%.3g x %.3g arcsec, %.0f deg' % (
            beam['major']['value'] if beam['major']['unit'] == 'arcsec' else beam['major']['value'] * 3600,
            beam['minor']['value'] if beam['minor']['unit'] == 'arcsec' else beam['minor']['value'] * 3600,
            beam['positionangle']['value'])
    return {'image': name, 'peak': peak, 'rms': rms, 'snr': peak / rms if rms > 0 else 0.0, 'beam': beam_text}


def split_for_selfcal(vis_list, outputs, datacolumn, field, spw):
    """Copy the imaged column into MSs of their own (keeping spw ids), so that
    applycal cannot overwrite the column the pipeline filled."""
    for vis, output in zip(vis_list, outputs):
        make_room([output, output + '.flagversions'], 'measurement set %s' % output)
        mstransform(vis=vis, outputvis=output, datacolumn=datacolumn, field=field, spw=spw, reindex=False)


def selfcal(params, solints, amplitude_round, refant, combine, spwmap):
    """Phase-only rounds, then optionally one amplitude+phase round; a round is
    kept only if peak/rms improves, else its flags and tables are undone."""
    vis_list = params['vis']
    # Solve on the channels the image uses: the model holds no line emission.
    selections = per_ms(params['spw'], vis_list)
    refants = refant if isinstance(refant, dict) else per_ms(refant, vis_list)
    rounds = [(solint, 'p') for solint in solints] + ([('inf', 'ap')] if amplitude_round else [])
    base = dict(params, datacolumn='corrected')
    best = image_stats(params)
    history = [dict(best, round=0, solint='', calmode='', kept=True)]
    applied = dict((vis, []) for vis in vis_list)
    for number, (solint, calmode) in enumerate(rounds, 1):
        tables = {}
        for vis in vis_list:
            flagmanager(vis=vis, mode='save', versionname='regen_selfcal_round%d' % number)
            table = '%s.round%d_%s.%s.g' % (vis, number, solint, calmode)
            make_room([table], 'calibration table %s' % table)
            pre = applied[vis] if calmode == 'ap' else []
            gaincal(vis=vis, caltable=table, spw=selections[vis], solint=solint, refant=refants[vis],
                    calmode=calmode, gaintype='T', combine=combine, minsnr=3.0, minblperant=4,
                    solnorm=(calmode == 'ap'), gaintable=pre, spwmap=spwmaps(spwmap, pre))
            if not os.path.isdir(table):
                raise ReimageStop('gaincal wrote no table %s; see the CASA log' % table)
            tables[vis] = pre + [table]
            apply_tables(vis, tables[vis], spwmap)
        trial = dict(base, imagename='%s.round%d_%s' % (params['imagename'], number, solint))
        IMAGE_SUFFIX[trial['imagename']] = IMAGE_SUFFIX[params['imagename']]
        clean(trial)
        fill_model(trial)
        stats = image_stats(trial)
        kept = stats['snr'] > best['snr']
        history.append(dict(stats, round=number, solint=solint, calmode=calmode, kept=kept))
        if not kept:
            print('round %d (%s, %s) lowered peak/rms: undone, self-calibration stops here' % (number, solint, calmode))
            for vis in vis_list:
                flagmanager(vis=vis, mode='restore', versionname='regen_selfcal_round%d' % number)
                apply_tables(vis, applied[vis], spwmap)
            break
        best, applied = stats, tables
    print_history(history)
    with open(params['imagename'] + '.selfcal.json', 'w') as stream:
        json.dump({'rounds': history, 'final_image': best['image'], 'tables': applied}, stream, indent=1)
    return best['image']


def per_ms(value, vis_list):
    """A tclean argument given per MS (a list) or for all of them (one value), by MS."""
    if isinstance(value, list):
        return dict(zip(vis_list, value))
    return dict((vis, value) for vis in vis_list)


def spwmaps(spwmap, tables):
    return [spwmap] * len(tables) if spwmap else []


def apply_tables(vis, tables, spwmap):
    """CORRECTED_DATA of vis from these tables, or back to DATA when there are none."""
    if tables:
        applycal(vis=vis, gaintable=tables, spwmap=spwmaps(spwmap, tables), calwt=False, interp='linear',
                 flagbackup=False)
    else:
        clearcal(vis=vis)


def print_history(history):
    print('%5s %6s %4s %12s %12s %8s  %-28s %s' % ('round', 'solint', 'mode', 'peak (Jy)', 'rms (Jy)', 'S/N', 'beam', 'kept'))
    for row in history:
        print('%5d %6s %4s %12.4g %12.4g %8.1f  %-28s %s' % (
            row['round'], row['solint'], row['calmode'], row['peak'], row['rms'], row['snr'], row['beam'],
            'yes' if row['kept'] else 'no'))


############################################################
## The pipeline products, as tclean parameters

# Product 1: uid___A001_X3621_X1c7.s14_0.Elias_27_sci.spw25.mfs.regcal.I
# from the iter1 call at line 225 of uid___A001_X3621_X1c7.casa_commands.log
product_1 = dict(
    vis=[
        'uid___A002_X10b9e3a_X7c91_targets.ms',
        'uid___A002_X10bb1f0_X2d4e_targets.ms',
    ],
    field='Elias_27',
    spw=[
        '25:230.0262976309~230.5019588675GHz;230.5545931123~230.9510588525GHz',
        '25:230.0437804512~230.5194778398GHz;230.5721160850~230.9686119580GHz',
    ],
    scan=['6,8,10,12,14', '5,7,9,11,13'],
    intent='OBSERVE_TARGET#ON_SOURCE',
    datacolumn='data',
    imagename='uid___A001_X3621_X1c7.s14_0.Elias_27_sci.spw25.mfs.regcal.I.manual',
    imsize=[400, 400],
    cell=['0.045arcsec'],
    phasecenter='ICRS 16:26:45.0220 -024.23.08.250',
    stokes='I',
    specmode='mfs',
    nchan=-1,
    outframe='LSRK',
    perchanweightdensity=False,
    gridder='standard',
    pblimit=0.2,
    deconvolver='hogbom',
    restoration=True,
    pbcor=True,
    weighting='briggs',
    robust=0.5,
    npixels=0,
    niter=500000,
    threshold=THRESHOLD_1,
    nsigma=0.0,
    interactive=INTERACTIVE,
    fullsummary=True,
    usemask='auto-multithresh',
    sidelobethreshold=2.5,
    noisethreshold=5.0,
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
    psfcutoff=0.35,
    parallel=False,
)

# Product 2: uid___A001_X3621_X1c7.s14_0.Elias_27_sci.spw27.mfs.regcal.I
# from the iter1 call at line 267 of uid___A001_X3621_X1c7.casa_commands.log
product_2 = dict(
    vis=[
        'uid___A002_X10b9e3a_X7c91_targets.ms',
        'uid___A002_X10bb1f0_X2d4e_targets.ms',
    ],
    field='Elias_27',
    spw=[
        '27:232.0525695791~233.9255284209GHz',
        '27:232.0702064033~233.9433075967GHz',
    ],
    scan=['6,8,10,12,14', '5,7,9,11,13'],
    intent='OBSERVE_TARGET#ON_SOURCE',
    datacolumn='data',
    imagename='uid___A001_X3621_X1c7.s14_0.Elias_27_sci.spw27.mfs.regcal.I.manual',
    imsize=[400, 400],
    cell=['0.045arcsec'],
    phasecenter='ICRS 16:26:45.0220 -024.23.08.250',
    stokes='I',
    specmode='mfs',
    nchan=-1,
    outframe='LSRK',
    perchanweightdensity=False,
    gridder='standard',
    pblimit=0.2,
    deconvolver='hogbom',
    restoration=True,
    pbcor=True,
    weighting='briggs',
    robust=0.5,
    npixels=0,
    niter=500000,
    threshold=THRESHOLD_2,
    nsigma=0.0,
    interactive=INTERACTIVE,
    fullsummary=True,
    usemask='auto-multithresh',
    sidelobethreshold=2.5,
    noisethreshold=5.0,
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
    psfcutoff=0.35,
    parallel=False,
)

# Product 3: uid___A001_X3621_X1c7.s14_0.Elias_27_sci.spw29.mfs.regcal.I
# from the iter1 call at line 309 of uid___A001_X3621_X1c7.casa_commands.log
product_3 = dict(
    vis=[
        'uid___A002_X10b9e3a_X7c91_targets.ms',
        'uid___A002_X10bb1f0_X2d4e_targets.ms',
    ],
    field='Elias_27',
    spw=[
        '29:218.9589467270~219.5277676475GHz;219.5726874111~220.3636658584GHz;220.4124916885~220.8196991113GHz',
        '29:218.9755883891~219.5444525420GHz;219.5893757197~220.3804142842GHz;220.4292438252~220.8364821973GHz',
    ],
    scan=['6,8,10,12,14', '5,7,9,11,13'],
    intent='OBSERVE_TARGET#ON_SOURCE',
    datacolumn='data',
    imagename='uid___A001_X3621_X1c7.s14_0.Elias_27_sci.spw29.mfs.regcal.I.manual',
    imsize=[400, 400],
    cell=['0.045arcsec'],
    phasecenter='ICRS 16:26:45.0220 -024.23.08.250',
    stokes='I',
    specmode='mfs',
    nchan=-1,
    outframe='LSRK',
    perchanweightdensity=False,
    gridder='standard',
    pblimit=0.2,
    deconvolver='hogbom',
    restoration=True,
    pbcor=True,
    weighting='briggs',
    robust=0.5,
    npixels=0,
    niter=500000,
    threshold=THRESHOLD_3,
    nsigma=0.0,
    interactive=INTERACTIVE,
    fullsummary=True,
    usemask='auto-multithresh',
    sidelobethreshold=2.5,
    noisethreshold=5.0,
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
    psfcutoff=0.35,
    parallel=False,
)

# Product 4: uid___A001_X3621_X1c7.s16_0.Elias_27_sci.spw25_27_29.cont.regcal.I
# from the iter1 call at line 362 of uid___A001_X3621_X1c7.casa_commands.log
product_4 = dict(
    vis=[
        'uid___A002_X10b9e3a_X7c91_targets.ms',
        'uid___A002_X10bb1f0_X2d4e_targets.ms',
    ],
    field='Elias_27',
    spw=[
        '25:230.0262976309~230.5019588675GHz;230.5545931123~230.9510588525GHz,27:232.0525695791~233.9255284209GHz,29:218.9589467270~219.5277676475GHz;219.5726874111~220.3636658584GHz;220.4124916885~220.8196991113GHz',
        '25:230.0437804512~230.5194778398GHz;230.5721160850~230.9686119580GHz,27:232.0702064033~233.9433075967GHz,29:218.9755883891~219.5444525420GHz;219.5893757197~220.3804142842GHz;220.4292438252~220.8364821973GHz',
    ],
    scan=['6,8,10,12,14', '5,7,9,11,13'],
    intent='OBSERVE_TARGET#ON_SOURCE',
    datacolumn='data',
    imagename='uid___A001_X3621_X1c7.s16_0.Elias_27_sci.spw25_27_29.cont.regcal.I.manual',
    imsize=[400, 400],
    cell=['0.045arcsec'],
    phasecenter='ICRS 16:26:45.0220 -024.23.08.250',
    stokes='I',
    specmode='mfs',
    nchan=-1,
    outframe='LSRK',
    perchanweightdensity=False,
    gridder='standard',
    pblimit=0.2,
    deconvolver='hogbom',
    restoration=True,
    pbcor=True,
    weighting='briggs',
    robust=0.5,
    npixels=0,
    niter=500000,
    threshold=THRESHOLD_4,
    nsigma=0.0,
    cyclefactor=2.0,
    interactive=INTERACTIVE,
    fullsummary=True,
    usemask='auto-multithresh',
    sidelobethreshold=2.5,
    noisethreshold=5.0,
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
    psfcutoff=0.35,
    parallel=False,
)

# Product 5: uid___A001_X3621_X1c7.s19_0.Elias_27_sci.spw25_27_29.cont.selfcal.I
# from the iter1 call at line 511 of uid___A001_X3621_X1c7.casa_commands.log
product_5 = dict(
    vis=[
        'uid___A002_X10b9e3a_X7c91_targets.ms',
        'uid___A002_X10bb1f0_X2d4e_targets.ms',
    ],
    field='Elias_27',
    spw=[
        '25:230.0262976309~230.5019588675GHz;230.5545931123~230.9510588525GHz,27:232.0525695791~233.9255284209GHz,29:218.9589467270~219.5277676475GHz;219.5726874111~220.3636658584GHz;220.4124916885~220.8196991113GHz',
        '25:230.0437804512~230.5194778398GHz;230.5721160850~230.9686119580GHz,27:232.0702064033~233.9433075967GHz,29:218.9755883891~219.5444525420GHz;219.5893757197~220.3804142842GHz;220.4292438252~220.8364821973GHz',
    ],
    scan=['6,8,10,12,14', '5,7,9,11,13'],
    intent='OBSERVE_TARGET#ON_SOURCE',
    datacolumn='corrected',
    imagename='uid___A001_X3621_X1c7.s19_0.Elias_27_sci.spw25_27_29.cont.selfcal.I.manual',
    imsize=[400, 400],
    cell=['0.045arcsec'],
    phasecenter='ICRS 16:26:45.0220 -024.23.08.250',
    stokes='I',
    specmode='mfs',
    nchan=-1,
    outframe='LSRK',
    perchanweightdensity=False,
    gridder='standard',
    pblimit=0.2,
    deconvolver='hogbom',
    restoration=True,
    pbcor=True,
    weighting='briggs',
    robust=0.5,
    npixels=0,
    niter=500000,
    threshold=THRESHOLD_5,
    nsigma=0.0,
    cyclefactor=2.0,
    interactive=INTERACTIVE,
    fullsummary=True,
    usemask='auto-multithresh',
    sidelobethreshold=2.5,
    noisethreshold=5.0,
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
    psfcutoff=0.35,
    parallel=False,
)

# Product 6: uid___A001_X3621_X1c7.s21_0.Elias_27_sci.spw25.cube.selfcal.I
# from the iter1 call at line 587 of uid___A001_X3621_X1c7.casa_commands.log
product_6 = dict(
    vis=[
        'uid___A002_X10b9e3a_X7c91_targets_line.ms',
        'uid___A002_X10bb1f0_X2d4e_targets_line.ms',
    ],
    field='Elias_27',
    spw=['25', '25'],
    scan=['6,8,10,12,14', '5,7,9,11,13'],
    intent='OBSERVE_TARGET#ON_SOURCE',
    datacolumn='corrected',
    imagename='uid___A001_X3621_X1c7.s21_0.Elias_27_sci.spw25.cube.selfcal.I.manual',
    imsize=[400, 400],
    cell=['0.045arcsec'],
    phasecenter='ICRS 16:26:45.0220 -024.23.08.250',
    stokes='I',
    specmode='cube',
    nchan=1916,
    start='230.0322265625GHz',
    width='0.4882859863MHz',
    outframe='LSRK',
    perchanweightdensity=True,
    gridder='standard',
    pblimit=0.2,
    deconvolver='hogbom',
    restoration=True,
    restoringbeam='common',
    pbcor=True,
    weighting='briggs',
    robust=0.5,
    npixels=0,
    niter=3000000,
    threshold=THRESHOLD_6,
    nsigma=0.0,
    interactive=INTERACTIVE,
    fullsummary=True,
    usemask='auto-multithresh',
    sidelobethreshold=2.5,
    noisethreshold=5.0,
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
    psfcutoff=0.35,
    parallel=False,
)

# Product 7: uid___A001_X3621_X1c7.s23_0.Elias_27_sci.spw29.repBW.regcal.I
# from the iter1 call at line 638 of uid___A001_X3621_X1c7.casa_commands.log
product_7 = dict(
    vis=[
        'uid___A002_X10b9e3a_X7c91_targets_line.ms',
        'uid___A002_X10bb1f0_X2d4e_targets_line.ms',
    ],
    field='Elias_27',
    spw=['29', '29'],
    scan=['6,8,10,12,14', '5,7,9,11,13'],
    intent='OBSERVE_TARGET#ON_SOURCE',
    datacolumn='data',
    imagename='uid___A001_X3621_X1c7.s23_0.Elias_27_sci.spw29.repBW.regcal.I.manual',
    imsize=[400, 400],
    cell=['0.045arcsec'],
    phasecenter='ICRS 16:26:45.0220 -024.23.08.250',
    stokes='I',
    specmode='cube',
    nchan=956,
    start='218.9644531250GHz',
    width='1.9531439453MHz',
    outframe='LSRK',
    perchanweightdensity=True,
    gridder='standard',
    pblimit=0.2,
    deconvolver='hogbom',
    restoration=True,
    restoringbeam='common',
    pbcor=True,
    weighting='briggs',
    robust=0.5,
    npixels=0,
    niter=3000000,
    threshold=THRESHOLD_7,
    nsigma=0.0,
    interactive=INTERACTIVE,
    fullsummary=True,
    usemask='auto-multithresh',
    sidelobethreshold=2.5,
    noisethreshold=5.0,
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
    psfcutoff=0.35,
    parallel=False,
)

# Self-calibration works on a copy of the imaged column of product 4.
selfcal_vis = ['uid___A002_X10b9e3a_X7c91_targets_selfcal.ms', 'uid___A002_X10bb1f0_X2d4e_targets_selfcal.ms']
selfcal_start = dict(product_4, vis=selfcal_vis, datacolumn='data',
                     imagename='uid___A001_X3621_X1c7.s16_0.Elias_27_sci.spw25_27_29.cont.regcal.I.selfcal',
                     savemodel='modelcolumn')

IMAGE_SUFFIX = {
    product_1['imagename']: '.image',
    product_2['imagename']: '.image',
    product_3['imagename']: '.image',
    product_4['imagename']: '.image',
    product_5['imagename']: '.image',
    product_6['imagename']: '.image',
    product_7['imagename']: '.image',
    selfcal_start['imagename']: '.image',
}

step_title = {
    0: 'Check that the measurement sets are here',
    1: 'Clean s14_0.Elias_27_sci.spw25.mfs.regcal.I',
    2: 'Fill and check the model of s14_0.Elias_27_sci.spw25.mfs.regcal.I',
    3: 'Clean s14_0.Elias_27_sci.spw27.mfs.regcal.I',
    4: 'Fill and check the model of s14_0.Elias_27_sci.spw27.mfs.regcal.I',
    5: 'Clean s14_0.Elias_27_sci.spw29.mfs.regcal.I',
    6: 'Fill and check the model of s14_0.Elias_27_sci.spw29.mfs.regcal.I',
    7: 'Clean s16_0.Elias_27_sci.spw25_27_29.cont.regcal.I',
    8: 'Fill and check the model of s16_0.Elias_27_sci.spw25_27_29.cont.regcal.I',
    9: 'Clean s19_0.Elias_27_sci.spw25_27_29.cont.selfcal.I',
    10: 'Fill and check the model of s19_0.Elias_27_sci.spw25_27_29.cont.selfcal.I',
    11: 'Clean s21_0.Elias_27_sci.spw25.cube.selfcal.I',
    12: 'Fill and check the model of s21_0.Elias_27_sci.spw25.cube.selfcal.I',
    13: 'Clean s23_0.Elias_27_sci.spw29.repBW.regcal.I',
    14: 'Fill and check the model of s23_0.Elias_27_sci.spw29.repBW.regcal.I',
    15: 'Split the imaged column of s16_0.Elias_27_sci.spw25_27_29.cont.regcal.I for self-calibration',
    16: 'Clean the split data of s16_0.Elias_27_sci.spw25_27_29.cont.regcal.I and fill its model',
    17: 'Self-calibrate s16_0.Elias_27_sci.spw25_27_29.cont.regcal.I',
    18: 'Export the final images to FITS',
}


def run_steps(thesteps):
    mystep = 0
    if mystep in thesteps:
        casalog.post('Step %d %s' % (mystep, step_title[mystep]), 'INFO')
        print('Step', mystep, step_title[mystep])
        missing = [vis for vis in ['uid___A002_X10b9e3a_X7c91_targets.ms', 'uid___A002_X10b9e3a_X7c91_targets_line.ms', 'uid___A002_X10bb1f0_X2d4e_targets.ms', 'uid___A002_X10bb1f0_X2d4e_targets_line.ms'] if not os.path.isdir(vis)]
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
        split_for_selfcal(product_4['vis'], selfcal_vis, 'data',
                          'Elias_27', '25,27,29')
    mystep = 16
    if mystep in thesteps:
        casalog.post('Step %d %s' % (mystep, step_title[mystep]), 'INFO')
        print('Step', mystep, step_title[mystep])
        clean(selfcal_start)
        fill_model(selfcal_start)
    mystep = 17
    if mystep in thesteps:
        casalog.post('Step %d %s' % (mystep, step_title[mystep]), 'INFO')
        print('Step', mystep, step_title[mystep])
        selfcal(selfcal_start, SOLINTS, AMPLITUDE_ROUND, REFANT, 'spw', [25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25])
    mystep = 18
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
        summary = selfcal_start['imagename'] + '.selfcal.json'
        if not os.path.isfile(summary):
            raise ReimageStop('%s is missing: run the self-calibration step first' % summary)
        with open(summary) as stream:
            final = json.load(stream)['final_image']
        IMAGE_SUFFIX[final] = IMAGE_SUFFIX[selfcal_start['imagename']]
        if final != selfcal_start['imagename']:
            export(final)


try:
    thesteps = list(mysteps)  # noqa: F821 (set by the user before execfile)
except NameError:
    thesteps = list(STEPS) or sorted(step_title)
try:
    run_steps(thesteps)
except ReimageStop as stop:
    sys.exit('reimage stopped: %s' % stop)
