"""Deep belief network on MNIST: greedy RBM pretraining, then fine-tuning (the tutorial's DBN.py).

    python apps/DBN.py                               # the tutorial: 3 x 1000, CD-1, batch 10 (hours)
    python apps/DBN.py --data sample --hidden 500 500 --pretrain-epochs 2 --epochs 5
    python apps/DBN.py --pretrained runs/DBN/pretrained.weights.h5 --seed 1   # fine-tune again, no pretraining
"""

import os

from keras_dlt import flags


def parser():
    p = flags.parser(__doc__.splitlines()[0], learning_rate=0.1, epochs=1000, batch_size=10, out="runs/DBN")
    flags.add_sgd_flags(p, patience=None)
    flags.add_pretraining_flags(p, hidden=[1000, 1000, 1000], pretrain_epochs=100, pretrain_lr=0.01)
    p.add_argument("--k", type=flags.positive_int, default=1, help="Gibbs steps of CD-k in pretraining")
    return p


def main(argv=None):
    args = parser().parse_args(argv)
    # TensorFlow loads once the flags are read, so --help and a wrong flag answer at once.
    from keras_dlt.datasets import load_mnist
    from keras_dlt.models import DBN
    from keras_dlt.training import (RunBackup, SGDSettings, pretrain_or_reuse, save_classifier_run, start_run,
                                    train_classifier, worker_folder)

    strategy = start_run(args.seed, args.strategy, args.cpu_replicas, args.precision)  # devices, dtypes, seed
    train, valid, test = load_mnist(args.data)
    # The first worker writes OUT; any other (--strategy multi-worker) a private copy, removed at the end.
    with worker_folder(strategy, args.out, args.tensorboard) as (out, tensorboard):
        with strategy.scope():  # the model made, compiled and trained under it
            dbn = DBN(args.hidden, seed=args.seed)
            if args.patience is None:  # DBN.py: 4 epochs' worth of minibatches (SdA.py waits 10)
                args.patience = 4 * (len(train[0]) // args.batch_size)

            # One backup for the whole run: each pretrained layer, then the fine-tuning's epochs.
            backup = RunBackup(os.path.join(out, "backup"), config={"model": "DBN", **flags.run_settings(vars(args))})
            pretraining = pretrain_or_reuse(dbn, train[0], backup=backup, what=f"CD-{args.k} RBMs",
                                            pretrained=args.pretrained,
                                            weights_file=os.path.join(out, "pretrained.weights.h5"),
                                            epochs=args.pretrain_epochs, batch_size=args.batch_size,
                                            learning_rate=args.pretrain_lr, k=args.k, tensorboard=tensorboard,
                                            verbose=args.verbose or 2)  # the tutorial's lines always, the bar at 1
            result = train_classifier(dbn, train, valid, test, SGDSettings.pick(vars(args)), backup=backup,
                                      history_csv=os.path.join(out, "history.csv"), verbose=args.verbose,
                                      tensorboard=tensorboard)
        return save_classifier_run(dbn, result, out, "DBN", dbn.hidden_layers[0], (28, 28), export=not args.no_export,
                                   backup=backup, extra={**pretraining.record(), "pretrained_from": args.pretrained})


if __name__ == "__main__":
    flags.run(main)
