//! The typology chart: how many findings fall in each of the six patterns, unsafe and
//! constructive. Plain SVG with presentation attributes only (no inline style, so it passes a
//! strict Content-Security-Policy) and text in the document's own font.

use crate::model::{Figure, Table};
use casewindow_domain::findings::{Finding, Polarity};
use casewindow_domain::typology::Pattern;
use std::fmt::Write as _;

const UNSAFE: &str = "#a4262c";
const CONSTRUCTIVE: &str = "#00703c";
const OTHER: &str = "#b1b4b6";

/// Counts per pattern: (unsafe, constructive, not yet decided).
fn counts(findings: &[Finding]) -> Vec<(Pattern, [usize; 3])> {
    Pattern::ALL
        .iter()
        .map(|&pattern| {
            let mut count = [0; 3];
            for finding in findings.iter().filter(|f| f.pattern == Some(pattern)) {
                let slot = match finding.polarity {
                    Some(Polarity::Unsafe) => 0,
                    Some(Polarity::Constructive) => 1,
                    None => 2,
                };
                count[slot] += 1;
            }
            (pattern, count)
        })
        .collect()
}

/// Escapes text for XML.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// The chart and its table.
pub fn typology_figure(findings: &[Finding]) -> Figure {
    let counts = counts(findings);
    let most = counts
        .iter()
        .map(|(_, c)| c.iter().sum::<usize>())
        .max()
        .unwrap_or(0)
        .max(1);
    let (label_w, bar_w, row_h, top) = (310.0_f64, 280.0_f64, 34.0_f64, 40.0_f64);
    let width = label_w + bar_w + 60.0;
    let height = top + row_h * 6.0 + 20.0;
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" \
         width=\"{width}\" height=\"{height}\" role=\"img\" aria-labelledby=\"typology-title\">\
         <title id=\"typology-title\">Findings in each pattern of the typology</title>"
    );
    // Legend.
    for (idx, (name, colour)) in [
        ("Unsafe", UNSAFE),
        ("Constructive", CONSTRUCTIVE),
        ("Not yet decided", OTHER),
    ]
    .iter()
    .enumerate()
    {
        let x = label_w + idx as f64 * 110.0;
        let _ = write!(
            svg,
            "<rect x=\"{x}\" y=\"8\" width=\"14\" height=\"14\" fill=\"{colour}\"/>\
             <text x=\"{}\" y=\"20\" font-size=\"13\" fill=\"#0b0c0c\">{name}</text>",
            x + 20.0
        );
    }
    for (row, (pattern, count)) in counts.iter().enumerate() {
        let y = top + row as f64 * row_h;
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" font-size=\"13\" text-anchor=\"end\" fill=\"#0b0c0c\">{}</text>",
            label_w - 10.0,
            y + row_h / 2.0 + 4.0,
            escape(&pattern.to_string())
        );
        let mut x = label_w;
        for (slot, colour) in [UNSAFE, CONSTRUCTIVE, OTHER].iter().enumerate() {
            if count[slot] == 0 {
                continue;
            }
            let w = bar_w * count[slot] as f64 / most as f64;
            let _ = write!(
                svg,
                "<rect x=\"{x}\" y=\"{}\" width=\"{w:.1}\" height=\"{}\" fill=\"{colour}\"/>",
                y + 6.0,
                row_h - 12.0
            );
            x += w;
        }
        let total: usize = count.iter().sum();
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" font-size=\"13\" fill=\"#0b0c0c\">{total}</text>",
            x + 6.0,
            y + row_h / 2.0 + 4.0
        );
    }
    svg.push_str("</svg>");
    let total: usize = counts.iter().map(|(_, c)| c.iter().sum::<usize>()).sum();
    Figure {
        caption: "Findings in each pattern of the typology".to_owned(),
        alt: format!(
            "A bar chart of the {total} classified findings across the six patterns, split into \
             unsafe and constructive; the table gives the same figures."
        ),
        svg,
        table: Table {
            caption: "Findings in each pattern of the typology".to_owned(),
            header: vec![
                "Pattern".to_owned(),
                "Unsafe".to_owned(),
                "Constructive".to_owned(),
                "Not yet decided".to_owned(),
            ],
            rows: counts
                .iter()
                .map(|(pattern, count)| {
                    let mut row = vec![pattern.to_string()];
                    row.extend(count.iter().map(ToString::to_string));
                    row
                })
                .collect(),
        },
    }
}

