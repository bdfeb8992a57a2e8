"""Callbacks: the tutorial's patience rule iteration by iteration, LR decay, pictures."""

import os

import keras
import numpy as np
import pytest

from keras_dlt.callbacks import FilterPictures, HalveOnPlateau, PatienceEarlyStopping, PatienceRule, inverse_time_decay
from keras_dlt.models import LogisticRegression


def tutorial_loop(errors, n_train_batches, n_epochs, patience, patience_increase=2, improvement_threshold=0.995):
    """The tutorial's training loop (logistic_sgd.py), without the training.

    Returns the validations [(iter, error, patience after)], the best
    (error, iter), and the number of minibatch iterations run.
    """
    errors = iter(errors)
    validation_frequency = min(n_train_batches, patience // 2)
    best_validation_loss, best_iter = np.inf, None
    trace, ran = [], 0
    done_looping, epoch = False, 0
    while (epoch < n_epochs) and (not done_looping):
        epoch = epoch + 1
        for minibatch_index in range(n_train_batches):
            ran += 1
            it = (epoch - 1) * n_train_batches + minibatch_index
            if (it + 1) % validation_frequency == 0:
                this_validation_loss = next(errors)
                if this_validation_loss < best_validation_loss:
                    if this_validation_loss < best_validation_loss * improvement_threshold:
                        patience = max(patience, it * patience_increase)
                    best_validation_loss = this_validation_loss
                    best_iter = it
                trace.append((it, this_validation_loss, patience))
            if patience <= it:
                done_looping = True
                break
    return trace, (best_validation_loss, best_iter), ran


class Scripted(PatienceEarlyStopping):
    """Validation errors from a script; remembers the weights at each validation."""

    def __init__(self, script, **kw):
        super().__init__(validation_data=("unused", "unused"), test_data=("unused", "unused"), verbose=0, **kw)
        self.script = list(script)
        self.trace, self.weights_at = [], []

    def _validation_error(self):
        e = self.script[len(self.weights_at)]
        self.weights_at.append(self.model.get_weights())
        return e

    def _test_error(self):
        return 1.0 + len(self.weights_at)  # identifies the validation it came from

    def _validate(self, iteration, error):
        super()._validate(iteration, error)
        self.trace.append((iteration, error, self.rule.patience))


class CountBatches(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.n = 0

    def on_train_batch_end(self, batch, logs=None):
        self.n += 1


SCRIPTS = {
    # improves significantly, then by less than the threshold, then plateaus
    "plateau": [0.5, 0.4, 0.3, 0.2995, 0.299, 0.31, 0.32, 0.33] + [0.35] * 40,
    # keeps improving: patience keeps growing until epochs run out
    "improving": list(np.linspace(0.5, 0.1, 48)),
    "worse_first": [0.3, 0.31, 0.32, 0.2, 0.25] + [0.3] * 43,
}


@pytest.mark.parametrize("script", list(SCRIPTS))
@pytest.mark.parametrize("patience,n_batches", [(30, 10), (8, 10), (25, 5)])
def test_patience_matches_the_tutorial_loop(script, patience, n_batches, small):
    (x, y), _, _ = small
    batch_size, n_epochs = 4, 12
    x, y = x[: n_batches * batch_size], y[: n_batches * batch_size]
    errors = SCRIPTS[script]
    ref_trace, (ref_best, ref_best_iter), ref_ran = tutorial_loop(errors, n_batches, n_epochs, patience)

    model = LogisticRegression()
    model.compile()
    cb, counter = Scripted(errors, patience=patience), CountBatches()
    model.fit(x, y, batch_size=batch_size, epochs=n_epochs, shuffle=False, verbose=0, callbacks=[cb, counter])

    assert cb.trace == ref_trace  # (iteration, error, patience) at every validation
    assert counter.n == ref_ran  # stopped after the same minibatch
    assert (cb.best_validation_error, cb.best_iteration) == (ref_best, ref_best_iter)
    k = [t[0] for t in ref_trace].index(ref_best_iter)
    assert cb.test_error == 1.0 + k + 1  # test error measured at the best validation point
    for got, want in zip(model.get_weights(), cb.weights_at[k]):  # best weights restored
        np.testing.assert_array_equal(got, want)


def test_patience_rule_unit():
    rule = PatienceRule(patience=100, patience_increase=2, improvement_threshold=0.9)
    assert rule.validation_frequency(300) == 50 and rule.validation_frequency(20) == 20
    assert rule.update(60, 0.5) and rule.patience == 120
    assert rule.update(80, 0.46) and rule.patience == 120  # better, but not by 10 %: no increase
    assert not rule.update(90, 0.47)
    assert not rule.should_stop(119) and rule.should_stop(120)
    with pytest.raises(ValueError, match="improvement_threshold"):
        PatienceRule(improvement_threshold=1.5)


def test_epoch_end_mode_reads_val_error(small):
    (x, y), (xv, yv), _ = small
    model = LogisticRegression()
    model.compile()
    cb = PatienceEarlyStopping(patience=10_000, verbose=0)
    hist = model.fit(x, y, batch_size=40, epochs=3, validation_data=(xv, yv), verbose=0, callbacks=[cb])
    assert [it for it, _ in cb.history] == [9, 19, 29]
    assert cb.best_validation_error == min(hist.history["val_error"])
    with pytest.raises(KeyError, match="no 'val_error' in the logs"):
        m = LogisticRegression()
        m.compile()
        m.fit(x, y, epochs=1, verbose=0, callbacks=[PatienceEarlyStopping(verbose=0)])


def test_real_validation_and_test_errors(small):
    (x, y), (xv, yv), (xt, yt) = small
    keras.utils.set_random_seed(0)  # fit's shuffle: otherwise the order depends on the tests run before
    model = LogisticRegression()
    model.compile()
    cb = PatienceEarlyStopping(patience=10_000, validation_data=(xv, yv), test_data=(xt, yt), verbose=0)
    model.fit(x, y, batch_size=20, epochs=2, verbose=0, callbacks=[cb])
    p = model.predict(xt, verbose=0)
    # The best weights are restored at the end, so the model now is the one the test error was measured on.
    assert cb.test_error == pytest.approx(np.mean(p.argmax(1) != yt))
    assert cb.best_validation_error == pytest.approx(np.mean(model.predict(xv, verbose=0).argmax(1) != yv))
    assert cb.best_validation_error == min(e for _, e in cb.history)
    # Chance is 0.9; two epochs on these 400 digits reach 0.21-0.24 over seeds 0-5 (0.28 seen with other shuffles).
    assert 0.0 <= cb.best_validation_error < 0.4


def test_the_patience_callbacks_errors_reach_history_and_csv_logger(small, tmp_path):
    (x, y), (xv, yv), (xt, yt) = small
    model = LogisticRegression()
    model.compile()
    cb = PatienceEarlyStopping(patience=10_000, validation_data=(xv, yv), test_data=(xt, yt), verbose=0,
                               validation_frequency=7)
    csv = tmp_path / "history.csv"
    history = model.fit(x, y, batch_size=20, epochs=2, verbose=0,
                        callbacks=[cb, keras.callbacks.CSVLogger(str(csv))])
    n = len(x) // 20
    last_per_epoch = [[e for i, e in cb.history if i // n == epoch][-1] for epoch in range(2)]
    assert history.history["val_error"] == pytest.approx(last_per_epoch)
    assert history.history["best_val_error"][-1] == pytest.approx(cb.best_validation_error)
    assert history.history["test_error"][-1] == pytest.approx(cb.test_error)
    rows = csv.read_text().splitlines()
    header = rows[0].split(",")
    assert {"val_error", "best_val_error", "test_error"} <= set(header)
    assert float(rows[2].split(",")[header.index("val_error")]) == pytest.approx(last_per_epoch[1])


class ScriptLogs(keras.callbacks.Callback):
    def __init__(self, values):
        super().__init__()
        self.values, self.lrs = values, []

    def on_epoch_end(self, epoch, logs=None):
        logs["val_error"] = self.values[epoch]
        self.lrs.append(float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate)))


def test_halve_on_plateau_down_to_floor_then_stop(small):
    (x, y), _, _ = small
    model = LogisticRegression()
    model.compile(optimizer=keras.optimizers.SGD(0.1))
    script = ScriptLogs([0.5, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4])
    halve = HalveOnPlateau(patience=2, min_fraction=4)
    model.fit(x, y, batch_size=100, epochs=10, verbose=0, callbacks=[script, halve])
    # lr seen at the end of each epoch (before that epoch's reduction): best at epoch 1, then
    # 2 epochs without improvement -> 0.05, 2 more -> 0.025 (= 0.1/4), 2 more at the floor -> stop.
    assert script.lrs == pytest.approx([0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.025, 0.025])
    assert halve.stopped_epoch == 7
    assert float(model.optimizer.learning_rate) == pytest.approx(0.025)


def test_inverse_time_decay_per_epoch(small):
    (x, y), _, _ = small
    model = LogisticRegression()
    model.compile()
    seen = []
    probe = keras.callbacks.LambdaCallback(
        on_epoch_begin=lambda e, logs: seen.append(float(keras.ops.convert_to_numpy(model.optimizer.learning_rate)))
    )
    model.fit(x, y, batch_size=100, epochs=4, verbose=0, callbacks=[inverse_time_decay(0.2, 0.5), probe])
    assert seen == pytest.approx([0.2 / (1 + 0.5 * e) for e in range(4)])
    with pytest.raises(ValueError, match="decay must be >= 0"):
        inverse_time_decay(0.1, -1)


def test_filter_pictures_every_n_epochs(small, tmp_path):
    (x, y), _, _ = small
    model = LogisticRegression()
    model.compile()
    pics = FilterPictures(model.classifier, tmp_path, every=2)
    model.fit(x, y, batch_size=100, epochs=5, verbose=0, callbacks=[pics])
    assert sorted(os.listdir(tmp_path)) == ["filters_at_epoch_2.png", "filters_at_epoch_4.png"]
    with pytest.raises(ValueError, match="every must be >= 1"):
        FilterPictures("x", tmp_path, every=0)


def test_ctrl_c_stops_fit_after_the_step_and_a_second_one_aborts():
    import signal

    from keras_dlt.callbacks import StopOnInterrupt

    class PressCtrlC(keras.callbacks.Callback):
        def __init__(self, at, times=1):
            super().__init__()
            self.at, self.times, self.steps = at, times, 0

        def on_train_batch_end(self, batch, logs=None):
            self.steps += 1
            if self.steps == self.at:
                for _ in range(self.times):
                    os.kill(os.getpid(), signal.SIGINT)

    x = np.random.default_rng(0).normal(size=(200, 4)).astype("float32")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    # As in a terminal (a background job, e.g. a CI script run with &, inherits SIGINT ignored).
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        stop, press = StopOnInterrupt(message=None), PressCtrlC(at=3)
        history = model.fit(x, x[:, :1], batch_size=10, epochs=5, verbose=0, callbacks=[press, stop])
        assert stop.interrupted and press.steps == 3 and len(history.epoch) == 1  # stopped in epoch 1, after step 3
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # handler given back
        # Without Ctrl+C nothing changes; a second Ctrl+C in a row aborts with KeyboardInterrupt as usual.
        quiet = StopOnInterrupt(message=None)
        assert len(model.fit(x, x[:, :1], batch_size=10, epochs=2, verbose=0, callbacks=[quiet]).epoch) == 2
        assert not quiet.interrupted
        with pytest.raises(KeyboardInterrupt):
            model.fit(x, x[:, :1], batch_size=10, epochs=5, verbose=0,
                      callbacks=[PressCtrlC(at=2, times=2), StopOnInterrupt(None)])
        # A process told to ignore SIGINT keeps ignoring it.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        ignored, press = StopOnInterrupt(message=None), PressCtrlC(at=2)
        assert len(model.fit(x, x[:, :1], batch_size=10, epochs=2, verbose=0, callbacks=[press, ignored]).epoch) == 2
        assert not ignored.interrupted and signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, before)


def test_a_run_killed_mid_way_resumes_from_its_backup_to_the_same_end(tmp_path):
    """A crash at epoch 3, then the same command again: same best point, test error and final weights as one
    uninterrupted run (fixed minibatch order, plain SGD), although the second process starts from other weights."""
    from keras_dlt.callbacks import BackupAndResume

    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 20)).astype("float32")
    y = (x[:, :3].sum(1) > 0).astype("int64") + (x[:, 3] > 1)
    xv, yv, xt, yt = x[:100] + 0.3, y[:100], x[100:200] - 0.3, y[100:200]

    class Crash(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 3:
                raise RuntimeError("killed")

    def run(backup_dir, seed, crash=False, config=None):
        keras.utils.set_random_seed(seed)
        model = keras.Sequential([keras.Input((20,)), keras.layers.Dense(16, activation="tanh"),
                                  keras.layers.Dense(3, activation="softmax")])
        model.compile(optimizer=keras.optimizers.SGD(0.05), loss="sparse_categorical_crossentropy")
        stop = PatienceEarlyStopping(patience=20, validation_data=(xv, yv), test_data=(xt, yt), verbose=0)
        backup = BackupAndResume(str(backup_dir), callbacks=[stop], config=config or {"lr": 0.05}, verbose=0)
        model.fit(x, y, batch_size=20, epochs=12, shuffle=False, verbose=0,
                  callbacks=[stop, backup] + ([Crash()] if crash else []))
        return model, stop, backup

    whole, stop_whole, _ = run(tmp_path / "a", seed=1)
    with pytest.raises(RuntimeError, match="killed"):
        run(tmp_path / "b", seed=1, crash=True)
    assert BackupAndResume(str(tmp_path / "b")).saved_epoch() == 3
    # Another run's settings are refused, the difference named; the backup stays.
    with pytest.raises(ValueError, match=r"another run \(lr: 0.05, now 0.1\)"):
        run(tmp_path / "b", seed=2, config={"lr": 0.1})
    resumed, stop_resumed, backup = run(tmp_path / "b", seed=2)  # other initial weights: the backup's must win
    assert backup.resumed_epoch == 3
    assert stop_resumed.best_iteration == stop_whole.best_iteration is not None
    assert stop_resumed.best_validation_error == stop_whole.best_validation_error
    assert stop_resumed.test_error == stop_whole.test_error
    assert stop_resumed.history == stop_whole.history  # validations before the crash included
    assert stop_resumed.stopped_iteration == stop_whole.stopped_iteration
    for a, b in zip(whole.get_weights(), resumed.get_weights()):  # the best weights, restored at the end
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    backup.discard()
    assert not os.path.exists(tmp_path / "b")


def test_backup_refuses_callbacks_it_cannot_save():
    from keras_dlt.callbacks import BackupAndResume

    with pytest.raises(TypeError, match="CSVLogger has no get_state"):
        BackupAndResume("x", callbacks=[keras.callbacks.CSVLogger("h.csv")])


def test_an_unreadable_backup_file_is_named_with_the_folder_to_delete(tmp_path):
    from keras_dlt.callbacks import BackupAndResume
    from keras_dlt.training import RunBackup

    backup = RunBackup(str(tmp_path), config={"lr": 0.1})
    backup.finish("layer_0", costs=[1.0])
    assert backup.finished("layer_0")["costs"] == [1.0]
    with pytest.raises(ValueError, match=r"layer_0.done.json was made by a run with other settings \(lr: 0.1, now 0.2\)"):
        RunBackup(str(tmp_path), config={"lr": 0.2}).finished("layer_0")
    (tmp_path / "layer_0.done.json").write_text('{"run": {"lr"')  # cut short
    with pytest.raises(ValueError, match=r"layer_0.done.json is not readable JSON .*; delete .* to start over"):
        backup.finished("layer_0")
    (tmp_path / "training_metadata.json").write_text("{")
    with pytest.raises(ValueError, match=r"training_metadata.json is not readable JSON"):
        BackupAndResume(str(tmp_path)).saved_epoch()


def test_discarding_a_backup_deletes_only_what_it_wrote(tmp_path):
    """A finished run removes its own files; a file the user put in the backup folder stays, with its folder."""
    from keras_dlt.training import RunBackup

    backup = RunBackup(str(tmp_path / "backup"), config={"lr": 0.1})
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    backup.finish("layer_0", weights_of=model, costs=[1.0])
    os.makedirs(tmp_path / "backup" / "training")
    (tmp_path / "backup" / "training" / "training_metadata.json").write_text('{"epoch": 1}')
    (tmp_path / "backup" / "notes.txt").write_text("mine")
    os.makedirs(tmp_path / "backup" / "my_folder")  # empty, and not a backup: it stays too
    backup.discard()
    assert sorted(os.listdir(tmp_path / "backup")) == ["my_folder", "notes.txt"]
    os.remove(tmp_path / "backup" / "notes.txt")
    os.rmdir(tmp_path / "backup" / "my_folder")
    backup.finish("layer_0", costs=[1.0])
    backup.discard()
    assert not os.path.exists(tmp_path / "backup")


def test_a_damaged_or_partial_backup_is_refused_naming_the_file(tmp_path):
    """A backup missing its weights, or with a truncated weights file, is not resumed from: the error names both."""
    from keras_dlt.callbacks import BackupAndResume, PatienceEarlyStopping
    from keras_dlt.models import LogisticRegression

    rng = np.random.default_rng(0)
    x, y = rng.uniform(size=(40, 784)).astype("float32"), rng.integers(0, 10, 40)

    def fit(folder):
        model = LogisticRegression()
        model.compile()
        stop = PatienceEarlyStopping(patience=1000, validation_data=(x, y), verbose=0)
        backup = BackupAndResume(str(folder), callbacks=[stop], config={"lr": 0.13}, verbose=0)
        model.fit(x, y, batch_size=20, epochs=2, callbacks=[stop, backup], verbose=0)
        return backup

    backup = fit(tmp_path / "b")
    assert backup.check() == 2  # whole: it verifies
    weights = tmp_path / "b" / "latest.weights.h5"
    data = weights.read_bytes()
    weights.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"is damaged: .*latest.weights.h5 has \d+ bytes .*; delete .* to start over"):
        backup.check()
    with pytest.raises(ValueError, match="is damaged"):
        fit(tmp_path / "b")  # the same fit again does not train from fresh weights pretending to resume
    os.remove(weights)
    with pytest.raises(ValueError, match=r"is incomplete: .*latest.weights.h5 is missing"):
        backup.check()
    backup.discard()
    assert not os.path.exists(tmp_path / "b")


