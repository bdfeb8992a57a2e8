"""RNN-RBM for polyphonic music (Boulanger-Lewandowski, Bengio & Vincent 2012; the tutorial's rnnrbm.py).

A sequence of binary frames v_1..v_T is modelled by one RBM per frame whose
biases come from an RNN over the past frames:

    bv_t = bv + u_{t-1} Wuv,   bh_t = bh + u_{t-1} Wuh          (tutorial eqs. 5-6)
    u_t  = tanh(bu + v_t Wvu + u_{t-1} Wuu),   u_0 = 0           (eq. 7)

Training (as the tutorial): each chunk of <= 100 frames starts from u_0 = 0;
all its frames' RBMs run CD-15 at once, starting at the data, and the cost
mean_t F_t(v_t) - mean_t F_t(v~_t) is differentiated with the samples v~ held
constant, through the RNN (back-propagation through time in the chunk).
"""

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from keras_dlt.models.tutorial_sgd import TutorialSGD
from keras_dlt.core.export import ExportsEndpoints
from keras_dlt.core.random import stateless_seeds, step_seed, sub_seed
from keras_dlt.core.replicas import apply_step, for_this_replica
from keras_dlt.models.boltzmann.frame_evaluation import FrameEvaluation
from keras_dlt.models.boltzmann.frame_metrics import frame_accuracy_score
from keras_dlt.models.boltzmann.math import bernoulli, free_energy, gibbs_chain

__all__ = ["RnnRbm", "chunks", "frame_accuracy_score"]


def chunks(sequences, length=100):
    """Cuts each sequence [T, n] into consecutive pieces of at most `length` frames (the tutorial's batches)."""
    if not isinstance(length, (int, np.integer)) or length < 1:
        raise ValueError(f"chunks: length must be an int >= 1. Received: {length}")
    return [s[i:i + length] for s in sequences for i in range(0, len(s), length)]


