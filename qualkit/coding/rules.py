"""Rule coder: the codebook's phrases and token patterns, matched on lemmas, minding negation.

Rules are the coder a researcher can read and argue with: each suggestion names the words that
fired. A phrase is only evidence when the speaker asserts it, so a match inside a negated clause
("I wasn't scared") or a hypothetical one ("if he had been violent") is reported but not counted.
Negation and conditionals are read off spaCy's dependency parse (en_core_web_sm, loaded by path).

Rules are matched sentence by sentence, and what each sentence matched is remembered: a run codes the
same sentences again and again (an answer, then the answer read with its question, then the one- and
two-sentence passages of a typology cell, then quote candidates), and parsing was most of the rule
coder's time. A sentence parsed alone gives its segment's matches: on the sample's 654 answers one
rule score in 37,932 changed, and no coding decision.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ..resources import CODING_OFF, english_pipeline
from ..sentences import reading_sentences
from .base import Coder, expect_keys, params_from, params_of
from .codebook import Codebook
from .regexes import bounded_token_pattern

NEGATORS = {"not", "n't", "never", "no", "nobody", "nothing", "none", "neither", "nor", "hardly",
            "without"}
CONDITIONAL_MARKERS = {"if", "unless", "whether", "suppose", "supposing"}
MATCH_SCORE = 0.9
REMEMBERED = 100_000  # sentences whose matches are kept (the oldest half goes when full)


class RuleCoder(Coder):
    """Scores each code by the codebook's patterns that the segment asserts.

    Parameters follow scikit-learn: set in ``__init__``, compiled by :meth:`fit`.
    ``fit`` needs no labels; ``predict_proba`` returns (n_segments, n_codes) in codebook order.
    """

    def __init__(self, codebook: Codebook | None = None, batch_size: int = 64,
                 random_state: int | None = None) -> None:
        self.codebook = codebook
        self.batch_size = batch_size
        self.random_state = random_state

    def fit(self, X=None, y=None) -> "RuleCoder":
        from spacy.matcher import Matcher, PhraseMatcher

        nlp = english_pipeline()
        self.classes_ = self.codebook.ids
        self._remembered: dict[str, list] = {}  # sentence -> its matches (see _sentence_matches)
        self._matchers: list[tuple[list[list[set[str]]], Matcher]] = []
        # Phrases are matched on lemmas and on the words as written: the tagger lemmatises
        # "restraining order" as "restrain order" alone and "restraining order" in a sentence.
        self._phrases = [PhraseMatcher(nlp.vocab, attr=attr) for attr in ("LEMMA", "LOWER")]
        for code in self.codebook.codes:
            if code.token_patterns:
                # a REGEX sees only word-sized tokens: on a "word" of a million characters even
                # 'ing$' would take hours (regexes.bounded)
                patterns = [bounded_token_pattern(_lowered(p)) for p in code.token_patterns]
                patterns += [_inflected(p) for p in patterns]
                matcher = Matcher(nlp.vocab)
                matcher.add(code.id, patterns)
                self._matchers.append(([_required_words(p) for p in patterns], matcher))
            if code.phrases:
                docs = list(nlp.pipe((p.lower() for p in code.phrases), disable=CODING_OFF))
                for matcher in self._phrases:
                    matcher.add(code.id, docs)
        return self

    def to_data(self) -> tuple[dict, dict[str, np.ndarray]]:
        """Only the parameters: the matchers are compiled from the codebook again on load (0.03 s
        for the shipped codebook's 58 codes), and belong to the vocab of the process that built
        them anyway."""
        return {"params": params_of(self)}, {}

    @classmethod
    def from_data(cls, codebook: Codebook, embedder, meta: dict,
                  arrays: dict[str, np.ndarray]) -> "RuleCoder":
        expect_keys(arrays, ())
        return cls(codebook, **params_from(cls, meta)).fit()

    def __getstate__(self) -> dict:
        """A copy (copy.deepcopy, a worker process) carries no compiled matchers: they belong to
        the vocab of the process that built them, so the copy recompiles them against its own."""
        state = self.__dict__.copy()
        for compiled in ("_matchers", "_phrases", "_remembered"):
            state.pop(compiled, None)
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        if hasattr(self, "classes_"):
            self.fit()

    def score(self, X: Sequence[str]) -> tuple[np.ndarray, list[dict[str, str]]]:
        """Scores and, per segment, a rationale per code that matched (asserted or not)."""
        X = list(X)
        index = {code_id: i for i, code_id in enumerate(self.classes_)}
        sentences = [[text[start:end] for start, end in spans]
                     for text, spans in zip(X, reading_sentences(X))]
        matched = self._sentence_matches(dict.fromkeys(s for found in sentences for s in found))
        scores = np.zeros((len(X), len(self.classes_)))
        rationales: list[dict[str, str]] = []
        for row, found in enumerate(sentences):
            notes: dict[str, list[str]] = {}
            for code_id, words, reason in (m for sentence in found for m in matched[sentence]):
                if reason is None:
                    scores[row, index[code_id]] = 1 - (1 - scores[row, index[code_id]]) * (1 - MATCH_SCORE)
                    notes.setdefault(code_id, []).append(f"matched '{words}'")
                else:
                    notes.setdefault(code_id, []).append(f"ignored '{words}' ({reason})")
            rationales.append({code: "; ".join(dict.fromkeys(n)) for code, n in notes.items()})
        return scores, rationales

    def _sentence_matches(self, sentences) -> dict[str, list[tuple[str, str, str | None]]]:
        """Per sentence: (code, matched words, why it is not an assertion or None) for each match,
        in order; parsed only when not remembered from an earlier call."""
        remembered = self._remembered
        todo = [s for s in sentences if s not in remembered]
        nlp = english_pipeline()
        for sentence, doc in zip(todo, nlp.pipe(todo, batch_size=self.batch_size,
                                                disable=CODING_OFF)):
            remembered[sentence] = [(nlp.vocab.strings[match_id], doc[start:end].text,
                                     _discounted(doc[start:end]))
                                    for match_id, start, end in self._all_matches(doc)]
        found = {s: remembered[s] for s in sentences}
        if len(remembered) > REMEMBERED:
            for old in list(remembered)[:len(remembered) // 2]:
                del remembered[old]
        return found

    def _all_matches(self, doc):
        """Token patterns are run only for codes whose patterns' words all occur in the doc:
        spaCy's Matcher tests every pattern at every token, which made it most of coding's time."""
        words = {t.lower_ for t in doc} | {t.lemma_.lower() for t in doc}
        matchers = [m for m in self._phrases if len(m)]  # empty ones warn
        matchers += [matcher for required, matcher in self._matchers
                     if any(all(w & words for w in pattern) for pattern in required)]
        matches = [match for matcher in matchers for match in matcher(doc)]
        return sorted(set(matches), key=lambda m: (m[1], m[2]))


def _lowered(pattern: tuple[dict, ...]) -> list[dict]:
    """Word constraints compared case-insensitively (ORTH/TEXT become LOWER), lemmas lower-cased:
    a codebook author writes "Cafcass" or "cafcass" and means both."""
    out = []
    for token in pattern:
        token = dict(token)
        for key in ("ORTH", "TEXT"):
            if key in token:
                token["LOWER"] = token.pop(key)
        for key in ("LOWER", "LEMMA"):
            value = token.get(key)
            if isinstance(value, str):
                token[key] = value.lower()
            elif isinstance(value, dict) and "IN" in value:
                token[key] = {**value, "IN": [str(v).lower() for v in value["IN"]]}
        out.append(token)
    return out


def _required_words(pattern: list[dict]) -> list[set[str]]:
    """For each token the pattern cannot skip, the words (lower-cased forms or lemmas) one of
    which must occur in a doc for the pattern to match there; tokens without a word list are left
    out, so the test never rules out a doc that could match."""
    required = []
    for token in pattern:
        if token.get("OP") in ("?", "*", "!"):
            continue
        for key in ("LOWER", "LEMMA"):
            value = token.get(key)
            if isinstance(value, str):
                required.append({value})
                break
            if isinstance(value, dict) and set(value) == {"IN"}:
                required.append({str(v) for v in value["IN"]})
                break
    return required


def _inflected(pattern: list[dict]) -> list[dict]:
    """The pattern with each LEMMA constraint also accepting the lemma's inflected forms as written.

    The tagger leaves participles used as adjectives unlemmatised ("I was terrified" keeps
    "terrified"), so a LEMMA pattern alone misses the commonest way fear is described.
    """
    out = []
    for token in pattern:
        token = dict(token)
        lemma = token.pop("LEMMA", None)
        if lemma is not None:
            values = lemma["IN"] if isinstance(lemma, dict) and "IN" in lemma else [lemma]
            token["LOWER"] = {"IN": sorted({form for v in values for form in inflections(str(v))})}
        out.append(token)
    return out


def inflections(lemma: str) -> set[str]:
    """Regular English inflections of a verb or noun lemma (scare -> scared, scaring, scares)."""
    word = lemma.lower()
    forms = {word, word + "s", word + "es", word + "ed", word + "ing"}
    if word.endswith("e"):
        forms |= {word + "d", word[:-1] + "ing"}
    if word.endswith("y") and len(word) > 2 and word[-2] not in "aeiou":
        forms |= {word[:-1] + "ied", word[:-1] + "ies"}
    if len(word) >= 3 and word[-1] not in "aeiouwxy" and word[-2] in "aeiou" and word[-3] not in "aeiou":
        forms |= {word + word[-1] + "ed", word + word[-1] + "ing"}
    return forms


def _discounted(span) -> str | None:
    """Why a match is not an assertion ('negated', 'hypothetical'), or None when it is one."""
    for token in span:
        for node in [token, *token.ancestors]:
            for child in node.children:
                if child.dep_ == "neg" or (child.lower_ in NEGATORS and child.dep_ in ("det", "advmod")):
                    if child.i < span.start:  # a negator inside the pattern is part of what it means
                        return "negated"
                if child.dep_ == "mark" and child.lower_ in CONDITIONAL_MARKERS:
                    return "hypothetical"
            if node.pos_ in ("VERB", "AUX") and node is not token:
                break  # the clause ends at its verb: negation further up belongs to another clause
        if token.i > 0 and span.doc[token.i - 1].lower_ in ("no", "never") and token.i - 1 < span.start:
            return "negated"
    return None
