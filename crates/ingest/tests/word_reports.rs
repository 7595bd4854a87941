//! Fictional published-style reports written the Word way (tests/word-reports/*.html, each a
//! different house style): LibreOffice makes each a Word document, and that a PDF, as report
//! writers' own tools do; both are read back and every finding's statement and stated pattern
//! is recovered, nothing else taken for a finding. The measurement is printed. Needs LibreOffice
//! (`./test.sh` installs it); skipped, saying so, where it is absent.

mod common;

use common::{Tally, expected_for, fixtures, measure};
use std::path::Path;
use std::process::Command;

fn soffice(profile: &Path, args: &[&str]) -> bool {
    Command::new("soffice")
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.display()
        ))
        .arg("--headless")
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn every_finding_of_every_word_house_style_is_recovered_from_word_and_pdf() {
    if Command::new("soffice").arg("--version").output().is_err() {
        eprintln!("skipped: LibreOffice (soffice) is not installed");
        return;
    }
    let files = fixtures("word-reports", "html");
    let work = tempfile::tempdir().expect("temp dir");
    let profile = work.path().join("profile");
    let out = work.path().join("out");
    let mut problems = Vec::new();
    let mut all = Tally::default();
    Tally::header();
    for path in &files {
        let name = path
            .file_stem()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let expected = expected_for(path);
        let docx = out.join(format!("{name}.docx"));
        let pdf = out.join(format!("{name}.pdf"));
        let outdir = out.to_str().expect("path");
        assert!(
            soffice(
                &profile,
                &[
                    "--infilter=HTML (StarWriter)",
                    "--convert-to",
                    "docx",
                    "--outdir",
                    outdir,
                    path.to_str().expect("path")
                ]
            ),
            "LibreOffice made no Word document of {name}"
        );
        assert!(
            soffice(
                &profile,
                &[
                    "--convert-to",
                    "pdf",
                    "--outdir",
                    outdir,
                    docx.to_str().expect("path")
                ]
            ),
            "LibreOffice made no PDF of {name}"
        );
        for (format, file) in [("docx", &docx), ("pdf", &pdf)] {
            let bytes = std::fs::read(file).expect("converted file");
            let label = format!("{name}.{format}");
            let tally = measure(&label, &bytes, &expected, &mut problems);
            tally.line(&label, &expected.style);
            all.add(&tally);
        }
    }
    all.line("all (Word and PDF)", "");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
