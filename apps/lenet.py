"""LeNet (two ConvPool layers, 500 tanh units) on MNIST (the tutorial's convolutional_mlp.py).

    python apps/lenet.py --data sample --epochs 20   # the README's first command
    python apps/lenet.py                             # the tutorial's run, full MNIST if found
    python apps/lenet.py --init keras --seed 1234    # other initial weights, same distribution

By default the network starts from the tutorial's own initial weights (its
numpy RandomState(23455) draws, `LeNet.init_as_tutorial`), so that the
default run is the tutorial's run: the published 0.91 % / 0.92 % come from
that one starting point.
"""

from keras_dlt.experiment import run_supervised, supervised_parser
from keras_dlt.models import LeNet


def main(argv=None):
    parser = supervised_parser(
        __doc__.splitlines()[0], learning_rate=0.1, epochs=200, batch_size=500, patience=10000, out="runs/lenet"
    )
    parser.add_argument("--nkerns", type=int, nargs="+", default=[20, 50], help="feature maps per ConvPool layer")
    parser.add_argument("--hidden", type=int, default=500, help="fully connected tanh units")
    parser.add_argument("--init", choices=("keras", "tutorial"), default="tutorial",
                        help="initial weights: the tutorial's own draws, numpy RandomState(--seed) in "
                             "convolutional_mlp.py's order (LeNet.init_as_tutorial), or the same distribution drawn "
                             "by Keras' seeded generator")
    parser.set_defaults(seed=23455)  # the tutorial's RandomState seed
    args = parser.parse_args(argv)
    model = LeNet(nkerns=args.nkerns, n_hidden=args.hidden, seed=args.seed)
    if args.init == "tutorial":
        model.init_as_tutorial(args.seed)
    return run_supervised(model, args, filters_layer=model.conv_layers[0], name="lenet")


if __name__ == "__main__":
    main()
