//! From a table to chronology entries: which row holds the headings (merged header rows are
//! joined), which column means what (guessed from the headings, or given by a mapping the agency
//! keeps), and every row read or refused with its row, column and reason.

use crate::dates;
use crate::read::Table;
use casewindow_domain::evidence::FuzzyDate;
use serde::{Deserialize, Serialize};

/// What a column holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Date,
    Time,
    Description,
    ActorRole,
    ContactType,
}

impl Field {
    pub const ALL: [Field; 5] = [
        Self::Date,
        Self::Time,
        Self::Description,
        Self::ActorRole,
        Self::ContactType,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Self::Date => "date",
            Self::Time => "time",
            Self::Description => "what happened",
            Self::ActorRole => "who acted (role)",
            Self::ContactType => "kind of contact",
        }
    }

    /// Headings agencies use for this field (compared in lower case, punctuation dropped).
    fn headings(self) -> &'static [&'static str] {
        match self {
            Self::Date => &[
                "date",
                "date of event",
                "event date",
                "date of contact",
                "contact date",
                "date time",
                "date and time",
                "when",
                "date of incident",
                "incident date",
                "date seen",
                "entry date",
                "occurred",
            ],
            Self::Time => &["time", "time of contact", "time of event"],
            Self::Description => &[
                "description",
                "event",
                "details",
                "detail",
                "event details",
                "summary",
                "what happened",
                "narrative",
                "notes",
                "note",
                "entry",
                "contact details",
                "details of contact",
                "description of event",
                "information",
                "record",
                "action",
                "outcome",
                "comments",
            ],
            Self::ActorRole => &[
                "professional",
                "practitioner",
                "worker",
                "staff",
                "role",
                "by",
                "recorded by",
                "author",
                "officer",
                "professional involved",
                "who",
                "practitioner role",
                "staff member",
            ],
            Self::ContactType => &[
                "type",
                "contact",
                "contact type",
                "kind of contact",
                "contact method",
                "type of contact",
                "event type",
                "category",
                "activity",
                "method",
                "source",
            ],
        }
    }
}

/// Which column holds which field, and where the data starts. Kept per agency.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    /// The sheet or table to read ("Sheet1", "table 2"); the first that maps when empty.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub table: String,
    /// Rows (1-based) that hold the headings; data starts after the last.
    pub header_rows: Vec<usize>,
    /// Field → column heading (as written) or column letter ("B").
    pub columns: Vec<(Field, String)>,
}

/// One row read as an entry.
#[derive(Clone, Debug, PartialEq)]
pub struct EntryDraft {
    /// Row number as the source shows it (1-based).
    pub row: usize,
    pub occurred: FuzzyDate,
    pub description: String,
    pub actor_role: String,
    pub contact_type: String,
}

/// A row that cannot become an entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RowProblem {
    pub row: usize,
    /// The column's heading as written (or its letter).
    pub column: String,
    pub reason: String,
}

/// A table read with a mapping: the entries, and every row that could not be read.
#[derive(Clone, Debug, PartialEq)]
pub struct Reading {
    pub table: String,
    pub mapping: Mapping,
    pub headings: Vec<String>,
    pub entries: Vec<EntryDraft>,
    pub problems: Vec<RowProblem>,
}

/// Why a table cannot be mapped.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MappingError {
    #[error(
        "no table has headings casewindow recognises for the date and for what happened (found: {found}); give a column mapping"
    )]
    NotRecognised { found: String },
    #[error("the mapping names the table \"{0}\", which the file does not have")]
    NoSuchTable(String),
    #[error("the mapping's column \"{heading}\" for the {field} is not in the headings ({found})")]
    NoSuchColumn {
        field: &'static str,
        heading: String,
        found: String,
    },
    #[error("the mapping needs a column for the {0}")]
    Missing(&'static str),
}

