"""The tutorials' optimiser as a model default, and a `fit` that fails loudly when training diverges.

Models with a custom `compile()` must also say how a loaded `.keras` file
re-compiles them; this mixin does both, once, for every tutorial model, and
adds `FailOnNonFinite` to every `fit` (NaN or inf stops it with an error), and
runs that `fit` (and `evaluate`) under `MultiWorkerMirroredStrategy` too.
Its `compute_loss` lets that SGD apply the squared-L2 penalties' gradients
in its update (`keras_dlt.optimizers.SGD.penalties_in_update`).
"""

import warnings

import keras

from keras_dlt.core.finite import FailOnNonFinite
from keras_dlt.core.multi_worker_fit import is_multi_worker, multi_worker_evaluate, multi_worker_fit
from keras_dlt.optimizers import SGD
from keras_dlt.regularizers import gradient_in_update

__all__ = ["TutorialSGD"]


class TutorialSGD:
    """Mixin for `keras.Model` subclasses: `compile()` defaults to SGD at `default_learning_rate`."""

    #: The tutorial's learning rate for this model (used by `compile()` with no optimizer).
    default_learning_rate = 0.1

    def tutorial_optimizer(self, optimizer=None):
        """`optimizer`, or plain SGD (no momentum) at `default_learning_rate`."""
        return SGD(learning_rate=self.default_learning_rate) if optimizer is None else optimizer

    def compile(self, optimizer=None, **kwargs):
        """`Model.compile`; default optimizer: plain SGD at the tutorial's `default_learning_rate`.

        Under a strategy with several replicas `steps_per_execution` is 1: Keras' multi-step loop fails
        there with TF 2.21 ("You must feed a value for placeholder tensor ... while/cond", measured with
        MirroredStrategy over 2 CPU devices), so each compiled call runs one step.
        """
        if kwargs.get("steps_per_execution", 1) != 1 and self.distribute_strategy.num_replicas_in_sync > 1:
            warnings.warn(f"{type(self).__name__}.compile: steps_per_execution={kwargs['steps_per_execution']} "
                          f"becomes 1 under {type(self.distribute_strategy).__name__} (Keras' multi-step loop fails "
                          f"there with this TensorFlow)", stacklevel=2)
            kwargs["steps_per_execution"] = 1
        super().compile(optimizer=self.tutorial_optimizer(optimizer), **kwargs)

    def fit(self, *args, callbacks=None, **kwargs):
        """`Model.fit`; a NaN or inf loss, monitor or weight raises `TrainingDiverged` (never a silent NaN model).

        Under `MultiWorkerMirroredStrategy`, where Keras' `fit` does not run
        with TF 2.21, the same steps run in TensorFlow's documented custom loop
        (`keras_dlt.core.multi_worker_fit`), with the same callbacks.
        """
        callbacks = list(callbacks or [])
        if not any(isinstance(c, FailOnNonFinite) for c in callbacks):
            # First in the list: at an epoch's end it raises before a backup callback saves the NaN model.
            callbacks.insert(0, FailOnNonFinite())
        if is_multi_worker(self.distribute_strategy):
            return multi_worker_fit(self, *args, callbacks=callbacks, **kwargs)
        # Weights a model builds lazily, from its first data, are made in the scope of the strategy it was
        # created under (tf.distribute mirrors them); Keras' fit would build them outside it.
        with self.distribute_strategy.scope():
            return super().fit(*args, callbacks=callbacks, **kwargs)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """`Model.compute_loss`; in training under `keras_dlt.optimizers.SGD`, the L2 penalties' gradients go to its update.

        The loss's value is the same; the penalties' gradient `2 l2 W` is added
        by the optimizer's one-kernel update instead of autodiff (two passes
        over each weight matrix fewer; bench/NOTES.md, "Speed per core").
        """
        optimizer = getattr(self, "optimizer", None)
        taken = optimizer.penalties_in_update(self.trainable_variables) if training and isinstance(optimizer, SGD) else []
        with gradient_in_update(taken) as left_out:
            loss = super().compute_loss(x, y, y_pred, sample_weight=sample_weight, training=training)
        if len(left_out) != len(taken):  # the optimizer adds exactly the gradients the loss left out
            optimizer.penalties_in_update(left_out)
        return loss

    def evaluate(self, *args, **kwargs):
        """`Model.evaluate`; under `MultiWorkerMirroredStrategy` the model's `test_step` in the same custom loop."""
        if is_multi_worker(self.distribute_strategy):
            return multi_worker_evaluate(self, *args, **kwargs)
        return super().evaluate(*args, **kwargs)

    def compile_from_config(self, config):
        """Re-compiles a loaded model as it was saved (optimizer, loss, metrics)."""
        config = keras.saving.deserialize_keras_object(config)
        self.compile(**config)
        if self.built:
            self.optimizer.build(self.trainable_variables)
