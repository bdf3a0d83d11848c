"""Does SetFit-style contrastive fine-tuning of all-MiniLM-L6-v2 beat the frozen encoder? (issue 21, item 2)

Both arms put the same logistic head per named theme (C=4, balanced, decision at 0.5) on sentence
embeddings; one arm embeds with the shipped encoder as it is, the other with a copy fine-tuned for
one epoch on same-code / different-code pairs (CosineSimilarityLoss: 1 for two positives of a
theme, 0 for a positive and a negative; PAIRS per theme, batch 16, AdamW lr 2e-5, max 128 tokens).
Training data: the codebook's examples and training sheets plus, per fold, the other folds' dev
quotes; scored on the held-out fold of the dev part (5 folds), never on the frozen part.

Run: ``nice .venv/bin/python bench/setfit_probe.py [PAIRS]`` (PAIRS per theme, default 400; about
5 minutes of fine-tuning per fold on a loaded 2-core machine). One torch thread: with two, the
fine-tuning shared the cores with the embedding and was 15 times slower.
"""
import copy
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from qualkit.coding import load_codebook
from qualkit.coding.labels import read_training, with_examples
from qualkit.coding.learned import UNKNOWN
from qualkit.embeddings import load_encoder
from qualkit.agreement import agreement_table

torch.set_num_threads(1)
PAIRS = int(sys.argv[1]) if len(sys.argv) > 1 else 400
THEMES = ["relevance", "safety", "mediation_resistance"]
cb = load_codebook(ROOT / "codebooks" / "spip_plus.yaml")
texts, y, groups, weights = read_training(cb, list(cb.training))
texts, y, groups, weights = with_examples(cb, texts, y, groups, weights)
tj = [cb.ids.index(t) for t in THEMES]
y = y[:, tj]
g = pd.read_csv(ROOT / "codebooks" / "evaluation" / "spip_dev_gold.csv", dtype=str, keep_default_na=False)
d = g[g.part == "dev"].reset_index(drop=True)
dy = d[THEMES].astype(int).values
dtexts = d.text.tolist()
print("train rows", len(texts), "positives", (y == 1).sum(0), "dev", len(d), flush=True)

def pairs_for(tx, yy, n, rng):
    out = []
    for k in range(yy.shape[1]):
        pos = np.flatnonzero(yy[:, k] == 1); neg = np.flatnonzero(yy[:, k] == 0)
        for _ in range(n // 2):
            a, b = rng.choice(pos, 2, replace=False); out.append((tx[a], tx[b], 1.0))
            a = rng.choice(pos); b = rng.choice(neg); out.append((tx[a], tx[b], 0.0))
    rng.shuffle(out)
    return out

def finetune(tx, yy, seed):
    torch.manual_seed(seed); rng = np.random.default_rng(seed)
    base = load_encoder()
    model = copy.deepcopy(base); model.max_seq_length = 128; model.train()
    pairs = pairs_for(tx, yy, PAIRS, rng)
    opt = torch.optim.AdamW(model.parameters(), lr=2e-5)
    t = time.time()
    for start in range(0, len(pairs), 16):
        batch = pairs[start:start + 16]
        a = model.tokenize([p[0] for p in batch]); b = model.tokenize([p[1] for p in batch])
        ea = model(a)["sentence_embedding"]; eb = model(b)["sentence_embedding"]
        cos = torch.nn.functional.cosine_similarity(ea, eb)
        loss = torch.nn.functional.mse_loss(cos, torch.tensor([p[2] for p in batch]))
        opt.zero_grad(); loss.backward(); opt.step()
    model.eval()
    print(f"  fine-tuned on {len(pairs)} pairs in {time.time() - t:.0f}s", flush=True)
    return model

def embed(model, tx):
    with torch.inference_mode():
        return model.encode(tx, batch_size=32, normalize_embeddings=True, convert_to_numpy=True)

def heads(Xtr, ytr, Xte):
    out = np.zeros((len(Xte), ytr.shape[1]))
    for k in range(ytr.shape[1]):
        known = ytr[:, k] != UNKNOWN
        m = LogisticRegression(C=4.0, class_weight="balanced", max_iter=3000, solver="liblinear")
        m.fit(Xtr[known], ytr[known, k])
        out[:, k] = m.predict_proba(Xte)[:, 1]
    return out

base = load_encoder()
folds = KFold(5, shuffle=True, random_state=0)
pred_base = np.zeros(dy.shape); pred_ft = np.zeros(dy.shape)
for f, (tr, te) in enumerate(folds.split(dtexts)):
    tx = texts + [dtexts[i] for i in tr]; yy = np.vstack([y, dy[tr]])
    te_texts = [dtexts[i] for i in te]
    Xb = embed(base, tx); Xbt = embed(base, te_texts)
    pb = heads(Xb, yy, Xbt)
    model = finetune(tx, yy, seed=f)
    Xf = embed(model, tx); Xft = embed(model, te_texts)
    pf = heads(Xf, yy, Xft)
    pred_base[te] = pb; pred_ft[te] = pf
    print(f"fold {f} done", flush=True)
ids = d.id.tolist()
gold = pd.DataFrame(dy, columns=THEMES).assign(id=ids)
for name, p in (("base+logistic@0.5", pred_base), ("finetuned+logistic@0.5", pred_ft)):
    pr = pd.DataFrame((p >= 0.5).astype(int), columns=THEMES).assign(id=ids)
    t = agreement_table(gold, pr, THEMES)
    print(name)
    print(t[["code", "precision", "recall", "f1", "cohen_kappa"]].round(3).to_string(index=False))
    print("  ROC AUC / average precision: " + ", ".join(
        f"{theme} {roc_auc_score(dy[:, k], p[:, k]):.3f}/{average_precision_score(dy[:, k], p[:, k]):.3f}"
        for k, theme in enumerate(THEMES)))
