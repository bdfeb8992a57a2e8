"""`keras-dlt`: one subcommand per tutorial, each the app in apps/ with the same options.

    keras-dlt lenet --data sample --epochs 20 --out runs/lenet
    keras-dlt rnnrbm --recipe paper --evaluate
    keras-dlt --help                     # the tutorials (answers without loading TensorFlow)
    keras-dlt lenet --help               # that tutorial's options
"""

import importlib
import importlib.util
import os
import sys

from keras_dlt._version import __version__

__all__ = ["main", "TUTORIALS"]

#: Subcommand -> (module of the app in `keras_dlt.apps`, i.e. apps/<module>.py, what it runs).
TUTORIALS = {
    "logistic": ("logistic_sgd", "logistic regression on MNIST (logistic_sgd.py)"),
    "mlp": ("mlp", "multilayer perceptron on MNIST (mlp.py)"),
    "lenet": ("lenet", "LeNet convolutional network on MNIST (convolutional_mlp.py)"),
    "da": ("dA", "denoising autoencoder on MNIST (dA.py)"),
    "sda": ("SdA", "stacked denoising autoencoders: pretraining and fine-tuning (SdA.py)"),
    "rbm": ("rbm", "RBM with CD-k / PCD-k, samples and AIS log-likelihood (rbm.py)"),
    "dbn": ("DBN", "deep belief network: pretraining and fine-tuning (DBN.py)"),
    "hmc": ("hmc", "Hybrid Monte Carlo on the tutorial's Gaussian (hmc.py)"),
    "ebm": ("ebm", "energy models trained with persistent HMC chains"),
    "rnnrbm": ("rnnrbm", "RNN-RBM on polyphonic music, MIDI in and out (rnnrbm.py)"),
    "network3": ("network3", "Nielsen's network3.py: presets up to the dropout ensemble"),
}


def _usage():
    width = max(map(len, TUTORIALS))
    lines = ["usage: keras-dlt TUTORIAL [options]    (keras-dlt TUTORIAL --help for its options)", "",
             "The Deep Learning Tutorials as Keras models. Tutorials:"]
    lines += [f"  {name:<{width}}  {what}" for name, (_, what) in TUTORIALS.items()]
    lines += ["", "  --version  print the version and exit"]
    return "\n".join(lines)


def main(argv=None):
    """Runs `keras-dlt TUTORIAL [options]`: the tutorial's app with the same options and exit statuses."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(_usage())
        return 0
    if argv[0] == "--version":
        print(f"keras-dlt {__version__}")
        return 0
    name = argv[0].lower()
    if name not in TUTORIALS:
        print(f"{_usage()}\n\nkeras-dlt: error: unknown tutorial {argv[0]!r}; choose one of {', '.join(TUTORIALS)}",
              file=sys.stderr)
        return 2
    from keras_dlt import flags

    sys.argv[0] = f"keras-dlt {name}"  # argparse's prog in the tutorial's usage and errors
    flags.run(_load_app(TUTORIALS[name][0]).main, argv[1:])
    return 0


def _load_app(module):
    """The app `module`: `keras_dlt.apps.<module>` as the wheel installs it, or apps/<module>.py of the checkout
    this package is imported from (a source tree on PYTHONPATH has no `keras_dlt.apps`)."""
    try:
        return importlib.import_module(f"keras_dlt.apps.{module}")
    except ModuleNotFoundError as err:
        if not (err.name or "").startswith("keras_dlt.apps"):
            raise  # a missing dependency of the app itself
        path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "apps", f"{module}.py")
        if not os.path.exists(path):
            raise
        spec = importlib.util.spec_from_file_location(f"keras_dlt_app_{module}", path)
        app = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(app)
        return app


if __name__ == "__main__":
    sys.exit(main())
