"""Near misses (issue 21, item 6): negative examples that name the code they are confused with.

Covered: both forms of a negative parse; a malformed entry, an unknown ``confused_with`` and one
that names the code itself or a sub-code are each one line with the code, the entry and the fix; the
training rows and the semantic coder's sides hold a near miss once, on both sides of the boundary;
and one near miss flips a semantic decision the plain codebook got wrong, on wording that is not the
example's.

Limits chosen, and why:
- The flip is shown with the semantic coder, the real all-MiniLM-L6-v2 embeddings and its default
  settings (k=3, temperature 0.04, decision at 0.5). The learned coder is not used for it: it learns
  a code only from 6 positives and 6 negatives (``min_positive``) with 5-fold cross-validation,
  which a codebook small enough to read in a test does not have; its training rows are tested
  instead.
- Of three paraphrases of the near miss first tried, two flip (asserted below) and one keeps the
  wrong code at a lower score (0.99 -> 0.73): one near miss moves nearby wording, not every wording.
  The test asserts that the near miss lowers the wrong code's score for all three, so it would fail
  if a near miss had no pull; and that a real example of the code keeps it (the near miss does not
  simply switch the code off).
- Quoted texts in messages are clipped to 50-60 characters, so that the message stays one line a
  reader can take in.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from qualkit import QualkitError
from qualkit.coding import SemanticCoder, load_codebook, parse_codebook
from qualkit.coding.codebook import NearMiss
from qualkit.coding.examples import NEAR_MISS_WEIGHT, codebook_examples
from qualkit.coding.labels import example_matrix, with_examples
from qualkit.coding.learned import UNKNOWN

ROOT = Path(__file__).resolve().parent.parent


def codebook_text(negative: str = "", more: str = "") -> str:
    """Two themes (one with two sub-codes) and a third theme; ``negative`` goes under fear_a."""
    return f"""\
codes:
  - id: fear
    definition: Fear of the other parent.
  - id: fear_a
    parent: fear
    definition: Fear at the joint session.
    examples:
      positive: ["I was terrified in the room with him."]
      negative:
        - "I wasn't scared at all."
{negative}
  - id: fear_b
    parent: fear
    definition: Fear at handovers.
    examples:
      positive: ["I dread the doorstep on Sundays."]
{more}
  - id: session
    definition: How the joint session went.
    examples:
      positive: ["We practised listening to each other."]
