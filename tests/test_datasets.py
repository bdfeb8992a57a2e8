"""load_mnist: every format, the search order, and every kind of bad file."""

import gzip
import os
import pickle
import struct

import numpy as np
import pytest

from conftest import MNIST_IDX, MNIST_NPZ, needs_shared_idx, needs_shared_mnist
from keras_dlt.datasets import BUNDLED_SAMPLE, MNISTFormatError, UnsafePickleError, load_mnist, read_idx, safe_load
from keras_dlt.datasets import mnist as mnist_module


def _raw_sample():
    with np.load(BUNDLED_SAMPLE) as f:
        return {k: f[k] for k in f.files}


def _write_idx(path, array, magic=None, dims=None, gz=False, cut=0):
    array = np.asarray(array, dtype=np.uint8)
    dims = array.shape if dims is None else dims
    magic = (0x08 << 8 | array.ndim) if magic is None else magic
    data = struct.pack(">I", magic) + struct.pack(f">{len(dims)}I", *dims) + array.tobytes()
    if cut:
        data = data[:-cut]
    if gz:
        data = gzip.compress(data)
    with open(path, "wb") as f:
        f.write(data)
    return path


def _idx_folder(tmp_path, raw, gz):
    ext = ".gz" if gz else ""
    _write_idx(tmp_path / f"train-images-idx3-ubyte{ext}", raw["x_train"], gz=gz)
    _write_idx(tmp_path / f"train-labels-idx1-ubyte{ext}", raw["y_train"], gz=gz)
    _write_idx(tmp_path / f"t10k-images-idx3-ubyte{ext}", raw["x_test"], gz=gz)
    _write_idx(tmp_path / f"t10k-labels-idx1-ubyte{ext}", raw["y_test"], gz=gz)
    return tmp_path


# -- the bundled sample ------------------------------------------------------
def test_bundled_sample_split_and_types(sample):
    (x, y), (xv, yv), (xt, yt) = sample
    assert x.shape == (8334, 784) and xv.shape == (1666, 784) and xt.shape == (2000, 784)
    assert x.dtype == np.float32 and y.dtype == np.int32
    assert 0.0 <= x.min() and x.max() <= 1.0 and x.max() > 0.99
    assert set(np.unique(y)) == set(range(10))
    raw = _raw_sample()
    # Original order: valid = the last sixth of the training digits.
    np.testing.assert_array_equal(yv, raw["y_train"][8334:])
    np.testing.assert_allclose(xv[0], raw["x_train"][8334].reshape(-1) / 255.0, rtol=1e-6)


def test_bundled_sample_is_small_and_attributed():
    assert os.path.getsize(BUNDLED_SAMPLE) < 3_000_000
    notice = os.path.join(os.path.dirname(BUNDLED_SAMPLE), "MNIST_SAMPLE_ATTRIBUTION.txt")
    text = open(notice).read()
    assert "LeCun" in text and "MIT" in text and "Cazala" in text


def test_unflattened_and_custom_valid(sample):
    (x, _), (xv, _), _ = load_mnist("sample", n_valid=1000, flatten=False)
    assert x.shape == (9000, 28, 28) and xv.shape == (1000, 28, 28)
    with pytest.raises(ValueError, match="n_valid"):
        load_mnist("sample", n_valid=10000)


# -- the real files ----------------------------------------------------------
@needs_shared_mnist
def test_keras_npz_gives_the_tutorial_split():
    (x, y), (xv, yv), (xt, yt) = load_mnist(MNIST_NPZ)
    assert (len(x), len(xv), len(xt)) == (50000, 10000, 10000)
    with np.load(MNIST_NPZ) as f:
        np.testing.assert_array_equal(yv, f["y_train"][50000:])
        np.testing.assert_array_equal(yt, f["y_test"])


@needs_shared_idx
@needs_shared_mnist
def test_real_idx_files_match_npz():
    images = read_idx(os.path.join(MNIST_IDX, "t10k-images-idx3-ubyte.gz"), 2051)
    labels = read_idx(os.path.join(MNIST_IDX, "t10k-labels-idx1-ubyte.gz"), 2049)
    train_labels = read_idx(os.path.join(MNIST_IDX, "train-labels-idx1-ubyte.gz"), 2049)
    with np.load(MNIST_NPZ) as f:
        np.testing.assert_array_equal(images, f["x_test"])
        np.testing.assert_array_equal(labels, f["y_test"])
        np.testing.assert_array_equal(train_labels, f["y_train"])


# -- every format agrees -------------------------------------------------------
@pytest.mark.parametrize("gz", [False, True])
def test_idx_folder_equals_npz(tmp_path, sample, gz):
    folder = _idx_folder(tmp_path, _raw_sample(), gz)
    for (a, b), (c, d) in zip(load_mnist(str(folder)), sample):
        np.testing.assert_array_equal(a, c)
        np.testing.assert_array_equal(b, d)


