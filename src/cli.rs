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
use crate::output::atomic;
use crate::report::{self, Format};
use crate::term::{self, Content};

mod export;

/// Exit codes, shown by `--help` and in the man pages (DESIGN §6).
const EXIT_CODES: &str = "Exit codes:
  0  no finding fails the policy (--fail-on, --min-severity; with --baseline: no failing regression)
  1  findings fail the policy
  2  invalid input or usage; every error names file:line:column and a fix";

#[derive(Debug, Parser)]
#[command(
    name = "gapcheck",
    version,
    about = "Checks an IT service arrangement (break-fix, managed, co-managed) against compliance control catalogs",
    after_help = EXIT_CODES
)]
pub struct Cli {
    /// When to colour the text report: auto (a terminal, unless NO_COLOR is set or
    /// CLICOLOR_FORCE asks for colour anyway), always or never
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    #[command(subcommand)]
    pub command: Command,
}

/// `--color`, as ripgrep and cargo spell it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// What `recommend` and `capabilities` can print: a table for a person, or JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RecommendFormat {
    Text,
    Json,
}

/// The documents `gapcheck schema` describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SchemaKind {
    /// An arrangement file (format version 1)
    Arrangement,
    /// A catalog file (format version 1)
    Catalog,
    /// The JSON report (`-f json`, gapcheck/report/v1)
    Report,
}

#[derive(Debug, Args, Clone, Default)]
pub struct CatalogArgs {
    /// Add a catalog file, or every *.yaml/*.yml under a directory (repeatable)
    #[arg(short = 'c', long = "catalog", value_name = "PATH")]
    pub catalogs: Vec<PathBuf>,
    /// Do not load the built-in catalogs
    #[arg(long)]
    pub no_builtin: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check an arrangement against its frameworks and report findings
    #[command(after_help = EXIT_CODES)]
    Check(CheckArgs),
    /// Show how well each service model fits the organization
    Recommend {
        /// The arrangement file (`-` reads it from stdin)
        arrangement: PathBuf,
        #[command(flatten)]
        catalogs: CatalogArgs,
        /// Output format
        #[arg(short = 'f', long = "format", value_enum, default_value_t = RecommendFormat::Text)]
        format: RecommendFormat,
    },
    /// List, show, validate or export catalogs
    #[command(subcommand)]
    Catalog(CatalogCommand),
    /// Export OSCAL documents (SSP, POA&M) and spreadsheets (POA&M, findings)
    #[command(subcommand)]
    Export(export::ExportCommand),
    /// List the capability vocabulary: each id, its kind, what it means and which loaded
    /// controls need it
    Capabilities {
        #[command(flatten)]
        catalogs: CatalogArgs,
        /// Output format (json lists every control that needs each capability)
        #[arg(short = 'f', long = "format", value_enum, default_value_t = RecommendFormat::Text)]
        format: RecommendFormat,
    },
    /// Print the JSON Schema (draft 2020-12) of a file format, for editors and tools
    Schema {
        #[arg(value_enum)]
        kind: SchemaKind,
    },
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell)
    Completions { shell: clap_complete::Shell },
    /// Print the man page (roff), or write one page per command into a directory
    Man {
        /// Write gapcheck.1, gapcheck-check.1, gapcheck-catalog-import.1, ... into DIR
        /// (created if missing) instead of printing gapcheck.1
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Print a starter arrangement file
    Init {
        /// The service model to start from
        #[arg(long, value_enum, default_value_t = Model::Managed)]
        model: Model,
        /// A framework to select (catalog id, or catalog:profile); repeatable
        #[arg(long = "framework", value_name = "ID")]
        frameworks: Vec<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum CatalogCommand {
    /// List the loaded catalogs
    List {
        #[command(flatten)]
        catalogs: CatalogArgs,
    },
    /// Show a catalog, or one control as CATALOG:CONTROL
    Show {
        target: String,
        #[command(flatten)]
        catalogs: CatalogArgs,
    },
    /// Validate catalog files or directories (with the built-ins, as a check would load them)
    Validate {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Validate without the built-in catalogs
        #[arg(long)]
        no_builtin: bool,
    },
    /// Print a built-in catalog's YAML, or any loaded catalog as OSCAL JSON (--format oscal)
    Export {
        id: String,
        /// yaml (the built-in file as it is) or oscal (an OSCAL 1.1 catalog)
        #[arg(long, default_value = "yaml", value_parser = ["yaml", "oscal"])]
        format: String,
        #[command(flatten)]
        catalogs: CatalogArgs,
    },
    /// Convert an OSCAL catalog (JSON or YAML) into a gapcheck catalog
    Import {
        /// The OSCAL catalog file, or an OSCAL profile (then give its catalog with --catalog)
        file: PathBuf,
        /// The OSCAL catalog a profile selects from (NIST's baseline profiles: the SP 800-53
        /// catalog); FILE is then the profile, and only the controls it selects are imported
        #[arg(long, value_name = "CATALOG.json")]
        catalog: Option<PathBuf>,
        /// Write the catalog here instead of stdout
        #[arg(short = 'o', long = "output", value_name = "OUT.yaml")]
        output: Option<PathBuf>,
        /// A YAML mapping assigning `requires` (and `severity`) by control id or regex
        #[arg(long, value_name = "FILE")]
        map: Option<PathBuf>,
        /// The catalog id to give the result (default: derived from the OSCAL title)
        #[arg(long, value_name = "ID")]
        id: Option<String>,
        /// Validate the result on its own rather than beside the built-in catalogs (to
        /// regenerate a built-in catalog, whose id the check would otherwise call a clash)
        #[arg(long)]
        no_builtin: bool,
    },
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Arrangement files, or directories of them (a portfolio); `-` reads one from stdin
    #[arg(required = true, value_name = "ARRANGEMENT|DIR")]
    pub arrangements: Vec<PathBuf>,
    #[command(flatten)]
    pub catalogs: CatalogArgs,
    /// What goes to stdout
    #[arg(short = 'f', long = "format", value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Also write a report; the format comes from the extension (repeatable). Missing
    /// parent directories are created; `DIR/` writes the JSON, Markdown and HTML reports
    #[arg(short = 'o', long = "output", value_name = "FILE|DIR/")]
    pub outputs: Vec<PathBuf>,
    /// Lowest status that fails the run
    #[arg(long, value_enum, default_value_t = FailOn::Gap)]
    pub fail_on: FailOn,
    /// Only findings of at least this severity fail the run
    #[arg(long, value_enum, default_value_t = Severity::Low)]
    pub min_severity: Severity,
    /// Only evaluate controls whose `catalog:control` matches this regex
    #[arg(long, value_name = "REGEX", value_parser = cli_regex)]
    pub select: Option<Regex>,
    /// Skip controls whose `catalog:control` matches this regex
    #[arg(long, value_name = "REGEX", value_parser = cli_regex)]
    pub exclude: Option<Regex>,
    /// The date exceptions expire against (default: today, UTC)
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = cli_date)]
    pub today: Option<Date>,
    /// Compare with an earlier JSON report and fail only on regressions
    #[arg(long, value_name = "OLD.json")]
    pub baseline: Option<PathBuf>,
    /// Compare even when the baseline is a report of another organization (a renamed
    /// company); without it that is an error
    #[arg(long, requires = "baseline")]
    pub baseline_other_organization: bool,
    /// Call out exceptions that expire within this many days
    #[arg(long, value_name = "DAYS", default_value_t = evaluate::WARN_EXPIRING_DAYS, value_parser = clap::value_parser!(i32).range(0..=3650))]
    pub warn_expiring_days: i32,
    /// Say which files a directory scan skips
    #[arg(short = 'v', long)]
    pub verbose: bool,
    /// The directory SARIF artifact URIs are relative to (default: the nearest directory
    /// above the arrangement holding `.git`, as GitHub code scanning expects)
    #[arg(long, value_name = "DIR")]
    pub sarif_root: Option<PathBuf>,
    /// With several arrangements: stop at the first invalid one and write nothing (by
    /// default the valid ones are still checked and written, and the run exits 2)
    #[arg(long)]
    pub fail_fast: bool,
    /// Override Markdown/HTML templates and partials by file name (e.g. summary.md.hbs)
    #[arg(long, value_name = "DIR")]
    pub template_dir: Option<PathBuf>,
    /// Paper size the HTML report prints on
    #[arg(long, value_enum, default_value_t = report::Paper::Letter)]
    pub paper: report::Paper,
    #[command(flatten)]
    pub evidence: EvidenceArgs,
}

