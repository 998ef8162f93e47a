//! The arrangement file (DESIGN §3): who delivers which IT work for one organization.
//! Loading checks it completely against the vocabulary and the loaded catalogs, so that
//! evaluation can trust every reference in it.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use regex::Regex;

use crate::capability::{Cadence, Coverage, Duration};
use crate::catalog::Registry;
use crate::decode::{self, Fields, Keyword};
use crate::diag::{Diagnostic, Pos, Sink, choose_help};
use crate::keywords;
use crate::yaml::{self, Node};

pub use crate::catalog::ControlRef;
pub use crate::pattern::{RegexBudget, user_regex, user_regex_within};
pub use crate::service::Model;

// Named by path so build.rs, which includes this file with `#[path]`, finds them too.
#[path = "arrangement/sections.rs"]
mod sections;
#[path = "arrangement/waivers.rs"]
mod waivers;

use sections::*;
pub use waivers::MAX_WAIVED_PERCENT;
use waivers::*;

/// The arrangement format version this build reads.
pub const FORMAT_VERSION: i64 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProviderKind {
    Internal,
    Msp,
    BreakFix,
}
keywords!(ProviderKind { Internal => "internal", Msp => "msp", BreakFix => "break-fix" });

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Budget {
    Fixed,
    Variable,
}
keywords!(Budget { Fixed => "fixed", Variable => "variable" });

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scalability {
    Low,
    Moderate,
    High,
}
keywords!(Scalability { Low => "low", Moderate => "moderate", High => "high" });

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Escalation {
    Documented,
    #[default]
    None,
}
keywords!(Escalation { Documented => "documented", None => "none" });

/// Whether a check against evidence (`--evidence`) demands a record for every declared
/// ongoing responsibility. Opt-in, because the first run against a new MSP's exports should
/// show what is there before it fails on what is not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum EvidencePolicy {
    #[default]
    Optional,
    Required,
}
keywords!(EvidencePolicy { Optional => "optional", Required => "required" });

#[derive(Debug, Clone, PartialEq)]
pub struct Organization {
    pub name: String,
    pub employees: Option<u64>,
    pub budget: Option<Budget>,
    pub after_hours_required: Option<bool>,
    pub scalability: Option<Scalability>,
    pub consumers: Option<u64>,
    /// Applicability facts the organization declares (a catalog's `facts:`), which make
    /// controls conditioned on them apply. Sorted, unique.
    pub facts: Vec<String>,
}

/// How multi-factor authentication is implemented (CMMC IA.L2-3.5.3), as the organization
/// declares it. Only the declaration opens the rule's partial credit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Mfa {
    AllUsers,
    RemoteAndPrivilegedOnly,
}
keywords!(Mfa { AllUsers => "all-users", RemoteAndPrivilegedOnly => "remote-and-privileged-only" });

/// How CUI is encrypted (CMMC SC.L2-3.13.11), as the organization declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Encryption {
    FipsValidated,
    NotFipsValidated,
}
keywords!(Encryption { FipsValidated => "fips-validated", NotFipsValidated => "not-fips-validated" });

/// The `cmmc:` section: the facts 32 CFR 170.24(c)(2)(i)(B)(4) makes partial credit depend
/// on, which no responsibility matrix can show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CmmcFacts {
    pub mfa: Option<Mfa>,
    pub encryption: Option<Encryption>,
    pub pos: Pos,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Provider {
    pub id: String,
    pub kind: ProviderKind,
    pub name: String,
    pub ftes: Option<f64>,
    pub coverage: Option<Coverage>,
    pub tooling: Vec<String>,
    pub pos: Pos,
}

/// One row of the division-of-responsibility matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct Responsibility {
    pub capability: String,
    pub owners: Vec<String>,
    pub cadence: Option<Cadence>,
    pub coverage: Option<Coverage>,
    pub response: Option<Duration>,
    pub escalation: Escalation,
    pub notes: Option<String>,
    /// Share of tickets (percent) that must be answered within `response` (evidence checks;
    /// default 95).
    pub sla_target: Option<f64>,
    /// How much older than its cadence the latest successful record may be (evidence
    /// checks; default per cadence, see `evidence::default_grace`).
    pub grace: Option<Duration>,
    pub pos: Pos,
}

/// A framework selected for checking: a catalog and optionally one of its profiles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Framework {
    pub catalog: String,
    pub profile: Option<String>,
    pub pos: Pos,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Attestation {
    pub control: ControlRef,
    pub evidence: String,
    pub pos: Pos,
}

/// What an exception covers: one control, or every control whose `catalog:control` matches.
#[derive(Debug, Clone)]
pub enum ExceptionTarget {
    Control(ControlRef),
    Pattern(Regex),
}

impl ExceptionTarget {
    pub fn matches(&self, r: &ControlRef) -> bool {
        match self {
            ExceptionTarget::Control(c) => c == r,
            ExceptionTarget::Pattern(re) => re.is_match(&r.to_string()),
        }
    }
}

