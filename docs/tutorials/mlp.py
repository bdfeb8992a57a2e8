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
# # The multilayer perceptron: one hidden layer
#
# Logistic regression draws straight boundaries between the classes in pixel space. A multilayer perceptron
# first maps the image through a *hidden layer* of nonlinear units, and classifies that representation:
#
# $$h(x) = \tanh(x W^{(1)} + b^{(1)}), \qquad P(Y = i \mid x) = \operatorname{softmax}_i\big(h(x) W^{(2)} + b^{(2)}\big).$$
#
# With enough hidden units such a network can approximate any continuous function of its input; in practice
# 500 tanh units already halve and halve again the logistic regression's error. It is trained by backpropagation
# (the chain rule, which `keras` applies for us) on the negative log-likelihood plus an L2 penalty that keeps
# the weights small:
#
# $$\mathcal{L} = -\frac{1}{|\mathcal{D}|}\sum_{(x,y)\in\mathcal{D}} \log P(Y = y \mid x)
#   + \lambda_2 \big(\lVert W^{(1)} \rVert^2 + \lVert W^{(2)} \rVert^2\big), \qquad \lambda_2 = 10^{-4}.$$
#
# **Initialisation matters** for tanh units: the tutorial draws $W^{(1)}$ uniformly in
# $\pm\sqrt{6 / (n_\text{in} + n_\text{out})}$ (Glorot & Bengio, 2010), so that activations and gradients keep
# their scale through the layers; for sigmoid units the interval is four times wider. The output layer starts
# at zero. The tutorial's settings: learning rate 0.01, minibatches of 20, up to 1000 epochs with early stopping.
#
# `FULL = False` uses the bundled MNIST sample and 5 epochs (about a minute); `FULL = True` the full MNIST and the
# tutorial's settings (hours on a laptop).

# %%
FULL = False

import inspect
import os

import numpy as np
from IPython.display import Code, Image

import keras
from keras_dlt.callbacks import PatienceEarlyStopping
from keras_dlt.datasets import load_mnist
from keras_dlt.initializers import TutorialUniform
from keras_dlt.models import MLP
from keras_dlt.plotting import filters_of, save_tiled_png

keras.utils.set_random_seed(1234)
(x_train, y_train), (x_valid, y_valid), (x_test, y_test) = load_mnist(None if FULL else "sample")
epochs = 1000 if FULL else 5
OUT = "runs/mlp/"
os.makedirs(OUT, exist_ok=True)

# %% [markdown]
# ## The model in Keras
#
# In the API reference, with their source: [`MLP`](../../api/models/#keras_dlt.models.MLP), [`TutorialUniform`](../../api/initializers/#keras_dlt.initializers.TutorialUniform).
#
# `MLP(hidden_units=(500,))` holds the hidden `Dense` layers (`model.hidden_layers`, tanh, with the tutorial's
# uniform initialiser `TutorialUniform`) and a logistic-regression output layer; `l2=1e-4` adds the penalty.
# The initialiser is the interval above:

# %%
Code(inspect.getsource(TutorialUniform.__call__), language="python")

# %% [markdown]
# Training: the tutorial's SGD (`compile()` with no arguments: learning rate 0.01), patience-based early
# stopping on the validation error, several minibatches per compiled call (`steps_per_execution`, a speed
# setting that does not change the result).

# %%
model = MLP(hidden_units=(500,), l2=1e-4, seed=1234)
model.compile(steps_per_execution=50)
stop = PatienceEarlyStopping(patience=10000, validation_data=(x_valid, y_valid), test_data=(x_test, y_test))
model.fit(x_train, y_train, batch_size=20, epochs=epochs, callbacks=[stop], verbose=0)
most_frequent = np.bincount(y_train).argmax()
print(f"best validation error {100 * stop.best_validation_error:.2f} %, test error {100 * stop.test_error:.2f} % "
      f"(most frequent class: {100 * np.mean(y_test != most_frequent):.2f} %)")

# %% [markdown]
# ## What the hidden units look at
#
# Each hidden unit's incoming weights, drawn as a 28 x 28 image: strokes and blobs, less readable than the
# logistic regression's templates because the output layer combines many of them. (`apps/mlp.py` writes this
# picture as `filters.png`.)

# %%
save_tiled_png(filters_of(model.hidden_layers[0].kernel.numpy())[:100], OUT + "filters.png", (28, 28), (10, 10))
Image(OUT + "filters.png")

# %% [markdown]
# ## Results
#
# Full MNIST, the tutorial's settings (`python apps/mlp.py --data ../shared/data/mnist/mnist.npz`, 2026-11-23;
# bench/README.md):
#
# | | best validation error | test error | epochs |
# | --- | --- | --- | --- |
# | keras_dlt | 1.68 % | **1.72 %** | 1000 (best at 713) |
# | the tutorial's printed run | | 1.65 % | 828 |
# | most frequent class | | 88.65 % | |
#
# From the command line: `keras-dlt mlp --data sample --epochs 5`.
#
# **References.** Deep Learning Tutorial, "Multilayer Perceptron"; X. Glorot and Y. Bengio, "Understanding the
# difficulty of training deep feedforward neural networks", AISTATS 2010.
