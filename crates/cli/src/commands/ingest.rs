//! `casewindow ingest`: read published review reports (PDF, Word) and show the findings they
//! state. Each file is read in a child process of this program with a time limit and a memory
//! limit, so a hostile or broken PDF is refused with a reason and never takes the command down.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context as _;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A report (PDF with a text layer, or .docx), or a folder of them.
    path: PathBuf,
    /// Read the reports and show what was found; write nothing. Without it, each report that
    /// reads is kept, with its proposed findings, for a reviewer to confirm on the library's
    /// "Published reports" page (nothing enters the library unconfirmed); a file kept before is
    /// not kept again, so an interrupted run can simply be repeated.
    #[arg(long)]
    dry_run: bool,
    /// Print JSON: for one file {"title", "partnership", "date", "pages", "findings": [{"number",
    /// "text", "pattern", "pages", ...}]}; for a folder one object per line with the file's outcome.
    #[arg(long)]
    json: bool,
    /// Seconds one file may take before it is refused.
    #[arg(long, default_value_t = 10)]
    timeout: u64,
    /// Read in this process, without a time or memory limit (what the child process does).
    #[arg(long, hide = true)]
    in_process: bool,
}

/// Memory one file's reading may use.
const MEMORY_LIMIT: u64 = 3 << 30;
/// Largest file read.
const MAX_FILE: u64 = casewindow_ingest::MAX_BYTES as u64;

/// Whether the command writes to the database (and so needs it open).
#[must_use]
pub fn writes(args: &Args) -> bool {
    !args.dry_run && !args.in_process
}

