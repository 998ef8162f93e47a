//! Portfolio mode: many arrangements in one run, as an MSP checks all its clients. Files
//! are discovered under a directory, checked in parallel on every core, and summarized one
//! row per organization.

use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::diag::{Diagnostic, Level};

/// The arrangement files under `dir`: YAML files whose top level has a `gapcheck:` key,
/// sorted by path, symlinks not followed. Other YAML files are returned as skipped, so `-v`
/// can say which were passed over.
pub fn discover(dir: &Path) -> (Vec<PathBuf>, Vec<PathBuf>, Vec<Diagnostic>) {
    let mut found = Vec::new();
    let mut skipped = Vec::new();
    let mut errors = Vec::new();
    for entry in walkdir::WalkDir::new(dir)
        .follow_links(false)
        .sort_by_file_name()
    {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                errors.push(Diagnostic {
                    level: Level::Error,
                    file: e.path().unwrap_or(dir).display().to_string(),
                    pos: None,
                    message: format!("cannot read directory entry: {e}"),
                    help: Some(
                        "check permissions, or pass the arrangement files one by one".into(),
                    ),
                    source_line: None,
                });
                continue;
            }
        };
        let path = entry.path();
        if !entry.file_type().is_file()
            || !path.extension().is_some_and(|x| x == "yaml" || x == "yml")
        {
            continue;
        }
        if is_arrangement(path) {
            found.push(path.to_path_buf());
        } else {
            skipped.push(path.to_path_buf());
        }
    }
    (found, skipped, errors)
}

/// A cheap test for a top-level `gapcheck:` key: a line starting with it, outside any
/// indentation. Full parsing happens when the file is checked.
fn is_arrangement(path: &Path) -> bool {
    use std::io::{BufRead, BufReader};
    let Ok(f) = std::fs::File::open(path) else {
        return true;
    };
    // Arrangements put `gapcheck:` first; reading a bounded prefix keeps discovery cheap on
    // huge non-arrangement files.
    BufReader::new(f.take(1 << 20))
        .lines()
        .map_while(Result::ok)
        .any(|l| l.trim_start_matches('\u{feff}').starts_with("gapcheck:"))
}

/// One organization's line in the portfolio index.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub path: String,
    pub organization: String,
    pub model: crate::arrangement::Model,
    pub recommended: crate::arrangement::Model,
    pub model_fits: bool,
    pub controls: usize,
    pub gaps: usize,
    pub partial: usize,
    pub failing: usize,
    pub sprs: Option<i64>,
    pub passed: bool,
    /// The per-arrangement report files written with `-o DIR/`, relative to DIR.
    pub reports: Vec<String>,
    /// What the client's records of work done say (`--evidence`); absent without them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<EvidenceRow>,
    /// Where the client stands, for the index's clients-by-status chart.
    pub status: ClientStatus,
    /// The controls needing work (failing, not met or partly met) as `catalog:control`,
    /// sorted: the index counts them across clients.
    pub needing_work: Vec<String>,
    /// Per capability, the controls needing work it alone would resolve, most first (the
    /// report's "resolved by this alone"): the index sums them across clients.
    pub resolves_alone: Vec<Resolves>,
    /// CMMC Level 2 status the SPRS projection allows; absent without CMMC Level 2.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sprs_status: Option<crate::sprs::Level2Status>,
}

/// A client's standing in the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClientStatus {
    /// Some control fails the policy.
    Fails,
    /// Passes the policy, with controls still needing work (partly met, say).
    OpenWork,
    /// Passes, and no control needs work.
    Clear,
}

