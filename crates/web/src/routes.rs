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
}

/// One route.
#[derive(Clone, Copy, Debug)]
pub struct RouteSpec {
    pub method: &'static str,
    pub path: &'static str,
    pub needs: Needs,
}

const fn route(method: &'static str, path: &'static str, needs: Needs) -> RouteSpec {
    RouteSpec {
        method,
        path,
        needs,
    }
}

use Needs::{
    Admin, CheckBack, CheckBackReply, Curator, FirstRun, Library, NotAdmin, Proposer, Public,
    SignedIn,
};
use Permission::*;

const fn p(permission: Permission) -> Needs {
    Needs::Permission(permission)
}

/// Every route the server answers.
pub const ROUTES: &[RouteSpec] = &[
    route("GET", "/health", Public),
    route("GET", "/assets/app.css", Public),
    route("GET", "/assets/app.js", Public),
    route("GET", "/sign-in", Public),
    route("POST", "/sign-in", Public),
    route("GET", "/sign-in/code", Public),
    route("POST", "/sign-in/code", Public),
    route("GET", "/setup", FirstRun),
    route("POST", "/setup", FirstRun),
    route("GET", "/", SignedIn),
    route("GET", "/account", SignedIn),
    route("GET", "/account/two-step", SignedIn),
    route("POST", "/account/two-step", SignedIn),
    route("POST", "/account/two-step/remove", SignedIn),
    route("GET", "/library", Library),
    route("GET", "/library/issues", Library),
    route("POST", "/library/issues", Proposer),
    route("GET", "/library/issues/{issue}", Library),
    route("POST", "/library/issues/{issue}", Curator),
    route("GET", "/actions", NotAdmin),
    route("GET", "/search", NotAdmin),
    route("GET", "/admin/report-template", Admin),
    route("POST", "/admin/report-template", Admin),
    route("GET", "/reviews/new", NotAdmin),
    route("POST", "/reviews/new", NotAdmin),
    route("GET", "/reviews/{id}", p(ViewReview)),
    route("GET", "/reviews/{id}/transition", p(ManageLifecycle)),
    route("POST", "/reviews/{id}/transition", p(ManageLifecycle)),
    route("GET", "/reviews/{id}/history", p(ViewReview)),
    route("GET", "/reviews/{id}/audit", p(ViewAudit)),
    route("GET", "/reviews/{id}/details", p(ManageLifecycle)),
    route("POST", "/reviews/{id}/details", p(ManageLifecycle)),
    route(
        "POST",
        "/reviews/{id}/details/processes",
        p(ManageLifecycle),
    ),
    route(
        "POST",
        "/reviews/{id}/details/processes/conclude",
        p(ManageLifecycle),
    ),
    route("GET", "/reviews/{id}/publication", p(ManageLifecycle)),
    route("POST", "/reviews/{id}/publication", p(ManageLifecycle)),
    route(
        "POST",
        "/reviews/{id}/publication/confirm",
        p(ManageLifecycle),
    ),
    route("GET", "/reviews/{id}/publication/scan", p(ManageLifecycle)),
    route("POST", "/reviews/{id}/publication/scan", p(ManageLifecycle)),
    route("GET", "/reviews/{id}/report", p(ViewReview)),
    route("GET", "/reviews/{id}/briefing", p(ViewReview)),
    route("GET", "/reviews/{id}/report.docx", p(ViewReview)),
    route("GET", "/reviews/{id}/report.pdf", p(ViewReview)),
    route("GET", "/reviews/{id}/briefing.docx", p(ViewReview)),
    route("GET", "/reviews/{id}/briefing.pdf", p(ViewReview)),
    route("GET", "/reviews/{id}/terms", p(ViewReview)),
    route("GET", "/reviews/{id}/terms/edit", p(EditAnalysis)),
    route("POST", "/reviews/{id}/terms/edit", p(EditAnalysis)),
    route("GET", "/reviews/{id}/agencies", p(ViewReview)),
    route("POST", "/reviews/{id}/agencies", p(ManageParticipants)),
    route("GET", "/reviews/{id}/participants", p(ViewReview)),
    route("POST", "/reviews/{id}/participants", p(ManageParticipants)),
    route(
        "GET",
        "/reviews/{id}/participants/{participation}",
        p(ManageParticipants),
    ),
    route(
        "POST",
        "/reviews/{id}/participants/{participation}",
        p(ManageParticipants),
    ),
    route("POST", "/reviews/{id}/purpose", p(ViewReview)),
    route("GET", "/reviews/{id}/chronology", p(ViewChronology)),
    route("GET", "/reviews/{id}/chronology/new", p(EditChronology)),
    route("POST", "/reviews/{id}/chronology/new", p(EditChronology)),
    route("POST", "/reviews/{id}/chronology/links", p(EditAnalysis)),
    route("POST", "/reviews/{id}/chronology/gaps", p(EditAnalysis)),
    route("GET", "/reviews/{id}/chronology/import", p(EditChronology)),
    route("POST", "/reviews/{id}/chronology/import", p(EditChronology)),
    route(
        "GET",
        "/reviews/{id}/chronology/import/{upload}",
        p(EditChronology),
    ),
    route(
        "POST",
        "/reviews/{id}/chronology/import/{upload}",
        p(EditChronology),
    ),
    route("GET", "/reviews/{id}/conversations", p(ViewConversations)),
    route(
        "GET",
        "/reviews/{id}/conversations/new",
        p(EditConversations),
    ),
    route(
        "POST",
        "/reviews/{id}/conversations/new",
        p(EditConversations),
    ),
    route(
        "GET",
        "/reviews/{id}/conversations/{conversation}",
        p(ViewConversations),
    ),
    route(
        "POST",
        "/reviews/{id}/conversations/{conversation}",
        p(EditConversations),
    ),
    route("GET", "/check-back/{conversation}", CheckBack),
    route("POST", "/check-back/{conversation}", CheckBackReply),
    route("GET", "/reviews/{id}/narrative", p(ViewReview)),
    route("GET", "/reviews/{id}/narrative/new", p(EditAnalysis)),
    route("POST", "/reviews/{id}/narrative/new", p(EditAnalysis)),
    route("GET", "/reviews/{id}/narrative/{section}", p(ViewReview)),
    route("POST", "/reviews/{id}/narrative/{section}", p(EditAnalysis)),
    route("GET", "/reviews/{id}/kpes", p(ViewReview)),
    route("GET", "/reviews/{id}/kpes/new", p(EditAnalysis)),
    route("POST", "/reviews/{id}/kpes/new", p(EditAnalysis)),
    route("GET", "/reviews/{id}/kpes/{kpe}", p(ViewReview)),
    route("POST", "/reviews/{id}/kpes/{kpe}", p(EditAnalysis)),
    route("POST", "/reviews/{id}/kpes/{kpe}/accounts", p(EditAnalysis)),
    route("POST", "/reviews/{id}/kpes/{kpe}/factors", p(EditAnalysis)),
    route("POST", "/reviews/{id}/kpes/{kpe}/evidence", p(EditAnalysis)),
    route("POST", "/reviews/{id}/kpes/{kpe}/remove", p(EditAnalysis)),
    route("GET", "/reviews/{id}/findings", p(ViewReview)),
    route("GET", "/reviews/{id}/findings/new", p(EditAnalysis)),
    route("POST", "/reviews/{id}/findings/new", p(EditAnalysis)),
    route("GET", "/reviews/{id}/findings/{finding}", p(ViewReview)),
    route("POST", "/reviews/{id}/findings/{finding}", p(EditAnalysis)),
    route(
        "POST",
        "/reviews/{id}/findings/{finding}/evidence",
        p(EditAnalysis),
    ),
    route(
        "POST",
        "/reviews/{id}/findings/suggestions",
        p(EditAnalysis),
    ),
    route("GET", "/reviews/{id}/actions", p(ViewReview)),
    route("POST", "/reviews/{id}/actions", p(RespondAndAct)),
    route(
        "POST",
        "/reviews/{id}/responses/{finding}",
        p(RespondAndAct),
    ),
    route("POST", "/reviews/{id}/actions/{action}", p(RespondAndAct)),
    // Last: it ends the session the matrix test signs in with.
    route("POST", "/sign-out", SignedIn),
];
