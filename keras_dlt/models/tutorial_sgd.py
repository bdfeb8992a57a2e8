"""The tutorials' optimiser as a model default, and a `fit` that fails loudly when training diverges.

Models with a custom `compile()` must also say how a loaded `.keras` file
re-compiles them; this mixin does both, once, for every tutorial model, and
adds `FailOnNonFinite` to every `fit` (NaN or inf stops it with an error).
"""

import keras

from keras_dlt.core.finite import FailOnNonFinite

__all__ = ["TutorialSGD"]


class TutorialSGD:
    """Mixin for `keras.Model` subclasses: `compile()` defaults to SGD at `default_learning_rate`."""

    #: The tutorial's learning rate for this model (used by `compile()` with no optimizer).
    default_learning_rate = 0.1

    def tutorial_optimizer(self, optimizer=None):
        """`optimizer`, or plain SGD (no momentum) at `default_learning_rate`."""
        return keras.optimizers.SGD(learning_rate=self.default_learning_rate) if optimizer is None else optimizer

    def compile(self, optimizer=None, **kwargs):
        """`Model.compile`; default optimizer: plain SGD at the tutorial's `default_learning_rate`."""
        super().compile(optimizer=self.tutorial_optimizer(optimizer), **kwargs)

    def fit(self, *args, callbacks=None, **kwargs):
        """`Model.fit`; a NaN or inf loss, monitor or weight raises `TrainingDiverged` (never a silent NaN model)."""
        callbacks = list(callbacks or [])
        if not any(isinstance(c, FailOnNonFinite) for c in callbacks):
            # First in the list: at an epoch's end it raises before a backup callback saves the NaN model.
            callbacks.insert(0, FailOnNonFinite())
        return super().fit(*args, callbacks=callbacks, **kwargs)

    def compile_from_config(self, config):
        """Re-compiles a loaded model as it was saved (optimizer, loss, metrics)."""
        config = keras.saving.deserialize_keras_object(config)
        self.compile(**config)
        if self.built:
            self.optimizer.build(self.trainable_variables)