impl ClientStatus {
    pub const ALL: [ClientStatus; 3] = [
        ClientStatus::Fails,
        ClientStatus::OpenWork,
        ClientStatus::Clear,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ClientStatus::Fails => "fails",
            ClientStatus::OpenWork => "open-work",
            ClientStatus::Clear => "clear",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ClientStatus::Fails => "fails the policy",
            ClientStatus::OpenWork => "passes, work open",
            ClientStatus::Clear => "passes, nothing open",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Resolves {
    pub capability: String,
    pub controls: usize,
}

impl Row {
    /// The row of one evaluated client, from what its report already computed. `reports`
    /// is filled in by the caller once the file names are known.
    pub fn new(run: &crate::report::Run, report: &crate::report::Report) -> Row {
        let c = &report.summary.counts;
        let passed = run.passed();
        let needing_work = crate::report::context::needing_work(run);
        Row {
            path: run.arrangement.path.clone(),
            organization: run.arrangement.organization.name.clone(),
            model: run.arrangement.model,
            recommended: run.fit.recommended,
            model_fits: run.fit.fits,
            controls: c.controls,
            gaps: c.gap,
            partial: c.partial,
            failing: c.failing,
            sprs: run.sprs.map(|s| s.score),
            passed,
            reports: Vec::new(),
            evidence: report.evidence.as_ref().map(EvidenceRow::of),
            status: if !passed {
                ClientStatus::Fails
            } else if !needing_work.is_empty() {
                ClientStatus::OpenWork
            } else {
                ClientStatus::Clear
            },
            needing_work,
            resolves_alone: crate::report::context::resolves_alone(run)
                .into_iter()
                .map(|(capability, controls)| Resolves {
                    capability,
                    controls,
                })
                .collect(),
            sprs_status: run.sprs.map(|s| s.status),
        }
    }
}

/// One client's evidence in the index: enough to sort the MSP's morning list.
#[derive(Debug, Clone, Serialize)]
pub struct EvidenceRow {
    pub failed: usize,
    pub stale: usize,
    pub sla_missed: usize,
    pub needs_evidence: usize,
    /// The longest time any capability's latest success is past its limit.
    pub worst_overdue_hours: Option<i64>,
    /// `capability (status, figure)` for every capability whose evidence breaks a rule.
    pub problems: Vec<String>,
}

impl EvidenceRow {
    pub fn of(s: &crate::report::evidence::EvidenceSummary) -> EvidenceRow {
        use crate::report::evidence::EvidenceStatus;
        let problems = s
            .capabilities
            .iter()
            .filter(|c| c.status.is_problem())
            .map(|c| {
                let figure = match c.status {
                    EvidenceStatus::Stale => c.overdue.as_ref().map(|o| format!("{o} overdue")),
                    EvidenceStatus::SlaMissed => c
                        .sla
                        .as_ref()
                        .map(|x| format!("{} % of {} %", x.attainment, x.target)),
                    EvidenceStatus::Failed => c.last.as_ref().map(|l| l.when.clone()),
                    _ => None,
                };
                match figure {
                    Some(f) => format!("{} ({}, {f})", c.capability, c.status),
                    None => format!("{} ({})", c.capability, c.status),
                }
            })
            .collect();
        EvidenceRow {
            failed: s.failed,
            stale: s.stale,
            sla_missed: s.sla_missed,
            needs_evidence: s.needs_evidence,
            worst_overdue_hours: s.capabilities.iter().filter_map(|c| c.overdue_hours).max(),
            problems,
        }
    }
}

/// The morning list: clients whose evidence breaks a rule, worst first (failed, then
/// stale, then the longest overdue, then missed SLAs).
pub fn morning_list(index: &Index) -> Vec<(&Row, &EvidenceRow)> {
    let mut list: Vec<(&Row, &EvidenceRow)> = index
        .rows
        .iter()
        .filter_map(|r| r.evidence.as_ref().map(|e| (r, e)))
        .filter(|(_, e)| !e.problems.is_empty())
        .collect();
    list.sort_by(|(ra, a), (rb, b)| {
        b.failed
            .cmp(&a.failed)
            .then(b.stale.cmp(&a.stale))
            .then(b.worst_overdue_hours.cmp(&a.worst_overdue_hours))
            .then(b.sla_missed.cmp(&a.sla_missed))
            .then(b.needs_evidence.cmp(&a.needs_evidence))
            .then(ra.organization.cmp(&rb.organization))
            .then(ra.path.cmp(&rb.path))
    });
    list
}

/// The morning list as a block of the text, Markdown or HTML index; empty when no client
/// was checked against evidence.
fn morning(index: &Index, kind: &str) -> String {
    if index.rows.iter().all(|r| r.evidence.is_none()) {
        return String::new();
    }
    let list = morning_list(index);
    let clean = crate::report::text::clean;
    let md = crate::report::markdown::escape;
    let h = crate::report::html::escape;
    let mut out = String::new();
    match kind {
        "text" => {
            out.push_str(&format!(
                "\nEvidence: {} client(s) with stale, failed or missing records, worst first\n",
                list.len()
            ));
            for (r, e) in &list {
                out.push_str(&format!(
                    "  {:<34} {}\n",
                    clean(&r.organization).chars().take(34).collect::<String>(),
                    clean(&e.problems.join("; "))
                ));
            }
        }
        "markdown" => {
            out.push_str(&format!(
                "\n## Evidence: the morning list\n\n{} client(s) with stale, failed or missing records, worst first.\n",
                list.len()
            ));
            if !list.is_empty() {
                out.push_str("\n| Organization | Failed | Stale | SLA missed | Worst overdue | Problems |\n|---|--:|--:|--:|--:|---|\n");
                for (r, e) in &list {
                    out.push_str(&format!(
                        "| {} | {} | {} | {} | {} | {} |\n",
                        md(&r.organization),
                        e.failed,
                        e.stale,
                        e.sla_missed,
                        e.worst_overdue_hours
                            .map_or("—".into(), |x| format!("{x} h")),
                        md(&e.problems.join("; "))
                    ));
                }
            }
        }
        _ => {
            out.push_str(&format!(
                "<h2>Evidence: the morning list</h2>\n<p>{} client(s) with stale, failed or missing records, worst first.</p>\n",
                list.len()
            ));
            if !list.is_empty() {
                out.push_str("<table>\n<thead><tr><th scope=\"col\">Organization</th><th scope=\"col\">Failed</th><th scope=\"col\">Stale</th><th scope=\"col\">SLA missed</th><th scope=\"col\">Worst overdue</th><th scope=\"col\">Problems</th></tr></thead>\n<tbody>\n");
                for (r, e) in &list {
                    out.push_str(&format!(
                        "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>\n",
                        h(&r.organization),
                        e.failed,
                        e.stale,
                        e.sla_missed,
                        e.worst_overdue_hours.map_or("—".into(), |x| format!("{x} h")),
                        h(&e.problems.join("; "))
                    ));
                }
                out.push_str("</tbody>\n</table>\n");
            }
        }
    }
    out
}

/// An arrangement that could not be loaded: listed in the index instead of a row, with its
/// errors (each `file:line:column: message`), so one broken file costs only its own report.
#[derive(Debug, Clone, Serialize)]
pub struct Invalid {
    pub path: String,
    pub errors: Vec<String>,
}

impl Invalid {
    pub fn new(path: &Path, diags: &[Diagnostic]) -> Invalid {
        let errors = diags
            .iter()
            .filter(|d| d.level == Level::Error)
            .map(|d| match d.pos {
                Some(p) => format!("{}:{}:{}: {}", d.file, p.line, p.column, d.message),
                None => format!("{}: {}", d.file, d.message),
            })
            .collect();
        Invalid {
            path: path.display().to_string(),
            errors,
        }
    }
}

/// Totals over the portfolio.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub arrangements: usize,
    /// Arrangements that could not be loaded (not counted in `arrangements`).
    pub invalid: usize,
    pub passed: usize,
    pub failed: usize,
    pub gaps: usize,
    pub failing: usize,
    pub misfits: usize,
}

/// The portfolio index: one row per arrangement and the totals.
#[derive(Debug, Clone, Serialize)]
pub struct Index {
    pub generated_at: String,
    pub summary: Summary,
    pub rows: Vec<Row>,
    pub invalid: Vec<Invalid>,
}

impl Index {
    pub fn new(generated_at: String, rows: Vec<Row>, invalid: Vec<Invalid>) -> Index {
        let summary = Summary {
            arrangements: rows.len(),
            invalid: invalid.len(),
            passed: rows.iter().filter(|r| r.passed).count(),
            failed: rows.iter().filter(|r| !r.passed).count(),
            gaps: rows.iter().map(|r| r.gaps).sum(),
            failing: rows.iter().map(|r| r.failing).sum(),
            misfits: rows.iter().filter(|r| !r.model_fits).count(),
        };
        Index {
            generated_at,
            summary,
            rows,
            invalid,
        }
    }
}

/// How many entries the "most common" and "closes most" lists show.
const TOP: usize = 10;

/// What the index says across clients. Computed from the rows alone (the portfolio keeps
/// only rows, not whole reports), so the charts can be checked against the JSON `index`.
#[derive(Debug, Clone)]
pub struct Overview {
    /// Clients per status, in [`ClientStatus::ALL`] order, then the invalid ones.
    pub by_status: Vec<(ClientStatus, usize)>,
    pub invalid: usize,
    /// Controls needing work at the most clients, most first.
    pub common: Vec<Common>,
    /// Capabilities that alone would resolve the most controls needing work, summed over
    /// clients.
    pub closers: Vec<Closer>,
    /// Clients with an SPRS score, by band; `None` when no client is under CMMC Level 2.
    pub sprs: Option<Vec<SprsBand>>,
}

#[derive(Debug, Clone)]
pub struct Common {
    pub control: String,
    pub clients: usize,
}

#[derive(Debug, Clone)]
pub struct Closer {
    pub capability: String,
    /// Controls needing work it alone would resolve, over all clients.
    pub controls: usize,
    /// Clients where it resolves at least one.
    pub clients: usize,
}

#[derive(Debug, Clone)]
pub struct SprsBand {
    /// Stable id used in the chart (`data-band`).
    pub id: &'static str,
    pub label: &'static str,
    pub min: i64,
    pub max: i64,
    pub clients: usize,
}

/// The SPRS bands of the distribution: all met, the Conditional Level 2 range (88 or more),
/// positive, and negative scores.
const SPRS_BANDS: [(&str, &str, i64, i64); 4] = [
    ("110", "110", 110, 110),
    ("88-109", "88 to 109", 88, 109),
    ("0-87", "0 to 87", 0, 87),
    ("below-0", "below 0", -203, -1),
];

impl Overview {
    pub fn of(index: &Index) -> Overview {
        let rows = &index.rows;
        let by_status = ClientStatus::ALL
            .iter()
            .map(|s| (*s, rows.iter().filter(|r| r.status == *s).count()))
            .collect();
        let mut common: std::collections::BTreeMap<&str, usize> = Default::default();
        let mut closers: std::collections::BTreeMap<&str, (usize, usize)> = Default::default();
        for r in rows {
            for c in &r.needing_work {
                *common.entry(c).or_default() += 1;
            }
            for x in &r.resolves_alone {
                let e = closers.entry(&x.capability).or_default();
                e.0 += x.controls;
                e.1 += 1;
            }
        }
        // "Common" means at two clients or more; a control open at one client is that
        // client's report's business.
        let mut common: Vec<Common> = common
            .into_iter()
            .filter(|(_, n)| *n >= 2)
            .map(|(c, n)| Common {
                control: c.to_owned(),
                clients: n,
            })
            .collect();
        common.sort_by(|a, b| b.clients.cmp(&a.clients).then(a.control.cmp(&b.control)));
        common.truncate(TOP);
        let mut closers: Vec<Closer> = closers
            .into_iter()
            .map(|(c, (controls, clients))| Closer {
                capability: c.to_owned(),
                controls,
                clients,
            })
            .collect();
        closers.sort_by(|a, b| {
            b.controls
                .cmp(&a.controls)
                .then(b.clients.cmp(&a.clients))
                .then(a.capability.cmp(&b.capability))
        });
        closers.truncate(TOP);
        let scores: Vec<i64> = rows.iter().filter_map(|r| r.sprs).collect();
        let sprs = (!scores.is_empty()).then(|| {
            SPRS_BANDS
                .iter()
                .map(|(id, label, min, max)| SprsBand {
                    id,
                    label,
                    min: *min,
                    max: *max,
                    clients: scores
                        .iter()
                        .filter(|s| {
                            // The scale's floor is -203; anything below still counts there.
                            (**s >= *min || *id == "below-0") && **s <= *max
                        })
                        .count(),
                })
                .collect()
        });
        Overview {
            by_status,
            invalid: index.invalid.len(),
            common,
            closers,
            sprs,
        }
    }
}

/// The rule the "closes most" list follows, stated in every rendering.
const CLOSER_RULE: &str = "A capability closes a client's control when it is the only capability that control's reasons name (the report's \"resolved by this alone\"): assigning it to a capable owner at the required strength resolves that control. Counts are summed over clients; only controls needing work (failing, not met or partly met) count.";

const COMMON_RULE: &str = "Controls needing work (failing, not met or partly met) at two clients or more, by how many clients have them.";

fn status_colour(s: Option<ClientStatus>) -> &'static str {
    match s {
        Some(ClientStatus::Fails) => "#b42318",
        Some(ClientStatus::OpenWork) => "#b54708",
        Some(ClientStatus::Clear) => "#067647",
        None => "#667085",
    }
}

