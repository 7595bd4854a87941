//! Exchange with qualitative-analysis software and spreadsheets: exports read only what the
//! reader may read (and de-identify for national analysts); a codebook made elsewhere becomes
//! proposed recurrent issues once, under the patterns a person chose.

use casewindow_app::exchange::{Proposal, pattern_guid};
use casewindow_app::{Actor, App, AppError, NewToken, Standing};
use casewindow_domain::findings::{RecurrentIssue, RecurrentIssueStatus};
use casewindow_domain::typology::Pattern;
use casewindow_interchange::refiqda::{self, Code};
use casewindow_store::prelude::*;
use casewindow_store_sql::SqlStore;
use casewindow_testkit::both_backends;
use casewindow_testkit::fixtures::Sample;
use std::io::Read as _;

fn code(n: u128, name: &str, description: &str, children: Vec<Code>) -> Code {
    Code {
        guid: uuid::Uuid::from_u128(n),
        name: name.to_owned(),
        description: description.to_owned(),
        codable: true,
        color: None,
        children,
    }
}

/// A codebook as another program might write it: patterns in their own wording, issues
/// beneath, one issue the codebook already holds, one placed under no pattern.
fn foreign_codebook(held: &RecurrentIssue) -> Vec<u8> {
    let codes = vec![
        code(
            1,
            "Pattern 2: Management systems",
            "",
            vec![
                code(
                    2,
                    "Supervision crowded out by caseload talk",
                    "Supervision time goes on case throughput, not reflection.",
                    vec![],
                ),
                // Exported from casewindow earlier: its GUID is the issue's id.
                Code {
                    guid: held.id.0,
                    ..code(3, &held.label, &held.description, vec![])
                },
            ],
        ),
        code(
            4,
            "Human judgement and reasoning",
            "",
            vec![code(
                5,
                "First impressions never revisited",
                "An early view of the family shapes every later judgement.",
                vec![],
            )],
        ),
        code(
            6,
            "Interpreters booked too late for home visits",
            "Visits go ahead without an interpreter and the parents' account is lost.",
            vec![],
        ),
    ];
    refiqda::codebook(&codes, &[], "another program").into_bytes()
}

fn analyst(user: casewindow_domain::ids::UserId) -> Actor {
    Actor {
        user: Some(user),
        label: "analyst".to_owned(),
        platform_admin: false,
        national_analyst: true,
        purpose: None,
        token: None,
    }
}

