//! SARIF 2.1.0, for code-scanning dashboards: one rule per evaluated control, one result per
//! failing or partial finding, located at the arrangement line that caused it.

use std::collections::BTreeMap;

use serde_sarif::sarif::{
    ArtifactLocation, Location, Message, MultiformatMessageString, PhysicalLocation, PropertyBag,
    Region, ReportingDescriptor, Result as SarifResult, ResultLevel, Run, Sarif, Tool,
    ToolComponent,
};

use super::Run as ReportRun;
use crate::catalog::Severity;
use crate::evaluate::{Finding, Status};

/// The key of our fingerprint in `partialFingerprints`. Versioned, so a future change of
/// what it covers does not silently re-identify every alert.
const FINGERPRINT_KEY: &str = "gapcheck/control/v1";

fn text(s: impl Into<String>) -> MultiformatMessageString {
    MultiformatMessageString::builder().text(s.into()).build()
}

fn level(f: &Finding) -> ResultLevel {
    match f.status {
        Status::Gap => ResultLevel::Error,
        Status::Partial => ResultLevel::Warning,
        _ => ResultLevel::Note,
    }
}

/// GitHub code scanning ranks alerts by this property (a CVSS-like 0–10 score).
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::High => "8.0",
        Severity::Moderate => "5.0",
        Severity::Low => "2.0",
    }
}

/// The arrangement path as a SARIF artifact URI: forward slashes, percent-encoded, and a
/// `file://` URI when the path is absolute (a relative reference otherwise, which viewers
/// resolve against the repository root).
fn uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    let mut out = String::with_capacity(path.len());
    for (i, b) in path.bytes().enumerate() {
        let drive_colon = i == 1 && b == b':' && path.as_bytes()[0].is_ascii_alphabetic();
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) || drive_colon {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    if path.starts_with('/') {
        format!("file://{out}")
    } else if out.as_bytes().get(1) == Some(&b':') {
        format!("file:///{out}")
    } else {
        out
    }
}

fn rule(f: &Finding) -> ReportingDescriptor {
    let c = f.control;
    let mut help = c.citation.clone();
    if let Some(g) = &c.guidance {
        help.push_str("\n\n");
        help.push_str(g);
    }
    let mut props = BTreeMap::new();
    props.insert(
        "security-severity".to_owned(),
        serde_json::Value::from(security_severity(c.severity)),
    );
    props.insert(
        "severity".to_owned(),
        serde_json::Value::from(c.severity.to_string()),
    );
    props.insert(
        "break_fix_incompatible".to_owned(),
        serde_json::Value::from(c.break_fix_incompatible),
    );
    let bag = PropertyBag::builder()
        .tags(vec![f.catalog.id.clone(), "compliance".to_owned()])
        .additional_properties(props)
        .build();
    let builder = ReportingDescriptor::builder()
        .id(f.reference().to_string())
        .name(c.title.clone())
        .short_description(text(c.title.clone()))
        .full_description(text(c.statement.clone()))
        .help(text(help))
        .properties(bag);
    match &f.catalog.url {
        Some(u) => builder.help_uri(u.clone()).build(),
        None => builder.build(),
    }
}

fn result(run: &ReportRun, f: &Finding, rule_index: usize) -> SarifResult {
    let reasons: Vec<&str> = f.reasons.iter().map(|r| r.message.as_str()).collect();
    let message = if reasons.is_empty() {
        format!("{} {}: {}", f.reference(), f.status, f.control.title)
    } else {
        format!(
            "{} {}: {} — {}",
            f.reference(),
            f.status,
            f.control.title,
            reasons.join("; ")
        )
    };
    let mut region = Region::builder().build();
    if f.location.line > 0 {
        region.start_line = Some(i64::from(f.location.line));
        if f.location.column > 0 {
            region.start_column = Some(i64::from(f.location.column));
        }
    }
    let location = Location::builder()
        .physical_location(
            PhysicalLocation::builder()
                .artifact_location(
                    ArtifactLocation::builder()
                        .uri(uri(&run.arrangement.path))
                        .build(),
                )
                .region(region)
                .build(),
        )
        .build();
    // The fingerprint names the control and the arrangement, not the line: editing the file
    // elsewhere must not turn an old alert into a new one.
    let identity = format!("{}\n{}", uri(&run.arrangement.path), f.reference());
    let mut fingerprints = BTreeMap::new();
    fingerprints.insert(
        FINGERPRINT_KEY.to_owned(),
        crate::sha256_hex(identity.as_bytes())[..32].to_owned(),
    );
    let codes: Vec<String> = f.reasons.iter().map(|r| r.code.to_string()).collect();
    let mut props = BTreeMap::new();
    props.insert(
        "status".to_owned(),
        serde_json::Value::from(f.status.to_string()),
    );
    props.insert("reasons".to_owned(), serde_json::Value::from(codes));
    props.insert("failing".to_owned(), serde_json::Value::from(f.failing));
    let mut result = SarifResult::builder()
        .rule_id(f.reference().to_string())
        .rule_index(rule_index as i64)
        .level(level(f))
        .message(Message::builder().text(message).build())
        .locations(vec![location])
        .partial_fingerprints(fingerprints)
        .properties(PropertyBag::builder().additional_properties(props).build())
        .build();
    // With --baseline, SARIF's own baselineState says what is new (code scanning shows it).
    if let Some(b) = run.baseline {
        let state = match b.change_of(&f.catalog.id, &f.control.id) {
            Some((c, true)) if c.before.is_none() => "new",
            Some(_) => "updated",
            None => "unchanged",
        };
        result.baseline_state = Some(serde_json::Value::from(state));
    }
    result
}

pub fn render(run: &ReportRun) -> String {
    let evaluated: Vec<&Finding> = run
        .evaluation
        .findings
        .iter()
        .filter(|f| f.status != Status::NotApplicable)
        .collect();
    let rules: Vec<ReportingDescriptor> = evaluated.iter().map(|f| rule(f)).collect();
    let results: Vec<SarifResult> = evaluated
        .iter()
        .enumerate()
        .filter(|(_, f)| f.failing || f.status == Status::Partial)
        .map(|(i, f)| result(run, f, i))
        .collect();
    let driver = ToolComponent::builder()
        .name("gapcheck")
        .version(env!("CARGO_PKG_VERSION"))
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .rules(rules)
        .build();
    let sarif_run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .results(results)
        .column_kind(serde_json::Value::from("unicodeCodePoints"))
        .build();
    let sarif = Sarif::builder()
        .schema(serde_sarif::sarif::SCHEMA_URL)
        .version(serde_json::Value::from("2.1.0"))
        .runs(vec![sarif_run])
        .build();
    let mut s = serde_json::to_string_pretty(&sarif).expect("SARIF serializes");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::uri;

    #[test]
    fn artifact_uris() {
        assert_eq!(uri("fixtures/co-managed.yaml"), "fixtures/co-managed.yaml");
        assert_eq!(uri("my docs/a b.yaml"), "my%20docs/a%20b.yaml");
        assert_eq!(uri("/srv/x.yaml"), "file:///srv/x.yaml");
        assert_eq!(uri("C:\\it\\x.yaml"), "file:///C:/it/x.yaml");
        assert_eq!(uri("ab:c.yaml"), "ab%3Ac.yaml");
    }
}
