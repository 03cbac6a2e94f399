# -*- coding: utf-8 -*-
# Manual re-imaging and self-calibration of ALMA pipeline products.
#
# Written by regen-tclean 0.2.0 on 2025-11-24 16:00 UTC
# from the log uid___A001_X3621_X1c7.casa_commands.log
#   SHA-256 138c433bc89100319cddcd342f2deb07d422f674399c4dff51aeb5f0a33d4c86
# with the command line:
#   regen-tclean samples/cycle10 --no-interactive --selfcal
#
# Each product's tclean parameters below are the pipeline's own iter1 call,
# changed as the ALMA re-imaging guide prescribes for a manual clean: a fresh
# image name, residual and PSF recomputed, restart=False,
# batch cleaning (see the NOTE lines of each product for its mask),
# primary-beam correction, and the model saved into MODEL_DATA.
#
# Self-calibration works on copies of the data, never on the pipeline's own
# measurement sets: per science target, the continuum is split off, imaged to
# its own noise, and self-calibrated in rounds whose solution intervals are
# planned from the data when the script runs; a round is kept only if it
# improves the image. The kept solutions are applied to copies of the line
# data and the cubes are cleaned again.
#
# Run it from the folder that holds the measurement sets (calibrated/working
# of a restored delivery):
#   monolithic CASA:  casa -c reimage.py   (or execfile('reimage.py') in CASA)
#   modular CASA 6:   CASASITECONFIG=/path/to/casasiteconfig.py python reimage.py
#                     (regen-tclean casa-config writes that file)
# To run some steps only: set STEPS below, or mysteps = [...] before execfile.
from __future__ import print_function

import json
import math
import os
import re
import shutil
import sys

import numpy as np

try:
    from casatasks import (applycal, casalog, clearcal, delmod, exportfits, flagmanager, gaincal, imhead, imstat,
                           mstransform, tclean, uvcontsub)
    from casatools import image as image_tool
    from casatools import ms as ms_tool
    from casatools import msmetadata as msmd_tool
    from casatools import table as table_tool
except ImportError:  # CASA 4.7 and 5 have the tasks and tools built in
    image_tool, ms_tool, msmd_tool, table_tool = iatool, mstool, msmdtool, tbtool  # noqa: F821

############################################################
## USER SET INPUTS
# This script was written for batch cleaning (see each product's mask).
# True: tclean also opens the viewer so you can change the mask by hand.
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
# --- Self-calibration ---
# Solution intervals of the phase rounds. None plans them from the data:
# inf_EB, inf (when there are more than 2 scans), shorter whole-integration
# intervals, int; each only while its expected S/N per antenna allows.
SOLINTS = None
# An interval is tried only if its expected S/N per antenna, from the model
# flux and the thermal noise of the data, reaches this.
MIN_SOLINT_SNR = 3.0
# Clean depth in units of the residual's rms: the first image starts at
# max(5, its peak S/N / 15) unless set here, then each round goes deeper,
# down to NSIGMA_FINAL for the last round and the final images.
NSIGMA_START = None
NSIGMA_FINAL = 3.0
# A last amplitude+phase round (solint inf, solnorm), kept only if it helps.
AMPLITUDE_ROUND = False
# gaincal: spws are combined (with a spwmap) only when one spw alone lacks
# S/N; 'spw' always combines them, '' never.
COMBINE_SPW = 'auto'
# gaincal: solutions below this S/N are flagged; at least this many
# baselines per antenna are needed for a solution.
MINSNR = 3.0
MINBLPERANT = 4
# applycal: interpolate phases in time, scaled by frequency between spws.
INTERP = 'linearPD'
# applycal: 'calflag' flags data whose solutions are flagged; 'calonly'
# leaves them uncalibrated (mosaics use it so one weak field cannot break a round).
APPLYMODE = 'calflag'
# A round is undone when the beam area changes by this fraction or more, or
# when the rms rises by more than RMS_RISE while its solutions have S/N < 5.
MAX_BEAM_CHANGE = 0.05
RMS_RISE = 0.05
# Reference antennas of Elias_27: the first 5 of the pipeline's ranking in the
# gaincal calls of each execution block.
REFANT_1 = {'uid___A002_X10b9e3a_X7c91_targets.ms': 'DA41,DV23,DA57,DV11,DA49', 'uid___A002_X10bb1f0_X2d4e_targets.ms': 'DV23,DA41,DA57,DV11,DA49'}
############################################################


class ReimageStop(SystemExit):
    """A condition the user must settle before this script can go on: stops it with one line, no traceback."""

    def __init__(self, message):
        SystemExit.__init__(self, 'reimage stopped: %s' % message)


# tclean's own outputs for one image name; nothing else is ever removed.
IMAGE_PARTS = re.compile(
    r'\.(image|model|psf|residual|pb|sumwt|mask|prev\.mask|work\.temp|weight|alpha|beta|gridwt_moswt|workdirectory)'
    r'(\.tt\d+)?(\.pbcor)?(\.error)?(\.fits)?$')
# tclean can measure the noise of the residual itself (nsigma) from CASA 5.3 on.
TCLEAN_HAS_NSIGMA = True
# The model of a selfcal clean is what the next round calibrates against.
SELFCAL_NITER = 1000000
# The flags of the self-calibration copies as split, saved with flagmanager.
START_FLAGS = 'manual_selfcal_start'


def as_list(value):
    """A tclean argument that may be one value or a list, as a list."""
    if isinstance(value, (list, tuple)):
        return list(value)
    return [] if value in (None, '') else [value]


def per_vis(value, vis_list):
    """A selection given per MS (a list) or for all of them (one value), by MS."""
    values = as_list(value)
    if isinstance(value, (list, tuple)) and len(values) == len(vis_list):
        return dict(zip(vis_list, values))
    return dict((vis, values[0] if values else '') for vis in vis_list)


def image_name(params, part='image'):
    """The file of one of tclean's images (image, residual, model, psf, pb, image.pbcor, mask)."""
    taylor = '.tt0' if params.get('deconvolver') == 'mtmfs' and part != 'mask' else ''
    if part == 'image.pbcor':
        return params['imagename'] + '.image' + taylor + '.pbcor'
    return params['imagename'] + '.' + part + taylor


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


def run_tclean(params):
    """tclean with params, less a clean depth in rms (nsigma) that an older tclean would refuse."""
    if not TCLEAN_HAS_NSIGMA:
        params = dict((key, value) for key, value in params.items() if key != 'nsigma')
    tclean(**params)


