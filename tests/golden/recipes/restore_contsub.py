# -*- coding: utf-8 -*-
# Restore the pipeline's continuum subtraction of the ALMA science targets.
#
# Written by regen-tclean 0.2.0 on 2025-11-24 16:00 UTC
# from the log uid___A001_X885_X2b1.casa_commands.log
#   SHA-256 92d86c1bffaab85172a74bfccb3419a449e6488733c581dab8df7ae60c62cdbd
# with the command line:
#   regen-tclean recipe restore-contsub samples/cycle4
#
# Each execution's science-target data go to their own *_target.ms, flagged with
# the target flag templates; the continuum is then fitted over the ranges of
# cont.dat and subtracted. Afterwards DATA holds the calibrated data and
# CORRECTED the continuum-subtracted data, ready for your own tclean runs
# (regen-tclean DELIVERY -o reimage.py writes them from the log). Edit the flag
# templates or cont.dat before running this if you want other flags or ranges.
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
TITLE = 'Restore continuum subtraction'
# The measurement sets the pipeline started from
VIS = [
    'uid___A002_Xb9dfa4_X4b3d.ms',
    'uid___A002_Xba2e0a_X1f2c.ms',
]
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
    # Subtract the continuum, fitted over the cont.dat ranges (every spw and field)
    hif_uvcontfit(pipelinemode=pipelinemode)
    hif_uvcontsub(pipelinemode=pipelinemode)
finally:
    h_save()
