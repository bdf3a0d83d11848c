"""Names and places found by what stands around them, for the ones no list or model knows.

A list of names cannot hold every Welsh, Polish or South Asian name, and a name that is also a
word ("Will", "Hope", "Grace") cannot be flagged wherever it stands. What people say around a name
gives it away instead: a title ("Mrs Prydderch"), a relation ("my ex, Rhodri", "our youngest
Ffion"), naming ("called Deiniol", "his surname's Stępień"), someone doing something ("then Oliwia
kicked off", "Will said"), a possessive mid-sentence ("from Siwan's solicitor"), the shape of the
name itself (Polish -ski/-ska surnames, Welsh Llan-/Aber-/Pont- towns) or a place phrase ("grew up
in Pencoed"). Each rule wants a capitalised word in the right place, and a closed list of
capitalised words that are never names (pronouns, openers, family words, agencies, months,
languages; :data:`NEVER`) keeps ordinary speech ("then Cafcass said", "in March") out. The weaker
rules (two capitalised words mid-sentence, 'X was', 'X needs') also want a word that is not an
English word: 'Rhys Davies' passes, 'Citizens Advice', 'Sky Sports' and 'I mean, Grace tries' do
not; and no rule takes what follows a determiner ('our Parenting Plan', 'the Job Centre') unless
it is not English. The English words are those of the spaCy model's own lemmatizer tables
(WordNet's, about 80,000 with their inflections), so no word list has to be kept here; WordNet
also holds some names and towns (Sian, Siwan, Chennai), which the weak rules then miss.

The rules return (start, end, kind, reason) spans; :mod:`.detect` makes findings of them. Their
reasons start with "context", so the study's ``privacy_allow`` words overrule them as they do the
other guesses.
"""

from __future__ import annotations

import functools
import re
from typing import Iterable, Iterator

#: Upper- and lower-case Latin letters, accented ones included (Ł, ś, ŵ, ı): ``[A-Z]`` would stop
#: a name at its first Polish or Welsh letter.
_LATIN = [chr(c) for c in [*range(0x41, 0x250), *range(0x1E00, 0x1F00)]]
UPPER = "".join(c for c in _LATIN if c.isupper() and c.isalpha())
LOWER = "".join(c for c in _LATIN if c.islower() and c.isalpha())
#: One capitalised name word: Gethin, Łukasz, O'Brien, McDonald, Jayden-Lee.
NAME = rf"(?:O['’]|Ma?c)?[{UPPER}][{LOWER}]+(?:-[{UPPER}][{LOWER}]+)*"
_WORD = re.compile(rf"(?<![\w\[@./'’-]){NAME}(?![\w@])")