impl std::fmt::Display for ExceptionTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExceptionTarget::Control(c) => write!(f, "{c}"),
            ExceptionTarget::Pattern(re) => write!(f, "/{}/", re.as_str()),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Exception {
    pub target: ExceptionTarget,
    pub reason: String,
    pub owner: String,
    pub expires: Date,
    pub pos: Pos,
}

/// Who prepared the report, for whom, and over what: the facts an auditor signs under.
/// Optional, because a CI run needs none of it; when given, it is validated like the rest.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReportInfo {
    pub prepared_by: Option<String>,
    pub prepared_for: Option<String>,
    pub scope: Option<String>,
    pub period: Option<Period>,
    pub version: Option<String>,
    pub reviewer: Option<String>,
}

/// The assessment period, first and last day included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: Date,
    pub to: Date,
}

/// A validated arrangement.
#[derive(Debug, Clone)]
pub struct Arrangement {
    /// The path as given on the command line, for messages and reports.
    pub path: String,
    pub sha256: String,
    pub organization: Organization,
    pub model: Model,
    pub model_pos: Pos,
    pub frameworks: Vec<Framework>,
    pub frameworks_pos: Pos,
    pub providers: BTreeMap<String, Provider>,
    pub responsibilities: BTreeMap<String, Responsibility>,
    pub attestations: Vec<Attestation>,
    pub exceptions: Vec<Exception>,
    /// The optional `report:` section.
    pub report: Option<ReportInfo>,
    pub cmmc: CmmcFacts,
    /// `evidence: required` (strict evidence mode); optional when absent.
    pub evidence_policy: EvidencePolicy,
    /// The optional `system:` section, for OSCAL exports.
    pub system: Option<crate::system::SystemInfo>,
}

impl Arrangement {
    pub fn provider(&self, id: &str) -> Option<&Provider> {
        self.providers.get(id)
    }

    /// Internal IT staff in full-time equivalents: the sum over internal providers, `None`
    /// when no internal provider declares `ftes`.
    pub fn internal_ftes(&self) -> Option<f64> {
        let declared: Vec<f64> = self
            .providers
            .values()
            .filter(|p| p.kind == ProviderKind::Internal)
            .filter_map(|p| p.ftes)
            .collect();
        (!declared.is_empty()).then(|| declared.iter().sum())
    }

    /// The partial implementation the `cmmc:` section declares for a control, when 32 CFR
    /// 170.24(c)(2)(i)(B)(4) gives that implementation partial credit. Only a declaration
    /// opens partial credit: no responsibility matrix shows whether MFA covers every user or
    /// whether a module is FIPS-validated.
    pub fn declared_partial(&self, catalog: &str, control: &str) -> Option<&'static str> {
        if catalog != "cmmc" {
            return None;
        }
        match control {
            "IA.L2-3.5.3" if self.cmmc.mfa == Some(Mfa::RemoteAndPrivilegedOnly) => Some(
                "cmmc.mfa: remote-and-privileged-only (MFA for remote and privileged access only)",
            ),
            "SC.L2-3.13.11" if self.cmmc.encryption == Some(Encryption::NotFipsValidated) => Some(
                "cmmc.encryption: not-fips-validated (encryption employed, not FIPS-validated)",
            ),
            _ => None,
        }
    }

    pub fn has_provider_kind(&self, kind: ProviderKind) -> bool {
        self.providers.values().any(|p| p.kind == kind)
    }
}

/// Exceptions in one arrangement: each is checked against every evaluated control.
pub const MAX_EXCEPTIONS: usize = 1_000;

/// Names that reports repeat (the organization on every page, a provider in every finding
/// it owns, an exception's owner in every finding it waives).
pub const MAX_NAME_BYTES: usize = 256;
/// Full-time staff of one provider: large enough for any organization, small enough that
/// a sum over providers stays finite (reports said `inf FTE`).
pub const MAX_FTES: f64 = 1_000_000.0;
/// Free text that reports repeat per finding (an exception's reason in every finding it
/// covers, evidence, notes). A 1 MiB reason once made a 270 MB JSON report.
pub const MAX_TEXT_BYTES: usize = 2_048;

/// A string that reports copy, refused with its position past `max` bytes: it is repeated,
/// so its length multiplies the size of every report.
fn bounded(sink: &mut Sink, node: &Node, what: &str, max: usize) -> Option<String> {
    let s = decode::string(sink, node, what)?;
    if s.len() > max {
        sink.error(
            node.pos,
            format!("{what} is {} bytes long; at most {max} bytes", s.len()),
            Some("reports repeat it wherever it applies: shorten it, and keep the full text in a document it names".into()),
        );
        return None;
    }
    Some(s)
}

