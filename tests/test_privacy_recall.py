"""Recall of the privacy check on planted Welsh, Polish, South Asian and word-like names, Welsh
places, street addresses, car registrations and other contact details (issue 25, item 9), and its
false alarms on ordinary interview speech.

The planted set is ``tests/data/planted/planted.csv`` (727 items in 687 answers, made by
``make_planted.py`` beside it; 587 from the templates the context rules were developed against,
140 from templates written afterwards and never tuned on); ``bench/privacy_recall.py`` prints the
full table. Limits chosen here, and why:

- recall >= 0.99 on full names and on contact details (phones, e-mails, postcodes, addresses, car
  registrations, dates of birth): the issue's aim. Measured: 100% and 99.2%. Each contact kind
  alone >= 0.90: an old-format plate with no car, van or police in the sentence ("I saw A123 BCD
  outside my mum's") is left alone by design, as such codes are common in other talk; measured
  car registrations 95.2%, every other contact kind 100%.
- on the fresh templates alone: >= 0.95 on full names (measured 100%), >= 0.90 on contact details
  (95.7%: the two plates above).
- recall >= 0.95 on first names, surnames and places taken one kind at a time: a first name alone
  that opens a sentence and is also a word ("Summer was brilliant actually", "Harmony and her new
  fella") cannot be told from the word without the rest of the interview; measured 96.2%.
- with every planted name and place taken out of the detector's lists ("held out", which measures
  what the context rules and spaCy find in names nobody listed): >= 0.95 on full names and >= 0.90
  on every other name kind together; measured 98.7% and 94.7%. Without these floors the lists
  alone could carry the first limits, since the planted names and the lists were written by one
  hand.
- false alarms: at most 60 findings on the 54,000 words of ordinary speech (the sample, the four
  interviews, the coders' training answers; all anonymised by hand). Before this change there were
  52, nearly all spaCy's own ("Calm", "Felt", "Cafcass"); the new rules add none, and 60 leaves
  room for a model update, not for a rule that floods. None of the 51 negatives (word-like names
  used as words: "I will", "I hope so", "the bill"; agencies and orders) may be flagged. On whole
  lines of the two folders, as ``check-anonymity`` reads them (speaker labels, front matter, the
  codebook's privacy_allow words), at most 8 findings: the 8 spaCy ones there were before this
  change (the README's 4 on the sample); a draft rule that took the label 'Respondent' for a name
  made it 9, which this limit catches.
- the CLI and gate tests take the planted transcripts whole and allow 1% of the full names and
  contact details through, as the detector's own limit does.
- the quotes crash: ``qualkit run`` on the planted transcripts is run in a subprocess with a 900 s
  timeout (it takes about two minutes), so a hang fails the test instead of stopping the suite.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from qualkit.cli import main
from qualkit.privacy import Detector, PrivacyGate
from qualkit.privacy.gazetteer import DEFAULT

ROOT = Path(__file__).resolve().parent.parent
PLANTED = ROOT / "tests" / "data" / "planted"
CONTACT = {"phone", "email", "postcode", "address", "car_reg", "date_of_birth"}


def _load(name: str, path: Path):
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


bench = _load("privacy_recall", ROOT / "bench" / "privacy_recall.py")
make_planted = bench.planted_module()


@pytest.fixture(scope="module")
def measured():
    return bench.measure(Detector())


@pytest.fixture(scope="module")
def held_out():
    return bench.measure(bench.held_out_detector(), speech=False)


@pytest.fixture(scope="module")
def rows():
    return make_planted.read()


@pytest.fixture(scope="module")
def transcripts(tmp_path_factory, rows):
    folder = tmp_path_factory.mktemp("planted") / "in"
    make_planted.write_transcripts(folder, rows)
    return folder


# --- the planted set ------------------------------------------------------------------------------

def test_planted_set_is_the_one_the_script_makes(rows):
    """The committed file is what the script writes: nobody edited items in by hand."""
    assert make_planted.build() == rows


def test_planted_set_covers_every_kind_and_origin(rows):
    assert len(rows) >= 400 and sum(row["split"] == "fresh" for row in rows) >= 100
    kinds = {row["kind"] for row in rows}
    assert kinds == {"full_name", "first_name", "surname", "place", "address", "postcode", "phone",
                     "email", "car_reg", "date_of_birth"}
    names = [row for row in rows if row["kind"] in ("full_name", "first_name", "surname")]
    for origin in ("welsh", "polish", "south_asian", "english", "other"):
        assert sum(row["origin"] == origin for row in names) >= 30, origin
    assert sum(row["word_like"] == "1" for row in rows) >= 50
    # part of the names are in none of the detector's lists, so recall measures generalisation
    assert sum(bench.listed(row["span"], row["kind"]) != "all" for row in names) >= 40
    for row in rows:
        start = int(row["start"])
        assert row["sentence"][start:start + len(row["span"])] == row["span"], row


# --- recall ---------------------------------------------------------------------------------------

def test_recall_on_full_names_and_contact_details(measured):
    assert measured.recall("group", "full names") >= 0.99, _misses(measured, {"full_name"})
    assert measured.recall("group", "contact details") >= 0.99, _misses(measured, CONTACT)
    for kind in CONTACT:
        assert measured.recall("kind", kind) >= 0.90, _misses(measured, {kind})


def test_recall_on_templates_the_rules_were_not_made_from(measured):
    assert measured.recall("group x templates", "full names/fresh") >= 0.95
    assert measured.recall("group x templates", "contact details/fresh") >= 0.90


@pytest.mark.parametrize("kind", ["first_name", "surname", "place"])
def test_recall_on_the_other_kinds(measured, kind):
    assert measured.recall("kind", kind) >= 0.95, _misses(measured, {kind})


@pytest.mark.parametrize("origin", ["welsh", "polish", "south_asian", "english", "other"])
def test_recall_per_origin(measured, origin):
    assert measured.recall("origin", origin) >= 0.95, origin


def test_recall_with_the_planted_names_held_out_of_the_lists(held_out):
    assert held_out.recall("group", "full names") >= 0.95, _misses(held_out, {"full_name"})
    other = held_out.by["group"]["other kinds"]
    assert other.recall >= 0.90, _misses(held_out, {"first_name", "surname", "place"})


def test_few_false_alarms_on_ordinary_speech(measured):
    assert measured.speech_words > 50_000
    assert len(measured.speech_alarms) <= 60, sorted(set(measured.speech_alarms))
    assert not measured.negative_alarms, measured.negative_alarms
    # what check-anonymity prints for the sample and the four interviews, labels and front
    # matter read too: the README's 4 for the sample ('Calm', 'Child', 'Contact', 'Stick'), 4 more
    assert len(measured.file_alarms) <= 8, measured.file_alarms


def _misses(measured, kinds) -> list[str]:
    return [f"{row['span']!r} in {row['sentence']!r}" for row in measured.misses
            if row["kind"] in kinds]


# --- single rules ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text, found", [
    ("He drives a black Golf, LD68 XYZ.", "LD68 XYZ"),
    ("Reg was AB12CDE, I wrote it down.", "AB12CDE"),
    ("The van's ABC 123D, white Transit.", "ABC 123D"),           # suffix format, beside a van
    ("Police checked P567 KLM and it came back as hers.", "P567 KLM"),
    ("Number plate NIB 3345, I gave it to the police.", "NIB 3345"),
    ("I'm at Flat 2, 7 Church Street now.", "Flat 2, 7 Church Street"),
    ("We're in 14 Heol y Nant, top floor.", "14 Heol y Nant"),
    ("Send it to 38a Rhodfa'r Môr, that's mine.", "38a Rhodfa'r Môr"),
    ("It's cf37 4tp, if you're sending anything.", "cf37 4tp"),
    ("You can get me on 07 700 900 222 or email.", "07 700 900 222"),
    ("Drive to Betws-y-Coed every other weekend.", "Betws-y-Coed"),
    ("My ex, Will, wouldn't come to the joint session.", "Will"),
    ("Will said it wasn't his fault.", "Will"),
    ("Mrs Prydderch from Cafcass did the report.", "Prydderch"),
    ("Me and Agnieszka Wróblewska were together eleven years.", "Agnieszka Wróblewska"),
])
def test_each_rule_finds_its_detail(text, found):
    texts = [f.text for f in Detector().find(text)]
    assert any(found in t for t in texts), texts


@pytest.mark.parametrize("text", [
    "Will you be there, they said, and I said no.", "I hope so. Hope so, anyway.",
    "Mark my words, he'll be late.", "Summer holidays are the worst for handovers.",
    "He's in Year 6 now, starting big school soon.",   # Y6, not a plate
    "She needs her B12 NHS injections, the doctor said.",  # beside nothing of a car
    "The letter said ABC 123D at the top, some reference.",  # an old plate's shape, no car
    "It took 2 Weeks to hear back from them.",
])
def test_ordinary_speech_is_left_alone(text):
    assert Detector().find(text) == []


def test_the_lists_are_part_of_the_cache_key():
    """Findings remembered between runs are keyed by the lists too: they are data files, which
    the code's fingerprint does not cover."""
    shipped, fewer = Detector(), Detector(lists=DEFAULT.without(["Rhodri"]))
    assert shipped.policy_key() != fewer.policy_key()
    assert shipped.policy_key() == Detector().policy_key()
    text = "Honestly, Rhodri was fine."
    assert [(f.text, f.reason) for f in shipped.find(text)] == [("Rhodri", "first-name list")]
    assert all(f.reason != "first-name list" for f in fewer.find(text))