#: Capitalised words that are never a name in these rules, whatever stands around them.
NEVER = frozenset("""
I I'm I've I'd I'll Me My Mine Myself You Your He Him His She Her Hers It Its We Us Our They Them
Their This That These Those There Here Who What Which Why How When Where Whoever
A An The And But Or Nor So Then Than If Because Cos Coz As At In On Of To For From By With Into
Onto Over Under After Before Since Until Till While Though Although Unless Whether About Around
Well Yeah Yes Yep No Nope Not Oh Ah Er Erm Um Uh Mm Hmm Okay Ok Right Like Just Even Also Still
Now Anyway Anyhow Honestly Apparently Obviously Basically Actually Literally Really Maybe Perhaps
Probably Definitely Certainly Luckily Sadly Hopefully Thankfully Unfortunately Fortunately Course
Sorry Please Thanks Thank Mind Look Listen See Say Said Told Asked Sure Fine Good Great Bad Lovely
Nobody Everybody Everyone Everything Someone Somebody Something Anyone Anybody Anything Nothing
None All Both Each Every Some Any Another Other Others Most Many Much Few Less More Half Either
Neither One Two Three Four Five Six Seven Eight Nine Ten First Second Third Last Next Same
Mum Mummy Mam Mammy Mom Dad Daddy Nan Nana Nanny Gran Granny Grandma Grandad Grandpa Auntie Aunty
Uncle Mother Father Sister Brother Son Daughter Baby Kids Children Child Parent Parents Family
Cafcass Court Courts Judge Judges Magistrate Magistrates Police Council Services Service Social
Care Housing School Schools Nursery College University Hospital NHS GP CAMHS Relate Mediation
Mediator Mediators Refuge Legal Aid Tribunal Government Parliament Solicitor Barrister Officer
Centre Center Contact Group Programme Program Course Session Plus SPIP MIAM Area Women Men
Facebook WhatsApp Instagram Snapchat TikTok Zoom Teams Google Skype Messenger Twitter YouTube
Tesco Asda Aldi Lidl Sainsbury Morrisons Primark Greggs Argos Boots Costa Starbucks McDonald
Amazon Universal Credit Benefits Jobcentre Nando Wetherspoon Domino Morrison Iceland Specsavers
Monday Tuesday Wednesday Thursday Friday Saturday Sunday Mondays Fridays Saturdays Sundays Weekend
January February March April May June July August September October November December
Christmas Easter Eid Diwali Ramadan Halloween Bonfire New Year Day Boxing Valentine Mothering
English Welsh Polish Scottish Irish British Urdu Punjabi Bengali Bangla Hindi Gujarati Tamil Arabic
Somali Romanian Lithuanian Portuguese Turkish Kurdish Pashto Farsi French Spanish German Italian
Asian Pakistani Indian Bangladeshi African Caribbean European Eastern Muslim Christian Sikh Hindu
Catholic Jewish Black God Jesus Allah Lord Sir Madam Miss Mister Mrs Mr Ms Dr
Street Road Avenue Lane Close Drive Way Crescent Court Place Gardens Terrace Grove Hill Row Square
Primary Secondary High Junior Infants Academy Year Form Class Stage Part Section Order Orders Act
Child's Prohibited Steps Arrangements Molestation Occupation Non Specific Issue Report Letter
Respondent Interviewer Interviewee Participant Facilitator Moderator Researcher Speaker Int Resp
""".split())

_TITLES = (r"Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Professor|Judge|Sir|Dame|PC|DC|DS|DI|Sgt|Sergeant|"
           r"Inspector|Constable|Councillor|Cllr|Nurse|Auntie|Aunty|Uncle|Nanny|Nana|Grandma|"
           r"Grandad|Granny|Imam|Rev|Reverend|Pastor")
_RELATIONS = (r"ex|ex-partner|ex-husband|ex-wife|ex-boyfriend|ex-girlfriend|partner|husband|wife|"
              r"boyfriend|girlfriend|fianc[ée]e?|son|daughter|eldest|youngest|oldest|middle one|"
              r"little one|baby|brother|sister|step-?son|step-?daughter|step-?dad|step-?mum|"
              r"cousin|niece|nephew|grandson|granddaughter|friend|best friend|mate|neighbour|"
              r"solicitor|barrister|lawyer|social worker|support worker|key worker|caseworker|"
              r"health visitor|teacher|headteacher|boss|manager|advocate|new partner|fella|bloke|"
              r"missus|other half|mum|dad|mam|nan|gran|auntie|uncle|twins?|kids?|children")
_SPEAKS = (r"said|says|told|tells|asked|asks|reckons|reckoned|rang|phoned|texted|"
           r"messaged|emailed|wants|wanted|kicked off|kicks off|turned up|turns up|screamed|"
           r"shouted|cried|refused|agreed|swore|promised|admitted|denied|lied|insisted")
_DOES = (r"rings|texts|needs|needed|thinks|thought|knows|knew|picks|picked|dropped|wouldn't|won't|"
         r"doesn't|didn't|can't|couldn't|isn't|wasn't|hasn't|hadn't|had|has|was|is|never|always|"
         r"lives|lived|moved|left|stays|stayed|started|gets|got|loves|loved|hates|hated|cries|"
         r"tried|tries|does|did|goes|went|came|comes|will|would|could|should|must|might|can|"
         r"and I|and me|turned|turns|kicked|kicks|keeps|kept|took|takes|brought|brings")
