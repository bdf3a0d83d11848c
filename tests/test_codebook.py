"""Codebook validation: each malformed codebook gets its own error, naming file, line, code and fix."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from qualkit import QualkitError
from qualkit.coding import load_codebook

ROOT = Path(__file__).resolve().parent.parent

VALID = """\
name: tiny
codes:
  - id: safety
    label: Safety
    definition: Fear, abuse and protective orders.
    examples:
      positive: ["I was terrified of him."]
      negative: ["I wasn't scared at all."]
    patterns:
      - "restraining order"
      - [{LEMMA: {IN: ["scare", "terrify"]}}]
  - id: safety_orders
    parent: safety
    definition: Non-molestation and restraining orders.
  - id: relevance
    definition: Whether the course fitted the parent's situation.
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "codebook.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def error_for(tmp_path: Path, text: str) -> QualkitError:
    with pytest.raises(QualkitError) as caught:
        load_codebook(write(tmp_path, text))
    message = str(caught.value)
    assert "codebook.yaml" in message and "Fix:" in message and "\n" not in message
    return caught.value


def test_valid_codebook_loads_with_hierarchy(tmp_path):
    codebook = load_codebook(write(tmp_path, VALID))
    assert codebook.ids == ["safety", "safety_orders", "relevance"]
    assert codebook.themes == ["safety", "relevance"]
    assert codebook.leaves == ["safety_orders", "relevance"]
    assert codebook.theme_of("safety_orders") == "safety"
    assert codebook.children("safety") == ["safety_orders"]
    safety = codebook.code("safety")
    assert safety.phrases == ("restraining order",) and len(safety.token_patterns) == 1
    assert safety.positive == ("I was terrified of him.",) and safety.line == 3
    assert codebook.code("relevance").line == 15


@pytest.mark.parametrize("edit, code, line, words", [
    (lambda t: t.replace("id: relevance", "id: safety"), "E065", 15, "safety"),
    (lambda t: t.replace("parent: safety", "parent: saftey"), "E066", 12, "saftey"),
    (lambda t: t.replace("  - id: safety\n", "  - id: safety\n    parent: safety_orders\n"),
     "E067", 3, "safety -> safety_orders -> safety"),
    (lambda t: t.replace("Whether the course fitted the parent's situation.", '""'), "E068", 15,
     "relevance"),
    (lambda t: t.replace('[{LEMMA: {IN: ["scare", "terrify"]}}]', '[{LEMMA: {INN: ["scare"]}}]'),
     "E069", 3, "safety"),
    (lambda t: t.replace('[{LEMMA: {IN: ["scare", "terrify"]}}]', '[{SHAPE_OF: "x"}]'), "E069", 3,
     "SHAPE_OF"),
    (lambda t: t.replace("id: relevance", "id: Relevance-Theme"), "E064", 15, "relevance_theme"),
    (lambda t: t.replace("    label: Safety\n", "    lable: Safety\n"), "E070", 3, "lable"),
    (lambda t: t.replace("  - id: relevance\n", "  - label: no id here\n"), "E063", 15, "code 3"),
])
def test_each_malformed_codebook_gets_its_error(tmp_path, edit, code, line, words):
    error = error_for(tmp_path, edit(VALID))
    assert error.code == code
    assert error.line == line
    assert words in str(error)


def test_invalid_yaml_points_at_the_line(tmp_path):
    error = error_for(tmp_path, VALID.replace("    label: Safety\n", "    label: [Safety\n"))
    assert error.code == "E061" and error.line is not None and 4 <= error.line <= 6


def test_a_codebook_without_codes_is_refused(tmp_path):
    assert error_for(tmp_path, "name: empty\ncodes: []\n").code == "E062"
    assert error_for(tmp_path, "- just\n- a list\n").code == "E062"


def test_missing_codebook_file_is_a_clear_error(tmp_path):
    with pytest.raises(QualkitError) as caught:
        load_codebook(tmp_path / "nope.yaml")
    assert caught.value.code == "E060" and "nope.yaml" in str(caught.value)


def test_the_study_codebook_is_valid_and_names_the_themes():
    codebook = load_codebook(ROOT / "codebooks" / "spip_plus.yaml")
    assert {"relevance", "safety", "mediation_resistance"} <= set(codebook.themes)
    gold_themes = {"referral_briefing", "group_session_benefits", "online_course",
                   "plus_session_experience", "communication_change", "contact_change",
                   "relationship_change", "return_to_court", "programme_length"}
    assert gold_themes <= set(codebook.themes)
    for theme in ("relevance", "safety", "mediation_resistance"):
        family = [c for c in codebook.codes if codebook.theme_of(c.id) == theme]
        assert len(family) >= 5, theme
        assert sum(len(c.positive) for c in family) >= 40
        assert sum(len(c.negative) for c in family) >= 30
        assert all(c.definition for c in family)


def test_the_study_codebooks_training_sheets_load_with_judged_themes():
    from qualkit.coding import read_training

    codebook = load_codebook(ROOT / "codebooks" / "spip_plus.yaml")
    assert len(codebook.training) >= 2 and all(Path(p).is_file() for p, _ in codebook.training)
    texts, y, groups, weights = read_training(codebook, list(codebook.training))
    assert len(texts) == len(y) == len(groups) == len(weights) > 600
    for theme in ("relevance", "safety", "mediation_resistance"):
        column = y[:, codebook.ids.index(theme)]
        assert (column == 1).sum() >= 40 and (column == 0).sum() >= 200, theme
    assert set(weights) <= {0.3, 1.0}
