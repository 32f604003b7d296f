"""Calibration to evidence: a client's pulse survey (``survey``: the format and the observation
model) and approximate Bayesian computation over the model's parameters (``inference``: pyabc's
ABC-SMC, the result object). ``sim.calibrate.calibrate`` is the entry point; pyabc is imported only
when a calibration runs."""

from .inference import Calibration, CalibrationError, calibrate, read_posterior
from .survey import ITEMS, Survey, SurveyError, read_survey

__all__ = ["calibrate", "Calibration", "CalibrationError", "read_posterior", "read_survey", "Survey", "SurveyError", "ITEMS"]
