"""Training the RNN-RBM: the tutorial's recipe, or the paper's (RNN pretraining, Nesterov momentum, clipping,
early stopping on the validation split).

Recipes (`RECIPES`):

- "tutorial": rnnrbm.py as published: weights N(0, 0.01), plain SGD at 0.001, 200 epochs over chunks of 100
  frames, CD-15, no validation.
- "paper": what Boulanger-Lewandowski, Bengio & Vincent (ICML 2012, sec. 6) and Bengio, Boulanger-Lewandowski
  & Pascanu (2013, "Advances in optimizing recurrent networks") add to it: the RNN (Wvu, Wuu, bu, Wuv) and bv
  initialised from an RNN trained to predict the next frame with independent notes (`pretrain_frame_rnn`:
  exact cross-entropy, Adam where the paper used Hessian-free optimisation), so the RNN-RBM starts as that RNN
  with weak couplings W ~ N(0, 0.01); then SGD with Nesterov momentum and the gradient's norm clipped (the 2013
  paper's remedies for the RNN's exploding gradients); the epoch with the best validation frame accuracy kept,
  the start included. The paper's other initialisation, W, bv, bh from an RBM trained on all frames
  (`pretrain_frame_rbm`, `RnnRbmRecipe.rbm_epochs`), stays available but is off: combined with the pretrained
  RNN it started Nottingham 3 points lower on validation (bench/NOTES.md).

The paper recipe's numbers are ours, not the papers': chosen in short pilots on the training and validation
splits (bench/NOTES.md). RNN pretraining at Adam lr 0.003, up to 100 epochs, the best validation cross-entropy
kept (patience 10); then lr 0.0005 with momentum 0.9 (lr 0.003 first gained and then lost validation accuracy
on Nottingham), clipping at norm 10, patience 10.
"""

import dataclasses
import time

import keras
import numpy as np

from keras_dlt.models.boltzmann.frame_metrics import baseline_accuracies, choose_threshold, frame_accuracy_score
from keras_dlt.models.boltzmann.frame_rnn import FrameRNN
from keras_dlt.presets import RNNRBM_RECIPES, RnnRbmRecipe
from keras_dlt.training.logs import run_callbacks
from keras_dlt.optimizers import SGD

__all__ = ["RnnRbmRecipe", "RECIPES", "RnnRbmResult", "ValidationFrameAccuracy", "pretrain_frame_rbm", "pretrain_frame_rnn",
           "train_rnn_rbm", "evaluate_rnn_rbm", "closing_scores"]


RECIPES = RNNRBM_RECIPES  # by name: keras_dlt.presets (plain data, for the apps' --help)


class ValidationFrameAccuracy(keras.callbacks.Callback):
    """Puts the validation split's next-frame accuracy into the epoch's logs (`val_frame_accuracy`, with the
    threshold that reached it, `val_threshold`), so History, CSVLogger and `EarlyStopping` see it.

    The decision threshold is chosen on these frames (they are the validation split); predictions use
    `n_samples` chains of `n_steps` per frame, averaged after `burn_in` (`RnnRbm.frame_probabilities`), with a
    fixed seed, so epochs compare on equal terms. At most `max_frames` frames are used (whole sequences, in
    order) to bound its time.
    """

    def __init__(self, sequences, every=1, n_samples=4, max_frames=5000, seed=0, n_steps=400, burn_in=None):
        super().__init__()
        kept, total = [], 0
        for s in sequences:
            if kept and total + len(s) > max_frames:
                break
            kept.append(s)
            total += len(s)
        self.sequences, self.every, self.n_samples, self.seed = kept, every, n_samples, seed
        self.n_steps, self.burn_in = n_steps, burn_in
        self.seconds = 0.0

    def measure(self, model):
        """(threshold, validation frame accuracy) of `model` now."""
        start = time.perf_counter()
        probabilities = model.frame_probabilities(self.sequences, n_samples=self.n_samples, seed=self.seed,
                                                  n_steps=self.n_steps, burn_in=self.burn_in)
        self.seconds += time.perf_counter() - start
        return choose_threshold(probabilities, self.sequences)

    def on_epoch_end(self, epoch, logs=None):
        if logs is None or (epoch + 1) % self.every:
            return
        logs["val_threshold"], logs["val_frame_accuracy"] = self.measure(self.model)


