"""From codings to a case's type: each dimension's value with its evidence, then the best-fitting type.

Why two steps: researchers check and overrule a typology cell by cell, so the cells (dimension
values) must stand on their own with the segments behind them; the type is then only a lookup with
a confidence. A dimension's value comes from votes (a code's best segment score in the case, or a
case attribute, times the rule's weight); the votes become probabilities so that a case near the
border of two values counts as partly both when types are matched. Types are matched exactly first,
then by weighted agreement over dimensions; a weak or tied best match is left ``unclassified`` with
the reason, because a confidently wrong type is worse for an evaluator than an honest gap.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .scheme import Dimension, TypeDefinition, Typology, _attribute_text

UNCLASSIFIED = "unclassified"
EVIDENCE_SEGMENTS = 3  # segment ids kept per dimension value
TIE = 1e-9


@dataclass
class DimensionValue:
    """One cell of the case-by-dimension matrix."""

    dimension: str
    value: str | None                      # None: nothing in the case speaks to this dimension
    confidence: float
    probabilities: dict[str, float]
    evidence: list[str] = field(default_factory=list)   # segment ids, strongest first
    reason: str = ""                       # which vote decided, or why there is no value
    code: str | None = None                # the code behind the strongest vote, if a code
    source: str = "derived"                # 'derived', 'prior', 'none' or 'human'


@dataclass
class CaseType:
    """A case's type, how sure, what came second and where the case departs from its type."""

    case: str
    type: str
    confidence: float
    runner_up: str | None
    runner_up_confidence: float
    disagreements: list[str]
    reason: str
    dimensions: dict[str, DimensionValue]
    best_match: str | None = None          # the closest type, even when the case is unclassified


def case_strengths(scores: pd.DataFrame, codes: list[str]) -> dict[str, pd.DataFrame]:
    """Per case, a frame of segment_id x code scores for the codes the typology names."""
    present = [c for c in codes if c in scores.columns]
    return {case: frame.set_index("segment_id")[present]
            for case, frame in scores.groupby("case", sort=True)}


def derive_dimension(dimension: Dimension, segment_scores: pd.DataFrame, attributes: dict,
                     typology: Typology) -> DimensionValue:
    """The value of one dimension for one case, with the segments that voted for it.

    A value's vote is its prior plus, for each rule, weight x strength (a code's best segment score
    in the case; 1 or 0 for an attribute). Votes become probabilities by a softmax.
    """
    votes, reasons, support, codes, heard = {}, {}, {}, {}, False
    for value in dimension.values:
        vote, best, reason, segments, code = value.prior, 0.0, "", [], None
        for rule in value.evidence:
            strength, rule_segments, what = _strength(rule, segment_scores, attributes, typology)
            vote += rule.weight * strength
            if rule.weight > 0 and strength >= typology.min_evidence:
                heard = True
                if rule.weight * strength > best:
                    best, reason, segments, code = rule.weight * strength, what, rule_segments, \
                        rule.code
        votes[value.id] = vote
        reasons[value.id], support[value.id], codes[value.id] = reason, segments, code
    if not heard and not any(v.prior for v in dimension.values):
        return DimensionValue(dimension.id, None, 0.0, {}, reason="no segment speaks to it",
                              source="none")
    ids = list(votes)
    logits = np.array([votes[v] for v in ids]) * typology.sharpness
    weights = np.exp(logits - logits.max())
    probabilities = dict(zip(ids, (weights / weights.sum()).round(6).tolist()))
    ranked = sorted(ids, key=lambda v: -probabilities[v])  # stable: file order breaks ties
    urgent = [v for v in ids if dimension.value(v).priority > 0 and support[v]]
    chosen = max(urgent, key=lambda v: dimension.value(v).priority) if urgent else ranked[0]
    if not heard:
        return DimensionValue(dimension.id, chosen, probabilities[chosen], probabilities,
                              reason="no segment speaks to it: the typology's prior", source="prior")
    return DimensionValue(dimension.id, chosen, probabilities[chosen], probabilities,
                          support[chosen], reasons[chosen] or "weighed against the other values",
                          code=codes[chosen])


