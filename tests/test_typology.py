"""Typologies: the SPIP Plus file against Table 9.1, the validator, classification, overrides,
fitting, the outputs and the command."""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from pathlib import Path

import docx
import pandas as pd
import pytest
from click.testing import CliRunner

from qualkit import Project, QualkitError
from qualkit.cli import main
from qualkit.coding import parse_codebook
from qualkit.privacy import PrivacyGate, build_detector
from qualkit.typology import (UNCLASSIFIED, TypologyResult, check_codes, classify_cases,
                              load_typology, parse_typology, read_overrides, store_typing,
                              with_questions, write_typology_outputs)
from qualkit.typology.fit import case_features, dump_typology, fit_typology
from qualkit.typology.tables import typology_markdown

ROOT = Path(__file__).resolve().parent.parent
SPIP = ROOT / "codebooks" / "spip_plus_typology.yaml"
SHARED_TABLE = ROOT.parent / "shared" / "domain" / "typology.md"

# Table 9.1 as ../shared/domain/typology.md prints it (that file is not in the repository, so the
# rows are copied here verbatim; the test below compares them with the file when it is present).
TABLE_9_1 = """\
| 1 | SPIP group session only | Non-starter | Ok | Positive | No joint meeting (one parent insisted on separate rooms) | No | Court | No change (poor) | no |
| 2 | SPIP group session only | Group-session generated change | Ok | Positive | Resident parent (RP) only attended | No | RP-initiated private agreement | RP-initiated improvements | yes |
| 3 | SPIP and Plus | Conflict-inflaming | Ok | Ok | Argumentative | No | Court | Worse | no |
| 4 | SPIP and Plus | Inappropriate - DV | Inappropriate - DV | Ok or irrelevant | Unhelpful or oppressive | No | Court | No change (poor) | no |
| 5 | SPIP and Plus | I don't need to change | Ok | Limited relevance | Negative - patronising or do not listen | No | Court | No change (poor) | no |
| 6 | SPIP and Plus | Short-term improvements | Ok | Positive | Ok, some attempted communication | No | Court | Temporary improvements only | no |
| 7 | SPIP and Plus | Court-ordered but improved | Ok | Positive | Restarted or improved communication | No | Court | Improved or hugely improved | yes |
| 8 | SPIP and Plus | Already sorted | Inappropriate - effective communication | Ok | Too basic | No | Private agreement | Already effective | no |
| 9 | SPIP and Plus | Transformative DIY | Ok | Positive | Restarted communication | No | Private agreement | Improved (hugely) | yes |
| 10 | SPIP Plus and mediation | Negative full pathway | Ok | Ok | Ok | Partial agreement | Consent order but ongoing proceedings | No change (poor) | no |
| 11 | SPIP Plus and mediation | Positive full pathway | Ok | Positive | Positive | Agreement | Mediated | Improved | yes |
"""
TYPE_IDS = ["non_starter", "group_session_generated_change", "conflict_inflaming", "inappropriate_dv",
            "i_dont_need_to_change", "short_term_improvements", "court_ordered_but_improved",
            "already_sorted", "transformative_diy", "negative_full_pathway", "positive_full_pathway"]
DIMENSION_IDS = ["stage_completed", "referral_appropriateness", "group_experience", "plus_experience",
                 "mediation_uptake", "agreement_method", "relationship_outcome"]


def table_rows(text: str) -> list[list[str]]:
    return [[cell.strip() for cell in line.strip().strip("|").split("|")]
            for line in text.splitlines() if re.match(r"\|\s*\d+\s*\|", line)]


def test_the_copied_table_is_the_shared_one():
    if not SHARED_TABLE.exists():
        pytest.skip(f"{SHARED_TABLE} is not beside this checkout")
    assert table_rows(SHARED_TABLE.read_text(encoding="utf-8")) == table_rows(TABLE_9_1)


def test_spip_typology_reproduces_table_9_1_cell_for_cell():
    typology = load_typology(SPIP)
    assert [t.id for t in typology.types] == TYPE_IDS
    assert typology.dimension_ids == DIMENSION_IDS
    for kind, row in zip(typology.types, table_rows(TABLE_9_1)):
        cells = [kind.cell(d).text for d in DIMENSION_IDS]
        assert [cells[0], kind.label, *cells[1:]] == row[1:9], kind.id
        assert kind.successful == (row[9] == "yes"), kind.id
    assert {t.id for t in typology.types if t.successful} == {
        "group_session_generated_change", "court_ordered_but_improved", "transformative_diy",
        "positive_full_pathway"}


