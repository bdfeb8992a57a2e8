"""The RNN-RBM's evaluation on every frame of a benchmark at once: p(v_t | v_<t) by Gibbs sampling, frame
accuracy, AIS log-likelihood per frame (Boulanger-Lewandowski et al. 2012, sec. 6).

`FrameEvaluation` is a mixin of `RnnRbm`: it reads the model's weights (W, bv, bh, Wuv, Wuh, Wvu, Wuu, bu) and
`_check_sequences`, and adds nothing to train or save.
"""

import numpy as np
import tensorflow as tf

from keras_dlt.core.random import stateless_seeds, step_seed
from keras_dlt.models.boltzmann.ais import rbm_log_partition_ais_batch
from keras_dlt.models.boltzmann.frame_metrics import frame_accuracy_score
from keras_dlt.models.boltzmann.math import free_energy

__all__ = ["FrameEvaluation"]


class FrameEvaluation:
    """Frame-level evaluation of an `RnnRbm` (mixin), batched across frames and sequences."""

    # Evaluation runs on all frames of all sequences at once: the RNN over a batch of padded sequences
    # (`frame_conditionals`), then the frames' RBMs, which are independent given their biases, in blocks of a
    # fixed size (one trace, bounded memory).
    #: Frames per block of the evaluation's chains (`frame_probabilities`); AIS blocks hold this many chains.
    eval_block_frames = 4096
    eval_block_chains = 131072
    #: How a prediction chain starts (`frame_probabilities`): from the previous true frame, or from silence.
    PREDICTION_STARTS = ("previous", "silence")

    @tf.function(reduce_retracing=True)
    def _recurrence_batch(self, v):
        """The RNN over a batch of sequences v [B, T, nv] (padded at their ends): bv_t [B, T, nv], bh_t [B, T, nh]."""
        x = tf.einsum("btv,vr->tbr", v, self.Wvu) + self.bu
        u = tf.scan(lambda u_prev, x_t: tf.tanh(x_t + tf.matmul(u_prev, self.Wuu)), x,
                    initializer=tf.zeros([tf.shape(v)[0], self.n_hidden_recurrent]))
        u_prev = tf.concat([tf.zeros_like(u[:1]), u[:-1]], 0)  # [T, B, nr]
        bv_t = tf.einsum("tbr,rv->btv", u_prev, self.Wuv) + self.bv
        bh_t = tf.einsum("tbr,rh->bth", u_prev, self.Wuh) + self.bh
        return bv_t, bh_t

    def frame_conditionals(self, sequences):
        """Every frame's conditional RBM, the sequences concatenated in order: a dict of numpy arrays
        `v` [N, nv] (the frames), `previous` [N, nv] (the frame before each, silence first), `bv` [N, nv] and
        `bh` [N, nh] (its RBM's biases, eqs. 5-6), and `lengths` [n_sequences].

        The RNN runs over many sequences at once (padded; padding after a sequence changes none of its frames).
        """
        sequences = [np.asarray(s, "float32") for s in self._check_sequences(sequences, "frame_conditionals")]
        lengths = np.array([len(s) for s in sequences])
        bv = np.zeros((lengths.sum(), self.n_visible), "float32")
        bh = np.zeros((lengths.sum(), self.n_hidden), "float32")
        offsets = np.concatenate([[0], np.cumsum(lengths)])
        order = np.argsort(-lengths, kind="stable")  # similar lengths together: little padding
        i = 0
        while i < len(order):
            longest = lengths[order[i]]
            group = order[i:i + max(1, self.eval_block_chains // (8 * longest))]
            padded = np.zeros((len(group), longest, self.n_visible), "float32")
            for j, g in enumerate(group):
                padded[j, :lengths[g]] = sequences[g]
            bv_g, bh_g = (x.numpy() for x in self._recurrence_batch(tf.constant(padded)))
            for j, g in enumerate(group):
                bv[offsets[g]:offsets[g + 1]] = bv_g[j, :lengths[g]]
                bh[offsets[g]:offsets[g + 1]] = bh_g[j, :lengths[g]]
            i += len(group)
        previous = np.concatenate([np.concatenate([np.zeros_like(s[:1]), s[:-1]]) for s in sequences])
        return {"v": np.concatenate(sequences), "previous": previous, "bv": bv, "bh": bh, "lengths": lengths}

    @tf.function(reduce_retracing=True)
    def _predict_block(self, start, bv, bh, n_samples, seed, n_steps, burn_in):
        n = tf.shape(bv)[0]
        v0, bv, bh = (tf.repeat(x, n_samples, axis=0) for x in (start, bv, bh))
        means = self._chain(v0, n_steps, bv, bh, seed, average_after=burn_in)  # n_steps a tensor: a while loop
        return tf.reduce_mean(tf.reshape(means["v_mean_average"], (n, n_samples, self.n_visible)), axis=1)

    def _blocks(self, n_frames, block):
        for b, i in enumerate(range(0, n_frames, block)):
            yield b, slice(i, min(i + block, n_frames))

    @staticmethod
    def _pad_rows(x, rows):
        return x if len(x) == rows else np.concatenate([x, np.zeros((rows - len(x),) + x.shape[1:], x.dtype)])

    def frame_probabilities(self, sequences, n_samples=4, seed=None, start="previous", n_steps=400, burn_in=None):
        """p(v_t,i = 1 | v_<t) for every frame (teacher forcing): a list of [T, n_visible] arrays, one per sequence.

        Each frame's conditional RBM (biases from the RNN over the true past, eqs. 5-6) runs `n_samples`
        parallel Gibbs chains of `n_steps` steps; the estimate is the mean of the visible means p(v | h) over
        each chain's steps after `burn_in` (default: a quarter of `n_steps`), and over the chains (a
        Rao-Blackwellised Monte Carlo estimate of the marginals). `start`: "previous" (default) starts the
        chains from the previous true frame, which music usually repeats, so the chains begin near a mode;
        "silence" starts them from no notes, as `generate` does. All frames of all sequences run together in blocks of `eval_block_frames`.

        Why long chains: a trained model's conditional RBMs are sharp, and Gibbs chains leave a mode slowly.
        On Nottingham (`bench/README.md`, "RNN-RBM") the validation accuracy of chains from silence was 45 %
        after 25 steps, 56 % after 100 and 57-60 % after 400-1000, against 62-63 % from the previous frame;
        averaging along the chain, rather than keeping its last step, costs nothing and lowers the variance.
        """
        if start not in self.PREDICTION_STARTS:
            raise ValueError(f"RnnRbm.frame_probabilities: start must be one of {self.PREDICTION_STARTS}. "
                             f"Received: {start!r}")
        if isinstance(n_steps, (int, np.integer)) and burn_in is None:
            burn_in = n_steps // 4
        for name, value, low in (("n_samples", n_samples, 1), ("n_steps", n_steps, 1), ("burn_in", burn_in, 0)):
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < low:
                raise ValueError(f"RnnRbm.frame_probabilities: {name} must be an int >= {low}. Received: {value!r}")
        if burn_in >= n_steps:
            raise ValueError(f"RnnRbm.frame_probabilities: burn_in must be below n_steps. Received: burn_in={burn_in}, "
                             f"n_steps={n_steps}")
        frames = self.frame_conditionals(sequences)
        starts = frames["previous"] if start == "previous" else np.zeros_like(frames["v"])
        n = len(frames["v"])
        block = min(self.eval_block_frames, max(1, self.eval_block_chains // (4 * int(n_samples))), n)
        seed = tf.constant(stateless_seeds(seed)[0])
        out = np.zeros_like(frames["v"])
        for b, rows in self._blocks(n, block):
            args = (tf.constant(self._pad_rows(x[rows], block)) for x in (starts, frames["bv"], frames["bh"]))
            out[rows] = self._predict_block(*args, tf.constant(int(n_samples)), step_seed(seed, b),
                                            tf.constant(int(n_steps)), tf.constant(int(burn_in))).numpy()[
                :rows.stop - rows.start]
        return np.split(out, np.cumsum(frames["lengths"])[:-1])

    def predict_frames(self, sequence, n_samples=4, seed=None, start="previous", n_steps=400, burn_in=None):
        """`frame_probabilities` of one sequence [T, n_visible]: p(v_t = 1 | v_<t), [T, n_visible]."""
        return self.frame_probabilities([self._check_sequences([sequence], "predict_frames")[0]], n_samples, seed,
                                        start, n_steps, burn_in)[0]

    def frame_accuracy(self, sequences, n_samples=4, seed=None, threshold=0.5, start="previous", n_steps=400,
                       burn_in=None):
        """Next-frame prediction accuracy (Bay et al. 2009; as Boulanger-Lewandowski et al. 2012 report it).

        Each frame is predicted from the true past frames: a note is predicted
        on when its estimated p(v_t,i = 1 | v_<t) (`frame_probabilities`, with
        `n_samples`, `seed`, `start`, `n_steps`, `burn_in`) exceeds
        `threshold` (default 0.5; choose it on validation frames with
        `frame_metrics.choose_threshold`). Accuracy = TP / (TP + FP + FN) over
        all frames of all sequences.
        """
        sequences = self._check_sequences(sequences, "frame_accuracy")
        if not 0.0 < threshold < 1.0:
            raise ValueError(f"RnnRbm.frame_accuracy: threshold must be in (0, 1). Received: {threshold}")
        probabilities = self.frame_probabilities(sequences, n_samples, seed, start, n_steps, burn_in)
        return frame_accuracy_score(np.concatenate(probabilities) > threshold,
                                    np.concatenate([np.asarray(s) for s in sequences]))

    def frame_log_likelihoods(self, sequences, n_runs=100, n_betas=1000, seed=None):
        """log p(v_t | v_<t) of every frame (nats), the sequences concatenated: numpy float64 [N].

        log p(v_t | v_<t) = -F_t(v_t) - log Z_t, each frame's log Z_t by annealed importance sampling
        (Salakhutdinov & Murray 2008) from the RBM with the frame's biases and no weights (tractable) to the
        frame's RBM: `n_betas` linear temperatures, `n_runs` runs (`rbm_log_partition_ais_batch`). All frames'
        runs anneal together in blocks of at most `eval_block_chains` chains. AIS underestimates log Z on
        average (Jensen), so these values lean high; more runs and temperatures lower them towards the truth.
        """
        if not isinstance(n_runs, (int, np.integer)) or n_runs < 1:
            raise ValueError(f"RnnRbm.frame_log_likelihoods: n_runs must be an int >= 1. Received: {n_runs}")
        frames = self.frame_conditionals(sequences)
        n = len(frames["v"])
        block = min(n, max(1, self.eval_block_chains // int(n_runs)))
        seeds = stateless_seeds(seed, -(-n // block))
        log_z = np.zeros(n)
        for b, rows in self._blocks(n, block):
            log_z[rows] = rbm_log_partition_ais_batch(
                self.W, self._pad_rows(frames["bv"][rows], block), self._pad_rows(frames["bh"][rows], block),
                n_runs=n_runs, n_betas=n_betas, seed=int(seeds[b][0]))[:rows.stop - rows.start]
        minus_f = -free_energy(frames["v"], self.W, frames["bv"], frames["bh"]).numpy().astype("float64")
        return minus_f - log_z

    def log_likelihood(self, sequences, n_runs=100, n_betas=1000, seed=None):
        """Average log p(v_t | v_<t) per frame (nats) over all frames: the mean of `frame_log_likelihoods`.

        Boulanger-Lewandowski et al. (2012) estimate the RBM-based models' log-likelihood with AIS in the same way.
        """
        return float(np.mean(self.frame_log_likelihoods(sequences, n_runs, n_betas, seed)))
