"""Typologies: each case mapped onto a study's types, with the evidence for every cell.

    typology = load_typology("codebooks/spip_plus_typology.yaml")
    result = type_cases(segments, typology, coder, attributes, overrides)   # all speakers' segments
    result.frame()      # cases.csv: type, confidence, runner-up, one column per dimension
    write_typology_outputs(result, "out/cases.csv", gate)
"""

from .classify import UNCLASSIFIED, CaseType, DimensionValue, classify_cases
from .decisions import read_overrides, store_typing
from .evidence import typology_scores, with_questions
from .pipeline import TypologyResult, type_cases, write_typology_outputs
from .scheme import Cell, Dimension, TypeDefinition, Typology, check_codes, load_typology, parse_typology

__all__ = ["UNCLASSIFIED", "CaseType", "Cell", "Dimension", "DimensionValue", "TypeDefinition",
           "Typology", "TypologyResult", "check_codes", "classify_cases", "load_typology",
           "parse_typology", "read_overrides", "store_typing", "type_cases", "typology_scores",
           "with_questions", "write_typology_outputs"]
