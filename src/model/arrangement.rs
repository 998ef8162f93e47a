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

fn read_report(sink: &mut Sink, node: &Node) -> Option<ReportInfo> {
    let what = "`report`";
    let f = Fields::new(sink, node, what, REPORT_KEYS)?;
    let text = |sink: &mut Sink, key: &str| -> Option<String> {
        let n = f.get(key)?;
        let s = decode::string(sink, n, &format!("`report.{key}`"))?;
        if s.trim().is_empty() {
            sink.error(
                n.pos,
                format!("`report.{key}` is empty"),
                Some(format!(
                    "write the {} or remove the key",
                    key.replace('_', " ")
                )),
            );
            return None;
        }
        Some(s)
    };
    let prepared_by = text(sink, "prepared_by");
    let prepared_for = text(sink, "prepared_for");
    let scope = text(sink, "scope");
    let version = text(sink, "version");
    let reviewer = text(sink, "reviewer");
    let period = f.get("period").and_then(|n| {
        let p = Fields::new(sink, n, "`report.period`", &["from", "to"])?;
        let from = p
            .require(sink, "from", "`report.period`", "2026-01-01")
            .and_then(|d| read_date(sink, d, "`report.period.from` date"));
        let to = p
            .require(sink, "to", "`report.period`", "2026-12-31")
            .and_then(|d| read_date(sink, d, "`report.period.to` date"));
        let (from, to) = (from?, to?);
        if to < from {
            sink.error(
                n.pos,
                format!("`report.period` ends ({to}) before it starts ({from})"),
                Some("swap `from` and `to`".into()),
            );
            return None;
        }
        Some(Period { from, to })
    });
    Some(ReportInfo {
        prepared_by,
        prepared_for,
        scope,
        period,
        version,
        reviewer,
    })
}

fn read_cmmc(sink: &mut Sink, node: &Node) -> CmmcFacts {
    let Some(f) = Fields::new(sink, node, "`cmmc`", &["mfa", "encryption"]) else {
        return CmmcFacts::default();
    };
    CmmcFacts {
        mfa: f.get("mfa").and_then(|n| Mfa::read(sink, n, "`cmmc.mfa`")),
        encryption: f
            .get("encryption")
            .and_then(|n| Encryption::read(sink, n, "`cmmc.encryption`")),
        pos: node.pos,
    }
}

/// A catalog the user loaded with `-c` that `frameworks` does not select is checked for
/// nothing; say so rather than ignore it silently.
fn warn_unselected_catalogs(
    sink: &mut Sink,
    pos: Pos,
    frameworks: &[Framework],
    registry: &Registry,
) {
    for cat in registry.catalogs.values() {
        let Some(file) = cat.files.iter().find(|f| !f.builtin) else {
            continue;
        };
        if frameworks.iter().any(|f| f.catalog == cat.id) {
            continue;
        }
        sink.warning(
            pos,
            format!(
                "catalog `{}` (loaded from {}) is not in `frameworks`, so none of its controls are checked",
                cat.id, file.path
            ),
            Some(format!("add `- {}` under `frameworks:`, or do not load it", cat.id)),
        );
    }
}

