//! The portfolio index for people: the text table, Markdown and HTML, and the morning list of
//! clients whose evidence needs attention.

use super::*;

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
pub(super) fn morning(index: &Index, kind: &str) -> String {
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

pub(super) fn sprs_cell(r: &Row) -> String {
    r.sprs.map_or("—".to_owned(), |s| s.to_string())
}

pub(super) fn fit_cell(r: &Row) -> String {
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
pub(super) const COLUMNS: [&str; 10] = [
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
pub(super) fn cells(r: &Row) -> [String; 9] {
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

pub(super) fn headline(index: &Index) -> String {
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

pub(super) fn extension(file: &str) -> &str {
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