/// The clients-by-status bar: one `rect` per non-empty status with `data-status` and
/// `data-count` (a test reads them back against the JSON rows).
fn status_svg(o: &Overview) -> String {
    const W: f64 = 600.0;
    let mut parts: Vec<(Option<ClientStatus>, &str, &str, usize)> = o
        .by_status
        .iter()
        .map(|(s, n)| (Some(*s), s.as_str(), s.label(), *n))
        .collect();
    parts.push((None, "invalid", "invalid, not checked", o.invalid));
    let total: usize = parts.iter().map(|p| p.3).sum();
    let mut svg = format!(
        "<svg class=\"chart\" data-chart=\"clients-by-status\" viewBox=\"0 0 600 30\" width=\"100%\" role=\"img\" aria-label=\"{total} clients by status\">"
    );
    let mut legend = String::from("<ul class=\"legend\">");
    let mut x = 0.0;
    for (s, id, label, n) in &parts {
        let colour = status_colour(*s);
        legend.push_str(&format!(
            "<li><span class=\"swatch\" style=\"background:{colour}\"></span>{label}: <strong>{n}</strong></li>"
        ));
        if *n == 0 || total == 0 {
            continue;
        }
        let w = W * *n as f64 / total as f64;
        svg.push_str(&format!(
            "<rect data-status=\"{id}\" data-count=\"{n}\" x=\"{x:.1}\" y=\"0\" width=\"{w:.1}\" height=\"30\" fill=\"{colour}\"></rect>"
        ));
        if w >= 24.0 {
            svg.push_str(&format!(
                "<text x=\"{:.1}\" y=\"20\" text-anchor=\"middle\" fill=\"#fff\" font-size=\"14\" font-weight=\"600\">{n}</text>",
                x + w / 2.0
            ));
        }
        x += w;
    }
    svg.push_str("</svg>");
    legend.push_str("</ul>");
    format!("<figure class=\"bar\">{svg}<figcaption>{legend}</figcaption></figure>\n")
}

