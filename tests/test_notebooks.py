"""The notebooks in notebooks/ run top to bottom on the sample and show what a reader relies on.

Each notebook is executed with nbclient in a kernel running this interpreter (a kernel spec written
to a temporary JUPYTER_PATH, so nothing is registered globally). The three share one work folder, as
they do for a researcher who runs them in order: the first imports the sample, trains the coders and
fills the embeddings cache; the second and third reuse them. The committed notebooks carry no
outputs.
"""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
NAMES = ["01_import_and_code.ipynb", "02_topics.ipynb", "03_typology_and_quotes.ipynb"]
THEMES = ("relevance", "safety", "mediation_resistance")


def carry_embeddings(source: Path, target: Path) -> None:
    """Copy the sentence-embedding cache of one project database into another. Vectors are keyed
    by text hash and model id, so a cache from an earlier run is never stale."""
    from qualkit import Project

    with Project(source) as old, Project(target) as new:
        rows = old.query("SELECT text_hash, model_id, dim, vector FROM embeddings")
        for model_id, group in rows.groupby("model_id"):
            new.cache_embeddings([(h, int(d), bytes(v)) for h, d, v in
                                  zip(group["text_hash"], group["dim"], group["vector"])], model_id)


@pytest.fixture(scope="module")
def work(tmp_path_factory, request):
    """The notebooks' shared work folder, and a kernel spec for this interpreter.

    Everything the notebooks write starts afresh in a temporary folder, except two caches kept in
    pytest's cache folder between runs: the sentence embeddings (most of a first run's time) and
    numba's compiled UMAP functions. Trained coders are never kept: they depend on qualkit's code.
    """
    base = tmp_path_factory.mktemp("notebooks")
    spec = base / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (qualkit tests)", "language": "python"}))
    cache = getattr(request.config, "cache", None)
    kept = cache.mkdir("qualkit-notebooks") if cache is not None else base / "kept"
    kept.mkdir(exist_ok=True)
    project = base / "qualkit" / "sample.qualkit"
    if (kept / "embeddings.qualkit").is_file():
        carry_embeddings(kept / "embeddings.qualkit", project)
    yield base, kept
    if project.is_file():
        carry_embeddings(project, kept / "embeddings.qualkit")


def execute(name: str, work: tuple[Path, Path], monkeypatch) -> nbformat.NotebookNode:
    work, kept = work
    monkeypatch.setenv("JUPYTER_PATH", str(work / "jupyter"))
    monkeypatch.setenv("QUALKIT_NOTEBOOK_DIR", str(work / "qualkit"))
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(kept / "numba"))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    monkeypatch.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # debugpy's frozen-modules note
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.execute()  # raises CellExecutionError, naming the cell, when a cell fails
    errors = [output for cell in nb.cells if cell.cell_type == "code"
              for output in cell.outputs if output.output_type == "error"]
    assert not errors, errors
    return nb


def tagged(nb, tag: str):
    """The outputs of the cell tagged ``tag``."""
    cells = [cell for cell in nb.cells if tag in cell.metadata.get("tags", [])]
    assert len(cells) == 1, f"one cell tagged {tag!r} expected, found {len(cells)}"
    return cells[0].outputs


def text_of(outputs) -> str:
    parts = []
    for output in outputs:
        if output.output_type == "stream":
            parts.append(output.text)
        elif output.output_type in ("execute_result", "display_data"):
            parts.append(output.data.get("text/plain", ""))
    return "\n".join(parts)


def has_image(outputs) -> bool:
    return any("image/png" in output.get("data", {}) for output in outputs)


@pytest.mark.parametrize("name", NAMES)
def test_committed_without_outputs(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(nb)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert code and all(not cell.outputs and cell.execution_count is None for cell in code)
    assert any(cell.cell_type == "markdown" for cell in nb.cells)


@pytest.mark.parametrize("name", NAMES)
def test_public_api_only(name):
    """No private names (a leading underscore) from qualkit, no shell or CLI calls."""
    for cell in nbformat.read(NOTEBOOKS / name, as_version=4).cells:
        if cell.cell_type != "code":
            continue
        assert not any(line.lstrip().startswith(("!", "%")) for line in cell.source.splitlines())
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("qualkit"):
                names = [*node.module.split("."), *(alias.name for alias in node.names)]
            elif isinstance(node, ast.Import):
                names = [part for alias in node.names for part in alias.name.split(".")]
                assert "subprocess" not in names, cell.id
            elif isinstance(node, ast.Attribute):
                names = [node.attr]
            else:
                continue
            private = [n for n in names if n.startswith("_")]
            assert not private, f"{name}, cell {cell.id}: {private}"


def test_import_and_code(work, monkeypatch):
    nb = execute(NAMES[0], work, monkeypatch)
    table = text_of(tagged(nb, "agreement-table"))
    for word in (*THEMES, "overall", "precision", "recall", "f1", "kappa"):
        assert word in table, table
    examples = text_of(tagged(nb, "coded-examples"))
    assert "rationale" in examples and all(theme in examples for theme in THEMES)


def test_topics(work, monkeypatch):
    nb = execute(NAMES[1], work, monkeypatch)
    assert "top_words" in text_of(tagged(nb, "topic-table"))
    assert "emergent topics" in text_of(tagged(nb, "emergent"))
    assert has_image(tagged(nb, "role-plot")) and has_image(tagged(nb, "topic-map"))


def test_typology_and_quotes(work, monkeypatch):
    nb = execute(NAMES[2], work, monkeypatch)
    assert "11 types in the typology" in text_of(tagged(nb, "typology-table"))
    assert "P01" in text_of(tagged(nb, "cases-table"))
    assert "parent cases" in text_of(tagged(nb, "type-check"))
    quotes = text_of(tagged(nb, "quotes"))
    assert all(theme in quotes for theme in THEMES) and "Area" in quotes
    report = text_of(tagged(nb, "report"))
    for name in ("report.docx", "report.md", "quotes.xlsx"):
        assert name in report
    assert (work[0] / "qualkit" / "report" / "report.md").stat().st_size > 0
