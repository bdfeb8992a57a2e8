"""Denoising autoencoders on MNIST: 0 % and 30 % corruption (the tutorial's dA.py).

    python apps/dA.py                                 # 500 hidden, 15 epochs, lr 0.1, batch 20
    python apps/dA.py --data sample --epochs 2
"""

from keras_dlt.experiment import common_parser, run_denoising_autoencoders


def main(argv=None):
    parser = common_parser(__doc__.splitlines()[0], learning_rate=0.1, epochs=15, batch_size=20, out="runs/dA")
    parser.add_argument("--hidden", type=int, default=500, help="hidden units")
    parser.add_argument("--corruption", type=float, nargs="+", default=[0.0, 0.3], help="corruption levels to train")
    args = parser.parse_args(argv)
    return run_denoising_autoencoders(args, corruption_levels=args.corruption, n_hidden=args.hidden)


if __name__ == "__main__":
    main()