# --- the paths a user takes -----------------------------------------------------------------------

FINDING = re.compile(r"^(?P<path>\S+), line (?P<line>\d+): (?P<kind>\w+) '(?P<text>.*?)' \(",
                     re.M)


def _covered(line: str, texts: list[str], span: str) -> bool:
    start = line.find(span)
    hit = [False] * len(span)
    for text in texts:
        for at in (m.start() for m in re.finditer(re.escape(text), line)):
            for i in range(max(at, start), min(at + len(text), start + len(span))):
                hit[i - start] = True
    return start >= 0 and all(h or span[i].isspace() for i, h in enumerate(hit))


def test_check_anonymity_flags_the_planted_details(transcripts, rows):
    result = CliRunner().invoke(main, ["check-anonymity", str(transcripts)])
    assert result.exit_code == 1, result.output[-2000:]
    found: dict[tuple[str, int], list[str]] = {}
    kinds = set()
    for match in FINDING.finditer(result.output):
        key = (Path(match["path"]).name, int(match["line"]))
        found.setdefault(key, []).append(match["text"])
        kinds.add(match["kind"])
    assert "car_reg" in kinds
    lines = {(path.name, n): line for path in transcripts.glob("*.txt")
             for n, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1)}
    wanted = [row for row in rows if row["kind"] == "full_name" or row["kind"] in CONTACT]
    missed = []
    for row in wanted:
        key = next(k for k, line in lines.items() if row["sentence"] in line)
        if not _covered(lines[key], found.get(key, []), row["span"]):
            missed.append(row["span"])
    assert len(missed) <= 0.01 * len(wanted), missed


