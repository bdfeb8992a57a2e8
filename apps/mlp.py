"""A 784-500-10 tanh multilayer perceptron on MNIST (the tutorial's mlp.py).

    python apps/mlp.py                           # tutorial defaults, full MNIST if found
    python apps/mlp.py --data sample --epochs 5 --hidden 500
"""

import os

from keras_dlt import flags


def parser():
    p = flags.parser(__doc__.splitlines()[0], learning_rate=0.01, epochs=1000, batch_size=20,
                     out="runs/mlp")
    flags.add_sgd_flags(p, patience=10000)
    p.add_argument("--hidden", type=flags.positive_int, nargs="+", default=[500], help="hidden layer sizes")
    p.add_argument("--l1", type=flags.non_negative_float, default=0.0, help="L1 weight (L1_reg)")
    p.add_argument("--l2", type=flags.non_negative_float, default=1e-4, help="squared-L2 weight (L2_reg)")
    return p


def main(argv=None):
    args = parser().parse_args(argv)
    # TensorFlow loads once the flags are read, so --help and a wrong flag answer at once.
    from keras_dlt.datasets import load_mnist
    from keras_dlt.models import MLP
    from keras_dlt.training import (RunBackup, SGDSettings, save_classifier_run, start_run, train_classifier,
                                    worker_folder)

    strategy = start_run(args.seed, args.strategy, args.cpu_replicas, args.precision)  # devices, dtypes, seed
    train, valid, test = load_mnist(args.data)
    # The first worker writes OUT; any other (--strategy multi-worker) a private copy, removed at the end.
    with worker_folder(strategy, args.out, args.tensorboard) as (out, tensorboard):
        with strategy.scope():  # the model made, compiled and trained under it
            model = MLP(hidden_units=args.hidden, l1=args.l1, l2=args.l2, seed=args.seed)

            # Backed up every epoch (discarded once the run is saved): after a kill the same command goes on.
            backup = RunBackup(os.path.join(out, "backup"), config={"model": "MLP", **flags.run_settings(vars(args))})
            result = train_classifier(model, train, valid, test, SGDSettings.pick(vars(args)), backup=backup,
                                      history_csv=os.path.join(out, "history.csv"), verbose=args.verbose,
                                      tensorboard=tensorboard)
        return save_classifier_run(model, result, out, "mlp", model.hidden_layers[0], (28, 28),
                                   export=not args.no_export, backup=backup)


if __name__ == "__main__":
    flags.run(main)
