//! Agency chronologies: each agency's own account, the accounts side by side (entries that
//! may record the same occurrence sit together, with their differences highlighted), a
//! swimlane timeline drawn as SVG, and adding entries.

use super::edit::{self, At, Page, RecordPage, Shown};
use super::text::Choice;
use super::text::{parse_key, truncate};
use super::{Answer, Req, render, review_frame};
use crate::AppState;
use crate::error::WebError;
use crate::form::FormData;
use crate::layout::{Errors, Layout};
use crate::session::SignedIn;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use casewindow_app::Permission;
use casewindow_domain::analysis::KeyPracticeEpisode;
use casewindow_domain::evidence::CitationTarget;
use casewindow_domain::evidence::{
    ChronologyEntry, DatePrecision, FuzzyDate, Provenance, SourceDocument,
};
use casewindow_domain::ids::{
    AgencyId, ChronologyEntryId, KpeId, ReviewId, SourceDocumentId, SubjectId,
};
use casewindow_domain::organisation::Agency;
use casewindow_domain::participation::Subject;
use casewindow_store::{RecordKind, Store};
use chrono::{Datelike, NaiveDate, NaiveTime};
use serde::Deserialize;

pub fn routes<S: Store>() -> Router<AppState<S>> {
    Router::new()
        .route("/reviews/{id}/chronology", get(show::<S>))
        .route(
            "/reviews/{id}/chronology/new",
            get(new_form::<S>).post(create::<S>),
        )
        .route("/reviews/{id}/chronology/links", post(decide_links::<S>))
        .route("/reviews/{id}/chronology/gaps", post(link_gap::<S>))
}

#[derive(Deserialize, Default)]
struct Filter {
    #[serde(default)]
    view: String,
    #[serde(default)]
    agency: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    subject: String,
}

/// One entry as shown.
pub struct EntryView {
    pub id: String,
    pub agency: String,
    /// The date as known, with the time when there is one.
    pub date: String,
    /// The date alone, and the time alone (empty when none).
    pub day: String,
    pub time: String,
    /// How precisely the date is known, in a word or two ("month only").
    pub precision: &'static str,
    pub actor: String,
    pub contact: String,
    pub description: String,
    pub source: String,
    /// Which of date, time, who and kind of contact differ from another entry on its row.
    pub differs: [bool; 4],
}

/// A possible information-sharing gap, at its entry.
pub struct GapView {
    pub entry: EntryView,
    /// What kind of gap, in a few words.
    pub kind: &'static str,
    pub why: String,
    /// Key practice episodes that already cite the entry.
    pub linked: Vec<String>,
}

/// One row of the side-by-side grid: entries of different agencies that may record one
/// occurrence (or a lone entry), one cell per agency column.
pub struct Row {
    pub date: String,
    pub cells: Vec<Option<EntryView>>,
    /// More than one agency recorded it.
    pub shared: bool,
    pub count: usize,
    /// Reviewers confirmed the entries record the same occurrence.
    pub confirmed: bool,
    /// The entries' ids, space separated (for the decision forms).
    pub ids: String,
    /// Entries of other agencies near a lone entry's date it could be joined with: (id, label).
    pub candidates: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "chronology.html")]
struct ChronologyPage {
    layout: Layout,
    /// The page's own content, rendered once per review change and filter (see [`show`]).
    body: String,
}

