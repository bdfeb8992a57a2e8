"""The original tutorials' unsupervised training steps on PyTensor, one epoch at a time: same-run speed peers.

`bench/speed/autoencoders.py` and `bench/speed/rbm.py` time ours against
these in the same run, interleaved (as `bench/speed/supervised.py` does with
`tutorial_pytensor`), on the graphs of `tutorial_stacks_pytensor.TutorialStack`
(the tutorial's dA and RBM classes, ported line for line), each run as the
tutorial runs it: one compiled `train_da(index)` / `train_rbm(index)` call per
minibatch over a shared dataset with `givens`.

- "dA": dA.py's `test_dA` corrupted run: 500 hidden, corruption 0.3, batch 20,
  lr 0.1;
- "sda_layer1": SdA.py's pretraining of layer 1: 784 -> 1000, corruption 0.1,
  batch 1, lr 0.001;
- "rbm_cd1": rbm.py's RBM with CD-1 (`persistent=None`, k = 1): 500 hidden,
  batch 20, lr 0.1, the reconstruction cross-entropy as its monitor.

Needs `pip install pytensor` and a BLAS (see `tutorial_pytensor.py`).

    python -m bench.reference.tutorial_unsupervised_pytensor      # s/epoch of each on 5,000 digits
"""

import time

import numpy as np

from bench.reference.tutorial_pytensor import MNIST, available, index_epoch  # (also sets PYTENSOR_FLAGS)
from bench.reference.tutorial_stacks_pytensor import TutorialStack

#: name -> (hidden units, batch size, learning rate, corruption level or CD steps)
SETTINGS = {"dA": (500, 20, 0.1, 0.3), "sda_layer1": (1000, 1, 0.001, 0.1), "rbm_cd1": (500, 20, 0.1, 1)}


def tutorial_epoch(name, x, seed=123):
    """A function that runs one epoch of the tutorial's training loop for `name` on `x` `[n, 784]` in [0, 1]."""
    import pytensor
    import pytensor.tensor as pt

    n_hidden, batch_size, lr, extra = SETTINGS[name]
    stack = TutorialStack(np.random.RandomState(seed), n_ins=x.shape[1], hidden_layers_sizes=(n_hidden,))
    data = pytensor.shared(np.asarray(x, "float32"))
    index = pt.lscalar("index")
    if name == "rbm_cd1":
        cost, updates = stack.cd_cost_updates(0, stack.x, lr, extra)
    else:
        cost, updates = stack.da_cost_updates(0, stack.x, lr, extra)
    train = pytensor.function([index], cost, updates=updates,
                              givens={stack.x: data[index * batch_size:(index + 1) * batch_size]})
    return index_epoch(train, len(x) // batch_size)


def warmed_up_epoch(name, x):
    """`tutorial_epoch(name, x)`, compiled and run once, or None when PyTensor with a BLAS is not here."""
    if not available():
        return None
    epoch = tutorial_epoch(name, x)
    epoch()
    return epoch


if __name__ == "__main__":
    from keras_dlt.datasets import load_mnist

    (x, _), _, _ = load_mnist(MNIST)
    print("BLAS linked:", available())
    for name in SETTINGS:
        run = tutorial_epoch(name, x[:5000])
        run()
        start = time.perf_counter()
        run()
        print(f"{name}: {time.perf_counter() - start:.3f} s per epoch of 5,000 digits")
