//! `gapcheck export ssp|poam|findings` and the OSCAL form of `catalog export` (issue 14).
//! Kept apart from the rest of the command line: it only loads, evaluates, builds a document
//! and writes it atomically, like `check -o`.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use jiff::civil::Date;

use super::{CatalogArgs, Error, cli_date, load_arrangement, load_registry, now};
use crate::evaluate::Options;
use crate::export::{self, Encoding};
use crate::output::atomic;
use crate::report::Assessment;

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// An OSCAL 1.1 system security plan (-o ssp.json or ssp.yaml)
    Ssp {
        #[command(flatten)]
        common: ExportArgs,
        /// The plan from this provider's side: what it provides and what the customer must do
        #[arg(long, value_name = "PROVIDER")]
        as_provider: Option<String>,
    },
    /// The OSCAL profile an SSP imports (-o gapcheck-profile.json, the name the SSP uses)
    Profile {
        #[command(flatten)]
        common: ExportArgs,
    },
    /// A plan of action and milestones: OSCAL (-o poam.json/.yaml) or a sheet (-o poam.csv)
    Poam {
        #[command(flatten)]
        common: ExportArgs,
    },
    /// The findings sheet: one CSV row per finding (-o findings.csv)
    Findings {
        #[command(flatten)]
        common: ExportArgs,
    },
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The arrangement file
    arrangement: PathBuf,
    #[command(flatten)]
    catalogs: CatalogArgs,
    /// Where to write the document; its format comes from the extension
    #[arg(short = 'o', long = "output", value_name = "FILE", required = true)]
    output: PathBuf,
    /// The date exceptions expire against (default: today, UTC)
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = cli_date)]
    today: Option<Date>,
}

/// What the output file's extension asks for, per export.
enum Target {
    Oscal(Encoding),
    Csv,
}

fn target(path: &Path, csv: bool, oscal: bool, what: &str) -> Result<Target, Error> {
    match path.extension().and_then(|e| e.to_str()) {
        Some("csv") if csv => Some(Target::Csv),
        _ if oscal => Encoding::from_path(path).map(Target::Oscal),
        _ => None,
    }
    .ok_or_else(|| {
        let mut exts = Vec::new();
        if oscal {
            exts.push(".json, .yaml (OSCAL)");
        }
        if csv {
            exts.push(".csv");
        }
        Error::Usage(format!(
            "{}: {what} is written as {}; name the file with one of these extensions",
            path.display(),
            exts.join(" or ")
        ))
    })
}

pub fn run(cmd: ExportCommand) -> Result<u8, Error> {
    let (common, kind, as_provider) = match cmd {
        ExportCommand::Ssp {
            common,
            as_provider,
        } => (common, "ssp", as_provider),
        ExportCommand::Poam { common } => (common, "poam", None),
        ExportCommand::Profile { common } => (common, "profile", None),
        ExportCommand::Findings { common } => (common, "findings", None),
    };
    let target = match kind {
        "ssp" => target(&common.output, false, true, "an SSP")?,
        "poam" => target(&common.output, true, true, "a POA&M")?,
        "profile" => target(&common.output, false, true, "a profile")?,
        _ => target(&common.output, true, false, "the findings sheet")?,
    };
    let registry = load_registry(&common.catalogs)?;
    let a = load_arrangement(&common.arrangement, &registry)?;
    let mut inputs = vec![common.arrangement.clone()];
    inputs.extend(common.catalogs.catalogs.iter().cloned());
    atomic::refuse_inputs(&common.output, &inputs)?;
    let now = now()?;
    let today = common
        .today
        .unwrap_or_else(|| now.to_zoned(jiff::tz::TimeZone::UTC).date());
    let opts = Options::new(today);
    let assessment = Assessment::new(&registry, &a, &opts);
    let generated_at = now.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    let run = assessment.run(&a, &registry, &opts, generated_at, None);
    let text = match (kind, target) {
        ("ssp", Target::Oscal(enc)) => {
            let doc = export::ssp::build(&run, as_provider.as_deref())
                .map_err(|e| Error::Usage(e.to_string()))?;
            export::encode(&doc, enc)
        }
        ("profile", Target::Oscal(enc)) => {
            let doc = export::profile::build(&run).map_err(Error::Usage)?;
            export::encode(&doc, enc)
        }
        ("poam", t) => {
            let items = export::poam::items(&run).map_err(Error::Usage)?;
            match t {
                Target::Csv => export::poam::csv(&run, &items),
                Target::Oscal(enc) => match export::poam::build(&run, &items) {
                    Some(doc) => export::encode(&doc, enc),
                    None => {
                        crate::term::eprintln(&format!(
                            "gapcheck: every control in scope is met, so there is nothing to plan; \
                             OSCAL requires at least one POA&M item, so {} was not written",
                            common.output.display()
                        ));
                        return Ok(0);
                    }
                },
            }
        }
        _ => export::findings_csv::render(&run),
    };
    atomic::write_atomic(&common.output, text.as_bytes())?;
    Ok(0)
}

/// `catalog export ID --format oscal`: the OSCAL catalog of any loaded catalog.
pub fn catalog_oscal(id: &str, catalogs: &CatalogArgs) -> Result<u8, Error> {
    let registry = load_registry(catalogs)?;
    let cat = registry.get(id).ok_or_else(|| {
        Error::Usage(format!(
            "no catalog `{id}`; {}",
            crate::diag::choose_help(id, &registry.ids())
        ))
    })?;
    let stamp = now()?.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    let doc = export::oscal_catalog::build(cat, &stamp).map_err(Error::Usage)?;
    crate::term::print(
        &export::encode(&doc, Encoding::Json),
        crate::term::Content::Data,
    )?;
    Ok(0)
}
