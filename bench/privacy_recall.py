"""Recall of the privacy check on planted personal details, and its false alarms on plain speech.

The planted set (``tests/data/planted/planted.csv``, made by ``make_planted.py`` beside it) holds
names, places, addresses and contact details of Welsh, Polish, South Asian, English and other
origin in short interview answers. An item counts as found when the detector's findings cover
every character of it (a full name with only the first name found leaks the surname, so it is
missed); the kind the detector gives it does not matter, since either way it is redacted.

Recall is shown by kind, by origin, by the templates' split (``dev``: those the context rules were
developed against; ``fresh``: written afterwards and never tuned on), by whether the item's words are in the detector's own lists
(all, some or none of them) and by whether the name is also an ordinary word; in two columns: the
detector as shipped, and the same detector with every name and place of the planted set taken out
of its lists ("held out"), which measures what the context rules and spaCy find in names nobody
listed. False alarms are counted on ordinary speech: every
turn of ``transcripts_sample/`` and ``tests/data/four_interviews/`` and the answers of the coders'
training sheets (``codebooks/training/quotes_*.csv``), all anonymised by hand, so each finding
there is a false alarm or a slip of the fictional data; and the negatives of the planted set
(word-like names used as words, agencies, orders, holidays and brands).

Run: ``.venv/bin/python bench/privacy_recall.py [--misses] [--false-alarms]`` (about 20 s).
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLANTED = ROOT / "tests" / "data" / "planted"
SPEECH = [ROOT / "transcripts_sample", ROOT / "tests" / "data" / "four_interviews"]
#: short answers written for training the coders: more ordinary speech, in the study's register
SPEECH_SHEETS = sorted((ROOT / "codebooks" / "training").glob("quotes_*.csv"))
NAME_KINDS = {"full_name", "first_name", "surname", "place"}
CONTACT_KINDS = ("phone", "email", "postcode", "address", "car_reg", "date_of_birth")


def planted_module():
    """``tests/data/planted/make_planted.py``: reads the planted set, writes transcripts."""
    if "make_planted" in sys.modules:
        return sys.modules["make_planted"]
    spec = importlib.util.spec_from_file_location("make_planted", PLANTED / "make_planted.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_planted"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@dataclass
class Tally:
    found: int = 0
    total: int = 0

    @property
    def recall(self) -> float:
        return self.found / self.total if self.total else float("nan")

    def add(self, hit: bool) -> None:
        self.found += hit
        self.total += 1


@dataclass
class Measurement:
    """Recall per grouping (``by[grouping][value]``), the misses, and the false alarms."""

    by: dict[str, dict[str, Tally]] = field(default_factory=lambda: defaultdict(
        lambda: defaultdict(Tally)))
    misses: list[dict[str, str]] = field(default_factory=list)
    speech_words: int = 0
    speech_alarms: list[tuple[str, str]] = field(default_factory=list)   # (kind, text)
    file_alarms: list[tuple[str, str]] = field(default_factory=list)     # (file, text)
    negatives: int = 0
    negative_alarms: list[tuple[str, str]] = field(default_factory=list)  # (sentence, text)

    def recall(self, grouping: str, value: str) -> float:
        return self.by[grouping][value].recall


def name_words(span: str) -> list[str]:
    return [w for w in span.split() if w not in ("ap", "ab")]


def listed(span: str, kind: str) -> str:
    """'all', 'some' or 'none': how many of the item's words are in the detector's own lists."""
    from qualkit.privacy.gazetteer import DEFAULT

    if kind not in NAME_KINDS:
        return "n/a"
    if kind == "place":
        known = {p.casefold() for p in DEFAULT.places | DEFAULT.word_places}
        return "all" if span.casefold() in known else "none"
    names = {n.casefold() for n in DEFAULT.first_names | DEFAULT.word_names | DEFAULT.surnames}
    words = name_words(span)
    inside = sum(w.casefold() in names for w in words)
    return "all" if inside == len(words) else "some" if inside else "none"


def held_out_detector():
    """A detector whose lists hold none of the planted names and places."""
    from qualkit.privacy import Detector
    from qualkit.privacy.gazetteer import DEFAULT

    rows = planted_module().read()
    names = {w for row in rows if row["kind"] in NAME_KINDS for w in name_words(row["span"])}
    names |= {row["span"] for row in rows if row["kind"] == "place"}
    return Detector(lists=DEFAULT.without(names))


def covered(findings, start: int, end: int, text: str) -> bool:
    """Every non-space character of text[start:end] lies inside a finding."""
    inside = [False] * (end - start)
    for f in findings:
        for i in range(max(f.start, start), min(f.end, end)):
            inside[i - start] = True
    return all(hit or text[start + i].isspace() for i, hit in enumerate(inside))


def speech_texts() -> list[str]:
    """Every turn of the ordinary-speech folders (a file qualkit refuses, such as notes with
    no respondent turns, is passed over: it is a test of the importer, not speech)."""
    from qualkit import read_file
    from qualkit.errors import QualkitError
    from qualkit.ingest import expand_paths

    texts = []
    for path in expand_paths(SPEECH):
        try:
            texts += [turn.text for t in read_file(path) for turn in t.turns]
        except QualkitError:
            continue
    for path in SPEECH_SHEETS:
        with open(path, newline="", encoding="utf-8") as handle:
            texts += [row["text"] for row in csv.DictReader(handle)]
    return texts


def measure(detector=None, speech: bool = True) -> Measurement:
    """Recall on the planted set; with ``speech``, the false alarms on ordinary speech too."""
    from qualkit.privacy import Detector

    detector = detector or Detector()
    module = planted_module()
    rows = module.read()
    result = Measurement()
    sentences = list(dict.fromkeys(row["sentence"] for row in rows))
    found = dict(zip(sentences, detector.find_many(sentences)))
    for row in rows:
        start = int(row["start"])
        hit = covered(found[row["sentence"]], start, start + len(row["span"]), row["sentence"])
        groups = {"kind": row["kind"], "origin": row["origin"], "templates": row["split"],
                  "in lists": listed(row["span"], row["kind"]),
                  "word-like": "yes" if row["word_like"] == "1" else "no"}
        if row["kind"] in NAME_KINDS:
            groups["name kind x origin"] = f"{row['kind']}/{row['origin']}"
            groups["name kind x in lists"] = f"{row['kind']}/{groups['in lists']}"
        groups["group"] = ("full names" if row["kind"] == "full_name" else "contact details"
                           if row["kind"] in CONTACT_KINDS else "other kinds")
        groups["group x templates"] = f"{groups['group']}/{row['split']}"
        for grouping, value in [*groups.items(), ("all", "all items")]:
            result.by[grouping][value].add(hit)
        if not hit:
            result.misses.append(row)
    if not speech:
        return result
    texts = speech_texts()
    result.speech_words = sum(len(text.split()) for text in texts)
    result.speech_alarms = [(f.kind, f.text) for found in detector.find_many(texts) for f in found]
    from qualkit.coding import load_codebook
    from qualkit.privacy import check_paths
    from qualkit.resources import default_codebook_path

    # as the command reads them: with the study's own words (its codebook's privacy_allow)
    detector.allow(load_codebook(default_codebook_path()).allow_words)
    result.file_alarms = [(Path(found.path).name, f"{finding.text} ({finding.reason})")
                          for found in check_paths(SPEECH, detector)
                          for _, _, finding, _ in found.findings]
    negatives = module.read_negatives()
    result.negatives = len(negatives)
    result.negative_alarms = [(sentence, f.text) for sentence, found in
                              zip(negatives, detector.find_many(negatives)) for f in found]
    return result


def table(result: Measurement, held_out: Measurement | None = None) -> str:
    lines = []
    order = ["group", "group x templates", "kind", "origin", "templates", "in lists", "word-like",
             "name kind x origin", "name kind x in lists", "all"]
    for grouping in order:
        header = f"{'by ' + grouping:<28} {'found':>6} {'of':>5} {'recall':>7}"
        lines.append(header + (f" {'held out':>9}" if held_out else ""))
        for value, tally in sorted(result.by[grouping].items()):
            line = f"  {value:<26} {tally.found:>6} {tally.total:>5} {tally.recall:>7.1%}"
            if held_out:
                line += f" {held_out.by[grouping][value].recall:>9.1%}"
            lines.append(line)
        lines.append("")
    speech_words = sum(len(text.split()) for _, text in result.speech_alarms)
    where = ", ".join(p.relative_to(ROOT).as_posix() for p in SPEECH)
    lines.append(f"false alarms on ordinary speech ({where}, codebooks/training/quotes_*.csv): "
                 f"{len(result.speech_alarms)} findings, {speech_words} of {result.speech_words} "
                 f"words ({speech_words / max(result.speech_words, 1):.2%})")
    lines.append(f"check-anonymity on the two folders (whole lines: labels, front matter; the "
                 f"codebook's privacy_allow words): {len(result.file_alarms)} findings")
    flagged = len({sentence for sentence, _ in result.negative_alarms})
    lines.append(f"false alarms on word-like names used as words (negatives.csv): {flagged} of "
                 f"{result.negatives} sentences")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="list every planted item missed")
    parser.add_argument("--false-alarms", action="store_true", help="list every false alarm")
    args = parser.parse_args(argv)
    result, held_out = measure(), measure(held_out_detector())
    print(table(result, held_out))
    print(f"false alarms with the planted names held out of the lists: "
          f"{len(held_out.speech_alarms)} findings on ordinary speech, "
          f"{len({s for s, _ in held_out.negative_alarms})} negatives")
    if args.misses:
        for title, measured in (("missed", result), ("missed with the names held out", held_out)):
            print(f"\n{title}:")
            for row in measured.misses:
                print(f"  {row['kind']:<13} {row['origin']:<11} {row['span']!r:<28} "
                      f"{row['sentence']}")
    if args.false_alarms:
        print("\nfalse alarms:")
        for kind, text in sorted(set(result.speech_alarms)):
            print(f"  speech    {kind:<13} {text!r}")
        for name, text in result.file_alarms:
            print(f"  file      {name:<13} {text!r}")
        for sentence, text in result.negative_alarms:
            print(f"  negative  {text!r:<15} {sentence}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
