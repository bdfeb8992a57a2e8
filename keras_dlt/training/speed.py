"""The speed policy: how many minibatches per compiled call, and when to compile with XLA.

Measured on CPU (bench/README.md, "Supervised tutorials" and "network3
speed"): small steps gain from running many minibatches per compiled call;
LeNet's large convolutional steps lose beyond a few. XLA fuses a small
dense step's many tiny ops (MLP-style stacks at batch <= 10) but its CPU
matmuls are slower at larger batches. The number of minibatches per call
always divides the epoch, so per-epoch callbacks (the tutorial's
validation points) stay exact. Models know nothing of this; the training
functions and the apps ask here.
"""

from keras_dlt.core.batches import steps_per_execution_for
from keras_dlt.models.classifiers import MLP, LeNet
from keras_dlt.models.network3 import Network

__all__ = ["steps_per_execution_for", "fast_steps_per_execution", "jit_compile_for", "JIT_CHOICES"]

#: (model class, minibatches per compiled call up to which it trains fastest, largest batch at which XLA helps).
_POLICY = ((LeNet, 4, 0), (Network, 50, 0), (MLP, 100, 10))
_DEFAULT = (100, 0)

JIT_CHOICES = ("auto", "on", "off")


def _policy(model):
    for cls, spe, jit in _POLICY:
        if isinstance(model, cls):
            return spe, jit
    return _DEFAULT


def fast_steps_per_execution(model, n_batches, requested=0):
    """`requested` when > 0, else the largest divisor of the epoch's `n_batches` up to the model's fast target."""
    if requested:
        if not isinstance(requested, int) or requested < 1:
            raise ValueError(f"steps_per_execution must be an int >= 1 (or 0 for automatic). Received: {requested!r}")
        return requested
    return steps_per_execution_for(n_batches, _policy(model)[0])


def jit_compile_for(model, batch_size, choice="auto"):
    """`jit_compile` for `model` at `batch_size`: "on", "off", or "auto" (XLA where it measured faster on CPU).

    "auto" is off under several replicas: the measurements were made on one device, and XLA cannot compile a step
    whose mirrored variables live on several logical CPU devices ("Trying to access resource ... located in device
    CPU:1 from device CPU:0", TensorFlow 2.21).
    """
    if choice in (True, "on"):
        return True
    if choice in (False, None, "off"):
        return False
    if choice != "auto":
        raise ValueError(f"jit_compile must be one of {JIT_CHOICES}. Received: {choice!r}")
    if model.distribute_strategy.num_replicas_in_sync > 1:
        return False
    return batch_size <= _policy(model)[1]
