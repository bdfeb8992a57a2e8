"""MIDI <-> piano-roll with `mido`: what the RNN-RBM tutorial reads and writes.

A piano-roll is a binary float32 array [T, n_notes]: frame t covers the time
[t * dt, (t + 1) * dt) and column j is MIDI note `note_range[0] + j` (default
21..108, the 88 piano keys). As in the tutorial's `midiread`, a note sounding
from s to e seconds fills frames ceil(s / dt) .. ceil(e / dt) - 1; notes
outside `note_range` are dropped (not folded into range).
"""

import math
import os
import warnings

import numpy as np

__all__ = ["midi_to_piano_roll", "piano_roll_to_midi", "MidiReadError", "DEFAULT_NOTE_RANGE", "DEFAULT_DT",
           "MAX_FRAMES"]

#: The piano-roll's notes, MIDI 21..108: the 88 keys (the tutorial's range).
DEFAULT_NOTE_RANGE = (21, 109)
#: Seconds per frame (the tutorial's).
DEFAULT_DT = 0.3
#: The longest piece read, in frames (about 8 hours at 0.3 s): a crafted file cannot ask for unbounded memory.
MAX_FRAMES = 100_000
_EPS = 1e-6  # frame boundaries are compared with this slack (ticks -> seconds rounding)


class MidiReadError(ValueError):
    """A MIDI file could not be read (unreadable, truncated, not MIDI), or holds no notes in range."""


def _check_range(note_range, dt, what):
    lo, hi = (int(n) for n in note_range)
    if not 0 <= lo < hi <= 128:
        raise ValueError(f"{what}: note_range must be (low, high) with 0 <= low < high <= 128. Received: {note_range}")
    if not dt > 0:
        raise ValueError(f"{what}: dt must be > 0 seconds. Received: dt={dt}")
    return lo, hi


def midi_to_piano_roll(path, note_range=DEFAULT_NOTE_RANGE, dt=DEFAULT_DT, max_frames=None):
    """Reads a type 0 or 1 MIDI file into a binary piano-roll [T, high - low] (float32).

    Honours tempo changes (mido converts ticks to seconds with the tempo map),
    merges all tracks and channels, treats note_on with velocity 0 as
    note_off, and keeps a note sounding while any of its overlapping
    note_ons (other tracks or channels, repeated strikes) is held. A note
    still held at the end of the file ends with the file.

    `max_frames` bounds the roll's length (default: the module's
    `MAX_FRAMES`, about 8 hours at 0.3 s; set it to raise the bound for
    folder loads too): a file whose notes last longer is refused before any
    allocation, naming its length.

    Raises:
        FileNotFoundError: no such file.
        MidiReadError: the file is unreadable, truncated or not MIDI (the
            message names it), uses SMPTE time division or a zero tick rate,
            lasts more than `max_frames` frames, or holds no notes inside
            `note_range`.
    """
    import mido

    lo, hi = _check_range(note_range, dt, "midi_to_piano_roll")
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"midi_to_piano_roll: no such file: {path}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            midi = mido.MidiFile(path)
            if midi.type == 2:
                raise MidiReadError(f"{path}: type 2 MIDI files (independent sequences) are not supported.")
            # mido reads the header's division word as signed: the top bit set (negative) is SMPTE time
            # (frames per second and ticks per frame), which it does not convert to seconds.
            if midi.ticks_per_beat < 0 or midi.ticks_per_beat >= 0x8000:
                raise MidiReadError(f"{path}: SMPTE time division (division word {midi.ticks_per_beat & 0xFFFF:#06x}) "
                                    f"is not supported; only ticks per beat.")
            if midi.ticks_per_beat == 0:
                raise MidiReadError(f"{path}: the header says 0 ticks per beat, so no time can be read.")
            events = list(midi)  # all tracks merged, msg.time = seconds since the previous message
    except MidiReadError:
        raise
    except (OSError, EOFError, ValueError, KeyError, IndexError, TypeError, ZeroDivisionError, OverflowError) as e:
        raise MidiReadError(f"{path}: not a readable MIDI file ({type(e).__name__}: {e}).") from None
    now = 0.0
    held = {}  # (channel, note) -> [start times of the strikes still held]
    notes = []  # (note, start, end)
    for msg in events:
        now += msg.time
        if msg.type == "note_on" and msg.velocity > 0:
            held.setdefault((msg.channel, msg.note), []).append(now)
        elif msg.type in ("note_on", "note_off"):
            starts = held.get((msg.channel, msg.note))
            if starts:
                notes.append((msg.note, starts.pop(0), now))
    for (_, note), starts in held.items():
        notes.extend((note, s, now) for s in starts)
    in_range = [(n, s, e) for n, s, e in notes if lo <= n < hi]
    if not in_range:
        raise MidiReadError(f"{path}: no notes in MIDI range {lo}..{hi - 1} ({len(notes)} notes outside it).")
    n_frames = max(math.ceil(e / dt - _EPS) for _, _, e in in_range)
    max_frames = MAX_FRAMES if max_frames is None else max_frames
    if n_frames > max_frames:
        raise MidiReadError(f"{path}: its notes last {n_frames} frames of {dt} s ({now / 3600:.1f} hours), more than "
                            f"max_frames={max_frames}; raise max_frames to read it.")
    roll = np.zeros((max(n_frames, 1), hi - lo), "float32")
    for n, s, e in in_range:
        roll[math.ceil(s / dt - _EPS):math.ceil(e / dt - _EPS), n - lo] = 1.0
    return roll


