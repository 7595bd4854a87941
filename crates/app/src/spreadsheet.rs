//! CSV exports that open correctly in a spreadsheet: UTF-8 with a byte-order mark (so Excel
//! reads the accents), dates as ISO dates (`2024-03-05`, which spreadsheets take as dates),
//! numbers as numbers, line breaks kept inside quoted cells, and no cell a spreadsheet would
//! run as a formula (text that begins with `=`, `+`, `@`, a tab, or a `-` that is not a dash
//! before a word, gets a leading apostrophe).

use crate::{Actor, App, AppError, AppResult};
use casewindow_domain::evidence::{ChronologyEntry, DatePrecision};
use casewindow_domain::findings::Polarity;
use casewindow_domain::ids::ReviewId;
use casewindow_store::Store;
use chrono::NaiveDate;

/// A spreadsheet being written.
struct Sheet {
    writer: csv::Writer<Vec<u8>>,
}

/// One cell.
enum Cell {
    Text(String),
    Number(i64),
    Date(Option<NaiveDate>),
}

impl Cell {
    fn text(value: impl Into<String>) -> Self {
        Self::Text(value.into())
    }

    fn render(&self) -> String {
        match self {
            Self::Text(text) => neutralised(text),
            Self::Number(n) => n.to_string(),
            Self::Date(Some(d)) => d.format("%Y-%m-%d").to_string(),
            Self::Date(None) => String::new(),
        }
    }
}

/// Text a spreadsheet shows as text, never runs.
fn neutralised(text: &str) -> String {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut chars = text.chars();
    let risky = match chars.next() {
        Some('=' | '+' | '@' | '\t') => true,
        Some('-') => !chars.next().is_none_or(char::is_whitespace),
        _ => false,
    };
    if risky { format!("'{text}") } else { text }
}

impl Sheet {
    fn new(headings: &[&str]) -> AppResult<Self> {
        let mut sheet = Self {
            writer: csv::WriterBuilder::new()
                .terminator(csv::Terminator::CRLF)
                .from_writer(b"\xEF\xBB\xBF".to_vec()),
        };
        sheet
            .writer
            .write_record(headings)
            .map_err(|e| AppError::Internal(format!("writing CSV: {e}")))?;
        Ok(sheet)
    }

    fn row(&mut self, cells: &[Cell]) -> AppResult<()> {
        self.writer
            .write_record(cells.iter().map(Cell::render))
            .map_err(|e| AppError::Internal(format!("writing CSV: {e}")))
    }

    fn finish(self) -> AppResult<Vec<u8>> {
        self.writer
            .into_inner()
            .map_err(|e| AppError::Internal(format!("writing CSV: {e}")))
    }
}

fn polarity(polarity: Option<Polarity>) -> &'static str {
    match polarity {
        Some(Polarity::Constructive) => "Constructive",
        Some(Polarity::Unsafe) => "Unsafe",
        None => "",
    }
}

impl<S: Store> App<S> {
    /// The library's findings the actor may read (de-identified for national analysts, as the
    /// library shows them), one row each.
    pub async fn library_findings_csv(&self, actor: &Actor) -> AppResult<Vec<u8>> {
        if actor.platform_admin {
            return Err(AppError::NotFound {
                what: "the library".to_owned(),
            });
        }
        let findings = self.library_findings(actor).await?;
        let mut sheet = Sheet::new(&[
            "Review",
            "Review kind",
            "Year",
            "Finding",
            "Pattern number",
            "Pattern",
            "Secondary pattern",
            "Polarity",
            "Status",
            "Statement",
            "Recurrent issues",
            "Recurrent issue codes",
            "Agency sectors",
        ])?;
        for f in &findings {
            let issues: Vec<&str> = f.issues.iter().map(|i| i.label.as_str()).collect();
            let codes: Vec<&str> = f.issues.iter().map(|i| i.code.as_str()).collect();
            let sectors: Vec<&str> = f.sectors.iter().map(|s| s.label()).collect();
            sheet.row(&[
                Cell::text(f.review_title.clone()),
                Cell::text(f.review_kind.label()),
                Cell::Number(i64::from(f.year)),
                Cell::Number(i64::from(f.finding.position)),
                f.finding
                    .pattern
                    .map_or(Cell::text(""), |p| Cell::Number(i64::from(p.number()))),
                Cell::text(
                    f.finding
                        .pattern
                        .map(|p| p.short_label())
                        .unwrap_or_default(),
                ),
                Cell::text(
                    f.finding
                        .secondary_pattern
                        .map(|p| p.short_label())
                        .unwrap_or_default(),
                ),
                Cell::text(polarity(f.finding.polarity)),
                Cell::text(f.finding.status.label()),
                Cell::text(f.finding.statement.clone()),
                Cell::text(issues.join("; ")),
                Cell::text(codes.join("; ")),
                Cell::text(sectors.join("; ")),
            ])?;
        }
        self.audit_export(actor, None, "library", "csv").await?;
        sheet.finish()
    }

