"""Shared fixtures: a fresh project database and a CLI runner, both under the test's tmp_path;
qualkit's shared cache (trained coders, compiled UMAP) in one folder for the session, never the
user's own ~/.cache."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from qualkit import Project


@pytest.fixture(scope="session", autouse=True)
def shared_cache_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("qualkit-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("QUALKIT_CACHE_DIR", str(folder))
        yield folder


@pytest.fixture
def project(tmp_path):
    with Project(tmp_path / "study.qualkit") as opened:
        yield opened


@pytest.fixture
def runner():
    return CliRunner()
