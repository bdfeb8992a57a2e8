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
# # Denoising autoencoders: features learned without labels
#
# An autoencoder maps an input $x \in [0, 1]^d$ to a hidden code $y$ and back to a reconstruction $z$:
#
# $$y = s(xW + b), \qquad z = s(yW^\top + b'),$$
#
# with $s$ the logistic sigmoid and the decoder's weights *tied* to the encoder's ($W' = W^\top$, as in the
# tutorial). It is trained to make $z$ close to $x$, measured for pixel intensities by the cross-entropy
#
# $$L_H(x, z) = -\sum_{k=1}^{d} \big[x_k \log z_k + (1 - x_k) \log(1 - z_k)\big].$$
#
# With as many hidden units as pixels an autoencoder could learn the identity and nothing useful. The
# *denoising* autoencoder (Vincent et al., 2008) instead reconstructs the clean $x$ from a corrupted copy
# $\tilde x$, here with a random fraction $\nu$ of the pixels set to zero: $y = s(\tilde x W + b)$, cost
# $L_H(x, z)$. To undo the corruption the code has to capture how pixels depend on each other, that is the
# structure of the digits. The *contractive* variant (Rifai et al., 2011) adds
# $\lambda \lVert \partial y / \partial x \rVert_F^2$ instead, which makes the code insensitive to small changes
# of the input.
#
# `FULL = False`: the bundled MNIST sample, 500 hidden units, 3 epochs per corruption level (a minute or two on
# a laptop). `FULL = True`: the full MNIST and the tutorial's 15 epochs.

# %%
FULL = False

import inspect
import os

import numpy as np
from IPython.display import Code, Image

import keras
from keras_dlt.datasets import load_mnist
from keras_dlt.layers import TiedAutoencoder
from keras_dlt.models import DenoisingAutoencoder
from keras_dlt.plotting import filters_of, save_tiled_png

(x_train, _), _, (x_test, _) = load_mnist(None if FULL else "sample")
epochs = 15 if FULL else 3
OUT = "runs/dA/"
os.makedirs(OUT, exist_ok=True)

# %% [markdown]
# ## The model in Keras
#
# In the API reference, with their source: [`TiedAutoencoder`](../../api/layers/#keras_dlt.layers.TiedAutoencoder), [`DenoisingAutoencoder`](../../api/models/#keras_dlt.models.DenoisingAutoencoder).
#
# The layer `TiedAutoencoder` holds $W$, $b$ (a `Dense` layer, the encoder) and $b'$; these are its pieces. The
# cost is computed from the logits $l = yW^\top + b'$ as $\operatorname{softplus}(l) - x\,l$, which equals $L_H$
# for $z = s(l)$ and never takes the log of a sigmoid that underflowed to 0.

# %%
Code("\n".join(inspect.getsource(f) for f in (TiedAutoencoder.corrupt, TiedAutoencoder.decode_logits,
                                                TiedAutoencoder.reconstruction_cost)), language="python")

# %% [markdown]
# `DenoisingAutoencoder` is a `keras.Model` whose `train_step` corrupts the batch and takes one SGD step on the
# cost (learning rate 0.1, minibatches of 20, as the tutorial); it trains with `fit(x)`, without labels. We
# train one without corruption and one with 30 % of the pixels zeroed, as the tutorial does.

# %%
models = {}
for level in (0.0, 0.3):
    keras.utils.set_random_seed(123)
    dae = DenoisingAutoencoder(n_hidden=500, corruption_level=level, seed=123)
    dae.compile()
    history = dae.fit(x_train, batch_size=20, epochs=epochs, shuffle=False, verbose=0)
    models[level] = dae
    print(f"corruption {level:.0%}: training cost per epoch {np.round(history.history['loss'], 2)}")

# %% [markdown]
# How good is a reconstruction? The trivial model ignores the input and predicts each pixel's mean intensity
# over the training digits; `evaluate` gives the cost on clean test digits.

# %%
p = np.clip(x_train.mean(axis=0), 1e-6, 1 - 1e-6)
trivial = -np.mean(np.sum(x_test * np.log(p) + (1 - x_test) * np.log(1 - p), axis=1))
for level, dae in models.items():
    print(f"corruption {level:.0%}: test reconstruction cost {dae.evaluate(x_test, batch_size=500, verbose=0):.1f} nats")
print(f"each pixel's mean intensity: {trivial:.1f} nats")

# %% [markdown]
# ## The filters
#
# The first 100 rows of $W^\top$, each drawn as a 28 x 28 image. In the tutorial's full run (15 epochs on
# 50,000 digits) the filters without corruption stay close to noise, since the code can copy pixels, and with
# corruption they become localised stroke and blob detectors; after this notebook's 3 epochs on the sample they
# have only begun to form (set `FULL = True` to see them finished). `apps/dA.py` writes the same pictures, `filters_corruption_0.png` and
# `filters_corruption_30.png`.

# %%
for level, dae in models.items():
    save_tiled_png(filters_of(dae.autoencoder.encoder.kernel.numpy())[:100], OUT + f"filters_{round(100 * level)}.png",
                   (28, 28), (10, 10), title=f"{level:.0%} corruption")
Image(OUT + "filters_0.png")

# %%
Image(OUT + "filters_30.png")

# %% [markdown]
# ## Results
#
# The tutorial prints each epoch's training cost (measured on corrupted inputs) and shows the filters. The number
# that says whether a model learned anything is its reconstruction cost on clean test digits, beside the trivial
# predictor's. Full MNIST, the app's settings (500 hidden units, lr 0.1, minibatches of 20, 15 epochs, seed 123;
# `python -m bench.accuracy.da_reconstruction --data ../shared/data/mnist/mnist.npz`, 2026-12-01, bench/README.md):
#
# | model | training cost, epoch 1 -> 15 | test reconstruction cost (clean digits) |
# | --- | --- | --- |
# | dA, no corruption | 62.38 -> 51.52 | **51.81** nats |
# | dA, 30 % corruption | 81.07 -> 64.74 | **68.78** nats |
# | each pixel's mean intensity (ignores the input) | | 205.81 nats |
#
# The corrupted dA reconstructs clean digits less well: it was trained to undo noise, not to copy, and what it
# gains for that is visible in its filters. `python apps/dA.py` (or `keras-dlt da`) draws them on the full data.
#
# **References.** Deep Learning Tutorial, "Denoising Autoencoders (dA)"; P. Vincent, H. Larochelle, Y. Bengio and
# P.-A. Manzagol, "Extracting and composing robust features with denoising autoencoders", ICML 2008; S. Rifai,
# P. Vincent, X. Muller, X. Glorot and Y. Bengio, "Contractive auto-encoders", ICML 2011.
