//! JUnit XML, for CI dashboards: a test suite per selected catalog, a test case per control.
//! Failing findings fail; controls outside the profile and waived controls are skipped.
//!
//! No time stamps or durations are written, so the file is byte-identical across runs.

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus};

pub use quick_junit::TestSuite;

use super::{RenderError, Run};
use crate::evaluate::{Finding, Status};

fn reasons(f: &Finding) -> String {
    f.reasons
        .iter()
        .map(|r| format!("{}: {}", r.code, r.message))
        .collect::<Vec<_>>()
        .join("\n")
}

fn case(
    f: &Finding,
    profile: Option<&str>,
    baseline: Option<&crate::baseline::Comparison>,
) -> TestCase {
    let status = if f.failing {
        let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
        let first = f
            .reasons
            .first()
            .map_or_else(|| f.status.to_string(), |r| r.message.clone());
        let since = match baseline.and_then(|b| b.change_of(&f.catalog.id, &f.control.id)) {
            Some((_, true)) => "[regression since baseline] ",
            None if baseline.is_some() => "[unchanged since baseline] ",
            _ => "",
        };
        s.set_message(format!("{since}{}: {first}", f.status));
        s.set_type(f.status.to_string());
        let mut detail = reasons(f);
        detail.push_str(&format!(
            "\n\ncitation: {}\nstatement: {}",
            f.control.citation, f.control.statement
        ));
        if let Some(g) = &f.control.guidance {
            detail.push_str(&format!("\nguidance: {g}"));
        }
        s.set_description(detail);
        s
    } else {
        match f.status {
            Status::NotApplicable => {
                let mut s = TestCaseStatus::skipped();
                s.set_message(match profile {
                    Some(p) => format!("not applicable: outside profile {p}"),
                    None => "not applicable".to_owned(),
                });
                s
            }
            Status::Waived => {
                let mut s = TestCaseStatus::skipped();
                let why = f.exception.as_ref().map_or_else(String::new, |e| {
                    format!(": {} (owner {}, expires {})", e.reason, e.owner, e.expires)
                });
                s.set_message(format!("waived{why}"));
                s
            }
            _ => TestCaseStatus::success(),
        }
    };
    let mut tc = TestCase::new(f.control.id.clone(), status);
    tc.set_classname(f.catalog.id.clone());
    // A passing control that still has remarks (partial under a gap-only policy, an expired
    // exception) keeps them visible in the CI log.
    if !f.failing && !f.reasons.is_empty() && f.status != Status::NotApplicable {
        tc.set_system_out(format!("{}\n{}", f.status, reasons(f)));
    }
    tc
}

pub fn render(run: &Run) -> Result<String, RenderError> {
    document(suites(run))
}

/// A suite per selected catalog (by its profile), as a single arrangement's file has them.
fn suites(run: &Run) -> Vec<TestSuite> {
    run.evaluation
        .scopes
        .iter()
        .map(|scope| {
            let name = match &scope.profile {
                Some(p) => format!("{} [{p}]", scope.catalog.id),
                None => scope.catalog.id.clone(),
            };
            let mut suite = labelled(run, name);
            suite.add_test_cases(scope_cases(run, scope));
            suite
        })
        .collect()
}

/// One suite holding every test case of the run, named `name`, for a portfolio: CI
/// dashboards group by suite, and the client is what a portfolio's reader groups by. Each
/// case keeps its catalog as class name, so nothing of the per-catalog suites is lost.
pub fn client_suite(run: &Run, name: &str) -> TestSuite {
    let mut suite = labelled(run, name.to_owned());
    for scope in &run.evaluation.scopes {
        suite.add_test_cases(scope_cases(run, scope));
    }
    suite
}

fn labelled(run: &Run, name: String) -> TestSuite {
    let mut suite = TestSuite::new(name);
    suite.add_property(("arrangement", run.arrangement.path.as_str()));
    suite.add_property(("organization", run.arrangement.organization.name.as_str()));
    suite
}

fn scope_cases<'a>(
    run: &'a Run,
    scope: &'a crate::evaluate::Scope<'_>,
) -> impl Iterator<Item = TestCase> + 'a {
    run.evaluation
        .findings
        .iter()
        .filter(move |f| f.catalog.id == scope.catalog.id)
        .map(move |f| case(f, scope.profile.as_deref(), run.baseline))
}

/// The JUnit document of `suites`, in their order.
pub fn document(suites: Vec<TestSuite>) -> Result<String, RenderError> {
    let mut report = Report::new("gapcheck");
    report.add_test_suites(suites);
    let xml = report
        .to_string()
        .map_err(|e| RenderError::Junit(e.to_string()))?;
    let mut xml = without_suites_skipped(xml);
    if !xml.ends_with('\n') {
        xml.push('\n');
    }
    Ok(xml_chars(xml))
}

/// Drops the `skipped` count quick-junit writes on `<testsuites>`: Jenkins' xUnit XSD
/// (junit-10.xsd) does not allow it there, and rejects the whole file for it. Each
/// `<testsuite>` keeps its own `skipped`, which the XSD allows. Only the root start tag is
/// touched; its other attributes are numbers and the fixed name, so no input text is in it.
fn without_suites_skipped(xml: String) -> String {
    let Some(start) = xml.find("<testsuites") else {
        return xml;
    };
    let end = start + xml[start..].find('>').unwrap_or(0);
    let tag = &xml[start..end];
    let Some(at) = tag.find(" skipped=\"") else {
        return xml;
    };
    let value_end =
        at + " skipped=\"".len() + tag[at + " skipped=\"".len()..].find('"').unwrap_or(0) + 1;
    format!("{}{}{}", &xml[..start + at], &tag[value_end..], &xml[end..])
}

/// Replaces the characters XML 1.0 forbids (control characters other than tab and line
/// breaks, U+FFFE, U+FFFF) with U+FFFD. The serializer escapes markup but passes these
/// through, and one of them makes a CI parser reject the whole file. Only input strings can
/// hold them, so replacing them in the finished document changes nothing else.
pub fn xml_chars(xml: String) -> String {
    let allowed = |c: char| matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..);
    if xml.chars().all(allowed) {
        return xml;
    }
    xml.chars()
        .map(|c| if allowed(c) { c } else { '\u{FFFD}' })
        .collect()
}
