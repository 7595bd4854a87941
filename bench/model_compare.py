#!/usr/bin/env python3
"""Compare sentence-embedding models on case-review findings (category and recurrent issue).

For each --model directory (a sentence-transformers model) this embeds every finding, issue
description and shipped example (normalized), times it, and measures:

- speed: model load time (s) and embedding throughput (texts/s, after a short warm-up);
- warm category: leave-one-review-out; train on the other reviews' findings plus the --extra
  examples, L2 logistic regression on the embeddings, C picked by grouped inner CV (macro-F1) on
  the training part only; pooled macro-F1 and accuracy, plus the spread (mean, sd, min, max) of
  macro-F1 over 6 groups of reviews (reviews sorted by name, group = index % 6);
- cold category: train on the extra examples plus the issue descriptions, test on all findings;
- issue top-3: leave-one-review-out; each issue's prototype is (description embedding + mean of
  that issue's findings from other reviews) / 2; hit if the true issue is among the 3 nearest;
- same-issue MAP: cosine ranking among findings, relevant = same issue in another review,
  findings of the query's own review ranked last.

Needs numpy, scikit-learn and sentence-transformers (e.g. ~/.cache/casewindow/st-venv). Usage:
  nice -n 10 ~/.cache/casewindow/st-venv/bin/python bench/model_compare.py \
    --findings F.jsonl --issues I.json \
    --extra crates/app/knowledge/examples_a.jsonl --extra crates/app/knowledge/examples_b.jsonl \
    --model DIR_A --model DIR_B
Prints one table and one JSON line per model, then the speed ratio against the first model.
"""
import argparse, json, os, time

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, average_precision_score, f1_score
from sklearn.model_selection import GridSearchCV, GroupKFold

C_GRID = [0.1, 0.3, 1, 3, 10, 30, 100, 300]