/// Checking against the record of work done (issue 13).
#[derive(Debug, Args, Clone, Default)]
pub struct EvidenceArgs {
    /// Check against records of work done: a CSV, JSON Lines or YAML file, or a directory
    /// of them (repeatable). With several arrangements, DIR/<arrangement name>/ per client
    #[arg(long = "evidence", value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Describe an export's columns, date format and outcome words (repeatable)
    #[arg(long = "evidence-map", value_name = "MAP.yaml")]
    pub maps: Vec<PathBuf>,
    /// A malformed evidence row is a warning and is skipped, not an error
    #[arg(long = "evidence-lenient")]
    pub lenient: bool,
    /// Every declared ongoing responsibility needs a record (as `evidence: required`)
    #[arg(long = "require-evidence")]
    pub require: bool,
    /// Days over which SLA attainment and record counts are measured
    #[arg(long = "evidence-window", value_name = "DAYS", default_value_t = crate::evidence::DEFAULT_WINDOW_DAYS, value_parser = clap::value_parser!(u32).range(1..=i64::from(crate::evidence::MAX_WINDOW_DAYS)))]
    pub window_days: u32,
}

fn cli_regex(s: &str) -> Result<Regex, String> {
    regex::RegexBuilder::new(s)
        .size_limit(1 << 20)
        .build()
        .map_err(|e| e.to_string())
}

