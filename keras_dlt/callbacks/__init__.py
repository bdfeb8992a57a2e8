"""Callbacks: the tutorial's early stopping, learning-rate decay, pictures, a clean Ctrl+C, resuming."""

from keras_dlt.callbacks.backup import BackupAndResume
from keras_dlt.callbacks.cost_log import CostLog
from keras_dlt.callbacks.early_stopping import PatienceEarlyStopping, PatienceRule
from keras_dlt.callbacks.pictures import FilterPictures
from keras_dlt.callbacks.schedules import HalveOnPlateau, inverse_time_decay
from keras_dlt.callbacks.stop_on_interrupt import StopOnInterrupt

__all__ = ["BackupAndResume", "CostLog", "PatienceEarlyStopping", "PatienceRule", "FilterPictures", "HalveOnPlateau", "inverse_time_decay",
           "StopOnInterrupt"]
