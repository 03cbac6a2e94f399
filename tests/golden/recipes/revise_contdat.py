# -*- coding: utf-8 -*-
# Subtract the continuum of a revised cont.dat and remake the affected images.
#
# Written by regen-tclean 0.2.0 on 2025-11-24 16:00 UTC
# from the log uid___A001_X885_X2b1.casa_commands.log
#   SHA-256 92d86c1bffaab85172a74bfccb3419a449e6488733c581dab8df7ae60c62cdbd
# with the command line:
#   regen-tclean recipe revise-contdat samples/cycle4 --spw 21,17 --title 'Line-free 17 and 21'
#
# Change the ranges of cont.dat in this folder first (by hand, or with
# regen-tclean contdat cont.dat --set SPW:RANGES). The continuum of every spw is
# then fitted and subtracted again; the per-spw continuum images and the cubes
# of the spws in SPW are remade, and the aggregate continuum image of all
# spws too, since it uses the ranges of every spw.
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
TITLE = 'Line-free 17 and 21'
# The measurement sets the pipeline started from
VIS = [
    'uid___A002_Xb9dfa4_X4b3d.ms',
    'uid___A002_Xba2e0a_X1f2c.ms',
]
# The spws whose cont.dat ranges you changed
SPW = '21,17'
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
    # Subtract the continuum again, fitted over the edited ranges (every spw)
    hif_uvcontfit(pipelinemode=pipelinemode)
    hif_uvcontsub(pipelinemode=pipelinemode)
    # Continuum images again: one per revised spw, then the aggregate of all spws
    hif_makeimlist(specmode='mfs', spw=SPW, pipelinemode=pipelinemode)
    hif_makeimages(pipelinemode=pipelinemode)
    hif_makeimlist(specmode='cont', pipelinemode=pipelinemode)
    hif_makeimages(pipelinemode=pipelinemode)
    # Cubes of the revised spws, from the newly subtracted data
    hif_makeimlist(specmode='cube', spw=SPW, pipelinemode=pipelinemode)
    hif_makeimages(pipelinemode=pipelinemode)
    # FITS copies of the new images
    hif_exportdata(pipelinemode=pipelinemode)
finally:
    h_save()
