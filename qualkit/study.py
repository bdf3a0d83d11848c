"""A study read once and shared by the commands that need coding: inputs, coder, typology.

``qualkit typology``, ``quotes`` and ``report`` all start the same way: read the inputs (every
speaker, so answers can be read with their questions), train the coders on the codebook, and perhaps
type the cases. Doing it in one place keeps them consistent and lets a notebook hold one ``Study``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import pandas as pd

from .coding import CodingEnsemble, load_codebook, train_coder
from .embeddings import Embedder
from .errors import Errors, QualkitError
from .ingest import ImportReport, Inputs, read_inputs
from .segment import Segmenter
from .store import Project


@dataclass
class Study:
    inputs: Inputs                       # every speaker's segments, in transcript order
    coder: CodingEnsemble
    embedder: Embedder
    typology: object | None = None       # qualkit.typology.Typology, when one is used
    overrides: dict | None = None
    _typed: object | None = field(default=None, repr=False)

    @property
    def report(self) -> ImportReport:
        return self.inputs.report

    @property
    def attributes(self) -> pd.DataFrame:
        return self.inputs.attributes

    def respondent_segments(self) -> pd.DataFrame:
        segments = self.inputs.segments
        return segments[segments["role"] == "respondent"].reset_index(drop=True)

    def typology_result(self):
        """Every case typed (computed once)."""
        from .typology import type_cases

        if self._typed is None and self.typology is not None:
            self._typed = type_cases(self.inputs.segments, self.typology, self.coder,
                                     self.attributes, self.overrides)
        return self._typed


def read_study(paths: Sequence[str | Path], project: Project | None, cases: str | Path | None,
               codebook_path: str | Path | None, typology_path: str | Path | None = None,
               overrides_path: str | Path | None = None, coder=None) -> Study:
    """Read the inputs (importing them into ``project`` if given) and train the coders.

    The codebook defaults to the typology's own; ``coder(codebook, embedder)`` replaces training
    (e.g. a cache of trained coders). Raises :class:`QualkitError` for a bad codebook,
    typology or override sheet, or when no input holds a respondent segment.
    """
    from .typology import check_codes, load_typology, read_overrides

    typology = load_typology(typology_path) if typology_path else None
    codebook = load_codebook(codebook_path or typology.codebook)
    if typology is not None:
        check_codes(typology, codebook)
    if project is not None:
        read_inputs(paths, project, cases=cases)
    inputs = read_inputs(paths, segmenter=Segmenter(all_speakers=True), cases=cases)
    if not (inputs.segments["role"] == "respondent").any():
        raise QualkitError(Errors.E075)
    overrides = read_overrides(overrides_path, typology, set(inputs.segments["case"])) \
        if overrides_path and typology is not None else None
    embedder = Embedder(cache=project)
    trained = coder(codebook, embedder) if coder else train_coder(codebook, embedder=embedder)
    return Study(inputs, trained, embedder, typology, overrides)
