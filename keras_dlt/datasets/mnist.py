"""MNIST as the tutorials use it: 50k train / 10k valid / 10k test, x in [0, 1].

`load_mnist` reads the tutorial's `mnist.pkl.gz`, Keras' `mnist.npz`, or a
folder of the official IDX files (gzipped or not). With no path it looks in
`$KERAS_DLT_DATA`, then Keras' cache, then downloads through
`keras.datasets.mnist` when online, and finally falls back to a real sample
bundled with the package (10,000 training and 2,000 test digits).
"""

import gzip
import os
import struct
import zlib

import numpy as np

from keras_dlt.datasets.safe_pickle import UnsafePickleError, safe_load

__all__ = ["load_mnist", "MNISTFormatError", "BUNDLED_SAMPLE", "validate_arrays"]

#: The bundled MNIST sample (10,000 training and 2,000 test digits; `load_mnist("sample")`).
BUNDLED_SAMPLE = os.path.join(os.path.dirname(__file__), "_bundled", "mnist_sample.npz")
#: The most bytes an MNIST file may hold once decompressed (the largest real one, the tutorial's float32 pickle,
#: is 220 MB; the IDX training images 47 MB). Raise it to read a larger file.
MAX_DECOMPRESSED_BYTES = 384 * 2**20

_IDX_NAMES = {
    "train_images": ("train-images-idx3-ubyte", "train-images.idx3-ubyte"),
    "train_labels": ("train-labels-idx1-ubyte", "train-labels.idx1-ubyte"),
    "test_images": ("t10k-images-idx3-ubyte", "t10k-images.idx3-ubyte"),
    "test_labels": ("t10k-labels-idx1-ubyte", "t10k-labels.idx1-ubyte"),
}
_IDX_IMAGES_MAGIC = 2051
_IDX_LABELS_MAGIC = 2049


class MNISTFormatError(ValueError):
    """A data file is missing, truncated, corrupt or holds the wrong arrays."""


# --------------------------------------------------------------------------
# Public entry point
# --------------------------------------------------------------------------
def load_mnist(path=None, n_valid=None, flatten=True, download=True, verbose=True):
    """Loads MNIST with the tutorial's train / valid / test split.

    Args:
        path: `None` (search, see below), `"sample"` (the bundled sample), a
            `.pkl.gz`/`.pkl` file in the tutorial's format, a Keras
            `mnist.npz`, or a folder holding one of those or the four IDX
            files (`train-images-idx3-ubyte[.gz]`, ...).
            With `None`: `$KERAS_DLT_DATA` (file or folder; an error if it
            holds no MNIST), then Keras' cache
            (`~/.keras/datasets/mnist.npz`), then a download through
            `keras.datasets.mnist` (if `download`), then the bundled sample.
        n_valid: how many of the *last* official training digits form the
            validation set. Default: one sixth of the training set (10,000 of
            60,000, as the tutorial; 1,666 of the bundled sample's 10,000).
            Ignored for the tutorial's pickle, which carries its own split.
        flatten: `True` gives images as `[n, 784]`; `False` as `[n, 28, 28]`.
        download: allow the download step of the search.
        verbose: print one line saying which source was used when the search
            fell back to the bundled sample.

    Returns:
        `((x_train, y_train), (x_valid, y_valid), (x_test, y_test))`: numpy
        arrays, `x` float32 in [0, 1], `y` int32 in 0..9.

    Raises:
        FileNotFoundError: `path` does not exist, or a folder holds no MNIST.
        MNISTFormatError: a file is truncated, corrupt, or holds wrong arrays.

    Example:
        >>> (x_tr, y_tr), (x_va, y_va), (x_te, y_te) = load_mnist("sample")
        >>> x_tr.shape, x_tr.dtype
        ((8334, 784), dtype('float32'))
    """
    if path is None:
        source = _search(download=download, verbose=verbose)
    elif isinstance(path, str) and path == "sample":
        source = BUNDLED_SAMPLE
    else:
        source = os.fspath(path)
    splits = _read_any(source, n_valid)
    if not flatten:
        splits = tuple((x.reshape(-1, 28, 28), y) for x, y in splits)
    return splits


