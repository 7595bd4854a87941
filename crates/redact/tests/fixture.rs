//! A fictional report seeded with identifiers of every kind: every one must be caught; hits
//! that match no seeded identifier are counted as false positives and reported.

use casewindow_redact::{Gazetteer, Kind, Person, Place, PlaceKind, Scanner};

const REPORT: &str = "\
Kayleigh Marsh was born on 14/02/2017 and lived with her mother Joanne Marsh and her brother \
Tyler Marsh at 27 Alder Crescent, Hollowbrook HB4 7QD. Her mother's partner, Darren Pike \
(known locally as Daz), moved in during 2019. Kay attended Heathside Primary School from \
September 2021; her class teacher, Mrs Adebayo, first raised a concern on 3 March 2022.\n\
The family was registered with Brookfield Surgery, where Dr Lindqvist saw Kayleigh on \
12th April 2022 and again on 2022-05-09. Kayleigh has Kabuki syndrome and her brother has \
cystic fibrosis. Jo missed the appointment on 19.05.22. Her NHS number is 943 476 5919 and \
Tyler's is 401-023-2137. Darren's National Insurance number was recorded as QQ 12 34 56 C \
and later as AB123456D.\n\
The school rang Joanne on 07700 900461 and the surgery left a message on 0161 496 0731. \
A referral came from joanne.marsh@example.com and the health visitor, Ms Okonjo, replied \
from h.okonjo@example.nhs.uk. Daz gave his date of birth as 30 June 1988 and an address of \
Flat 2, 118 Mill Lane, Stockbridge ST7 2BE. He also used +44 7700 900812.\n\
On 5 January 2023 the family moved to 9 Orchard Way, Hollowbrook HB2 3LN. Kayleigh joined \
Larchwood Family Centre sessions and then Meadowbank Academy. KM told PC Harrington that \
she was frightened. Tyler was seen at Riverside Medical Centre on 21/01/2023 by Nurse Patel. \
Darren Pike's birthday, 30/06/1988, was given again at interview on January 27, 2023.\n\
\n\
Mother (Jane Smith) told the health visitor (Ann Okoro) that the children's father, Lee \
QUINN, had come back. QUINN's car was seen outside Flat 4, Harbour House, 12 Quay Street on \
8 May 2023, and Jane's sister saw him at Rose Cottage, Mill Lane. WHITAKER, Shona was listed \
as his contact, and a cousin (Reece) and the lodger (Paul O'Neill) stayed at Flat 9, \
Kingfisher Court. The family later moved to Alder Crescent and then stayed off Station Road.\n\
\n\
Heathside told the social worker that Kay had been absent; Brookfield had not seen her since \
the spring, and staff at Millrace said the family had left. Mrs Adebayo's notes and Ann's \
account agreed; Adebayo later wrote to Jo. SMITH was not at the meeting. The grandmother \
(Pauline) and the uncle (Mark Dyer) were not told. Kayleigh's brother TYLER MARSH was at \
school. Lindqvist saw Tyler's notes.\n\
\n\
The MASH and CAMHS discussed the referral with the NSPCC. Children's Social Care (CSC) and \
the Police (Operation Encompass) shared the notification. Health Visitor 2 (HV2) and Social \
Worker 1 spoke on the phone. The review team met at the Council House in the town centre. \
In Finding 3 (Pattern 4) the Safeguarding Partnership asks how the Integrated Front Door \
(IFD) works. Episode 4 (January 2024) is analysed in Table 6 with the GP and the ICB. \
The Local Authority Designated Officer (LADO) and the Multi-Agency Risk Assessment \
Conference (MARAC) met in Early Help. Mother's Partner (Adult B) and Child W's school \
(the primary school) were told.";

