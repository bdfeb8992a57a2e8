"""The paper's evaluation of a saved RNN-RBM (the same as `apps/rnnrbm.py --evaluate`), without training.

    python -m bench.accuracy.rnnrbm_evaluate --model runs/rnnrbm/RnnRbm.keras
    python -m bench.accuracy.rnnrbm_evaluate --model M.keras --data ../shared/data/music/Nottingham.pickle
"""

import argparse
import json

import keras

from keras_dlt.datasets import load_piano_rolls
from keras_dlt.training.music import closing_scores, evaluate_rnn_rbm


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="a saved RnnRbm (.keras)")
    parser.add_argument("--data", default=None, help="a pickle in the paper's format (default: the bundled JSB)")
    parser.add_argument("--ais-runs", type=int, default=10)
    parser.add_argument("--ais-betas", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1234)
    args = parser.parse_args(argv)
    data = load_piano_rolls(args.data)
    scores = evaluate_rnn_rbm(keras.models.load_model(args.model), data["train"], data.get("valid"), data["test"],
                              n_runs=args.ais_runs, n_betas=args.ais_betas, seed=args.seed)
    print(closing_scores(scores))
    print(json.dumps(scores))


if __name__ == "__main__":
    main()
