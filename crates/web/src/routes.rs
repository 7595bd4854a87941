//! Every route and what it needs, in one table. The authorisation matrix test is generated from
//! it (every route × every role × own review / another review), and a test fails when a route
//! is added to a router without an entry here.

use casewindow_app::Permission;

/// What a route needs from the person asking.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Needs {
    /// Anyone, signed in or not.
    Public,
    /// Anyone signed in.
    SignedIn,
    /// Anyone signed in who takes part in reviews: not a platform administrator (who sees no
    /// case content) nor a national analyst (who sees only de-identified findings).
    NotAdmin,
    /// Anyone signed in who may read findings across reviews: members (their own reviews) and
    /// national analysts (every review, de-identified); not platform administrators.
    Library,
    /// Anyone signed in but a platform administrator (who sees no case content): members and
    /// national analysts, for what is their own (the tokens their programs use).
    Person,
    /// Those who may propose a recurrent issue: national analysts, and members who write
    /// findings in some review.
    Proposer,
    /// Those who curate the codebook of recurrent issues: national analysts.
    Curator,
    /// Platform administrators only (instance settings, never case content).
    Admin,
    /// Anyone, but only at first run: no administrator yet and a set-up code issued.
    FirstRun,
    /// A permission in the review named by the path.
    Permission(Permission),
    /// The conversation's own participant, or someone who may read conversations.
    CheckBack,
    /// The conversation's own participant only.
    CheckBackReply,
    /// Someone the item in the path was shared with: a case group member, family member or
    /// partner signatory of the review (each reaches only their own group's items).
    SharedWith,
}

/// One route.
#[derive(Clone, Copy, Debug)]
pub struct RouteSpec {
    pub method: &'static str,
    pub path: &'static str,
    pub needs: Needs,
}

/// The routes that take a file (a multipart body): a chronology to import, a source document, a
/// codebook to import, published reports to read.
pub const UPLOADS: &[&str] = &[
    "/reviews/{id}/chronology/import",
    "/reviews/{id}/documents",
    "/library/issues/import",
    "/library/reports",
];

/// The largest form a route takes when it takes no file: room for several long texts at their
/// limit of 200,000 characters each, however they are encoded.
pub const MAX_FORM_BYTES: usize = 8 * 1024 * 1024;
/// The largest body of a route that takes a file: the largest file, and room for its form.
pub const MAX_UPLOAD_BYTES: usize = casewindow_chronology::read::MAX_FILE_BYTES + 64 * 1024;

impl RouteSpec {
    /// Whether the route takes a file.
    #[must_use]
    pub fn takes_file(&self) -> bool {
        self.method == "POST" && UPLOADS.contains(&self.path)
    }

    /// The largest body the route reads.
    #[must_use]
    pub fn body_limit(&self) -> usize {
        if self.takes_file() {
            MAX_UPLOAD_BYTES
        } else {
            MAX_FORM_BYTES
        }
    }

    /// Whether `path` is this route's, and if so the value of its `{id}` segment (if any).
    fn matches<'a>(&self, method: &str, path: &'a str) -> Option<Option<&'a str>> {
        if self.method != method {
            return None;
        }
        let mut id = None;
        let mut actual = path.trim_end_matches('/').split('/');
        for pattern in self.path.trim_end_matches('/').split('/') {
            let segment = actual.next()?;
            if pattern == "{id}" {
                id = Some(segment);
            } else if !(pattern.starts_with('{') || pattern == segment) {
                return None;
            }
        }
        actual.next().is_none().then_some(id)
    }
}

/// The route a request is for, with its review id segment: the most literal match wins (so
/// `/reviews/{id}/kpes/new` is not taken for `/reviews/{id}/kpes/{kpe}`).
#[must_use]
pub fn route_for<'a>(method: &str, path: &'a str) -> Option<(&'static RouteSpec, Option<&'a str>)> {
    ROUTES
        .iter()
        .filter_map(|spec| spec.matches(method, path).map(|id| (spec, id)))
        .max_by_key(|(spec, _)| spec.path.split('/').filter(|s| !s.starts_with('{')).count())
}

