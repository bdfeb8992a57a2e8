"""Logistic regression on MNIST by minibatch SGD (the tutorial's logistic_sgd.py).

    python apps/logistic_sgd.py                  # tutorial defaults, full MNIST if found
    python apps/logistic_sgd.py --data sample --epochs 5
"""

import os

from keras_dlt import flags


def parser():
    p = flags.parser(__doc__.splitlines()[0], learning_rate=0.13, epochs=1000, batch_size=600,
                     out="runs/logistic_sgd")
    return flags.add_sgd_flags(p, patience=5000)


def main(argv=None):
    args = parser().parse_args(argv)
    # TensorFlow loads once the flags are read, so --help and a wrong flag answer at once.
    from keras_dlt.datasets import load_mnist
    from keras_dlt.models import LogisticRegression
    from keras_dlt.training import (RunBackup, SGDSettings, save_classifier_run, start_run, train_classifier,
                                    worker_folder)

    strategy = start_run(args.seed, args.strategy, args.cpu_replicas, args.precision)  # devices, dtypes, seed
    train, valid, test = load_mnist(args.data)
    # The first worker writes OUT; any other (--strategy multi-worker) a private copy, removed at the end.
    with worker_folder(strategy, args.out, args.tensorboard) as (out, tensorboard):
        with strategy.scope():  # the model made, compiled and trained under it
            model = LogisticRegression()

            # Backed up every epoch (discarded once the run is saved): after a kill the same command goes on.
            backup = RunBackup(os.path.join(out, "backup"), config={"model": "LogisticRegression",
                                                                      **flags.run_settings(vars(args))})
            result = train_classifier(model, train, valid, test, SGDSettings.pick(vars(args)), backup=backup,
                                      history_csv=os.path.join(out, "history.csv"), verbose=args.verbose,
                                      tensorboard=tensorboard)
        return save_classifier_run(model, result, out, "logistic_sgd", model.classifier, (28, 28),
                                   export=not args.no_export, backup=backup)


if __name__ == "__main__":
    flags.run(main)