fn read_organization(sink: &mut Sink, node: &Node, registry: &Registry) -> Option<Organization> {
    let what = "`organization`";
    let f = Fields::new(
        sink,
        node,
        what,
        &[
            "name",
            "employees",
            "budget",
            "after_hours_required",
            "scalability",
            "consumers",
            "facts",
        ],
    )?;
    let name = f
        .require(sink, "name", what, "Harbor Dental Group")
        .and_then(|n| bounded(sink, n, "organization name", MAX_NAME_BYTES));
    let count = |sink: &mut Sink, key: &str| -> Option<u64> {
        let n = f.get(key)?;
        let v = decode::integer(sink, n, &format!("`{key}`"))?;
        let r = u64::try_from(v).ok();
        if r.is_none() {
            sink.error(
                n.pos,
                format!("`{key}` cannot be negative"),
                Some("write a count of zero or more".into()),
            );
        }
        r
    };
    let employees = count(sink, "employees");
    let consumers = count(sink, "consumers");
    let budget = f
        .get("budget")
        .and_then(|n| Budget::read(sink, n, "budget"));
    let after_hours_required = f
        .get("after_hours_required")
        .and_then(|n| decode::boolean(sink, n, "`after_hours_required`"));
    let scalability = f
        .get("scalability")
        .and_then(|n| Scalability::read(sink, n, "scalability"));
    let known = registry.facts();
    let mut facts: Vec<String> = Vec::new();
    for n in f
        .get("facts")
        .map(|n| decode::list(sink, n, "`facts`"))
        .unwrap_or_default()
    {
        let Some(fact) = decode::string(sink, n, "fact") else {
            continue;
        };
        if !known.contains_key(fact.as_str()) {
            let names: Vec<&str> = known.keys().copied().collect();
            let help = if names.is_empty() {
                "the loaded catalogs declare no applicability facts; remove it".to_owned()
            } else {
                choose_help(&fact, &names)
            };
            sink.error(n.pos, format!("unknown fact `{fact}`"), Some(help));
        } else if facts.contains(&fact) {
            sink.error(
                n.pos,
                format!("fact `{fact}` is listed twice"),
                Some("list each fact once".into()),
            );
        } else {
            facts.push(fact);
        }
    }
    facts.sort();
    Some(Organization {
        name: name?,
        employees,
        budget,
        after_hours_required,
        scalability,
        consumers,
        facts,
    })
}

fn read_frameworks(sink: &mut Sink, node: &Node, registry: &Registry) -> Vec<Framework> {
    // `frameworks: []` is a deliberate declaration: an organization under no regulation,
    // which still gets a model fit. (A missing `frameworks:` key stays an error.)
    let items = decode::list(sink, node, "`frameworks`");
    let mut out: Vec<Framework> = Vec::new();
    for item in items {
        // `cmmc:level-2` is how `init --framework` and the command line name a catalog with
        // a profile; a file accepts the same words.
        let text = |pos, s: &str| Node {
            pos,
            value: yaml::Value::Str(s.to_owned()),
        };
        let short = match &item.value {
            yaml::Value::Str(s) => s.split_once(':').map(|(c, p)| {
                let column = item.pos.column + c.chars().count() as u32 + 1;
                (text(item.pos, c), text(Pos::new(item.pos.line, column), p))
            }),
            _ => None,
        };
        let (catalog_node, profile_node) = match (&item.value, &short) {
            (_, Some((c, p))) => (c, Some(p)),
            (yaml::Value::Map(_), None) => {
                let Some(f) = Fields::new(sink, item, "a framework", &["catalog", "profile"])
                else {
                    continue;
                };
                let Some(c) = f.require(sink, "catalog", "a framework", "nist-800-53-conmon")
                else {
                    continue;
                };
                (c, f.get("profile"))
            }
            _ => (item, None),
        };
        let Some(catalog) = decode::string(sink, catalog_node, "framework") else {
            continue;
        };
        let Some(cat) = registry.get(&catalog) else {
            let ids = registry.ids();
            sink.error(
                catalog_node.pos,
                format!("unknown framework `{catalog}`"),
                Some(choose_help(&catalog, &ids)),
            );
            continue;
        };
        let profile = match profile_node {
            None if cat.profile_required => {
                let names: Vec<&str> = cat.profiles.keys().map(String::as_str).collect();
                sink.error(
                    item.pos,
                    format!("catalog `{catalog}` needs a profile: {}", names.join(", ")),
                    Some(format!(
                        "write `- {{catalog: {catalog}, profile: {}}}`; without one every profile would be checked at once",
                        names.last().copied().unwrap_or("...")
                    )),
                );
                continue;
            }
            None => None,
            Some(p) => {
                let Some(name) = decode::string(sink, p, "profile") else {
                    continue;
                };
                if !cat.profiles.contains_key(&name) {
                    let names: Vec<&str> = cat.profiles.keys().map(String::as_str).collect();
                    let help = if names.is_empty() {
                        format!("catalog `{catalog}` has no profiles; remove `profile:`")
                    } else {
                        choose_help(&name, &names)
                    };
                    sink.error(
                        p.pos,
                        format!("catalog `{catalog}` has no profile `{name}`"),
                        Some(help),
                    );
                    continue;
                }
                Some(name)
            }
        };
        if out.iter().any(|f| f.catalog == catalog) {
            sink.error(
                item.pos,
                format!("framework `{catalog}` is selected twice"),
                Some("select each catalog once, with at most one profile".into()),
            );
            continue;
        }
        out.push(Framework {
            catalog,
            profile,
            pos: item.pos,
        });
    }
    out
}