/// The SPRS distribution: one horizontal bar per band, `data-band`/`data-count` on each.
fn sprs_svg(bands: &[SprsBand]) -> String {
    let max = bands.iter().map(|b| b.clients).max().unwrap_or(0).max(1);
    let h = 26 * bands.len();
    let mut svg = format!(
        "<svg class=\"chart\" data-chart=\"sprs\" viewBox=\"0 0 600 {h}\" width=\"100%\" role=\"img\" aria-label=\"CMMC Level 2 clients by SPRS score band\">"
    );
    for (i, b) in bands.iter().enumerate() {
        let y = 26 * i;
        let w = 380.0 * b.clients as f64 / max as f64;
        let colour = match b.id {
            "110" => "#067647",
            "88-109" => "#b54708",
            _ => "#b42318",
        };
        svg.push_str(&format!(
            "<text x=\"170\" y=\"{}\" text-anchor=\"end\" font-size=\"13\">{}</text><rect data-band=\"{}\" data-count=\"{}\" x=\"180\" y=\"{}\" width=\"{w:.1}\" height=\"18\" fill=\"{colour}\"></rect><text x=\"{:.1}\" y=\"{}\" font-size=\"13\" font-weight=\"600\">{}</text>",
            y + 17,
            b.label,
            b.id,
            b.clients,
            y + 3,
            186.0 + w,
            y + 17,
            b.clients
        ));
    }
    svg.push_str("</svg>");
    format!("<figure class=\"bar\">{svg}</figure>\n")
}

/// The cross-client sections of the HTML index.
fn overview_html(index: &Index) -> String {
    let e = crate::report::html::escape;
    let o = Overview::of(index);
    let mut out = String::from("<h2>Clients by status</h2>\n");
    out.push_str(&status_svg(&o));
    out.push_str("<h2>Controls needing work at the most clients</h2>\n");
    out.push_str(&format!("<p>{}</p>\n", e(COMMON_RULE)));
    if o.common.is_empty() {
        out.push_str("<p>None: no control needs work at more than one client.</p>\n");
    } else {
        out.push_str("<table class=\"compact\">\n<thead><tr><th scope=\"col\">Control</th><th scope=\"col\" class=\"num\">Clients</th><th scope=\"col\" class=\"num\">Share of clients</th></tr></thead>\n<tbody>\n");
        for c in &o.common {
            out.push_str(&format!(
                "<tr><td class=\"mono\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>\n",
                e(&c.control),
                c.clients,
                share(c.clients, index.rows.len())
            ));
        }
        out.push_str("</tbody>\n</table>\n");
    }
    out.push_str("<h2>Capabilities whose change would close the most controls</h2>\n");
    out.push_str(&format!("<p>{}</p>\n", e(CLOSER_RULE)));
    if o.closers.is_empty() {
        out.push_str("<p>None: no control needing work has a single capability at fault.</p>\n");
    } else {
        out.push_str("<table class=\"compact\">\n<thead><tr><th scope=\"col\">Capability</th><th scope=\"col\" class=\"num\">Controls it alone would close</th><th scope=\"col\" class=\"num\">Clients</th></tr></thead>\n<tbody>\n");
        for c in &o.closers {
            out.push_str(&format!(
                "<tr><td class=\"mono\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>\n",
                e(&c.capability),
                c.controls,
                c.clients
            ));
        }
        out.push_str("</tbody>\n</table>\n");
    }
    if let Some(bands) = &o.sprs {
        let n: usize = bands.iter().map(|b| b.clients).sum();
        out.push_str("<h2>SPRS scores of CMMC Level 2 clients</h2>\n");
        out.push_str(&format!(
            "<p>{n} client(s) under CMMC Level 2, by SPRS score (−203 to 110). 88 is the least score for Conditional Level 2 (Self) status, which also needs every open requirement to be POA&amp;M-eligible; 110 means every requirement is met.</p>\n"
        ));
        out.push_str(&sprs_svg(bands));
        let mut cmmc: Vec<&Row> = index.rows.iter().filter(|r| r.sprs.is_some()).collect();
        cmmc.sort_by(|a, b| {
            a.sprs
                .cmp(&b.sprs)
                .then(a.organization.cmp(&b.organization))
        });
        out.push_str("<table class=\"compact\">\n<thead><tr><th scope=\"col\">Organization</th><th scope=\"col\" class=\"num\">SPRS</th><th scope=\"col\">Level 2 (Self) status</th></tr></thead>\n<tbody>\n");
        for r in cmmc {
            out.push_str(&format!(
                "<tr><td>{}</td><td class=\"num\">{}</td><td>{}</td></tr>\n",
                e(&r.organization),
                sprs_cell(r),
                r.sprs_status.map_or("", |s| s.title())
            ));
        }
        out.push_str("</tbody>\n</table>\n");
    }
    out
}