"""


def parse(negative: str = "", more: str = ""):
    return parse_codebook(codebook_text(negative, more), "cb.yaml")


def refused(text: str) -> QualkitError:
    with pytest.raises(QualkitError) as caught:
        parse_codebook(text, "cb.yaml")
    message = str(caught.value)
    assert "\n" not in message and "Fix:" in message
    return caught.value


# --- the format ---------------------------------------------------------------------------------

def test_plain_texts_and_near_misses_parse_side_by_side():
    codebook = parse('        - {text: "We had a row, nothing more.", confused_with: session}\n'
                     '        - "Nobody ever hurt me."')
    code = codebook.code("fear_a")
    assert code.negative == ("I wasn't scared at all.", "We had a row, nothing more.",
                             "Nobody ever hurt me.")
    assert code.near_misses == (NearMiss("We had a row, nothing more.", "session", 11),)
    assert codebook.code("fear_b").near_misses == ()


def test_a_single_near_miss_may_stand_alone_under_negative():
    text = codebook_text().replace(
        '      negative:\n        - "I wasn\'t scared at all."\n',
        '      negative: {text: "Just a row.", confused_with: fear_b}\n')
    code = parse_codebook(text, "cb.yaml").code("fear_a")
    assert code.negative == ("Just a row.",)
    assert [n.confused_with for n in code.near_misses] == ["fear_b"]


def test_an_unknown_code_is_one_line_naming_the_code_the_entry_and_a_fix():
    error = refused(codebook_text('        - {text: "We just had a row about money.", '
                                  'confused_with: sesion}'))
    assert error.code == "E196"
    assert error.line == 11  # the entry's own line, not the code's
    message = str(error)
    for part in ("code 'fear_a'", "'We just had a row about money.'", "'sesion'",
                 "did you mean 'session'?"):
        assert part in message, part


@pytest.mark.parametrize("other, relation", [("fear_a", "this code itself"),
                                             ("fear", None), ("fear_b", None), ("session", None)])
def test_confused_with_must_be_another_code_that_is_not_this_one(other, relation):
    text = codebook_text(f'        - {{text: "Only a row.", confused_with: {other}}}')
    if relation is None:  # its theme, a sibling, another theme: all say something
        assert parse_codebook(text, "cb.yaml").code("fear_a").near_misses[0].confused_with == other
    else:
        error = refused(text)
        assert error.code == "E197" and relation in str(error)


def test_a_near_miss_of_a_theme_may_not_name_its_own_sub_code():
    text = codebook_text().replace(
        "    definition: Fear of the other parent.\n",
        "    definition: Fear of the other parent.\n    examples:\n      negative:\n"
        "        - {text: \"I dread Sundays.\", confused_with: fear_b}\n")
    error = refused(text)
    assert error.code == "E197" and "a sub-code of it" in str(error) and "code 'fear'" in str(error)


@pytest.mark.parametrize("entry", [
    '{text: "A row.", confused_with: session, weight: 2}',   # a key too many
    '{text: "A row."}',                                      # no code named
    '{text: "A row.", near_miss_of: session}',               # the one key is confused_with
    '{text: "A row.", confused_with: [session, fear_b]}',    # one code, not a list
    '{text: "", confused_with: session}',                    # no text
    '""',
    '["A row.", session]',
])
def test_a_malformed_entry_is_refused_with_its_position(entry):
    error = refused(codebook_text(f"        - {entry}"))
    assert error.code == "E195" and "negative example 2" in str(error) and error.line == 11


def test_a_long_or_multi_line_entry_is_quoted_on_one_short_line():
    long = "word " * 40 + "\\nnext"
    error = refused(codebook_text(f'        - {{text: "{long}", confused_with: nope}}'))
    quoted = re.search(r"near miss '([^']*)'", str(error))[1]
    assert error.code == "E196" and len(quoted) <= 50 and quoted.endswith("...")


def test_the_documented_example_parses():
    page = (ROOT / "docs" / "commands" / "code.md").read_text(encoding="utf-8")
    block = re.search(r"### Near misses.*?```yaml\n(.*?)```", page, re.S)[1]
    text = "codes:\n" + block.replace("    examples:", "    definition: Fear.\n    examples:") + \
        "  - id: plus_argumentative\n    definition: Rows in the session.\n"
    code = parse_codebook(text, "doc.yaml").code("safety_fear_joint_session")
    assert len(code.negative) == 2 and code.near_misses[0].confused_with == "plus_argumentative"


def test_the_shipped_near_misses_go_where_the_exclude_lists_send_them():
    """Each near miss of the SPIP Plus codebook names a code that its code's exclude list (or an
    ancestor's) points to: the conversion added no judgement the codebook did not already make."""
    codebook = load_codebook(ROOT / "codebooks" / "spip_plus.yaml")
    near = [(code, n) for code in codebook.codes for n in code.near_misses]
    assert len(near) >= 20
    for theme in ("relevance", "safety", "mediation_resistance"):
        assert any(codebook.theme_of(code.id) == theme for code, _ in near), theme
    for code, n in near:
        excludes = " ".join(line for c in (code.id, *codebook.ancestors(code.id))
                            for line in codebook.code(c).exclude)
        assert re.search(rf"-> .*\b{n.confused_with}\b", excludes), (code.id, n.confused_with)


# --- training rows --------------------------------------------------------------------------

def rows_by_text(codebook):
    texts, y, weights = example_matrix(codebook)
    return {t: (dict(zip(codebook.ids, row)), w) for t, row, w in zip(texts, y, weights)}


