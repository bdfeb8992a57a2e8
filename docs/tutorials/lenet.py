# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # LeNet: convolution and max-pooling
#
# An MLP treats the 784 pixels as unrelated inputs; shift a digit by two pixels and it sees a new pattern.
# Convolutional networks build in what we know of images: nearby pixels belong together (*local receptive
# fields*) and a stroke means the same wherever it is (*shared weights*). A convolutional layer slides $K$ small
# filters $W^k$ (5 x 5 here) over the image and adds a bias, giving one feature map per filter,
#
# $$h^k_{ij} = \big(W^k \star x\big)_{ij} + b_k,$$
#
# and *max-pooling* keeps the largest value of each non-overlapping 2 x 2 block, which halves each side and makes
# the features tolerant to small shifts. The tutorial's `LeNetConvPoolLayer` does both and then applies tanh:
#
# $$\text{out}^k = \tanh\big(\operatorname{maxpool}_{2\times 2}(W^k \star x) + b_k\big).$$
#
# LeNet stacks two of them (20 and 50 filters: 28x28 -> 12x12 -> 4x4), then a 500-unit tanh layer and logistic
# regression; learning rate 0.1, minibatches of 500, 200 epochs.
#
# `FULL = False`: the bundled sample, 3 epochs (a few minutes on a laptop). `FULL = True`: the full MNIST, 200 epochs.

# %%
FULL = False

import inspect
import os

import numpy as np
from IPython.display import Code, Image

import keras
from keras_dlt.callbacks import PatienceEarlyStopping
from keras_dlt.datasets import load_mnist
from keras_dlt.layers import ConvPool
from keras_dlt.models import LeNet
from keras_dlt.plotting import filters_of, save_tiled_png

keras.utils.set_random_seed(1234)
(x_train, y_train), (x_valid, y_valid), (x_test, y_test) = load_mnist(None if FULL else "sample", flatten=False)
epochs = 200 if FULL else 3
OUT = "runs/lenet/"
os.makedirs(OUT, exist_ok=True)

# %% [markdown]
# ## The layer in Keras
#
# In the API reference, with their source: [`ConvPool`](../../api/layers/#keras_dlt.layers.ConvPool), [`LeNet`](../../api/models/#keras_dlt.models.LeNet).
#
# `keras_dlt.layers.ConvPool` is the tutorial's layer: weights made in `build()`, the equation above in `call()`
# (Keras' `conv` is a correlation where Theano's was a true convolution; the filters are simply flipped). It can
# also compute the convolution as matrix products over patches (`implementation="patches"`), the same numbers.

# %%
Code(inspect.getsource(ConvPool.call), language="python")

# %% [markdown]
# `LeNet().init_as_tutorial()` loads the tutorial's own initial draws (its `RandomState(23455)`), so that a run
# starts where the tutorial's did; the apps do this by default.

# %%
model = LeNet().init_as_tutorial()
model.compile()
stop = PatienceEarlyStopping(patience=10000, validation_data=(x_valid, y_valid), test_data=(x_test, y_test))
model.fit(x_train, y_train, batch_size=500, epochs=epochs, callbacks=[stop], verbose=0)
most_frequent = np.bincount(y_train).argmax()
print(f"best validation error {100 * stop.best_validation_error:.2f} %, test error {100 * stop.test_error:.2f} % "
      f"(most frequent class: {100 * np.mean(y_test != most_frequent):.2f} %)")

# %% [markdown]
# ## The first layer's filters
#
# The 20 learned 5 x 5 filters of the first layer (enlarged): edge and stroke detectors. `apps/lenet.py` writes
# them as `filters.png`.

# %%
save_tiled_png(filters_of(model.conv_layers[0].kernel.numpy()), OUT + "filters.png", (5, 5), (2, 10), scale=8)
Image(OUT + "filters.png")

# %% [markdown]
# ## Results
#
# Full MNIST, the tutorial's settings and initial weights (`python apps/lenet.py --data
# ../shared/data/mnist/mnist.npz`, 2026-11-24; bench/README.md):
#
# | | best validation error | test error | epochs |
# | --- | --- | --- | --- |
# | keras_dlt | 0.93 % | **0.89 %** | 200 (best at 196) |
# | the tutorial | 0.91 % | 0.92 % | 200 |
# | most frequent class | | 88.65 % | |
#
# From the command line: `keras-dlt lenet --data sample --epochs 3`.
#
# **References.** Deep Learning Tutorial, "Convolutional Neural Networks (LeNet)"; Y. LeCun, L. Bottou, Y. Bengio
# and P. Haffner, "Gradient-based learning applied to document recognition", Proc. IEEE 1998.
