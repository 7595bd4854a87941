//! The genogram: the family drawn from the review's subjects and their relationships, with the
//! usual conventions (generations in rows, squares for males, circles for females, diamonds
//! where sex is other or not recorded, a cross through those who have died, partnership lines
//! with a double stroke once separated, children hanging from their parents' line, the child at
//! the centre outlined twice, the household inside a dashed boundary). Pseudonyms only. Plain
//! SVG with presentation attributes, and a table saying the same in words.

use crate::chart::escape;
use crate::model::{Figure, Table};
use casewindow_domain::identity::Sex;
use casewindow_domain::ids::SubjectId;
use casewindow_domain::participation::{RelationshipKind, Subject};
use chrono::NaiveDate;
use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;

const CELL: f64 = 170.0;
const ROW: f64 = 170.0;
const HALF: f64 = 20.0;
const MARGIN: f64 = 30.0;
const INK: &str = "#0b0c0c";
const CENTRE_FILL: &str = "#fff7bf";

/// A relationship between two people, whichever of them it was recorded on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Edge {
    kind: RelationshipKind,
    from: usize,
    to: usize,
    since: Option<NaiveDate>,
    until: Option<NaiveDate>,
}

/// The relationships of `subjects` with indexes into it: mutual ones once per pair, those
/// naming someone outside the list left out.
fn edges(subjects: &[Subject]) -> Vec<Edge> {
    let index: HashMap<SubjectId, usize> = subjects
        .iter()
        .enumerate()
        .map(|(idx, s)| (s.id, idx))
        .collect();
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for (from, subject) in subjects.iter().enumerate() {
        for rel in &subject.relationships {
            let Some(&to) = index.get(&rel.to) else {
                continue;
            };
            if to == from {
                continue;
            }
            let key = if rel.kind.is_mutual() {
                (rel.kind, from.min(to), from.max(to))
            } else {
                (rel.kind, from, to)
            };
            if seen.insert(key) {
                out.push(Edge {
                    kind: rel.kind,
                    from,
                    to,
                    since: rel.from,
                    until: rel.until,
                });
            }
        }
    }
    out
}

fn is_parent(kind: RelationshipKind) -> bool {
    matches!(
        kind,
        RelationshipKind::ParentOf | RelationshipKind::StepParentOf
    )
}

fn is_adult(subject: &Subject) -> bool {
    subject.age_band == Some(casewindow_domain::review::AgeBand::Adult)
}

/// Each person's generation (0 at the top): parents one row above their children, partners
/// and siblings in the same row. People with no relationship go in the child's row, or the row
/// above when they are adults.
fn generations(subjects: &[Subject], edges: &[Edge]) -> Vec<usize> {
    let n = subjects.len();
    let mut neighbours: Vec<Vec<(usize, i64)>> = vec![Vec::new(); n];
    for e in edges {
        let step = match e.kind {
            k if is_parent(k) => 1,
            RelationshipKind::PartnerOf
            | RelationshipKind::SiblingOf
            | RelationshipKind::HalfSiblingOf => 0,
            _ => continue,
        };
        neighbours[e.from].push((e.to, step));
        neighbours[e.to].push((e.from, -step));
    }
    let mut generation: Vec<Option<i64>> = vec![None; n];
    let centre = subjects.iter().position(Subject::is_at_centre);
    let mut order: Vec<usize> = centre.into_iter().collect();
    order.extend((0..n).filter(|&i| Some(i) != centre));
    for start in order {
        if generation[start].is_some() {
            continue;
        }
        let seed = match centre.and_then(|c| generation[c]) {
            Some(centre_gen) if is_adult(&subjects[start]) => centre_gen - 1,
            Some(centre_gen) => centre_gen,
            None => 0,
        };
        generation[start] = Some(seed);
        let mut queue = std::collections::VecDeque::from([start]);
        while let Some(at) = queue.pop_front() {
            let here = generation[at].unwrap_or(seed);
            for &(next, step) in &neighbours[at] {
                if generation[next].is_none() {
                    generation[next] = Some(here + step);
                    queue.push_back(next);
                }
            }
        }
    }
    let top = generation.iter().flatten().copied().min().unwrap_or(0);
    generation
        .into_iter()
        .map(|g| usize::try_from(g.unwrap_or(top) - top).unwrap_or(0))
        .collect()
}

