//! SARIF 2.1.0, for code-scanning dashboards: one rule per evaluated control, one result per
//! failing or partial finding, located at the arrangement line that caused it.
//!
//! Written as GitHub code scanning reads it: artifact URIs relative to the repository root
//! with `uriBaseId` (so a run from a subdirectory still places its alerts), a `security` tag
//! and `security-severity` on every rule, and `fullDescription` within GitHub's 1,024
//! characters (the whole statement is in `help.markdown`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_sarif::sarif::{
    ArtifactLocation, Location, Message, MultiformatMessageString, PhysicalLocation, PropertyBag,
    Region, ReportingDescriptor, Result as SarifResult, ResultBaselineState, ResultColumnKind,
    ResultLevel, RunAutomationDetails, Sarif, Tool, ToolComponent, Version,
};

pub use serde_sarif::sarif::Run;

use super::Run as ReportRun;
use crate::catalog::Severity;
use crate::evaluate::{Finding, Status};

/// The key of our fingerprint in `partialFingerprints`. Versioned, so a future change of
/// what it covers does not silently re-identify every alert.
const FINGERPRINT_KEY: &str = "gapcheck/control/v1";

/// The `uriBaseId` of the repository root, the name GitHub's upload action and most SARIF
/// producers use.
pub const SRCROOT: &str = "%SRCROOT%";

/// GitHub code scanning truncates longer `fullDescription` texts (its documented limit).
pub const FULL_DESCRIPTION_MAX: usize = 1024;

fn text(s: impl Into<String>) -> MultiformatMessageString {
    MultiformatMessageString::builder().text(s.into()).build()
}

/// `s` cut to at most `max` characters at a word boundary, with an ellipsis when cut.
fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let cut: String = s.chars().take(max - 1).collect();
    let at = cut.rfind(' ').filter(|i| *i > max / 2).unwrap_or(cut.len());
    format!("{}…", cut[..at].trim_end())
}

/// Where the arrangement is, as SARIF names it: `(uri, Some(SRCROOT))` relative to the
/// repository root when the file is inside one, else the old relative or `file://` form.
///
/// The root is `root` when given (`--sarif-root`), else the nearest directory above the file
/// that holds `.git` (a directory in a clone, a file in a worktree), found by walking up
/// rather than by running git, which CI images may lack.
pub fn artifact_uri(path: &str, root: Option<&Path>) -> (String, Option<&'static str>) {
    let relative = (|| {
        let abs = std::fs::canonicalize(path).ok()?;
        let root: PathBuf = match root {
            Some(r) => std::fs::canonicalize(r).ok()?,
            None => abs
                .parent()?
                .ancestors()
                .find(|d| d.join(".git").exists())?
                .to_path_buf(),
        };
        let rel = abs.strip_prefix(&root).ok()?;
        let parts: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        Some(parts.join("/"))
    })();
    match relative {
        Some(rel) => (uri(&rel), Some(SRCROOT)),
        None => (uri(path), None),
    }
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
    // A drive letter only when a separator follows (`C:/it`, `C:\\it`): `x:y.yaml` is a
    // relative file whose name holds a colon, not a path on drive X.
    let bytes = path.as_bytes();
    let drive =
        bytes.len() > 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' && bytes[2] == b'/';
    let mut out = String::with_capacity(path.len());
    for (i, b) in path.bytes().enumerate() {
        let drive_colon = drive && i == 1;
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) || drive_colon {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    if path.starts_with('/') {
        format!("file://{out}")
    } else if drive {
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
    // GitHub files alerts tagged `security` under security, and only those get a
    // security-severity rating; every control here is a security requirement.
    let bag = PropertyBag::builder()
        .tags(vec![
            "security".to_owned(),
            "compliance".to_owned(),
            f.catalog.id.clone(),
        ])
        .additional_properties(props)
        .build();
    let mut markdown = format!("**{}** — {}\n\n{}", c.citation, c.title, c.statement);
    if let Some(g) = &c.guidance {
        markdown.push_str(&format!("\n\n**What to put in place:** {g}"));
    }
    let builder = ReportingDescriptor::builder()
        .id(f.reference().to_string())
        .name(c.title.clone())
        .short_description(text(c.title.clone()))
        .full_description(text(shorten(&c.statement, FULL_DESCRIPTION_MAX)))
        .help(
            MultiformatMessageString::builder()
                .text(help)
                .markdown(markdown)
                .build(),
        )
        .properties(bag);
    match f.catalog.url.as_deref().and_then(help_uri) {
        Some(u) => builder.help_uri(u).build(),
        None => builder.build(),
    }
}

/// The catalog's `url` as a SARIF `helpUri`, only when it is an absolute http(s) URI a viewer
/// can safely turn into a link: a host of letters, digits, `.` and `-` (optionally a port),
/// no user-info, and nothing outside RFC 3986's characters (percent-escapes well formed).
/// A catalog's `url` is free text: `javascript:…`, a relative path or prose is left out.
pub fn help_uri(url: &str) -> Option<String> {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    let rest = if lower.starts_with("https://") {
        &url[8..]
    } else if lower.starts_with("http://") {
        &url[7..]
    } else {
        return None;
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let (host, port) = match authority.split_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (authority, None),
    };
    let host_ok = !host.is_empty()
        && host.split('.').all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    let port_ok =
        port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.chars().all(|c| c.is_ascii_digit()));
    let bytes = tail.as_bytes();
    let tail_ok = bytes.iter().enumerate().all(|(i, &b)| match b {
        b'%' => {
            bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit)
        }
        b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => true,
        b'-' | b'.' | b'_' | b'~' | b':' | b'/' | b'?' | b'#' | b'[' | b']' | b'@' | b'!'
        | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'=' => true,
        _ => false,
    });
    (host_ok && port_ok && tail_ok).then(|| url.to_owned())
}

