//! The terminal summary: short, readable, naming the worst gaps and why the run passed or
//! failed. Colour only when asked (the CLI decides: a terminal and no NO_COLOR).

use std::fmt::Write;

use super::json::{Counts, FindingInfo, Report};
use crate::catalog::Severity;
use crate::decode::Keyword;
use crate::evaluate::Status;

/// How many failing findings the summary names before saying "and N more".
const WORST: usize = 10;

struct Paint(bool);

impl Paint {
    fn wrap(&self, code: &str, s: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_owned()
        }
    }
    fn bold(&self, s: &str) -> String {
        self.wrap("1", s)
    }
    fn red(&self, s: &str) -> String {
        self.wrap("31;1", s)
    }
    fn yellow(&self, s: &str) -> String {
        self.wrap("33", s)
    }
    fn green(&self, s: &str) -> String {
        self.wrap("32;1", s)
    }
    fn dim(&self, s: &str) -> String {
        self.wrap("2", s)
    }
}

/// User-supplied text made safe for a terminal (see [`crate::term::clean`]): a crafted
/// organization name cannot drive the terminal, fake extra lines or reorder text.
pub fn clean(s: &str) -> String {
    crate::term::clean(s).into_owned()
}

fn counts_line(c: &Counts) -> String {
    let mut parts = vec![format!("{} satisfied", c.satisfied)];
    for (n, label) in [
        (c.attested, "attested"),
        (c.partial, "partial"),
        (c.gap, "gap"),
        (c.needs_evidence, "needs evidence"),
        (c.waived, "waived"),
        (c.not_applicable, "not applicable"),
    ] {
        if n > 0 {
            parts.push(format!("{n} {label}"));
        }
    }
    format!("{} controls: {}", c.controls, parts.join(", "))
}

/// The evidence lines: one per capability whose records break a rule, then a tally.
fn evidence_block(out: &mut String, p: &Paint, ev: &super::evidence::EvidenceSummary) {
    let _ = writeln!(
        out,
        "\n{} {} records from {} file(s), judged as of {}; window {} days{}",
        p.bold("Evidence:"),
        ev.records,
        ev.files.len(),
        ev.as_of,
        ev.window_days,
        if ev.strict { "; evidence required" } else { "" }
    );
    for c in ev.capabilities.iter().filter(|c| c.status.is_problem()) {
        let detail = match c.status {
            super::evidence::EvidenceStatus::Stale => match (&c.last_ok, &c.overdue) {
                (Some(t), Some(o)) => format!(
                    "last success {t}, {} old; {} limit; {o} overdue",
                    c.age.as_deref().unwrap_or("?"),
                    c.limit.as_deref().unwrap_or("?")
                ),
                _ => "no successful record".to_owned(),
            },
            super::evidence::EvidenceStatus::Failed => match &c.last {
                Some(l) => format!(
                    "latest record failed {}{} ({}:{})",
                    l.when,
                    l.reference
                        .as_deref()
                        .map(|x| format!(", {}", clean(x)))
                        .unwrap_or_default(),
                    clean(&l.file),
                    l.line
                ),
                None => String::new(),
            },
            super::evidence::EvidenceStatus::SlaMissed => match &c.sla {
                Some(s) => format!(
                    "{} % of {} tickets answered within {}; target {} %",
                    s.attainment, s.tickets, s.response, s.target
                ),
                None => String::new(),
            },
            _ => "declared, but no record names it".to_owned(),
        };
        let _ = writeln!(
            out,
            "  {:<16} {:<24} {detail}",
            p.red(c.status.as_str()),
            c.capability
        );
    }
    let fine = ev
        .capabilities
        .iter()
        .filter(|c| c.status == super::evidence::EvidenceStatus::Ok)
        .count();
    let _ = writeln!(
        out,
        "  {fine} capabilities on schedule; {} stale, {} failed, {} SLA missed, {} without records",
        ev.stale, ev.failed, ev.sla_missed, ev.needs_evidence
    );
}

