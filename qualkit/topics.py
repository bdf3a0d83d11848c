"""Topic models (BERTopic) over respondent segments, tied back to the codebook.

A codebook finds what the researchers expected; topics show what else people talked about. BERTopic
clusters the segments' embeddings (the same cached all-MiniLM-L6-v2 vectors the coders use), names
each cluster by its distinctive words (c-TF-IDF), and qualkit then sets the clusters beside the
codes: a topic that no code covers well is a candidate new code.

Reproducible: UMAP is seeded, HDBSCAN is deterministic, and the cluster size grows with the corpus
so that 25 interviews (about 1,000 segments) and a handful of focus groups both give usable topics.
HDBSCAN selects "leaf" clusters: interview answers about one programme are one dense cloud, and the
default "excess of mass" selection returns it as a single topic.
"""

from __future__ import annotations

import math
import re
import warnings
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

from .embeddings import Embedder
from .errors import Errors, QualkitError

MIN_SEGMENTS = 30
#: Interview filler: frequent in every interview, distinctive of none. A study adds the words of
#: its own placeholders ("[ex-partner]", "[older son]") in its codebook's ``topic_stop_words``.
DOMAIN_STOP_WORDS = frozenset("""
yeah yes yep no nope erm er um uh ah oh mm mmm hmm okay ok right well like just really actually
basically literally honestly obviously know mean sort kind bit lot lots thing things stuff way
think thought say said says saying got get gets getting go goes going gone went come came coming
want wanted gonna wanna dunno suppose probably maybe quite pretty sure little good time did does
don didn doesn isn wasn weren couldn wouldn shouldn ve ll re
thats youre dont didnt doesnt im ive id ill hes shes theyre theyve weve wed wasnt isnt cant couldnt
wouldnt shouldnt arent werent theres whats youve youd itll itd lets
hed thered theyll shed theyd wed hadnt havent wont youll ive
""".split())
_PLACEHOLDER = re.compile(r"\[[^\[\]]{1,40}\]")  # BERTopic strips brackets first: see stop words
COVERAGE_FOR_CODED = 0.4  # a topic is "covered" when this share of its segments carries one code
#: From 4,096 segments umap finds neighbours with pynndescent's ``nn_descent``, which numba cannot
#: keep in its cache: every new process compiled it (about 15 s on 2 cores) before using it. Up to
#: ``EXACT_NEIGHBOURS_UP_TO`` segments qualkit gives umap the exact neighbours instead
#: (:func:`exact_neighbours`: 0.4 s at 6,000 segments, growing with the square); above that the
#: compilation is the smaller cost (exact took 41 s at 60,000).
APPROXIMATE_FROM = 4096
EXACT_NEIGHBOURS_UP_TO = 30_000
NEIGHBOUR_ROWS = 256  # rows compared with the whole corpus at once: bounds the memory it takes


@dataclass
class TopicResult:
    """Everything ``qualkit topics`` writes, as DataFrames, plus the fitted BERTopic model."""

    model: object
    topics: pd.DataFrame
    segment_topics: pd.DataFrame
    topic_by_code: pd.DataFrame | None
    emergent: pd.DataFrame | None
    coordinates: np.ndarray       # 2-D positions of the segments, for the map


def stop_words(extra=()) -> list[str]:
    """English stop words, interview filler and a study's ``extra`` words."""
    return sorted(ENGLISH_STOP_WORDS | DOMAIN_STOP_WORDS | set(extra))


def _strip_placeholders(text: str) -> str:
    return _PLACEHOLDER.sub(" ", text.lower())


def cluster_size(n_segments: int) -> int:
    """HDBSCAN's smallest cluster: about half the square root of the corpus, at least 5."""
    return max(5, round(math.sqrt(n_segments) / 2))


