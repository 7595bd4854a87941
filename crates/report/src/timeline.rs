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
    /// Shown on hover, and the link's name when there is one; empty for none.
    pub tip: String,
    /// Where the mark leads (its entry), as a link reached by keyboard too; empty for none.
    pub href: String,
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

/// A lane's name wrapped at word boundaries into at most `lines` lines of `width` characters,
/// the last shortened only if the name is longer than all of them.
fn wrap(text: &str, width: usize, lines: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match out.last_mut() {
            Some(line) if line.chars().count() + 1 + word.chars().count() <= width => {
                line.push(' ');
                line.push_str(word);
            }
            _ => out.push(word.to_owned()),
        }
    }
    if out.len() > lines {
        let rest = out.split_off(lines - 1).join(" ");
        out.push(shorten(&rest, width));
    }
    out
}

/// The width of a character of a mark's label (bold, 13 units), generously.
const LABEL_CHAR: f64 = 8.0;

/// Marks' labels where they do not print over each other: labels of marks that start at the
/// same place on a lane are joined ("1, 9"), and a label that would run into the one before it
/// on its lane goes below the marks, or moves right until it is clear. Returns (x, lane, below,
/// text) for each label.
fn place_labels(marks: &[Mark], x: impl Fn(NaiveDate) -> f64) -> Vec<(f64, usize, bool, String)> {
    let mut labelled: Vec<(f64, usize, String)> = Vec::new();
    let mut order: Vec<&Mark> = marks.iter().filter(|m| !m.label.is_empty()).collect();
    order.sort_by_key(|a| (a.lane, a.start));
    for mark in order {
        let at = x(mark.start) + 2.0;
        match labelled.last_mut() {
            Some((x0, lane, text)) if *lane == mark.lane && (*x0 - at).abs() < 1.0 => {
                text.push_str(", ");
                text.push_str(&mark.label);
            }
            _ => labelled.push((at, mark.lane, mark.label.clone())),
        }
    }
    // Each lane has two rows for labels, above and below its marks; a label takes the first
    // row where it is clear of the label before it, or else moves right along the row that
    // frees up first.
    let mut ends: Option<(usize, [f64; 2])> = None;
    let mut placed = Vec::with_capacity(labelled.len());
    for (at, lane, text) in labelled {
        #[allow(clippy::cast_precision_loss)]
        let width = text.chars().count() as f64 * LABEL_CHAR;
        let mut rows = match ends {
            Some((previous, rows)) if previous == lane => rows,
            _ => [f64::MIN; 2],
        };
        let clear = |end: f64| at >= end + LABEL_CHAR / 2.0;
        let row = if clear(rows[0]) {
            0
        } else if clear(rows[1]) {
            1
        } else {
            usize::from(rows[1] < rows[0])
        };
        let at = at.max(rows[row] + LABEL_CHAR / 2.0);
        rows[row] = at + width;
        ends = Some((lane, rows));
        placed.push((at, lane, row == 1, text));
    }
    placed
}

/// How many months between the axis's ticks: the fewest that keep their labels apart.
fn tick_months(first: NaiveDate, last: NaiveDate, pixels: f64) -> u32 {
    #[allow(clippy::cast_precision_loss)]
    let months = ((last.year() - first.year()) * 12 + last.month() as i32 - first.month() as i32)
        .max(1) as f64;
    [1, 2, 3, 6, 12]
        .into_iter()
        .find(|&step| pixels / months * f64::from(step) >= 34.0)
        .unwrap_or(12)
}

