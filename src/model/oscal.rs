//! Importing an OSCAL catalog (JSON or YAML) as a gapcheck catalog (DESIGN §4), or the
//! controls an OSCAL profile selects from its catalog (NIST's SP 800-53B baselines).
//!
//! OSCAL is large; only the parts a gapcheck catalog carries are modelled, and everything
//! else is ignored, so catalogs from any OSCAL version with these fields import. Errors name
//! the OSCAL path of the offending value (`catalog.groups[3].controls[7].id`), because an
//! OSCAL file is usually minified JSON where a line number alone does not help.
//!
//! The output is YAML text, written by a small emitter that double-quotes every string: a
//! control title such as `No: see AC-2` or `yes` must come back as the same string, and
//! quoting everything is the one rule that is easy to prove correct.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::path::Path;

use regex::Regex;
use serde::Deserialize;

use crate::capability::Vocabulary;
use crate::catalog::{self, Severity};
use crate::decode::{self, Fields, Keyword};
use crate::diag::{Diagnostic, Level, Pos, Sink};
use crate::yaml::{self, Key, Node, Value};

mod convert;
mod emit;
mod mapping;
mod profile;
mod text;
mod walk;

use convert::*;
use emit::Emitter;
pub use emit::quote;
pub use mapping::Mapping;
pub use profile::import_profile_file;
use profile::*;
use text::Text;
use walk::*;
pub use walk::{MAX_EXPANDED_BYTES, MAX_PARAM_DEPTH};

/// Why an import failed. Every variant says where: the OSCAL path, or the mapping file's
/// line and column.
#[derive(Debug, thiserror::Error)]
pub enum OscalError {
    /// The file could not be read (missing, too large, not UTF-8).
    #[error("{0}")]
    Read(Diagnostic),
    /// The file is not JSON/YAML, or a value has the wrong shape.
    #[error("{file}: {path}: {message}")]
    Parse {
        file: String,
        path: String,
        message: String,
        pos: Option<Pos>,
    },
    /// The file is well-formed OSCAL but cannot become a gapcheck catalog as it is.
    #[error("{file}: {path}: {message}")]
    Invalid {
        file: String,
        path: String,
        message: String,
    },
    /// The files given do not go together: a profile without its catalog, a catalog with
    /// `--catalog`, or a catalog that lacks controls the profile selects.
    #[error("{file}: {path}: {message}")]
    Pairing {
        file: String,
        path: String,
        message: String,
        help: String,
    },
    /// The `--map` file has errors (each located in that file).
    #[error("{} error(s) in the mapping file", .0.len())]
    Map(Vec<Diagnostic>),
}

impl OscalError {
    /// The error as diagnostics, so the command line prints it like every other input error.
    pub fn into_diagnostics(self) -> Vec<Diagnostic> {
        let diag = |file: String, pos, message: String, help: &str| Diagnostic {
            level: Level::Error,
            file,
            pos,
            message,
            help: Some(help.to_owned()),
            source_line: None,
        };
        match self {
            OscalError::Read(d) => vec![d],
            OscalError::Parse {
                file,
                path,
                message,
                pos,
            } => vec![diag(
                file,
                pos,
                format!("{path}: {message}"),
                "check the file against the OSCAL catalog model",
            )],
            OscalError::Invalid {
                file,
                path,
                message,
            } => vec![diag(
                file,
                None,
                format!("{path}: {message}"),
                "fix the OSCAL file at this path",
            )],
            OscalError::Pairing {
                file,
                path,
                message,
                help,
            } => vec![diag(file, None, format!("{path}: {message}"), &help)],
            OscalError::Map(diags) => diags,
        }
    }
}

// ---------------------------------------------------------------------------------------
// The OSCAL model: only what is used. Unknown fields are ignored on purpose.

/// An OSCAL document: a catalog, or a profile (a selection from a catalog, such as NIST's
/// SP 800-53B baselines).
#[derive(Debug, Deserialize)]
struct Document<'a> {
    #[serde(borrow, default)]
    catalog: Option<OscalCatalog<'a>>,
    #[serde(borrow, default)]
    profile: Option<OscalProfile<'a>>,
}

#[derive(Debug, Deserialize)]
struct OscalProfile<'a> {
    #[serde(borrow)]
    metadata: Metadata<'a>,
    #[serde(borrow, default)]
    imports: Vec<ProfileImport<'a>>,
    /// Parameter settings and alterations: not applied (the import says so).
    #[serde(default)]
    modify: Option<serde::de::IgnoredAny>,
}

#[derive(Debug, Deserialize)]
struct ProfileImport<'a> {
    #[serde(borrow, default)]
    href: Text<'a>,
    #[serde(rename = "include-all", default)]
    include_all: Option<serde::de::IgnoredAny>,
    #[serde(borrow, rename = "include-controls", default)]
    include_controls: Vec<Selector<'a>>,
    #[serde(borrow, rename = "exclude-controls", default)]
    exclude_controls: Vec<Selector<'a>>,
}

