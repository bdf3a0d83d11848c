"""Models are found on disk inside their pinned distributions and load by path, offline."""

from __future__ import annotations

import spacy

from qualkit.resources import embedding_model_path, spacy_model_path


def test_spacy_pipeline_loads_by_path():
    path = spacy_model_path()
    assert (path / "config.cfg").is_file() and (path / "meta.json").is_file()
    nlp = spacy.load(path)
    assert {"parser", "ner", "lemmatizer"} <= set(nlp.pipe_names)
    doc = nlp("The court sent us to the course.")
    assert [t.lemma_ for t in doc][1] == "court"


def test_embedding_model_files_are_local():
    path = embedding_model_path()
    assert (path / "model.safetensors").stat().st_size > 10_000_000
    assert (path / "tokenizer.json").is_file() and (path / "1_Pooling" / "config.json").is_file()