pub fn render(r: &Report, color: bool) -> String {
    let p = Paint(color);
    let mut out = String::new();
    let a = &r.arrangement;
    let _ = writeln!(
        out,
        "{} — {} ({})",
        p.bold(&clean(&a.organization)),
        a.model,
        clean(&a.path)
    );
    for fw in &r.frameworks {
        let name = match &fw.profile {
            Some(prof) => format!("{} [{}]", fw.catalog, clean(prof)),
            None => fw.catalog.clone(),
        };
        let mark = if fw.passed {
            p.green("pass")
        } else {
            p.red("FAIL")
        };
        let _ = writeln!(out, "  {mark}  {name:<36} {}", counts_line(&fw.counts));
    }
    if r.frameworks.is_empty() {
        let _ = writeln!(
            out,
            "  no framework selected (`frameworks: []`): only the model fit is assessed"
        );
    }
    if let Some(s) = &r.summary.sprs {
        let status = match s.status {
            crate::sprs::Level2Status::NotEligible => p.yellow(s.status_title),
            _ => p.green(s.status_title),
        };
        let _ = writeln!(
            out,
            "  SPRS projection: {} of {} — {status} (Conditional needs ≥ 88 and only POA&M-eligible requirements open; Final needs 110)",
            s.score, s.max
        );
    }
    let bf = r.summary.counts.break_fix_incompatible;
    if bf > 0 {
        // The same split as the reports' break-fix section (context::break_fix).
        let uncovered = r
            .findings
            .iter()
            .filter(|f| f.break_fix_incompatible && f.status != Status::NotApplicable)
            .filter(|f| !f.status.is_met() && f.ongoing_work.iter().any(|d| !d.delivers()))
            .count();
        let _ = writeln!(
            out,
            "  {bf} controls in scope need ongoing work: {uncovered} left to a break-fix vendor or to nobody, {} done by internal staff or an MSP",
            bf - uncovered
        );
    }

    let mut failing: Vec<FindingInfo> = r.findings.iter().filter(|f| f.failing).collect();
    failing.sort_by_key(|f| {
        (
            std::cmp::Reverse(f.severity),
            std::cmp::Reverse(f.status.rank()),
        )
    });
    if !failing.is_empty() {
        let _ = writeln!(out, "\n{}", p.bold("Worst gaps:"));
        for f in failing.iter().take(WORST) {
            let sev = match f.severity {
                Severity::High => p.red("high"),
                Severity::Moderate => p.yellow("moderate"),
                Severity::Low => p.dim("low"),
            };
            let _ = writeln!(
                out,
                "  {:<8} {}:{}  {} [{sev}]",
                status_word(&p, f.status),
                f.catalog,
                clean(f.control),
                clean(f.title)
            );
            if let Some(reason) = f.reasons.first() {
                let more = if f.reasons.len() > 1 {
                    format!(" (+{} more)", f.reasons.len() - 1)
                } else {
                    String::new()
                };
                let _ = writeln!(
                    out,
                    "           {}: {}{more}",
                    reason.code,
                    clean(&reason.message)
                );
            }
        }
        if failing.len() > WORST {
            let _ = writeln!(
                out,
                "  … and {} more failing findings (see -f json or -o report.json)",
                failing.len() - WORST
            );
        }
    }

    if let Some(b) = &r.baseline {
        let _ = writeln!(
            out,
            "\n{} {}, {} (only failing regressions fail the run)",
            p.bold(&format!("Since baseline {}:", clean(&b.baseline))),
            plural(b.regressions.len(), "regression", "regressions"),
            plural(b.improvements.len(), "improvement", "improvements")
        );
        for c in b.regressions.iter().chain(&b.improvements) {
            let before = c.before.map_or("(new)".to_owned(), |s| s.to_string());
            let mark = if c.failing {
                p.red("failing")
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "  {}:{}  {before} -> {}  {mark}",
                c.catalog,
                clean(&c.control),
                c.after
            );
        }
    }

    if let Some(ev) = &r.evidence {
        evidence_block(&mut out, &p, ev);
    }

    if !r.remarks.is_empty() {
        let _ = writeln!(out, "\n{}", p.bold("Notes:"));
        for rm in r.remarks {
            let _ = writeln!(
                out,
                "  {}:{}: {} ({})",
                clean(&a.path),
                rm.line,
                clean(&rm.message),
                rm.code
            );
        }
    }

    let fit = &r.model_fit;
    let verdict = if fit.fits {
        p.green("fits")
    } else {
        p.yellow("misfit")
    };
    let _ = writeln!(out, "\nModel fit: {verdict} — {}", fit.summary);
    let _ = writeln!(out, "{}", p.dim(&format!("Basis: {}", r.basis)));

    let policy = format!(
        "--fail-on {} --min-severity {}",
        r.policy.fail_on, r.policy.min_severity
    );
    let failing = plural(r.summary.counts.failing, "finding fails", "findings fail");
    let verdict = match (&r.baseline, r.summary.passed) {
        (None, true) => format!(
            "{} no findings fail the policy ({policy})",
            p.green("PASS:")
        ),
        (None, false) => format!(
            "{} {failing} the policy ({policy}); exit code 1",
            p.red("FAIL:")
        ),
        (Some(b), true) => format!(
            "{} no failing regressions since {}; {failing} the policy as before ({policy})",
            p.green("PASS:"),
            clean(&b.baseline)
        ),
        (Some(b), false) => format!(
            "{} {} since {} fail the policy ({policy}); exit code 1",
            p.red("FAIL:"),
            plural(
                b.regressions.iter().filter(|c| c.failing).count(),
                "regression",
                "regressions"
            ),
            clean(&b.baseline)
        ),
    };
    let _ = writeln!(out, "{verdict}");
    out
}

