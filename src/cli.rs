//! The command line (DESIGN §6): argument parsing, the commands, and the mapping of every
//! outcome to an exit code (0 pass, 1 failing findings, 2 invalid input or usage).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use jiff::civil::Date;
use regex::Regex;

use crate::arrangement::{self, Arrangement, Model};
use crate::catalog::{self, Registry, Severity};
use crate::diag::{Diagnostic, Level};
use crate::evaluate::{self, FailOn, Options, Policy};
use crate::output::{atomic, budget};
use crate::report::{self, Format};
use crate::term::{self, Content};

mod args;
mod catalogs;
mod export;
mod init;
mod man;
mod one;
mod portfolio;

pub use args::*;
use catalogs::catalog_command;
pub use init::init_template;
pub use man::man_pages;
use one::{Parts, check_one};
use portfolio::{PORTFOLIO_FORMATS, check_portfolio};

/// Why a command could not do its job. All of these exit with code 2.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid input")]
    Invalid(Vec<Diagnostic>),
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Output(#[from] atomic::OutputError),
    #[error(transparent)]
    Render(#[from] report::RenderError),
    #[error(transparent)]
    Stdout(#[from] term::StdoutError),
}

impl From<catalog::LoadErrors> for Error {
    fn from(e: catalog::LoadErrors) -> Self {
        Error::Invalid(e.0)
    }
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            report_error(&e);
            // 128 + SIGINT, as a shell reports a run stopped by Ctrl-C.
            let interrupted = matches!(e, Error::Output(atomic::OutputError::Interrupted));
            ExitCode::from(if interrupted { 130 } else { 2 })
        }
    }
}

fn report_error(e: &Error) {
    // Gathered into one write: a file with thousands of errors would otherwise cost a
    // system call for every fragment of every message.
    let mut err = String::new();
    match e {
        Error::Invalid(diags) => {
            for d in diags {
                err.push_str(&format!("{d}\n\n"));
            }
            let n = diags.iter().filter(|d| d.level == Level::Error).count();
            err.push_str(&format!(
                "gapcheck: {n} error(s); nothing was checked and no report was written"
            ));
        }
        other => err.push_str(&format!("gapcheck: error: {other}")),
    }
    term::eprintln(&err);
}

fn print_warnings(diags: &[Diagnostic]) {
    let mut err = String::new();
    for d in diags.iter().filter(|d| d.level == Level::Warning) {
        err.push_str(&format!("{d}\n"));
    }
    term::eprint(&err);
}

pub fn run(cli: Cli) -> Result<u8, Error> {
    COLOR.store(cli.color as u8, std::sync::atomic::Ordering::Relaxed);
    match cli.command {
        Command::Check(args) => check(args),
        Command::Recommend {
            arrangement,
            catalogs,
            format,
        } => recommend(&arrangement, &catalogs, format),
        Command::Catalog(c) => catalog_command(c),
        Command::Export(c) => export::run(c),
        Command::Capabilities { catalogs, format } => {
            let registry = load_registry(&catalogs)?;
            let listing = crate::report::capabilities::listing(&registry);
            match format {
                RecommendFormat::Text => {
                    term::print(&crate::report::capabilities::text(&listing), Content::Text)?
                }
                RecommendFormat::Json => {
                    let mut text =
                        serde_json::to_string_pretty(&listing).expect("listing serializes");
                    text.push('\n');
                    term::print(&text, Content::Data)?;
                }
            }
            Ok(0)
        }
        Command::Schema { kind } => {
            let registry = Registry::load(true, &[])?;
            let schema = match kind {
                SchemaKind::Catalog => crate::schema::catalog(&registry.vocabulary),
                SchemaKind::Arrangement => crate::schema::arrangement(&registry),
                SchemaKind::Report => crate::report::schema::report(),
            };
            let mut text = serde_json::to_string_pretty(&schema).expect("schema serializes");
            text.push('\n');
            term::print(&text, Content::Data)?;
            Ok(0)
        }
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut cmd, "gapcheck", &mut out);
            term::print(&String::from_utf8_lossy(&out), Content::Text)?;
            Ok(0)
        }
        Command::Man { dir } => {
            let pages = man_pages();
            match dir {
                None => term::print(&String::from_utf8_lossy(&pages[0].1), Content::Text)?,
                Some(dir) => {
                    let files: Vec<(PathBuf, &[u8])> = pages
                        .iter()
                        .map(|(name, page)| (dir.join(name), page.as_slice()))
                        .collect();
                    let refs: Vec<(&std::path::Path, &[u8])> =
                        files.iter().map(|(p, b)| (p.as_path(), *b)).collect();
                    atomic::write_all_atomic(&refs)?;
                    term::eprintln(&format!(
                        "gapcheck: wrote {} man pages into {}",
                        pages.len(),
                        dir.display()
                    ));
                }
            }
            Ok(0)
        }
        Command::Init { model, frameworks } => {
            let registry = Registry::load(true, &[])?;
            let text = init_template(&registry, model, &frameworks)?;
            term::print(&text, Content::Data)?;
            Ok(0)
        }
    }
}

