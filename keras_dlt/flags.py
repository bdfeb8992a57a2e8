"""Command-line flags the apps share: argparse types and the common flag groups (parsing only).

Every app builds its parser from these, so one name means one thing in every app:

- every training app: `--data --epochs --batch-size --learning-rate --out --seed --verbose --tensorboard
  --strategy --cpu-replicas --precision`
  (network3 also answers to Nielsen's `--mini-batch-size --eta --lmbda`);
- sampling: `--chains` (parallel chains), `--samples` (kept samples per chain), `--burnin`,
  `--leapfrog-steps`, `--stepsize-max`; Gibbs steps are `--k`; sizes `--hidden`;
- speed: `--jit-compile`, `--steps-per-execution`; order: `--shuffle / --no-shuffle`.

Nothing here trains or reads data, and nothing imports TensorFlow: an app's
`--help` and flag errors answer at once.
"""

import argparse
import sys

__all__ = ["run", "positive_int", "non_negative_int", "positive_float", "non_negative_float", "MNIST_HELP", "NOT_THE_RUN", "parser", "add_sgd_flags",
           "add_pretraining_flags", "run_settings"]

#: What `--data` means for the MNIST apps.
MNIST_HELP = ("MNIST source: a mnist.pkl.gz, mnist.npz, a folder of IDX files, or 'sample' (bundled). "
              "Default: $KERAS_DLT_DATA, Keras' cache, download, bundled sample.")

#: `--strategy`'s choices (`keras_dlt.training.STRATEGIES`).
STRATEGIES = ("one-device", "mirrored", "multi-worker")

#: Flags that do not change a run's course: a backup made under other values of these still resumes.
NOT_THE_RUN = ("epochs", "verbose", "out", "no_export", "steps_per_execution", "jit_compile", "tensorboard", "strategy",
               "cpu_replicas")


def _number(convert, ok, wants, name, doc):
    """An `argparse` type: `convert(text)` that must satisfy `ok`; errors say what is wanted and what was given."""
    def parse(text):
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {wants}; got {text!r}") from None
        if not ok(value):
            raise argparse.ArgumentTypeError(f"must be {wants}; got {text}")
        return value

    parse.__name__, parse.__doc__ = name, doc
    return parse


_FINITE = float("inf")
positive_int = _number(int, lambda v: v >= 1, "an int >= 1", "positive_int",
                       "`argparse` type: an int >= 1 (e.g. `--k`, the Gibbs steps).")
non_negative_int = _number(int, lambda v: v >= 0, "an int >= 0", "non_negative_int",
                           "`argparse` type: an int >= 0 (0 meaning automatic, as `--steps-per-execution`).")
positive_float = _number(float, lambda v: 0 < v < _FINITE, "a finite number > 0", "positive_float",
                         "`argparse` type: a finite float > 0 (learning rates, step sizes; nan and inf refused).")
non_negative_float = _number(float, lambda v: 0 <= v < _FINITE, "a finite number >= 0", "non_negative_float",
                             "`argparse` type: a finite float >= 0 (penalty weights).")


def parser(description, *, learning_rate, epochs, batch_size, out, epilog=None, data_help=MNIST_HELP,
           batch_help="minibatch size", out_help="output folder (pictures, .keras model, SavedModel)", seed=1234,
           learning_rate_help="SGD learning rate", epochs_help="maximum number of epochs (n_epochs)", verbose=1,
           aliases=None):
    """An `argparse` parser with the flags every training app shares (data, epochs, batch, lr, out, seed, verbose,
    tensorboard, strategy, precision).

    `aliases` maps a shared flag's name to other spellings it also answers to (a
    tutorial's own words: `{"--batch-size": ["--mini-batch-size"]}`).
    """
    aliases = aliases or {}
    p = argparse.ArgumentParser(description=description, epilog=epilog,
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)

    def add(name, **kw):
        p.add_argument(name, *aliases.get(name, ()), **kw)

    add("--data", default=None, help=data_help)
    add("--epochs", type=positive_int, default=epochs, help=epochs_help)
    add("--batch-size", type=positive_int, default=batch_size, help=batch_help)
    add("--learning-rate", type=positive_float, default=learning_rate, help=learning_rate_help)
    add("--out", default=out, help=out_help)
    add("--seed", type=non_negative_int, default=seed, help="random seed (weights, noise, shuffling)")
    add("--verbose", type=int, default=verbose, choices=(0, 1, 2),
        help="Keras' progress: 0 none, 1 a progress bar, 2 one line per epoch (the tutorial's own lines print "
             "in every case)")
    add("--tensorboard", metavar="DIR", default=None,
        help="also write TensorBoard logs (losses, validation and test errors, monitors) under DIR; needs the "
             "tensorboard package (pip install \"keras-dlt[tensorboard]\")")
    add("--strategy", choices=STRATEGIES, default="one-device",
        help="tf.distribute strategy: one device, mirrored over all visible GPUs (the batch is the global batch, "
             "split over the replicas), or multi-worker (every worker runs this command with its own TF_CONFIG; "
             "only the first writes OUT, which every worker must be able to read to resume)")
    add("--cpu-replicas", type=positive_int, default=None,
        help="with --strategy mirrored on a machine with no GPU: mirror over this many logical CPU devices "
             "(tries the distributed path; overhead, not speed)")
    add("--precision", choices=("float32", "mixed_float16", "mixed_bfloat16"), default="float32",
        help="Keras dtype policy: mixed_* compute the classifiers' and autoencoders' layers in 16 bits (float32 "
             "variables, loss scaling); the Boltzmann models' free energies, chains, AIS and HMC stay float32")
    unknown = set(aliases) - {a.option_strings[0] for a in p._actions}
    if unknown:
        raise ValueError(f"flags.parser: aliases for flags it does not define: {sorted(unknown)}")
    return p