fn cli_date(s: &str) -> Result<Date, String> {
    s.parse::<Date>()
        .ok()
        .filter(|_| s.len() == 10)
        .ok_or_else(|| "expected a real date as YYYY-MM-DD".to_owned())
}

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

/// Every man page: `gapcheck.1` first, then one per subcommand (`gapcheck-check.1`,
/// `gapcheck-catalog-import.1`, ...), as the SEE ALSO lines clap_mangen writes expect.
/// Each gets EXIT STATUS and ENVIRONMENT sections, which clap has no place for.
pub fn man_pages() -> Vec<(String, Vec<u8>)> {
    fn walk(cmd: &clap::Command, prefix: &str, out: &mut Vec<(String, Vec<u8>)>) {
        let name = if prefix.is_empty() {
            cmd.get_name().to_owned()
        } else {
            format!("{prefix}-{}", cmd.get_name())
        };
        let page_cmd = cmd
            .clone()
            .display_name(name.clone())
            .bin_name(name.replace('-', " "))
            .version(env!("CARGO_PKG_VERSION"));
        out.push((format!("{name}.1"), man_page(page_cmd)));
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            walk(sub, &name, out);
        }
    }
    let mut cmd = <Cli as clap::CommandFactory>::command().disable_help_subcommand(true);
    cmd.build();
    let mut out = Vec::new();
    walk(&cmd, "", &mut out);
    out
}

fn man_page(cmd: clap::Command) -> Vec<u8> {
    let man = clap_mangen::Man::new(cmd.clone()).date("");
    let mut out = Vec::new();
    let has_args = cmd.get_arguments().any(|a| !a.is_hide_set());
    let has_subs = cmd.has_subcommands();
    let render = |out: &mut Vec<u8>| -> std::io::Result<()> {
        man.render_title(out)?;
        man.render_name_section(out)?;
        man.render_synopsis_section(out)?;
        man.render_description_section(out)?;
        if has_args {
            man.render_options_section(out)?;
        }
        if has_subs {
            man.render_subcommands_section(out)?;
        }
        std::io::Write::write_all(out, MAN_EXIT_AND_ENVIRONMENT.as_bytes())?;
        man.render_version_section(out)
    };
    render(&mut out).expect("writing roff to memory cannot fail");
    out
}

/// The roff for the sections every page shares.
const MAN_EXIT_AND_ENVIRONMENT: &str = r#".SH "EXIT STATUS"
.TP
\fB0\fR
No finding fails the policy (\fB\-\-fail\-on\fR, \fB\-\-min\-severity\fR; with \fB\-\-baseline\fR: no failing regression), or the command did its job.
.TP
\fB1\fR
Findings fail the policy.
.TP
\fB2\fR
Invalid input or usage. Every error names file:line:column, says what is wrong and how to fix it; nothing is written.
.SH ENVIRONMENT
.TP
\fBSOURCE_DATE_EPOCH\fR
Unix time used as the report time stamp and, without \fB\-\-today\fR, as the date exceptions expire against, so reports are reproducible.
.TP
\fBNO_COLOR\fR
When set and not empty, the text report is not coloured (unless \fB\-\-color always\fR).
.TP
\fBCLICOLOR_FORCE\fR
When set, not empty and not 0, the text report is coloured even when stdout is not a terminal (unless \fBNO_COLOR\fR is set or \fB\-\-color never\fR).
"#;

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
        let now = now()?;
        let today = args
            .today
            .unwrap_or_else(|| now.to_zoned(jiff::tz::TimeZone::UTC).date());
        let policy = Policy {
            fail_on: args.fail_on,
            min_severity: args.min_severity,
        };
        let baseline = args
            .baseline
            .as_deref()
            .map(crate::baseline::Baseline::load)
            .transpose()
            .map_err(|d| Error::Invalid(vec![d]))?;
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
            baseline,
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

/// One arrangement evaluated and rendered: what portfolio and single runs both need.
struct Checked {
    passed: bool,
    /// Rendered reports, in the order asked for.
    rendered: Vec<String>,
    row: crate::portfolio::Row,
    report: crate::report::Report,
}