def test_spip_typology_names_only_codes_of_its_codebook():
    from qualkit.coding import load_codebook

    typology = load_typology(SPIP)
    check_codes(typology, load_codebook(typology.codebook))  # raises if one were missing
    assert typology.codes()


def test_markdown_table_keeps_table_9_1_layout():
    typology = load_typology(SPIP)
    text = typology_markdown(typology, Counter({"non_starter": 2, "inappropriate_dv": 3}))
    rows = table_rows(text)
    assert len(rows) == 11
    assert rows[0][1] == "SPIP group session only" and rows[1][1] == ""  # stage blocks
    assert rows[3][-1] == "3" and rows[4][-1] == "0"
    assert rows[1][-2] == "yes" and rows[0][-2] == ""
    hidden = typology_markdown(typology, Counter({"non_starter": 2}), suppress=True)
    assert [row[-1] for row in table_rows(hidden)] == ["present"] + ["none"] * 10
    assert typology.counts_note.split(":")[0] in hidden


# --- a small typology for the validator and the classifier -------------------------------------

MINI = """\
name: mini_typology
codebook: mini.yaml
min_confidence: 0.6
min_evidence: 0.3
sharpness: 10
dimensions:
  - id: decision
    label: Decision
    values:
      - id: court
        text: Court
        evidence: [{code: court_decided, weight: 1.0}]
      - id: private
        text: Private agreement
        evidence: [{code: private_agreed, weight: 1.0}]
  - id: outcome
    label: Outcome
    values:
      - id: better
        text: Better
        evidence: [{code: got_better, weight: 1.0}]
      - id: worse
        text: Worse
        evidence:
          - {code: got_worse, weight: 1.0}
          - {attribute: harm, equals: ["yes"], weight: 0.5}
types:
  - id: fought_it_out
    label: Fought it out
    cells: {decision: court, outcome: worse}
  - id: judge_helped
    label: The judge helped
    successful: true
    cells: {decision: court, outcome: better}
  - id: diy
    label: Sorted it ourselves
    successful: true
    cells: {decision: private, outcome: {values: [better, worse], text: Better or worse}}
"""

MINI_CODEBOOK = """\
name: mini
codes:
  - id: court_decided
    definition: A judge decided the arrangements after a hearing.
    examples: {positive: ["In the end the judge made the order at the final hearing."]}
  - id: private_agreed
    definition: The parents agreed arrangements between themselves, without court or mediation.
    examples: {positive: ["We sat down at the kitchen table and wrote the holidays out ourselves."]}
  - id: got_better
    definition: The parents' relationship improved.
    examples: {positive: ["We get on so much better now, we actually talk."]}
  - id: got_worse
    definition: The parents' relationship got worse.
    examples: {positive: ["It's worse than ever, he won't even answer a text now."]}
"""


def mini() -> object:
    return parse_typology(MINI, "mini_typology.yaml")


def scores(rows: dict[str, dict[str, float]]) -> pd.DataFrame:
    """One segment per (case, code) score, so the evidence ids say which code voted."""
    records = []
    for case, found in rows.items():
        for i, (code, score) in enumerate(found.items()):
            record = {"segment_id": f"{case}:t{i:03d}:0", "case": case, "text": f"about {code}",
                      "court_decided": 0.0, "private_agreed": 0.0, "got_better": 0.0,
                      "got_worse": 0.0}
            record[code] = score
            records.append(record)
    return pd.DataFrame(records)