@keras.saving.register_keras_serializable(package="keras_dlt")
class RnnRbm(FrameEvaluation, ExportsEndpoints, TutorialSGD, keras.Model):
    """The tutorial's RNN-RBM, trained by `fit` on chunks of piano-roll frames.

    `fit` takes a list of sequences [T_i, n_visible] (cut into chunks of 100
    frames, see `training_dataset`), a `tf.data.Dataset` of single chunks, or
    one array [T, n_visible]; each chunk is one update. `evaluate` takes the
    same and `predict` returns each sequence's visible biases bv_t. It reports `pseudo_log_likelihood`: the tutorial's monitor, the
    log-probability of the data frames under the visible means one half-step
    past the chain's end (`mean_v` in rnnrbm.py), summed over notes, averaged
    over frames (higher is better).

    Args:
        n_hidden: RBM hidden units. Default 150.
        n_hidden_recurrent: RNN units. Default 100.
        n_visible: notes per frame. Default 88.
        k: Gibbs steps of the training chains. Default 15.
        generate_k: Gibbs steps per generated frame. Default 25.
        seed: seed of the initialisation and of all sampling.

    Example:
        >>> rolls = load_piano_rolls()["train"]                # bundled JSB chorales
        >>> model = RnnRbm(seed=1)
        >>> model.compile()                                     # SGD, lr 0.001 (the tutorial's)
        >>> model.fit(model.training_dataset(rolls), epochs=200)
        >>> song = model.generate(n_steps=200, seed=2)          # [200, 88] of 0/1
    """

    default_learning_rate = 0.001
    #: Sequences of at most this many frames, of a length known when traced, run the RNN written out.
    unroll_frames = 128

    def __init__(self, n_hidden=150, n_hidden_recurrent=100, n_visible=88, k=15, generate_k=25, seed=None, **kwargs):
        kwargs.setdefault("dtype", "float32")  # free energies, Gibbs chains and AIS in float32 under any policy
        super().__init__(**kwargs)
        for name, value in (("n_hidden", n_hidden), ("n_hidden_recurrent", n_hidden_recurrent),
                            ("n_visible", n_visible), ("k", k), ("generate_k", generate_k)):
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
                raise ValueError(f"RnnRbm: {name} must be an int >= 1. Received: {name}={value}")
        self.n_hidden, self.n_hidden_recurrent, self.n_visible = int(n_hidden), int(n_hidden_recurrent), int(n_visible)
        self.k, self.generate_k = int(k), int(generate_k)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.monitor_tracker = keras.metrics.Mean(name="pseudo_log_likelihood")
        self.build((None, self.n_visible))

    @property
    def metrics(self):
        return [self.monitor_tracker]

    def build(self, input_shape):
        if self.built:
            return
        nv, nh, nr = self.n_visible, self.n_hidden, self.n_hidden_recurrent

        def normal(i):  # the tutorial's shared_normal(..., 0.01)
            return keras.initializers.RandomNormal(0.0, 0.01, seed=sub_seed(self.seed, i))

        self.W = self.add_weight(name="W", shape=(nv, nh), initializer=normal(1))
        self.bv = self.add_weight(name="bv", shape=(nv,), initializer="zeros")
        self.bh = self.add_weight(name="bh", shape=(nh,), initializer="zeros")
        self.Wuh = self.add_weight(name="Wuh", shape=(nr, nh), initializer=normal(2))
        self.Wuv = self.add_weight(name="Wuv", shape=(nr, nv), initializer=normal(3))
        self.Wvu = self.add_weight(name="Wvu", shape=(nv, nr), initializer=normal(4))
        self.Wuu = self.add_weight(name="Wuu", shape=(nr, nr), initializer=normal(5))
        self.bu = self.add_weight(name="bu", shape=(nr,), initializer="zeros")
        self.built = True

    # -- the model ---------------------------------------------------------------------
    def recurrence(self, v):
        """The RNN over a sequence v [T, n_visible] from u_0 = 0: (bv_t [T, nv], bh_t [T, nh], u [T, nr]).

        bv_t, bh_t are frame t's RBM biases (from u_{t-1}); u_t the state after frame t.
        """
        v = ops.cast(v, "float32")
        x = ops.matmul(v, self.Wvu) + self.bu  # the input part of every step at once
        wuu = ops.convert_to_tensor(self.Wuu)
        n_frames = v.shape[0]
        if n_frames is not None and n_frames <= self.unroll_frames and tf.inside_function():
            # A known, short length: the steps written out. A loop's per-step overhead (forward and, worse,
            # its gradient) costs more than these tiny matmuls; `training_dataset` pads chunks to make this so.
            u, steps = tf.zeros([1, self.n_hidden_recurrent]), []
            for x_t in tf.split(x, n_frames):
                u = tf.tanh(x_t + tf.matmul(u, wuu))
                steps.append(u)
            u = tf.concat(steps, 0)
        else:
            u = tf.scan(lambda u_prev, x_t: tf.tanh(x_t + tf.linalg.matvec(wuu, u_prev, transpose_a=True)), x,
                        initializer=tf.zeros([self.n_hidden_recurrent]))
        u_prev = ops.concatenate([ops.zeros((1, self.n_hidden_recurrent)), u[:-1]], axis=0)
        return ops.matmul(u_prev, self.Wuv) + self.bv, ops.matmul(u_prev, self.Wuh) + self.bh, u

    def call(self, inputs):
        """The frames' RBM visible biases bv_t [T, n_visible] for a sequence (the RNN's output)."""
        return self.recurrence(inputs)[0]

    def free_energies(self, v):
        """F_t(v_t) of each frame under its own RBM, [T]."""
        bv_t, bh_t, _ = self.recurrence(v)
        return free_energy(ops.cast(v, "float32"), self.W, bv_t, bh_t)

    def _next_seed(self):
        return for_this_replica(keras.random.randint((2,), 0, 2**31 - 1, seed=self.seed_generator, dtype="int32"))

    def _chain(self, v_start, k, bv_t, bh_t, seed, average_after=None):
        """A Gibbs chain of `k` steps from visible states `v_start` (`gibbs_chain`; unrolled for a Python `k`)."""
        s0, s1 = tf.unstack(tf.random.experimental.stateless_split(seed, 2))
        h0 = bernoulli(tf.sigmoid(tf.matmul(v_start, self.W) + bh_t), s0)
        return gibbs_chain(h0, k, ops.convert_to_tensor(self.W), bv_t, bh_t, s1, unroll=True,
                           average_after=average_after)

    def _unpack(self, data):
        """A chunk [T, nv], or (chunk padded at its end, number of real frames) from `training_dataset`."""
        if isinstance(data, (tuple, list)):
            v, n = data[0], (data[1] if len(data) > 1 else None)
        else:
            v, n = data, None
        v = ops.reshape(ops.cast(v, "float32"), (-1, self.n_visible))
        frames = tf.shape(v)[0]
        n = frames if n is None else tf.cast(tf.reshape(n, []), tf.int32)
        mask = tf.cast(tf.range(frames) < n, tf.float32)  # padding after the end changes no real frame (causal)
        return v, mask, tf.cast(n, tf.float32)

    def train_step(self, data):
        v, mask, n = self._unpack(data)
        seed = self._next_seed()
        with tf.GradientTape() as tape:
            bv_t, bh_t, _ = self.recurrence(v)
            with tape.stop_recording():
                end = self._chain(v, self.k, bv_t, bh_t, seed)  # CD-k from the data, all frames at once
            v_model = tf.stop_gradient(end["v"])
            gap = free_energy(v, self.W, bv_t, bh_t) - free_energy(v_model, self.W, bv_t, bh_t)
            cost = ops.sum(gap * mask) / n  # mean over the real frames
            scaled = self.optimizer.scale_loss(cost)
        grads = tape.gradient(scaled, self.trainable_variables)
        apply_step(self.optimizer, grads, self.trainable_variables, loss_scaled=True)
        self.monitor_tracker.update_state(self._monitor(v, self._monitor_logits(end, bv_t), mask, n))
        return {m.name: m.result() for m in self.metrics}

    def _monitor_logits(self, end, bv_t):
        """The tutorial's mean_v: one more half-step from the chain's end (h ~ p(h|v~), then p(v|h)), as logits."""
        return tf.matmul(end["h"], self.W, transpose_b=True) + bv_t

    def test_step(self, data):
        v, mask, n = self._unpack(data)
        bv_t, bh_t, _ = self.recurrence(v)
        end = self._chain(v, self.k, bv_t, bh_t, self._next_seed())
        self.monitor_tracker.update_state(self._monitor(v, self._monitor_logits(end, bv_t), mask, n))
        return {m.name: m.result() for m in self.metrics}

    @staticmethod
    def _monitor(v, v_logits, mask, n):
        # sum_i v log m + (1 - v) log(1 - m), m = sigmoid(logits), from logits; mean over the real frames.
        return -ops.sum(ops.sum(ops.softplus(v_logits) - v * v_logits, axis=-1) * mask) / n

    # -- data ------------------------------------------------------------------------------
    def training_dataset(self, sequences, chunk_length=100, shuffle=True, seed=None):
        """A `tf.data.Dataset` of the sequences' chunks, reshuffled every epoch: (chunk padded to
        [chunk_length, n_visible], its real length) pairs, which `fit` reads as one update each.

        Checks every sequence first (2-D, n_visible wide, 0/1, finite), naming the bad one.
        """
        self._check_sequences(sequences, "training_dataset")
        pieces = chunks([np.asarray(s, "float32") for s in sequences], chunk_length)
        # Every chunk padded with silence to chunk_length, with its real length: one shape, one trace,
        # the RNN written out; the cost ignores the padding.
        padded = np.zeros((len(pieces), chunk_length, self.n_visible), "float32")
        for i, piece in enumerate(pieces):
            padded[i, :len(piece)] = piece
        lengths = np.array([len(p) for p in pieces], "int32")
        ds = tf.data.Dataset.from_tensor_slices((padded, lengths))
        if shuffle:
            ds = ds.shuffle(len(pieces), seed=seed, reshuffle_each_iteration=True)
        return ds.prefetch(tf.data.AUTOTUNE)

    def _check_sequences(self, sequences, what):
        if isinstance(sequences, np.ndarray) and sequences.ndim == 2:
            sequences = [sequences]
        if not len(sequences):
            raise ValueError(f"RnnRbm.{what}: no sequences.")
        for i, s in enumerate(sequences):
            s = np.asarray(s)
            if s.ndim != 2 or s.shape[1] != self.n_visible or not len(s):
                raise ValueError(f"RnnRbm.{what}: sequence {i} must be a piano-roll [T, {self.n_visible}]. "
                                 f"Received: shape={s.shape}")
            if not np.all(np.isin(s, (0, 1))):
                raise ValueError(f"RnnRbm.{what}: sequence {i} must hold only 0 and 1 (a binary piano-roll).")
        return sequences

    def _as_dataset(self, x, what, chunk_length=None):
        """What `fit`, `evaluate` and `predict` accept, as a dataset of single sequences (or chunks):

        a list of sequences [T_i, n_visible]; an array [T, n_visible] (one
        sequence) or [B, T, n_visible] (B sequences of one length); or a
        `tf.data.Dataset` whose elements are single chunks [T, n_visible] or
        `(chunk, length)` pairs, as `training_dataset` yields. Anything else
        (a batched dataset, other widths) is refused, naming what it got.
        """
        if isinstance(x, tf.data.Dataset):
            spec = x.element_spec
            first = spec[0] if isinstance(spec, (tuple, list)) else spec
            shape = getattr(first, "shape", None)
            if shape is None or shape.rank != 2 or shape[-1] not in (None, self.n_visible):
                hint = (" It yields batches of sequences: each element must be one sequence, so unbatch it "
                        "(dataset.unbatch()) or pass the sequences as a list." if shape is not None and shape.rank == 3
                        else "")
                raise ValueError(f"RnnRbm.{what}: a dataset's elements must be one piano-roll chunk "
                                 f"[T, {self.n_visible}] or a (chunk, length) pair, as training_dataset yields; "
                                 f"got elements {spec}.{hint}")
            return x
        if isinstance(x, np.ndarray) and x.ndim == 3:
            x = list(x)
        if isinstance(x, np.ndarray) or tf.is_tensor(x):
            x = np.asarray(x)
            self._check_sequences(x, what)
            return tf.data.Dataset.from_tensors(x.astype("float32"))
        if isinstance(x, (list, tuple)):
            self._check_sequences(x, what)
            longest = max(len(s) for s in x)
            return self.training_dataset(x, chunk_length=chunk_length or longest, shuffle=chunk_length is not None,
                                         seed=self.seed)
        raise ValueError(f"RnnRbm.{what}: x must be a list of piano-rolls [T, {self.n_visible}], an array "
                         f"[T, {self.n_visible}] or [B, T, {self.n_visible}], or a tf.data.Dataset of chunks. "
                         f"Received: {type(x).__name__}")

    def fit(self, x=None, y=None, *args, **kwargs):
        """`Model.fit` on chunks, one update each: a list of sequences (or an array [B, T, n_visible]) is cut
        into `training_dataset(x)` chunks of 100 frames first; an array [T, n_visible] is one chunk; a dataset
        must yield single chunks (see `_as_dataset`)."""
        x = self._as_dataset(x, "fit", chunk_length=100)
        n = self.distribute_strategy.num_replicas_in_sync
        if n > 1:  # one chunk per replica per step: the update averages n chunks (the rest of an epoch dropped)
            x = x.batch(n, drop_remainder=True)
        kwargs.setdefault("shuffle", False)  # the chunk dataset reshuffles itself every epoch
        return super().fit(x, y, *args, **kwargs)

    def evaluate(self, x=None, y=None, *args, **kwargs):
        """`Model.evaluate`: the pseudo-log-likelihood monitor of whole sequences (each from u_0 = 0), given as
        `fit` takes them; a list is read one sequence per step, each padded to the longest (padding ignored)."""
        return super().evaluate(self._as_dataset(x, "evaluate"), y, *args, **kwargs)

    def predict(self, x, *args, **kwargs):
        """The frames' visible biases bv_t (eq. 5, the RNN's output): [T, n_visible] for one sequence, a list of
        them for a list, [B, T, n_visible] for an array of B sequences. A dataset of chunks goes to
        `Model.predict`, which returns the elements' outputs concatenated along time."""
        if isinstance(x, tf.data.Dataset):
            return super().predict(self._as_dataset(x, "predict"), *args, **kwargs)
        if isinstance(x, np.ndarray) and x.ndim == 2 or tf.is_tensor(x) and len(x.shape) == 2:
            return self.frame_conditionals([np.asarray(x)])["bv"]
        as_array = isinstance(x, np.ndarray) and x.ndim == 3
        if not (as_array or isinstance(x, (list, tuple))):
            self._as_dataset(x, "predict")  # raises, naming what it got
        conditionals = self.frame_conditionals(list(x))
        parts = np.split(conditionals["bv"], np.cumsum(conditionals["lengths"])[:-1])
        return np.stack(parts) if as_array else parts

    # -- generation and evaluation --------------------------------------------------------------
    @tf.function(reduce_retracing=True)
    def _generate(self, n_steps, n_sequences, seed):
        nr, nv = self.n_hidden_recurrent, self.n_visible

        def step(t, u_prev, frames):
            bv_t = tf.matmul(u_prev, self.Wuv) + self.bv
            bh_t = tf.matmul(u_prev, self.Wuh) + self.bh
            s = step_seed(seed, t)
            end = self._chain(tf.zeros([n_sequences, nv]), self.generate_k, bv_t, bh_t, s)  # from silence
            v_t = end["v"]
            u_t = tf.tanh(self.bu + tf.matmul(v_t, self.Wvu) + tf.matmul(u_prev, self.Wuu))
            return t + 1, u_t, frames.write(t, v_t)

        frames = tf.TensorArray(tf.float32, size=n_steps)
        _, _, frames = tf.while_loop(lambda t, *_: t < n_steps, step,
                                     (tf.constant(0), tf.zeros([n_sequences, nr]), frames))
        return tf.transpose(frames.stack(), (1, 0, 2))  # [n_sequences, n_steps, nv]

    def generate(self, n_steps=200, seed=None, n_sequences=None):
        """Samples a piece frame by frame (each frame a `generate_k`-step Gibbs chain from silence), one compiled call.

        Returns:
            numpy [n_steps, n_visible] of 0/1, or [n_sequences, n_steps, n_visible].
        """
        if not isinstance(n_steps, (int, np.integer)) or n_steps < 1:
            raise ValueError(f"RnnRbm.generate: n_steps must be an int >= 1. Received: {n_steps}")
        out = self._generate(tf.constant(int(n_steps)), tf.constant(int(n_sequences or 1)),
                             tf.constant(stateless_seeds(seed)[0])).numpy()
        return out if n_sequences else out[0]

    # -- export, config ------------------------------------------------------------------------------------
    def endpoints(self):
        """SavedModel endpoints: `generate(n_steps int32, seed int32[2])` -> [n_steps, n_visible] and
        `serve(v [T, n_visible])` -> the frames' visible biases bv_t."""
        return {
            "serve": (lambda v: self.recurrence(v)[0], [tf.TensorSpec((None, self.n_visible), tf.float32, name="v")]),
            "generate": (lambda n_steps, seed: self._generate(n_steps, tf.constant(1), seed)[0],
                         [tf.TensorSpec((), tf.int32, name="n_steps"), tf.TensorSpec((2,), tf.int32, name="seed")]),
        }

    def get_config(self):
        return {**super().get_config(), "n_hidden": self.n_hidden,
                "n_hidden_recurrent": self.n_hidden_recurrent, "n_visible": self.n_visible, "k": self.k,
                "generate_k": self.generate_k, "seed": self.seed}