/// Where each person is drawn: (x of the symbol's centre, row).
struct Placed {
    x: Vec<f64>,
    row: Vec<usize>,
    rows: usize,
}

fn place(subjects: &[Subject], edges: &[Edge]) -> Placed {
    let n = subjects.len();
    let row = generations(subjects, edges);
    let rows = row.iter().max().map_or(0, |r| r + 1);
    let parents_of = |child: usize| -> Vec<usize> {
        let mut parents: Vec<usize> = edges
            .iter()
            .filter(|e| e.kind == RelationshipKind::ParentOf && e.to == child)
            .map(|e| e.from)
            .collect();
        parents.sort_unstable();
        parents
    };
    let partners_of = |who: usize| -> Vec<(usize, bool)> {
        edges
            .iter()
            .filter(|e| e.kind == RelationshipKind::PartnerOf && (e.from == who || e.to == who))
            .map(|e| {
                let other = if e.from == who { e.to } else { e.from };
                (other, e.until.is_some())
            })
            .collect()
    };
    let mut x = vec![0.0; n];
    for r in 0..rows {
        let in_row: Vec<usize> = (0..n).filter(|&i| row[i] == r).collect();
        // Children sort under their parents; the rest keep the order they were entered in.
        let mut keyed: Vec<(f64, usize)> = in_row
            .iter()
            .map(|&i| {
                let parents = parents_of(i);
                let above: Vec<f64> = parents
                    .iter()
                    .filter(|&&p| row[p] < r)
                    .map(|&p| x[p])
                    .collect();
                let key = if above.is_empty() {
                    f64::MAX
                } else {
                    above.iter().sum::<f64>() / above.len() as f64
                };
                (key, i)
            })
            .collect();
        keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        // Partners side by side: former partners to the left, current ones to the right.
        let mut order = Vec::new();
        let mut placed = vec![false; n];
        for &(_, first) in &keyed {
            if placed[first] {
                continue;
            }
            // Start from whoever in this couple has the most partners, so that someone with a
            // former and a current partner stands between them.
            let i = std::iter::once(first)
                .chain(
                    partners_of(first)
                        .into_iter()
                        .map(|(p, _)| p)
                        .filter(|&p| row[p] == r && !placed[p]),
                )
                .max_by_key(|&p| (partners_of(p).len(), std::cmp::Reverse(p)))
                .unwrap_or(first);
            let partners: Vec<(usize, bool)> = partners_of(i)
                .into_iter()
                .filter(|&(p, _)| row[p] == r && !placed[p])
                .collect();
            for &(p, ended) in &partners {
                if ended {
                    order.push(p);
                    placed[p] = true;
                }
            }
            order.push(i);
            placed[i] = true;
            for &(p, ended) in &partners {
                if !ended && !placed[p] {
                    order.push(p);
                    placed[p] = true;
                }
            }
        }
        // Left to right, each sibship centred under its parents where there is room.
        let mut cursor = MARGIN + CELL / 2.0;
        let mut idx = 0;
        while idx < order.len() {
            let parents = parents_of(order[idx]);
            let mut end = idx + 1;
            while end < order.len() && !parents.is_empty() && parents_of(order[end]) == parents {
                end += 1;
            }
            let above: Vec<f64> = parents
                .iter()
                .filter(|&&p| row[p] < r)
                .map(|&p| x[p])
                .collect();
            let mut start = cursor;
            if !above.is_empty() {
                let middle = above.iter().sum::<f64>() / above.len() as f64;
                start = start.max(middle - (end - idx - 1) as f64 * CELL / 2.0);
            }
            for (k, &i) in order[idx..end].iter().enumerate() {
                x[i] = start + k as f64 * CELL;
            }
            cursor = start + (end - idx) as f64 * CELL;
            idx = end;
        }
    }
    Placed { x, row, rows }
}

fn y_of(row: usize) -> f64 {
    MARGIN + 30.0 + row as f64 * ROW
}

fn when(date: Option<NaiveDate>) -> Option<String> {
    date.map(|d| d.format("%B %Y").to_string())
}

/// Words of `text` in lines of at most `width` characters (a long word stands alone).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match lines.last_mut() {
            Some(line) if line.chars().count() + 1 + word.chars().count() <= width => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_owned()),
        }
    }
    lines
}