_TAKES = (r"rang|ring|phoned|texted|messaged|emailed|told|tell|asked|ask|saw|see|seen|visit|"
          r"visited|met|meet|dropped|drop|picked up|pick up|collected|collect|fetched|took|take|"
          r"brought|bring|married|marry|divorced|dated|love|loved|miss|missed|hugged|kissed|hit|"
          r"pushed|blocked|reported|trust|believe|believed|thank|thanked|said to|says to|spoke to|"
          r"speak to|talk to|talked to|talking to|went with|live with|lives with|living with|"
          r"stay with|stays with|staying with|stayed with|argue with|argued with|split from|"
          r"split with|split up with|separated from|broke up with|break up with|back with|"
          r"married to|engaged to|me and|myself and")
_NAMING = (r"called|named|name's|name is|name was|names are|names were|surname's|surname is|"
           r"surname was|known as|goes by|christened|name now|name's now|is now")
_TO_PLACE = (r"moved|move|moving|relocated|went|gone|going|go|drive|drove|driving|travel|"
             r"travelled|came|come|coming|back|live|lives|lived|living|based|grew up|brought up|"
             r"raised|born|settled|stayed|staying|stay|centre|center|court|courts|hearing|house|"
             r"flat|place|school|holiday|visit|visiting|them|all|somewhere|was|were|is|are|been|"
             r"family|family's|mum's|dad's|nan's|originally|rented|up|down|over|out|round|"
             r"away")
_PLACE_WORD = (rf"{NAME}(?:(?:-(?:y|yr|on|upon|under|in|le|super|ar)-|"
               rf" (?:(?:upon|on|under|ar) )?){NAME}){{0,2}}")
#: Up to three name words, one space apart (a tab or a line break ends a name).
_NAMES = rf"{NAME}(?: (?:(?:ap|ab|ferch|bin|binti|bint|van|de|da|del|von) )?{NAME}){{0,2}}"

