//! The quality markers checklist: each marker's standing assessment with its evidence and who
//! made it; the lead reviewers, a quality supervisor or a scrutineer record assessments.

use super::text::{Choice, choices, parse_key};
use super::{Answer, Req, may, render};
use crate::AppState;
use crate::form::FormData;
use crate::layout::{Errors, Layout};
use askama::Template;
use axum::Router;
use axum::routing::get;
use casewindow_app::{AppError, Permission};
use casewindow_domain::collaboration::{QualityMarker, QualityPart, QualityRating};
use casewindow_store::Store;

pub fn routes<S: Store>() -> Router<AppState<S>> {
    Router::new().route("/reviews/{id}/quality", get(list::<S>).post(assess::<S>))
}

struct MarkerRow {
    value: String,
    label: &'static str,
    rating: Option<&'static str>,
    met: bool,
    evidence: String,
    by: String,
    earlier: usize,
}

struct PartRow {
    label: &'static str,
    markers: Vec<MarkerRow>,
}

#[derive(Template)]
#[template(path = "quality.html")]
struct ListPage {
    layout: Layout,
    errors: Errors,
    form: FormData,
    id: String,
    parts: Vec<PartRow>,
    unmet: usize,
    may_assess: bool,
    markers: Vec<Choice>,
    ratings: Vec<Choice>,
}

async fn page<S: Store>(req: &Req<S>, form: FormData, errors: Errors) -> Answer {
    let at = req.at();
    let (_, frame) = at.frame("/quality", "Quality markers", &errors).await?;
    let standings = at.app.quality_markers(&at.user.actor(), at.review).await?;
    let unmet = standings.iter().filter(|s| s.unmet()).count();
    let parts = QualityPart::ALL
        .iter()
        .map(|part| PartRow {
            label: part.label(),
            markers: standings
                .iter()
                .filter(|s| s.marker.part() == *part)
                .map(|s| MarkerRow {
                    value: super::text::key(&s.marker),
                    label: s.marker.label(),
                    rating: s.latest.as_ref().map(|(a, _)| a.rating.label()),
                    met: !s.unmet(),
                    evidence: s
                        .latest
                        .as_ref()
                        .map(|(a, _)| a.evidence.clone())
                        .unwrap_or_default(),
                    by: s
                        .latest
                        .as_ref()
                        .map(|(a, name)| {
                            format!("{name} ({}), {}", a.role.label(), a.at.format("%-d %B %Y"))
                        })
                        .unwrap_or_default(),
                    earlier: s.earlier,
                })
                .collect(),
        })
        .collect();
    render(&ListPage {
        layout: frame,
        errors,
        form,
        id: at.review.to_string(),
        parts,
        unmet,
        may_assess: may(at.app, at.user, at.review, Permission::AssessQuality).await,
        markers: choices(QualityMarker::ALL, QualityMarker::label),
        ratings: choices(QualityRating::ALL, QualityRating::label),
    })
}

async fn list<S: Store>(req: Req<S>) -> Answer {
    page(&req, FormData::default(), Errors::none()).await
}

async fn assess<S: Store>(req: Req<S>, form: FormData) -> Answer {
    super::require(&req.app, &req.user, req.id, Permission::AssessQuality).await?;
    let mut errors = Errors::none();
    let marker = parse_key::<QualityMarker>(&form.get("marker"));
    if marker.is_none() {
        errors.add("marker", "Choose the marker you are assessing");
    }
    let rating = parse_key::<QualityRating>(&form.get("rating"));
    if rating.is_none() {
        errors.add("rating", "Choose whether the marker is met");
    }
    let (Some(marker), Some(rating)) = (marker, rating) else {
        let mut response = page(&req, form, errors).await?;
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(response);
    };
    match req
        .app
        .assess_quality(
            &req.user.actor(),
            req.id,
            marker,
            rating,
            &form.get("evidence"),
        )
        .await
    {
        Ok(()) => Ok(super::edit::see_other(&format!(
            "/reviews/{}/quality",
            req.id
        ))),
        Err(AppError::Invalid(problems)) => {
            for p in problems {
                errors.add(&p.path, p.reason);
            }
            let mut response = page(&req, form, errors).await?;
            *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(response)
        }
        Err(other) => Err(other.into()),
    }
}
