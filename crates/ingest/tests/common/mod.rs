//! Shared by the measurements of fixture reports: the expected answer and the comparison.

use serde::Deserialize;

#[derive(Deserialize)]
pub struct Expected {
    pub style: String,
    pub findings: Vec<ExpectedFinding>,
}

#[derive(Deserialize)]
pub struct ExpectedFinding {
    pub number: String,
    pub text: String,
    pub pattern: Option<String>,
}

/// The expected answer beside a fixture (`NAME.expected.json`).
pub fn expected_for(fixture: &std::path::Path) -> Expected {
    serde_json::from_str(
        &std::fs::read_to_string(fixture.with_extension("expected.json")).expect("expected answer"),
    )
    .expect("expected answer's JSON")
}

/// The fixtures of a folder of `tests/` with the given extension, in name order.
pub fn fixtures(folder: &str, extension: &str) -> Vec<std::path::PathBuf> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(folder);
    let mut out: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .expect("the fixtures' folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == extension))
        .collect();
    out.sort();
    assert!(
        out.len() >= 8,
        "at least eight house styles in {folder}, found {}",
        out.len()
    );
    out
}

pub fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// What reading one report found against what it states.
#[derive(Default)]
pub struct Tally {
    pub expected: usize,
    pub recovered: usize,
    pub patterns: usize,
    pub extra: usize,
}

impl Tally {
    pub fn add(&mut self, other: &Tally) {
        self.expected += other.expected;
        self.recovered += other.recovered;
        self.patterns += other.patterns;
        self.extra += other.extra;
    }

    pub fn header() {
        eprintln!(
            "{:<34} {:>8} {:>9} {:>8} {:>6}  style",
            "report", "findings", "recovered", "patterns", "extra"
        );
    }

    pub fn line(&self, name: &str, style: &str) {
        eprintln!(
            "{name:<34} {:>8} {:>9} {:>8} {:>6}  {style}",
            self.expected, self.recovered, self.patterns, self.extra
        );
    }
}

/// Reads `bytes` as the report `name` and compares its findings with `expected`; problems are
/// added to `problems`.
pub fn measure(name: &str, bytes: &[u8], expected: &Expected, problems: &mut Vec<String>) -> Tally {
    let text = match casewindow_ingest::read(name, bytes) {
        Ok(text) => text,
        Err(e) => {
            problems.push(format!("{name}: not read: {e}"));
            return Tally {
                expected: expected.findings.len(),
                ..Tally::default()
            };
        }
    };
    let proposal = casewindow_ingest::propose(&text);
    let mut tally = Tally {
        expected: expected.findings.len(),
        ..Tally::default()
    };
    for want in &expected.findings {
        match proposal
            .findings
            .iter()
            .find(|f| squash(&f.text) == squash(&want.text))
        {
            Some(f) => {
                tally.recovered += 1;
                if f.pattern.map(|p| p.key().to_owned()) == want.pattern {
                    tally.patterns += 1;
                } else {
                    problems.push(format!(
                        "{name}: finding {}: pattern {:?}, expected {:?}",
                        want.number, f.pattern, want.pattern
                    ));
                }
                if f.number != want.number {
                    problems.push(format!(
                        "{name}: finding {}: numbered {:?}",
                        want.number, f.number
                    ));
                }
            }
            None => problems.push(format!(
                "{name}: finding {} not recovered: {:?}\n    found under that number: {:?}",
                want.number,
                want.text,
                proposal
                    .findings
                    .iter()
                    .find(|f| f.number == want.number)
                    .map(|f| &f.text)
            )),
        }
    }
    for f in &proposal.findings {
        if !expected
            .findings
            .iter()
            .any(|w| squash(&w.text) == squash(&f.text))
        {
            tally.extra += 1;
            problems.push(format!(
                "{name}: not a finding, or not its statement: {} {:?}",
                f.number, f.text
            ));
        }
    }
    tally
}
