"""The codebook's examples as evidence: for each distinct text, the codes it is and is not.

The semantic and the learned coder read the same examples, and a near miss is evidence both ways
(not this code, but that one), so what each text says is worked out once, here. Each text gives one
entry, however often the codebook writes it (a positive of B that is also a near miss of A confused
with B), so that no text counts twice on either side.
"""

from __future__ import annotations

from dataclasses import dataclass

from .codebook import Codebook

#: the learned coder's weight for a near miss's training row, as for any other codebook example.
#: A hard negative is what a boundary between two codes is learned from, so weighing it less would
#: waste it; weighing it more would let a few hand-picked texts outweigh the human codings (sheets
#: count 0.3 to 1.0 per segment).
NEAR_MISS_WEIGHT = 1.0


@dataclass(frozen=True)
class Example:
    """One text of the codebook and what it is evidence of.

    ``codes`` are the codes it is an example of (their ancestors follow from the codebook),
    ``not_codes`` those it is explicitly not; a code never stands in both (being listed as 'not'
    wins, as for a near miss whose ``confused_with`` code lists the same text as a negative)."""

    text: str
    codes: frozenset[str]
    not_codes: frozenset[str]
    weight: float = 1.0


def same_text(text: object) -> str:
    """The key under which two writings of one text meet: spacing and case do not matter."""
    return " ".join(str(text).split()).casefold()


def codebook_examples(codebook: Codebook, prototypes: bool = False) -> list[Example]:
    """Every example text once, in file order; with ``prototypes`` each code's definition and
    include criteria too, as examples of the code (the semantic coder's prototypes).

    A near miss of A confused with B is an example of B and not of A."""
    found: dict[str, tuple[str, set[str], set[str], list[float]]] = {}

    def add(text: str, code: str | None = None, not_code: str | None = None,
            weight: float = 1.0) -> None:
        _, codes, not_codes, weights = found.setdefault(same_text(text), (text, set(), set(), []))
        codes.update([code] if code else [])
        not_codes.update([not_code] if not_code else [])
        weights.append(weight)

    for code in codebook.codes:
        for text in ((code.definition, *code.include) if prototypes else ()) + code.positive:
            add(text, code=code.id)
        near = {same_text(n.text): n.confused_with for n in code.near_misses}
        for text in code.negative:
            other = near.get(same_text(text))
            add(text, code=other, not_code=code.id, weight=NEAR_MISS_WEIGHT if other else 1.0)
    return [Example(text, frozenset(codes - not_codes), frozenset(not_codes), max(weights))
            for text, codes, not_codes, weights in found.values()]
