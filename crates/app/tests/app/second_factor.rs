//! Two-step sign-in (TOTP, RFC 6238) and national analysts: on both engines, with a controlled
//! clock.

use casewindow_app::totp::{from_base32, hotp, step_at};
use casewindow_app::{Actor, App, AppError, Standing, Vault};
use casewindow_domain::findings::Finding;
use casewindow_store::prelude::*;
use casewindow_store_sql::SqlStore;
use casewindow_testkit::both_backends;
use chrono::{DateTime, Duration, TimeZone, Utc};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

const PASSWORD: &str = "a long and unusual passphrase";

fn vault() -> Vault {
    use base64::Engine as _;
    Vault::from_base64(&base64::engine::general_purpose::STANDARD.encode([9u8; 32]))
        .expect("a valid key")
}

/// An application with a vault and a clock the test moves.
fn app(store: SqlStore) -> (App<SqlStore>, Arc<AtomicI64>) {
    let start = Utc
        .with_ymd_and_hms(2026, 11, 2, 9, 0, 10)
        .single()
        .expect("valid")
        .timestamp_millis();
    let now = Arc::new(AtomicI64::new(start));
    let clock = now.clone();
    let app = App::new(store.clone())
        .with_vault(vault())
        .with_clock(move || {
            DateTime::from_timestamp_millis(clock.load(Ordering::SeqCst)).expect("valid time")
        });
    (app, now)
}

fn advance(clock: &AtomicI64, by: Duration) {
    clock.fetch_add(by.num_milliseconds(), Ordering::SeqCst);
}

/// The code an authenticator app would show now.
fn code(secret: &[u8], app: &App<SqlStore>) -> String {
    format!(
        "{:06}",
        hotp(secret, step_at(app.now().timestamp()) as u64, 6)
    )
}

/// A new account with two-step sign-in turned on: the user and the secret its app holds.
async fn with_second_factor(
    app: &App<SqlStore>,
    name: &str,
    email: &str,
) -> anyhow::Result<(casewindow_domain::organisation::User, Vec<u8>)> {
    let user = app.create_account(name, email, PASSWORD, false).await?;
    let setup = app.begin_second_factor(&user)?;
    let secret = from_base32(&setup.secret).expect("base32");
    app.enable_second_factor(user.id, &setup.secret, &code(&secret, app), None)
        .await?;
    Ok((user, secret))
}

fn wrong(right: &str) -> String {
    let n: u32 = right.parse().expect("digits");
    format!("{:06}", (n + 1) % 1_000_000)
}

fn field_message(err: AppError) -> String {
    match err {
        AppError::Invalid(problems) => problems
            .into_iter()
            .map(|p| format!("{}: {}", p.path, p.reason))
            .collect(),
        other => panic!("expected a field problem, got {other:?}"),
    }
}

both_backends!(
    a_second_factor_is_set_up_with_a_code_and_then_asked_for_at_every_sign_in,
    |store: SqlStore, _url: String| async move {
        let (app, clock) = app(store.clone());
        let user = app
            .create_account("Sam Reviewer", "sam@example.org", PASSWORD, false)
            .await?;

        // Without a vault there is no second factor (the secret must be stored encrypted).
        let plain = App::new(store.clone());
        let message = field_message(plain.begin_second_factor(&user).unwrap_err());
        assert!(message.contains("CASEWINDOW_VAULT_KEY"), "{message}");

        let setup = app.begin_second_factor(&user)?;
        assert!(
            setup
                .uri
                .starts_with("otpauth://totp/casewindow:sam@example.org?secret=")
        );
        let secret = from_base32(&setup.secret).expect("base32");
        // A wrong code turns nothing on.
        let message = field_message(
            app.enable_second_factor(user.id, &setup.secret, &wrong(&code(&secret, &app)), None)
                .await
                .unwrap_err(),
        );
        assert!(
            message.starts_with("code: The code is not right"),
            "{message}"
        );
        assert!(
            !app.sign_in("sam@example.org", PASSWORD)
                .await?
                .second_factor_needed
        );
        app.enable_second_factor(user.id, &setup.secret, &code(&secret, &app), None)
            .await?;
        let account = store.account(user.id).await?.expect("account");
        let sealed = account.totp_secret.expect("stored");
        assert!(
            !sealed.contains(&setup.secret),
            "the secret is sealed at rest"
        );

        // The password alone now opens nothing.
        advance(&clock, Duration::seconds(30));
        let pending = app.sign_in("sam@example.org", PASSWORD).await?;
        assert!(pending.second_factor_needed);
        assert!(
            app.session_user(&pending.token).await?.is_none(),
            "a pending session grants nothing"
        );
        assert!(app.pending_second_factor(&pending.token).await?.is_some());
        let message = field_message(
            app.complete_second_factor(&pending.token, &wrong(&code(&secret, &app)))
                .await
                .unwrap_err(),
        );
        assert!(message.contains("not right"), "{message}");
        let right = code(&secret, &app);
        let signed_in = app.complete_second_factor(&pending.token, &right).await?;
        assert_ne!(
            signed_in.token, pending.token,
            "a new token once the code is right"
        );
        assert!(app.session_user(&signed_in.token).await?.is_some());
        assert!(
            app.pending_second_factor(&pending.token).await?.is_none(),
            "used up"
        );

        // The same code cannot be used again, even for a new sign-in within its 30 seconds.
        let again = app.sign_in("sam@example.org", PASSWORD).await?;
        assert!(
            app.complete_second_factor(&again.token, &right)
                .await
                .is_err(),
            "replay"
        );
        // The next step's code works.
        advance(&clock, Duration::seconds(30));
        app.complete_second_factor(&again.token, &code(&secret, &app))
            .await?;

        // A pending sign-in expires after five minutes.
        advance(&clock, Duration::seconds(30));
        let late = app.sign_in("sam@example.org", PASSWORD).await?;
        advance(&clock, Duration::minutes(6));
        let message = field_message(
            app.complete_second_factor(&late.token, &code(&secret, &app))
                .await
                .unwrap_err(),
        );
        assert!(message.contains("sign in again"), "{message}");

        // Turning it off needs a current code.
        let message = field_message(
            app.disable_second_factor(user.id, Some(&wrong(&code(&secret, &app))))
                .await
                .unwrap_err(),
        );
        assert!(message.contains("not right"), "{message}");
        app.disable_second_factor(user.id, Some(&code(&secret, &app)))
            .await?;
        assert!(
            !app.sign_in("sam@example.org", PASSWORD)
                .await?
                .second_factor_needed
        );
        Ok(())
    }
);

