"""qualkit's caches keep data, never objects: what is read back codes (fits, finds) exactly what was
kept, and a crafted or damaged entry under the name qualkit reads is ignored and rebuilt without
running anything it holds.

The shipped codebook's coders are trained once for the module (about 40 s, more on a busy machine);
the tests of damaged entries use a small codebook with its own training sheet, which trains in
seconds, so that each can train again.
"""

from __future__ import annotations

import hashlib
import io
import json
import pathlib
import pickle
import re
import sqlite3
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from qualkit import cache
from qualkit.cache import (cached_topics, code_fingerprint, coder_key, memo_path,
                           remember_findings, safe_name, shared_cache_dir, topics_key,
                           trained_coder)
from qualkit.coding import load_codebook
from qualkit.coding.memo import MemoCoder
from qualkit.embeddings import Embedder, text_hash

ROOT = Path(__file__).resolve().parent.parent

MINI = """\
name: {name}
training: [mini_training.csv]
codes:
  - id: safety
    label: Safety
    definition: Fear of the other parent, domestic abuse, violence, police and protective orders.
    examples:
      positive:
        - "I was terrified of being in the same room as him."
        - "He used to hit me and the police were called more than once."
      negative:
        - "I wasn't scared of him, we just disagreed about money."
    patterns:
      - [{{LEMMA: {{IN: ["scare", "terrify", "frighten"]}}}}]
      - "refuge"
  - id: safety_orders
    parent: safety
    label: Protective orders
    definition: A non-molestation order or restraining order against the other parent.
    patterns: ["restraining order", [{{LOWER: "non"}}, {{LOWER: "-", OP: "?"}}, {{LOWER: "molestation"}}]]
  - id: relevance
    label: Relevance
    definition: Whether the course fitted the parent's situation, for example too basic or too late.
    examples:
      positive: ["It was all stuff we already knew, far too basic for us."]
    patterns: ["too basic"]
"""
SAFE = ["I was frightened every time he came to the door.", "The police took him away that night.",
        "He hit me in front of the kids.", "We ended up in a refuge for three months.",
        "I was scared to be in the same building as him.", "He threatened me on the phone.",
        "My solicitor got a non-molestation order.", "I still jump when the doorbell goes."]
RELEVANT = ["It was far too basic for where we were.", "The course came two years too late.",
            "None of it applied to our situation at all.", "We already knew everything they said.",
            "It was aimed at people who had only just split up.", "It was too basic, honestly.",
            "They covered what we had sorted out long ago.", "It didn't fit our family at all."]
OTHER = ["The hall was cold and the tea was terrible.", "It was on a Saturday morning.",
         "There were about twelve parents in the group.", "I drove there with my sister.",
         "The facilitator wore a green jumper.", "We had a break halfway through.",
         "The car park was full so I parked down the road.", "It finished at one o'clock."]
TEXTS = ["I was terrified of him and went into a refuge.", "We had three mediation sessions.",
         "It was too basic for us, we knew it all already.", "He never turned up to the session.",
         "There is a restraining order against him. I wasn't scared of the course though."]