fn share(n: usize, of: usize) -> String {
    if of == 0 {
        return "—".into();
    }
    format!("{} %", (n * 100 + of / 2) / of)
}

/// The cross-client sections of the Markdown index: a Mermaid pie (fixed labels and numbers
/// only inside the fence) and tables.
fn overview_markdown(index: &Index) -> String {
    let e = crate::report::markdown::escape;
    let o = Overview::of(index);
    let mut out = String::from(
        "\n## Clients by status\n\n```mermaid\npie showData title Clients by status\n",
    );
    let mut table = String::from("\n| Status | Clients |\n|---|--:|\n");
    for (s, n) in &o.by_status {
        if *n > 0 {
            out.push_str(&format!("    \"{}\" : {n}\n", s.label()));
        }
        table.push_str(&format!("| {} | {n} |\n", s.label()));
    }
    if o.invalid > 0 {
        out.push_str(&format!("    \"invalid, not checked\" : {}\n", o.invalid));
    }
    table.push_str(&format!("| invalid, not checked | {} |\n", o.invalid));
    out.push_str("```\n");
    out.push_str(&table);
    out.push_str(&format!(
        "\n## Controls needing work at the most clients\n\n{}\n",
        e(COMMON_RULE)
    ));
    if o.common.is_empty() {
        out.push_str("\nNone: no control needs work at more than one client.\n");
    } else {
        out.push_str("\n| Control | Clients | Share of clients |\n|---|--:|--:|\n");
        for c in &o.common {
            out.push_str(&format!(
                "| {} | {} | {} |\n",
                e(&c.control),
                c.clients,
                share(c.clients, index.rows.len())
            ));
        }
    }
    out.push_str(&format!(
        "\n## Capabilities whose change would close the most controls\n\n{}\n",
        e(CLOSER_RULE)
    ));
    if o.closers.is_empty() {
        out.push_str("\nNone: no control needing work has a single capability at fault.\n");
    } else {
        out.push_str("\n| Capability | Controls it alone would close | Clients |\n|---|--:|--:|\n");
        for c in &o.closers {
            out.push_str(&format!(
                "| {} | {} | {} |\n",
                e(&c.capability),
                c.controls,
                c.clients
            ));
        }
    }
    if let Some(bands) = &o.sprs {
        out.push_str(
            "\n## SPRS scores of CMMC Level 2 clients\n\n| SPRS score | Clients |\n|---|--:|\n",
        );
        for b in bands {
            out.push_str(&format!("| {} | {} |\n", e(b.label), b.clients));
        }
        let mut cmmc: Vec<&Row> = index.rows.iter().filter(|r| r.sprs.is_some()).collect();
        cmmc.sort_by(|a, b| {
            a.sprs
                .cmp(&b.sprs)
                .then(a.organization.cmp(&b.organization))
        });
        out.push_str("\n| Organization | SPRS | Level 2 (Self) status |\n|---|--:|---|\n");
        for r in cmmc {
            out.push_str(&format!(
                "| {} | {} | {} |\n",
                e(&r.organization),
                sprs_cell(r),
                r.sprs_status.map_or("", |s| s.title())
            ));
        }
    }
    out
}

/// The cross-client lines of the terminal index.
fn overview_text(index: &Index) -> String {
    let clean = crate::report::text::clean;
    let o = Overview::of(index);
    let mut out = String::from("\nClients by status: ");
    let parts: Vec<String> = o
        .by_status
        .iter()
        .map(|(s, n)| format!("{n} {}", s.label()))
        .collect();
    out.push_str(&parts.join(", "));
    out.push('\n');
    if !o.common.is_empty() {
        out.push_str("Controls needing work at the most clients: ");
        let v: Vec<String> = o
            .common
            .iter()
            .take(5)
            .map(|c| format!("{} ({})", clean(&c.control), c.clients))
            .collect();
        out.push_str(&v.join(", "));
        out.push('\n');
    }
    if !o.closers.is_empty() {
        out.push_str("Capabilities that alone would close the most controls: ");
        let v: Vec<String> = o
            .closers
            .iter()
            .take(5)
            .map(|c| {
                format!(
                    "{} ({} at {} clients)",
                    clean(&c.capability),
                    c.controls,
                    c.clients
                )
            })
            .collect();
        out.push_str(&v.join(", "));
        out.push('\n');
    }
    if let Some(bands) = &o.sprs {
        let v: Vec<String> = bands
            .iter()
            .map(|b| format!("{}: {}", b.label, b.clients))
            .collect();
        out.push_str(&format!("SPRS of CMMC Level 2 clients: {}\n", v.join(", ")));
    }
    out
}

