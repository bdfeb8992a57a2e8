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
# # Stacked denoising autoencoders: pretraining a deep network
#
# Deep networks trained from random weights by backpropagation alone used to get stuck in poor solutions.
# Greedy layer-wise *pretraining* (Bengio et al., 2007) starts them somewhere better: train the first hidden
# layer as a denoising autoencoder on the images, then the second as a denoising autoencoder on the first
# layer's codes, and so on,
#
# $$h^{(0)} = x, \qquad h^{(\ell)} = s\big(h^{(\ell-1)} W^{(\ell)} + b^{(\ell)}\big), \qquad
# W^{(\ell)} = \arg\min_W \; \mathbb{E}\, L_H\big(h^{(\ell-1)}, z(\widetilde{h^{(\ell-1)}}; W)\big),$$
#
# each layer with its own corruption level (0.1, 0.2, 0.3). Then the stack, with a logistic-regression layer on
# top, is *fine-tuned* as an ordinary MLP with sigmoid units on the labels. No labels are needed for the first
# phase, which is what makes it useful when labels are few.
#
# `FULL = False`: the bundled sample, two layers of 500 units, 2 pretraining epochs per layer and 10 fine-tuning
# epochs, minibatches of 20 (a few minutes on a laptop). `FULL = True`: the tutorial's 3 x 1000 units,
# 15 pretraining epochs per layer with minibatches of 1 (learning rate 0.001), fine-tuning at 0.1 (many hours).

# %%
FULL = False

import inspect
import os

import numpy as np
from IPython.display import Code, Image

import keras
from keras_dlt.datasets import load_mnist
from keras_dlt.models import MLP, StackedDenoisingAutoencoder
from keras_dlt.plotting import filters_of, save_tiled_png
from keras_dlt.training import SGDSettings, train_classifier

(x_train, y_train), (x_valid, y_valid), (x_test, y_test) = load_mnist(None if FULL else "sample")
sizes, levels = ((1000, 1000, 1000), (0.1, 0.2, 0.3)) if FULL else ((500, 500), (0.1, 0.2))
pretrain = dict(epochs=15, batch_size=1, learning_rate=0.001) if FULL else dict(epochs=2, batch_size=20, learning_rate=0.01)
batch, finetune_epochs = (1, 1000) if FULL else (20, 10)
OUT = "runs/SdA/"
os.makedirs(OUT, exist_ok=True)

# %% [markdown]
# ## The model in Keras
#
# In the API reference, with their source: [`StackedDenoisingAutoencoder`](../../api/models/#keras_dlt.models.StackedDenoisingAutoencoder), [`MLP`](../../api/models/#keras_dlt.models.MLP).
#
# `StackedDenoisingAutoencoder` *is* an `MLP` with sigmoid units. Its `pretrain` trains each hidden `Dense`
# layer in place, wrapped in a `DenoisingAutoencoder` (`pretraining_model(i)`) that shares the layer object, so
# the fine-tuned classifier starts from the pretrained weights; each layer's inputs are computed once.

# %%
Code(inspect.getsource(StackedDenoisingAutoencoder.pretraining_model), language="python")

# %%
keras.utils.set_random_seed(89677)
sda = StackedDenoisingAutoencoder(sizes, corruption_levels=levels, seed=89677)
costs = sda.pretrain(x_train, verbose=0, **pretrain)
print(costs)

# %% [markdown]
# Fine-tuning is plain supervised training with the tutorial's early stopping. The baseline that says whether
# pretraining helped is the *same* network trained from random weights, with the same settings.

# %%
# The fine-tuning the apps run (`train_classifier`): plain SGD at 0.1, the patience rule, the best weights kept.
settings = SGDSettings(learning_rate=0.1, batch_size=batch, epochs=finetune_epochs, patience=10 * len(x_train) // batch)
data = (x_train, y_train), (x_valid, y_valid), (x_test, y_test)
keras.utils.set_random_seed(89677)
sda_run = train_classifier(sda, *data, settings, verbose=0)
keras.utils.set_random_seed(89677)
plain_run = train_classifier(MLP(hidden_units=sizes, activation="sigmoid", l2=0.0, seed=89677), *data, settings,
                             verbose=0)
most_frequent = np.bincount(y_train).argmax()
print(f"pretrained stack: validation {100 * sda_run.best_validation_error:.2f} %, test {100 * sda_run.test_error:.2f} %")
print(f"same MLP from random weights: validation {100 * plain_run.best_validation_error:.2f} %, "
      f"test {100 * plain_run.test_error:.2f} %")
print(f"most frequent class: test {100 * np.mean(y_test != most_frequent):.2f} %")

# %% [markdown]
# ## The first layer's filters
#
# After pretraining and fine-tuning, the first layer's weights (the first 100 units). `apps/SdA.py` writes this
# picture as `filters.png`.

# %%
save_tiled_png(filters_of(sda.hidden_layers[0].kernel.numpy())[:100], OUT + "filters.png", (28, 28), (10, 10))
Image(OUT + "filters.png")

# %% [markdown]
# ## Results
#
# Full MNIST, the tutorial's procedure (`python apps/SdA.py --data ../shared/data/mnist/mnist.npz [--seed S]`;
# the original Theano code run with PyTensor on the same machine, `bench/reference`; 2026-11-24/25,
# bench/README.md). Test error at the best validation point:
#
# | run | best validation | test |
# | --- | --- | --- |
# | the tutorial's printed run (Theano, 2010) | 1.39 % | 1.30 % |
# | the original code, this machine | 1.44 % | 1.37 % |
# | keras_dlt, seed 1234 | 1.42 % | 1.42 % |
# | keras_dlt, seed 89677 | 1.45 % | 1.52 % |
# | most frequent class | | 88.65 % |
#
# The spread between seeds (0.1 point) is as large as the difference from the tutorial. On a small sample and
# short runs like this notebook's, pretraining's benefit may not show; the tutorial's runs take hours.
#
# **References.** Deep Learning Tutorial, "Stacked Denoising Autoencoders (SdA)"; Y. Bengio, P. Lamblin,
# D. Popovici and H. Larochelle, "Greedy layer-wise training of deep networks", NIPS 2007; P. Vincent et al.,
# "Stacked denoising autoencoders", JMLR 2010.