fn symbol(svg: &mut String, x: f64, y: f64, sex: Option<Sex>, fill: &str, stroke: f64, grow: f64) {
    let h = HALF + grow;
    match sex {
        Some(Sex::Male) => {
            let _ = write!(
                svg,
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{fill}\" stroke=\"{INK}\" stroke-width=\"{stroke}\"/>",
                x - h,
                y - h,
                2.0 * h,
                2.0 * h
            );
        }
        Some(Sex::Female) => {
            let _ = write!(
                svg,
                "<circle cx=\"{x}\" cy=\"{y}\" r=\"{h}\" fill=\"{fill}\" stroke=\"{INK}\" stroke-width=\"{stroke}\"/>"
            );
        }
        _ => {
            let _ = write!(
                svg,
                "<polygon points=\"{x},{} {},{y} {x},{} {},{y}\" fill=\"{fill}\" stroke=\"{INK}\" stroke-width=\"{stroke}\"/>",
                y - h - 4.0,
                x + h + 4.0,
                y + h + 4.0,
                x - h - 4.0
            );
        }
    }
}

fn line(svg: &mut String, (x1, y1): (f64, f64), (x2, y2): (f64, f64), dashed: bool) {
    let dash = if dashed {
        " stroke-dasharray=\"6 4\""
    } else {
        ""
    };
    let _ = write!(
        svg,
        "<line x1=\"{x1}\" y1=\"{y1}\" x2=\"{x2}\" y2=\"{y2}\" stroke=\"{INK}\" stroke-width=\"1.5\"{dash}/>"
    );
}

fn text(svg: &mut String, x: f64, y: f64, size: u32, bold: bool, words: &str) {
    let weight = if bold { " font-weight=\"bold\"" } else { "" };
    let _ = write!(
        svg,
        "<text x=\"{x}\" y=\"{y}\" font-size=\"{size}\" text-anchor=\"middle\" fill=\"{INK}\"{weight}>{}</text>",
        escape(words)
    );
}

