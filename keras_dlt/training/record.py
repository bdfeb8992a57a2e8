"""The record of a run: a small result object per training function, and `result.json` in the run's folder."""

import dataclasses
import json
import os

__all__ = ["write_result", "as_dict"]


def as_dict(result):
    """A result dataclass (or dict) as a JSON-able dict."""
    return dataclasses.asdict(result) if dataclasses.is_dataclass(result) else dict(result)


def write_result(folder, result):
    """Writes a run's closing numbers as `result.json` in `folder` (a dict or result dataclass; numpy as floats).

    Written to a temporary file first and then renamed, so a kill mid-write never leaves a truncated file.
    """
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "result.json")
    text = json.dumps(as_dict(result), indent=2, default=float)
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.replace(path + ".tmp", path)
    return path