# --------------------------------------------------------------------------
# Where the data comes from
# --------------------------------------------------------------------------
def _keras_cache_file():
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return os.path.join(home, "datasets", "mnist.npz")


def _download():
    """Downloads through keras.datasets (which caches in Keras' cache)."""
    import keras  # local import: data code stays importable without Keras.

    keras.datasets.mnist.load_data()
    return _keras_cache_file()


def _search(download, verbose):
    env = os.environ.get("KERAS_DLT_DATA")
    if env:
        found = _find_in(env)
        if found:
            return found
        # A configured location that holds nothing is a mistake to report, not a reason to train on the sample.
        raise FileNotFoundError(f"MNIST: $KERAS_DLT_DATA={env} holds no mnist.npz, mnist.pkl.gz or IDX files "
                                f"(unset it to search Keras' cache and the bundled sample).")
    cache = _keras_cache_file()
    if os.path.isfile(cache):
        return cache
    if download:
        try:
            return _download()
        except Exception as e:  # offline, proxy, server down: fall back below.
            reason = f"download failed ({type(e).__name__})"
    else:
        reason = "download disabled"
    if verbose:
        print(
            "keras_dlt: full MNIST not found ($KERAS_DLT_DATA, Keras cache; "
            f"{reason}): using the bundled sample (10,000 train / 2,000 test digits)."
        )
    return BUNDLED_SAMPLE


def _find_in(location):
    """Returns a readable MNIST source at `location` (file or folder), or None."""
    if os.path.isfile(location):
        return location
    if not os.path.isdir(location):
        return None
    for sub in ("", "mnist"):
        folder = os.path.join(location, sub)
        for name in ("mnist.npz", "mnist.pkl.gz", "mnist.pkl"):
            candidate = os.path.join(folder, name)
            if os.path.isfile(candidate):
                return candidate
        if _idx_files(folder, required=False):
            return folder
    return None


# --------------------------------------------------------------------------
# Readers
# --------------------------------------------------------------------------
def _read_any(source, n_valid):
    if not os.path.exists(source):
        raise FileNotFoundError(f"MNIST: no such file or folder: {source}")
    if os.path.isdir(source):
        found = _find_in(source)
        if found is None:
            raise FileNotFoundError(
                f"MNIST: folder {source} holds no mnist.npz, mnist.pkl.gz or "
                "IDX files (train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], "
                "t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz])."
            )
        if os.path.isdir(found):
            (x_tr, y_tr), (x_te, y_te) = _read_idx_folder(found)
            return _split(found, x_tr, y_tr, x_te, y_te, n_valid)
        source = found
    name = os.path.basename(source).lower()
    if name.endswith(".npz"):
        (x_tr, y_tr), (x_te, y_te) = _read_npz(source)
        return _split(source, x_tr, y_tr, x_te, y_te, n_valid)
    if name.endswith((".pkl", ".pkl.gz", ".pickle")):
        return _read_pickle(source)
    raise MNISTFormatError(
        f"MNIST: don't know how to read {source}: expected a .npz (Keras), a "
        ".pkl.gz (the tutorial's) or a folder of IDX files."
    )


def _split(source, x_tr, y_tr, x_te, y_te, n_valid):
    if n_valid is None:
        n_valid = len(x_tr) // 6
    if not 0 < n_valid < len(x_tr):
        raise ValueError(
            f"MNIST: n_valid must be between 1 and {len(x_tr) - 1} for {source}. "
            f"Received: n_valid={n_valid}"
        )
    n_train = len(x_tr) - n_valid
    splits = (
        (x_tr[:n_train], y_tr[:n_train]),
        (x_tr[n_train:], y_tr[n_train:]),
        (x_te, y_te),
    )
    return tuple(_to_float(source, part, x, y) for part, (x, y) in zip(("train", "valid", "test"), splits))


def _to_float(source, part, x, y):
    validate_arrays(x, y, source=f"{source} ({part})")
    if np.issubdtype(x.dtype, np.integer):  # grey levels 0..255 whatever the integer type, every split alike
        if x.size and (x.min() < 0 or x.max() > 255):
            raise MNISTFormatError(f"{source} ({part}): integer pixels must be grey levels 0..255; got {x.dtype} in "
                                   f"[{x.min()}, {x.max()}].")
        x = x.astype(np.float32) / np.float32(255.0)
    else:
        x = x.astype(np.float32)
    return x.reshape(len(x), 784), y.astype(np.int32)


