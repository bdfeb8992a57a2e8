"""Stacked denoising autoencoders on MNIST: greedy pretraining, then fine-tuning (the tutorial's SdA.py).

    python apps/SdA.py                                # the tutorial: 3 x 1000, batch 1 (about 30 min of pretraining, then ~45 s per epoch)
    python apps/SdA.py --batch-size 20 --pretrain-lr 0.01    # much faster, see below
    python apps/SdA.py --pretrained runs/SdA/pretrained.weights.h5 --learning-rate 0.05   # fine-tune again
"""

from keras_dlt.experiment import pretraining_parser, run_sda

BATCH_NOTE = (
    "Batch size: the tutorial uses 1 (plain SGD, one example per update), which is what reaches its 1.3 % test "
    "error but costs one update per example (about 40 s per pretraining epoch per layer and 45 s per fine-tuning "
    "epoch on 2 CPU cores; bench/README.md). A larger batch (e.g. 20) runs an epoch many times faster (far fewer, "
    "larger matrix products), but takes fewer steps per epoch: raise the learning rates with it and expect a "
    "somewhat higher error for the same number of epochs."
)


def main(argv=None):
    parser = pretraining_parser(__doc__.splitlines()[0], hidden=[1000, 1000, 1000], pretrain_epochs=15,
                                pretrain_lr=0.001, batch_size=1, out="runs/SdA", epilog=BATCH_NOTE)
    parser.add_argument("--corruption", type=float, nargs="+", default=[0.1, 0.2, 0.3],
                        help="corruption level of each layer's dA")
    args = parser.parse_args(argv)
    if len(args.corruption) != len(args.hidden):
        parser.error(f"--corruption needs one level per hidden layer ({len(args.hidden)}); got {args.corruption}")
    return run_sda(args)


if __name__ == "__main__":
    main()