@pytest.mark.parametrize("change, code", [
    (("cells: {decision: court, outcome: better}", "cells: {decision: court, outcome: worse}"),
     "E106"),
    (("cells: {decision: court, outcome: better}", "cells: {decison: court, outcome: better}"), "E104"),
    (("cells: {decision: court, outcome: better}", "cells: {decision: judge, outcome: better}"), "E105"),
    (("{code: got_better, weight: 1.0}", "{code: got_happier, weight: 1.0}"), "E107"),
    (("cells: {decision: court, outcome: better}", "cells: {decision: court}"), "E109"),
    (("      - id: private\n", "      - id: court\n"), "E103"),
    (("  - id: diy\n    label: Sorted", "  - id: Sorted-Ourselves\n    label: Sorted"), "E108"),
    (("    label: Outcome\n", "    label: Outcome\n    colour: red\n"), "E108"),
    (("min_confidence: 0.6", "min_confidence: 6"), "E108"),
    (("sharpness: 10", "sharpness: -1"), "E108"),
    (("[{code: court_decided, weight: 1.0}]", "[{weight: 1.0}]"), "E108"),
    ((', equals: ["yes"]', ""), "E108"),
    (("weight: 0.5}", "weight: -0.5}"), None),
    (("weight: 0.5}", "weight: .nan}"), "E108"),  # NaN and infinity gave empty confidences
    (("{code: got_worse, weight: 1.0}", "{code: got_worse, weight: -.inf}"), "E108"),
    (("sharpness: 10", "sharpness: .inf"), "E108"),
    (("dimensions:", "dimension:"), "E101"),
    (("  - id: decision\n", "  - id: decision\n    values: [\n"), "E061"),
])
def test_validator_names_file_line_and_fix(change, code):
    old, new = change
    assert old in MINI
    text = MINI.replace(old, new, 1)
    codebook = parse_codebook(MINI_CODEBOOK, "mini.yaml")
    if code is None:  # a harmless edit still loads
        check_codes(parse_typology(text, "mini_typology.yaml"), codebook)
        return
    with pytest.raises(QualkitError) as caught:
        check_codes(parse_typology(text, "mini_typology.yaml"), codebook)
    message = str(caught.value)
    assert caught.value.code == code, message
    assert message.startswith("mini_typology.yaml") and "Fix:" in message
    if code not in ("E101", "E061"):
        assert re.search(r"line \d+", message), message


def test_load_typology_reports_a_missing_file(tmp_path):
    with pytest.raises(QualkitError) as caught:
        load_typology(tmp_path / "nope.yaml")
    assert caught.value.code == "E100" and "nope.yaml" in str(caught.value)


def test_exact_match_with_evidence_and_confidence():
    results = classify_cases(mini(), scores({"A": {"court_decided": 0.9, "got_worse": 0.8}}))
    (result,) = results
    assert result.type == "fought_it_out" and result.reason == "exact match"
    assert result.confidence > 0.9
    assert result.runner_up == "judge_helped"
    assert result.dimensions["decision"].evidence == ["A:t000:0"]
    assert result.dimensions["outcome"].evidence == ["A:t001:0"]
    assert result.dimensions["outcome"].code == "got_worse"


def test_set_valued_cell_accepts_either_value():
    for outcome in ("got_better", "got_worse"):
        (result,) = classify_cases(mini(), scores({"A": {"private_agreed": 0.9, outcome: 0.9}}))
        assert result.type == "diy"


def test_attribute_votes_for_a_value():
    frame = scores({"A": {"court_decided": 0.9, "got_better": 0.2}})
    attributes = pd.DataFrame({"harm": ["yes"]}, index=["A"])
    (with_harm,) = classify_cases(mini(), frame, attributes)
    assert with_harm.dimensions["outcome"].value == "worse"
    assert "harm" in with_harm.dimensions["outcome"].reason


def test_no_evidence_for_a_dimension_is_reported_not_guessed():
    (result,) = classify_cases(mini(), scores({"A": {"court_decided": 0.9}}))
    outcome = result.dimensions["outcome"]
    assert outcome.value is None and outcome.source == "none"
    assert "no evidence for outcome" in result.reason
    # half the weight is unknown, so the fit cannot reach min_confidence: no type is claimed
    assert result.type == UNCLASSIFIED and result.best_match in {"fought_it_out", "judge_helped"}


def test_a_tie_between_types_is_unclassified_with_both_named():
    (result,) = classify_cases(mini(), scores({"A": {"court_decided": 0.9, "got_better": 0.7,
                                                     "got_worse": 0.7}}))
    assert result.type == UNCLASSIFIED
    assert result.reason.startswith("tie between")
    assert {"fought_it_out", "judge_helped"} <= set(re.findall(r"[a-z_]+", result.reason))


def test_weak_best_match_is_unclassified_with_the_reason():
    typology = parse_typology(MINI.replace("min_confidence: 0.6", "min_confidence: 0.99"), "m.yaml")
    (result,) = classify_cases(typology, scores({"A": {"court_decided": 0.5, "got_worse": 0.4,
                                                       "private_agreed": 0.35}}))
    assert result.type == UNCLASSIFIED and "fits only" in result.reason
    assert result.best_match == "fought_it_out"


def test_prior_holds_the_usual_value_and_says_so():
    text = MINI.replace("      - id: better\n        text: Better\n",
                        "      - id: better\n        text: Better\n        prior: 0.5\n")
    (result,) = classify_cases(parse_typology(text, "m.yaml"), scores({"A": {"court_decided": 0.9}}))
    outcome = result.dimensions["outcome"]
    assert outcome.value == "better" and outcome.source == "prior"
    assert result.type == "judge_helped"


