"""Every importable format and speaker convention, built as real files in tmp_path."""

from __future__ import annotations

import codecs
import re

import docx
import openpyxl
import pytest

from qualkit import Project, Segmenter, TableOptions, import_paths, read_file
from qualkit.cli import main
from qualkit.models import INTERVIEWER, RESPONDENT
from qualkit.segment import count_words


def read_one(path):
    transcripts = read_file(path)
    assert len(transcripts) == 1
    return transcripts[0]


def turns_of(transcript):
    return [(turn.speaker, turn.role, turn.text) for turn in transcript.turns]


# --- .txt and .md: front matter --------------------------------------------------------------------

def test_front_matter_sets_case_and_attributes(tmp_path):
    path = tmp_path / "interview_07.txt"
    path.write_text("---\n"
                    "case: P07\n"
                    "role: Mother\n"
                    "area: Area B\n"
                    "harm: yes\n"
                    "court_order: no\n"
                    "duration_minutes: 31\n"
                    "interviewed: 2024-03-05\n"
                    "---\n"
                    "Interviewer: How did it go?\n"
                    "Respondent: Fine.\n", encoding="utf-8")
    transcript = read_one(path)
    assert transcript.case.id == "P07"
    assert transcript.case.attributes == {
        "role": "Mother", "area": "Area B", "harm": "yes", "court_order": "no",
        "duration_minutes": "31", "interviewed": "2024-03-05"}
    assert transcript.format == "txt"
    # the front matter is not part of the conversation
    assert turns_of(transcript) == [("Interviewer", INTERVIEWER, "How did it go?"),
                                    ("Respondent", RESPONDENT, "Fine.")]
    assert transcript.turns[0].line == 10  # line numbers count the front matter lines


def test_front_matter_numbers_dates_and_times_stay_as_written(tmp_path):
    path = tmp_path / "zeros.txt"
    path.write_text("---\n"
                    "case: 007\n"
                    "participant: 0012\n"        # YAML 1.1 would read octal 10
                    "interview_time: 10:30\n"    # YAML 1.1 would read sexagesimal 630
                    "score: 1.50\n"
                    "recorded: 2024-03-05 10:30\n"
                    "consent: no\n"
                    "---\n"
                    "I: Hello.\nR: Hi.\n", encoding="utf-8")
    transcript = read_one(path)
    assert transcript.case.id == "007"
    assert transcript.case.attributes == {"participant": "0012", "interview_time": "10:30",
                                          "score": "1.50", "recorded": "2024-03-05 10:30",
                                          "consent": "no"}


@pytest.mark.parametrize("suffix", [".txt", ".md"])
def test_case_defaults_to_file_stem(tmp_path, suffix):
    plain = tmp_path / f"P12{suffix}"
    plain.write_text("I: Hello.\nR: Hi.\n", encoding="utf-8")
    with_front = tmp_path / f"FG_B{suffix}"
    with_front.write_text("---\nrole: Provider\n---\nI: Hello.\nR: Hi.\n", encoding="utf-8")
    assert read_one(plain).case.id == "P12"
    assert read_one(plain).case.attributes == {}
    assert read_one(with_front).case.id == "FG_B"
    assert read_one(with_front).case.attributes == {"role": "Provider"}
    assert read_one(plain).format == suffix.lstrip(".")


def test_front_matter_interviewer_labels_override(tmp_path):
    path = tmp_path / "clinic.txt"
    path.write_text("---\ninterviewer_labels: [Nurse]\n---\n"
                    "Nurse: How are you feeling?\nMum: Tired.\nInterviewer: Thanks.\n",
                    encoding="utf-8")
    transcript = read_one(path)
    assert [(t.speaker, t.role) for t in transcript.turns] == [
        ("Nurse", INTERVIEWER), ("Mum", RESPONDENT), ("Interviewer", RESPONDENT)]
    assert "interviewer_labels" not in transcript.case.attributes


# --- .txt and .md: speaker conventions -------------------------------------------------------------

@pytest.mark.parametrize("asker, answerer", [("Interviewer", "Respondent"), ("I", "R"), ("Q", "A")])
def test_standard_label_pairs(tmp_path, asker, answerer):
    path = tmp_path / "pair.txt"
    path.write_text(f"{asker}: What did the court tell you?\n"
                    f"{answerer}: Not much, to be honest.\n"
                    f"{asker}: Anything else?\n"
                    f"{answerer}: No.\n", encoding="utf-8")
    transcript = read_one(path)
    assert turns_of(transcript) == [
        (asker, INTERVIEWER, "What did the court tell you?"),
        (answerer, RESPONDENT, "Not much, to be honest."),
        (asker, INTERVIEWER, "Anything else?"),
        (answerer, RESPONDENT, "No."),
    ]
    assert transcript.speakers == [asker, answerer]