fn check_one(
    registry: &Registry,
    a: &Arrangement,
    settings: &Settings,
    formats: &[Format],
    render_opts: &report::RenderOptions,
    evidence: Option<&crate::evidence::Evidence>,
) -> Result<Checked, report::RenderError> {
    let assessment = report::Assessment::with_evidence(registry, a, &settings.opts, evidence);
    let comparison = settings
        .baseline
        .as_ref()
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
    let prepared = report::Prepared::new(&run);
    let rendered = formats
        .iter()
        .map(|f| prepared.render(*f, render_opts))
        .collect::<Result<Vec<_>, _>>()?;
    let report = prepared.report;
    let row = crate::portfolio::Row::new(&run, &report);
    Ok(Checked {
        passed: run.passed(),
        rendered,
        row,
        report,
    })
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
    // The arrangement is read first so only the built-in catalogs it names are decoded;
    // catalog errors still come first, as they did.
    let read = read_arrangement(path);
    let mentions = read.as_ref().map_or("", |(_, text)| text.as_str());
    let registry =
        Registry::load_for(!args.catalogs.no_builtin, &args.catalogs.catalogs, mentions)?;
    print_warnings(&registry.warnings);
    let (shown, text) = read?;
    let a = load_arrangement_text(&shown, &text, &registry)?;
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
    let mut checked = check_one(
        &registry,
        &a,
        &settings,
        &formats,
        &file_opts,
        evidence.as_ref(),
    )?;
    if args.format == Format::Text && color_stdout() {
        *checked.rendered.last_mut().expect("stdout format") =
            crate::report::text::render(&checked.report, true);
    }
    let stdout = checked.rendered.pop().expect("stdout format");
    let files: Vec<(&std::path::Path, &[u8])> = out_formats
        .iter()
        .zip(&checked.rendered)
        .map(|((o, _), text)| (o.as_path(), text.as_bytes()))
        .collect();
    atomic::write_all_atomic(&files)?;
    let content = match args.format {
        Format::Text if color_stdout() => Content::Colored,
        Format::Text => Content::Text,
        _ => Content::Data,
    };
    term::print(&stdout, content)?;
    Ok(if checked.passed { 0 } else { 1 })
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

/// The formats written per arrangement, and for the index, with `-o DIR/`.
const PORTFOLIO_FORMATS: [Format; 3] = [Format::Json, Format::Markdown, Format::Html];

fn check_portfolio(args: CheckArgs) -> Result<u8, Error> {
    if args.baseline.is_some() {
        return Err(Error::Usage("--baseline compares one arrangement's report; it is not supported with several arrangements".into()));
    }
    let index_format = |f: Format| {
        matches!(
            f,
            Format::Json | Format::Markdown | Format::Html | Format::Text
        )
    };
    if !index_format(args.format) {
        return Err(Error::Usage(format!(
            "a portfolio prints text, json, markdown or html, not {}",
            args.format
        )));
    }
    let mut dirs = Vec::new();
    let mut files = Vec::new();
    for o in &args.outputs {
        if is_output_dir(o) {
            dirs.push(o.clone());
        } else {
            let f = output_formats(std::slice::from_ref(o))?[0].1;
            if !index_format(f) || f == Format::Text {
                return Err(Error::Usage(format!(
                    "{}: a portfolio writes .json, .md or .html files, or a directory (`-o reports/`)",
                    o.display()
                )));
            }
            files.push((o.clone(), f));
        }
    }
    let registry = load_registry(&args.catalogs)?;
    let mut paths = Vec::new();
    let mut diags = Vec::new();
    for p in &args.arrangements {
        if p.is_dir() {
            let (found, skipped, errors) = crate::portfolio::discover(p);
            if args.verbose {
                for s in &skipped {
                    term::eprintln(&format!(
                        "gapcheck: skipping {} (no top-level `gapcheck:` key: not an arrangement)",
                        s.display()
                    ));
                }
            }
            paths.extend(found);
            diags.extend(errors);
        } else {
            paths.push(p.clone());
        }
    }
    if paths.is_empty() {
        return Err(Error::Usage(
            "no arrangement files found (YAML files with a top-level `gapcheck:` key)".into(),
        ));
    }
    let threads = crate::parallel::threads();
    let loaded = crate::parallel::map(&paths, threads, |p| {
        let text = catalog::read_text(p).map_err(|d| vec![d])?;
        arrangement::load(&p.display().to_string(), &text, &registry)
    });
    // Names come from every path, valid or not, so a client's report keeps its name when
    // another client's file breaks.
    let all_names = crate::portfolio::report_names(&paths);
    let mut arrangements = Vec::new();
    let mut names = Vec::new();
    let mut invalid: Vec<(PathBuf, Vec<Diagnostic>)> = Vec::new();
    for ((r, p), name) in loaded.into_iter().zip(&paths).zip(all_names) {
        match r {
            Ok((a, warnings)) => {
                print_warnings(&warnings);
                arrangements.push(a);
                names.push(name);
            }
            Err(d) => invalid.push((p.clone(), d)),
        }
    }
    // One broken client file no longer costs every other client its report (issue 12):
    // unless --fail-fast, invalid arrangements are reported and the others still checked.
    if args.fail_fast || arrangements.is_empty() || diags.iter().any(|d| d.level == Level::Error) {
        diags.extend(invalid.iter().flat_map(|(_, d)| d.iter().cloned()));
        if diags.iter().any(|d| d.level == Level::Error) {
            return Err(Error::Invalid(diags));
        }
    }
    for (_, d) in &invalid {
        let mut err = String::new();
        for x in d {
            err.push_str(&format!("{x}\n\n"));
        }
        term::eprint(&err);
    }
    // Every input by the path it was read from: the arrangements, each catalog file (a `-c`
    // directory's files one by one) and the baseline.
    let mut inputs = paths.clone();
    inputs.extend(args.catalogs.catalogs.iter().cloned());
    inputs.extend(args.evidence.paths.iter().cloned());
    inputs.extend(args.evidence.maps.iter().cloned());
    inputs.extend(catalog_files(&registry));
    inputs.extend(args.baseline.iter().cloned());
    for (o, _) in &files {
        atomic::refuse_inputs(o, &inputs)?;
    }
    let settings = Settings::from_args(&args)?;
    let emptied: Vec<Diagnostic> = arrangements
        .iter()
        .flat_map(|a| evaluate::emptied_frameworks(&registry, a, &settings.opts))
        .collect();
    if !emptied.is_empty() {
        return Err(Error::Invalid(emptied));
    }
    // Each client's records live under DIR/<its file stem>/ of every --evidence DIR (README,
    // "Portfolios"): the stem, not the report name, which carries a hash of the path.
    let stems: Vec<String> = arrangements
        .iter()
        .map(|a| {
            Path::new(&a.path)
                .file_stem()
                .map_or_else(String::new, |s| s.to_string_lossy().into_owned())
        })
        .collect();
    let evidence: Vec<Option<crate::evidence::Evidence>> = match &settings.evidence {
        None => arrangements.iter().map(|_| None).collect(),
        Some(es) => {
            if let Some(p) = es.paths.iter().find(|p| !p.is_dir()) {
                return Err(Error::Usage(format!(
                    "{}: with several arrangements, --evidence names a directory holding one subdirectory per arrangement, named by its file stem",
                    p.display()
                )));
            }
            let jobs: Vec<(&Arrangement, &String)> = arrangements.iter().zip(&stems).collect();
            let loaded = crate::parallel::map(&jobs, threads, |(a, name)| {
                let own = crate::evidence::Settings {
                    paths: es
                        .paths
                        .iter()
                        .map(|d| d.join(name.as_str()))
                        .filter(|d| d.is_dir())
                        .collect(),
                    ..es.clone()
                };
                load_evidence(&own, a, &registry)
            });
            let mut out = Vec::new();
            for r in loaded {
                match r {
                    Ok((ev, warnings)) => {
                        print_warnings(&warnings);
                        out.push(Some(ev));
                    }
                    Err(d) => diags.extend(d),
                }
            }
            if diags.iter().any(|d| d.level == Level::Error) {
                return Err(Error::Invalid(diags));
            }
            out
        }
    };
    let render_opts = report::RenderOptions {
        color: false,
        template_dir: args.template_dir.as_deref(),
        paper: args.paper,
        sarif_root: args.sarif_root.as_deref(),
    };
    let per_file: &[Format] = if dirs.is_empty() {
        &[]
    } else {
        &PORTFOLIO_FORMATS
    };
    let generated_at = settings.now.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    // Each client's reports are written into the staging directories as soon as they are
    // rendered, and its report into the portfolio JSON, so memory holds a few clients and
    // the index rows, not the portfolio (issue 17). A failure or an interrupt drops the
    // staging directories: the old portfolio stays, as before.
    let staged = dirs
        .iter()
        .map(|d| atomic::StagedDir::begin(d, &inputs))
        .collect::<Result<Vec<_>, _>>()?;
    let json_wanted = !staged.is_empty()
        || args.format == Format::Json
        || files.iter().any(|(_, f)| *f == Format::Json);
    // The portfolio JSON goes straight into the first directory's index.json; without a
    // directory it is built in memory (it is printed or written whole at the end).
    enum JsonOut {
        File(PathBuf, std::io::BufWriter<std::fs::File>),
        Memory(Vec<u8>),
    }
    impl std::io::Write for JsonOut {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            match self {
                JsonOut::File(_, f) => f.write(buf),
                JsonOut::Memory(v) => v.write(buf),
            }
        }
        fn flush(&mut self) -> std::io::Result<()> {
            match self {
                JsonOut::File(_, f) => f.flush(),
                JsonOut::Memory(_) => Ok(()),
            }
        }
    }
    let json_err = |path: &Path| {
        let path = path.display().to_string();
        move |source| atomic::OutputError::Io { path, source }
    };
    let mut json = match (json_wanted, staged.first()) {
        (false, _) => None,
        (true, Some(first)) => {
            let (p, f) = first.create("index.json")?;
            let out = JsonOut::File(p.clone(), std::io::BufWriter::new(f));
            Some(crate::portfolio::JsonWriter::begin(out, &generated_at).map_err(json_err(&p))?)
        }
        (true, None) => Some(
            crate::portfolio::JsonWriter::begin(JsonOut::Memory(Vec::new()), &generated_at)
                .map_err(json_err(Path::new("<memory>")))?,
        ),
    };
    let jobs: Vec<(&Arrangement, Option<&crate::evidence::Evidence>)> = arrangements
        .iter()
        .zip(evidence.iter().map(Option::as_ref))
        .collect();
    let mut rows = Vec::with_capacity(jobs.len());
    // A few clients per core at a time: enough to keep the cores busy, few enough that
    // memory does not grow with the portfolio.
    let chunk = threads * 4;
    for (jobs, names) in jobs.chunks(chunk).zip(names.chunks(chunk)) {
        if atomic::interrupted() {
            return Err(atomic::OutputError::Interrupted.into());
        }
        let batch: Vec<(&(&Arrangement, Option<&crate::evidence::Evidence>), &String)> =
            jobs.iter().zip(names).collect();
        // Each worker writes its client's files itself, so rendering and writing overlap.
        let checked = crate::parallel::map(&batch, threads, |((a, ev), name)| {
            let mut c = check_one(&registry, a, &settings, per_file, &render_opts, *ev)?;
            if !staged.is_empty() {
                c.row.reports = PORTFOLIO_FORMATS
                    .iter()
                    .map(|f| format!("{name}.{}", f.extension()))
                    .collect();
                for dir in &staged {
                    for (f, text) in PORTFOLIO_FORMATS.iter().zip(&c.rendered) {
                        dir.write(&format!("{name}.{}", f.extension()), text.as_bytes())?;
                    }
                }
                c.rendered = Vec::new();
            }
            Ok::<_, Error>(c)
        });
        for c in checked {
            let c = c?;
            if let Some(w) = &mut json {
                w.report(&c.report)
                    .map_err(json_err(Path::new("index.json")))?;
            }
            rows.push(c.row);
        }
    }
    let index = crate::portfolio::Index::new(
        generated_at,
        rows,
        invalid
            .iter()
            .map(|(p, d)| crate::portfolio::Invalid::new(p, d))
            .collect(),
    );
    // The finished portfolio JSON: in the first directory (copied into the others), or in
    // memory; read back only when it must also go to a file or stdout.
    let mut json_bytes: Option<Vec<u8>> = None;
    if let Some(w) = json {
        match w
            .finish(&index)
            .map_err(json_err(Path::new("index.json")))?
        {
            JsonOut::File(p, f) => {
                let f = f.into_inner().map_err(|e| json_err(&p)(e.into_error()))?;
                staged[0].close(&p, f)?;
                for dir in &staged[1..] {
                    std::fs::copy(&p, dir.staged_path("index.json"))
                        .map_err(json_err(&dir.staged_path("index.json")))?;
                }
                if args.format == Format::Json || files.iter().any(|(_, f)| *f == Format::Json) {
                    json_bytes = Some(std::fs::read(&p).map_err(json_err(&p))?);
                }
            }
            JsonOut::Memory(v) => json_bytes = Some(v),
        }
    }
    let render_index = |f: Format| -> String {
        match f {
            Format::Json => {
                String::from_utf8_lossy(json_bytes.as_deref().unwrap_or_default()).into_owned()
            }
            Format::Markdown => crate::portfolio::markdown(&index),
            Format::Html => crate::portfolio::html(&index),
            _ => crate::portfolio::text(&index, color_stdout()),
        }
    };
    for dir in &staged {
        for f in [Format::Markdown, Format::Html] {
            dir.write(
                &format!("index.{}", f.extension()),
                render_index(f).as_bytes(),
            )?;
        }
    }
    for dir in staged {
        dir.commit()?;
    }
    let out: Vec<(PathBuf, String)> = files
        .iter()
        .map(|(o, f)| (o.clone(), render_index(*f)))
        .collect();
    let refs: Vec<(&std::path::Path, &[u8])> = out
        .iter()
        .map(|(p, t)| (p.as_path(), t.as_bytes()))
        .collect();
    atomic::write_all_atomic(&refs)?;
    let content = match args.format {
        Format::Text if color_stdout() => Content::Colored,
        Format::Text => Content::Text,
        _ => Content::Data,
    };
    term::print(&render_index(args.format), content)?;
    if !invalid.is_empty() {
        term::eprintln(&format!(
            "gapcheck: {} arrangement(s) invalid and not checked (listed above and in the index); the other {} were checked",
            invalid.len(),
            index.rows.len()
        ));
        return Ok(2);
    }
    Ok(if index.summary.failed == 0 { 0 } else { 1 })
}

