//! One arrangement checked and rendered, for a single check and for each client of a
//! portfolio. The report model borrows from the check, so callers use it inside
//! [`check_one`]'s continuation rather than after it (issue 17).

use std::mem::ManuallyDrop;

use super::*;

/// One arrangement evaluated and rendered: what portfolio and single runs both need (a
/// portfolio builds its index row from the report model handed beside it).
pub(super) struct Checked {
    pub(super) passed: bool,
    /// Rendered reports, in the order asked for; `None` for a JSON report left to be
    /// written from the borrowed report model where it goes ([`check_one`]'s `stream_json`).
    pub(super) rendered: Vec<Option<String>>,
    /// The run as a SARIF run, when [`Parts::sarif`] asked for it.
    pub(super) sarif: Option<report::sarif::Run>,
    /// The run as one JUnit suite, when [`Parts::junit`] named it.
    pub(super) junit: Option<report::junit::TestSuite>,
}

/// What one arrangement's check needs beyond the run's settings, and the pieces a
/// portfolio combines into one file.
#[derive(Default, Clone, Copy)]
pub(super) struct Parts<'a> {
    /// The report to compare with: the run's `--baseline`, or a portfolio client's own.
    pub(super) baseline: Option<&'a crate::baseline::Baseline>,
    /// Keep the run as a SARIF run in category `gapcheck/NAME/` (a portfolio's
    /// `-o x.sarif`).
    pub(super) sarif: Option<&'a str>,
    /// Keep the run as one JUnit suite of this name (a portfolio's `-o x.xml`).
    pub(super) junit: Option<&'a str>,
    /// Leave JSON reports over `report::JSON_KEPT` bytes unrendered, to be written from the
    /// report model by `then` (a single check: the JSON of a large catalog is never held
    /// whole, issue 17).
    pub(super) stream_json: bool,
    /// Render the templated report on a second thread (a portfolio has a client per core).
    pub(super) parallel: bool,
    /// The process exits right after this check (a single check): its evaluation and report
    /// model are left to the operating system instead of being freed one allocation at a
    /// time, which cost 18 M instructions on the critical path with every built-in and an
    /// HTML report (issue 17). A portfolio frees each client's before the next.
    pub(super) exiting: bool,
}

/// Checks one arrangement, renders the formats asked for and hands them to `then` with the
/// report model, which borrows from the evaluation and so lives only as long as this call.
#[allow(clippy::too_many_arguments)]
pub(super) fn check_one<T>(
    registry: &Registry,
    a: &Arrangement,
    settings: &Settings,
    formats: &[Format],
    render_opts: &report::RenderOptions,
    evidence: Option<&crate::evidence::Evidence>,
    parts: Parts<'_>,
    then: impl FnOnce(Checked, &report::Prepared<'_>) -> Result<T, Error>,
) -> Result<T, Error> {
    let assessment = ManuallyDrop::new(report::Assessment::with_evidence(
        registry,
        a,
        &settings.opts,
        evidence,
    ));
    let comparison = parts
        .baseline
        .map(|b| b.compare(&assessment.evaluation.findings));
    let generated_at = settings.now.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    let run = assessment.run(
        a,
        registry,
        &settings.opts,
        generated_at,
        comparison.as_ref(),
    );
    let run = report::Run { evidence, ..run };
    // One report build for every format and the portfolio row.
    let prepared = ManuallyDrop::new(report::Prepared::new(&run));
    let rendered = prepared.render_all(formats, render_opts, parts.parallel, parts.stream_json);
    let result = rendered.map_err(Error::from).and_then(|rendered| {
        let sarif = parts
            .sarif
            .map(|name| prepared.sarif_run(render_opts, name));
        let junit = parts.junit.map(|name| prepared.junit_suite(name));
        let checked = Checked {
            passed: run.passed(),
            rendered,
            sarif,
            junit,
        };
        then(checked, &prepared)
    });
    if !parts.exiting {
        drop(ManuallyDrop::into_inner(prepared));
        drop(run);
        drop(ManuallyDrop::into_inner(assessment));
    }
    result
}
