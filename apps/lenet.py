"""LeNet (two ConvPool layers, 500 tanh units) on MNIST (the tutorial's convolutional_mlp.py).

    python apps/lenet.py --data sample --epochs 20   # the README's first command
    python apps/lenet.py                             # the tutorial's run, full MNIST if found
    python apps/lenet.py --init keras --seed 1234    # other initial weights, same distribution

By default the network starts from the tutorial's own initial weights (its
numpy RandomState(23455) draws, `LeNet.init_as_tutorial`), so that the
default run is the tutorial's run: the published 0.91 % / 0.92 % come from
that one starting point.
"""

import os

from keras_dlt import flags


def parser():
    p = flags.parser(__doc__.splitlines()[0], learning_rate=0.1, epochs=200, batch_size=500,
                     out="runs/lenet",
                     seed=23455)  # the tutorial's RandomState seed
    flags.add_sgd_flags(p, patience=10000)
    p.add_argument("--nkerns", type=flags.positive_int, nargs="+", default=[20, 50],
                   help="feature maps per ConvPool layer")
    p.add_argument("--hidden", type=flags.positive_int, default=500, help="fully connected tanh units")
    p.add_argument("--init", choices=("keras", "tutorial"), default="tutorial",
                   help="initial weights: the tutorial's own draws, numpy RandomState(--seed) in "
                        "convolutional_mlp.py's order (LeNet.init_as_tutorial), or the same distribution drawn "
                        "by Keras' seeded generator")
    return p


def main(argv=None):
    args = parser().parse_args(argv)
    # TensorFlow loads once the flags are read, so --help and a wrong flag answer at once.
    from keras_dlt.datasets import load_mnist
    from keras_dlt.models import LeNet
    from keras_dlt.training import (RunBackup, SGDSettings, save_classifier_run, start_run, train_classifier,
                                    worker_folder)

    strategy = start_run(args.seed, args.strategy, args.cpu_replicas, args.precision)  # devices, dtypes, seed
    train, valid, test = load_mnist(args.data)
    # The first worker writes OUT; any other (--strategy multi-worker) a private copy, removed at the end.
    with worker_folder(strategy, args.out, args.tensorboard) as (out, tensorboard):
        with strategy.scope():  # the model made, compiled and trained under it
            model = LeNet(nkerns=args.nkerns, n_hidden=args.hidden, seed=args.seed)
            if args.init == "tutorial":
                model.init_as_tutorial(args.seed)

            # Backed up every epoch (discarded once the run is saved): after a kill the same command goes on.
            backup = RunBackup(os.path.join(out, "backup"), config={"model": "LeNet", **flags.run_settings(vars(args))})
            result = train_classifier(model, train, valid, test, SGDSettings.pick(vars(args)), backup=backup,
                                      history_csv=os.path.join(out, "history.csv"), verbose=args.verbose,
                                      tensorboard=tensorboard)
        return save_classifier_run(model, result, out, "lenet", model.conv_layers[0], export=not args.no_export,
                                   backup=backup)


if __name__ == "__main__":
    flags.run(main)
