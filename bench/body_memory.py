#!/usr/bin/env python3
"""Memory under large request bodies (issue 19): the server's resident memory before, while and
after four clients at once send 60 MB bodies, as a signed-in user with no part in the review
and as its lead reviewer (a chronology upload). Standard library only; run by
bench/body_memory.sh, which starts the server."""
import argparse, http.client, re, sys, threading, time, urllib.parse

sys.path.insert(0, __import__("os").path.dirname(__file__))
from write_load import Client  # noqa: E402


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def send_big(base, cookies, csrf, agency, path, size, results, index):
    url = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=120)
    boundary = "----casewindowbench"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{csrf}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"agency_id\"\r\n\r\n{agency}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.csv\"\r\n"
            "Content-Type: text/csv\r\n\r\nDate,Details\r\n").encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    row = b"01/02/2024,a contact of some length to fill the file\r\n"
    body_rows = row * ((size - len(head) - len(tail)) // len(row))
    body = head + body_rows + tail
    started = time.perf_counter()
    try:
        conn.request("POST", path, body=body, headers={
            "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Origin": f"{url.scheme}://{url.netloc}",
        })
        status = conn.getresponse().status
    except (BrokenPipeError, ConnectionResetError):
        status = "closed early"
    results[index] = (status, time.perf_counter() - started)


def csrf_of(client, path):
    status, _, page, _ = client.request("GET", path)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    if not found:
        raise RuntimeError(f"no csrf token on {path} ({status})")
    return found.group(1)


def round_of(label, base, pid, client, csrf, agency, path, size, clients):
    before = rss_mb(pid)
    results = [None] * clients
    threads = [threading.Thread(target=send_big, args=(base, client.cookies, csrf, agency, path, size, results, i))
               for i in range(clients)]
    peak = before
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        peak = max(peak, rss_mb(pid))
        time.sleep(0.05)
    after = rss_mb(pid)
    time.sleep(5)
    settled = rss_mb(pid)
    statuses = sorted({str(r[0]) for r in results})
    slowest = max(r[1] for r in results)
    print(f"| {label} | {clients} × {size >> 20} MB | {', '.join(statuses)} | {slowest:.2f} s | "
          f"{before:.0f} | {peak:.0f} | {after:.0f} | {settled:.0f} |")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--review", required=True)
    parser.add_argument("--lead", required=True)
    parser.add_argument("--stranger", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--stranger-password", required=True)
    args = parser.parse_args()
    print("| who | bodies | answers | slowest | RSS before MB | peak MB | after MB | 5 s later MB |")
    print("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |")
    path = f"/reviews/{args.review}/chronology/import"
    stranger = Client(args.base)
    stranger.sign_in(args.stranger, args.stranger_password)
    stranger_csrf = csrf_of(stranger, "/account/two-step")
    lead = Client(args.base)
    lead.sign_in(args.lead, args.password)
    lead_csrf = csrf_of(lead, path)
    _, _, page, _ = lead.request("GET", path)
    agency = re.search(r'<option value="([0-9a-f-]{36})"', page).group(1)
    round_of("signed in, no part in the review", args.base, args.pid, stranger, stranger_csrf, agency, path, 60 << 20, 4)
    for label in ("the review's lead reviewer", "again", "and again"):
        round_of(label, args.base, args.pid, lead, lead_csrf, agency, path, 60 << 20, 4)


if __name__ == "__main__":
    main()