def test_focus_group_with_arbitrary_labels(tmp_path):
    path = tmp_path / "FG_A.txt"
    path.write_text("Facilitator: Let's go round the room.\n"
                    "Provider 2: We see a lot of referrals.\n"
                    "Mother: I was referred twice.\n"
                    "Provider 10: Same here.\n"
                    "Interviewer 2: Can you say more?\n"
                    "Provider 2: Mostly from court.\n"
                    "Father O'Neil: I never heard back.\n", encoding="utf-8")
    transcript = read_one(path)
    assert turns_of(transcript) == [
        ("Facilitator", INTERVIEWER, "Let's go round the room."),
        ("Provider 2", RESPONDENT, "We see a lot of referrals."),
        ("Mother", RESPONDENT, "I was referred twice."),
        ("Provider 10", RESPONDENT, "Same here."),
        ("Interviewer 2", INTERVIEWER, "Can you say more?"),
        ("Provider 2", RESPONDENT, "Mostly from court."),
        ("Father O'Neil", RESPONDENT, "I never heard back."),
    ]
    assert transcript.speakers == ["Facilitator", "Provider 2", "Mother", "Provider 10",
                                   "Interviewer 2", "Father O'Neil"]
    assert [t.index for t in transcript.turns] == list(range(7))


def test_multi_line_turns_join_continuation_lines(tmp_path):
    path = tmp_path / "multi.txt"
    path.write_text("Interviewer: Tell me about the group session.\n"
                    "Respondent: It was better than I expected.\n"
                    "I sat right by the door.\n"
                    "\n"
                    "   And the leader was lovely.   \n"
                    "Interviewer: Anything else?\n"
                    "Respondent: No.\n", encoding="utf-8")
    transcript = read_one(path)
    assert len(transcript.turns) == 4
    assert transcript.turns[1].text == ("It was better than I expected.\n"
                                        "I sat right by the door.\n"
                                        "And the leader was lovely.")
    assert transcript.turns[1].line == 2
    assert transcript.turns[2].text == "Anything else?"
    assert transcript.turns[2].line == 6


def test_label_on_its_own_line_takes_the_following_lines(tmp_path):
    path = tmp_path / "own_line.txt"
    path.write_text("Interviewer:\nHow was it?\nRespondent:\nGood.\nReally good.\n", encoding="utf-8")
    assert turns_of(read_one(path)) == [("Interviewer", INTERVIEWER, "How was it?"),
                                        ("Respondent", RESPONDENT, "Good.\nReally good.")]


def test_timestamps_become_turn_time_not_text(tmp_path):
    path = tmp_path / "timed.txt"
    path.write_text("[00:01:23] Interviewer: How did you hear about it?\n"
                    "00:01:30 Respondent: From the judge.\n"
                    "It was a surprise.\n"
                    "00:02:45\n"
                    "Interviewer: And then?\n"
                    "[00:03:10]\n"
                    "Respondent: Then nothing happened.\n"
                    "Interviewer: No time here.\n", encoding="utf-8")
    transcript = read_one(path)
    assert [(t.speaker, t.time, t.text) for t in transcript.turns] == [
        ("Interviewer", "00:01:23", "How did you hear about it?"),
        ("Respondent", "00:01:30", "From the judge.\nIt was a surprise."),
        ("Interviewer", "00:02:45", "And then?"),
        ("Respondent", "00:03:10", "Then nothing happened."),
        ("Interviewer", None, "No time here."),
    ]
    for turn in transcript.turns:
        assert not re.search(r"\d{2}:\d{2}", turn.text)


def test_timestamp_inside_a_turn_is_not_the_next_turns_time(tmp_path):
    path = tmp_path / "marker.txt"
    path.write_text("00:10:00 Respondent: It started well.\n"
                    "00:12:30\n"
                    "Then it went wrong.\n"
                    "Interviewer: How so?\n"
                    "00:14:00\n"
                    "\n"
                    "Respondent: Nobody called.\n", encoding="utf-8")
    transcript = read_one(path)
    assert [(t.speaker, t.time, t.text) for t in transcript.turns] == [
        ("Respondent", "00:10:00", "It started well.\nThen it went wrong."),
        ("Interviewer", None, "How so?"),
        ("Respondent", "00:14:00", "Nobody called."),
    ]


def test_markdown_bold_labels_and_headings(tmp_path):
    path = tmp_path / "P03.md"
    path.write_text("---\nrole: Father\n---\n"
                    "# Interview with P03\n"
                    "\n"
                    "**Interviewer:** What happened after the group?\n"
                    "\n"
                    "**Respondent**: It never went ahead.\n"
                    "\n"
                    "__Interviewer:__ Why not?\n"
                    "**Respondent:** She said no.\n", encoding="utf-8")
    transcript = read_one(path)
    assert transcript.format == "md"
    assert transcript.case.id == "P03"
    assert turns_of(transcript) == [
        ("Interviewer", INTERVIEWER, "What happened after the group?"),
        ("Respondent", RESPONDENT, "It never went ahead."),
        ("Interviewer", INTERVIEWER, "Why not?"),
        ("Respondent", RESPONDENT, "She said no."),
    ]
    assert all("*" not in t.text and "_" not in t.text for t in transcript.turns)


