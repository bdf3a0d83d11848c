"""Learning a typology's evidence weights from cases whose type is known.

Hand-set weights are a good start and a poor finish: codes are not calibrated against each other (a
broad code scores high everywhere, a narrow one rarely passes 0.5), so "which codes vote for which
value" is best written by a researcher and "how much each vote counts" best fitted. For each
dimension a multinomial logistic regression is fitted on the cases' code strengths (the codes the
dimension's rules name, and its attribute rules), and its coefficients are written back as the
rules' weights and its intercepts as the values' priors: the fitted file is still a typology a
researcher can read, edit and re-fit, with the same classifier behind it.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from sklearn.linear_model import LogisticRegression

from .classify import _strength
from .scheme import Dimension, Evidence, Typology, Value

MIN_WEIGHT = 0.01  # fitted weights smaller than this are left out of the file


def case_features(typology: Typology, scores: pd.DataFrame,
                  attributes: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per case, one column per rule (``code`` or ``attribute=value``): its strength."""
    rules = _rules(typology)
    rows = {}
    for case, frame in scores.groupby("case", sort=True):
        found = attributes.loc[case].to_dict() if attributes is not None and case in attributes.index \
            else {}
        segment_scores = frame.set_index("segment_id")
        rows[case] = {key: _strength(rule, segment_scores, found, typology)[0]
                      for key, rule in rules.items()}
    return pd.DataFrame.from_dict(rows, orient="index", columns=list(rules))


def _rules(typology: Typology) -> dict[str, Evidence]:
    """Every distinct rule the typology names, keyed for a feature table."""
    found = {}
    for dimension in typology.dimensions:
        for rule in _dimension_rules(dimension).values():
            found[_key(rule)] = rule
    return found


def _dimension_rules(dimension: Dimension) -> dict[str, Evidence]:
    rules = {}
    for value in dimension.values:
        for rule in value.evidence:
            rules.setdefault(_key(rule), dataclasses.replace(rule, weight=1.0))
    return rules


def _key(rule: Evidence) -> str:
    return rule.code if rule.code else f"{rule.attribute}={'|'.join(rule.equals)}"


def fit_typology(typology: Typology, features: pd.DataFrame, known: dict[str, str],
                 C: float = 100.0) -> Typology:
    """A copy of ``typology`` whose weights and priors are fitted to the cases in ``known``
    (case -> type id); ``features`` comes from :func:`case_features`."""
    cases = [case for case in features.index if case in known]
    dimensions = []
    for dimension in typology.dimensions:
        rules = _dimension_rules(dimension)
        X = features.loc[cases, list(rules)].to_numpy(dtype=float)
        y = [typology.type(known[case]).cell(dimension.id).values[0] for case in cases]
        dimensions.append(_fit_dimension(dimension, rules, X, y, C))
    return dataclasses.replace(typology, dimensions=tuple(dimensions), sharpness=1.0)


def _fit_dimension(dimension: Dimension, rules: dict[str, Evidence], X: np.ndarray, y: list[str],
                   C: float) -> Dimension:
    classes = sorted(set(y))
    if len(classes) == 1:  # every known case agrees: that value is simply the usual one
        coef, intercept = np.zeros((1, X.shape[1])), np.array([1.0])
    else:
        model = LogisticRegression(C=C, max_iter=5000).fit(X, y)
        coef, intercept = model.coef_, model.intercept_
        if len(classes) == 2:  # sklearn keeps one row for two classes; split it symmetrically
            coef, intercept = np.vstack([-coef / 2, coef / 2]), np.array([-intercept[0] / 2,
                                                                           intercept[0] / 2])
    unseen = float(intercept.min()) - 5.0  # values no known case had stay possible, but last
    values = []
    for value in dimension.values:
        if value.id in classes:
            row = classes.index(value.id)
            evidence = tuple(dataclasses.replace(rule, weight=round(float(w), 3))
                             for rule, w in zip(rules.values(), coef[row]) if abs(w) >= MIN_WEIGHT)
            values.append(dataclasses.replace(value, evidence=evidence,
                                              prior=round(float(intercept[row]), 3)))
        else:
            values.append(dataclasses.replace(value, evidence=(), prior=round(unseen, 3)))
    return dataclasses.replace(dimension, values=tuple(values))


def dump_typology(typology: Typology, path: str | Path, header: str = "") -> str:
    """The typology as YAML text, in the format :func:`load_typology` reads."""
    base = Path(path).resolve().parent
    data = {"name": typology.name, "title": typology.title}
    if typology.codebook:
        data["codebook"] = os.path.relpath(typology.codebook, base)
    if typology.group_by:
        data["group_by"] = typology.group_by
    data.update(min_confidence=typology.min_confidence, min_evidence=typology.min_evidence,
                sharpness=typology.sharpness)
    if typology.counts_note:
        data["counts_note"] = typology.counts_note
    if typology.skip_when:
        data["skip_when"] = {name: list(values) for name, values in typology.skip_when}
    data["dimensions"] = [_dimension_data(d) for d in typology.dimensions]
    data["types"] = [{"id": t.id, "label": t.label, "successful": t.successful,
                      "cells": {d: _cell_data(typology.dimension(d), cell) for d, cell in t.cells}}
                     for t in typology.types]
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100,
                          default_flow_style=None)
    comment = "".join(f"# {line}\n" if line else "#\n" for line in header.splitlines())
    return comment + text


def _dimension_data(dimension: Dimension) -> dict:
    return {"id": dimension.id, "label": dimension.label, "weight": dimension.weight,
            "values": [_value_data(v) for v in dimension.values]}


def _value_data(value: Value) -> dict:
    data: dict = {"id": value.id, "text": value.text}
    if value.priority:
        data["priority"] = value.priority
    if value.prior:
        data["prior"] = value.prior
    data["evidence"] = [{"code": r.code, "weight": r.weight} if r.code else
                        {"attribute": r.attribute, "equals": list(r.equals), "weight": r.weight}
                        for r in value.evidence]
    return data


def _cell_data(dimension: Dimension, cell) -> object:
    default = " or ".join(dimension.value(v).text for v in cell.values)
    if cell.text != default:
        return {"values": list(cell.values), "text": cell.text}
    return cell.values[0] if len(cell.values) == 1 else list(cell.values)