/// The providers declared well, and the ids of those declared with an error (already
/// reported): rows that name a broken provider are not reported again — one mistake, one
/// error.
fn read_providers(sink: &mut Sink, node: &Node) -> (BTreeMap<String, Provider>, BTreeSet<String>) {
    let mut out = BTreeMap::new();
    let mut broken = BTreeSet::new();
    let Some(entries) = node.as_map() else {
        decode::type_error(
            sink,
            node,
            "`providers` must be a mapping of provider id to provider",
            "`id: {kind: msp, name: ...}` entries",
        );
        return (out, broken);
    };
    if entries.is_empty() {
        sink.error(
            node.pos,
            "`providers` is empty",
            Some("declare who delivers IT work, e.g. `internal: {kind: internal, ftes: 1}`".into()),
        );
    }
    for (key, value) in entries {
        let what = format!("provider `{}`", key.name);
        let Some(f) = Fields::new(
            sink,
            value,
            &what,
            &["kind", "name", "ftes", "coverage", "tooling", "notes"],
        ) else {
            broken.insert(key.name.clone());
            continue;
        };
        let kind = f
            .require(sink, "kind", &what, "msp")
            .and_then(|n| ProviderKind::read(sink, n, "provider kind"));
        let name = f
            .get("name")
            .and_then(|n| bounded(sink, n, "provider name", MAX_NAME_BYTES))
            .unwrap_or_else(|| key.name.clone());
        let ftes = f.get("ftes").and_then(|n| {
            let v = decode::number(sink, n, "`ftes`")?;
            if v.is_nan() || v > MAX_FTES {
                sink.error(
                    n.pos,
                    format!(
                        "`ftes` of provider `{}` is {v}; at most {MAX_FTES}",
                        key.name
                    ),
                    Some("write the number of full-time staff".into()),
                );
                return None;
            }
            // `-0` is 0: reports must not say "-0 FTE".
            let v = v + 0.0;
            if v < 0.0 {
                sink.error(
                    n.pos,
                    format!("`ftes` of provider `{}` is negative ({v})", key.name),
                    Some("write the number of full-time staff, 0 or more".into()),
                );
                return None;
            }
            Some(v)
        });
        let coverage = f
            .get("coverage")
            .and_then(|n| Coverage::read(sink, n, "coverage"));
        let tooling = f
            .get("tooling")
            .map(|n| {
                decode::list(sink, n, "`tooling`")
                    .iter()
                    .filter_map(|t| decode::string(sink, t, "tool"))
                    .collect()
            })
            .unwrap_or_default();
        let Some(kind) = kind else {
            broken.insert(key.name.clone());
            continue;
        };
        {
            out.insert(
                key.name.clone(),
                Provider {
                    id: key.name.clone(),
                    kind,
                    name,
                    ftes,
                    coverage,
                    tooling,
                    pos: key.pos,
                },
            );
        }
    }
    (out, broken)
}