def test_tutorial_pickle(tmp_path, sample):
    # The tutorial's layout: ((x, y), (x, y), (x, y)), float32 in [0, 1], int64 labels, protocol 2.
    parts = tuple((x, y.astype(np.int64)) for x, y in sample)
    path = tmp_path / "mnist.pkl.gz"
    with gzip.open(path, "wb") as f:
        pickle.dump(parts, f, protocol=2)
    loaded = load_mnist(str(path))
    for (a, b), (c, d) in zip(loaded, sample):
        np.testing.assert_array_equal(a, c)
        np.testing.assert_array_equal(b, d)
    # Found in a folder too.
    assert len(load_mnist(str(tmp_path))[0][0]) == len(sample[0][0])


# -- the search order ------------------------------------------------------------
@pytest.fixture
def isolated(monkeypatch, tmp_path):
    monkeypatch.delenv("KERAS_DLT_DATA", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))

    def offline():
        raise OSError("no network")

    monkeypatch.setattr(mnist_module, "_download", offline)
    return tmp_path


def test_fallback_to_sample_says_so_in_one_line(isolated, capsys, sample):
    (x, _), _, _ = load_mnist()
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and "bundled sample" in out[0] and "download failed" in out[0]
    assert len(x) == len(sample[0][0])


def test_env_variable_first(isolated, monkeypatch):
    folder = _idx_folder(isolated, _raw_sample(), gz=True)
    raw = _raw_sample()
    # Make the env copy distinguishable: drop the last 334 train digits.
    _write_idx(folder / "train-images-idx3-ubyte.gz", raw["x_train"][:6000], gz=True)
    _write_idx(folder / "train-labels-idx1-ubyte.gz", raw["y_train"][:6000], gz=True)
    monkeypatch.setenv("KERAS_DLT_DATA", str(folder))
    (x, _), (xv, _), _ = load_mnist()
    assert len(x) + len(xv) == 6000


def test_keras_cache_second(isolated, monkeypatch):
    raw = _raw_sample()
    cache = isolated / "keras_home" / "datasets"
    cache.mkdir(parents=True)
    np.savez(cache / "mnist.npz", x_train=raw["x_train"][:600], y_train=raw["y_train"][:600],
             x_test=raw["x_test"][:100], y_test=raw["y_test"][:100])
    (x, _), (xv, _), (xt, _) = load_mnist()
    assert (len(x) + len(xv), len(xt)) == (600, 100)


def test_download_third(isolated, monkeypatch):
    raw = _raw_sample()
    target = isolated / "downloaded.npz"

    def fake_download():
        np.savez(target, x_train=raw["x_train"][:1200], y_train=raw["y_train"][:1200],
                 x_test=raw["x_test"][:50], y_test=raw["y_test"][:50])
        return str(target)

    monkeypatch.setattr(mnist_module, "_download", fake_download)
    (x, _), (xv, _), (xt, _) = load_mnist()
    assert (len(x) + len(xv), len(xt)) == (1200, 50)


# -- bad input ---------------------------------------------------------------------
def test_missing_file():
    with pytest.raises(FileNotFoundError, match="no_such_mnist.npz"):
        load_mnist("/nonexistent/no_such_mnist.npz")


def test_empty_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="holds no mnist.npz"):
        load_mnist(str(tmp_path))


def test_truncated_gzip(tmp_path):
    folder = _idx_folder(tmp_path, _raw_sample(), gz=True)
    path = folder / "t10k-images-idx3-ubyte.gz"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(MNISTFormatError, match=r"t10k-images-idx3-ubyte\.gz: truncated or corrupt gzip"):
        load_mnist(str(folder))


def test_corrupt_gzip(tmp_path):
    folder = _idx_folder(tmp_path, _raw_sample(), gz=True)
    path = folder / "train-labels-idx1-ubyte.gz"
    data = bytearray(path.read_bytes())
    data[20:40] = b"\xff" * 20
    path.write_bytes(bytes(data))
    with pytest.raises(MNISTFormatError, match="train-labels-idx1-ubyte.gz"):
        load_mnist(str(folder))


def test_wrong_idx_magic(tmp_path):
    folder = _idx_folder(tmp_path, _raw_sample(), gz=False)
    _write_idx(folder / "t10k-labels-idx1-ubyte", _raw_sample()["y_test"], magic=2051)
    with pytest.raises(MNISTFormatError, match=r"t10k-labels-idx1-ubyte: wrong IDX magic number 2051"):
        load_mnist(str(folder))