#[derive(Template)]
#[template(path = "chronology_body.html")]
struct ChronologyBody {
    /// [`CSRF_MARK`] while rendering; each request's own token replaces it.
    csrf: &'static str,
    id: String,
    view: String,
    filter_agency: String,
    filter_from: String,
    filter_to: String,
    agencies: Vec<Choice>,
    by_agency: Vec<(String, Vec<EntryView>)>,
    /// The side-by-side grid: its agency columns and its rows.
    columns: Vec<String>,
    rows: Vec<Row>,
    gaps: Vec<GapView>,
    /// How many gaps of each kind, for the summary above them.
    gap_counts: Vec<(&'static str, usize)>,
    /// Entries left off the timeline, their dates looking mistyped, with why.
    left_off: Vec<(EntryView, String)>,
    svg: String,
    total: usize,
    filter_subject: String,
    subjects: Vec<Choice>,
    may_decide: bool,
    kpes: Vec<Choice>,
    back: String,
}

fn view(
    entry: &ChronologyEntry,
    agencies: &[Agency],
    documents: &[SourceDocument],
    differs: [bool; 4],
) -> EntryView {
    let source = entry
        .source
        .map_or_else(String::new, |Provenance { document_id, row }| {
            let title = documents
                .iter()
                .find(|d| d.id == document_id)
                .map_or("a source document", |d| d.title.as_str());
            match row {
                Some(row) => format!("{title}, row {row}"),
                None => title.to_owned(),
            }
        });
    let day = FuzzyDate {
        time: None,
        ..entry.occurred
    };
    EntryView {
        id: entry.id.to_string(),
        agency: agencies
            .iter()
            .find(|a| a.id == entry.agency_id)
            .map_or_else(|| "Unknown agency".to_owned(), |a| a.name.clone()),
        date: entry.occurred.to_string(),
        day: day.to_string(),
        time: entry
            .occurred
            .time
            .map(|t| t.format("%H:%M").to_string())
            .unwrap_or_default(),
        precision: precision_word(entry.occurred.precision),
        actor: entry.actor_role.clone(),
        contact: entry.contact_type.clone(),
        description: entry.description.clone(),
        source,
        differs,
    }
}

/// How precisely a date is known, in a word or two beside it.
fn precision_word(precision: DatePrecision) -> &'static str {
    match precision {
        DatePrecision::Day => "day",
        DatePrecision::Month => "month only",
        DatePrecision::Year => "year only",
        DatePrecision::Approximate => "estimated",
        DatePrecision::Range => "some time between",
    }
}

/// Which of date, time, who and kind of contact `entry` records differently from another
/// entry of its row. A field one of them left empty is missing there, not different.
fn differences(entry: &ChronologyEntry, row: &[&ChronologyEntry]) -> [bool; 4] {
    let differ = |a: &str, b: &str| {
        let (a, b) = (a.trim(), b.trim());
        !a.is_empty() && !b.is_empty() && !a.eq_ignore_ascii_case(b)
    };
    let others = || row.iter().filter(|o| o.id != entry.id);
    let day = |d: &FuzzyDate| (d.precision, d.start, d.end);
    [
        others().any(|o| day(&o.occurred) != day(&entry.occurred)),
        others().any(
            |o| matches!((o.occurred.time, entry.occurred.time), (Some(a), Some(b)) if a != b),
        ),
        others().any(|o| differ(&o.actor_role, &entry.actor_role)),
        others().any(|o| differ(&o.contact_type, &entry.contact_type)),
    ]
}