fn read_responsibilities(
    sink: &mut Sink,
    node: &Node,
    providers: &BTreeMap<String, Provider>,
    broken_providers: &BTreeSet<String>,
    registry: &Registry,
) -> BTreeMap<String, Responsibility> {
    let mut out = BTreeMap::new();
    let Some(entries) = node.as_map() else {
        decode::type_error(
            sink,
            node,
            "`responsibilities` must be a mapping of capability to owner",
            "`capability: {owner: provider-id}` entries",
        );
        return out;
    };
    let provider_ids: Vec<&str> = providers.keys().map(String::as_str).collect();
    for (key, value) in entries {
        let key_node = Node {
            pos: key.pos,
            value: yaml::Value::Str(key.name.clone()),
        };
        let capability = registry.vocabulary.read_id(sink, &key_node);
        let what = format!("responsibility `{}`", key.name);
        let Some(f) = Fields::new(
            sink,
            value,
            &what,
            &[
                "owner",
                "cadence",
                "coverage",
                "response",
                "escalation",
                "notes",
                "sla_target",
                "grace",
            ],
        ) else {
            continue;
        };
        let mut owners: Vec<String> = Vec::new();
        if let Some(o) = f.require(
            sink,
            "owner",
            &what,
            provider_ids.first().copied().unwrap_or("internal"),
        ) {
            for item in decode::one_or_many(o) {
                let Some(id) = decode::string(sink, item, "owner") else {
                    continue;
                };
                if broken_providers.contains(&id) {
                    // Declared, with an error reported at its declaration.
                } else if !providers.contains_key(&id) {
                    let help = if provider_ids.is_empty() {
                        "declare it under `providers:`".to_owned()
                    } else {
                        choose_help(&id, &provider_ids)
                    };
                    sink.error(
                        item.pos,
                        format!("owner `{id}` is not a declared provider"),
                        Some(help),
                    );
                } else if owners.contains(&id) {
                    sink.error(
                        item.pos,
                        format!("owner `{id}` is listed twice"),
                        Some("list each owner once".into()),
                    );
                } else {
                    owners.push(id);
                }
            }
            if matches!(&o.value, yaml::Value::Seq(s) if s.is_empty()) {
                sink.error(o.pos, format!("{what} has no owner"), Some("name at least one provider, or remove the row to leave the capability unassigned".into()));
            }
        }
        let cadence = f
            .get("cadence")
            .and_then(|n| Cadence::read(sink, n, "cadence"));
        let coverage = f
            .get("coverage")
            .and_then(|n| Coverage::read(sink, n, "coverage"));
        let response = f
            .get("response")
            .and_then(|n| Duration::read(sink, n, "response time"));
        let escalation = f
            .get("escalation")
            .and_then(|n| Escalation::read(sink, n, "escalation"))
            .unwrap_or_default();
        let notes = f
            .get("notes")
            .and_then(|n| bounded(sink, n, "`notes`", MAX_TEXT_BYTES));
        let sla_target = f.get("sla_target").and_then(|n| {
            let v = decode::number(sink, n, "`sla_target`")?;
            if !(v > 0.0 && v <= 100.0) {
                sink.error(
                    n.pos,
                    format!("`sla_target` {v} is not a percentage above 0"),
                    Some("write the share of tickets to answer in time, e.g. `sla_target: 95` for 95 %".into()),
                );
                return None;
            }
            if response.is_none() {
                sink.error(
                    n.pos,
                    format!("{what} has `sla_target` but no `response`"),
                    Some("declare the response time the target is measured against, e.g. `response: 1h`".into()),
                );
            }
            Some(v)
        });
        let grace = f
            .get("grace")
            .and_then(|n| Duration::read(sink, n, "grace"));
        if let (Some(n), None) = (f.get("grace"), cadence) {
            sink.error(
                n.pos,
                format!("{what} has `grace` but no `cadence`"),
                Some("grace extends the cadence interval; declare `cadence:` too, or remove `grace:`".into()),
            );
        }
        if let Some(capability) = capability {
            out.insert(
                capability.clone(),
                Responsibility {
                    capability,
                    owners,
                    cadence,
                    coverage,
                    response,
                    escalation,
                    notes,
                    sla_target,
                    grace,
                    pos: key.pos,
                },
            );
        }
    }
    out
}

/// Reads `catalog:control` and checks that both exist in the loaded catalogs.
fn read_control_ref(sink: &mut Sink, node: &Node, registry: &Registry) -> Option<ControlRef> {
    let s = decode::string(sink, node, "control reference")?;
    let Some(r) = ControlRef::parse(&s) else {
        sink.error(
            node.pos,
            format!("invalid control reference `{s}`"),
            Some("write `catalog:control`, e.g. `hipaa-security:164.308(a)(1)(ii)(D)`".into()),
        );
        return None;
    };
    let Some(cat) = registry.get(&r.catalog) else {
        sink.error(
            node.pos,
            format!("unknown catalog `{}` in `{s}`", r.catalog),
            Some(choose_help(&r.catalog, &registry.ids())),
        );
        return None;
    };
    if cat.control(&r.control).is_none() {
        let ids: Vec<&str> = cat.controls.iter().map(|c| c.id.as_str()).collect();
        sink.error(
            node.pos,
            format!("catalog `{}` has no control `{}`", r.catalog, r.control),
            Some(choose_help(&r.control, &ids)),
        );
        return None;
    }
    Some(r)
}

