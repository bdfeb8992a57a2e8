"""Logistic regression on MNIST by minibatch SGD (the tutorial's logistic_sgd.py).

    python apps/logistic_sgd.py                  # tutorial defaults, full MNIST if found
    python apps/logistic_sgd.py --data sample --epochs 5
"""

import os

import keras

from keras_dlt import flags
from keras_dlt.datasets import load_mnist
from keras_dlt.models import LogisticRegression
from keras_dlt.training import RunBackup, SGDSettings, save_classifier_run, train_classifier


def main(argv=None):
    parser = flags.parser(__doc__.splitlines()[0], learning_rate=0.13, epochs=1000, batch_size=600,
                          out="runs/logistic_sgd")
    args = flags.add_sgd_flags(parser, patience=5000).parse_args(argv)

    keras.utils.set_random_seed(args.seed)
    train, valid, test = load_mnist(args.data)
    model = LogisticRegression()

    # Backed up every epoch (discarded once the run is saved): after a kill the same command goes on.
    backup = RunBackup(os.path.join(args.out, "backup"), config={"model": "LogisticRegression",
                                                                   **flags.run_settings(vars(args))})
    result = train_classifier(model, train, valid, test, SGDSettings.pick(vars(args)), backup=backup,
                              history_csv=os.path.join(args.out, "history.csv"), verbose=args.verbose)
    return save_classifier_run(model, result, args.out, "logistic_sgd", model.classifier, (28, 28),
                               export=not args.no_export, backup=backup)


if __name__ == "__main__":
    flags.run(main)