/// The genogram of a review's people, or none when it has nobody to draw.
pub fn genogram_figure(subjects: &[Subject], sexes: &HashMap<SubjectId, Sex>) -> Option<Figure> {
    if subjects.is_empty() {
        return None;
    }
    let edges = edges(subjects);
    let placed = place(subjects, &edges);
    let pos = |i: usize| (placed.x[i], y_of(placed.row[i]));
    let width = placed.x.iter().copied().fold(0.0, f64::max) + CELL / 2.0 + MARGIN;
    let legend_y = y_of(placed.rows.saturating_sub(1)) + 110.0;
    let height = legend_y + 70.0;
    let width = width.max(760.0);
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" \
         height=\"{height}\" role=\"img\" aria-labelledby=\"genogram-title\">\
         <title id=\"genogram-title\">Genogram: the family and household (pseudonyms)</title>"
    );
    // The household boundary: a dashed box round each run of household members in a row.
    for r in 0..placed.rows {
        let mut members: Vec<f64> = (0..subjects.len())
            .filter(|&i| placed.row[i] == r && subjects[i].household)
            .map(|i| placed.x[i])
            .collect();
        members.sort_by(f64::total_cmp);
        let mut runs: Vec<(f64, f64)> = Vec::new();
        for x in members {
            match runs.last_mut() {
                Some(run) if x - run.1 <= CELL + 1.0 => run.1 = x,
                _ => runs.push((x, x)),
            }
        }
        let y = y_of(r);
        for (left, right) in runs {
            let _ = write!(
                svg,
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"12\" fill=\"none\" stroke=\"{INK}\" stroke-width=\"1\" stroke-dasharray=\"3 3\"/>",
                left - CELL / 2.0 + 6.0,
                y - HALF - 16.0,
                right - left + CELL - 12.0,
                HALF * 2.0 + 92.0
            );
        }
    }
    // Couples: partners, and two parents of the same child.
    let mut couples: BTreeSet<(usize, usize)> = BTreeSet::new();
    let mut separated: BTreeSet<(usize, usize)> = BTreeSet::new();
    for e in edges
        .iter()
        .filter(|e| e.kind == RelationshipKind::PartnerOf)
    {
        let pair = (e.from.min(e.to), e.from.max(e.to));
        couples.insert(pair);
        if e.until.is_some() {
            separated.insert(pair);
        }
    }
    let mut children: HashMap<Vec<usize>, Vec<usize>> = HashMap::new();
    for child in 0..subjects.len() {
        let mut parents: Vec<usize> = edges
            .iter()
            .filter(|e| e.kind == RelationshipKind::ParentOf && e.to == child)
            .map(|e| e.from)
            .collect();
        parents.sort_unstable();
        parents.truncate(2);
        if parents.len() == 2 {
            couples.insert((parents[0], parents[1]));
        }
        if !parents.is_empty() {
            children.entry(parents).or_default().push(child);
        }
    }
    let couple_y = |a: usize, b: usize| pos(a).1.max(pos(b).1) + HALF + 14.0;
    for &(a, b) in &couples {
        let ((xa, ya), (xb, yb)) = (pos(a), pos(b));
        let y = couple_y(a, b);
        line(&mut svg, (xa, ya + HALF), (xa, y), false);
        line(&mut svg, (xb, yb + HALF), (xb, y), false);
        line(&mut svg, (xa, y), (xb, y), false);
        if separated.contains(&(a, b)) {
            let mid = (xa + xb) / 2.0;
            for dx in [-4.0, 4.0] {
                line(
                    &mut svg,
                    (mid + dx - 5.0, y + 8.0),
                    (mid + dx + 5.0, y - 8.0),
                    false,
                );
            }
        }
    }
    // Children hang from their parents' line (or from a single parent).
    let mut families: Vec<(&Vec<usize>, &Vec<usize>)> = children.iter().collect();
    families.sort();
    for (parents, kids) in families {
        let (drop_x, drop_y) = match parents.as_slice() {
            [a, b] => ((pos(*a).0 + pos(*b).0) / 2.0, couple_y(*a, *b)),
            [a, ..] => (pos(*a).0, pos(*a).1 + HALF),
            [] => continue,
        };
        let top = kids.iter().map(|&k| pos(k).1).fold(f64::MAX, f64::min);
        let bar = top - HALF - 24.0;
        line(&mut svg, (drop_x, drop_y), (drop_x, bar), false);
        let xs: Vec<f64> = kids.iter().map(|&k| pos(k).0).chain([drop_x]).collect();
        let (left, right) = (
            xs.iter().copied().fold(f64::MAX, f64::min),
            xs.iter().copied().fold(f64::MIN, f64::max),
        );
        line(&mut svg, (left, bar), (right, bar), false);
        for &k in kids {
            let (x, y) = pos(k);
            line(&mut svg, (x, bar), (x, y - HALF - 4.0), false);
        }
    }
    // Step-parents: a dashed line to the child. Siblings with no parent drawn: a line above.
    for e in &edges {
        let ((xa, ya), (xb, yb)) = (pos(e.from), pos(e.to));
        match e.kind {
            RelationshipKind::StepParentOf => {
                line(&mut svg, (xa, ya + HALF), (xb, yb - HALF - 4.0), true);
            }
            RelationshipKind::SiblingOf | RelationshipKind::HalfSiblingOf => {
                let parents = |child: usize| {
                    edges
                        .iter()
                        .filter(move |p| p.kind == RelationshipKind::ParentOf && p.to == child)
                        .map(|p| p.from)
                };
                let share_parent = parents(e.from).any(|p| parents(e.to).any(|q| q == p));
                if !share_parent {
                    let y = ya.min(yb) - HALF - 16.0;
                    let dashed = e.kind == RelationshipKind::HalfSiblingOf;
                    line(&mut svg, (xa, ya - HALF - 4.0), (xa, y), dashed);
                    line(&mut svg, (xa, y), (xb, y), dashed);
                    line(&mut svg, (xb, y), (xb, yb - HALF - 4.0), dashed);
                }
            }
            _ => {}
        }
    }
    // The people.
    for (i, subject) in subjects.iter().enumerate() {
        let (x, y) = pos(i);
        let sex = sexes.get(&subject.id).copied();
        if subject.is_at_centre() {
            symbol(&mut svg, x, y, sex, CENTRE_FILL, 1.5, 6.0);
            symbol(&mut svg, x, y, sex, CENTRE_FILL, 2.5, 0.0);
        } else {
            symbol(&mut svg, x, y, sex, "#ffffff", 2.0, 0.0);
        }
        if subject.deceased {
            line(&mut svg, (x - HALF, y - HALF), (x + HALF, y + HALF), false);
            line(&mut svg, (x + HALF, y - HALF), (x - HALF, y + HALF), false);
        }
        let mut ty = y + HALF + 36.0;
        for part in wrap(&subject.pseudonym, 22).iter().take(3) {
            text(&mut svg, x, ty, 13, true, part);
            ty += 15.0;
        }
        let mut detail = subject.age_band.map(age_words).unwrap_or_default();
        if subject.deceased {
            detail = if detail.is_empty() {
                "died".to_owned()
            } else {
                format!("{detail}, died")
            };
        }
        if !detail.is_empty() {
            text(&mut svg, x, ty, 11, false, &detail);
        }
    }
    legend(&mut svg, legend_y);
    svg.push_str("</svg>");
    Some(Figure {
        caption: "The family: genogram (pseudonyms only)".to_owned(),
        alt: alt_text(subjects, &placed),
        svg,
        table: table(subjects, &edges, sexes),
    })
}

