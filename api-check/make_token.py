"""Signs in through the sign-in page and makes an API token on the account page, as a person
would; prints the token (shown once on the page). Standard library only.

Usage: make_token.py BASE_URL EMAIL PASSWORD SCOPE [REVIEW_ID ...]
"""
import html
import http.cookiejar
import re
import sys
import urllib.parse
import urllib.request


def main() -> None:
    base, email, password, scope, *reviews = sys.argv[1:]
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def csrf(page: str) -> str:
        found = re.search(r'name="csrf_token" value="([^"]+)"', page)
        if not found:
            sys.exit("no CSRF token on the page")
        return html.unescape(found.group(1))

    def post(path: str, fields: list[tuple[str, str]]) -> str:
        data = urllib.parse.urlencode(fields).encode()
        with opener.open(urllib.request.Request(base + path, data=data)) as answer:
            return answer.read().decode()

    page = opener.open(base + "/sign-in").read().decode()
    post("/sign-in", [("csrf_token", csrf(page)), ("email", email), ("password", password)])
    page = opener.open(base + "/account/tokens").read().decode()
    fields = [("csrf_token", csrf(page)), ("name", f"api check ({scope})"), ("scope", scope), ("days", "1")]
    fields += [("reviews", review) for review in reviews]
    page = post("/account/tokens", fields)
    token = re.search(r'<code class="token">([^<]+)</code>', page)
    if not token:
        sys.exit("the account page showed no new token")
    print(html.unescape(token.group(1)))


if __name__ == "__main__":
    main()
