"""A study opened for the commands that code: its corpus, its instruments and the trained coders.

``qualkit typology``, ``quotes`` and ``report`` start the way a run does: import the inputs and read
the corpus back from the store, load the codebook and typology, and take the trained coders from
the shared cache. Doing it in one place keeps them consistent with ``qualkit run`` and lets a
notebook hold one ``Study``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from .coding import Codebook, CodingEnsemble, load_codebook
from .corpus import Corpus
from .embeddings import Embedder
from .errors import Errors, QualkitError
from .ingest import ImportReport, read_corpus
from .store import Project


@dataclass(frozen=True)
class Study:
    corpus: Corpus
    report: ImportReport
    codebook: Codebook
    coder: CodingEnsemble
    typology: object | None = None       # qualkit.typology.Typology, when one is used
    overrides: dict | None = None        # case -> dimension -> value: the researcher's cells

    @property
    def embedder(self) -> Embedder:
        return self.coder.embedder_

    def type_cases(self):
        """Every case typed; None without a typology."""
        from .typology import type_cases

        if self.typology is None:
            return None
        return type_cases(self.corpus, self.typology, self.coder, overrides=self.overrides)


def open_study(paths: Sequence[str | Path], project: Project | None = None, *,
               cases: str | Path | None = None, codebook_path: str | Path | None = None,
               typology_path: str | Path | None = None,
               overrides_path: str | Path | None = None, cache_dir: str | Path | None = None
               ) -> Study:
    """Import the inputs (into ``project``, or into memory) and take the trained coders.

    The codebook defaults to the typology's own, then to the one qualkit ships. Raises
    :class:`QualkitError` for a bad codebook, typology or override sheet, or when no input holds a
    respondent segment. ``cache_dir`` is where trained coders are kept (default: the shared
    cache).
    """
    from .cache import shared_cache_dir, trained_coder
    from .resources import default_codebook_path
    from .typology import check_codes, load_typology, read_overrides

    typology = load_typology(typology_path) if typology_path else None
    codebook = load_codebook(codebook_path or (typology.codebook if typology is not None
                                               else default_codebook_path()))
    if typology is not None:
        check_codes(typology, codebook)
    corpus, report = read_corpus(paths, project, cases=cases)
    if not len(corpus):
        raise QualkitError(Errors.E075)
    overrides = read_overrides(overrides_path, typology, set(corpus.cases)) \
        if overrides_path and typology is not None else None
    folder = Path(project.path).parent if project is not None else Path.cwd()
    coder = trained_coder(codebook, Embedder(cache=project),
                          Path(cache_dir) if cache_dir else shared_cache_dir(folder))
    return Study(corpus, report, codebook, coder, typology, overrides)