/// The time axis: a dashed line and the year at each new year; between them, a tick and the
/// month's short name every month (or every two, three or six when the period is long).
fn axis(
    svg: &mut String,
    first: NaiveDate,
    last: NaiveDate,
    x: &impl Fn(NaiveDate) -> f64,
    top: f64,
    height: f64,
) {
    let step = tick_months(first, last, x(last) - x(first));
    // The first year is named at the start unless a new year's line is there, or comes soon
    // after.
    let next_jan = NaiveDate::from_ymd_opt(first.year() + 1, 1, 1);
    let on_new_year = (first.month(), first.day()) == (1, 1);
    if !on_new_year && next_jan.is_none_or(|jan| jan > last || x(jan) - x(first) > 60.0) {
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="16" font-size="15" font-weight="700" fill="#505a5f">{}</text>"##,
            x(first),
            first.year()
        );
    }
    let mut month = NaiveDate::from_ymd_opt(first.year(), first.month(), 1);
    while let Some(at) = month.filter(|m| *m <= last) {
        let px = x(at);
        if at >= first && at.month() == 1 {
            let _ = write!(
                svg,
                r##"<line x1="{px:.1}" y1="{}" x2="{px:.1}" y2="{height}" stroke="#b1b4b6" stroke-dasharray="3 3"/><text x="{:.1}" y="16" font-size="15" font-weight="700" fill="#505a5f">{}</text>"##,
                top - 20.0,
                px + 3.0,
                at.year()
            );
        } else if at >= first && step < 12 && (at.month() - 1) % step == 0 {
            let _ = write!(
                svg,
                r##"<line x1="{px:.1}" y1="{}" x2="{px:.1}" y2="{top}" stroke="#505a5f"/><text x="{:.1}" y="{}" font-size="13" fill="#505a5f">{}</text>"##,
                top - 6.0,
                px + 2.0,
                top - 9.0,
                at.format("%b")
            );
        }
        month = at.checked_add_months(chrono::Months::new(1));
    }
}

