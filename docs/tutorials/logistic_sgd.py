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
# # Logistic regression: classifying digits with a linear model
#
# The first model of the Deep Learning Tutorials, and the output layer of every classifier after it. An image
# $x$ (784 pixel values in $[0, 1]$) is mapped to a probability for each of the ten digits by one affine map
# and a softmax:
#
# $$P(Y = i \mid x; W, b) = \operatorname{softmax}_i(xW + b) = \frac{e^{x W_{:,i} + b_i}}{\sum_j e^{x W_{:,j} + b_j}},
# \qquad y_\text{pred} = \arg\max_i P(Y = i \mid x).$$
#
# Training maximises the log-likelihood of the labels, that is minimises the negative log-likelihood over a
# minibatch $\mathcal{D}$,
#
# $$\ell(W, b; \mathcal{D}) = -\frac{1}{|\mathcal{D}|}\sum_{(x, y) \in \mathcal{D}} \log P(Y = y \mid x; W, b),$$
#
# by stochastic gradient descent, $W \leftarrow W - \eta\, \partial \ell / \partial W$ (learning rate
# $\eta = 0.13$, minibatches of 600). What the tutorial cares about is the *zero-one error*, the fraction of
# misclassified digits, measured on a validation set to decide when to stop: training goes on while the
# validation error keeps improving, and stops once `patience` minibatches have passed without a significant
# improvement (each improvement by more than 0.5 % extends the patience).
#
# **Run it.** With `FULL = False` this notebook uses the MNIST sample bundled with keras_dlt (8,334 training,
# 1,666 validation and 2,000 test digits) and a few epochs: about a minute on a laptop. `FULL = True` loads
# the full MNIST (50,000 / 10,000 / 10,000; from `$KERAS_DLT_DATA`, Keras' cache or a download) with the
# tutorial's settings.

# %%
FULL = False

import inspect
import os

import numpy as np
from IPython.display import Code, Image

import keras
from keras_dlt.callbacks import PatienceEarlyStopping
from keras_dlt.datasets import load_mnist
from keras_dlt.models import LogisticRegression
from keras_dlt.plotting import filters_of, save_tiled_png

keras.utils.set_random_seed(1234)  # the package's seed policy: one seed for Python, NumPy and TensorFlow
(x_train, y_train), (x_valid, y_valid), (x_test, y_test) = load_mnist(None if FULL else "sample")
epochs = 1000 if FULL else 10
OUT = "runs/logistic_sgd/"  # the pictures this notebook draws
os.makedirs(OUT, exist_ok=True)
print(x_train.shape, x_valid.shape, x_test.shape)

# %% [markdown]
# ## The model in Keras
#
# In the API reference, with their source: [`LogisticRegression`](../../api/models/#keras_dlt.models.LogisticRegression), [`PatienceEarlyStopping`](../../api/callbacks/#keras_dlt.callbacks.PatienceEarlyStopping).
#
# `LogisticRegression` is a `keras.Model` holding one `Dense` layer (the weights $W$, $b$, started at zero as
# in the tutorial). Its `call` is the first equation; `compile()` with no arguments gives the tutorial's plain
# SGD at $\eta = 0.13$, the negative log-likelihood as the loss (computed from the logits behind the softmax,
# so it stays finite when a probability underflows) and the zero-one error as a metric.

# %%
Code(inspect.getsource(LogisticRegression.call), language="python")

# %% [markdown]
# `PatienceEarlyStopping` is the tutorial's early-stopping rule as a Keras callback: it evaluates the
# validation error every `validation_frequency` minibatches (by default once an epoch, or after `patience / 2`
# minibatches if sooner), keeps the best weights, and at the end restores them and measures the test error.

# %%
model = LogisticRegression()
model.compile()
stop = PatienceEarlyStopping(patience=5000, validation_data=(x_valid, y_valid), test_data=(x_test, y_test))
history = model.fit(x_train, y_train, batch_size=600, epochs=epochs, callbacks=[stop], verbose=0)
print(f"best validation error {100 * stop.best_validation_error:.2f} %, test error there "
      f"{100 * stop.test_error:.2f} %, after {len(history.epoch)} epochs")

# %% [markdown]
# A number needs its baseline: always predicting the most frequent training class gets this error on the
# same test digits.

# %%
most_frequent = np.bincount(y_train).argmax()
print(f"most frequent class ({most_frequent}) everywhere: {100 * np.mean(y_test != most_frequent):.2f} % test error")

# %% [markdown]
# ## What the model learned
#
# Each column $W_{:,i}$ scores how much every pixel speaks for digit $i$; drawn as a 28 x 28 image (scaled to
# $[0, 1]$, light = positive) it looks like a blurred template of the digit. The app `apps/logistic_sgd.py`
# writes the same picture to `filters.png`.

# %%
save_tiled_png(filters_of(model.classifier.kernel.numpy()), OUT + "filters.png", (28, 28), (1, 10), scale=3)
Image(OUT + "filters.png")

# %% [markdown]
# ## Results
#
# On the full MNIST with the tutorial's settings (`python apps/logistic_sgd.py --data
# ../shared/data/mnist/mnist.npz`, 2026-11-23; bench/README.md):
#
# | | best validation error | test error | epochs |
# | --- | --- | --- | --- |
# | keras_dlt | 7.09 % | **7.57 %** | 172 (patience) |
# | the tutorial's printed run | | 7.489 % | 75 |
# | most frequent class | | 88.65 % | |
#
# The same run from the command line: `keras-dlt logistic --data sample --epochs 10` (the bundled sample)
# or without `--data` for the full MNIST; it writes `filters.png`, `logistic_sgd.keras`, a SavedModel,
# `history.csv` and `result.json` under `runs/logistic_sgd`.
#
# **Reference.** Deep Learning Tutorial, "Classifying MNIST digits using Logistic Regression" (LISA lab, 2014).
