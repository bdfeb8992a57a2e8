"""The tutorial's LeNet (convolutional_mlp.py) in PyTorch on the CPU, eager: issue 25's same-run peer for LeNet.

The same architecture and training as `keras_dlt.models.LeNet` under its
defaults: 28x28 inputs, 5x5 convolutions with 20 and 50 filters, each followed
by tanh and 2x2 max-pooling (the tutorial pools, then adds the bias and
applies tanh: for a per-map bias the order does not change the values), a
500-unit tanh layer, a 10-way softmax, the mean negative log-likelihood, plain
SGD at lr 0.1, batch 500, minibatches in the tutorial's fixed order. Optional:
needs `pip install torch`; `bench/speed/supervised.py` times it beside ours
when it imports.

    python -m bench.reference.lenet_pytorch        # s per epoch on 50,000 digits
"""

import os
import time

import numpy as np


def available():
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def lenet_epoch(x, y, batch_size=500, lr=0.1, seed=1234):
    """A function that runs one training epoch of the tutorial's LeNet in PyTorch on `x` `[n, 784]`, `y` `[n]`."""
    import torch
    from torch import nn

    torch.manual_seed(seed)
    torch.set_num_threads(len(os.sched_getaffinity(0)))  # the cores this process may use (taskset), as TF does
    model = nn.Sequential(
        nn.Conv2d(1, 20, 5), nn.MaxPool2d(2), nn.Tanh(),
        nn.Conv2d(20, 50, 5), nn.MaxPool2d(2), nn.Tanh(),
        nn.Flatten(), nn.Linear(50 * 4 * 4, 500), nn.Tanh(), nn.Linear(500, 10))
    nn.init.zeros_(model[-1].weight)
    nn.init.zeros_(model[-1].bias)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()  # from logits: the mean negative log-likelihood of the softmax
    n = (len(x) // batch_size) * batch_size
    xs = torch.from_numpy(np.ascontiguousarray(x[:n], "float32")).reshape(-1, batch_size, 1, 28, 28)
    ys = torch.from_numpy(np.asarray(y[:n], "int64")).reshape(-1, batch_size)

    def epoch():
        for xb, yb in zip(xs, ys):
            optimizer.zero_grad(set_to_none=True)
            loss_fn(model(xb), yb).backward()
            optimizer.step()

    return epoch


if __name__ == "__main__":
    from keras_dlt.datasets import load_mnist

    (x, y), _, _ = load_mnist(os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "data", "mnist", "mnist.npz"))
    run = lenet_epoch(x, y)
    run()
    start = time.perf_counter()
    run()
    print(f"LeNet in PyTorch {__import__('torch').__version__}: {time.perf_counter() - start:.2f} s per epoch")