pub fn read_date(sink: &mut Sink, node: &Node, what: &str) -> Option<Date> {
    let s = decode::string(sink, node, what)?;
    match s.parse::<Date>() {
        Ok(d) if s.len() == 10 => Some(d),
        _ => {
            sink.error(
                node.pos,
                format!("invalid {what} `{s}`"),
                Some("write a real calendar date as YYYY-MM-DD, e.g. 2026-03-31".into()),
            );
            None
        }
    }
}

/// Loads and validates an arrangement. All errors of the file come back together.
pub fn load(
    path: &str,
    source: &str,
    registry: &Registry,
) -> Result<(Arrangement, Vec<Diagnostic>), Vec<Diagnostic>> {
    let mut sink = Sink::new(path, source);
    let arrangement = yaml::parse(source, &mut sink)
        .and_then(|root| read(&mut sink, &root, path, source, registry));
    match arrangement {
        Some(a) if !sink.has_errors() => Ok((a, sink.diagnostics)),
        _ => Err(sink.diagnostics),
    }
}

const TOP_KEYS: &[&str] = &[
    "gapcheck",
    "organization",
    "model",
    "frameworks",
    "providers",
    "responsibilities",
    "attestations",
    "exceptions",
    "report",
    "cmmc",
    "evidence",
    "system",
];

/// The keys of the `report:` section, in the order reports show them.
pub const REPORT_KEYS: &[&str] = &[
    "prepared_by",
    "prepared_for",
    "scope",
    "period",
    "version",
    "reviewer",
];

fn read(
    sink: &mut Sink,
    root: &Node,
    path: &str,
    source: &str,
    registry: &Registry,
) -> Option<Arrangement> {
    if root.get("gapcheck").is_none() && root.get("catalog").is_some() {
        // One mistake, one error: not a missing key per section.
        let help = "pass catalogs with `-c`; an arrangement starts with `gapcheck: 1`";
        let message = "this looks like a catalog, not an arrangement";
        sink.error(root.pos, message, Some(help.into()));
        return None;
    }
    let top = Fields::new(sink, root, "the arrangement", TOP_KEYS)?;
    if let Some(v) = top.require(sink, "gapcheck", "the arrangement", "1") {
        match decode::integer(sink, v, "`gapcheck` (the format version)") {
            Some(FORMAT_VERSION) | None => {}
            Some(n) => sink.error(
                v.pos,
                format!("unsupported arrangement format version {n}"),
                Some(format!("this gapcheck reads version {FORMAT_VERSION}; write `gapcheck: {FORMAT_VERSION}` or upgrade gapcheck")),
            ),
        }
    }
    let organization = top
        .require(sink, "organization", "the arrangement", "{name: ...}")
        .and_then(|n| read_organization(sink, n, registry));
    let model_node = top.require(sink, "model", "the arrangement", "managed");
    let model = model_node.and_then(|n| Model::read(sink, n, "model"));
    let frameworks = top
        .require(sink, "frameworks", "the arrangement", "[hipaa-security]")
        .map(|n| read_frameworks(sink, n, registry))
        .unwrap_or_default();
    let (providers, broken_providers) = top
        .require(
            sink,
            "providers",
            "the arrangement",
            "{internal: {kind: internal}}",
        )
        .map(|n| read_providers(sink, n))
        .unwrap_or_default();
    let responsibilities = top
        .get("responsibilities")
        .map(|n| read_responsibilities(sink, n, &providers, &broken_providers, registry))
        .unwrap_or_default();
    let attestations = top
        .get("attestations")
        .map(|n| read_attestations(sink, n, registry))
        .unwrap_or_default();
    let exceptions = top
        .get("exceptions")
        .map(|n| read_exceptions(sink, n, registry, &frameworks))
        .unwrap_or_default();
    let report = top.get("report").and_then(|n| read_report(sink, n));
    let system = top.get("system").and_then(|n| crate::system::read(sink, n));

    let cmmc = top
        .get("cmmc")
        .map(|n| read_cmmc(sink, n))
        .unwrap_or_default();
    let evidence_policy = top
        .get("evidence")
        .and_then(|n| EvidencePolicy::read(sink, n, "evidence policy"))
        .unwrap_or_default();

    // A provider whose declaration is broken has no known kind: whether the model fits
    // the providers cannot be told until it is fixed, and saying so would be a second
    // error for the one mistake already reported.
    if let (Some(model), Some(node), true) = (model, model_node, broken_providers.is_empty()) {
        check_model_contradiction(sink, model, node.pos, &providers);
    }
    if let Some(pos) = top.key_pos("frameworks") {
        warn_unselected_catalogs(sink, pos, &frameworks, registry);
    }
    let sha256 = crate::sha256_hex(source.as_bytes());
    Some(Arrangement {
        path: path.to_owned(),
        sha256,
        organization: organization?,
        model: model?,
        model_pos: top.key_pos("model").unwrap_or_default(),
        frameworks,
        frameworks_pos: top.key_pos("frameworks").unwrap_or_default(),
        providers,
        responsibilities,
        attestations,
        exceptions,
        report,
        cmmc,
        evidence_policy,
        system,
    })
}
