//! The agencies' chronologies read together: which entries record the same occurrence
//! (grouped for the side-by-side view and the swimlane), and the possible information-sharing
//! gaps, with reviewers' decisions applied: a pair they confirmed is always linked, a pair they
//! split never is, and nor are the groups around them. Pure functions over what
//! `App::chronology` and `App::link_decisions` returned; `App::decide_links` stores decisions.

use crate::{Actor, App, AppError, AppResult, Permission};
use casewindow_chronology::align::{AlignEntry, Link, Settings, align};
use casewindow_chronology::gaps::{Gap, GapAgency, GapSettings, gaps};
use casewindow_domain::evidence::ChronologyEntry;
use casewindow_domain::ids::{ChronologyEntryId, ReviewId};
use casewindow_domain::organisation::{Agency, AgencySector};
use casewindow_interchange::Problem;
use casewindow_store::{LinkDecision, Store};
use std::collections::{HashMap, HashSet};

/// Entries grouped by occurrence (indices into the entries, at most one per agency in a
/// group), in date order, and the gaps found.
#[derive(Clone, Debug, Default)]
pub struct Alignment {
    pub groups: Vec<Vec<usize>>,
    /// For each group: whether reviewers confirmed it (every entry in it confirmed as the same
    /// occurrence as another of the group).
    pub confirmed: Vec<bool>,
    pub gaps: Vec<Gap>,
}

/// Words other agencies' records use for an agency of this sector.
fn sector_terms(sector: AgencySector) -> &'static [&'static str] {
    use AgencySector::*;
    match sector {
        ChildrensSocialCare => &[
            "social care",
            "social worker",
            "children's services",
            "mash",
            "front door",
            "csc",
        ],
        Police => &["police", "officer", "pc ", "ds ", "constabulary"],
        HealthGp => &["gp", "surgery", "practice", "doctor"],
        HealthVisiting0To19 => &[
            "health visitor",
            "health visiting",
            "hv ",
            "school nurse",
            "0-19",
        ],
        Midwifery => &["midwife", "midwifery", "maternity"],
        AcuteHospitalEd => &["hospital", "a&e", "emergency department", "paediatric"],
        Camhs => &["camhs", "mental health"],
        AdultMentalHealth => &["mental health", "crisis team", "psychiatr"],
        Ambulance => &["ambulance", "paramedic"],
        HealthCommissionerIcb => &["icb", "designated nurse", "designated doctor"],
        Education => &["school", "teacher", "dsl", "head teacher", "academy"],
        EarlyYears => &["nursery", "children's centre", "early years", "childminder"],
        Probation => &["probation", "offender manager"],
        YouthJustice => &["youth justice", "yot", "yjs"],
        Housing => &["housing", "landlord", "homeless"],
        SubstanceMisuse => &["drug", "alcohol service", "substance", "recovery service"],
        DomesticAbuseService => &["domestic abuse service", "idva", "women's aid", "refuge"],
        Cafcass => &["cafcass"],
        VoluntarySector => &["charity", "volunteer", "youth project"],
        AdultSocialCare => &["adult social care", "adult services"],
        _ => &[],
    }
}

