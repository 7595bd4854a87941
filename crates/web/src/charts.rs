//! Small server-side SVG charts. Colours and text are attributes (no inline CSS, so the strict
//! Content-Security-Policy holds); each chart has a title and description for screen readers,
//! and every page that shows one also gives its figures as a table. A chart is drawn at its own
//! size, so a grid of one year is as small as it looks and a wide one scrolls in its box.

use std::fmt::Write as _;

/// Escapes text for SVG content and attribute values.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

fn open(out: &mut String, width: u32, height: u32, id: &str, title: &str, description: &str) {
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" aria-labelledby="{id}-t {id}-d" font-family="Arial, sans-serif" font-size="13"><title id="{id}-t">{}</title><desc id="{id}-d">{}</desc>"#,
        esc(title),
        esc(description)
    );
}

/// A grid of counts: darker cells hold more. `rows` label the left edge, `columns` the top.
#[must_use]
pub fn heatmap(
    id: &str,
    title: &str,
    description: &str,
    rows: &[String],
    columns: &[String],
    values: &[Vec<usize>],
) -> String {
    let label_width = 330u32;
    let cell = 44u32;
    let top = 40u32;
    let width = label_width + cell * columns.len().max(1) as u32 + 10;
    let height = top + cell * rows.len().max(1) as u32 + 10;
    let max = values.iter().flatten().copied().max().unwrap_or(0).max(1);
    let mut out = String::new();
    open(&mut out, width, height, id, title, description);
    for (j, column) in columns.iter().enumerate() {
        let x = label_width + cell * j as u32 + cell / 2;
        let _ = write!(
            out,
            r##"<text x="{x}" y="{}" text-anchor="middle" fill="#0b0c0c">{}</text>"##,
            top - 12,
            esc(column)
        );
    }
    for (i, row) in rows.iter().enumerate() {
        let y = top + cell * i as u32;
        let _ = write!(
            out,
            r##"<text x="{}" y="{}" text-anchor="end" fill="#0b0c0c">{}</text>"##,
            label_width - 8,
            y + cell / 2 + 5,
            esc(row)
        );
        for (j, value) in values.get(i).into_iter().flatten().enumerate() {
            let x = label_width + cell * j as u32;
            // From the page background to the link blue, by share of the largest cell.
            let share = *value as f32 / max as f32;
            let channel = |from: f32, to: f32| (from + (to - from) * share).round() as u8;
            let (r, g, b) = (
                channel(243.0, 29.0),
                channel(242.0, 112.0),
                channel(241.0, 184.0),
            );
            let text = if share > 0.5 { "#ffffff" } else { "#0b0c0c" };
            let _ = write!(
                out,
                r##"<rect x="{x}" y="{y}" width="{}" height="{}" fill="#{r:02x}{g:02x}{b:02x}" stroke="#ffffff"/><text x="{}" y="{}" text-anchor="middle" fill="{text}">{value}</text>"##,
                cell,
                cell,
                x + cell / 2,
                y + cell / 2 + 5
            );
        }
    }
    out.push_str("</svg>");
    out
}

/// One bar of a horizontal bar chart: a label and stacked segments (value, colour, name).
pub struct Bar {
    pub label: String,
    pub segments: Vec<(usize, &'static str, &'static str)>,
}

/// Horizontal stacked bars with their totals, and a legend when there is more than one segment
/// name.
#[must_use]
pub fn bars(id: &str, title: &str, description: &str, bars: &[Bar]) -> String {
    let label_width = 380u32;
    let plot = 400u32;
    let row = 28u32;
    let legend = 30u32;
    let width = label_width + plot + 60;
    let height = legend + row * bars.len().max(1) as u32 + 10;
    let max = bars
        .iter()
        .map(|b| b.segments.iter().map(|s| s.0).sum::<usize>())
        .max()
        .unwrap_or(0)
        .max(1);
    let mut out = String::new();
    open(&mut out, width, height, id, title, description);
    let mut names: Vec<(&str, &str)> = Vec::new();
    for bar in bars {
        for (_, colour, name) in &bar.segments {
            if !names.iter().any(|(n, _)| n == name) {
                names.push((name, colour));
            }
        }
    }
    let mut x = label_width;
    if names.len() > 1 {
        for (name, colour) in &names {
            let _ = write!(
                out,
                r##"<rect x="{x}" y="6" width="14" height="14" fill="{colour}"/><text x="{}" y="18" fill="#0b0c0c">{}</text>"##,
                x + 20,
                esc(name)
            );
            x += 30 + 8 * name.len() as u32;
        }
    }
    for (i, bar) in bars.iter().enumerate() {
        let y = legend + row * i as u32;
        let label = if bar.label.chars().count() > 56 {
            let cut: String = bar.label.chars().take(54).collect();
            format!("{cut}…")
        } else {
            bar.label.clone()
        };
        let _ = write!(
            out,
            r##"<text x="{}" y="{}" text-anchor="end" fill="#0b0c0c"><title>{}</title>{}</text>"##,
            label_width - 8,
            y + 18,
            esc(&bar.label),
            esc(&label)
        );
        let mut x = label_width;
        let mut total = 0;
        for (value, colour, _) in &bar.segments {
            let w = (*value as f32 / max as f32 * plot as f32).round() as u32;
            let _ = write!(
                out,
                r##"<rect x="{x}" y="{}" width="{w}" height="20" fill="{colour}"/>"##,
                y + 4
            );
            x += w;
            total += value;
        }
        let _ = write!(
            out,
            r##"<text x="{}" y="{}" fill="#0b0c0c">{total}</text>"##,
            x + 6,
            y + 18
        );
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_the_chart_is_labelled() {
        let svg = heatmap(
            "h",
            "A <title>",
            "desc & more",
            &["Row \"1\"".to_owned()],
            &["2020".to_owned()],
            &[vec![3]],
        );
        assert!(svg.contains("A &lt;title&gt;"));
        assert!(svg.contains("desc &amp; more"));
        assert!(svg.contains("Row &quot;1&quot;"));
        assert!(svg.contains(r#"role="img""#));
        assert!(!svg.contains("style="));
    }

    #[test]
    fn bars_scale_to_the_longest_and_show_totals() {
        let svg = bars(
            "b",
            "t",
            "d",
            &[
                Bar {
                    label: "a".into(),
                    segments: vec![(2, "#000", "x"), (2, "#111", "y")],
                },
                Bar {
                    label: "b".into(),
                    segments: vec![(1, "#000", "x")],
                },
            ],
        );
        assert!(svg.contains(r#"width="200""#), "{svg}");
        assert!(svg.contains(">4</text>"));
        assert!(svg.contains(">x</text>") && svg.contains(">y</text>"));
    }
}
