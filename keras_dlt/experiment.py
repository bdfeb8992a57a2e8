"""What every supervised tutorial script does, so that `apps/` stay thin.

`supervised_parser` gives the common flags (`--data --epochs --batch-size
--learning-rate --out --seed`, patience, speed settings); `run_supervised`
loads MNIST, trains with the tutorial's early stopping under `model.fit`,
writes the per-epoch history (`history.csv`), the first-layer filters as a
PNG and the model as `.keras` and SavedModel, and returns (and prints) the
tutorial's closing numbers.
"""

import argparse
import json
import os
import time

import keras

from keras_dlt.callbacks import FilterPictures, PatienceEarlyStopping
from keras_dlt.datasets import load_mnist
from keras_dlt.utils import steps_per_execution_for

__all__ = ["supervised_parser", "run_supervised"]


def supervised_parser(description, *, learning_rate, epochs, batch_size, patience, out):
    """An `argparse` parser with the flags every supervised app shares."""
    p = argparse.ArgumentParser(description=description, formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--data", default=None, help="MNIST source: a mnist.pkl.gz, mnist.npz, a folder of IDX files, "
                   "or 'sample' (bundled). Default: $KERAS_DLT_DATA, Keras' cache, download, bundled sample.")
    p.add_argument("--epochs", type=int, default=epochs, help="maximum number of epochs (n_epochs)")
    p.add_argument("--batch-size", type=int, default=batch_size, help="minibatch size")
    p.add_argument("--learning-rate", type=float, default=learning_rate, help="SGD learning rate")
    p.add_argument("--patience", type=int, default=patience, help="initial patience, in minibatch iterations")
    p.add_argument("--out", default=out, help="output folder (filters PNG, .keras model, SavedModel)")
    p.add_argument("--seed", type=int, default=1234, help="random seed (weights, shuffling)")
    p.add_argument("--steps-per-execution", type=int, default=0,
                   help="minibatches per compiled call; 0 = automatic (a divisor of the epoch, for speed)")
    p.add_argument("--shuffle", action="store_true",
                   help="shuffle the minibatches every epoch (the tutorial visits them in the same order)")
    p.add_argument("--jit-compile", action="store_true", help="compile with XLA (helps on GPU; slower on this CPU)")
    p.add_argument("--no-export", action="store_true", help="skip the SavedModel export")
    p.add_argument("--verbose", type=int, default=1, choices=(0, 1, 2), help="Keras fit verbosity")
    return p


def run_supervised(model, args, filters_layer, filter_shape=None, name="model"):
    """Trains `model` as the tutorial does and writes its outputs under `args.out`.

    Args:
        model: an uncompiled `LogisticRegression`, `MLP` or `LeNet`.
        args: parsed `supervised_parser` arguments.
        filters_layer: the layer whose kernel is drawn (`filters.png`).
        filter_shape: `(h, w)` of one filter (default: from the kernel).
        name: file stem for the saved model.

    Returns:
        dict with best_validation_error, test_error (both fractions), epochs,
        seconds, best_iteration, and the paths written.
    """
    keras.utils.set_random_seed(args.seed)
    (x_train, y_train), (x_valid, y_valid), (x_test, y_test) = load_mnist(args.data)
    n_batches = len(x_train) // args.batch_size
    if n_batches < 1:
        raise ValueError(f"--batch-size {args.batch_size} is larger than the training set ({len(x_train)}).")
    # The tutorial uses n_train_batches = n // batch_size full minibatches.
    x_train, y_train = x_train[: n_batches * args.batch_size], y_train[: n_batches * args.batch_size]
    spe = args.steps_per_execution or steps_per_execution_for(n_batches, model.fast_steps_per_execution)
    print(
        f"... training {type(model).__name__} on {len(x_train)} / {len(x_valid)} / {len(x_test)} digits: "
        f"lr {args.learning_rate}, batch {args.batch_size}, up to {args.epochs} epochs, patience {args.patience}"
    )
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=args.learning_rate),
        steps_per_execution=spe,
        jit_compile=args.jit_compile,
    )
    stopper = PatienceEarlyStopping(
        patience=args.patience,
        validation_data=(x_valid, y_valid),
        test_data=(x_test, y_test),
        verbose=1 if args.verbose else 0,
    )
    os.makedirs(args.out, exist_ok=True)
    epoch_counter = _EpochCounter()
    start = time.perf_counter()
    model.fit(
        x_train,
        y_train,
        batch_size=args.batch_size,
        epochs=args.epochs,
        shuffle=args.shuffle,
        callbacks=[stopper, epoch_counter, keras.callbacks.CSVLogger(os.path.join(args.out, "history.csv"))],
        verbose=args.verbose,
    )
    seconds = time.perf_counter() - start

    pictures = FilterPictures(filters_layer, args.out, img_shape=filter_shape)
    pictures.set_model(model)
    filters_png = pictures.save(os.path.join(args.out, "filters.png"))
    keras_path = os.path.join(args.out, f"{name}.keras")
    model.save(keras_path)
    saved_model = None
    if not args.no_export:
        saved_model = os.path.join(args.out, "saved_model")
        model.export(saved_model, verbose=False)
    result = {
        "model": type(model).__name__,
        "best_validation_error": stopper.best_validation_error,
        "test_error": stopper.test_error,
        "best_iteration": stopper.best_iteration,
        "epochs": epoch_counter.epochs,
        "seconds": seconds,
        "train_size": len(x_train),
        "filters_png": filters_png,
        "keras_model": keras_path,
        "saved_model": saved_model,
    }
    with open(os.path.join(args.out, "result.json"), "w") as f:
        json.dump(result, f, indent=2, default=float)
    print(f"wrote {filters_png}, {keras_path}" + (f", {saved_model}" if saved_model else ""))
    print(
        f"Optimization complete: best validation error {stopper.best_validation_error * 100:.3f} %, "
        f"test error {stopper.test_error * 100:.3f} %, {epoch_counter.epochs} epochs, {seconds:.1f} s"
    )
    return result


class _EpochCounter(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.epochs = 0

    def on_epoch_end(self, epoch, logs=None):
        self.epochs = epoch + 1