def test_anonymise_and_the_gate_leave_no_planted_detail(transcripts, rows, tmp_path):
    wanted = [row["span"] for row in rows if row["kind"] == "full_name" or row["kind"] in CONTACT]
    out = tmp_path / "anon"
    result = CliRunner().invoke(main, ["anonymise", str(transcripts), "--out", str(out)])
    assert result.exit_code == 0, result.output[-2000:]
    copies = "\n".join(p.read_text(encoding="utf-8") for p in sorted(out.glob("*.txt")))
    left = [span for span in wanted if span in copies]
    assert len(left) <= 0.01 * len(wanted), left
    assert "[car reg]" in copies and "[address]" in copies
    # the gate every export passes (coded.csv, case_matrix.csv): the same details redacted
    sentences = list(dict.fromkeys(row["sentence"] for row in rows))
    gate = PrivacyGate(Detector())
    written = gate.frame(pd.DataFrame({"text": sentences}), ["text"])
    text = "\n".join(written["text"])
    left = [span for span in wanted if span in text]
    assert len(left) <= 0.01 * len(wanted), left
    assert gate.redacted >= len(wanted)


# --- quotes on a set where the privacy screen rejects whole groups ---------------------------------

MINI_CODEBOOK = """\
name: mini
codes:
  - id: contact
    label: Contact
    definition: Handovers, contact arrangements, who the children see and when.
    examples:
      positive:
        - "Handovers are at the contact centre every other Saturday."
      negative:
        - "The course was held in a community hall."
    patterns: ["handover"]
  - id: course
    label: Course
    definition: What the parenting course was like.
    examples:
      positive:
        - "The course helped a bit, the group part mostly."
      negative:
        - "Handovers are at the contact centre every other Saturday."
    patterns: ["course"]
"""


def test_quotes_survive_a_screen_that_rejects_every_candidate(tmp_path, rows):
    """The hidden set 'crashed in quotes': with the privacy check as the screen, a group whose
    every candidate names someone has no candidates left, and taking turns between the roles of
    no candidates divided by zero (fixed in pick_diverse with the pipeline change; this is the
    test for it on planted data). Every answer here is one sentence holding a planted detail, so
    every group is screened empty, for both roles."""
    from qualkit.coding import load_codebook, train_coder
    from qualkit.ingest import read_inputs
    from qualkit.quotes import extract_quotes

    one_sentence = [row["sentence"] for row in rows if row["kind"] in ("full_name", "phone")
                    and row["start"] != "0" and len(re.findall(r"[.?!]", row["sentence"])) == 1]
    sentences = list(dict.fromkeys(one_sentence))[:24]
    folder = tmp_path / "study"
    folder.mkdir()
    for n, role in enumerate(["Mother", "Father", "Mother"], 1):
        turns = [f"Interviewer: And then?\nRespondent: The handover was hard and the course was "
                 f"long, and {a[0].lower()}{a[1:]}" for a in sentences[n - 1::3]]
        (folder / f"Q{n}.txt").write_text(f"---\ncase: Q{n}\nrole: {role}\n---\n" +
                                          "\n".join(turns) + "\n", encoding="utf-8")
    (tmp_path / "mini.yaml").write_text(MINI_CODEBOOK, encoding="utf-8")
    inputs = read_inputs([folder])
    segments = inputs.segments.reset_index(drop=True)
    coder = train_coder(load_codebook(tmp_path / "mini.yaml"))
    gate = PrivacyGate(Detector())
    assert not any(gate.passes(segments["text"].tolist()))   # the premise: nothing is clean
    quotes = extract_quotes(segments, coder, codes=["contact", "course"], per_group=3,
                            attributes=inputs.attributes, balance="role", screen=gate.passes)
    assert quotes.empty and "quote" in quotes.columns
