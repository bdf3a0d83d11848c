"""Importing qualkit changes nothing in the importing process; the command line opts in to the
process-wide tweaks (qualkit.tuning), and a study's own words live in its codebook, not in code."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from qualkit.coding import parse_codebook
from qualkit.errors import QualkitError
from qualkit.privacy import DEFAULT_ALLOW, build_detector
from qualkit.resources import default_codebook_path
from qualkit.coding import load_codebook

IMPORT_EVERYTHING = """
import gc, json, os, pkgutil, importlib, warnings
# the libraries qualkit imports at module level add filters of their own (scipy does): only what
# qualkit's own modules change counts
import numpy, scipy.special, scipy.sparse, sklearn.linear_model, pandas, spacy, click, rich, yaml
before = (list(map(repr, warnings.filters)), gc.isenabled(), os.environ.get("NUMBA_CACHE_DIR"))
import qualkit
for module in pkgutil.walk_packages(qualkit.__path__, "qualkit."):
    importlib.import_module(module.name)
from qualkit import tuning
after = (list(map(repr, warnings.filters)), gc.isenabled(), os.environ.get("NUMBA_CACHE_DIR"))
print(json.dumps([before == after, tuning.current().release_memory, after[2]]))
"""


def test_importing_every_module_leaves_the_process_as_it_was():
    done = subprocess.run([sys.executable, "-c", IMPORT_EVERYTHING], capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "HOME": "/nonexistent"})
    assert done.returncode == 0, done.stderr[-2000:]
    unchanged, releasing, numba_folder = json.loads(done.stdout.strip().splitlines()[-1])
    assert unchanged and not releasing and numba_folder is None


def test_the_command_line_opts_in(tmp_path):
    script = ("import json, os; from qualkit.cli import main; from qualkit import tuning\n"
              "try:\n    main(['info', '--project', 'missing.qualkit'])\nexcept SystemExit:\n    pass\n"
              "t = tuning.current(); print(json.dumps([t.release_memory, t.pause_gc, "
              "str(t.compiled_cache), os.environ['NUMBA_CACHE_DIR']]))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "QUALKIT_CACHE_DIR": str(tmp_path)})
    assert done.returncode == 0, done.stderr[-2000:]
    releasing, pausing, compiled, numba_folder = json.loads(done.stdout.strip().splitlines()[-1])
    assert releasing and pausing and compiled == numba_folder == str(tmp_path / "numba")


def test_a_study_s_own_words_come_from_its_codebook():
    shipped = load_codebook(default_codebook_path())
    assert "cafcass" in shipped.allow_words and "cafcass" not in DEFAULT_ALLOW
    assert "expartner" in shipped.stop_words
    text = "I spoke to Cafcass and to Dave Peterson about it."
    plain = {f.text for f in build_detector().find(text)}  # spaCy takes the agency for a person
    study = {f.text for f in build_detector(allow=shipped.allow_words).find(text)}
    assert plain == {"Cafcass", "Dave Peterson"} and study == {"Dave Peterson"}


@pytest.mark.parametrize("value", ["cafcass", "[1, 2]", "[ok, '']"])
def test_a_codebook_s_word_lists_are_checked(value):
    text = f"name: x\nprivacy_allow: {value}\ncodes:\n  - id: a\n    label: A\n    definition: d\n"
    with pytest.raises(QualkitError) as caught:
        parse_codebook(text, "x.yaml")
    assert "E072" in str(caught.value) and "x.yaml" in str(caught.value)