/// "Now", for reports: SOURCE_DATE_EPOCH when set (reproducible output), else the clock.
fn now() -> Result<jiff::Timestamp, Error> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(v) if !v.is_empty() => v
            .trim()
            .parse::<i64>()
            .ok()
            .and_then(|s| jiff::Timestamp::from_second(s).ok())
            .ok_or_else(|| {
                Error::Usage(format!(
                    "SOURCE_DATE_EPOCH={v} is not a Unix time in seconds"
                ))
            }),
        _ => Ok(jiff::Timestamp::now()),
    }
}

fn load_registry(args: &CatalogArgs) -> Result<Registry, Error> {
    let registry = Registry::load(!args.no_builtin, &args.catalogs)?;
    print_warnings(&registry.warnings);
    Ok(registry)
}

/// The name an arrangement read from stdin (`-`) goes by in messages and reports.
pub const STDIN_NAME: &str = "<stdin>";

fn is_stdin(path: &std::path::Path) -> bool {
    path.as_os_str() == "-"
}

fn load_arrangement(path: &std::path::Path, registry: &Registry) -> Result<Arrangement, Error> {
    let (shown, text) = read_arrangement(path)?;
    load_arrangement_text(&shown, &text, registry)
}

/// An arrangement's name in messages and its text, from a file or stdin (`-`).
fn read_arrangement(path: &std::path::Path) -> Result<(String, String), Error> {
    if is_stdin(path) {
        let text = catalog::read_reader(STDIN_NAME, std::io::stdin().lock())
            .map_err(|d| Error::Invalid(vec![d]))?;
        Ok((STDIN_NAME.to_owned(), text))
    } else {
        let text = catalog::read_text(path).map_err(|d| Error::Invalid(vec![d]))?;
        Ok((path.display().to_string(), text))
    }
}

fn load_arrangement_text(
    shown: &str,
    text: &str,
    registry: &Registry,
) -> Result<Arrangement, Error> {
    let (a, warnings) = arrangement::load(shown, text, registry).map_err(Error::Invalid)?;
    print_warnings(&warnings);
    Ok(a)
}

/// The `--color` of this run (set once by [`run`]), as a [`ColorChoice`] discriminant.
static COLOR: std::sync::atomic::AtomicU8 =
    std::sync::atomic::AtomicU8::new(ColorChoice::Auto as u8);

/// Whether a text report on stdout is coloured. `--color always|never` decides; under
/// `auto`, a non-empty NO_COLOR turns colour off (no-color.org), then a non-empty
/// CLICOLOR_FORCE other than `0` turns it on even into a pipe (bixense.com/clicolors), and
/// otherwise only a terminal gets colour — the order anstream and cargo use.
fn color_stdout() -> bool {
    let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
    match COLOR.load(std::sync::atomic::Ordering::Relaxed) {
        c if c == ColorChoice::Always as u8 => true,
        c if c == ColorChoice::Never as u8 => false,
        _ if set("NO_COLOR") => false,
        _ if set("CLICOLOR_FORCE")
            && std::env::var_os("CLICOLOR_FORCE").is_some_and(|v| v != "0") =>
        {
            true
        }
        _ => term::stdout_is_terminal(),
    }
}

/// The evaluation settings shared by every arrangement of a run.
struct Settings {
    opts: Options,
    now: jiff::Timestamp,
    baseline: Option<crate::baseline::Baseline>,
    /// How to read and judge evidence, when `--evidence` is given.
    evidence: Option<crate::evidence::Settings>,
}

impl Settings {
    fn from_args(args: &CheckArgs) -> Result<Settings, Error> {
        let mut settings = Settings::from_args_without_baseline(args)?;
        settings.baseline = args
            .baseline
            .as_deref()
            .map(crate::baseline::Baseline::load)
            .transpose()
            .map_err(|d| Error::Invalid(vec![d]))?;
        Ok(settings)
    }

