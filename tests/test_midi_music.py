"""MIDI <-> piano-roll with mido, and the music corpora loaders (issue 6)."""

import os
import pickle
import warnings

import mido
import numpy as np
import pytest

from conftest import SHARED_DATA
from keras_dlt.datasets import BUNDLED_JSB, UnsafePickleError, load_piano_rolls
from keras_dlt.midi import MidiReadError, midi_to_piano_roll, piano_roll_to_midi

JSB = os.path.join(SHARED_DATA, "music", "JSB Chorales.pickle")
NOTTINGHAM = os.path.join(SHARED_DATA, "music", "Nottingham")


def write_midi(path, tracks, ticks_per_beat=480, midi_type=1):
    """tracks: lists of (delta_ticks, message) pairs; meta messages allowed."""
    f = mido.MidiFile(type=midi_type, ticks_per_beat=ticks_per_beat)
    for events in tracks:
        track = mido.MidiTrack()
        for delta, msg in events:
            track.append(msg.copy(time=delta))
        f.tracks.append(track)
    f.save(path)
    return path


def on(note, vel=80, ch=0):
    return mido.Message("note_on", note=note, velocity=vel, channel=ch)


def off(note, ch=0):
    return mido.Message("note_off", note=note, velocity=0, channel=ch)


def test_round_trip_of_a_random_roll(tmp_path):
    rng = np.random.default_rng(0)
    roll = (rng.random((60, 88)) < 0.08).astype("float32")
    roll[-1, 40] = 1  # the last frame sounds, so the file's end is the roll's end
    path = piano_roll_to_midi(roll, tmp_path / "r.mid")
    back = midi_to_piano_roll(path)
    np.testing.assert_array_equal(back, roll)
    # Another frame length and a narrower range too.
    narrow = roll[:, 20:52]
    np.testing.assert_array_equal(
        midi_to_piano_roll(piano_roll_to_midi(narrow, tmp_path / "n.mid", (41, 73), 0.125), (41, 73), 0.125), narrow)


def test_tempo_change_two_tracks_velocity_zero_and_out_of_range(tmp_path):
    # 480 ticks per beat. Tempo 0.5 s/beat for the first beat, then 1 s/beat.
    conductor = [(0, mido.MetaMessage("set_tempo", tempo=500000)), (480, mido.MetaMessage("set_tempo", tempo=1000000))]
    # Track 1: note 60 from 0 to 1 beat (0.0-0.5 s), off by note_on velocity 0; note 64 from beat 1 to 2 (0.5-1.5 s).
    melody = [(0, on(60)), (480, mido.Message("note_on", note=60, velocity=0)), (0, on(64)), (480, off(64))]
    # Track 2 (channel 1): note 62 from beat 0.5 to 1.5 (0.25-1.0 s); note 10 and 120 are out of range.
    bass = [(240, on(62, ch=1)), (0, on(10, ch=1)), (0, on(120, ch=1)), (480, off(62, ch=1)), (0, off(10, ch=1)),
            (0, off(120, ch=1))]
    path = write_midi(tmp_path / "t.mid", [conductor, melody, bass])
    roll = midi_to_piano_roll(path, dt=0.25)
    assert roll.shape == (6, 88)  # the file ends at 1.5 s
    expected = np.zeros((6, 88), "float32")
    expected[0:2, 60 - 21] = 1  # 0.0 - 0.5 s
    expected[2:6, 64 - 21] = 1  # 0.5 - 1.5 s (the slower tempo)
    expected[1:4, 62 - 21] = 1  # 0.25 - 1.0 s
    np.testing.assert_array_equal(roll, expected)


def test_overlapping_strikes_of_one_note_keep_it_sounding(tmp_path):
    # Two tracks strike note 60 at 0 and 0.5 s; the first lets go at 0.75 s, the second at 1.0 s.
    t1 = [(0, mido.MetaMessage("set_tempo", tempo=500000)), (0, on(60)), (720, off(60))]
    t2 = [(480, on(60)), (480, off(60))]
    roll = midi_to_piano_roll(write_midi(tmp_path / "o.mid", [t1, t2]), dt=0.25)
    np.testing.assert_array_equal(roll[:, 60 - 21], [1, 1, 1, 1])