pub const SCHEMA: &str = "gapcheck/portfolio/v1";

/// File names (without extension) for each arrangement's reports under `-o DIR/`.
///
/// The scheme (README, "Portfolios"): `STEM-HASH`, where STEM is the file stem in lower case
/// with every character outside `a-z 0-9 - _` replaced by `_` and cut to 60 bytes, and HASH
/// the first 10 hex digits of the SHA-256 of the path as given or found. So `a.yaml` and
/// `a.yml`, `x y.yaml` and `x_y.yaml`, `A.yaml` and `a.yaml` (on a case-insensitive disk)
/// get different names, no name is `index`, every name is the same on every run, and a
/// name stays far below the 255-byte limit of file names. Should two names still agree (the
/// same path given twice), the later ones get `-2`, `-3`, ….
pub fn report_names(paths: &[PathBuf]) -> Vec<String> {
    let mut seen = std::collections::HashMap::<String, usize>::new();
    paths
        .iter()
        .map(|p| {
            let stem: String = p
                .file_stem()
                .map_or_else(
                    || "arrangement".into(),
                    |s| s.to_string_lossy().to_lowercase(),
                )
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                        c
                    } else {
                        '_'
                    }
                })
                .take(60)
                .collect();
            let hash = crate::sha256_hex(p.to_string_lossy().as_bytes());
            let name = format!("{stem}-{}", &hash[..10]);
            let n = seen.entry(name.clone()).or_insert(0);
            *n += 1;
            if *n == 1 { name } else { format!("{name}-{n}") }
        })
        .collect()
}

/// The portfolio JSON: every full report and the index.
pub fn json(index: &Index, reports: &[&crate::report::Report]) -> String {
    let mut out = Vec::new();
    let write = |out: &mut Vec<u8>| -> std::io::Result<()> {
        let mut w = JsonWriter::begin(&mut *out, &index.generated_at)?;
        for r in reports {
            w.report(r)?;
        }
        w.finish(index)?;
        Ok(())
    };
    write(&mut out).expect("writing to memory cannot fail");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

/// The portfolio JSON written while the clients are checked, one report at a time, so a
/// portfolio never holds every report (issue 17). The bytes are those of serializing the
/// whole document with `serde_json::to_string_pretty`: each part is pretty-printed alone
/// and indented to its depth (JSON text has no raw line breaks inside strings).
pub struct JsonWriter<W: std::io::Write> {
    out: W,
    reports: usize,
}

impl<W: std::io::Write> JsonWriter<W> {
    pub fn begin(mut out: W, generated_at: &str) -> std::io::Result<Self> {
        write!(
            out,
            "{{\n  \"schema\": {},\n  \"generated_at\": {},\n  \"reports\": [",
            serde_json::to_string(SCHEMA)?,
            serde_json::to_string(generated_at)?
        )?;
        Ok(JsonWriter { out, reports: 0 })
    }

    /// Appends one client's report (in the order of the index rows).
    pub fn report(&mut self, report: &impl Serialize) -> std::io::Result<()> {
        self.out
            .write_all(if self.reports == 0 { b"\n" } else { b",\n" })?;
        self.reports += 1;
        self.out.write_all(b"    ")?;
        nested(&mut self.out, report, 2)
    }

    /// Writes the summary, index and invalid list after the reports and returns the writer.
    pub fn finish(mut self, index: &Index) -> std::io::Result<W> {
        let out = &mut self.out;
        out.write_all(if self.reports == 0 {
            b"],\n"
        } else {
            b"\n  ],\n"
        })?;
        out.write_all(b"  \"summary\": ")?;
        nested(out, &index.summary, 1)?;
        out.write_all(b",\n  \"index\": ")?;
        nested(out, &index.rows, 1)?;
        out.write_all(b",\n  \"invalid\": ")?;
        nested(out, &index.invalid, 1)?;
        out.write_all(b"\n}\n")?;
        Ok(self.out)
    }
}

/// `value` pretty-printed as it appears `depth` levels deep: every line after the first
/// indented by two spaces per level (the first line's indent is the caller's).
fn nested(
    out: &mut impl std::io::Write,
    value: &impl Serialize,
    depth: usize,
) -> std::io::Result<()> {
    struct Indent<'w, W: std::io::Write> {
        out: &'w mut W,
        pad: &'static [u8],
    }
    impl<W: std::io::Write> std::io::Write for Indent<'_, W> {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            let mut rest = buf;
            while let Some(i) = rest.iter().position(|b| *b == b'\n') {
                self.out.write_all(&rest[..=i])?;
                self.out.write_all(self.pad)?;
                rest = &rest[i + 1..];
            }
            self.out.write_all(rest)?;
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            self.out.flush()
        }
    }
    const PAD: &[u8] = b"    ";
    let pad = &PAD[..(2 * depth).min(PAD.len())];
    let mut w = Indent { out, pad };
    serde_json::to_writer_pretty(&mut w, value).map_err(std::io::Error::from)
}

fn sprs_cell(r: &Row) -> String {
    r.sprs.map_or("—".to_owned(), |s| s.to_string())
}