def clean(params):
    # tclean with restart=False does not replace existing images: it silently
    # writes <imagename>_2, and later steps would read the old ones.
    make_room(image_files(params['imagename']), 'images of %s' % params['imagename'])
    print('tclean', params['imagename'])
    run_tclean(params)
    check_image(params)


def check_image(params):
    if not os.path.isdir(image_name(params, 'psf')):
        raise ReimageStop('tclean made no image %s; see the CASA log' % params['imagename'])


def fill_model(params):
    """Write the model of finished images into MODEL_DATA, and check it is there.

    tclean does not always save the model (stopping interactive clean with the
    red X, a parallel run), so the clean is rerun on its own images with
    nothing to deconvolve: restart=True, calcpsf=False, calcres=False, niter=0.
    """
    # An earlier model (another product, an earlier run, the pipeline's) must
    # not pass the check below in place of this one.
    for vis in as_list(params['vis']):
        delmod(vis=vis, otf=True, scr=True)
    run_tclean(dict(params, restart=True, calcpsf=False, calcres=False, niter=0, interactive=False,
                    savemodel='modelcolumn', restoration=False, pbcor=False, parallel=False))
    check_model(as_list(params['vis']))


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


def pb_level(params):
    return max(float(params.get('pblimit', 0.2) or 0.2), 0.2)


def within_pb(params):
    """An LEL mask: the pixels where the primary beam is above the image's limit."""
    return '"%s" >= %g' % (image_name(params, 'pb'), pb_level(params))


def robust_rms(imagename, mask=''):
    return 1.4826 * float(imstat(imagename=imagename, mask=mask)['medabsdevmed'][0])


