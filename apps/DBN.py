"""Deep belief network on MNIST: greedy RBM pretraining, then fine-tuning (the tutorial's DBN.py).

    python apps/DBN.py                               # the tutorial: 3 x 1000, CD-1, batch 10 (hours)
    python apps/DBN.py --data sample --hidden 500 500 --pretrain-epochs 2 --epochs 5
    python apps/DBN.py --pretrained runs/DBN/pretrained.weights.h5 --seed 1   # fine-tune again, no pretraining
"""

from keras_dlt.experiment import positive_int, pretraining_parser, run_dbn


def main(argv=None):
    parser = pretraining_parser(__doc__.splitlines()[0], hidden=[1000, 1000, 1000], pretrain_epochs=100,
                                pretrain_lr=0.01, batch_size=10, out="runs/DBN", patience_epochs=4)
    parser.add_argument("--k", type=positive_int, default=1, help="Gibbs steps of CD-k in pretraining")
    args = parser.parse_args(argv)
    return run_dbn(args)


if __name__ == "__main__":
    main()