class Bomb:
    """Unpickling this creates ``marker``: proof that a loader ran what a file held."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (pathlib.Path.touch, (self.marker,))


def bomb(marker: Path) -> bytes:
    return pickle.dumps({"coder": Bomb(marker)}, protocol=pickle.HIGHEST_PROTOCOL)


def test_the_bomb_is_live(tmp_path):
    """The crafted pickles below would create their marker if anything loaded them."""
    pickle.loads(bomb(tmp_path / "marker"))
    assert (tmp_path / "marker").exists()


def same_result(a, b) -> None:
    assert a.codes == b.codes
    assert np.array_equal(a.scores, b.scores, equal_nan=True)
    assert np.array_equal(a.decisions, b.decisions) and a.decisions.dtype == b.decisions.dtype
    assert list(a.by_source) == list(b.by_source)
    for source in a.by_source:
        assert np.array_equal(a.by_source[source], b.by_source[source], equal_nan=True), source
    assert a.rationales == b.rationales


@pytest.fixture(scope="module")
def embedder():
    return Embedder()


@pytest.fixture(scope="module")
def sample_texts():
    from qualkit.ingest import segments_from_paths

    segments, _ = segments_from_paths([ROOT / "transcripts_sample"])
    return segments.loc[segments["role"] == "respondent", "text"].tolist()


def write_mini(folder: Path, name: str = "mini") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    rows = ([(t, 1, 0) for t in SAFE] + [(t, 0, 1) for t in RELEVANT] + [(t, 0, 0) for t in OTHER])
    pd.DataFrame([{"id": f"s{i}", "text": t, "safety": s, "relevance": r}
                  for i, (t, s, r) in enumerate(rows)]).to_csv(folder / "mini_training.csv",
                                                                 index=False)
    (folder / "mini.yaml").write_text(MINI.format(name=name), encoding="utf-8")
    return folder / "mini.yaml"


@pytest.fixture(scope="module")
def mini(tmp_path_factory, embedder):
    """The small codebook, its coders trained into a template cache entry, and their results."""
    folder = tmp_path_factory.mktemp("mini")
    codebook = load_codebook(write_mini(folder))
    template = folder / "template"
    coder = trained_coder(codebook, embedder, template)
    assert coder.coders_["learned"].models_, "the training sheet gives the learned coder models"
    return codebook, template, coder.code(TEXTS)


def entry(cache_dir: Path, codebook) -> tuple[Path, Path]:
    stem = f"coder-{safe_name(codebook.name)}-{coder_key(codebook)}"
    return cache_dir / f"{stem}.json", cache_dir / f"{stem}.npz"


class Trainings:
    """Counts the coders trained while it is installed."""

    def __init__(self, monkeypatch) -> None:
        import qualkit.coding

        self.count = 0
        real = qualkit.coding.train_coder

        def counted(*args, **kwargs):
            self.count += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(qualkit.coding, "train_coder", counted)


# -- the shipped codebook: stored, loaded, identical ----------------------------------------------

@pytest.fixture(scope="module")
def shipped(tmp_path_factory, embedder):
    import time

    import qualkit.coding
    from qualkit.resources import default_codebook_path

    codebook = load_codebook(default_codebook_path())
    folder = tmp_path_factory.mktemp("coders")
    started = time.perf_counter()
    trained = trained_coder(codebook, embedder, folder)
    trained_s = time.perf_counter() - started
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(qualkit.coding, "train_coder", lambda *a, **k: pytest.fail("retrained"))
        started = time.perf_counter()
        loaded = trained_coder(codebook, embedder, folder)
        loaded_s = time.perf_counter() - started
    print(f"\ntrained in {trained_s:.1f} s, loaded in {loaded_s:.2f} s")
    return codebook, folder, trained, loaded


def test_a_stored_coder_codes_the_sample_exactly_as_the_trained_one(shipped, sample_texts):
    _, _, trained, loaded = shipped
    assert loaded is not trained
    same_result(loaded.code(sample_texts), trained.code(sample_texts))


def test_the_coder_entry_is_json_and_plain_arrays(shipped):
    codebook, folder, _, _ = shipped
    meta_path, arrays_path = entry(folder, codebook)
    assert sorted(p.name for p in folder.iterdir()) == sorted([meta_path.name, arrays_path.name])
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    assert meta["key"] == coder_key(codebook) and meta["codebook"] == "spip_plus"
    assert meta["arrays_sha256"] == hashlib.sha256(arrays_path.read_bytes()).hexdigest()
    with np.load(arrays_path, allow_pickle=False) as arrays:
        kinds = {arrays[name].dtype.kind for name in arrays.files}
    assert kinds <= {"f", "i"}, kinds


def test_rebuilt_estimators_predict_exactly_what_the_fitted_ones_did(shipped, sample_texts):
    _, _, trained, loaded = shipped
    fitted, rebuilt = trained.coders_["learned"], loaded.coders_["learned"]
    texts = sample_texts[:80]
    words, again = fitted.vectorizer_.transform(texts), rebuilt.vectorizer_.transform(texts)
    assert (words != again).nnz == 0 and words.dtype == again.dtype
    assert list(fitted.vectorizer_.get_feature_names_out()) == list(
        rebuilt.vectorizer_.get_feature_names_out())
    features = fitted._features(texts)
    assert list(fitted.models_) == list(rebuilt.models_)
    for code_id, model in fitted.models_.items():
        other = rebuilt.models_[code_id]
        assert np.array_equal(model.predict_proba(features), other.predict_proba(features))
        assert np.array_equal(model.predict(features), other.predict(features))
    assert np.array_equal(fitted.oof_proba_, rebuilt.oof_proba_, equal_nan=True)
    semantic = loaded.coders_["semantic"]
    assert np.array_equal(semantic._vectors, trained.coders_["semantic"]._vectors)


# -- crafted and damaged coder entries --------------------------------------------------------------

def _consistent(meta_path: Path, arrays_path: Path, data: bytes, edit=None) -> None:
    """Write ``data`` as the entry's arrays and a JSON that names their hash (a careful forger)."""
    arrays_path.write_bytes(data)
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["arrays_sha256"] = hashlib.sha256(data).hexdigest()
    if edit:
        edit(meta)
    meta_path.write_text(json.dumps(meta), encoding="utf-8")


