//! Renderers. Every format is built from one [`Report`]: the documented wire model of a
//! run, kept apart from the engine's types so the engine can change while formats stay
//! stable.

pub mod anchors;
pub mod capabilities;
pub mod context;
pub mod csv;
pub mod definitions;
pub mod evidence;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
mod nesting;
pub mod page_one;
mod plan;
pub mod sarif;
pub mod schema;
mod skeleton;
mod templates;
pub mod text;

use std::path::Path;

use crate::arrangement::Arrangement;
use crate::catalog::Registry;
use crate::decode::Keyword;
use crate::evaluate::{Evaluation, Policy};
use crate::fit::Fit;
use crate::sprs::Sprs;

pub use json::Report;

/// An output format, chosen by `-f` or by an `-o` file's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Text,
    Json,
    Markdown,
    Html,
    Sarif,
    Junit,
    Csv,
}
crate::keywords!(Format {
    Text => "text", Json => "json", Markdown => "markdown", Html => "html", Sarif => "sarif",
    Junit => "junit", Csv => "csv",
});

impl Format {
    /// The format an output file's extension asks for.
    pub fn from_path(path: &Path) -> Option<Format> {
        match path.extension()?.to_str()? {
            "json" => Some(Format::Json),
            "txt" => Some(Format::Text),
            "md" => Some(Format::Markdown),
            "html" => Some(Format::Html),
            "sarif" => Some(Format::Sarif),
            "xml" => Some(Format::Junit),
            "csv" => Some(Format::Csv),
            _ => None,
        }
    }

    /// The file extension this format is written with.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Text => "txt",
            Format::Json => "json",
            Format::Markdown => "md",
            Format::Html => "html",
            Format::Sarif => "sarif",
            Format::Junit => "xml",
            Format::Csv => "csv",
        }
    }

    pub fn extensions() -> &'static str {
        ".json, .txt, .md, .html, .sarif, .xml (JUnit), .csv (customer responsibility matrix)"
    }
}

/// Everything a renderer may show about one run.
pub struct Run<'a> {
    pub arrangement: &'a Arrangement,
    pub registry: &'a Registry,
    pub evaluation: &'a Evaluation<'a>,
    pub fit: &'a Fit,
    pub sprs: Option<&'a Sprs>,
    pub policy: Policy,
    /// RFC 3339 UTC time stamp (from SOURCE_DATE_EPOCH when set).
    pub generated_at: String,
    pub today: String,
    /// The comparison with `--baseline`, when one was given.
    pub baseline: Option<&'a crate::baseline::Comparison>,
    /// The record of work done (`--evidence`), when one was given.
    pub evidence: Option<&'a crate::evidence::Evidence>,
}

/// What one arrangement's check derives before rendering: findings, model fit and SPRS
/// projection. The CLI, portfolio mode, the fuzz harness and the benchmarks all build their
/// runs through it, so they cannot drift apart.
pub struct Assessment<'r> {
    pub evaluation: Evaluation<'r>,
    pub fit: Fit,
    pub sprs: Option<Sprs>,
}

impl<'r> Assessment<'r> {
    pub fn new(registry: &'r Registry, a: &Arrangement, opts: &crate::evaluate::Options) -> Self {
        Self::with_evidence(registry, a, opts, None)
    }

    /// [`Assessment::new`], judged also against the record of work done.
    pub fn with_evidence(
        registry: &'r Registry,
        a: &Arrangement,
        opts: &crate::evaluate::Options,
        evidence: Option<&crate::evidence::Evidence>,
    ) -> Self {
        let evaluation = crate::evaluate::evaluate_with_evidence(registry, a, opts, evidence);
        // Model fit and SPRS judge the whole arrangement: `--select`/`--exclude` choose what
        // is shown, not what the score counts or which model fits.
        let (fit, sprs) = if opts.select.is_some() || opts.exclude.is_some() {
            let whole = crate::evaluate::Options {
                select: None,
                exclude: None,
                ..opts.clone()
            };
            let all = crate::evaluate::evaluate_with_evidence(registry, a, &whole, evidence);
            (crate::fit::fit(a, &all), crate::sprs::project(&all, a))
        } else {
            (
                crate::fit::fit(a, &evaluation),
                crate::sprs::project(&evaluation, a),
            )
        };
        Assessment {
            evaluation,
            fit,
            sprs,
        }
    }

