"""Draws the README's gallery: each app run briefly on the bundled data, its pictures copied here.

    python docs/gallery/make_gallery.py          # about 5 minutes on 2 cores

The settings are short (an epoch or a few), so the pictures show what each app
draws, not what a full run learns; the commands are printed beside each.
"""

import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(os.path.dirname(HERE)))  # the checkout, for apps/

from keras_dlt.cli import TUTORIALS, _load_app  # noqa: E402

#: (tutorial, its flags, {picture the app writes: name in the gallery}).
RUNS = [
    ("lenet", ["--data", "sample", "--epochs", "2", "--no-export"], {"filters.png": "lenet_filters.png"}),
    ("da", ["--data", "sample", "--epochs", "1", "--corruption", "0.3", "--hidden", "100"],
     {"filters_corruption_30.png": "dA_filters.png"}),
    ("rbm", ["--data", "sample", "--epochs", "1", "--hidden", "100", "--chains", "8", "--samples", "4",
             "--plot-every", "200"], {"samples.png": "rbm_samples.png", "filters_at_epoch_1.png": "rbm_filters.png"}),
    ("hmc", ["--burnin", "500", "--samples", "500"], {"traces.png": "hmc_traces.png"}),
    ("ebm", ["--epochs", "10", "--points", "2000", "--sample-moves", "100"], {"data_vs_samples.png": "ebm_mixture.png"}),
    ("ebm", ["--data", "sample", "--epochs", "10", "--points", "2000", "--hidden", "50", "--sample-moves", "50"],
     {"data_vs_samples.png": "ebm_digits.png"}),
    ("network3", ["--preset", "baseline", "--data", "sample", "--epochs", "5"],
     {"training_curves.png": "network3_curves.png"}),
    ("rnnrbm", ["--epochs", "40", "--hidden", "50", "--recurrent", "30", "--frames", "100"],
     {"sample1.png": "rnnrbm_piece.png"}),
]


def main():
    with tempfile.TemporaryDirectory() as tmp:
        for i, (tutorial, argv, pictures) in enumerate(RUNS):
            out = os.path.join(tmp, f"{i}_{tutorial}")
            print(f"keras-dlt {tutorial} {' '.join(argv)}", flush=True)
            quiet = [] if tutorial == "hmc" else ["--verbose", "0"]  # hmc trains nothing: no progress to hide
            _load_app(TUTORIALS[tutorial][0]).main(argv + ["--out", out, *quiet])
            for src, dst in pictures.items():
                small(os.path.join(out, src), os.path.join(HERE, dst))


def small(src, dst, colours=64):
    """The app's PNG with its colours reduced to a palette (a few tens of kB for the README)."""
    from PIL import Image

    Image.open(src).convert("RGB").quantize(colours).save(dst, optimize=True)


if __name__ == "__main__":
    main()