/// Groups the entries by occurrence and finds the gaps. Entries are expected in date order.
pub fn align_chronologies(
    entries: &[ChronologyEntry],
    agencies: &[Agency],
    decisions: &[LinkDecision],
) -> Alignment {
    let agency_number = |id| {
        agencies
            .iter()
            .position(|a| a.id == id)
            .map_or(u32::MAX, |p| p as u32)
    };
    let texts: Vec<String> = entries
        .iter()
        .map(|e| format!("{} {} {}", e.description, e.actor_role, e.contact_type))
        .collect();
    let input: Vec<AlignEntry<'_>> = entries
        .iter()
        .zip(&texts)
        .map(|(e, text)| AlignEntry {
            agency: agency_number(e.agency_id),
            start: e.occurred.start,
            end: e.occurred.end,
            text,
        })
        .collect();
    let mut links = align(&input, &Settings::default());

    // Reviewers' decisions, on the entries shown.
    let index: HashMap<ChronologyEntryId, usize> =
        entries.iter().enumerate().map(|(i, e)| (e.id, i)).collect();
    let pair = |a: usize, b: usize| (a.min(b), a.max(b));
    let mut different: HashSet<(usize, usize)> = HashSet::new();
    let mut same: HashSet<(usize, usize)> = HashSet::new();
    for decision in decisions {
        if let (Some(&a), Some(&b)) = (index.get(&decision.a), index.get(&decision.b)) {
            if decision.same {
                same.insert(pair(a, b));
            } else {
                different.insert(pair(a, b));
            }
        }
    }
    links.retain(|l| !different.contains(&pair(l.a, l.b)) && !same.contains(&pair(l.a, l.b)));
    for &(a, b) in &same {
        let gap_days = (entries[b].occurred.start - entries[a].occurred.end)
            .num_days()
            .max((entries[a].occurred.start - entries[b].occurred.end).num_days())
            .max(0);
        links.push(Link {
            a,
            b,
            score: f32::INFINITY,
            gap_days,
        });
    }

    // Join linked entries into groups, confirmed and strongest links first, never two of one
    // agency, never two entries a reviewer split.
    links.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then((a.a, a.b).cmp(&(b.a, b.b)))
    });
    let mut group_of: Vec<usize> = (0..entries.len()).collect();
    let mut members: Vec<Vec<usize>> = (0..entries.len()).map(|i| vec![i]).collect();
    for link in &links {
        let (ga, gb) = (group_of[link.a], group_of[link.b]);
        if ga == gb {
            continue;
        }
        let clash = members[gb].iter().any(|&j| {
            members[ga]
                .iter()
                .any(|&i| input[i].agency == input[j].agency || different.contains(&pair(i, j)))
        });
        if clash {
            continue;
        }
        let moved = std::mem::take(&mut members[gb]);
        for &j in &moved {
            group_of[j] = ga;
        }
        members[ga].extend(moved);
    }
    let mut groups: Vec<Vec<usize>> = members.into_iter().filter(|g| !g.is_empty()).collect();
    for g in &mut groups {
        g.sort_unstable();
    }
    groups.sort_by_key(|g| (entries[g[0]].occurred.start, g[0]));
    let confirmed = groups
        .iter()
        .map(|g| {
            g.len() > 1
                && g.iter()
                    .all(|&i| g.iter().any(|&j| i != j && same.contains(&pair(i, j))))
        })
        .collect();

    let gap_agencies: Vec<GapAgency> = agencies
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let mut terms: Vec<String> = sector_terms(a.sector)
                .iter()
                .map(|t| (*t).to_owned())
                .collect();
            terms.push(a.name.to_lowercase());
            GapAgency {
                id: i as u32,
                name: a.name.clone(),
                terms,
            }
        })
        .collect();
    let found = gaps(&input, &links, &gap_agencies, &GapSettings::default());
    Alignment {
        groups,
        confirmed,
        gaps: found,
    }
}

/// What a reviewer decides about entries that may record the same occurrence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkAction {
    /// The entries (of different agencies) record the same occurrence.
    Confirm(Vec<ChronologyEntryId>),
    /// `entry` is not the same occurrence as any of `from`.
    Split {
        entry: ChronologyEntryId,
        from: Vec<ChronologyEntryId>,
    },
    /// Forget the decisions between these entries: the alignment decides again.
    Undo(Vec<ChronologyEntryId>),
}

fn invalid(path: &str, reason: &str) -> AppError {
    AppError::Invalid(vec![Problem {
        path: path.to_owned(),
        reason: reason.to_owned(),
    }])
}

fn ordered(a: ChronologyEntryId, b: ChronologyEntryId) -> (ChronologyEntryId, ChronologyEntryId) {
    if a.0.to_string() < b.0.to_string() {
        (a, b)
    } else {
        (b, a)
    }
}

impl<S: Store> App<S> {
    /// Reviewers' decisions on the review's alignment, for whoever may read the chronologies.
    pub async fn link_decisions(
        &self,
        actor: &Actor,
        review: ReviewId,
    ) -> AppResult<Vec<LinkDecision>> {
        self.authorize(actor, review, Permission::ViewChronology)
            .await?;
        Ok(self.store.link_decisions(review).await?)
    }

