"""Privacy: personal details planted in every input format are found, anonymised and gated.

Every input is a real file built in tmp_path. The details are planted in the same sentences in each
format, so a kind the detector misses shows up in every format it should have been caught in.
"""

from __future__ import annotations

import csv
import re
import sqlite3
from pathlib import Path

import docx
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from qualkit import Project, import_paths, read_file
from qualkit.cli import main
from qualkit.ingest import expand_paths
from qualkit.privacy import Detector

# --- the planted details -------------------------------------------------------------------------

#: Respondent sentences, one personal detail or more in each; the same in every format.
SENTENCES = [
    "My ex is Sarah Jenkins. We split up in March and my Mum took me in.",
    "Emily goes to St Mary's Primary School. Alex is still at home with Sarah.",
    "Sarah's new partner, David, works at Tesco. I work for Acme Ltd now.",
    "We moved from Leeds to Bristol. I'm at 14 Acacia Avenue, Bristol BS1 4ND.",
    "Email me at mark.owen@example.com or ring 07700 900123, or the landline on 0113 496 0000. "
    "My brother abroad is on +34 612 345 678.",
    "It's all on https://www.example.org/family-help if you want it. My National Insurance "
    "number is QQ 12 34 56 C.",
    "Emily was born on 12/03/2015 and Alex's date of birth is 4th June 2012.",
]
#: Words a naive detector would take for names or places; the study's own vocabulary. Verbatim.
BENIGN = ("In March my Mum came with me to the court. Cafcass in Area B said [son] could see "
          "[ex-partner] at a centre in [town]. We did SPIP after the MIAM.")
QUESTIONS = ["Could you tell me about your family?", "And the children?", "Who else is involved?",
             "Where do you live now?", "How can we reach you?", "Anything else?",
             "When were the children born?", "And the court?"]

#: Every planted detail: none of these may be left in an anonymised copy (case-sensitive).
PLANTED = ["Sarah Jenkins", "Sarah", "Jenkins", "Emily", "Alex", "David", "Mark Owen",
           "Leeds", "Bristol", "St Mary", "Tesco", "Acme", "mark.owen@example.com", "example.com",
           "07700 900123", "0113 496 0000", "+34 612 345 678", "612 345 678", "BS1 4ND",
           "Acacia Avenue", "example.org", "family-help", "QQ 12 34 56 C", "12/03/2015",
           "4th June 2012"]
#: Must survive anonymisation unchanged.
SURVIVORS = ["In March", "in March", "Mum", "the court", "Cafcass", "Area B", "[son]",
             "[ex-partner]", "[town]", "SPIP", "MIAM"]
#: The study's placeholders every anonymised copy must contain.
PLACEHOLDERS = ["[person 1]", "[place 1]", "[employer 1]", "[phone]", "[email]", "[postcode]",
                "[address]", "[url]", "[ni number]", "[date]"]
KINDS = ["person", "place", "school", "employer", "email", "phone", "postcode", "address", "url",
         "ni_number", "date_of_birth"]
NEW_PLACEHOLDER = re.compile(r"\[(?:person|place|school|employer) \d+\]|"
                             r"\[(?:school|date|phone|email|postcode|address|url|ni number)\]")


def dialogue():
    """(speaker, text) turns: interviewer questions and the respondent's planted answers."""
    turns = []
    for question, answer in zip(QUESTIONS, SENTENCES + [BENIGN]):
        turns += [("Interviewer", question), ("Respondent", answer)]
    return turns


# --- one file per format ---------------------------------------------------------------------------

