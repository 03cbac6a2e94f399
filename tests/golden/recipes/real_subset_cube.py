# Continuum-subtracted cubes of chosen spws and fields, with channel binning.
#
# Written by regen-tclean 0.1.0 on 2025-11-24 16:00 UTC
# from the log 2016.1.00023.S.casa_commands.log
#   SHA-256 3411ff9b80302f32f831bdd4fbd812f34ceca57d608ec193f58ec8e0505abe1c
# with the command line:
#   regen-tclean recipe subset-cube ../shared/samples/real/2016.1.00023.S.casa_commands.log --spw 22,26 --nbins 26:1,22:4 --field NGC1068 --robust 1.5
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
## Title of the weblog of this run
MyTitle = 'Cubes of selected spws and fields'
## The measurement sets the pipeline started from (its importasdm calls)
MyVis = [
    'uid___A002_Xc27dd7_X2fc3.ms',
    'uid___A002_Xc27dd7_X6983.ms',
    'uid___A002_Xc27dd7_X6c8e.ms',
    'uid___A002_Xc2b007_X877.ms',
    'uid___A002_Xc8592e_Xaea3.ms',
    'uid___A002_Xc89480_X8c7d.ms',
    'uid___A002_Xc96463_X1646.ms',
    'uid___A002_Xc96f17_X113a.ms',
]
## The spws to make cubes of, and for each of them the number of channels to
## bin together (SPW:N for every spw of MySpw; N=1 keeps every channel)
MySpw = '22,26'
MyNbins = '22:4,26:1'
## The science targets to image, by name ('' images all of them)
MyFields = 'NGC1068'
## Briggs robust, from -2 to 2 (the pipeline's default is 0.5)
MyRobust = 1.5
############################################################

## Stop before the pipeline starts if the data are not in this folder
missing = [vis for vis in MyVis if not os.path.isdir(vis)]
if missing:
    raise RuntimeError('not in this folder: %s; run this file in calibrated/working '
                       'of the restored delivery' % ', '.join(missing))
if not os.path.isfile('cont.dat'):
    raise RuntimeError('no cont.dat in this folder: copy calibration/<MOUS>.cont.dat '
                       'here as cont.dat (regen-tclean prepare DELIVERY does it)')

context = h_init()
context.project_summary.proposal_code = MyTitle
try:
    ## Load the data, split the science targets off into *_target.ms and
    ## apply the target flag templates (*flagtargetstemplate.txt) to them
    hifa_importdata(vis=MyVis, dbservice=False, pipelinemode=pipelinemode)
    hif_mstransform(pipelinemode=pipelinemode)
    hifa_flagtargets(pipelinemode=pipelinemode)
    ## Subtract the continuum (cont.dat ranges) of the chosen spws and fields only
    hif_uvcontfit(spw=MySpw, field=MyFields, pipelinemode=pipelinemode)
    hif_uvcontsub(spw=MySpw, field=MyFields, pipelinemode=pipelinemode)
    ## Cubes of the chosen spws and fields, binned by MyNbins and weighted by MyRobust
    hif_makeimlist(specmode='cube', spw=MySpw, nbins=MyNbins, field=MyFields, pipelinemode=pipelinemode)
    hif_makeimages(robust=MyRobust, pipelinemode=pipelinemode)
    ## FITS copies of the new images
    hif_exportdata(pipelinemode=pipelinemode)
finally:
    h_save()
