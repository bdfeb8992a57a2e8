"""A restricted unpickler for the tutorials' data pickles.

`mnist.pkl.gz` (and the polyphonic-music pickles) are pickles: a bare
`pickle.load` on a user's file can run arbitrary code. `safe_load` admits only
the globals a numpy array pickle (or a pickle of plain containers) needs and
refuses everything else *before* it is called.
"""

import io
import pickle

__all__ = ["UnsafePickleError", "safe_load", "NUMPY_GLOBALS"]

# What a pickled numpy array refers to, in numpy 1.x and 2.x spellings.
NUMPY_GLOBALS = frozenset(
    {
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy.core.multiarray", "scalar"),
        ("numpy._core.multiarray", "scalar"),
        ("numpy._core.numeric", "_frombuffer"),  # protocol 5 arrays
        ("numpy.core.numeric", "_frombuffer"),
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("copyreg", "_reconstructor"),
        ("_codecs", "encode"),  # bytes written by Python 3 at protocol 2
        ("__builtin__", "object"),
        ("builtins", "object"),
    }
)


class UnsafePickleError(pickle.UnpicklingError):
    """A pickle asked for something that a data file never needs."""


class _RestrictedUnpickler(pickle.Unpickler):
    def __init__(self, file, allowed, source, **kwargs):
        super().__init__(file, **kwargs)
        self._allowed = allowed
        self._source = source

    def find_class(self, module, name):
        if (module, name) in self._allowed:
            return super().find_class(module, name)
        raise UnsafePickleError(
            f"{self._source}: refusing to load this pickle: it asks for "
            f"`{module}.{name}`, which a data file never holds (only "
            "arrays, lists, tuples, dicts, numbers and strings are allowed). "
            "It was not executed."
        )


def safe_load(file, source="<pickle>", allowed=NUMPY_GLOBALS, encoding="latin1"):
    """Unpickles `file` (a binary file object or bytes) with a whitelist.

    Args:
        file: binary file object or `bytes`.
        source: name used in error messages (usually the file's path).
        allowed: set of `(module, name)` globals that may be looked up.
            Pass `frozenset()` for pickles of plain lists/dicts/ints.
        encoding: how Python 2 strings are decoded (`latin1` reads numpy
            arrays pickled by Python 2, as `mnist.pkl.gz` is).

    Returns:
        The unpickled object.

    Raises:
        UnsafePickleError: the pickle refers to a global outside `allowed`.
    """
    if isinstance(file, (bytes, bytearray)):
        file = io.BytesIO(file)
    return _RestrictedUnpickler(file, allowed, source, encoding=encoding).load()
