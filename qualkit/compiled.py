"""numba's compiled UMAP, kept on disk so that a new process does not compile it again.

BERTopic reduces the embeddings with UMAP, whose functions numba compiles on their first call: about
20 s in every new process. ``NUMBA_CACHE_DIR`` keeps only the functions a package marks
``cache=True``, and umap and pynndescent mark few of them: the nearest-neighbour search, the fuzzy
simplicial set and the layout were compiled afresh in every run. Caching is turned on for all of
their jitted functions instead. In a new process with the cache warm, UMAP on 654 vectors of 384
dimensions (the sample's segments) took 1.6 s instead of 18.0 s, with the same output. Only the
``qualkit`` command turns this on (:mod:`qualkit.tuning`): it changes the process's warning filters
and numba's functions, which a notebook's process may not want.
"""

from __future__ import annotations

import re
import sys
import warnings

PACKAGES = ("umap", "pynndescent")


def cache_compilations(packages: tuple[str, ...] = PACKAGES) -> int:
    """Turn on numba's on-disk cache for every jitted function of the ``packages`` imported so far;
    returns how many were turned on. A function numba cannot cache is left as it was: this only
    saves time, so a numba without these internals just compiles as before. Some cannot be kept
    (pynndescent's ``nn_descent`` holds ctypes pointers; it runs on corpora of over 4,096
    segments): numba says so when it compiles them, and that warning, about caching qualkit asked
    for and the package never did, is silenced for those functions only."""
    try:
        from numba.core.caching import NullCache
        from numba.core.dispatcher import Dispatcher
        from numba.core.errors import NumbaWarning
    except ImportError:
        return 0
    turned_on = 0
    for name, module in list(sys.modules.items()):
        if module is None or name.split(".")[0] not in packages:
            continue
        for value in list(vars(module).values()):
            if isinstance(value, Dispatcher) and isinstance(getattr(value, "_cache", None), NullCache):
                try:
                    value.enable_caching()
                except (RuntimeError, OSError):  # no writable place to keep this one
                    continue
                turned_on += 1
                name = re.escape(getattr(value.py_func, "__qualname__", ""))
                warnings.filterwarnings("ignore", f'Cannot cache compiled function "{name}"',
                                        NumbaWarning)
    return turned_on