/// Draws the swimlane timeline: one lane per agency, entries placed by date, each a link to
/// its entry in the side-by-side grid; groups that may be the same occurrence are joined by a
/// line. Entries whose dates look mistyped (`doubt`) are left off the axis, which they would
/// stretch into a bar, and returned with why, to be listed beside it. The axis spans `period`
/// (the period asked for, or under review) and the entries drawn.
pub fn swimlane_svg<'e>(
    review: ReviewId,
    entries: &'e [ChronologyEntry],
    agencies: &[Agency],
    groups: &[Vec<&ChronologyEntry>],
    period: (Option<NaiveDate>, Option<NaiveDate>),
    doubt: impl Fn(&FuzzyDate) -> Option<String>,
) -> (String, Vec<(&'e ChronologyEntry, String)>) {
    use casewindow_report::timeline::{Mark, swimlane};
    let mut left_off = Vec::new();
    let mut drawn: Vec<&ChronologyEntry> = Vec::new();
    for entry in entries {
        match doubt(&entry.occurred) {
            Some(why) => left_off.push((entry, why)),
            None => drawn.push(entry),
        }
    }
    let lanes: Vec<String> = agencies.iter().map(|a| a.name.clone()).collect();
    let lane = |id: AgencyId| agencies.iter().position(|a| a.id == id).unwrap_or(0);
    let marks: Vec<Mark> = drawn
        .iter()
        .map(|e| Mark {
            lane: lane(e.agency_id),
            start: e.occurred.start,
            end: e.occurred.end,
            day: e.occurred.precision == DatePrecision::Day,
            label: String::new(),
            tip: format!(
                "{}, {}: {}",
                e.occurred,
                lanes[lane(e.agency_id)],
                truncate(&e.description, 140)
            ),
            href: entry_href(review, e.id),
        })
        .collect();
    let index = |entry: &ChronologyEntry| drawn.iter().position(|e| std::ptr::eq(*e, entry));
    let joins: Vec<Vec<usize>> = groups
        .iter()
        .map(|g| g.iter().filter_map(|e| index(e)).collect())
        .collect();
    let used = agencies
        .iter()
        .filter(|a| drawn.iter().any(|e| e.agency_id == a.id))
        .count();
    let svg = swimlane(
        &format!("Timeline of {} entries from {used} agencies", drawn.len()),
        &lanes,
        &marks,
        &joins,
        period,
    );
    (svg, left_off)
}

/// Where an entry is shown in full: its cell in the side-by-side grid.
fn entry_href(review: ReviewId, entry: ChronologyEntryId) -> String {
    format!("/reviews/{review}/chronology?view=side-by-side#entry-{entry}")
}

async fn show<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    Path(id): Path<ReviewId>,
    Query(filter): Query<Filter>,
) -> Result<Response, WebError> {
    let (_, frame, permissions) =
        super::review_frame_permissions(&app, &user, id, "/chronology", "Chronologies").await?;
    let chronology = app.chronology(&user.actor(), id).await?;
    let from = NaiveDate::parse_from_str(&filter.from, "%Y-%m-%d").ok();
    let to = NaiveDate::parse_from_str(&filter.to, "%Y-%m-%d").ok();
    let agency_filter = filter.agency.parse::<AgencyId>().ok();
    let wanted_subject = filter.subject.parse::<SubjectId>().ok();
    let actor = user.actor();
    // Those who may not read the review's subjects (an agency's records liaison) filter
    // without them.
    let subjects_readable =
        permissions.contains(&casewindow_app::Permission::to_read(RecordKind::Subject));
    let view_name = match filter.view.as_str() {
        "side-by-side" | "timeline" => filter.view.clone(),
        _ => "agency".to_owned(),
    };
    let may_decide = permissions.contains(&casewindow_app::Permission::EditAnalysis);
    // Everything below depends only on the review's content (its stamp), the filters as read,
    // what the user may read and decide: the same page section is rendered once and kept
    // until the review changes. A 500-entry chronology is 200 KB of HTML.
    let key = format!(
        "chronology|{view_name}|{agency_filter:?}|{from:?}|{to:?}|{wanted_subject:?}|{may_decide}|{subjects_readable}|{:?}|{}",
        chronology.agency_limit,
        // What is in the future (and so left off the timeline) changes with the day.
        app.today(),
    );
    if let Some(body) = app.memo().get(id, chronology.stamp, &key) {
        return render(&ChronologyPage {
            layout: frame,
            body: body.replace(CSRF_MARK.as_str(), &user.csrf_token),
        });
    }
    let wanted = Wanted {
        view: view_name,
        agency: agency_filter,
        subject: wanted_subject,
        from,
        to,
    };
    let body = section(
        &app,
        &actor,
        id,
        &chronology,
        filter,
        wanted,
        subjects_readable,
        may_decide,
    )
    .await?;
    let page = ChronologyPage {
        layout: frame,
        body: body.replace(CSRF_MARK.as_str(), &user.csrf_token),
    };
    app.memo()
        .put(id, chronology.stamp, key, std::sync::Arc::from(body));
    render(&page)
}

/// One row of the grid: entries that may record one occurrence, each in its agency's column
/// with the fields it records differently marked; for a lone entry, the other agencies'
/// entries a reviewer may join it to.
fn row_view(
    g: &[&ChronologyEntry],
    confirmed: bool,
    columns: &[AgencyId],
    entries: &[ChronologyEntry],
    agencies: &[Agency],
    documents: &[SourceDocument],
    may_decide: bool,
) -> Row {
    let shared = g.len() > 1;
    let candidates = if shared || !may_decide {
        Vec::new()
    } else {
        casewindow_app::alignment::join_candidates(g[0], entries)
            .map(|o| {
                (
                    o.id.to_string(),
                    format!(
                        "{}, {}: {}",
                        o.occurred,
                        view(o, agencies, documents, [false; 4]).agency,
                        truncate(&o.description, 60)
                    ),
                )
            })
            .collect()
    };
    let cells = columns
        .iter()
        .map(|&agency| {
            g.iter()
                .find(|e| e.agency_id == agency)
                .map(|e| view(e, agencies, documents, differences(e, g)))
        })
        .collect();
    Row {
        date: FuzzyDate {
            time: None,
            ..g[0].occurred
        }
        .to_string(),
        cells,
        shared,
        count: g.len(),
        confirmed,
        ids: g
            .iter()
            .map(|e| e.id.to_string())
            .collect::<Vec<_>>()
            .join(" "),
        candidates,
    }
}

