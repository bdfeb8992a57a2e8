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
# # Restricted Boltzmann machines: CD-k and PCD-k
#
# An RBM is an energy-based model of binary vectors $v$ (the pixels) with binary hidden units $h$ and no
# connections within a layer:
#
# $$E(v, h) = -b^\top v - c^\top h - h^\top W v, \qquad p(v, h) = \frac{e^{-E(v, h)}}{Z}, \qquad
# Z = \sum_{v, h} e^{-E(v, h)}.$$
#
# Summing out $h$ gives the *free energy*, $p(v) = e^{-F(v)} / Z$ with
#
# $$F(v) = -b^\top v - \sum_j \operatorname{softplus}(c_j + W_j v),$$
#
# and, because there are no connections within a layer, both conditionals factorise:
# $p(h_j = 1 \mid v) = s(c_j + W_j v)$ and $p(v_i = 1 \mid h) = s(b_i + W_{:,i}^\top h)$. The gradient of the
# log-likelihood has two terms,
#
# $$-\frac{\partial \log p(v)}{\partial \theta} = \frac{\partial F(v)}{\partial \theta}
#   - \mathbb{E}_{\tilde v \sim p}\Big[\frac{\partial F(\tilde v)}{\partial \theta}\Big],$$
#
# the first from the data (the *positive phase*), the second from the model (the *negative phase*). The
# expectation over the model is estimated with samples from a Gibbs chain that alternates $h \sim p(h \mid v)$
# and $v \sim p(v \mid h)$: *contrastive divergence* (CD-k, Hinton 2002) starts the chain at the data and runs
# $k$ steps; *persistent* CD (PCD-k, Tieleman 2008) keeps the chains running from one update to the next, so
# they follow the model. The tutorial: 500 hidden units, PCD-15, learning rate 0.1, minibatches of 20, 15 epochs.
#
# The tutorial monitors learning with the *pseudo-likelihood*, $\sum_i \log p(v_i \mid v_{-i})$, estimated by
# flipping one bit per minibatch: $d \cdot \log s\big(F(\tilde v) - F(v)\big)$ with $\tilde v$ = $v$ with that
# bit flipped.
#
# `FULL = False`: the bundled sample, 2 epochs (a couple of minutes on a laptop). `FULL = True`: full MNIST, 15.

# %%
FULL = False

import inspect
import os

import numpy as np
from IPython.display import Code, Image

import keras
from keras_dlt.datasets import load_mnist
from keras_dlt.models import RBM
from keras_dlt.models.boltzmann import RBMLayer
from keras_dlt.plotting import filters_of, save_tiled_png

keras.utils.set_random_seed(1234)
(x_train, _), _, (x_test, _) = load_mnist(None if FULL else "sample")
epochs = 15 if FULL else 2
OUT = "runs/rbm/"
os.makedirs(OUT, exist_ok=True)

# %% [markdown]
# ## The model in Keras
#
# In the API reference, with their source: [`RBM`](../../api/models/#keras_dlt.models.RBM), [`RBMLayer`](../../api/layers/#keras_dlt.models.boltzmann.layer.RBM).
#
# `RBMLayer` holds $W$, $b$, $c$ and the conditionals; the model `RBM` adds the training. Its cost is the
# *free-energy gap* $\overline{F(v)} - \overline{F(\tilde v)}$ between the data and the chains' ends, with the
# chains held constant (`stop_gradient`): its gradient is exactly the estimate above, and Keras' optimiser
# takes the step.

# %%
Code("\n".join(inspect.getsource(f) for f in (RBMLayer.free_energy, RBM.free_energy_gap, RBM.negative_phase)),
     language="python")

# %%
rbm = RBM(n_hidden=500, k=15, persistent=True, seed=1234, n_chains=20)
rbm.compile()  # SGD, learning rate 0.1
history = rbm.fit(x_train, batch_size=20, epochs=epochs, shuffle=False, verbose=0)
print("pseudo-likelihood per epoch:", np.round(history.history["pseudo_likelihood"], 2))

# %% [markdown]
# The baseline: a model whose pixels are independent, each on at its rate in the training set. Its
# pseudo-likelihood equals its log-likelihood, $\sum_i \log p(v_i)$, averaged over the (rounded) training digits.

# %%
xi = np.round(x_train)
p = np.clip(xi.mean(axis=0), 1e-6, 1 - 1e-6)
print(f"independent pixels: {np.mean(np.sum(xi * np.log(p) + (1 - xi) * np.log(1 - p), axis=1)):.2f}")

# %% [markdown]
# ## Filters and samples
#
# The filters (rows of $W$, the first 100 units): pen strokes, as in the tutorial's figure. The samples: 10
# chains started from test digits, a row every 100 Gibbs steps, showing $p(v = 1 \mid h)$. `apps/rbm.py` writes
# `filters_at_epoch_E.png` and `samples.png` (a row every 1000 steps there).

# %%
save_tiled_png(filters_of(rbm.rbm.kernel.numpy())[:100], OUT + "filters.png", (28, 28), (10, 10))
Image(OUT + "filters.png")

# %%
means = rbm.sample(x_test[:10], n_samples=8, steps_between=100, seed=1)
save_tiled_png(means.reshape(-1, 784), OUT + "samples.png", (28, 28), (8, 10),
               row_labels=[f"step {100 * (i + 1)}" for i in range(8)])
Image(OUT + "samples.png")

# %% [markdown]
# ## Results
#
# The tutorial shows filters and samples, and prints its pseudo-likelihood cost (-62.76 at its last epoch). The
# number that says how good the model is, the log-likelihood of test digits, needs the partition function $Z$;
# the [AIS tutorial](../ais/) estimates it. On full MNIST, keras_dlt's run (`python apps/rbm.py --data
# ../shared/data/mnist/mnist.npz --ais --ais-betas 300000`, 2026-11-24; bench/README.md):
#
# | model | average test log-likelihood (nats) |
# | --- | --- |
# | keras_dlt, 500 hidden, PCD-15, 15 epochs | **-117.2** (AIS, 100 runs x 300,000 temperatures) |
# | Salakhutdinov & Murray 2008, 500 hidden, CD-1 / CD-25 | -125.5 / -86.3 |
#
# **References.** Deep Learning Tutorial, "Restricted Boltzmann Machines (RBM)"; G. Hinton, "Training products of
# experts by minimizing contrastive divergence", Neural Computation 2002; T. Tieleman, "Training restricted
# Boltzmann machines using approximations to the likelihood gradient", ICML 2008.
