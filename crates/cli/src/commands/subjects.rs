//! `casewindow subjects`: the child and the people around them, by pseudonym: list them, add
//! one, relate two, and draw the genogram as SVG. Real identities are recorded in the browser,
//! where each reveal asks for a reason.

use anyhow::Context as _;
use casewindow_app::{Actor, App, NewSubject};
use casewindow_domain::ids::ReviewId;
use casewindow_domain::participation::{Relationship, RelationshipKind, Subject};
use casewindow_domain::review::AgeBand;
use casewindow_store_sql::SqlStore;
use chrono::NaiveDate;
use std::io::Write as _;
use std::path::PathBuf;

#[derive(Debug, clap::Subcommand)]
pub enum SubjectsCommand {
    /// The review's people: pseudonym, relationship to the child, household, relationships.
    List {
        #[arg(long)]
        review: uuid::Uuid,
    },
    /// Add a person by pseudonym (never a real name).
    Add {
        #[arg(long)]
        review: uuid::Uuid,
        #[arg(long)]
        pseudonym: String,
        /// Their relationship to the child at the centre ("mother", "half-brother").
        #[arg(long)]
        relationship: String,
        /// unborn, under1, age1_to4, age5_to9, age10_to13, age14_to17 or adult.
        #[arg(long, value_parser = parse_age_band)]
        age_band: Option<AgeBand>,
        /// This is the child at the centre of the review.
        #[arg(long)]
        at_centre: bool,
        /// They lived in the child's household during the period reviewed.
        #[arg(long)]
        household: bool,
    },
    /// Record that one person is related to another (both by pseudonym).
    Relate {
        #[arg(long)]
        review: uuid::Uuid,
        #[arg(long)]
        from: String,
        /// parent_of, step_parent_of, partner_of, sibling_of, half_sibling_of, lives_with or
        /// cares_for.
        #[arg(long, value_parser = parse_kind)]
        kind: RelationshipKind,
        #[arg(long)]
        to: String,
        /// When it began (YYYY-MM-DD).
        #[arg(long)]
        since: Option<NaiveDate>,
        /// When it ended (YYYY-MM-DD).
        #[arg(long)]
        until: Option<NaiveDate>,
        /// Why, for the record's history.
        #[arg(long, default_value = "recorded a relationship")]
        reason: String,
    },
    /// Write the genogram as SVG (pseudonyms only).
    Genogram {
        #[arg(long)]
        review: uuid::Uuid,
        #[arg(short, long)]
        out: PathBuf,
    },
}

fn parse_key<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> Result<T, String> {
    serde_json::from_value(serde_json::Value::String(text.trim().to_owned()))
        .map_err(|_| format!("\"{text}\" is not {what}"))
}

fn parse_age_band(text: &str) -> Result<AgeBand, String> {
    parse_key(
        text,
        "an age band (unborn, under1, age1_to4, age5_to9, age10_to13, age14_to17, adult)",
    )
}

fn parse_kind(text: &str) -> Result<RelationshipKind, String> {
    parse_key(
        text,
        "a relationship (parent_of, step_parent_of, partner_of, sibling_of, half_sibling_of, \
         lives_with, cares_for)",
    )
}

/// One person as listed.
fn line(subject: &Subject, everyone: &[Subject]) -> String {
    let name_of = |id| {
        everyone
            .iter()
            .find(|s| s.id == id)
            .map_or("someone not in this review", |s| s.pseudonym.as_str())
    };
    let relationships: Vec<String> = subject
        .relationships
        .iter()
        .map(|r| format!("{} {}", r.kind.label(), name_of(r.to)))
        .collect();
    format!(
        "{}\t{}\t{}\t{}\t{}\n",
        subject.id,
        subject.pseudonym,
        subject.relationship,
        if subject.household { "household" } else { "" },
        relationships.join("; ")
    )
}

pub async fn run(app: &App<SqlStore>, command: SubjectsCommand) -> anyhow::Result<()> {
    let actor = Actor::system("cli");
    match command {
        SubjectsCommand::List { review } => {
            let review = ReviewId(review);
            let people: Vec<Subject> = app
                .records::<Subject>(&actor, review)
                .await?
                .into_iter()
                .map(|s| s.record)
                .collect();
            if people.is_empty() {
                eprintln!("no one recorded yet; `casewindow subjects add` adds a person");
            }
            let mut stdout = std::io::stdout().lock();
            for subject in &people {
                match stdout.write_all(line(subject, &people).as_bytes()) {
                    Ok(()) => {}
                    Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => return Ok(()),
                    Err(err) => return Err(err.into()),
                }
            }
            Ok(())
        }
        SubjectsCommand::Add {
            review,
            pseudonym,
            relationship,
            age_band,
            at_centre,
            household,
        } => {
            let review = ReviewId(review);
            let added = app
                .add_subject(
                    &actor,
                    review,
                    NewSubject {
                        pseudonym,
                        relationship,
                        age_band,
                        at_centre,
                        household,
                    },
                )
                .await?;
            eprintln!("added {} ({})", added.record.pseudonym, added.record.id);
            Ok(())
        }
        SubjectsCommand::Relate {
            review,
            from,
            kind,
            to,
            since,
            until,
            reason,
        } => {
            let review = ReviewId(review);
            let relationship = Relationship {
                kind,
                to: casewindow_domain::ids::SubjectId(uuid::Uuid::nil()),
                from: since,
                until,
            };
            let saved = app
                .relate_subjects(&actor, review, &from, relationship, &to, &reason)
                .await?;
            eprintln!("{} is now {} {to}", saved.record.pseudonym, kind.label());
            Ok(())
        }
        SubjectsCommand::Genogram { review, out } => {
            let review = ReviewId(review);
            let (subjects, sexes) = app.genogram(&actor, review).await?;
            let figure = casewindow_report::genogram::genogram_figure(&subjects, &sexes)
                .context("no one is recorded in this review yet")?;
            std::fs::write(&out, figure.svg)
                .with_context(|| format!("writing {}", out.display()))?;
            eprintln!("wrote {} ({})", out.display(), figure.alt);
            Ok(())
        }
    }
}
