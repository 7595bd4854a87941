//! Pages, one module per resource. Handlers stay thin: extract, call `app`, render.

mod account;
mod actions;
mod admin;
mod audit;
mod auth;
mod chronology;
mod chronology_import;
mod codebook;
mod conversations;
mod details;
mod documents;
mod edit;
mod exchange;
mod findings;
mod kpes;
mod library;
mod meetings;
mod narrative;
mod people;
mod portfolio;
mod published;
mod purpose;
mod quality;
mod reports;
mod review;
mod search;
mod setup;
mod sharing;
mod subjects;
mod terms;
pub(crate) mod text;
mod thematic;
mod tokens;
mod tracker;
mod versions;

use crate::AppState;
use crate::error::WebError;
use crate::layout::{Layout, ReviewNav};
use askama::Template;
use axum::Router;
use axum::response::{Html, IntoResponse, Response};
use casewindow_app::{CurrentUser, Permission};
use casewindow_domain::ids::ReviewId;
use casewindow_domain::review::Review;
use casewindow_store::{Store, Stored};
pub(crate) use purpose::{PurposeNeeded, ask_purpose, purpose_from};

/// A signed-in user's request about one review: the application, the user, and the review the
/// address names (its `{id}`). Without a signed-in user it redirects to sign-in; an address
/// whose review id cannot be read is "not found".
pub(crate) struct Req<S: Store> {
    pub app: AppState<S>,
    pub user: CurrentUser,
    /// The review's id.
    pub id: ReviewId,
}

impl<S: Store> Req<S> {
    /// The request as the context pages are put together in.
    pub fn at(&self) -> edit::At<'_, S> {
        edit::At::new(&self.app, &self.user, self.id)
    }
}

/// The review part of an address.
#[derive(serde::Deserialize)]
struct ReviewParam {
    id: ReviewId,
}

impl<S: Store> axum::extract::FromRequestParts<AppState<S>> for Req<S> {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState<S>,
    ) -> Result<Self, Response> {
        let (user, ReviewParam { id }) = signed_in_at(parts, state).await?;
        Ok(Self {
            app: state.clone(),
            user,
            id,
        })
    }
}

/// A signed-in user's request about one record of a review: the address's review id and, after
/// it, the record's (`/reviews/{id}/kpes/{kpe}`).
pub(crate) struct On<S: Store, T> {
    app: AppState<S>,
    user: CurrentUser,
    id: ReviewId,
    record: T,
}

impl<S: Store, T> On<S, T> {
    /// The application, the user, the review's id and the record's.
    pub fn parts(self) -> (AppState<S>, CurrentUser, ReviewId, T) {
        (self.app, self.user, self.id, self.record)
    }
}

impl<S: Store, T> axum::extract::FromRequestParts<AppState<S>> for On<S, T>
where
    T: serde::de::DeserializeOwned + Send,
{
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState<S>,
    ) -> Result<Self, Response> {
        let (user, (id, record)) = signed_in_at::<S, (ReviewId, T)>(parts, state).await?;
        Ok(Self {
            app: state.clone(),
            user,
            id,
            record,
        })
    }
}

/// The signed-in user (or a redirect to sign-in) and the address's parameters (or "not found").
async fn signed_in_at<S: Store, P: serde::de::DeserializeOwned + Send>(
    parts: &mut axum::http::request::Parts,
    state: &AppState<S>,
) -> Result<(CurrentUser, P), Response> {
    use axum::extract::FromRequestParts as _;
    let crate::session::SignedIn(user) =
        crate::session::SignedIn::from_request_parts(parts, state).await?;
    let axum::extract::Path(params) = axum::extract::Path::<P>::from_request_parts(parts, state)
        .await
        .map_err(|_| WebError::NotFound.into_response())?;
    Ok((user, params))
}

/// What a page handler answers.
pub(crate) type Answer = Result<Response, WebError>;

/// Every page route.
pub fn routes<S: Store>() -> Router<AppState<S>> {
    Router::new()
        .merge(auth::routes::<S>())
        .merge(account::routes::<S>())
        .merge(tokens::routes::<S>())
        .merge(portfolio::routes::<S>())
        .merge(review::routes::<S>())
        .merge(findings::routes::<S>())
        .merge(kpes::routes::<S>())
        .merge(people::routes::<S>())
        .merge(subjects::routes::<S>())
        .merge(documents::routes::<S>())
        .merge(versions::routes::<S>())
        .merge(meetings::routes::<S>())
        .merge(sharing::routes::<S>())
        .merge(quality::routes::<S>())
        .merge(terms::routes::<S>())
        .merge(chronology::routes::<S>())
        .merge(chronology_import::routes::<S>())
        .merge(conversations::routes::<S>())
        .merge(narrative::routes::<S>())
        .merge(actions::routes::<S>())
        .merge(details::routes::<S>())
        .merge(audit::routes::<S>())
        .merge(library::routes::<S>())
        .merge(thematic::routes::<S>())
        .merge(codebook::routes::<S>())
        .merge(exchange::routes::<S>())
        .merge(reports::routes::<S>())
        .merge(tracker::routes::<S>())
        .merge(search::routes::<S>())
        .merge(published::routes::<S>())
        .merge(admin::routes::<S>())
        .merge(setup::routes::<S>())
        .merge(purpose::routes::<S>())
}

