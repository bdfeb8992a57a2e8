"""Stacked denoising autoencoders on MNIST: greedy pretraining, then fine-tuning (the tutorial's SdA.py).

    python apps/SdA.py                                # the tutorial: 3 x 1000, batch 1 (about 30 min of pretraining, then ~45 s per epoch)
    python apps/SdA.py --batch-size 20 --pretrain-lr 0.01    # much faster, see below
    python apps/SdA.py --pretrained runs/SdA/pretrained.weights.h5 --learning-rate 0.05   # fine-tune again
"""

import os

from keras_dlt import flags

BATCH_NOTE = (
    "Batch size: the tutorial uses 1 (plain SGD, one example per update), which is what reaches its 1.3 % test "
    "error but costs one update per example (about 40 s per pretraining epoch per layer and 45 s per fine-tuning "
    "epoch on 2 CPU cores; bench/README.md). A larger batch (e.g. 20) runs an epoch many times faster (far fewer, "
    "larger matrix products), but takes fewer steps per epoch: raise the learning rates with it and expect a "
    "somewhat higher error for the same number of epochs."
)


def parser():
    p = flags.parser(__doc__.splitlines()[0], learning_rate=0.1, epochs=1000, batch_size=1, out="runs/SdA",
                     epilog=BATCH_NOTE)
    flags.add_sgd_flags(p, patience=None)
    flags.add_pretraining_flags(p, hidden=[1000, 1000, 1000], pretrain_epochs=15, pretrain_lr=0.001)
    p.add_argument("--corruption", type=float, nargs="+", default=[0.1, 0.2, 0.3],
                   help="corruption level of each layer's dA")
    return p


def main(argv=None):
    p = parser()
    args = p.parse_args(argv)
    if len(args.corruption) != len(args.hidden):
        p.error(f"--corruption needs one level per hidden layer ({len(args.hidden)}); got {args.corruption}")
    # TensorFlow loads once the flags are read, so --help and a wrong flag answer at once.
    from keras_dlt.datasets import load_mnist
    from keras_dlt.models import StackedDenoisingAutoencoder
    from keras_dlt.training import (RunBackup, SGDSettings, pretrain_or_reuse, save_classifier_run, start_run,
                                    train_classifier, worker_folder)

    strategy = start_run(args.seed, args.strategy, args.cpu_replicas, args.precision)  # devices, dtypes, seed
    train, valid, test = load_mnist(args.data)
    # The first worker writes OUT; any other (--strategy multi-worker) a private copy, removed at the end.
    with worker_folder(strategy, args.out, args.tensorboard) as (out, tensorboard):
        with strategy.scope():  # the model made, compiled and trained under it
            sda = StackedDenoisingAutoencoder(args.hidden, corruption_levels=args.corruption, seed=args.seed)
            if args.patience is None:  # SdA.py: 10 epochs' worth of minibatches
                args.patience = 10 * (len(train[0]) // args.batch_size)

            # One backup for the whole run: each pretrained layer, then the fine-tuning's epochs.
            backup = RunBackup(os.path.join(out, "backup"), config={"model": "SdA", **flags.run_settings(vars(args))})
            pretraining = pretrain_or_reuse(sda, train[0], backup=backup, what="dAs", pretrained=args.pretrained,
                                            weights_file=os.path.join(out, "pretrained.weights.h5"),
                                            epochs=args.pretrain_epochs, batch_size=args.batch_size,
                                            learning_rate=args.pretrain_lr, tensorboard=tensorboard,
                                            verbose=args.verbose or 2)  # the tutorial's lines always, the bar at 1
            result = train_classifier(sda, train, valid, test, SGDSettings.pick(vars(args)), backup=backup,
                                      history_csv=os.path.join(out, "history.csv"), verbose=args.verbose,
                                      tensorboard=tensorboard)
        return save_classifier_run(sda, result, out, "SdA", sda.hidden_layers[0], (28, 28), export=not args.no_export,
                                   backup=backup, extra={**pretraining.record(), "pretrained_from": args.pretrained})


if __name__ == "__main__":
    flags.run(main)