both_backends!(
    a_codebook_made_elsewhere_becomes_proposed_issues_once_under_the_chosen_patterns,
    |store: SqlStore, _url| async move {
        let app = App::new(store.clone());
        let sample = Sample::new();
        sample.insert_all(&store).await?;
        let lead = crate::lead(&sample);
        let other_sample = Sample::new();
        other_sample.insert_all(&store).await?;
        let other = crate::lead(&other_sample);
        let before = store.list_all::<RecurrentIssue>().await?.len();

        // A damaged file is refused by the code's place, and nothing is kept.
        let broken =
            b"<CodeBook><Codes><Code name=\"no guid\" isCodable=\"true\"/></Codes></CodeBook>";
        match app
            .stage_codebook(&lead, "broken.qdc", broken.to_vec())
            .await
        {
            Err(AppError::Invalid(problems)) => {
                assert_eq!(problems[0].path, "broken.qdc: CodeBook/Codes/Code[1]");
                assert!(problems[0].reason.contains("guid"), "{problems:?}");
            }
            other => panic!("expected a refusal, got {other:?}"),
        }

        let id = app
            .stage_codebook(
                &lead,
                "../elsewhere/issues.qdc",
                foreign_codebook(&sample.issue),
            )
            .await?;
        let import = app.codebook_import(&lead, id).await?;
        assert_eq!(import.file_name, "issues.qdc");
        let proposals: Vec<(&str, &Proposal)> = import
            .codes
            .iter()
            .map(|c| (c.name.as_str(), &c.proposal))
            .collect();
        assert_eq!(proposals[0].1, &Proposal::IsPattern(Pattern::Management));
        assert_eq!(proposals[1].1, &Proposal::Beneath(Pattern::Management));
        assert!(
            matches!(proposals[2].1, Proposal::AlreadyHeld(_, label) if *label == sample.issue.label)
        );
        assert_eq!(proposals[3].1, &Proposal::IsPattern(Pattern::Reasoning));
        assert_eq!(proposals[4].1, &Proposal::Beneath(Pattern::Reasoning));
        assert!(
            matches!(proposals[5].1, Proposal::Suggested(..)),
            "{:?}",
            proposals[5]
        );
        assert_eq!(
            import.codes[4].parents,
            vec!["Human judgement and reasoning".to_owned()]
        );

        // Nobody else sees or uses another person's upload.
        assert!(matches!(
            app.codebook_import(&other, id).await,
            Err(AppError::NotFound { .. })
        ));
        assert!(matches!(
            app.import_codebook(&other, id, &[(1, Pattern::Management)])
                .await,
            Err(AppError::NotFound { .. })
        ));
        // A code the file does not hold is refused, and nothing is written.
        assert!(matches!(
            app.import_codebook(&lead, id, &[(1, Pattern::Management), (99, Pattern::Tool)])
                .await,
            Err(AppError::Invalid(_))
        ));
        assert_eq!(store.list_all::<RecurrentIssue>().await?.len(), before);

        // The person keeps the proposal for one code and moves another to a pattern of their
        // choosing; both become proposed issues with the file's wording.
        let made = app
            .import_codebook(
                &lead,
                id,
                &[(1, Pattern::Management), (5, Pattern::FamilyProfessional)],
            )
            .await?;
        assert_eq!(made, 2);
        let issues = store.list_all::<RecurrentIssue>().await?;
        assert_eq!(issues.len(), before + 2);
        let supervision = issues
            .iter()
            .find(|i| i.record.label == "Supervision crowded out by caseload talk")
            .expect("imported");
        assert_eq!(supervision.record.pattern, Pattern::Management);
        assert_eq!(supervision.record.status, RecurrentIssueStatus::Proposed);
        assert!(
            supervision
                .record
                .description
                .starts_with("Supervision time")
        );
        let interpreters = issues
            .iter()
            .find(|i| i.record.label.starts_with("Interpreters"))
            .expect("imported");
        assert_eq!(interpreters.record.pattern, Pattern::FamilyProfessional);

        // A finding of the review links an imported issue like any other of the library.
        let mut linked = sample.finding.clone();
        linked.recurrent_issue_ids = vec![sample.issue.id, interpreters.record.id];
        let saved = app
            .update(&lead, &linked, 1, "linked to an imported issue")
            .await?;
        assert!(
            saved
                .record
                .recurrent_issue_ids
                .contains(&interpreters.record.id)
        );

        // A second submission imports nothing more.
        assert!(matches!(
            app.import_codebook(&lead, id, &[(1, Pattern::Management)])
                .await,
            Err(AppError::NotFound { .. })
        ));
        // One upload waits per person: a new one replaces the last.
        let first = app
            .stage_codebook(&lead, "a.qdc", foreign_codebook(&sample.issue))
            .await?;
        let second = app
            .stage_codebook(&lead, "b.qdc", foreign_codebook(&sample.issue))
            .await?;
        assert!(matches!(
            app.codebook_import(&lead, first).await,
            Err(AppError::NotFound { .. })
        ));
        assert_eq!(app.codebook_import(&lead, second).await?.file_name, "b.qdc");
        assert_eq!(store.list_all::<RecurrentIssue>().await?.len(), before + 2);

        // The exported codebook now carries them (still proposed), under their patterns.
        let qdc = app.export_codebook_qdc(&lead).await?;
        let roots = refiqda::read_codebook(qdc.as_bytes()).expect("our own codebook reads");
        assert_eq!(roots.len(), 6);
        let management = roots
            .iter()
            .find(|c| c.guid == pattern_guid(Pattern::Management))
            .expect("the management pattern");
        assert!(
            management
                .children
                .iter()
                .any(|c| c.guid == supervision.record.id.0)
        );
        assert!(qdc.contains("Proposed, not yet accepted"));

        // A platform administrator imports and exports nothing.
        let admin = Actor {
            platform_admin: true,
            ..crate::lead(&sample)
        };
        assert!(
            app.stage_codebook(&admin, "x.qdc", foreign_codebook(&sample.issue))
                .await
                .is_err()
        );
        assert!(app.export_codebook_qdc(&admin).await.is_err());
        Ok(())
    }
);

fn qde(bytes: &[u8]) -> anyhow::Result<String> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))?;
    let mut text = String::new();
    archive.by_name("project.qde")?.read_to_string(&mut text)?;
    Ok(text)
}

/// Every source's text, together.
fn sources(bytes: &[u8]) -> anyhow::Result<String> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))?;
    let mut all = String::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i)?;
        if file.name()?.starts_with("sources/") {
            file.read_to_string(&mut all)?;
            all.push('\n');
        }
    }
    Ok(all)
}

