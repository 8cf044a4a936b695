"""Analyses over many runs of the engine: global sensitivity (``sensitivity.py``) and
calibration to an observed timeline (``calibrate.py``)."""