    /// Every action of the reviews the actor may see, as the action tracker lists them.
    pub async fn actions_csv(&self, actor: &Actor) -> AppResult<Vec<u8>> {
        let actions = self.action_tracker(actor).await?;
        let mut sheet = Sheet::new(&[
            "Review",
            "Partnership",
            "Finding",
            "Action",
            "Owner",
            "Due",
            "Status",
            "Overdue",
            "Status note",
            "Evidence of impact",
            "Latest evidence recorded",
        ])?;
        for tracked in &actions {
            let action = &tracked.action;
            let evidence: Vec<String> = action
                .impact_evidence
                .iter()
                .map(|e| {
                    format!(
                        "{}: {}",
                        e.recorded_on.format("%Y-%m-%d"),
                        e.description.trim()
                    )
                })
                .collect();
            sheet.row(&[
                Cell::text(tracked.review_title.clone()),
                Cell::text(tracked.partnership.clone()),
                tracked
                    .finding_number
                    .map_or(Cell::text(""), |n| Cell::Number(i64::from(n))),
                Cell::text(action.description.clone()),
                Cell::text(tracked.owner.clone()),
                Cell::Date(action.due_on),
                Cell::text(action.status.label()),
                Cell::text(if tracked.overdue { "Yes" } else { "No" }),
                Cell::text(action.status_note.clone()),
                Cell::text(evidence.join("\n")),
                Cell::Date(action.impact_evidence.iter().map(|e| e.recorded_on).max()),
            ])?;
        }
        self.audit_export(actor, None, "actions", "csv").await?;
        sheet.finish()
    }

    /// A review's chronology (what the actor may read of it), one row per entry in date order,
    /// with the review's title (to name the file); the read is audited as reading the
    /// chronology is.
    pub async fn chronology_csv(
        &self,
        actor: &Actor,
        review: ReviewId,
    ) -> AppResult<(String, Vec<u8>)> {
        let mut entries: Vec<ChronologyEntry> = self
            .records::<ChronologyEntry>(actor, review)
            .await?
            .into_iter()
            .map(|s| s.record)
            .collect();
        entries.sort_by_key(|e| (e.occurred.start, e.occurred.time, e.occurred.end));
        let agencies: std::collections::HashMap<_, String> = self
            .agencies_of(actor, review)
            .await?
            .into_iter()
            .map(|a| (a.id, a.name))
            .collect();
        let documents: std::collections::HashMap<_, String> = self
            .store
            .list::<casewindow_domain::evidence::SourceDocument>(review.0)
            .await?
            .into_iter()
            .map(|d| (d.record.id, d.record.title))
            .collect();
        let mut sheet = Sheet::new(&[
            "Date",
            "Until",
            "Time",
            "Date known to",
            "Agency",
            "Who acted",
            "Contact",
            "What happened",
            "Source",
            "Source row",
        ])?;
        for entry in &entries {
            let date = &entry.occurred;
            let until = match date.precision {
                DatePrecision::Day => None,
                _ => Some(date.end).filter(|end| *end != date.start),
            };
            let source = entry.source.as_ref();
            sheet.row(&[
                Cell::Date(Some(date.start)),
                Cell::Date(until),
                Cell::text(
                    date.time
                        .map(|t| t.format("%H:%M").to_string())
                        .unwrap_or_default(),
                ),
                Cell::text(match date.precision {
                    DatePrecision::Day => "the day",
                    DatePrecision::Month => "the month",
                    DatePrecision::Year => "the year",
                    DatePrecision::Approximate => "approximately",
                    DatePrecision::Range => "a range of days",
                }),
                Cell::text(agencies.get(&entry.agency_id).cloned().unwrap_or_default()),
                Cell::text(entry.actor_role.clone()),
                Cell::text(entry.contact_type.clone()),
                Cell::text(entry.description.clone()),
                Cell::text(
                    source
                        .and_then(|s| documents.get(&s.document_id))
                        .cloned()
                        .unwrap_or_default(),
                ),
                source
                    .and_then(|s| s.row)
                    .map_or(Cell::text(""), |r| Cell::Number(i64::from(r))),
            ])?;
        }
        self.audit_export(actor, Some(review), "chronology", "csv")
            .await?;
        let title = self
            .store
            .get::<casewindow_domain::review::Review>(review.0)
            .await?
            .record
            .title;
        Ok((title, sheet.finish()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_text_kept() {
        assert_eq!(neutralised("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralised("+44 20"), "'+44 20");
        assert_eq!(neutralised("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralised("-1+2"), "'-1+2");
        assert_eq!(
            neutralised("- a dash before words"),
            "- a dash before words"
        );
        assert_eq!(neutralised("-"), "-");
        assert_eq!(neutralised("Ça va\r\nnext"), "Ça va\nnext");
        assert_eq!(neutralised("a = b"), "a = b");
    }

    #[test]
    fn a_sheet_has_a_bom_dates_and_quoted_line_breaks() {
        let mut sheet = Sheet::new(&["Date", "Text", "N"]).unwrap();
        sheet
            .row(&[
                Cell::Date(NaiveDate::from_ymd_opt(2024, 3, 5)),
                Cell::text("two\nlines, \"quoted\""),
                Cell::Number(7),
            ])
            .unwrap();
        let bytes = sheet.finish().unwrap();
        assert!(bytes.starts_with(b"\xEF\xBB\xBFDate,Text,N\r\n"));
        assert!(bytes.ends_with(b"2024-03-05,\"two\nlines, \"\"quoted\"\"\",7\r\n"));
    }
}