def beam_of(imagename):
    """The restoring beam (major, minor in arcsec, angle in deg); the median plane's for a cube."""
    header = imhead(imagename=imagename, mode='summary')
    beam = header.get('restoringbeam') or {}
    if 'major' not in beam:
        planes = header.get('perplanebeams', {}).get('beams', {})
        beams = [plane.get('*0', plane) for plane in planes.values()]
        beams = [b for b in beams if 'major' in b]
        if not beams:
            return 0.0, 0.0, 0.0
        beam = sorted(beams, key=lambda b: b['major']['value'])[len(beams) // 2]

    def arcsec(quantity):
        return quantity['value'] * {'arcsec': 1.0, 'arcmin': 60.0, 'deg': 3600.0, 'rad': 206264.806}[quantity['unit']]

    return arcsec(beam['major']), arcsec(beam['minor']), float(beam['positionangle']['value'])


def model_flux(params):
    """The flux of a model image: the sum of its clean components."""
    return float(imstat(imagename=image_name(params, 'model'))['sum'][0])


def image_stats(params):
    """Peak, rms of the residual, S/N, beam, model and integrated flux, inside the primary beam."""
    mask = within_pb(params)
    image = imstat(imagename=image_name(params), mask=mask)
    residual = imstat(imagename=image_name(params, 'residual'), mask=mask)
    rms = 1.4826 * float(residual['medabsdevmed'][0])
    peak = float(image['max'][0])
    major, minor, angle = beam_of(image_name(params))
    cell = abs(float(imhead(imagename=image_name(params), mode='get', hdkey='cdelt1')['value'])) * 206264.806
    beam_pixels = math.pi * major * minor / (4 * math.log(2)) / cell ** 2 if cell > 0 and major > 0 else 0.0
    model = model_flux(params) if os.path.isdir(image_name(params, 'model')) else 0.0
    return {
        'image': params['imagename'], 'peak': peak, 'rms': rms, 'snr': peak / rms if rms > 0 else 0.0,
        'beam_major': major, 'beam_minor': minor, 'beam_angle': angle,
        'beam_area': math.pi * major * minor / (4 * math.log(2)),
        'model_flux': model, 'residual_peak': float(max(abs(residual['max'][0]), abs(residual['min'][0]))),
        'integrated_flux': float(image['sum'][0]) / beam_pixels if beam_pixels > 0 else 0.0,
    }


def write_json(path, content):
    partial = path + '.partial'
    with open(partial, 'w') as stream:
        json.dump(content, stream, indent=1, sort_keys=True)
    os.rename(partial, path)


def read_json(path, step_name):
    if not os.path.isfile(path):
        raise ReimageStop('%s is missing: run the step "%s" first' % (path, step_name))
    with open(path) as stream:
        return json.load(stream)


# ---------------------------------------------------------------------------
# Self-calibration: copies of the data, a plan from the data, rounds that
# must each improve the image.

def selfcal_copy(vis, label):
    return os.path.splitext(vis)[0] + '.' + label + '.manual_selfcal.ms'


def line_copy(vis, label):
    return os.path.splitext(vis)[0] + '.' + label + '.manual_selfcal_line.ms'


def execution_block(vis):
    """<eb> of <eb>[_target(s)(_line)].ms and of our copies of them, to pair an EB's data sets."""
    name = os.path.basename(vis).split('.')[0]
    for suffix in ('_targets_line', '_targets', '_target'):
        if name.endswith(suffix):
            return name[:-len(suffix)]
    return name


def spw_ids(selection):
    """The spw ids of a selection such as '1:0~2;6~7,3' (frequencies or channels after the colon)."""
    return sorted(set(int(part.split(':')[0]) for part in str(selection).split(',') if part.strip()))


def split_for_selfcal(params, label):
    """Copy the imaged column of each MS of a continuum product, whole spws, keeping spw ids.

    The copies hold the imaged data in DATA, so applycal writes CORRECTED of
    the copies and never the column the pipeline filled.
    """
    vis_list = as_list(params['vis'])
    spws = per_vis(params.get('spw', ''), vis_list)
    scans = per_vis(params.get('scan', ''), vis_list)
    copies = []
    for vis in vis_list:
        output = selfcal_copy(vis, label)
        make_room([output, output + '.flagversions'], 'measurement set %s' % output)
        mstransform(vis=vis, outputvis=output, datacolumn=params.get('datacolumn', 'corrected'),
                    field=params.get('field', ''), spw=','.join(str(i) for i in spw_ids(spws[vis])),
                    scan=scans[vis], intent=params.get('intent', ''), reindex=False)
        # Each round starts again from these flags: applycal adds its own.
        flagmanager(vis=output, mode='save', versionname=START_FLAGS)
        copies.append(output)
    return copies


def selfcal_params(params, label, name, nsigma):
    """The continuum product's dict, on the self-calibration copies, cleaned to nsigma times the rms."""
    vis_list = as_list(params['vis'])
    return dict(params, vis=[selfcal_copy(vis, label) for vis in vis_list],
                spw=[per_vis(params.get('spw', ''), vis_list)[vis] for vis in vis_list],
                imagename=params['imagename'] + '_selfcal.' + name, datacolumn='data', interactive=False,
                restart=False, calcres=True, calcpsf=True, niter=SELFCAL_NITER, threshold='0.0mJy',
                nsigma=nsigma, savemodel='modelcolumn', restoration=True, pbcor=True, parallel=False,
                usemask='auto-multithresh', mask='')


def clean_to_noise(params, fill=True):
    """Clean until the residual peak is params['nsigma'] times its rms; fill the model unless told not to."""
    if TCLEAN_HAS_NSIGMA:
        if fill:
            for vis in as_list(params['vis']):
                delmod(vis=vis, otf=True, scr=True)
        clean(params)
    else:
        # Older tclean: the threshold comes from the dirty image's rms.
        clean(dict(params, niter=0, restoration=False, pbcor=False))
        threshold = '%.6gJy' % (params['nsigma'] * robust_rms(image_name(params, 'residual'), within_pb(params)))
        run_tclean(dict(params, restart=True, calcres=False, calcpsf=False, threshold=threshold))
    if not fill:
        return
    if model_flux(params) == 0:
        print('nothing above %.2f times the rms was cleaned: the model stays empty' % params['nsigma'])
        return
    try:
        check_model(as_list(params['vis']))
    except ReimageStop:
        fill_model(params)



def dirty_snr(params):
    """Peak S/N of the dirty image of params (made and then removed)."""
    dirty = dict(params, imagename=params['imagename'] + '_dirty', niter=0, restoration=False, pbcor=False,
                 savemodel='none')
    clean(dirty)
    peak = float(imstat(imagename=image_name(dirty, 'residual'), mask=within_pb(dirty))['max'][0])
    snr = peak / robust_rms(image_name(dirty, 'residual'), within_pb(dirty))
    for path in image_files(dirty['imagename']):
        remove_path(path)
    return snr


def observation(vis):
    """Integration time, scan lengths and antennas of one MS, from its metadata."""
    md = msmd_tool()
    md.open(vis)
    try:
        scans = [int(scan) for scan in md.scannumbers()]
        lengths, exposures = [], []
        for scan in scans:
            times = np.asarray(md.timesforscan(scan))
            exposure = float(md.exposuretime(scan=scan, spwid=int(md.spwsforscan(scan)[0]))['value'])
            exposures.append(exposure)
            lengths.append(float(times.max() - times.min()) + exposure)
        antennas = len(set(int(a) for scan in scans for a in md.antennasforscan(scan)))
        fields = len(md.fieldsforscans(scans)) if scans else 0
    finally:
        md.close()
    return {'integration': float(np.median(exposures)), 'scan_lengths': lengths, 'antennas': antennas,
            'fields': fields, 'time_on_source': float(sum(lengths))}


def snr_rates(vis, selection, max_rows=200000):
    """(S/N)^2 per second that one antenna's solution gathers, per spw, from the data themselves.

    Each visibility adds |model|^2 / sigma^2, where sigma, the noise of one
    channel, polarization and integration, is measured from the scatter of
    XX - YY (the source and the antenna phases cancel there), so a wrong
    weight scale cannot mislead it; the model amplitude is read from
    MODEL_DATA. Only the channels of the continuum selection count.
    """
    tool = ms_tool()
    tool.open(vis)
    try:
        channels = tool.msseltoindex(vis=vis, spw=selection)['channel']
    finally:
        tool.close()
    chosen = {}
    for spw, first, last, step in np.asarray(channels).reshape(-1, 4):
        chosen.setdefault(int(spw), []).extend(range(int(first), int(last) + 1, max(int(step), 1)))
    table = table_tool()
    table.open(vis + '/DATA_DESCRIPTION')
    spw_of_ddid = list(table.getcol('SPECTRAL_WINDOW_ID'))
    table.close()
    table.open(vis)
    rates = {}
    try:
        if 'MODEL_DATA' not in table.colnames():
            return rates  # nothing was cleaned: no model to solve against
        for ddid, spw in enumerate(spw_of_ddid):
            if int(spw) not in chosen:
                continue
            rows = table.query('DATA_DESC_ID==%d && !FLAG_ROW' % ddid)
            try:
                nrow = rows.nrows()
                if nrow == 0:
                    continue
                step = max(1, nrow // max_rows)
                picked = np.asarray(chosen[int(spw)])
                data = rows.getcol('DATA', 0, -1, step)[:, picked, :]
                model = rows.getcol('MODEL_DATA', 0, -1, step)[:, picked, :]
                flags = rows.getcol('FLAG', 0, -1, step)[:, picked, :]
                ant1 = rows.getcol('ANTENNA1', 0, -1, step)
                ant2 = rows.getcol('ANTENNA2', 0, -1, step)
                time_span = rows.getcol('TIME')
            finally:
                rows.close()
            npol = data.shape[0]
            good = ~flags.any(axis=0)
            if npol > 1:
                difference = (data[0] - data[-1])[good].real
                sigma = 1.4826 * float(np.median(np.abs(difference - np.median(difference)))) / math.sqrt(2)
            else:
                sigma = 1.4826 * float(np.median(np.abs(data[0][good].real - np.median(data[0][good].real))))
            if not sigma > 0:
                continue
            power = np.where(good, (np.abs(model) ** 2).mean(axis=0), 0.0).sum(axis=0) * npol / sigma ** 2
            antennas = int(max(ant1.max(), ant2.max())) + 1
            per_antenna = np.bincount(ant1, power, antennas) + np.bincount(ant2, power, antennas)
            # Sampled rows stand for all of them; spread over the time the rows cover.
            seconds = max(float(np.ptp(time_span)), 1.0)
            # An empty model (nothing was cleaned) gives every antenna a rate of 0, hence no plan.
            seen = per_antenna[per_antenna > 0]
            rates[int(spw)] = (seen if seen.size else np.zeros(1)) * step / seconds
    finally:
        table.close()
    return rates


def plan_solints(vis_list, selections, mosaic):
    """Solution intervals the data can support, longest first, with their expected S/N."""
    facts = dict((vis, observation(vis)) for vis in vis_list)
    rates = dict((vis, snr_rates(vis, selections[vis])) for vis in vis_list)
    integration = max(f['integration'] for f in facts.values())
    scan_length = float(np.median([length for f in facts.values() for length in f['scan_lengths']]))
    scans = float(np.median([len(f['scan_lengths']) for f in facts.values()]))
    if SOLINTS is not None:
        candidates = list(SOLINTS)
    else:
        candidates = ['inf_EB'] + (['inf'] if scans > 2 else [])
        divider = max(2, int(round((scan_length / integration) ** 0.25)))
        length = scan_length
        while True:
            length /= divider
            count = int(round(length / integration))
            if count < 2:
                break
            interval = '%gs' % (count * integration)
            if interval not in candidates:
                candidates.append(interval)
        candidates.append('int')
    plan, skipped = [], []
    for solint in candidates:
        gaintype = 'G' if solint == 'inf_EB' else 'T'
        snr_spw, snr_all = [], []
        for vis in vis_list:
            seconds = {'inf_EB': facts[vis]['time_on_source'], 'inf': float(np.median(facts[vis]['scan_lengths'])),
                       'int': facts[vis]['integration']}.get(solint)
            if seconds is None:
                seconds = float(solint.rstrip('s'))
            # Per-field solutions see one pointing's share of the time; 'G' solves each polarization apart.
            share = (1.0 if solint == 'inf_EB' or not mosaic else 1.0 / max(facts[vis]['fields'], 1))
            share /= 2.0 if gaintype == 'G' else 1.0
            spw_rates = rates[vis]
            if not spw_rates:
                snr_spw.append(0.0)
                snr_all.append(0.0)
                continue
            combined = sum(spw_rates.values())
            snr_all.append(float(np.median(np.sqrt(combined * seconds * share))))
            snr_spw.append(min(float(np.median(np.sqrt(r * seconds * share))) for r in spw_rates.values()))
        one_spw, all_spws = min(snr_spw), min(snr_all)
        if COMBINE_SPW == 'spw' or (COMBINE_SPW == 'auto' and one_spw < MIN_SOLINT_SNR):
            combine, snr = 'spw', all_spws
        else:
            combine, snr = '', one_spw
        if snr < MIN_SOLINT_SNR:
            skipped.append({'solint': solint, 'snr': snr, 'why': 'expected S/N per antenna %.1f < %.1f'
                            % (snr, MIN_SOLINT_SNR)})
            continue
        if solint == 'inf_EB':
            combine = ','.join(part for part in ('scan', 'field' if mosaic else '', combine) if part)
        plan.append({'solint': 'inf' if solint == 'inf_EB' else solint, 'name': solint, 'gaintype': gaintype,
                     'combine': combine, 'snr': snr})
    print('Solution intervals (expected S/N per antenna, median antenna, weakest EB):')
    for entry in plan:
        print('  %-8s gaintype %s combine %-16r S/N %8.1f' % (entry['name'], entry['gaintype'], entry['combine'],
                                                              entry['snr']))
    for entry in skipped:
        print('  %-8s skipped: %s' % (entry['solint'], entry['why']))
    if not plan:
        print('No interval reaches S/N %.1f: the source is too faint to self-calibrate; nothing will be applied.'
              % MIN_SOLINT_SNR)
    return {'plan': plan, 'skipped': skipped, 'integration': integration, 'scan_length': scan_length,
            'observations': facts}


def nsigma_ladder(start, rounds):
    """Clean depths, from start for the first image down to NSIGMA_FINAL for the last round."""
    if rounds <= 0:
        return [start]
    steps = np.linspace(math.log10(start), math.log10(min(NSIGMA_FINAL, start)), rounds + 1)
    return [float(10 ** value) for value in steps]


def spwmap_for(vis, combine, selection):
    """With combine='spw' the solutions carry the lowest spw id: every spw of vis maps to it."""
    if 'spw' not in combine:
        return []
    ids = spw_ids(selection)
    md = msmd_tool()
    md.open(vis)
    try:
        highest = int(md.nspw()) - 1
    finally:
        md.close()
    return [min(ids)] * (max(highest, max(ids)) + 1)


def solution_flags(table_name):
    """Fraction of flagged solutions of a gain table."""
    table = table_tool()
    table.open(table_name)
    try:
        flags = table.getcol('FLAG')
    finally:
        table.close()
    return float(flags.mean()) if flags.size else 1.0


def apply_tables(vis, tables, spwmaps):
    """CORRECTED_DATA of a copy from these tables, or back to DATA when there are none."""
    if tables:
        applycal(vis=vis, gaintable=tables, spwmap=spwmaps, interp=[INTERP] * len(tables), calwt=False,
                 applymode=APPLYMODE, flagbackup=False)
    else:
        clearcal(vis=vis)


def judge(before, after, solution_snr, field_stats):
    """Keep a round only if the S/N did not drop, the beam held and the noise did not rise."""
    if after['snr'] < before['snr']:
        return False, 'S/N fell from %.1f to %.1f' % (before['snr'], after['snr'])
    change = after['beam_area'] / before['beam_area'] - 1 if before['beam_area'] > 0 else 0.0
    if abs(change) >= MAX_BEAM_CHANGE:
        return False, 'beam area changed by %+.1f%%' % (100 * change)
    if after['rms'] > (1 + RMS_RISE) * before['rms'] and solution_snr < 5:
        return False, 'rms rose by %.1f%% with solutions of S/N %.1f' % (100 * (after['rms'] / before['rms'] - 1),
                                                                         solution_snr)
    for name, (snr_before, snr_after) in sorted(field_stats.items()):
        if snr_before >= 5 and snr_after < 0.95 * snr_before:
            return False, 'S/N of field %s fell from %.1f to %.1f' % (name, snr_before, snr_after)
    return True, 'S/N rose from %.1f to %.1f' % (before['snr'], after['snr'])


def field_snrs(params, vis):
    """Peak S/N within half a primary-beam FWHM of each pointing of a mosaic."""
    md = msmd_tool()
    md.open(vis)
    try:
        # The copy's FIELD table keeps the calibrators; only fields with data are pointings.
        observed = sorted(set(int(f) for spw in range(md.nspw()) for f in md.fieldsforspw(spw)))
        centres = dict((str(md.namesforfields(f)[0]) + '#' + str(f), md.phasecenter(f)) for f in observed)
        diameter = float(np.median([size['value'] for size in md.antennadiameter(-1).values()]))
    finally:
        md.close()
    header = imhead(imagename=image_name(params), mode='list')
    wavelength = 299792458.0 / float(header['crval4'])
    radius = 0.5 * 1.13 * wavelength / diameter * 206264.806 / 2
    result = {}
    for name, centre in centres.items():
        region = 'circle[[%.10frad, %.10frad], %.3farcsec]' % (centre['m0']['value'], centre['m1']['value'], radius)
        try:
            peak = float(imstat(imagename=image_name(params), region=region)['max'][0])
            rms = 1.4826 * float(imstat(imagename=image_name(params, 'residual'), region=region)['medabsdevmed'][0])
        except RuntimeError:
            # imstat finds no region for a pointing whose centre lies outside the image.
            continue
        result[name] = peak / rms if rms > 0 else 0.0
    return result


def gain_record(table_name):
    """Times, antennas, spws, phases (deg) and flags of a gain table, for the report."""
    table = table_tool()
    table.open(table_name)
    try:
        gains = table.getcol('CPARAM')
        record = {'time': [float(t) for t in table.getcol('TIME')],
                  'antenna': [int(a) for a in table.getcol('ANTENNA1')],
                  'spw': [int(s) for s in table.getcol('SPECTRAL_WINDOW_ID')],
                  'phase_deg': np.degrees(np.angle(gains[:, 0, :])).round(3).tolist(),
                  'flag': table.getcol('FLAG')[:, 0, :].tolist()}
    finally:
        table.close()
    table.open(table_name + '/ANTENNA')
    record['antenna_names'] = [str(name) for name in table.getcol('NAME')]
    table.close()
    return record


def self_calibrate(start, copies, selections, plan, refant, mosaic, summary_file):
    """Rounds of gaincal, applycal and a deeper clean, each kept only if it improves the image."""
    state = read_json(summary_file, 'plan the solution intervals')
    ladder = state['nsigma']
    best = image_stats(start)
    best_fields = field_snrs(start, copies[0]) if mosaic else {}
    rounds = [dict(best, round=0, solint='', calmode='', kept=True, why='before self-calibration',
                   nsigma=start['nsigma'], flagged=0.0, fields=best_fields)]
    applied = dict((vis, []) for vis in copies)
    maps = dict((vis, []) for vis in copies)
    steps = [(entry, 'p') for entry in plan]
    if AMPLITUDE_ROUND and plan:
        steps.append(({'solint': 'inf', 'name': 'inf_ap', 'gaintype': 'T', 'combine': plan[-1]['combine'].replace(
            'scan', '').strip(','), 'snr': plan[0]['snr']}, 'ap'))
    if isinstance(refant, dict):
        by_block = dict((execution_block(vis), antennas) for vis, antennas in refant.items())
        refants = dict((vis, by_block.get(execution_block(vis), '')) for vis in copies)
    else:
        refants = dict((vis, refant) for vis in copies)
    best_params = start
    for number, (entry, calmode) in enumerate(steps, 1):
        nsigma = ladder[min(number, len(ladder) - 1)]
        tables, spwmaps, flagged, failure = {}, {}, [], ''
        if number > 1:
            # The last round's applycal flagged data under failed solutions, and tclean wrote the
            # model only where data were unflagged: start again from the split's flags and predict
            # the best model everywhere, so gaincal never meets a zero model.
            for vis in copies:
                flagmanager(vis=vis, mode='restore', versionname=START_FLAGS)
            fill_model(best_params)
        for vis in copies:
            table = '%s.round%d_%s.%s.g' % (vis, number, entry['name'], calmode)
            make_room([table], 'calibration table %s' % table)
            pre = applied[vis] if calmode == 'ap' else []
            gaincal(vis=vis, caltable=table, spw=selections[vis], solint=entry['solint'],
                    combine=entry['combine'], gaintype=entry['gaintype'], calmode=calmode,
                    refant=refants.get(vis, ''), minsnr=MINSNR, minblperant=MINBLPERANT,
                    solnorm=(calmode == 'ap'), gaintable=pre, spwmap=maps[vis] if pre else [])
            if not os.path.isdir(table) or solution_flags(table) >= 1.0:
                failure = 'gaincal found no solution for %s' % vis
                break
            flagged.append(solution_flags(table))
            tables[vis] = pre + [table]
            spwmaps[vis] = (maps[vis] if pre else []) + [spwmap_for(vis, entry['combine'], selections[vis])]
            apply_tables(vis, tables[vis], spwmaps[vis])
        record = {'round': number, 'solint': entry['name'], 'calmode': calmode, 'nsigma': nsigma,
                  'expected_snr': entry['snr'], 'flagged': float(np.mean(flagged)) if flagged else 1.0}
        if not failure:
            # No model saved: the next round predicts the best image's model into every row before it
            # solves, so one saved now would be overwritten before anything read it.
            trial = dict(start, datacolumn='corrected', nsigma=nsigma, savemodel='none',
                         imagename='%s_round%d_%s' % (start['imagename'], number, entry['name']))
            clean_to_noise(trial, fill=False)
            stats = image_stats(trial)
            fields = field_snrs(trial, copies[0]) if mosaic else {}
            kept, why = judge(best, stats, entry['snr'],
                              dict((name, (best_fields.get(name, 0.0), snr)) for name, snr in fields.items()))
            record.update(stats, fields=fields)
            if kept:
                record['gains'] = dict((vis, gain_record(tables[vis][-1])) for vis in copies)
        else:
            kept, why = False, failure
        record.update(kept=kept, why=why)
        rounds.append(record)
        print('round %d (%s, %s): %s; %s' % (number, entry['name'], calmode, 'kept' if kept else 'undone', why))
        if not kept:
            for vis in copies:
                flagmanager(vis=vis, mode='restore', versionname=START_FLAGS)
                apply_tables(vis, applied[vis], maps[vis])
            break
        best, best_fields, applied, maps, best_params = stats, fields, tables, spwmaps, trial
    print_rounds(rounds)
    state.update(rounds=rounds, tables=applied, spwmaps=maps, best_image=best['image'],
                 amplitude=any(r['kept'] and r['calmode'] == 'ap' for r in rounds))
    write_json(summary_file, state)
    return state


def print_rounds(rounds):
    print('%5s %-8s %4s %7s %11s %11s %8s %-22s %7s  %s' % (
        'round', 'solint', 'mode', 'nsigma', 'peak (Jy)', 'rms (Jy)', 'S/N', 'beam (arcsec, deg)', 'flagged',
        'kept'))
    for row in rounds:
        beam = '%.3g x %.3g, %.0f' % (row.get('beam_major', 0), row.get('beam_minor', 0), row.get('beam_angle', 0))
        print('%5d %-8s %4s %7.2f %11.4g %11.4g %8.1f %-22s %6.0f%%  %s: %s' % (
            row['round'], row['solint'], row['calmode'], row.get('nsigma', 0), row.get('peak', 0),
            row.get('rms', 0), row.get('snr', 0), beam, 100 * row.get('flagged', 0),
            'yes' if row['kept'] else 'no', row['why']))


def line_data(cubes, continuum, label, amplitude):
    """Copies of each EB's line data for the cubes, with the kept solutions applied.

    Phase-only gains commute with continuum subtraction: they are applied to
    a copy of the continuum-subtracted data the pipeline imaged. An amplitude
    round does not commute with a subtraction fitted under other weights, so
    then the solutions go onto a copy of the continuum + line data first and
    the continuum is subtracted after (over the channels the continuum
    product uses).
    """
    state = read_json(continuum['imagename'] + '_selfcal.json', 'self-calibrate')
    by_block = dict((execution_block(vis), vis) for vis in state['tables'])
    wanted = {}
    for params in cubes:
        vis_list = as_list(params['vis'])
        spws = per_vis(params.get('spw', ''), vis_list)
        for vis in vis_list:
            entry = wanted.setdefault(vis, {'column': params.get('datacolumn', 'corrected'), 'spws': set(),
                                            'field': params.get('field', '')})
            entry['spws'].update(spw_ids(spws[vis]))
    continuum_vis = dict((execution_block(vis), vis) for vis in as_list(continuum['vis']))
    continuum_spws = per_vis(continuum.get('spw', ''), as_list(continuum['vis']))
    copies = {}
    for vis, entry in sorted(wanted.items()):
        block = execution_block(vis)
        if block not in by_block:
            raise ReimageStop('no self-calibration copy of execution block %s (of %s)' % (block, vis))
        selfcal_vis = by_block[block]
        output = line_copy(vis, label)
        make_room([output, output + '.flagversions', output + '.contsub'], 'measurement set %s' % output)
        spw = ','.join(str(i) for i in sorted(entry['spws']))
        source, column = (continuum_vis[block], continuum.get('datacolumn', 'corrected')) if amplitude else (
            vis, entry['column'])
        mstransform(vis=source, outputvis=output, datacolumn=column, field=entry['field'], spw=spw, reindex=False)
        mapping = map_spws(output, selfcal_vis, state['spwmaps'][selfcal_vis])
        apply_tables(output, state['tables'][selfcal_vis], mapping)
        if amplitude:
            output = subtract_continuum(output, continuum_spws[continuum_vis[block]])
        copies[vis] = output
    return copies


def map_spws(target_vis, solved_vis, solved_maps):
    """spwmaps that apply tables solved on one MS to another whose spw ids may differ (matched by name)."""
    names_solved = spw_names(solved_vis)
    names_target = spw_names(target_vis)
    maps = []
    for solved_map in solved_maps or [[]]:
        mapping = []
        for target_id in range(len(names_target)):
            solved_id = names_solved.index(names_target[target_id]) if names_target[target_id] in names_solved \
                else target_id
            mapping.append(solved_map[solved_id] if solved_map and solved_id < len(solved_map) else solved_id)
        maps.append(mapping)
    return maps[:len(solved_maps)] if solved_maps else []


def spw_names(vis):
    md = msmd_tool()
    md.open(vis)
    try:
        return ['%s@%.0f' % (name, freq) for name, freq in zip(md.namesforspws(), [
            float(md.meanfreq(i)) for i in range(md.nspw())])]
    finally:
        md.close()


def subtract_continuum(vis, continuum_selection):
    """Subtract a first-order continuum fitted over the continuum product's channels; return the new MS."""
    tool = ms_tool()
    tool.open(vis)
    try:
        channels = np.asarray(tool.msseltoindex(vis=vis, spw=continuum_selection)['channel']).reshape(-1, 4)
    finally:
        tool.close()
    ranges = {}
    for spw, first, last, _ in channels:
        ranges.setdefault(int(spw), []).append('%d~%d' % (first, last))
    fit = ','.join('%d:%s' % (spw, ';'.join(parts)) for spw, parts in sorted(ranges.items()))
    output = vis + '.contsub'
    uvcontsub(vis=vis, outputvis=output, datacolumn='corrected', fitspec=fit, fitorder=1)
    return output


def cube_after_selfcal(params, copies):
    """A cube product's dict on the self-calibrated line copies, cleaned to NSIGMA_FINAL."""
    vis_list = as_list(params['vis'])
    column = 'data' if copies[vis_list[0]].endswith('.contsub') else 'corrected'
    result = dict(params, vis=[copies[vis] for vis in vis_list], datacolumn=column,
                  imagename=params['imagename'] + '_selfcal', interactive=False, restart=False, calcres=True,
                  calcpsf=True, threshold='0.0mJy', nsigma=NSIGMA_FINAL, niter=SELFCAL_NITER,
                  usemask='auto-multithresh', mask='', savemodel='none')
    return result


def casa_version():
    try:
        import casatools
        return casatools.version_string()
    except ImportError:
        try:
            return casalog.version()
        except Exception:
            return 'unknown'


def export(params, parts):
    """FITS copies of finished images, beside them."""
    written = {}
    for part in parts:
        image = image_name(params, part)
        if not os.path.isdir(image):
            continue
        fits = image + '.fits'
        make_room([fits], 'FITS file %s' % fits)
        exportfits(imagename=image, fitsimage=fits, dropdeg=False)
        written[part] = fits
        print('wrote', fits)
    return written


def product_summary(number, stem, params, pipeline_image):
    entry = {'number': number, 'stem': stem, 'imagename': params['imagename'],
             'specmode': params.get('specmode', 'mfs'), 'pipeline_image': pipeline_image,
             'threshold': params.get('threshold'), 'nsigma': params.get('nsigma')}
    if os.path.isdir(image_name(params)):
        entry['stats'] = image_stats(params)
        entry['fits'] = export(params, ('image.pbcor', 'image', 'residual', 'pb', 'model'))
        pipeline = dict(params, imagename=pipeline_image)
        if os.path.isdir(image_name(pipeline)) and os.path.isdir(image_name(pipeline, 'residual')):
            entry['pipeline_stats'] = image_stats(pipeline)
            entry['pipeline_fits'] = export(pipeline, ('image.pbcor', 'image', 'residual', 'pb'))
    else:
        entry['missing'] = 'not made: run its clean step'
    return entry


############################################################
## The pipeline products, as tclean parameters

# Product 1: uid___A001_X3621_X1c7.s14_0.Elias_27_sci.spw25.mfs.regcal.I
# from the iter1 call at line 225 of uid___A001_X3621_X1c7.casa_commands.log
# NOTE: batch cleaning with the pipeline's auto-multithresh mask
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
# NOTE: batch cleaning with the pipeline's auto-multithresh mask
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
# NOTE: batch cleaning with the pipeline's auto-multithresh mask
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
# NOTE: batch cleaning with the pipeline's auto-multithresh mask
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
# NOTE: batch cleaning with the pipeline's auto-multithresh mask
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
# NOTE: batch cleaning with the pipeline's auto-multithresh mask
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
# NOTE: batch cleaning with the pipeline's auto-multithresh mask
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
products = [product_1, product_2, product_3, product_4, product_5, product_6, product_7]
# The pipeline's own images of the products (for the comparison in reimage_summary.json).
pipeline_images = [
    'uid___A001_X3621_X1c7.s14_0.Elias_27_sci.spw25.mfs.regcal.I.iter1',
    'uid___A001_X3621_X1c7.s14_0.Elias_27_sci.spw27.mfs.regcal.I.iter1',
    'uid___A001_X3621_X1c7.s14_0.Elias_27_sci.spw29.mfs.regcal.I.iter1',
    'uid___A001_X3621_X1c7.s16_0.Elias_27_sci.spw25_27_29.cont.regcal.I.iter1',
    'uid___A001_X3621_X1c7.s19_0.Elias_27_sci.spw25_27_29.cont.selfcal.I.iter1',
    'uid___A001_X3621_X1c7.s21_0.Elias_27_sci.spw25.cube.selfcal.I.iter1',
    'uid___A001_X3621_X1c7.s23_0.Elias_27_sci.spw29.repBW.regcal.I.iter1',
]

# Self-calibration of Elias_27: its continuum is product 4, its cubes 6, 7.
# NOTE: The pipeline self-calibrated Elias_27 already (product 5); product 4
# starts again from the regular calibration. Select another with --product.
# NOTE: product 1 (s14_0.Elias_27_sci.spw25.mfs.regcal.I) is not made again
# after self-calibration: the aggregate continuum (product 4) is self-
# calibrated instead
# NOTE: product 2 (s14_0.Elias_27_sci.spw27.mfs.regcal.I) is not made again
# after self-calibration: the aggregate continuum (product 4) is self-
# calibrated instead
# NOTE: product 3 (s14_0.Elias_27_sci.spw29.mfs.regcal.I) is not made again
# after self-calibration: the aggregate continuum (product 4) is self-
# calibrated instead
# NOTE: product 5 (s19_0.Elias_27_sci.spw25_27_29.cont.selfcal.I) is not made
# again after self-calibration: the aggregate continuum (product 4) is self-
# calibrated instead

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
    15: 'Copy the continuum data of Elias_27 for self-calibration',
    16: 'Image the copied continuum of Elias_27 to its own noise',
    17: 'Plan the solution intervals of Elias_27 from its data',
    18: 'Self-calibrate Elias_27',
    19: 'Final continuum image of Elias_27',
    20: 'Apply the solutions of Elias_27 to copies of its line data',
    21: 'Clean s21_0.Elias_27_sci.spw25.cube.selfcal.I after self-calibration',
    22: 'Clean s23_0.Elias_27_sci.spw29.repBW.regcal.I after self-calibration',
    23: 'Export the images to FITS and write reimage_summary.json',
}

try:
    thesteps = list(mysteps)  # noqa: F821 (set by the user before execfile)
except NameError:
    thesteps = list(STEPS) or sorted(step_title)


def step_start(mystep):
    casalog.post('Step %d %s' % (mystep, step_title[mystep]), 'INFO')
    print('Step', mystep, step_title[mystep])


# --------------------------------------------------------------------
mystep = 0
if mystep in thesteps:
    step_start(mystep)
    missing = sorted(set(vis for params in products for vis in as_list(params['vis']) if not os.path.isdir(vis)))
    if missing:
        raise ReimageStop('measurement sets not found here: %s (run this script in the folder '
                          'that holds them, e.g. calibrated/working)' % ', '.join(missing))
# --------------------------------------------------------------------
mystep = 1
if mystep in thesteps:
    step_start(mystep)
    clean(product_1)
# --------------------------------------------------------------------
mystep = 2
if mystep in thesteps:
    step_start(mystep)
    fill_model(product_1)
# --------------------------------------------------------------------
mystep = 3
if mystep in thesteps:
    step_start(mystep)
    clean(product_2)
# --------------------------------------------------------------------
mystep = 4
if mystep in thesteps:
    step_start(mystep)
    fill_model(product_2)
# --------------------------------------------------------------------
mystep = 5
if mystep in thesteps:
    step_start(mystep)
    clean(product_3)
# --------------------------------------------------------------------
mystep = 6
if mystep in thesteps:
    step_start(mystep)
    fill_model(product_3)
# --------------------------------------------------------------------
mystep = 7
if mystep in thesteps:
    step_start(mystep)
    clean(product_4)
# --------------------------------------------------------------------
mystep = 8
if mystep in thesteps:
    step_start(mystep)
    fill_model(product_4)
# --------------------------------------------------------------------
mystep = 9
if mystep in thesteps:
    step_start(mystep)
    clean(product_5)
# --------------------------------------------------------------------
mystep = 10
if mystep in thesteps:
    step_start(mystep)
    fill_model(product_5)
# --------------------------------------------------------------------
mystep = 11
if mystep in thesteps:
    step_start(mystep)
    clean(product_6)
# --------------------------------------------------------------------
mystep = 12
if mystep in thesteps:
    step_start(mystep)
    fill_model(product_6)
# --------------------------------------------------------------------
mystep = 13
if mystep in thesteps:
    step_start(mystep)
    clean(product_7)
# --------------------------------------------------------------------
mystep = 14
if mystep in thesteps:
    step_start(mystep)
    fill_model(product_7)
# --------------------------------------------------------------------
mystep = 15
if mystep in thesteps:
    step_start(mystep)
    split_for_selfcal(product_4, 'Elias_27')
# --------------------------------------------------------------------
mystep = 16
if mystep in thesteps:
    step_start(mystep)
    first = selfcal_params(product_4, 'Elias_27', 'initial', NSIGMA_FINAL)
    first['nsigma'] = NSIGMA_START or max(5.0, dirty_snr(first) / 15.0)
    print('cleaning the first image to %.2f times its rms' % first['nsigma'])
    clean_to_noise(first)
    write_json(first['imagename'] + '.json', dict(image_stats(first), nsigma=first['nsigma']))
# --------------------------------------------------------------------
mystep = 17
if mystep in thesteps:
    step_start(mystep)
    first = selfcal_params(product_4, 'Elias_27', 'initial', NSIGMA_FINAL)
    start = read_json(first['imagename'] + '.json', step_title[mystep - 1])
    selections = per_vis(first['spw'], first['vis'])
    mosaic = first.get('gridder') == 'mosaic'
    planned = plan_solints(first['vis'], selections, mosaic)
    planned.update(nsigma=nsigma_ladder(start['nsigma'], len(planned['plan']) + int(AMPLITUDE_ROUND)),
                   field='Elias_27', continuum_product=4,
                   first_image=first['imagename'], mosaic=mosaic)
    write_json(product_4['imagename'] + '_selfcal.json', planned)
# --------------------------------------------------------------------
mystep = 18
if mystep in thesteps:
    step_start(mystep)
    summary_file = product_4['imagename'] + '_selfcal.json'
    planned = read_json(summary_file, step_title[mystep - 1])
    first = selfcal_params(product_4, 'Elias_27', 'initial',
                           planned['nsigma'][0])
    state = self_calibrate(first, first['vis'], per_vis(first['spw'], first['vis']), planned['plan'],
                           REFANT_1, planned['mosaic'], summary_file)
# --------------------------------------------------------------------
mystep = 19
if mystep in thesteps:
    step_start(mystep)
    summary_file = product_4['imagename'] + '_selfcal.json'
    state = read_json(summary_file, step_title[mystep - 2])
    if 'tables' not in state:
        raise ReimageStop('%s has no rounds: run the step "%s" first' % (summary_file, step_title[mystep - 1]))
    final = selfcal_params(product_4, 'Elias_27', 'final', NSIGMA_FINAL)
    if any(state['tables'].values()):
        final['datacolumn'] = 'corrected'
    else:
        print('no round was kept: the final image is made from the data as the pipeline calibrated them')
    clean_to_noise(final)
    state['final_image'] = final['imagename']
    state['final'] = image_stats(final)
    write_json(summary_file, state)
# --------------------------------------------------------------------
mystep = 20
if mystep in thesteps:
    step_start(mystep)
    summary_file = product_4['imagename'] + '_selfcal.json'
    state = read_json(summary_file, 'self-calibrate')
    if not any(state.get('tables', {}).values()):
        print('no self-calibration solutions to apply: the cubes are not made again')
    else:
        cubes = [product_6, product_7]
        state['line_copies'] = line_data(cubes, product_4,
                                         'Elias_27', state.get('amplitude', False))
        state['line_order'] = ('amplitude gains applied before the continuum subtraction'
                               if state.get('amplitude') else
                               'phase-only gains applied to the continuum-subtracted data')
        print('line data:', state['line_order'])
        write_json(summary_file, state)
# --------------------------------------------------------------------
mystep = 21
if mystep in thesteps:
    step_start(mystep)
    state = read_json(product_4['imagename'] + '_selfcal.json', 'self-calibrate')
    if state.get('line_copies'):
        clean_to_noise(cube_after_selfcal(product_6, state['line_copies']), fill=False)
    else:
        print('no self-calibrated line data: cube 6 is not made again')
# --------------------------------------------------------------------
mystep = 22
if mystep in thesteps:
    step_start(mystep)
    state = read_json(product_4['imagename'] + '_selfcal.json', 'self-calibrate')
    if state.get('line_copies'):
        clean_to_noise(cube_after_selfcal(product_7, state['line_copies']), fill=False)
    else:
        print('no self-calibrated line data: cube 7 is not made again')
# --------------------------------------------------------------------
mystep = 23
if mystep in thesteps:
    step_start(mystep)
    summary = {'regen_tclean': '0.2.0', 'log': 'uid___A001_X3621_X1c7.casa_commands.log',
               'log_sha256': '138c433bc89100319cddcd342f2deb07d422f674399c4dff51aeb5f0a33d4c86', 'command_line': 'regen-tclean samples/cycle10 --no-interactive --selfcal',
               'written': '2025-11-24 16:00 UTC', 'casa_version': casa_version(), 'products': [],
               'selfcal': []}
    for number, (params, stem) in enumerate(zip(products, pipeline_images), 1):
        summary['products'].append(product_summary(number, stem.rsplit('.iter', 1)[0], params, stem))
    summary_file = product_4['imagename'] + '_selfcal.json'
    if os.path.isfile(summary_file):
        state = read_json(summary_file, 'self-calibrate')
        first = selfcal_params(product_4, 'Elias_27', 'initial', NSIGMA_FINAL)
        for row in state.get('rounds', []):
            image = first['imagename'] if row['round'] == 0 else row.get('image')
            if image:
                row['fits'] = export(dict(first, imagename=image), ('image', 'residual', 'pb'))
        if state.get('final_image'):
            state['final_fits'] = export(dict(first, imagename=state['final_image']),
                                         ('image.pbcor', 'image', 'residual', 'pb', 'model'))
        state['cubes'] = []
        cube = dict(product_6, imagename=product_6['imagename'] + '_selfcal')
        if os.path.isdir(image_name(cube)):
            state['cubes'].append({'product': 6, 'imagename': cube['imagename'],
                                   'stats': image_stats(cube),
                                   'fits': export(cube, ('image.pbcor', 'image', 'residual', 'pb'))})
        cube = dict(product_7, imagename=product_7['imagename'] + '_selfcal')
        if os.path.isdir(image_name(cube)):
            state['cubes'].append({'product': 7, 'imagename': cube['imagename'],
                                   'stats': image_stats(cube),
                                   'fits': export(cube, ('image.pbcor', 'image', 'residual', 'pb'))})
        write_json(summary_file, state)
        summary['selfcal'].append(dict(state, summary_file=summary_file))
    else:
        summary['selfcal'].append({'field': 'Elias_27', 'missing': 'self-calibration not run'})
    write_json('reimage_summary.json', summary)
    print('wrote reimage_summary.json')
