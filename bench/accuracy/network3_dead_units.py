"""Do the dropout preset's ReLUs die in the first epochs, and does dropout's parametrisation decide it?

One network of an ensemble run (`apps/network3.py --preset ensemble`, seed 1237)
stayed at chance from its first epoch: its second conv-pool layer and its
second 1000-unit layer had (almost) no unit active on any digit. That run used
Keras' inverted dropout alone on network3's initialisation and eta, which
trains with weights acting 1/(1-p) = 2x larger and steps 4x larger than
network3's; keras_dlt now multiplies a dropout layer's inputs by (1-p) after it, which
is network3's own parametrisation (see keras_dlt/models/network3.py).

For each seed and each form this trains `preset("dropout", seed=seed)` as the
app does (full data, on-the-fly expansion, mini-batch 10, eta 0.03) for
`--epochs` epochs and prints the validation accuracy and, per ReLU layer, the
fraction of its units active (> 0) on any of 2,000 validation digits:

- network3: keras_dlt as it is (inverted dropout, then a factor (1-p));
- inverted: inverted dropout alone (the code before the change; `dropout_form="inverted"`).

    python -m bench.accuracy.network3_dead_units --data ../shared/data/mnist/mnist.npz --seeds 1234 1235 1236 1237 1238
"""

import argparse
import time

import keras
import numpy as np

from keras_dlt.datasets import load_mnist  # noqa: E402
from keras_dlt.models.network3 import preset  # noqa: E402


def active_fractions(net, x):
    """Per layer with ReLU units: the fraction of units (conv: of feature-map positions) active on any digit."""
    fractions, h = [], x
    for layer in net.net_layers[:-1]:
        h = layer(h, training=False)
        a = np.asarray(h).reshape(len(x), -1)
        fractions.append(float((a > 0).any(axis=0).mean()))
    return fractions


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", required=True, help="mnist.npz (the full set)")
    p.add_argument("--seeds", type=int, nargs="+", default=[1234, 1235, 1236, 1237, 1238])
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--forms", nargs="+", choices=("network3", "inverted"), default=["network3", "inverted"])
    args = p.parse_args(argv)
    train, valid, _ = load_mnist(args.data)
    rows = []
    print("| seed | form | validation accuracy | active units: conv1, conv2, fc1, fc2 | seconds |")
    print("| --- | --- | --- | --- | --- |")
    for seed in args.seeds:
        for form in args.forms:
            keras.utils.set_random_seed(seed)
            net = preset("dropout", seed=seed, dropout_form=form)
            start = time.perf_counter()
            net.SGD(train, args.epochs, 10, 0.03, verbose=0)
            seconds = time.perf_counter() - start
            acc = net.accuracy(valid)
            act = active_fractions(net, valid[0][:2000])
            rows.append((seed, form, acc, act))
            print(f"| {seed} | {form} | {acc:.2%} | {', '.join(f'{a:.3f}' for a in act)} | {seconds:.0f} |", flush=True)
    for form in args.forms:
        accs = [r[2] for r in rows if r[1] == form]
        print(f"{form}: {sum(a < 0.5 for a in accs)} of {len(accs)} networks at chance after {args.epochs} epoch(s)")


if __name__ == "__main__":
    main()
