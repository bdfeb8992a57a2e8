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
# # network3: from 97.8 % to 99.67 % with Nielsen's techniques
#
# Chapter 6 of Michael Nielsen's *Neural Networks and Deep Learning* builds, with a small library `network3.py`,
# a sequence of networks that improve step by step on MNIST, each change with a reason:
#
# 1. *baseline*: one hidden layer of 100 sigmoid units, softmax output, log-likelihood cost (97.80 %);
# 2. *conv1*, *conv2*: one, then two convolution + max-pooling layers in front, which exploit the image's
#    spatial structure (98.78 %, 99.06 %);
# 3. *relu*: rectified linear units $f(z) = \max(0, z)$, which do not saturate, with L2 regularisation, the cost
#    $C = -\frac1n \sum \log a^L_y + \frac{\lambda}{2n}\sum_w w^2$ (99.23 %);
# 4. *expanded*: more training data by small rotations, shears and shifts of the digits (99.37 %);
# 5. *dropout*: two 1000-unit ReLU layers whose units are each dropped with probability 0.5 during training
#    (scaling the rest), which keeps units from co-adapting (99.60 %);
# 6. *ensemble*: five such networks voting (99.67 %).
#
# In keras_dlt `network3.Network` keeps Nielsen's interface (`FullyConnectedLayer`, `ConvPoolLayer`,
# `SoftmaxLayer`, `net.SGD(...)`), on Keras: `SGD` is `compile` + `fit`, and each preset of the chapter is
# `network3.preset(name)`. The expanded data are made on the fly by a `RandomAffine` layer rather than stored.
#
# `FULL = False`: the bundled sample and 5 epochs of *baseline* and *conv1* (a couple of minutes).
# `FULL = True`: the full MNIST and Nielsen's 60 epochs (hours).

# %%
FULL = False

import inspect
import os

import numpy as np
from IPython.display import Code, Image

import keras
from keras_dlt.datasets import load_mnist
from keras_dlt.models.network3 import ConvPoolLayer, FullyConnectedLayer, Network, SoftmaxLayer, sigmoid
from keras_dlt.plotting import save_training_curves_png

keras.utils.set_random_seed(1234)
train, valid, test = load_mnist(None if FULL else "sample")
epochs = 60 if FULL else 5
mbs = 10  # mini-batch size
OUT = "runs/network3/"
os.makedirs(OUT, exist_ok=True)

# %% [markdown]
# ## Nielsen's layers, in Keras
#
# In the API reference, with their source: [`Network`](../../api/models.network3/#keras_dlt.models.network3.Network), [`ConvPoolLayer`](../../api/models.network3/#keras_dlt.models.network3.ConvPoolLayer), [`preset`](../../api/models.network3/#keras_dlt.models.network3.preset).
#
# Each layer is a Keras layer; `SoftmaxLayer` is the output, and its `p_dropout` the dropout Nielsen applies to
# its inputs. The chapter's first network, as Nielsen writes it:

# %%
net = Network([FullyConnectedLayer(n_in=784, n_out=100, seed=1), SoftmaxLayer(n_in=100, n_out=10, seed=2)], mbs)
net.SGD(train, epochs, mbs, 0.1, valid, test, verbose=0, monitor_training=True)
print(f"baseline: best validation accuracy {net.best_validation_accuracy:.2%}, test there {net.best_test_accuracy:.2%}")

# %% [markdown]
# And with a convolution + max-pooling layer in front (20 filters of 5 x 5, pooled 2 x 2):

# %%
Code(inspect.getsource(ConvPoolLayer.call), language="python")

# %%
conv = Network([ConvPoolLayer(image_shape=(mbs, 1, 28, 28), filter_shape=(20, 1, 5, 5), poolsize=(2, 2),
                              activation_fn=sigmoid, seed=1),
                FullyConnectedLayer(n_in=20 * 12 * 12, n_out=100, seed=2), SoftmaxLayer(n_in=100, n_out=10, seed=3)], mbs)
history = conv.SGD(train, epochs, mbs, 0.1, valid, test, verbose=0, monitor_training=True)
most_frequent = np.bincount(train[1]).argmax()
print(f"conv1: best validation accuracy {conv.best_validation_accuracy:.2%}, test there {conv.best_test_accuracy:.2%}"
      f" (most frequent class: {np.mean(test[1] == most_frequent):.2%})")

# %% [markdown]
# ## The overfitting diagnostic
#
# Training against validation accuracy and cost per epoch (Nielsen's chapter 3 figures): where they part, the
# network starts to learn the training set rather than digits. `apps/network3.py` writes this picture as
# `training_curves.png`.

# %%
save_training_curves_png(history.history, OUT + "training_curves.png", title="network3 conv1")
Image(OUT + "training_curves.png")

# %% [markdown]
# ## Results
#
# Full MNIST, Nielsen's settings (`python apps/network3.py --preset P --data ../shared/data/mnist/mnist.npz`,
# seed 1234, 2026-11-23/24; bench/README.md). Test accuracy at the best validation epoch; always predicting the
# most frequent class gets 11.35 %.
#
# | preset | keras_dlt | Nielsen | epochs |
# | --- | --- | --- | --- |
# | baseline | **97.86 %** | 97.80 % | 60 |
# | conv1 | **98.74 %** | 98.78 % | 60 |
# | conv2 | **99.13 %** | 99.06 % | 60 |
# | relu | **99.16 %** | 99.23 % | 60 |
# | expanded | **99.42 %** | 99.37 % | 60 |
# | dropout, seeds 1234-1238 | **99.49-99.60 %** | 99.60 % | 40 |
# | ensemble of those five | **99.62 %** | 99.67 % | 5 x 40 |
#
# From the command line: `keras-dlt network3 --preset conv1 --data sample --epochs 5`.
#
# **References.** M. Nielsen, *Neural Networks and Deep Learning*, ch. 6 (2015); N. Srivastava, G. Hinton,
# A. Krizhevsky, I. Sutskever and R. Salakhutdinov, "Dropout", JMLR 2014.