def validate_arrays(x, y, source="MNIST"):
    """Checks images and labels; raises `MNISTFormatError` naming the problem."""
    x = np.asarray(x)
    y = np.asarray(y)
    if x.ndim not in (2, 3) or x.shape[1:] not in ((784,), (28, 28)):
        raise MNISTFormatError(f"{source}: images must be [n, 784] or [n, 28, 28]; got shape {x.shape}.")
    if y.ndim != 1:
        raise MNISTFormatError(f"{source}: labels must be a vector [n]; got shape {y.shape}.")
    if len(x) != len(y):
        raise MNISTFormatError(f"{source}: {len(x)} images but {len(y)} labels.")
    if not (np.issubdtype(x.dtype, np.number) and np.issubdtype(y.dtype, np.number)):
        raise MNISTFormatError(f"{source}: non-numeric arrays (images {x.dtype}, labels {y.dtype}).")
    if np.issubdtype(x.dtype, np.floating):
        bad = ~np.isfinite(x)
        if bad.any():
            i = int(np.argwhere(bad.reshape(len(x), -1).any(axis=1))[0, 0])
            raise MNISTFormatError(
                f"{source}: {int(bad.sum())} NaN or infinite pixel values (first in image {i})."
            )
        if x.size and (x.min() < 0.0 or x.max() > 1.0):
            raise MNISTFormatError(
                f"{source}: float pixels must lie in [0, 1]; got range [{x.min()}, {x.max()}]."
            )
    if np.issubdtype(y.dtype, np.floating) and y.size and not np.all(y == np.round(y)):
        raise MNISTFormatError(f"{source}: labels must be whole numbers; got dtype {y.dtype} with fractions.")
    if y.size and (y.min() < 0 or y.max() > 9):
        i = int(np.argmax((y < 0) | (y > 9)))
        raise MNISTFormatError(f"{source}: labels must lie in 0..9; label {i} is {y[i]}.")


def _read_npz(path):
    try:
        with np.load(path, allow_pickle=False) as f:
            keys = set(f.files)
            need = {"x_train", "y_train", "x_test", "y_test"}
            if not need <= keys:
                raise MNISTFormatError(
                    f"{path}: a Keras mnist.npz holds {sorted(need)}; this file holds {sorted(keys)}."
                )
            return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])
    except MNISTFormatError:
        raise
    except ValueError as e:  # object arrays refused by allow_pickle=False
        raise MNISTFormatError(f"{path}: not a plain-array .npz file ({e}).") from e
    except (OSError, EOFError, zlib.error, KeyError) as e:
        raise MNISTFormatError(f"{path}: truncated or corrupt .npz file ({type(e).__name__}: {e}).") from e
    except Exception as e:  # zipfile.BadZipFile and friends
        raise MNISTFormatError(f"{path}: truncated or corrupt .npz file ({type(e).__name__}: {e}).") from e


def _read_bytes(path, limit=None):
    """Reads a file, un-gzipping it when it is gzipped, never past `limit` bytes; clear errors when corrupt."""
    limit = MAX_DECOMPRESSED_BYTES if limit is None else limit
    with open(path, "rb") as f:
        magic = f.read(2)
        f.seek(0)
        if magic != b"\x1f\x8b":
            raw = f.read(limit + 1)
            gz = False
        else:
            gz = True
            try:
                with gzip.GzipFile(fileobj=f) as g:  # in chunks: never more than `limit` (+1 chunk) in memory
                    chunks, size = [], 0
                    while size <= limit:
                        chunk = g.read(1 << 20)
                        if not chunk:
                            break
                        chunks.append(chunk)
                        size += len(chunk)
                raw = b"".join(chunks) if size <= limit else None
            except (OSError, EOFError, zlib.error) as e:
                raise MNISTFormatError(f"{path}: truncated or corrupt gzip file ({type(e).__name__}: {e}).") from e
    if raw is None or len(raw) > limit:
        raise MNISTFormatError(f"{path}: {'decompresses to' if gz else 'is'} more than {limit:,} bytes, more than any "
                               f"MNIST file (keras_dlt.datasets.mnist.MAX_DECOMPRESSED_BYTES).")
    return raw