fn gazetteer() -> Gazetteer {
    Gazetteer {
        people: vec![
            Person {
                name: "Kayleigh Marsh".into(),
                aliases: vec!["Kay".into(), "KM".into()],
                pseudonym: "Child K".into(),
            },
            Person {
                name: "Joanne Marsh".into(),
                aliases: vec!["Jo".into()],
                pseudonym: "Mother".into(),
            },
            Person {
                name: "Tyler Marsh".into(),
                aliases: vec![],
                pseudonym: "Sibling 1".into(),
            },
            Person {
                name: "Darren Pike".into(),
                aliases: vec!["Daz".into()],
                pseudonym: "Mother's partner".into(),
            },
        ],
        places: vec![
            Place {
                name: "Heathside Primary School".into(),
                kind: PlaceKind::School,
            },
            Place {
                name: "Brookfield Surgery".into(),
                kind: PlaceKind::Gp,
            },
            Place {
                name: "Larchwood Family Centre".into(),
                kind: PlaceKind::Other,
            },
            Place {
                name: "Millrace Lane Surgery".into(),
                kind: PlaceKind::Gp,
            },
        ],
        conditions: vec!["Kabuki syndrome".into()],
    }
}

/// Every seeded identifier: its kind and its text (each occurrence counts once, in order).
const SEEDED: &[(Kind, &str)] = &[
    (Kind::Name, "Kayleigh Marsh"),
    (Kind::DateOfBirth, "14/02/2017"),
    (Kind::Name, "Joanne Marsh"),
    (Kind::Name, "Tyler Marsh"),
    (Kind::Address, "27 Alder Crescent"),
    (Kind::Postcode, "HB4 7QD"),
    (Kind::Name, "Darren Pike"),
    (Kind::Name, "Daz"),
    (Kind::Name, "Kay"),
    (Kind::School, "Heathside Primary School"),
    (Kind::Name, "Mrs Adebayo"),
    (Kind::Date, "3 March 2022"),
    (Kind::Gp, "Brookfield Surgery"),
    (Kind::Name, "Dr Lindqvist"),
    (Kind::Name, "Kayleigh"),
    (Kind::Date, "12th April 2022"),
    (Kind::Date, "2022-05-09"),
    (Kind::Name, "Kayleigh"),
    (Kind::Condition, "Kabuki syndrome"),
    (Kind::Condition, "cystic fibrosis"),
    (Kind::Name, "Jo"),
    (Kind::Date, "19.05.22"),
    (Kind::NhsNumber, "943 476 5919"),
    (Kind::Name, "Tyler"),
    (Kind::NhsNumber, "401-023-2137"),
    (Kind::Name, "Darren"),
    (Kind::NiNumber, "QQ 12 34 56 C"),
    (Kind::NiNumber, "AB123456D"),
    (Kind::Name, "Joanne"),
    (Kind::Phone, "07700 900461"),
    (Kind::Phone, "0161 496 0731"),
    (Kind::Email, "joanne.marsh@example.com"),
    (Kind::Name, "Ms Okonjo"),
    (Kind::Email, "h.okonjo@example.nhs.uk"),
    (Kind::Name, "Daz"),
    (Kind::DateOfBirth, "30 June 1988"),
    (Kind::Address, "Flat 2, 118 Mill Lane"),
    (Kind::Postcode, "ST7 2BE"),
    (Kind::Phone, "+44 7700 900812"),
    (Kind::Date, "5 January 2023"),
    (Kind::Address, "9 Orchard Way"),
    (Kind::Postcode, "HB2 3LN"),
    (Kind::Name, "Kayleigh"),
    (Kind::Place, "Larchwood Family Centre"),
    (Kind::School, "Meadowbank Academy"),
    (Kind::Name, "KM"),
    (Kind::Name, "PC Harrington"),
    (Kind::Name, "Tyler"),
    (Kind::Gp, "Riverside Medical Centre"),
    (Kind::Date, "21/01/2023"),
    (Kind::Name, "Nurse Patel"),
    (Kind::Name, "Darren Pike"),
    (Kind::DateOfBirth, "30/06/1988"),
    (Kind::Date, "January 27, 2023"),
    // Names in brackets after a role, surnames in capitals, possessives, a name found once and
    // used again, addresses from a flat or house name, a street alone.
    (Kind::Name, "Jane Smith"),
    (Kind::Name, "Ann Okoro"),
    (Kind::Name, "Lee QUINN"),
    (Kind::Name, "QUINN's"),
    (Kind::Address, "Flat 4, Harbour House, 12 Quay Street"),
    (Kind::Date, "8 May 2023"),
    (Kind::Name, "Jane's"),
    (Kind::Address, "Rose Cottage, Mill Lane"),
    (Kind::Name, "WHITAKER, Shona"),
    (Kind::Name, "Reece"),
    (Kind::Name, "Paul O'Neill"),
    (Kind::Address, "Flat 9, Kingfisher Court"),
    (Kind::Address, "Alder Crescent"),
    (Kind::Address, "Station Road"),
    // Known places by the short forms people use, and more possessives and capitals.
    (Kind::School, "Heathside"),
    (Kind::Name, "Kay"),
    (Kind::Gp, "Brookfield"),
    (Kind::Gp, "Millrace"),
    (Kind::Name, "Mrs Adebayo's"),
    (Kind::Name, "Ann's"),
    (Kind::Name, "Adebayo"),
    (Kind::Name, "Jo"),
    (Kind::Name, "SMITH"),
    (Kind::Name, "Pauline"),
    (Kind::Name, "Mark Dyer"),
    (Kind::Name, "Kayleigh's"),
    (Kind::Name, "TYLER MARSH"),
    (Kind::Name, "Lindqvist"),
    (Kind::Name, "Tyler's"),
];

