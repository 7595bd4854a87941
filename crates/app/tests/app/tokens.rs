//! Personal access tokens: a program acts as the token's owner, never beyond the token's
//! scope (read or write) and reviews; revoked and expired tokens open nothing; every use is
//! audited.

use casewindow_app::{Actor, App, AppError, NewToken, Permission, TOKEN_PREFIX};
use casewindow_domain::findings::Finding;
use casewindow_store::prelude::*;
use casewindow_store_sql::SqlStore;
use casewindow_testkit::both_backends;
use casewindow_testkit::fixtures::Sample;

async fn lead_of_two(
    store: &SqlStore,
    app: &App<SqlStore>,
) -> anyhow::Result<(Actor, Sample, Sample)> {
    let first = Sample::new();
    first.insert_all(store).await?;
    let second = Sample::new();
    second.insert_all(store).await?;
    let user = app
        .create_account(
            "Token Owner",
            "owner@example.org",
            "token test password",
            false,
        )
        .await?;
    for sample in [&first, &second] {
        crate::join(store, sample, user.id).await?;
    }
    let actor = Actor {
        user: Some(user.id),
        label: "owner".to_owned(),
        platform_admin: false,
        national_analyst: false,
        purpose: None,
        token: None,
    };
    Ok((actor, first, second))
}

both_backends!(
    a_read_token_for_one_review_reads_that_review_only_and_changes_nothing,
    |store: SqlStore, _url: String| async move {
        let app = App::new(store.clone());
        let (owner, first, second) = lead_of_two(&store, &app).await?;
        let (view, secret) = app
            .create_api_token(
                &owner,
                &NewToken {
                    name: "dashboard".to_owned(),
                    write: false,
                    reviews: vec![first.review.id],
                    days: 30,
                },
            )
            .await?;
        assert!(secret.starts_with(TOKEN_PREFIX));
        assert!(view.live && !view.write && view.last_used_at.is_none());
        assert_eq!(view.reviews.len(), 1);
        // Only its hash is kept.
        let listed = app.api_tokens(&owner).await?;
        assert_eq!(listed.len(), 1);
        let program = app.token_actor(&secret).await?.expect("a live token");
        assert_eq!(program.user, owner.user);
        // It reads the review it was made for ...
        assert_eq!(
            app.records::<Finding>(&program, first.review.id)
                .await?
                .len(),
            1
        );
        // ... and nothing of the other, which its owner leads: "not found", as for a stranger.
        assert!(matches!(
            app.records::<Finding>(&program, second.review.id).await,
            Err(AppError::NotFound { .. })
        ));
        assert!(matches!(
            app.record::<Finding>(&program, second.finding.id.0).await,
            Err(AppError::NotFound { .. })
        ));
        let reviews = app.reviews(&program).await?;
        assert_eq!(reviews.len(), 1);
        assert_eq!(reviews[0].review.record.id, first.review.id);
        // It changes nothing, even where its owner may.
        let mut finding = first.finding.clone();
        finding.statement = "Changed by a program.".to_owned();
        assert!(matches!(
            app.update(&program, &finding, 1, "try").await,
            Err(AppError::ReadOnlyToken)
        ));
        assert!(
            !app.may(&program, first.review.id, Permission::EditAnalysis)
                .await?
        );
        assert!(
            app.may(&owner, first.review.id, Permission::EditAnalysis)
                .await?
        );
        // A program makes no tokens of its own.
        assert!(
            app.create_api_token(
                &program,
                &NewToken {
                    name: "more".to_owned(),
                    write: true,
                    reviews: vec![],
                    days: 1,
                },
            )
            .await
            .is_err()
        );
        // Its last use is kept, to the minute.
        let listed = app.api_tokens(&owner).await?;
        assert!(listed[0].last_used_at.is_some());
        Ok(())
    }
);

both_backends!(
    a_write_token_writes_and_a_revoked_or_expired_token_opens_nothing,
    |store: SqlStore, _url: String| async move {
        let now = std::sync::Arc::new(std::sync::Mutex::new(chrono::Utc::now()));
        let clock = now.clone();
        let app = App::new(store.clone()).with_clock(move || *clock.lock().unwrap());
        let (owner, first, _second) = lead_of_two(&store, &app).await?;
        let (_, secret) = app
            .create_api_token(
                &owner,
                &NewToken {
                    name: "case system".to_owned(),
                    write: true,
                    reviews: vec![],
                    days: 7,
                },
            )
            .await?;
        let program = app.token_actor(&secret).await?.expect("a live token");
        let events_before = store.verify_audit().await?.expect("an intact chain");
        app.audit_token_use(&program, "PUT /api/v1/reviews/{review}/findings/{id}")
            .await?;
        let events_after = store.verify_audit().await?.expect("an intact chain");
        assert_eq!(events_after, events_before + 1);
        let mut finding = first.finding.clone();
        finding.statement = "Changed by a program.".to_owned();
        let saved = app
            .update(&program, &finding, 1, "from the case system")
            .await?;
        assert_eq!(saved.meta.version, 2);
        // Expired: a week and a minute later.
        *now.lock().unwrap() += chrono::Duration::days(7) + chrono::Duration::minutes(1);
        assert!(app.token_actor(&secret).await?.is_none());
        *now.lock().unwrap() -= chrono::Duration::days(1);
        assert!(app.token_actor(&secret).await?.is_some());
        // Revoked: at once, and only once.
        let id = app.api_tokens(&owner).await?[0].id;
        app.revoke_api_token(&owner, id).await?;
        assert!(app.token_actor(&secret).await?.is_none());
        assert!(app.revoke_api_token(&owner, id).await.is_err());
        // Nobody else's token is theirs to revoke, and made-up tokens open nothing.
        assert!(app.token_actor("cwpat_not-a-token").await?.is_none());
        assert!(app.token_actor("").await?.is_none());
        Ok(())
    }
);

both_backends!(
    a_token_is_named_lives_a_bounded_time_and_reaches_only_the_owners_reviews,
    |store: SqlStore, _url: String| async move {
        let app = App::new(store.clone());
        let (owner, _first, _second) = lead_of_two(&store, &app).await?;
        let err = app
            .create_api_token(
                &owner,
                &NewToken {
                    name: "  ".to_owned(),
                    write: false,
                    reviews: vec![casewindow_domain::ids::ReviewId(uuid::Uuid::new_v4())],
                    days: 0,
                },
            )
            .await
            .unwrap_err();
        let AppError::Invalid(problems) = err else {
            panic!("expected field problems, got {err:?}");
        };
        let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(paths, ["name", "days", "reviews[0]"]);
        assert!(app.api_tokens(&owner).await?.is_empty());
        Ok(())
    }
);