/// A mapping from a control's words to capabilities is a claim an auditor must be able to
/// check: every control with `requires` should say why in `rationale`. The user's controls
/// get a warning each; built-in ones one line in total.
fn missing_rationales(registry: &Registry) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut builtin = 0;
    for cat in registry.catalogs.values() {
        let builtin_files: Vec<&str> = cat
            .files
            .iter()
            .filter(|f| f.builtin)
            .map(|f| f.path.as_str())
            .collect();
        for c in cat
            .controls
            .iter()
            .filter(|c| c.requires.is_some() && c.rationale.is_none())
        {
            if builtin_files.contains(&c.file.as_str()) {
                builtin += 1;
                continue;
            }
            out.push(Diagnostic {
                level: Level::Warning,
                file: c.file.clone(),
                pos: Some(c.pos),
                message: format!(
                    "control `{}` has `requires` but no `rationale`",
                    c.id
                ),
                help: Some("add `rationale:` naming the words of the control that justify each capability and threshold, e.g. \"'near real-time analysis' -> continuous\"".into()),
                source_line: None,
            });
        }
    }
    if builtin > 0 {
        out.push(Diagnostic {
            level: Level::Warning,
            file: "controls/".into(),
            pos: None,
            message: format!("{builtin} built-in controls have `requires` but no `rationale`"),
            help: Some("`gapcheck catalog show CATALOG:CONTROL` prints a control's mapping".into()),
            source_line: None,
        });
    }
    out
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

