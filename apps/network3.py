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
after Ctrl+C or a kill, the same command goes on where it stopped.
"""

import argparse

from keras_dlt.experiment import MNIST_HELP, positive_int, run_network3
from keras_dlt.models.network3 import PRESETS


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--preset", choices=sorted(PRESETS), default="conv1", help="which of the chapter's networks")
    p.add_argument("--data", default=None, help=MNIST_HELP)
    p.add_argument("--epochs", type=positive_int, default=None, help="epochs; None: the preset's (60, or 40 with dropout)")
    p.add_argument("--mini-batch-size", type=positive_int, default=10, help="mini-batch size (network3's)")
    p.add_argument("--eta", type=float, default=None, help="learning rate; None: the preset's")
    p.add_argument("--lmbda", type=float, default=None, help="L2 strength; None: the preset's")
    p.add_argument("--ensemble", type=positive_int, default=5, help="networks in the ensemble preset")
    p.add_argument("--no-shuffle", action="store_true", help="visit the mini-batches in order, as network3")
    p.add_argument("--no-monitor", action="store_true", help="skip the per-epoch training-set accuracy and cost")
    p.add_argument("--seed", type=int, default=1234, help="random seed")
    p.add_argument("--verbose", type=int, default=2, choices=(0, 1, 2), help="1: with Keras' progress bar")
    p.add_argument("--out", default="runs/network3", help="output folder")
    args = p.parse_args(argv)
    if args.eta is not None and args.eta <= 0:
        p.error(f"--eta must be > 0; got {args.eta}")
    if args.lmbda is not None and args.lmbda < 0:
        p.error(f"--lmbda must be >= 0; got {args.lmbda}")
    return run_network3(args)


if __name__ == "__main__":
    main()
