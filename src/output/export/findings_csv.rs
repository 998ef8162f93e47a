//! The findings sheet (`gapcheck export findings -o findings.csv`): one row per finding,
//! with status, severity, reasons, owner and exception, for the reviewer who filters and
//! annotates in a spreadsheet. (`check -o x.csv` stays the customer responsibility matrix.)

use crate::report::Run;
use crate::report::csv::line;

pub const HEADER: [&str; 15] = [
    "catalog",
    "control",
    "title",
    "status",
    "severity",
    "failing",
    "break_fix_incompatible",
    "owners",
    "reason_codes",
    "reasons",
    "exception_reason",
    "exception_owner",
    "exception_expires",
    "evidence",
    "citation",
];

pub fn render(run: &Run) -> String {
    let a = run.arrangement;
    let mut out = String::new();
    line(&mut out, &HEADER);
    for f in &run.evaluation.findings {
        let owners: Vec<String> = f
            .owners
            .iter()
            .map(|o| a.provider(o).map_or_else(|| o.clone(), |p| p.name.clone()))
            .collect();
        let codes: Vec<String> = f.reasons.iter().map(|r| r.code.to_string()).collect();
        let reasons: Vec<&str> = f.reasons.iter().map(|r| r.message.as_str()).collect();
        let e = f.exception.as_ref();
        line(
            &mut out,
            &[
                &f.catalog.id,
                &f.control.id,
                &f.control.title,
                &f.status.to_string(),
                &f.control.severity.to_string(),
                if f.failing { "yes" } else { "no" },
                if f.control.break_fix_incompatible {
                    "yes"
                } else {
                    "no"
                },
                &owners.join("; "),
                &codes.join("; "),
                &reasons.join(" "),
                e.map_or("", |e| e.reason.as_str()),
                e.map_or("", |e| e.owner.as_str()),
                e.map_or("", |e| e.expires.as_str()),
                f.evidence.as_deref().unwrap_or(""),
                &f.control.citation,
            ],
        );
    }
    out
}