fn catalog_command(c: CatalogCommand) -> Result<u8, Error> {
    match c {
        CatalogCommand::List { catalogs } => {
            let registry = load_registry(&catalogs)?;
            term::print(&crate::report::text::catalog_list(&registry), Content::Text)?;
            Ok(0)
        }
        CatalogCommand::Show { target, catalogs } => {
            let registry = load_registry(&catalogs)?;
            let (cat_id, control) = match target.split_once(':') {
                Some((c, k)) => (c, Some(k)),
                None => (target.as_str(), None),
            };
            let cat = registry.get(cat_id).ok_or_else(|| {
                Error::Usage(format!(
                    "no catalog `{cat_id}`; {}",
                    crate::diag::choose_help(cat_id, &registry.ids())
                ))
            })?;
            match control {
                None => term::print(&crate::report::text::catalog_overview(cat), Content::Text)?,
                Some(id) => {
                    let c = cat.control(id).ok_or_else(|| {
                        let ids: Vec<&str> = cat.controls.iter().map(|c| c.id.as_str()).collect();
                        Error::Usage(format!(
                            "catalog `{cat_id}` has no control `{id}`; {}",
                            crate::diag::choose_help(id, &ids)
                        ))
                    })?;
                    term::print(
                        &crate::report::text::control_detail(cat, c, &registry),
                        Content::Text,
                    )?;
                }
            }
            Ok(0)
        }
        CatalogCommand::Validate { paths, no_builtin } => {
            let registry = Registry::load(!no_builtin, &paths)?;
            print_warnings(&registry.warnings);
            print_warnings(&missing_rationales(&registry));
            let user: Vec<_> = registry
                .catalogs
                .values()
                .filter(|c| c.files.iter().any(|f| !f.builtin))
                .collect();
            // Count by the files the user named: a built-in path such as
            // controls/cmmc.yaml passed with --no-builtin is the user's file here.
            let controls: usize = user
                .iter()
                .map(|c| {
                    let theirs: Vec<&str> = c
                        .files
                        .iter()
                        .filter(|f| !f.builtin)
                        .map(|f| f.path.as_str())
                        .collect();
                    c.controls
                        .iter()
                        .filter(|k| theirs.contains(&k.file.as_str()))
                        .count()
                })
                .sum();
            term::print(
                &format!(
                    "ok: {} catalog(s) with {controls} control(s) from {} path(s) are valid\n",
                    user.len(),
                    paths.len()
                ),
                Content::Text,
            )?;
            Ok(0)
        }
        CatalogCommand::Import {
            file,
            catalog,
            output,
            map,
            id,
            no_builtin,
        } => import_catalog(
            &file,
            catalog.as_deref(),
            output.as_deref(),
            map.as_deref(),
            id,
            !no_builtin,
        ),
        CatalogCommand::Export {
            id,
            format,
            catalogs,
        } if format == "oscal" => export::catalog_oscal(&id, &catalogs),
        CatalogCommand::Export { id, .. } => {
            let (_, text) = catalog::BUILTIN_CATALOGS
                .iter()
                .find(|(path, _)| {
                    path.trim_start_matches("controls/")
                        .trim_end_matches(".yaml")
                        == id
                })
                .ok_or_else(|| {
                    let ids: Vec<&str> = catalog::BUILTIN_CATALOGS
                        .iter()
                        .map(|(p, _)| p.trim_start_matches("controls/").trim_end_matches(".yaml"))
                        .collect();
                    Error::Usage(format!(
                        "no built-in catalog `{id}`; {}",
                        crate::diag::choose_help(&id, &ids)
                    ))
                })?;
            term::print(text, Content::Data)?;
            Ok(0)
        }
    }
}