fn read_attestations(sink: &mut Sink, node: &Node, registry: &Registry) -> Vec<Attestation> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for item in decode::list(sink, node, "`attestations`") {
        let Some(f) = Fields::new(
            sink,
            item,
            "an attestation",
            &["control", "evidence", "notes"],
        ) else {
            continue;
        };
        let control = f
            .require(sink, "control", "an attestation", "catalog:control")
            .and_then(|n| read_control_ref(sink, n, registry));
        let evidence = f
            .require(sink, "evidence", "an attestation", "path/to/policy.md")
            .and_then(|n| bounded(sink, n, "`evidence`", MAX_TEXT_BYTES));
        let evidence = evidence.filter(|e| {
            let empty = e.trim().is_empty();
            if empty {
                sink.error(
                    item.pos,
                    "an attestation with empty `evidence` attests nothing",
                    Some("name the document that shows the control is met, e.g. `evidence: policies/access-control.md`".into()),
                );
            }
            !empty
        });
        if let (Some(control), Some(evidence)) = (control, evidence) {
            if !seen.insert(control.clone()) {
                sink.error(item.pos, format!("`{control}` is attested twice"), Some("keep one attestation per control; list several documents in one `evidence`".into()));
                continue;
            }
            out.push(Attestation {
                control,
                evidence,
                pos: item.pos,
            });
        }
    }
    out
}

/// The largest share of a framework's controls that exceptions may waive without
/// `allow_broad: true`: a catch-all pattern (`.*`, `''`, a trailing `|`) otherwise waives
/// every control and the run passes silently.
pub const MAX_WAIVED_PERCENT: usize = 50;

/// Refuses exceptions that waive more than [`MAX_WAIVED_PERCENT`] of a selected framework,
/// or every control of it: first each pattern alone (located at the pattern), then all
/// exceptions together (located at `exceptions:`). Exceptions with `allow_broad: true`
/// are left out, so a deliberate broad waiver stays possible and visible in the file.
fn check_waiver_share(
    sink: &mut Sink,
    node: &Node,
    registry: &Registry,
    frameworks: &[Framework],
    counted: &[(&Exception, Pos)],
) {
    for f in frameworks {
        let Some(cat) = registry.get(&f.catalog) else {
            continue;
        };
        let in_scope: Vec<ControlRef> = cat
            .controls
            .iter()
            .filter(|c| {
                c.profiles.is_empty() || f.profile.as_ref().is_none_or(|p| c.profiles.contains(p))
            })
            .map(|c| ControlRef {
                catalog: cat.id.clone(),
                control: c.id.clone(),
            })
            .collect();
        if in_scope.is_empty() {
            continue;
        }
        let scope = match &f.profile {
            Some(p) => format!("{} [{p}]", cat.id),
            None => cat.id.clone(),
        };
        let too_many =
            |n: usize| n * 100 > MAX_WAIVED_PERCENT * in_scope.len() || n == in_scope.len();
        let help = "an exception accepts one risk at a time: narrow the pattern, or add `allow_broad: true` to the exception if waiving most of the framework is really meant";
        for (e, pos) in counted {
            if let ExceptionTarget::Pattern(_) = e.target {
                let n = in_scope.iter().filter(|r| e.target.matches(r)).count();
                if too_many(n) {
                    sink.error(
                        *pos,
                        format!(
                            "exception pattern {} waives {n} of {} controls of {scope} (more than {MAX_WAIVED_PERCENT}%)",
                            e.target,
                            in_scope.len()
                        ),
                        Some(help.into()),
                    );
                    return;
                }
            }
        }
        let n = in_scope
            .iter()
            .filter(|r| counted.iter().any(|(e, _)| e.target.matches(r)))
            .count();
        if too_many(n) {
            sink.error(
                node.pos,
                format!(
                    "the exceptions together waive {n} of {} controls of {scope} (more than {MAX_WAIVED_PERCENT}%)",
                    in_scope.len()
                ),
                Some(help.into()),
            );
            return;
        }
    }
}