def test_priority_value_wins_whenever_it_has_evidence():
    text = MINI.replace("      - id: worse\n        text: Worse\n",
                        "      - id: worse\n        text: Worse\n        priority: 1\n")
    frame = scores({"A": {"court_decided": 0.9, "got_better": 0.95, "got_worse": 0.4}})
    (plain,) = classify_cases(mini(), frame)
    (urgent,) = classify_cases(parse_typology(text, "m.yaml"), frame)
    assert plain.dimensions["outcome"].value == "better"
    assert urgent.dimensions["outcome"].value == "worse"


def test_overrides_win_and_are_recorded_as_human_decisions(tmp_path):
    typology = mini()
    sheet = tmp_path / "overrides.csv"
    sheet.write_text("case,dimension,value\nA,outcome,Better\nB,decision,private\n", encoding="utf-8")
    overrides = read_overrides(sheet, typology, {"A", "B"})
    assert overrides == {"A": {"outcome": "better"}, "B": {"decision": "private"}}
    frame = scores({"A": {"court_decided": 0.9, "got_worse": 0.9},
                    "B": {"court_decided": 0.9, "got_better": 0.9}})
    results = {r.case: r for r in classify_cases(typology, frame, overrides=overrides)}
    assert results["A"].type == "judge_helped"
    assert results["A"].dimensions["outcome"].source == "human"
    assert results["B"].type == "diy"
    with Project(tmp_path / "p.qualkit") as project:
        project.set_case_attributes({"A": {"role": "Mother"}, "B": {"role": "Father"}}, "test")
        store_typing(project, typology, list(results.values()), overrides_source="overrides.csv")
        stored = project.query("SELECT case_id, dimension, value, source FROM typology_assignments")
    human = stored[stored.source.str.startswith("human")]
    assert set(zip(human.case_id, human.dimension, human.value, human.source)) == {
        ("A", "outcome", "better", "human:overrides.csv"),
        ("B", "decision", "private", "human:overrides.csv")}
    types = stored[stored.dimension.isna()].set_index("case_id").value
    assert types.to_dict() == {"A": "judge_helped", "B": "diy"}


@pytest.mark.parametrize("row, problem", [
    ("A,outcome,Sideways", "outcome value 'Sideways'"),
    ("A,mood,better", "dimension 'mood'"),
    ("Z,outcome,better", "case 'Z'"),
])
def test_bad_override_names_file_line_and_value(tmp_path, row, problem):
    sheet = tmp_path / "overrides.csv"
    sheet.write_text(f"case,dimension,value\nA,decision,court\n{row}\n", encoding="utf-8")
    with pytest.raises(QualkitError) as caught:
        read_overrides(sheet, mini(), {"A", "B"})
    assert caught.value.code == "E110"
    assert "overrides.csv, line 3" in str(caught.value) and problem in str(caught.value)


def test_fitting_learns_weights_that_type_known_cases_and_round_trips(tmp_path):
    typology = mini()
    frame = scores({
        "A": {"court_decided": 0.6, "got_worse": 0.5}, "B": {"court_decided": 0.7, "got_better": 0.4},
        "C": {"private_agreed": 0.5, "got_better": 0.6}, "D": {"court_decided": 0.5, "got_worse": 0.7},
        "E": {"court_decided": 0.6, "got_better": 0.6}, "F": {"private_agreed": 0.7, "got_worse": 0.5}})
    known = {"A": "fought_it_out", "B": "judge_helped", "C": "diy", "D": "fought_it_out",
             "E": "judge_helped", "F": "diy"}
    features = case_features(typology, frame)
    assert list(features.columns) == ["court_decided", "private_agreed", "got_better", "got_worse",
                                      "harm=yes"]
    fitted = fit_typology(typology, features, known)
    assert {r.case: r.type for r in classify_cases(fitted, frame)} == known
    decision = fitted.dimension("decision")
    court_weights = {r.code: r.weight for r in decision.value("court").evidence}
    assert court_weights["court_decided"] > court_weights.get("private_agreed", 0)
    path = tmp_path / "fitted.yaml"
    path.write_text(dump_typology(fitted, path, "fitted for a test"), encoding="utf-8")
    again = load_typology(path)

    def unplaced(items):  # the same content, wherever it sits in the file
        return [dataclasses.replace(item, line=0) for item in items]

    assert unplaced(again.types) == unplaced(fitted.types)
    assert unplaced(again.dimensions) == unplaced(fitted.dimensions)
    assert path.read_text().startswith("# fitted for a test\n")