def piano_roll_to_midi(roll, path, note_range=DEFAULT_NOTE_RANGE, dt=DEFAULT_DT, velocity=90, program=0,
                       ticks_per_beat=480, tempo=500000):
    """Writes a binary piano-roll [T, high - low] as a playable type 0 MIDI file.

    Each run of consecutive 1s in a column becomes one note (note_on at the
    run's first frame, note_off after its last). Reading the file back with
    the same `note_range` and `dt` gives the same roll (trailing silent
    frames aside: a MIDI file ends with its last note).

    Args:
        roll: [T, high - low] array of 0/1 (values > 0.5 count as on).
        path: the .mid file to write (folders are created).
        note_range, dt: as `midi_to_piano_roll`.
        velocity: note_on velocity (1..127). Default 90.
        program: General MIDI instrument (0 = piano).
        ticks_per_beat, tempo: time resolution; the defaults make 0.3 s
            exactly 288 ticks.

    Returns:
        `path`.
    """
    import mido

    lo, hi = _check_range(note_range, dt, "piano_roll_to_midi")
    roll = np.asarray(roll)
    if roll.ndim != 2 or roll.shape[1] != hi - lo:
        raise ValueError(f"piano_roll_to_midi: roll must be [T, {hi - lo}] for note_range {note_range}. "
                         f"Received: shape={roll.shape}")
    if not np.all(np.isfinite(roll.astype("float64"))):
        raise ValueError("piano_roll_to_midi: roll holds NaN or infinite values.")
    if not 1 <= velocity <= 127:
        raise ValueError(f"piano_roll_to_midi: velocity must be in 1..127. Received: {velocity}")
    on = np.asarray(roll > 0.5, "int8")
    padded = np.concatenate([np.zeros((1, on.shape[1]), "int8"), on, np.zeros((1, on.shape[1]), "int8")])
    change = np.diff(padded, axis=0)  # +1: a note starts at frame t; -1: it ended before frame t
    events = []  # (frame, order, message); note_offs first at equal times
    for t, j in zip(*np.nonzero(change)):
        kind = "note_on" if change[t, j] > 0 else "note_off"
        events.append((int(t), 0 if kind == "note_off" else 1, kind, int(j) + lo))
    events.sort()
    ticks_per_frame = dt * 1e6 * ticks_per_beat / tempo
    track = mido.MidiTrack()
    track.append(mido.MetaMessage("set_tempo", tempo=int(tempo), time=0))
    track.append(mido.Message("program_change", program=int(program), channel=0, time=0))
    last = 0
    for frame, _, kind, note in events:
        tick = int(round(frame * ticks_per_frame))
        track.append(mido.Message(kind, note=note, velocity=int(velocity) if kind == "note_on" else 0,
                                  channel=0, time=tick - last))
        last = tick
    track.append(mido.MetaMessage("end_of_track", time=0))
    midi = mido.MidiFile(type=0, ticks_per_beat=int(ticks_per_beat))
    midi.tracks.append(track)
    folder = os.path.dirname(os.fspath(path))
    if folder:
        os.makedirs(folder, exist_ok=True)
    midi.save(os.fspath(path))
    return path