#[derive(Debug, Deserialize)]
struct Selector<'a> {
    #[serde(borrow, rename = "with-ids", default)]
    with_ids: Vec<Text<'a>>,
    #[serde(default)]
    matching: Vec<serde::de::IgnoredAny>,
    #[serde(borrow, rename = "with-child-controls", default)]
    with_child_controls: Option<Text<'a>>,
}

#[derive(Debug, Deserialize)]
struct OscalCatalog<'a> {
    #[serde(borrow)]
    metadata: Metadata<'a>,
    #[serde(borrow, default)]
    params: Vec<Param<'a>>,
    #[serde(borrow, default)]
    controls: Vec<OscalControl<'a>>,
    #[serde(borrow, default)]
    groups: Vec<Group<'a>>,
}

#[derive(Debug, Deserialize)]
struct Metadata<'a> {
    #[serde(borrow)]
    title: Text<'a>,
    #[serde(borrow, default)]
    version: Option<Text<'a>>,
}

#[derive(Debug, Deserialize)]
struct Group<'a> {
    #[serde(borrow, default)]
    id: Option<Text<'a>>,
    #[serde(borrow)]
    title: Text<'a>,
    #[serde(borrow, default)]
    params: Vec<Param<'a>>,
    #[serde(borrow, default)]
    controls: Vec<OscalControl<'a>>,
    #[serde(borrow, default)]
    groups: Vec<Group<'a>>,
}

#[derive(Debug, Deserialize)]
struct OscalControl<'a> {
    #[serde(borrow)]
    id: Text<'a>,
    #[serde(borrow)]
    title: Text<'a>,
    #[serde(borrow, default)]
    params: Vec<Param<'a>>,
    #[serde(borrow, default)]
    props: Vec<Prop<'a>>,
    #[serde(borrow, default)]
    links: Vec<Link<'a>>,
    #[serde(borrow, default)]
    parts: Vec<Part<'a>>,
    #[serde(borrow, default)]
    controls: Vec<OscalControl<'a>>,
}

#[derive(Debug, Deserialize)]
struct Prop<'a> {
    #[serde(borrow)]
    name: Text<'a>,
    #[serde(borrow)]
    value: Text<'a>,
    #[serde(borrow, default)]
    class: Option<Text<'a>>,
    #[serde(borrow, default)]
    ns: Option<Text<'a>>,
}

#[derive(Debug, Deserialize)]
struct Link<'a> {
    #[serde(borrow)]
    href: Text<'a>,
    #[serde(borrow, default)]
    rel: Option<Text<'a>>,
}

#[derive(Debug, Deserialize)]
struct Param<'a> {
    #[serde(borrow)]
    id: Text<'a>,
    #[serde(borrow, default)]
    label: Option<Text<'a>>,
    #[serde(borrow, default)]
    values: Vec<Text<'a>>,
    #[serde(borrow, default)]
    select: Option<Select<'a>>,
}

#[derive(Debug, Deserialize)]
struct Select<'a> {
    #[serde(borrow, rename = "how-many", default)]
    how_many: Option<Text<'a>>,
    #[serde(borrow, default)]
    choice: Vec<Text<'a>>,
}

#[derive(Debug, Deserialize)]
struct Part<'a> {
    #[serde(borrow)]
    name: Text<'a>,
    #[serde(borrow, default)]
    props: Vec<Prop<'a>>,
    #[serde(borrow, default)]
    prose: Option<Text<'a>>,
    #[serde(borrow, default)]
    parts: Vec<Part<'a>>,
}

/// An OSCAL label: the `label` prop in the default namespace without a class. NIST also
/// ships zero-padded (`AC-02`) and SP 800-53A labels under classes; those are not the
/// printed form.
fn label<'p>(props: &'p [Prop<'_>]) -> Option<&'p str> {
    let labels = || props.iter().filter(|p| p.name == "label" && p.ns.is_none());
    labels()
        .find(|p| p.class.is_none())
        .or_else(|| labels().next())
        .map(|p| p.value.as_str())
}

fn is_withdrawn(props: &[Prop]) -> bool {
    props
        .iter()
        .any(|p| p.name == "status" && p.value.eq_ignore_ascii_case("withdrawn"))
}

/// The printed form of an OSCAL id when a control carries no label: `ca-7.4` → `CA-7(4)`.
fn printed_id(oscal_id: &str) -> String {
    let mut parts = oscal_id.split('.');
    let base = parts.next().unwrap_or_default().to_ascii_uppercase();
    parts.fold(base, |mut out, p| {
        let _ = write!(out, "({p})");
        out
    })
}

// ---------------------------------------------------------------------------------------
// Reading.

/// Options for one import.
#[derive(Debug, Default, Clone)]
pub struct ImportOptions {
    /// The catalog id to give the result; derived from the OSCAL title when absent.
    pub id: Option<String>,
}

/// An imported catalog, ready to write.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The catalog id in the YAML.
    pub id: String,
    /// The gapcheck catalog, as YAML text.
    pub yaml: String,
    /// The tree [`yaml::parse`] makes of `yaml`, positions included, built while writing it,
    /// so the import is validated without parsing its own output; `None` when the catalog
    /// has no controls (then the text is what gets validated).
    pub tree: Option<Node>,
    /// How many controls (and enhancements) were imported.
    pub controls: usize,
    /// How many were skipped because OSCAL marks them withdrawn.
    pub withdrawn: usize,
    /// How many were left out because the mapping says `unmapped: omit` and no rule
    /// names them.
    pub omitted: usize,
    /// Mapping rules that matched no control (usually a typo in the mapping file).
    pub warnings: Vec<Diagnostic>,
}

