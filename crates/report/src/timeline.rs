//! A swimlane timeline as attribute-only SVG: one lane per agency, marks placed by date (a dot
//! for a known day, a bar for a period or a vague date), and marks that belong together (the
//! same occurrence in several agencies' records, or one key practice episode) joined by a line.
//! Used by the chronology page and by the report.

use chrono::{Datelike, NaiveDate};
use std::fmt::Write as _;

/// One mark on a lane.
#[derive(Clone, Debug, PartialEq)]
pub struct Mark {
    /// Index into the lanes.
    pub lane: usize,
    pub start: NaiveDate,
    pub end: NaiveDate,
    /// A known day (a dot) rather than a period (a bar).
    pub day: bool,
    /// Shown by the mark (for example "2" for a key practice episode); empty for none.
    pub label: String,
    /// Shown on hover; empty for none.
    pub tip: String,
}

/// The lanes' colours: distinguishable, and dark enough for white text and 3:1 contrast.
const COLOURS: [&str; 10] = [
    "#1d70b8", "#d4351c", "#00703c", "#4c2c92", "#f47738", "#5694ca", "#912b88", "#28a197",
    "#85994b", "#b58840",
];

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn shorten(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// Draws the timeline; `joins` lists marks (indices) that belong together. Lanes without marks
/// are left out. Empty when there are no marks.
pub fn swimlane(title: &str, lanes: &[String], marks: &[Mark], joins: &[Vec<usize>]) -> String {
    let used: Vec<usize> = (0..lanes.len())
        .filter(|&l| marks.iter().any(|m| m.lane == l))
        .collect();
    let (Some(first), Some(last)) = (
        marks.iter().map(|m| m.start).min(),
        marks.iter().map(|m| m.end).max(),
    ) else {
        return String::new();
    };
    let (label_width, width, lane_height, top) = (300.0, 1000.0, 52.0, 34.0);
    let span = (last - first).num_days().max(1) as f64;
    let x = |date: NaiveDate| {
        label_width + 10.0 + (date - first).num_days() as f64 / span * (width - label_width - 30.0)
    };
    let height = top + lane_height * used.len() as f64 + 10.0;
    let row = |lane: usize| used.iter().position(|&l| l == lane).unwrap_or(0);
    let lane_y = |lane: usize| top + lane_height * row(lane) as f64 + lane_height / 2.0;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="timeline-svg" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" aria-labelledby="timeline-title"><title id="timeline-title">{}, {} to {}</title>"#,
        escape(title),
        first.format("%B %Y"),
        last.format("%B %Y")
    );
    // The first year is named at the start unless a new year's line comes soon after.
    let next_jan = NaiveDate::from_ymd_opt(first.year() + 1, 1, 1);
    if next_jan.is_none_or(|jan| jan > last || x(jan) - x(first) > 60.0) {
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="18" font-size="15" fill="#505a5f">{}</text>"##,
            x(first),
            first.year()
        );
    }
    let mut year = first.year();
    while let Some(jan) = NaiveDate::from_ymd_opt(year, 1, 1) {
        if jan > last {
            break;
        }
        if jan >= first {
            let px = x(jan);
            let _ = write!(
                svg,
                r##"<line x1="{px:.1}" y1="{}" x2="{px:.1}" y2="{height}" stroke="#b1b4b6" stroke-dasharray="3 3"/><text x="{:.1}" y="18" font-size="15" fill="#505a5f">{year}</text>"##,
                top - 6.0,
                px + 3.0
            );
        }
        year += 1;
    }
    for (idx, &lane) in used.iter().enumerate() {
        let y = top + lane_height * idx as f64;
        let _ = write!(
            svg,
            r##"<rect x="0" y="{y}" width="{width}" height="{lane_height}" fill="{}"/><text x="8" y="{:.1}" font-size="15" fill="#0b0c0c">{}</text>"##,
            if idx % 2 == 0 { "#f3f2f1" } else { "#ffffff" },
            y + lane_height / 2.0 + 4.0,
            escape(&shorten(&lanes[lane], 36))
        );
    }
    for join in joins.iter().filter(|j| j.len() > 1) {
        let px = x(marks[join[0]].start);
        let ys: Vec<f64> = join.iter().map(|&m| lane_y(marks[m].lane)).collect();
        let (min, max) = (
            ys.iter().cloned().fold(f64::MAX, f64::min),
            ys.iter().cloned().fold(f64::MIN, f64::max),
        );
        let _ = write!(
            svg,
            r##"<line x1="{px:.1}" y1="{min:.1}" x2="{px:.1}" y2="{max:.1}" stroke="#0b0c0c" stroke-width="2"/>"##
        );
    }
    for mark in marks {
        let colour = COLOURS[row(mark.lane) % COLOURS.len()];
        let y = lane_y(mark.lane);
        let tip = if mark.tip.is_empty() {
            String::new()
        } else {
            format!("<title>{}</title>", escape(&mark.tip))
        };
        if mark.day {
            let _ = write!(
                svg,
                r#"<circle cx="{:.1}" cy="{y:.1}" r="6" fill="{colour}">{tip}</circle>"#,
                x(mark.start)
            );
        } else {
            let (x1, x2) = (x(mark.start), x(mark.end));
            let _ = write!(
                svg,
                r#"<rect x="{x1:.1}" y="{:.1}" width="{:.1}" height="8" fill="{colour}" fill-opacity="0.5">{tip}</rect>"#,
                y - 4.0,
                (x2 - x1).max(4.0)
            );
        }
        if !mark.label.is_empty() {
            let _ = write!(
                svg,
                r##"<text x="{:.1}" y="{:.1}" font-size="13" font-weight="700" fill="#0b0c0c">{}</text>"##,
                x(mark.start) + 2.0,
                y - 9.0,
                escape(&mark.label)
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    #[test]
    fn lanes_without_marks_are_left_out_and_text_is_escaped() {
        let lanes = vec![
            "Police".to_owned(),
            "Health <0-19>".to_owned(),
            "School".to_owned(),
        ];
        let marks = vec![
            Mark {
                lane: 0,
                start: day(2020, 3, 1),
                end: day(2020, 3, 1),
                day: true,
                label: String::new(),
                tip: "call-out & arrest".to_owned(),
            },
            Mark {
                lane: 1,
                start: day(2020, 3, 1),
                end: day(2020, 5, 31),
                day: false,
                label: "2".to_owned(),
                tip: String::new(),
            },
        ];
        let svg = swimlane("Timeline", &lanes, &marks, &[vec![0, 1]]);
        assert!(svg.contains("Health &lt;0-19&gt;"));
        assert!(!svg.contains("School"));
        assert!(svg.contains("call-out &amp; arrest"));
        assert_eq!(svg.matches("<circle").count(), 1);
        assert_eq!(svg.matches("fill-opacity").count(), 1);
        assert!(
            svg.contains(r#"stroke-width="2""#),
            "the two marks are joined"
        );
        assert!(svg.contains(">2</text>"));
        assert!(swimlane("Timeline", &lanes, &[], &[]).is_empty());
    }
}