fn result(
    run: &ReportRun,
    f: &Finding,
    rule_index: usize,
    artifact: &(String, Option<&'static str>),
) -> SarifResult {
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
    let mut artifact_location = ArtifactLocation::builder().uri(artifact.0.clone()).build();
    artifact_location.uri_base_id = artifact.1.map(str::to_owned);
    let location = Location::builder()
        .physical_location(
            PhysicalLocation::builder()
                .artifact_location(artifact_location)
                .region(region)
                .build(),
        )
        .build();
    // The fingerprint names the control and the arrangement, not the line: editing the file
    // elsewhere must not turn an old alert into a new one.
    let identity = format!("{}\n{}", artifact.0, f.reference());
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
            Some((c, true)) if c.before.is_none() => ResultBaselineState::New,
            Some(_) => ResultBaselineState::Updated,
            None => ResultBaselineState::Unchanged,
        };
        result.baseline_state = Some(typed(state));
    }
    result
}

/// serde-sarif keeps enumerated fields as JSON values; fill them from its own enums.
fn typed(v: impl serde::Serialize) -> serde_json::Value {
    serde_json::to_value(v).expect("a SARIF enum serializes")
}

/// Renders the run; `root` is `--sarif-root` (default: the git top level above the file).
pub fn render(run: &ReportRun, root: Option<&Path>) -> String {
    log(vec![sarif_run(run, root)])
}

/// The run's SARIF `run` object: its rules, and its results located in its arrangement.
/// A portfolio's log is one of these per arrangement ([`log`]).
pub fn sarif_run(run: &ReportRun, root: Option<&Path>) -> Run {
    let artifact = artifact_uri(&run.arrangement.path, root);
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
        .map(|(i, f)| result(run, f, i, &artifact))
        .collect();
    let mut driver = ToolComponent::builder()
        .name("gapcheck")
        .version(env!("CARGO_PKG_VERSION"))
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .rules(rules)
        .build();
    driver.information_uri = Some(INFORMATION_URI)
        .filter(|u| !u.is_empty())
        .map(str::to_owned);
    Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .results(results)
        .column_kind(typed(ResultColumnKind::UnicodeCodePoints))
        .build()
}