/// Reads an OSCAL catalog file and, optionally, a mapping file, and imports them.
pub fn import_file(
    path: &Path,
    map: Option<&Path>,
    options: &ImportOptions,
) -> Result<Imported, OscalError> {
    let (file, text) = read_oscal_text(path)?;
    let mapping = read_mapping_file(map)?;
    import_str(
        &file,
        &text,
        is_json(path, &text),
        mapping.as_ref(),
        options,
    )
}

fn read_mapping_file(map: Option<&Path>) -> Result<Option<Mapping>, OscalError> {
    let Some(m) = map else {
        return Ok(None);
    };
    let map_text = catalog::read_text(m).map_err(OscalError::Read)?;
    Mapping::parse(&m.display().to_string(), &map_text).map(Some)
}

/// Imports OSCAL catalog text. `file` only names the input in errors.
pub fn import_str(
    file: &str,
    text: &str,
    json: bool,
    mapping: Option<&Mapping>,
    options: &ImportOptions,
) -> Result<Imported, OscalError> {
    let doc = parse(file, text, json)?;
    match (doc.catalog, doc.profile) {
        (Some(catalog), _) => convert(file, &catalog, &Source::Catalog, mapping, options),
        (None, Some(profile)) => Err(OscalError::Pairing {
            file: file.to_owned(),
            path: "profile".into(),
            message: format!(
                "this is an OSCAL profile (`{}`), a selection of controls from a catalog it does not contain",
                profile.metadata.title.trim()
            ),
            help: format!(
                "pass the catalog it selects from too: `gapcheck catalog import {file} --catalog CATALOG.json` (for NIST's SP 800-53B baselines, the SP 800-53 Rev 5 catalog)"
            ),
        }),
        (None, None) => Err(neither(file)),
    }
}

fn neither(file: &str) -> OscalError {
    OscalError::Invalid {
        file: file.to_owned(),
        path: "(document)".into(),
        message: "the file holds neither an OSCAL `catalog` nor a `profile`".into(),
    }
}

fn parse<'t>(file: &str, text: &'t str, json: bool) -> Result<Document<'t>, OscalError> {
    if json {
        parse_json(file, text)
    } else {
        parse_yaml(file, text)
    }
}

/// Whether a file is JSON, by its extension or else its first character.
fn is_json(path: &Path, text: &str) -> bool {
    match path.extension().and_then(|e| e.to_str()) {
        Some("json") => true,
        Some("yaml" | "yml") => false,
        _ => text.trim_start().starts_with('{'),
    }
}

/// Reads an OSCAL file's text, refusing the XML form with a clear message.
fn read_oscal_text(path: &Path) -> Result<(String, String), OscalError> {
    let text = catalog::read_text(path).map_err(OscalError::Read)?;
    let file = path.display().to_string();
    if text.trim_start().starts_with('<') {
        return Err(OscalError::Parse {
            file,
            path: "(document)".into(),
            message: "this looks like OSCAL XML; gapcheck imports the JSON or YAML form \
                      (NIST publishes all three)"
                .into(),
            pos: Some(Pos::new(1, 1)),
        });
    }
    Ok((file, text))
}

/// Parses an OSCAL file of either kind read by [`read_oscal_text`].
fn parse_document<'t>(path: &Path, file: &str, text: &'t str) -> Result<Document<'t>, OscalError> {
    parse(file, text, is_json(path, text))
}