def test_answers_are_read_with_their_question():
    segments = pd.DataFrame({
        "segment_id": ["A:t000:0", "A:t001:0", "A:t002:0", "A:t003:0"], "case": ["A"] * 4,
        "role": ["interviewer", "respondent", "interviewer", "respondent"],
        "turn": [0, 1, 2, 3],
        "text": ["And the mediation itself?", "We had three sessions.", "And now?", "Better."]})
    answered = with_questions(segments)
    assert answered.segment_id.tolist() == ["A:t001:0", "A:t003:0"]
    assert answered.context.tolist() == ["And the mediation itself? We had three sessions.",
                                         "And now? Better."]
    assert answered.text.tolist() == ["We had three sessions.", "Better."]


def test_outputs_pass_the_gate_and_open(tmp_path):
    typology = mini()
    frame = scores({"A": {"court_decided": 0.9, "got_worse": 0.8},
                    "B": {"private_agreed": 0.9, "got_better": 0.9}})
    results = classify_cases(typology, frame)
    quotes = {("A", "decision"): "Judge Smithson decided it in the end, he lives at 14 Elm Road.",
              ("B", "decision"): "We sorted it ourselves."}
    result = TypologyResult(typology, results, frame, quotes)
    gate = PrivacyGate(build_detector())
    written = write_typology_outputs(result, tmp_path / "out" / "cases.csv", gate)
    assert sorted(p.name for p in written) == ["case_matrix.csv", "cases.csv", "typology_table.docx",
                                               "typology_table.md"]
    cases = pd.read_csv(tmp_path / "out" / "cases.csv", dtype=str, keep_default_na=False)
    assert list(cases.columns[:5]) == ["case", "type", "type_label", "confidence", "runner_up"]
    assert cases.set_index("case").type.to_dict() == {"A": "fought_it_out", "B": "diy"}
    assert cases.set_index("case").outcome["B"] == "Better"  # not the cell's "Better or worse"
    assert cases.set_index("case").evidence["A"] == "A:t000:0;A:t001:0"
    matrix = pd.read_csv(tmp_path / "out" / "case_matrix.csv", dtype=str).set_index("case")
    assert matrix.decision["B"] == 'Private agreement: "We sorted it ourselves." (B:t000:0)'
    assert "Smithson" not in matrix.decision["A"] and "Elm Road" not in matrix.decision["A"]
    assert gate.redacted >= 1
    document = docx.Document(tmp_path / "out" / "typology_table.docx")
    (table,) = document.tables
    assert len(table.rows) == 1 + len(typology.types)
    assert [c.text for c in table.rows[0].cells][:3] == ["#", "Case type", "Decision"]  # no blocks
    assert [c.text for c in table.rows[1].cells][-1] == "1"
    assert not list((tmp_path / "out").glob(".*.tmp"))


def test_strict_gate_writes_nothing(tmp_path):
    typology = mini()
    frame = scores({"A": {"court_decided": 0.9, "got_worse": 0.8}})
    result = TypologyResult(typology, classify_cases(typology, frame), frame,
                            {("A", "decision"): "Judge Smithson lives at 14 Elm Road, Leeds."})
    with pytest.raises(QualkitError) as caught:
        write_typology_outputs(result, tmp_path / "cases.csv", PrivacyGate(build_detector(),
                                                                            mode="strict"))
    assert caught.value.code == "E091"
    assert not list(tmp_path.iterdir())


TRANSCRIPT = """\
---
case: {case}
role: {role}
area: Area B
harm: "{harm}"
---
Interviewer: How were the arrangements decided in the end?

{role}: {decision}

Interviewer: And how are things between you now?

{role}: {outcome}
"""


