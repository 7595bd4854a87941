//! The agencies' chronologies read together: which entries record the same occurrence
//! (grouped for the side-by-side view and the swimlane), and the possible information-sharing
//! gaps. Pure functions over what `App::chronology` returned; nothing is stored until reviewers
//! decide.

use casewindow_chronology::align::{AlignEntry, Settings, align};
use casewindow_chronology::gaps::{Gap, GapAgency, GapSettings, gaps};
use casewindow_domain::evidence::ChronologyEntry;
use casewindow_domain::organisation::{Agency, AgencySector};

/// Entries grouped by occurrence (indices into the entries, at most one per agency in a
/// group), in date order, and the gaps found.
#[derive(Clone, Debug, Default)]
pub struct Alignment {
    pub groups: Vec<Vec<usize>>,
    pub gaps: Vec<Gap>,
}

/// Words other agencies' records use for an agency of this sector.
fn sector_terms(sector: AgencySector) -> &'static [&'static str] {
    use AgencySector::*;
    match sector {
        ChildrensSocialCare => &[
            "social care",
            "social worker",
            "children's services",
            "mash",
            "front door",
            "csc",
        ],
        Police => &["police", "officer", "pc ", "ds ", "constabulary"],
        HealthGp => &["gp", "surgery", "practice", "doctor"],
        HealthVisiting0To19 => &[
            "health visitor",
            "health visiting",
            "hv ",
            "school nurse",
            "0-19",
        ],
        Midwifery => &["midwife", "midwifery", "maternity"],
        AcuteHospitalEd => &["hospital", "a&e", "emergency department", "paediatric"],
        Camhs => &["camhs", "mental health"],
        AdultMentalHealth => &["mental health", "crisis team", "psychiatr"],
        Ambulance => &["ambulance", "paramedic"],
        HealthCommissionerIcb => &["icb", "designated nurse", "designated doctor"],
        Education => &["school", "teacher", "dsl", "head teacher", "academy"],
        EarlyYears => &["nursery", "children's centre", "early years", "childminder"],
        Probation => &["probation", "offender manager"],
        YouthJustice => &["youth justice", "yot", "yjs"],
        Housing => &["housing", "landlord", "homeless"],
        SubstanceMisuse => &["drug", "alcohol service", "substance", "recovery service"],
        DomesticAbuseService => &["domestic abuse service", "idva", "women's aid", "refuge"],
        Cafcass => &["cafcass"],
        VoluntarySector => &["charity", "volunteer", "youth project"],
        AdultSocialCare => &["adult social care", "adult services"],
        _ => &[],
    }
}

/// Groups the entries by occurrence and finds the gaps. Entries are expected in date order.
pub fn align_chronologies(entries: &[ChronologyEntry], agencies: &[Agency]) -> Alignment {
    let agency_number = |id| {
        agencies
            .iter()
            .position(|a| a.id == id)
            .map_or(u32::MAX, |p| p as u32)
    };
    let texts: Vec<String> = entries
        .iter()
        .map(|e| format!("{} {} {}", e.description, e.actor_role, e.contact_type))
        .collect();
    let input: Vec<AlignEntry<'_>> = entries
        .iter()
        .zip(&texts)
        .map(|(e, text)| AlignEntry {
            agency: agency_number(e.agency_id),
            start: e.occurred.start,
            end: e.occurred.end,
            text,
        })
        .collect();
    let mut links = align(&input, &Settings::default());

    // Join linked entries into groups, strongest links first, never two of one agency.
    links.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut group_of: Vec<usize> = (0..entries.len()).collect();
    let mut members: Vec<Vec<usize>> = (0..entries.len()).map(|i| vec![i]).collect();
    for link in &links {
        let (ga, gb) = (group_of[link.a], group_of[link.b]);
        if ga == gb {
            continue;
        }
        let clash = members[gb].iter().any(|&j| {
            members[ga]
                .iter()
                .any(|&i| input[i].agency == input[j].agency)
        });
        if clash {
            continue;
        }
        let moved = std::mem::take(&mut members[gb]);
        for &j in &moved {
            group_of[j] = ga;
        }
        members[ga].extend(moved);
    }
    let mut groups: Vec<Vec<usize>> = members.into_iter().filter(|g| !g.is_empty()).collect();
    for g in &mut groups {
        g.sort_unstable();
    }
    groups.sort_by_key(|g| (entries[g[0]].occurred.start, g[0]));

    let gap_agencies: Vec<GapAgency> = agencies
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let mut terms: Vec<String> = sector_terms(a.sector)
                .iter()
                .map(|t| (*t).to_owned())
                .collect();
            terms.push(a.name.to_lowercase());
            GapAgency {
                id: i as u32,
                name: a.name.clone(),
                terms,
            }
        })
        .collect();
    let found = gaps(&input, &links, &gap_agencies, &GapSettings::default());
    Alignment {
        groups,
        gaps: found,
    }
}
