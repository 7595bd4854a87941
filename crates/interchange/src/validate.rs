//! Consistency checks on a parsed document, each problem named by JSON path.

use crate::document::{Entry, FORMAT, FORMAT_VERSION, ReviewDocument};
use crate::problems::Problem;
use casewindow_domain::Validate;
use casewindow_domain::evidence::{Citation, CitationTarget};
use casewindow_store::Record;
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

struct Checker<'a> {
    document: &'a ReviewDocument,
    problems: Vec<Problem>,
    agencies: HashSet<Uuid>,
    users: HashSet<Uuid>,
    issues: HashSet<Uuid>,
    participants: HashSet<Uuid>,
    subjects: HashSet<Uuid>,
    documents: HashSet<Uuid>,
    entries: HashSet<Uuid>,
    kpes: HashSet<Uuid>,
    conversations: HashSet<Uuid>,
    findings: HashSet<Uuid>,
}

/// Every consistency problem in the document; empty when it can be imported.
pub fn validate(document: &ReviewDocument) -> Vec<Problem> {
    let ids = |list: &mut dyn Iterator<Item = Uuid>| list.collect::<HashSet<_>>();
    let mut checker = Checker {
        document,
        problems: Vec::new(),
        agencies: ids(&mut document.agencies.iter().map(|a| a.id.0)),
        users: ids(&mut document.users.iter().map(|u| u.id.0)),
        issues: ids(&mut document.recurrent_issues.iter().map(|e| e.record.id.0)),
        participants: ids(&mut document.participants.iter().map(|e| e.record.id.0)),
        subjects: ids(&mut document.subjects.iter().map(|e| e.record.id.0)),
        documents: ids(&mut document.source_documents.iter().map(|e| e.record.id.0)),
        entries: ids(&mut document.chronology.iter().map(|e| e.record.id.0)),
        kpes: ids(&mut document.key_practice_episodes.iter().map(|e| e.record.id.0)),
        conversations: ids(&mut document.conversations.iter().map(|e| e.record.id.0)),
        findings: ids(&mut document.findings.iter().map(|e| e.record.id.0)),
    };
    checker.header();
    checker.reference_data();
    checker.records();
    checker.meetings();
    checker.history();
    checker.problems
}

