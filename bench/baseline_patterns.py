#!/usr/bin/env python3
"""Generic baselines for the pattern-library bars, on the same splits as bench/eval_patterns.py.

- category: scikit-learn TF-IDF + logistic regression, leave-one-review-out (warm);
- issue retrieval: TF-IDF cosine between test findings (relevant = same issue, other review).

Installs scikit-learn from PyPI into a virtual environment under ~/.cache/casewindow on first
use (the script re-executes itself there). Usage: bench/baseline_patterns.py [--findings F]
"""
import json, os, subprocess, sys

VENV = os.path.expanduser("~/.cache/casewindow/venv")
PY = os.path.join(VENV, "bin", "python")

def ensure_venv():
    try:
        import sklearn  # noqa: F401
        return
    except ImportError:
        pass
    if os.path.realpath(sys.prefix) != os.path.realpath(VENV):
        if not os.path.exists(PY):
            subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
        subprocess.run([PY, "-m", "pip", "install", "-q", "numpy", "scikit-learn"], check=True)
        os.execv(PY, [PY] + sys.argv)

def main():
    ensure_venv()
    import argparse
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score, accuracy_score

    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    default = os.path.join(here, "..", "..", "shared", "data", "dev_findings.jsonl")
    if not os.path.exists(default):
        default = "/work/shared/data/dev_findings.jsonl"
    ap.add_argument("--findings", default=default)
    a = ap.parse_args()
    rows = [json.loads(l) for l in open(a.findings, encoding="utf-8") if l.strip()]
    reviews = sorted({r.get("review") for r in rows}, key=str)
    gold, pred = [], []
    for review in reviews:
        train = [r for r in rows if r.get("review") != review]
        test = [r for r in rows if r.get("review") == review]
        vec = TfidfVectorizer(sublinear_tf=True)
        x = vec.fit_transform([r["text"] for r in train])
        clf = LogisticRegression(max_iter=2000).fit(x, [r["category"] for r in train])
        pred += list(clf.predict(vec.transform([r["text"] for r in test])))
        gold += [r["category"] for r in test]
    vec = TfidfVectorizer(sublinear_tf=True)
    x = vec.fit_transform([r["text"] for r in rows])
    sims = (x @ x.T).toarray()
    aps, p5s = [], []
    for q, r in enumerate(rows):
        order = [d for d in np.argsort(-sims[q], kind="stable") if d != q]
        rel = [rows[d]["issue"] == r["issue"] and rows[d].get("review") != r.get("review") for d in order]
        if not any(rel):
            continue
        hits, ap = 0, 0.0
        for k, is_rel in enumerate(rel):
            if is_rel:
                hits += 1
                ap += hits / (k + 1)
        aps.append(ap / sum(rel))
        p5s.append(sum(rel[:5]) / 5)
    json.dump({
        "tfidf_logreg_warm_leave_one_review_out": {
            "macro_f1": f1_score(gold, pred, average="macro"),
            "accuracy": accuracy_score(gold, pred),
        },
        "tfidf_cosine_issue_retrieval": {"map": float(np.mean(aps)), "p_at_5": float(np.mean(p5s))},
    }, sys.stdout, indent=2)
    print()

if __name__ == "__main__":
    main()