def test_preamble_before_first_label_is_kept_apart(tmp_path):
    path = tmp_path / "pre.txt"
    path.write_text("Transcribed by AB on 3 March\n"
                    "Audio quality good\n"
                    "\n"
                    "Interviewer: First question.\n"
                    "Respondent: First answer.\n", encoding="utf-8")
    transcript = read_one(path)
    assert transcript.preamble == "Transcribed by AB on 3 March\nAudio quality good"
    assert turns_of(transcript) == [("Interviewer", INTERVIEWER, "First question."),
                                    ("Respondent", RESPONDENT, "First answer.")]


# --- .docx ------------------------------------------------------------------------------------------

def test_docx_labelled_paragraphs(tmp_path):
    document = docx.Document()
    for text in ["---", "case: D1", "role: Mother", "---",
                 "Interviewer: How did you find the session?",
                 "Respondent: Useful.",
                 "I learned a lot.",
                 "[00:05:00] Interviewer: Thanks."]:
        document.add_paragraph(text)
    path = tmp_path / "labelled.docx"
    document.save(path)
    transcript = read_one(path)
    assert transcript.format == "docx"
    assert transcript.case.id == "D1"
    assert transcript.case.attributes == {"role": "Mother"}
    assert [(t.speaker, t.role, t.text, t.time) for t in transcript.turns] == [
        ("Interviewer", INTERVIEWER, "How did you find the session?", None),
        ("Respondent", RESPONDENT, "Useful.\nI learned a lot.", None),
        ("Interviewer", INTERVIEWER, "Thanks.", "00:05:00"),
    ]


def test_docx_bold_speaker_names_without_colon(tmp_path):
    document = docx.Document()
    for speaker, text in [("Interviewer", " How did you hear about it?"),
                          ("Jane Smith", "\tFrom my solicitor."),
                          ("Interviewer", " And the course?")]:
        paragraph = document.add_paragraph()
        paragraph.add_run(speaker).bold = True
        paragraph.add_run(text)
    document.add_paragraph("This paragraph continues the interviewer's turn.")
    paragraph = document.add_paragraph()
    paragraph.add_run("Jane Smith").bold = True
    paragraph.add_run(" It was fine.")
    path = tmp_path / "bold.docx"
    document.save(path)
    transcript = read_one(path)
    assert turns_of(transcript) == [
        ("Interviewer", INTERVIEWER, "How did you hear about it?"),
        ("Jane Smith", RESPONDENT, "From my solicitor."),
        ("Interviewer", INTERVIEWER,
         "And the course?\nThis paragraph continues the interviewer's turn."),
        ("Jane Smith", RESPONDENT, "It was fine."),
    ]


def test_docx_three_column_table_with_header(tmp_path):
    document = docx.Document()
    document.add_paragraph("Transcript of interview P09")
    rows = [("Time", "Speaker", "Text"),
            ("00:00:05", "Interviewer", "Could you tell me about the referral?"),
            ("00:00:12", "Respondent", "It came from Cafcass."),
            ("00:01:40", "Interviewer", "And the joint session?"),
            ("00:01:52", "Respondent", "It never happened.")]
    table = document.add_table(rows=len(rows), cols=3)
    for row, values in zip(table.rows, rows):
        for cell, value in zip(row.cells, values):
            cell.text = value
    path = tmp_path / "P09.docx"
    document.save(path)
    transcript = read_one(path)
    assert transcript.case.id == "P09"
    assert [(t.time, t.speaker, t.role, t.text) for t in transcript.turns] == [
        ("00:00:05", "Interviewer", INTERVIEWER, "Could you tell me about the referral?"),
        ("00:00:12", "Respondent", RESPONDENT, "It came from Cafcass."),
        ("00:01:40", "Interviewer", INTERVIEWER, "And the joint session?"),
        ("00:01:52", "Respondent", RESPONDENT, "It never happened."),
    ]
    assert transcript.preamble == "Transcript of interview P09"
    assert "Speaker" not in transcript.speakers


def test_docx_two_column_table(tmp_path):
    document = docx.Document()
    rows = [("Moderator:", "Welcome, everyone."),
            ("Provider 1", "Thanks for having us."),
            ("Provider 2", "Glad to be here."),
            ("", "And to add, we travelled far."),
            ("Moderator", "Let's start.")]
    table = document.add_table(rows=len(rows), cols=2)
    for row, values in zip(table.rows, rows):
        for cell, value in zip(row.cells, values):
            cell.text = value
    path = tmp_path / "FG_C.docx"
    document.save(path)
    transcript = read_one(path)
    assert [(t.time, t.speaker, t.role, t.text) for t in transcript.turns] == [
        (None, "Moderator", INTERVIEWER, "Welcome, everyone."),
        (None, "Provider 1", RESPONDENT, "Thanks for having us."),
        (None, "Provider 2", RESPONDENT, "Glad to be here.\nAnd to add, we travelled far."),
        (None, "Moderator", INTERVIEWER, "Let's start."),
    ]


# --- .vtt and .srt ----------------------------------------------------------------------------------