_RULES: list[tuple[str, str, re.Pattern]] = [
    ("person", "context: title", re.compile(
        rf"(?<![\w-])(?:{_TITLES})\.?\s+(?P<x>{_NAMES})")),
    ("person", "context: relation", re.compile(
        rf"(?i:\b(?:my|her|his|our|their|your|the)\s+(?:{_RELATIONS}))"
        rf"(?:\s*[,:]\s*|\s+(?:is|was|called|named)\s+|\s+[-–—]\s+|\s+)(?P<x>{_NAMES})")),
    ("person", "context: relation", re.compile(
        rf"(?i:\b(?:kids|children|twins|boys|girls|sons|daughters)['’]?\s+(?:are|were|is)"
        rf"(?:\s+called)?)\s+(?P<x>{_NAMES})")),
    ("person", "context: two name words", re.compile(
        rf"(?P<x>{NAME} (?:(?:ap|ab|ferch) )?{NAME})(?![\w@])")),
    ("person", "context: naming", re.compile(
        rf"(?i:\b(?:{_NAMING}))\s*[,:]?\s+(?P<x>{_NAMES})")),
    ("person", "context: object", re.compile(
        rf"(?i:\b(?:{_TAKES}))\s+(?P<x>{_NAMES})")),
    ("person", "context: and me", re.compile(
        rf"(?P<x>{_NAMES})(?=\s+and\s+(?:me|I|myself)\b)")),
    ("person", "context: possessive", re.compile(
        rf"(?P<x>{_NAMES})(?=['’]s\s+[{LOWER}])")),
    ("person", "context: says", re.compile(rf"(?P<x>{_NAMES})(?=\s+(?:{_SPEAKS})\b)")),
    ("person", "context: does", re.compile(rf"(?P<x>{_NAMES})(?=\s+(?:{_DOES})\b)")),
    ("place", "context: place phrase", re.compile(
        rf"(?i:\b(?:{_TO_PLACE}))\s+(?i:to|in|from|near|outside|round|around|towards?)"
        rf"\s+(?P<x>{_PLACE_WORD})")),
    ("place", "context: place phrase", re.compile(
        rf"(?P<x>{_PLACE_WORD})(?=\s+originally\b|['’]s\s+where\b)")),
]
#: A surname's or a town's own shape: Polish, Lithuanian, Romanian, Ukrainian and Turkish surname
#: endings; Welsh town beginnings (Llanelli, Aberdare, Pontypridd, Cwmbran, Ystradgynlais) and
#: Welsh compound names (Betws-y-Coed, Ynys Môn); an English word of that shape (Maestro,
#: Alaska, Aberration) is left alone.
_SHAPES: list[tuple[str, str, re.Pattern]] = [
    ("person", "context: surname shape", re.compile(
        rf"(?<![\w-])(?:O['’])?[{UPPER}][{LOWER}]{{2,}}(?:ski|ska|cki|cka|dzki|dzka|wicz|czyk|"
        rf"czak|escu|auskas|ienė|aitė|aite|oğlu|oglu|enko|chuk|ović|ovic|evic|ević)"
        rf"(?![\w-])")),
    ("place", "context: Welsh place shape", re.compile(
        rf"(?<![\w-])(?:Llan|Aber|Caer|Cwm|Pont|Ystrad|Blaen|Porth|Pwll|Nant|Rhos|Cefn|Maes|"
        rf"Tref|Treh|Glyn|Coed|Bryn)[{LOWER}]{{3,}}(?![\w-])")),
    ("place", "context: Welsh place shape", re.compile(
        rf"(?<![\w-])(?:{NAME}-(?:y|yr|ar)-{NAME}|Ynys\s+{NAME}|(?:Pen|Pont|Tal|Llan)-y-{NAME})")),
]
#: What a sentence (or a speaker's turn, or quoted speech) opens after.
SENTENCE_START = tuple(".!?:;\"“‘'([…-")
_STRONG = re.compile(rf"^\s+(?:{_SPEAKS})\b|^['’]s\s+[{LOWER}]")
_CONTINUES = re.compile(rf"(?:\s*,\s*(?:and\s+|then\s+|or\s+)?|\s+(?:and|or|then|&)\s+)"
                        rf"(?P<x>{NAME})(?![\w@])")


def at_sentence_start(text: str, start: int) -> bool:
    """Whether the word at ``start`` opens a sentence (or the text, or a quoted speech)."""
    before = text[max(0, start - 200):start].rstrip()
    return not before or before.endswith(SENTENCE_START)


def person_context_after(text: str, end: int) -> bool:
    """Whether what follows a word makes it someone: 'said', 'told', 'kicked off', "'s mum"."""
    return bool(_STRONG.match(text[end:end + 40]))


def _trim(text: str, start: int, end: int, cue_after: bool) -> tuple[int, int] | None:
    """The span without the words that are never a name before it ('Then' in 'Then Heledd'),
    cut before the next one; None if nothing is left, or if the cue comes after the span and
    the word next to it was cut ('Respondent Cafcass rang': Cafcass rang, not Respondent)."""
    kept: list[re.Match] = []
    for word in _WORD.finditer(text, start, end):
        if word.group() in NEVER:
            if kept:
                if cue_after:
                    return None
                break
            continue
        kept.append(word)
    return (kept[0].start(), kept[-1].end()) if kept else None


#: Rules whose context alone is weak evidence: they also want a word that is not English.
_WEAK = {"context: two name words", "context: does"}
#: Rules that do not fire on a sentence's first word ('Mediation was good', "Sainsbury's car
#: park", 'Honestly Davies'); 'Tasleem said' at a sentence's start is someone.
_MID_SENTENCE = {"context: two name words", "context: possessive", "context: does"}
_DETERMINER = re.compile(r"(?i:\b(?:the|a|an|our|my|your|his|her|their|this|that|these|those|"
                         r"any|some|every|each|no)\s+)$")