def _read_pickle(path):
    data = _read_bytes(path)
    try:
        obj = safe_load(data, source=path)
    except UnsafePickleError as e:
        raise MNISTFormatError(str(e)) from e
    except Exception as e:
        raise MNISTFormatError(f"{path}: truncated or corrupt pickle ({type(e).__name__}: {e}).") from e
    if not (isinstance(obj, (tuple, list)) and len(obj) == 3):
        raise MNISTFormatError(
            f"{path}: the tutorial's mnist.pkl.gz holds (train, valid, test); got {type(obj).__name__}"
            + (f" of length {len(obj)}" if isinstance(obj, (tuple, list)) else "")
            + "."
        )
    out = []
    for part, pair in zip(("train", "valid", "test"), obj):
        if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
            raise MNISTFormatError(f"{path} ({part}): expected a pair (images, labels).")
        x, y = (np.asarray(a) for a in pair)
        out.append(_to_float(path, part, x, y))
    return tuple(out)


def _idx_files(folder, required=True):
    found = {}
    for key, stems in _IDX_NAMES.items():
        for stem in stems:
            for ext in ("", ".gz"):
                candidate = os.path.join(folder, stem + ext)
                if os.path.isfile(candidate):
                    found[key] = candidate
                    break
            if key in found:
                break
    if len(found) == 4:
        return found
    if required:
        missing = sorted(set(_IDX_NAMES) - set(found))
        raise FileNotFoundError(f"MNIST: folder {folder} lacks IDX files for {missing}.")
    return None


def read_idx(path, expect_magic=None):
    """Reads one IDX file (gzipped or not) into a uint8 numpy array."""
    data = _read_bytes(path)
    if len(data) < 4:
        raise MNISTFormatError(f"{path}: too short for an IDX file ({len(data)} bytes).")
    magic = struct.unpack(">I", data[:4])[0]
    if expect_magic is not None and magic != expect_magic:
        kind = "images" if expect_magic == _IDX_IMAGES_MAGIC else "labels"
        raise MNISTFormatError(
            f"{path}: wrong IDX magic number {magic} (0x{magic:08x}) for {kind}; expected {expect_magic}."
        )
    if magic >> 8 != 0x08:  # 0x08 = unsigned byte data
        raise MNISTFormatError(f"{path}: IDX data type 0x{(magic >> 8) & 0xFF:02x} is not unsigned byte (0x08).")
    ndim = magic & 0xFF
    header = 4 + 4 * ndim
    if len(data) < header:
        raise MNISTFormatError(f"{path}: truncated IDX header.")
    dims = struct.unpack(f">{ndim}I", data[4:header])
    size = int(np.prod(dims))
    if len(data) - header != size:
        raise MNISTFormatError(
            f"{path}: IDX header says dimensions {dims} ({size} bytes) but the file holds "
            f"{len(data) - header} bytes of data (truncated or wrong dimensions)."
        )
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(dims)


def _read_idx_folder(folder):
    files = _idx_files(folder)
    out = []
    for part in ("train", "test"):
        x = read_idx(files[f"{part}_images"], _IDX_IMAGES_MAGIC)
        y = read_idx(files[f"{part}_labels"], _IDX_LABELS_MAGIC)
        if x.ndim != 3 or x.shape[1:] != (28, 28):
            raise MNISTFormatError(f"{files[f'{part}_images']}: images must be [n, 28, 28]; got dimensions {x.shape}.")
        if y.ndim != 1:
            raise MNISTFormatError(f"{files[f'{part}_labels']}: labels must be [n]; got dimensions {y.shape}.")
        if len(x) != len(y):
            raise MNISTFormatError(
                f"{folder}: {files[f'{part}_images']} holds {len(x)} images but "
                f"{files[f'{part}_labels']} holds {len(y)} labels."
            )
        out.append((x, y))
    return tuple(out)
