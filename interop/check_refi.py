"""Checks casewindow's REFI-QDA exports with the tools other software uses.

check_refi.py XSD WORK
    Every project in WORK (reviews/*.qdpx, library.qdpx) validates against XSD, loads with
    pyrefiqda, and codes each finding's statement (as the review's JSON export has it) with its
    pattern and recurrent issues; saved again by pyrefiqda and reloaded, it still validates and
    keeps every code and every coded text. WORK/codebook.qdc loads with pyrefiqda and holds the
    six patterns with the open issues beneath.
check_refi.py --same-codebook A B
    Both codebooks hold the same codes (GUID, name, description, nesting).
check_refi.py --proposal QDC PROPOSAL
    casewindow's importer, reading a codebook written by another tool, found every code of QDC
    in order: the six patterns as patterns, each issue as already held under its pattern.
"""

import json
import pathlib
import sys
import tempfile
import zipfile

import xmlschema
from pyrefiqda import RefiCodebook, RefiProject

PATTERNS = ["tool", "management", "multiagency_crisis", "multiagency_longterm",
            "family_professional", "reasoning"]


def fail(message):
    print(f"interop: {message}", file=sys.stderr)
    sys.exit(1)


def tree(codes, parent=None, out=None):
    """guid -> (name, description, parent guid), depth first."""
    out = {} if out is None else out
    for code in codes:
        out[code.guid] = (code.name, (code.description or "").strip(), parent)
        tree(code.code, code.guid, out)
    return out


def words(text):
    return " ".join(text.split())


def read_project(path, schema):
    """Validates and loads a project: its codes and, per selection, (source, text, codes)."""
    with zipfile.ZipFile(path) as z:
        qde = [n for n in z.namelist() if n.endswith(".qde")]
        if qde != ["project.qde"]:
            fail(f"{path.name}: the archive holds {qde}, not one project.qde")
        errors = list(schema.iter_errors(z.read("project.qde")))
        if errors:
            fail(f"{path.name}: {len(errors)} schema errors, first: {errors[0].reason} at {errors[0].path}")
    extract = tempfile.mkdtemp()
    project = RefiProject.load(path, extract_dir=extract)
    codes = tree(project.code_book.codes.code) if project.code_book else {}
    coded = {}
    sources = project.sources.text_source if project.sources else []
    for source in sources:
        text = RefiProject.resolve_source_path(source.plain_text_path, extract).read_text(encoding="utf-8")
        for selection in source.plain_text_selection:
            if not 0 <= selection.start_position < selection.end_position <= len(text):
                fail(f"{path.name}: selection {selection.guid} lies outside its source")
            refs = sorted(c.code_ref.target_guid for c in selection.coding)
            unknown = [r for r in refs if r not in codes]
            if unknown:
                fail(f"{path.name}: selection {selection.guid} is coded with unknown codes {unknown}")
            coded[selection.guid] = (source.name, text[selection.start_position:selection.end_position], refs)
    return project, extract, codes, coded, len(sources)


def round_trip(path, schema, project, extract, codes, coded):
    again = path.with_name(path.stem + ".pyrefiqda.qdpx")
    RefiProject.save(project, again, source_media_dir=pathlib.Path(extract) / "sources")
    _, _, codes2, coded2, _ = read_project(again, schema)
    if codes2 != codes:
        fail(f"{path.name}: codes changed when pyrefiqda saved the project again")
    if coded2 != coded:
        fail(f"{path.name}: coded texts changed when pyrefiqda saved the project again")


def pattern_codes(codes):
    """pattern key -> guid of the top-level code naming it ("1. …" to "6. …")."""
    top = {name.split(".")[0]: guid for guid, (name, _, parent) in codes.items() if parent is None}
    if sorted(top) != ["1", "2", "3", "4", "5", "6"]:
        fail(f"the top-level codes are {sorted(top)}, not the six patterns")
    return {key: top[str(i + 1)] for i, key in enumerate(PATTERNS)}


def resolve(issues, issue_id):
    seen = 0
    while issue_id in issues and issues[issue_id].get("merged_into") and seen < 8:
        issue_id = issues[issue_id]["merged_into"]
        seen += 1
    return issue_id


