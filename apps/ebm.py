"""Energy-based models trained with persistent HMC chains (beyond the HMC tutorial).

    python apps/ebm.py                              # MLP energy on a 2-D mixture of 3 Gaussians
    python apps/ebm.py --data digits --hidden 100   # Gaussian-Bernoulli RBM on 7x7 pooled MNIST digits
    python apps/ebm.py --data sample                # the same on the bundled MNIST sample (or any MNIST source)

Prints the cost per epoch, a kernel two-sample test of samples vs held-out
data (and, for digits, the samples' moments vs the data's); writes
data_vs_samples.png, result.json and the .keras model.
"""

import argparse
import os
import time

from keras_dlt import flags


def parser():
    p = flags.parser(__doc__.splitlines()[0], learning_rate=0.01, epochs=40, batch_size=100, out="runs/ebm",
                     verbose=2, learning_rate_help="Adam learning rate (cosine decay to 0 over the run)",
                     epochs_help="epochs",
                     data_help="'mixture' (a 2-D mixture of 3 Gaussians, an MLP energy), or 7x7 pooled MNIST digits for a "
                               "Gaussian-Bernoulli RBM: 'digits' (MNIST found as the other apps find it) or an MNIST "
                               "source as their --data ('sample', a mnist.pkl.gz, ...)")
    p.set_defaults(data="mixture")
    p.add_argument("--data-path", default=None, help=argparse.SUPPRESS)  # before --data took MNIST sources
    p.add_argument("--points", "--n", type=flags.positive_int, default=3000, help="training points")
    p.add_argument("--hidden", type=flags.positive_int, default=64, help="hidden units (MLP layers, or RBM hidden units)")
    p.add_argument("--chains", type=flags.positive_int, default=500, help="persistent HMC chains")
    p.add_argument("--hmc-moves", type=flags.positive_int, default=2, help="HMC moves of the chains per training step")
    p.add_argument("--stepsize-max", type=flags.positive_float, default=0.5, help="upper clip of the adapted step size")
    p.add_argument("--sample-chains", "--n-samples", type=flags.positive_int, default=1000,
                   help="fresh chains sampled after training (one sample each)")
    p.add_argument("--sample-moves", type=flags.positive_int, default=300, help="HMC moves of the fresh chains")
    return p


