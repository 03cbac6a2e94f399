# -*- coding: utf-8 -*-
# Remake the aggregate continuum image from every unflagged channel.
#
# Written by regen-tclean 0.2.0 on 2025-11-24 16:00 UTC
# from the log uid___A001_X885_X2b1.casa_commands.log
#   SHA-256 92d86c1bffaab85172a74bfccb3419a449e6488733c581dab8df7ae60c62cdbd
# with the command line:
#   regen-tclean recipe aggregate-cont samples/cycle4
#
# cont.dat is renamed (never deleted) so that the pipeline finds no continuum
# ranges and takes all unflagged channels of all science spws as continuum; no
# continuum is subtracted. Worth it for continuum-only projects where the
# hif_findcont page of the weblog shows more line-free bandwidth than it chose.
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
TITLE = 'Aggregate continuum, all channels'
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

# Set cont.dat aside under a name no file has yet; rename it back to cont.dat
# before you run a recipe that subtracts the continuum
if os.path.exists('cont.dat'):
    CONT_BACKUP = 'original.cont.dat'
    number = 1
    while os.path.exists(CONT_BACKUP):
        CONT_BACKUP = 'original.cont.dat.%d' % number
        number += 1
    os.rename('cont.dat', CONT_BACKUP)
    print('cont.dat renamed to %s' % CONT_BACKUP)

context = h_init()
context.project_summary.proposal_code = TITLE
try:
    # Load the data, split the science targets off into *_target.ms and
    # apply the target flag templates (*flagtargetstemplate.txt) to them
    hifa_importdata(vis=VIS, dbservice=False, pipelinemode=pipelinemode)
    hif_mstransform(pipelinemode=pipelinemode)
    hifa_flagtargets(pipelinemode=pipelinemode)
    # The aggregate continuum of all science spws, cleaned as the pipeline does
    hif_makeimlist(specmode='cont', pipelinemode=pipelinemode)
    hif_makeimages(pipelinemode=pipelinemode)
    # FITS copies of the new images
    hif_exportdata(pipelinemode=pipelinemode)
finally:
    h_save()
