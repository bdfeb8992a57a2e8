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
# # Hybrid Monte Carlo with an adaptive step size
#
# To sample from $p(x) \propto e^{-E(x)}$ in many dimensions, random-walk proposals move slowly. Hybrid (or
# Hamiltonian) Monte Carlo (Duane et al., 1987; Neal, 2011) gives the position $x$ a momentum $p \sim
# \mathcal{N}(0, I)$ and simulates the Hamiltonian $H(x, p) = E(x) + \tfrac12 \lVert p \rVert^2$ with the
# *leapfrog* integrator, $n$ steps of size $\epsilon$:
#
# $$p \leftarrow p - \tfrac{\epsilon}{2}\nabla E(x), \qquad x \leftarrow x + \epsilon\, p, \qquad
#   p \leftarrow p - \tfrac{\epsilon}{2}\nabla E(x).$$
#
# The end point $(x', p')$ is accepted with probability $\min\big(1, e^{H(x, p) - H(x', p')}\big)$ (Metropolis),
# which corrects the integrator's error, so the chain leaves $p(x)$ invariant whatever $\epsilon$. Long moves
# guided by the gradient make HMC fast in many dimensions, *if* $\epsilon$ is right: too large and most moves are
# rejected, too small and they go nowhere. The tutorial adapts it while sampling: after each move the step
# size is multiplied by 1.02 if the running average of the acceptance rate is above the target 0.9, by 0.98
# otherwise, clipped to $[0.001, 0.25]$; the average is an exponential moving average with slowness 0.9.
#
# The tutorial's test: a 5-dimensional Gaussian with a random mean and covariance, 3 chains, 20 leapfrog steps,
# 1000 burn-in moves and 1000 samples. `FULL` does not apply here: the notebook runs the tutorial's settings
# (a few seconds).

# %%
import inspect
import os

import numpy as np
from IPython.display import Code, Image

from keras_dlt.plotting import save_traces_png
from keras_dlt.samplers import TUTORIAL_DEFAULTS, MovingAverageStepSizeAdaptation, sample, tutorial_gaussian

FULL = False  # the same run either way
OUT = "runs/hmc/"
os.makedirs(OUT, exist_ok=True)

# %% [markdown]
# ## In TensorFlow Probability
#
# In the API reference, with their source: [`MovingAverageStepSizeAdaptation`](../../api/samplers/#keras_dlt.samplers.MovingAverageStepSizeAdaptation), [`sample`](../../api/samplers/#keras_dlt.samplers.sample), [`HMCSampler`](../../api/samplers/#keras_dlt.samplers.HMCSampler).
#
# keras_dlt does not write its own HMC: the moves are `tfp.mcmc.HamiltonianMonteCarlo`, and the tutorial's
# adaptation is a TFP `TransitionKernel` that wraps it (TFP's own adaptations target a different rule):

# %%
Code(inspect.getsource(MovingAverageStepSizeAdaptation.one_step), language="python")

# %%
energy, mu, cov, x0 = tutorial_gaussian(dim=5, n_chains=3)  # E(x) = (x - mu)^T cov^-1 (x - mu) / 2
print("the tutorial's settings, the defaults:", TUTORIAL_DEFAULTS)
run = sample(energy, x0, num_results=1000, num_burnin=1000, seed=1234)
flat = run.samples.reshape(-1, 5)
np.set_printoptions(precision=3, suppress=True)
print("target mean   ", mu)
print("empirical mean", flat.mean(0))
print("largest covariance error", np.abs(np.cov(flat.T) - cov).max(), "of entries up to", np.abs(cov).max())
print(f"final step size {run.step_size[-1]:.3f}, acceptance {run.avg_acceptance_rate[-1]:.3f}")
print("effective sample size per dimension", run.ess, "of", flat.shape[0], "draws; R-hat", run.rhat)

# %% [markdown]
# The baseline for "the mean matches" is the Monte Carlo error itself: with the effective sample sizes above,
# the standard error of each mean is $\sigma_i / \sqrt{\mathrm{ESS}_i}$, and the empirical means should lie
# within a few of those of the target.

# %%
z = (flat.mean(0) - mu) / np.sqrt(np.diag(cov) / run.ess)
print("(empirical - target mean) / standard error:", z)

# %% [markdown]
# ## Traces
#
# Each dimension's draws (one line per chain) with the target mean dashed, and the adapted step size and the
# acceptance rate below; `apps/hmc.py` writes this picture as `traces.png`.

# %%
save_traces_png(run.samples, OUT + "traces.png", targets=mu, step_size=run.step_size,
                acceptance=run.avg_acceptance_rate, title="HMC on the tutorial's 5-d Gaussian")
Image(OUT + "traces.png")

# %% [markdown]
# ## Results
#
# `python apps/hmc.py` (or `keras-dlt hmc`), 2026-11-23 (bench/README.md): empirical mean [6.924 2.829 2.207
# 5.441 7.136] against the target [6.965 2.861 2.269 5.513 7.195]; final step size 0.50 (the app allows up to
# 0.5), acceptance 0.911; ESS 581-867 per dimension; R-hat 1.003-1.010. The tutorial prints the same comparison
# of target and empirical moments. `stepsize_jitter=0.5` (not the tutorial's) draws each move's step size within
# +-50 % of the adapted one, which gives about four times the effective samples per draw here.
#
# **References.** Deep Learning Tutorial, "Hybrid Monte-Carlo Sampling"; S. Duane, A. Kennedy, B. Pendleton and
# D. Roweth, "Hybrid Monte Carlo", Physics Letters B 1987; R. Neal, "MCMC using Hamiltonian dynamics", Handbook
# of Markov Chain Monte Carlo, 2011.
