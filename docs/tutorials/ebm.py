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
# # Energy models trained with persistent HMC chains
#
# The HMC tutorial ends with its purpose: sampling the *negative phase* of energy-based models with continuous
# inputs. This page makes that concrete. Any network $E_\theta : \mathbb{R}^d \to \mathbb{R}$ defines a density
# $p_\theta(x) = e^{-E_\theta(x)} / Z_\theta$; the gradient of the negative log-likelihood has the same two
# phases as the RBM's,
#
# $$-\frac{\partial \log p_\theta(x)}{\partial \theta} = \frac{\partial E_\theta(x)}{\partial \theta}
#   - \mathbb{E}_{x' \sim p_\theta}\Big[\frac{\partial E_\theta(x')}{\partial \theta}\Big],$$
#
# so each step lowers the energy of the data and raises that of the model's samples: it minimises
# $\overline{E_\theta(x)} - \overline{E_\theta(x')}$ with the samples $x'$ held constant. The samples come from
# *persistent* chains (as PCD, Tieleman 2008) moved by the tutorial's HMC (20 leapfrog steps, step size adapted
# to 90 % acceptance) a few moves per training step; since the model changes slowly, the chains stay close to
# its distribution. Nothing here needs $Z_\theta$.
#
# **How do we know it worked?** A two-sample test: the maximum mean discrepancy (MMD, Gretton et al., 2012)
# between fresh samples of the model and held-out data, with a permutation p-value. The baseline is the same test
# between two samples of the data itself.
#
# The notebook runs the app's settings, 3,000 points and 40 epochs (a couple of minutes; `FULL` changes nothing).

# %%
FULL = False

import inspect
import os

import numpy as np
from IPython.display import Code, Image

import keras
from keras_dlt.datasets import gaussian_mixture
from keras_dlt.models import EnergyModel
from keras_dlt.plotting import save_scatter_png
from keras_dlt.two_sample import mmd_test

keras.utils.set_random_seed(1234)
n, epochs = 3000, 40  # the app's defaults: a couple of minutes
x = gaussian_mixture(n, seed=1234)  # three Gaussians in the plane
held_out, reference = gaussian_mixture(1000, seed=1235), gaussian_mixture(1000, seed=1236)
OUT = "runs/ebm/"
os.makedirs(OUT, exist_ok=True)

# %% [markdown]
# ## The model in Keras
#
# In the API reference, with their source: [`EnergyModel`](../../api/models/#keras_dlt.models.EnergyModel), [`mmd_test`](../../api/two_sample/#keras_dlt.two_sample.mmd_test).
#
# `EnergyModel(network)` takes any Keras network as $E_\theta$; its `train_step` moves the chains and takes the
# gradient step on the energy gap. The chains, the step size and the acceptance average are non-trainable
# variables, so they are saved with the model and a resumed run goes on where it stopped.

# %%
Code(inspect.getsource(EnergyModel.train_step), language="python")

# %%
net = keras.Sequential([keras.layers.Dense(64, activation="softplus"), keras.layers.Dense(64, activation="softplus"),
                        keras.layers.Dense(1)])
model = EnergyModel(net, n_chains=500, hmc_moves=2, seed=1234, stepsize_max=0.5)
steps = epochs * -(-n // 100)
model.compile(optimizer=keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(0.01, steps)))
history = model.fit(x, batch_size=100, epochs=epochs, verbose=0)
print("energy gap per epoch:", np.round(history.history["loss"], 3))
print(f"acceptance {history.history['acceptance_rate'][-1]:.2f}, step size {history.history['step_size'][-1]:.3f}")

# %% [markdown]
# Fresh chains from broad noise, 300 HMC moves each, against held-out data; and the data against itself.

# %%
rng = np.random.default_rng(1234)
noise = (rng.normal(size=(1000, 2)) * 2 * x.std(0) + x.mean(0)).astype("float32")
samples = model.sample(noise, n_moves=300, seed=1234)
test, baseline = mmd_test(samples, held_out, seed=1234), mmd_test(reference, held_out, seed=1234)
print(f"MMD^2 samples vs data {test.mmd2:.5f} (p = {test.p_value:.3f}); data vs data {baseline.mmd2:.5f} "
      f"(p = {baseline.p_value:.3f})")

# %% [markdown]
# ## Data and samples
#
# Held-out data, the persistent chains at the end of training, and the fresh chains. `apps/ebm.py` writes this
# picture as `data_vs_samples.png`.

# %%
save_scatter_png([held_out, model.chains.numpy(), samples], OUT + "data_vs_samples.png",
                 titles=["data (held out)", "persistent chains", "fresh chains, 300 moves"])
Image(OUT + "data_vs_samples.png")

# %% [markdown]
# ## Results
#
# 2026-11-23 (bench/README.md); MMD^2 of 1000 fresh chains against 1000 held-out points, with the data-vs-data
# baseline (200 permutations):
#
# | run | command | samples vs data (p) | data vs data (p) |
# | --- | --- | --- | --- |
# | MLP energy, 2-D mixture, seed 1234 | `python apps/ebm.py` | -0.00069 (0.81) | -0.00034 (0.53) |
# | Gaussian-Bernoulli RBM, 7x7 pooled digits | `python apps/ebm.py --data digits --hidden 100 --n 5000 --epochs 30` | 0.0057 (0.005) | 0.0020 (0.005) |
#
# On the mixture the samples cannot be told from the data at the 5 % level; a p-value is itself a draw (seeds 1234, 1
# and 2 gave 0.81, 0.84 and 0.075, and this notebook's run, on other threads and versions, may land lower). On the pooled digits they can (p = 0.005), but
# their covariance error (0.27) is as small as that of exact block-Gibbs samples of the same RBM (0.30): the
# sampler is not the limit there, the model is.
#
# **References.** Deep Learning Tutorial, "Hybrid Monte-Carlo Sampling"; T. Tieleman, ICML 2008; A. Gretton,
# K. Borgwardt, M. Rasch, B. Schölkopf and A. Smola, "A kernel two-sample test", JMLR 2012.
