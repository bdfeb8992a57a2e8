"""Loaders on crafted and odd files: bounded memory and time, contracts kept, configured paths never ignored.

The memory-bound cases run in a subprocess under an address-space limit and a timeout, so a regression fails
instead of exhausting the machine or hanging CI.
"""

import gzip
import os
import pickle
import struct
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from keras_dlt.datasets import MNISTFormatError, UnsafePickleError, load_mnist, safe_load

from conftest import ROOT


def run_bounded(code, limit_mb=4000, timeout=120):
    """Runs `code` in a fresh Python with at most `limit_mb` of address space; returns (returncode, stderr)."""
    prelude = f"import resource; resource.setrlimit(resource.RLIMIT_AS, ({limit_mb} << 20, {limit_mb} << 20))\n"
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, "-c", prelude + textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=timeout, env=env)
    return proc.returncode, proc.stderr


def nested_references_pickle(levels=60):
    """A tiny pickle of [[L, L], ...] nested `levels` deep: 2**levels leaves once expanded."""
    out = [pickle.PROTO, bytes([2]), pickle.EMPTY_LIST, pickle.BINPUT, b"\x00"]
    for i in range(levels):  # L_{i+1} = [L_i, L_i]
        out += [pickle.MARK, pickle.BINGET, bytes([i % 2]), pickle.BINGET, bytes([i % 2]), pickle.LIST,
                pickle.BINPUT, bytes([(i + 1) % 2])]
    out += [pickle.STOP]
    return b"".join(out)


def test_a_tiny_pickle_of_nested_references_is_refused_quickly(tmp_path):
    data = nested_references_pickle(levels=30)  # 2**30 leaves, under the depth bound: the item count stops it
    assert len(data) < 600
    with pytest.raises(UnsafePickleError, match="expands to more than 50,000,000 items"):
        safe_load(data, source="crafted.pkl", allowed=frozenset())
    with pytest.raises(UnsafePickleError, match="nest deeper than 32 levels"):
        safe_load(nested_references_pickle(levels=60), source="crafted.pkl", allowed=frozenset())
    path = tmp_path / "mnist.pkl.gz"
    path.write_bytes(gzip.compress(data))
    code = f"""
        from keras_dlt.datasets import load_mnist
        try:
            load_mnist({str(path)!r})
        except Exception as e:
            raise SystemExit(f"refused: {{e}}")
    """
    rc, err = run_bounded(code)
    assert "refused:" in err and "mnist.pkl.gz" in err and ("expands to more than" in err or "nest deeper" in err), err


def test_a_small_gzip_that_decompresses_to_a_gigabyte_is_refused_without_the_memory(tmp_path):
    import tracemalloc

    folder = tmp_path / "idx"
    folder.mkdir()
    header = struct.pack(">IIII", 2051, 1_500_000, 28, 28)  # says 1.2 GB of images
    with gzip.open(folder / "train-images-idx3-ubyte.gz", "wb", compresslevel=1) as f:
        f.write(header)
        zeros = bytes(1 << 20)
        for _ in range(1100):  # 1.1 GB of zeros in a file of a few MB
            f.write(zeros)
    for name, magic, dims in (("train-labels-idx1-ubyte", 2049, (10,)), ("t10k-images-idx3-ubyte", 2051, (1, 28, 28)),
                              ("t10k-labels-idx1-ubyte", 2049, (1,))):
        (folder / name).write_bytes(struct.pack(f">I{len(dims)}I", magic, *dims) + bytes(int(np.prod(dims))))
    assert (folder / "train-images-idx3-ubyte.gz").stat().st_size < 8 << 20
    tracemalloc.start()
    try:
        with pytest.raises(MNISTFormatError, match=r"train-images-idx3-ubyte.gz: decompresses to more than 402,653,184"):
            load_mnist(str(folder))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 450 << 20, peak  # the bound (384 MB) and a chunk, never the 1.1 GB


@pytest.mark.parametrize("dtype", ["int64", "int16", "uint16", "int32"])
def test_integer_pixels_of_any_integer_type_come_back_in_0_1_in_every_split(tmp_path, dtype):
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, size=(60, 28, 28)).astype(dtype)
    y = rng.integers(0, 10, 60)
    path = tmp_path / "mnist.npz"
    np.savez(path, x_train=x, y_train=y, x_test=x[:10], y_test=y[:10])
    for xs, _ in load_mnist(str(path)):
        assert xs.dtype == np.float32 and 0.0 <= xs.min() and xs.max() <= 1.0 and xs.max() > 0.9
    np.savez(path, x_train=(x.astype("int64") * 4), y_train=y, x_test=x[:10], y_test=y[:10])
    with pytest.raises(MNISTFormatError, match=r"integer pixels must be grey levels 0..255; got int64 in \[0, 1020\]"):
        load_mnist(str(path))


def test_a_configured_data_path_that_is_broken_is_an_error_not_the_sample(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_DLT_DATA", str(tmp_path / "nothing_here"))
    with pytest.raises(FileNotFoundError, match=r"KERAS_DLT_DATA=.*nothing_here holds no mnist.npz"):
        load_mnist()


def test_the_stated_caps_can_be_raised(monkeypatch):
    from keras_dlt.datasets import safe_pickle

    data = nested_references_pickle(levels=20)  # about 2 million items once expanded
    monkeypatch.setattr(safe_pickle, "MAX_ITEMS", 1000)
    with pytest.raises(UnsafePickleError, match="more than 1,000 items"):
        safe_load(data, allowed=frozenset())
    monkeypatch.setattr(safe_pickle, "MAX_ITEMS", 10_000_000)
    assert len(safe_load(data, allowed=frozenset())) == 2