fn parse_json<'t>(file: &str, text: &'t str) -> Result<Document<'t>, OscalError> {
    // Tracking the path of every value costs about as much as the parse itself (a profile of
    // importing NIST's HIGH catalog: 31 % of the run), and the path is only needed to locate
    // an error. So a valid document is parsed plainly; an invalid one is parsed again with
    // tracking, which finds the same error and says where.
    if let Ok(doc) = serde_json::from_str::<Document>(text) {
        return Ok(doc);
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let doc = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let inner = e.inner();
        let pos = (inner.line() > 0).then(|| {
            Pos::new(
                u32::try_from(inner.line()).unwrap_or(u32::MAX),
                u32::try_from(inner.column()).unwrap_or(u32::MAX),
            )
        });
        OscalError::Parse {
            file: file.to_owned(),
            path: path_text(e.path()),
            message: strip_json_position(&inner.to_string()),
            pos,
        }
    })?;
    de.end().map_err(|e| OscalError::Parse {
        file: file.to_owned(),
        path: "(end of file)".into(),
        message: strip_json_position(&e.to_string()),
        pos: Some(Pos::new(
            u32::try_from(e.line()).unwrap_or(u32::MAX),
            u32::try_from(e.column()).unwrap_or(u32::MAX),
        )),
    })?;
    Ok(doc)
}

/// serde_json appends " at line L column C"; the position is printed in front already.
fn strip_json_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

fn parse_yaml<'t>(file: &str, text: &'t str) -> Result<Document<'t>, OscalError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut failed_at = None;
    let result =
        serde_saphyr::with_deserializer_from_str_with_options(text, yaml::options(), |de| {
            serde_path_to_error::deserialize(de).map_err(|e| {
                failed_at = Some(path_text(e.path()));
                e.into_inner()
            })
        });
    result.map_err(|e| {
        let pos = e
            .location()
            .map(|l| {
                Pos::new(
                    u32::try_from(l.line()).unwrap_or(u32::MAX),
                    u32::try_from(l.column()).unwrap_or(u32::MAX),
                )
            })
            .filter(|p| p.line > 0);
        OscalError::Parse {
            file: file.to_owned(),
            path: failed_at.unwrap_or_else(|| "(document)".into()),
            message: yaml::describe(&e).0,
            pos,
        }
    })
}

/// The path serde_path_to_error recorded, rooted at the document (`.` when the error is at
/// the top).
fn path_text(path: &serde_path_to_error::Path) -> String {
    let s = path.to_string();
    if s.is_empty() || s == "." {
        "(document)".to_owned()
    } else {
        s
    }
}

// ---------------------------------------------------------------------------------------
// Mapping file: `{rules: [{id|pattern, requires?, severity?}]}`, first match wins.

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(s: &str) -> String {
        let src = format!("k: {}\n", quote(s));
        let mut sink = Sink::new("t.yaml", &src);
        let node = yaml::parse(&src, &mut sink).unwrap_or_else(|| panic!("{src:?}: {sink:?}"));
        match &node.get("k").unwrap().value {
            Value::Str(v) => v.clone(),
            other => panic!("{s:?} came back as {other:?}"),
        }
    }

    #[test]
    fn quoted_strings_round_trip() {
        let tricky = [
            "yes",
            "no",
            "null",
            "~",
            "1.0",
            "0x10",
            "-",
            "- a",
            ": b",
            "a: b",
            "#c",
            "a #c",
            "&anchor",
            "*alias",
            "!tag",
            "%dir",
            "@",
            "`",
            "'single'",
            "\"double\"",
            "back\\slash",
            "{{ insert: param, x }}",
            "[Selection: a; b]",
            "line\nbreak",
            "tab\tin",
            " lead",
            "trail ",
            "",
            "é ü — “quotes” 漢字 🦀",
            "\u{7f}\u{85}\u{9f}\u{feff}\u{fffe}\u{2028}",
        ];
        for s in tricky {
            assert_eq!(roundtrip(s), s, "{s:?}");
        }
        let every: String = (0u32..0x300).filter_map(char::from_u32).collect();
        assert_eq!(roundtrip(&every), every);
    }

    #[test]
    fn printed_ids_from_oscal_ids() {
        assert_eq!(printed_id("ca-7"), "CA-7");
        assert_eq!(printed_id("ca-7.4"), "CA-7(4)");
        assert_eq!(printed_id("ac-2.12"), "AC-2(12)");
    }

    #[test]
    fn inserts_are_recognized_only_for_params() {
        assert_eq!(
            parse_insert(" insert: param, ac-1_prm_1 "),
            Some("ac-1_prm_1")
        );
        assert_eq!(parse_insert("insert:param,x"), Some("x"));
        assert_eq!(parse_insert(" insert: other, x "), None);
        assert_eq!(parse_insert(" not an insert "), None);
    }

    #[test]
    fn slugs_are_valid_catalog_ids() {
        assert_eq!(
            slug("NIST Special Publication 800-53 Revision 5.1.1 HIGH IMPACT BASELINE"),
            "nist-special-publication-800-53-revision-5-1-1-high-impact-baseline"
        );
        assert_eq!(slug("  ***  "), "oscal-catalog");
    }
}