both_backends!(
    guessing_codes_locks_the_account_like_guessing_passwords,
    |store: SqlStore, _url: String| async move {
        let (app, clock) = app(store.clone());
        let (_user, secret) = with_second_factor(&app, "Sam Reviewer", "sam@example.org").await?;
        advance(&clock, Duration::seconds(30));
        let pending = app.sign_in("sam@example.org", PASSWORD).await?;
        for _ in 0..5 {
            let _ = app
                .complete_second_factor(&pending.token, &wrong(&code(&secret, &app)))
                .await
                .unwrap_err();
        }
        // Locked: the pending sign-in is gone and even the password is refused for now.
        assert!(app.pending_second_factor(&pending.token).await?.is_none());
        let err = app.sign_in("sam@example.org", PASSWORD).await.unwrap_err();
        let message = field_message(err);
        assert!(message.contains("locked"), "{message}");
        advance(&clock, Duration::minutes(16));
        let pending = app.sign_in("sam@example.org", PASSWORD).await?;
        app.complete_second_factor(&pending.token, &code(&secret, &app))
            .await?;
        Ok(())
    }
);

both_backends!(
    national_analysts_read_every_review_s_findings_de_identified_and_nothing_else,
    |store: SqlStore, _url: String| async move {
        let (app, _clock) = app(store.clone());
        let sample = casewindow_testkit::fixtures::Sample::new();
        sample.insert_all(&store).await?;
        let lead = Actor {
            user: Some(sample.reviewer.id),
            label: "lead".to_owned(),
            platform_admin: false,
            national_analyst: false,
            purpose: None,
            token: None,
        };
        let identity = casewindow_domain::identity::SubjectIdentity {
            subject_id: sample.child.id,
            full_name: "Kayden Marsh".to_owned(),
            aliases: vec!["KJ".to_owned()],
            date_of_birth: chrono::NaiveDate::from_ymd_opt(2022, 5, 1),
            addresses: vec![casewindow_domain::identity::DatedAddress {
                address: "14 Orchard Lane".to_owned(),
                from: None,
                until: None,
            }],
            identifiers: Vec::new(),
        };
        app.record_identity(&lead, &identity, "recorded at scoping")
            .await?;
        let mut finding: Finding = sample.finding.clone();
        finding.statement = "When Kayden Marsh was seen at 14 Orchard Lane on 12 March 2024, \
            what the health visitor knew about KJ stayed with one agency."
            .to_owned();
        app.update(&lead, &finding, 1, "named the example").await?;

        let analyst_user = app
            .create_account_as(
                "Nat Analyst",
                "analyst@example.org",
                PASSWORD,
                Standing::NationalAnalyst,
            )
            .await?;
        let signed_in = app.sign_in("analyst@example.org", PASSWORD).await?;
        let analyst = app
            .session_user(&signed_in.token)
            .await?
            .expect("session")
            .actor();
        assert!(analyst.national_analyst && !analyst.is_member());
        assert_eq!(analyst.user, Some(analyst_user.id));

        let library = app.library_findings(&analyst).await?;
        assert_eq!(
            library.len(),
            1,
            "every review's findings, though in none of them"
        );
        let seen = &library[0];
        let statement = &seen.finding.statement;
        for identifying in ["Kayden", "Marsh", "KJ", "Orchard", "12 March 2024"] {
            assert!(
                !statement.contains(identifying),
                "{identifying} in {statement}"
            );
        }
        assert!(statement.contains("health visitor"), "{statement}");
        assert_eq!(
            seen.review_title,
            casewindow_app::review_code(sample.review.id)
        );
        assert!(seen.finding.kpe_ids.is_empty(), "no links into the review");
        // The vault read for de-identifying is audited under the analyst.
        let events = store.audit_events(sample.review.id, 50).await?;
        assert!(
            events.iter().any(|e| e.entry.actor == Some(analyst_user.id)
                && e.entry.entity == "subject_identities"),
            "audited"
        );

        // Nothing of the review itself.
        let denied = app
            .records::<Finding>(&analyst, sample.review.id)
            .await
            .unwrap_err();
        assert!(matches!(denied, AppError::NotFound { .. }), "{denied:?}");
        assert!(app.reviews(&analyst).await?.is_empty());
        assert!(app.action_tracker(&analyst).await.is_err());
        let review = sample.review.clone();
        assert!(app.create_review(&analyst, &review).await.is_err());
        Ok(())
    }
);