#[test]
fn every_seeded_identifier_is_caught_and_false_positives_are_counted() {
    let hits = Scanner::new(&gazetteer()).expect("compiles").scan(REPORT);
    // Locate each seeded identifier in order.
    let mut from = 0;
    let mut spans = Vec::new();
    for (kind, text) in SEEDED {
        let at = REPORT[from..]
            .find(text)
            .unwrap_or_else(|| panic!("the fixture holds {text:?} after byte {from}"))
            + from;
        spans.push((*kind, at, at + text.len(), *text));
        from = at + text.len();
    }
    let kinds: std::collections::BTreeSet<_> = SEEDED.iter().map(|(k, _)| *k).collect();
    assert_eq!(kinds.len(), 13, "every kind is seeded");
    assert!(SEEDED.len() >= 80, "{} identifiers", SEEDED.len());
    let mut missed = Vec::new();
    for (kind, start, end, text) in &spans {
        let caught = hits
            .iter()
            .any(|h| h.kind == *kind && h.start <= *start && h.end >= *end);
        if !caught {
            let near: Vec<_> = hits
                .iter()
                .filter(|h| h.start < *end && h.end > *start)
                .collect();
            missed.push(format!("{kind:?} {text:?} (overlapping hits: {near:?})"));
        }
    }
    let false_positives: Vec<_> = hits
        .iter()
        .filter(|h| !spans.iter().any(|(_, s, e, _)| h.start < *e && h.end > *s))
        .collect();
    println!(
        "identifier scan fixture: {} seeded, {} caught, {} false positives: {:?}",
        spans.len(),
        spans.len() - missed.len(),
        false_positives.len(),
        false_positives
            .iter()
            .map(|h| (&h.text, h.kind))
            .collect::<Vec<_>>()
    );
    assert!(missed.is_empty(), "missed:\n{}", missed.join("\n"));
    assert!(
        false_positives.len() <= 5,
        "{} false positives",
        false_positives.len()
    );
    for h in &hits {
        assert_eq!(&REPORT[h.start..h.end], h.text);
    }
    // Names take the gazetteer's pseudonym; exact dates suggest month and year.
    let first = hits
        .iter()
        .find(|h| h.text == "Kayleigh Marsh")
        .expect("name");
    assert_eq!(first.suggestion, "Child K");
    let date = hits
        .iter()
        .find(|h| h.text == "3 March 2022")
        .expect("date");
    assert_eq!(date.suggestion, "March 2022");
}
