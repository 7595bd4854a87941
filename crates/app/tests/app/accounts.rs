//! Sign-in, sessions and their timeouts, lockout: on both engines, with a controlled clock.

use casewindow_app::{Actor, App, AppError};
use casewindow_store::prelude::*;
use casewindow_store_sql::SqlStore;
use casewindow_testkit::both_backends;
use chrono::{DateTime, Duration, TimeZone, Utc};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// An application whose clock the test moves.
fn app_with_clock(store: SqlStore) -> (App<SqlStore>, Arc<AtomicI64>) {
    let start = Utc
        .with_ymd_and_hms(2026, 11, 2, 9, 0, 0)
        .single()
        .expect("valid")
        .timestamp_millis();
    let now = Arc::new(AtomicI64::new(start));
    let clock = now.clone();
    let app = App::new(store.clone()).with_clock(move || {
        DateTime::from_timestamp_millis(clock.load(Ordering::SeqCst)).expect("valid time")
    });
    (app, now)
}

fn advance(clock: &AtomicI64, by: Duration) {
    clock.fetch_add(by.num_milliseconds(), Ordering::SeqCst);
}

const PASSWORD: &str = "a long and unusual passphrase";

both_backends!(
    sessions_end_after_idle_and_absolute_timeouts,
    |store: SqlStore, _url| async move {
        let (app, clock) = app_with_clock(store.clone());
        app.create_account("Sam Reviewer", "sam@example.org", PASSWORD, false)
            .await?;
        let signed_in = app.sign_in("sam@example.org", PASSWORD).await?;
        assert!(app.session_user(&signed_in.token).await?.is_some());

        // Used every 25 minutes, it survives past the idle limit...
        for _ in 0..4 {
            advance(&clock, Duration::minutes(25));
            assert!(
                app.session_user(&signed_in.token).await?.is_some(),
                "in use, so not idle"
            );
        }
        // ...but 31 idle minutes end it.
        advance(&clock, Duration::minutes(31));
        assert!(
            app.session_user(&signed_in.token).await?.is_none(),
            "idle timeout"
        );

        // However busy, a session ends 12 hours after sign-in.
        let busy = app.sign_in("sam@example.org", PASSWORD).await?;
        for _ in 0..49 {
            advance(&clock, Duration::minutes(15));
            if app.session_user(&busy.token).await?.is_none() {
                break;
            }
        }
        assert!(
            app.session_user(&busy.token).await?.is_none(),
            "absolute timeout"
        );
        Ok(())
    }
);

both_backends!(
    every_sign_in_gets_a_new_session_and_sign_out_everywhere_ends_them_all,
    |store: SqlStore, _url| async move {
        let (app, _clock) = app_with_clock(store.clone());
        let user = app
            .create_account("Sam Reviewer", "sam@example.org", PASSWORD, false)
            .await?;
        let first = app.sign_in("sam@example.org", PASSWORD).await?;
        let second = app.sign_in("sam@example.org", PASSWORD).await?;
        assert_ne!(
            first.token, second.token,
            "a token planted before sign-in is never reused"
        );
        assert_ne!(first.csrf_token, second.csrf_token);
        // A made-up token is not a session.
        assert!(app.session_user("planted-by-an-attacker").await?.is_none());
        app.sign_out(&first.token).await?;
        assert!(app.session_user(&first.token).await?.is_none());
        assert!(app.session_user(&second.token).await?.is_some());
        app.sign_out_everywhere(user.id).await?;
        assert!(app.session_user(&second.token).await?.is_none());
        Ok(())
    }
);

both_backends!(
    repeated_failures_lock_the_account_for_a_while,
    |store: SqlStore, _url| async move {
        let (app, clock) = app_with_clock(store.clone());
        app.create_account("Sam Reviewer", "sam@example.org", PASSWORD, false)
            .await?;
        for _ in 0..5 {
            let err = app
                .sign_in("sam@example.org", "wrong password entirely")
                .await
                .unwrap_err();
            assert!(err.to_string().contains("not right"), "{err}");
        }
        // Locked: even the right password is refused, with a message that says so.
        let err = app.sign_in("sam@example.org", PASSWORD).await.unwrap_err();
        assert!(err.to_string().contains("locked"), "{err}");
        // The same answer for an unknown email as for a wrong password.
        let unknown = app
            .sign_in("nobody@example.org", PASSWORD)
            .await
            .unwrap_err();
        assert!(unknown.to_string().contains("not right"), "{unknown}");
        advance(&clock, Duration::minutes(16));
        app.sign_in("sam@example.org", PASSWORD).await?;
        // Failures and the lock-out are in the audit trail, and the chain holds.
        assert!(app.verify_audit().await?.is_ok());
        Ok(())
    }
);