fn normalise(heading: &str) -> String {
    heading
        .to_lowercase()
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// "A", "B", ... "AA" for a column index.
pub fn column_letter(mut index: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (index % 26) as u8);
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

fn letter_index(text: &str) -> Option<usize> {
    if text.is_empty() || text.len() > 3 || !text.bytes().all(|b| b.is_ascii_uppercase()) {
        return None;
    }
    let mut n = 0usize;
    for b in text.bytes() {
        n = n * 26 + usize::from(b - b'A') + 1;
    }
    Some(n - 1)
}

/// How well a heading names a field: 2 exact, 1 containing a known heading word, 0 not.
fn score(heading: &str, field: Field) -> u8 {
    let h = normalise(heading);
    if h.is_empty() {
        return 0;
    }
    if field.headings().contains(&h.as_str()) {
        return 2;
    }
    let words: Vec<&str> = h.split(' ').collect();
    let first = field.headings()[0];
    if words.contains(&first) && h.len() <= 40 {
        return 1;
    }
    0
}

/// The headings of the rows `header_rows` (merged rows joined, column by column).
fn headings_of(table: &Table, header_rows: &[usize]) -> Vec<String> {
    let width = table.rows.iter().map(Vec::len).max().unwrap_or(0);
    (0..width)
        .map(|c| {
            let mut parts: Vec<String> = Vec::new();
            for &r in header_rows {
                if let Some(text) = table.rows.get(r - 1).and_then(|row| row.get(c)) {
                    let t = text.trim().to_owned();
                    if !t.is_empty() && !parts.contains(&t) {
                        parts.push(t);
                    }
                }
            }
            parts.join(" ")
        })
        .collect()
}

/// Guesses the mapping of one table: the first row (of the first 15) whose cells name a date
/// and a description column; a row above it is joined when it only groups its columns.
pub fn guess(table: &Table) -> Option<Mapping> {
    for r in 0..table.rows.len().min(15) {
        for rows in [vec![r + 1], if r > 0 { vec![r, r + 1] } else { vec![] }] {
            if rows.is_empty() {
                continue;
            }
            let headings = headings_of(table, &rows);
            let mut columns = Vec::new();
            let mut used = Vec::new();
            for field in Field::ALL {
                let best = headings
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| !used.contains(i))
                    .map(|(i, h)| (score(h, field), i, h))
                    .filter(|(s, _, _)| *s > 0)
                    .max_by_key(|(s, i, _)| (*s, std::cmp::Reverse(*i)));
                if let Some((_, i, h)) = best {
                    used.push(i);
                    columns.push((
                        field,
                        if h.is_empty() {
                            column_letter(i)
                        } else {
                            h.clone()
                        },
                    ));
                }
            }
            let has = |f: Field| columns.iter().any(|(g, _)| *g == f);
            if has(Field::Date) && has(Field::Description) {
                return Some(Mapping {
                    table: table.name.clone(),
                    header_rows: rows,
                    columns,
                });
            }
        }
    }
    None
}

fn resolve(
    mapping: &Mapping,
    headings: &[String],
    field: Field,
) -> Result<Option<usize>, MappingError> {
    let Some((_, wanted)) = mapping.columns.iter().find(|(f, _)| *f == field) else {
        return Ok(None);
    };
    if let Some(i) = headings
        .iter()
        .position(|h| normalise(h) == normalise(wanted))
    {
        return Ok(Some(i));
    }
    if let Some(i) = letter_index(wanted.trim()) {
        return Ok(Some(i));
    }
    Err(MappingError::NoSuchColumn {
        field: field.label(),
        heading: wanted.clone(),
        found: headings.join(", "),
    })
}