/// An age band as written under a symbol: "adult", "unborn", "aged 1 to 4".
fn age_words(band: casewindow_domain::review::AgeBand) -> String {
    use casewindow_domain::review::AgeBand;
    match band {
        AgeBand::Adult | AgeBand::Unborn => band.label().to_lowercase(),
        other => format!("aged {}", other.label().to_lowercase()),
    }
}

fn legend(svg: &mut String, y: f64) {
    let items: [(&str, Option<Sex>); 3] = [
        ("male", Some(Sex::Male)),
        ("female", Some(Sex::Female)),
        ("other or not recorded", None),
    ];
    let mut x = MARGIN + 20.0;
    for (label, sex) in items {
        let _ = write!(svg, "<g transform=\"translate({x} {y}) scale(0.45)\">");
        symbol(svg, 0.0, 0.0, sex, "#ffffff", 2.0, 0.0);
        svg.push_str("</g>");
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"{INK}\">{label}</text>",
            x + 16.0,
            y + 4.0
        );
        x += 16.0 + label.len() as f64 * 6.5 + 24.0;
    }
    let notes = "Cross: died. Yellow, outlined twice: the child at the centre of the review. \
                 Dashed box: the child's household. Double stroke on a partnership line: separated. \
                 Dashed line to a child: step-parent.";
    for (k, part) in wrap(notes, 110).iter().enumerate() {
        let _ = write!(
            svg,
            "<text x=\"{MARGIN}\" y=\"{}\" font-size=\"11\" fill=\"{INK}\">{}</text>",
            y + 26.0 + k as f64 * 14.0,
            escape(part)
        );
    }
}

fn alt_text(subjects: &[Subject], placed: &Placed) -> String {
    let centre = subjects
        .iter()
        .find(|s| s.is_at_centre())
        .map(|s| format!(", with {} at the centre", s.pseudonym))
        .unwrap_or_default();
    let household = subjects.iter().filter(|s| s.household).count();
    format!(
        "A genogram of {} people in {} generation{}{centre}; {household} lived in the child's \
         household. The table gives each person and their relationships in words.",
        subjects.len(),
        placed.rows,
        if placed.rows == 1 { "" } else { "s" }
    )
}