/// A starter arrangement that loads as it is: the model's usual providers, and the ongoing
/// work assigned the way that model assigns it.
pub fn init_template(
    registry: &Registry,
    model: Model,
    frameworks: &[String],
) -> Result<String, Error> {
    let mut fw_lines = String::new();
    let frameworks: Vec<String> = if frameworks.is_empty() {
        vec!["service-model".into()]
    } else {
        frameworks.to_vec()
    };
    for f in &frameworks {
        let (cat, profile) = match f.split_once(':') {
            Some((c, p)) => (c, Some(p)),
            None => (f.as_str(), None),
        };
        let Some(c) = registry.get(cat) else {
            return Err(Error::Usage(format!(
                "unknown framework `{cat}`; {}",
                crate::diag::choose_help(cat, &registry.ids())
            )));
        };
        if let Some(p) = profile {
            if !c.profiles.contains_key(p) {
                let names: Vec<&str> = c.profiles.keys().map(String::as_str).collect();
                return Err(Error::Usage(format!(
                    "catalog `{cat}` has no profile `{p}`; {}",
                    crate::diag::choose_help(p, &names)
                )));
            }
            fw_lines.push_str(&format!("  - catalog: {cat}\n    profile: {p}\n"));
        } else if c.profile_required {
            let names: Vec<&str> = c.profiles.keys().map(String::as_str).collect();
            return Err(Error::Usage(format!(
                "catalog `{cat}` needs a profile: write `--framework {cat}:PROFILE` with one of {}",
                names.join(", ")
            )));
        } else {
            fw_lines.push_str(&format!("  - {cat}\n"));
        }
    }
    let (providers, owner_ongoing, owner_org) = match model {
        Model::BreakFix => (
            "  internal:\n    kind: internal\n    name: Office manager\n    ftes: 0\n  repair-shop:\n    kind: break-fix\n    name: Local repair shop (hourly)\n",
            "repair-shop",
            "internal",
        ),
        Model::Managed => (
            "  internal:\n    kind: internal\n    name: Management\n    ftes: 0\n  msp:\n    kind: msp\n    name: Example Managed Services\n    coverage: 24x7\n    tooling: [rmm, edr, ticketing]\n",
            "msp",
            "internal",
        ),
        Model::CoManaged => (
            "  internal:\n    kind: internal\n    name: Internal IT\n    ftes: 2\n    coverage: business-hours\n  msp:\n    kind: msp\n    name: Example Managed Services\n    coverage: 24x7\n    tooling: [rmm, edr, siem, ticketing]\n",
            "msp",
            "internal",
        ),
    };
    let mut rows = String::new();
    for cap in registry.vocabulary.iter() {
        let owner = match cap.kind {
            crate::capability::CapabilityKind::Organizational => owner_org,
            crate::capability::CapabilityKind::OnDemand => owner_ongoing,
            crate::capability::CapabilityKind::Ongoing
                if model == Model::BreakFix && cap.id != "help-desk" =>
            {
                continue;
            }
            crate::capability::CapabilityKind::Ongoing => owner_ongoing,
        };
        rows.push_str(&format!("  {}: {{owner: {owner}}}\n", cap.id));
    }
    Ok(format!(
        "# yaml-language-server: $schema=arrangement.schema.json\n\
         # (write that file with: gapcheck schema arrangement > arrangement.schema.json)\n\
         # gapcheck arrangement: how this organization's IT support is arranged.\n\
         # Edit every value, then run: gapcheck check <this file>\n\
         gapcheck: 1\n\
         organization:\n  name: Example Organization\n  employees: 25\n  budget: {budget}\n  after_hours_required: false\n  scalability: moderate\n\
         model: {model}\n\
         frameworks:\n{fw_lines}\
         providers:\n{providers}\
         # The division-of-responsibility matrix: capability -> owner(s), with cadence, coverage,\n\
         # response time and escalation where a control asks for them.\n\
         responsibilities:\n{rows}\
         attestations: []\n\
         exceptions: []\n",
        budget = if model == Model::BreakFix {
            "variable"
        } else {
            "fixed"
        },
    ))
}

