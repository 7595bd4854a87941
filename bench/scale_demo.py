#!/usr/bin/env python3
"""Writes N copies of a review document with fresh ids, for load tests.

Usage: scale_demo.py SOURCE.json OUT_DIR N [--chronology 500]

Every id that belongs to the review (the review, its records and their references) is replaced
consistently in each copy; partnerships, agencies, users and recurrent issues are shared. The
first copy's chronology is padded to the given number of entries (copies of real entries with
new ids), so one review has a long chronology.
"""
import json, sys, uuid, re, argparse, pathlib

SCOPED = ["participants", "subjects", "source_documents", "chronology", "key_practice_episodes",
          "conversations", "narrative", "findings", "responses", "actions"]

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("source"); parser.add_argument("out"); parser.add_argument("n", type=int)
    parser.add_argument("--chronology", type=int, default=500)
    args = parser.parse_args()
    text = open(args.source, encoding="utf-8").read()
    doc = json.loads(text)
    ids = {doc["review"]["record"]["id"]}
    if doc.get("terms_of_reference"):
        ids.add(doc["terms_of_reference"]["record"]["id"])
    for section in SCOPED:
        ids.update(entry["record"]["id"] for entry in doc.get(section, []))
    pattern = re.compile("|".join(re.escape(i) for i in sorted(ids)))
    out = pathlib.Path(args.out); out.mkdir(parents=True, exist_ok=True)
    title = doc["review"]["record"]["title"]
    for copy in range(args.n):
        namespace = uuid.uuid5(uuid.NAMESPACE_URL, f"casewindow-bench/{copy}")
        copied = pattern.sub(lambda m: str(uuid.uuid5(namespace, m.group(0))), text)
        copied_doc = json.loads(copied)
        copied_doc["review"]["record"]["title"] = f"{title} (load copy {copy + 1})"
        if copy == 0:
            entries = copied_doc["chronology"]
            base = list(entries)
            n = 0
            while len(entries) < args.chronology:
                extra = json.loads(json.dumps(base[n % len(base)]))
                extra["record"]["id"] = str(uuid.uuid5(namespace, f"extra-{n}"))
                extra.pop("revisions", None)
                entries.append(extra)
                n += 1
        (out / f"review-{copy:04}.json").write_text(json.dumps(copied_doc, indent=1), encoding="utf-8")

if __name__ == "__main__":
    main()