    /// The settings, leaving `--baseline` to the caller: a portfolio reads it as a
    /// portfolio JSON, one baseline per client.
    fn from_args_without_baseline(args: &CheckArgs) -> Result<Settings, Error> {
        let now = now()?;
        let today = args
            .today
            .unwrap_or_else(|| now.to_zoned(jiff::tz::TimeZone::UTC).date());
        let policy = Policy {
            fail_on: args.fail_on,
            min_severity: args.min_severity,
        };
        let opts = Options {
            today,
            policy,
            select: args.select.clone(),
            exclude: args.exclude.clone(),
            warn_expiring_days: args.warn_expiring_days,
        };
        let evidence = evidence_settings(&args.evidence, today, now)?;
        Ok(Settings {
            opts,
            now,
            baseline: None,
            evidence,
        })
    }
}

/// Validates the evidence options and loads the maps once for the whole run.
fn evidence_settings(
    args: &EvidenceArgs,
    today: Date,
    now: jiff::Timestamp,
) -> Result<Option<crate::evidence::Settings>, Error> {
    if args.paths.is_empty() {
        let stray = [
            (!args.maps.is_empty(), "--evidence-map"),
            (args.lenient, "--evidence-lenient"),
            (args.require, "--require-evidence"),
        ];
        if let Some((_, flag)) = stray.iter().find(|(set, _)| *set) {
            return Err(Error::Usage(format!(
                "{flag} applies to evidence records: add --evidence PATH"
            )));
        }
        return Ok(None);
    }
    let vocab = crate::capability::Vocabulary::builtin();
    let mut maps = Vec::new();
    let mut diags = Vec::new();
    for m in &args.maps {
        match crate::evidence::map::load(m, &vocab) {
            Ok(map) => maps.push(map),
            Err(d) => diags.extend(d),
        }
    }
    if diags.iter().any(|d| d.level == Level::Error) {
        return Err(Error::Invalid(diags));
    }
    Ok(Some(crate::evidence::Settings {
        paths: args.paths.clone(),
        maps,
        lenient: args.lenient,
        require: args.require,
        as_of: crate::evidence::as_of(today, now),
        window_days: args.window_days,
    }))
}

/// Reads the evidence of one arrangement (`paths` already resolved for it).
fn load_evidence(
    settings: &crate::evidence::Settings,
    a: &Arrangement,
    registry: &Registry,
) -> Result<(crate::evidence::Evidence, Vec<Diagnostic>), Vec<Diagnostic>> {
    crate::evidence::load(settings, a, &registry.vocabulary)
}

fn output_formats(outputs: &[PathBuf]) -> Result<Vec<(&PathBuf, Format)>, Error> {
    outputs
        .iter()
        .map(|o| {
            let f = Format::from_path(o).ok_or_else(|| {
                Error::Usage(format!(
                    "{}: cannot tell the report format from the extension; use one of {}",
                    o.display(),
                    Format::extensions()
                ))
            })?;
            Ok((o, f))
        })
        .collect()
}

