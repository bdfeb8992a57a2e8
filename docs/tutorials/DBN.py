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
# # Deep belief networks: a stack of RBMs
#
# Hinton, Osindero & Teh (2006) showed how to train a deep generative model one layer at a time: train an RBM
# on the data, then treat its hidden activations as data for a second RBM, and so on. Each new layer improves a
# variational bound on the log-likelihood of the data. The result, a *deep belief network*, models
#
# $$p(x, h^{(1)}, \dots, h^{(\ell)}) = \Big(\prod_{k=0}^{\ell-2} p(h^{(k)} \mid h^{(k+1)})\Big)\,
#   p(h^{(\ell-1)}, h^{(\ell)}), \qquad h^{(0)} = x,$$
#
# where the top two layers form an RBM and each lower layer is a sigmoid belief network,
# $p(h^{(k)}_i = 1 \mid h^{(k+1)}) = s(b^{(k)}_i + W^{(k+1)}_{:,i} \cdot h^{(k+1)})$.
#
# For classification the tutorial uses the stack's weights to initialise an MLP with sigmoid units, adds a
# logistic-regression layer, and fine-tunes the whole network by backpropagation, exactly as the stacked
# denoising autoencoders do; only the unsupervised phase differs (RBMs trained by CD-1 instead of dAs). Each
# RBM is trained on the *mean* activations $p(h^{(k)} = 1 \mid h^{(k-1)})$ of the layer below, computed once.
#
# `FULL = False`: the bundled sample, two layers of 500 units, 2 pretraining epochs per layer and 10 fine-tuning
# epochs (a few minutes). `FULL = True`: the tutorial's 3 x 1000 units, 100 pretraining epochs per layer
# (learning rate 0.01, minibatches of 10) and fine-tuning at 0.1 (many hours).

# %%
FULL = False

import inspect
import os

import numpy as np
from IPython.display import Code, Image

import keras
from keras_dlt.datasets import load_mnist
from keras_dlt.models import DBN, MLP
from keras_dlt.plotting import filters_of, save_tiled_png
from keras_dlt.training import SGDSettings, train_classifier

(x_train, y_train), (x_valid, y_valid), (x_test, y_test) = load_mnist(None if FULL else "sample")
sizes = (1000, 1000, 1000) if FULL else (500, 500)
pretrain_epochs, finetune_epochs = (100, 1000) if FULL else (2, 10)
OUT = "runs/DBN/"
os.makedirs(OUT, exist_ok=True)

# %% [markdown]
# ## The model in Keras
#
# In the API reference, with their source: [`DBN`](../../api/models/#keras_dlt.models.DBN), [`RBM`](../../api/models/#keras_dlt.models.RBM).
#
# `DBN` is an `MLP` with sigmoid units; `pretrain` trains each hidden `Dense` layer in place as a CD-k `RBM`
# sharing that layer object (`pretraining_model(i)`), so fine-tuning starts from the pretrained weights.

# %%
Code(inspect.getsource(DBN.pretraining_model), language="python")

# %%
keras.utils.set_random_seed(123)
dbn = DBN(sizes, n_outs=10, seed=123)
costs = dbn.pretrain(x_train, epochs=pretrain_epochs, batch_size=10, learning_rate=0.01, k=1, verbose=0)
print(costs)

# %% [markdown]
# Fine-tuning with the tutorial's early stopping; the baseline is the same MLP from random weights, trained with
# the same settings.

# %%
# The fine-tuning the apps run (`train_classifier`): plain SGD at 0.1, the patience rule, the best weights kept.
settings = SGDSettings(learning_rate=0.1, batch_size=10, epochs=finetune_epochs, patience=4 * len(x_train) // 10)
data = (x_train, y_train), (x_valid, y_valid), (x_test, y_test)
keras.utils.set_random_seed(123)
dbn_run = train_classifier(dbn, *data, settings, verbose=0)
keras.utils.set_random_seed(123)
plain_run = train_classifier(MLP(hidden_units=sizes, activation="sigmoid", l2=0.0, seed=123), *data, settings,
                             verbose=0)
most_frequent = np.bincount(y_train).argmax()
print(f"pretrained DBN: validation {100 * dbn_run.best_validation_error:.2f} %, test {100 * dbn_run.test_error:.2f} %")
print(f"same MLP from random weights: validation {100 * plain_run.best_validation_error:.2f} %, "
      f"test {100 * plain_run.test_error:.2f} %")
print(f"most frequent class: test {100 * np.mean(y_test != most_frequent):.2f} %")

# %% [markdown]
# ## The first layer's filters
#
# The first RBM's weights after fine-tuning (the first 100 units); `apps/DBN.py` writes them as `filters.png`.

# %%
save_tiled_png(filters_of(dbn.hidden_layers[0].kernel.numpy())[:100], OUT + "filters.png", (28, 28), (10, 10))
Image(OUT + "filters.png")

# %% [markdown]
# ## Results
#
# Full MNIST, the tutorial's procedure (`python apps/DBN.py --data ../shared/data/mnist/mnist.npz [--seed S]`;
# the original code on the same machine through `bench/reference`; bench/README.md). Test error at the best
# validation point:
#
# | run | best validation | test |
# | --- | --- | --- |
# | the tutorial's printed run (Theano, 2010) | 1.27 % | 1.34 % |
# | the original code, this machine | 1.32 % | 1.41 % |
# | keras_dlt, seed 1234 | 1.37 % | 1.48 % |
# | keras_dlt, seed 1235 | 1.14 % | 1.29 % |
# | most frequent class | | 88.65 % |
#
# From one pretrained stack, keras_dlt and the original code fine-tune identically (to every printed digit for
# 3 epochs): the differences above are the draws of the procedure.
#
# **References.** Deep Learning Tutorial, "Deep Belief Networks"; G. Hinton, S. Osindero and Y.-W. Teh, "A fast
# learning algorithm for deep belief nets", Neural Computation 2006; Y. Bengio et al., NIPS 2007.