def main(argv=None):
    p = parser()
    args = p.parse_args(argv)
    digits = args.data != "mixture"
    mnist = args.data_path if args.data == "digits" else args.data  # None: found as the other apps find MNIST
    # TensorFlow loads once the flags are read, so --help and a wrong flag answer at once.
    import keras
    import numpy as np

    from keras_dlt.datasets import gaussian_mixture, load_mnist, pooled_digits
    from keras_dlt.models import EnergyModel, GaussianBernoulliRBM
    from keras_dlt.plotting import save_scatter_png, save_tiled_png
    from keras_dlt.training import run_callbacks, start_run, worker_folder, write_result
    from keras_dlt.two_sample import mmd_test

    strategy = start_run(args.seed, args.strategy, args.cpu_replicas, args.precision)  # devices, dtypes, seed
    # The first worker writes OUT; any other (--strategy multi-worker) a private copy, removed at the end.
    with worker_folder(strategy, args.out, args.tensorboard) as (out, tensorboard):
        rng = np.random.default_rng(args.seed)
        hmc = dict(stepsize_max=args.stepsize_max)
        with strategy.scope():  # made and compiled under it; fit trains under it (the chains split over its replicas)
            if not digits:
                x = gaussian_mixture(args.points, seed=args.seed)
                held_out, reference = gaussian_mixture(1000, seed=args.seed + 1), gaussian_mixture(1000, seed=args.seed + 2)
                net = keras.Sequential([keras.layers.Dense(args.hidden, activation="softplus"),
                                        keras.layers.Dense(args.hidden, activation="softplus"), keras.layers.Dense(1)],
                                       name="energy_mlp")
                model = EnergyModel(net, n_chains=args.chains, hmc_moves=args.hmc_moves, seed=args.seed, **hmc)
                what = f"an MLP energy (2-{args.hidden}-{args.hidden}-1, softplus) on a 2-D mixture of 3 Gaussians"
            else:
                (x_train, _), _, _ = load_mnist(mnist)
                features, kept, mean, std = pooled_digits(x_train[:args.points + 1000])
                x, held_out, reference = features[:args.points], features[args.points:], features[:1000]
                model = GaussianBernoulliRBM(args.hidden, n_chains=args.chains, hmc_moves=args.hmc_moves, seed=args.seed, **hmc)
                what = f"a Gaussian-Bernoulli RBM ({x.shape[1]} visible, {args.hidden} hidden) on 7x7 pooled digits"
            steps = args.epochs * -(-len(x) // args.batch_size)
            # Cosine decay to 0: the chains' last picture of the model is not blurred by late, large updates.
            model.compile(optimizer=keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(args.learning_rate, steps)))
        print(f"... training {what}: {len(x)} points, {args.chains} persistent HMC chains, {args.hmc_moves} HMC "
              f"move(s) per step, Adam lr {args.learning_rate} (cosine decay to 0), batch {args.batch_size}, "
              f"{args.epochs} epochs", flush=True)
        start = time.perf_counter()
        history = model.fit(x, batch_size=args.batch_size, epochs=args.epochs, verbose=args.verbose,
                            callbacks=run_callbacks([], tensorboard))
        seconds = time.perf_counter() - start
        print(f"Training took {seconds:.1f} s; final step size {float(model.step_size.numpy()):.3f}", flush=True)
        noise = (rng.normal(size=(args.sample_chains, x.shape[1])) * 2 * x.std(0) + x.mean(0)).astype("float32")
        samples = model.sample(noise, n_moves=args.sample_moves, seed=args.seed)
        test = mmd_test(samples[:1000], held_out[:1000], seed=args.seed)
        ref = mmd_test(reference, held_out[:1000], seed=args.seed)
        print(f"two-sample test (MMD^2, Gaussian kernel, bandwidth {test.bandwidth:.2f}): samples vs held-out data "
              f"{test.mmd2:.5f} (p = {test.p_value:.3f}); data vs data {ref.mmd2:.5f} (p = {ref.p_value:.3f})", flush=True)
        os.makedirs(out, exist_ok=True)
        result = {"data": "digits" if digits else "mixture", "seconds": seconds, "history": {k: [float(v) for v in vs] for k, vs in
                                                                     history.history.items()},
                  "mmd2": test.mmd2, "p_value": test.p_value, "mmd2_data_vs_data": ref.mmd2, "p_value_data_vs_data": ref.p_value}
        png = os.path.join(out, "data_vs_samples.png")
        if not digits:
            save_scatter_png([held_out, model.chains.numpy(), samples], png,
                             titles=["data (held out)", "persistent chains", f"fresh chains, {args.sample_moves} moves"],
                             suptitle="EnergyModel on a mixture of 3 Gaussians: data vs model samples")
        else:
            gibbs = model.gibbs_sample(noise, n_steps=args.sample_moves, seed=args.seed)
            cov_data = np.cov(held_out.T)

            def cov_error(s):
                return float(np.linalg.norm(np.cov(s.T) - cov_data) / np.linalg.norm(cov_data))

            ratio = samples.std(0) / held_out.std(0)
            result.update({"max_abs_mean_error": float(np.abs(samples.mean(0) - held_out.mean(0)).max()),
                           "std_ratio_range": [float(ratio.min()), float(ratio.max())],
                           "cov_relative_error": cov_error(samples), "cov_relative_error_gibbs": cov_error(gibbs),
                           "cov_relative_error_independent": float(np.linalg.norm(np.diag(np.diag(cov_data)) - cov_data)
                                                                   / np.linalg.norm(cov_data))})
            print(f"moments of HMC samples vs held-out data (standardised units): largest mean error "
                  f"{result['max_abs_mean_error']:.3f}; std ratio in [{ratio.min():.3f}, {ratio.max():.3f}]; covariance "
                  f"relative error {result['cov_relative_error']:.3f} (exact Gibbs samples of the same RBM "
                  f"{result['cov_relative_error_gibbs']:.3f}; independent-pixels baseline "
                  f"{result['cov_relative_error_independent']:.3f})", flush=True)

            def images(f):
                full = np.zeros((len(f), 49), "float32")
                full[:, kept] = f * std + mean
                return full

            save_tiled_png(np.concatenate([images(held_out[:50]), images(samples[:50])]), png, (7, 7),
                           tile_shape=(10, 10), title="7x7 pooled digits: held-out data (top 5 rows), HMC samples "
                                                      f"after {args.sample_moves} moves (bottom 5)",
                           row_labels=["data"] + [""] * 4 + ["samples"] + [""] * 4)
        path = os.path.join(out, f"{type(model).__name__}.keras")
        model.save(path)
        result.update({"picture": png, "keras_model": path})
        write_result(out, result)
        print(f"wrote {png}, {path}", flush=True)
        return result


if __name__ == "__main__":
    flags.run(main)
