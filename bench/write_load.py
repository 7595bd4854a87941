#!/usr/bin/env python3
"""Concurrent editors saving findings, each in its own review (run by bench/write_load.sh).

Usage: write_load.py --base http://127.0.0.1:8283 --email E --password P
                     [--editors 16] [--duration 20] [--reviews-file FILE] [--label TEXT]

Every editor is a thread with its own connection and its own signed-in session (signed in as a
browser does: the sign-in page's pre-session cookie and CSRF token, then the form), working in
its own review. In a loop it opens the review's findings list, takes a finding (in turn), opens
its edit form, collects every field of that form as a browser would submit it, changes the
statement, gives a reason for the change when the form has no such field, and posts the form
back without following the redirect. Only the POST is timed. A save is a 303; anything else is
an error, counted by status, with the first few pages' titles shown.

The form is read generically (hidden inputs included), so the script keeps working when the
form gains fields, e.g. an idempotency key. Python standard library only.
"""
import argparse
import html
import http.client
import os
import re
import sys
import threading
import time
import urllib.parse
from collections import Counter
from html.parser import HTMLParser

UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
SUFFIX = re.compile(r" \[write load [^\]]*\]$")
SKIPPED_INPUTS = {"submit", "button", "image", "reset", "file"}


class FormReader(HTMLParser):
    """The successful controls of forms, in document order, as a browser would submit them
    without a submit button: inputs (hidden included), checked checkboxes and radios,
    textareas, and the selected option(s) of each select. Disabled controls are left out."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms = []  # [{"action", "method", "fields": [(name, value)]}]
        self.form = None
        self.textarea = None  # [name, parts]
        self.select = None  # {"name", "multiple", "options": [(value, selected)], "disabled"}
        self.option = None  # [value or None, parts, selected]

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self.form = {"action": a.get("action", ""), "method": a.get("method", "get").lower(), "fields": []}
            self.forms.append(self.form)
            return
        if self.form is None:
            return
        disabled = "disabled" in a
        if tag == "input":
            name = a.get("name")
            kind = a.get("type", "text").lower()
            if not name or disabled or kind in SKIPPED_INPUTS:
                return
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.form["fields"].append((name, a.get("value", "on")))
            else:
                self.form["fields"].append((name, a.get("value", "")))
        elif tag == "textarea":
            self.textarea = [a.get("name") if not disabled else None, []]
        elif tag == "select":
            self.select = {"name": a.get("name") if not disabled else None,
                           "multiple": "multiple" in a, "options": []}
        elif tag == "option" and self.select is not None:
            self._close_option()
            self.option = [a.get("value"), [], "selected" in a]

    def handle_endtag(self, tag):
        if tag == "textarea" and self.textarea is not None:
            name, parts = self.textarea
            text = "".join(parts)
            # Browsers drop one newline straight after <textarea>.
            if text.startswith("\r\n"):
                text = text[2:]
            elif text.startswith("\n"):
                text = text[1:]
            if name and self.form is not None:
                self.form["fields"].append((name, text))
            self.textarea = None
        elif tag == "option":
            self._close_option()
        elif tag == "select" and self.select is not None:
            self._close_option()
            select, self.select = self.select, None
            if not select["name"] or self.form is None:
                return
            chosen = [v for v, selected in select["options"] if selected]
            if not select["multiple"]:
                chosen = chosen[-1:] or [v for v, _ in select["options"][:1]]
            for value in chosen:
                self.form["fields"].append((select["name"], value))
        elif tag == "form":
            self.form = None

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1].append(data)
        elif self.option is not None:
            self.option[1].append(data)

    def _close_option(self):
        if self.option is not None and self.select is not None:
            value, parts, selected = self.option
            if value is None:
                value = " ".join("".join(parts).split())
            self.select["options"].append((value, selected))
        self.option = None


def forms_of(page):
    reader = FormReader()
    reader.feed(page)
    reader.close()
    return reader.forms


def form_posting_to(page, action):
    """The fields of the POST form whose action is `action` (only that form is parsed)."""
    for start in re.finditer(r"<form\b[^>]*>", page, re.I):
        found = re.search(r'\baction\s*=\s*(?:"([^"]*)"|\'([^\']*)\')', start.group(0), re.I)
        if found is None or html.unescape(found.group(1) or found.group(2) or "") != action:
            continue
        end = page.find("</form>", start.end())
        end = len(page) if end < 0 else end + len("</form>")
        for form in forms_of(page[start.start():end]):
            if form["method"] == "post":
                return form["fields"]
    return None


def title_of(body):
    for pattern in (r"<title>(.*?)</title>", r"<h1[^>]*>(.*?)</h1>"):
        m = re.search(pattern, body, re.S | re.I)
        if m:
            text = " ".join(re.sub(r"<[^>]+>", "", m.group(1)).split())
            if text:
                return html.unescape(text)
    return " ".join(body.split())[:160]


def percentile(sorted_values, p):
    """Nearest-rank percentile."""
    if not sorted_values:
        return float("nan")
    rank = max(1, -(-len(sorted_values) * p // 100))
    return sorted_values[int(rank) - 1]


class Client:
    """One browser: a kept-alive connection and its cookies."""

    def __init__(self, base):
        url = urllib.parse.urlsplit(base)
        self.host, self.port = url.hostname, url.port or 80
        self.origin = f"{url.scheme}://{url.netloc}"
        self.cookies = {}
        self.conn = None

    def request(self, method, path, body=None):
        headers = {"Accept": "text/html"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = self.origin
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
            try:
                started = time.perf_counter()
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                elapsed = time.perf_counter() - started
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # A kept-alive connection the server closed between requests: open a new one once.
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                pair = value.split(";", 1)[0]
                name, _, val = pair.partition("=")
                attrs = value.lower()
                if val == "" or "max-age=0" in attrs:
                    self.cookies.pop(name.strip(), None)
                else:
                    self.cookies[name.strip()] = val.strip()
        if response.getheader("Connection", "").lower() == "close":
            self.conn.close()
            self.conn = None
        return response.status, response.getheader("Location", ""), data.decode("utf-8", "replace"), elapsed

    def sign_in(self, email, password):
        status, _, page, _ = self.request("GET", "/sign-in")
        if status != 200:
            raise RuntimeError(f"GET /sign-in answered {status}")
        form = form_posting_to(page, "/sign-in") or []
        fields = [(k, v) for k, v in form if k not in ("email", "password")]
        if not any(k == "csrf_token" for k, _ in fields):
            raise RuntimeError("the sign-in form has no csrf_token")
        fields += [("email", email), ("password", password)]
        status, location, page, _ = self.request("POST", "/sign-in", urllib.parse.urlencode(fields))
        if status not in (302, 303) or "cw_session" not in self.cookies:
            raise RuntimeError(f"sign-in answered {status} ({title_of(page)}), location {location!r}")


class Editor(threading.Thread):
    def __init__(self, number, args, review, start_gate, results):
        super().__init__(name=f"editor-{number}", daemon=True)
        self.number, self.args, self.review = number, args, review
        self.start_gate, self.results = start_gate, results
        self.client = Client(args.base)
        self.latencies = []
        self.page_times = {"findings list": [], "edit form": []}  # untimed for the bar; context
        self.errors = Counter()  # status -> count, for the timed POSTs
        self.other_errors = Counter()  # "GET <status>" -> count, for the untimed pages
        self.samples = []  # (status, title) of the first failed saves
        self.problem = None

    def run(self):
        try:
            self.client.sign_in(self.args.email, self.args.password)
        except Exception as err:  # noqa: BLE001 - reported, and the run stops
            self.problem = f"editor {self.number} could not sign in: {err}"
            self.start_gate.abort()
            return
        try:
            self.start_gate.wait()
        except threading.BrokenBarrierError:
            return
        deadline = self.results["deadline"]
        review = self.review
        list_path = f"/reviews/{review}/findings"
        link = re.compile(r'href="(/reviews/%s/findings/%s)"' % (re.escape(review), UUID))
        turn = 0
        kept = None  # (path, fields) of the form last opened, saved again without reopening it
        while time.perf_counter() < deadline:
            try:
                reopen = self.args.reopen_every
                if kept is not None and (reopen == 0 or turn % reopen != 0):
                    path, fields = kept
                    turn += 1
                    stamp = f" [write load e{self.number} #{turn}]"
                    fields = [(n, SUFFIX.sub("", v) + stamp if n == "statement" else v) for n, v in fields]
                    status, _, page, elapsed = self.client.request("POST", path, urllib.parse.urlencode(fields))
                    if self.args.interval:
                        time.sleep(self.args.interval)
                    if status == 303:
                        self.latencies.append(elapsed)
                        # Saved: the finding is now one version on, as the next save says.
                        fields = [(n, str(int(v) + 1) if n == "version" else v) for n, v in fields]
                        kept = (path, fields)
                    else:
                        self.errors[status] += 1
                        self._sample(f"POST {status}", page)
                        kept = None
                    continue
                status, _, page, took = self.client.request("GET", list_path)
                self.page_times["findings list"].append(took)
                if status != 200:
                    self.other_errors[f"GET findings list {status}"] += 1
                    self._sample(f"GET findings list {status}", page)
                    continue
                findings = sorted(set(link.findall(page)))
                if not findings:
                    self.problem = f"editor {self.number}: no findings in review {review}"
                    return
                path = findings[turn % len(findings)]
                status, _, page, took = self.client.request("GET", path)
                self.page_times["edit form"].append(took)
                if status != 200:
                    self.other_errors[f"GET edit form {status}"] += 1
                    self._sample(f"GET edit form {status}", page)
                    continue
                fields = form_posting_to(page, path)
                if fields is None:
                    self.problem = f"editor {self.number}: no edit form posting to {path}"
                    return
                turn += 1
                stamp = f" [write load e{self.number} #{turn}]"
                edited, seen_statement = [], False
                for name, value in fields:
                    if name == "statement" and not seen_statement:
                        value = SUFFIX.sub("", value) + stamp
                        seen_statement = True
                    edited.append((name, value))
                if not seen_statement:
                    self.problem = f"editor {self.number}: the edit form of {path} has no statement field"
                    return
                if not any(name == "change_reason" for name, _ in edited):
                    edited.append(("change_reason", f"write load bench, editor {self.number}"))
                elif not dict(edited).get("change_reason"):
                    edited = [(n, f"write load bench, editor {self.number}" if n == "change_reason" else v)
                              for n, v in edited]
                if time.perf_counter() >= deadline:
                    break
                status, location, page, elapsed = self.client.request("POST", path, urllib.parse.urlencode(edited))
                if status == 303:
                    self.latencies.append(elapsed)
                    edited = [(n, str(int(v) + 1) if n == "version" else v) for n, v in edited]
                    kept = (path, edited)
                else:
                    self.errors[status] += 1
                    self._sample(f"POST {status}", page)
                    kept = None
            except Exception as err:  # noqa: BLE001 - counted as an error and the editor goes on
                self.other_errors[f"exception {type(err).__name__}"] += 1
                if len(self.samples) < 3:
                    self.samples.append(("exception", repr(err)[:200]))
                self.client.conn = None
                time.sleep(0.05)

    def _sample(self, what, page):
        if len(self.samples) < 3:
            self.samples.append((what, title_of(page)))


def reviews_from_portfolio(args, count):
    client = Client(args.base)
    client.sign_in(args.email, args.password)
    _, _, page, _ = client.request("GET", "/")
    seen = []
    for review in re.findall(r'href="/reviews/(%s)"' % UUID, page):
        if review not in seen:
            seen.append(review)
    return seen[:count]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default="http://127.0.0.1:8283")
    parser.add_argument("--email", default="helen.marchbank@example.org")
    parser.add_argument("--password", default=os.environ.get("CASEWINDOW_DEMO_PASSWORD", ""))
    parser.add_argument("--editors", type=int, default=16)
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--reviews-file", help="review ids, one a line (else taken from the portfolio page)")
    parser.add_argument("--label", default="")
    parser.add_argument("--interval", type=float, default=0.0,
                        help="seconds each editor waits after a save before the next (0: none, "
                             "so the server is saturated)")
    parser.add_argument("--reopen-every", type=int, default=1,
                        help="open the edit form again before every Nth save (1: before each; "
                             "0: once, then save it again and again, as an editor revising a finding does)")
    args = parser.parse_args()
    # Short GIL slices, so a thread reading a page does not hold up another's timed response.
    sys.setswitchinterval(0.0005)

    if args.reviews_file:
        with open(args.reviews_file, encoding="utf-8") as f:
            reviews = [line.split("\t")[0].strip() for line in f if line.strip()][: args.editors]
    else:
        reviews = reviews_from_portfolio(args, args.editors)
    if len(reviews) < args.editors:
        sys.exit(f"only {len(reviews)} reviews for {args.editors} editors")

    results = {}

    def open_the_gate():
        # Runs once, when every editor has signed in, before any of them is released.
        results["deadline"] = time.perf_counter() + args.duration

    gate = threading.Barrier(args.editors + 1, action=open_the_gate)
    editors = [Editor(n + 1, args, reviews[n], gate, results) for n in range(args.editors)]
    for editor in editors:
        editor.start()
    try:
        gate.wait(timeout=300)
    except threading.BrokenBarrierError:
        for editor in editors:
            editor.join(timeout=5)
        sys.exit("; ".join(e.problem for e in editors if e.problem) or "the editors did not all sign in")
    load_before = os.getloadavg()
    started = results["deadline"] - args.duration
    for editor in editors:
        editor.join()
    wall = time.perf_counter() - started
    load_after = os.getloadavg()

    problems = [e.problem for e in editors if e.problem]
    latencies = sorted(ms for e in editors for ms in (x * 1000 for x in e.latencies))
    errors = sum((e.errors for e in editors), Counter())
    other = sum((e.other_errors for e in editors), Counter())
    saves = len(latencies)
    error_count = sum(errors.values()) + sum(other.values())
    per_editor = [len(e.latencies) for e in editors]
    p50, p95, p99 = (percentile(latencies, p) for p in (50, 95, 99))
    top = latencies[-1] if latencies else float("nan")

    print(f"editors: {args.editors} (each signed in separately, each in its own review), {wall:.1f}s")
    print(f"saves: {saves} ({saves / wall:.1f}/s; per editor min {min(per_editor)}, max {max(per_editor)})")
    print(f"errors: {error_count}" + (
        " (" + ", ".join([f"POST {s}: {n}" for s, n in sorted(errors.items())]
                         + [f"{k}: {n}" for k, n in sorted(other.items())]) + ")" if error_count else ""))
    shown = 0
    for editor in editors:
        for what, title in editor.samples:
            if shown < 5:
                print(f"  editor {editor.number}: {what}: {title}")
                shown += 1
    for problem in problems:
        print(f"problem: {problem}")
    print(f"save latency ms: p50 {p50:.1f}, p95 {p95:.1f}, p99 {p99:.1f}, max {top:.1f}")
    for page in ("findings list", "edit form"):
        times = sorted(ms for e in editors for ms in (x * 1000 for x in e.page_times[page]))
        if times:
            print(f"(not timed for the bar) GET {page}: {len(times)} requests, p50 {percentile(times, 50):.1f}, "
                  f"p99 {percentile(times, 99):.1f}, max {times[-1]:.1f} ms")
    print(f"load average (1 min) before {load_before[0]:.2f}, after {load_after[0]:.2f}")
    print()
    print("| run | saves | saves/s | p50 ms | p95 ms | p99 ms | max ms | errors |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    print(f"| {args.label or f'{args.editors} editors'} | {saves} | {saves / wall:.1f} | {p50:.1f} | {p95:.1f} "
          f"| {p99:.1f} | {top:.1f} | {error_count} |")
    sys.exit(1 if problems or saves == 0 else 2 if error_count else 0)


if __name__ == "__main__":
    main()
