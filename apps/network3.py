"""Nielsen's network3 (Neural Networks and Deep Learning, chapter 6): the chapter's networks as presets.

    python apps/network3.py --preset conv1              # one conv-pool layer, 60 epochs (Nielsen: 98.78 %)
    python apps/network3.py --preset dropout --epochs 5
    python apps/network3.py --preset ensemble --ensemble 5

Presets: baseline, conv1, conv2, relu, expanded, dropout, ensemble (see
keras_dlt.models.network3.PRESETS). The expanded-data presets (expanded,
dropout, ensemble) transform images on the fly, so an epoch is 50,000 images
where Nielsen's stored expansion had 250,000: --epochs 200 for dropout gives
as many updates as his 40. Prints what network3 prints per epoch;
writes training_curves.png (overfitting diagnostic), history.csv,
result.json and the .keras model(s). Ctrl+C stops the network in training
after its step; it is still saved and scored (an ensemble votes with the
networks trained so far). Training is backed up each epoch in OUT/backup:
after Ctrl+C or a kill, the same command goes on where it stopped; a finished
run deletes only the files it wrote there.
"""

import argparse
import csv
import os
import time

from keras_dlt import flags
from keras_dlt.presets import NETWORK3_PRESETS


def parser():
    # The shared flags, answering to Nielsen's names too (network3's SGD(mini_batch_size, eta, lmbda)).
    p = flags.parser(__doc__.splitlines()[0], learning_rate=None, epochs=None, batch_size=10, out="runs/network3",
                     verbose=2, learning_rate_help="learning rate eta; None: the preset's",
                     epochs_help="epochs; None: the preset's (60, or 40 with dropout)",
                     batch_help="mini-batch size (network3's)",
                     aliases={"--batch-size": ["--mini-batch-size"], "--learning-rate": ["--eta"]})
    p.add_argument("--preset", choices=sorted(NETWORK3_PRESETS), default="conv1", help="which of the chapter's networks")
    p.add_argument("--l2", "--lmbda", type=flags.non_negative_float, default=None,
                   help="L2 strength lmbda; None: the preset's")
    p.add_argument("--ensemble", type=flags.positive_int, default=5, help="networks in the ensemble preset")
    p.add_argument("--shuffle", action=argparse.BooleanOptionalAction, default=True,
                   help="shuffle the mini-batches every epoch (--no-shuffle: in order, as network3)")
    p.add_argument("--no-monitor", action="store_true", help="skip the per-epoch training-set accuracy and cost")
    return p


def main(argv=None):
    p = parser()
    args = p.parse_args(argv)
    description, settings, reported = NETWORK3_PRESETS[args.preset]
    epochs = args.epochs if args.epochs is not None else settings["epochs"]
    eta = args.learning_rate if args.learning_rate is not None else settings["eta"]
    lmbda = args.l2 if args.l2 is not None else settings["lmbda"]
    # TensorFlow loads once the flags are read, so --help and a wrong flag answer at once.
    import keras

    from keras_dlt.datasets import load_mnist
    from keras_dlt.models.network3 import ensemble_accuracy, preset
    from keras_dlt.plotting import save_training_curves_png
    from keras_dlt.training import RunBackup, start_run, train_network3, worker_folder, write_result

    strategy = start_run(args.seed, args.strategy, args.cpu_replicas, args.precision)  # devices, dtypes, seed
    train, valid, test = load_mnist(args.data)
    # The first worker writes OUT; any other (--strategy multi-worker) a private copy, removed at the end.
    with worker_folder(strategy, args.out, args.tensorboard) as (out, tensorboard):
        os.makedirs(out, exist_ok=True)
        n_nets = args.ensemble if args.preset == "ensemble" else 1
        nets, histories, start = [], [], time.perf_counter()
        # Each network is backed up every epoch, and each finished ensemble member recorded, in OUT/backup: after a
        # kill or Ctrl+C the same command goes on where the run stopped. Ctrl+C ends the network in training after
        # its step; it is still saved and scored, and the ensemble votes with the networks it has.
        backup = RunBackup(os.path.join(out, "backup"), config=flags.run_settings(vars(args)))
        interrupted = False
        for i in range(n_nets):
            path = os.path.join(out, f"network3_{args.preset}_{i}.keras" if n_nets > 1 else
                                f"network3_{args.preset}.keras")
            keras.utils.set_random_seed(args.seed + i)
            with strategy.scope():  # made under it; SGD compiles and trains it there
                net = preset(args.preset, args.batch_size, seed=args.seed + i)
            print(f"... network3 preset '{args.preset}' ({description}){f', network {i + 1} of {n_nets}' if n_nets > 1 else ''}: "
                  f"{epochs} epochs, mini-batch {args.batch_size}, eta {eta}, lmbda {lmbda}; "
                  f"Nielsen reports {reported:.2%}", flush=True)
            net, run = train_network3(net, train, valid, test, epochs=epochs, mini_batch_size=args.batch_size,
                                      eta=eta, lmbda=lmbda, backup=backup, part=f"network_{i}", save_path=path,
                                      shuffle=args.shuffle, monitor_training=not args.no_monitor,
                                      verbose=args.verbose, tensorboard=tensorboard)
            if run.resumed:
                print(f"... network {i + 1} of {n_nets}: trained by the interrupted run, loaded from {path}", flush=True)
            nets.append(net)
            histories.append(run.history)
            if run.interrupted:
                interrupted = True
                break
        if not interrupted:
            backup.discard()
        seconds = time.perf_counter() - start
        result = {"preset": args.preset, "epochs": epochs, "eta": eta, "lmbda": lmbda, "seconds": seconds,
                  "interrupted": interrupted, "networks_trained": len(nets),
                  "reported_test_accuracy": reported,
                  "best_validation_accuracy": [n.best_validation_accuracy for n in nets],
                  "test_accuracy_at_best_validation": [n.best_test_accuracy for n in nets],
                  "final_test_accuracy": [n.accuracy(test) for n in nets]}
        if len(nets) > 1:
            result["ensemble_test_accuracy"] = ensemble_accuracy(nets, test)
            print(f"Ensemble of {len(nets)} (majority vote): test accuracy {result['ensemble_test_accuracy']:.2%}")
        curves = save_training_curves_png(histories[0], os.path.join(out, "training_curves.png"),
                                          title=f"network3 preset '{args.preset}': training vs validation")
        with open(os.path.join(out, "history.csv"), "w", newline="") as f:
            keys = sorted(histories[0])
            writer = csv.writer(f)
            writer.writerow(["epoch", *keys])
            for e in range(len(histories[0][keys[0]])):
                writer.writerow([e, *(histories[0][k][e] for k in keys)])
        write_result(out, result)
        print(f"{seconds:.0f} s; wrote {curves}, history.csv, result.json and the model(s) in {out}", flush=True)
        return result


if __name__ == "__main__":
    flags.run(main)