def test_a_near_miss_trains_against_its_code_and_for_the_other_and_its_theme():
    codebook = parse('        - {text: "I dread the doorstep.", confused_with: fear_b}\n'
                     '        - {text: "We had a row.", confused_with: session}')
    rows = rows_by_text(codebook)
    labels, weight = rows["I dread the doorstep."]
    assert labels == {"fear": 1, "fear_a": 0, "fear_b": 1, "session": UNKNOWN}
    assert weight == NEAR_MISS_WEIGHT
    assert rows["We had a row."][0] == {"fear": UNKNOWN, "fear_a": 0, "fear_b": UNKNOWN,
                                        "session": 1}
    assert rows["I wasn't scared at all."][0]["fear_a"] == 0  # the plain one as before


def test_a_near_miss_is_one_row_with_an_example_of_the_same_text():
    codebook = parse('        - {text: "i dread  the doorstep on sundays.", confused_with: fear_b}')
    texts, y, _ = example_matrix(codebook)
    found = [i for i, t in enumerate(texts) if "doorstep" in t.casefold()]
    assert len(found) == 1  # fear_b's own positive, spelt otherwise: one text, one row
    row = dict(zip(codebook.ids, y[found[0]]))
    assert row == {"fear": 1, "fear_a": 0, "fear_b": 1, "session": UNKNOWN}


def test_a_near_miss_is_no_positive_for_a_code_that_lists_it_as_negative():
    codebook = parse('        - {text: "I dread nothing.", confused_with: fear_b}',
                     more='      negative: ["I dread nothing."]')
    rows = rows_by_text(codebook)
    assert rows["I dread nothing."][0] == {"fear": UNKNOWN, "fear_a": 0, "fear_b": 0,
                                           "session": UNKNOWN}


def test_a_near_miss_a_sheet_already_holds_is_not_counted_twice():
    codebook = parse('        - {text: "We had a row.", confused_with: session}\n'
                     '        - {text: "I dread the gate.", confused_with: fear_b}')
    ids = codebook.ids
    sheet = ["  we had a ROW. ", "I dread the gate.", "Something else."]
    y = np.full((3, len(ids)), UNKNOWN)
    y[0, ids.index("session")] = 0          # the human said: not session; that stands
    y[1, ids.index("fear")] = 0             # the human said: not fear, so no fear_b either
    texts, labels, groups, weights = with_examples(codebook, sheet, y, ["c1", "c1", "c2"],
                                                   [0.3, 0.3, 0.3])
    counted = [" ".join(t.split()).casefold() for t in texts]
    assert counted.count("we had a row.") == 1 and counted.count("i dread the gate.") == 1
    assert len(texts) == len(example_matrix(codebook)[0]) + 1  # two examples met sheet rows
    first = dict(zip(ids, labels[0]))
    assert first["session"] == 0 and first["fear_a"] == 0  # kept; filled where unknown
    second = dict(zip(ids, labels[1]))
    assert second["fear"] == 0 and second["fear_b"] == UNKNOWN and second["fear_a"] == 0
    assert weights[:3] == [0.3, 0.3, 0.3] and groups[:3] == ["c1", "c1", "c2"]
    assert labels[2].tolist() == [UNKNOWN] * len(ids)


# --- the semantic coder's sides ---------------------------------------------------------------

class Flat:
    """An embedder that places every text alike: enough to read which side each prototype is on."""

    def encode(self, texts):
        return np.ones((len(texts), 4), dtype=np.float32) / 2


def sides(codebook):
    coder = SemanticCoder(codebook, Flat()).fit()
    text = coder._texts
    return ({c: {text[i] for i in coder._own[c]} for c in codebook.ids},
            {c: {text[i] for i in coder._other[c]} for c in codebook.ids}, text)


