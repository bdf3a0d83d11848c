"""A wheel install, not the editable checkout, runs the main job from an empty folder with the
codebook and typology it ships: what a user gets from ``pip install <checkout>``.

The wheel is built and installed without the network (no build isolation, no index); its
dependencies come from this test's own environment, reached through a ``.pth`` file, which adds
that environment's packages but not its editable link to the checkout.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    dist, source = tmp_path_factory.mktemp("dist"), tmp_path_factory.mktemp("source")
    # built from a copy: setuptools leaves a build/ folder beside what it builds, and a stale one
    # in the checkout would put deleted modules into later wheels
    for name in ("qualkit", "codebooks"):
        shutil.copytree(ROOT / name, source / name,
                        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                    "--no-index", "-w", str(dist), str(source)], check=True, capture_output=True)
    return next(dist.glob("*.whl"))


def test_the_wheel_holds_every_subpackage_and_the_shipped_study(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    packages = {str(p.parent.relative_to(ROOT)) for p in (ROOT / "qualkit").rglob("__init__.py")}
    for package in packages:
        assert f"{package}/__init__.py" in names, f"{package} is missing from pyproject's packages"
    for shipped in ("spip_plus.yaml", "spip_plus_typology.yaml", "training/gold.csv"):
        assert f"qualkit/codebooks/{shipped}" in names, shipped
    assert "qualkit/interchange/schemas/Project-mrt2019.xsd" in names
    assert "qualkit/privacy/data/first_names.txt" in names   # the detector's lists are data files


def test_a_wheel_install_runs_the_sample_from_an_empty_folder(wheel, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)  # with its own pip
    python = venv / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()"
                                "['purelib'])"], check=True, capture_output=True,
                               text=True).stdout.strip())
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    # the new environment's pip: this one's would uninstall the editable qualkit it runs from
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index",
                    str(wheel)], check=True, capture_output=True)
    empty = tmp_path / "elsewhere"
    empty.mkdir()
    where = subprocess.run([str(python), "-c", "import qualkit; print(qualkit.__file__)"],
                           cwd=empty, check=True, capture_output=True, text=True).stdout
    assert where.startswith(str(venv)), where  # the installed copy, not the checkout
    env = {**os.environ, "COLUMNS": "200"}
    done = subprocess.run([str(venv / "bin" / "qualkit"), "run", str(ROOT / "transcripts_sample"),
                           "--out", "x"], cwd=empty, capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "29 cases" in done.stdout and "skipped" not in done.stdout
    for output in ("coded.csv", "quotes.csv", "typology/cases.csv", "report/report.docx"):
        assert (empty / "x" / output).is_file(), output
