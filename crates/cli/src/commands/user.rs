//! `casewindow user`: accounts from the command line. Passwords are read from standard input,
//! never from arguments (which other users of the machine can see).

use anyhow::Context as _;
use casewindow_app::{App, Standing};
use casewindow_store_sql::SqlStore;
use std::io::BufRead as _;

#[derive(Debug, clap::Subcommand)]
pub enum UserCommand {
    /// Create a user with a password (read from standard input).
    Create {
        /// The name shown to others.
        #[arg(long)]
        name: String,
        #[arg(long)]
        email: String,
        /// A platform administrator runs the service and sees no case content.
        #[arg(long, conflicts_with = "national_analyst")]
        admin: bool,
        /// A national analyst reads the de-identified findings of every review, and nothing
        /// else of any review.
        #[arg(long)]
        national_analyst: bool,
    },
    /// Give an existing user (for example one from an imported review) a password, read from
    /// standard input, and sign them out everywhere.
    Password { email: String },
    /// Turn off a user's two-step sign-in (for a lost phone) and sign them out everywhere.
    /// Audited. They can set it up again from their account page.
    TwoStepOff { email: String },
}

fn read_password() -> anyhow::Result<String> {
    eprintln!("password (read from standard input, one line):");
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the password")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

#[derive(Debug, clap::Subcommand)]
pub enum AdminCommand {
    /// Create a platform administrator (the first one at first run). The password is read from
    /// standard input. Administrators run the service and see no case content.
    Create {
        #[arg(long)]
        name: String,
        #[arg(long)]
        email: String,
    },
}

pub async fn admin(app: &App<SqlStore>, command: AdminCommand) -> anyhow::Result<()> {
    let AdminCommand::Create { name, email } = command;
    run(
        app,
        UserCommand::Create {
            name,
            email,
            admin: true,
            national_analyst: false,
        },
    )
    .await
}

pub async fn run(app: &App<SqlStore>, command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Create {
            name,
            email,
            admin,
            national_analyst,
        } => {
            let standing = match (admin, national_analyst) {
                (true, _) => Standing::PlatformAdmin,
                (false, true) => Standing::NationalAnalyst,
                (false, false) => Standing::Member,
            };
            let password = read_password()?;
            let user = app
                .create_account_as(&name, &email, &password, standing)
                .await?;
            eprintln!(
                "created {} <{}>{}",
                user.display_name,
                user.email,
                match standing {
                    Standing::PlatformAdmin => " as a platform administrator",
                    Standing::NationalAnalyst => " as a national analyst",
                    Standing::Member => "",
                }
            );
        }
        UserCommand::Password { email } => {
            let user = user_by_email(app, &email).await?;
            let password = read_password()?;
            app.set_password(user.id, &password).await?;
            eprintln!(
                "password set for {}; every session of theirs has ended",
                user.email
            );
        }
        UserCommand::TwoStepOff { email } => {
            let user = user_by_email(app, &email).await?;
            app.disable_second_factor(user.id, None).await?;
            app.sign_out_everywhere(user.id).await?;
            eprintln!(
                "two-step sign-in is off for {}; every session of theirs has ended",
                user.email
            );
        }
    }
    Ok(())
}

async fn user_by_email(
    app: &App<SqlStore>,
    email: &str,
) -> anyhow::Result<casewindow_domain::organisation::User> {
    app.account_holder(&casewindow_app::Actor::system("cli"), email)
        .await?
        .with_context(|| format!("no user has the email address {email}"))
}