both_backends!(
    a_platform_administrator_sees_no_case_content,
    |store: SqlStore, _url| async move {
        let (app, _clock) = app_with_clock(store.clone());
        let sample = casewindow_testkit::fixtures::Sample::new();
        sample.insert_all(&store).await?;
        let admin = app
            .create_account("Ops", "ops@example.org", PASSWORD, true)
            .await?;
        let actor = Actor {
            user: Some(admin.id),
            label: "admin".to_owned(),
            platform_admin: true,
            national_analyst: false,
            purpose: None,
            token: None,
        };
        assert!(app.reviews(&actor).await?.is_empty());
        let err = app.review(&actor, sample.review.id).await.unwrap_err();
        assert!(matches!(err, AppError::NotFound { .. }), "{err}");
        Ok(())
    }
);

both_backends!(
    identities_are_sealed_at_rest_and_revealed_only_with_a_reason,
    |store: SqlStore, url: String| async move {
        use base64::Engine as _;
        let key = base64::engine::general_purpose::STANDARD.encode([42u8; 32]);
        let (app, _clock) = app_with_clock(store.clone());
        let sample = casewindow_testkit::fixtures::Sample::new();
        sample.insert_all(&store).await?;
        let actor = Actor {
            user: Some(sample.reviewer.id),
            label: "lead".to_owned(),
            platform_admin: false,
            national_analyst: false,
            purpose: None,
            token: None,
        };
        let identity = casewindow_domain::identity::SubjectIdentity {
            subject_id: sample.child.id,
            full_name: "Fictional Child Name".to_owned(),
            aliases: vec![],
            date_of_birth: chrono::NaiveDate::from_ymd_opt(2022, 5, 1),
            addresses: vec![casewindow_domain::identity::DatedAddress {
                address: "1 Example Row".to_owned(),
                from: None,
                until: None,
            }],
            identifiers: Vec::new(),
        };
        // Without a key the vault refuses, plainly.
        let err = app
            .record_identity(&actor, &identity, "recorded at scoping")
            .await
            .unwrap_err();
        assert!(err.to_string().contains("CASEWINDOW_VAULT_KEY"), "{err}");

        let app = app.with_vault(casewindow_app::Vault::from_base64(&key)?);
        app.record_identity(&actor, &identity, "recorded at scoping")
            .await?;
        let sealed = store.identity(sample.child.id).await?.expect("stored");
        assert!(!sealed.contains("Fictional"), "nothing readable at rest");
        let _ = url;

        let err = app
            .reveal_identity(&actor, sample.child.id, "  ")
            .await
            .unwrap_err();
        assert!(err.to_string().contains("say why"), "{err}");
        let revealed = app
            .reveal_identity(
                &actor,
                sample.child.id,
                "checking the report for jigsaw identifiers",
            )
            .await?;
        assert_eq!(revealed, Some(identity));
        let trail = store.audit_events(sample.review.id, 1).await?;
        assert_eq!(trail[0].entry.action, "reveal_identity");
        assert_eq!(
            trail[0].entry.reason,
            "checking the report for jigsaw identifiers"
        );

        // Someone without a reviewer role cannot reveal it: the same answer as for a missing review.
        let observer = Actor {
            user: None,
            label: "x".to_owned(),
            platform_admin: true,
            national_analyst: false,
            purpose: None,
            token: None,
        };
        assert!(matches!(
            app.reveal_identity(&observer, sample.child.id, "curious")
                .await
                .unwrap_err(),
            AppError::NotFound { .. }
        ));
        Ok(())
    }
);

both_backends!(
    the_first_administrator_is_created_once_with_the_set_up_code,
    |store: SqlStore, _url: String| async move {
        let (app, _clock) = app_with_clock(store.clone());
        assert!(!app.first_run().await?, "closed until a code is issued");
        let code = casewindow_app::new_setup_code();
        assert_eq!(code.len(), 20);
        let app = app.with_setup_code(code.clone());
        assert!(app.first_run().await?);
        let err = app
            .create_first_admin("WRONGCODE", "Ops", "ops@example.org", PASSWORD)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("set-up code"), "{err}");
        let err = app
            .create_first_admin(&code, "Ops", "ops@example.org", "short")
            .await
            .unwrap_err();
        assert!(matches!(err, AppError::Invalid(_)), "{err}");
        let admin = app
            .create_first_admin(&code.to_lowercase(), "Ops", "ops@example.org", PASSWORD)
            .await?;
        let (_, account) = store
            .account_by_email("ops@example.org")
            .await?
            .expect("created");
        assert!(account.platform_admin);
        assert_eq!(account.user_id, admin.id);
        assert!(
            !app.first_run().await?,
            "closed once an administrator exists"
        );
        let err = app
            .create_first_admin(&code, "Again", "again@example.org", PASSWORD)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("closed"), "{err}");
        Ok(())
    }
);