def test_wrong_idx_dimensions(tmp_path):
    raw = _raw_sample()
    folder = _idx_folder(tmp_path, raw, gz=False)
    _write_idx(folder / "t10k-images-idx3-ubyte", raw["x_test"], dims=(2000, 28, 29))
    with pytest.raises(MNISTFormatError, match=r"t10k-images-idx3-ubyte: IDX header says dimensions \(2000, 28, 29\)"):
        load_mnist(str(folder))


def test_truncated_idx(tmp_path):
    raw = _raw_sample()
    folder = _idx_folder(tmp_path, raw, gz=False)
    _write_idx(folder / "train-images-idx3-ubyte", raw["x_train"], cut=100)
    with pytest.raises(MNISTFormatError, match="truncated or wrong dimensions"):
        load_mnist(str(folder))


def test_image_and_label_counts_differ(tmp_path):
    raw = _raw_sample()
    folder = _idx_folder(tmp_path, raw, gz=False)
    _write_idx(folder / "t10k-labels-idx1-ubyte", raw["y_test"][:1999])
    with pytest.raises(MNISTFormatError, match="holds 2000 images but .* holds 1999 labels"):
        load_mnist(str(folder))


def test_labels_out_of_range(tmp_path):
    raw = _raw_sample()
    y = raw["y_train"].copy()
    y[7] = 12
    np.savez(tmp_path / "mnist.npz", x_train=raw["x_train"], y_train=y, x_test=raw["x_test"], y_test=raw["y_test"])
    with pytest.raises(MNISTFormatError, match=r"mnist.npz \(train\): labels must lie in 0..9; label 7 is 12"):
        load_mnist(str(tmp_path / "mnist.npz"))


def test_nan_pixels_in_pickle(tmp_path, small):
    (x, y), valid, test = small
    x = x.copy()
    x[3, 100] = np.nan
    x[5, 1] = np.inf
    path = tmp_path / "mnist.pkl.gz"
    with gzip.open(path, "wb") as f:
        pickle.dump(((x, y), valid, test), f, protocol=2)
    with pytest.raises(MNISTFormatError, match=r"mnist.pkl.gz \(train\): 2 NaN or infinite pixel values \(first in image 3\)"):
        load_mnist(str(path))


def test_npz_missing_arrays(tmp_path):
    np.savez(tmp_path / "mnist.npz", images=np.zeros((3, 28, 28), np.uint8))
    with pytest.raises(MNISTFormatError, match="this file holds \\['images'\\]"):
        load_mnist(str(tmp_path / "mnist.npz"))


def test_truncated_npz(tmp_path):
    data = open(BUNDLED_SAMPLE, "rb").read()
    (tmp_path / "mnist.npz").write_bytes(data[: len(data) // 3])
    with pytest.raises(MNISTFormatError, match="mnist.npz: truncated or corrupt"):
        load_mnist(str(tmp_path / "mnist.npz"))


class _WritesAFile:
    """Pickles to a call that would create a file if it were executed."""

    def __init__(self, target):
        self.target = target

    def __reduce__(self):
        return (open, (self.target, "w"))


def test_crafted_pickle_is_refused_without_running(tmp_path):
    target = tmp_path / "pwned.txt"
    path = tmp_path / "mnist.pkl.gz"
    with gzip.open(path, "wb") as f:
        pickle.dump(((_WritesAFile(str(target)), None), None, None), f, protocol=2)
    # Sanity: a bare pickle.load *would* create the file.
    probe = tmp_path / "probe.pkl"
    probe.write_bytes(pickle.dumps(_WritesAFile(str(tmp_path / "probe.txt")), protocol=2))
    pickle.loads(probe.read_bytes()).close()
    assert (tmp_path / "probe.txt").exists()

    with pytest.raises(MNISTFormatError, match=r"mnist.pkl.gz: refusing to load this pickle: it asks for `(io|builtins)\.open`"):
        load_mnist(str(path))
    assert not target.exists()


def test_safe_load_plain_containers_only():
    assert safe_load(pickle.dumps({"train": [[60, 64], []]}), allowed=frozenset()) == {"train": [[60, 64], []]}
    with pytest.raises(UnsafePickleError, match="numpy"):
        safe_load(pickle.dumps(np.zeros(2)), allowed=frozenset())


def test_pickle_with_wrong_structure(tmp_path):
    path = tmp_path / "mnist.pkl"
    path.write_bytes(pickle.dumps([1, 2], protocol=2))
    with pytest.raises(MNISTFormatError, match="holds \\(train, valid, test\\); got list of length 2"):
        load_mnist(str(path))


def test_unknown_extension(tmp_path):
    (tmp_path / "mnist.csv").write_text("1,2,3")
    with pytest.raises(MNISTFormatError, match="don't know how to read"):
        load_mnist(str(tmp_path / "mnist.csv"))
