//! The command line: every subcommand, option and value, as clap parses them.

use super::*;

/// Exit codes, shown by `--help` and in the man pages (DESIGN §6).
pub(super) const EXIT_CODES: &str = "Exit codes:
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

pub(super) fn cli_regex(s: &str) -> Result<Regex, String> {
    regex::RegexBuilder::new(s)
        .size_limit(1 << 20)
        .build()
        .map_err(|e| e.to_string())
}

pub(super) fn cli_date(s: &str) -> Result<Date, String> {
    s.parse::<Date>()
        .ok()
        .filter(|_| s.len() == 10)
        .ok_or_else(|| "expected a real date as YYYY-MM-DD".to_owned())
}
