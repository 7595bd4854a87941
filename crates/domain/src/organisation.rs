//! Partnerships, agencies and users: who is involved, in which sector.

use crate::ids::{AgencyId, PartnershipId, UserId};
use crate::validation::{Checker, Invalid, Validate};
use serde::{Deserialize, Serialize};

/// Which UK nation's statutory framework the partnership works under.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Jurisdiction {
    England,
    Wales,
    Scotland,
    NorthernIreland,
}

/// What sort of body the partnership is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PartnershipKind {
    /// A local safeguarding children board (before 2019 in England).
    Lscb,
    /// Local safeguarding partners under Working Together 2018/2023.
    SafeguardingPartnership,
    /// A regional safeguarding board (Wales).
    RegionalBoard,
    /// The national Child Safeguarding Practice Review Panel.
    NationalPanel,
}

/// A safeguarding partnership: the body that commissions reviews and responds to findings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Partnership {
    pub id: PartnershipId,
    pub name: String,
    pub jurisdiction: Jurisdiction,
    pub kind: PartnershipKind,
}

impl Validate for Partnership {
    fn problems(&self) -> Vec<Invalid> {
        let mut check = Checker::new();
        check.line("name", &self.name);
        check.finish()
    }
}

/// The part of the multi-agency system an agency belongs to.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum AgencySector {
    ChildrensSocialCare,
    Police,
    HealthGp,
    HealthVisiting0To19,
    Midwifery,
    AcuteHospitalEd,
    Camhs,
    AdultMentalHealth,
    Ambulance,
    HealthCommissionerIcb,
    Education,
    EarlyYears,
    Probation,
    YouthJustice,
    Housing,
    SubstanceMisuse,
    DomesticAbuseService,
    Cafcass,
    VoluntarySector,
    AdultSocialCare,
    Other,
}

impl AgencySector {
    /// Every sector, in display order.
    pub const ALL: [AgencySector; 21] = [
        Self::ChildrensSocialCare,
        Self::Police,
        Self::HealthGp,
        Self::HealthVisiting0To19,
        Self::Midwifery,
        Self::AcuteHospitalEd,
        Self::Camhs,
        Self::AdultMentalHealth,
        Self::Ambulance,
        Self::HealthCommissionerIcb,
        Self::Education,
        Self::EarlyYears,
        Self::Probation,
        Self::YouthJustice,
        Self::Housing,
        Self::SubstanceMisuse,
        Self::DomesticAbuseService,
        Self::Cafcass,
        Self::VoluntarySector,
        Self::AdultSocialCare,
        Self::Other,
    ];

    /// How a published report names an agency of this sector without naming it.
    pub fn publication_name(self) -> &'static str {
        match self {
            Self::ChildrensSocialCare => "children's social care",
            Self::Police => "the police",
            Self::HealthGp => "the GP practice",
            Self::HealthVisiting0To19 => "the health visiting service",
            Self::Midwifery => "the midwifery service",
            Self::AcuteHospitalEd => "the hospital",
            Self::Camhs => "the child and adolescent mental health service",
            Self::AdultMentalHealth => "the adult mental health service",
            Self::Ambulance => "the ambulance service",
            Self::HealthCommissionerIcb => "the integrated care board",
            Self::Education => "the school",
            Self::EarlyYears => "the early years setting",
            Self::Probation => "the probation service",
            Self::YouthJustice => "the youth justice service",
            Self::Housing => "the housing service",
            Self::SubstanceMisuse => "the substance misuse service",
            Self::DomesticAbuseService => "the domestic abuse service",
            Self::Cafcass => "Cafcass",
            Self::VoluntarySector => "a voluntary organisation",
            Self::AdultSocialCare => "adult social care",
            Self::Other => "another agency",
        }
    }

    /// The name a reviewer would use.
    pub fn label(self) -> &'static str {
        match self {
            Self::ChildrensSocialCare => "Children's social care",
            Self::Police => "Police",
            Self::HealthGp => "GP practice",
            Self::HealthVisiting0To19 => "Health visiting and school nursing (0-19)",
            Self::Midwifery => "Midwifery",
            Self::AcuteHospitalEd => "Acute hospital and emergency department",
            Self::Camhs => "Child and adolescent mental health services",
            Self::AdultMentalHealth => "Adult mental health",
            Self::Ambulance => "Ambulance service",
            Self::HealthCommissionerIcb => "Integrated care board (designated professionals)",
            Self::Education => "School or college",
            Self::EarlyYears => "Early years",
            Self::Probation => "Probation",
            Self::YouthJustice => "Youth justice",
            Self::Housing => "Housing",
            Self::SubstanceMisuse => "Substance misuse service",
            Self::DomesticAbuseService => "Domestic abuse service",
            Self::Cafcass => "Cafcass",
            Self::VoluntarySector => "Voluntary sector",
            Self::AdultSocialCare => "Adult social care",
            Self::Other => "Other",
        }
    }

    /// Whether the sector is part of the health economy (used for grouping in analyses).
    pub fn is_health(self) -> bool {
        matches!(
            self,
            Self::HealthGp
                | Self::HealthVisiting0To19
                | Self::Midwifery
                | Self::AcuteHospitalEd
                | Self::Camhs
                | Self::AdultMentalHealth
                | Self::Ambulance
                | Self::HealthCommissionerIcb
        )
    }
}

/// An agency that worked with the child or family.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Agency {
    pub id: AgencyId,
    /// The partnership the agency belongs to; national or out-of-area agencies have none.
    pub partnership_id: Option<PartnershipId>,
    pub name: String,
    pub sector: AgencySector,
    /// What published documents call the agency ("the primary school"), since its own name
    /// can identify the family; without one, its sector's ([`AgencySector::publication_name`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publication_name: Option<String>,
    /// Withdrawn (added by mistake), with why: no longer offered for new records; records
    /// that name it keep its name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn: Option<crate::validation::Withdrawal>,
}

impl Agency {
    /// The name published documents use: the agency's publication name, or its sector's.
    #[must_use]
    pub fn published_name(&self) -> String {
        self.publication_name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map_or_else(|| self.sector.publication_name().to_owned(), str::to_owned)
    }
}

impl Validate for Agency {
    fn problems(&self) -> Vec<Invalid> {
        let mut check = Checker::new();
        check.line("name", &self.name);
        if let Some(name) = &self.publication_name {
            check.line("publication_name", name);
        }
        check.finish()
    }
}

/// A person who uses casewindow. Accounts and credentials are kept elsewhere.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct User {
    pub id: UserId,
    pub display_name: String,
    pub email: String,
}

impl Validate for User {
    fn problems(&self) -> Vec<Invalid> {
        let mut check = Checker::new();
        check.line("display_name", &self.display_name);
        check.line("email", &self.email);
        let email = self.email.trim();
        let looks_like_email = email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !email.contains(' ')
        });
        if !email.is_empty() && !looks_like_email {
            check.fail("email", "is not an email address");
        }
        check.finish()
    }
}