VTT_VOICES = """WEBVTT

NOTE exported from Teams
00:00:00.000 is the start of the recording

STYLE
::cue { color: white }

1
00:00:01.000 --> 00:00:04.000
<v Interviewer>Thanks for joining today.</v>

2
00:00:04.500 --> 00:00:08.000
<v Jane Doe>Happy to help.</v>

3
00:00:08.000 --> 00:00:12.250
<v Jane Doe>It was a long process,
honestly.</v>

4
00:01:02.000 --> 00:01:05.000
<v Interviewer>Okay. What next?</v>

5
01:02:03.456 --> 01:02:06.000
<v Jane Doe>We waited.</v>
"""


def test_vtt_voice_tags_merge_consecutive_cues(tmp_path):
    path = tmp_path / "call.vtt"
    path.write_text(VTT_VOICES, encoding="utf-8")
    transcript = read_one(path)
    assert transcript.format == "vtt"
    assert transcript.case.id == "call"
    assert [(t.speaker, t.role, t.time, t.text) for t in transcript.turns] == [
        ("Interviewer", INTERVIEWER, "00:00:01", "Thanks for joining today."),
        ("Jane Doe", RESPONDENT, "00:00:04", "Happy to help. It was a long process, honestly."),
        ("Interviewer", INTERVIEWER, "00:01:02", "Okay. What next?"),
        ("Jane Doe", RESPONDENT, "01:02:03", "We waited."),
    ]
    assert all("<" not in t.text and ">" not in t.text for t in transcript.turns)


def test_vtt_speaker_prefix_cues(tmp_path):
    path = tmp_path / "zoom.vtt"
    path.write_text("WEBVTT\n\n"
                    "00:00:02.000 --> 00:00:05.000\nModerator: Who wants to start?\n\n"
                    "00:00:05.000 --> 00:00:09.000\nProvider 3: I will.\n\n"
                    "00:00:09.000 --> 00:00:11.000\nProvider 3: We had twelve families.\n\n"
                    "00:00:11.000 --> 00:00:14.000\nParent: Only one of them was me.\n",
                    encoding="utf-8")
    transcript = read_one(path)
    assert [(t.speaker, t.role, t.time, t.text) for t in transcript.turns] == [
        ("Moderator", INTERVIEWER, "00:00:02", "Who wants to start?"),
        ("Provider 3", RESPONDENT, "00:00:05", "I will. We had twelve families."),
        ("Parent", RESPONDENT, "00:00:11", "Only one of them was me."),
    ]


def test_srt(tmp_path):
    path = tmp_path / "meeting.srt"
    path.write_text("1\r\n00:00:01,000 --> 00:00:03,500\r\nInterviewer: Hello there.\r\n\r\n"
                    "2\r\n00:00:03,600 --> 00:00:07,000\r\nRespondent: Hi. I had a question\r\n"
                    "about the forms.\r\n\r\n"
                    "3\r\n00:12:07,000 --> 00:12:09,000\r\nInterviewer: Go on.\r\n",
                    encoding="utf-8", newline="")
    transcript = read_one(path)
    assert transcript.format == "srt"
    assert [(t.speaker, t.role, t.time, t.text) for t in transcript.turns] == [
        ("Interviewer", INTERVIEWER, "00:00:01", "Hello there."),
        ("Respondent", RESPONDENT, "00:00:03", "Hi. I had a question about the forms."),
        ("Interviewer", INTERVIEWER, "00:12:07", "Go on."),
    ]


# --- .csv and .xlsx ---------------------------------------------------------------------------------

def write_xlsx(path, rows):
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(list(row))
    workbook.save(path)


def write_csv(path, rows):
    import csv
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)


@pytest.mark.parametrize("writer, suffix", [(write_csv, ".csv"), (write_xlsx, ".xlsx")])
def test_table_default_columns(tmp_path, writer, suffix):
    path = tmp_path / f"survey{suffix}"
    writer(path, [("id", "text", "region", "age_group"),
                  ("r1", "The course helped me a lot.", "North", "25-34"),
                  ("r2", "I never got a letter.", "South", ""),
                  ("r3", "", "East", "35-44"),            # no text: skipped
                  ("r4", "Too far to travel.", "West", "45-54")])
    transcripts = read_file(path)
    assert [t.case.id for t in transcripts] == ["r1", "r2", "r4"]
    assert [t.case.attributes for t in transcripts] == [
        {"region": "North", "age_group": "25-34"}, {"region": "South"},
        {"region": "West", "age_group": "45-54"}]
    assert [[(u.text, u.segment_ids, u.role) for u in t.turns] for t in transcripts] == [
        [("The course helped me a lot.", ("r1",), RESPONDENT)],
        [("I never got a letter.", ("r2",), RESPONDENT)],
        [("Too far to travel.", ("r4",), RESPONDENT)]]
    assert {t.format for t in transcripts} == {suffix.lstrip(".")}