fn check(args: CheckArgs) -> Result<u8, Error> {
    if args.arrangements.len() > 1 && args.arrangements.iter().any(|p| is_stdin(p)) {
        return Err(Error::Usage(
            "`-` reads one arrangement from stdin; it cannot be combined with other arrangements"
                .into(),
        ));
    }
    let portfolio = args.arrangements.len() > 1 || args.arrangements.iter().any(|p| p.is_dir());
    if portfolio {
        return check_portfolio(args);
    }
    let path = &args.arrangements[0];
    let outputs = single_outputs(path, &args.outputs);
    let out_formats = output_formats(&outputs)?;
    // Templates compile on the second core meanwhile; the render waits for them (or compiles
    // itself and reports a template error where it always did).
    let mut templated: Vec<Format> = out_formats.iter().map(|(_, f)| *f).collect();
    templated.push(args.format);
    if templated
        .iter()
        .any(|f| matches!(f, Format::Html | Format::Markdown))
    {
        let dir = args.template_dir.clone();
        let _ = std::thread::Builder::new()
            .stack_size(crate::parallel::WORKER_STACK_BYTES)
            .spawn(move || report::warm_templates(&templated, dir.as_deref()));
    }
    // The arrangement is read first so only the built-in catalogs it names are decoded;
    // catalog errors still come first, as they did.
    let read = read_arrangement(path);
    let mentions = read.as_ref().map_or("", |(_, text)| text.as_str());
    // Left to the operating system at exit, like the report (`Parts::exiting`).
    let registry = std::mem::ManuallyDrop::new(Registry::load_for(
        !args.catalogs.no_builtin,
        &args.catalogs.catalogs,
        mentions,
    )?);
    print_warnings(&registry.warnings);
    let (shown, text) = read?;
    let a = load_arrangement_text(&shown, &text, &registry)?;
    let arrangement_bytes = text.len() as u64;
    drop(text);
    let mut inputs = vec![path.clone()];
    inputs.extend(args.catalogs.catalogs.iter().cloned());
    inputs.extend(catalog_files(&registry));
    inputs.extend(args.baseline.iter().cloned());
    inputs.extend(args.evidence.paths.iter().cloned());
    inputs.extend(args.evidence.maps.iter().cloned());
    for (o, _) in &out_formats {
        atomic::refuse_inputs(o, &inputs)?;
    }
    let settings = Settings::from_args(&args)?;
    if let Some(d) = settings
        .baseline
        .as_ref()
        .and_then(|b| b.check_organization(&a.organization.name, args.baseline_other_organization))
    {
        match d.level {
            Level::Error => return Err(Error::Invalid(vec![d])),
            Level::Warning => print_warnings(&[d]),
        }
    }
    let emptied = evaluate::emptied_frameworks(&registry, &a, &settings.opts);
    if !emptied.is_empty() {
        return Err(Error::Invalid(emptied));
    }
    let evidence = match &settings.evidence {
        None => None,
        Some(es) => {
            let (ev, warnings) = load_evidence(es, &a, &registry).map_err(Error::Invalid)?;
            print_warnings(&warnings);
            Some(ev)
        }
    };
    let file_opts = report::RenderOptions {
        color: false,
        template_dir: args.template_dir.as_deref(),
        paper: args.paper,
        sarif_root: args.sarif_root.as_deref(),
    };
    // Render everything, stdout included, before writing anything: a failure leaves no
    // report behind.
    let mut formats: Vec<Format> = out_formats.iter().map(|(_, f)| *f).collect();
    formats.push(args.format);
    let color = args.format == Format::Text && color_stdout();
    let content = match args.format {
        Format::Text if color => Content::Colored,
        Format::Text => Content::Text,
        _ => Content::Data,
    };
    let parts = Parts {
        baseline: settings.baseline.as_ref(),
        stream_json: true,
        parallel: true,
        exiting: true,
        ..Parts::default()
    };
    check_one(
        &registry,
        &a,
        &settings,
        &formats,
        &file_opts,
        evidence.as_ref(),
        parts,
        |mut checked, prepared| {
            let report = &prepared.report;
            if color {
                *checked.rendered.last_mut().expect("stdout format") =
                    Some(crate::report::text::render(report, true));
            }
            // The size budget (issue 11): checked on every report before anything is
            // written. A JSON report left unrendered (over report::JSON_KEPT bytes) is
            // counted by writing it into nothing, so its text is produced only where it goes.
            let input = arrangement_bytes
                + budget::input_bytes(
                    catalog_files(&registry)
                        .collect::<Vec<_>>()
                        .iter()
                        .chain(&args.evidence.paths)
                        .chain(&args.evidence.maps)
                        .map(PathBuf::as_path),
                );
            let mut json_bytes = None;
            for (rendered, f) in checked.rendered.iter().zip(&formats) {
                let bytes = match rendered {
                    Some(text) => text.len() as u64,
                    None => {
                        *json_bytes.get_or_insert_with(|| budget::counted(|w| report.write_json(w)))
                    }
                };
                over_budget(&a.path, *f, bytes, input)?;
            }
            let stdout = checked.rendered.pop().expect("stdout format");
            // serde_json writes a few bytes at a time: into a buffer of a concrete type, so
            // each piece is a copy rather than a call through `dyn Write` (issue 17).
            let json = |w: &mut dyn std::io::Write| {
                let mut w = std::io::BufWriter::with_capacity(atomic::STREAM_BUFFER, w);
                let written = report
                    .write_json(&mut w)
                    .and_then(|()| std::io::Write::flush(&mut w));
                if written.is_err() {
                    // Nothing more is written after a failure (dropping would try again).
                    let _ = w.into_parts();
                }
                written
            };
            let files: Vec<(&std::path::Path, atomic::Contents)> = out_formats
                .iter()
                .zip(&checked.rendered)
                .map(|((o, _), rendered)| {
                    let contents = match rendered {
                        Some(text) => atomic::Contents::Bytes(text.as_bytes()),
                        None => atomic::Contents::Stream(&json),
                    };
                    (o.as_path(), contents)
                })
                .collect();
            atomic::write_all_streamed(&files)?;
            match stdout {
                Some(text) => term::print(&text, content)?,
                None => term::print_streamed(content, json)?,
            }
            Ok(if checked.passed { 0 } else { 1 })
        },
    )
}

