"""Options that several commands share, each declared once.

A command picks the variant it needs through the factory's arguments (a help text of its own, a
file that must exist, no default) so that its ``--help`` says exactly what it does.
"""

from __future__ import annotations

from pathlib import Path

import click

from ..resources import default_codebook_path, default_typology_path
from ..segment import DEFAULT_MAX_WORDS, DEFAULT_UNIT, UNITS
from ..errors import Warnings
from .output import exit_on_error, out, warn

DEFAULT_PROJECT = "study.qualkit"
DEFAULT_CODEBOOK = default_codebook_path()
DEFAULT_TYPOLOGY = default_typology_path()


def _existing_file() -> click.Path:
    return click.Path(path_type=Path, exists=True, dir_okay=False)


def _compose(command, options):
    """Apply ``options`` so that they are listed in ``--help`` in the order given."""
    for option in reversed(options):
        command = option(command)
    return command


def project_option(help: str | None = None, *, default: str | None = None, must_exist: bool = False,
                   required: bool = False):
    """``--project``: the project database (``project_path``)."""
    kwargs: dict = {"type": _existing_file() if must_exist else click.Path(path_type=Path),
                    "help": help}
    if default is not None:
        kwargs.update(default=default, show_default=True)
    if required:
        kwargs["required"] = True
    return click.option("--project", "project_path", **kwargs)


def cases_option(help: str | None = None, *, exists: bool = True, dir_okay: bool = False):
    """``--cases``: the case classification sheet (``cases``), first column the case id."""
    return click.option("--cases", type=click.Path(path_type=Path, exists=exists, dir_okay=dir_okay),
                        help=help)


def codebook_option(help: str | None = None, *, default: Path | None = DEFAULT_CODEBOOK,
                    required: bool = False):
    """``--codebook``: a qualkit codebook (``codebook_path``) [default: SPIP Plus]."""
    kwargs: dict = {"type": click.Path(path_type=Path), "help": help}
    if default is not None:
        kwargs.update(default=default, show_default="codebooks/spip_plus.yaml")
    if required:
        kwargs["required"] = True
    return click.option("--codebook", "codebook_path", **kwargs)


def typology_option():
    """``--typology``: a typology file (``typology_path``) [default: SPIP Plus pathways]."""
    return click.option("--typology", "typology_path", type=click.Path(path_type=Path),
                        default=DEFAULT_TYPOLOGY, show_default="codebooks/spip_plus_typology.yaml")


def out_file_option(help: str | None = None, *, default: str | None = None,
                    required: bool = False):
    """``--out``: a file to write (``out_path``)."""
    kwargs: dict = {"type": click.Path(path_type=Path, dir_okay=False), "help": help}
    if default is not None:
        kwargs.update(default=default, show_default=True)
    if required:
        kwargs["required"] = True
    return click.option("--out", "out_path", **kwargs)


def out_dir_option(help: str | None = None):
    """``--out``: a folder to write into (``out_dir``), always required."""
    return click.option("--out", "out_dir", required=True,
                        type=click.Path(path_type=Path, file_okay=False), help=help)


def unit_option(help: str | None = None):
    """``--unit``: what a segment is (turn, sentence, paragraph)."""
    return click.option("--unit", type=click.Choice(UNITS), default=DEFAULT_UNIT, show_default=True,
                        help=help)


def max_words_option(help: str | None = None):
    """``--max-words`` of segmentation: the longest segment before a turn is cut."""
    return click.option("--max-words", type=click.IntRange(min=1), default=DEFAULT_MAX_WORDS,
                        show_default=True, help=help)


def all_speakers_option(help: str):
    """``--all-speakers``: also segment interviewer turns."""
    return click.option("--all-speakers", is_flag=True, help=help)


def names_option(help: str | None = None):
    """``--names``: known names to catch, one per line."""
    return click.option("--names", type=_existing_file(), help=help)


def policy_option(help: str | None = None):
    """``--policy``: the privacy policy YAML."""
    return click.option("--policy", type=_existing_file(), help=help)


def privacy_options(command):
    """The export gate's options, the same on every command that writes transcript text:
    ``--strict``, ``--no-privacy-check``, ``--names``, ``--policy``; see :func:`make_gate`."""
    return _compose(command, [
        click.option("--strict", is_flag=True,
                     help="Refuse to write if the privacy check finds a personal detail."),
        click.option("--no-privacy-check", is_flag=True,
                     help="Write without the privacy check (prints a warning)."),
        names_option("Known names to catch, one per line."),
        policy_option("Privacy policy YAML (allow, names, kinds)."),
    ])


def study_options(command):
    """--codebook, --typology and --cases, as every command that reads a whole study takes them."""
    return _compose(command, [
        codebook_option(),
        typology_option(),
        cases_option("Case sheet [default: cases.csv inside an input folder, if any]."),
    ])


def make_gate(strict: bool, no_privacy_check: bool, names, policy, cases=None, audit_for=None):
    """The privacy gate the privacy options describe: redact (default), strict, or off. The
    pseudonyms it gives identifiers are kept beside ``audit_for``, the command's ``--out``
    (:func:`qualkit.privacy.audit_beside`)."""
    from ..privacy import PrivacyGate, audit_beside, build_detector

    if no_privacy_check:
        warn(Warnings.W001)
        return PrivacyGate(mode="off")
    with exit_on_error():
        detector = build_detector(names, policy, cases)
        return PrivacyGate(detector, mode="strict" if strict else "redact",
                           audit_dir=audit_beside(audit_for) if audit_for else None)


def report_gate(gate) -> None:
    """Say how many personal details the gate redacted, and where the mapping of the pseudonyms
    it gave identifiers is (nothing when it was off)."""
    if gate.mode != "off":
        warn(Warnings.W005, console=out, label=None, style=None, count=gate.redacted)
    if gate.audit_path is not None:
        warn(Warnings.W010, label=None, style="bold yellow", count=len(gate.pseudonyms),
             audit=gate.audit_path)
