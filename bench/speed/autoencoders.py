"""Seconds per epoch of the autoencoder tutorials: ours vs a plain-Keras yardstick.

- dA: batch 20, 500 hidden, corruption 0.3, 50,000 digits. Ours: the
  `DenoisingAutoencoder` as `apps/dA.py` runs it. Yardstick: a
  `keras.Sequential` of built-ins doing the same matrix work under default
  `fit` (Dropout(0.3) -> Dense(500, sigmoid) -> Dense(784), untied,
  binary cross-entropy from logits on the clean input).
- SdA at batch 1 (the tutorial's): pretraining epoch of layers 1, 2, 3
  (784->1000, 1000->1000, 1000->1000 dAs, inputs computed once per layer) and
  a fine-tuning epoch of the 784-1000-1000-1000-10 sigmoid classifier. Timed
  on `--subset` digits and scaled to 50,000 (batch 1: the cost is linear).
  Yardstick for fine-tuning: a plain `Sequential` under default `fit`.

The original tutorial (PyTensor, this kind of machine): dA 4.55 s/epoch;
SdA 38 / 55 / 73 s per pretraining epoch of layers 1 / 2 / 3, 75 s per
fine-tuning epoch. When PyTensor is installed with a BLAS, the tutorial's own
dA and SdA layer-1 training loops (`bench/reference/tutorial_unsupervised_pytensor.py`)
are timed in the same run too, interleaved: column `tutorial`, `ours/tutorial`.

    python -m bench.speed.autoencoders                 # everything
    python -m bench.speed.autoencoders --parts dA --rounds 5
"""



import keras  # noqa: E402

from bench.common import interleaved, mnist_for, parts_parser, print_table, ratio  # noqa: E402
from keras_dlt.training.speed import jit_compile_for  # noqa: E402
from keras_dlt.models import DenoisingAutoencoder, StackedDenoisingAutoencoder  # noqa: E402
from keras_dlt.core import steps_per_execution_for  # noqa: E402
from keras_dlt.optimizers import SGD  # noqa: E402 (the apps' optimizer: "ours" runs as the apps run)

ORIGINAL = {"dA": 4.55, "pretrain_1": 38.0, "pretrain_2": 55.0, "pretrain_3": 73.0, "finetune": 75.0}


def bench_dA(x, rounds):
    n = (len(x) // 20) * 20
    ours = DenoisingAutoencoder(n_hidden=500, corruption_level=0.3, seed=0)
    ours.compile(optimizer=SGD(0.1), steps_per_execution=steps_per_execution_for(n // 20))
    ours.build((None, 784))
    plain = keras.Sequential([keras.Input((784,)), keras.layers.Dropout(0.3),
                              keras.layers.Dense(500, activation="sigmoid"), keras.layers.Dense(784)])
    plain.compile(optimizer=keras.optimizers.SGD(0.1), loss=keras.losses.BinaryCrossentropy(from_logits=True))
    variants = {"ours": (ours, x[:n], None, 20, False), "plain": (plain, x, x, 20, True)}
    variants.update(_peer("dA", x[:n]))
    t = interleaved(variants, rounds)
    return [("dA (batch 20)", t["ours"], t["plain"], ORIGINAL["dA"], t.get("tutorial"))]


def _peer(name, x):
    """{"tutorial": the original's warmed-up epoch on x} when PyTensor with a BLAS is here, else {}."""
    from bench.reference.tutorial_unsupervised_pytensor import warmed_up_epoch

    epoch = warmed_up_epoch(name, x)
    return {} if epoch is None else {"tutorial": epoch}


def bench_sda(x, y, rounds, subset):
    scale = 50000 / subset
    xs, ys = x[:subset], y[:subset]
    sda = StackedDenoisingAutoencoder(seed=0)
    sda.build((None, 784))
    rows = []
    h = xs
    for i, dense in enumerate(sda.hidden_layers):
        dae = DenoisingAutoencoder(encoder=dense, corruption_level=sda.corruption_levels[i], seed=i)
        dae.compile(optimizer=SGD(0.001), steps_per_execution=steps_per_execution_for(subset))
        dae.build(h.shape)
        plain = keras.Sequential([keras.Input((h.shape[1],)), keras.layers.Dropout(sda.corruption_levels[i]),
                                  keras.layers.Dense(dense.units, activation="sigmoid"),
                                  keras.layers.Dense(h.shape[1])])
        plain.compile(optimizer=keras.optimizers.SGD(0.001), loss=keras.losses.BinaryCrossentropy(from_logits=True))
        variants = {"ours": (dae, h, None, 1, False), "plain": (plain, h, h, 1, True)}
        if i == 0:  # the row; the peer's layers 2 and 3 cost what its layer 1 shows plus their size
            variants.update(_peer("sda_layer1", h))
        t = interleaved(variants, rounds)
        tut = t["tutorial"] * scale if "tutorial" in t else None
        rows.append((f"SdA pretrain layer {i + 1} (batch 1)", t["ours"] * scale, t["plain"] * scale,
                     ORIGINAL[f"pretrain_{i + 1}"], tut))
        h = keras.ops.convert_to_numpy(dense(h))
    sda.compile(steps_per_execution=steps_per_execution_for(subset), jit_compile=jit_compile_for(sda, 1))
    no_xla = StackedDenoisingAutoencoder(seed=0)
    no_xla.compile(steps_per_execution=steps_per_execution_for(subset), jit_compile=False)
    plain = keras.Sequential([keras.Input((784,))] + [keras.layers.Dense(1000, activation="sigmoid") for _ in range(3)]
                             + [keras.layers.Dense(10, activation="softmax")])
    plain.compile(optimizer=keras.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    t = interleaved({"ours": (sda, xs, ys, 1, False), "no_xla": (no_xla, xs, ys, 1, False),
                     "plain": (plain, xs, ys, 1, True)}, rounds)
    rows.append(("SdA fine-tune (batch 1, apps: XLA)", t["ours"] * scale, t["plain"] * scale, ORIGINAL["finetune"], None))
    rows.append(("SdA fine-tune (batch 1, no XLA)", t["no_xla"] * scale, t["plain"] * scale, ORIGINAL["finetune"], None))
    return rows


def main(argv=None):
    args = parts_parser(__doc__.splitlines()[0], ["dA", "SdA"], 5000, "digits timed at batch 1 (scaled to 50,000)").parse_args(argv)
    x, y = mnist_for(args, f"; batch-1 rows timed on {args.subset} digits x {50000 / args.subset:g}")
    rows = []
    if "dA" in args.parts:
        rows += bench_dA(x, args.rounds)
    if "SdA" in args.parts:
        rows += bench_sda(x, y, args.rounds, args.subset)
    print_table([("what", 32), ("ours s/ep", 10), ("plain s/ep", 11), ("ours/plain", 10), ("original", 9),
                 ("ours/original", 13), ("tutorial", 9), ("ours/tutorial", 13)],
                [(name, ours, plain, ratio(ours, plain), original, ratio(ours, original), tut, ratio(ours, tut))
                 for name, ours, plain, original, tut in rows])


if __name__ == "__main__":
    main()