/// A file to save, never cached.
pub(crate) fn attachment(content_type: &str, file_name: &str, bytes: Vec<u8>) -> Response {
    use axum::http::header;
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response()
}

/// A title as part of a file name: ASCII letters and digits, the rest dashes.
pub(crate) fn file_stem(title: &str) -> String {
    let stem: String = title
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let stem = stem.trim_matches('-');
    if stem.is_empty() {
        "review".to_owned()
    } else {
        stem.to_owned()
    }
}

/// Renders a page. A page with form errors (its title then starts with "Error:", see
/// `base.html`) is marked, so that a POST answered with it is a 422 (see `observe`).
pub(crate) fn render(page: &impl Template) -> Result<Response, WebError> {
    let html = page.render()?;
    let refused = html.contains("<title>Error: ");
    let mut response = Html(html).into_response();
    if refused {
        response
            .extensions_mut()
            .insert(crate::observe::FormRefused);
    }
    Ok(response)
}

/// The frame for a page outside any review.
pub(crate) fn layout(
    user: &CurrentUser,
    title: &str,
    breadcrumbs: Vec<(String, String)>,
) -> Layout {
    let breadcrumbs = (breadcrumbs.into_iter())
        .map(|(href, label)| crate::layout::Crumb::new(href, label))
        .collect();
    Layout {
        title: title.to_owned(),
        user_name: Some(user.user.display_name.clone()),
        csrf: user.csrf_token.clone(),
        breadcrumbs,
        review_nav: None,
        has_errors: false,
        once: casewindow_app::random_token(),
    }
}

/// The frame for a form page outside any review, under "Your reviews", marked as showing
/// errors when there are some.
pub(crate) fn form_layout(
    user: &CurrentUser,
    title: &str,
    errors: &crate::layout::Errors,
) -> Layout {
    let mut frame = layout(
        user,
        title,
        vec![("/".to_owned(), "Your reviews".to_owned())],
    );
    frame.has_errors = !errors.is_empty();
    frame
}

/// The review (if the user may see it) and the frame for one of its pages.
pub(crate) async fn review_frame<S: Store>(
    app: &AppState<S>,
    user: &CurrentUser,
    id: ReviewId,
    section: &str,
    title: &str,
) -> Result<(Stored<Review>, Layout), WebError> {
    let (review, frame, _) = review_frame_permissions(app, user, id, section, title).await?;
    Ok((review, frame))
}

/// [`review_frame`], with what the user's roles permit in the review (from the same read).
pub(crate) async fn review_frame_permissions<S: Store>(
    app: &AppState<S>,
    user: &CurrentUser,
    id: ReviewId,
    section: &str,
    title: &str,
) -> Result<(Stored<Review>, Layout, Vec<Permission>), WebError> {
    let (review, permissions) = app
        .review_access(&user.actor(), id, section_permission(section))
        .await?;
    let mut frame = layout(
        user,
        &format!("{title} – {}", review.record.title),
        vec![
            ("/".to_owned(), "Your reviews".to_owned()),
            (format!("/reviews/{id}"), review.record.title.clone()),
        ],
    );
    frame.review_nav = Some(ReviewNav::new(
        id,
        &review.record.title,
        section,
        |suffix| section_visible(&permissions, suffix),
    ));
    Ok((review, frame, permissions))
}

/// Whether a review's section is in its navigation for someone with `permissions` there.
pub(crate) fn section_visible(permissions: &[Permission], suffix: &str) -> bool {
    match suffix {
        // Those who write the analysis share drafts rather than receive them.
        "/shared" => {
            permissions.contains(&Permission::TakePart)
                && !permissions.contains(&Permission::EditAnalysis)
        }
        _ => permissions.contains(&section_permission(suffix)),
    }
}

/// The permission needed to read a section of a review (a suffix from `layout::SECTIONS`).
pub(crate) fn section_permission(section: &str) -> Permission {
    match section {
        "/chronology" | "/documents" => Permission::ViewChronology,
        "/conversations" => Permission::ViewConversations,
        "/audit" => Permission::ViewAudit,
        "/sharing" => Permission::EditAnalysis,
        "/shared" => Permission::TakePart,
        "/publication" => Permission::ManageLifecycle,
        _ => Permission::ViewReview,
    }
}

/// Refuses (as "not found") a page the user may not use for writing.
pub(crate) async fn require<S: Store>(
    app: &AppState<S>,
    user: &CurrentUser,
    id: ReviewId,
    permission: Permission,
) -> Result<(), WebError> {
    Ok(app.authorize(&user.actor(), id, permission).await?)
}

/// Whether the user holds a permission in the review (for showing links and buttons).
pub(crate) async fn may<S: Store>(
    app: &AppState<S>,
    user: &CurrentUser,
    id: ReviewId,
    permission: Permission,
) -> bool {
    app.may(&user.actor(), id, permission)
        .await
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_plain() {
        assert_eq!(file_stem("Child \"W\"; rm -rf"), "child--w---rm--rf");
        assert_eq!(file_stem("Ça"), "a");
        assert_eq!(file_stem("——"), "review");
    }
}