def check_review(path, schema):
    document = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    project, extract, codes, coded, sources = read_project(path, schema)
    patterns = pattern_codes(codes)
    issues = {i["record"]["id"]: i["record"] for i in document["recurrent_issues"]}
    by_text = {words(text): refs for _, text, refs in coded.values()}
    findings = [f["record"] for f in document["findings"]]
    expected_sources = len(findings) + len(document["key_practice_episodes"])
    if sources < expected_sources:
        fail(f"{path.name}: {sources} sources for {expected_sources} findings and episodes")
    checked = 0
    for finding in findings:
        wanted = set()
        if finding.get("pattern"):
            wanted.add(patterns[finding["pattern"]])
        wanted |= {resolve(issues, i) for i in finding["recurrent_issue_ids"]}
        if not wanted:
            continue
        refs = by_text.get(words(finding["statement"]))
        if refs is None:
            fail(f"{path.name}: finding {finding['position']}'s statement is not coded as written")
        if not wanted <= set(refs):
            fail(f"{path.name}: finding {finding['position']} lacks codes {wanted - set(refs)}")
        checked += 1
    round_trip(path, schema, project, extract, codes, coded)
    return checked, len(coded)


def check_library(path, schema, work):
    project, extract, codes, coded, sources = read_project(path, schema)
    pattern_codes(codes)
    # Every finding a statement in the library's CSV: the two exports agree.
    import csv
    with open(work / "library.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    if sources != len(rows):
        fail(f"library.qdpx has {sources} sources, library.csv {len(rows)} findings")
    coded_texts = {words(text) for _, text, _ in coded.values()}
    statements = {words(r["Statement"].removeprefix("'")) for r in rows if r["Pattern number"]}
    missing = statements - coded_texts
    if missing:
        fail(f"library.qdpx does not code {len(missing)} statements of library.csv, e.g. {sorted(missing)[0][:80]}")
    round_trip(path, schema, project, extract, codes, coded)
    return len(coded)


def codebook_tree(path):
    book = RefiCodebook.load(path)
    return tree(book.codes.code)


def main():
    if sys.argv[1] == "--same-codebook":
        a, b = codebook_tree(sys.argv[2]), codebook_tree(sys.argv[3])
        if a != b:
            fail(f"{sys.argv[3]} holds different codes from {sys.argv[2]}")
        print(f"interop: {len(a)} codes kept through portableQDA")
        return
    if sys.argv[1] == "--proposal":
        codes = codebook_tree(sys.argv[2])
        proposal = json.loads(pathlib.Path(sys.argv[3]).read_text(encoding="utf-8"))["codes"]
        names = [name for name, _, _ in codes.values()]
        if [c["name"] for c in proposal] != names:
            fail("casewindow's importer did not read every code of the rewritten codebook, in order")
        for c in proposal:
            expected = "is_pattern" if c["depth"] == 0 else "already_held"
            if c["proposal"] != expected or c["pattern"] not in PATTERNS:
                fail(f"casewindow proposed {c['proposal']} for {c['name']!r}, not {expected}")
        print(f"interop: casewindow's importer read all {len(proposal)} codes back")
        return
    schema = xmlschema.XMLSchema(sys.argv[1])
    work = pathlib.Path(sys.argv[2])
    reviews = sorted((work / "reviews").glob("*.qdpx"))
    if not reviews:
        fail("no review projects were exported")
    findings = selections = 0
    for path in reviews:
        f, s = check_review(path, schema)
        findings += f
        selections += s
    library = check_library(work / "library.qdpx", schema, work)
    codes = codebook_tree(work / "codebook.qdc")
    top = [name for name, _, parent in codes.values() if parent is None]
    if len(top) != 6 or len(codes) <= 6:
        fail(f"the codebook holds {len(top)} top-level codes and {len(codes)} in all")
    print(f"interop: {len(reviews)} review projects ({findings} findings, {selections} coded texts) "
          f"and the library ({library} coded texts) valid, loaded and saved again by pyrefiqda; "
          f"codebook of {len(codes)} codes loaded")


if __name__ == "__main__":
    main()
