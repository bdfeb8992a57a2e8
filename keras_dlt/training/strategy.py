"""The `tf.distribute` strategy a run trains under (the apps' `--strategy`): one device, mirrored replicas, or
several workers.

Every model of this package is created, compiled and trained in the strategy's
scope (`with strategy.scope(): ...`); `fit`'s batch is then the *global*
batch, split evenly over the replicas (so the tutorial's batch size and
learning rate give the tutorial's updates, whatever the replica count). What
stays per replica: each draws its own random numbers, and persistent chains
(PCD, energy models) are one mirrored variable whose rows are split over the
replicas (`keras_dlt.core.replicas`). Under "multi-worker" every worker runs
the same command with its own TF_CONFIG; Keras 3's `fit` does not run under
`MultiWorkerMirroredStrategy` with TF 2.21 (keras-team/keras#20585), so the
tutorial models' `fit` and `evaluate` run TensorFlow's custom loop there
(`keras_dlt.core.multi_worker_fit`), and `training.worker_folder` keeps the
other workers' files apart from the chief's.
"""

import json
import os

from keras_dlt.flags import STRATEGIES  # the apps' `--strategy` choices: one list for the flag and this module

__all__ = ["STRATEGIES", "make_strategy", "start_run"]


def _check_tf_config(text):
    """TF_CONFIG, when set, must be JSON naming a cluster of workers and this task (TensorFlow's own message for a
    malformed one does not say which variable is wrong)."""
    if not text:
        return
    try:
        config = json.loads(text)
        workers, task = config["cluster"]["worker"], config["task"]
        ok = isinstance(workers, list) and task["type"] in ("worker", "chief") and 0 <= int(task["index"]) < len(
            config["cluster"].get(task["type"], ()))
    except (ValueError, KeyError, TypeError):
        ok = False
    if not ok:
        raise ValueError('--strategy multi-worker: TF_CONFIG must be JSON like {"cluster": {"worker": '
                         '["host1:port", "host2:port"]}, "task": {"type": "worker", "index": 0}}, the index within '
                         f"its list. Received: {text[:200]!r}")


def make_strategy(name="one-device", cpu_replicas=None):
    """A `tf.distribute.Strategy`: "one-device" (TensorFlow's default), "mirrored" (all visible GPUs) or
    "multi-worker" (`MultiWorkerMirroredStrategy`: the cluster and this worker's place in it from the TF_CONFIG
    environment variable; without one, a cluster of this process alone).

    `cpu_replicas` (mirrored only) splits the CPU into that many logical
    devices and mirrors over them: tf.distribute on a machine with no GPU, to
    try a run's distributed path (it measures overhead, not speed). It must be
    asked for before TensorFlow has run anything.
    """
    import tensorflow as tf

    if name not in STRATEGIES:
        raise ValueError(f"strategy must be one of {STRATEGIES}. Received: {name!r}")
    if cpu_replicas is not None and (name != "mirrored" or cpu_replicas < 1):
        raise ValueError(f"cpu_replicas (an int >= 1) goes with the mirrored strategy. Received: {cpu_replicas!r} "
                         f"with {name!r}")
    if name == "one-device":
        return tf.distribute.get_strategy()
    if name == "multi-worker":
        _check_tf_config(os.environ.get("TF_CONFIG"))
        return tf.distribute.MultiWorkerMirroredStrategy()
    if cpu_replicas is None:
        return tf.distribute.MirroredStrategy()
    cpu = tf.config.list_physical_devices("CPU")[0]
    try:
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * cpu_replicas)
    except RuntimeError:
        raise ValueError("cpu_replicas: TensorFlow has already set up its devices in this process; make the "
                         "strategy first (the apps do it before anything else runs).") from None
    return tf.distribute.MirroredStrategy([f"/cpu:{i}" for i in range(cpu_replicas)])


def start_run(seed, strategy="one-device", cpu_replicas=None, precision="float32"):
    """What a run sets before anything else: its strategy (`make_strategy`, which may set up TensorFlow's devices
    and so comes first), Keras' dtype policy (`precision`: "float32", "mixed_float16", "mixed_bfloat16") and the
    seed of Keras' global generators (the package's seed policy, `keras_dlt.core.random`). Returns the strategy."""
    import keras

    made = make_strategy(strategy, cpu_replicas)
    keras.mixed_precision.set_global_policy(precision)
    keras.utils.set_random_seed(seed)
    return made
