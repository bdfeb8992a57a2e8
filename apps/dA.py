"""Denoising autoencoders on MNIST: 0 % and 30 % corruption (the tutorial's dA.py).

    python apps/dA.py                                 # 500 hidden, 15 epochs, lr 0.1, batch 20
    python apps/dA.py --data sample --epochs 2

Writes filters_corruption_{0,30}.png (100 filters, 10x10 tiles) and a
SavedModel per level (dA_corruption_{0,30}: endpoints encode, reconstruct).
"""

import os
import time

from keras_dlt import flags


def parser():
    p = flags.parser(__doc__.splitlines()[0], learning_rate=0.1, epochs=15, batch_size=20, out="runs/dA")
    p.add_argument("--hidden", type=flags.positive_int, default=500, help="hidden units")
    p.add_argument("--corruption", type=float, nargs="+", default=[0.0, 0.3], help="corruption levels to train")
    return p


def main(argv=None):
    p = parser()
    args = p.parse_args(argv)
    if not all(0 <= c < 1 for c in args.corruption):
        p.error(f"--corruption levels must be in [0, 1); got {args.corruption}")
    # TensorFlow loads once the flags are read, so --help and a wrong flag answer at once.
    import keras

    from keras_dlt.core import minibatches, steps_per_execution_for, whole_batches
    from keras_dlt.datasets import load_mnist
    from keras_dlt.models import DenoisingAutoencoder
    from keras_dlt.optimizers import SGD
    from keras_dlt.plotting import filters_of, save_tiled_png
    from keras_dlt.training import CostLog, StopOnInterrupt, run_callbacks, start_run, worker_folder, write_result

    strategy = start_run(args.seed, args.strategy, args.cpu_replicas, args.precision)  # devices, dtypes, seed
    (x_train, _), _, _ = load_mnist(args.data)
    batches = minibatches(x_train, None, args.batch_size)  # cut once, in the tutorial's order
    steps = steps_per_execution_for(whole_batches(len(x_train), args.batch_size))
    # The first worker writes OUT; any other (--strategy multi-worker) a private copy, removed at the end.
    with worker_folder(strategy, args.out, args.tensorboard) as (out, tensorboard):
        os.makedirs(out, exist_ok=True)
        costs = {}
        for level in args.corruption:
            keras.utils.set_random_seed(args.seed)
            tag = f"{round(level * 100)}"
            with strategy.scope():  # made and compiled under it; fit trains under it
                dae = DenoisingAutoencoder(n_hidden=args.hidden, corruption_level=level, seed=args.seed)
                dae.compile(optimizer=SGD(args.learning_rate), steps_per_execution=steps)
            log = CostLog()  # the tutorial's "Training epoch e, cost c"
            stop = StopOnInterrupt("Interrupted by user: stopping; the filters and the model so far are still written.")
            start = time.perf_counter()
            dae.fit(batches, epochs=args.epochs, shuffle=False, verbose=args.verbose,
                    callbacks=run_callbacks([log, stop], tensorboard, part=f"corruption_{tag}"))
            minutes = (time.perf_counter() - start) / 60

            kernel = keras.ops.convert_to_numpy(dae.autoencoder.encoder.kernel)
            png = save_tiled_png(filters_of(kernel)[:100], os.path.join(out, f"filters_corruption_{tag}.png"),
                                 (28, 28), tile_shape=(10, 10), tile_spacing=(1, 1),
                                 title=f"dA filters, {tag} % corruption ({args.epochs} epochs)")
            dae.export(os.path.join(out, f"dA_corruption_{tag}"), verbose=False)
            costs[level] = log.costs
            print(f"The {tag} % corruption code ran for {minutes:.2f} m; wrote {png}", flush=True)
            if stop.interrupted:
                break
        write_result(out, {"costs": {str(k): v for k, v in costs.items()}})
    return costs


if __name__ == "__main__":
    flags.run(main)
