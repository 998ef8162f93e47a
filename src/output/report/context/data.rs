//! The template data: every structure the Handlebars templates read, as serialized into the
//! context.

use super::*;

#[derive(Debug, Clone, Serialize)]
pub struct ReportCtx {
    pub prepared_by: Option<String>,
    pub prepared_for: Option<String>,
    pub scope: Option<String>,
    pub period: Option<String>,
    pub version: Option<String>,
    pub reviewer: Option<String>,
}

/// The printed page: its size and the running footer's text. The footer is CSS generated
/// content, so its text is rendered here as a CSS string literal in which every character
/// that could end the string, the rule or the style element is escaped.
#[derive(Debug, Clone, Serialize)]
pub struct PageCtx {
    pub paper: &'static str,
    pub size: &'static str,
    pub footer: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ToolCtx {
    pub name: &'static str,
    pub version: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct OrganizationCtx {
    pub name: String,
    pub employees: Option<u64>,
    pub budget: Option<String>,
    pub after_hours_required: Option<String>,
    pub scalability: Option<String>,
    pub consumers: Option<u64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct InputCtx {
    pub path: String,
    pub sha256: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct CatalogCtx {
    pub id: String,
    pub title: String,
    pub profile: Option<String>,
    pub version: Option<String>,
    pub source: Option<String>,
    pub url: Option<String>,
    pub sha256: String,
    pub files: Vec<FileCtx>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FileCtx {
    pub path: String,
    pub sha256: String,
    pub builtin: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct FrameworkCtx {
    pub catalog: String,
    pub title: String,
    pub profile: Option<String>,
    pub counts: Counts,
    pub passed: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct SprsCtx {
    pub score: i64,
    pub max: i64,
    pub conditional_eligible: bool,
    /// `final-level-2-self`, `conditional-level-2-self` or `not-eligible`.
    pub status: crate::sprs::Level2Status,
    /// The status and its rule in one sentence.
    pub verdict: &'static str,
    pub open: Vec<SprsOpen>,
    pub not_poam_eligible: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SprsOpen {
    pub control: String,
    pub status: Status,
    pub points: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct FitCtx {
    pub declared: String,
    pub recommended: String,
    pub fits: bool,
    pub summary: String,
    pub models: [&'static str; 3],
    pub variables: Vec<FitVariable>,
    pub scores: Vec<FitScore>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FitVariable {
    pub variable: &'static str,
    pub field: &'static str,
    pub value: String,
    /// One cell per model, in [`MODEL_NAMES`] order.
    pub cells: Vec<FitCell>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FitCell {
    pub offer: &'static str,
    pub matches: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct FitScore {
    pub model: String,
    pub score: usize,
    pub ruled_out: Option<String>,
    pub recommended: bool,
    pub declared: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProviderCtx {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub ftes: Option<String>,
    pub coverage: Option<String>,
    pub tooling: Vec<String>,
}

/// One capability of the division-of-responsibility matrix.
#[derive(Debug, Clone, Serialize)]
pub struct MatrixRow {
    pub capability: String,
    pub kind: String,
    pub description: String,
    /// One flag per provider, in `providers` order.
    pub cells: Vec<bool>,
    pub owners: Vec<String>,
    pub cadence: Option<String>,
    pub coverage: Option<String>,
    pub response: Option<String>,
    pub escalation: Option<String>,
    pub notes: Option<String>,
    pub line: Option<u32>,
    /// In-scope controls whose requirement names this capability.
    pub needed_by: usize,
    /// Needed by in-scope controls, owned by nobody.
    pub unowned: bool,
}

/// Who answers for a control, in the terms of a customer responsibility matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Responsibility {
    Internal,
    Provider,
    Shared,
    Nobody,
}
crate::keywords!(Responsibility {
    Internal => "internal", Provider => "provider", Shared => "shared", Nobody => "nobody",
});

/// One row of the customer responsibility matrix: one evaluated control.
#[derive(Debug, Clone, Serialize)]
pub struct CrmRow {
    pub catalog: String,
    pub control: String,
    pub title: String,
    pub status: Status,
    pub severity: Severity,
    pub responsibility: Responsibility,
    /// Display names of the responsible parties.
    pub parties: Vec<String>,
    pub capabilities: Vec<String>,
    pub unassigned: Vec<String>,
}

/// A capability whose proper assignment would resolve failing controls.
#[derive(Debug, Clone, Serialize)]
pub struct Priority {
    pub rank: usize,
    pub capability: String,
    pub kind: String,
    pub owners: Vec<String>,
    /// The reason codes it fails with, sorted.
    pub problems: Vec<String>,
    /// Severity-weighted count of the controls needing work (failing, gap or partial) it is
    /// at fault for.
    pub score: usize,
    pub controls: usize,
    pub high: usize,
    pub moderate: usize,
    pub low: usize,
    /// Controls needing work where it is the only capability at fault.
    pub resolves_alone: usize,
    /// Of `controls`, those that fail the policy.
    pub failing: usize,
    pub frameworks: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FrameworkFindings {
    pub catalog: String,
    pub title: String,
    pub profile: Option<String>,
    pub anchor: String,
    pub findings: Vec<FindingCtx>,
    pub failing: Vec<FindingCtx>,
    pub not_applicable: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct FindingCtx {
    /// Shown expanded: the finding needs work (or is waived), so a reader prints its details.
    pub open: bool,
    /// HIPAA: `required` or `addressable` implementation specification.
    pub requirement: Option<String>,
    /// CMMC Level 2: SPRS points the requirement is worth, and whether it may be on a POA&M.
    pub points: Option<i64>,
    pub poam_eligible: Option<bool>,
    /// Why the control requires what it requires, in the control's own words.
    pub rationale: Option<String>,
    /// `rationale` and `guidance` split at backtick-quoted names, for the HTML report.
    pub rationale_spans: Vec<Span>,
    pub guidance_spans: Vec<Span>,
    pub catalog: String,
    pub control: String,
    pub anchor: String,
    pub title: String,
    pub group: Option<String>,
    pub status: Status,
    pub severity: Severity,
    pub failing: bool,
    pub break_fix_incompatible: bool,
    pub owners: Vec<String>,
    /// `owners` joined with "; ", as the reports list them: one value instead of a loop per
    /// finding (the findings are most of a large report's rendering).
    pub owners_text: String,
    /// Who does the ongoing work it needs, in plain words; empty when it needs none.
    pub ongoing_work: Vec<&'static str>,
    pub citation: String,
    pub reasons: Vec<ReasonCtx>,
    pub statement: Option<String>,
    pub guidance: Option<String>,
    pub exception: Option<String>,
    pub evidence: Option<String>,
    pub line: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReasonCtx {
    pub code: String,
    pub capability: Option<String>,
    pub message: String,
    /// The message split at its backtick-quoted names, so the HTML report can set them in
    /// a monospace font instead of showing the backticks.
    pub spans: Vec<Span>,
}

/// A run of message text; `code` when it was quoted with backticks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Span {
    pub text: String,
    pub code: bool,
}

/// Splits `s` at backticks into plain and quoted runs. Unbalanced backticks (say, in a
/// user's own string) are left as text.
pub fn spans(s: &str) -> Vec<Span> {
    let parts: Vec<&str> = s.split('`').collect();
    if parts.len().is_multiple_of(2) {
        return vec![Span {
            text: s.to_owned(),
            code: false,
        }];
    }
    parts
        .iter()
        .enumerate()
        .filter(|(_, t)| !t.is_empty())
        .map(|(i, t)| Span {
            text: (*t).to_owned(),
            code: i % 2 == 1,
        })
        .collect()
}

/// One framework's rows of the customer responsibility matrix.
#[derive(Debug, Clone, Serialize)]
pub struct CrmGroup {
    pub catalog: String,
    pub title: String,
    pub rows: Vec<CrmRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ControlLine {
    pub catalog: String,
    pub control: String,
    pub title: String,
    pub status: Status,
    pub severity: Severity,
    /// Who does the ongoing work it needs, in plain words ("internal staff", "nobody").
    pub ongoing_work: String,
}

/// The break-fix section: controls that need ongoing work, which a vendor paid per incident
/// cannot deliver alone, split by who does that work in this arrangement.
#[derive(Debug, Clone, Serialize)]
pub struct BreakFixCtx {
    /// The arrangement's model is break-fix (headings then speak of the model).
    pub model: bool,
    /// In-scope controls that need ongoing work.
    pub needs_ongoing: usize,
    /// Not met, and some ongoing work it needs is left to a break-fix vendor or to nobody.
    /// Never holds a met control.
    pub uncovered: Vec<ControlLine>,
    /// The ongoing work is done by internal staff or an MSP (the status says whether the
    /// rest of the control is in place).
    pub covered: Vec<ControlLine>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ExceptionBuckets {
    pub active: Vec<ExceptionCtx>,
    pub expiring: Vec<ExceptionCtx>,
    pub expired: Vec<ExceptionCtx>,
    pub any: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExceptionCtx {
    pub target: String,
    pub reason: String,
    pub owner: String,
    pub expires: String,
    /// Days from the report date to expiry; negative once expired.
    pub days: i64,
    pub controls: Vec<String>,
    pub line: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct AttestationCtx {
    pub control: String,
    pub evidence: String,
    pub matched: bool,
    pub line: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct RemarkCtx {
    pub code: &'static str,
    pub line: u32,
    pub message: String,
    pub spans: Vec<Span>,
}
