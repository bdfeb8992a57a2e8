"""Piano-roll corpora: folders of MIDI files, the polyphonic-music pickles, and the bundled JSB chorales.

The pickles of Boulanger-Lewandowski, Bengio & Vincent (2012) hold a dict
{"train", "valid", "test"} of lists of sequences, each a list of time steps,
each a list of the MIDI note numbers sounding. They are read through a
restricted unpickler (lists, dicts, ints and strings only: a crafted pickle is
refused, never run).
"""

import glob
import os
import warnings

import numpy as np

from keras_dlt.datasets.safe_pickle import safe_load
from keras_dlt.midi import DEFAULT_DT, DEFAULT_NOTE_RANGE, MidiReadError, _check_range, midi_to_piano_roll

__all__ = ["load_piano_rolls", "BUNDLED_JSB", "SPLITS"]

SPLITS = ("train", "valid", "test")
#: The JSB chorales in the pickle format (Bach, public domain; see `_bundled/JSB_CHORALES_ATTRIBUTION.txt`).
BUNDLED_JSB = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_bundled", "jsb_chorales.pickle")
_MIDI_EXTENSIONS = (".mid", ".midi", ".MID", ".MIDI")


def load_piano_rolls(path=None, note_range=DEFAULT_NOTE_RANGE, dt=DEFAULT_DT, verbose=True):
    """Loads piano-rolls [T, n_notes] (float32, 0/1) from a folder of MIDI files or a polyphonic-music pickle.

    Args:
        path: None or "jsb" (the bundled JSB chorales); a `.pickle`/`.pkl`
            file in Boulanger-Lewandowski et al.'s format; a folder with
            `train/`, `valid/`, `test/` subfolders of MIDI files; or one
            folder of MIDI files.
        note_range: (low, high) MIDI notes kept (columns = high - low).
            Default (21, 109): 88 keys.
        dt: seconds per frame when reading MIDI. Default 0.3. (The pickles
            are already sampled, one time step per frame.)
        verbose: warn about skipped files.

    Returns:
        A dict {"train", "valid", "test"} of lists of arrays (pickles and
        split folders), or a list of arrays (a plain folder).

    Raises:
        FileNotFoundError: `path` does not exist, or a folder has no MIDI files.
        ValueError: a pickle that is not in the expected format (named), or
            a folder where no file could be read.
        keras_dlt.datasets.UnsafePickleError: a pickle that asks for code.

    Unreadable or truncated MIDI files in a folder are skipped with a
    warning naming each file; the rest still load.
    """
    lo, hi = _check_range(note_range, dt, "load_piano_rolls")
    if path is None or path == "jsb":
        path = BUNDLED_JSB
    path = os.fspath(path)
    if os.path.isfile(path) and path.endswith(_MIDI_EXTENSIONS):
        return [midi_to_piano_roll(path, (lo, hi), dt)]  # one piece: a list of one roll, as a plain folder
    if os.path.isfile(path):
        return _load_pickle(path, lo, hi)
    if not os.path.isdir(path):
        raise FileNotFoundError(f"load_piano_rolls: no such file or folder: {path}")
    subfolders = [s for s in SPLITS if os.path.isdir(os.path.join(path, s))]
    if subfolders:
        return {s: _load_folder(os.path.join(path, s), (lo, hi), dt, verbose) if s in subfolders else []
                for s in SPLITS}
    return _load_folder(path, (lo, hi), dt, verbose)


def _load_folder(folder, note_range, dt, verbose):
    files = sorted(f for f in glob.glob(os.path.join(folder, "*")) if f.endswith(_MIDI_EXTENSIONS))
    if not files:
        raise FileNotFoundError(f"load_piano_rolls: no MIDI files (*.mid, *.midi) in {folder}")
    rolls, skipped = [], []
    for f in files:
        try:
            rolls.append(midi_to_piano_roll(f, note_range, dt))
        except MidiReadError as e:
            skipped.append(f)
            if verbose:
                warnings.warn(f"load_piano_rolls: skipping {e}", stacklevel=3)
    if not rolls:
        raise ValueError(f"load_piano_rolls: none of the {len(files)} MIDI files in {folder} could be read "
                         f"(first: {skipped[0]}).")
    if skipped and verbose:
        warnings.warn(f"load_piano_rolls: skipped {len(skipped)} of {len(files)} MIDI files in {folder}; "
                      f"read {len(rolls)}.", stacklevel=3)
    return rolls


def _load_pickle(path, lo, hi):
    with open(path, "rb") as f:
        data = safe_load(f, source=path, allowed=frozenset())
    if not isinstance(data, dict) or not set(SPLITS) <= set(data):
        raise ValueError(f"{path}: expected a dict with keys {SPLITS} (Boulanger-Lewandowski et al.'s format); "
                         f"got {type(data).__name__}" + (f" with keys {sorted(data)}" if isinstance(data, dict) else ""))
    out = {}
    for split in SPLITS:
        rolls = []
        for i, seq in enumerate(data[split]):
            if not isinstance(seq, (list, tuple)) or not seq:
                raise ValueError(f"{path}: {split}[{i}] must be a non-empty list of time steps.")
            roll = np.zeros((len(seq), hi - lo), "float32")
            for t, step in enumerate(seq):
                try:
                    values = np.asarray(step, "float64").reshape(-1)
                except (TypeError, ValueError):
                    raise ValueError(f"{path}: {split}[{i}][{t}] must be a list of MIDI note numbers; "
                                     f"got {step!r}") from None
                if not np.all(np.isfinite(values)) or np.any(values != np.round(values)):
                    raise ValueError(f"{path}: {split}[{i}][{t}] holds a note that is not a whole MIDI number: "
                                     f"{step!r}")
                notes = values.astype("int64")
                notes = notes[(notes >= lo) & (notes < hi)]
                roll[t, notes - lo] = 1.0
            rolls.append(roll)
        out[split] = rolls
    return out