    /// Records a reviewer's decision on which entries record the same occurrence. Entries of
    /// one agency are never joined: each agency's account is kept as given.
    pub async fn decide_links(
        &self,
        actor: &Actor,
        review: ReviewId,
        action: LinkAction,
    ) -> AppResult<()> {
        self.authorize(actor, review, Permission::EditAnalysis)
            .await?;
        let agency_of: HashMap<ChronologyEntryId, casewindow_domain::ids::AgencyId> = self
            .store
            .list::<ChronologyEntry>(review.0)
            .await?
            .into_iter()
            .map(|e| (e.record.id, e.record.agency_id))
            .collect();
        let ids = match &action {
            LinkAction::Confirm(ids) | LinkAction::Undo(ids) => ids.clone(),
            LinkAction::Split { entry, from } => {
                std::iter::once(*entry).chain(from.clone()).collect()
            }
        };
        if let Some(missing) = ids.iter().find(|id| !agency_of.contains_key(id)) {
            return Err(AppError::NotFound {
                what: format!("chronology entry {missing}"),
            });
        }
        let mut unique = ids.clone();
        unique.sort_by_key(|id| id.0);
        unique.dedup();
        if unique.len() < 2 {
            return Err(invalid("entries", "choose at least two entries"));
        }
        let decision = |a, b, same| {
            let (a, b) = ordered(a, b);
            LinkDecision {
                review_id: review,
                a,
                b,
                same,
                decided_at: self.now(),
                decided_by: actor.user,
            }
        };
        let pairs = || {
            unique
                .iter()
                .enumerate()
                .flat_map(|(i, &a)| unique[i + 1..].iter().map(move |&b| (a, b)))
        };
        let (decisions, undo, reason): (Vec<LinkDecision>, Vec<_>, String) = match &action {
            LinkAction::Confirm(_) => {
                if pairs().any(|(a, b)| agency_of[&a] == agency_of[&b]) {
                    return Err(invalid(
                        "entries",
                        "entries from one agency are never joined: each agency's account is kept as given",
                    ));
                }
                (
                    pairs().map(|(a, b)| decision(a, b, true)).collect(),
                    Vec::new(),
                    format!(
                        "confirmed that {} entries record the same occurrence",
                        unique.len()
                    ),
                )
            }
            LinkAction::Split { entry, .. } => (
                unique
                    .iter()
                    .filter(|&&other| other != *entry)
                    .map(|&other| decision(*entry, other, false))
                    .collect(),
                Vec::new(),
                "split an entry from entries recording another occurrence".to_owned(),
            ),
            LinkAction::Undo(_) => (
                Vec::new(),
                pairs().map(|(a, b)| ordered(a, b)).collect(),
                "undid decisions on which entries record the same occurrence".to_owned(),
            ),
        };
        self.store
            .decide_links(review, &decisions, &undo, &self.change(actor, &reason))
            .await?;
        Ok(())
    }
}

impl<S: Store> App<S> {
    /// Links a possible information-sharing gap to a key practice episode: the gap's entry is
    /// cited in the episode's evidence, with why it may be a gap. Citing it again changes
    /// nothing.
    pub async fn link_gap_to_kpe(
        &self,
        actor: &Actor,
        review: ReviewId,
        kpe: casewindow_domain::ids::KpeId,
        entry: ChronologyEntryId,
    ) -> AppResult<()> {
        use casewindow_domain::analysis::KeyPracticeEpisode;
        use casewindow_domain::evidence::{Citation, CitationTarget};
        self.authorize(actor, review, Permission::EditAnalysis)
            .await?;
        let stored = self.store.get::<ChronologyEntry>(entry.0).await?;
        if stored.record.review_id != review {
            return Err(AppError::NotFound {
                what: format!("chronology entry {entry}"),
            });
        }
        let current = self.store.get::<KeyPracticeEpisode>(kpe.0).await?;
        if current.record.review_id != review {
            return Err(AppError::NotFound {
                what: format!("key practice episode {kpe}"),
            });
        }
        let target = CitationTarget::ChronologyEntry(entry);
        if current.record.evidence.iter().any(|c| c.target == target) {
            return Ok(());
        }
        // Why it is a gap is the server's own finding over the whole chronology, never the
        // page's text sent back; an entry that is a gap only in a filtered view is cited
        // without a reason.
        let view = self.chronology(actor, review).await?;
        let decisions = self.link_decisions(actor, review).await?;
        let found = align_chronologies(&view.entries, &view.agencies, &decisions);
        let why: Vec<&str> = found
            .gaps
            .iter()
            .filter(|g| view.entries[g.entry].id == entry)
            .map(|g| g.why.as_str())
            .collect();
        let note = if why.is_empty() {
            "Possible information-sharing gap".to_owned()
        } else {
            format!("Possible information-sharing gap: {}", why.join("; "))
        };
        let mut episode = current.record.clone();
        episode.evidence.push(Citation { target, note });
        self.update(
            actor,
            &episode,
            current.meta.version,
            "linked a possible information-sharing gap",
        )
        .await?;
        Ok(())
    }
}

/// How far apart, in days, a lone entry and another agency's entry may be for a reviewer to be
/// offered to join them as one occurrence.
pub const JOIN_WINDOW_DAYS: i64 = 7;

/// How many entries a reviewer is offered to join a lone entry to.
pub const JOIN_CANDIDATES: usize = 8;

/// The entries of other agencies a lone entry may be joined to: within [`JOIN_WINDOW_DAYS`] of
/// it (each entry's whole date range counts), at most [`JOIN_CANDIDATES`], in the order given.
pub fn join_candidates<'a>(
    lone: &'a ChronologyEntry,
    entries: &'a [ChronologyEntry],
) -> impl Iterator<Item = &'a ChronologyEntry> + 'a {
    entries
        .iter()
        .filter(move |o| {
            o.agency_id != lone.agency_id
                && (o.occurred.start - lone.occurred.end).num_days() <= JOIN_WINDOW_DAYS
                && (lone.occurred.start - o.occurred.end).num_days() <= JOIN_WINDOW_DAYS
        })
        .take(JOIN_CANDIDATES)
}