/// A possible information-sharing gap with the episodes that already cite its entry.
fn gap_view(
    gap: &casewindow_chronology::gaps::Gap,
    entries: &[ChronologyEntry],
    agencies: &[Agency],
    documents: &[SourceDocument],
    episodes: &[KeyPracticeEpisode],
) -> GapView {
    let entry = &entries[gap.entry];
    let cited = CitationTarget::ChronologyEntry(entry.id);
    GapView {
        entry: view(entry, agencies, documents, [false; 4]),
        kind: gap.kind.label(),
        why: gap.why.clone(),
        linked: episodes
            .iter()
            .filter(|k| k.evidence.iter().any(|c| c.target == cited))
            .map(|k| format!("KPE {}: {}", k.position, k.title))
            .collect(),
    }
}

/// Each agency's entries, in the agency view; agencies with none are left out.
fn by_agency(
    entries: &[ChronologyEntry],
    agencies: &[Agency],
    documents: &[SourceDocument],
) -> Vec<(String, Vec<EntryView>)> {
    agencies
        .iter()
        .filter_map(|agency| {
            let mine: Vec<EntryView> = entries
                .iter()
                .filter(|e| e.agency_id == agency.id)
                .map(|e| view(e, agencies, documents, [false; 4]))
                .collect();
            (!mine.is_empty()).then(|| (agency.name.clone(), mine))
        })
        .collect()
}

/// What the chronology page shows, as read from its address (values that did not parse are
/// left out).
struct Wanted {
    view: String,
    agency: Option<AgencyId>,
    subject: Option<SubjectId>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
}

/// An entry is about a subject when it names them, or mentions their pseudonym.
fn mentions(entry: &ChronologyEntry, subject: &Subject) -> bool {
    entry.subjects.contains(&subject.id)
        || (!subject.pseudonym.trim().is_empty()
            && entry
                .description
                .to_lowercase()
                .contains(&subject.pseudonym.trim().to_lowercase()))
}

/// The chronology page's section for one review, view and filter, as HTML with the CSRF
/// token's placeholder (kept by the caller until the review changes).
/// An episode as a choice of what a gap may be linked to.
fn kpe_choice(k: &KeyPracticeEpisode) -> Choice {
    Choice::new(k.id, format!("KPE {}: {}", k.position, k.title))
}

/// The review's records of one kind when they are `wanted` (none otherwise).
async fn records_if<S: Store, R: casewindow_app::InReview>(
    app: &AppState<S>,
    actor: &casewindow_app::Actor,
    id: ReviewId,
    wanted: bool,
) -> Result<Vec<R>, WebError> {
    if !wanted {
        return Ok(Vec::new());
    }
    let records = app.records::<R>(actor, id).await?;
    Ok(records.into_iter().map(|s| s.record).collect())
}

/// The entries the filters ask for.
fn wanted_entries(
    chronology: &casewindow_app::ChronologyView,
    wanted: &Wanted,
    subject: Option<&Subject>,
) -> Vec<ChronologyEntry> {
    chronology
        .entries
        .iter()
        .filter(|e| wanted.agency.is_none_or(|a| e.agency_id == a))
        .filter(|e| subject.is_none_or(|s| mentions(e, s)))
        .filter(|e| {
            wanted.from.is_none_or(|f| e.occurred.end >= f)
                && wanted.to.is_none_or(|t| e.occurred.start <= t)
        })
        .cloned()
        .collect()
}

/// The page to come back to after a decision: the same filters, only values that parsed.
fn back_after_decision(id: ReviewId, wanted: &Wanted, subject: Option<&Subject>) -> String {
    format!(
        "/reviews/{id}/chronology?view=side-by-side&agency={}&from={}&to={}&subject={}",
        wanted.agency.map(|a| a.to_string()).unwrap_or_default(),
        wanted.from.map(|d| d.to_string()).unwrap_or_default(),
        wanted.to.map(|d| d.to_string()).unwrap_or_default(),
        subject.map(|s| s.id.to_string()).unwrap_or_default(),
    )
}