def _strength(rule, segment_scores: pd.DataFrame, attributes: dict, typology: Typology):
    if rule.attribute:
        found = _attribute_text(attributes.get(rule.attribute, ""))
        return (1.0 if found in rule.equals else 0.0), [], f"case attribute {rule.attribute} = {found}"
    if rule.code not in segment_scores.columns or segment_scores.empty:
        return 0.0, [], ""
    scores = segment_scores[rule.code].to_numpy()
    ranked = np.argsort(-scores, kind="stable")  # strongest first; ties keep transcript order
    best = float(scores[ranked[0]])
    top = [segment_scores.index[i] for i in ranked[:EVIDENCE_SEGMENTS]
           if scores[i] >= typology.min_evidence]
    return best, top, f"code {rule.code} ({best:.2f})"


def human_value(dimension: Dimension, value_id: str) -> DimensionValue:
    return DimensionValue(dimension.id, value_id, 1.0, {value_id: 1.0},
                          reason="set by the researcher (override)", source="human")


def match_type(typology: Typology, case: str, values: dict[str, DimensionValue]) -> CaseType:
    """The type whose cells the case's values fit best: exact first, then weighted agreement."""
    total = sum(d.weight for d in typology.dimensions)
    fits = {kind.id: sum(d.weight * sum(values[d.id].probabilities.get(v, 0.0)
                                        for v in kind.cell(d.id).values)
                         for d in typology.dimensions) / total
            for kind in typology.types}
    ranked = sorted(typology.types, key=lambda k: -fits[k.id])  # stable: file order breaks nothing
    exact = [k for k in typology.types if not _disagreements(k, values)]
    best = exact[0] if len(exact) == 1 else ranked[0]
    second = next((k for k in ranked if k.id != best.id), None)
    second_fit = fits[second.id] if second else 0.0
    disagreements = _disagreements(best, values)
    unknown = [d for d, v in values.items() if v.value is None]
    kind, reason = best.id, "exact match" if not disagreements else (
        "closest type; differs on " + ", ".join(disagreements))
    if abs(fits[best.id] - second_fit) <= TIE:
        kind, reason = UNCLASSIFIED, f"tie between {best.id} and {second.id} ({fits[best.id]:.2f})"
    elif fits[best.id] < typology.min_confidence:
        kind, reason = UNCLASSIFIED, (f"best match {best.id} fits only {fits[best.id]:.2f} "
                                      f"(< {typology.min_confidence}); " + reason)
    if unknown:
        reason += "; no evidence for " + ", ".join(unknown)
    assumed = [d for d, v in values.items() if v.source == "prior"]
    if assumed:
        reason += "; no direct evidence for " + ", ".join(assumed) + " (the typology's prior)"
    return CaseType(case, kind, round(fits[best.id], 4), second.id if second else None,
                    round(second_fit, 4), disagreements, reason, values, best.id)


def _disagreements(kind: TypeDefinition, values: dict[str, DimensionValue]) -> list[str]:
    return [d for d, v in values.items() if v.value not in kind.cell(d).values]


def classify_cases(typology: Typology, scores: pd.DataFrame, attributes: pd.DataFrame | None = None,
                   overrides: dict[str, dict[str, str]] | None = None) -> list[CaseType]:
    """Type every case in ``scores`` (segment_id, case, one score column per code).

    ``attributes`` is indexed by case; ``overrides`` maps case -> dimension -> value id and wins
    over whatever the codings say. Cases the typology's ``skip_when`` rules out are left out.
    """
    overrides = overrides or {}
    codes = sorted(typology.codes())
    by_case = case_strengths(scores, codes)
    for case in overrides:  # a researcher may type a case the coders never saw
        by_case.setdefault(case, pd.DataFrame(columns=codes))
    results = []
    for case in sorted(by_case):
        found = attributes.loc[case].to_dict() if attributes is not None and case in attributes.index \
            else {}
        if not typology.applies(found) and case not in overrides:
            continue
        values = {}
        for dimension in typology.dimensions:
            chosen = overrides.get(case, {}).get(dimension.id)
            values[dimension.id] = human_value(dimension, chosen) if chosen else derive_dimension(
                dimension, by_case[case], found, typology)
        results.append(match_type(typology, case, values))
    return results