/// The genogram in words: each person, and every relationship recorded on or about them.
fn table(subjects: &[Subject], edges: &[Edge], sexes: &HashMap<SubjectId, Sex>) -> Table {
    let rows = subjects
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut about: Vec<String> = Vec::new();
            for e in edges.iter().filter(|e| e.from == i || e.to == i) {
                let (other, phrase) = if e.from == i {
                    (e.to, e.kind.label().to_owned())
                } else if e.kind.is_mutual() {
                    (e.from, e.kind.label().to_owned())
                } else {
                    let phrase = match e.kind {
                        RelationshipKind::ParentOf => "child of",
                        RelationshipKind::StepParentOf => "stepchild of",
                        RelationshipKind::CaresFor => "cared for by",
                        _ => e.kind.label(),
                    };
                    (e.from, phrase.to_owned())
                };
                let mut words = format!("{phrase} {}", subjects[other].pseudonym);
                match (when(e.since), when(e.until)) {
                    (Some(a), Some(b)) => {
                        let _ = write!(words, " ({a} to {b})");
                    }
                    (Some(a), None) => {
                        let _ = write!(words, " (from {a})");
                    }
                    (None, Some(b)) => {
                        let _ = write!(words, " (until {b})");
                    }
                    (None, None) => {}
                }
                about.push(words);
            }
            let mut facts: Vec<String> = Vec::new();
            if s.is_at_centre() {
                facts.push("the child at the centre of the review".to_owned());
            }
            facts.push(
                sexes
                    .get(&s.id)
                    .map_or("sex not recorded", |sex| match sex {
                        Sex::Female => "female",
                        Sex::Male => "male",
                        Sex::Other => "sex other or not stated",
                    })
                    .to_owned(),
            );
            facts.push(
                s.age_band
                    .map_or_else(|| "age not known".to_owned(), age_words),
            );
            if s.household {
                facts.push("in the household".to_owned());
            }
            if s.deceased {
                facts.push("died".to_owned());
            }
            let mut related = s.relationship.trim().to_owned();
            if !about.is_empty() {
                if !related.is_empty() {
                    related.push_str("; ");
                }
                related.push_str(&about.join("; "));
            }
            vec![s.pseudonym.clone(), facts.join(", "), related]
        })
        .collect();
    Table {
        caption: "The family in words".to_owned(),
        header: ["Person", "About them", "Relationships"]
            .map(str::to_owned)
            .to_vec(),
        rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use casewindow_domain::ids::ReviewId;
    use casewindow_domain::participation::Relationship;
    use casewindow_domain::review::AgeBand;

    fn person(name: &str, adult: bool) -> Subject {
        Subject {
            id: SubjectId(uuid::Uuid::new_v4()),
            review_id: ReviewId(uuid::Uuid::nil()),
            pseudonym: name.to_owned(),
            relationship: name.to_lowercase(),
            age_band: Some(if adult {
                AgeBand::Adult
            } else {
                AgeBand::Age1To4
            }),
            deceased: false,
            legal_status: String::new(),
            at_centre: false,
            household: false,
            legal_history: Vec::new(),
            relationships: Vec::new(),
        }
    }

    fn relate(from: &mut Subject, kind: RelationshipKind, to: &Subject, until: Option<NaiveDate>) {
        from.relationships.push(Relationship {
            kind,
            to: to.id,
            from: None,
            until,
        });
    }

    /// Child W's family: a mother with a former partner (the father) and a current partner, a
    /// child at the centre and a half-sibling, and someone unrelated.
    fn family() -> Vec<Subject> {
        let mut child = person("Child W", false);
        child.at_centre = true;
        child.household = true;
        child.deceased = true;
        let mut sibling = person("Sibling", false);
        sibling.household = true;
        let mut mother = person("Mother", true);
        mother.household = true;
        let partner = person("Mother's partner", true);
        let mut father = person("Father", true);
        relate(&mut mother, RelationshipKind::ParentOf, &child, None);
        relate(&mut mother, RelationshipKind::ParentOf, &sibling, None);
        relate(&mut father, RelationshipKind::ParentOf, &child, None);
        relate(
            &mut father,
            RelationshipKind::PartnerOf,
            &mother,
            NaiveDate::from_ymd_opt(2022, 3, 1),
        );
        relate(&mut mother, RelationshipKind::PartnerOf, &partner, None);
        // The same partnership recorded from the other side counts once.
        let mut partner = partner;
        relate(&mut partner, RelationshipKind::PartnerOf, &mother, None);
        relate(&mut child, RelationshipKind::HalfSiblingOf, &sibling, None);
        let neighbour = person("Neighbour", true);
        vec![child, sibling, mother, partner, father, neighbour]
    }

    #[test]
    fn parents_are_drawn_a_row_above_their_children_and_partners_side_by_side() {
        let subjects = family();
        let edges = edges(&subjects);
        assert_eq!(
            edges
                .iter()
                .filter(|e| e.kind == RelationshipKind::PartnerOf)
                .count(),
            2,
            "a partnership recorded on both people is one"
        );
        let placed = place(&subjects, &edges);
        let [child, sibling, mother, partner, father, neighbour] = [0, 1, 2, 3, 4, 5];
        assert_eq!(placed.row[mother], placed.row[child] - 1);
        assert_eq!(placed.row[father], placed.row[mother]);
        assert_eq!(placed.row[partner], placed.row[mother]);
        assert_eq!(placed.row[sibling], placed.row[child]);
        assert_eq!(
            placed.row[neighbour], placed.row[mother],
            "an adult with no tie"
        );
        // The former partner on the mother's left, the current one on her right.
        assert!(placed.x[father] < placed.x[mother]);
        assert!(placed.x[partner] > placed.x[mother]);
        assert!((placed.x[partner] - placed.x[mother] - CELL).abs() < 1e-9);
        // Nobody drawn on top of anybody else.
        for a in 0..subjects.len() {
            for b in a + 1..subjects.len() {
                assert!(
                    placed.row[a] != placed.row[b] || (placed.x[a] - placed.x[b]).abs() >= CELL,
                    "{a} and {b} overlap"
                );
            }
        }
    }

    #[test]
    fn someone_with_two_partners_stands_between_them_whoever_is_listed_first() {
        let mut subjects = family();
        // Listed by pseudonym, as the store lists them: the father first.
        subjects.swap(0, 4);
        let edges = edges(&subjects);
        let placed = place(&subjects, &edges);
        let [father, mother, partner] = [0, 2, 3];
        assert!(
            placed.x[father] < placed.x[mother],
            "former partner on the left"
        );
        assert!(
            placed.x[mother] < placed.x[partner],
            "current partner on the right"
        );
        assert!((placed.x[mother] - placed.x[father] - CELL).abs() < 1e-9);
        assert!((placed.x[partner] - placed.x[mother] - CELL).abs() < 1e-9);
    }

    #[test]
    fn the_drawing_uses_the_conventions_and_the_table_says_it_in_words() {
        let subjects = family();
        let mut sexes = HashMap::new();
        sexes.insert(subjects[0].id, Sex::Male);
        sexes.insert(subjects[2].id, Sex::Female);
        let figure = genogram_figure(&subjects, &sexes).expect("a genogram");
        let svg = &figure.svg;
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("<circle"), "the mother is a circle");
        assert!(svg.contains("<rect x="), "the child is a square");
        assert!(svg.contains("<polygon"), "unrecorded sex is a diamond");
        assert!(
            svg.contains(CENTRE_FILL),
            "the child at the centre is highlighted"
        );
        assert!(
            svg.contains("stroke-dasharray=\"3 3\""),
            "the household boundary"
        );
        assert!(svg.contains("Mother&apos;s partner"), "text is escaped");
        assert!(!svg.contains("style="), "presentation attributes only");
        assert!(
            !svg.contains("stroke-dasharray=\"6 4\""),
            "half-siblings with a parent in common hang from that parent, with no line of their own"
        );
        let rows = &figure.table.rows;
        assert_eq!(rows.len(), 6);
        assert_eq!(
            rows[0][1],
            "the child at the centre of the review, male, aged 1 to 4, in the household, died"
        );
        assert!(rows[0][2].starts_with("child w;"), "{}", rows[0][2]);
        assert!(rows[0][2].contains("child of Mother"), "{}", rows[0][2]);
        assert!(rows[0][2].contains("child of Father"));
        assert!(rows[0][2].contains("half-brother or half-sister of Sibling"));
        assert!(
            rows[4][2].contains("partner of Mother (until March 2022)"),
            "{}",
            rows[4][2]
        );
        assert_eq!(rows[5][1], "sex not recorded, adult");
        assert_eq!(
            rows[5][2], "neighbour",
            "nothing recorded beyond the description"
        );
        assert!(figure.alt.contains("6 people in 2 generations"));
        assert!(genogram_figure(&[], &sexes).is_none());
    }

    #[test]
    fn a_cycle_of_parents_or_a_missing_person_does_not_break_the_drawing() {
        let mut a = person("A", true);
        let mut b = person("B", true);
        relate(&mut a, RelationshipKind::ParentOf, &b, None);
        relate(&mut b, RelationshipKind::ParentOf, &a, None);
        let ghost = person("Not in this review", true);
        relate(&mut a, RelationshipKind::PartnerOf, &ghost, None);
        let figure = genogram_figure(&[a, b], &HashMap::new()).expect("drawn");
        assert_eq!(figure.table.rows.len(), 2);
        assert!(!figure.table.rows[0][2].contains("Not in this review"));
    }
}