const fn route(method: &'static str, path: &'static str, needs: Needs) -> RouteSpec {
    RouteSpec {
        method,
        path,
        needs,
    }
}

/// A `GET` route.
const fn get(path: &'static str, needs: Needs) -> RouteSpec {
    route("GET", path, needs)
}

/// A `POST` route.
const fn post(path: &'static str, needs: Needs) -> RouteSpec {
    route("POST", path, needs)
}

use Needs::{
    Admin, CheckBack, CheckBackReply, Curator, FirstRun, Library, NotAdmin, Person, Proposer,
    Public, SharedWith, SignedIn,
};
use Permission::*;

const fn p(permission: Permission) -> Needs {
    Needs::Permission(permission)
}

/// Every route the server answers.
pub const ROUTES: &[RouteSpec] = &[
    get("/health", Public),
    get("/assets/app.css", Public),
    get("/assets/app.js", Public),
    get("/sign-in", Public),
    post("/sign-in", Public),
    get("/sign-in/code", Public),
    post("/sign-in/code", Public),
    get("/setup", FirstRun),
    post("/setup", FirstRun),
    get("/", SignedIn),
    get("/account", SignedIn),
    get("/account/two-step", SignedIn),
    post("/account/two-step", SignedIn),
    post("/account/two-step/remove", SignedIn),
    get("/account/tokens", Person),
    post("/account/tokens", Person),
    post("/account/tokens/{token}/revoke", Person),
    get("/library", Library),
    get("/library/issues", Library),
    post("/library/issues", Proposer),
    get("/library/issues/{issue}", Library),
    get("/library/issues/import", Proposer),
    post("/library/issues/import", Proposer),
    get("/library/issues/import/{import}", Proposer),
    post("/library/issues/import/{import}", Proposer),
    get("/library/reports", Proposer),
    post("/library/reports", Proposer),
    get("/library/reports/{report}", Proposer),
    post("/library/reports/{report}", Proposer),
    get("/library/reports/{report}/file", Proposer),
    get("/library/project.qdpx", Library),
    get("/library/findings.csv", Library),
    get("/library/thematic", Library),
    post("/library/thematic", Library),
    get("/library/thematic/compare", Library),
    get("/library/thematic/analysis.docx", Library),
    get("/library/thematic/analysis.pdf", Library),
    get("/library/thematic/analysis.json", Library),
    get("/library/codebook.qdc", Library),
    get("/actions.csv", NotAdmin),
    post("/library/issues/{issue}", Curator),
    get("/actions", NotAdmin),
    get("/search", NotAdmin),
    get("/admin/report-template", Admin),
    post("/admin/report-template", Admin),
    get("/reviews/new", NotAdmin),
    post("/reviews/new", NotAdmin),
    get("/reviews/{id}", p(ViewReview)),
    get("/reviews/{id}/transition", p(ManageLifecycle)),
    post("/reviews/{id}/transition", p(ManageLifecycle)),
    get("/reviews/{id}/history", p(ViewReview)),
    get("/reviews/{id}/audit", p(ViewAudit)),
    get("/reviews/{id}/details", p(ManageLifecycle)),
    post("/reviews/{id}/details", p(ManageLifecycle)),
    post("/reviews/{id}/details/processes", p(ManageLifecycle)),
    post(
        "/reviews/{id}/details/processes/conclude",
        p(ManageLifecycle),
    ),
    get("/reviews/{id}/publication", p(ManageLifecycle)),
    post("/reviews/{id}/publication", p(ManageLifecycle)),
    post("/reviews/{id}/publication/confirm", p(ManageLifecycle)),
    get("/reviews/{id}/publication/scan", p(ManageLifecycle)),
    post("/reviews/{id}/publication/scan", p(ManageLifecycle)),
    post(
        "/reviews/{id}/publication/scan/decisions",
        p(ManageLifecycle),
    ),
    get("/reviews/{id}/report", p(ViewReview)),
    get("/reviews/{id}/briefing", p(ViewReview)),
    get("/reviews/{id}/report.docx", p(ViewReview)),
    get("/reviews/{id}/report.pdf", p(ViewReview)),
    get("/reviews/{id}/project.qdpx", p(ViewReview)),
    get("/reviews/{id}/report/versions", p(ViewReview)),
    post("/reviews/{id}/report/versions", p(ManageLifecycle)),
    get(
        "/reviews/{id}/report/versions/{version}/report.docx",
        p(ViewReview),
    ),
    get(
        "/reviews/{id}/report/versions/{version}/report.pdf",
        p(ViewReview),
    ),
    post(
        "/reviews/{id}/report/versions/{version}/stage",
        p(ManageLifecycle),
    ),
    get("/reviews/{id}/meetings", p(ViewReview)),
    get("/reviews/{id}/meetings/new", p(EditAnalysis)),
    post("/reviews/{id}/meetings/new", p(EditAnalysis)),
    get("/reviews/{id}/meetings/{meeting}", p(ViewReview)),
    post("/reviews/{id}/meetings/{meeting}", p(EditAnalysis)),
    post("/reviews/{id}/meetings/{meeting}/actions", p(EditAnalysis)),
    post(
        "/reviews/{id}/meetings/{meeting}/actions/done",
        p(EditAnalysis),
    ),
    post(
        "/reviews/{id}/meetings/{meeting}/disagreements",
        p(EditAnalysis),
    ),
    post(
        "/reviews/{id}/meetings/{meeting}/disagreements/settle",
        p(EditAnalysis),
    ),
    get("/reviews/{id}/sharing", p(EditAnalysis)),
    post("/reviews/{id}/sharing", p(EditAnalysis)),
    post("/reviews/{id}/sharing/comments/{comment}", p(EditAnalysis)),
    get("/reviews/{id}/shared", p(TakePart)),
    post("/reviews/{id}/shared/{share}/comments", SharedWith),
    get("/reviews/{id}/shared/versions/{version}", p(TakePart)),
    post(
        "/reviews/{id}/shared/versions/{version}/comments",
        p(TakePart),
    ),
    post(
        "/reviews/{id}/shared/versions/{version}/sign-off",
        p(SignOff),
    ),
    get(
        "/reviews/{id}/shared/versions/{version}/report.pdf",
        p(TakePart),
    ),
    get("/reviews/{id}/quality", p(ViewReview)),
    post("/reviews/{id}/quality", p(AssessQuality)),
    get("/reviews/{id}/briefing.docx", p(ViewReview)),
    get("/reviews/{id}/briefing.pdf", p(ViewReview)),
    get("/reviews/{id}/terms", p(ViewReview)),
    get("/reviews/{id}/terms/edit", p(EditAnalysis)),
    post("/reviews/{id}/terms/edit", p(EditAnalysis)),
    get("/reviews/{id}/agencies", p(ViewReview)),
    post("/reviews/{id}/agencies", p(ManageParticipants)),
    post(
        "/reviews/{id}/agencies/{agency}/publication-name",
        p(ManageParticipants),
    ),
    post(
        "/reviews/{id}/agencies/{agency}/withdraw",
        p(ManageParticipants),
    ),
    get("/reviews/{id}/participants", p(ViewReview)),
    post("/reviews/{id}/participants", p(ManageParticipants)),
    get("/reviews/{id}/subjects", p(ViewReview)),
    get("/reviews/{id}/subjects/new", p(EditAnalysis)),
    post("/reviews/{id}/subjects/new", p(EditAnalysis)),
    get("/reviews/{id}/subjects/{subject}", p(ViewReview)),
    post("/reviews/{id}/subjects/{subject}", p(EditAnalysis)),
    post(
        "/reviews/{id}/subjects/{subject}/identity",
        p(RevealIdentity),
    ),
    post("/reviews/{id}/subjects/{subject}/reveal", p(RevealIdentity)),
    post(
        "/reviews/{id}/subjects/{subject}/characteristics",
        p(EditAnalysis),
    ),
    get("/reviews/{id}/genogram", p(EditAnalysis)),
    get("/reviews/{id}/documents", p(ViewChronology)),
    post("/reviews/{id}/documents", p(EditChronology)),
    get("/reviews/{id}/documents/{document}/file", p(ViewChronology)),
    get(
        "/reviews/{id}/participants/{participation}",
        p(ManageParticipants),
    ),
    post(
        "/reviews/{id}/participants/{participation}",
        p(ManageParticipants),
    ),
    post(
        "/reviews/{id}/participants/{participation}/withdraw",
        p(ManageParticipants),
    ),
    get(
        "/reviews/{id}/participants/{participation}/letters/invitation.docx",
        p(ManageParticipants),
    ),
    get(
        "/reviews/{id}/participants/{participation}/letters/explanation.docx",
        p(ManageParticipants),
    ),
    post("/reviews/{id}/purpose", p(ViewReview)),
    get("/reviews/{id}/chronology", p(ViewChronology)),
    get("/reviews/{id}/chronology.csv", p(ViewChronology)),
    get("/reviews/{id}/chronology/new", p(EditChronology)),
    post("/reviews/{id}/chronology/new", p(EditChronology)),
    post("/reviews/{id}/chronology/links", p(EditAnalysis)),
    post("/reviews/{id}/chronology/gaps", p(EditAnalysis)),
    get("/reviews/{id}/chronology/import", p(EditChronology)),
    post("/reviews/{id}/chronology/import", p(EditChronology)),
    get(
        "/reviews/{id}/chronology/import/{upload}",
        p(EditChronology),
    ),
    post(
        "/reviews/{id}/chronology/import/{upload}",
        p(EditChronology),
    ),
    get("/reviews/{id}/conversations", p(ViewConversations)),
    get("/reviews/{id}/conversations/new", p(EditConversations)),
    post("/reviews/{id}/conversations/new", p(EditConversations)),
    get(
        "/reviews/{id}/conversations/{conversation}",
        p(ViewConversations),
    ),
    post(
        "/reviews/{id}/conversations/{conversation}",
        p(EditConversations),
    ),
    get("/check-back/{conversation}", CheckBack),
    post("/check-back/{conversation}", CheckBackReply),
    get("/reviews/{id}/narrative", p(ViewReview)),
    get("/reviews/{id}/narrative/new", p(EditAnalysis)),
    post("/reviews/{id}/narrative/new", p(EditAnalysis)),
    get("/reviews/{id}/narrative/{section}", p(ViewReview)),
    post("/reviews/{id}/narrative/{section}", p(EditAnalysis)),
    post(
        "/reviews/{id}/narrative/{section}/withdraw",
        p(EditAnalysis),
    ),
    get("/reviews/{id}/kpes", p(ViewReview)),
    get("/reviews/{id}/kpes/new", p(EditAnalysis)),
    post("/reviews/{id}/kpes/new", p(EditAnalysis)),
    get("/reviews/{id}/kpes/{kpe}", p(ViewReview)),
    post("/reviews/{id}/kpes/{kpe}", p(EditAnalysis)),
    post("/reviews/{id}/kpes/{kpe}/accounts", p(EditAnalysis)),
    post(
        "/reviews/{id}/kpes/{kpe}/accounts/from-conversation",
        p(EditAnalysis),
    ),
    post("/reviews/{id}/kpes/{kpe}/factors", p(EditAnalysis)),
    post("/reviews/{id}/kpes/{kpe}/evidence", p(EditAnalysis)),
    post("/reviews/{id}/kpes/{kpe}/remove", p(EditAnalysis)),
    get("/reviews/{id}/findings", p(ViewReview)),
    get("/reviews/{id}/findings/new", p(EditAnalysis)),
    post("/reviews/{id}/findings/new", p(EditAnalysis)),
    get("/reviews/{id}/findings/{finding}", p(ViewReview)),
    post("/reviews/{id}/findings/{finding}", p(EditAnalysis)),
    post("/reviews/{id}/findings/{finding}/evidence", p(EditAnalysis)),
    post("/reviews/{id}/findings/suggestions", p(EditAnalysis)),
    get("/reviews/{id}/actions", p(ViewReview)),
    post("/reviews/{id}/actions", p(RespondAndAct)),
    post("/reviews/{id}/responses/{finding}", p(RespondAndAct)),
    post("/reviews/{id}/actions/{action}", p(RespondAndAct)),
    // Last: it ends the session the matrix test signs in with.
    post("/sign-out", SignedIn),
];
