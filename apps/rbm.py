"""Restricted Boltzmann machine on MNIST with PCD-15: filters, samples, AIS likelihood (the tutorial's rbm.py).

    python apps/rbm.py                               # 500 hidden, PCD-15, lr 0.1, batch 20, 15 epochs
    python apps/rbm.py --data sample --epochs 1 --ais

Writes filters_at_epoch_{e}.png, samples.png (chains started from random
test digits, one row per kept sample), RBM.keras, a SavedModel (hidden,
free_energy) and result.json. With --ais, estimates log Z by AIS and the
average log-likelihood of the (stochastically binarised) test digits.
"""

import os
import time

from keras_dlt import flags


def parser():
    p = flags.parser(__doc__.splitlines()[0], learning_rate=0.1, epochs=15, batch_size=20, out="runs/rbm")
    p.add_argument("--hidden", type=flags.positive_int, default=500, help="hidden units")
    p.add_argument("--k", type=flags.positive_int, default=15, help="Gibbs steps per update (CD-k / PCD-k)")
    p.add_argument("--cd", action="store_true", help="contrastive divergence (chain from the data) instead of PCD")
    p.add_argument("--chains", type=flags.positive_int, default=20, help="sampling: parallel chains from test digits")
    p.add_argument("--samples", type=flags.positive_int, default=10, help="sampling: kept samples (rows of samples.png)")
    p.add_argument("--plot-every", type=flags.positive_int, default=1000,
                   help="sampling: Gibbs steps between kept samples")
    p.add_argument("--ais", action="store_true", help="estimate the test log-likelihood by AIS")
    p.add_argument("--ais-runs", type=flags.positive_int, default=100, help="AIS runs")
    p.add_argument("--ais-betas", type=flags.positive_int, default=14500, help="AIS temperatures")
    return p


def main(argv=None):
    p = parser()
    args = p.parse_args(argv)
    # TensorFlow loads once the flags are read, so --help and a wrong flag answer at once.
    import numpy as np

    from keras_dlt.core import minibatches, steps_per_execution_for, whole_batches
    from keras_dlt.datasets import load_mnist
    from keras_dlt.models import RBM
    from keras_dlt.models.boltzmann import ais_betas, binarize
    from keras_dlt.optimizers import SGD
    from keras_dlt.plotting import save_tiled_png
    from keras_dlt.training import (CostLog, FilterPictures, StopOnInterrupt, run_callbacks, start_run,
                                    worker_folder, write_result)

    strategy = start_run(args.seed, args.strategy, args.cpu_replicas, args.precision)  # devices, dtypes, seed
    (x_train, _), _, (x_test, _) = load_mnist(args.data)
    if args.chains > len(x_test):
        p.error(f"--chains {args.chains} is more than the {len(x_test)} test digits")
    # The first worker writes OUT; any other (--strategy multi-worker) a private copy, removed at the end.
    with worker_folder(strategy, args.out, args.tensorboard) as (out, tensorboard):
        n_batches = whole_batches(len(x_train), args.batch_size)
        os.makedirs(out, exist_ok=True)

        # PCD keeps one persistent chain per example of a minibatch (the tutorial's `persistent` variable).
        with strategy.scope():  # made and compiled under it; fit trains under it (the chains split over its replicas)
            rbm = RBM(n_hidden=args.hidden, k=args.k, persistent=not args.cd, seed=args.seed, n_chains=args.batch_size)
            rbm.compile(optimizer=SGD(args.learning_rate),
                        steps_per_execution=steps_per_execution_for(n_batches))
            rbm.build((None, 784))
        monitor = rbm.metrics[0].name
        print(f"... training RBM ({args.hidden} hidden, {'CD' if args.cd else 'PCD'}-{args.k}) on {n_batches * args.batch_size}"
              f" digits: lr {args.learning_rate}, batch {args.batch_size}, {args.epochs} epochs; cost = {monitor}", flush=True)
        log = CostLog("Training epoch {epoch}, cost is {cost:.4f}", monitor=monitor)
        pictures = FilterPictures(rbm.rbm.dense, out, img_shape=(28, 28))
        stop = StopOnInterrupt("Interrupted by user: stopping; sampling and saving the model so far.")
        start = time.perf_counter()
        rbm.fit(minibatches(x_train, None, args.batch_size), epochs=args.epochs, verbose=args.verbose, shuffle=False,
                callbacks=run_callbacks([log, pictures, stop], tensorboard))
        seconds = time.perf_counter() - start
        print(f"Training took {seconds / 60:.2f} minutes", flush=True)

        # Sampling as the tutorial: chains from consecutive test digits at a random offset.
        start_idx = np.random.default_rng(args.seed).integers(len(x_test) - args.chains)
        means = rbm.sample(x_test[start_idx:start_idx + args.chains], n_samples=args.samples,
                           steps_between=args.plot_every, seed=args.seed)
        samples_png = save_tiled_png(means.reshape(-1, 784), os.path.join(out, "samples.png"), (28, 28),
                                     tile_shape=(args.samples, args.chains), tile_spacing=(1, 1),
                                     title=f"RBM samples: {args.chains} chains from test digits, a row every "
                                           f"{args.plot_every} Gibbs steps",
                                     row_labels=[f"step {(i + 1) * args.plot_every}" for i in range(args.samples)])
        keras_path = os.path.join(out, "RBM.keras")
        rbm.save(keras_path)
        rbm.export(os.path.join(out, "saved_model"), verbose=False)
        result = {"costs": log.costs, "monitor": monitor, "seconds": seconds, "interrupted": stop.interrupted,
                  "filters_png": pictures.written, "samples_png": samples_png, "keras_model": keras_path}

        if args.ais:
            print(f"... AIS: {args.ais_runs} runs, {args.ais_betas} temperatures (Salakhutdinov & Murray 2008), base: the "
                  f"training digits' pixel rates", flush=True)
            start = time.perf_counter()
            log_z = rbm.log_partition("ais", n_runs=args.ais_runs, betas=ais_betas(args.ais_betas), data=x_train,
                                      seed=args.seed)
            ll, _ = rbm.log_likelihood(binarize(x_test, seed=args.seed), log_z=log_z)
            result.update({"ais_base": "training digits' pixel rates", "log_z": log_z.log_z, "log_z_low": log_z.low, "log_z_high": log_z.high,
                           "test_log_likelihood": ll, "ais_seconds": time.perf_counter() - start})
            print(f"AIS log Z = {log_z.log_z:.2f} (bounds {log_z.low:.2f}, {log_z.high:.2f}); "
                  f"average test log-likelihood = {ll:.2f} nats ({result['ais_seconds']:.0f} s)", flush=True)
        write_result(out, result)
        print(f"wrote {samples_png}, {len(pictures.written)} filter pictures, {keras_path}", flush=True)
        return result


if __name__ == "__main__":
    flags.run(main)