    /// The renderers' view of this assessment. `generated_at` is an RFC 3339 UTC time.
    pub fn run<'a>(
        &'a self,
        arrangement: &'a Arrangement,
        registry: &'a Registry,
        opts: &crate::evaluate::Options,
        generated_at: String,
        baseline: Option<&'a crate::baseline::Comparison>,
    ) -> Run<'a> {
        Run {
            arrangement,
            registry,
            evaluation: &self.evaluation,
            fit: &self.fit,
            sprs: self.sprs.as_ref(),
            policy: opts.policy,
            generated_at,
            today: opts.today.to_string(),
            baseline,
            evidence: None,
        }
    }
}

impl Run<'_> {
    /// Whether the run passes its policy (with a baseline: no failing regression).
    pub fn passed(&self) -> bool {
        crate::baseline::passed(self.evaluation, self.baseline)
    }
}

/// The paper an HTML report is laid out for when printed. Letter is the default: every
/// framework gapcheck ships is American, and so are most of its readers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Paper {
    #[default]
    Letter,
    A4,
}
crate::keywords!(Paper { Letter => "letter", A4 => "a4" });

impl Paper {
    /// The CSS `@page { size }` value.
    pub fn css_size(self) -> &'static str {
        match self {
            Paper::Letter => "letter",
            Paper::A4 => "A4",
        }
    }
}

/// How to render, beyond the run itself.
#[derive(Debug, Clone, Copy, Default)]
pub struct RenderOptions<'a> {
    /// Colour the text format (the CLI decides: a terminal and no NO_COLOR).
    pub color: bool,
    /// `--template-dir`: overrides of the Markdown and HTML templates and partials.
    pub template_dir: Option<&'a Path>,
    /// `--paper`: the printed page size of the HTML report.
    pub paper: Paper,
    /// `--sarif-root`: the directory SARIF URIs are relative to (default: the git top level).
    pub sarif_root: Option<&'a Path>,
}

/// Why a report could not be rendered. The run stops with exit code 2 and writes nothing.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("{path}: --template-dir is not a directory")]
    TemplateDir { path: String },
    #[error("{path}: cannot read template: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{origin}: invalid template: {message}")]
    Template { origin: String, message: String },
    #[error(
        "{template}: {message} (templates can use only the fields of the report context; see templates/ in the gapcheck sources)"
    )]
    Render { template: String, message: String },
    #[error("cannot write the JUnit report: {0}")]
    Junit(String),
}

/// The largest JSON report a single check renders with its other formats (on the thread
/// beside the templated report, serialized once) instead of leaving it to be counted and
/// then written from the model where it goes: far above a check against the built-in
/// catalogs (0.4 MB with every one), far below the 65 MB of 100,000 controls, which is
/// never held whole (issue 17).
pub const JSON_KEPT: usize = 2 << 20;

/// The context's findings section and its JSON tree ([`Prepared::findings_part`]).
type FindingsPart = (Vec<context::FrameworkFindings>, serde_json::Value);

/// One run's reports, built once whatever formats are asked for: the wire model always, the
/// template context only when Markdown or HTML is (issue 17: no work twice).
pub struct Prepared<'r> {
    run: &'r Run<'r>,
    pub report: Report<'r>,
    context: std::sync::OnceLock<context::Context>,
    /// The context as handlebars reads it (a JSON tree), shared by Markdown and HTML.
    wrapped: std::sync::OnceLock<handlebars::Context>,
}

impl<'r> Prepared<'r> {
    pub fn new(run: &'r Run<'r>) -> Self {
        Prepared {
            run,
            report: Report::build(run),
            context: std::sync::OnceLock::new(),
            wrapped: std::sync::OnceLock::new(),
        }
    }

    /// The run the report was built from.
    pub fn run(&self) -> &'r Run<'r> {
        self.run
    }

    fn context(&self) -> &context::Context {
        self.context
            .get_or_init(|| context::Context::from_report(self.run, &self.report))
    }

    fn wrapped(&self) -> &handlebars::Context {
        self.wrapped.get_or_init(|| templates::wrap(self.context()))
    }