/// `run` with its own `automationDetails.id` (`gapcheck/NAME/`: the category, with the run
/// id left empty), for a portfolio's log: GitHub code scanning stopped combining runs of one
/// tool and category in one upload (changelog 2024-05-06, removed June 2025), and the
/// upload action takes a run's `automationDetails.id` over its own `category` input.
pub fn categorized(mut run: Run, name: &str) -> Run {
    run.automation_details = Some(
        RunAutomationDetails::builder()
            .id(format!("gapcheck/{name}/"))
            .build(),
    );
    run
}

/// A SARIF log of `runs`, in their order: one run for one arrangement, one per arrangement
/// for a portfolio (SARIF's own way to carry several analyses in one file; each run then
/// carries its own category, [`categorized`]).
pub fn log(runs: Vec<Run>) -> String {
    let sarif = Sarif::builder()
        .schema(SCHEMA_URI)
        .version(typed(Version::V2_1_0))
        .runs(runs)
        .build();
    let mut s = serde_json::to_string_pretty(&sarif).expect("SARIF serializes");
    s.push('\n');
    s
}

/// The schema the output is validated against in the tests (GAPCHECK_SARIF_SCHEMA), by the URI
/// OASIS publishes it under.
const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// Where a code-scanning user reads about the tool: the `homepage` of Cargo.toml. The
/// project has no public home yet (no homepage, no repository URL), so `informationUri` is
/// left out rather than pointing at a page that does not exist; setting `homepage` fills it
/// in.
const INFORMATION_URI: &str = env!("CARGO_PKG_HOMEPAGE");

#[cfg(test)]
mod tests {
    use super::{help_uri, shorten, uri};

    #[test]
    fn help_uri_only_for_web_links() {
        assert!(help_uri("https://www.ecfr.gov/current/title-16/part-314").is_some());
        assert!(help_uri("http://example.org").is_some());
        for bad in [
            "javascript:alert(1)",
            "https://",
            "https:///etc/passwd",
            "see the CFR",
            "https://a b",
            "ftp://x",
            "https://x\u{1b}[31m",
        ] {
            assert!(help_uri(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn long_texts_are_shortened_at_a_word() {
        let long = "word ".repeat(400);
        let s = shorten(&long, 1024);
        assert!(s.chars().count() <= 1024, "{}", s.len());
        assert!(s.ends_with("word…"), "{s}");
        assert_eq!(shorten("short", 1024), "short");
    }

    #[test]
    fn artifact_uris() {
        assert_eq!(uri("fixtures/co-managed.yaml"), "fixtures/co-managed.yaml");
        assert_eq!(uri("my docs/a b.yaml"), "my%20docs/a%20b.yaml");
        assert_eq!(uri("/srv/x.yaml"), "file:///srv/x.yaml");
        assert_eq!(uri("C:\\it\\x.yaml"), "file:///C:/it/x.yaml");
        assert_eq!(uri("ab:c.yaml"), "ab%3Ac.yaml");
        // A relative name with a colon is not a Windows drive.
        assert_eq!(uri("x:y.yaml"), "x%3Ay.yaml");
        assert_eq!(uri("x:"), "x%3A");
        assert_eq!(uri("D:/ops/x.yaml"), "file:///D:/ops/x.yaml");
    }
}

#[cfg(test)]
mod help_uri_tests {
    use super::help_uri;

    #[test]
    fn only_absolute_http_urls_become_help_links() {
        for ok in [
            "https://csrc.nist.gov/pubs/sp/800/53/r5/upd1/final",
            "http://example.org",
            "HTTPS://www.ecfr.gov/current/title-45/part-164#p-164.308(a)",
            "https://example.org:8443/a?b=c&d=%20e",
        ] {
            assert_eq!(help_uri(ok).as_deref(), Some(ok), "{ok}");
        }
        for bad in [
            "javascript:alert(1)",
            "JavaScript://%0aalert(1)",
            "data:text/html,<script>",
            "ftp://example.org/x",
            "/relative/path",
            "see the eCFR",
            "https://",
            "https://exa mple.org",
            "https://example.org/a b",
            "https://user@evil.example/",
            "https://example.org/<script>",
            "https://example.org/%zz",
            "https://-bad-.example/",
            "https://example.org:99999999/",
            "https://example.org/\u{202e}x",
            "",
        ] {
            assert_eq!(help_uri(bad), None, "{bad:?}");
        }
    }
}
