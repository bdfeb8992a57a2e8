"""Prints and keeps the cost of each epoch, in the tutorials' words."""

import keras

__all__ = ["CostLog"]


class CostLog(keras.callbacks.Callback):
    """After each epoch, prints `template` filled with the epoch and `logs[monitor]`.

    Args:
        template: format string with `{epoch}` (1-based) and `{cost}`, and any other key of the epoch's
            logs (e.g. `{val_frame_accuracy:.2%}`). Default: the dA tutorial's "Training epoch {epoch}, cost
            {cost:.6f}".
        extra_template: appended to `template` on epochs whose logs hold every key it names (default none).
        monitor: log key. Default `"loss"`.
        verbose: False keeps the costs without printing.

    Attributes:
        costs: the cost of each epoch so far.
    """

    def __init__(self, template="Training epoch {epoch}, cost {cost:.6f}", monitor="loss", verbose=True,
                 extra_template=None):
        super().__init__()
        self.template, self.monitor, self.verbose, self.extra_template = template, monitor, verbose, extra_template
        self.costs = []

    def on_train_begin(self, logs=None):
        self.costs = []

    def get_state(self):
        """For `BackupAndResume`: the costs so far."""
        return {"costs": self.costs}, None

    def set_state(self, state, arrays=None):
        self.costs = list(state["costs"])

    def on_epoch_end(self, epoch, logs=None):
        self.costs.append(float(logs[self.monitor]))
        if self.verbose:
            fields = {**{k: v for k, v in logs.items() if isinstance(k, str)}, "epoch": epoch + 1, "cost": self.costs[-1]}
            line = self.template.format(**fields)
            if self.extra_template:
                try:
                    line += self.extra_template.format(**fields)
                except KeyError:  # not measured this epoch
                    pass
            print(line, flush=True)