/// Horizontal bars of shares (0 to 1), each with its interval drawn as a line with end ticks:
/// `(label, share, low, high)`. A share hidden for small numbers is passed as all zeros and drawn
/// as "not shown".
pub fn interval_bars(id: &str, title: &str, bars: &[(String, f64, f64, f64)]) -> String {
    let (label_w, bar_w, row_h, top) = (310.0_f64, 300.0_f64, 34.0_f64, 34.0_f64);
    let width = label_w + bar_w + 70.0;
    #[allow(clippy::cast_precision_loss)]
    let height = top + row_h * bars.len().max(1) as f64 + 10.0;
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" \
         width=\"{width}\" height=\"{height}\" role=\"img\" aria-labelledby=\"{id}-title\">\
         <title id=\"{id}-title\">{}</title>",
        escape(title)
    );
    // The scale: 0, 50% and 100%.
    for (share, label) in [(0.0, "0%"), (0.5, "50%"), (1.0, "100%")] {
        let x = label_w + bar_w * share;
        let _ = write!(
            svg,
            "<line x1=\"{x}\" y1=\"{}\" x2=\"{x}\" y2=\"{}\" stroke=\"#b1b4b6\"/>\
             <text x=\"{x}\" y=\"{}\" font-size=\"12\" text-anchor=\"middle\" fill=\"#0b0c0c\">{label}</text>",
            top - 6.0,
            height - 10.0,
            top - 12.0
        );
    }
    for (row, (label, share, low, high)) in bars.iter().enumerate() {
        #[allow(clippy::cast_precision_loss)]
        let y = top + row as f64 * row_h;
        let middle = y + row_h / 2.0;
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" font-size=\"13\" text-anchor=\"end\" fill=\"#0b0c0c\">{}</text>",
            label_w - 10.0,
            middle + 4.0,
            escape(label)
        );
        if *high <= 0.0 {
            let _ = write!(
                svg,
                "<text x=\"{}\" y=\"{}\" font-size=\"13\" fill=\"#505a5f\">not shown (small numbers)</text>",
                label_w + 6.0,
                middle + 4.0
            );
            continue;
        }
        let _ = write!(
            svg,
            "<rect x=\"{label_w}\" y=\"{}\" width=\"{:.1}\" height=\"{}\" fill=\"#1d70b8\"/>",
            y + 8.0,
            bar_w * share,
            row_h - 16.0
        );
        let (x1, x2) = (label_w + bar_w * low, label_w + bar_w * high);
        let _ = write!(
            svg,
            "<line x1=\"{x1:.1}\" y1=\"{middle}\" x2=\"{x2:.1}\" y2=\"{middle}\" stroke=\"#0b0c0c\" stroke-width=\"2\"/>\
             <line x1=\"{x1:.1}\" y1=\"{}\" x2=\"{x1:.1}\" y2=\"{}\" stroke=\"#0b0c0c\" stroke-width=\"2\"/>\
             <line x1=\"{x2:.1}\" y1=\"{}\" x2=\"{x2:.1}\" y2=\"{}\" stroke=\"#0b0c0c\" stroke-width=\"2\"/>\
             <text x=\"{}\" y=\"{}\" font-size=\"13\" fill=\"#0b0c0c\">{:.0}%</text>",
            middle - 6.0,
            middle + 6.0,
            middle - 6.0,
            middle + 6.0,
            x2 + 6.0,
            middle + 4.0,
            share * 100.0
        );
    }
    svg.push_str("</svg>");
    svg
}
