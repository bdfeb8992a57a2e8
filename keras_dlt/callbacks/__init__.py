"""The Keras callbacks of the training layer (`keras_dlt.training`), under their public names.

The tutorial's early stopping, learning-rate decay, pictures, a clean Ctrl+C, resuming.
"""

from keras_dlt.training.backup import BackupAndResume
from keras_dlt.training.cost_log import CostLog
from keras_dlt.training.interrupt import StopOnInterrupt
from keras_dlt.training.patience import PatienceEarlyStopping, PatienceRule
from keras_dlt.training.pictures import FilterPictures
from keras_dlt.training.schedules import HalveOnPlateau, inverse_time_decay

__all__ = ["BackupAndResume", "CostLog", "PatienceEarlyStopping", "PatienceRule", "FilterPictures", "HalveOnPlateau",
           "inverse_time_decay", "StopOnInterrupt"]
