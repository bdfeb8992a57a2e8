"""RNN-RBM on polyphonic music (the tutorial's rnnrbm.py): train, generate two pieces as MIDI and pictures.

    python apps/rnnrbm.py                                    # bundled JSB chorales, 200 epochs
    python apps/rnnrbm.py --data ../shared/data/music/Nottingham --epochs 10
    python apps/rnnrbm.py --epochs 50 --evaluate             # + test frame accuracy and log-likelihood

Ctrl+C stops training cleanly; the pieces are still generated.
"""

from keras_dlt.experiment import common_parser, positive_int, run_rnnrbm


def main(argv=None):
    p = common_parser(
        __doc__.splitlines()[0], learning_rate=0.001, epochs=200, batch_size=100, out="runs/rnnrbm",
        data_help="piano-rolls: a folder of MIDI files (or train/valid/test subfolders), or a polyphonic-music "
                  ".pickle; default: the bundled JSB chorales",
        batch_help="frames per training chunk (the tutorial's batch_size)")
    p.add_argument("--hidden", type=positive_int, default=150, help="RBM hidden units")
    p.add_argument("--recurrent", type=positive_int, default=100, help="RNN hidden units")
    p.add_argument("--k", type=positive_int, default=15, help="Gibbs steps of CD-k")
    p.add_argument("--dt", type=float, default=0.3, help="seconds per frame (reading and writing MIDI)")
    p.add_argument("--n-steps", type=positive_int, default=200, help="frames per generated piece")
    p.add_argument("--evaluate", action="store_true", help="test-split frame accuracy and AIS log-likelihood")
    p.add_argument("--ais-runs", type=positive_int, default=100, help="AIS runs per frame (--evaluate)")
    p.add_argument("--ais-betas", type=positive_int, default=1000, help="AIS temperatures (--evaluate)")
    args = p.parse_args(argv)
    if args.dt <= 0 or args.learning_rate <= 0:
        p.error("--dt and --learning-rate must be > 0")
    return run_rnnrbm(args)


if __name__ == "__main__":
    main()
