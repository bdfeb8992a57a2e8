"""Energy-based models trained with persistent HMC chains (beyond the HMC tutorial).

    python apps/ebm.py                              # MLP energy on a 2-D mixture of 3 Gaussians
    python apps/ebm.py --data digits --hidden 100   # Gaussian-Bernoulli RBM on 7x7 pooled MNIST digits

Prints the cost per epoch, a kernel two-sample test of samples vs held-out
data (and, for digits, the samples' moments vs the data's); writes
data_vs_samples.png, result.json and the .keras model.
"""

import argparse

from keras_dlt.experiment import positive_int, run_energy


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--data", choices=("mixture", "digits"), default="mixture", help="which data set")
    p.add_argument("--data-path", default=None, help="MNIST source for --data digits (as the other apps' --data)")
    p.add_argument("--n", type=positive_int, default=3000, help="training points")
    p.add_argument("--hidden", type=positive_int, default=64, help="hidden units (MLP layers, or RBM hidden units)")
    p.add_argument("--epochs", type=positive_int, default=40, help="epochs")
    p.add_argument("--batch-size", type=positive_int, default=100, help="minibatch size")
    p.add_argument("--learning-rate", type=float, default=0.01, help="Adam learning rate (cosine decay to 0 over the run)")
    p.add_argument("--chains", type=positive_int, default=500, help="persistent HMC chains")
    p.add_argument("--hmc-moves", type=positive_int, default=2, help="HMC moves of the chains per training step")
    p.add_argument("--stepsize-max", type=float, default=0.5, help="upper clip of the adapted step size")
    p.add_argument("--n-samples", type=positive_int, default=1000, help="fresh chains sampled after training")
    p.add_argument("--sample-moves", type=positive_int, default=300, help="HMC moves of the fresh chains")
    p.add_argument("--seed", type=int, default=1234, help="random seed")
    p.add_argument("--verbose", type=int, default=2, choices=(0, 1, 2), help="Keras fit verbosity")
    p.add_argument("--out", default="runs/ebm", help="output folder")
    args = p.parse_args(argv)
    if args.learning_rate <= 0:
        p.error("--learning-rate must be > 0")
    return run_energy(args)


if __name__ == "__main__":
    main()