/// The files to read: the one named, or every file of the folder named, in name order.
fn files_of(path: &Path) -> anyhow::Result<Vec<PathBuf>> {
    if !path.is_dir() {
        return Ok(vec![path.to_owned()]);
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(path)
        .with_context(|| format!("reading the folder {}", path.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    Ok(files)
}

/// Keeps every report that reads for a reviewer to confirm, listing each file's outcome.
pub async fn stage(
    app: &casewindow_app::App<impl casewindow_store::Store>,
    args: Args,
) -> anyhow::Result<()> {
    let actor = casewindow_app::Actor::system("command line");
    let files = files_of(&args.path)?;
    let bar = indicatif::ProgressBar::new(files.len() as u64);
    if args.json {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let (mut kept, mut known, mut refused) = (0usize, 0usize, 0usize);
    for path in &files {
        bar.set_message(label(path));
        // Read first in a child process with limits; only a file that reads there is read
        // again here to be kept.
        let checked = isolated(path, Duration::from_secs(args.timeout));
        let outcome = match checked {
            Err(reason) => Err(reason),
            Ok(_) => {
                let bytes =
                    std::fs::read(path).with_context(|| format!("reading {}", label(path)))?;
                app.stage_report(&actor, &label(path), bytes)
                    .await
                    .map_err(|e| e.to_string())
            }
        };
        let line = match outcome {
            Ok(staged) => {
                let state = match (staged.new, staged.review) {
                    (true, _) => {
                        kept += 1;
                        "needs review"
                    }
                    (false, Some(_)) => {
                        known += 1;
                        "imported before"
                    }
                    (false, None) => {
                        known += 1;
                        "kept before, needs review"
                    }
                };
                if args.json {
                    serde_json::json!({"file": label(path), "outcome": state, "id": staged.id, "title": staged.title, "findings": staged.findings}).to_string()
                } else {
                    format!(
                        "{state:<26} {}: {} ({} findings proposed)",
                        label(path),
                        staged.title,
                        staged.findings
                    )
                }
            }
            Err(reason) => {
                refused += 1;
                if args.json {
                    serde_json::json!({"file": label(path), "outcome": "refused", "reason": reason})
                        .to_string()
                } else {
                    format!("{:<26} {reason}", "refused")
                }
            }
        };
        bar.suspend(|| println!("{line}"));
        bar.inc(1);
    }
    bar.finish_and_clear();
    if !args.json {
        println!(
            "\n{kept} kept for review, {known} kept before, {refused} refused, of {} files. \
             Confirm their findings on the library's Published reports page.",
            files.len()
        );
    }
    Ok(())
}

pub fn run(args: Args) -> anyhow::Result<()> {
    if args.in_process {
        return in_process(&args.path);
    }
    if args.path.is_dir() {
        return folder(&args);
    }
    match isolated(&args.path, Duration::from_secs(args.timeout)) {
        Ok(json) => {
            if args.json {
                println!("{json}");
            } else {
                print_proposal(&args.path, &json)?;
            }
            Ok(())
        }
        Err(reason) => anyhow::bail!("{reason}"),
    }
}

fn label(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// Reads one report here and prints what was found as JSON.
fn in_process(path: &Path) -> anyhow::Result<()> {
    // The child's own limit: a decompression bomb fails an allocation instead of exhausting
    // the machine.
    let _ = rlimit::setrlimit(rlimit::Resource::AS, MEMORY_LIMIT, MEMORY_LIMIT);
    let name = label(path);
    let size = std::fs::metadata(path)
        .with_context(|| format!("reading {name}"))?
        .len();
    if size > MAX_FILE {
        anyhow::bail!(
            "{name}: the file is larger than casewindow reads ({} MB)",
            MAX_FILE >> 20
        );
    }
    let bytes = std::fs::read(path).with_context(|| format!("reading {name}"))?;
    let text = casewindow_ingest::read(&name, &bytes)?;
    let proposal = casewindow_ingest::propose(&text);
    println!("{}", serde_json::to_string(&proposal)?);
    Ok(())
}

/// Reads one report in a child process within the time limit; its JSON, or why it was refused.
fn isolated(path: &Path, timeout: Duration) -> Result<String, String> {
    let name = label(path);
    let exe =
        std::env::current_exe().map_err(|e| format!("{name}: cannot start the reader: {e}"))?;
    let mut child = Command::new(exe)
        .args(["ingest", "--dry-run", "--json", "--in-process"])
        .arg(path)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env("CASEWINDOW_LOG", "error")
        .spawn()
        .map_err(|e| format!("{name}: cannot start the reader: {e}"))?;
    let mut stdout = child
        .stdout
        .take()
        .ok_or_else(|| format!("{name}: no output"))?;
    let mut stderr = child
        .stderr
        .take()
        .ok_or_else(|| format!("{name}: no output"))?;
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.by_ref().take(64 * 1024).read_to_string(&mut s);
        s
    });
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "{name}: reading took longer than {} s, so the file was refused (a damaged or \
                     hostile PDF can make a reader loop)",
                    timeout.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => return Err(format!("{name}: {e}")),
        }
    };
    let out = out.join().unwrap_or_default();
    let err = err.join().unwrap_or_default();
    if status.success() {
        return Ok(out.trim().to_owned());
    }
    // The child's own message ("error: …"), else what happened to it.
    let said = err
        .lines()
        .find_map(|l| l.strip_prefix("error: "))
        .map(str::to_owned);
    Err(said.unwrap_or_else(|| {
        format!(
            "{name}: the reader stopped ({status}); the file needs more memory than casewindow \
             allows one report, or is damaged"
        )
    }))
}

fn print_proposal(path: &Path, json: &str) -> anyhow::Result<()> {
    let value: serde_json::Value = serde_json::from_str(json)?;
    let text = |v: &serde_json::Value| v.as_str().unwrap_or("(not stated)").to_owned();
    println!("{}", label(path));
    println!("  title:       {}", text(&value["title"]));
    println!("  partnership: {}", text(&value["partnership"]));
    println!("  date:        {}", text(&value["date"]));
    println!("  pages:       {}", value["pages"]);
    let findings = value["findings"].as_array().cloned().unwrap_or_default();
    println!("  findings:    {}", findings.len());
    for f in &findings {
        let pages: Vec<String> = f["pages"]
            .as_array()
            .map(|p| p.iter().map(ToString::to_string).collect())
            .unwrap_or_default();
        println!(
            "\n  Finding {} (page {}; pattern {})\n    {}",
            text(&f["number"]),
            pages.join(", "),
            f["pattern"].as_str().unwrap_or("not stated"),
            text(&f["text"])
        );
    }
    Ok(())
}

/// Every report in a folder, each file's outcome listed.
fn folder(args: &Args) -> anyhow::Result<()> {
    let files = files_of(&args.path)?;
    let bar = indicatif::ProgressBar::new(files.len() as u64);
    if args.json {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let (mut read, mut refused) = (0usize, 0usize);
    for path in &files {
        bar.set_message(label(path));
        let outcome = isolated(path, Duration::from_secs(args.timeout));
        let line = match &outcome {
            Ok(json) => {
                read += 1;
                let value: serde_json::Value = serde_json::from_str(json)?;
                let findings = value["findings"].as_array().map_or(0, Vec::len);
                let stated = value["findings"]
                    .as_array()
                    .map_or(0, |f| f.iter().filter(|f| !f["pattern"].is_null()).count());
                if args.json {
                    serde_json::json!({"file": label(path), "outcome": "read", "findings": findings, "patterns_stated": stated, "title": value["title"]}).to_string()
                } else {
                    format!(
                        "read     {}: {findings} findings ({stated} with their pattern)",
                        label(path)
                    )
                }
            }
            Err(reason) => {
                refused += 1;
                if args.json {
                    serde_json::json!({"file": label(path), "outcome": "refused", "reason": reason})
                        .to_string()
                } else {
                    format!("refused  {reason}")
                }
            }
        };
        bar.suspend(|| println!("{line}"));
        bar.inc(1);
    }
    bar.finish_and_clear();
    if !args.json {
        println!(
            "\n{read} read, {refused} refused, of {} files.",
            files.len()
        );
    }
    Ok(())
}