def pretrain_frame_rbm(model, sequences, epochs=10, learning_rate=0.01, k=1, batch_size=100, seed=None,
                       verbose=0):
    """Trains an RBM with CD-k on all frames of `sequences` (order ignored) and copies its W, bv, bh into the
    RNN-RBM `model` (Boulanger-Lewandowski et al. 2012, sec. 6: the RBM part initialised from an RBM of frames).

    Returns:
        the pretraining's History.
    """
    from keras_dlt.models import RBM

    frames = np.concatenate([np.asarray(s, "float32") for s in sequences])
    with model.distribute_strategy.scope():  # under the RNN-RBM's tf.distribute strategy, if any
        rbm = RBM(n_hidden=model.n_hidden, k=k, persistent=False, seed=seed)
        rbm.compile(optimizer=SGD(learning_rate))
    history = rbm.fit(frames, batch_size=batch_size, epochs=epochs, shuffle=True, verbose=verbose)
    model.W.assign(rbm.rbm.kernel)
    model.bv.assign(rbm.rbm.visible_bias)
    model.bh.assign(rbm.rbm.hidden_bias)
    return history


def pretrain_frame_rnn(model, sequences, valid=None, epochs=20, learning_rate=0.003, batch_size=16, chunk_length=100,
                       patience=10, seed=None, verbose=0):
    """Trains the RNN of the RNN-RBM `model` as a next-frame predictor with independent notes and copies its
    weights in: u_t = tanh(bu + v_t Wvu + u_{t-1} Wuu), p(v_t,i = 1 | v_<t) = sigmoid(bv + u_{t-1} Wuv)_i.

    This is the RNN-RBM with the RBM's couplings switched off (W = 0), so its log-likelihood is exact and its
    gradient needs no sampling: cross-entropy by back-propagation through time over chunks of `chunk_length`
    frames, each from u_0 = 0 as the RNN-RBM trains. Boulanger-Lewandowski et al. (2012, sec. 6) start the
    RNN-RBM's recurrent weights from such a pretrained RNN; they trained it with Hessian-free optimisation,
    this uses Adam. With `valid`, the epoch of the best validation cross-entropy is kept (patience `patience`).
    Copies Wvu, Wuu, bu, Wuv and the visible bias bv (the RNN-RBM is then this RNN plus the RBM's couplings W,
    bh, which `pretrain_frame_rbm` sets); Wuh is left as it is. The gradient's global norm is clipped at 1.

    Returns:
        (History, the pretrained RNN's frame probabilities function: a list of sequences -> a list of
        p(v_t,i = 1 | v_<t) [T, n_visible], exact since the notes are independent given the past; with
        `logits=True`, their logits).
    """
    from keras_dlt.models.boltzmann.rnn_rbm import chunks

    model._check_sequences(sequences, "pretrain_frame_rnn")  # the RNN-RBM's own: piano-rolls [T, n_visible] of 0/1
    if valid:
        model._check_sequences(valid, "pretrain_frame_rnn (valid)")
    replicas = model.distribute_strategy.num_replicas_in_sync
    batch_size = -(-batch_size // replicas) * replicas  # equal shares per replica

    def rows(n):
        # Under a strategy with several replicas every batch is full (zero rows, of weight 0, fill the last):
        # Keras splits a short last batch unevenly and fails. One device takes the short batch as it is.
        return n if replicas == 1 else -(-n // batch_size) * batch_size

    def padded(seqs):
        pieces = chunks([np.asarray(s, "float32") for s in seqs], chunk_length)
        x = np.zeros((rows(len(pieces)), chunk_length, model.n_visible), "float32")
        mask = np.zeros((len(x), chunk_length), "float32")
        for i, piece in enumerate(pieces):
            x[i, :len(piece)], mask[i, :len(piece)] = piece, 1.0
        return x, x, mask  # inputs, targets (each frame predicted from the frames before it), real frames

    with model.distribute_strategy.scope():
        predictor = FrameRNN(model.n_visible, model.n_hidden_recurrent, seed=seed, name="frame_rnn")
        predictor.build()
        predictor.compile(optimizer=keras.optimizers.Adam(learning_rate, global_clipnorm=1.0),
                          loss=keras.losses.BinaryCrossentropy(from_logits=True))
    callbacks, validation_data = [], None
    if valid:
        validation_data = padded(valid)
        callbacks.append(keras.callbacks.EarlyStopping(patience=patience, restore_best_weights=True))
    x, y, w = padded(sequences)
    history = predictor.fit(x, y, sample_weight=w, batch_size=batch_size, epochs=epochs, shuffle=True,
                            validation_data=validation_data, callbacks=callbacks, verbose=verbose)
    kernel, recurrent, bias = predictor.rnn.get_weights()
    model.Wvu.assign(kernel)
    model.Wuu.assign(recurrent)
    model.bu.assign(bias)
    model.Wuv.assign(predictor.out.kernel)
    model.bv.assign(predictor.out.bias)

    def probabilities(seqs, logits=False):
        seqs = [np.asarray(s, "float32") for s in seqs]
        x = np.zeros((rows(len(seqs)), max(len(s) for s in seqs), model.n_visible), "float32")
        for i, s in enumerate(seqs):
            x[i, :len(s)] = s  # silence after the end changes no earlier frame (causal)
        z = predictor.predict(x, batch_size=batch_size, verbose=0)
        p = z.astype("float64") if logits else keras.ops.convert_to_numpy(keras.ops.sigmoid(z))
        return [p[i, :len(s)] for i, s in enumerate(seqs)]

    return history, probabilities


def initialise_rnn(model, seed=None):
    """Re-draws the RNN's weights at the scale of a trained RNN rather than the tutorial's N(0, 0.01): Glorot-uniform
    Wvu, Wuv, Wuh and an orthogonal Wuu (Saxe et al. 2014). With every RNN weight at 0.01 the RNN's gradients are
    products of tiny weights, and the frames' biases start almost independent of the past."""
    from keras_dlt.core.random import sub_seed

    for i, name in enumerate(("Wvu", "Wuv", "Wuh")):
        w = getattr(model, name)
        w.assign(keras.initializers.GlorotUniform(seed=sub_seed(seed, 20 + i))(w.shape))
    model.Wuu.assign(keras.initializers.Orthogonal(seed=sub_seed(seed, 23))(model.Wuu.shape))


@dataclasses.dataclass
class RnnRbmResult:
    """What `train_rnn_rbm` did: the recipe, per-epoch logs, the epoch kept, and seconds spent."""

    recipe: RnnRbmRecipe
    history: dict
    epochs_run: int
    best_epoch: int = None               # 1-based, when validated; 0: the start was better than every epoch
    best_valid_frame_accuracy: float = None
    start_valid_frame_accuracy: float = None  # after pretraining, before the RNN-RBM's own training
    pretraining_seconds: float = 0.0
    rnn_valid_frame_accuracy: float = None  # the pretrained RNN alone (exact marginals, its own threshold), on
    # the validation frames that early stopping measures (`ValidationFrameAccuracy.sequences`)
    rnn_probabilities: object = dataclasses.field(default=None, repr=False)  # that RNN's p(v_t | v_<t) function
    training_seconds: float = 0.0
    validation_seconds: float = 0.0
    interrupted: bool = False

    def record(self):
        """A JSON-ready dict (for `write_result`)."""
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "rnn_probabilities"}
        out["recipe"] = dataclasses.asdict(self.recipe)
        return out


def train_rnn_rbm(model, train, valid=None, recipe="tutorial", callbacks=(), seed=None, verbose=1, tensorboard=None,
                  predict_steps=400):
    """Trains `model` (an `RnnRbm`, compiled here) on `train` sequences with a recipe (a name or an
    `RnnRbmRecipe`). With `recipe.patience` and `valid`, the epoch with the best validation frame accuracy
    is kept (Keras' `EarlyStopping(restore_best_weights=True)`), or the model it started from (after pretraining;
    `best_epoch` 0) when no epoch beat that on validation. `callbacks` run after the validation measure;
    `tensorboard` names a folder for TensorBoard logs (the costs and the validation frame accuracy).
    `predict_steps`: Gibbs steps of each validation prediction chain (the first quarter burn-in).

    Returns:
        `RnnRbmResult`.
    """
    from keras_dlt.training.interrupt import StopOnInterrupt

    if isinstance(recipe, str):
        if recipe not in RECIPES:
            raise ValueError(f"train_rnn_rbm: unknown recipe {recipe!r}; choose one of {sorted(RECIPES)}.")
        recipe = RECIPES[recipe]
    result = RnnRbmResult(recipe=recipe, history={}, epochs_run=0)
    validation = None
    if valid and recipe.patience:
        validation = ValidationFrameAccuracy(valid, every=recipe.validate_every, seed=0 if seed is None else seed,
                                             n_steps=predict_steps)
    start = time.perf_counter()
    if recipe.rbm_epochs:
        if verbose:
            print(f"... pretraining the RBM on all {sum(len(s) for s in train)} training frames "
                  f"(CD-{recipe.rbm_k}, lr {recipe.rbm_learning_rate}, {recipe.rbm_epochs} epochs)", flush=True)
        pretrain_frame_rbm(model, train, recipe.rbm_epochs, recipe.rbm_learning_rate, recipe.rbm_k, seed=seed,
                           verbose=verbose)
    if recipe.rnn_init == "glorot":
        initialise_rnn(model, seed)
    if recipe.rnn_epochs:
        if verbose:
            print(f"... pretraining the RNN as a next-frame predictor of independent notes (Adam, lr "
                  f"{recipe.rnn_learning_rate}, up to {recipe.rnn_epochs} epochs"
                  f"{', early stopping on validation' if valid else ''})", flush=True)
        _, result.rnn_probabilities = pretrain_frame_rnn(model, train, valid, recipe.rnn_epochs, recipe.rnn_learning_rate,
                                                  chunk_length=recipe.chunk_length, seed=seed, verbose=verbose)
        if valid:  # on the frames the RNN-RBM's epochs are measured on, so the two compare
            frames = validation.sequences if validation is not None else valid
            _, result.rnn_valid_frame_accuracy = choose_threshold(result.rnn_probabilities(frames), frames)
            if verbose:
                repeat = baseline_accuracies(train, frames)["repeat_previous_frame"]
                print(f"... the pretrained RNN alone: frame accuracy {result.rnn_valid_frame_accuracy:.2%} on "
                      f"{sum(len(f) for f in frames)} validation frames (repeating the previous frame: {repeat:.2%})",
                      flush=True)
    result.pretraining_seconds = time.perf_counter() - start
    with model.distribute_strategy.scope():
        model.compile(optimizer=recipe.optimizer())
    extra = []
    if validation is not None:
        extra = [validation, keras.callbacks.EarlyStopping(
            monitor="val_frame_accuracy", mode="max", patience=recipe.patience, restore_best_weights=True,
            verbose=int(bool(verbose)))]
        # The model it starts from is a candidate too: after pretraining it may already be the best.
        _, result.start_valid_frame_accuracy = validation.measure(model)
        start_weights, start_measure_seconds = model.get_weights(), validation.seconds
        if verbose:
            print(f"... the RNN-RBM before its own training: frame accuracy {result.start_valid_frame_accuracy:.2%} "
                  f"on the same frames", flush=True)
    callbacks = list(callbacks)
    stop = next((c for c in callbacks if isinstance(c, StopOnInterrupt)), None)
    start = time.perf_counter()
    history = model.fit(model.training_dataset(train, chunk_length=recipe.chunk_length, seed=seed),
                        epochs=recipe.epochs, verbose=verbose, callbacks=run_callbacks(extra + callbacks, tensorboard))
    result.training_seconds = time.perf_counter() - start
    result.history = {k: [float(x) for x in v] for k, v in history.history.items()}
    result.epochs_run = len(history.epoch)
    result.interrupted = bool(stop and stop.interrupted)
    if validation is not None and "val_frame_accuracy" in result.history:
        accuracies = result.history["val_frame_accuracy"]
        best = int(np.argmax(accuracies))
        result.best_epoch = (best + 1) * recipe.validate_every
        result.best_valid_frame_accuracy = accuracies[best]
        if result.start_valid_frame_accuracy > result.best_valid_frame_accuracy:
            model.set_weights(start_weights)
            result.best_epoch, result.best_valid_frame_accuracy = 0, result.start_valid_frame_accuracy
            if verbose:
                print("... no epoch beat the RNN-RBM's start on validation: its start is kept", flush=True)
        result.validation_seconds = validation.seconds  # the start's measure included
        result.training_seconds -= validation.seconds - start_measure_seconds  # those within model.fit
    return result


def evaluate_rnn_rbm(model, train, valid, test, n_runs=10, n_betas=200, n_samples=4, seed=None, n_steps=400,
                     burn_in=None, pretrained_rnn=None):
    """The paper's evaluation of a trained RNN-RBM, beside the trivial predictors, as a dict.

    The decision threshold on p(v_t | v_<t) is chosen on `valid` (0.5 without one), never on `test`; the test
    frame accuracy is measured at it (predictions: `n_samples` chains of `n_steps` per frame, averaged after
    `burn_in`, default a quarter: `RnnRbm.frame_probabilities`); the log-likelihood per frame is AIS's
    (`RnnRbm.frame_log_likelihoods`, `n_runs` x `n_betas`) with the standard error of its mean over the test
    frames; the baselines are those of `frame_metrics.baseline_accuracies` on the same test frames.
    `pretrained_rnn` (`RnnRbmResult.rnn_probabilities`): the RNN the model started from is scored beside it
    (`test_frame_accuracy_pretrained_rnn`, its own threshold chosen on `valid`; its exact log-likelihood,
    `test_log_likelihood_per_frame_pretrained_rnn`), to show what the RBM adds.
    """
    start = time.perf_counter()
    burn_in = n_steps // 4 if burn_in is None else burn_in
    out = {"threshold": 0.5}
    if valid:
        out["threshold"], out["valid_frame_accuracy"] = choose_threshold(
            model.frame_probabilities(valid, n_samples=n_samples, seed=seed, n_steps=n_steps, burn_in=burn_in), valid)
    out["test_frame_accuracy"] = model.frame_accuracy(test, n_samples=n_samples, seed=seed, threshold=out["threshold"],
                                                      n_steps=n_steps, burn_in=burn_in)
    out["prediction_seconds"] = time.perf_counter() - start
    per_frame = model.frame_log_likelihoods(test, n_runs=n_runs, n_betas=n_betas, seed=seed)
    out["test_log_likelihood_per_frame"] = float(per_frame.mean())
    out["test_log_likelihood_standard_error"] = float(per_frame.std(ddof=1) / np.sqrt(len(per_frame)))
    out.update({"ais_runs": int(n_runs), "ais_betas": int(n_betas), "test_frames": int(len(per_frame)),
                "prediction_chains": int(n_samples), "prediction_steps": int(n_steps), "burn_in": int(burn_in)})
    out.update({f"test_frame_accuracy_{k}": v for k, v in baseline_accuracies(train, test).items()})
    if pretrained_rnn is not None:
        threshold = choose_threshold(pretrained_rnn(valid), valid)[0] if valid else 0.5
        v, z = np.concatenate([np.asarray(s) for s in test]), np.concatenate(pretrained_rnn(test, logits=True))
        out["test_frame_accuracy_pretrained_rnn"] = frame_accuracy_score(z > np.log(threshold / (1 - threshold)), v)
        # Exact: log p(v_t | v_<t) = sum_i v_i z_i - softplus(z_i), the notes independent given the past.
        out["test_log_likelihood_per_frame_pretrained_rnn"] = float(np.mean(np.sum(v * z - np.logaddexp(0, z), 1)))
    out["evaluation_seconds"] = time.perf_counter() - start
    return out


def closing_scores(scores):
    """`evaluate_rnn_rbm`'s numbers in one line, the model beside the baselines."""
    valid = (f", validation {scores['valid_frame_accuracy']:.2%}" if "valid_frame_accuracy" in scores else "")
    rnn = (f"; the pretrained RNN alone {scores['test_frame_accuracy_pretrained_rnn']:.2%}, log-likelihood "
           f"{scores['test_log_likelihood_per_frame_pretrained_rnn']:.2f} exactly"
           if "test_frame_accuracy_pretrained_rnn" in scores else "")
    return (f"test frame-level accuracy {scores['test_frame_accuracy']:.2%} at threshold {scores['threshold']}{valid} "
            f"(repeat the previous frame {scores['test_frame_accuracy_repeat_previous_frame']:.2%}, the most frequent "
            f"notes {scores['test_frame_accuracy_frequent_notes']:.2%}{rnn}); AIS log-likelihood per frame "
            f"{scores['test_log_likelihood_per_frame']:.2f} +- {scores['test_log_likelihood_standard_error']:.2f} nats "
            f"({scores['ais_runs']} runs, {scores['ais_betas']} temperatures); evaluation took "
            f"{scores['evaluation_seconds']:.0f} s")