/// Refuses a report of `bytes` over the budget for `input` bytes of input
/// (`output::budget`), located at the arrangement it is a report of.
fn over_budget(arrangement: &str, format: Format, bytes: u64, input: u64) -> Result<(), Error> {
    let budget = crate::output::budget::report_budget(input);
    if bytes <= budget {
        return Ok(());
    }
    Err(Error::Invalid(vec![Diagnostic {
        level: Level::Error,
        file: arrangement.to_owned(),
        pos: Some(crate::diag::Pos::new(1, 1)),
        message: format!(
            "the {format} report would be {bytes} bytes, over its budget of {budget} bytes ({} MiB + {} × the {input} bytes of input); nothing was written",
            crate::output::budget::MAX_REPORT_FIXED_BYTES >> 20,
            crate::output::budget::MAX_REPORT_INPUT_FACTOR,
        ),
        help: Some("shorten the texts repeated per finding (exception reasons, names) or check fewer controls (--select, fewer frameworks); README, \"Limits\"".into()),
        source_line: None,
    }]))
}

/// `-o DIR/` for one arrangement: its default set of reports in DIR, named after the
/// arrangement file (`clinic.yaml` → `clinic.json`, `clinic.md`, `clinic.html`), the set a
/// portfolio writes for each of its arrangements.
fn single_outputs(arrangement: &std::path::Path, outputs: &[PathBuf]) -> Vec<PathBuf> {
    let stem = if is_stdin(arrangement) {
        "stdin".to_owned()
    } else {
        arrangement
            .file_stem()
            .map_or_else(|| "report".to_owned(), |s| s.to_string_lossy().into_owned())
    };
    let mut out = Vec::new();
    for o in outputs {
        // `-o taken.json` naming a directory stays an error (the report cannot go there);
        // a folder is `DIR/`, or an existing directory without a report's extension.
        let folder =
            o.to_string_lossy().ends_with('/') || (o.is_dir() && Format::from_path(o).is_none());
        if folder {
            out.extend(
                PORTFOLIO_FORMATS
                    .iter()
                    .map(|f| o.join(format!("{stem}.{}", f.extension()))),
            );
        } else {
            out.push(o.clone());
        }
    }
    out
}

/// Every catalog file read from disk, by the path it was read from (a `-c` directory's
/// files one by one), so output checks compare files, not directories.
fn catalog_files(registry: &Registry) -> impl Iterator<Item = PathBuf> + '_ {
    registry.catalogs.values().flat_map(|c| {
        c.files
            .iter()
            .filter(|f| !f.builtin)
            .map(|f| PathBuf::from(&f.path))
    })
}

/// Where `-o` sends a portfolio: a directory (one report per arrangement plus an index) or
/// a file (the portfolio JSON, or the index as Markdown or HTML).
fn is_output_dir(p: &std::path::Path) -> bool {
    p.to_string_lossy().ends_with('/') || p.is_dir()
}

fn recommend(
    path: &std::path::Path,
    catalogs: &CatalogArgs,
    format: RecommendFormat,
) -> Result<u8, Error> {
    let registry = load_registry(catalogs)?;
    let a = load_arrangement(path, &registry)?;
    let opts = Options::new(now()?.to_zoned(jiff::tz::TimeZone::UTC).date());
    let evaluation = evaluate::evaluate(&registry, &a, &opts);
    let fit = crate::fit::fit(&a, &evaluation);
    match format {
        RecommendFormat::Json => {
            let mut text = serde_json::to_string_pretty(&fit).expect("fit serializes");
            text.push('\n');
            term::print(&text, Content::Data)?;
        }
        RecommendFormat::Text => term::print(
            &crate::report::text::fit_table(&a.organization.name, &fit),
            Content::Text,
        )?,
    }
    Ok(0)
}