    /// The findings section of the context and its JSON tree: about half of the tree the
    /// templated reports render from, made by [`Prepared::render_all`]'s calling thread while
    /// the render thread builds the rest ([`Prepared::wrap_rest`]).
    fn findings_part(&self) -> FindingsPart {
        let sections = context::findings(self.run);
        let tree = serde_json::to_value(&sections).expect("the findings serialize");
        (sections, tree)
    }

    /// Builds the context and its tree around the findings section `part` (received once
    /// made): the same tree [`templates::wrap`] makes of the whole context, since the
    /// section's empty list is replaced by its tree under the same key.
    fn wrap_rest(&self, part: impl FnOnce() -> Option<FindingsPart>) -> &handlebars::Context {
        self.wrapped.get_or_init(|| {
            let mut ctx = context::Context::with_findings(self.run, &self.report, Vec::new());
            let mut tree = serde_json::to_value(&ctx).expect("the report context serializes");
            let (sections, findings) = part().unwrap_or_else(|| self.findings_part());
            tree["findings"] = findings;
            ctx.findings = sections;
            let _ = self.context.set(ctx);
            handlebars::Context::from(tree)
        })
    }

    /// Renders one format, as [`render`] does.
    pub fn render(&self, format: Format, opts: &RenderOptions) -> Result<String, RenderError> {
        Ok(match format {
            Format::Json => self.report.to_json(),
            Format::Text => text::render(&self.report, opts.color),
            Format::Markdown => markdown::render_wrapped(self.wrapped(), opts.template_dir)?,
            Format::Html if opts.paper == Paper::default() => {
                html::render_wrapped(self.wrapped(), opts.template_dir)?
            }
            Format::Html => html::render(
                &self.context().clone().with_paper(opts.paper),
                opts.template_dir,
            )?,
            Format::Sarif => sarif::render(self.run, opts.sarif_root),
            Format::Junit => junit::render(self.run)?,
            Format::Csv => csv::render(self.run),
        })
    }

    /// Renders every format in `formats`, in that order, except JSON over [`JSON_KEPT`]
    /// bytes when `stream_json` (left `None`, to be written from the report model where it
    /// goes). With `parallel`,
    /// the templated report (HTML, else Markdown), by far the costliest, is rendered on a
    /// second thread while this one renders the others: a single check's wall time on two
    /// cores. The first error in `formats` order is returned, as when they were rendered in
    /// turn.
    pub fn render_all(
        &self,
        formats: &[Format],
        opts: &RenderOptions,
        parallel: bool,
        stream_json: bool,
    ) -> Result<Vec<Option<String>>, RenderError> {
        let small_json = std::sync::OnceLock::new();
        let render = |f: Format| match f {
            Format::Json if stream_json => Ok(small_json.get_or_init(|| self.small_json()).clone()),
            _ => self.render(f, opts).map(Some),
        };
        let heavy = [Format::Html, Format::Markdown]
            .into_iter()
            .find(|h| formats.contains(h));
        let Some(heavy) = heavy.filter(|h| parallel && formats.iter().any(|f| f != h)) else {
            return formats.iter().map(|f| render(*f)).collect();
        };
        let mut results: Vec<Option<Result<Option<String>, RenderError>>> =
            formats.iter().map(|_| None).collect();
        let (others, theirs): (Vec<_>, Vec<_>) = results
            .iter_mut()
            .zip(formats)
            .partition(|(_, f)| **f != heavy);
        // The other formats go to whichever thread is free first: since the templated
        // report renders from a plan, neither thread's share is known to be the larger.
        let others = std::sync::Mutex::new(others.into_iter());
        let render_others = || {
            loop {
                let next = others.lock().unwrap_or_else(|e| e.into_inner()).next();
                let Some((slot, f)) = next else { break };
                *slot = Some(render(*f));
            }
        };
        // The templated report renders from the context's JSON tree; this thread makes its
        // findings section (about half of it) while the render thread makes the rest, then
        // each renders what is left (issue 17: the render thread was the critical path).
        let split = heavy == Format::Markdown || opts.paper == Paper::default();
        let (send, receive) = std::sync::mpsc::sync_channel::<FindingsPart>(1);
        let render_others = &render_others;
        std::thread::scope(|s| {
            std::thread::Builder::new()
                .stack_size(crate::parallel::WORKER_STACK_BYTES)
                .spawn_scoped(s, move || {
                    if split {
                        self.wrap_rest(|| receive.recv().ok());
                    }
                    for (slot, f) in theirs {
                        *slot = Some(render(*f));
                    }
                    render_others();
                })
                .expect("a render thread starts");
            if split {
                let _ = send.send(self.findings_part());
            }
            drop(send);
            render_others();
        });
        results
            .into_iter()
            .map(|r| r.expect("every format was rendered"))
            .collect()
    }