@pytest.mark.parametrize("writer, suffix", [(write_csv, ".csv"), (write_xlsx, ".xlsx")])
def test_table_custom_columns_and_case_grouping(tmp_path, writer, suffix, project):
    path = tmp_path / f"responses{suffix}"
    writer(path, [("respondent_id", "household", "answer", "site"),
                  ("A-1", "H1", "We were never asked about safety.", "Leeds"),
                  ("A-2", "H1", "The group was useful.", ""),
                  ("B-1", "H2", "Nothing changed.", "York")])
    options = TableOptions(text_column="answer", id_column="respondent_id", case_column="household")
    transcripts = read_file(path, options)
    assert [(t.case.id, t.case.attributes) for t in transcripts] == [
        ("H1", {"site": "Leeds"}), ("H2", {"site": "York"})]
    assert [[u.segment_ids for u in t.turns] for t in transcripts] == [[("A-1",), ("A-2",)],
                                                                       [("B-1",)]]

    report = import_paths([path], project, table_options=options)
    assert report.ok, report
    segments = project.segments()
    assert sorted(segments["segment_id"]) == ["A-1", "A-2", "B-1"]
    by_id = segments.set_index("segment_id")
    assert by_id.loc["A-2", "text"] == "The group was useful."
    assert by_id.loc["A-2", "case"] == "H1"
    assert by_id.loc["B-1", "case"] == "H2"
    cases = project.cases().set_index("case")
    assert cases.loc["H1", "site"] == "Leeds"
    assert cases.loc["H2", "site"] == "York"


def test_table_case_column_by_default_name(tmp_path):
    path = tmp_path / "grouped.csv"
    write_csv(path, [("case", "id", "text", "role"),
                     ("P1", "P1-a", "First answer.", "Mother"),
                     ("P2", "P2-a", "Other answer.", "Father"),
                     ("P1", "P1-b", "Second answer.", "")])
    transcripts = read_file(path)
    assert [(t.case.id, [u.text for u in t.turns], t.case.attributes) for t in transcripts] == [
        ("P1", ["First answer.", "Second answer."], {"role": "Mother"}),
        ("P2", ["Other answer."], {"role": "Father"})]


def test_a_sheet_of_provider_quotes_is_answers_not_questions(tmp_path):
    """A quote sheet's 'facilitator' or 'moderator' is the one speaking (a provider interviewed),
    not a researcher asking: every row of a one-speaker case is an answer. A sheet that is a
    transcript, an interviewer's and a parent's rows in one case, keeps its questions."""
    quotes = tmp_path / "quotes.csv"
    write_csv(quotes, [("id", "speaker", "text"),
                       ("q1", "facilitator", "We screen every referral before the joint session."),
                       ("q2", "mother", "It came too late for us."),
                       ("q3", "Moderator", "Some parents never turn up at all.")])
    assert [(t.turns[0].speaker, t.turns[0].role) for t in read_file(quotes)] == [
        ("facilitator", "respondent"), ("mother", "respondent"), ("Moderator", "respondent")]
    interview = tmp_path / "interview.csv"
    write_csv(interview, [("case", "speaker", "text"), ("P1", "Facilitator", "How was it?"),
                          ("P1", "Mother", "Fine, really.")])
    [transcript] = read_file(interview)
    assert [turn.role for turn in transcript.turns] == ["interviewer", "respondent"]


def test_table_rows_without_ids_get_file_and_row_number(tmp_path):
    with_blank_id = tmp_path / "partial.csv"
    write_csv(with_blank_id, [("id", "text"), ("a", "One."), ("", "Two."), ("c", "Three.")])
    assert [t.turns[0].segment_ids for t in read_file(with_blank_id)] == [
        ("a",), ("partial:3",), ("c",)]
    no_id_column = tmp_path / "plain.csv"
    write_csv(no_id_column, [("text", "site"), ("One.", "Leeds"), ("", "York"), ("Three.", "Hull")])
    transcripts = read_file(no_id_column)
    assert [(t.case.id, t.turns[0].segment_ids, t.case.attributes) for t in transcripts] == [
        ("plain:2", ("plain:2",), {"site": "Leeds"}), ("plain:4", ("plain:4",), {"site": "Hull"})]


CSV_CURLY = "id,text\r\nq1,\"\u201cFine\u201d, she\u2019d say\"\r\n"


@pytest.mark.parametrize("data", [
    codecs.BOM_UTF8 + CSV_CURLY.encode("utf-8"),
    CSV_CURLY.encode("cp1252"),
    codecs.BOM_UTF16_LE + CSV_CURLY.encode("utf-16-le"),
], ids=["utf8_bom", "cp1252", "utf16"])
def test_csv_encodings(tmp_path, data):
    path = tmp_path / "enc.csv"
    path.write_bytes(data)
    [transcript] = read_file(path)
    assert transcript.turns[0].segment_ids == ("q1",)
    assert transcript.turns[0].text == "\u201cFine\u201d, she\u2019d say"