def test_a_finished_parts_weights_are_verified_and_a_users_weights_file_is_kept(tmp_path):
    from keras_dlt.training import RunBackup

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    backup = RunBackup(str(tmp_path / "b"), config={"lr": 0.1})
    backup.finish("layer_0", weights_of=model, costs=[1.0])
    (tmp_path / "b" / "mine.weights.h5").write_bytes(b"user's")  # looks like ours by name, is not
    weights = tmp_path / "b" / "layer_0.weights.h5"
    data = weights.read_bytes()
    middle = len(data) // 2
    weights.write_bytes(data[:middle] + bytes(b ^ 0xFF for b in data[middle:middle + 8]) + data[middle + 8:])
    with pytest.raises(ValueError, match=r"layer_0.weights.h5: the weights of finished part 'layer_0' are damaged"):
        backup.finished("layer_0", load_into=model)
    backup.discard()
    assert os.listdir(tmp_path / "b") == ["mine.weights.h5"]


def test_a_kill_between_the_callbacks_state_and_kerass_files_still_resumes(tmp_path):
    """Our state is written first: a kill before Keras' weights leaves it one epoch ahead, which is not damage."""
    from keras_dlt.callbacks import BackupAndResume, PatienceEarlyStopping
    from keras_dlt.models import LogisticRegression

    rng = np.random.default_rng(0)
    x, y = rng.uniform(size=(40, 784)).astype("float32"), rng.integers(0, 10, 40)
    model = LogisticRegression()
    model.compile()
    stop = PatienceEarlyStopping(patience=1000, validation_data=(x, y), verbose=0)
    backup = BackupAndResume(str(tmp_path / "b"), callbacks=[stop], config={"lr": 0.13}, verbose=0)
    model.fit(x, y, batch_size=20, epochs=2, callbacks=[stop, backup], verbose=0)
    backup._save_states(3)  # epoch 3's state written, then the kill: Keras' files and the manifest still say 2
    assert backup.check() == 2
    model.fit(x, y, batch_size=20, epochs=3, callbacks=[stop, backup], verbose=0)
    assert backup.resumed_epoch == 2 and backup.saved_epoch() == 3
