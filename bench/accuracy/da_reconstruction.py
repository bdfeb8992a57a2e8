"""The dA tutorial's two models on the full MNIST, scored on clean test digits beside the trivial predictor.

    python -m bench.accuracy.da_reconstruction --data ../shared/data/mnist/mnist.npz    # about 3 minutes, 2 cores

The apps' settings (`apps/dA.py`: 500 hidden units, SGD lr 0.1, minibatches of 20 in the tutorial's order, 15 epochs),
corruption 0 and 0.3. The tutorial prints only each epoch's training cost, measured on corrupted inputs; the number
that says whether a model learned anything is its reconstruction cost on clean test digits, beside that of predicting
each pixel's mean training intensity whatever the input.
"""

import argparse
import time

import keras
import numpy as np

from keras_dlt.core import minibatches
from keras_dlt.datasets import load_mnist
from keras_dlt.models import DenoisingAutoencoder


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=None, help="an MNIST source as the apps' --data (default: their search)")
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--seed", type=int, default=123)
    args = parser.parse_args(argv)
    (x, _), _, (x_test, _) = load_mnist(args.data)
    p = np.clip(x.mean(axis=0), 1e-6, 1 - 1e-6)
    trivial = -np.mean(np.sum(x_test * np.log(p) + (1 - x_test) * np.log(1 - p), axis=1))
    print(f"each pixel's mean training intensity: test reconstruction cost {trivial:.2f} nats")
    for level in (0.0, 0.3):
        keras.utils.set_random_seed(args.seed)
        start = time.perf_counter()
        dae = DenoisingAutoencoder(n_hidden=500, corruption_level=level, seed=args.seed)
        dae.compile(steps_per_execution=50)
        history = dae.fit(minibatches(x, None, 20), epochs=args.epochs, shuffle=False, verbose=0)
        costs = history.history["loss"]
        print(f"corruption {level:.0%}: training cost {costs[0]:.2f} (epoch 1) -> {costs[-1]:.2f} (epoch {len(costs)}); "
              f"test reconstruction cost {dae.evaluate(x_test, batch_size=500, verbose=0):.2f} nats "
              f"({time.perf_counter() - start:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
