# -*- coding: utf-8 -*-
# Continuum-subtracted cubes of chosen spws and fields, with channel binning.
#
# Written by regen-tclean 0.2.0 on 2025-11-24 16:00 UTC
# from the log uid___A001_X885_X2b1.casa_commands.log
#   SHA-256 92d86c1bffaab85172a74bfccb3419a449e6488733c581dab8df7ae60c62cdbd
# with the command line:
#   regen-tclean recipe subset-cube samples/cycle4 --spw 17,19 --nbins 19:2,17:8 --field HD_163296,IRAS16293-2422 --robust -0.5
#
# The continuum of cont.dat is subtracted for the chosen spws and fields only;
# their cubes are then made with the channel binning and the Briggs robust
# below. Binning raises the signal-to-noise per channel; a higher robust weighs
# towards natural weighting (wider beam, lower noise), a lower one towards
# uniform weighting (sharper beam, more noise).
#
# It drives the ALMA pipeline tasks (hifa_*, hif_*) the way the Cycle 4 pipeline
# re-imaging guide does. Run it where the pipeline's own measurement sets are:
# calibrated/working of a delivery restored by script/scriptForPI.py with
# SPACESAVING=1 (the calibrated/*.ms.split.cal files number their spws from 0,
# so the spw ids of the log and of cont.dat do not fit them):
#   cd calibrated/working
#   casa --pipeline
#   execfile('<this file>')
# The run makes a new weblog (pipeline-*/html/index.html) under the title below.
import os

__rethrow_casa_exceptions = True
pipelinemode = 'automatic'

############################################################
## USER SET INPUTS
# Title of the weblog of this run
TITLE = 'Cubes of selected spws and fields'
# The measurement sets the pipeline started from
VIS = [
    'uid___A002_Xb9dfa4_X4b3d.ms',
    'uid___A002_Xba2e0a_X1f2c.ms',
]
# The spws to make cubes of, and for each of them the number of channels to
# bin together (SPW:N for every spw of SPW; N=1 keeps every channel)
SPW = '17,19'
NBINS = '17:8,19:2'
# The science targets to image, by name ('' images all of them)
FIELDS = 'HD 163296,IRAS16293-2422'
# Briggs robust, from -2 to 2 (the pipeline's default is 0.5)
ROBUST = -0.5
############################################################

# Stop before the pipeline starts if the data are not in this folder
missing = [vis for vis in VIS if not os.path.isdir(vis)]
if missing:
    raise RuntimeError('not in this folder: %s; run this file in calibrated/working '
                       'of the restored delivery' % ', '.join(missing))
if not os.path.isfile('cont.dat'):
    raise RuntimeError('no cont.dat in this folder: copy calibration/<MOUS>.cont.dat '
                       'here as cont.dat (regen-tclean prepare DELIVERY does it)')

context = h_init()
context.project_summary.proposal_code = TITLE
try:
    # Load the data, split the science targets off into *_target.ms and
    # apply the target flag templates (*flagtargetstemplate.txt) to them
    hifa_importdata(vis=VIS, dbservice=False, pipelinemode=pipelinemode)
    hif_mstransform(pipelinemode=pipelinemode)
    hifa_flagtargets(pipelinemode=pipelinemode)
    # Subtract the continuum (cont.dat ranges) of the chosen spws and fields only
    hif_uvcontfit(spw=SPW, field=FIELDS, pipelinemode=pipelinemode)
    hif_uvcontsub(spw=SPW, field=FIELDS, pipelinemode=pipelinemode)
    # Cubes of the chosen spws and fields, binned by NBINS and weighted by ROBUST
    hif_makeimlist(specmode='cube', spw=SPW, nbins=NBINS, field=FIELDS, pipelinemode=pipelinemode)
    hif_makeimages(robust=ROBUST, pipelinemode=pipelinemode)
    # FITS copies of the new images
    hif_exportdata(pipelinemode=pipelinemode)
finally:
    h_save()