def write_txt(path):
    lines = ["---", "case: P31", "role: Father", "area: Area B", "participant: Mark Owen", "---"]
    lines += [f"{speaker}: {text}" for speaker, text in dialogue()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_md(path):
    lines = ["# Interview P32", ""]
    for speaker, text in dialogue():
        lines += [f"**{speaker}:** {text}", ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def write_docx_paragraphs(path):
    document = docx.Document()
    for speaker, text in dialogue():
        paragraph = document.add_paragraph()
        paragraph.add_run(f"{speaker}:").bold = True
        paragraph.add_run(f" {text}")
    document.save(path)


def write_docx_table(path):
    document = docx.Document()
    document.add_paragraph("Interview with Mark Owen in Leeds")
    rows = [("Time", "Speaker", "Text")]
    for i, (speaker, text) in enumerate(dialogue()):
        rows.append((f"00:{i:02d}:00", "Mark Owen" if speaker == "Respondent" else speaker, text))
    table = document.add_table(rows=len(rows), cols=3)
    for row, values in zip(table.rows, rows):
        for cell, value in zip(row.cells, values):
            cell.text = value
    document.save(path)


def write_vtt(path):
    cues = ["WEBVTT", ""]
    for i, (speaker, text) in enumerate(dialogue()):
        voice = "Mark Owen" if speaker == "Respondent" else speaker
        cues += [str(i + 1), f"00:{i:02d}:00.000 --> 00:{i:02d}:30.000", f"<v {voice}>{text}</v>", ""]
    path.write_text("\n".join(cues), encoding="utf-8")


def table_rows():
    return [("id", "text", "area")] + [(f"r{i}", text, "Area B")
                                        for i, text in enumerate(SENTENCES + [BENIGN], 1)]


def write_csv(path):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(table_rows())


def write_xlsx(path):
    workbook = openpyxl.Workbook()
    for row in table_rows():
        workbook.active.append(list(row))
    workbook.save(path)


WRITERS = {"interview.txt": write_txt, "interview.md": write_md,
           "paragraphs.docx": write_docx_paragraphs, "table.docx": write_docx_table,
           "captions.vtt": write_vtt, "survey.csv": write_csv, "survey.xlsx": write_xlsx}


def file_text(path):
    """Everything a reader of the file sees: raw text, Word paragraphs and cells, sheet cells."""
    if path.suffix == ".docx":
        document = docx.Document(str(path))
        texts = [p.text for p in document.paragraphs]
        texts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
        return "\n".join(texts)
    if path.suffix == ".xlsx":
        sheet = openpyxl.load_workbook(path).active
        return "\n".join(str(v) for row in sheet.iter_rows(values_only=True) for v in row
                         if v is not None)
    return path.read_text(encoding="utf-8")


def n_turns(path):
    return sum(len(t.turns) for t in read_file(path))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """The planted files, a names file with 'Alexander' (for the short form 'Alex'), a clean file."""
    root = tmp_path_factory.mktemp("privacy")
    inputs = root / "inputs"
    inputs.mkdir()
    for name, writer in WRITERS.items():
        writer(inputs / name)
    names = root / "names.txt"
    names.write_text("# children\nAlexander\n", encoding="utf-8")
    clean = root / "clean" / "clean.txt"
    clean.parent.mkdir()
    clean.write_text("Interviewer: How was the course?\n"
                     f"Respondent: It was fine, really helpful. {BENIGN}\n", encoding="utf-8")
    return {"root": root, "inputs": inputs, "names": names, "clean": clean}


@pytest.fixture(scope="module")
def checked(corpus):
    result = CliRunner().invoke(main, ["check-anonymity", str(corpus["inputs"]),
                                       "--names", str(corpus["names"])])
    return result


@pytest.fixture(scope="module")
def anonymised(corpus):
    out = corpus["root"] / "anon"
    result = CliRunner().invoke(main, ["anonymise", str(corpus["inputs"]), "--out", str(out),
                                       "--names", str(corpus["names"])])
    assert result.exit_code == 0, result.output
    audit = pd.read_csv(corpus["root"] / "anon-audit" / "audit.csv", dtype=str,
                        keep_default_na=False)
    return {"out": out, "result": result, "audit": audit}


def test_planted_files_import(corpus):
    """The inputs are transcripts qualkit reads, every sentence in a respondent turn."""
    for name in WRITERS:
        transcripts = read_file(corpus["inputs"] / name)
        text = "\n".join(turn.text for t in transcripts for turn in t.turns)
        for sentence in SENTENCES + [BENIGN]:
            assert sentence in text, (name, sentence)


# --- check-anonymity -------------------------------------------------------------------------------

FINDING_LINE = re.compile(r"^(\S+), (line \d+|paragraph \d+|row \d+, \w+): (\w+) '(.*?)' "
                          r"\(([^)]*)\) \.\.\.", re.M)


def findings_by_file(output, with_reason=False):
    """{file name: [(where, kind, text)]} from the check's lines
    'PATH, WHERE: KIND 'TEXT' (REASON) ...context...'."""
    found = {}
    for match in FINDING_LINE.finditer(output):
        path, where, kind, text, reason = match.groups()
        found.setdefault(path.rsplit("/", 1)[-1], []).append(
            (where, kind, text, reason) if with_reason else (where, kind, text))
    return found


def test_check_anonymity_fails_and_lists_findings_per_file(checked):
    assert checked.exit_code == 1, checked.output
    assert "Traceback" not in checked.output
    found = findings_by_file(checked.output)
    assert set(found) == set(WRITERS)
    for name, findings in found.items():
        kinds = {kind for _, kind, _ in findings}
        assert kinds >= set(KINDS), (name, set(KINDS) - kinds)
    assert re.search(r"7 files checked, \d+ finding\(s\), 0 files clean", checked.output)


@pytest.mark.parametrize("name, where, text", [
    ("interview.txt", "line 5", "Mark Owen"),            # front matter: 'participant: Mark Owen'
    ("interview.txt", "line 8", "Sarah Jenkins"),        # 'Respondent: My ex is Sarah Jenkins.'
    ("interview.md", "line 5", "Sarah Jenkins"),
    ("paragraphs.docx", "paragraph 2", "Sarah Jenkins"),
    ("table.docx", "paragraph 1", "Mark Owen"),          # the heading paragraph above the table
    ("captions.vtt", "line 9", "Sarah Jenkins"),         # the first respondent cue
    ("survey.csv", "row 2, text", "Sarah Jenkins"),
    ("survey.xlsx", "row 2, text", "Sarah Jenkins"),
    ("survey.xlsx", "row 6, text", "0113 496 0000"),
])
def test_check_anonymity_locates_findings(checked, name, where, text):
    located = {(w, t) for w, _, t in findings_by_file(checked.output)[name]}
    assert (where, text) in located, located


def test_check_anonymity_voice_tag_and_known_short_name(checked):
    found = findings_by_file(checked.output, with_reason=True)
    assert any(f[:3] == ("line 9", "person", "Mark Owen") for f in found["captions.vtt"])
    for name in WRITERS:
        # 'Alex' and 'Alex's' are caught as the short form of 'Alexander' from --names
        alex = [text for _, kind, text, reason in found[name]
                if kind == "person" and reason == "known name"]
        assert sorted(alex) == ["Alex", "Alex's"], (name, alex)


def test_check_anonymity_clean_file_passes(corpus):
    result = CliRunner().invoke(main, ["check-anonymity", str(corpus["clean"]),
                                       "--names", str(corpus["names"])])
    assert result.exit_code == 0, result.output
    assert "1 files checked, 0 finding(s), 1 files clean" in result.output


# --- anonymise ---------------------------------------------------------------------------------------

def test_anonymise_writes_same_names_and_formats_that_reimport(corpus, anonymised):
    out = anonymised["out"]
    assert sorted(p.name for p in out.iterdir()) == sorted(WRITERS)
    for name in WRITERS:
        original, copy = corpus["inputs"] / name, out / name
        assert n_turns(copy) == n_turns(original), name
        assert [t.format for t in read_file(copy)] == [t.format for t in read_file(original)]
        assert [t.case.id for t in read_file(copy)] == [t.case.id for t in read_file(original)]
    # a redacted front-matter value stays one value (YAML would read a bare [person 1] as a list)
    attributes = read_file(out / "interview.txt")[0].case.attributes
    assert re.fullmatch(r"\[person \d+\]", attributes["participant"]), attributes
    assert attributes["area"] == "Area B" and attributes["role"] == "Father"


@pytest.mark.parametrize("name", list(WRITERS))
def test_anonymised_copy_has_no_planted_detail(anonymised, name):
    text = file_text(anonymised["out"] / name)
    left = [planted for planted in PLANTED if planted in text]
    assert not left, (name, left)


@pytest.mark.parametrize("name", list(WRITERS))
def test_anonymised_copy_uses_study_placeholders(anonymised, name):
    text = file_text(anonymised["out"] / name)
    for placeholder in PLACEHOLDERS:
        assert placeholder in text, (name, placeholder)
    assert "[school]" in text or "[school 1]" in text


@pytest.mark.parametrize("name", list(WRITERS))
def test_false_positives_survive(anonymised, name):
    text = file_text(anonymised["out"] / name)
    for word in SURVIVORS:
        assert word in text, (name, word)
    assert BENIGN in text, name   # the sentence full of study vocabulary is untouched


def person(text, pattern):
    match = re.search(pattern, text)
    assert match, pattern
    return match.group(1)


@pytest.mark.parametrize("name", [n for n in WRITERS if not n.startswith("survey")])
def test_same_person_same_number_different_people_different_numbers(anonymised, name):
    text = file_text(anonymised["out"] / name)
    p = r"(\[person \d+\])"
    sarah = {person(text, rf"My ex is {p}"),                 # Sarah Jenkins
             person(text, rf"still at home with {p}"),        # Sarah
             person(text, rf"{p}(?:'s)? new partner")}        # Sarah's
    assert len(sarah) == 1, sarah
    emily = {person(text, rf"{p} goes to"), person(text, rf"{p} was born on")}
    alex = {person(text, rf"\. {p} is still at home"), person(text, rf"and {p}(?:'s)? date of birth")}
    david = {person(text, rf"new partner, {p}, works")}
    assert len(emily) == 1 and len(alex) == 1, (emily, alex)
    assert len(sarah | emily | alex | david) == 4, (sarah, emily, alex, david)


def test_survey_rows_number_people_consistently_across_the_file(anonymised):
    text = file_text(anonymised["out"] / "survey.csv")
    p = r"(\[person \d+\])"
    assert person(text, rf"My ex is {p}") != person(text, rf"new partner, {p}, works")
    assert person(text, rf"{p} goes to") == person(text, rf"{p} was born on")


def test_word_formatting_survives(anonymised):
    document = docx.Document(str(anonymised["out"] / "paragraphs.docx"))
    redacted = [p for p in document.paragraphs if "[person" in p.text]
    assert redacted
    for paragraph in document.paragraphs:
        first = paragraph.runs[0]
        assert first.text in ("Interviewer:", "Respondent:") and first.bold, paragraph.text
        assert not any(run.bold for run in paragraph.runs[1:]), paragraph.text


def test_vtt_timings_and_voices_survive(corpus, anonymised):
    original = (corpus["inputs"] / "captions.vtt").read_text(encoding="utf-8").split("\n")
    copy = (anonymised["out"] / "captions.vtt").read_text(encoding="utf-8").split("\n")
    assert len(copy) == len(original)
    for before, after in zip(original, copy):
        if "-->" in before or before.isdigit() or before == "WEBVTT":
            assert after == before
    transcript = read_file(anonymised["out"] / "captions.vtt")[0]
    speakers = {t.speaker for t in transcript.turns}
    assert len(speakers) == 2 and "Interviewer" in speakers, speakers
    assert re.fullmatch(r"\[person \d+\]", (speakers - {"Interviewer"}).pop())


def test_audit_is_kept_apart_and_lists_every_replacement(corpus, anonymised):
    audit_dir = corpus["root"] / "anon-audit"
    assert audit_dir.is_dir() and audit_dir != anonymised["out"]
    assert {p.name for p in anonymised["out"].iterdir()} == set(WRITERS)   # no audit among copies
    warning = (audit_dir / "WARNING-PERSONAL-DATA.txt").read_text(encoding="utf-8")
    assert "PERSONAL DATA" in warning
    assert "holds personal data" in " ".join(anonymised["result"].output.split())
    audit = anonymised["audit"]
    assert list(audit.columns[:5]) == ["file", "where", "kind", "original", "replacement"]
    for name in WRITERS:
        rows = audit[audit.file.str.endswith(name)]
        source = file_text(corpus["inputs"] / name)
        copy = file_text(anonymised["out"] / name)
        # every placeholder in the copy has its audit row, and nothing else does
        assert len(rows) == len(NEW_PLACEHOLDER.findall(copy)), name
        for row in rows.itertuples():
            assert row.original and row.original in source, (name, row.original)
            assert row.replacement in copy, (name, row.replacement)
        originals = " | ".join(rows.original)
        for planted in PLANTED:
            if planted in source:
                assert planted in originals, (name, planted)


def test_named_speaker_labels_reimport_after_anonymising(tmp_path):
    """A transcript labelled with the speaker's name ('Sarah:') is anonymised to '[person 1]:'; the
    copy must still read as the same turns, with the placeholder as the speaker."""
    path = tmp_path / "named.txt"
    path.write_text("Interviewer: How was the group?\nSarah: It was fine.\n"
                    "Interviewer: And then?\nSarah: Nothing happened.\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["anonymise", str(path), "--out", str(tmp_path / "anon")])
    assert result.exit_code == 0, result.output
    copy = tmp_path / "anon" / "named.txt"
    assert "Sarah" not in copy.read_text(encoding="utf-8")
    turns = read_file(copy)[0].turns
    assert [(t.speaker, t.text) for t in turns] == [
        ("Interviewer", "How was the group?"), ("[person 1]", "It was fine."),
        ("Interviewer", "And then?"), ("[person 1]", "Nothing happened.")]


def test_anonymise_audit_folder_can_be_named(corpus, tmp_path):
    result = CliRunner().invoke(main, ["anonymise", str(corpus["clean"]), "--out",
                                       str(tmp_path / "copies"), "--audit", str(tmp_path / "private")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "private" / "audit.csv").exists()
    assert not (tmp_path / "copies-audit").exists()
    # a clean file is copied unchanged and its audit has no rows
    assert (tmp_path / "copies" / "clean.txt").read_text(encoding="utf-8") == \
        corpus["clean"].read_text(encoding="utf-8")
    assert len(pd.read_csv(tmp_path / "private" / "audit.csv")) == 0


# --- names from the case sheet -----------------------------------------------------------------------

def test_case_sheet_names_are_caught(tmp_path):
    transcript = tmp_path / "data" / "P40.txt"
    transcript.parent.mkdir()
    transcript.write_text("Interviewer: Who looks after the children?\n"
                          "Respondent: Mostly me. Blessing has them at weekends, and Precious "
                          "helps when she can.\n", encoding="utf-8")
    sheet = tmp_path / "cases.csv"
    sheet.write_text("case,role,first_name,ex_partner\nP40,Father,Precious,Blessing\n",
                     encoding="utf-8")
    runner = CliRunner()
    without = runner.invoke(main, ["check-anonymity", str(transcript)])
    assert without.exit_code == 0, without.output   # names that are also words: only the sheet knows
    with_sheet = runner.invoke(main, ["check-anonymity", str(transcript), "--cases", str(sheet)])
    assert with_sheet.exit_code == 1, with_sheet.output
    found = findings_by_file(with_sheet.output)["P40.txt"]
    assert ("line 2", "person", "Blessing") in found and ("line 2", "person", "Precious") in found
    result = runner.invoke(main, ["anonymise", str(transcript), "--out", str(tmp_path / "anon"),
                                  "--cases", str(sheet)])
    assert result.exit_code == 0, result.output
    copy = (tmp_path / "anon" / "P40.txt").read_text(encoding="utf-8")
    assert "Blessing" not in copy and "Precious" not in copy
    assert "[person 1] has them at weekends, and [person 2] helps" in copy


# --- the export gate on 'qualkit code' ----------------------------------------------------------------

CODEBOOK = """\
name: tiny
codes:
  - id: safety
    label: Safety
    definition: Fear of the other parent, domestic abuse, violence, police and protective orders.
    examples:
      positive:
        - "I was terrified of being in the same room as him."
        - "He used to hit me and the police were called more than once."
      negative:
        - "We argued about holidays but it never went further than that."
    patterns: ["refuge"]
  - id: relevance
    label: Relevance
    definition: Whether the course fitted the parent's situation, for example too basic or too late.
    examples:
      positive:
        - "It was all stuff we already knew, far too basic for us."
      negative:
        - "The course was held on a Saturday morning in a community hall."
    patterns: ["too basic"]
"""


@pytest.fixture
def gate_inputs(tmp_path):
    codebook = tmp_path / "tiny.yaml"
    # the study's own words (an agency spaCy takes for a place) come from its codebook
    codebook.write_text("privacy_allow: [cafcass]\n" + CODEBOOK, encoding="utf-8")
    quotes = tmp_path / "quotes.csv"
    pd.DataFrame({"id": ["q1", "q2", "q3"], "text": [
        "I went to a refuge because Sarah Jenkins told me to, you can ring me on 07700 900123.",
        "The course was far too basic for us.",
        "In March the court sent us to Cafcass."]}).to_csv(quotes, index=False)
    return ["code", str(quotes), "--codebook", str(codebook), "--no-codebook-training"]


def test_code_gate_redacts_by_default(gate_inputs, tmp_path):
    out = tmp_path / "coded.csv"
    result = CliRunner().invoke(main, gate_inputs + ["--out", str(out)])
    assert result.exit_code == 0, result.output
    raw = out.read_text(encoding="utf-8")
    for planted in ("Sarah Jenkins", "Sarah", "Jenkins", "07700 900123"):
        assert planted not in raw
    coded = pd.read_csv(out, dtype=str, keep_default_na=False).set_index("segment_id")
    assert "[person 1]" in coded.loc["q1", "text"] and "[phone]" in coded.loc["q1", "text"]
    assert coded.loc["q2", "text"] == "The course was far too basic for us."
    assert coded.loc["q3", "text"] == "In March the court sent us to Cafcass."
    assert "privacy check: 2 personal detail(s) redacted" in result.output


def test_code_gate_strict_refuses_and_writes_nothing(gate_inputs, tmp_path):
    out = tmp_path / "coded.csv"
    result = CliRunner().invoke(main, gate_inputs + ["--out", str(out), "--strict"])
    assert result.exit_code != 0
    assert "E091" in result.output and "refused to write" in result.output
    assert "Sarah Jenkins" in result.output or "07700 900123" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()
    assert not list(tmp_path.glob("*coded*"))   # no temporary file left behind either


def test_code_gate_can_be_switched_off_with_a_warning(gate_inputs, tmp_path):
    out = tmp_path / "coded.csv"
    result = CliRunner().invoke(main, gate_inputs + ["--out", str(out), "--no-privacy-check"])
    assert result.exit_code == 0, result.output
    assert "--no-privacy-check" in result.output and "warning" in result.output
    coded = pd.read_csv(out, dtype=str, keep_default_na=False).set_index("segment_id")
    assert "Sarah Jenkins" in coded.loc["q1", "text"] and "07700 900123" in coded.loc["q1", "text"]
    assert "redacted" not in result.output


# --- results recorded in the project ------------------------------------------------------------------

def test_check_results_recorded_in_project(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "P50.txt").write_text("Interviewer: How was it?\nRespondent: It was fine.\n",
                                  encoding="utf-8")
    (data / "P51.txt").write_text("Interviewer: How was it?\n"
                                  "Respondent: Ring me on 07700 900123 and ask for Sarah Jenkins.\n",
                                  encoding="utf-8")
    project_path = tmp_path / "study.qualkit"
    with Project(project_path) as project:
        assert import_paths([data], project).ok
    result = CliRunner().invoke(main, ["check-anonymity", str(data), "--project",
                                       str(project_path)])
    assert result.exit_code == 1, result.output
    with sqlite3.connect(project_path) as conn:
        rows = conn.execute("SELECT source_name, findings, passed, sha256, checked_at "
                            "FROM anonymity_checks ORDER BY source_name").fetchall()
    assert [(r[0], r[2]) for r in rows] == [("P50.txt", 1), ("P51.txt", 0)]
    assert rows[0][1] == 0 and rows[1][1] >= 2
    assert all(len(r[3]) == 64 and r[4] for r in rows)
    with Project(project_path) as project:
        status = project.anonymity_status().set_index("case_id")
    assert status.loc["P50", "passed"] == 1 and status.loc["P51", "passed"] == 0
    # a changed file is not covered by the check of its earlier content
    (data / "P50.txt").write_text("Interviewer: How was it?\nRespondent: Good.\n", encoding="utf-8")
    with Project(project_path) as project:
        assert import_paths([data], project).ok
        status = project.anonymity_status().set_index("case_id")
    assert pd.isna(status.loc["P50", "passed"])


# --- word loss on an anonymised corpus ------------------------------------------------------------------

def test_detector_flags_under_one_percent_of_the_sample():
    sample = Path(__file__).resolve().parent.parent / "transcripts_sample"
    texts = [turn.text for path in expand_paths([sample]) for t in read_file(path)
             for turn in t.turns]
    words = sum(len(text.split()) for text in texts)
    flagged = sum(len(f.text.split()) for found in Detector().find_many(texts) for f in found)
    assert words > 30000
    assert flagged / words < 0.01, flagged / words


def test_named_entities_alone_find_what_the_whole_pipeline_finds():
    """The check runs spaCy's NER without the tagger and parser (PRIVACY_OFF); that is only safe
    while the NER has its own token vectors, as en_core_web_sm 3.8's does. Were it to listen to the
    shared tok2vec, switching that off would silently cost recall; this compares the two."""
    from qualkit.resources import PRIVACY_OFF, english_pipeline

    texts = [*SENTENCES, BENIGN, "Well, Sarah said that Tom would drive up from Swansea on Monday."]
    nlp = english_pipeline()
    kinds = {"PERSON", "GPE", "LOC", "FAC", "ORG", "DATE"}

    def entities(disable):
        return [[(e.start_char, e.end_char, e.label_) for e in doc.ents if e.label_ in kinds]
                for doc in nlp.pipe(texts, disable=disable)]

    alone = entities(PRIVACY_OFF)
    assert "parser" in PRIVACY_OFF and any(alone)
    assert alone == entities(["lemmatizer"])
