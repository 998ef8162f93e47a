//! What the portfolio index says across clients — clients by status, the controls needing
//! work at most clients, the capabilities that alone would close the most, SPRS bands — and
//! the per-client facts in [`Row`] it is computed from. Only rows are kept per client, so
//! everything here works from rows alone.

use serde::Serialize;

use super::render::sprs_cell;
use super::{EvidenceRow, Index, Row};

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
pub(super) fn overview_html(index: &Index) -> String {
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
pub(super) fn overview_markdown(index: &Index) -> String {
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
pub(super) fn overview_text(index: &Index) -> String {
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
