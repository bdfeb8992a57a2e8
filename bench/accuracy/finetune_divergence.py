"""How fast our fine-tuning and the original's drift apart from one pretrained stack (SdA or DBN).

Both start from the same weights (ours: a `pretrained.weights.h5` that
apps/SdA.py or apps/DBN.py wrote) and take the same SGD steps on the same
minibatches in the tutorial's order: ours with Keras `fit` (as the apps
compile it), the original as ported in bench/tutorial_stacks_pytensor.py.
After each checkpoint the table gives the largest weight difference and both
validation errors. Differences that start at float rounding and grow
step by step mean the two compute the same thing and the training itself
amplifies rounding (chaos); a difference at step 1 would mean a bug.

    python -m bench.accuracy.finetune_divergence sda runs/SdA/pretrained.weights.h5
    python -m bench.accuracy.finetune_divergence dbn runs/DBN/pretrained.weights.h5 --steps 1 100 5000 15000
"""

import argparse
import os

import numpy as np

from bench.reference import tutorial_stacks_pytensor as original  # noqa: E402  (sets PYTENSOR_FLAGS first)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("model", choices=sorted(original.DEFAULTS))
    p.add_argument("weights", help="our pretrained.weights.h5 (3 x 1000 unless --hidden)")
    p.add_argument("--hidden", type=int, nargs="+", default=[1000, 1000, 1000])
    p.add_argument("--steps", type=int, nargs="+", default=[1, 10, 100, 1000, 5000, 20000],
                   help="SGD steps (minibatches) after which to compare")
    p.add_argument("--batch-size", type=int, default=None, help="default: the tutorial's (sda 1, dbn 10)")
    p.add_argument("--learning-rate", type=float, default=0.1)
    p.add_argument("--jit-compile", choices=("on", "off"), default="on", help="ours: XLA, as the apps at batch <= 10")
    p.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "mnist",
                                                  "mnist.npz"))
    args = p.parse_args(argv)
    if args.steps[0] < 1 or any(b <= a for a, b in zip(args.steps, args.steps[1:])):
        p.error(f"--steps must be increasing positive step counts; got {args.steps}")
    bs = args.batch_size or original.DEFAULTS[args.model]["batch_size"]

    import keras
    import pytensor
    import pytensor.tensor as pt

    from keras_dlt.datasets import load_mnist
    from keras_dlt.models import DBN, StackedDenoisingAutoencoder
    from keras_dlt.core import minibatches

    (x, y), (vx, vy), _ = load_mnist(args.data)
    if args.steps[-1] * bs > len(x):
        p.error(f"--steps {args.steps[-1]} at batch {bs} is more than the {len(x)} training digits (one epoch)")
    ours = DBN(args.hidden) if args.model == "dbn" else StackedDenoisingAutoencoder(args.hidden)
    ours.build((None, 784))
    initial = original.keras_stack_weights(args.model, args.hidden, args.weights)  # clear error on a wrong file
    classifier = original.classifier_variables(ours)
    for variable, value in zip(classifier, initial):
        variable.assign(value)
    ours.compile(optimizer=keras.optimizers.SGD(args.learning_rate), jit_compile=args.jit_compile == "on")

    stack = original.TutorialStack(np.random.RandomState(0), hidden_layers_sizes=args.hidden)
    stack.set_classifier_values(initial)
    tx, ty = pytensor.shared(x), pytensor.shared(y.astype("int32"))
    index = pt.lscalar("index")
    grads = pt.grad(stack.finetune_cost, stack.params)
    train_fn = pytensor.function(
        [index], stack.finetune_cost,
        updates=[(w, w - g * np.float32(args.learning_rate)) for w, g in zip(stack.params, grads)],
        givens={stack.x: tx[index * bs:(index + 1) * bs], stack.y: ty[index * bs:(index + 1) * bs]})
    predict = pytensor.function([stack.x], stack.y_pred)

    print(f"{args.model}: {args.weights}, batch {bs}, lr {args.learning_rate}, ours jit_compile={args.jit_compile}")
    print("| SGD steps | max abs weight difference | validation error, ours | validation error, original |")
    print("| --- | --- | --- | --- |")
    done = 0
    for n in args.steps:
        ours.fit(minibatches(x[done * bs:n * bs], y[done * bs:n * bs], bs), epochs=1, shuffle=False, verbose=0)
        for i in range(done, n):
            train_fn(i)
        done = n
        diff = max(float(np.max(np.abs(a.numpy() - b.get_value()))) for a, b in zip(classifier, stack.params))
        e_ours = np.mean(np.argmax(ours.predict(vx, batch_size=1000, verbose=0), -1) != vy)
        e_orig = np.mean(predict(vx) != vy)
        print(f"| {n} | {diff:.3g} | {e_ours:.2%} | {e_orig:.2%} |", flush=True)


if __name__ == "__main__":
    main()
