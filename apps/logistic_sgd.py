"""Logistic regression on MNIST by minibatch SGD (the tutorial's logistic_sgd.py).

    python apps/logistic_sgd.py                  # tutorial defaults, full MNIST if found
    python apps/logistic_sgd.py --data sample --epochs 5
"""

from keras_dlt.experiment import run_supervised, supervised_parser
from keras_dlt.models import LogisticRegression


def main(argv=None):
    parser = supervised_parser(
        __doc__.splitlines()[0], learning_rate=0.13, epochs=1000, batch_size=600, patience=5000, out="runs/logistic_sgd"
    )
    args = parser.parse_args(argv)
    model = LogisticRegression()
    return run_supervised(model, args, filters_layer=model.classifier, filter_shape=(28, 28), name="logistic_sgd")


if __name__ == "__main__":
    main()
