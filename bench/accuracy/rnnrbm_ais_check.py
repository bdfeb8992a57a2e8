"""How far an RNN-RBM's AIS log-likelihood moves with more runs and temperatures, on the same test frames.

AIS underestimates each frame's log Z on average, so a cheap setting overstates the log-likelihood; this
measures by how much, on the first --frames test frames of a saved model, for each (runs, temperatures).

    python -m bench.accuracy.rnnrbm_ais_check --model runs/rnnrbm/RnnRbm.keras --frames 1000
"""

import argparse
import time

import keras
import numpy as np

from keras_dlt.datasets import load_piano_rolls
from keras_dlt.models import RnnRbm  # noqa: F401 (registers the class that load_model reads)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="a saved RnnRbm (.keras)")
    parser.add_argument("--data", default=None, help="a pickle in the paper's format (default: the bundled JSB)")
    parser.add_argument("--frames", type=int, default=1000, help="test frames (whole sequences, in order)")
    parser.add_argument("--settings", nargs="+", default=["10x200", "10x1000", "100x500", "100x2000"],
                        help="RUNSxTEMPERATURES pairs")
    args = parser.parse_args(argv)
    model = keras.models.load_model(args.model)
    sequences, total = [], 0
    for s in load_piano_rolls(args.data)["test"]:
        if sequences and total + len(s) > args.frames:
            break
        sequences.append(s)
        total += len(s)
    print(f"{total} frames of {len(sequences)} test sequences")
    for setting in args.settings:
        runs, betas = (int(x) for x in setting.split("x"))
        start = time.perf_counter()
        ll = model.frame_log_likelihoods(sequences, n_runs=runs, n_betas=betas, seed=1)
        print(f"{runs:4d} runs x {betas:5d} temperatures: {ll.mean():.3f} nats per frame "
              f"(standard error over frames {ll.std(ddof=1) / np.sqrt(len(ll)):.3f}), {time.perf_counter() - start:.0f} s",
              flush=True)


if __name__ == "__main__":
    main()
