"""Deep belief network on MNIST: greedy RBM pretraining, then fine-tuning (the tutorial's DBN.py).

    python apps/DBN.py                               # the tutorial: 3 x 1000, CD-1, batch 10 (hours)
    python apps/DBN.py --data sample --hidden 500 500 --pretrain-epochs 2 --epochs 5
"""

from keras_dlt.experiment import positive_int, run_dbn, supervised_parser


def main(argv=None):
    parser = supervised_parser(__doc__.splitlines()[0], learning_rate=0.1, epochs=1000, batch_size=10,
                               patience=None, out="runs/DBN")
    parser.add_argument("--hidden", type=int, nargs="+", default=[1000, 1000, 1000], help="hidden layer sizes")
    parser.add_argument("--k", type=positive_int, default=1, help="Gibbs steps of CD-k in pretraining")
    parser.add_argument("--pretrain-epochs", type=int, default=100, help="pretraining epochs per layer")
    parser.add_argument("--pretrain-lr", type=float, default=0.01, help="pretraining learning rate")
    args = parser.parse_args(argv)
    return run_dbn(args)


if __name__ == "__main__":
    main()
