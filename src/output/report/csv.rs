//! CSV: the customer responsibility matrix, one row per evaluated control, for the
//! spreadsheet an assessor or an MSP account manager works in.
//!
//! Written by hand (RFC 4180): a dozen lines do not justify a dependency. Cells that a
//! spreadsheet would run as a formula are defused with a leading apostrophe (the OWASP
//! advice against CSV injection), since provider names and ids come from input files.

use super::Run;
use super::context::crm;
use crate::evaluate::Status;

const HEADER: [&str; 10] = [
    "catalog",
    "control",
    "title",
    "status",
    "severity",
    "responsibility",
    "responsible_parties",
    "capabilities",
    "unassigned_capabilities",
    "citation",
];

/// One CSV field: quoted when it holds a separator (`,`, or the `;` that Excel uses in many
/// locales), quote or line break, and defused when it starts like a formula.
pub fn field(s: &str) -> String {
    let defused = match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{s}"),
        _ => s.to_owned(),
    };
    if defused.contains([',', ';', '"', '\n', '\r']) {
        format!("\"{}\"", defused.replace('"', "\"\""))
    } else {
        defused
    }
}

pub fn line(out: &mut String, cells: &[&str]) {
    let fields: Vec<String> = cells.iter().map(|c| field(c)).collect();
    out.push_str(&fields.join(","));
    out.push_str("\r\n");
}

pub fn render(run: &Run) -> String {
    let in_scope: Vec<_> = run
        .evaluation
        .findings
        .iter()
        .filter(|f| f.status != Status::NotApplicable)
        .collect();
    let mut out = String::new();
    line(&mut out, &HEADER);
    for (row, f) in crm(run.arrangement, &in_scope).iter().zip(&in_scope) {
        line(
            &mut out,
            &[
                &row.catalog,
                &row.control,
                &row.title,
                &row.status.to_string(),
                &row.severity.to_string(),
                &row.responsibility.to_string(),
                &row.parties.join("; "),
                &row.capabilities.join("; "),
                &row.unassigned.join("; "),
                &f.control.citation,
            ],
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::field;

    #[test]
    fn quotes_and_defuses() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a; b"), "\"a; b\"");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("two\nlines"), "\"two\nlines\"");
        assert_eq!(field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(field("-1+2"), "'-1+2");
    }
}
