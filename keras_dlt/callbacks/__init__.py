"""Callbacks: the tutorial's early stopping, learning-rate decay, pictures."""

from keras_dlt.callbacks.cost_log import CostLog
from keras_dlt.callbacks.early_stopping import PatienceEarlyStopping, PatienceRule
from keras_dlt.callbacks.pictures import FilterPictures
from keras_dlt.callbacks.schedules import HalveOnPlateau, inverse_time_decay

__all__ = ["CostLog", "PatienceEarlyStopping", "PatienceRule", "FilterPictures", "HalveOnPlateau", "inverse_time_decay"]