    /// The JSON report as text when it is at most [`JSON_KEPT`] bytes; `None` when larger.
    fn small_json(&self) -> Option<String> {
        let kept = crate::output::budget::at_most(JSON_KEPT, |w| self.report.write_json(w));
        kept.map(|bytes| String::from_utf8(bytes).expect("serde_json writes UTF-8"))
    }

    /// This run as one SARIF `run` in category `gapcheck/NAME/`, for a portfolio's log of
    /// one run per arrangement.
    pub fn sarif_run(&self, opts: &RenderOptions, name: &str) -> sarif::Run {
        sarif::categorized(sarif::sarif_run(self.run, opts.sarif_root), name)
    }

    /// This run as one JUnit suite named `name`, for a portfolio's file of one suite per
    /// arrangement.
    pub fn junit_suite(&self, name: &str) -> junit::TestSuite {
        junit::client_suite(self.run, name)
    }
}

/// Renders one format.
pub fn render(format: Format, run: &Run, opts: &RenderOptions) -> Result<String, RenderError> {
    Ok(match format {
        Format::Json => Report::build(run).to_json(),
        Format::Text => text::render(&Report::build(run), opts.color),
        Format::Markdown => markdown::render(&context::Context::build(run), opts.template_dir)?,
        Format::Html => html::render(
            &context::Context::build(run).with_paper(opts.paper),
            opts.template_dir,
        )?,
        Format::Sarif => sarif::render(run, opts.sarif_root),
        Format::Junit => junit::render(run)?,
        Format::Csv => csv::render(run),
    })
}

/// Compiles the templates the Markdown and HTML formats among `formats` need, ahead of
/// rendering (on the caller's thread: the CLI starts it on another one at the beginning of
/// a check). Errors are left for the render to report.
pub fn warm_templates(formats: &[Format], template_dir: Option<&Path>) {
    if formats.contains(&Format::Html) {
        html::warm(template_dir);
    }
    if formats.contains(&Format::Markdown) {
        markdown::warm(template_dir);
    }
}

impl Format {
    pub fn all_names() -> String {
        Format::names().join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tree the render thread assembles around the findings section made on the other
    /// thread is the tree of the whole context, for every fixture; so is the context kept.
    #[test]
    fn the_split_tree_is_the_whole_context_s_tree() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let registry = Registry::load(true, &[]).unwrap();
        let mut compared = 0;
        for dir in [root.clone(), root.join("cases")] {
            let mut paths: Vec<_> = std::fs::read_dir(dir)
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
                .collect();
            paths.sort();
            for path in paths {
                let text = std::fs::read_to_string(&path).unwrap();
                let name = path.display().to_string();
                let Ok((a, _)) = crate::arrangement::load(&name, &text, &registry) else {
                    continue;
                };
                let opts = crate::evaluate::Options::new(jiff::civil::date(2026, 11, 26));
                let assessment = Assessment::new(&registry, &a, &opts);
                let run = assessment.run(&a, &registry, &opts, "2026-01-01T00:00:00Z".into(), None);
                let whole = context::Context::build(&run);
                let prepared = Prepared::new(&run);
                let split = prepared.wrap_rest(|| Some(prepared.findings_part()));
                assert!(split.data() == templates::wrap(&whole).data(), "{name}");
                let kept = serde_json::to_value(prepared.context()).unwrap();
                assert!(kept == serde_json::to_value(&whole).unwrap(), "{name}");
                // Without the section sent, the render thread makes it itself.
                let alone = Prepared::new(&run);
                assert!(alone.wrap_rest(|| None).data() == split.data(), "{name}");
                compared += 1;
            }
        }
        assert!(compared >= 10, "only {compared} fixtures compared");
    }
}
