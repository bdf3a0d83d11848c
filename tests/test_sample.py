"""The sample corpus is what the brief promises, imports cleanly, and its gold coding lines up."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from qualkit import Project, import_paths

SAMPLE = Path(__file__).resolve().parent.parent / "transcripts_sample"
TYPES = {"non_starter", "group_session_generated_change", "conflict_inflaming", "inappropriate_dv",
         "i_dont_need_to_change", "short_term_improvements", "court_ordered_but_improved",
         "already_sorted", "transformative_diy", "negative_full_pathway", "positive_full_pathway"}


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    with Project(tmp_path_factory.mktemp("sample") / "sample.qualkit") as project:
        report = import_paths([SAMPLE], project, cases=SAMPLE / "cases.csv")
        assert report.ok, [f.error for f in report.failed] + report.errors
        yield project


def test_cases_sheet_matches_the_study_design():
    cases = pd.read_csv(SAMPLE / "cases.csv", dtype=str)
    assert len(cases) == 25
    assert cases.role.value_counts().to_dict() == {"Mother": 13, "Father": 12}
    assert (cases.harm == "yes").sum() == 7
    assert set(cases.area) == {"Area A", "Area B", "Area C", "Area D"}
    per_type = cases.intended_type.value_counts()
    assert set(per_type.index) == TYPES and per_type.between(2, 3).all()
    assert set(cases.loc[cases.intended_type == "inappropriate_dv", "harm"]) == {"yes"}


def test_every_file_imports_with_the_formats_the_brief_asks_for(project):
    transcripts = project.transcripts()
    parents = transcripts[transcripts.case_id.str.startswith("P")]
    groups = transcripts[transcripts.case_id.str.startswith("FG")]
    assert len(parents) == 25 and len(groups) == 4
    assert parents.n_words.between(800, 3000).all(), parents[["case_id", "n_words"]]
    formats = transcripts.format.value_counts().to_dict()
    assert formats.get("docx", 0) >= 3 and formats.get("vtt", 0) >= 1 and formats["txt"] >= 15
    turns = project.turns()
    docx_cases = set(transcripts.loc[transcripts.format == "docx", "case_id"])
    timed_docx = {c for c in docx_cases if turns.loc[turns.case_id == c, "time"].notna().all()}
    assert timed_docx, "one .docx should be the (time | speaker | text) table layout"
    speakers = turns[turns.case_id.str.startswith("FG") & (turns.role == "respondent")]
    assert speakers.groupby("case_id").speaker.nunique().between(4, 8).all()


def test_case_attributes_come_from_the_sheet(project):
    cases = project.cases().set_index("case")
    assert cases.loc["P22", "role"] == "Father"  # a .vtt file: no front matter, the sheet supplies it
    assert cases.loc["FG_C", "role"] == "SPIP Provider"


def test_placeholders_follow_the_anonymisation_convention(project):
    text = " ".join(project.turns().text)
    assert "[ex-partner]" in text and "[town]" in text


def test_gold_rows_are_sample_segments_verbatim(project):
    gold = pd.read_csv(SAMPLE.parent / "codebooks" / "training" / "gold.csv", dtype=str, keep_default_na=False)
    assert len(gold) >= 300 and gold.id.is_unique
    segments = project.segments().set_index("segment_id")
    missing = set(gold.id) - set(segments.index)
    assert not missing
    assert (segments.loc[gold.id, "text"].values == gold.text.values).all()
    assert set(segments.loc[gold.id, "role"]) == {"respondent"}
    themes = ["relevance", "safety", "mediation_resistance"]
    wide = gold[themes].astype(int)
    assert (wide.sum() >= 15).all()
    listed = gold.themes.str.split(";")
    assert all((theme in row) == bool(flag) for row, flags in zip(listed, wide.values)
               for theme, flag in zip(themes, flags))
