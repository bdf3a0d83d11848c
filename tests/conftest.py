"""Shared fixtures: a fresh project database and a CLI runner, both under the test's tmp_path."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from qualkit import Project


@pytest.fixture
def project(tmp_path):
    with Project(tmp_path / "study.qualkit") as opened:
        yield opened


@pytest.fixture
def runner():
    return CliRunner()
