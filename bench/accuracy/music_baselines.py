"""The trivial next-frame predictors on a music benchmark's test split (the numbers any model must beat).

    python -m bench.accuracy.music_baselines --data "../shared/data/music/JSB Chorales.pickle"
    python -m bench.accuracy.music_baselines --data ../shared/data/music/Nottingham.pickle
"""

import argparse

from keras_dlt.datasets import load_piano_rolls
from keras_dlt.models.boltzmann.frame_metrics import baseline_accuracies


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=None, help="a pickle in the paper's format (default: the bundled JSB)")
    args = parser.parse_args(argv)
    data = load_piano_rolls(args.data)
    for name, accuracy in baseline_accuracies(data["train"], data["test"]).items():
        print(f"{name}: {accuracy:.2%} frame accuracy on {len(data['test'])} test sequences")


if __name__ == "__main__":
    main()