def _npz(arrays: dict, allow_pickle: bool = False) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, allow_pickle=allow_pickle, **arrays)
    return buffer.getvalue()


def _real_arrays(arrays_path: Path) -> dict:
    with np.load(arrays_path, allow_pickle=False) as kept:
        return {name: kept[name] for name in kept.files}


def plant_pickles(meta, arrays, marker):
    meta.write_bytes(bomb(marker))
    arrays.write_bytes(bomb(marker))


def plant_pickle_arrays(meta, arrays, marker):
    _consistent(meta, arrays, bomb(marker))


def plant_object_array(meta, arrays, marker):
    real = _real_arrays(arrays)
    real["learned.coef"] = np.array([Bomb(marker), 1.0], dtype=object)
    _consistent(meta, arrays, _npz(real, allow_pickle=True))


def plant_garbage(meta, arrays, marker):
    meta.write_bytes(b"\x00\xff garbage {" * 50)
    arrays.write_bytes(b"PK\x03\x04 not really a zip" * 50)


def plant_truncated_json(meta, arrays, marker):
    text = meta.read_text(encoding="utf-8")
    meta.write_text(text[:len(text) // 2], encoding="utf-8")


def plant_truncated_arrays(meta, arrays, marker):
    data = arrays.read_bytes()
    _consistent(meta, arrays, data[:len(data) // 2])


def plant_wrong_shape(meta, arrays, marker):
    real = _real_arrays(arrays)
    real["learned.coef"] = real["learned.coef"][:, :-1]
    _consistent(meta, arrays, _npz(real))


def plant_wrong_dtype(meta, arrays, marker):
    real = _real_arrays(arrays)
    real["semantic.vectors"] = real["semantic.vectors"].astype(np.float64)
    _consistent(meta, arrays, _npz(real))


def plant_bad_values(meta, arrays, marker):
    def edit(value):
        value["coder"]["thresholds"]["safety"] = "0.5"
        value["coder"]["coders"]["semantic"]["params"]["k"] = 3.5
    _consistent(meta, arrays, arrays.read_bytes(), edit)


def plant_index_out_of_range(meta, arrays, marker):
    real = _real_arrays(arrays)
    real["semantic.own.0"] = real["semantic.own.0"] + 10_000
    _consistent(meta, arrays, _npz(real))


def plant_pair_mismatch(meta, arrays, marker):
    real = _real_arrays(arrays)
    real["learned.intercept"] = real["learned.intercept"] + 1.0
    arrays.write_bytes(_npz(real))  # the JSON still names the old arrays' hash


def plant_other_key(meta, arrays, marker):
    value = json.loads(meta.read_text(encoding="utf-8"))
    value["key"] = "0" * 16
    meta.write_text(json.dumps(value), encoding="utf-8")


def plant_old_pickle(meta, arrays, marker):
    meta.unlink()
    arrays.unlink()
    meta.with_suffix(".pkl").write_bytes(bomb(marker))  # what qualkit kept before


@pytest.mark.parametrize("plant", [
    plant_pickles, plant_pickle_arrays, plant_object_array, plant_garbage, plant_truncated_json,
    plant_truncated_arrays, plant_wrong_shape, plant_wrong_dtype, plant_bad_values,
    plant_index_out_of_range, plant_pair_mismatch, plant_other_key, plant_old_pickle])
def test_a_crafted_or_damaged_coder_entry_is_ignored_and_rebuilt(plant, mini, embedder, tmp_path,
                                                                 monkeypatch):
    codebook, template, clean = mini
    folder, marker = tmp_path / "cache", tmp_path / "marker"
    folder.mkdir()
    meta, arrays = entry(folder, codebook)
    for kept in entry(template, codebook):
        (folder / kept.name).write_bytes(kept.read_bytes())
    plant(meta, arrays, marker)
    trainings = Trainings(monkeypatch)
    coder = trained_coder(codebook, embedder, folder)
    assert not marker.exists(), "a loader ran what the entry held"
    assert trainings.count == 1, "the damaged entry was not ignored"
    same_result(coder.code(TEXTS), clean)
    again = trained_coder(codebook, embedder, folder)  # and the entry was rewritten whole
    assert trainings.count == 1
    same_result(again.code(TEXTS), clean)


def test_a_coder_loaded_in_a_new_process_codes_the_same(mini, tmp_path):
    codebook, template, clean = mini
    script = ("import json, sys; from pathlib import Path; import qualkit.coding as c; "
              "from qualkit.cache import trained_coder; from qualkit.embeddings import Embedder\n"
              "c.train_coder = lambda *a, **k: sys.exit('retrained')\n"
              f"coder = trained_coder(c.load_codebook({codebook.path!r}), Embedder(), "
              f"Path({str(template)!r}))\n"
              f"r = coder.code({TEXTS!r})\n"
              "print(json.dumps([r.scores.tolist(), r.decisions.tolist(), "
              "{k: v.tolist() for k, v in r.by_source.items()}, r.rationales]))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    scores, decisions, by_source, rationales = json.loads(done.stdout.strip().splitlines()[-1])
    assert np.array_equal(np.array(scores), clean.scores)  # JSON keeps a float's every bit
    assert np.array_equal(np.array(decisions), clean.decisions)
    for source, values in by_source.items():
        assert np.array_equal(np.array(values, dtype=float), clean.by_source[source],
                              equal_nan=True)
    assert rationales == clean.rationales


# -- keys --------------------------------------------------------------------------------------------

def test_the_fingerprint_covers_qualkits_code_and_the_libraries(monkeypatch):
    """Computed afresh (``__wrapped__``) rather than by clearing the memo, which would change the
    keys of entries other tests of this session made."""
    import importlib.metadata

    fresh = cache.code_fingerprint.__wrapped__
    assert re.fullmatch(r"[0-9a-f]{64}", code_fingerprint()) and code_fingerprint() is code_fingerprint()
    base = fresh()
    real = importlib.metadata.version
    monkeypatch.setattr(importlib.metadata, "version",
                        lambda name: "0.0.1" if name == "scikit-learn" else real(name))
    assert fresh() != base
    monkeypatch.undo()
    real_read = Path.read_bytes
    target = Path(cache.__file__).resolve()
    monkeypatch.setattr(Path, "read_bytes",
                        lambda self: real_read(self) + (b"#" if self == target else b""))
    assert fresh() != base


def test_a_changed_fingerprint_or_sheet_is_another_key_and_trains_afresh(mini, embedder, tmp_path,
                                                                        monkeypatch):
    from qualkit.privacy.detect import Detector

    codebook, template, clean = mini
    folder = tmp_path / "cache"
    folder.mkdir()
    for kept in entry(template, codebook):
        (folder / kept.name).write_bytes(kept.read_bytes())
    trainings = Trainings(monkeypatch)
    trained_coder(codebook, embedder, folder)
    assert trainings.count == 0  # the same code and sheets: reused
    key, topics, policy = coder_key(codebook), topics_key(pd.DataFrame({"a": [1]})), \
        Detector().policy_key()
    monkeypatch.setattr(cache, "code_fingerprint", lambda: "another version of qualkit")
    assert coder_key(codebook) != key
    assert topics_key(pd.DataFrame({"a": [1]})) != topics
    assert Detector().policy_key() != policy
    trained_coder(codebook, embedder, folder)
    assert trainings.count == 1 and len(list(folder.glob("coder-*.npz"))) == 2
    monkeypatch.undo()
    trainings = Trainings(monkeypatch)

    sheet = Path(codebook.training[0][0])
    moved = tmp_path / "moved"
    write_mini(moved)  # the same sheets elsewhere: the same key
    assert coder_key(load_codebook(moved / "mini.yaml")) == key
    (moved / "mini_training.csv").write_text(
        sheet.read_text(encoding="utf-8").replace(",1,0\n", ",0,0\n", 1), encoding="utf-8")
    changed = load_codebook(moved / "mini.yaml")
    assert coder_key(changed) != key
    assert coder_key(codebook, train=[moved / "mini_training.csv"]) != key
    assert coder_key(codebook, use_codebook_training=False) != key
    trained_coder(changed, embedder, folder)
    assert trainings.count == 1


def test_safe_name_keeps_cache_paths_inside_the_cache(mini, embedder, tmp_path):
    assert safe_name("../../etc/x") == "etc_x"
    assert safe_name("") == safe_name("/../..") == "unnamed"
    assert len(safe_name("a" * 500)) <= cache.NAME_LENGTH
    assert re.fullmatch(r"[A-Za-z0-9_-]+", safe_name("Études ✓ <script> ../ \x00 ;rm -rf"))
    codebook = load_codebook(write_mini(tmp_path / "book", name="../../escaped"))
    folder = tmp_path / "deep" / "cache"
    trained_coder(codebook, embedder, folder)
    written = sorted(p for p in tmp_path.rglob("*") if p.is_file() and "book" not in p.parts)
    assert written and all(p.parent == folder for p in written), written
    assert {p.name.split("-")[1] for p in written} == {"escaped"}
    assert memo_path(folder, "ab12") == folder / "codings-ab12.sqlite"
    with pytest.raises(ValueError):
        memo_path(folder, "../x")


def test_the_shared_cache_dir_is_the_users_unless_it_cannot_be_written(tmp_path, monkeypatch):
    monkeypatch.delenv("QUALKIT_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home-cache"))
    assert shared_cache_dir(tmp_path / "out") == tmp_path / "home-cache" / "qualkit"
    (tmp_path / "blocked").write_text("a file where the folder should be")
    monkeypatch.setenv("QUALKIT_CACHE_DIR", str(tmp_path / "blocked" / "qualkit"))
    assert shared_cache_dir(tmp_path / "out") == tmp_path / "out" / ".cache"


# -- the memo of coded texts ------------------------------------------------------------------------

@pytest.fixture
def mini_coder(mini, embedder, monkeypatch):
    """The mini coders, from their entry, counting the texts they are asked to code."""
    codebook, template, clean = mini
    coder = trained_coder(codebook, embedder, template)
    coder.asked = []
    real = coder.code
    coder.code = lambda texts: coder.asked.extend(texts) or real(texts)
    return coder, clean


def test_the_memo_gives_back_exactly_what_was_coded(mini_coder, tmp_path):
    coder, clean = mini_coder
    path = memo_path(tmp_path, "ab12")
    first = MemoCoder(coder, path)
    same_result(first.code(TEXTS), clean)
    first.close()
    asked = len(coder.asked)
    again = MemoCoder(coder, path)
    same_result(again.code(TEXTS), clean)
    assert len(coder.asked) == asked, "every text came from the memo"
    kinds = again._conn.execute("SELECT typeof(scores), typeof(decisions), typeof(by_source), "
                                "typeof(sources), typeof(rationales) FROM coded").fetchall()
    assert set(kinds) == {("blob", "blob", "blob", "text", "text")}
    again.close()


def _old_layout_with_bomb(path: Path, marker: Path) -> None:
    with sqlite3.connect(path) as conn:  # the layout qualkit used to write: pickled rows
        conn.execute("CREATE TABLE coded (text_hash TEXT PRIMARY KEY, row BLOB NOT NULL)")
        conn.executemany("INSERT INTO coded VALUES (?, ?)",
                         [(text_hash(t), bomb(marker)) for t in TEXTS])


def _bad_rows(path: Path, marker: Path) -> None:
    from qualkit.coding.memo import COLUMNS, _CREATE

    with sqlite3.connect(path) as conn:
        conn.execute(_CREATE)
        width = 3  # the mini codebook's codes
        good = [b"\x00" * 8 * width, b"\x00" * width, b"\x00" * 8 * 3 * width,
                '["rule","semantic","learned"]', "{}"]
        rows = [[b"\x00" * (8 * width - 1)] + good[1:],         # scores one byte short
                good[:4] + ["{not json"],                       # reasons truncated
                good[:3] + [bomb(marker), "{}"],                # a pickle as the coders' names
                good[:1] + [b"\x02" * width] + good[2:],        # a decision that is not 0/1
                good[:2] + [b"\x00" * 8 * 2 * width, '["rule","semantic"]', "{}"]]  # other coders
        conn.executemany(f"INSERT INTO coded ({', '.join(COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?)",
                         [(text_hash(t), *row) for t, row in zip(TEXTS, rows)])


def _not_a_database(path: Path, marker: Path) -> None:
    path.write_bytes(b"this is not SQLite" * 100)


def _pickle_file(path: Path, marker: Path) -> None:
    path.write_bytes(bomb(marker))


def _truncated_database(path: Path, marker: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE filler (x)")
        conn.executemany("INSERT INTO filler VALUES (?)", [("x" * 500,)] * 200)
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 3])


@pytest.mark.parametrize("plant", [_old_layout_with_bomb, _bad_rows, _not_a_database,
                                   _pickle_file, _truncated_database])
def test_a_crafted_or_damaged_memo_is_coded_again(plant, mini_coder, tmp_path):
    coder, clean = mini_coder
    path, marker = memo_path(tmp_path, "ab12"), tmp_path / "marker"
    plant(path, marker)
    memo = MemoCoder(coder, path)
    same_result(memo.code(TEXTS), clean)
    assert not marker.exists(), "a loader ran what the memo held"
    assert sorted(coder.asked) == sorted(TEXTS), "every planted row was coded again"
    memo.close()
    again = MemoCoder(coder, path)  # and what was coded again is now kept
    same_result(again.code(TEXTS), clean)
    assert len(coder.asked) == len(TEXTS)
    again.close()


# -- the privacy gate's findings ----------------------------------------------------------------------

FINDING_TEXTS = ["My ex, John Smith, still lives at 14 Acacia Avenue, Bristol BS1 4ND.",
                 "We met at the family court.", "Call me on 07700 900123 any time."]


@pytest.fixture(scope="module")
def findings():
    from qualkit.privacy.detect import Detector

    return Detector().find_many(FINDING_TEXTS)


def test_findings_are_kept_as_json_and_found_again_without_parsing(findings, tmp_path,
                                                                   monkeypatch):
    from qualkit.privacy.detect import Detector

    detector = Detector()
    save = remember_findings(detector, tmp_path)
    assert detector.find_many(FINDING_TEXTS) == findings and findings[0] and findings[2]
    save()
    path = tmp_path / f"privacy-{detector.policy_key()}.json"
    kept = json.loads(path.read_text(encoding="utf-8"))
    assert set(kept["findings"]) == {text_hash(t) for t in FINDING_TEXTS}  # not the texts
    later = Detector()
    remember_findings(later, tmp_path)
    parsed = []
    monkeypatch.setattr("qualkit.privacy.detect.english_pipeline", lambda: SimpleNamespace(
        pipe=lambda texts, **kw: parsed.extend(texts) or iter(())))
    assert later.find_many(FINDING_TEXTS) == findings and parsed == []
    assert remember_findings(None, tmp_path)() is None  # the gate is off: nothing kept


@pytest.mark.parametrize("content", [
    "pickle", b"\x80\x04 garbage \xff", '{"format": "qualkit-findings/1", "findings": {"ab',
    '{"format": "qualkit-findings/1", "findings": {"%s": [["0", 4, "John", "person", "x"]]}}'
    % ("a" * 40),
    '{"format": "qualkit-findings/1", "findings": {"../x": []}}', "[1, 2, 3]"])
def test_a_crafted_or_damaged_findings_file_is_an_empty_memory(content, findings, tmp_path):
    from qualkit.privacy.detect import Detector

    detector, marker = Detector(), tmp_path / "marker"
    path = tmp_path / f"privacy-{detector.policy_key()}.json"
    path.write_bytes(bomb(marker) if content == "pickle" else
                     content if isinstance(content, bytes) else content.encode())
    save = remember_findings(detector, tmp_path)
    assert detector.memory == {} and not marker.exists()
    assert detector.find_many(FINDING_TEXTS) == findings
    save()  # the next save replaces it
    assert set(json.loads(path.read_text(encoding="utf-8"))["findings"]) == {
        text_hash(t) for t in FINDING_TEXTS}


# -- topics ------------------------------------------------------------------------------------------

THEMES = ["safety", "relevance"]


def fake_fit(segments: pd.DataFrame, cases: pd.DataFrame, coded: pd.DataFrame):
    """A TopicResult made by the same code as fit_topics's tables, less BERTopic (a fit of the
    sample takes minutes): topics by a hash of the text, coordinates by PCA of float32 vectors."""
    from qualkit.topics import (TopicResult, _attributions, _map_coordinates, crosstab,
                                emergent_topics)

    texts = segments["text"].tolist()
    assigned = np.array([int(hashlib.sha1(t.encode()).hexdigest(), 16) % 4 - 1 for t in texts])
    segment_topics = segments[["segment_id", "case", "speaker"]].assign(
        topic=assigned, attribution=_attributions(segments, cases), text=texts)
    rows = []
    for topic in sorted(set(assigned)):
        members = segment_topics[segment_topics["topic"] == topic]
        rows.append({"topic": topic, "size": len(members), "label": f"Topic {topic}",
                     "top_words": "court, mediation", "example_1": members["text"].iloc[0],
                     "example_1_case": members["case"].iloc[0], "example_2": ""})
    topics = pd.DataFrame(rows)
    by_code = crosstab(segment_topics, coded, THEMES)
    emergent = emergent_topics(topics, by_code, segment_topics, THEMES)
    vectors = np.random.default_rng(0).normal(size=(len(texts), 8)).astype(np.float32)
    return TopicResult(object(), topics, segment_topics, by_code, emergent,
                       _map_coordinates(vectors))


@pytest.fixture(scope="module")
def topic_inputs():
    from qualkit.ingest import segments_from_paths

    sample = ROOT / "transcripts_sample"
    segments, _ = segments_from_paths([sample], cases=sample / "cases.csv")
    segments = segments[segments.role == "respondent"].reset_index(drop=True)
    cases = pd.read_csv(sample / "cases.csv")
    coded = segments[["segment_id"]].assign(
        safety=segments["text"].str.contains("scared|police|safe").astype(int),
        relevance=segments["text"].str.contains("basic|late").astype(int))
    clean = fake_fit(segments, cases, coded)
    assert clean.emergent is not None and len(clean.emergent) and clean.coordinates.dtype == "f4"
    return segments, cases, coded, clean


def test_kept_topics_write_the_same_outputs_byte_for_byte(topic_inputs, tmp_path):
    from qualkit.privacy import PrivacyGate
    from qualkit.topics import write_topic_outputs

    segments, cases, coded, clean = topic_inputs
    key = topics_key(segments[["segment_id", "case", "speaker", "text"]], cases, coded)
    fresh = cached_topics(tmp_path, key, lambda: fake_fit(segments, cases, coded))
    assert fresh.model is None
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"topics-{key}.json",
                                                          f"topics-{key}.npy"]
    kept = cached_topics(tmp_path, key, lambda: pytest.fail("fitted again"))
    for name in ("topics", "segment_topics", "topic_by_code", "emergent"):
        pd.testing.assert_frame_equal(getattr(kept, name), getattr(clean, name), check_exact=True)
        assert getattr(kept, name).dtypes.to_dict() == getattr(clean, name).dtypes.to_dict()
    assert np.array_equal(kept.coordinates, clean.coordinates)
    assert kept.coordinates.dtype == clean.coordinates.dtype
    gate = PrivacyGate(mode="off")
    write_topic_outputs(fresh, tmp_path / "fresh", gate, cases)
    write_topic_outputs(kept, tmp_path / "kept", gate, cases)
    uuid = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
    for path in sorted((tmp_path / "fresh").iterdir()):
        one, other = path.read_bytes(), (tmp_path / "kept" / path.name).read_bytes()
        if path.suffix == ".html":  # plotly names each figure's element afresh every time
            one, other = uuid.sub(b"", one), uuid.sub(b"", other)
        assert one == other, path.name


def _topics_json(stem: Path, edit) -> None:
    meta = json.loads(stem.with_suffix(".json").read_text(encoding="utf-8"))
    edit(meta)
    stem.with_suffix(".json").write_text(json.dumps(meta), encoding="utf-8")


def _topics_arrays(stem: Path, data: bytes) -> None:
    stem.with_suffix(".npy").write_bytes(data)
    _topics_json(stem, lambda meta: meta.update(coordinates_sha256=hashlib.sha256(data).hexdigest()))


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=True)
    return buffer.getvalue()


def _object_npy(marker: Path) -> bytes:
    return _npy(np.array([Bomb(marker), 1.0], dtype=object))


TOPIC_PLANTS = {
    "pickle json": lambda stem, m: stem.with_suffix(".json").write_bytes(bomb(m)),
    "pickle npy": lambda stem, m: _topics_arrays(stem, bomb(m)),
    "object npy": lambda stem, m: _topics_arrays(stem, _object_npy(m)),
    "garbage": lambda stem, m: (stem.with_suffix(".json").write_bytes(b"\xff\x00{" * 99),
                                stem.with_suffix(".npy").write_bytes(b"\x93NUMPY garbage")),
    "truncated json": lambda stem, m: stem.with_suffix(".json").write_text(
        stem.with_suffix(".json").read_text(encoding="utf-8")[:500], encoding="utf-8"),
    "bad dtype": lambda stem, m: _topics_json(
        stem, lambda meta: meta["tables"]["topics"]["columns"][0].__setitem__(1, "category")),
    "ragged column": lambda stem, m: _topics_json(
        stem, lambda meta: meta["tables"]["segment_topics"]["columns"][0][2].pop()),
    "nested value": lambda stem, m: _topics_json(
        stem, lambda meta: meta["tables"]["emergent"]["columns"][2][2].__setitem__(0, {"x": 1})),
    "wrong coordinates": lambda stem, m: _topics_arrays(stem, _npy(np.zeros((3, 2)))),
    "other key": lambda stem, m: _topics_json(stem, lambda meta: meta.update(key="0" * 16)),
}


@pytest.mark.parametrize("name", list(TOPIC_PLANTS))
def test_crafted_or_damaged_topics_are_fitted_again(name, topic_inputs, tmp_path):
    segments, cases, coded, clean = topic_inputs
    key, marker = topics_key(segments, cases), tmp_path / "marker"
    cached_topics(tmp_path, key, lambda: fake_fit(segments, cases, coded))
    TOPIC_PLANTS[name](tmp_path / f"topics-{key}", marker)
    fits = []
    result = cached_topics(tmp_path, key, lambda: fits.append(1) or fake_fit(segments, cases, coded))
    assert not marker.exists(), "a loader ran what the entry held"
    assert fits == [1], "the damaged entry was not ignored"
    pd.testing.assert_frame_equal(result.topics, clean.topics, check_exact=True)
    assert np.array_equal(result.coordinates, clean.coordinates)
    kept = cached_topics(tmp_path, key, lambda: pytest.fail("not rewritten"))
    pd.testing.assert_frame_equal(kept.segment_topics, clean.segment_topics, check_exact=True)
