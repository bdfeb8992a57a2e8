"""How a run is driven: the patience rule, resuming, the speed policy, logs and pictures, the run's record.

Models never import this package: it trains them. Its functions take typed
arguments and return small result objects; the apps (and your scripts) wire
data, a model and one of them together.

- `train_classifier`: SGD with the tutorial's patience rule (`PatienceEarlyStopping`).
- `pretrain_stack`: greedy pretraining of an SdA or DBN, layer by layer.
- `train_network3`: Nielsen's `Network.SGD` as a resumable part of a run.
- `RunBackup` / `BackupAndResume`: one resume mechanism for epochs and finished parts.
- `speed`: steps_per_execution and XLA choices; `write_result`: `result.json`.
- `make_strategy`: the tf.distribute strategy of a run (`--strategy`); `worker_folder`: where each worker of a
  multi-worker run writes; `fit_multi_worker`: `fit` on arrays with a backup every worker resumes from.
- `run_callbacks`: a fit's progress bar, callbacks and TensorBoard, in the order that keeps each log whole.
"""

from keras_dlt.training.backup import BackupAndResume, RunBackup
from keras_dlt.training.cost_log import CostLog
from keras_dlt.training.interrupt import StopOnInterrupt
from keras_dlt.training.logs import run_callbacks, tensorboard_callback
from keras_dlt.training.multi_worker import fit_multi_worker, is_chief, is_multi_worker, worker_folder
from keras_dlt.training.outputs import closing_line, save_classifier_run
from keras_dlt.training.network3 import Network3Result, train_network3
from keras_dlt.training.patience import PatienceEarlyStopping, PatienceRule
from keras_dlt.training.pictures import FilterPictures
from keras_dlt.training.pretraining import PretrainingResult, load_stack_weights, pretrain_or_reuse, pretrain_stack
from keras_dlt.training.record import write_result
from keras_dlt.training.schedules import HalveOnPlateau, inverse_time_decay
from keras_dlt.training.speed import fast_steps_per_execution, jit_compile_for
from keras_dlt.training.strategy import STRATEGIES, make_strategy, start_run
from keras_dlt.training.supervised import ClassifierResult, SGDSettings, train_classifier

__all__ = ["train_classifier", "SGDSettings", "ClassifierResult", "save_classifier_run", "closing_line", "pretrain_stack", "pretrain_or_reuse", "load_stack_weights", "PretrainingResult", "train_network3",
           "Network3Result", "RunBackup", "BackupAndResume", "PatienceEarlyStopping", "PatienceRule", "CostLog",
           "StopOnInterrupt", "FilterPictures", "HalveOnPlateau", "inverse_time_decay", "fast_steps_per_execution",
           "jit_compile_for", "write_result", "run_callbacks", "tensorboard_callback",
           "make_strategy", "start_run", "STRATEGIES", "fit_multi_worker", "is_chief", "is_multi_worker",
           "worker_folder"]