fn status_word(p: &Paint, s: Status) -> String {
    let w = format!("{:<8}", s.to_string());
    match s {
        Status::Gap => p.red(&w),
        Status::Partial | Status::NeedsEvidence => p.yellow(&w),
        _ => w,
    }
}

/// The model-fit table of `gapcheck recommend`.
pub fn fit_table(organization: &str, fit: &crate::fit::Fit) -> String {
    use crate::arrangement::Model;
    let mut out = String::new();
    let _ = writeln!(out, "Model fit for {}\n", clean(organization));
    let _ = writeln!(
        out,
        "{:<31} {:<30} {:<11} {:<11} {:<11}",
        "VARIABLE", "THIS ORGANIZATION", "BREAK-FIX", "MANAGED", "CO-MANAGED"
    );
    for v in &fit.variables {
        let mark = |m: Model| {
            if v.matches.contains(&m) {
                "✓ match"
            } else {
                "-"
            }
        };
        let _ = writeln!(
            out,
            "{:<31} {:<30} {:<11} {:<11} {:<11}",
            v.variable,
            truncate(&clean(&v.value), 30),
            mark(Model::BreakFix),
            mark(Model::Managed),
            mark(Model::CoManaged)
        );
    }
    let _ = writeln!(out);
    for s in &fit.scores {
        let note = s
            .ruled_out
            .as_ref()
            .map(|r| format!(" — ruled out: {r}"))
            .unwrap_or_default();
        let _ = writeln!(out, "{:<11} {} of 6{note}", s.model.to_string(), s.score);
    }
    let _ = writeln!(out, "\nRecommended: {} — {}", fit.recommended, fit.summary);
    out
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        format!("{}…", s.chars().take(n - 1).collect::<String>())
    }
}

/// `gapcheck catalog list`.
pub fn catalog_list(registry: &crate::catalog::Registry) -> String {
    let mut out = format!(
        "{:<20} {:>8}  {:<28} {:<12} TITLE\n",
        "ID", "CONTROLS", "PROFILES", "VERSION"
    );
    for cat in registry.catalogs.values() {
        let profiles: Vec<&str> = cat.profiles.keys().map(String::as_str).collect();
        let _ = writeln!(
            out,
            "{:<20} {:>8}  {:<28} {:<12} {}",
            clean(&cat.id),
            cat.controls.len(),
            if profiles.is_empty() {
                "-".to_owned()
            } else {
                clean(&profiles.join(","))
            },
            clean(cat.version.as_deref().unwrap_or("-")),
            clean(&cat.title)
        );
    }
    out
}

