"""Checks of the interview's fusion on the channels' held-out predictions (training only: it retrains the voice
and text recipes out of fold; the app never imports this package).

The interview trains no model of its own: fusion weights each channel by the reliability its model's
metadata reports (library/interview/reliability.py). What is left to measure is how the rule behaves:

    check_fusion   voice and words, each read out of fold, paired by emotion and fused
                   (``python -m library.interview.train.check_fusion``)
"""