/// Reads the file's tables with a mapping (or the guessed one).
pub fn read(tables: &[Table], given: Option<&Mapping>) -> Result<Reading, MappingError> {
    let (table, mapping) = match given {
        Some(m) => {
            let table = if m.table.is_empty() {
                tables.first()
            } else {
                tables.iter().find(|t| t.name == m.table)
            }
            .ok_or_else(|| MappingError::NoSuchTable(m.table.clone()))?;
            (table, m.clone())
        }
        None => tables
            .iter()
            .find_map(|t| guess(t).map(|m| (t, m)))
            .ok_or_else(|| MappingError::NotRecognised {
                found: tables
                    .iter()
                    .filter_map(|t| t.rows.first())
                    .flat_map(|r| r.iter().filter(|c| !c.trim().is_empty()).take(8))
                    .map(|c| format!("\"{}\"", c.chars().take(30).collect::<String>()))
                    .take(12)
                    .collect::<Vec<_>>()
                    .join(", "),
            })?,
    };
    let headings = headings_of(table, &mapping.header_rows);
    let date = resolve(&mapping, &headings, Field::Date)?.ok_or(MappingError::Missing("date"))?;
    let description = resolve(&mapping, &headings, Field::Description)?
        .ok_or(MappingError::Missing("description of what happened"))?;
    let time = resolve(&mapping, &headings, Field::Time)?;
    let actor = resolve(&mapping, &headings, Field::ActorRole)?;
    let contact = resolve(&mapping, &headings, Field::ContactType)?;
    let columns = Columns {
        date,
        description,
        time,
        actor,
        contact,
        headings: &headings,
        headed: headed(
            &headings,
            &[Some(date), Some(description), time, actor, contact],
        ),
    };
    let first_data = mapping
        .header_rows
        .iter()
        .max()
        .copied()
        .unwrap_or(0)
        .min(table.rows.len());
    let (entries, problems) = read_rows(&table.rows[first_data..], first_data, &columns);
    Ok(Reading {
        table: table.name.clone(),
        mapping,
        headings,
        entries,
        problems,
    })
}

/// Where each field is in the table, and the headings that name the columns in problems.
struct Columns<'a> {
    date: usize,
    description: usize,
    time: Option<usize>,
    actor: Option<usize>,
    contact: Option<usize>,
    headings: &'a [String],
    /// How many columns have headings (up to the last that has one).
    headed: usize,
}

/// How many columns a table with these headings has, for finding text past them: up to the
/// last heading (or the last column read, if further); 0 for a table without headings, where
/// any column may hold something.
fn headed(headings: &[String], used: &[Option<usize>]) -> usize {
    match headings.iter().rposition(|h| !h.trim().is_empty()) {
        Some(last) => used
            .iter()
            .flatten()
            .map(|i| i + 1)
            .fold(last + 1, usize::max),
        None => 0,
    }
}

impl Columns<'_> {
    fn name(&self, i: usize) -> String {
        self.headings
            .get(i)
            .filter(|h| !h.is_empty())
            .cloned()
            .unwrap_or_else(|| column_letter(i))
    }
}

/// Rows fewer than this are read on one thread: below it, starting threads costs more than it
/// saves.
const ROWS_PER_THREAD: usize = 4096;

