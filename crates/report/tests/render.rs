//! The demo review's report and briefing, opened by the programs readers use: the Word file
//! converted by LibreOffice, both PDFs read back by pdftotext, fonts checked by pdffonts.
#![allow(clippy::unwrap_used)]

use casewindow_interchange::ReviewDocument;
use casewindow_report::{Document, ReportInput, Template, briefing, docx, html, pdf, report};
use chrono::NaiveDate;
use std::io::Read;
use std::path::Path;
use std::process::Command;

fn demo() -> ReportInput {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../app/demo/child-w.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let document: ReviewDocument = serde_json::from_str(&text).unwrap();
    ReportInput::from_document(&document, NaiveDate::from_ymd_opt(2026, 11, 28).unwrap())
}

/// Runs a program the test needs, failing with a plain message when it is missing.
fn run(program: &str, args: &[&str]) -> String {
    let output = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("{program} is needed for this test (./test.sh installs it): {e}")
        });
    assert!(
        output.status.success(),
        "{program} {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Text with whitespace collapsed and typographic quotes made plain, for comparing what a PDF
/// shows with what the records say.
fn normal(text: &str) -> String {
    text.replace(['\u{2019}', '\u{2018}'], "'")
        .replace(['\u{201c}', '\u{201d}'], "\"")
        .replace('\u{00ad}', "")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn assert_every_finding(document: &Document, text: &str, what: &str) {
    let text = normal(text);
    let mut count = 0;
    for finding in document.findings() {
        count += 1;
        assert!(
            text.contains(&normal(&finding.statement)),
            "{what} does not show finding {}: {}",
            finding.number,
            finding.statement
        );
    }
    assert!(
        count >= 3,
        "the demo review should have findings, saw {count}"
    );
}

/// The stress review: the demo with every agency given an 80-character name, its episodes
/// repeated to 40 and its findings to 30.
fn stress() -> ReportInput {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../app/demo/child-w.json");
    let mut value: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    for (n, agency) in value["agencies"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .enumerate()
    {
        let name = format!(
            "Kestrelford and Harbourside Integrated Community Health and Care Partnership No{n}"
        );
        assert_eq!(name.chars().count(), 80);
        agency["name"] = name.into();
    }
    for (key, target) in [("key_practice_episodes", 40), ("findings", 30)] {
        let list = value[key].as_array_mut().unwrap();
        let originals = list.clone();
        while list.len() < target {
            let mut copy = originals[list.len() % originals.len()].clone();
            let position = list.len() + 1;
            copy["record"]["id"] = uuid::Uuid::new_v4().to_string().into();
            copy["record"]["position"] = if copy["record"]["position"].is_string() {
                position.to_string().into()
            } else {
                position.into()
            };
            list.push(copy);
        }
    }
    let document: ReviewDocument = serde_json::from_value(value).unwrap();
    ReportInput::from_document(&document, NaiveDate::from_ymd_opt(2026, 11, 28).unwrap())
}

/// Reads every word's box from `pdftotext -bbox-layout` and fails if two words overlap or a
/// word lies outside the page's text width (`margin_x` from either side) or within 0.6 cm of its
/// top or foot (where printers cannot print): the check that tables are laid out within their cells and nothing prints over
/// anything else. Returns the number of pages.
fn assert_laid_out_cleanly(path: &Path, margin_x: f64, what: &str) -> usize {
    let xhtml = run("pdftotext", &["-bbox-layout", path.to_str().unwrap(), "-"]);
    let number = |tag: &str, name: &str| -> f64 {
        let start = tag.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        let end = start + tag[start..].find('"').unwrap();
        tag[start..end].parse().unwrap()
    };
    let mut pages = 0;
    let mut problems = Vec::new();
    for page in xhtml.split("<page ").skip(1) {
        pages += 1;
        let (width, height) = (number(page, "width"), number(page, "height"));
        let mut words: Vec<([f64; 4], &str)> = page
            .split("<word ")
            .skip(1)
            .map(|word| {
                let text = &word[word.find('>').unwrap() + 1..word.find("</word>").unwrap()];
                let edges = ["xMin", "yMin", "xMax", "yMax"].map(|name| number(word, name));
                (edges, text)
            })
            .collect();
        const SLACK: f64 = 1.0;
        const EDGE: f64 = 0.6 * 28.3465;
        for (b, text) in &words {
            if b[0] < margin_x - SLACK
                || b[2] > width - margin_x + SLACK
                || b[1] < EDGE
                || b[3] > height - EDGE
            {
                problems.push(format!("page {pages}: {text:?} at {b:?} is in the margin"));
            }
        }
        words.sort_by(|a, b| a.0[1].total_cmp(&b.0[1]));
        for (i, (a, first)) in words.iter().enumerate() {
            for (b, second) in &words[i + 1..] {
                if b[1] >= a[3] {
                    break;
                }
                let across = a[2].min(b[2]) - a[0].max(b[0]);
                let down = a[3].min(b[3]) - a[1].max(b[1]);
                if across > SLACK && down > SLACK {
                    problems.push(format!(
                        "page {pages}: {first:?} at {a:?} overlaps {second:?} at {b:?}"
                    ));
                }
            }
        }
    }
    assert!(pages > 0, "{what} has no pages");
    assert!(
        problems.is_empty(),
        "{what}: {} words overlap or leave the text area:\n{}",
        problems.len(),
        problems.join("\n")
    );
    pages
}

/// Converts a Word file to PDF with LibreOffice, returning the PDF's path.
fn libreoffice_pdf(docx: &Path) -> std::path::PathBuf {
    let dir = docx.parent().unwrap();
    let profile = dir.join("lo-profile");
    let profile_url = format!("-env:UserInstallation=file://{}", profile.display());
    run(
        "libreoffice",
        &[
            &profile_url,
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            dir.to_str().unwrap(),
            docx.to_str().unwrap(),
        ],
    );
    let converted = docx.with_extension("pdf");
    assert!(converted.exists(), "LibreOffice wrote no PDF");
    converted
}

/// The text width margins of the layout: 2.3 cm for the report, 1.8 cm for the briefing; and
/// the Word file's 1300 twips.
const REPORT_MARGIN: f64 = 2.3 * 28.3465;
const BRIEFING_MARGIN: f64 = 1.8 * 28.3465;
const WORD_MARGIN: f64 = 1300.0 / 20.0;

#[test]
fn every_page_of_the_pdfs_and_the_word_files_is_laid_out_without_overlaps() {
    let template = Template::default();
    let dir = tempfile::tempdir().unwrap();
    for (name, input) in [("demo", demo()), ("stress", stress())] {
        let document = report(&input, &template);
        let path = dir.path().join(format!("{name}-report.pdf"));
        let bytes = pdf::render(&document, &template.layout, input.generated_on).unwrap();
        std::fs::write(&path, bytes).unwrap();
        let pages = assert_laid_out_cleanly(&path, REPORT_MARGIN, &format!("the {name} report"));
        println!("the {name} report: {pages} pages laid out cleanly");

        let brief = briefing(&input, &template);
        let path = dir.path().join(format!("{name}-briefing.pdf"));
        let bytes = pdf::render(&brief, &template.layout, input.generated_on).unwrap();
        std::fs::write(&path, bytes).unwrap();
        assert_laid_out_cleanly(&path, BRIEFING_MARGIN, &format!("the {name} briefing"));

        let path = dir.path().join(format!("{name}-report.docx"));
        std::fs::write(&path, docx::render(&document).unwrap()).unwrap();
        let converted = libreoffice_pdf(&path);
        let pages = assert_laid_out_cleanly(
            &converted,
            WORD_MARGIN,
            &format!("LibreOffice's PDF of the {name} Word report"),
        );
        println!("LibreOffice's PDF of the {name} Word report: {pages} pages laid out cleanly");
        if name == "stress" {
            assert!(document.findings().count() >= 30);
        }
    }
}

fn pdf_text(path: &Path) -> String {
    run(
        "pdftotext",
        &["-layout", "-enc", "UTF-8", path.to_str().unwrap(), "-"],
    )
}

fn assert_fonts_embedded(path: &Path) {
    let listing = run("pdffonts", &[path.to_str().unwrap()]);
    let rows: Vec<&str> = listing.lines().skip(2).collect();
    assert!(!rows.is_empty(), "no fonts listed:\n{listing}");
    for row in rows {
        // Columns: name type encoding emb sub uni object ID; "emb" is the fourth from the end.
        let cols: Vec<&str> = row.split_whitespace().collect();
        assert_eq!(
            cols[cols.len() - 5],
            "yes",
            "font not embedded: {row}\n{listing}"
        );
    }
}

#[test]
fn the_report_pdf_shows_every_finding_with_its_fonts_embedded() {
    let input = demo();
    let template = Template::default();
    let document = report(&input, &template);
    let bytes = pdf::render(&document, &template.layout, input.generated_on).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.pdf");
    std::fs::write(&path, &bytes).unwrap();
    let text = pdf_text(&path);
    assert_every_finding(&document, &text, "our PDF");
    for heading in [
        "Introduction",
        "Methodology",
        "Terms of reference and research questions",
        "Review team and participation",
        "The family's contribution",
        "The case in summary",
        "Analysis of key practice episodes",
        "Questions for the partnership",
        "Appendix A: the findings in the typology",
        "Appendix C: glossary",
    ] {
        assert!(normal(&text).contains(heading), "our PDF lacks {heading}");
    }
    assert_fonts_embedded(&path);
    let info = run("pdfinfo", &[path.to_str().unwrap()]);
    assert!(
        info.contains("Title:") && info.contains(&input.review.title),
        "{info}"
    );
}

#[test]
fn the_word_report_opens_in_libreoffice_and_shows_every_finding() {
    let input = demo();
    let document = report(&input, &Template::default());
    let bytes = docx::render(&document).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.docx");
    std::fs::write(&path, &bytes).unwrap();

    // Real headings and a table of contents, as Word expects them.
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut xml = String::new();
    archive
        .by_name("word/document.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    assert!(xml.contains(r#"<w:pStyle w:val="Heading1"/>"#));
    assert!(xml.contains(r#"TOC \o "1-2""#));
    let mut styles = String::new();
    archive
        .by_name("word/styles.xml")
        .unwrap()
        .read_to_string(&mut styles)
        .unwrap();
    assert!(styles.contains(r#"<w:outlineLvl w:val="0"/>"#));

    let converted = libreoffice_pdf(&path);
    let text = pdf_text(&converted);
    assert_every_finding(&document, &text, "LibreOffice's PDF of our Word file");
    assert!(normal(&text).contains("Contents"));
}

#[test]
fn the_briefing_fits_on_two_pages_and_names_every_finding() {
    let input = demo();
    let template = Template::default();
    let document = briefing(&input, &template);
    let bytes = pdf::render(&document, &template.layout, input.generated_on).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("briefing.pdf");
    std::fs::write(&path, &bytes).unwrap();
    let info = run("pdfinfo", &[path.to_str().unwrap()]);
    let pages: u32 = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&pages), "the briefing takes {pages} pages");
    let text = normal(&pdf_text(&path));
    for finding in &input.findings {
        assert!(
            text.contains(&normal(&finding.statement)),
            "the briefing lacks: {}",
            finding.statement
        );
    }
    assert!(!docx::render(&document).unwrap().is_empty());
}

#[test]
fn the_preview_escapes_text_and_links_its_contents() {
    let mut input = demo();
    input.findings[0].statement = "Tools <script>alert(1)</script> & forms shape practice.".into();
    let document = report(&input, &Template::default());
    let page = html::render(&document);
    assert!(!page.contains("<script>"));
    assert!(page.contains("Tools &lt;script&gt;alert(1)&lt;/script&gt; &amp; forms"));
    assert!(page.contains(r##"<a href="#section-introduction">Introduction</a>"##));
    assert!(page.contains(r#"<h2 id="section-introduction">"#));
    assert!(page.contains("<svg"), "the typology chart is inline");
    // The key practice episodes on the agencies' swimlanes, with the same in a table.
    assert!(page.contains("The key practice episodes over time, by agency"));
    let timeline = page
        .split("<svg")
        .find(|svg| svg.contains("timeline-title"))
        .expect("the episodes timeline is inline");
    let placed = input
        .kpes
        .iter()
        .filter(|k| k.period.is_some() && !k.agencies.is_empty());
    let marks: usize = placed.clone().map(|k| k.agencies.len()).sum();
    assert!(placed.count() > 1, "the demo places its episodes in time");
    assert_eq!(
        timeline.matches("<circle").count() + timeline.matches("<rect x=\"").count()
            - timeline.matches("height=\"56\"").count(),
        marks,
        "one mark per episode and agency"
    );
}

#[test]
fn a_mistake_in_the_layout_is_reported_with_its_line() {
    let layout = "#let data = json(\"report.json\")\n\n#data.title\n#nonsense(1)\n";
    match pdf::check_layout(layout) {
        Err(pdf::PdfError::Layout { line, message }) => {
            assert_eq!(line, 4, "{message}");
            assert!(message.contains("nonsense"), "{message}");
        }
        other => panic!("expected a layout error, got {other:?}"),
    }
    pdf::check_layout(&Template::default().layout).unwrap();
    // A layout may not read files from the machine.
    let sneaky = "#read(\"/etc/passwd\")\n";
    assert!(matches!(
        pdf::check_layout(sneaky),
        Err(pdf::PdfError::Layout { line: 1, .. })
    ));
}

#[test]
fn names_are_replaced_everywhere_the_document_shows_text() {
    let input = demo();
    let mut document = report(&input, &Template::default());
    let title = input.review.title.clone();
    assert!(document.plain_text().contains(&title));
    document.map_text(&|text: &str| text.replace(&title, "[replaced]"));
    assert!(!document.plain_text().contains(&title));
    assert!(!html::render(&document).contains(&title));
    assert!(document.plain_text().contains("[replaced]"));
}

/// A family member as the participants page records them.
fn family_member(
    label: &str,
    consent: Option<(u32, Option<u32>)>,
    declined: Option<u32>,
    contribution: &str,
) -> casewindow_domain::participation::Participation {
    let day = |d: u32| NaiveDate::from_ymd_opt(2026, 3, d).unwrap();
    casewindow_domain::participation::Participation {
        id: casewindow_domain::ids::ParticipationId(uuid::Uuid::new_v4()),
        review_id: demo().review.id,
        user_id: None,
        label: label.to_owned(),
        role: casewindow_domain::participation::Role::FamilyMember,
        agency_id: None,
        invited_on: Some(day(1)),
        consent: consent.map(
            |(given, withdrawn)| casewindow_domain::participation::Consent {
                given_on: day(given),
                terms: "Quoted without names.".to_owned(),
                withdrawn_on: withdrawn.map(day),
            },
        ),
        declined_on: declined.map(day),
        contribution: contribution.to_owned(),
        withdrawn: None,
    }
}

#[test]
fn the_family_section_says_who_took_part_who_declined_and_who_withdrew() {
    let mut input = demo();
    input
        .participants
        .retain(|p| p.role != casewindow_domain::participation::Role::FamilyMember);
    input.participants.extend([
        family_member(
            "Mother",
            Some((3, None)),
            None,
            "A conversation at home in March.",
        ),
        family_member("Father", None, Some(4), ""),
        family_member(
            "Grandmother",
            Some((3, Some(20))),
            None,
            "A written account.",
        ),
    ]);
    let text = normal(&report(&input, &Template::default()).plain_text());
    assert!(text.contains("The review heard from Mother."), "{text}");
    assert!(text.contains("Mother: A conversation at home in March."));
    assert!(text.contains("Father chose not to take part"));
    assert!(text.contains("Grandmother later withdrew consent"));
    assert!(
        !text.contains("A written account"),
        "a withdrawn account is not used"
    );
}

#[test]
fn the_letters_to_those_invited_are_word_documents_from_the_template() {
    let input = demo();
    let mut template = Template::default();
    let mother = family_member("Mother", None, None, "");
    for (which, opening) in [
        (casewindow_report::Letter::Invitation, "Dear Mother,"),
        (
            casewindow_report::Letter::Explanation,
            "What the review is.",
        ),
    ] {
        let document = casewindow_report::letter(&input, &template, which, &mother);
        let text = document.plain_text();
        assert!(text.contains(opening), "{text}");
        assert!(text.contains(&input.review.title));
        assert!(!text.contains('{'), "every placeholder filled: {text}");
        let bytes = docx::render(&document).unwrap();
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut xml = String::new();
        archive
            .by_name("word/document.xml")
            .unwrap()
            .read_to_string(&mut xml)
            .unwrap();
        assert!(xml.contains(opening));
    }
    // An administrator's wording is what the letter says.
    template.wording.invitation_letter = "Hello {participant}, about {review}.".to_owned();
    let document = casewindow_report::letter(
        &input,
        &template,
        casewindow_report::Letter::Invitation,
        &mother,
    );
    assert!(
        document
            .plain_text()
            .contains(&format!("Hello Mother, about {}.", input.review.title))
    );
}

#[test]
fn a_disagreement_that_stands_is_in_the_report_with_each_view_by_the_holders_part() {
    use casewindow_domain::collaboration::*;
    let mut input = demo();
    let finding = input.findings[0].clone();
    let holder = input.participants[0].clone();
    input.meetings.push(Meeting {
        id: casewindow_domain::ids::MeetingId(uuid::Uuid::from_u128(7)),
        review_id: input.review.id,
        kind: MeetingKind::Joint,
        held_on: NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
        title: "Joint meeting".to_owned(),
        attendees: vec![holder.id],
        items: Vec::new(),
        notes: String::new(),
        actions: Vec::new(),
        disagreements: vec![
            Disagreement {
                about: Topic::Finding(finding.id),
                views: vec![View {
                    holder: holder.id,
                    view: "The threshold was applied as written".to_owned(),
                }],
                status: DisagreementStatus::Stands,
                resolution: "The agency keeps its view".to_owned(),
                report_location: "Finding 1".to_owned(),
            },
            Disagreement {
                about: Topic::Finding(finding.id),
                views: Vec::new(),
                status: DisagreementStatus::Resolved,
                resolution: "Settled".to_owned(),
                report_location: String::new(),
            },
        ],
    });
    let text = report(&input, &Template::default()).plain_text();
    assert!(text.contains("Where views differ"), "{text}");
    assert!(text.contains(&format!(
        "{}: The threshold was applied as written",
        holder.label
    )));
    assert!(text.contains("Why it stands: The agency keeps its view"));
    assert!(
        !text.contains("Settled"),
        "a resolved disagreement is not listed"
    );
    input.meetings.clear();
    assert!(
        !report(&input, &Template::default())
            .plain_text()
            .contains("Where views differ")
    );
}

/// A thematic analysis with everything a national one holds: long issue labels, hidden counts,
/// four periods, sectors, changes, candidates and questions.
fn thematic_sample() -> casewindow_report::thematic::Analysis {
    use casewindow_report::thematic::{
        Analysis, CandidateFigures, Changes, Example, IssueChange, IssueFigures, PatternFigures,
        Period, Question, Scope, SectorFigures, Together, difference, wilson,
    };
    use std::collections::BTreeMap;
    let names = [
        "Tools",
        "Management systems",
        "Multi-agency working in incidents and crises",
        "Multi-agency working in longer-term work",
        "Family-professional interaction",
        "Human judgement and reasoning",
    ];
    let years: Vec<String> = (2014..=2026).map(|y| y.to_string()).collect();
    let by = |n: usize| -> BTreeMap<String, Option<usize>> {
        years
            .iter()
            .enumerate()
            .map(|(i, y)| (y.clone(), (i % 3 != 0).then_some(n + i)))
            .collect()
    };
    let example = |i: usize| Example {
        finding: format!("00000000-0000-4000-8000-{i:012}"),
        review: format!("Review 1234-5678-{:04}", 1000 + i),
        statement: "When several agencies are working with a family at once, each holds part of \
                    the picture and nobody is asked to put the parts together, so a pattern of \
                    concern that no single agency sees goes unrecognised for months."
            .to_owned(),
    };
    let patterns: Vec<PatternFigures> = (1..=6u8)
        .map(|p| PatternFigures {
            pattern: p,
            name: names[usize::from(p) - 1].to_owned(),
            findings: Some(1200 + usize::from(p) * 37),
            reviews: Some(900 + usize::from(p) * 11),
            constructive: (p != 6).then_some(200),
            unsafe_: Some(1000),
            undecided: (p != 6).then_some(p.into()),
            by_year: by(40),
            prevalence: wilson(900 + usize::from(p) * 11, 5000),
            prevalence_by_year: years.iter().map(|y| (y.clone(), wilson(70, 400))).collect(),
        })
        .collect();
    let issues: Vec<IssueFigures> = (0..30)
        .map(|i| IssueFigures {
            issue: format!("issue-{i}"),
            label: format!(
                "Information about the adults in a household does not reach the practitioners \
                 working with the children ({i})"
            ),
            pattern: u8::try_from(i % 6 + 1).unwrap(),
            reviews: (i < 25).then_some(800 - i * 20),
            partnerships: (i < 20).then_some(120 - i),
            findings: Some(900 - i * 20),
            examples: (0..3).map(|j| format!("f-{i}-{j}")).collect(),
            example_statements: (0..3).map(|j| example(i * 3 + j)).collect(),
        })
        .collect();
    let periods: Vec<Period> = [(2014, 2016), (2017, 2019), (2020, 2022), (2023, 2026)]
        .iter()
        .map(|&(from, to)| Period {
            from,
            to,
            reviews: Some(1250),
            patterns: (1..=6)
                .map(|p: u8| (p.to_string(), wilson(300 + usize::from(p) * 10, 1250)))
                .collect(),
            findings: (1..=6).map(|p: u8| (p.to_string(), Some(400))).collect(),
        })
        .collect();
    Analysis {
        scope: Scope {
            partnerships: vec![
                "Fernmouth Safeguarding Children Partnership".to_owned(),
                "Redwater and Lowfield Safeguarding Children Partnership".to_owned(),
            ],
            from: Some(2014),
            to: Some(2026),
            kinds: vec!["Local child safeguarding practice review".to_owned()],
        },
        made_on: "2026-12-08".to_owned(),
        library_state: "123456789.5000".to_owned(),
        library_reviews: 5000,
        reviews_without_findings: 12,
        suppressed_below: 5,
        reviews: Some(5000),
        findings: Some(30000),
        partnerships: Some(150),
        reviews_by_year: by(380),
        reviews_by_kind: [
            ("Serious case review".to_owned(), Some(2000)),
            ("Themed review".to_owned(), None),
        ]
        .into_iter()
        .collect(),
        periods,
        patterns,
        issues: issues.clone(),
        patterns_together: (0..15)
            .map(|i| Together {
                first: format!("{}. {}", i % 6 + 1, names[i % 6]),
                second: format!("{}. {}", (i + 1) % 6 + 1, names[(i + 1) % 6]),
                reviews: (i % 4 != 0).then_some(400 + i),
            })
            .collect(),
        issues_together: issues
            .iter()
            .take(10)
            .map(|i| Together {
                first: i.label.clone(),
                second: issues[29].label.clone(),
                reviews: Some(55),
            })
            .collect(),
        sectors: [
            "Children's social care",
            "Acute hospital and emergency department",
            "Police",
        ]
        .iter()
        .map(|s| SectorFigures {
            sector: (*s).to_owned(),
            reviews: Some(3000),
            by_pattern: (1..=6).map(|p: u8| (p.to_string(), Some(1000))).collect(),
        })
        .collect(),
        changes: Some(Changes {
            basis: "The period chosen is compared with the same number of years before it."
                .to_owned(),
            now: (2020, 2026),
            before: Some((2013, 2019)),
            reviews_now: Some(2900),
            reviews_before: Some(2100),
            issues: issues
                .iter()
                .take(20)
                .enumerate()
                .map(|(n, i)| IssueChange {
                    issue: i.issue.clone(),
                    label: i.label.clone(),
                    reviews_now: Some(300 + n),
                    reviews_before: (n % 5 != 0).then_some(150),
                    difference: difference(300 + n, 2900, 150, 2100),
                    direction: "rising".to_owned(),
                })
                .collect(),
        }),
        candidates: (0..4)
            .map(|c| CandidateFigures {
                pattern: 4,
                key_terms: vec!["interpreter".into(), "unplanned".into(), "booking".into()],
                reviews: (c != 3).then_some(12),
                examples: (0..3).map(example).collect(),
            })
            .collect(),
        questions: (0..6)
            .map(|q| Question {
                question: format!(
                    "Who should hold the whole picture when several agencies are working with \
                     an exploited young person ({q})?"
                ),
                because: "\"No one holds the whole picture\" recurs in 800 reviews across 120 \
                          partnerships (pattern 4)."
                    .to_owned(),
            })
            .collect(),
    }
}

#[test]
fn a_thematic_analysis_is_laid_out_cleanly_in_pdf_and_word() {
    let template = Template::default();
    let analysis = thematic_sample();
    let document = casewindow_report::thematic::document(&analysis);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("thematic.pdf");
    let bytes = pdf::render(
        &document,
        &template.layout,
        NaiveDate::from_ymd_opt(2026, 12, 8).unwrap(),
    )
    .unwrap();
    std::fs::write(&path, bytes).unwrap();
    let pages = assert_laid_out_cleanly(&path, REPORT_MARGIN, "the thematic analysis");
    println!("the thematic analysis: {pages} pages laid out cleanly");
    assert_fonts_embedded(&path);
    let text = normal(&pdf_text(&path));
    for heading in [
        "Scope and method",
        "The six patterns across reviews",
        "Over the years",
        "Recurrent issues",
        "What occurs together",
        "By agency sector",
        "Rising and falling",
        "Candidate new recurrent issues",
        "Questions for the system",
    ] {
        assert!(text.contains(heading), "the PDF lacks {heading}");
    }
    assert!(text.contains(&normal(&analysis.issues[0].example_statements[0].statement)));
    assert!(text.contains("<5"), "hidden counts are shown as <5");

    let path = dir.path().join("thematic.docx");
    std::fs::write(&path, docx::render(&document).unwrap()).unwrap();
    let converted = libreoffice_pdf(&path);
    let pages = assert_laid_out_cleanly(
        &converted,
        WORD_MARGIN,
        "LibreOffice's PDF of the Word thematic analysis",
    );
    println!("LibreOffice's PDF of the Word thematic analysis: {pages} pages laid out cleanly");
    let text = normal(&pdf_text(&converted));
    assert!(text.contains("Questions for the system"));
    let html = html::render(&document);
    assert!(html.contains("Rising and falling"));
}
