"""A restricted unpickler for the tutorials' data pickles.

`mnist.pkl.gz` (and the polyphonic-music pickles) are pickles: a bare
`pickle.load` on a user's file can run arbitrary code. `safe_load` admits only
the globals a numpy array pickle (or a pickle of plain containers) needs and
refuses everything else *before* it is called.
"""

import io
import pickle

__all__ = ["UnsafePickleError", "safe_load", "NUMPY_GLOBALS", "MAX_ITEMS", "MAX_DEPTH"]

#: The most container items (list, tuple and dict entries, each shared reference counted where it is used, as
#: numpy would expand it) and the deepest nesting a data pickle may hold; an array is one item (its memory is
#: already bounded by the file's bytes). A crafted pickle of nested references to one list is tiny on disk but
#: expands without end.
MAX_ITEMS = 50_000_000
MAX_DEPTH = 32

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


def _check_bounded(obj, source, max_items, max_depth):
    """Refuses `obj` if, expanded as numpy would expand it, it holds more than `max_items` container items or nests
    deeper than `max_depth`. Each distinct container is visited once (shared ones are counted where used), so a
    crafted pickle is refused in microseconds, not after expanding it."""
    sizes = {}

    def expanded(o, depth):
        if depth > max_depth:
            raise UnsafePickleError(f"{source}: refusing this pickle: containers nest deeper than {max_depth} "
                                    f"levels, which no data file needs.")
        key = id(o)
        if key in sizes:
            return sizes[key]
        children = o.values() if isinstance(o, dict) else o
        n = len(o)
        for child in children:
            if isinstance(child, (list, tuple, dict)):
                n += expanded(child, depth + 1)
                if n > max_items:
                    raise UnsafePickleError(
                        f"{source}: refusing this pickle: it expands to more than {max_items:,} items (nested "
                        f"references can make a tiny file unbounded); raise max_items to read a genuinely larger "
                        f"file.")
        sizes[key] = n
        return n

    if isinstance(obj, (list, tuple, dict)):
        expanded(obj, 0)


def safe_load(file, source="<pickle>", allowed=NUMPY_GLOBALS, encoding="latin1", max_items=None, max_depth=None):
    """Unpickles `file` (a binary file object or bytes) with a whitelist.

    Args:
        file: binary file object or `bytes`.
        source: name used in error messages (usually the file's path).
        allowed: set of `(module, name)` globals that may be looked up.
            Pass `frozenset()` for pickles of plain lists/dicts/ints.
        encoding: how Python 2 strings are decoded (`latin1` reads numpy
            arrays pickled by Python 2, as `mnist.pkl.gz` is).

        max_items, max_depth: bounds on what the object expands to,
            checked before anyone expands it. Default: the module's
            `MAX_ITEMS`, `MAX_DEPTH` (set those to raise them for the loaders).

    Returns:
        The unpickled object.

    Raises:
        UnsafePickleError: the pickle refers to a global outside `allowed`,
            or expands beyond the bounds.
    """
    if isinstance(file, (bytes, bytearray)):
        file = io.BytesIO(file)
    obj = _RestrictedUnpickler(file, allowed, source, encoding=encoding).load()
    _check_bounded(obj, source, MAX_ITEMS if max_items is None else max_items,
                   MAX_DEPTH if max_depth is None else max_depth)
    return obj