def test_midi_errors_name_the_file(tmp_path):
    bad = tmp_path / "garbage.mid"
    bad.write_bytes(b"this is not a midi file at all")
    with pytest.raises(MidiReadError, match="garbage.mid"):
        midi_to_piano_roll(bad)
    good = piano_roll_to_midi(np.eye(88, dtype="float32")[:10], tmp_path / "good.mid")
    truncated = tmp_path / "truncated.mid"
    truncated.write_bytes(open(good, "rb").read()[:30])
    with pytest.raises(MidiReadError, match="truncated.mid"):
        midi_to_piano_roll(truncated)
    silent = write_midi(tmp_path / "low.mid", [[(0, on(5)), (480, off(5))]])
    with pytest.raises(MidiReadError, match="no notes in MIDI range 21..108"):
        midi_to_piano_roll(silent)
    with pytest.raises(FileNotFoundError):
        midi_to_piano_roll(tmp_path / "missing.mid")
    with pytest.raises(ValueError, match=r"roll must be \[T, 88\]"):
        piano_roll_to_midi(np.zeros((5, 80)), tmp_path / "x.mid")


def test_folder_loading_skips_unreadable_files_with_a_warning(tmp_path):
    rng = np.random.default_rng(1)
    for name in ("a.mid", "b.mid"):
        piano_roll_to_midi((rng.random((20, 88)) < 0.1).astype("float32"), tmp_path / name)
    (tmp_path / "c.mid").write_bytes(b"MThd broken")
    with pytest.warns(UserWarning, match="c.mid"):
        rolls = load_piano_rolls(tmp_path)
    assert len(rolls) == 2 and all(r.shape[1] == 88 for r in rolls)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(FileNotFoundError, match="no MIDI files"):
        load_piano_rolls(empty)


def test_bundled_jsb_chorales():
    d = load_piano_rolls()
    assert {k: len(v) for k, v in d.items()} == {"train": 229, "valid": 76, "test": 77}
    assert all(r.shape[1] == 88 and r.dtype == np.float32 and set(np.unique(r)) <= {0.0, 1.0} for r in d["train"])


@pytest.mark.skipif(not os.path.isfile(JSB), reason=f"shared JSB pickle not found at {JSB}")
def test_the_shared_jsb_pickle_reads_note_for_note():
    d = load_piano_rolls()
    raw = pickle.load(open(JSB, "rb"))  # the trusted shared file, for the comparison only
    shared = load_piano_rolls(JSB)
    seq = raw["test"][3]
    assert len(shared["test"][3]) == len(seq)
    for t, notes in enumerate(seq):
        assert sorted(np.flatnonzero(shared["test"][3][t]) + 21) == sorted(notes)
    np.testing.assert_array_equal(np.concatenate(shared["train"]), np.concatenate(d["train"]))


def test_malicious_pickle_is_refused_not_run(tmp_path):
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    path = tmp_path / "evil.pickle"
    with open(path, "wb") as f:
        pickle.dump({"train": [Evil()], "valid": [], "test": []}, f)
    with pytest.raises(UnsafePickleError, match="evil.pickle"):
        load_piano_rolls(path)
    assert not marker.exists()
    wrong = tmp_path / "wrong.pickle"
    with open(wrong, "wb") as f:
        pickle.dump([[60, 64]], f)
    with pytest.raises(ValueError, match="expected a dict with keys"):
        load_piano_rolls(wrong)


@pytest.mark.skipif(not os.path.isdir(NOTTINGHAM), reason=f"shared Nottingham MIDI not found at {NOTTINGHAM}")
def test_nottingham_midi_folder_with_splits():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # every shared file reads cleanly
        rolls = load_piano_rolls(os.path.join(NOTTINGHAM, "test"))
    assert len(rolls) == 170 and all(r.shape[1] == 88 and r.sum() > 0 for r in rolls)
    assert os.path.isfile(BUNDLED_JSB)