/// `gapcheck catalog show CATALOG`.
pub fn catalog_overview(c: &crate::catalog::Catalog) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} — {}", c.id, clean(&c.title));
    for (label, v) in [
        ("authority", &c.authority),
        ("source", &c.source),
        ("version", &c.version),
        ("url", &c.url),
    ] {
        if let Some(v) = v {
            let _ = writeln!(out, "  {label:<10} {}", clean(v));
        }
    }
    for (name, desc) in &c.profiles {
        let _ = writeln!(out, "  profile    {name}: {}", clean(desc));
    }
    for f in &c.files {
        let _ = writeln!(out, "  file       {} (sha256 {})", clean(&f.path), f.sha256);
    }
    let _ = writeln!(
        out,
        "\n{:<24} {:<9} {:<10} TITLE",
        "CONTROL", "SEVERITY", "BREAK-FIX"
    );
    for k in &c.controls {
        let bf = if k.break_fix_incompatible { "no" } else { "ok" };
        let _ = writeln!(
            out,
            "{:<24} {:<9} {:<10} {}",
            clean(&k.id),
            k.severity.to_string(),
            bf,
            clean(&k.title)
        );
    }
    out
}

/// `gapcheck catalog show CATALOG:CONTROL`.
pub fn control_detail(
    cat: &crate::catalog::Catalog,
    c: &crate::catalog::Control,
    registry: &crate::catalog::Registry,
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}:{} — {}", cat.id, clean(&c.id), clean(&c.title));
    let _ = writeln!(out, "  citation   {}", clean(&c.citation));
    if let Some(g) = &c.group {
        let _ = writeln!(out, "  group      {}", clean(g));
    }
    let _ = writeln!(out, "  severity   {}", c.severity);
    let profiles = if c.profiles.is_empty() {
        "all".to_owned()
    } else {
        c.profiles.join(", ")
    };
    let _ = writeln!(out, "  profiles   {profiles}");
    let _ = writeln!(
        out,
        "  break-fix  {}",
        if c.break_fix_incompatible {
            "needs ongoing work: a break-fix vendor alone cannot deliver it; internal staff or an MSP can"
        } else {
            "can be satisfied without ongoing work"
        }
    );
    for (k, v) in &c.props {
        let v = match v {
            crate::catalog::Prop::Bool(b) => b.to_string(),
            crate::catalog::Prop::Int(i) => i.to_string(),
            crate::catalog::Prop::Str(s) => clean(s),
        };
        let _ = writeln!(out, "  prop       {k}: {v}");
    }
    let _ = writeln!(out, "\nStatement:\n  {}", clean(&c.statement));
    match &c.requires {
        Some(r) => {
            let _ = writeln!(out, "\nRequires:");
            requirement_lines(&mut out, r, registry, 1);
        }
        None => {
            let _ = writeln!(
                out,
                "\nRequires: nothing a provider delivers; met by an attestation"
            );
        }
    }
    if let Some(why) = &c.rationale {
        let _ = writeln!(out, "\nRationale:\n  {}", clean(why));
    }
    if let Some(g) = &c.guidance {
        let _ = writeln!(out, "\nGuidance:\n  {}", clean(g));
    }
    if !c.related.is_empty() {
        let rel: Vec<String> = c.related.iter().map(|r| r.to_string()).collect();
        let _ = writeln!(out, "\nRelated: {}", rel.join(", "));
    }
    out
}

/// One line per node of a requirement expression, indented by depth.
pub fn requirement_lines(
    out: &mut String,
    r: &crate::catalog::Requirement,
    registry: &crate::catalog::Registry,
    depth: usize,
) {
    use crate::catalog::Requirement;
    let pad = "  ".repeat(depth);
    match r {
        Requirement::Leaf(l) => {
            let kind = registry
                .vocabulary
                .get(&l.capability)
                .map(|c| c.kind.to_string())
                .unwrap_or_default();
            let mut extra = Vec::new();
            if let Some(c) = l.cadence {
                extra.push(format!("{c} or more often"));
            }
            if let Some(c) = l.coverage {
                extra.push(format!("coverage {c}"));
            }
            if let Some(d) = l.response {
                extra.push(format!("response within {d}"));
            }
            if let Some(o) = l.owner {
                extra.push(format!("owner {o}"));
            }
            let extra = if extra.is_empty() {
                String::new()
            } else {
                format!(" — {}", extra.join(", "))
            };
            let _ = writeln!(out, "{pad}- {} ({kind}){extra}", l.capability);
        }
        Requirement::All(v) | Requirement::Any(v) => {
            let word = if matches!(r, Requirement::All(_)) {
                "all of:"
            } else {
                "any of:"
            };
            let _ = writeln!(out, "{pad}- {word}");
            v.iter()
                .for_each(|c| requirement_lines(out, c, registry, depth + 1));
        }
    }
}

/// "1 finding", "2 findings".
pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