fn fit_cell(r: &Row) -> String {
    if r.model_fits {
        "fits".to_owned()
    } else {
        format!("misfit (best: {})", r.recommended)
    }
}

/// The terminal table of a portfolio run.
pub fn text(index: &Index, color: bool) -> String {
    use std::fmt::Write;
    let clean = crate::report::text::clean;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<6} {:<34} {:<11} {:<26} {:>5} {:>8} {:>6}  ARRANGEMENT",
        "RESULT", "ORGANIZATION", "MODEL", "MODEL FIT", "GAPS", "FAILING", "SPRS"
    );
    for r in &index.rows {
        let mark = match (r.passed, color) {
            (true, true) => "\x1b[32;1mpass\x1b[0m  ".to_owned(),
            (false, true) => "\x1b[31;1mFAIL\x1b[0m  ".to_owned(),
            (true, false) => "pass  ".to_owned(),
            (false, false) => "FAIL  ".to_owned(),
        };
        let org: String = clean(&r.organization).chars().take(34).collect();
        let _ = writeln!(
            out,
            "{mark} {org:<34} {:<11} {:<26} {:>5} {:>8} {:>6}  {}",
            r.model.to_string(),
            fit_cell(r),
            r.gaps,
            r.failing,
            sprs_cell(r),
            clean(&r.path)
        );
    }
    for i in &index.invalid {
        let first = i.errors.first().map_or("", String::as_str);
        let mark = if color {
            "\x1b[31;1mINVALID\x1b[0m"
        } else {
            "INVALID"
        };
        let _ = writeln!(out, "{mark} {}: {}", clean(&i.path), clean(first));
    }
    let s = &index.summary;
    let _ = writeln!(
        out,
        "\n{} arrangements: {} pass, {} fail; {} gaps, {} failing findings; {} model misfits",
        s.arrangements, s.passed, s.failed, s.gaps, s.failing, s.misfits
    );
    out.push_str(&overview_text(index));
    out.push_str(&morning(index, "text"));
    if s.invalid > 0 {
        let _ = writeln!(out, "{} invalid arrangement(s) not checked", s.invalid);
    }
    out
}

/// The index columns, shared by the Markdown and HTML renderings.
const COLUMNS: [&str; 10] = [
    "Organization",
    "Model",
    "Model fit",
    "Controls",
    "Gaps",
    "Partial",
    "Failing",
    "SPRS",
    "Result",
    "Reports",
];

/// One row's cells as plain text, before escaping (the reports cell is built per format).
fn cells(r: &Row) -> [String; 9] {
    [
        r.organization.clone(),
        r.model.to_string(),
        fit_cell(r),
        r.controls.to_string(),
        r.gaps.to_string(),
        r.partial.to_string(),
        r.failing.to_string(),
        sprs_cell(r),
        if r.passed { "pass" } else { "FAIL" }.to_owned(),
    ]
}

fn headline(index: &Index) -> String {
    let s = &index.summary;
    format!(
        "Generated {} by gapcheck {}. {} arrangements: {} pass, {} fail; {} gaps; {} model misfits.",
        index.generated_at,
        env!("CARGO_PKG_VERSION"),
        s.arrangements,
        s.passed,
        s.failed,
        s.gaps,
        s.misfits
    ) + &if s.invalid > 0 {
        format!(" {} invalid arrangement(s) not checked.", s.invalid)
    } else {
        String::new()
    }
}

/// The Markdown index; user strings are escaped for Markdown tables.
pub fn markdown(index: &Index) -> String {
    let e = crate::report::markdown::escape;
    let mut out = format!("# gapcheck portfolio\n\n{}\n", e(&headline(index)));
    out.push_str(&overview_markdown(index));
    out.push_str(&format!(
        "\n## Clients\n\n| {} |\n|---|---|---|--:|--:|--:|--:|--:|---|---|\n",
        COLUMNS.join(" | ")
    ));
    for r in &index.rows {
        let links: Vec<String> = r
            .reports
            .iter()
            .map(|f| format!("[{}]({})", e(extension(f)), f.replace(' ', "%20")))
            .collect();
        let mut row: Vec<String> = cells(r).iter().map(|c| e(c)).collect();
        if !r.passed {
            row[8] = format!("**{}**", row[8]);
        }
        row.push(if links.is_empty() {
            e(&r.path)
        } else {
            links.join(" ")
        });
        out.push_str(&format!("| {} |\n", row.join(" | ")));
    }
    out.push_str(&morning(index, "markdown"));
    if !index.invalid.is_empty() {
        out.push_str("\n## Invalid arrangements (not checked)\n\n");
        for i in &index.invalid {
            out.push_str(&format!("- {}: {}\n", e(&i.path), e(&i.errors.join("; "))));
        }
    }
    out
}

fn extension(file: &str) -> &str {
    file.rsplit('.').next().unwrap_or(file)
}