both_backends!(
    wrong_passwords_sent_in_parallel_all_count_and_lock_the_account,
    |store: SqlStore, _url: String| async move {
        let (app, _clock) = app(store.clone());
        let user = app
            .create_account("Pat Parallel", "pat@example.org", PASSWORD, false)
            .await?;
        let mut tasks = tokio::task::JoinSet::new();
        for n in 0..12 {
            let app = app.clone();
            tasks.spawn(async move { app.sign_in("pat@example.org", &format!("guess {n}")).await });
        }
        while let Some(done) = tasks.join_next().await {
            assert!(done?.is_err(), "a wrong password never signs in");
        }
        let account = store.account(user.id).await?.expect("account");
        assert!(
            account.locked_until.is_some_and(|until| until > app.now()),
            "12 failures in parallel lock the account: {account:?}"
        );
        let message = field_message(app.sign_in("pat@example.org", PASSWORD).await.unwrap_err());
        assert!(message.contains("locked"), "{message}");
        Ok(())
    }
);

both_backends!(
    one_code_sent_four_times_at_once_starts_one_session,
    |store: SqlStore, _url: String| async move {
        let (app, clock) = app(store.clone());
        let (_user, secret) = with_second_factor(&app, "Quinn Quick", "quinn@example.org").await?;
        advance(&clock, Duration::seconds(30));
        let pending = app.sign_in("quinn@example.org", PASSWORD).await?;
        let right = code(&secret, &app);
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..4 {
            let app = app.clone();
            let token = pending.token.clone();
            let right = right.clone();
            tasks.spawn(async move { app.complete_second_factor(&token, &right).await });
        }
        let mut sessions = 0;
        while let Some(done) = tasks.join_next().await {
            sessions += usize::from(done?.is_ok());
        }
        assert_eq!(sessions, 1, "one code, one session");
        // A second pending sign-in cannot use the same code either.
        let again = app.sign_in("quinn@example.org", PASSWORD).await?;
        assert!(
            app.complete_second_factor(&again.token, &right)
                .await
                .is_err()
        );
        Ok(())
    }
);

both_backends!(
    replacing_a_second_factor_needs_a_code_from_the_one_in_use,
    |store: SqlStore, _url: String| async move {
        let (app, clock) = app(store.clone());
        let user = app
            .create_account("Rae Replace", "rae@example.org", PASSWORD, false)
            .await?;
        let first = app.begin_second_factor(&user)?;
        let first_secret = from_base32(&first.secret).expect("base32");
        app.enable_second_factor(user.id, &first.secret, &code(&first_secret, &app), None)
            .await?;
        let sealed = store.account(user.id).await?.expect("account").totp_secret;
        advance(&clock, Duration::seconds(30));

        // A session left open (no current code) cannot move it to another phone.
        let second = app.begin_second_factor(&user)?;
        let second_secret = from_base32(&second.secret).expect("base32");
        let message = field_message(
            app.enable_second_factor(user.id, &second.secret, &code(&second_secret, &app), None)
                .await
                .unwrap_err(),
        );
        assert!(message.starts_with("current_code:"), "{message}");
        let message = field_message(
            app.enable_second_factor(
                user.id,
                &second.secret,
                &code(&second_secret, &app),
                Some(&wrong(&code(&first_secret, &app))),
            )
            .await
            .unwrap_err(),
        );
        assert!(message.starts_with("current_code:"), "{message}");
        assert_eq!(
            store.account(user.id).await?.expect("account").totp_secret,
            sealed,
            "unchanged"
        );
        // With the current code it moves.
        app.enable_second_factor(
            user.id,
            &second.secret,
            &code(&second_secret, &app),
            Some(&code(&first_secret, &app)),
        )
        .await?;
        assert_ne!(
            store.account(user.id).await?.expect("account").totp_secret,
            sealed
        );
        Ok(())
    }
);