/// Draws the timeline; `joins` lists marks (indices) that belong together. Lanes without marks
/// are left out. Empty when there are no marks.
/// The axis spans `period` (the period under review, as far as it is known) and every mark.
pub fn swimlane(
    title: &str,
    lanes: &[String],
    marks: &[Mark],
    joins: &[Vec<usize>],
    period: (Option<NaiveDate>, Option<NaiveDate>),
) -> String {
    let used: Vec<usize> = (0..lanes.len())
        .filter(|&l| marks.iter().any(|m| m.lane == l))
        .collect();
    let (Some(first), Some(last)) = (
        marks.iter().map(|m| m.start).chain(period.0).min(),
        marks.iter().map(|m| m.end).chain(period.1).max(),
    ) else {
        return String::new();
    };
    if marks.is_empty() {
        return String::new();
    }
    let (label_width, width, lane_height, top) = (240.0, 820.0, 56.0, 44.0);
    let span = (last - first).num_days().max(1) as f64;
    let x = |date: NaiveDate| {
        label_width + 10.0 + (date - first).num_days() as f64 / span * (width - label_width - 30.0)
    };
    let height = top + lane_height * used.len() as f64 + 10.0;
    let row = |lane: usize| used.iter().position(|&l| l == lane).unwrap_or(0);
    let lane_y = |lane: usize| top + lane_height * row(lane) as f64 + lane_height / 2.0;
    let labels = place_labels(marks, x);
    // Wide enough for the last label, which may have moved right of its mark.
    #[allow(clippy::cast_precision_loss)]
    let view_width = labels
        .iter()
        .map(|(at, _, _, text)| at + text.chars().count() as f64 * LABEL_CHAR + 4.0)
        .fold(width, f64::max);
    let mut svg = String::new();
    // A picture, unless its marks are links: then a group whose links each name their entry.
    let role = if marks.iter().any(|m| !m.href.is_empty()) {
        "group"
    } else {
        "img"
    };
    let _ = write!(
        svg,
        r#"<svg class="timeline-svg" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {view_width:.0} {height}" role="{role}" aria-labelledby="timeline-title"><title id="timeline-title">{}, {} to {}</title>"#,
        escape(title),
        first.format("%B %Y"),
        last.format("%B %Y")
    );
    axis(&mut svg, first, last, &x, top, height);
    for (idx, &lane) in used.iter().enumerate() {
        let y = top + lane_height * idx as f64;
        let _ = write!(
            svg,
            r##"<rect x="0" y="{y}" width="{view_width:.0}" height="{lane_height}" fill="{}"/>"##,
            if idx % 2 == 0 { "#f3f2f1" } else { "#ffffff" },
        );
        // The whole name, in up to three lines, centred on the lane.
        let lines = wrap(&lanes[lane], 32, 3);
        #[allow(clippy::cast_precision_loss)]
        let first_line = y + lane_height / 2.0 + 5.0 - 7.5 * (lines.len() as f64 - 1.0);
        for (n, line) in lines.iter().enumerate() {
            let _ = write!(
                svg,
                r##"<text x="8" y="{:.1}" font-size="14" fill="#0b0c0c">{}</text>"##,
                first_line + 15.0 * n as f64,
                escape(line)
            );
        }
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
        let linked = !mark.href.is_empty();
        let tip = if mark.tip.is_empty() || linked {
            String::new()
        } else {
            format!("<title>{}</title>", escape(&mark.tip))
        };
        if linked {
            let _ = write!(
                svg,
                r#"<a href="{}" aria-label="{}"><title>{}</title>"#,
                escape(&mark.href),
                escape(&mark.tip),
                escape(&mark.tip)
            );
        }
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
        if linked {
            svg.push_str("</a>");
        }
    }
    for (at, lane, below, text) in labels {
        let _ = write!(
            svg,
            r##"<text x="{at:.1}" y="{:.1}" font-size="13" font-weight="700" fill="#0b0c0c">{}</text>"##,
            lane_y(lane) + if below { 20.0 } else { -9.0 },
            escape(&text)
        );
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
                href: String::new(),
            },
            Mark {
                lane: 1,
                start: day(2020, 3, 1),
                end: day(2020, 5, 31),
                day: false,
                label: "2".to_owned(),
                tip: String::new(),
                href: String::new(),
            },
        ];
        let svg = swimlane("Timeline", &lanes, &marks, &[vec![0, 1]], (None, None));
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
        assert!(swimlane("Timeline", &lanes, &[], &[], (None, None)).is_empty());
    }

    fn labelled(lane: usize, start: NaiveDate, label: &str) -> Mark {
        Mark {
            lane,
            start,
            end: start,
            day: true,
            label: label.to_owned(),
            tip: String::new(),
            href: String::new(),
        }
    }

    #[test]
    fn labels_at_one_place_are_joined_and_crowded_ones_go_below_or_right() {
        let marks = vec![
            labelled(0, day(2020, 1, 1), "1"),
            labelled(0, day(2020, 1, 1), "9"),
            labelled(0, day(2020, 1, 2), "2"),
            labelled(0, day(2020, 1, 3), "3"),
            labelled(1, day(2020, 1, 2), "4"),
        ];
        let x = |date: NaiveDate| f64::from(date.ordinal()) * 10.0;
        let placed = place_labels(&marks, x);
        assert_eq!(placed[0], (12.0, 0, false, "1, 9".to_owned()));
        assert_eq!(placed[1], (22.0, 0, true, "2".to_owned()));
        // Both rows are taken where 3 would go: it moves right along the row that frees first.
        assert_eq!(placed[2].3, "3");
        assert!(placed[2].0 >= 22.0 + LABEL_CHAR * 1.5);
        assert_eq!(placed[3], (22.0, 1, false, "4".to_owned()));
    }

    #[test]
    fn long_lane_names_wrap_whole_into_three_lines() {
        let name =
            "Kestrelford and Harbourside Integrated Community Health and Care Partnership No1";
        let lines = wrap(name, 40, 3);
        assert_eq!(lines.join(" "), name);
        assert!(lines.iter().all(|l| l.chars().count() <= 40));
        let long = wrap(&name.repeat(2), 40, 3);
        assert_eq!(long.len(), 3);
        assert!(long[2].ends_with('…'));
    }
}