def add_sgd_flags(p, *, patience):
    """The classifiers' flags: patience, shuffling, speed settings, export (`keras_dlt.training.SGDSettings`)."""
    p.add_argument("--patience", type=positive_int, default=patience,
                   help="initial patience, in minibatch iterations")
    p.add_argument("--steps-per-execution", type=non_negative_int, default=0,
                   help="minibatches per compiled call; 0 = automatic (a divisor of the epoch, for speed)")
    p.add_argument("--shuffle", action=argparse.BooleanOptionalAction, default=False,
                   help="shuffle the minibatches every epoch (the tutorial visits them in the same order)")
    p.add_argument("--jit-compile", nargs="?", const="on", default="auto", choices=("auto", "on", "off"),
                   help="compile the training step with XLA; auto = on for dense stacks at batch <= 10, where it is "
                        "faster on CPU too (bench/README.md), off otherwise")
    p.add_argument("--no-export", action="store_true", help="skip the SavedModel export")
    p.epilog = (p.epilog + "\n\n" if p.epilog else "") + (
        "The training is backed up each epoch in OUT/backup: after Ctrl+C or a kill, the same command goes on "
        "where it stopped. A finished run deletes only the files it wrote there.")
    return p


def add_pretraining_flags(p, *, hidden, pretrain_epochs, pretrain_lr):
    """The pretrained stacks' flags (SdA, DBN): layer sizes, pretraining epochs and rate, reuse of a pretraining."""
    p.add_argument("--hidden", type=positive_int, nargs="+", default=list(hidden), help="hidden layer sizes")
    p.add_argument("--pretrain-epochs", type=positive_int, default=pretrain_epochs, help="pretraining epochs per layer")
    p.add_argument("--pretrain-lr", type=positive_float, default=pretrain_lr, help="pretraining learning rate")
    p.add_argument("--pretrained", metavar="WEIGHTS", default=None,
                   help="skip pretraining and start fine-tuning from these weights: the pretrained.weights.h5 that "
                        "an earlier run wrote to its --out folder (same --hidden)")
    return p


def run_settings(flags):
    """The entries of a dict of flags (`vars(args)`) that define a run, for `RunBackup`'s settings check."""
    return {k: v for k, v in sorted(flags.items()) if k not in NOT_THE_RUN}


def run(main, argv=None):
    """Runs an app's `main(argv)`; a diverged training or a bad input ends with its message and a non-zero status.

    `TrainingDiverged` exits with status 1, errors in what the user gave (files, values) with status 2, each as
    one line naming the problem instead of a traceback (set KERAS_DLT_TRACEBACK=1 for the traceback).
    """
    import os

    if os.environ.get("KERAS_DLT_TRACEBACK"):
        return main(argv)
    try:
        return main(argv)
    except Exception as err:
        # TrainingDiverged is looked up only once raised: importing it here would load TensorFlow before --help.
        finite = sys.modules.get("keras_dlt.core.finite")
        if finite is not None and isinstance(err, finite.TrainingDiverged):
            print(f"error: {err}", file=sys.stderr)
            sys.exit(1)
        if isinstance(err, (ValueError, FileNotFoundError, IsADirectoryError, PermissionError)):
            print(f"error: {err}", file=sys.stderr)
            sys.exit(2)
        raise
