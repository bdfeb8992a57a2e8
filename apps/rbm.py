"""Restricted Boltzmann machine on MNIST with PCD-15: filters, samples, AIS likelihood (the tutorial's rbm.py).

    python apps/rbm.py                               # 500 hidden, PCD-15, lr 0.1, batch 20, 15 epochs
    python apps/rbm.py --data sample --epochs 1 --ais
"""

from keras_dlt.experiment import common_parser, positive_int, run_rbm


def main(argv=None):
    parser = common_parser(__doc__.splitlines()[0], learning_rate=0.1, epochs=15, batch_size=20, out="runs/rbm")
    parser.add_argument("--hidden", type=positive_int, default=500, help="hidden units")
    parser.add_argument("--k", type=positive_int, default=15, help="Gibbs steps per update (CD-k / PCD-k)")
    parser.add_argument("--cd", action="store_true", help="contrastive divergence (chain from the data) instead of PCD")
    parser.add_argument("--chains", type=positive_int, default=20, help="sampling: parallel chains from test digits")
    parser.add_argument("--samples", type=positive_int, default=10, help="sampling: kept samples (rows of samples.png)")
    parser.add_argument("--plot-every", type=positive_int, default=1000, help="sampling: Gibbs steps between kept samples")
    parser.add_argument("--ais", action="store_true", help="estimate the test log-likelihood by AIS")
    parser.add_argument("--ais-runs", type=positive_int, default=100, help="AIS runs")
    parser.add_argument("--ais-betas", type=int, default=14500, help="AIS temperatures")
    args = parser.parse_args(argv)
    return run_rbm(args)


if __name__ == "__main__":
    main()