def test_table_segment_ids_after_import_equal_row_ids(tmp_path, project):
    path = tmp_path / "open_text.csv"
    write_csv(path, [("id", "text", "gender"),
                     ("1001", "A long response. It has two sentences and many words " * 20, "F"),
                     ("1002", "Short.", "M")])
    report = import_paths([path], project, segmenter=Segmenter(unit="sentence", max_words=5))
    assert report.ok, report
    segments = project.segments()
    # a row is one segment, never split, whatever the segmentation settings
    assert list(segments["segment_id"]) == ["1001", "1002"]
    assert segments.loc[0, "text"] == ("A long response. It has two sentences and many words " * 20
                                       ).strip()
    assert project.cases().set_index("case").loc["1001", "gender"] == "F"


# --- encodings --------------------------------------------------------------------------------------

CURLY = ("Interviewer: What did they say?\r\n"
         "Respondent: She said \u201cit\u2019s a joint session\u201d \u2013 caf\u00e9 talk.\r\n")
CURLY_TEXT = "She said \u201cit\u2019s a joint session\u201d \u2013 caf\u00e9 talk."


@pytest.mark.parametrize("name, data, encoding", [
    ("utf8", CURLY.encode("utf-8"), "utf-8"),
    ("utf8_bom", codecs.BOM_UTF8 + CURLY.encode("utf-8"), "utf-8-sig"),
    ("utf16_le_bom", codecs.BOM_UTF16_LE + CURLY.encode("utf-16-le"), "utf-16"),
    ("utf16_be_bom", codecs.BOM_UTF16_BE + CURLY.encode("utf-16-be"), "utf-16"),
    ("cp1252", CURLY.encode("cp1252"), "cp1252"),
])
def test_encodings_keep_verbatim_text_and_normalise_search_copy(tmp_path, project, name, data,
                                                                encoding):
    path = tmp_path / f"{name}.txt"
    path.write_bytes(data)
    transcript = read_one(path)
    assert transcript.encoding == encoding
    assert turns_of(transcript) == [("Interviewer", INTERVIEWER, "What did they say?"),
                                    ("Respondent", RESPONDENT, CURLY_TEXT)]
    assert "\r" not in transcript.turns[1].text and "\ufeff" not in transcript.turns[0].speaker

    report = import_paths([path], project)
    assert report.ok, report
    turn = project.query("SELECT text FROM turns WHERE role = 'respondent'")
    assert turn.loc[0, "text"] == CURLY_TEXT
    segment = project.query("SELECT text, search_text FROM segments")
    assert list(segment["text"]) == [CURLY_TEXT]
    assert list(segment["search_text"]) == ['she said "it\'s a joint session" - caf\u00e9 talk.']
    assert project.transcripts().loc[0, "encoding"] == encoding


# --- segmentation -----------------------------------------------------------------------------------

def sentence(n_words, i):
    return " ".join(f"w{i}x{k}" for k in range(n_words - 1)) + " end."


def segmented(tmp_path, body, **settings):
    path = tmp_path / "seg.txt"
    path.write_text(body, encoding="utf-8")
    return Segmenter(**settings).transform(read_file(path))[0]


def test_segment_offsets_point_into_the_verbatim_turn(tmp_path):
    long_turn = " ".join(sentence(n, i) for i, n in enumerate([7, 12, 3, 9, 15, 4, 8, 11, 6]))
    body = (f"Interviewer: Tell me everything.\nRespondent: {long_turn}\n"
            "Interviewer: Thanks.\nRespondent: Short answer.\nWith a second line here.\n")
    for settings in [{}, {"max_words": 20}, {"unit": "sentence"}, {"unit": "paragraph"},
                     {"all_speakers": True, "max_words": 10}]:
        transcript = segmented(tmp_path, body, **settings)
        turns = {turn.index: turn for turn in transcript.turns}
        assert transcript.segments
        for seg in transcript.segments:
            assert turns[seg.turn_index].text[seg.start:seg.end] == seg.text
            assert seg.case == "seg"
            assert seg.speaker == turns[seg.turn_index].speaker
            assert seg.n_words == count_words(seg.text)
        ids = [seg.id for seg in transcript.segments]
        assert len(set(ids)) == len(ids)


def test_long_turn_cut_into_sentence_windows(tmp_path):
    lengths = [7, 12, 3, 9, 15, 4, 8, 11, 6, 5, 13]
    long_turn = " ".join(sentence(n, i) for i, n in enumerate(lengths))
    transcript = segmented(tmp_path, f"I: Go on.\nR: {long_turn}\n", max_words=20)
    turn = transcript.turns[1]
    assert turn.n_words == sum(lengths)
    assert [turn.text[s:e] for s, e in turn.sentences] == [sentence(n, i)
                                                           for i, n in enumerate(lengths)]
    windows = [seg for seg in transcript.segments if seg.turn_index == 1]
    assert len(windows) > 1
    for seg in windows:
        assert seg.n_words <= 20
        # every window starts and ends at a sentence boundary
        assert any(seg.start == s for s, _ in turn.sentences)
        assert any(seg.end == e for _, e in turn.sentences)
    # the windows cover the turn in order, leaving out nothing but the spaces between them
    assert windows[0].start == 0 and windows[-1].end == len(turn.text)
    for before, after in zip(windows, windows[1:]):
        assert before.end <= after.start
        assert turn.text[before.end:after.start].strip() == ""
    assert sum(seg.n_words for seg in windows) == turn.n_words
    assert [seg.index for seg in windows] == list(range(len(windows)))