def test_a_near_miss_is_one_prototype_on_the_other_codes_side_and_against_its_own():
    codebook = parse('        - {text: "We had a row.", confused_with: session}\n'
                     '        - {text: "I dread the gate.", confused_with: fear_b}\n'
                     '        - {text: "Fear, but not in the room.", confused_with: fear}')
    own, other, texts = sides(codebook)
    assert len(texts) == len(set(texts))
    assert "We had a row." in own["session"] and "We had a row." in other["fear_a"]
    assert "We had a row." in other["fear"]  # another theme's example, as before
    # a sibling's example: against fear_a, for fear_b and for the theme they share
    assert "I dread the gate." in other["fear_a"] and "I dread the gate." in own["fear_b"]
    assert "I dread the gate." in own["fear"] and "I dread the gate." not in other["fear"]
    # the theme but not this sub-code: against the sub-code even though the theme is its ancestor
    assert "Fear, but not in the room." in other["fear_a"]
    assert "Fear, but not in the room." in own["fear"]
    assert [e.codes for e in codebook_examples(codebook) if e.text == "We had a row."] == \
        [frozenset({"session"})]


# --- a near miss flips a decision -------------------------------------------------------------

FLIP = """\
codes:
  - id: fear
    definition: The parent was frightened of the other parent or felt unsafe near them.
    examples:
      positive:
        - "I was terrified of him and sat by the door the whole time."
        - "I was shaking when I left, I felt so unsafe."
        - "My stomach was in knots for days before I had to see her."
      negative:
        - "He has never hurt me and I have never been afraid of him."
{near_miss}
  - id: session
    definition: How the joint session went and how the parent found it.
    examples:
      positive:
        - "The facilitator kept us on track and we both got a say."
        - "We practised saying back what the other one had said."
        - "It was an hour in a room with a clipboard, and it didn't change much."
"""
NEAR_MISS = ('        - {text: "I was nervous beforehand, like before a job interview, but it was '
             'fine once we started.", confused_with: session}')
#: nerves before the session, in words the near miss does not use
FLIPPED = ["I felt jittery going in, like before a driving test, but once we got talking it was "
           "fine.",
           "Beforehand I was a bit anxious, as you are before a first day at work, but it went "
           "okay."]
MOVED = ["I had butterflies before it started, the way you do before an exam, but it settled down "
         "quickly."]
FEAR = "He threatened me in the car park and I was scared for my life."


@pytest.fixture(scope="module")
def embedder():
    from qualkit.embeddings import Embedder

    return Embedder()


def test_a_near_miss_flips_a_decision_the_plain_codebook_got_wrong(embedder):
    texts = [*FLIPPED, *MOVED, FEAR]
    coders = {}
    for name, near_miss in (("plain", ""), ("near miss", NEAR_MISS)):
        codebook = parse_codebook(FLIP.format(near_miss=near_miss), f"{name}.yaml")
        coders[name] = SemanticCoder(codebook, embedder).fit()
    fear, session = (coders["plain"].classes_.index(c) for c in ("fear", "session"))
    before, after = (coders[name].predict(texts) for name in ("plain", "near miss"))
    scores_before, scores_after = (coders[name].predict_proba(texts) for name in coders)
    flipped = range(len(FLIPPED))
    # before: nerves taken for fear, and not seen as talk about the session
    assert [tuple(before[i, [fear, session]]) for i in flipped] == [(1, 0)] * len(FLIPPED)
    # after: the other way round, for wording the codebook never used
    assert [tuple(after[i, [fear, session]]) for i in flipped] == [(0, 1)] * len(FLIPPED)
    for i in range(len(FLIPPED) + len(MOVED)):  # every paraphrase is pulled the same way
        assert scores_after[i, fear] < scores_before[i, fear]
        assert scores_after[i, session] > scores_before[i, session]
    assert before[-1, fear] == after[-1, fear] == 1  # real fear keeps its code
    reason = coders["near miss"].score([FLIPPED[0]])[1][0]["session"]
    assert "job interview" in reason  # the near miss is the evidence shown
