"""Next-frame accuracy of polyphonic music (Bay et al. 2009), and the trivial predictors every model must beat.

Accuracy = TP / (TP + FP + FN) summed over all frames and notes (Boulanger-Lewandowski et al. 2012 report it so).
The baselines predict each test frame from the same information a model has (the true past frames) or from the
training data alone:

- `repeat_previous_frame`: frame t is predicted to be frame t-1 (silence for the first frame);
- `frequent_notes`: every frame is predicted to hold the k notes most often sounding in the training frames,
  k = the training frames' mean number of notes, rounded.

`piece_statistics` describes pieces (generated or real) so that samples can be put beside their corpus.
"""

import numpy as np

__all__ = ["frame_accuracy_score", "repeat_previous_frame", "frequent_notes", "baseline_accuracies",
           "choose_threshold", "THRESHOLDS",
           "piece_statistics"]

#: The decision thresholds `choose_threshold` tries on the validation split.
THRESHOLDS = tuple(np.round(np.arange(0.05, 0.951, 0.05), 2))


def frame_accuracy_score(predicted, target):
    """Bay et al. (2009) frame-level accuracy: TP / (TP + FP + FN), summed over all frames and notes."""
    p, t = np.asarray(predicted) > 0.5, np.asarray(target) > 0.5
    tp = np.sum(p & t)
    denominator = tp + np.sum(p & ~t) + np.sum(~p & t)
    return float(tp / denominator) if denominator else 1.0


def repeat_previous_frame(sequences):
    """Each sequence's frames shifted by one (silence first): the repeat-previous-frame predictions, concatenated."""
    return np.concatenate([np.concatenate([np.zeros_like(s[:1]), s[:-1]]) for s in map(np.asarray, sequences)])


def frequent_notes(train_sequences, n_frames):
    """[n_frames, n_notes] predictions of the training frames' k most frequent notes (k: their mean count)."""
    frames = np.concatenate([np.asarray(s) for s in train_sequences])
    k = int(round(float(frames.sum(axis=1).mean())))
    top = np.argsort(-frames.sum(axis=0), kind="stable")[:k]
    prediction = np.zeros((n_frames, frames.shape[1]), frames.dtype)
    prediction[:, top] = 1
    return prediction


def baseline_accuracies(train_sequences, test_sequences):
    """{"repeat_previous_frame": accuracy, "frequent_notes": accuracy} on the test frames."""
    target = np.concatenate([np.asarray(s) for s in test_sequences])
    return {"repeat_previous_frame": frame_accuracy_score(repeat_previous_frame(test_sequences), target),
            "frequent_notes": frame_accuracy_score(frequent_notes(train_sequences, len(target)), target)}


def choose_threshold(probabilities, targets, thresholds=THRESHOLDS):
    """The threshold on p(v_t,i = 1 | v_<t) with the best frame accuracy on (validation) frames, and that accuracy.

    A fixed 0.5 on marginals that are calibrated but spread predicts almost nothing; the paper's models are
    evaluated with a decision rule, which must be chosen on the validation split, never on test.

    Args:
        probabilities, targets: [n_frames, n_notes] (or lists of such arrays, concatenated).
        thresholds: candidates (default `THRESHOLDS`: 0.05 to 0.95 by 0.05).

    Returns:
        (threshold, accuracy at it); ties go to the threshold nearest 0.5.
    """
    p = np.concatenate(probabilities) if isinstance(probabilities, (list, tuple)) else np.asarray(probabilities)
    t = np.concatenate(targets) if isinstance(targets, (list, tuple)) else np.asarray(targets)
    scored = [(frame_accuracy_score(p > th, t), -abs(th - 0.5), th) for th in thresholds]
    accuracy, _, threshold = max(scored)
    return float(threshold), accuracy


def piece_statistics(sequences, lowest_note=21):
    """What a corpus or a set of generated pieces sounds like, in numbers comparable between the two.

    Args:
        sequences: piano-rolls [T, n_notes] (a list, or one array [T, n_notes] or [n, T, n_notes]).
        lowest_note: MIDI note of column 0 (21, the piano's A0, for the 88-key rolls).

    Returns:
        dict: `notes_per_frame` (mean notes sounding per frame), `silent_frames` (fraction with none),
        `lowest` / `highest` (MIDI notes of the 1st and 99th percentile of the sounding notes, robust to a stray
        note; None if nothing sounds), `repeated_frames` (fraction of frames equal to the one before, within
        each piece), `frames` (their number).
    """
    if isinstance(sequences, np.ndarray):
        sequences = [sequences] if sequences.ndim == 2 else list(sequences)
    rolls = [np.asarray(s) > 0.5 for s in sequences]
    if not rolls or any(r.ndim != 2 for r in rolls):
        raise ValueError("piece_statistics: need piano-rolls [T, n_notes].")
    frames = np.concatenate(rolls)
    counts = frames.sum(axis=0)
    notes = np.repeat(np.arange(frames.shape[1]), counts)
    repeats = sum(int(np.all(r[1:] == r[:-1], axis=1).sum()) for r in rolls)
    pairs = sum(max(len(r) - 1, 0) for r in rolls)
    return {"frames": int(len(frames)), "notes_per_frame": float(frames.sum(axis=1).mean()),
            "silent_frames": float(np.mean(~frames.any(axis=1))),
            "lowest": int(lowest_note + np.percentile(notes, 1, method="nearest")) if len(notes) else None,
            "highest": int(lowest_note + np.percentile(notes, 99, method="nearest")) if len(notes) else None,
            "repeated_frames": float(repeats / pairs) if pairs else 0.0}