def test_turn_at_or_under_max_words_is_one_segment(tmp_path):
    text = " ".join(sentence(n, i) for i, n in enumerate([5, 5, 5, 5]))
    transcript = segmented(tmp_path, f"I: Go on.\nR: {text}\n", max_words=20)
    assert [(s.start, s.end, s.text) for s in transcript.segments] == [(0, len(text), text)]


def test_sentence_longer_than_max_words_stays_whole(tmp_path):
    text = f"{sentence(3, 0)} {sentence(30, 1)} {sentence(3, 2)}"
    transcript = segmented(tmp_path, f"I: Go on.\nR: {text}\n", max_words=10)
    assert [s.text for s in transcript.segments] == [sentence(3, 0), sentence(30, 1), sentence(3, 2)]
    assert [s.n_words for s in transcript.segments] == [3, 30, 3]


def test_unit_sentence(tmp_path):
    transcript = segmented(tmp_path, "Interviewer: Why? Tell me.\n"
                                     "Respondent: It was hard. Really hard! Did it help? Not much.\n",
                           unit="sentence")
    assert [(s.turn_index, s.index, s.text) for s in transcript.segments] == [
        (1, 0, "It was hard."), (1, 1, "Really hard!"), (1, 2, "Did it help?"),
        (1, 3, "Not much.")]


def test_unit_sentence_across_lines_has_no_leading_newline(tmp_path):
    transcript = segmented(tmp_path, "Interviewer: Why?\n"
                                     "Respondent: It was hard.\nReally hard!\n", unit="sentence")
    assert [s.text for s in transcript.segments] == ["It was hard.", "Really hard!"]


def test_unit_paragraph(tmp_path):
    transcript = segmented(tmp_path, "Interviewer: Why?\n"
                                     "Respondent: First paragraph. Two sentences.\n"
                                     "Second paragraph.\n"
                                     "\n"
                                     "Third one.\n"
                                     "Interviewer: Thanks.\n"
                                     "Respondent: Single.\n", unit="paragraph")
    assert [(s.turn_index, s.index, s.text) for s in transcript.segments] == [
        (1, 0, "First paragraph. Two sentences."), (1, 1, "Second paragraph."),
        (1, 2, "Third one."), (3, 0, "Single.")]


def test_interviewer_turns_segmented_only_with_all_speakers(tmp_path):
    body = "Interviewer: How was it?\nMother: Fine.\nModerator: And you?\nProvider 2: Busy.\n"
    default = segmented(tmp_path, body)
    assert [(s.speaker, s.text) for s in default.segments] == [("Mother", "Fine."),
                                                               ("Provider 2", "Busy.")]
    assert len(default.turns) == 4  # interviewer turns are kept as context
    everyone = segmented(tmp_path, body, all_speakers=True)
    assert [(s.speaker, s.text) for s in everyone.segments] == [
        ("Interviewer", "How was it?"), ("Mother", "Fine."), ("Moderator", "And you?"),
        ("Provider 2", "Busy.")]


# --- the CLI ----------------------------------------------------------------------------------------

def report_rows(output):
    """The rows of the CLI's import table, keyed by file name."""
    rows = {}
    for line in output.splitlines():
        cells = [cell.strip() for cell in line.split("│")]
        if len(cells) == 10:  # a leading and a trailing border around eight columns
            rows[cells[1]] = cells[2:9]
    return rows


def test_cli_import_folder_prints_per_file_counts(tmp_path, runner):
    folder = tmp_path / "corpus"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text("---\ncase: A\n---\n"
                                  "Interviewer: How are you today?\n"   # 4 words
                                  "Respondent: I am fine thanks.\n"     # 4 words
                                  "Interviewer: Anything else?\n"       # 2 words
                                  "Respondent: No, that is all.\n",     # 4 words
                                  encoding="utf-8")
    (folder / "sub" / "b.vtt").write_text(
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Moderator>Hello all.</v>\n\n"
        "00:00:02.000 --> 00:00:03.000\n<v Provider 1>Hi.</v>\n\n"
        "00:00:03.000 --> 00:00:04.000\n<v Provider 2>Morning to you.</v>\n", encoding="utf-8")
    write_csv(folder / "c.csv", [("id", "text"), ("x1", "One two three."), ("x2", "Four five.")])
    (folder / "notes.log").write_text("not a transcript")
    (folder / ".qualkitignore").write_text("*.log\n")
    project_path = tmp_path / "out" / "study.qualkit"

    result = runner.invoke(main, ["import", str(folder), "--project", str(project_path)])
    assert result.exit_code == 0, result.output
    rows = report_rows(result.stdout)
    assert set(rows) == {"a.txt", "b.vtt", "c.csv"}
    #                  case        format  status      turns segments words speakers
    assert rows["a.txt"] == ["A", "txt", "imported", "4", "2", "14", "2"]
    assert rows["b.vtt"] == ["b", "vtt", "imported", "3", "2", "6", "3"]
    assert rows["c.csv"] == ["x1, x2", "csv", "imported", "2", "2", "5", "1"]
    assert "3 of 3 files imported or up to date; 6 new segments, 25 words" in result.stdout
    assert "error" not in result.output

    with Project(project_path) as project:
        assert sorted(project.transcripts()["case_id"]) == ["A", "b", "x1", "x2"]
        assert len(project.segments()) == 6

    again = runner.invoke(main, ["import", str(folder), "--project", str(project_path)])
    assert again.exit_code == 0, again.output
    assert {status for _, _, status, *_ in report_rows(again.stdout).values()} == {"unchanged"}