impl Checker<'_> {
    fn fail(&mut self, path: impl Into<String>, reason: impl Into<String>) {
        self.problems.push(Problem {
            path: path.into(),
            reason: reason.into(),
        });
    }

    fn refers(&mut self, path: String, id: Uuid, set: Set, what: &str) {
        if !self.set(set).contains(&id) {
            self.fail(
                path,
                format!("refers to {what} {id}, which is not in this file"),
            );
        }
    }

    fn set(&self, set: Set) -> &HashSet<Uuid> {
        match set {
            Set::Agencies => &self.agencies,
            Set::Users => &self.users,
            Set::Issues => &self.issues,
            Set::Participants => &self.participants,
            Set::Subjects => &self.subjects,
            Set::Documents => &self.documents,
            Set::Entries => &self.entries,
            Set::Kpes => &self.kpes,
            Set::Conversations => &self.conversations,
            Set::Findings => &self.findings,
        }
    }

    fn header(&mut self) {
        let document = self.document;
        if document.format != FORMAT {
            self.fail(
                "format",
                format!(
                    "is {:?}; a casewindow review file says {FORMAT:?}",
                    document.format
                ),
            );
        }
        if document.format_version != FORMAT_VERSION {
            self.fail(
                "format_version",
                format!(
                    "is {}; this casewindow reads version {FORMAT_VERSION}",
                    document.format_version
                ),
            );
        }
    }

    fn reference_data(&mut self) {
        let document = self.document;
        for problem in document.partnership.problems() {
            self.fail(format!("partnership.{}", problem.field), problem.reason);
        }
        for (idx, other) in document.other_partnerships.iter().enumerate() {
            for problem in other.problems() {
                self.fail(
                    format!("other_partnerships[{idx}].{}", problem.field),
                    problem.reason,
                );
            }
        }
        unique(
            &mut self.problems,
            "agencies",
            document.agencies.iter().map(|a| a.id.0),
        );
        for (idx, agency) in document.agencies.iter().enumerate() {
            for problem in agency.problems() {
                self.fail(format!("agencies[{idx}].{}", problem.field), problem.reason);
            }
            if let Some(partnership) = agency.partnership_id
                && partnership != document.partnership.id
                && !document
                    .other_partnerships
                    .iter()
                    .any(|p| p.id == partnership)
            {
                self.fail(
                    format!("agencies[{idx}].partnership_id"),
                    "refers to a partnership that is not in this file",
                );
            }
        }
        unique(
            &mut self.problems,
            "users",
            document.users.iter().map(|u| u.id.0),
        );
        for (idx, user) in document.users.iter().enumerate() {
            for problem in user.problems() {
                self.fail(format!("users[{idx}].{}", problem.field), problem.reason);
            }
        }
        let issues = &document.recurrent_issues;
        unique(
            &mut self.problems,
            "recurrent_issues",
            issues.iter().map(|e| e.record.id.0),
        );
        for (idx, entry) in issues.iter().enumerate() {
            self.entry(&format!("recurrent_issues[{idx}]"), entry);
        }
    }

    /// Checks that apply to every entry: its own validity, its metadata and its history.
    fn entry<T: Record + Validate>(&mut self, path: &str, entry: &Entry<T>) {
        for problem in entry.record.problems() {
            self.fail(format!("{path}.record.{}", problem.field), problem.reason);
        }
        let Some(meta) = &entry.meta else {
            if !entry.revisions.is_empty() {
                self.fail(
                    format!("{path}.meta"),
                    "is required when revisions are given",
                );
            }
            return;
        };
        if meta.version < 1 {
            self.fail(format!("{path}.meta.version"), "must be 1 or more");
        }
        if meta.updated_at < meta.created_at {
            self.fail(format!("{path}.meta.updated_at"), "is before created_at");
        }
        for user in [meta.created_by, meta.updated_by].into_iter().flatten() {
            self.refers(format!("{path}.meta"), user.0, Set::Users, "user");
        }
        let mut previous = 0;
        for (idx, revision) in entry.revisions.iter().enumerate() {
            let revision_path = format!("{path}.revisions[{idx}]");
            if revision.version <= previous || revision.version >= meta.version {
                self.fail(
                    format!("{revision_path}.version"),
                    format!(
                        "must increase and stay below the record's version {}",
                        meta.version
                    ),
                );
            }
            previous = revision.version;
            if let Some(user) = revision.replaced_by {
                self.refers(
                    format!("{revision_path}.replaced_by"),
                    user.0,
                    Set::Users,
                    "user",
                );
            }
            if !revision.record.is_object() {
                self.fail(
                    format!("{revision_path}.record"),
                    "must be the record as it was (a JSON object)",
                );
            }
        }
    }

    fn scoped<T: Record + Validate>(&mut self, list: &str, entries: &[Entry<T>]) {
        unique(
            &mut self.problems,
            list,
            entries.iter().map(|e| e.record.id()),
        );
        let review = self.document.review.record.id.0;
        for (idx, entry) in entries.iter().enumerate() {
            let path = format!("{list}[{idx}]");
            self.entry(&path, entry);
            if entry.record.scope() != Some(review) {
                self.fail(
                    format!("{path}.record.review_id"),
                    "is not the id of this file's review",
                );
            }
        }
    }

    fn citations(&mut self, path: &str, citations: &[Citation]) {
        for (idx, citation) in citations.iter().enumerate() {
            let path = format!("{path}[{idx}].target");
            match citation.target {
                CitationTarget::ChronologyEntry(id) => {
                    self.refers(path, id.0, Set::Entries, "chronology entry")
                }
                CitationTarget::Conversation(id) => {
                    self.refers(path, id.0, Set::Conversations, "conversation")
                }
                CitationTarget::SourceDocument(id) => {
                    self.refers(path, id.0, Set::Documents, "source document")
                }
            }
        }
    }

    fn records(&mut self) {
        let document = self.document;
        let review = &document.review;
        self.entry("review", review);
        if review.record.partnership_id != document.partnership.id {
            self.fail(
                "review.record.partnership_id",
                "is not the id of this file's partnership",
            );
        }
        if let Some(sign_off) = &review.record.anonymisation_sign_off {
            self.refers(
                "review.record.anonymisation_sign_off.signed_off_by".to_owned(),
                sign_off.signed_off_by.0,
                Set::Users,
                "user",
            );
        }
        if let Some(terms) = &document.terms_of_reference {
            self.scoped("terms_of_reference", std::slice::from_ref(terms));
            for (idx, agency) in terms.record.agencies_in_scope.iter().enumerate() {
                self.refers(
                    format!("terms_of_reference.record.agencies_in_scope[{idx}]"),
                    agency.0,
                    Set::Agencies,
                    "agency",
                );
            }
            // `scoped` names the list with an index; a single entry reads better without one.
            for problem in &mut self.problems {
                if let Some(rest) = problem.path.strip_prefix("terms_of_reference[0]") {
                    problem.path = format!("terms_of_reference{rest}");
                }
            }
        }
        self.scoped("participants", &document.participants);
        for (idx, entry) in document.participants.iter().enumerate() {
            let record = &entry.record;
            if let Some(user) = record.user_id {
                self.refers(
                    format!("participants[{idx}].record.user_id"),
                    user.0,
                    Set::Users,
                    "user",
                );
            }
            if let Some(agency) = record.agency_id {
                self.refers(
                    format!("participants[{idx}].record.agency_id"),
                    agency.0,
                    Set::Agencies,
                    "agency",
                );
            }
        }
        self.scoped("subjects", &document.subjects);
        self.scoped("source_documents", &document.source_documents);
        for (idx, entry) in document.source_documents.iter().enumerate() {
            if let Some(agency) = entry.record.agency_id {
                self.refers(
                    format!("source_documents[{idx}].record.agency_id"),
                    agency.0,
                    Set::Agencies,
                    "agency",
                );
            }
        }
        self.scoped("chronology", &document.chronology);
        for (idx, entry) in document.chronology.iter().enumerate() {
            let record = &entry.record;
            self.refers(
                format!("chronology[{idx}].record.agency_id"),
                record.agency_id.0,
                Set::Agencies,
                "agency",
            );
            if let Some(source) = record.source {
                self.refers(
                    format!("chronology[{idx}].record.source.document_id"),
                    source.document_id.0,
                    Set::Documents,
                    "source document",
                );
            }
            for (n, subject) in record.subjects.iter().enumerate() {
                self.refers(
                    format!("chronology[{idx}].record.subjects[{n}]"),
                    subject.0,
                    Set::Subjects,
                    "subject",
                );
            }
        }
        self.kpes();
        self.conversations();
        self.scoped("narrative", &document.narrative);
        positions(
            &mut self.problems,
            "narrative",
            document.narrative.iter().map(|e| e.record.position),
        );
        for (idx, entry) in document.narrative.iter().enumerate() {
            let record = &entry.record;
            if let Some(agency) = record.perspective_agency_id {
                self.refers(
                    format!("narrative[{idx}].record.perspective_agency_id"),
                    agency.0,
                    Set::Agencies,
                    "agency",
                );
            }
            self.citations(
                &format!("narrative[{idx}].record.citations"),
                &record.citations,
            );
        }
        self.findings();
    }

    fn kpes(&mut self) {
        let document = self.document;
        self.scoped("key_practice_episodes", &document.key_practice_episodes);
        positions(
            &mut self.problems,
            "key_practice_episodes",
            document
                .key_practice_episodes
                .iter()
                .map(|e| e.record.position),
        );
        for (idx, entry) in document.key_practice_episodes.iter().enumerate() {
            let record = &entry.record;
            let path = format!("key_practice_episodes[{idx}].record");
            for (n, agency) in record.agencies.iter().enumerate() {
                self.refers(
                    format!("{path}.agencies[{n}]"),
                    agency.0,
                    Set::Agencies,
                    "agency",
                );
            }
            for (n, account) in record.local_rationality.iter().enumerate() {
                self.refers(
                    format!("{path}.local_rationality[{n}].participant_id"),
                    account.participant_id.0,
                    Set::Participants,
                    "participant",
                );
            }
            self.citations(&format!("{path}.evidence"), &record.evidence);
        }
    }

    fn conversations(&mut self) {
        let document = self.document;
        self.scoped("conversations", &document.conversations);
        for (idx, entry) in document.conversations.iter().enumerate() {
            let record = &entry.record;
            let path = format!("conversations[{idx}].record");
            self.refers(
                format!("{path}.participant_id"),
                record.participant_id.0,
                Set::Participants,
                "participant",
            );
            for (n, reviewer) in record.reviewers_present.iter().enumerate() {
                self.refers(
                    format!("{path}.reviewers_present[{n}]"),
                    reviewer.0,
                    Set::Participants,
                    "participant",
                );
            }
            for (n, note) in record.mindset.iter().enumerate() {
                if let Some(kpe) = note.kpe_id {
                    self.refers(
                        format!("{path}.mindset[{n}].kpe_id"),
                        kpe.0,
                        Set::Kpes,
                        "key practice episode",
                    );
                }
            }
        }
    }

    fn findings(&mut self) {
        let document = self.document;
        self.scoped("findings", &document.findings);
        positions(
            &mut self.problems,
            "findings",
            document.findings.iter().map(|e| e.record.position),
        );
        for (idx, entry) in document.findings.iter().enumerate() {
            let record = &entry.record;
            for (n, kpe) in record.kpe_ids.iter().enumerate() {
                self.refers(
                    format!("findings[{idx}].record.kpe_ids[{n}]"),
                    kpe.0,
                    Set::Kpes,
                    "key practice episode",
                );
            }
            for (n, issue) in record.recurrent_issue_ids.iter().enumerate() {
                self.refers(
                    format!("findings[{idx}].record.recurrent_issue_ids[{n}]"),
                    issue.0,
                    Set::Issues,
                    "recurrent issue",
                );
            }
        }
        self.scoped("responses", &document.responses);
        let mut responded = HashMap::new();
        for (idx, entry) in document.responses.iter().enumerate() {
            let finding = entry.record.finding_id.0;
            self.refers(
                format!("responses[{idx}].record.finding_id"),
                finding,
                Set::Findings,
                "finding",
            );
            if let Some(first) = responded.insert(finding, idx) {
                self.fail(
                    format!("responses[{idx}].record.finding_id"),
                    format!("the finding already has a response (responses[{first}])"),
                );
            }
        }
        self.scoped("actions", &document.actions);
        for (idx, entry) in document.actions.iter().enumerate() {
            let record = &entry.record;
            self.refers(
                format!("actions[{idx}].record.owner_agency_id"),
                record.owner_agency_id.0,
                Set::Agencies,
                "agency",
            );
            if let Some(finding) = record.finding_id {
                self.refers(
                    format!("actions[{idx}].record.finding_id"),
                    finding.0,
                    Set::Findings,
                    "finding",
                );
            }
        }
    }

    fn meetings(&mut self) {
        use casewindow_domain::collaboration::Topic;
        let document = self.document;
        self.scoped("meetings", &document.meetings);
        for (idx, entry) in document.meetings.iter().enumerate() {
            let record = &entry.record;
            for (n, attendee) in record.attendees.iter().enumerate() {
                self.refers(
                    format!("meetings[{idx}].record.attendees[{n}]"),
                    attendee.0,
                    Set::Participants,
                    "participant",
                );
            }
            let topics = record
                .items
                .iter()
                .enumerate()
                .map(|(n, i)| (format!("items[{n}].topic"), i.topic))
                .chain(
                    record
                        .disagreements
                        .iter()
                        .enumerate()
                        .map(|(n, d)| (format!("disagreements[{n}].about"), d.about)),
                );
            for (path, topic) in topics {
                let path = format!("meetings[{idx}].record.{path}");
                match topic {
                    Topic::Kpe(id) => self.refers(path, id.0, Set::Kpes, "key practice episode"),
                    Topic::Finding(id) => self.refers(path, id.0, Set::Findings, "finding"),
                    Topic::Chronology => {}
                }
            }
            for (n, d) in record.disagreements.iter().enumerate() {
                for (m, view) in d.views.iter().enumerate() {
                    self.refers(
                        format!("meetings[{idx}].record.disagreements[{n}].views[{m}].holder"),
                        view.holder.0,
                        Set::Participants,
                        "participant",
                    );
                }
            }
        }
    }

    fn history(&mut self) {
        let document = self.document;
        let history = &document.lifecycle_history;
        for (idx, transition) in history.iter().enumerate() {
            if let Some(user) = transition.by {
                self.refers(
                    format!("lifecycle_history[{idx}].by"),
                    user.0,
                    Set::Users,
                    "user",
                );
            }
            if idx > 0 && history[idx - 1].to != transition.from {
                self.fail(
                    format!("lifecycle_history[{idx}].from"),
                    format!(
                        "is {}, but the previous transition ended in {}",
                        transition.from,
                        history[idx - 1].to
                    ),
                );
            }
            if idx > 0 && transition.at < history[idx - 1].at {
                self.fail(
                    format!("lifecycle_history[{idx}].at"),
                    "is earlier than the previous transition",
                );
            }
        }
        if let Some(last) = history.last()
            && last.to != document.review.record.state
        {
            self.fail(
                "review.record.state",
                format!(
                    "is {}, but the lifecycle history ends in {}",
                    document.review.record.state, last.to
                ),
            );
        }
    }
}

#[derive(Clone, Copy)]
enum Set {
    Agencies,
    Users,
    Issues,
    Participants,
    Subjects,
    Documents,
    Entries,
    Kpes,
    Conversations,
    Findings,
}

fn unique(problems: &mut Vec<Problem>, list: &str, ids: impl Iterator<Item = Uuid>) {
    let mut seen = HashMap::new();
    for (idx, id) in ids.enumerate() {
        if let Some(first) = seen.insert(id, idx) {
            problems.push(Problem {
                path: format!("{list}[{idx}]"),
                reason: format!("repeats the id {id} of {list}[{first}]"),
            });
        }
    }
}

fn positions(problems: &mut Vec<Problem>, list: &str, positions: impl Iterator<Item = u32>) {
    let mut seen = HashMap::new();
    for (idx, position) in positions.enumerate() {
        if let Some(first) = seen.insert(position, idx) {
            problems.push(Problem {
                path: format!("{list}[{idx}].record.position"),
                reason: format!("repeats position {position} of {list}[{first}]"),
            });
        }
    }
}
