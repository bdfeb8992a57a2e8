"""What network3 prints each epoch, and the best point it reports (`Network.SGD`'s log)."""

import keras

from keras_dlt.core.best import BestPoint

__all__ = ["Network3Log"]


class Network3Log(keras.callbacks.Callback):
    """Prints what network3 prints each epoch: the validation accuracy and, at a new best, the test accuracy."""

    def __init__(self, test_data=None, verbose=True, training_data=None):
        super().__init__()
        self.test_data = test_data
        self.training_data = training_data
        self.verbose = verbose
        self.best = BestPoint("max", ties=True)  # network3 keeps the latest of equal accuracies (its `>=`)
        self.records = []  # each epoch's logs

    @property
    def best_validation(self):
        return self.best.value

    @property
    def best_epoch(self):
        return self.best.step

    @property
    def best_test(self):
        return self.best.at_best

    def on_train_begin(self, logs=None):
        self.best.reset()
        self.records = []

    def get_state(self):
        """For `BackupAndResume`: the best point and the per-epoch records."""
        return {"best_validation": self.best_validation, "best_test": self.best_test, "best_epoch": self.best_epoch,
                "records": self.records}, None

    def set_state(self, state, arrays=None):
        self.best.set_state({"value": state["best_validation"], "step": state["best_epoch"],
                             "at_best": state["best_test"]})
        self.records = state["records"]

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        if self.training_data is not None:  # clean numbers: no dropout, no expansion
            cost, accuracy = self.model.evaluate(*self.training_data, batch_size=1000, verbose=0)
            logs.update({"train_cost": cost, "train_accuracy": accuracy})
        self.records.append({k: float(v) for k, v in logs.items()})
        if "val_accuracy" not in logs:
            return
        acc = float(logs["val_accuracy"])
        if self.verbose:
            print(f"Epoch {epoch}: validation accuracy {acc:.2%}", flush=True)
        if self.best.update(epoch, acc):
            if self.verbose:
                print("This is the best validation accuracy to date.", flush=True)
            if self.test_data is not None:
                self.best.at_best = self.model.accuracy(self.test_data)
                if self.verbose:
                    print(f"The corresponding test accuracy is {self.best_test:.2%}", flush=True)
        # Into the epoch's logs, so History, CSVLogger and TensorBoard see the run's best point too.
        logs["best_val_accuracy"] = self.best_validation
        if self.best_test is not None:
            logs["test_accuracy_at_best"] = self.best_test