def read_jsonl(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def fit_lr(X, y, groups):
    """L2 logistic regression with C chosen by grouped 5-fold CV on (X, y) only."""
    search = GridSearchCV(LogisticRegression(max_iter=5000), {"C": C_GRID},
                          cv=GroupKFold(n_splits=5), scoring="f1_macro")
    return search.fit(X, y, groups=groups)


def evaluate(F, E, D, findings, issues, extra):
    """F, E, D: normalized embeddings of findings, extra examples, issue descriptions."""
    cat = np.array([f["category"] for f in findings])
    iss = np.array([f["issue"] for f in findings])
    rev = np.array([f["review"] for f in findings])
    ecat = np.array([e["pattern"] for e in extra])
    egroups = np.array([f"extra-{i}" for i in range(len(extra))])
    out = {}

    # Warm category, leave-one-review-out.
    pred = np.empty_like(cat)
    Cs = []
    for r in sorted(set(rev)):
        tr, te = rev != r, rev == r
        X = np.vstack([F[tr], E])
        model = fit_lr(X, np.concatenate([cat[tr], ecat]), np.concatenate([rev[tr], egroups]))
        pred[te] = model.predict(F[te])
        Cs.append(model.best_params_["C"])
    out["warm_macro_f1"] = f1_score(cat, pred, average="macro")
    out["warm_accuracy"] = accuracy_score(cat, pred)
    reviews = sorted(set(rev))
    group_of = {r: i % 6 for i, r in enumerate(reviews)}
    g = np.array([group_of[r] for r in rev])
    per_group = [f1_score(cat[g == k], pred[g == k], average="macro") for k in range(6)]
    out["warm_group_f1"] = {"mean": float(np.mean(per_group)), "sd": float(np.std(per_group, ddof=1)),
                            "min": float(np.min(per_group)), "max": float(np.max(per_group))}
    out["warm_C_median"] = float(np.median(Cs))

    # Cold category: extra examples + issue descriptions only.
    X = np.vstack([E, D])
    y = np.concatenate([ecat, [i["category"] for i in issues]])
    groups = np.concatenate([egroups, [f"issue-{k}" for k in range(len(issues))]])
    model = fit_lr(X, y, groups)
    cold = model.predict(F)
    out["cold_macro_f1"] = f1_score(cat, cold, average="macro")
    out["cold_accuracy"] = accuracy_score(cat, cold)

    # Issue top-3, leave-one-review-out prototypes.
    ids = [i["issue"] for i in issues]
    hits = 0
    for n in range(len(findings)):
        protos = []
        for k, issue in enumerate(ids):
            mask = (iss == issue) & (rev != rev[n])
            p = (D[k] + F[mask].mean(axis=0)) / 2 if mask.any() else D[k]
            protos.append(p / np.linalg.norm(p))
        top3 = np.argsort(-(np.array(protos) @ F[n]))[:3]
        hits += iss[n] in {ids[k] for k in top3}
    out["issue_top3"] = hits / len(findings)

    # Same-issue retrieval MAP among findings.
    S = F @ F.T
    aps = []
    for n in range(len(findings)):
        others = np.arange(len(findings)) != n
        score = S[n] - 10.0 * (rev == rev[n])  # same review ranked last
        relevant = (iss == iss[n]) & (rev != rev[n])
        if relevant[others].any():
            aps.append(average_precision_score(relevant[others], score[others]))
    out["issue_map"] = float(np.mean(aps))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--findings", required=True)
    ap.add_argument("--issues", required=True)
    ap.add_argument("--extra", action="append", default=[])
    ap.add_argument("--model", action="append", required=True)
    args = ap.parse_args()

    findings = read_jsonl(args.findings)
    with open(args.issues) as f:
        issues = json.load(f)
    extra = [e for path in args.extra for e in read_jsonl(path)]
    texts = [f["text"] for f in findings] + [e["text"] for e in extra] + [i["description"] for i in issues]

    from sentence_transformers import SentenceTransformer
    results = []
    for model_dir in args.model:
        name = os.path.basename(os.path.normpath(model_dir))
        if name == "model":
            name = os.path.basename(os.path.dirname(os.path.normpath(model_dir)))
        t0 = time.perf_counter()
        model = SentenceTransformer(model_dir, device="cpu")
        load_s = time.perf_counter() - t0
        model.encode(texts[:8], normalize_embeddings=True)  # warm-up
        t0 = time.perf_counter()
        V = model.encode(texts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True)
        embed_s = time.perf_counter() - t0
        nf, ne = len(findings), len(extra)
        r = {"model": name, "dim": int(V.shape[1]), "texts": len(texts), "load_s": load_s,
             "texts_per_s": len(texts) / embed_s}
        r.update(evaluate(V[:nf], V[nf:nf + ne], V[nf + ne:], findings, issues, extra))
        results.append(r)

        gs = r["warm_group_f1"]
        print(f"\n{name} (dim {r['dim']})")
        rows = [("model load (s)", f"{r['load_s']:.2f}"),
                ("embedding (texts/s)", f"{r['texts_per_s']:.1f}  ({len(texts)} texts)"),
                ("warm macro-F1 (LORO)", f"{r['warm_macro_f1']:.3f}"),
                ("warm accuracy (LORO)", f"{r['warm_accuracy']:.3f}"),
                ("warm F1 over 6 groups", f"mean {gs['mean']:.3f}  sd {gs['sd']:.3f}  "
                                          f"min {gs['min']:.3f}  max {gs['max']:.3f}"),
                ("cold macro-F1", f"{r['cold_macro_f1']:.3f}  (accuracy {r['cold_accuracy']:.3f})"),
                ("issue top-3 (LORO)", f"{r['issue_top3']:.3f}"),
                ("same-issue MAP", f"{r['issue_map']:.3f}")]
        for label, value in rows:
            print(f"  {label:<24} {value}")
        print(json.dumps(r))

    base = results[0]
    for r in results[1:]:
        print(f"\nspeed: {r['model']} embeds at {r['texts_per_s'] / base['texts_per_s']:.2f}x the rate "
              f"of {base['model']} ({base['texts_per_s'] / r['texts_per_s']:.1f}x slower)")


if __name__ == "__main__":
    main()
