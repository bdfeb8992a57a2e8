"""LeNet (two ConvPool layers, 500 tanh units) on MNIST (the tutorial's convolutional_mlp.py).

    python apps/lenet.py --data sample --epochs 20   # the README's first command
    python apps/lenet.py                             # tutorial defaults, full MNIST if found
    python apps/lenet.py --init tutorial --seed 23455  # the tutorial's very initial weights
"""

from keras_dlt.experiment import run_supervised, supervised_parser
from keras_dlt.models import LeNet


def main(argv=None):
    parser = supervised_parser(
        __doc__.splitlines()[0], learning_rate=0.1, epochs=200, batch_size=500, patience=10000, out="runs/lenet"
    )
    parser.add_argument("--nkerns", type=int, nargs="+", default=[20, 50], help="feature maps per ConvPool layer")
    parser.add_argument("--hidden", type=int, default=500, help="fully connected tanh units")
    parser.add_argument("--init", choices=("keras", "tutorial"), default="keras",
                        help="initial weights: the tutorial's distribution drawn by Keras' seeded generator, or the "
                             "tutorial's own draws, numpy RandomState(--seed) in convolutional_mlp.py's order "
                             "(LeNet.init_as_tutorial; --seed 23455 is the tutorial's)")
    args = parser.parse_args(argv)
    model = LeNet(nkerns=args.nkerns, n_hidden=args.hidden, seed=args.seed)
    if args.init == "tutorial":
        model.init_as_tutorial(args.seed)
    return run_supervised(model, args, filters_layer=model.conv_layers[0], name="lenet")


if __name__ == "__main__":
    main()