def test_cli_cases_sidecar_wins_over_front_matter(tmp_path, runner):
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "P01.txt").write_text("---\nrole: Mother\narea: North\nharm: yes\n---\n"
                                    "I: Hello.\nR: Hello.\n", encoding="utf-8")
    (folder / "P02.txt").write_text("---\nrole: Father\n---\nI: Hello.\nR: Hi.\n",
                                    encoding="utf-8")
    (folder / "007.txt").write_text("---\ncase: 007\nrole: Father\n---\nI: Hello.\nR: Hi.\n",
                                    encoding="utf-8")
    write_csv(folder / "cases.csv", [("case", "role", "harm", "site"),
                                     ("P01", "Grandmother", "no", "Leeds"),
                                     ("P03", "Mother", "", "York"),
                                     ("007", "", "", "Hull")])
    project_path = tmp_path / "study.qualkit"
    result = runner.invoke(main, ["import", str(folder), "--cases", str(folder / "cases.csv"),
                                  "--project", str(project_path)])
    assert result.exit_code == 0, result.output
    # the sheet is no transcript
    assert set(report_rows(result.stdout)) == {"007.txt", "P01.txt", "P02.txt"}
    with Project(project_path) as project:
        cases = project.cases().set_index("case")
        assert list(cases.index) == ["007", "P01", "P02", "P03"]
        assert cases.loc["007", ["role", "site"]].tolist() == ["Father", "Hull"]
        assert cases.loc["P01", ["role", "harm", "site", "area"]].tolist() == [
            "Grandmother", "no", "Leeds", "North"]
        assert cases.loc["P02", "role"] == "Father"
        assert cases.loc["P03", ["role", "site"]].tolist() == ["Mother", "York"]

        # re-importing a changed transcript still leaves the sheet's values in place
        (folder / "P01.txt").write_text("---\nrole: Aunt\n---\nI: Hello again.\nR: Hello.\n",
                                        encoding="utf-8")
    result = runner.invoke(main, ["import", str(folder / "P01.txt"), "--cases",
                                  str(folder / "cases.csv"), "--project", str(project_path)])
    assert result.exit_code == 0, result.output
    assert report_rows(result.stdout)["P01.txt"][2] == "new version"
    with Project(project_path) as project:
        assert project.cases().set_index("case").loc["P01", "role"] == "Grandmother"


def test_cli_table_column_options(tmp_path, runner):
    path = tmp_path / "survey.csv"
    write_csv(path, [("respondent", "comment", "age"), ("s1", "Good.", "40"), ("s2", "Bad.", "")])
    project_path = tmp_path / "study.qualkit"
    result = runner.invoke(main, ["import", str(path), "--text-column", "comment", "--id-column",
                                  "respondent", "--project", str(project_path)])
    assert result.exit_code == 0, result.output
    with Project(project_path) as project:
        assert list(project.segments()["segment_id"]) == ["s1", "s2"]
        assert project.cases().set_index("case").loc["s1", "age"] == "40"


def test_docx_bold_first_word_of_speech_is_not_a_speaker_and_headings_are_not_speech(tmp_path):
    document = docx.Document()
    document.add_heading("Interview transcript", level=1)
    for speaker, text in [("Interviewer", " Would you go back?"), ("Respondent", " Maybe.")]:
        paragraph = document.add_paragraph()
        paragraph.add_run(speaker).bold = True
        paragraph.add_run(text)
    paragraph = document.add_paragraph()
    paragraph.add_run("Never").bold = True
    paragraph.add_run(" again, to be honest.")
    document.add_heading("Part two", level=2)
    paragraph = document.add_paragraph()
    paragraph.add_run("Interviewer").bold = True
    paragraph.add_run(" Thank you.")
    path = tmp_path / "emphasis.docx"
    document.save(path)
    transcript = read_one(path)
    assert turns_of(transcript) == [
        ("Interviewer", INTERVIEWER, "Would you go back?"),
        ("Respondent", RESPONDENT, "Maybe.\nNever again, to be honest."),
        ("Interviewer", INTERVIEWER, "Thank you."),
    ]
    assert "Interview transcript" not in transcript.preamble