def exact_neighbours(vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(indices, cosine distances) of each row's ``k`` nearest rows, itself included, nearest
    first (ties by row order): umap's ``precomputed_knn`` for L2-normalised ``vectors``."""
    vectors = np.asarray(vectors, dtype=np.float32)
    indices = np.empty((len(vectors), k), dtype=np.int32)
    distances = np.empty((len(vectors), k), dtype=np.float32)
    for start in range(0, len(vectors), NEIGHBOUR_ROWS):
        similarity = vectors[start:start + NEIGHBOUR_ROWS] @ vectors.T
        nearest = np.argpartition(-similarity, k - 1, axis=1)[:, :k]
        nearest.sort(axis=1)  # row order first, so that the stable sort below breaks ties by it
        closeness = np.take_along_axis(similarity, nearest, axis=1)
        order = np.argsort(-closeness, axis=1, kind="stable")
        indices[start:start + NEIGHBOUR_ROWS] = np.take_along_axis(nearest, order, axis=1)
        distances[start:start + NEIGHBOUR_ROWS] = 1 - np.take_along_axis(closeness, order, axis=1)
    return indices, np.maximum(distances, 0)


def separate_duplicates(vectors: np.ndarray, seed: int) -> np.ndarray:
    """The vectors, with each repeat of an earlier one (segments that read alike: "Yes.") moved a
    hair from it (about 0.0002 in cosine distance), seeded.

    Identical vectors can form a component of UMAP's graph on their own, a clique. Its spectral
    layout asks ARPACK for a degenerate eigenvalue's eigenvectors starting from a vector that spans
    an invariant subspace, and ARPACK then restarts from a random vector of its own: the layout,
    and so the topics, differed between identical runs (the 10x benchmark corpus)."""
    vectors = np.array(vectors, dtype=np.float32)
    _, first = np.unique(vectors, axis=0, return_index=True)
    repeats = np.setdiff1d(np.arange(len(vectors)), first)
    if len(repeats):
        nudge = np.random.default_rng(seed).normal(scale=1e-3, size=(len(repeats), vectors.shape[1]))
        moved = vectors[repeats] + nudge.astype(np.float32)
        vectors[repeats] = moved / np.linalg.norm(moved, axis=1, keepdims=True)
    return vectors


def build_model(n_segments: int, n_topics: int | str = "auto", seed: int = 42,
                embeddings: np.ndarray | None = None, extra_stop_words: Sequence[str] = ()):
    """A BERTopic configured for interview segments; shared by qualkit and its benchmark. Given
    the ``embeddings`` of a corpus umap would approximate but not too large to search exactly,
    its UMAP gets their exact neighbours."""
    from bertopic import BERTopic
    from hdbscan import HDBSCAN
    from umap import UMAP

    from .compiled import cache_compilations
    from .tuning import current

    if current().compiled_cache is not None:  # the command line's opt-in (qualkit.tuning)
        cache_compilations()
    neighbours = min(15, n_segments - 1)
    known = (None, None, None)
    if embeddings is not None and APPROXIMATE_FROM <= len(embeddings) <= EXACT_NEIGHBOURS_UP_TO:
        known = exact_neighbours(embeddings, neighbours)
    reducer = UMAP(n_neighbors=neighbours, n_components=5, min_dist=0.0, metric="cosine",
                   random_state=seed, low_memory=True, precomputed_knn=known)
    clusterer = HDBSCAN(min_cluster_size=cluster_size(n_segments), min_samples=3,
                        metric="euclidean", cluster_selection_method="leaf", prediction_data=True)
    vectorizer = CountVectorizer(stop_words=stop_words(extra_stop_words), ngram_range=(1, 2),
                                 min_df=2 if n_segments >= 60 else 1,
                                 preprocessor=_strip_placeholders,
                                 token_pattern=r"(?u)\b[a-z][a-z']{2,}\b")
    return BERTopic(umap_model=reducer, hdbscan_model=clusterer, vectorizer_model=vectorizer,
                    nr_topics=None if n_topics == "auto" else int(n_topics) + 1,
                    calculate_probabilities=False, verbose=False)


def fit_topics(segments: pd.DataFrame, embedder: Embedder | None = None,
               n_topics: int | str = "auto", seed: int = 42, cases: pd.DataFrame | None = None,
               coded: pd.DataFrame | None = None, themes: Sequence[str] = (),
               stop_words: Sequence[str] = ()) -> TopicResult:
    """Fit topics on a segments table (segment_id, case, speaker, text).

    ``cases`` (case, role, area, ...) gives attributions; ``coded`` (segment_id + 0/1 columns named
    in ``themes``) ties topics to the codebook; ``stop_words`` are the study's words that name no
    topic (its codebook's ``topic_stop_words``).
    """
    if len(segments) < MIN_SEGMENTS:
        raise QualkitError(Errors.E080, found=len(segments), needed=MIN_SEGMENTS)
    segments = segments.reset_index(drop=True)
    texts = segments["text"].tolist()
    embeddings = (embedder or Embedder()).encode(texts)
    apart = separate_duplicates(embeddings, seed)
    model = build_model(len(texts), n_topics, seed, apart, stop_words)
    with warnings.catch_warnings():  # qualkit never maps new segments into a fitted model
        warnings.filterwarnings("ignore", r"precomputed_knn\[2\] \(knn_search_index\)")
        assigned, _ = model.fit_transform(texts, apart)
    assigned = np.asarray(assigned)
    attribution = _attributions(segments, cases)
    segment_topics = segments[["segment_id", "case", "speaker"]].assign(
        topic=assigned, attribution=attribution, text=texts)
    topics = _topic_table(model, segment_topics)
    topic_by_code = emergent = None
    if coded is not None and themes:
        topic_by_code = crosstab(segment_topics, coded, themes)
        emergent = emergent_topics(topics, topic_by_code, segment_topics, themes)
    return TopicResult(model, topics, segment_topics, topic_by_code, emergent,
                       _map_coordinates(embeddings))


def _attributions(segments: pd.DataFrame, cases: pd.DataFrame | None) -> list[str]:
    """'(Mother, Area B)' from the case's role and area, where known."""
    if cases is None or cases.empty:
        return [""] * len(segments)
    from .attribution import DEFAULT_TEMPLATE, attribute

    lookup = cases.set_index("case").to_dict("index")
    return [attribute(DEFAULT_TEMPLATE, lookup[case]) if case in lookup else ""
            for case in segments["case"]]


def label_for(words: list[str]) -> str:
    """A short readable label from the top keywords: 'Mediation cost / legal aid'."""
    picked: list[str] = []
    for word in words:
        if not any(word in p or p in word for p in picked):
            picked.append(word)
        if len(picked) == 3:
            break
    return " / ".join(picked).capitalize() if picked else "(no keywords)"


def _topic_table(model, segment_topics: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for topic in sorted(set(segment_topics["topic"])):
        words = [w for w, _ in (model.get_topic(topic) or []) if w][:10]  # BERTopic pads with ""
        members = segment_topics[segment_topics["topic"] == topic]
        representative = model.get_representative_docs(topic) if topic != -1 else []
        examples = []
        for text in (representative or members["text"].tolist())[:3]:
            match = members[members["text"] == text].iloc[0]
            examples.append((text, match["case"], match["attribution"], match["segment_id"]))
        row = {"topic": topic, "size": len(members),
               "label": "Outliers (no topic)" if topic == -1 else label_for(words),
               "top_words": ", ".join(words)}
        for i in range(3):
            text, case, attribution, segment_id = examples[i] if i < len(examples) else ("",) * 4
            row.update({f"example_{i + 1}": text, f"example_{i + 1}_case": case,
                        f"example_{i + 1}_attribution": attribution,
                        f"example_{i + 1}_segment": segment_id})
        rows.append(row)
    return pd.DataFrame(rows)


def crosstab(segment_topics: pd.DataFrame, coded: pd.DataFrame, themes: Sequence[str]
             ) -> pd.DataFrame:
    """Per topic: its size, how many of its segments carry each theme, and how many carry none."""
    key = "segment_id" if "segment_id" in coded.columns else "id"
    flags = coded.set_index(key)[list(themes)].apply(pd.to_numeric, errors="coerce").fillna(0)
    joined = segment_topics[["segment_id", "topic"]].join(flags, on="segment_id").fillna(0)
    table = joined.groupby("topic")[list(themes)].sum().astype(int)
    table.insert(0, "segments", joined.groupby("topic").size())
    table["no_code"] = joined.assign(any=joined[list(themes)].sum(axis=1) > 0).groupby("topic")[
        "any"].apply(lambda s: int((~s).sum()))
    return table.reset_index()


def emergent_topics(topics: pd.DataFrame, by_code: pd.DataFrame, segment_topics: pd.DataFrame,
                    themes: Sequence[str]) -> pd.DataFrame:
    """Topics that no code covers well (best code on under 40% of segments): candidate codes."""
    rows = []
    for row in by_code.itertuples(index=False):
        if row.topic == -1:
            continue
        counts = {t: getattr(row, t) for t in themes}
        best = max(counts, key=counts.get)
        coverage = counts[best] / row.segments if row.segments else 0.0
        if coverage >= COVERAGE_FOR_CODED:
            continue
        info = topics.set_index("topic").loc[row.topic]
        members = segment_topics[segment_topics["topic"] == row.topic]
        rows.append({"topic": row.topic, "size": row.segments, "label": info["label"],
                     "best_code": best, "best_code_share": round(coverage, 3),
                     "suggested_keywords": info["top_words"],
                     "example_segments": " | ".join(members["segment_id"].head(5))})
    return pd.DataFrame(rows, columns=["topic", "size", "label", "best_code", "best_code_share",
                                       "suggested_keywords", "example_segments"])


def _map_coordinates(embeddings: np.ndarray) -> np.ndarray:
    """2-D positions for the interactive map: PCA, fast and deterministic (UMAP twice costs more)."""
    from sklearn.decomposition import PCA

    return PCA(n_components=2, random_state=0).fit_transform(embeddings)


def topic_map_html(result: TopicResult) -> str:
    """A self-contained interactive map (plotly, no network): one dot per segment."""
    import plotly.express as px

    frame = result.segment_topics.assign(x=result.coordinates[:, 0], y=result.coordinates[:, 1])
    labels = result.topics.set_index("topic")["label"]
    frame["topic_label"] = [f"{t}: {labels.get(t, '')}" for t in frame["topic"]]
    frame["snippet"] = frame["text"].str.slice(0, 160)
    figure = px.scatter(frame, x="x", y="y", color="topic_label",
                        hover_data={"case": True, "snippet": True, "x": False, "y": False},
                        title="Topics of respondent segments")
    return figure.to_html(include_plotlyjs=True, full_html=True)


def role_chart_png(result: TopicResult, cases: pd.DataFrame | None) -> bytes:
    """A static bar chart of segments per topic, stacked by respondent role, as PNG bytes."""
    from .charts import bar_chart_png

    roles = (cases.set_index("case")["role"].to_dict()
             if cases is not None and "role" in cases.columns else {})
    frame = result.segment_topics.assign(role=[roles.get(c, "unknown") or "unknown"
                                               for c in result.segment_topics["case"]])
    table = pd.crosstab(frame["topic"], frame["role"])
    labels = result.topics.set_index("topic")["label"]
    table.index = [f"{t}: {labels.get(t, '')}"[:40] for t in table.index]
    return bar_chart_png(table, "Topics by respondent role", "segments", stacked=True)


def codings_from_project(project, codebook) -> pd.DataFrame:
    """The ensemble's stored codings as a wide 0/1 table of themes per segment."""
    rows = project.codings(["ensemble"])[["segment_id", "code_id"]].drop_duplicates()
    table = pd.DataFrame({"segment_id": rows["segment_id"].unique()})
    for theme in codebook.themes:
        coded = {s for s, c in zip(rows["segment_id"], rows["code_id"])
                 if c in codebook and codebook.theme_of(c) == theme}
        table[theme] = table["segment_id"].isin(coded).astype(int)
    return table


def write_topic_outputs(result: TopicResult, out_dir, gate, cases: pd.DataFrame | None = None
                        ) -> list:
    """Write every topic output to ``out_dir`` atomically, after the privacy gate.

    The gate (:class:`qualkit.privacy.PrivacyGate`) sees the segment texts and the example columns
    before anything is written; in strict mode it raises and nothing is written.
    """
    from pathlib import Path

    from .atomic import atomic_write
    from .spreadsheets import to_csv

    out_dir = Path(out_dir)
    examples = [c for c in result.topics.columns if re.fullmatch(r"example_\d", c)]
    result.topics = gate.frame(result.topics, examples, where=str(out_dir / "topics.csv"))
    result.segment_topics = gate.frame(result.segment_topics, ["text"],
                                       where=str(out_dir / "segment_topics.csv"))
    tables = {"topics.csv": result.topics, "segment_topics.csv": result.segment_topics}
    if result.topic_by_code is not None:
        tables.update({"topic_by_code.csv": result.topic_by_code,
                       "emergent.csv": gate.identifiers(result.emergent)})
    cases = gate.identifiers(cases) if cases is not None else None  # as segment_topics names them
    written = []
    for name, table in tables.items():
        with atomic_write(out_dir / name) as handle:
            to_csv(table, handle)
        written.append(out_dir / name)
    with atomic_write(out_dir / "topic_map.html") as handle:
        handle.write(topic_map_html(result))
    with atomic_write(out_dir / "topics_by_role.png", "wb") as handle:
        handle.write(role_chart_png(result, cases))
    return written + [out_dir / "topic_map.html", out_dir / "topics_by_role.png"]