fn read_exceptions(
    sink: &mut Sink,
    node: &Node,
    registry: &Registry,
    frameworks: &[Framework],
) -> Vec<Exception> {
    let mut out = Vec::new();
    let mut broad = Vec::new();
    let mut budget = RegexBudget::default();
    let items = decode::list(sink, node, "`exceptions`");
    if let Some(extra) = items.get(MAX_EXCEPTIONS) {
        sink.error(
            extra.pos,
            format!("more than {MAX_EXCEPTIONS} exceptions"),
            Some("group accepted risks with `pattern:` over `catalog:control`, or split the plan of action into several arrangements".into()),
        );
        return out;
    }
    for item in items {
        let what = "an exception";
        let Some(f) = Fields::new(
            sink,
            item,
            what,
            &[
                "control",
                "pattern",
                "reason",
                "owner",
                "expires",
                "allow_broad",
            ],
        ) else {
            continue;
        };
        let allow_broad = f
            .get("allow_broad")
            .and_then(|n| decode::boolean(sink, n, "`allow_broad`"))
            .unwrap_or(false);
        let target = match (f.get("control"), f.get("pattern")) {
            (Some(c), None) => read_control_ref(sink, c, registry).map(ExceptionTarget::Control),
            (None, Some(p)) => user_regex_within(sink, p, "exception pattern", &mut budget)
                .map(ExceptionTarget::Pattern),
            (Some(_), Some(p)) => {
                sink.error(p.pos, "an exception has both `control` and `pattern`", Some("keep one: `control:` for one control, `pattern:` for a regex over `catalog:control`".into()));
                None
            }
            (None, None) => {
                sink.error(
                    item.pos,
                    "an exception needs `control` or `pattern`",
                    Some("add `control: catalog:control` or `pattern: '^catalog:AC-'`".into()),
                );
                None
            }
        };
        let reason = f
            .require(sink, "reason", what, "why the risk is accepted")
            .and_then(|n| bounded(sink, n, "`reason`", MAX_TEXT_BYTES));
        let owner = f
            .require(sink, "owner", what, "who is accountable")
            .and_then(|n| bounded(sink, n, "`owner`", MAX_NAME_BYTES));
        let expires = f
            .require(sink, "expires", what, "2026-12-31")
            .and_then(|n| read_date(sink, n, "expiry date"));
        if let (Some(target), Some(reason), Some(owner), Some(expires)) =
            (target, reason, owner, expires)
        {
            out.push(Exception {
                target,
                reason,
                owner,
                expires,
                pos: item.pos,
            });
            broad.push(allow_broad);
        }
    }
    let counted: Vec<(&Exception, Pos)> = out
        .iter()
        .zip(&broad)
        .filter(|(_, b)| !**b)
        .map(|(e, _)| (e, e.pos))
        .collect();
    check_waiver_share(sink, node, registry, frameworks, &counted);
    out
}

fn check_model_contradiction(
    sink: &mut Sink,
    model: Model,
    pos: Pos,
    providers: &BTreeMap<String, Provider>,
) {
    let msps: Vec<&str> = providers
        .values()
        .filter(|p| p.kind == ProviderKind::Msp)
        .map(|p| p.id.as_str())
        .collect();
    match model {
        Model::BreakFix if !msps.is_empty() => sink.error(
            pos,
            format!("model `break-fix` contradicts MSP provider `{}`", msps[0]),
            Some(format!("if `{}` is paid per incident, set its `kind: break-fix`; if it works under a managed-services contract, `model:` must say the model that contract sets up", msps[0])),
        ),
        Model::Managed | Model::CoManaged if msps.is_empty() => sink.error(
            pos,
            format!("model `{model}` needs a provider of kind `msp`, and none is declared"),
            Some("declare the managed service provider under `providers:` with `kind: msp`".into()),
        ),
        _ => {}
    }
}