def test_cli_types_transcripts_with_overrides_and_a_project(tmp_path):
    (tmp_path / "mini.yaml").write_text(MINI_CODEBOOK, encoding="utf-8")
    (tmp_path / "mini_typology.yaml").write_text(MINI, encoding="utf-8")
    study = tmp_path / "study"
    study.mkdir()
    stories = {
        "C1": ("Mother", "no", "There was a final hearing and the judge made the order, every other "
               "weekend.", "It's worse than ever, he won't even answer a text now."),
        "C2": ("Father", "no", "We sat down at the kitchen table, just the two of us, and wrote the "
               "holidays out ourselves.", "We get on so much better now, we actually talk."),
        "C3": ("Mother", "yes", "The judge decided it at the hearing in the end.",
               "We get on better now, honestly, we talk at handovers."),
    }
    for case, (role, harm, decision, outcome) in stories.items():
        (study / f"{case}.txt").write_text(TRANSCRIPT.format(case=case, role=role, harm=harm,
                                                             decision=decision, outcome=outcome))
    (study / "cases.csv").write_text("case,role,area,harm\nC1,Mother,Area B,no\n"
                                     "C2,Father,Area B,no\nC3,Mother,Area B,no\n")
    (tmp_path / "overrides.csv").write_text("case,dimension,value\nC3,outcome,worse\n")
    out = tmp_path / "out" / "cases.csv"
    result = CliRunner().invoke(main, [
        "typology", str(study), "--out", str(out), "--typology", str(tmp_path / "mini_typology.yaml"),
        "--overrides", str(tmp_path / "overrides.csv"), "--project", str(tmp_path / "p.qualkit")])
    assert result.exit_code == 0, result.output
    cases = pd.read_csv(out, dtype=str, keep_default_na=False).set_index("case")
    assert set(cases.index) == {"C1", "C2", "C3"}  # cases.csv in the folder was not a transcript
    assert cases.type.to_dict() == {"C1": "fought_it_out", "C2": "diy", "C3": "fought_it_out"}
    assert cases.overridden["C3"] == "outcome" and cases.outcome["C3"] == "Worse"
    assert all(e.startswith(f"{c}:") for c, ids in cases.evidence.items() for e in ids.split(";") if e)
    assert {"case_matrix.csv", "typology_table.md", "typology_table.docx"} <= {
        p.name for p in out.parent.iterdir()}
    with Project(tmp_path / "p.qualkit") as project:
        stored = project.query("SELECT case_id, dimension, source FROM typology_assignments")
    assert ("C3", "outcome", "human:overrides.csv") in set(stored.itertuples(index=False, name=None))


def test_cli_reports_a_bad_typology_in_one_line(tmp_path):
    (tmp_path / "t.yaml").write_text(MINI.replace("cells: {decision: court, outcome: better}",
                                                  "cells: {decision: judge, outcome: better}"))
    (tmp_path / "a.txt").write_text("Interviewer: Hello?\n\nRespondent: Hello.\n")
    result = CliRunner().invoke(main, ["typology", str(tmp_path / "a.txt"), "--typology",
                                       str(tmp_path / "t.yaml"), "--out", str(tmp_path / "c.csv")])
    assert result.exit_code == 2
    assert "E105" in result.output and "t.yaml, line" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "c.csv").exists()


def test_cases_the_typology_does_not_cover_are_left_out():
    typology = parse_typology(MINI.replace("sharpness: 10\n", "sharpness: 10\nskip_when: {role: [Provider]}\n"),
                              "m.yaml")
    frame = scores({"A": {"court_decided": 0.9, "got_worse": 0.8},
                    "FG": {"court_decided": 0.9, "got_worse": 0.8}})
    attributes = pd.DataFrame({"role": ["Mother", "provider"]}, index=["A", "FG"])
    assert [r.case for r in classify_cases(typology, frame, attributes)] == ["A"]
    assert [r.case for r in classify_cases(mini(), frame, attributes)] == ["A", "FG"]


def test_cell_quotes_are_found_batch_by_batch_with_the_same_result(monkeypatch):
    """Cells' candidate passages are coded a batch of cells at a time (bounded memory on a large
    study): the passage chosen for each cell must not depend on the batch it fell in."""
    from test_quotes import CODEBOOK

    from qualkit.coding import parse_codebook, train_coder
    from qualkit.typology import evidence

    coder = train_coder(parse_codebook(CODEBOOK, "mini.yaml"))
    items = [("We met at the contact centre. I was terrified of him. He shouted at me again.",
              "safety"),
             ("The mediator was fine. We went to mediation twice and agreed the weekends.",
              "mediation"),
             ("Nothing much changed. I was scared the whole time. My sister came with me.",
              "safety")]
    whole = evidence.best_passages(items, coder)
    monkeypatch.setattr(evidence, "PASSAGE_BATCH", 2)
    assert evidence.best_passages(items, coder) == whole
    assert all(passage in text and passage != text for passage, (text, _) in zip(whole, items))
    assert "terrified" in whole[0] and "mediation" in whole[1]