/// The HTML index: one self-contained page, user strings HTML-escaped.
pub fn html(index: &Index) -> String {
    let e = crate::report::html::escape;
    let mut rows = String::new();
    for r in &index.rows {
        let links: Vec<String> = r
            .reports
            .iter()
            .map(|f| format!("<a href=\"{}\">{}</a>", e(f), e(extension(f))))
            .collect();
        rows.push_str("<tr>");
        for (i, c) in cells(r).iter().enumerate() {
            let class = match i {
                3..=7 => " class=\"num\"",
                8 if r.passed => " class=\"pass\"",
                8 => " class=\"fail\"",
                _ => "",
            };
            rows.push_str(&format!("<td{class}>{}</td>", e(c)));
        }
        rows.push_str(&format!(
            "<td>{}</td></tr>\n",
            if links.is_empty() {
                e(&r.path)
            } else {
                links.join(" ")
            }
        ));
    }
    let mut invalid_html = String::new();
    if !index.invalid.is_empty() {
        invalid_html.push_str("<h2>Invalid arrangements (not checked)</h2>\n<ul>\n");
        for i in &index.invalid {
            invalid_html.push_str(&format!(
                "<li>{}: {}</li>\n",
                e(&i.path),
                e(&i.errors.join("; "))
            ));
        }
        invalid_html.push_str("</ul>\n");
    }
    let head: String = COLUMNS
        .iter()
        .map(|c| format!("<th scope=\"col\">{c}</th>"))
        .collect();
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n<title>gapcheck portfolio</title>\n\
         <style>\nbody {{ font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; padding: 0 1rem; color: #1b1f24; }}\n\
         table {{ border-collapse: collapse; width: 100%; }} th, td {{ border: 1px solid #c9ced6; padding: .3rem .5rem; text-align: left; vertical-align: top; }}\n\
         thead {{ display: table-header-group; }} th {{ background: #eef1f5; }} td.num, th.num {{ text-align: right; font-variant-numeric: tabular-nums; }}\n\
         td.fail {{ color: #fff; background: #b42318; font-weight: 600; }} td.pass {{ color: #067647; font-weight: 600; }}\n\
         h2 {{ margin-top: 1.8rem; font-size: 1.2rem; break-after: avoid; }} .mono {{ font-family: ui-monospace, monospace; font-size: .92em; }}\n\
         table.compact {{ width: auto; min-width: 50%; }} figure.bar {{ margin: .5rem 0 1rem; max-width: 40rem; }} figure.bar svg {{ display: block; }}\n\
         ul.legend {{ list-style: none; padding: 0; margin: .4rem 0 0; display: flex; flex-wrap: wrap; gap: .3rem 1.2rem; }} .swatch {{ display: inline-block; width: .8em; height: .8em; margin-right: .35em; vertical-align: -.05em; }}\n\
         @media print {{ body {{ margin: 0; max-width: none; font-size: 10pt; }} a {{ color: inherit; }} tr, figure {{ break-inside: avoid; }} .swatch {{ print-color-adjust: exact; -webkit-print-color-adjust: exact; }} }}\n</style>\n</head>\n<body>\n\
         <h1>gapcheck portfolio</h1>\n<p>{}</p>\n{}<h2>Clients</h2>\n<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{rows}</tbody>\n</table>\n{invalid_html}{}</body>\n</html>\n",
        e(&headline(index)),
        overview_html(index),
        morning(index, "html"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_streamed_portfolio_json_is_the_whole_document_pretty_printed() {
        #[derive(Serialize)]
        struct Whole<'a> {
            schema: &'static str,
            generated_at: &'a str,
            reports: &'a [serde_json::Value],
            summary: &'a Summary,
            index: &'a [Row],
            invalid: &'a [Invalid],
        }
        let index = Index::new("2026-11-29T00:00:00Z".into(), Vec::new(), Vec::new());
        let report = serde_json::json!({
            "a": [1, {"b": [], "c": {}}, "line\nbreak \" quote"],
            "d": {"e": [[]], "f": null}
        });
        for n in 0..3 {
            let reports = vec![report.clone(); n];
            let mut out = Vec::new();
            let mut w = JsonWriter::begin(&mut out, &index.generated_at).unwrap();
            for r in &reports {
                w.report(r).unwrap();
            }
            w.finish(&index).unwrap();
            let whole = Whole {
                schema: SCHEMA,
                generated_at: &index.generated_at,
                reports: &reports,
                summary: &index.summary,
                index: &index.rows,
                invalid: &index.invalid,
            };
            let expected = serde_json::to_string_pretty(&whole).unwrap() + "\n";
            assert_eq!(String::from_utf8(out).unwrap(), expected, "{n} reports");
        }
    }

    #[test]
    fn report_names_never_collide_and_are_stable() {
        let paths: Vec<PathBuf> = [
            "c/a.yaml",
            "c/a.yml",
            "c/x y.yaml",
            "c/x_y.yaml",
            "c/A.yaml",
            "c/index.yaml",
            "d/a.yaml",
            "c/a.yaml",
        ]
        .iter()
        .map(PathBuf::from)
        .collect();
        let names = report_names(&paths);
        let mut lower: Vec<String> = names.iter().map(|n| n.to_lowercase()).collect();
        lower.sort();
        lower.dedup();
        assert_eq!(lower.len(), paths.len(), "{names:?}");
        assert!(
            names.iter().all(|n| n != "index" && n.len() < 80),
            "{names:?}"
        );
        assert_eq!(names, report_names(&paths), "stable");
        assert!(
            names[0].starts_with("a-") && names[5].starts_with("index-"),
            "{names:?}"
        );
        assert_eq!(names[7], format!("{}-2", names[0]));
        let long = PathBuf::from(format!("{}.yaml", "é".repeat(120)));
        assert!(report_names(&[long])[0].len() < 80);
    }

    #[test]
    fn discovers_only_arrangements() {
        let (found, skipped, errors) = discover(Path::new("fixtures"));
        assert!(errors.is_empty(), "{errors:?}");
        assert!(found.iter().any(|p| p.ends_with("managed.yaml")));
        assert!(
            skipped.iter().any(|p| p.ends_with("reasons.yaml")
                && p.parent().is_some_and(|d| d.ends_with("catalogs")))
        );
        let mut sorted = found.clone();
        sorted.sort();
        assert_eq!(found, sorted);
    }
}
