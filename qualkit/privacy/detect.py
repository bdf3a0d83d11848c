"""Finding personal details that slipped through anonymisation.

Studies anonymise by hand ("[ex-partner]", "[son]", "[town]"), and names still slip through. The
detector combines spaCy's named entities (people, places, facilities; organisations only when they
name a school or an employer; dates only when they are a date of birth), patterns for contact
details and identifiers, and the names the researcher knows are in the data. It errs towards
flagging: a false alarm costs a glance, a missed name can cost a family its privacy.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterable, Sequence

from ..embeddings import text_hash
from ..resources import PRIVACY_OFF, english_pipeline
from .context import (CONNECTORS, LOWER, UPPER, at_sentence_start, context_spans, continued,
                      person_context_after, widened)
from .gazetteer import Lists

#: What a finding is replaced by, per kind; numbered per entity within a transcript ("[person 1]").
PLACEHOLDERS = {"person": "person", "place": "place", "school": "school", "employer": "employer",
                "date_of_birth": "date", "phone": "phone", "email": "email", "postcode": "postcode",
                "address": "address", "url": "url", "ni_number": "ni number", "car_reg": "car reg"}
NUMBERED = {"person", "place", "school", "employer"}

_POSTCODE = r"(?:[A-Z]{1,2}\d[A-Z\d]?|GIR) ?\d[ABD-HJLNP-UW-Z]{2}"
#: typed in lower case ('cf37 4tp'), but never a time ('b4 5pm')
_POSTCODE_LOWER = r"[a-z]{1,2}\d[a-z\d]? ?\d(?!am|pm)[abd-hjlnp-uw-z]{2}"
#: a word of a street's name: Acacia, St, John's, Rhodfa'r, Pant-y-Gored, Glyndŵr
_STREET_WORD = rf"[{UPPER}][{LOWER}]*(?:['’][{LOWER}]+)?(?:-(?:y|yr|[{UPPER}][{LOWER}]+))*"
_HOUSE = r"(?:\b(?i:flat|apartment|apt|unit|room)\s+\d{1,4}[A-Za-z]?,?\s+)?\b\d{1,4}[A-Za-z]?,?"
_STREET_TYPE = (r"Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Close|Drive|Dr|Way|Crescent|Cres|Court|"
                r"Ct|Place|Pl|Gardens|Gdns|Terrace|Grove|Hill|Row|Square|Sq|Mews|Walk|Parade|View|"
                r"Park|Rise|Brow|Fold|Bank|Green|Chase|Croft|Vale|Wynd|Meadows?|Boulevard|Broadway|"
                r"Approach|Quay|Yard|Wharf|Gate|Heights|Fields|Mount|Circus|Embankment|Esplanade|"
                r"Promenade|Cottages|Side|Nook|Lea|Hey|Common")
#: Welsh streets name their kind first: Heol y Nant, Ffordd y Brenin, Stryd Fawr, Lôn Goed
_WELSH_STREET = (r"Heol|Ffordd|Stryd|Lôn|Lon|Rhodfa|Maes|Teras|Cilgant|Clos|Cwrt|Llwyn|Parc|Cae|"
                 r"Rhiw|Allt|Bro|Glan|Gwel|Plas")
#: old number plates (1963-2001 suffix and prefix, and dateless) look like other codes, so they
#: count only beside a car; the current format (AB12 CDE) is distinctive enough on its own
_CAR_REG_OLD = re.compile(r"\b(?:[A-HJ-NP-Y]\d{1,3} ?[A-HJ-PR-Y]{3}|"
                          r"[A-HJ-PR-Y]{3} ?\d{1,3}[A-HJ-NP-Y])\b")
_CAR_REG_DATELESS = re.compile(r"\b(?:[A-Z]{1,3} ?\d{1,4}|\d{1,4} ?[A-Z]{1,3})\b")  # NI: 'NIB 3345'
_CAR_CONTEXT = re.compile(
    r"(?i:\b(?:reg|registration|number ?plates?|plates?|cars?|vans?|motor|vehicle|motorbike|lorry|"
    r"taxi|drives?|driving|drove|driven|parked|parking|police|checked|dvla|anpr|mot|insured|"
    r"insurance|golf|corsa|fiesta|focus|astra|transit|polo|clio|micra|qashqai|bmw|audi|merc|"
    r"mercedes|ford|vauxhall|toyota|nissan|kia|hyundai|honda|peugeot|renault|volkswagen|vw|"
    r"skoda|fiat|range rover|land rover|jeep)\b)")
_PLATE_CONTEXT = re.compile(r"(?i:\b(?:reg|registration|number ?plate|plate)\b)")
PATTERNS = {
    "email": r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b",
    "url": r"\b(?:https?://|www\.)[^\s<>\"']+[^\s<>\"'.,;:!?)]",
    "ni_number": r"\b[A-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b",
    "postcode": rf"\b(?:{_POSTCODE}|{_POSTCODE_LOWER})\b",
    "phone": (r"(?<![\w+])(?:(?:\+|00)\d{1,3}[\s.-]?(?:\(0\)\s?)?\d[\d\s.-]{6,14}\d|"
              r"\(?0\d{2,4}\)?[\s.-]?\d{3,4}[\s.-]?\d{3,4}|"
              # the same digits grouped any way: '07 700 900 222'
              r"0(?:[\s.-]?\d){9,10}(?![\s.-]?\d))(?!\w)"),
    "address": (rf"{_HOUSE}\s+(?:{_STREET_WORD}(?:\s+(?:{_STREET_WORD}|y|yr|the|de|la|upon|on))"
                rf"{{0,3}}\s+(?:{_STREET_TYPE})\b\.?|"
                rf"(?:{_WELSH_STREET})(?:['’]r)?(?:\s+(?:y|yr))?(?:\s+{_STREET_WORD}){{1,3}})"
                # and the town, when a postcode follows it: "14 Acacia Avenue, Bristol BS1 4ND"
                rf"(?:,? [{UPPER}][{LOWER}]+(?:[ -][{UPPER}][{LOWER}]+)?(?=,? {_POSTCODE}\b))?"),
    "car_reg": r"\b[A-HJ-PR-Y]{2}\d{2} ?[A-HJ-PR-Z]{3}\b",
}
_COMPILED = {kind: re.compile(pattern) for kind, pattern in PATTERNS.items()}
#: Caption voice tags and HTML, read by spaCy as spaces; a voice tag's name as a 'Name:' label.
_MARKUP = re.compile(r"<v(?:\.[\w.-]+)?[ \t]+([^<>\n]{1,60})>|</?[a-zA-Z][^<>\n]{0,60}>")
_PLACEHOLDER = re.compile(r"\[[^\[\]\n]{1,40}\]")
_DATE = re.compile(r"\b(?:\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})|\d{1,2}(?:st|nd|rd|th)? (?:of )?"
                   r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]* \d{4}|"
                   r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]* \d{1,2}(?:st|nd|rd|th)?,? "
                   r"\d{4})\b", re.I)
_SCHOOL_TAIL = re.compile(r"^(?:\s+(?:Primary|Junior|Infants?|Secondary|High|Grammar|C of E|CofE|"
                          r"Catholic|Community|Church))*\s+(?:School|Academy|College|Nursery)\b")
_BIRTH_CONTEXT = re.compile(r"\b(?:born|birth|d\.?o\.?b\.?|birthday)\b", re.I)
_SCHOOL_WORDS = re.compile(r"\b(?:school|academy|college|primary|nursery|infants?|juniors?|"
                           r"high|grammar|university|sixth form)\b", re.I)
_EMPLOYER_CONTEXT = re.compile(r"\b(?:work(?:s|ed|ing)? (?:at|for)|employed (?:at|by)|job at|"
                               r"boss at|manager at)\s*$", re.I)
_EMPLOYER_WORDS = re.compile(r"\b(?:ltd|limited|plc|llp|inc|group|hospital|council|bank|"
                             r"supermarket|factory)\b", re.I)

#: Words spaCy sometimes tags as names or places that no study means as one: family words, courts,
#: holidays, apps, the UK's nations and fillers. A study adds its own (programme and agency names)
#: in its codebook's ``privacy_allow`` list.
DEFAULT_ALLOW = {
    "mum", "mummy", "mam", "dad", "daddy", "nan", "nana", "nanny", "grandma", "grandad", "granny",
    "gran", "the court", "court", "the judge", "judge", "magistrates", "family court", "legal aid",
    "god", "christmas", "easter", "facebook", "whatsapp", "teams", "zoom", "england", "wales",
    "uk", "britain", "so", "yeah", "erm", "um", "ok", "okay",
    # agencies every family study meets
    "job centre", "the job centre", "jobcentre", "citizens advice", "social services",
    "children's services", "women's aid", "childline", "early help",
}
_AREA = re.compile(r"^area [a-z]$", re.I)


@functools.lru_cache(maxsize=4)
def _listed_patterns(lists: Lists) -> dict[str, tuple[re.Pattern, frozenset[str]]]:
    """Per kind, the listed names (first names and surnames) or towns as whole words (the
    possessive 's stays outside the finding; 'Mary-Anne' and 'Jayden-Lee' whole), and those of
    them that are also words."""
    listed = {"person": (lists.first_names | lists.surnames, lists.word_names),
              "place": (lists.places, lists.word_places)}
    return {kind: (re.compile(
        rf"(?<![\w\[@./-])(?:[{UPPER}][{LOWER}]+-)*(?:%s)(?:-[{UPPER}][{LOWER}]+)*(?![\w\]@])"
        % "|".join(map(re.escape, sorted(common | words, key=len, reverse=True)))), words)
        for kind, (common, words) in listed.items()}


#: What may be overruled, or allowed away: the model's and the lists' guesses, and the context
#: rules.
_LISTS = ("first-name list", "surname list", "place list")
_GUESSES = ("spaCy", *_LISTS, "context")
#: 'Will you', 'Hope so', 'Mark my words': a word-like name followed by these is the word.
_AUXILIARY_NAMES = {"Will", "Hope", "Mark"}
_NOT_PLATES = {"NHS", "GPS", "SAT", "SATS", "MOT", "DNA", "ADHD", "ASD", "SEN", "GCSE", "CCTV"}
_WORD_USE = re.compile(r"\s+(?:you|he|she|they|we|I|it|so|not|that|my|your|his|her|their|our|"
                       r"the|a|an|this|these|those|be|have|do|me|him|them|us)\b")


REMEMBERED_CHARS = 5000  # texts up to this long are parsed once per detector
#: Longer texts are read in pieces cut at line breaks (else at spaces): spaCy refuses a text over
#: its max_length (1,000,000 characters, E088), and its NER's memory grows with the text.
PIECE_CHARS = 100_000


@dataclass(frozen=True)
class Finding:
    """One personal detail: where it is in the text, what it is, and why it was flagged."""

    start: int
    end: int
    text: str
    kind: str
    reason: str


@dataclass
class DetectorPolicy:
    """What to look for and what to leave alone; loadable from a policy YAML (``--policy``)."""

    allow: set[str] = field(default_factory=lambda: set(DEFAULT_ALLOW))
    known_names: set[str] = field(default_factory=set)
    entity_kinds: set[str] = field(default_factory=lambda: set(PLACEHOLDERS))


class Detector:
    """Finds personal details in texts; ``find`` and ``find_many`` return sorted, merged findings."""

    def __init__(self, policy: DetectorPolicy | None = None, lists: Lists | None = None) -> None:
        self.policy = policy or DetectorPolicy()
        self.lists = lists or Lists()
        self._names = _name_pattern(self.policy.known_names)
        self.memory: dict[str, list[Finding]] = {}  # text hash -> findings; kept on disk by a run

    def policy_key(self) -> str:
        """What the findings depend on, for keeping ``memory`` between processes: the policy and
        the code that finds them (:func:`qualkit.cache.code_fingerprint`)."""
        from ..cache import code_fingerprint

        policy = self.policy
        # the lists are data files, which the code's fingerprint does not cover
        parts = [sorted(policy.allow), sorted(policy.known_names), sorted(policy.entity_kinds),
                 self.lists.fingerprint()]
        return hashlib.sha256(repr((parts, code_fingerprint())).encode()).hexdigest()[:16]

    def allow(self, words) -> None:
        """Never flag ``words`` (a study's own vocabulary, its codebook's ``privacy_allow``).
        What was remembered so far was found without them, so it is forgotten."""
        new = {str(w).lower() for w in words} - self.policy.allow
        if new:
            self.policy.allow |= new
            self.memory.clear()

    def find(self, text: str) -> list[Finding]:
        return self.find_many([text])[0]

    def find_many(self, texts: Sequence[str], batch_size: int = 32) -> list[list[Finding]]:
        """Findings per text. A text is parsed once per detector: the same segments and quotes
        pass the gate in several outputs of one run (coded segments, quotes, report)."""
        if any(len(text) > PIECE_CHARS for text in texts):
            unique = list(dict.fromkeys(texts))
            short = [text for text in unique if len(text) <= PIECE_CHARS]
            found = dict(zip(short, self.find_many(short, batch_size)))
            found.update((text, self._in_pieces(text, batch_size)) for text in unique
                         if len(text) > PIECE_CHARS)
            return [list(found[text]) for text in texts]
        keys = {text: text_hash(text) for text in texts}
        known = {text: self.memory[keys[text]] for text in keys if keys[text] in self.memory}
        new = [text for text in keys if text not in known]
        masked = [_MARKUP.sub(_mask, text) if "<" in text else text for text in new]
        docs = english_pipeline().pipe(masked, batch_size=batch_size, disable=PRIVACY_OFF)
        for original, text, doc in zip(new, masked, docs):
            found = [*self._entities(doc, text), *self._patterns(text), *self._known(text),
                     *_listed(text, self.lists), *_by_context(text)]
            known[original] = self._clean(text, found)
            if len(original) <= REMEMBERED_CHARS:  # whole transcripts never come twice
                self.memory[keys[original]] = known[original]
        return [list(known[text]) for text in texts]

    def _in_pieces(self, text: str, batch_size: int) -> list[Finding]:
        starts = list(_piece_starts(text))
        pieces = [text[a:b] for a, b in zip(starts, [*starts[1:], len(text)])]
        found = self.find_many(pieces, batch_size)
        return [replace(f, start=f.start + offset, end=f.end + offset)
                for offset, findings in zip(starts, found) for f in findings]

    def _entities(self, doc, text: str) -> Iterable[Finding]:
        for ent in doc.ents:
            kind = None
            if ent.label_ == "PERSON":
                kind = "person"
                if ent.text in self.lists.word_names and at_sentence_start(text, ent.start_char) \
                        and not person_context_after(text, ent.end_char):
                    continue  # 'Miles away', 'Summer holidays': the word, opening a sentence
            elif ent.label_ in ("GPE", "LOC", "FAC"):
                kind = "place"
            elif ent.label_ == "ORG":
                before = text[max(0, ent.start_char - 30):ent.start_char]
                if _SCHOOL_WORDS.search(ent.text):
                    kind = "school"
                elif _EMPLOYER_CONTEXT.search(before) or _EMPLOYER_WORDS.search(ent.text):
                    kind = "employer"
            elif ent.label_ == "DATE":
                context = text[max(0, ent.start_char - 40):ent.end_char + 10]
                if _BIRTH_CONTEXT.search(context) and re.search(r"\d", ent.text):
                    kind = "date_of_birth"
            if kind:
                yield Finding(ent.start_char, ent.end_char, ent.text, kind, f"spaCy {ent.label_}")

    def _patterns(self, text: str) -> Iterable[Finding]:
        for match in _DATE.finditer(text):
            context = text[max(0, match.start() - 40):match.end() + 10]
            if _BIRTH_CONTEXT.search(context):
                yield Finding(match.start(), match.end(), match.group(), "date_of_birth",
                              "date near 'born'/'birth'")
        for kind, pattern in _COMPILED.items():
            for match in pattern.finditer(text):
                if kind == "phone" and sum(ch.isdigit() for ch in match.group()) < 9:
                    continue
                yield Finding(match.start(), match.end(), match.group(), kind, f"{kind} pattern")
        yield from _old_car_regs(text)

    def _known(self, text: str) -> Iterable[Finding]:
        if self._names is None:
            return
        for match in self._names.finditer(text):
            yield Finding(match.start(), match.end(), match.group(), "person", "known name")

    def _clean(self, text: str, found: list[Finding]) -> list[Finding]:
        """Drop what is allowed or already a placeholder; add the names listed after a name and
        the rest of a person's name around what was found ('Rhian' in 'Rhian Meredith'); merge
        overlaps, keeping the widest."""
        protected = [m.span() for m in _PLACEHOLDER.finditer(text)]

        def keeps(f: Finding) -> bool:
            if f.kind not in self.policy.entity_kinds:
                return False
            if f.reason.startswith(_GUESSES) and self._allowed(f.text):
                return False
            return not any(a <= f.start and f.end <= b for a, b in protected)

        kept = [f for f in found if keeps(f)]
        listed = [Finding(a, b, text[a:b], kind, reason) for a, b, kind, reason
                  in continued(text, [(f.start, f.end, f.kind) for f in kept])]
        kept += [f for f in listed if keeps(f)]
        kept = [self._whole_name(text, f) for f in kept]
        kept = [_with_school_name(text, f) for f in kept]
        kept.sort(key=lambda f: (f.start, -(f.end - f.start)))
        merged: list[Finding] = []
        for f in kept:
            if merged and f.start < merged[-1].end:
                last = merged[-1]
                # A pattern or a known name says better than the statistical model (or the list
                # of first names: 'Mary' in 'St Mary's Primary School') what it is.
                # A list says better than the model what one word is ('Rhodri': not a place).
                listed_word = (f.start, f.end) == (last.start, last.end) and \
                    last.reason.startswith("spaCy") and f.reason.startswith(_LISTS)
                kind, reason = ((f.kind, f.reason) if listed_word or (
                    last.reason.startswith(_GUESSES) and not f.reason.startswith(_GUESSES))
                    else (last.kind, last.reason))
                end = max(last.end, f.end)
                merged[-1] = Finding(last.start, end, text[last.start:end], kind, reason)
                continue
            merged.append(f)
        return merged

    def _allowed(self, text: str) -> bool:
        """A guess that is the study's own word, an 'Area B', or not a word at all."""
        bare = re.sub(r"['’]s$", "", text.strip(" .,'’").lower())
        return bare in self.policy.allow or bool(_AREA.match(bare)) \
            or sum(ch.isalpha() for ch in bare) < 2

    def _whole_name(self, text: str, finding: Finding) -> Finding:
        """A person with the name words beside it (see :func:`.context.widened`), unless those
        are the study's own words."""
        if finding.kind != "person":
            return finding
        start, end = widened(text, finding.start, finding.end)
        if (start, end) == (finding.start, finding.end) or any(
                self._allowed(word) for word in
                (text[start:finding.start] + " " + text[finding.end:end]).split()
                if word not in CONNECTORS):
            return finding
        return Finding(start, end, text[start:end], finding.kind, finding.reason)


def _mask(match: re.Match) -> str:
    """'<v Mark Owen>' as '   Mark Owen:' (spaCy reads a label line well), other tags as spaces."""
    if match.group(1) is None:
        return " " * len(match.group())
    return " " * (match.start(1) - match.start()) + match.group(1) + ":"


def _listed(text: str, lists: Lists) -> Iterable[Finding]:
    """Listed first names, surnames and towns; one that is also a word ('Grace', 'Reading') only
    mid-sentence, where its capital letter marks a name, or opening a sentence when what follows
    makes it someone ('Will said', "Hope's nursery"); and not in reported speech ('I said, Will
    you...')."""
    for kind, (pattern, words) in _listed_patterns(lists).items():
        for match in pattern.finditer(text):
            reason = "place list" if kind == "place" else "surname list" if (
                match.group() in lists.surnames and match.group() not in lists.first_names) \
                else "first-name list"
            if match.group() in words:
                if at_sentence_start(text, match.start()) and not (
                        kind == "person" and person_context_after(text, match.end())):
                    continue
                if match.group() in _AUXILIARY_NAMES and _WORD_USE.match(text, match.end()) \
                        and text[max(0, match.start() - 5):match.start()].rstrip().endswith(
                            (",", "—", "–")):
                    continue
            yield Finding(match.start(), match.end(), match.group(), kind, reason)


def _by_context(text: str) -> Iterable[Finding]:
    """Names and places that no list holds, found by what stands around them (:mod:`.context`)."""
    for start, end, kind, reason in context_spans(text):
        yield Finding(start, end, text[start:end], kind, reason)


def _old_car_regs(text: str) -> Iterable[Finding]:
    """Number plates of the older formats ('A123 BCD', 'ABC 123D'), beside a car or the police;
    dateless ones ('NIB 3345') only right after 'reg' or 'plate'."""
    for pattern, context, before, after in ((_CAR_REG_OLD, _CAR_CONTEXT, 50, 50),
                                            (_CAR_REG_DATELESS, _PLATE_CONTEXT, 30, 0)):
        for match in pattern.finditer(text):
            window = text[max(0, match.start() - before):match.end() + after]
            if context.search(window) and not set(re.findall(r"[A-Z]+", match.group())) \
                    & _NOT_PLATES:
                yield Finding(match.start(), match.end(), match.group(), "car_reg",
                              "car reg pattern beside a car")


def _with_school_name(text: str, finding: Finding) -> Finding:
    """'St Mary's' followed by 'Primary School' is a school, and all of it goes."""
    tail = _SCHOOL_TAIL.match(text[finding.end:])
    if finding.kind not in ("person", "place", "school") or not tail:
        return finding
    end = finding.end + tail.end()
    return Finding(finding.start, end, text[finding.start:end], "school", finding.reason)


def _name_pattern(names: set[str]) -> re.Pattern | None:
    """Known names, case-insensitive, whole words, with possessives and short forms (Alex for
    Alexander: any 3+ letter start of a name of 5+ letters)."""
    forms: set[str] = set()
    for name in names:
        name = name.strip()
        if len(name) < 2:
            continue
        forms.add(re.escape(name))
        for part in name.split():
            if len(part) >= 2:
                forms.add(re.escape(part))
            if len(part) >= 5:
                forms.update(re.escape(part[:n]) for n in range(3, len(part)))
    if not forms:
        return None
    alternatives = "|".join(sorted(forms, key=len, reverse=True))
    return re.compile(rf"(?<![\w\[])(?:{alternatives})(?:['’]s)?(?![\w\]])", re.I)


def read_names(path: str | Path) -> set[str]:
    """A names file: one name per line, '#' comments allowed."""
    lines = Path(path).read_text(encoding="utf-8-sig").splitlines()
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


NAME_ATTRIBUTES = re.compile(r"(?:^|_)(?:name|first_name|surname|last_name|forename|ex_partner|"
                             r"partner|child|children|son|daughter)(?:$|_|s$)", re.I)


def names_from_cases(cases: dict[str, dict[str, str]]) -> set[str]:
    """Names held in case attributes such as 'name', 'first_name' or 'ex_partner_name'."""
    return {value for attributes in cases.values() for key, value in attributes.items()
            if NAME_ATTRIBUTES.search(key) and value and not value.startswith("[")}


def _piece_starts(text: str) -> Iterable[int]:
    """Where each piece of a long text starts: after the last line break (else space) before
    :data:`PIECE_CHARS`, or hard at it for a text with neither."""
    start = 0
    while start < len(text):
        yield start
        end = start + PIECE_CHARS
        if end >= len(text):
            return
        cut = text.rfind("\n", start + 1, end)
        if cut < 0:
            cut = text.rfind(" ", start + 1, end)
        start = cut + 1 if cut > start else end
