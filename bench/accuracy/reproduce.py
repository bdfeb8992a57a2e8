"""Reproduces the supervised tutorials' published test errors on full MNIST.

Runs each app with its tutorial defaults on `../shared/data/mnist/mnist.npz`
(or `--data`) and prints one row per model: best validation error, test
error at that point, epochs, wall time, next to the tutorial's result. Long:
logistic ~1 min, LeNet ~30 min, MLP ~1 h on 2 cores. Each run's validation
curve is in its log and `runs/reproduce/<model>/history.csv`.

    python -m bench.accuracy.reproduce --models logistic lenet mlp
"""

import argparse
import importlib.util
import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

TUTORIAL = {  # model: (app module, tutorial test error %, target %)
    "logistic": ("logistic_sgd", 7.489, 7.6),
    "mlp": ("mlp", 1.65, 1.8),
    "lenet": ("lenet", 0.92, 1.0),
}


def load_app(name):
    """The app `apps/{name}.py` as a module (its `main(argv)` runs it)."""
    spec = importlib.util.spec_from_file_location(f"{name}_app", os.path.join(ROOT, "apps", f"{name}.py"))
    app = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(app)
    return app


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=list(TUTORIAL), choices=list(TUTORIAL))
    parser.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "data", "mnist", "mnist.npz"))
    parser.add_argument("--out", default=os.path.join(ROOT, "runs", "reproduce"))
    parser.add_argument("--epochs", type=int, default=None, help="override the tutorial's maximum epochs")
    args = parser.parse_args(argv)
    rows = []
    for name in args.models:
        app = load_app(TUTORIAL[name][0])
        flags = ["--data", args.data, "--out", os.path.join(args.out, name), "--verbose", "2"]
        if args.epochs:
            flags += ["--epochs", str(args.epochs)]
        r = app.main(flags)
        rows.append((name, r))
    print("| model | best valid % | test % | tutorial test % | target % | epochs | seconds |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name, r in rows:
        _, published, target = TUTORIAL[name]
        print(f"| {name} | {r['best_validation_error'] * 100:.2f} | {r['test_error'] * 100:.2f} | {published} | "
              f"<= {target} | {r['epochs']} | {r['seconds']:.0f} |")


if __name__ == "__main__":
    main()