_INFLECTIONS = (("ies", "y"), ("es", ""), ("s", ""), ("ing", ""), ("ing", "e"), ("ed", ""),
                ("ed", "e"), ("ers", ""), ("er", ""))


@functools.cache
def _english() -> frozenset[str]:
    """English words: those the spaCy model's lemmatizer knows (its WordNet index and
    exceptions); empty if the model has no such tables, when the weak rules do without."""
    from ..resources import english_pipeline

    try:
        lookups = english_pipeline().get_pipe("lemmatizer").lookups
        tables = [lookups.get_table(name) for name in ("lemma_index", "lemma_exc")]
    except (KeyError, ValueError):
        return frozenset()
    words = {word for table in tables for part in table.values()
             for word in (part if isinstance(part, (list, tuple, set)) else part.keys())}
    return frozenset(w for w in words if isinstance(w, str) and w.isalpha())


def english_word(word: str) -> bool:
    """Whether a word is an ordinary English word, in any of its common inflections."""
    word = word.casefold()
    words = _english()
    return word in words or any(word.endswith(tail) and word[:-len(tail)] + stem in words
                                for tail, stem in _INFLECTIONS if len(word) > len(tail) + 2)


def _plausible(text: str, start: int, end: int, reason: str) -> bool:
    """Whether a rule's span may be a name: for a weak rule, one of its words is not English;
    for any, it does not stand after a determiner ('our Parenting Plan', 'the Job Centre')
    unless one is."""
    words = _WORD.findall(text, start, end)
    if reason == "context: two name words" and len(words) < 2:
        return False
    foreign = any(not english_word(w) for w in words)
    if reason in _WEAK and not foreign:
        return False
    return foreign or not _DETERMINER.search(text[max(0, start - 10):start])


def context_spans(text: str) -> Iterator[tuple[int, int, str, str]]:
    """Names and places found by the rules of this module."""
    for kind, reason, pattern in _RULES:
        for match in pattern.finditer(text):
            span = _trim(text, *match.span("x"), cue_after=match.start("x") == match.start())
            if not span:
                continue
            if reason in _MID_SENTENCE and at_sentence_start(text, span[0]):
                continue
            if _plausible(text, *span, reason):
                yield (*span, kind, reason)
    for kind, reason, pattern in _SHAPES:
        for match in pattern.finditer(text):
            if match.group() not in NEVER and not all(map(english_word, match.group().split())):
                yield match.start(), match.end(), kind, reason


def continued(text: str, spans: Iterable[tuple[int, int, str]]
              ) -> Iterator[tuple[int, int, str, str]]:
    """Names and places listed after one already found: 'Kids are Chase and Willow', 'We were
    in Whitby, then Llandeilo'."""
    for _start, end, kind in spans:
        if kind not in ("person", "place"):
            continue
        match = _CONTINUES.match(text, end)
        if match and match.group("x") not in NEVER:
            yield match.start("x"), match.end("x"), kind, "context: listed after a " + kind


#: Small words inside a name: Seren ap Emyr, Nia ferch Huw, Ahmad bin Ali, Rui da Silva.
CONNECTORS = frozenset("ap ab ferch bin binti bint van de da del von".split())
_TAIL = re.compile(rf" (?:(?:{'|'.join(sorted(CONNECTORS))}) )?(?P<x>{NAME})(?![\w@])")
_HEAD = re.compile(rf"(?<![\w\[@./'’-])(?P<x>{NAME}) $")


def widened(text: str, start: int, end: int) -> tuple[int, int]:
    """A person's span with the name words beside it: 'Rhian' in 'Rhian Meredith' becomes the
    whole name, 'Solanki' in 'Imran Solanki' too; a patronymic ('Seren ap Emyr') stays whole."""
    for _ in range(2):
        match = _TAIL.match(text, end)
        if not match or match.group("x") in NEVER:
            break
        end = match.end()
    for _ in range(2):
        match = _HEAD.search(text, max(0, start - 40), start)
        if not match or match.group("x") in NEVER:
            break
        start = match.start()
    return start, end
