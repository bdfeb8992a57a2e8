"""Music loaders on hostile files: each bad MIDI in a folder is skipped and named, one file works, nothing huge."""

import pickle
import struct
import warnings

import numpy as np
import pytest

from keras_dlt.datasets import load_piano_rolls
from keras_dlt.midi import MidiReadError, midi_to_piano_roll, piano_roll_to_midi


def _vlq(n):
    out = [n & 0x7F]
    n >>= 7
    while n:
        out.append(0x80 | (n & 0x7F))
        n >>= 7
    return bytes(reversed(out))


def midi_bytes(division, delta_off=96):
    """A type 0 file: one note (60) on at 0, off after `delta_off` ticks; the header's division word as given."""
    track = b"\x00\x90\x3c\x40" + _vlq(delta_off) + b"\x80\x3c\x00" + b"\x00\xff\x2f\x00"
    return b"MThd" + struct.pack(">IHHH", 6, 0, 1, division) + b"MTrk" + struct.pack(">I", len(track)) + track


def test_a_folder_skips_each_bad_file_by_name_and_counts_them(tmp_path):
    roll = np.zeros((10, 88), "float32")
    roll[2:6, 39] = 1
    piano_roll_to_midi(roll, tmp_path / "good.mid")
    (tmp_path / "zero_ticks.mid").write_bytes(midi_bytes(0))
    (tmp_path / "smpte.mid").write_bytes(midi_bytes(0xE728))  # -25 frames per second, 40 ticks per frame
    (tmp_path / "garbage.mid").write_bytes(b"MThd\x00\x00\x00\x06 not midi at all")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rolls = load_piano_rolls(tmp_path)
    text = "\n".join(str(w.message) for w in caught)
    assert len(rolls) == 1 and rolls[0].tolist() == roll[:6].tolist()  # a MIDI file ends with its last note
    for name in ("zero_ticks.mid", "smpte.mid", "garbage.mid"):
        assert name in text
    assert "0 ticks per beat" in text and "SMPTE time division" in text
    assert "skipped 3 of 4 MIDI files" in text


def test_a_tiny_file_cannot_ask_for_huge_memory(tmp_path):
    path = tmp_path / "long.mid"
    path.write_bytes(midi_bytes(1, delta_off=0x0FFFFFFF))  # one tick per beat, a note held ~4 years
    assert path.stat().st_size < 50
    with pytest.raises(MidiReadError, match=r"long.mid: its notes last \d+ frames .* more than max_frames=100000"):
        midi_to_piano_roll(path)


def test_one_midi_file_loads_and_a_folder_of_nothing_readable_is_named(tmp_path):
    roll = np.zeros((8, 88), "float32")
    roll[1:3, 40] = 1
    piano_roll_to_midi(roll, tmp_path / "song.mid")
    rolls = load_piano_rolls(tmp_path / "song.mid")
    assert len(rolls) == 1 and rolls[0].tolist() == roll[:3].tolist()
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "a.mid").write_bytes(b"junk")
    with pytest.warns(UserWarning):
        with pytest.raises(ValueError, match=r"none of the 1 MIDI files in .*bad could be read \(first: .*a.mid\)"):
            load_piano_rolls(bad)


def test_non_integer_notes_in_a_pickle_are_refused(tmp_path):
    path = tmp_path / "songs.pickle"
    data = {"train": [[[60, 64], [60.7]]], "valid": [], "test": []}
    path.write_bytes(pickle.dumps(data))
    with pytest.raises(ValueError, match=r"train\[0\]\[1\] holds a note that is not a whole MIDI number: \[60.7\]"):
        load_piano_rolls(path)
