"""RNN-RBM training speed: ms per 100-frame chunk and s per Nottingham epoch, ours vs plain eager TF.

Ours: `RnnRbm.fit` (the tutorial's update: RNN over the chunk, CD-15 on all
frames at once, gradient through the RNN) with `steps_per_execution`
chunks per compiled call. Yardstick: the same update written in plain
eager TensorFlow (a Python loop over the frames for the RNN, a Python loop
for the Gibbs steps, `tf.GradientTape`), same run, same sizes. The issue
quotes, on this kind of machine, the original tutorial (PyTensor) at 12.4 ms
per chunk (about 20 to 26 s per Nottingham epoch); target <= 12 ms, aiming
at half.

    python -m bench.speed.rnnrbm --rounds 3
"""

import argparse
import os
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from bench.common import print_table, ratio  # noqa: E402
from keras_dlt.datasets import load_piano_rolls  # noqa: E402
from keras_dlt.models import RnnRbm  # noqa: E402

NOTTINGHAM = os.path.join(ROOT, "..", "shared", "data", "music", "Nottingham", "train")


def eager_step(model, v, lr=0.001, k=15):
    """The tutorial's update in plain eager TF, on the model's own variables."""
    W, bv, bh, Wuh, Wuv, Wvu, Wuu, bu = (model.W, model.bv, model.bh, model.Wuh, model.Wuv, model.Wvu, model.Wuu,
                                         model.bu)
    params = [W, bv, bh, Wuh, Wuv, Wvu, Wuu, bu]

    def fe(x, bvt, bht):
        return -tf.reduce_sum(x * bvt, 1) - tf.reduce_sum(tf.nn.softplus(tf.matmul(x, W) + bht), 1)

    with tf.GradientTape() as tape:
        u_prev, bvs, bhs = tf.zeros([1, model.n_hidden_recurrent]), [], []
        for t in range(v.shape[0]):
            bvs.append(bv + tf.matmul(u_prev, Wuv))
            bhs.append(bh + tf.matmul(u_prev, Wuh))
            u_prev = tf.tanh(bu + tf.matmul(v[t:t + 1], Wvu) + tf.matmul(u_prev, Wuu))
        bvt, bht = tf.concat(bvs, 0), tf.concat(bhs, 0)
        x = v
        for _ in range(k):
            h = tf.cast(tf.random.uniform(tf.shape(bht)) < tf.sigmoid(tf.matmul(x, W) + bht), tf.float32)
            x = tf.cast(tf.random.uniform(tf.shape(bvt)) < tf.sigmoid(tf.matmul(h, W, transpose_b=True) + bvt),
                        tf.float32)
        x = tf.stop_gradient(x)
        cost = tf.reduce_mean(fe(v, bvt, bht)) - tf.reduce_mean(fe(x, bvt, bht))
    for p, g in zip(params, tape.gradient(cost, params)):
        p.assign_sub(lr * g)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--chunks", type=int, default=200, help="100-frame chunks per timed run")
    p.add_argument("--spe", type=int, default=0, help="ours: chunks per compiled call (0: 1 and 20)")
    p.add_argument("--skip-epoch", action="store_true", help="skip the Nottingham epoch timing")
    args = p.parse_args(argv)
    rolls = load_piano_rolls()["train"]
    chunk = np.concatenate(rolls)[:100].astype("float32")
    ds = tf.data.Dataset.from_tensors(chunk).repeat(args.chunks)
    models = {}
    for spe in ([args.spe] if args.spe else [1, 20]):
        m = RnnRbm(seed=0)
        m.compile(steps_per_execution=spe)
        m.fit(ds, epochs=1, verbose=0)  # compile
        models[f"ours (fit, spe {spe})"] = m
    eager = RnnRbm(seed=0)
    v = tf.constant(chunk)
    eager_step(eager, v)
    times = {k: [] for k in [*models, "plain eager TF"]}
    for _ in range(args.rounds):
        for k, m in models.items():
            t = time.perf_counter()
            m.fit(ds, epochs=1, verbose=0)
            times[k].append((time.perf_counter() - t) / args.chunks * 1e3)
        n = max(5, args.chunks // 20)
        t = time.perf_counter()
        for _ in range(n):
            eager_step(eager, v)
        times["plain eager TF"].append((time.perf_counter() - t) / n * 1e3)
    med = {k: float(np.median(v)) for k, v in times.items()}
    rows = [(k, f"{v:.2f}", ratio(v, med["plain eager TF"]), ratio(v, 12.4)) for k, v in med.items()]
    print(f"# {os.cpu_count()} cores, TF {tf.__version__}, {time.strftime('%Y-%m-%d %H:%M')}; 150 hidden, 100 "
          f"recurrent, CD-15, one 100 x 88 chunk (JSB), median of {args.rounds} rounds of {args.chunks} chunks")
    print_table([("variant", 22), ("ms / chunk", 10), ("vs eager TF", 11), ("vs original 12.4 ms", 19)], rows)
    if not args.skip_epoch and os.path.isdir(NOTTINGHAM):
        notts = load_piano_rolls(NOTTINGHAM)
        best = min((k for k in models), key=lambda k: med[k])
        m = models[best]
        data = m.training_dataset(notts, seed=0)
        n_chunks = sum(1 for _ in data)
        m.fit(data, epochs=1, verbose=0)
        t = time.perf_counter()
        m.fit(data, epochs=1, verbose=0)
        sec = time.perf_counter() - t
        print(f"Nottingham train ({len(notts)} files, dt 0.3, {n_chunks} chunks): {best}: {sec:.1f} s per epoch "
              f"(original: about 20 to 26 s); plain eager TF, estimated from its ms/chunk: "
              f"{med['plain eager TF'] * n_chunks / 1e3:.0f} s")


if __name__ == "__main__":
    main()