/// The data rows (the first is at index `skipped` of the table) read into entries and
/// problems, in row order, shared out over the processor's cores when there are many.
fn read_rows(
    rows: &[Vec<String>],
    skipped: usize,
    columns: &Columns<'_>,
) -> (Vec<EntryDraft>, Vec<RowProblem>) {
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(rows.len() / ROWS_PER_THREAD)
        .max(1);
    if threads == 1 {
        return read_part(rows, skipped, columns);
    }
    let share = rows.len().div_ceil(threads);
    let parts: Vec<(Vec<EntryDraft>, Vec<RowProblem>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = rows
            .chunks(share)
            .enumerate()
            .map(|(i, part)| scope.spawn(move || read_part(part, skipped + i * share, columns)))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    let mut entries = Vec::with_capacity(parts.iter().map(|p| p.0.len()).sum());
    let mut problems = Vec::new();
    for (e, p) in parts {
        entries.extend(e);
        problems.extend(p);
    }
    (entries, problems)
}

/// [`read_rows`] on one thread.
fn read_part(
    rows: &[Vec<String>],
    skipped: usize,
    columns: &Columns<'_>,
) -> (Vec<EntryDraft>, Vec<RowProblem>) {
    let Columns {
        date,
        description,
        time,
        actor,
        contact,
        ..
    } = *columns;
    let name = |i: usize| columns.name(i);
    let mut entries = Vec::with_capacity(rows.len());
    let mut problems = Vec::new();
    for (offset, row) in rows.iter().enumerate() {
        let number = skipped + offset + 1;
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        // The date and time are only read, so they are borrowed; the text kept is copied.
        let borrowed = |i: Option<usize>| i.and_then(|i| row.get(i)).map_or("", |c| c.trim());
        let cell = |i: Option<usize>| borrowed(i).to_owned();
        let date_text = borrowed(Some(date));
        let time_text = borrowed(time);
        let text = cell(Some(description));
        let mut bad = false;
        // (column, reason) when the date or the time cannot be read.
        let occurred: Result<FuzzyDate, (usize, String)> = match dates::parse(date_text) {
            Err(e) => Err((date, e.0)),
            Ok(day) if time_text.is_empty() => Ok(day),
            Ok(day) => dates::with_time(day, date_text, time_text).map_err(|_| {
                (
                    time.unwrap_or(date),
                    format!("\"{time_text}\" is not a time casewindow can read: write it as 14:30"),
                )
            }),
        };
        let occurred = match occurred {
            Ok(d) => Some(d),
            Err((column, reason)) => {
                bad = true;
                problems.push(RowProblem {
                    row: number,
                    column: name(column),
                    reason,
                });
                None
            }
        };
        if text.is_empty() {
            bad = true;
            problems.push(RowProblem {
                row: number,
                column: name(description),
                reason: "says nothing about what happened".to_owned(),
            });
        }
        // Text past the last headed column is text nobody would import: most often a delimiter
        // inside a cell that was not quoted (a comma in the description), which moved the rest
        // of the cell there.
        if let Some(stray) = (columns.headed..row.len()).find(|i| !row[*i].trim().is_empty())
            && columns.headed > 0
        {
            bad = true;
            let shown: String = row[stray].trim().chars().take(40).collect();
            problems.push(RowProblem {
                row: number,
                column: name(stray),
                reason: format!(
                    "has text in a column without a heading (\"{shown}\"): probably a comma or other separator inside a cell that was not quoted, which split the cell; quote the cell (or remove the separator) so that none of its text is lost"
                ),
            });
        }
        if let (false, Some(occurred)) = (bad, occurred) {
            entries.push(EntryDraft {
                row: number,
                occurred,
                description: text,
                actor_role: cell(actor),
                contact_type: cell(contact),
            });
        }
    }
    (entries, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(rows: &[&[&str]]) -> Table {
        Table {
            name: "Sheet1".to_owned(),
            rows: rows
                .iter()
                .map(|r| r.iter().map(|c| (*c).to_owned()).collect())
                .collect(),
        }
    }

    #[test]
    fn headings_are_found_below_a_title_and_merged_rows_are_joined() {
        let t = table(&[
            &["Health chronology for Child W", "", ""],
            &["", "", ""],
            &["Date of contact", "Professional", "Details"],
            &[
                "12/03/2019",
                "Health visitor",
                "Home visit; mother low in mood",
            ],
            &["", "", ""],
            &["March 2019", "GP", "Seen for a rash"],
        ]);
        let reading = read(&[t], None).expect("maps");
        assert_eq!(reading.mapping.header_rows, vec![3]);
        assert_eq!(reading.entries.len(), 2);
        assert_eq!(reading.entries[0].row, 4);
        assert_eq!(reading.entries[0].actor_role, "Health visitor");
        assert_eq!(reading.entries[1].row, 6);
        assert!(reading.problems.is_empty());
    }

    #[test]
    fn a_column_headed_contact_is_the_kind_of_contact() {
        let t = table(&[
            &["Date", "Time", "Practitioner", "Contact", "Details"],
            &[
                "04/03/2024",
                "09:30",
                "Health visitor",
                "Home visit",
                "Child weighed",
            ],
        ]);
        let reading = read(&[t], None).expect("maps");
        assert!(reading.problems.is_empty());
        assert_eq!(reading.entries[0].contact_type, "Home visit");
        assert_eq!(reading.entries[0].description, "Child weighed");
    }

    #[test]
    fn every_bad_row_is_named_with_its_column_and_reason() {
        let t = table(&[
            &["Date", "Time", "Event"],
            &["31/02/2019", "", "Strategy meeting"],
            &["12/03/2019", "25:99", "Visit"],
            &["13/03/2019", "", ""],
            &["14/03/2019", "09:15", "Telephone call"],
        ]);
        let reading = read(&[t], None).expect("maps");
        assert_eq!(reading.entries.len(), 1);
        let described: Vec<String> = reading
            .problems
            .iter()
            .map(|p| format!("{} {}: {}", p.row, p.column, p.reason))
            .collect();
        assert_eq!(described.len(), 3, "{described:?}");
        assert!(
            described[0].starts_with("2 Date: \"31/02/2019\" is not a real date"),
            "{described:?}"
        );
        assert!(
            described[1].starts_with("3 Time: \"25:99\" is not a time"),
            "{described:?}"
        );
        assert_eq!(described[2], "4 Event: says nothing about what happened");
    }

    #[test]
    fn a_given_mapping_names_columns_by_heading_or_letter() {
        let t = table(&[
            &["When it was", "Who", "Narrative text"],
            &["2019", "PC", "Attended"],
        ]);
        let mapping = Mapping {
            table: String::new(),
            header_rows: vec![1],
            columns: vec![
                (Field::Date, "A".to_owned()),
                (Field::Description, "narrative text".to_owned()),
                (Field::ActorRole, "Who".to_owned()),
            ],
        };
        let reading = read(std::slice::from_ref(&t), Some(&mapping)).expect("maps");
        assert_eq!(reading.entries.len(), 1);
        let wrong = Mapping {
            columns: vec![
                (Field::Date, "Date".to_owned()),
                (Field::Description, "C".to_owned()),
            ],
            ..mapping
        };
        let err = read(&[t], Some(&wrong))
            .expect_err("no such column")
            .to_string();
        assert!(err.contains("\"Date\""), "{err}");
    }

    #[test]
    fn rows_shared_over_threads_read_as_on_one_thread_in_order() {
        let mut rows: Vec<Vec<String>> = vec![vec![
            "Date".to_owned(),
            "Time".to_owned(),
            "Details".to_owned(),
        ]];
        for i in 0..3 * ROWS_PER_THREAD + 17 {
            let date = match i % 7 {
                0 => format!("{}/03/2019", i % 28 + 1),
                1 => "31/02/2019".to_owned(),
                2 => "approx. spring 2020".to_owned(),
                3 => String::new(),
                _ => format!("{} March 2019", i % 28 + 1),
            };
            let details = if i % 11 == 0 {
                String::new()
            } else {
                format!("visit {i}")
            };
            let time = if i % 3 == 0 {
                "14:30".to_owned()
            } else {
                String::new()
            };
            rows.push(vec![date, time, details]);
        }
        let table = Table {
            name: "t".to_owned(),
            rows,
        };
        let reading = read(std::slice::from_ref(&table), None).expect("mapped");
        let headings = headings_of(&table, &reading.mapping.header_rows);
        let columns = Columns {
            date: 0,
            time: Some(1),
            description: 2,
            actor: None,
            contact: None,
            headed: headed(&headings, &[Some(0), Some(1), Some(2)]),
            headings: &headings,
        };
        let one = read_part(&table.rows[1..], 1, &columns);
        assert_eq!((reading.entries.clone(), reading.problems.clone()), one);
        assert!(reading.entries.len() > ROWS_PER_THREAD);
        assert!(reading.problems.windows(2).all(|w| w[0].row <= w[1].row));
        assert_eq!(reading.problems[0].row, 2, "{:?}", reading.problems[0]);
    }

    #[test]
    fn column_letters_round_trip() {
        for i in [0, 1, 25, 26, 27, 51, 52, 701, 702] {
            assert_eq!(letter_index(&column_letter(i)), Some(i), "{i}");
        }
        assert_eq!(column_letter(27), "AB");
    }
}
