"""A 784-500-10 tanh multilayer perceptron on MNIST (the tutorial's mlp.py).

    python apps/mlp.py                           # tutorial defaults, full MNIST if found
    python apps/mlp.py --data sample --epochs 5 --hidden 500
"""

from keras_dlt.experiment import run_supervised, supervised_parser
from keras_dlt.models import MLP


def main(argv=None):
    parser = supervised_parser(
        __doc__.splitlines()[0], learning_rate=0.01, epochs=1000, batch_size=20, patience=10000, out="runs/mlp"
    )
    parser.add_argument("--hidden", type=int, nargs="+", default=[500], help="hidden layer sizes")
    parser.add_argument("--l1", type=float, default=0.0, help="L1 weight (L1_reg)")
    parser.add_argument("--l2", type=float, default=1e-4, help="squared-L2 weight (L2_reg)")
    args = parser.parse_args(argv)
    model = MLP(hidden_units=args.hidden, l1=args.l1, l2=args.l2, seed=args.seed)
    return run_supervised(model, args, filters_layer=model.hidden_layers[0], filter_shape=(28, 28), name="mlp")


if __name__ == "__main__":
    main()