#[allow(clippy::too_many_arguments)] // what the section depends on, each named
async fn section<S: Store>(
    app: &AppState<S>,
    actor: &casewindow_app::Actor,
    id: ReviewId,
    chronology: &casewindow_app::ChronologyView,
    filter: Filter,
    wanted: Wanted,
    subjects_readable: bool,
    may_decide: bool,
) -> Result<String, WebError> {
    let (agencies, documents) = (&chronology.agencies, &chronology.documents);
    let subjects: Vec<Subject> = records_if(app, actor, id, subjects_readable).await?;
    let subject_filter = wanted
        .subject
        .and_then(|wanted| subjects.iter().find(|s| s.id == wanted));
    let entries = wanted_entries(chronology, &wanted, subject_filter);
    // Which entries record the same occurrence, and the possible information-sharing gaps.
    let alignment = if wanted.view == "agency" {
        casewindow_app::alignment::Alignment::default()
    } else {
        let decisions = app.link_decisions(actor, id).await?;
        casewindow_app::alignment::align_chronologies(&entries, agencies, &decisions)
    };
    let linking = may_decide && wanted.view == "side-by-side";
    let episodes: Vec<KeyPracticeEpisode> = records_if(app, actor, id, linking).await?;
    let groups: Vec<Vec<&ChronologyEntry>> = alignment
        .groups
        .iter()
        .map(|g| g.iter().map(|&i| &entries[i]).collect())
        .collect();
    let gaps: Vec<GapView> = alignment
        .gaps
        .iter()
        .map(|gap| gap_view(gap, &entries, agencies, documents, &episodes))
        .collect();
    let by_agency = if wanted.view == "agency" {
        by_agency(&entries, agencies, documents)
    } else {
        Vec::new()
    };
    // The grid's columns: the agencies with entries shown, in the review's order.
    let columns: Vec<AgencyId> = agencies
        .iter()
        .map(|a| a.id)
        .filter(|a| entries.iter().any(|e| e.agency_id == *a))
        .collect();
    let rows = if wanted.view == "side-by-side" {
        groups
            .iter()
            .zip(&alignment.confirmed)
            .map(|(g, &confirmed)| {
                row_view(
                    g, confirmed, &columns, &entries, agencies, documents, may_decide,
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    let mut gap_counts: Vec<(&'static str, usize)> = Vec::new();
    for gap in &gaps {
        match gap_counts.iter_mut().find(|(kind, _)| *kind == gap.kind) {
            Some((_, n)) => *n += 1,
            None => gap_counts.push((gap.kind, 1)),
        }
    }
    let (svg, left_off) = if wanted.view == "timeline" {
        let (from, to) = chronology.period;
        let today = app.today();
        let period = (wanted.from.or(from), wanted.to.or(to));
        swimlane_svg(id, &entries, agencies, &groups, period, |date| {
            casewindow_domain::evidence::doubtful_date(date, from, to, today)
        })
    } else {
        (String::new(), Vec::new())
    };
    let left_off: Vec<(EntryView, String)> = left_off
        .into_iter()
        .map(|(e, why)| (view(e, agencies, documents, [false; 4]), why))
        .collect();
    let back = back_after_decision(id, &wanted, subject_filter);
    Ok(ChronologyBody {
        csrf: CSRF_MARK.as_str(),
        id: id.to_string(),
        view: wanted.view,
        filter_agency: filter.agency,
        filter_from: filter.from,
        filter_to: filter.to,
        agencies: agencies
            .iter()
            .map(|a| Choice::new(a.id, &a.name))
            .collect(),
        by_agency,
        columns: columns
            .iter()
            .filter_map(|c| agencies.iter().find(|a| a.id == *c))
            .map(|a| a.name.clone())
            .collect(),
        rows,
        gaps,
        gap_counts,
        left_off,
        svg,
        total: entries.len(),
        filter_subject: filter.subject.clone(),
        subjects: subjects
            .iter()
            .map(|s| Choice::new(s.id, &s.pseudonym))
            .collect(),
        may_decide,
        kpes: episodes.iter().map(kpe_choice).collect(),
        back,
    }
    .render()?)
}

/// Stands for the CSRF token in a kept page section. It is written unescaped and starts with
/// `<`, which escaped text never holds, so nothing a user typed can be mistaken for it (the
/// random part only makes that doubly sure).
static CSRF_MARK: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let mut bytes = [0u8; 12];
    let _ = getrandom::fill(&mut bytes);
    let random: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("<csrf-{random}>")
});

/// Where a decision form returns to: the chronology page it came from (never elsewhere).
fn back_to(form: &FormData, id: ReviewId) -> String {
    let back = form.get("back");
    let own = format!("/reviews/{id}/chronology?");
    if back.starts_with(&own) && !back.contains(['\r', '\n']) {
        back
    } else {
        format!("/reviews/{id}/chronology?view=side-by-side")
    }
}

fn entry_ids(text: &str) -> Vec<ChronologyEntryId> {
    text.split_whitespace()
        .filter_map(|t| t.parse().ok())
        .collect()
}

/// A reviewer confirms that entries record the same occurrence, splits one from its group,
/// joins a lone entry to another agency's, or undoes their decisions.
async fn decide_links<S: Store>(req: Req<S>, form: FormData) -> Answer {
    let Req { app, user, id } = req;
    use casewindow_app::alignment::LinkAction;
    super::require(&app, &user, id, casewindow_app::Permission::EditAnalysis).await?;
    let group = entry_ids(&form.get("entries"));
    let action = match form.get("action").as_str() {
        "confirm" => Some(LinkAction::Confirm(group)),
        "join" => form
            .get("with")
            .parse()
            .ok()
            .map(|with: ChronologyEntryId| {
                LinkAction::Confirm(group.into_iter().chain([with]).collect())
            }),
        "split" => form
            .get("entry")
            .parse()
            .ok()
            .map(|entry| LinkAction::Split { entry, from: group }),
        "undo" => Some(LinkAction::Undo(group)),
        _ => None,
    };
    // A form without a choice (no entry chosen to join) changes nothing.
    if let Some(action) = action {
        match app.decide_links(&user.actor(), id, action).await {
            Ok(()) | Err(casewindow_app::AppError::Invalid(_)) => {}
            Err(other) => return Err(other.into()),
        }
    }
    Ok(edit::see_other(&back_to(&form, id)))
}

/// Links a possible information-sharing gap to a key practice episode.
async fn link_gap<S: Store>(req: Req<S>, form: FormData) -> Answer {
    let Req { app, user, id } = req;
    super::require(&app, &user, id, casewindow_app::Permission::EditAnalysis).await?;
    if let (Ok(kpe), Ok(entry)) = (
        form.get("kpe").parse::<KpeId>(),
        form.get("entry").parse::<ChronologyEntryId>(),
    ) {
        app.link_gap_to_kpe(&user.actor(), id, kpe, entry).await?;
    }
    Ok(edit::see_other(&back_to(&form, id)))
}

#[derive(Template)]
#[template(path = "chronology_new.html")]
struct NewEntryPage {
    layout: Layout,
    errors: Errors,
    form: FormData,
    id: String,
    agencies: Vec<Choice>,
    documents: Vec<Choice>,
    precisions: Vec<Choice>,
}

async fn entry_page<S: Store>(at: At<'_, S>, form: FormData, errors: Errors) -> Answer {
    let (app, user, id) = (at.app, at.user, at.review);
    let (_, mut frame) =
        review_frame(app, user, id, "/chronology", "Add a chronology entry").await?;
    frame.has_errors = !errors.is_empty();
    let actor = user.actor();
    let agencies = app
        .agencies_of(&actor, id)
        .await?
        .into_iter()
        .filter(|a| a.withdrawn.is_none())
        .map(|a| Choice::new(a.id.to_string(), a.name))
        .collect();
    let documents = app
        .records::<SourceDocument>(&actor, id)
        .await?
        .into_iter()
        .map(|d| Choice::new(d.record.id.to_string(), d.record.title))
        .collect();
    render(&NewEntryPage {
        layout: frame,
        errors,
        form,
        id: id.to_string(),
        agencies,
        documents,
        precisions: super::text::choices(DatePrecision::ALL, DatePrecision::label),
    })
}

async fn new_form<S: Store>(req: Req<S>) -> Answer {
    let Req { app, user, id } = req;
    super::require(&app, &user, id, casewindow_app::Permission::EditChronology).await?;
    let mut form = FormData::default();
    form.push("precision", "day");
    entry_page(At::new(&app, &user, id), form, Errors::none()).await
}

/// The date of an entry from the form's precision, dates and time.
fn occurred(form: &FormData, errors: &mut Errors) -> Option<FuzzyDate> {
    let precision =
        parse_key::<DatePrecision>(&form.get("precision")).unwrap_or(DatePrecision::Day);
    let start = match form.date("start") {
        Ok(Some(date)) => Some(date),
        Ok(None) => {
            errors.add(
                "start",
                "Enter the date, or a date in the month or year it happened",
            );
            None
        }
        Err(message) => {
            errors.add("start", format!("The date {message}"));
            None
        }
    };
    let end = form.date_called("end", "The end date", errors);
    let time = {
        let raw = form.get("time");
        let raw = raw.trim();
        if raw.is_empty() {
            None
        } else {
            match NaiveTime::parse_from_str(raw, "%H:%M") {
                Ok(time) => Some(time),
                Err(_) => {
                    errors.add("time", "The time must be like 14:30");
                    None
                }
            }
        }
    };
    let start = start?;
    let date = match precision {
        DatePrecision::Day => FuzzyDate {
            time,
            ..FuzzyDate::day(start)
        },
        DatePrecision::Month => FuzzyDate::month(start.year(), start.month())?,
        DatePrecision::Year => FuzzyDate::year(start.year())?,
        DatePrecision::Approximate | DatePrecision::Range => {
            let Some(end) = end else {
                errors.add("end", "Enter the latest date it could have been");
                return None;
            };
            if end < start {
                errors.add("end", "The end date must be on or after the start date");
                return None;
            }
            if precision == DatePrecision::Range {
                FuzzyDate::range(start, end)
            } else {
                FuzzyDate::approximate(start, end)
            }
        }
    };
    if time.is_some() && precision != DatePrecision::Day {
        errors.add("time", "A time can only be given with a known day");
    }
    Some(date)
}

impl RecordPage for ChronologyEntry {
    const SECTION: &'static str = "/chronology";
    const FORM_ON_LIST: bool = true;
    const PERMISSION: Permission = Permission::EditChronology;
    const EDITED: &'static str = "edited the chronology entry";

    fn saved_href(&self) -> String {
        format!(
            "/reviews/{}/chronology?agency={}",
            self.review_id, self.agency_id
        )
    }

    fn page<'a, S: Store>(at: At<'a, S>, shown: Shown<'a, Self>) -> Page<'a> {
        Box::pin(entry_page(at, shown.form, shown.errors))
    }
}

/// The entry the "add a chronology entry" form describes.
fn entry_from(form: &FormData, review: ReviewId) -> Result<ChronologyEntry, Errors> {
    let mut errors = Errors::none();
    let agency = form.get("agency_id").parse::<AgencyId>().ok();
    if agency.is_none() {
        errors.add("agency_id", "Choose whose chronology the entry belongs to");
    }
    let date = occurred(form, &mut errors);
    let description = form.get("description").trim().to_owned();
    if description.is_empty() {
        errors.add("description", "Describe what the record says happened");
    }
    let source = match form.get("document_id").parse::<SourceDocumentId>().ok() {
        Some(document_id) => match form.number("row") {
            Ok(row) => Some(Provenance {
                document_id,
                row: row.and_then(|r| u32::try_from(r).ok()),
            }),
            Err(message) => {
                errors.add("row", format!("The row {message}"));
                None
            }
        },
        None => None,
    };
    let (Some(agency_id), Some(occurred), true) = (agency, date, errors.is_empty()) else {
        return Err(errors);
    };
    Ok(ChronologyEntry {
        id: ChronologyEntryId(uuid::Uuid::new_v4()),
        review_id: review,
        agency_id,
        occurred,
        actor_role: form.get("actor_role").trim().to_owned(),
        contact_type: form.get("contact_type").trim().to_owned(),
        description,
        subjects: Vec::new(),
        source,
    })
}

async fn create<S: Store>(req: Req<S>, form: FormData) -> Answer {
    let Req { app, user, id } = req;
    super::require(&app, &user, id, ChronologyEntry::PERMISSION).await?;
    match entry_from(&form, id) {
        Ok(entry) => {
            // A date that looks mistyped is asked about once, and kept when they say it is right.
            if !form.checked("date_checked")
                && let Some(why) = app
                    .doubtful_entry_date(&user.actor(), id, &entry.occurred)
                    .await?
            {
                let mut errors = Errors::none();
                errors.add(
                    "date_checked",
                    format!(
                        "{why}. Check the date; if it is right, say so below and add the entry"
                    ),
                );
                return entry_page(At::new(&app, &user, id), form, errors).await;
            }
            edit::create_record(&app, &user, id, form, entry).await
        }
        Err(errors) => entry_page(At::new(&app, &user, id), form, errors).await,
    }
}