both_backends!(
    exports_hold_only_what_the_reader_may_read,
    |store: SqlStore, _url| async move {
        let app = App::new(store.clone());
        let sample = Sample::new();
        sample.insert_all(&store).await?;
        let other = Sample::new();
        other.insert_all(&store).await?;
        let lead = crate::lead(&sample);
        let stranger = crate::lead(&other);

        // A review's project: its finding's statement, coded with its pattern and issue.
        let exported = app.export_review_qdpx(&lead, sample.review.id).await?;
        let project = qde(&exported)?;
        let texts = sources(&exported)?;
        assert!(texts.contains(&sample.finding.statement));
        assert!(texts.contains(&sample.kpe.what_happened));
        assert!(texts.contains(&sample.narrative.body));
        assert!(project.contains(&pattern_guid(Pattern::Tool).to_string()));
        assert!(project.contains(&sample.issue.id.0.to_string()));
        assert!(project.contains("Key practice episode 1"));
        assert!(matches!(
            app.export_review_qdpx(&stranger, sample.review.id).await,
            Err(AppError::NotFound { .. })
        ));

        // A chronology: read as the chronology is, audited.
        let (title, csv) = app.chronology_csv(&lead, sample.review.id).await?;
        assert_eq!(title, sample.review.title);
        let csv = String::from_utf8(csv)?;
        assert!(csv.starts_with('\u{feff}'));
        assert!(csv.contains(&sample.entry.description));
        assert!(csv.contains("2024-03-01"), "{csv}");
        assert!(matches!(
            app.chronology_csv(&stranger, sample.review.id).await,
            Err(AppError::NotFound { .. })
        ));
        let events = store.audit_events(sample.review.id, 50).await?;
        assert!(
            events
                .iter()
                .any(|e| e.entry.action == "export" && e.entry.entity == "chronology")
        );
        assert!(
            events
                .iter()
                .any(|e| e.entry.action == "export" && e.entry.entity == "review")
        );

        // The library: a member's own reviews only ...
        let mine = String::from_utf8(app.library_findings_csv(&lead).await?)?;
        assert_eq!(mine.matches(&sample.finding.statement).count(), 1, "{mine}");
        let project = qde(&app.export_library_qdpx(&lead).await?)?;
        assert_eq!(project.matches("<TextSource ").count(), 1);
        // ... a national analyst's every review, de-identified: no review's title.
        let analyst_user = app
            .create_account_as(
                "Nina Analyst",
                "nina.exchange@example.org",
                "exchange analyst password 2026",
                Standing::NationalAnalyst,
            )
            .await?;
        let national =
            String::from_utf8(app.library_findings_csv(&analyst(analyst_user.id)).await?)?;
        assert_eq!(national.matches("Growth records split").count(), 2);
        assert!(!national.contains(&sample.review.title), "{national}");
        let exported = app.export_library_qdpx(&analyst(analyst_user.id)).await?;
        assert!(!qde(&exported)?.contains(&sample.review.title));
        assert!(!sources(&exported)?.contains(&sample.review.title));

        // A program with a token for one of its owner's two reviews exports that review's
        // findings only.
        let owner_user = app
            .create_account(
                "Token Owner",
                "owner.exchange@example.org",
                "token owner password 2026",
                false,
            )
            .await?;
        let second = Sample::new();
        second.insert_all(&store).await?;
        crate::join(&store, &sample, owner_user.id).await?;
        crate::join(&store, &second, owner_user.id).await?;
        let owner = Actor {
            user: Some(owner_user.id),
            ..lead.clone()
        };
        let (_, secret) = app
            .create_api_token(
                &owner,
                &NewToken {
                    name: "exports".to_owned(),
                    write: false,
                    reviews: vec![sample.review.id],
                    days: 1,
                },
            )
            .await?;
        let program = app.token_actor(&secret).await?.expect("live");
        let count = |bytes: Vec<u8>| qde(&bytes).map(|q| q.matches("<TextSource ").count());
        assert_eq!(count(app.export_library_qdpx(&program).await?)?, 1);
        assert_eq!(count(app.export_library_qdpx(&owner).await?)?, 2);

        // A platform administrator sees no case content.
        let admin = Actor {
            platform_admin: true,
            ..lead.clone()
        };
        assert!(app.library_findings_csv(&admin).await.is_err());
        assert!(app.export_library_qdpx(&admin).await.is_err());
        assert!(app.actions_csv(&admin).await.is_err());
        Ok(())
    }
);
