"""The best point of a run: the best value of a monitored number, where it was reached, and what was measured there.

One tracker for every "best validation point": the tutorials' patience rule (lowest error) and network3's log
(highest accuracy, where a tie counts as a new best, as his `>=`).
"""

import math

__all__ = ["BestPoint"]


class BestPoint:
    """The best `value` so far, its `step`, and `at_best` (e.g. the test score measured there).

    Args:
        mode: "min" (errors) or "max" (accuracies).
        ties: a value equal to the best is a new best (network3's `>=`). Default False.
    """

    def __init__(self, mode="min", ties=False):
        if mode not in ("min", "max"):
            raise ValueError(f'BestPoint: mode must be "min" or "max". Received: mode={mode!r}')
        self.mode, self.ties = mode, ties
        self.reset()

    def reset(self):
        self.value, self.step, self.at_best = None, None, None

    def is_better(self, value):
        """Whether `value` would be a new best."""
        if self.value is None:
            return not math.isnan(value)
        if value == self.value:
            return self.ties
        return value < self.value if self.mode == "min" else value > self.value

    def update(self, step, value):
        """Records `value` measured at `step`; True when it is the new best (then set `at_best` if you measure more)."""
        if not self.is_better(value):
            return False
        self.value, self.step, self.at_best = value, step, None
        return True

    def get_state(self):
        return {"value": self.value, "step": self.step, "at_best": self.at_best}

    def set_state(self, state):
        self.value, self.step, self.at_best = state["value"], state["step"], state["at_best"]