/// `catalog import`: converts, validates the result exactly as `-c` would load it (with the
/// built-ins, so an id clash is caught now), then writes it.
fn import_catalog(
    file: &std::path::Path,
    catalog: Option<&std::path::Path>,
    output: Option<&std::path::Path>,
    map: Option<&std::path::Path>,
    id: Option<String>,
    builtin: bool,
) -> Result<u8, Error> {
    let options = crate::oscal::ImportOptions { id };
    let imported = match catalog {
        Some(c) => crate::oscal::import_profile_file(file, c, map, &options),
        None => crate::oscal::import_file(file, map, &options),
    }
    .map_err(|e| Error::Invalid(e.into_diagnostics()))?;
    print_warnings(&imported.warnings);
    let shown = output.map_or_else(|| "<stdout>".to_owned(), |o| o.display().to_string());
    Registry::load_text(builtin, &shown, &imported.yaml)?;
    match output {
        Some(o) => {
            let mut inputs = vec![file.to_path_buf()];
            inputs.extend(catalog.map(std::path::Path::to_path_buf));
            inputs.extend(map.map(std::path::Path::to_path_buf));
            atomic::refuse_inputs(o, &inputs)?;
            atomic::write_atomic(o, imported.yaml.as_bytes())?;
            term::eprintln(&format!(
                "gapcheck: imported {} control(s) as catalog `{}` into {} ({} withdrawn skipped, {} left out as unmapped)",
                imported.controls,
                imported.id,
                o.display(),
                imported.withdrawn,
                imported.omitted
            ));
        }
        None => term::print(&imported.yaml, Content::Data)?,
    }
    Ok(0)
}
